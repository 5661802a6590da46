"""The chat agent's tools: the project's capabilities as langchain-core tools with typed arguments.

Each tool reads the conversation (its song, its run folders) from the chat state and its
settings from the chat context through `ToolRuntime`, streams progress through the runtime's
stream writer, and returns a `Command` that records what it made next to its `ToolMessage`.
The text of every ToolMessage is written for a person: the rule-based agent answers with it.

A video is made by the video graph (`agent.runner.make_video`), run as a graph of its own with
its own checkpointer in its own run folder, so every video of a conversation can be resumed,
inspected and revised on its own; revisions go through `agent.revise`. Every new video is a new
run folder `<workspace>/<thread id>/v<n>`: nothing finished is ever overwritten.
"""

import contextvars
import json
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import ToolMessage
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from langgraph.types import Command

from agent import revise
from agent.chat_context import ChatContext
from agent.context import PIPELINES
from agent.formats import FORMATS, format_size
from agent.runner import make_video as run_video_graph
from tools.errors import InvalidInputError
from tools.registry import DEFAULTS, load_backend
from tools.shots import MOVES
from tools.writing import plan_edits
from tools.writing.request import COLORS, MOODS, STYLES

Pipeline = Literal[PIPELINES]
Format = Literal[tuple(FORMATS)]
Style = Literal[tuple(STYLES)]
Mood = Literal[tuple(MOODS)]
Color = Literal[tuple(COLORS)]
Move = Literal[tuple(MOVES)]
SAFE_THREAD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


Runtime = ToolRuntime[ChatContext, dict[str, Any]]  # the state is a ChatState (pydantic
# refuses to build a schema of a typing.TypedDict on Python < 3.12)


# ---------------------------------------------------------------------------- the tools


@tool
def analyze_song(runtime: Runtime) -> str:
    """Listen to the song: its length, tempo, sections and the styles and moods heard in it."""
    from tools.audio.analysis import analyze_audio
    from tools.audio.loading import MAX_DURATION, load_audio
    from tools.audio.sections import parse_sections, user_sections

    song = _song(runtime)
    audio, sr = load_audio(
        song, max_duration=_context(runtime).settings.get("max_duration", MAX_DURATION)
    )
    analysis = analyze_audio(audio, sr, path=song)
    settings = _context(runtime).settings
    if settings.get("sections"):  # the user's own (--sections), as the video will use them
        marks = parse_sections(settings["sections"])
        analysis = {**analysis, "sections": user_sections(marks, analysis)}
    tagger = load_backend(
        "tagger", settings.get("tagger", DEFAULTS["tagger"]), device=settings.get("device", "auto")
    )
    tags = tagger.tag(audio, sr, analysis)
    sections = ", ".join(
        f"{s['label']} {s['start']:.0f}-{s['end']:.0f} s" for s in analysis["sections"]
    )
    heard = "; ".join(
        f"{kind}: " + ", ".join(label["label"] for label in tags["song"][kind][:3])
        for kind in ("style", "emotion", "content")
    )
    return (
        f"{Path(song).name}: {analysis['duration']:.1f} s at {analysis['tempo']:.0f} BPM, "
        f"{len(analysis['sections'])} sections ({sections}). Heard: {heard}."
    )


