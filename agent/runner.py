"""Run the video graph for one song in a run folder, with a SQLite checkpointer so it can resume."""

import errno
import fcntl
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from agent.context import Context
from agent.graph import build_graph
from tools.audio.loading import load_audio
from tools.audio.sections import check_within, parse_sections
from tools.errors import BackendUnavailableError, InvalidInputError, StorageError
from tools.files import atomic_path, sweep_temp, write_json
from tools.lyrics.lines import read_lyrics_text
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
    load_audio(song, max_duration=ctx.max_duration)
    check_output(ctx.output, run_dir=ctx.run_dir)
    if ctx.lyrics_file:
        read_lyrics_text(Path(ctx.lyrics_file))
    if ctx.sections:
        check_sections(song, ctx)
    for role, spec in ctx.backends().items():
        if is_model(role, spec):
            backend_class(role, spec, options=tuple(sorted(ctx.options.get(role, {}).items())))
        else:
            ctx.backend(role)
    check_memory(ctx)


def check_sections(song: str, ctx: Context) -> None:
    """The user's sections must lie within the song (their form was checked already)."""
    audio, sr = load_audio(song, max_duration=ctx.max_duration)  # cached: decoded once
    check_within(parse_sections(ctx.sections or ""), len(audio) / sr)


def check_memory(ctx: Context) -> None:
    """Refuse, in one line naming the option that would fit, a run whose models do not fit
    the device's free memory at some stage (with the video pipeline's CPU offload, if set)."""
    plan = ctx.memory_plan()
    if plan is None or plan.fits:
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
    force: bool = False,
    on_event: OnEvent | None = None,
) -> dict:
    """Make (or finish) the video; returns the graph's final state.

    With `force`, a run already in the folder is emptied (once the song and the settings are
    checked) and made again; the song and lyrics files are kept if they live in it.

    A run is resumed only with the settings it was made with (`resumed_context` builds them);
    any setting that changes the video, or another request, is refused in one line naming it.
    The finished video goes to `ctx.output`, copied there if the run had written it elsewhere.
    Temporary files a killed run left in the run folder, or beside the output, are removed
    first. Any file-system error on the run folder or the output is one StorageError line.
    """
    run_dir = Path(ctx.run_dir)
    settings_path = run_dir / SETTINGS
    if resume:
        saved = read_run(run_dir)
        if Path(saved["song"]).resolve() != Path(song).resolve():
            raise InvalidInputError(f"{run_dir} is a run of {saved['song']}, not of {song}")
        if request and request != saved["request"]:
            raise InvalidInputError(_changed_line(run_dir, ["request"]))
        changed = changed_settings(saved["context"], ctx.to_dict())
        if changed:
            raise InvalidInputError(_changed_line(run_dir, changed, saved["context"]))
        song, request = saved["song"], saved["request"]
    elif settings_path.exists() and not force:
        raise InvalidInputError(
            f"{run_dir} already holds a run: add --resume (or --force to start it over), "
            "or pick another --run-dir"
        )
    prepare(song, ctx)
    if force and not resume:
        start_over(ctx.run_dir, keep=[song, *([ctx.lyrics_file] if ctx.lyrics_file else [])])
    with storage_errors(run_dir), run_lock(run_dir):
        sweep_temp(run_dir)
        sweep_temp(Path(ctx.output).parent, target=Path(ctx.output).name)
        if not resume:
            write_json(settings_path, {"song": song, "request": request, "context": ctx.to_dict()})
        final = _run_graph(song, request, ctx, on_event or (lambda event: None))
        if final.get("video") and Path(final["video"]).resolve() != Path(ctx.output).resolve():
            _copy(Path(final["video"]), Path(ctx.output), work_dir=run_dir)
            final = {**final, "video": ctx.output}
    return final


def _run_graph(song: str, request: str, ctx: Context, emit: OnEvent) -> dict:
    """Stream the video graph in the run folder to its end (from its checkpoint, if any)."""
    run_dir = Path(ctx.run_dir)
    # Clip concurrency is bounded inside `generate` (LangGraph's max_concurrency=1 would leave no
    # thread for the nodes while the stream is consumed).
    config = {"configurable": {"thread_id": THREAD}}
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


# ---------------------------------------------------------------------------- run folders

SETTINGS = "settings.json"
# Settings that do not change the video: a resume may give new ones.
RUN_ONLY = ("run_dir", "output", "workers", "device", "max_duration")
# Errors of the file system rather than of sound2sight: one line, not a traceback.
STORAGE_ERRNOS = {
    errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOENT,
    errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EIO, errno.ENAMETOOLONG, errno.ELOOP,
    errno.EXDEV, errno.ENOTEMPTY,
}  # fmt: skip


