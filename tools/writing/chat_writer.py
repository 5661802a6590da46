"""The script writer as a chat model, whatever runs it: prompts, reply schema, post-checks.

The model gets the song's sections (times, labels, energy, dramatic role, whether someone
sings), the tags of pipeline 1 and/or the story of pipeline 2, the lyrics and the user's
request, and answers with one JSON object that a pydantic schema mirroring `Script` validates:
one style bible with its look, one character sheet, exactly one section per section, each with
a structured shot (and a performance shot where someone sings). The system prompt offers the
names of `tools.shots` as the preferred words; free phrases are kept (the renderer draws the
nearest known element). Post-checks (sections in order, character ids that exist, outfits that
stand out from the palette) feed the same repair loop as schema errors. The bible's `text`,
carried verbatim in every scene prompt, is composed here from the bible's fields so that it
always agrees with them. `ChatWriter` does all of this with any chat model;
`tools.writing.openai_writer.OpenAIWriter` (an OpenAI-compatible server) and
`tools.writing.transformers_writer.TransformersWriter` (a local model) only choose the model.
"""

from typing import Annotated, Literal

from pydantic import Field

from prompts import render
from tools import shots
from tools.errors import InvalidInputError
from tools.llm.replies import JsonChat, StrictModel, exactly, numbering_problems
from tools.types import (
    Analysis,
    Character,
    Credits,
    Lyrics,
    Script,
    Section,
    SectionScript,
    Shot,
    Story,
    StyleBible,
    Tags,
    TagSet,
)
from tools.writing.directing import sung
from tools.writing.request import FIGURES, Intent, parse_request
from tools.writing.storytelling import dramatic_roles
from tools.writing.styles import CALM_MOVES, DYNAMIC_MOVES, MAX_CHARACTERS
from tools.writing.template import min_distance, sung_per_section

CLASH = 12.0  # an outfit closer than this (CIE76) to a palette colour vanishes into the scene
TOP_LABELS = 3  # labels of each kind shown to the model

FIGURE_KINDS = tuple(sorted(set(FIGURES.values())))  # what the renderers know how to draw
HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb")]


# ------------------------------------------------------------------------- reply schema


class PaletteColor(StrictModel):
    hex: HexColor
    name: str = Field(description="a short plain colour name, e.g. 'midnight blue'")


class BibleReply(StrictModel):
    look: str = Field(description="one of the named looks")
    medium: str = Field(description="the look of the whole video, precisely")
    palette: list[PaletteColor] = Field(
        min_length=5, max_length=5, description="deep, dark, mid, accent, highlight"
    )
    lighting: str
    camera: str = Field(description="the camera language of the whole video")
    mood: str


class ColorsReply(StrictModel):
    skin: HexColor
    hair: HexColor
    outfit: HexColor
    accent: HexColor


class CharacterReply(StrictModel):
    id: str = Field(description='"c1", "c2", …')
    name: str
    figure: Literal[FIGURE_KINDS]
    description: str = Field(description="fixed appearance only, pasted into every shot")
    colors: ColorsReply


class SettingReply(StrictModel):
    place: str = Field(description="a place name from the list, or a short drawable phrase")
    time: str = Field(description="a time of day from the list")
    weather: str = Field(description="a weather from the list")


class SubjectReply(StrictModel):
    character: str = Field(description="a character id")
    action: str = Field(description="an action name from the list")
    expression: str = Field(description="an expression name from the list")


class CameraReply(StrictModel):
    framing: str = Field(description="wide, medium or close-up")
    move: str = Field(description="a camera move name from the list")


class ShotReply(StrictModel):
    setting: SettingReply
    view: int = Field(ge=0, le=9, description="which view of the place: 0, 1, 2…")
    subjects: list[SubjectReply] = Field(description="the characters on screen")
    props: list[str] = Field(description="prop names from the list")
    camera: CameraReply
    lighting: str
    mood: str
    description: str = Field(description="the shot in one or two sentences, present tense")