@tool
def make_video(
    request: str,
    runtime: Runtime,
    pipeline: Pipeline | None = None,
    format: Format | None = None,
) -> Command:
    """Make a new music video of the song. `request` is what the user wants, in their words
    (mood, visual style, characters and their colours, places). `pipeline`: "clap" (labels ->
    script), "lalm" (a story listened from the audio -> scenes) or "hybrid" (both, the
    default). `format`: "16:9" (YouTube), "9:16" (vertical: Reels, Shorts, TikTok), "1:1"
    (square) or "4:5" (feed posts); default: the current video's, else the session's. Takes a
    while; progress is streamed."""
    song = _song(runtime)
    run_dir = _next_run_dir(runtime)
    overrides: dict[str, Any] = {"pipeline": pipeline} if pipeline else {}
    size = format_size(format) if format else _current_size(runtime)
    if size:
        overrides["width"], overrides["height"] = size
    ctx = _context(runtime).video_context(run_dir, **overrides)
    run_dir.mkdir(parents=True)
    try:
        final = _isolated(
            run_video_graph, song, request, ctx, on_event=_events(runtime, "make_video")
        )
    except BaseException:
        if not any(run_dir.iterdir()):
            run_dir.rmdir()
        raise
    plan = final["plan"]
    text = (
        f"Made “{plan['title']}”: {len(plan['scenes'])} scenes over "
        f"{final['analysis']['duration']:.1f} s at {ctx.width}x{ctx.height}, pipeline "
        f"{ctx.pipeline}. {_checks(final)}"
    )
    return _made(runtime, text, run_dir, final, edits=[])


@tool
def set_format(format: Format, runtime: Runtime) -> Command:
    """Make the current video again in another format: "9:16" (vertical: Reels, Shorts,
    TikTok), "1:1" (square), "4:5" (feed posts) or "16:9" (YouTube). The plan stays; every
    scene is rendered again at the new size, framed for it."""
    size = format_size(format)
    return _revised(runtime, _current_run(runtime), edits=[], size=size)


@tool
def show_plan(runtime: Runtime) -> str:
    """The current video's plan: title, story, style bible, characters and every scene (id,
    time, section, setting, what happens)."""
    plan = revise.load_run(_current_run(runtime))["values"]["plan"]
    cast = [f"{c['name']} ({c['id']}): {c['description']}" for c in plan["characters"]]
    scenes = [
        f"{s['id']} {s['start']:5.1f}-{s['end']:5.1f} s {s['section_label']:<7} "
        f"{s['setting']}: {s['description']}"
        for s in plan["scenes"]
    ]
    lines = [
        f"“{plan['title']}”: {plan['story']}",
        f"Style: {plan['bible']['text']}",
        *(cast or ["No characters."]),
        *scenes,
    ]
    return "\n".join(lines)


@tool
def revise_scene(
    scenes: list[str],
    runtime: Runtime,
    brightness: Literal["brighter", "darker"] | None = None,
    description: str | None = None,
    setting: str | None = None,
    camera: Move | None = None,
    redo: bool = False,
) -> Command:
    """Change or redo some scenes of the current video; only they are rendered again, every
    other clip is reused and the video is reassembled. `scenes`: ids ("s03"), numbers ("3"),
    section names ("chorus", "verse", "intro", "bridge", "outro"), "first", "last" or "all".
    `brightness` moves their light a step (night, dusk, day); `description` replaces what
    happens in them; `setting` replaces where; `camera` how the camera moves ("whip pan",
    "handheld"); `redo` renders them again as they are (a new take)."""
    parent = _current_run(runtime)
    plan = revise.load_run(parent)["values"]["plan"]
    ids = plan_edits.select_scenes(plan, scenes)
    edits: list[plan_edits.Edit] = []
    if brightness or description or setting or camera:
        edit: plan_edits.SceneEdit = {"kind": "scene", "scenes": ids}
        for key, value in (
            ("brightness", brightness),
            ("description", description),
            ("setting", setting),
            ("camera", camera),
        ):
            if value:
                edit[key] = value
        edits.append(edit)
    if not edits and not redo:
        raise InvalidInputError("say what to change in the scenes (or redo them)")
    return _revised(runtime, parent, edits=edits, redo=ids if redo else [])


@tool
def set_style(
    runtime: Runtime,
    style: Style | None = None,
    mood: Mood | None = None,
    colors: list[Color] | None = None,
) -> Command:
    """Give the current video a new look: a visual `style`, a `mood` and/or accent `colors`
    for the palette. Every scene is rendered again; the characters keep their looks."""
    if not (style or mood or colors):
        raise InvalidInputError("name a style, a mood or colours")
    edit: plan_edits.StyleEdit = {
        "kind": "style",
        "style": style,
        "mood": mood,
        "colors": list(colors or []),
    }
    return _revised(runtime, _current_run(runtime), edits=[edit])


