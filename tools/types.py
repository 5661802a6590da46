"""The data that flows through sound2sight.

Everything is a plain JSON-ready dict (typed with TypedDict) so that LangGraph can checkpoint it,
`run.json` can hold it and any backend (offline or a real model) can produce it.
Times are seconds from the start of the song.
"""

from typing import NotRequired, Protocol, TypedDict

import numpy as np

# ---------------------------------------------------------------- analysis


class Section(TypedDict):
    start: float
    end: float
    label: str  # intro, verse, chorus, bridge, outro (repetition-aware), or A/B/C…
    energy: float  # mean of the energy curve over the section, 0..1


class Credits(TypedDict, total=False):
    title: str  # the song's, as its file's tags name it
    artist: str


class Analysis(TypedDict):
    path: str
    credits: NotRequired[Credits]  # where the file's tags name them
    duration: float
    tempo: float  # BPM
    beats: list[float]
    downbeats: list[float]
    sections: list[Section]
    curve_hz: float  # sample rate of the three curves below
    energy: list[float]  # loudness, 0..1 over the song
    onset: list[float]  # onset strength (the beat pulse), 0..1
    vocal: list[float]  # estimated vocal presence, 0..1 (a song without a voice stays low)
    voice: NotRequired[list[float]]  # where a voice sings, 0..1 relative to the song
    chroma_hz: NotRequired[float]  # rate of the chroma rows
    chroma: NotRequired[list[list[float]]]  # harmony: 12 pitch-class levels (C..B) per row
    features: dict[str, float | str]  # key, mode, brightness, percussiveness, …


class Label(TypedDict):
    label: str
    score: float  # 0..1


class TagSet(TypedDict):
    style: list[Label]  # genre and instrumentation
    content: list[Label]  # what the music evokes (places, things, scenes)
    emotion: list[Label]


class Tags(TypedDict):
    source: str  # backend that produced them
    song: TagSet
    sections: list[TagSet]  # one per analysis section


class Story(TypedDict):
    source: str
    title: str
    logline: str
    text: str  # a short story for the whole song
    sections: list[str]  # one scene description per analysis section (segment-aligned)


class LyricLine(TypedDict):
    start: float  # seconds from the start of the song
    end: float
    text: str


Lyrics = list[LyricLine]


# ---------------------------------------------------------------- plan
# The shot is the contract between the writer and the video backends: every field is one
# element of the picture. Values are short English phrases; the names in `tools.shots`
# (places, times, weather, props, actions, expressions, framings, looks) are what the
# procedural renderer draws, and any other phrase is drawn as the nearest of them (recorded).


class Setting(TypedDict):
    place: str  # "lake", "rooftop", … or a short phrase ("a misty mountain lake")
    time: str  # sunrise | day | golden hour | sunset | dusk | night
    weather: str  # clear | rain | snow | fog | wind | storm


class Subject(TypedDict):
    character: str  # a character id ("c1")
    action: str  # "fish", "walk", "sing", "hold hands", …
    expression: str  # "joyful", "sad", "calm", …: face and body language


class ShotCamera(TypedDict):
    framing: str  # wide | medium | close-up
    move: str  # "slow push-in", "pan left", "orbit", "static", "handheld", …


class Shot(TypedDict):
    kind: str  # "story", or "performance": the singer (and band) performing the song
    setting: Setting
    view: int  # which view of the place (0, 1, 2…): another angle of the same place
    subjects: list[Subject]  # the characters on screen, each doing something
    props: list[str]  # objects in the picture ("fishing rod", "boat", "lantern")
    camera: ShotCamera
    lighting: str
    mood: str
    description: str  # the same shot told in one or two sentences


class Unmet(TypedDict):
    """A planned element that the renderer could not draw, and what it drew instead."""

    element: str  # place | time | weather | prop | action | expression | look | framing | move
    wanted: str
    drawn: str  # the substitute, or "" when nothing was drawn for it


class Drawn(TypedDict):
    """What a renderer actually put in the picture, in the names of `tools.shots`."""

    place: str
    view: int
    time: str
    weather: str
    props: list[str]
    subjects: list[Subject]
    look: str
    camera: ShotCamera
    accents: list[str]  # what the music drives: "beat flashes", "onset particles", "mouth"


class StyleBible(TypedDict):
    look: NotRequired[str]  # a named look of tools.shots.LOOKS: watercolor, neon, noir, …
    medium: str  # e.g. "flat vector animation with soft paper grain"
    palette: list[str]  # five hex colours: deep, dark, mid, accent, highlight
    lighting: str
    camera: str  # the camera language of the whole video
    mood: str
    text: str  # the verbatim block every scene prompt carries


class Character(TypedDict):
    id: str  # "c1"
    name: str
    figure: str  # person | astronaut | robot | dancer | singer …
    description: str  # verbatim appearance, carried into every prompt that shows them
    colors: dict[str, str]  # skin, hair, outfit, accent (hex): drawn and checked


class SectionScript(TypedDict):
    """What the writer says about one analysis section."""

    setting: str  # free text: "a rooftop in a rain-soaked city at night"
    action: str  # what happens
    camera: str  # "slow push-in", "pan left", "orbit", "static", "handheld", "crane up"
    characters: list[str]  # character ids on screen
    caption: NotRequired[str]  # optional on-screen text (a title, a lyric)
    shot: NotRequired[Shot]  # the section's shot; the other fields are its text forms
    performance: NotRequired[Shot]  # where someone sings: the singer (and band) performing
    variants: NotRequired[list[Shot]]  # other views and actions for the later scenes