class SectionReply(StrictModel):
    section: int = Field(description="the number of the song section, from 0")
    shot: ShotReply
    performance: ShotReply | None = Field(
        description="where someone sings: the singer and band performing, else null"
    )
    caption: str | None = Field(description="on-screen text, or null")


class ScriptReply(StrictModel):
    title: str
    story: str
    bible: BibleReply
    characters: list[CharacterReply] = Field(max_length=MAX_CHARACTERS)
    sections: list[SectionReply]


# ------------------------------------------------------------------------- the writer


class ChatWriter:
    """Script by any chat model that answers in validated JSON (`JsonChat`): the prompts,
    reply schema, post-checks and repair turns of this module, whatever runs the model."""

    name: str
    chat: JsonChat

    def write(
        self,
        *,
        analysis: Analysis,
        tags: Tags | None,
        story: Story | None,
        request: str,
        lyrics: Lyrics | None = None,
    ) -> Script:
        """Style bible, characters and one SectionScript per analysis section."""
        sections = analysis["sections"]
        if not sections:
            raise InvalidInputError("the song has no sections to write scenes for")
        prompt = user_prompt(analysis, tags=tags, story=story, request=request, lyrics=lyrics)
        messages = [
            {"role": "system", "content": system_prompt()},
            {"role": "user", "content": prompt},
        ]
        schema = exactly(ScriptReply, "sections", len(sections))
        reply = self.chat.ask_json(messages, schema, check=script_problems)
        return to_script(reply, writer=f"{self.name}:{self.chat.model}")


# ------------------------------------------------------------------------- prompts


def system_prompt() -> str:
    """The rules: one bible, one character sheet, one shot per section, in the names that the
    renderers draw."""
    moves = ", ".join(dict.fromkeys([*CALM_MOVES, *DYNAMIC_MOVES]))
    names = {kind: ", ".join(vocabulary) for kind, vocabulary in shots.VOCABULARIES.items()}
    return render(
        "writer_system",
        max_characters=MAX_CHARACTERS,
        camera_moves=moves,
        places=names["place"],
        times=names["time"],
        weathers=names["weather"],
        props=names["prop"],
        actions=names["action"],
        expressions=names["expression"],
        framings=names["framing"],
        moves=names["move"],
        looks=names["look"],
    )


def user_prompt(
    analysis: Analysis,
    *,
    tags: Tags | None,
    story: Story | None,
    request: str,
    lyrics: Lyrics | None = None,
) -> str:
    """The song's sections, what was heard in it, its lyrics and the user's request."""
    sections = analysis["sections"]
    key = analysis["features"].get("key")
    return render(
        "writer_user",
        request=request.strip() or "(none: the music decides)",
        named=credits_named(analysis.get("credits", {})),
        asked=asked_line(parse_request(request)),
        duration=analysis["duration"],
        tempo=analysis["tempo"],
        key=f", in {key}" if key else "",
        count=len(sections),
        last=len(sections) - 1,
        sections=section_lines(analysis, lyrics),
        tags=tag_lines(tags) if tags else "(none)",
        story=story_lines(story) if story else "(none)",
        lyrics=lyric_lines(lyrics, sections) if lyrics else "(none)",
    )


def credits_named(credits: Credits) -> str:
    """' “Fantasma” by Los Rombos' for the prompt's "The song…" ("" where the file names no
    title)."""
    if not credits.get("title"):
        return ""
    by = f" by {credits['artist']}" if credits.get("artist") else ""
    return f" “{credits['title']}”{by}"


