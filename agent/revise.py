"""Revisions of a finished video: change the plan, render only what the change touches.

A revision never touches the run it starts from. It makes a new run folder whose checkpoint
starts where the old run ended, with the edited plan: every scene the edit leaves alone keeps
its clips (hard-linked in, with their attempts and scores: nothing is rendered again), and the
scenes it changed, or that were asked to be redone, go to the video graph's `generate` node as
new tasks. From there the graph runs as usual: its critique checks the new clips (and regenerates
the ones that drift, bounded), then the video is reassembled and the report rewritten. The
revision's base seed is the old one plus one, so a redone scene is a new take.

The edits themselves are plain functions on a plan (`tools.writing.plan_edits`); a conversation
keeps them and applies them again after a pipeline switch (`remake`), which rewrites the script.
"""

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Send

from agent.context import PIPELINES, Context
from agent.graph import build_graph
from agent.routing import clip_task
from agent.runner import THREAD, OnEvent, prepare
from tools.errors import InvalidInputError
from tools.files import write_json
from tools.shots import setting_key
from tools.types import Attempt, Plan, Scene
from tools.writing.plan_edits import Edit, apply_edit, changed_scenes, select_scenes

CONFIG = {"configurable": {"thread_id": THREAD}}


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
