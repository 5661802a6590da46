"""Revisions of a finished video: change the plan, render only what the change touches.

A revision never touches the run it starts from. It makes a new run folder whose checkpoint
starts where the old run ended, with the edited plan: every scene the edit leaves alone keeps
its clips (hard-linked in, with their attempts and scores: nothing is rendered again), and the
scenes it changed, or that were asked to be redone, go to the video graph's `generate` node as
new tasks. From there the graph runs as usual: its critique checks the new clips (and regenerates
the ones that drift, bounded), then the video is reassembled and the report rewritten. The
revision's base seed is the old one plus one, so a redone scene is a new take.

Edits are plain JSON-ready dicts (`StyleEdit`, `CharacterEdit`, `SceneEdit`), so a conversation
can keep them and apply them again after a pipeline switch (`remake`), which rewrites the script.
"""

import copy
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Literal, NotRequired, TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Send

from agent.context import PIPELINES, Context
from agent.graph import build_graph
from agent.routing import clip_task
from agent.runner import THREAD, OnEvent, prepare
from tools.errors import InvalidInputError
from tools.files import write_json
from tools.shots import activities, find, name_of, setting_key, setting_text
from tools.types import Attempt, Character, Plan, Scene, Setting, Shot
from tools.writing.planning import scene_prompt
from tools.writing.request import COLORS, MOODS, STYLES, mood_of, parse_request
from tools.writing.template import MOOD_PALETTES, STYLE_MEDIA, style_bible

CONFIG = {"configurable": {"thread_id": THREAD}}
SECTION_LABELS = ("intro", "verse", "chorus", "bridge", "outro")
COLOR_SLOTS = ("outfit", "accent", "hair")

# Times of day from darkest to brightest: "brighter" moves a scene one step up, "darker" one
# step down (sunrise counts as sunset's light).
LIGHT_LEVELS = ("night", "dusk", "sunset", "golden hour", "day")


class StyleEdit(TypedDict):
    kind: Literal["style"]
    style: str | None  # a key of tools.writing.request.STYLES
    mood: str | None  # a key of tools.writing.request.MOODS
    colors: list[str]  # colour words (tools.writing.request.COLORS) for the palette's accents


class CharacterEdit(TypedDict):
    kind: Literal["character"]
    character: str  # a character id ("c1")
    colors: dict[str, str]  # slot (outfit, accent, hair) -> colour word


class SceneEdit(TypedDict):
    kind: Literal["scene"]
    scenes: list[str]  # scene ids
    brightness: NotRequired[Literal["brighter", "darker"]]
    description: NotRequired[str]  # what happens, replacing the old description
    setting: NotRequired[str]  # where, replacing the old setting


Edit = StyleEdit | CharacterEdit | SceneEdit


# ---------------------------------------------------------------------------- reading a run


class FinishedRun(TypedDict):
    run_dir: str
    song: str
    request: str
    context: Context
    values: dict  # the video graph's final state


def load_run(run_dir: str | Path) -> FinishedRun:
    """A finished run read back from its folder (settings and the checkpoint's final state)."""
    folder = Path(run_dir).resolve()
    settings_path = folder / "settings.json"
    if not settings_path.is_file():
        raise InvalidInputError(f"{folder}: not a run folder (settings.json missing)")
    settings = json.loads(settings_path.read_text())
    with SqliteSaver.from_conn_string(str(folder / "checkpoints.sqlite")) as saver:
        snapshot = build_graph(checkpointer=saver).get_state(CONFIG)
    if snapshot.next or not snapshot.values.get("video"):
        raise InvalidInputError(
            f"{folder}: the run has not finished; finish it first with "
            f"`sound2sight make {settings['song']} --resume --run-dir {folder}`"
        )
    return {
        "run_dir": str(folder),
        "song": settings["song"],
        "request": settings["request"],
        "context": Context.from_dict(settings["context"]),
        "values": snapshot.values,
    }


# ---------------------------------------------------------------------------- choosing scenes