def asked_line(intent: Intent) -> str:
    """The concrete elements of the request, in the names of tools.shots."""
    parts = [
        f"{label}: {', '.join(values)}"
        for label, values in (
            ("look", [intent["look"]] if intent["look"] else []),
            ("places, in order", intent["places"]),
            ("time of day", [intent["time_of_day"]] if intent["time_of_day"] else []),
            ("weather", [intent["weather"]] if intent["weather"] else []),
            ("actions", intent["actions"]),
            ("props", intent["props"]),
            (
                "characters",
                [f"{c['count']} x {c['name']}" for c in intent["characters"]]
                or (["none: no people"] if intent["nobody"] else []),
            ),
        )
        if values
    ]
    return "; ".join(parts) or "(nothing concrete: the music decides)"


def section_lines(analysis: Analysis, lyrics: Lyrics | None = None) -> str:
    """One line per section: number, label, times, energy, dramatic role, and whether someone
    sings in it."""
    sections = analysis["sections"]
    roles = dramatic_roles(sections)
    singing = sung(analysis, sung_per_section(lyrics, sections) if lyrics else None)
    return "\n".join(
        f"{i}. {s['label']}: {s['start']:.1f}-{s['end']:.1f} s, energy {s['energy']:.2f} "
        f"({_loudness(s['energy'])}), dramatic role: {role}" + (", sung" if voice else "")
        for i, (s, role, voice) in enumerate(zip(sections, roles, singing, strict=True))
    )


def _loudness(energy: float) -> str:
    return "quiet" if energy < 0.35 else "medium" if energy < 0.65 else "loud"


def tag_lines(tags: Tags) -> str:
    """The song's top labels, then each section's."""
    lines = [f"whole song: {_labels(tags['song'])}"]
    lines += [f"section {i}: {_labels(tag_set)}" for i, tag_set in enumerate(tags["sections"])]
    return "\n".join(lines)


def _labels(tag_set: TagSet) -> str:
    kinds = []
    for kind in ("style", "content", "emotion"):
        labels = ", ".join(
            f"{label['label']} ({label['score']:.2f})" for label in tag_set[kind][:TOP_LABELS]
        )
        kinds.append(f"{kind}: {labels or '-'}")
    return "; ".join(kinds)


def lyric_lines(lyrics: Lyrics, sections: list[Section]) -> str:
    """The sung lines grouped under the section each starts in."""
    sung = sung_per_section(lyrics, sections)
    return "\n".join(f"section {i}: {text}" for i, text in enumerate(sung) if text) or "(none)"


def story_lines(story: Story) -> str:
    """Title, logline, text and the scene the story gives each section."""
    scenes = "\n".join(f"section {i}: {scene}" for i, scene in enumerate(story["sections"]))
    return (
        f"title: {story['title']}\nlogline: {story['logline']}\nstory: {story['text']}\n"
        f"scenes:\n{scenes}"
    )


# ------------------------------------------------------------------------- checks and conversion


def script_problems(reply: ScriptReply) -> list[str]:
    """What the schema cannot say: sections in order, known character ids, visible outfits."""
    problems = []
    ids = [c.id for c in reply.characters]
    if len(set(ids)) != len(ids):
        problems.append(f"character ids must be unique, got {ids}")
    numbers = [section.section for section in reply.sections]
    problems += numbering_problems(numbers, list(range(len(numbers))), field="sections")
    for i, section in enumerate(reply.sections):
        for field, shot in (("shot", section.shot), ("performance", section.performance)):
            unknown = [s.character for s in shot.subjects if s.character not in ids] if shot else []
            if unknown:
                problems.append(
                    f"sections[{i}].{field}.subjects names {unknown}, not on the character "
                    f"sheet {ids}"
                )
    palette = [color.hex for color in reply.bible.palette]
    for character in reply.characters:
        if min_distance(character.colors.outfit, palette) < CLASH:
            problems.append(
                f"the outfit {character.colors.outfit} of {character.id} is almost a palette "
                "colour: pick one that stands out"
            )
    return problems