@tool
def set_character(
    character: str,
    runtime: Runtime,
    outfit: Color | None = None,
    accent: Color | None = None,
    hair: Color | None = None,
) -> Command:
    """Recolour a character of the current video (`character`: an id like "c1", a name, or a
    figure like "singer"): its `outfit`, `accent` (props, details) and/or `hair` colour. Only
    the scenes that show the character are rendered again."""
    colors = {
        slot: word
        for slot, word in (("outfit", outfit), ("accent", accent), ("hair", hair))
        if word
    }
    if not colors:
        raise InvalidInputError("name at least one colour (outfit, accent or hair)")
    parent = _current_run(runtime)
    plan = revise.load_run(parent)["values"]["plan"]
    found = plan_edits.find_character(plan, character)
    edit: plan_edits.CharacterEdit = {
        "kind": "character",
        "character": found["id"],
        "colors": colors,
    }
    return _revised(runtime, parent, edits=[edit])


@tool
def set_pipeline(pipeline: Pipeline, runtime: Runtime) -> Command:
    """Make the current video again with another pipeline: "clap" (labels -> script, the
    paper's pipeline 1), "lalm" (an audio-language model's story -> scenes, pipeline 2) or
    "hybrid". The script is rewritten, so every scene is new; the conversation's earlier
    style, character and scene changes are applied again."""
    parent = _current_run(runtime)
    run_dir = _next_run_dir(runtime)
    edits = runtime.state.get("edits", [])
    final = _isolated(
        revise.remake,
        parent,
        run_dir=run_dir,
        pipeline=pipeline,
        edits=edits,
        on_event=_events(runtime, "set_pipeline"),
    )
    again = f"; applied again: {len(edits)} earlier change(s)" if edits else ""
    text = (
        f"Made the video again with the {pipeline} pipeline: “{final['plan']['title']}”, "
        f"{len(final['plan']['scenes'])} scenes{again}. {_checks(final)}"
    )
    return _made(runtime, text, run_dir, final, edits=edits, notes=final["notes"])


@tool
def status(runtime: Runtime) -> str:
    """Where the conversation stands: the song, the videos made so far and the current one."""
    song = runtime.state.get("song")
    runs = runtime.state.get("runs", [])
    if not song:
        return "No song yet."
    if not runs:
        return f"Song: {song}. No video yet."
    lines = [f"Song: {song}.", f"{len(runs)} video(s) so far; the current one:"]
    try:
        run = revise.load_run(runs[-1])
    except InvalidInputError as err:
        return "\n".join([*lines, f"{runs[-1]}: {err}"])
    values = run["values"]
    lines.append(
        f"“{values['plan']['title']}” ({run['context'].pipeline} pipeline, "
        f"{len(values['plan']['scenes'])} scenes). {_checks(values)}"
    )
    lines.append(values["video"])
    return "\n".join(lines)


TOOLS = [
    analyze_song,
    make_video,
    set_format,
    show_plan,
    revise_scene,
    set_style,
    set_character,
    set_pipeline,
    status,
]


# ---------------------------------------------------------------------------- helpers


def _context(runtime: Runtime) -> ChatContext:
    """The conversation's settings (the defaults when a client passed none)."""
    return runtime.context or ChatContext()


def _song(runtime: Runtime) -> str:
    song = runtime.state.get("song")
    if not song:
        raise InvalidInputError("no song in this conversation: start it with a song file")
    return song


def _current_run(runtime: Runtime) -> str:
    runs = runtime.state.get("runs", [])
    if not runs:
        raise InvalidInputError("there is no video yet: ask for one first")
    return runs[-1]


def conversation_dir(workspace: str | Path, thread_id: str) -> Path:
    """The folder of one conversation's videos; thread ids are checked before use as a name."""
    if not SAFE_THREAD.match(thread_id):
        raise InvalidInputError(f"unusable conversation id {thread_id!r}: letters, digits, - and _")
    return Path(workspace).resolve() / thread_id