def select_scenes(plan: Plan, selectors: Iterable[str]) -> list[str]:
    """Scene ids for selectors: an id ("s03"), a number ("3", "scene 3"), a section label
    ("chorus", "choruses", "the intro"), "first", "last" or "all"; in plan order."""
    scenes = plan["scenes"]
    chosen: set[str] = set()
    for selector in selectors:
        text = selector.strip().lower()
        text = re.sub(r"^(the|scene|scenes|shot)\s+", "", text).strip()
        if re.fullmatch(r"s?\d+", text):
            number = int(text.lstrip("s"))
            if not 1 <= number <= len(scenes):
                raise InvalidInputError(
                    f"there is no scene {selector!r}: the video has scenes 1-{len(scenes)}"
                )
            chosen.add(scenes[number - 1]["id"])
        elif text in ("all", "every", "everything"):
            chosen.update(s["id"] for s in scenes)
        elif text in ("first", "opening"):
            chosen.add(scenes[0]["id"])
        elif text in ("last", "final", "ending"):
            chosen.add(scenes[-1]["id"])
        else:
            labels = {text, text.removesuffix("s"), text.removesuffix("es")}
            matched = [s["id"] for s in scenes if s["section_label"].lower() in labels]
            if not matched:
                labels = ", ".join(dict.fromkeys(s["section_label"] for s in scenes))
                raise InvalidInputError(
                    f"no scene matches {selector!r}: name a scene (s01-s{len(scenes):02d} or "
                    f"1-{len(scenes)}) or a section ({labels})"
                )
            chosen.update(matched)
    return [s["id"] for s in scenes if s["id"] in chosen]


def find_character(plan: Plan, name: str) -> Character:
    """The character named by id ("c1"), name ("The Singer") or figure ("singer")."""
    wanted = name.strip().lower().removeprefix("the ").strip()
    for character in plan["characters"]:
        if wanted in (character["id"], character["name"].lower().removeprefix("the ")):
            return character
    matches = [
        c
        for c in plan["characters"]
        if wanted in (c["figure"], *c["name"].lower().split()) or wanted in c["name"].lower()
    ]
    if len(matches) == 1:
        return matches[0]
    cast = ", ".join(f"{c['name']} ({c['id']})" for c in plan["characters"]) or "nobody"
    if matches:
        raise InvalidInputError(f"{name!r} could be any of several characters: {cast}")
    raise InvalidInputError(f"there is no {name!r} in this video; its characters: {cast}")


# ---------------------------------------------------------------------------- plan edits


def apply_edit(plan: Plan, edit: Edit) -> tuple[Plan, list[str]]:
    """The plan with one edit made, and notes on what the edit could not do."""
    if edit["kind"] == "style":
        return restyle(plan, style=edit["style"], mood=edit["mood"], colors=edit["colors"]), []
    if edit["kind"] == "character":
        return recolor(plan, edit["character"], edit["colors"]), []
    if edit["kind"] == "scene":
        return edit_scenes(plan, edit)
    raise InvalidInputError(f"unknown edit {edit['kind']!r}")


def restyle(plan: Plan, *, style: str | None, mood: str | None, colors: list[str]) -> Plan:
    """A new style bible (visual style, mood, accent colours) for every scene; the characters
    keep their looks."""
    bible = plan["bible"]
    for color in colors:
        _check_color(color)
    if not (style or mood or colors):
        return plan
    styles = [style_key(style)] if style else current_styles(bible)
    mood_key = mood_family(mood) if mood else current_mood(bible)
    intent = {**parse_request(""), "styles": styles, "palette_colors": list(colors)}
    return _with_prompts({**plan, "bible": style_bible(intent, mood=mood_key)})


def recolor(plan: Plan, character_id: str, colors: dict[str, str]) -> Plan:
    """One character in new colours (slot -> colour word); its description says so too."""
    target = find_character(plan, character_id)
    new_colors = dict(target["colors"])
    description = target["description"]
    for slot, word in colors.items():
        if slot not in COLOR_SLOTS:
            raise InvalidInputError(
                f"unknown colour slot {slot!r}: one of {', '.join(COLOR_SLOTS)}"
            )
        hex_ = _check_color(word)
        description = _swap_color_word(description, new_colors.get(slot), word, slot=slot)
        new_colors[slot] = hex_
    changed: Character = {**target, "colors": new_colors, "description": description}
    characters = [changed if c["id"] == target["id"] else c for c in plan["characters"]]
    return _with_prompts({**plan, "characters": characters})


def edit_scenes(plan: Plan, edit: SceneEdit) -> tuple[Plan, list[str]]:
    """Scenes with new light, a new description or a new setting: the shot changes, and its
    text forms with it."""
    notes = []
    wanted = set(edit["scenes"])
    unknown = wanted - {s["id"] for s in plan["scenes"]}
    if unknown:
        raise InvalidInputError(f"unknown scenes: {', '.join(sorted(unknown))}")
    scenes = []
    for scene in plan["scenes"]:
        if scene["id"] in wanted:
            shot = copy.deepcopy(scene["shot"])
            if edit.get("setting"):
                shot["setting"] = new_setting(shot["setting"], edit["setting"].strip())
            if edit.get("description"):
                shot = redescribe(shot, edit["description"].strip())
            if edit.get("brightness"):
                time, note = relight(shot["setting"]["time"], edit["brightness"])
                shot["setting"]["time"] = time
                notes += [f"{scene['id']}: {note}"] if note else []
            scene = {
                **scene,
                "shot": shot,
                "setting": setting_text(shot["setting"]),
                "description": shot["description"],
            }
        scenes.append(scene)
    return _with_prompts({**plan, "scenes": scenes}), notes