def check_run_dir(run_dir: str, *, resume: bool, force: bool = False) -> None:
    """Refuse, in one line, a --run-dir that is neither new, nor an empty folder, nor (to
    `resume` it or `force` it to start over) a sound2sight run; nothing is made here."""
    path = Path(run_dir)
    if resume or (force and (path / SETTINGS).is_file()):
        read_run(path)
        return
    if path.is_dir():
        if (path / SETTINGS).exists():
            raise InvalidInputError(
                f"{run_dir} already holds a run: add --resume (or --force to start it over), "
                "or pick another --run-dir"
            )
        try:
            empty = not any(path.iterdir())
        except OSError as err:
            raise StorageError(f"--run-dir {run_dir}: cannot read it: {err.strerror}") from None
        if not empty:
            raise InvalidInputError(
                f"--run-dir {run_dir}: the folder is not empty and holds no sound2sight run; "
                "give a new or empty folder"
            )
    elif path.exists() or path.is_symlink():
        raise InvalidInputError(f"--run-dir {run_dir}: is a file, not a folder")
    folder = next((p for p in [path, *path.absolute().parents] if p.exists()), Path("/"))
    if not folder.is_dir():
        raise StorageError(f"--run-dir {run_dir}: {folder} is a file, not a folder")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as err:
        raise StorageError(
            f"--run-dir {run_dir}: cannot write in {folder}: {err.strerror}"
        ) from None


def read_run(run_dir: str | Path) -> dict:
    """The settings a run folder was made with (song, request, context)."""
    path = Path(run_dir, SETTINGS)
    if not Path(run_dir).is_dir():
        raise InvalidInputError(f"{run_dir}: no such run folder to resume")
    if not path.is_file():
        raise InvalidInputError(f"{run_dir}: no run to resume here (settings.json missing)")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise StorageError(f"{path}: cannot read it: {err.strerror}") from None
    except json.JSONDecodeError:
        raise InvalidInputError(f"{path}: damaged (not JSON); start the run over") from None
    if not isinstance(saved, dict) or not {"song", "request", "context"} <= set(saved):
        raise InvalidInputError(f"{path}: not a sound2sight run's settings")
    return saved


def resumed_context(run_dir: str, given: dict, *, output: str | None = None) -> Context:
    """The context to resume the run in `run_dir` with: its own settings, with those `given`
    (flags, config file) on top, and the video written to `output` if given."""
    saved = read_run(run_dir)["context"]
    return Context.from_dict(
        {**saved, **given, "run_dir": run_dir, "output": output or saved["output"]}
    )


def changed_settings(saved: dict, wanted: dict) -> list[str]:
    """The settings that change the video and differ between a run's saved context and the
    one wanted now."""
    defaults = Context(run_dir="-", output="-.mp4").to_dict()
    return [
        name
        for name in wanted
        if name not in RUN_ONLY and saved.get(name, defaults.get(name)) != wanted[name]
    ]


def _changed_line(run_dir: Path, names: list[str], saved: dict | None = None) -> str:
    was = f" (the run has {', '.join(f'{n} {saved.get(n)!r}' for n in names)})" if saved else ""
    return (
        f"{run_dir}: resuming with another {', '.join(names)} would change the video{was}; "
        "leave the changed options out to finish the run, or add --force to start it over"
    )


def start_over(run_dir: str, *, keep: list[str] = ()) -> None:
    """Empty the sound2sight run in `run_dir` (a folder with no run is left alone), all but
    the files in `keep` (the song or lyrics, when they live in it)."""
    path = Path(run_dir)
    if not (path / SETTINGS).is_file():
        return
    kept = {Path(k).resolve() for k in keep}
    with storage_errors(path), run_lock(path):
        for item in path.iterdir():
            if item.resolve() in kept:
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()


@contextmanager
def storage_errors(run_dir: Path) -> Iterator[None]:
    """File-system errors (permissions, a full disk, a read-only mount, a folder removed) as
    one StorageError line."""
    try:
        yield
    except OSError as err:
        if err.errno not in STORAGE_ERRNOS:
            raise
        where = f": {err.filename}" if err.filename else ""
        raise StorageError(f"{err.strerror}{where} (run folder {run_dir})") from err
    except sqlite3.OperationalError as err:
        raise StorageError(f"the run's checkpoints: {err} (run folder {run_dir})") from err


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """The run folder (made if new), held by this process alone while the block runs."""
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InvalidInputError(
                f"{run_dir}: another sound2sight process is working in this run folder"
            ) from None
        yield
    finally:
        os.close(fd)


def _copy(source: Path, target: Path, *, work_dir: Path) -> None:
    """`source` copied to `target` atomically."""
    with atomic_path(target, work_dir=work_dir) as tmp:
        shutil.copyfile(source, tmp)
