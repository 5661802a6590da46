"""Video jobs for the HTTP API and the MCP server: one folder each, run by the executor.

    <jobs>/<id>/
        job.json      status, progress, error, request, settings, runs, messages (atomic writes)
        events.jsonl  progress events, one JSON object a line, appended as they happen
        song.<ext>    the song, checked as audio before the job was created
        chat.sqlite   the job's conversation: revision requests go through the chat agent
        v1/, v2/ …    run folders: v1 is the first video, each revision adds one

A job's work runs in the executor (agent/executor.py: a local process pool or Ray) as module
functions that take the job folder: the worker writes job.json and events.jsonl, the front end
reads them. Status is queued, running, done or failed; a failed job says why in `error` and
keeps its run folders, with every clip it finished. Ids are 32 hex digits made here; a request
names a job only through an id that matches that pattern, so no request reaches a path.
"""

import contextlib
import json
import re
import secrets
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from agent.chat import ChatSession
from agent.chat_context import ChatContext
from agent.context import PIPELINES, Context
from agent.executor import Executor
from agent.formats import chosen_size
from agent.runner import make_video
from tools.audio.loading import MAX_DURATION, load_audio
from tools.audio.sections import check_within, format_sections, parse_sections
from tools.errors import InvalidInputError, Sound2SightError
from tools.files import write_json
from tools.lyrics.lines import read_lyrics_text

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
STATUSES = ("queued", "running", "done", "failed")
BUSY = ("queued", "running")
MAX_PIXELS = 1920 * 1080  # the largest frame a request may ask for
MAX_FPS = 60
MAX_REQUEST_CHARS = 2000
MAX_LYRICS_BYTES = 256 * 1024
MAX_MESSAGES_CHARS = 2000

# The song's container, from its first bytes: the name a client gave is never used.
MAGIC: list[tuple[bytes, int, str]] = [
    (b"RIFF", 0, ".wav"),
    (b"fLaC", 0, ".flac"),
    (b"OggS", 0, ".ogg"),
    (b"ID3", 0, ".mp3"),
    (b"ftyp", 4, ".m4a"),
    (b"FORM", 0, ".aiff"),
]

# Progress by stage (0..1); clip renders fill RENDER_SPAN after the last stage before them.
STAGE_PROGRESS = {
    "analyze": 0.05,
    "tag": 0.12,
    "listen": 0.12,
    "write": 0.15,
    "anchor": 0.2,
    "revise": 0.2,
    "critique": 0.85,
    "assemble": 0.9,
    "report": 0.97,
}
RENDER_START, RENDER_SPAN = 0.2, 0.6


class JobNotFound(InvalidInputError):
    """No job with that id."""


class JobBusy(InvalidInputError):
    """The job is queued or running: it takes no new request until it ends."""


# ---------------------------------------------------------------------------- a job's folder


class JobFolder:
    """The files of one job. Only the worker that runs the job writes them, and the front end
    before it submits work (when no worker runs it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def id(self) -> str:
        return self.path.name

    def read(self) -> dict:
        return json.loads((self.path / "job.json").read_text())

    def update(self, **changes: Any) -> dict:
        job = {**self.read(), **changes, "updated": time.time()}
        write_json(self.path / "job.json", job)
        return job

    def log(self, event: dict) -> None:
        """Append one progress event (a line is written whole, in one call)."""
        line = json.dumps({**event, "time": round(time.time(), 3)}, ensure_ascii=False)
        with open(self.path / "events.jsonl", "a", encoding="utf-8") as out:
            out.write(line + "\n")

    def events(self, *, after: int = 0) -> list[dict]:
        """The events after the first `after` ones."""
        path = self.path / "events.jsonl"
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines[after:] if line.strip()]

    def video(self) -> Path | None:
        """The current video, if the job has one (always inside the job folder)."""
        name = self.read().get("video")
        if not name:
            return None
        path = (self.path / name).resolve()
        if not path.is_relative_to(self.path.resolve()) or not path.is_file():
            return None
        return path


class ProgressMeter:
    """Progress 0..1 from the video graph's events; it never goes back."""

    def __init__(self) -> None:
        self.value = 0.0
        self.scenes = 0
        self.rendered = 0

    def __call__(self, event: dict) -> float:
        stage = event.get("stage", "")
        if "scenes" in event:
            self.scenes, self.rendered = int(event["scenes"]), 0
        if stage == "generate" and self.scenes:
            self.rendered += 1
            done = min(self.rendered / self.scenes, 1.0)
            self.value = max(self.value, RENDER_START + RENDER_SPAN * done)
        elif stage == "revise":
            self.value = STAGE_PROGRESS["revise"]  # a new round of work starts
        else:
            self.value = max(self.value, STAGE_PROGRESS.get(stage, 0.0))
        return round(self.value, 3)