def new_setting(old: Setting, text: str) -> Setting:
    """The setting a user's words name: the place, and the time and weather where they say
    one (else the old ones). A place no name knows stays in the user's words."""
    return {
        "place": name_of("place", text) or text,
        "time": name_of("time", text) or old["time"],
        "weather": name_of("weather", text) or old["weather"],
    }


def redescribe(shot: Shot, text: str) -> Shot:
    """The shot with the user's description, and the actions and props it names."""
    actions, props = find("action", text), find("prop", text)
    for action, needs in activities(text):
        actions.insert(0, action)
        props += needs
    subjects = (
        [{**s, "action": actions[0]} for s in shot["subjects"]] if actions else shot["subjects"]
    )
    return {
        **shot,
        "description": text,
        "subjects": subjects,
        "props": list(dict.fromkeys([*shot["props"], *props])),
    }


def relight(time: str, brightness: Literal["brighter", "darker"]) -> tuple[str, str | None]:
    """The time of day one light level brighter or darker, or unchanged with a note when it
    is already at the end of the scale."""
    level = "sunset" if time == "sunrise" else time if time in LIGHT_LEVELS else "dusk"
    step = 1 if brightness == "brighter" else -1
    index = LIGHT_LEVELS.index(level) + step
    if not 0 <= index < len(LIGHT_LEVELS):
        return time, f"already as {'bright' if step > 0 else 'dark'} as it goes ({level})"
    return LIGHT_LEVELS[index], None


def style_key(word: str) -> str:
    """The STYLES key for a style word or synonym ("watercolour" -> "watercolor")."""
    if word in STYLES:
        return word
    found = parse_request(word)["styles"]
    if not found:
        raise InvalidInputError(f"unknown style {word!r}; known styles: {', '.join(STYLES)}")
    return found[0]


def mood_family(word: str) -> str:
    """The MOODS key for a mood word ("sad" -> "melancholic")."""
    mood = word if word in MOODS else mood_of(word)
    if mood is None:
        raise InvalidInputError(f"unknown mood {word!r}; known moods: {', '.join(MOODS)}")
    return mood


def current_styles(bible: dict) -> list[str]:
    """The visual style a bible was written in, when it was one of STYLES."""
    return [s for s, medium in STYLE_MEDIA.items() if bible["medium"].startswith(medium)][:1]


def current_mood(bible: dict) -> str:
    mood = bible["mood"] if bible["mood"] in MOOD_PALETTES else mood_of(bible["mood"])
    return mood or "calm"


def _check_color(word: str) -> str:
    if word not in COLORS:
        raise InvalidInputError(f"unknown colour {word!r}; known colours: {', '.join(COLORS)}")
    return COLORS[word]


def _swap_color_word(description: str, old_hex: str | None, word: str, *, slot: str) -> str:
    """The description with the colour word of `old_hex` replaced by `word` (the template
    writer names its colours with COLORS words), else with the new colour added."""
    for old_word, hex_ in sorted(COLORS.items(), key=lambda item: -len(item[0])):
        if hex_ == old_hex:
            pattern = rf"\b{re.escape(old_word)}\b"
            if re.search(pattern, description):
                return re.sub(pattern, word, description, count=1)
    return f"{description.rstrip('. ')}; {slot}: {word}"


def _with_prompts(plan: Plan) -> Plan:
    """The plan with every scene's prompt composed again from its shot."""
    characters = {c["id"]: c for c in plan["characters"]}
    scenes: list[Scene] = [
        {**scene, "prompt": scene_prompt(scene["shot"], characters, plan["bible"]["text"])}
        for scene in plan["scenes"]
    ]
    return {**plan, "scenes": scenes}


def changed_scenes(before: Plan, after: Plan) -> list[str]:
    """Ids of the scenes of `after` that would not render as in `before`: their own data, the
    bible or one of the characters they show differ."""
    if before["bible"] != after["bible"]:
        return [s["id"] for s in after["scenes"]]
    old_scenes = {s["id"]: s for s in before["scenes"]}
    old_cast = {c["id"]: c for c in before["characters"]}
    new_cast = {c["id"]: c for c in after["characters"]}
    return [
        s["id"]
        for s in after["scenes"]
        if old_scenes.get(s["id"]) != s
        or any(old_cast.get(cid) != new_cast.get(cid) for cid in s["characters"])
    ]


