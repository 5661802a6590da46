"""Run the video graph for one song in a run folder, with a SQLite checkpointer so it can resume."""

import json
import re
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from agent.context import Context
from agent.graph import build_graph
from tools.audio import load_audio
from tools.errors import BackendUnavailableError, InvalidInputError
from tools.files import write_json
from tools.lyrics import read_lyrics_text
from tools.memory_plan import WEIGHT_SHARE, is_model
from tools.registry import backend_class, release_backends

THREAD = "video"  # one video per run folder
Event = dict
OnEvent = Callable[[Event], None]


def default_run_dir(song: str, *, root: str = "runs") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", Path(song).stem.lower()).strip("-") or "song"
    return str(Path(root, f"{slug}-{datetime.now():%Y%m%d-%H%M%S}"))


def check_output(path: str, *, run_dir: str) -> None:
    """Fail before any work if the video could not be written where asked."""
    out = Path(path)
    if out.suffix.lower() != ".mp4":
        raise InvalidInputError(f"{path}: the output must be an .mp4 file")
    if out.is_dir():
        raise InvalidInputError(f"{path}: is a directory; give a file name ending in .mp4")
    folder = out.parent.resolve()
    if folder == Path(run_dir).resolve():  # made by the run: its nearest existing ancestor
        folder = next(p for p in folder.parents if p.exists())
    if not folder.is_dir():
        raise InvalidInputError(f"{path}: folder {folder} does not exist")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as err:
        raise InvalidInputError(f"{path}: cannot write in {folder}: {err.strerror}") from None


def prepare(song: str, ctx: Context) -> None:
    """Validate everything cheap to validate before a run folder is made: the offline and
    cloud backends are loaded, the model backends only checked (each loads when its stage
    starts), and a run whose models cannot fit the device is refused."""
    load_audio(song)
    check_output(ctx.output, run_dir=ctx.run_dir)
    if ctx.lyrics_file:
        read_lyrics_text(Path(ctx.lyrics_file))
    for role, spec in ctx.backends().items():
        if is_model(role, spec):
            backend_class(role, spec, options=tuple(sorted(ctx.options.get(role, {}).items())))
        else:
            ctx.backend(role)
    check_memory(ctx)


def check_memory(ctx: Context) -> None:
    """Refuse, in one line naming the option that would fit, a run whose models do not fit
    the device's free memory at some stage (unless the video pipeline offloads to the CPU)."""
    plan = ctx.memory_plan()
    if plan is None or plan.fits or ctx.offload:
        return
    stage = next(s for s in plan.stages if s.bytes == plan.peak_bytes)
    fix = f"; {plan.advice} would fit" if plan.advice else ""
    raise BackendUnavailableError(
        f"the models do not fit {plan.device}: {stage.stage} needs {gib(stage.bytes)} "
        f"({', '.join(stage.resident)}) of {gib(plan.budget_bytes)} for weights "
        f"({WEIGHT_SHARE:.0%} of {gib(plan.free_bytes)} free){fix} "
        "(see `sound2sight doctor`)"
    )


def gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def make_video(
    song: str,
    request: str,
    ctx: Context,
    *,
    resume: bool = False,
    on_event: OnEvent | None = None,
) -> dict:
    """Make (or finish) the video; returns the graph's final state."""
    run_dir = Path(ctx.run_dir)
    settings_path = run_dir / "settings.json"
    if resume:
        if not settings_path.exists():
            raise InvalidInputError(f"{run_dir}: no run to resume here (settings.json missing)")
        saved = json.loads(settings_path.read_text())
        if Path(saved["song"]).resolve() != Path(song).resolve():
            raise InvalidInputError(f"{run_dir} is a run of {saved['song']}, not of {song}")
        song, request, ctx = saved["song"], saved["request"], Context.from_dict(saved["context"])
    elif settings_path.exists():
        raise InvalidInputError(
            f"{run_dir} already holds a run: add --resume, or pick another --run-dir"
        )
    prepare(song, ctx)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not resume:
        write_json(settings_path, {"song": song, "request": request, "context": ctx.to_dict()})

    # Clip concurrency is bounded inside `generate` (LangGraph's max_concurrency=1 would leave no
    # thread for the nodes while the stream is consumed).
    config = {"configurable": {"thread_id": THREAD}}
    emit = on_event or (lambda event: None)
    t0 = time.perf_counter()
    try:
        with SqliteSaver.from_conn_string(str(run_dir / "checkpoints.sqlite")) as saver:
            graph = build_graph(checkpointer=saver)
            snapshot = graph.get_state(config)
            if snapshot.values.get("report") and not snapshot.next:
                emit({"stage": "done", "message": "this run had already finished"})
                return snapshot.values
            inputs = None if snapshot.next else {"song": song, "request": request}
            if inputs is None:
                emit({"stage": "resume", "message": f"resuming at {', '.join(snapshot.next)}"})
            for mode, chunk in graph.stream(
                inputs, config, context=ctx, stream_mode=["custom", "updates"]
            ):
                if mode == "custom":
                    emit(chunk)
            final = graph.get_state(config).values
    finally:  # the run's models; the offline backends stay loaded, they are tiny
        models = [role for role, spec in ctx.backends().items() if is_model(role, spec)]
        if models:  # (no role named would release every backend)
            release_backends(*models)
    emit({"stage": "done", "message": f"finished in {time.perf_counter() - t0:.1f} s"})
    return final