def to_script(reply: ScriptReply, *, writer: str) -> Script:
    """The validated reply as the project's Script."""
    return {
        "writer": writer,
        "title": reply.title.strip(),
        "story": reply.story.strip(),
        "bible": to_bible(reply.bible),
        "characters": [to_character(c) for c in reply.characters],
        "sections": [to_section_script(s) for s in reply.sections],
    }


def to_bible(bible: BibleReply) -> StyleBible:
    """The style bible, with `text` composed from its fields."""
    return {
        "look": _name("look", bible.look),
        "medium": bible.medium.strip(),
        "palette": [color.hex.lower() for color in bible.palette],
        "lighting": bible.lighting.strip(),
        "camera": bible.camera.strip(),
        "mood": bible.mood.strip(),
        "text": bible_text(bible),
    }


def bible_text(bible: BibleReply) -> str:
    """The verbatim block every scene prompt carries (the same shape as the template writer's)."""
    medium, lighting, camera, mood = (
        _clause(part) for part in (bible.medium, bible.lighting, bible.camera, bible.mood)
    )
    deep, dark, mid, accent, highlight = (_clause(color.name) for color in bible.palette)
    return (
        f"{medium[:1].upper()}{medium[1:]}. Palette: {deep}, {dark} and {mid}, with {accent} "
        f"accents and {highlight} highlights. Lighting: {lighting}. Camera: {camera}. "
        f"Mood: {mood}. The same characters, palette and look in every shot."
    )


def _clause(text: str) -> str:
    return text.strip().rstrip(".").strip()


def to_character(character: CharacterReply) -> Character:
    """A character of the sheet, colours in lower-case hex."""
    colors = character.colors
    return {
        "id": character.id,
        "name": character.name.strip(),
        "figure": character.figure,
        "description": character.description.strip(),
        "colors": {
            "skin": colors.skin.lower(),
            "hair": colors.hair.lower(),
            "outfit": colors.outfit.lower(),
            "accent": colors.accent.lower(),
        },
    }


def to_section_script(section: SectionReply) -> SectionScript:
    """A section's script: its shots, and the text forms of the story shot; an empty caption
    is left out."""
    shot = to_shot(section.shot, kind="story")
    script: SectionScript = {
        "setting": shots.setting_text(shot["setting"]),
        "action": shot["description"],
        "camera": shot["camera"]["move"],
        "characters": [s["character"] for s in shot["subjects"]],
        "shot": shot,
    }
    if section.performance:
        performance = to_shot(section.performance, kind="performance")
        script["performance"] = performance
    if section.caption and section.caption.strip():
        script["caption"] = section.caption.strip()
    return script


def to_shot(reply: ShotReply, *, kind: str) -> Shot:
    """A shot whose values are names of tools.shots where the reply's words mean one (time,
    weather, expression, framing, move: their closed sets); places, actions and props stay
    as written unless they are a name (the renderer draws a phrase as its nearest name)."""
    return {
        "kind": kind,
        "setting": {
            "place": _exact("place", reply.setting.place),
            "time": _name("time", reply.setting.time),
            "weather": _name("weather", reply.setting.weather),
        },
        "view": reply.view,
        "subjects": [
            {
                "character": s.character,
                "action": _exact("action", s.action),
                "expression": _name("expression", s.expression),
            }
            for s in reply.subjects
        ],
        "props": [_exact("prop", p) for p in reply.props if p.strip()],
        "camera": {
            "framing": _name("framing", reply.camera.framing),
            "move": _name("move", reply.camera.move),
        },
        "lighting": reply.lighting.strip(),
        "mood": reply.mood.strip(),
        "description": reply.description.strip(),
    }


def _name(kind: str, text: str) -> str:
    """The name the words mean ("at golden hour" -> "golden hour"), else the words."""
    words = text.strip()
    return shots.name_of(kind, words.lower()) or words


def _exact(kind: str, text: str) -> str:
    """The name when the words are one (any case), else the words as written."""
    words = text.strip()
    return words.lower() if words.lower() in shots.VOCABULARIES[kind] else words