def _current_size(runtime: Runtime) -> tuple[int, int] | None:
    """The size of the conversation's current video, if it has one."""
    runs = runtime.state.get("runs", [])
    if not runs:
        return None
    context = json.loads(Path(runs[-1], "settings.json").read_text())["context"]
    return context["width"], context["height"]


def _next_run_dir(runtime: Runtime) -> Path:
    thread = runtime.config.get("configurable", {}).get("thread_id") or "default"
    folder = conversation_dir(_context(runtime).workspace, str(thread))
    n = 1
    while (folder / f"v{n}").exists():
        n += 1
    return folder / f"v{n}"


def _revised(
    runtime: Runtime,
    parent: str,
    *,
    edits: list[plan_edits.Edit],
    redo: Sequence[str] = (),
    size: tuple[int, int] | None = None,
) -> Command:
    run_dir = _next_run_dir(runtime)
    try:
        final = _isolated(
            revise.revise,
            parent,
            run_dir=run_dir,
            edits=edits,
            redo=redo,
            size=size,
            on_event=_events(runtime, "revise"),
        )
    except BaseException:
        if run_dir.exists() and not (run_dir / "settings.json").exists():
            shutil.rmtree(run_dir)  # nothing was started there
        raise
    kept = len(final["plan"]["scenes"]) - len(final["revised"])
    reused = f"reused the other {kept} scene(s)" if kept else "every scene changed"
    done = (
        f"Made the video again at {size[0]}x{size[1]}, every scene reframed"
        if size
        else f"Rendered {', '.join(final['revised'])} again ({reused}) and reassembled the video"
    )
    text = f"{done}. {_checks(final)}"
    history = [*runtime.state.get("edits", []), *edits]
    return _made(runtime, text, run_dir, final, edits=history, notes=final["notes"])


def _made(
    runtime: Runtime,
    text: str,
    run_dir: Path,
    final: dict,
    *,
    edits: list[plan_edits.Edit],
    notes: Sequence[str] = (),
) -> Command:
    """The state update of a tool that made a video: the new run is the current one."""
    if notes:
        text += " Note: " + "; ".join(notes) + "."
    text += f"\n{final['video']}"
    message = ToolMessage(
        text,
        tool_call_id=runtime.tool_call_id,
        artifact={"video": final["video"], "run_dir": str(run_dir)},
    )
    runs = [*runtime.state.get("runs", []), str(run_dir)]
    return Command(update={"runs": runs, "edits": edits, "messages": [message]})


def _checks(final: dict) -> str:
    """What the consistency check found, in one sentence (regenerations: of this run's renders,
    not of the clips a revision kept)."""
    clips = final.get("clips", {})
    rendered = final.get("revised", clips)
    regenerated = [sid for sid in rendered if len([a for a in clips.get(sid, []) if a]) > 1]
    failing = [
        sid for sid, attempts in clips.items() if not any(a and a.get("passed") for a in attempts)
    ]
    if failing:
        return f"Still drifting after retries: {', '.join(sorted(failing))}."
    if regenerated:
        return f"Consistent after regenerating {', '.join(sorted(regenerated))}."
    return "Every scene passed the consistency check."


def _events(runtime: Runtime, tool_name: str) -> Callable[[dict], None]:
    """Progress events of the video graph, forwarded to the chat's stream (the writer needs
    the chat run's context, which `_isolated` leaves: events are written from a copy of it)."""
    writer = runtime.stream_writer
    chat_run = contextvars.copy_context()

    def forward(event: dict) -> None:
        chat_run.run(writer, {**event, "tool": tool_name})

    return forward


def _isolated(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `fn` outside the chat graph's run: a graph it runs is a root graph with its own
    checkpointer (in its run folder), not a subgraph saved into the chat's checkpoints."""

    def call() -> Any:
        var_child_runnable_config.set(None)
        return fn(*args, **kwargs)

    return contextvars.copy_context().run(call)