# ---------------------------------------------------------------------------- the store


class JobStore:
    """The jobs folder, and the work it submits to the executor."""

    def __init__(
        self,
        root: str | Path,
        *,
        executor: Executor,
        settings: dict | None = None,
        model: str = "rules",
    ) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.executor = executor
        self.settings = dict(settings or {})  # server defaults for every job's Context
        self.model = model
        self._lock = threading.Lock()
        self._abandon_unfinished()
        for part in (self.root / ".incoming").glob("*.part"):  # uploads a killed server left
            part.unlink(missing_ok=True)

    def warm_up(self) -> None:
        """Start the local workers now and load what jobs need in each (librosa compiles its
        numba code on first use, ~10 s), so the first job does not wait for it."""
        if self.executor.name == "local":
            for _ in range(self.executor.workers):
                self.executor.submit(warm_worker)

    def folder(self, job_id: str) -> JobFolder:
        """The folder of an existing job; any other id is JobNotFound."""
        if not JOB_ID.match(job_id) or not (self.root / job_id / "job.json").is_file():
            raise JobNotFound(f"no job {job_id!r}")
        return JobFolder(self.root / job_id)

    def get(self, job_id: str) -> dict:
        return public(self.folder(job_id).read())

    def create(
        self,
        upload: Path,
        *,
        request: str = "",
        options: dict | None = None,
        lyrics: Path | None = None,
        name: str | None = None,
    ) -> dict:
        """A job for the song at `upload` and its lyrics at `lyrics` (temporary files this store
        now owns): checked, moved into the job's folder and queued. Bad input raises
        InvalidInputError, naming the song `name` (default "the upload", never the temporary
        file), and leaves nothing behind."""
        try:
            settings = self.job_settings(options or {})
            if len(request) > MAX_REQUEST_CHARS:
                raise InvalidInputError(
                    f"the request is longer than {MAX_REQUEST_CHARS} characters"
                )
            if lyrics is not None:
                if lyrics.stat().st_size > MAX_LYRICS_BYTES:
                    raise InvalidInputError(f"lyrics: at most {MAX_LYRICS_BYTES // 1024} KB")
                with _named(lyrics, "the lyrics"):
                    read_lyrics_text(lyrics)  # UTF-8 text, not empty
            suffix = audio_suffix(upload, name=name or "the upload")
            audio, sr = load_audio(  # decodes, not silent, long enough, not too long
                upload,
                max_duration=settings.get("max_duration", MAX_DURATION),
                name=name or "the upload",
            )
            if settings.get("sections"):
                check_within(parse_sections(settings["sections"]), len(audio) / sr)
        except BaseException:
            upload.unlink(missing_ok=True)
            if lyrics is not None:
                lyrics.unlink(missing_ok=True)
            raise
        job_id = secrets.token_hex(16)
        folder = JobFolder(self.root / job_id)
        folder.path.mkdir()
        song = folder.path / f"song{suffix}"
        shutil.move(upload, song)
        if lyrics is not None:  # the song's own words replace a lyrics model
            settings.pop("lyrics", None)
            settings["lyrics_file"] = str(shutil.move(lyrics, folder.path / "lyrics.txt"))
        now = time.time()
        write_json(
            folder.path / "job.json",
            {
                "id": job_id,
                "status": "queued",
                "progress": 0.0,
                "error": None,
                "request": request,
                "settings": settings,
                "model": self.model,
                "song": song.name,
                "runs": [],
                "video": None,
                "messages": [],
                "created": now,
                "updated": now,
            },
        )
        folder.log({"stage": "queued", "message": "waiting for a worker"})
        self._submit(folder, run_make_job, str(folder.path))
        return public(folder.read())

    def message(self, job_id: str, text: str) -> dict:
        """Queue a revision request ("make the chorus brighter") for a finished job."""
        text = text.strip()
        if not text:
            raise InvalidInputError("the message is empty")
        if len(text) > MAX_MESSAGES_CHARS:
            raise InvalidInputError(f"the message is longer than {MAX_MESSAGES_CHARS} characters")
        folder = self.folder(job_id)
        with self._lock:
            job = folder.read()
            if job["status"] in BUSY:
                raise JobBusy(f"job {job_id} is {job['status']}: wait until it ends")
            if not job["runs"]:
                raise InvalidInputError(f"job {job_id} has no video to revise")
            messages = [*job["messages"], {"role": "user", "text": text}]
            job = folder.update(status="queued", progress=0.0, error=None, messages=messages)
        folder.log({"stage": "queued", "message": f"revision: {text}"})
        self._submit(folder, run_message_job, str(folder.path), text)
        return public(job)

    def job_settings(self, options: dict) -> dict:
        """The Context settings of a job: the server's, with what a request may choose."""
        allowed = {
            "pipeline", "format", "resolution", "width", "height", "fps", "max_retries", "seed",
            "sections",
        }  # fmt: skip
        unknown = set(options) - allowed
        if unknown:
            raise InvalidInputError(
                f"unknown options {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        chosen = dict(options)
        resolution = None
        if "resolution" in chosen:
            try:
                width, height = (int(x) for x in str(chosen.pop("resolution")).lower().split("x"))
            except ValueError:
                raise InvalidInputError("resolution: expected WxH, e.g. 1280x720") from None
            resolution = (width, height)
        if "format" in chosen and {"width", "height"} & set(chosen):
            raise InvalidInputError("options: give a format or a size, not both")
        size = chosen_size(
            format=chosen.pop("format", None), resolution=resolution, where="options"
        )
        if size:
            chosen["width"], chosen["height"] = size
        for name in ("width", "height", "fps", "max_retries", "seed"):
            if name in chosen and not isinstance(chosen[name], int):
                try:
                    chosen[name] = int(chosen[name])
                except (TypeError, ValueError):
                    raise InvalidInputError(f"{name}: expected a whole number") from None
        if "sections" in chosen:  # inline or a file's text; never a path on this machine
            if not isinstance(chosen["sections"], str):
                raise InvalidInputError('sections: expected text, e.g. "0:intro,10.8:verse"')
            chosen["sections"] = format_sections(parse_sections(chosen["sections"]))
        if "pipeline" in chosen and chosen["pipeline"] not in PIPELINES:
            raise InvalidInputError(f"pipeline: one of {', '.join(PIPELINES)}")
        settings = {**self.settings, **chosen}
        ctx = Context(**settings, run_dir="-", output="-.mp4")  # checks every value
        if ctx.width * ctx.height > MAX_PIXELS or ctx.fps > MAX_FPS:
            raise InvalidInputError(f"at most 1920x1080 pixels and {MAX_FPS} fps")
        if not 0 <= ctx.max_retries <= 5:
            raise InvalidInputError("max_retries: 0 to 5")
        return settings

    def _submit(self, folder: JobFolder, fn: Callable[..., None], *args: Any) -> None:
        future = self.executor.submit(fn, *args)
        future.add_done_callback(lambda done: _settled(folder, done))

    def _abandon_unfinished(self) -> None:
        """Jobs left queued or running by a server that stopped: failed, work kept."""
        for path in self.root.glob("*/job.json"):
            folder = JobFolder(path.parent)
            if JOB_ID.match(folder.id) and folder.read().get("status") in BUSY:
                folder.update(
                    status="failed",
                    error="the server stopped while this job was waiting or running; "
                    "its finished work is kept",
                )


def public(job: dict) -> dict:
    """What the API shows of a job (no server paths)."""
    keys = ("id", "status", "progress", "error", "request", "settings", "runs", "messages")
    shown = {key: job.get(key) for key in keys}
    if shown["settings"] and shown["settings"].get("lyrics_file"):  # uploaded: its name only
        shown["settings"] = {**shown["settings"], "lyrics_file": "lyrics.txt"}
    shown["video"] = bool(job.get("video"))
    return shown


def audio_suffix(path: Path, *, name: str = "the upload") -> str:
    """The file suffix for the song's container, from its first bytes (mp3 frames and ADTS
    AAC without tags start with a sync word); `name` is what an error calls the file."""
    with open(path, "rb") as song:
        head = song.read(16)
    for magic, offset, suffix in MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return suffix
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return ".aac" if head[1] & 0x06 == 0 else ".mp3"
    raise InvalidInputError(
        f"{name}: not audio that sound2sight can read: give a wav, flac, ogg, mp3, m4a or aac file"
    )


@contextlib.contextmanager
def _named(upload: Path, name: str) -> Iterator[None]:
    """Errors about an uploaded temporary file name the upload instead."""
    try:
        yield
    except InvalidInputError as err:
        message = str(err).replace(str(upload), name).replace(upload.name, name)
        raise type(err)(message) from None


def _settled(folder: JobFolder, done: Future) -> None:
    """A worker that died (or a job the executor could not run) still leaves a failed job."""
    error = None if done.cancelled() else done.exception()
    if done.cancelled():
        error = "cancelled"
    if error is not None and folder.read()["status"] in BUSY:
        folder.update(status="failed", error=f"the job's worker failed: {error}")
        folder.log({"stage": "failed", "message": str(error)})


# ---------------------------------------------------------------------------- work (in workers)


def warm_worker() -> None:
    """Analyze four seconds of a pulsing tone: imports and compiles what every job uses."""
    import numpy as np

    from tools.audio.analysis import analyze_audio

    sr = 22050
    t = np.arange(4 * sr) / sr
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    analyze_audio(tone.astype(np.float32), sr, path="warm-up")


def run_make_job(job_dir: str) -> None:
    """Make a job's first video (in a worker process)."""
    folder = JobFolder(job_dir)

    def work(job: dict, emit: Callable[[dict], None]) -> dict:
        run_dir = folder.path / "v1"
        run_dir.mkdir(exist_ok=True)
        ctx = Context(**job["settings"], run_dir=str(run_dir), output=str(run_dir / "video.mp4"))
        resume = (run_dir / "settings.json").exists()  # a worker that died before
        make_video(
            str(folder.path / job["song"]), job["request"], ctx, resume=resume, on_event=emit
        )
        return {"runs": ["v1"], "video": "v1/video.mp4"}

    _run(folder, work)


def run_message_job(job_dir: str, text: str) -> None:
    """Answer a job's revision request through its conversation (in a worker process)."""
    folder = JobFolder(job_dir)

    def work(job: dict, emit: Callable[[dict], None]) -> dict:
        context = ChatContext(
            model=job["model"], workspace=str(folder.path.parent), settings=job["settings"]
        )
        session = ChatSession(db=folder.path / "chat.sqlite", context=context, thread_id=folder.id)
        turn = session.send(
            text,
            song=folder.path / job["song"],
            runs=[str(folder.path / run) for run in job["runs"]],
            on_event=emit,
        )
        runs = [Path(run).name for run in session.values().get("runs", [])]
        changes: dict = {
            "runs": runs,
            "messages": [
                *job["messages"],
                {"role": "agent", "text": _relative(turn.answer, folder)},
            ],
        }
        if runs:
            changes["video"] = f"{runs[-1]}/video.mp4"
        return changes

    _run(folder, work)


def _run(folder: JobFolder, work: Callable[[dict, Callable[[dict], None]], dict]) -> None:
    """Run a job's work: status, progress and events on the way; why, if it fails."""
    job = folder.update(status="running", progress=0.0, error=None)
    meter = ProgressMeter()

    def emit(event: dict) -> None:
        progress = meter(event)
        message = _relative(str(event.get("message", "")), folder)
        folder.log({**event, "message": message, "progress": progress})
        if progress != folder.read()["progress"]:
            folder.update(progress=progress)

    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout may be an MCP client's pipe
            changes = work(job, emit)
    except Sound2SightError as err:
        _failed(folder, str(err))
    except Exception as err:  # a bug: say so, keep the traceback beside the job
        (folder.path / "error.txt").write_text(traceback.format_exc())
        _failed(folder, f"internal error ({type(err).__name__}): {err}")
    else:
        folder.update(status="done", progress=1.0, **changes)
        folder.log({"stage": "done", "message": "the video is ready", "progress": 1.0})


def _failed(folder: JobFolder, error: str) -> None:
    folder.update(status="failed", error=error)
    folder.log({"stage": "failed", "message": error})


def _relative(text: str, folder: JobFolder) -> str:
    """An answer without the server's paths: run folders shown relative to the job."""
    return text.replace(f"{folder.path}/", "")