# ---------------------------------------------------------------------------- running


def revise(
    parent: str | Path,
    *,
    run_dir: str | Path,
    edits: Iterable[Edit] = (),
    redo: Iterable[str] = (),
    size: tuple[int, int] | None = None,
    on_event: OnEvent | None = None,
) -> dict:
    """Make the revised video in `run_dir` (a new folder) from the finished run `parent`.

    A new `size` (another format: 720x1280 from 1280x720) renders every scene, and the
    anchors, again at that size; the plan stays as the edits leave it.

    Returns the video graph's final state, with `notes` on what the edits could not do.
    Raises InvalidInputError when the edits change nothing and no scene is to be redone.
    """
    emit = on_event or (lambda event: None)
    old = load_run(parent)
    before = old["values"]["plan"]
    plan, notes = before, []
    edits = list(edits)
    for edit in edits:
        plan, more = apply_edit(plan, edit)
        notes += more
    redo = select_scenes(plan, redo) if redo else []
    resized = size is not None and tuple(size) != old["context"].size
    if size is not None and not resized:
        notes.append(f"the video is {size[0]}x{size[1]} already")
    if resized:
        redo = [s["id"] for s in plan["scenes"]]
    todo = [s for s in plan["scenes"] if s["id"] in {*changed_scenes(before, plan), *redo}]
    if not todo:
        raise InvalidInputError("nothing to change: " + ("; ".join(notes) or "no scene differs"))
    ctx = _child_context(old["context"], run_dir)
    if resized:
        ctx = replace(ctx, width=size[0], height=size[1])
    folder = _new_run_folder(ctx, old["song"])
    emit(
        {
            "stage": "revise",
            "message": f"rendering {len(todo)} of {len(plan['scenes'])} scenes again: "
            + ", ".join(s["id"] for s in todo),
            "scenes": len(todo),
        }
    )
    values = _carried_values(old, plan, folder, keep=[s for s in plan["scenes"] if s not in todo])
    values["anchors"] = _anchors(old, plan, ctx)
    revision = {"parent": old["run_dir"], "edits": edits, "redo": redo}
    _write_settings(ctx, old, revision=revision | ({"size": list(ctx.size)} if resized else {}))
    sends = [
        Send("generate", clip_task(values, scene, attempt=0, base_seed=ctx.seed)) for scene in todo
    ]
    with SqliteSaver.from_conn_string(str(folder / "checkpoints.sqlite")) as saver:
        graph = build_graph(checkpointer=saver)
        graph.update_state(CONFIG, values, as_node="report")  # the old run's end, edited
        _stream(graph, Command(goto=sends), ctx, emit)
        final = graph.get_state(CONFIG).values
    return {**final, "notes": notes, "revised": [s["id"] for s in todo]}


def remake(
    parent: str | Path,
    *,
    run_dir: str | Path,
    pipeline: str,
    edits: Iterable[Edit] = (),
    on_event: OnEvent | None = None,
) -> dict:
    """The video made again with another pipeline: a new story and script, then `edits` (the
    conversation's earlier changes) applied to the new plan before any clip is rendered."""
    if pipeline not in PIPELINES:
        raise InvalidInputError(f"unknown pipeline {pipeline!r}; one of {', '.join(PIPELINES)}")
    emit = on_event or (lambda event: None)
    old = load_run(parent)
    if old["context"].pipeline == pipeline:
        raise InvalidInputError(f"the video already uses the {pipeline} pipeline")
    edits = list(edits)
    ctx = replace(_child_context(old["context"], run_dir), pipeline=pipeline)
    folder = _new_run_folder(ctx, old["song"])
    notes: list[str] = []
    with SqliteSaver.from_conn_string(str(folder / "checkpoints.sqlite")) as saver:
        graph = build_graph(checkpointer=saver)
        inputs = {"song": old["song"], "request": old["request"]}
        _stream(graph, inputs, ctx, emit, interrupt_after=["write"])
        plan = graph.get_state(CONFIG).values["plan"]
        for edit in edits:
            try:
                plan, more = apply_edit(plan, edit)
            except InvalidInputError as err:  # the new script has no such scene or character
                more = [f"an earlier change no longer applies ({err})"]
            notes += more
        write_json(folder / "plan.json", plan)
        graph.update_state(CONFIG, {"plan": plan}, as_node="write")
        _write_settings(ctx, old, revision={"parent": old["run_dir"], "edits": edits})
        _stream(graph, None, ctx, emit)
        final = graph.get_state(CONFIG).values
    return {**final, "notes": notes, "revised": [s["id"] for s in plan["scenes"]]}