class Script(TypedDict):
    writer: str
    title: str
    story: str
    bible: StyleBible
    characters: list[Character]
    sections: list[SectionScript]  # one per analysis section


class Scene(TypedDict):
    """One clip: the unit that is rendered, critiqued and regenerated."""

    id: str  # "s01"
    index: int
    start: float  # on a beat (a downbeat where the song has one there)
    end: float
    section: int  # index into Analysis.sections
    section_label: str
    setting: str
    description: str
    camera: str
    characters: list[str]
    intensity: float  # 0..1, mean energy over the scene
    prompt: str  # description + characters + bible, verbatim
    transition_in: str  # "cut" inside a section, "crossfade" or "flash" at a section change
    caption: NotRequired[str]
    lyrics: NotRequired[Lyrics]  # the lines sung during the scene, in song time: shown timed
    shot: Shot  # what the picture shows; setting, description and camera are its text forms


class Plan(TypedDict):
    request: str
    title: str
    story: str
    writer: str
    bible: StyleBible
    characters: list[Character]
    scenes: list[Scene]


class Anchors(TypedDict):
    """Visual references made once per video and used to keep every clip consistent."""

    style: str  # PNG: the look of the video
    characters: dict[str, str]  # character id -> PNG: the character sheet
    # setting key (tools.shots.setting_key) -> PNG: the look of each place at its time and in
    # its weather, where the backend makes one; a critic compares a clip with its own setting's.
    # View keys (tools.shots.view_key) -> PNG: the same from each view the plan shows
    settings: NotRequired[dict[str, str]]
    # scene id -> PNG: the first frame of the scene's clip, where the backend draws one
    keyframes: NotRequired[dict[str, str]]


class Rendered(TypedDict, total=False):
    """What a video backend says of a clip it rendered: the procedural renderer what it drew,
    a text-to-video backend the prompt the model got (and what had to be cut from it)."""

    drawn: Drawn
    unmet: list[Unmet]
    model_prompt: str
    prompt_tokens: int
    prompt_cut: list[str]
    first_frame: str  # the image the clip started from, or "none" (from text alone)


class Attempt(TypedDict):
    attempt: int  # 0 for the first render, 1.. for regenerations
    seed: int
    prompt: str
    path: str
    seconds: float  # wall time of the render
    scores: NotRequired[dict[str, float]]  # style, character, layout, overall: 0..1
    passed: NotRequired[bool]
    drawn: NotRequired[Drawn]  # what the renderer drew (renderers that can say)
    unmet: NotRequired[list[Unmet]]  # planned elements it drew otherwise
    model_prompt: NotRequired[str]  # the prompt a text-to-video model got, within its budget
    prompt_tokens: NotRequired[int]
    prompt_cut: NotRequired[list[str]]  # what was cut from the prompt to fit
    first_frame: NotRequired[str]  # the image the clip started from, or "none"


# ---------------------------------------------------------------- roles


class Tagger(Protocol):
    name: str

    def tag(self, audio: np.ndarray, sr: int, analysis: Analysis) -> Tags: ...


class Listener(Protocol):
    name: str

    def listen(self, audio: np.ndarray, sr: int, analysis: Analysis, *, request: str) -> Story: ...


class Writer(Protocol):
    name: str

    def write(
        self,
        *,
        analysis: Analysis,
        tags: Tags | None,
        story: Story | None,
        request: str,
        lyrics: Lyrics | None = None,
    ) -> Script: ...


class VideoBackend(Protocol):
    name: str
    max_clip_seconds: float  # longest clip it renders in one go

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors: ...

    def render(
        self,
        scene: Scene,
        *,
        plan: Plan,
        analysis: Analysis,
        anchors: Anchors,
        out_path: str,
        size: tuple[int, int],
        fps: int,
        seed: int,
    ) -> "Rendered | None":
        """Write exactly round(end*fps) - round(start*fps) frames, no audio, to out_path;
        a renderer that knows what it drew says so."""
        ...


class Critic(Protocol):
    name: str
    threshold: float  # a clip whose overall score is below this is regenerated

    def score(
        self, frames: list[np.ndarray], *, scene: Scene, plan: Plan, anchors: Anchors
    ) -> dict[str, float]: ...


class LyricsTranscriber(Protocol):
    name: str

    def transcribe(self, audio: np.ndarray, sr: int, analysis: Analysis) -> Lyrics: ...


class Aligner(Protocol):
    """Times the lines the user gave (stanzas of lines) where they are sung."""

    def align(self, audio: np.ndarray, sr: int, stanzas: list[list[str]]) -> Lyrics: ...


class Judge(Protocol):
    """A vision-language judge: scores the review's judged dimensions from the contact sheet."""

    name: str  # its spec, as the review reports it

    def judge(self, *, run: dict, sheet: str, music: str) -> dict[str, dict]:
        """{dimension: {"score": 0..1, "reason": str}} for the judged dimensions; `sheet` is the
        contact sheet's PNG, `music` the song's mood and sections in words."""
        ...


# role -> the Protocol its backends follow (checked when a backend is looked up)
ROLES: dict[str, type] = {
    "tagger": Tagger,
    "listener": Listener,
    "writer": Writer,
    "video": VideoBackend,
    "critic": Critic,
    "lyrics": LyricsTranscriber,
    "aligner": Aligner,
    "judge": Judge,
}