def _child_context(parent: Context, run_dir: str | Path) -> Context:
    folder = Path(run_dir).resolve()
    return replace(
        parent, run_dir=str(folder), output=str(folder / "video.mp4"), seed=parent.seed + 1
    )


def _new_run_folder(ctx: Context, song: str) -> Path:
    """The new run's folder, made here; it must not exist (finished work is never replaced)."""
    folder = Path(ctx.run_dir)
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        raise InvalidInputError(f"{folder} already exists: a revision needs a new folder") from None
    try:
        prepare(song, ctx)
    except BaseException:
        shutil.rmtree(folder)
        raise
    return folder


def _write_settings(ctx: Context, old: FinishedRun, *, revision: dict) -> None:
    """settings.json as the runner writes it (so `make --resume` finishes an interrupted
    revision), plus where the revision came from."""
    write_json(
        Path(ctx.run_dir, "settings.json"),
        {
            "song": old["song"],
            "request": old["request"],
            "context": ctx.to_dict(),
            "revision": revision,
        },
    )


def _carried_values(old: FinishedRun, plan: Plan, folder: Path, *, keep: list[Scene]) -> dict:
    """The new run's starting state: the old analysis and signals, the edited plan and the
    kept scenes' clip attempts, linked into the new folder."""
    values = old["values"]
    for name in ("analysis.json", "tags.json", "story.json"):
        source = Path(old["run_dir"], name)
        if source.exists():
            _link(source, folder / name)
    write_json(folder / "plan.json", plan)
    (folder / "clips").mkdir()
    clips: dict[str, list[Attempt]] = {}
    for scene in keep:
        attempts = []
        for attempt in values["clips"].get(scene["id"], []):
            if attempt is None:
                continue
            name = Path(attempt["path"]).name
            _link(Path(old["run_dir"], "clips", name), folder / "clips" / name)
            notes = Path(old["run_dir"], "clips", name).with_suffix(".json")
            if notes.exists():  # what the renderer drew, for a resume of the new run
                _link(notes, (folder / "clips" / name).with_suffix(".json"))
            attempts.append({**attempt, "path": str(folder / "clips" / name)})
        clips[scene["id"]] = attempts
    carried = {
        "song": values["song"],
        "request": values["request"],
        "analysis": values["analysis"],
        "plan": plan,
        "clips": clips,
    }
    carried |= {key: values[key] for key in ("tags", "story") if key in values}
    return carried


def _anchors(old: FinishedRun, plan: Plan, ctx: Context) -> dict:
    """The old anchors (linked in) while the bible, the characters, the settings and the size
    stay; else new ones."""
    before = old["values"]["plan"]
    out_dir = Path(ctx.run_dir, "anchors")
    out_dir.mkdir()
    same_settings = {setting_key(s["shot"]["setting"]) for s in before["scenes"]} >= {
        setting_key(s["shot"]["setting"]) for s in plan["scenes"]
    }
    if (
        before["bible"] == plan["bible"]
        and before["characters"] == plan["characters"]
        and same_settings
        and old["context"].size == ctx.size
    ):
        anchors = old["values"]["anchors"]

        def linked(path: str) -> str:  # once: the style still is its setting's reference too
            target = out_dir / Path(path).name
            if not target.exists():
                _link(Path(old["run_dir"], "anchors", target.name), target)
            return str(target)

        kept: dict = {
            "style": linked(anchors["style"]),
            "characters": {cid: linked(p) for cid, p in anchors["characters"].items()},
        }
        if anchors.get("settings"):
            kept["settings"] = {key: linked(p) for key, p in anchors["settings"].items()}
        return kept
    video = ctx.backend("video")
    return video.anchors(plan, out_dir=str(out_dir), size=ctx.size, seed=ctx.seed)


def _link(source: Path, target: Path) -> None:
    """A hard link (finished files are never written again), a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _stream(
    graph: CompiledStateGraph,
    inputs: object,
    ctx: Context,
    emit: OnEvent,
    *,
    interrupt_after: list[str] | None = None,
) -> None:
    for chunk in graph.stream(
        inputs, CONFIG, context=ctx, stream_mode="custom", interrupt_after=interrupt_after
    ):
        emit(chunk)
