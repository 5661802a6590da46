"""`sound2sight serve`: an HTTP API with async video jobs, and a small web page at `/`.

    POST /v1/jobs                  multipart: audio (file), request (text), options (JSON)
    GET  /v1/jobs/{id}             status (queued, running, done, failed), progress, error…
    GET  /v1/jobs/{id}/events      progress as server-sent events
    GET  /v1/jobs/{id}/video       the current video (mp4)
    GET  /v1/jobs/{id}/lyrics.lrc  its timed lyrics (also lyrics.srt), for a job with lyrics
    POST /v1/jobs/{id}/messages    {"text": "make the chorus brighter"}: a revision
    GET  /docs, /openapi.json      the API's documentation

Jobs live in agent/jobs.py and run in the executor (agent/executor.py). Safety: a bearer token
(`SOUND2SIGHT_TOKEN`) is required on every /v1 route when one is set, and serving on anything
but loopback refuses to start without one; uploads have a size limit and are checked as audio
before a job exists; a request names a job only by its id (32 hex digits), never by a path;
each job has its own folder.
"""

import asyncio
import ipaddress
import json
import os
import secrets
import signal
import tempfile
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field

from agent.context import Context
from agent.formats import FORMATS
from agent.jobs import BUSY, MAX_MESSAGES_CHARS, JobBusy, JobNotFound, JobStore
from tools.audio.loading import MAX_DURATION
from tools.errors import InvalidInputError

TOKEN_ENV = "SOUND2SIGHT_TOKEN"
MAX_UPLOAD_MB = 100
POLL_SECONDS = 0.25  # how often an event stream looks for news
KEEPALIVE_SECONDS = 15.0
CHUNK = 1 << 20
LYRICS_TYPES = {"lrc": "text/plain; charset=utf-8", "srt": "application/x-subrip; charset=utf-8"}


class JobCreated(BaseModel):
    id: str


class Job(BaseModel):
    id: str
    status: str = Field(description="queued, running, done or failed")
    progress: float = Field(description="0..1")
    error: str | None = Field(description="why the job failed")
    request: str
    settings: dict
    runs: list[str] = Field(description="run folders: v1 is the first video, then revisions")
    messages: list[dict] = Field(description="the revision conversation: role, text")
    video: bool = Field(description="whether GET /video has a video")


class Message(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_MESSAGES_CHARS)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(
    store: JobStore, *, token: str | None = None, max_upload_mb: int = MAX_UPLOAD_MB
) -> FastAPI:
    """The API over `store`; with a `token`, every /v1 route needs `Authorization: Bearer`."""
    app = FastAPI(
        title="sound2sight",
        summary="Song in, AI-authored music video out: async jobs, progress, revisions.",
        version="0.1.0",
    )
    bearer = HTTPBearer(auto_error=False, description=f"the server's {TOKEN_ENV}")

    def authorized(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials else ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"}
            )

    guarded = [Depends(authorized)]

    @app.exception_handler(JobNotFound)
    def not_found(request: Request, err: JobNotFound) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=404)

    @app.exception_handler(JobBusy)
    def busy(request: Request, err: JobBusy) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=409)

    @app.exception_handler(InvalidInputError)
    def invalid(request: Request, err: InvalidInputError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=422)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return resources.files("agent").joinpath("web/index.html").read_text(encoding="utf-8")

    @app.get("/v1/info")
    def info() -> dict:
        """What a client needs to know before it calls: whether a token is needed, limits, the
        formats a job may ask for (their sizes) and the server's default size."""
        limit = store.settings.get("max_duration", MAX_DURATION)
        size = Context(**store.settings, run_dir="-", output="-.mp4").size
        return {
            "auth": token is not None,
            "max_upload_mb": max_upload_mb,
            "max_duration_s": limit,
            "formats": FORMATS,
            "default_size": size,
        }

    @app.post(
        "/v1/jobs",
        status_code=202,
        dependencies=guarded,
        max_body_size=max_upload_mb * 1024 * 1024,
    )
    def create_job(
        audio: Annotated[UploadFile, File(description="the song: wav, flac, ogg, mp3, m4a…")],
        request: Annotated[str, Form(description="what the video should be like")] = "",
        options: Annotated[
            str,
            Form(
                description='JSON, e.g. {"format": "9:16", "pipeline": "lalm"}; "format" is '
                "16:9 (1280x720), 9:16 (720x1280), 1:1 (720x720) or 4:5 (720x900), "
                '"resolution" an exact WxH (one of the two)'
            ),
        ] = "{}",
        lyrics: Annotated[
            UploadFile | None, File(description="the song's lyrics, optional: .lrc or plain text")
        ] = None,
    ) -> JobCreated:
        """Upload a song (and its lyrics) and start making its video; returns the job's id at
        once."""
        try:
            chosen = json.loads(options or "{}")
        except json.JSONDecodeError as err:
            raise InvalidInputError(f"options: not JSON ({err})") from None
        if not isinstance(chosen, dict):
            raise InvalidInputError("options: expected a JSON object")
        words = _spool(lyrics, store.root) if lyrics is not None else None
        upload = _spool(audio, store.root)
        job = store.create(
            upload, request=request, options=chosen, lyrics=words, name=upload_name(audio)
        )
        return JobCreated(id=job["id"])

    @app.get("/v1/jobs/{job_id}", dependencies=guarded)
    def get_job(job_id: str) -> Job:
        """A job's status, progress (0..1) and, when it failed, why."""
        return Job(**store.get(job_id))

    @app.get("/v1/jobs/{job_id}/events", response_class=EventSourceResponse, dependencies=guarded)
    async def job_events(
        job_id: str, last_event_id: Annotated[str | None, Header()] = None
    ) -> AsyncIterator[ServerSentEvent]:
        """Progress events (`progress`) until the job's work ends (`end`, with its status).
        Each event's id is its number: send it back as Last-Event-ID to go on from there."""
        folder = store.folder(job_id)
        sent = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
        quiet = 0.0
        while True:
            events = await asyncio.to_thread(folder.events, after=sent)
            for event in events:
                sent += 1
                yield ServerSentEvent(data=event, event="progress", id=str(sent))
            job = await asyncio.to_thread(folder.read)
            if not events and job["status"] not in BUSY:
                yield ServerSentEvent(
                    data={k: job[k] for k in ("status", "progress", "error")}, event="end"
                )
                return
            quiet = 0.0 if events else quiet + POLL_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ServerSentEvent(comment="keep-alive")
            await asyncio.sleep(POLL_SECONDS)

    @app.get(
        "/v1/jobs/{job_id}/video",
        dependencies=guarded,
        response_class=FileResponse,
        responses={200: {"content": {"video/mp4": {}}}, 404: {"description": "no video yet"}},
    )
    def job_video(job_id: str) -> FileResponse:
        """The job's current video (after a revision, the revised one)."""
        path = store.folder(job_id).video()
        if path is None:
            raise HTTPException(404, "this job has no video yet")
        return FileResponse(path, media_type="video/mp4", filename=f"{job_id}.mp4")

    @app.get(
        "/v1/jobs/{job_id}/lyrics.{kind}",
        dependencies=guarded,
        response_class=FileResponse,
        responses={404: {"description": "no timed lyrics"}},
    )
    def job_lyrics(job_id: str, kind: Literal["lrc", "srt"]) -> FileResponse:
        """The timed lyrics of the job's current video, as LRC or SRT: fix a line in any
        subtitle editor and send the LRC back as the lyrics of a new job."""
        video = store.folder(job_id).video()
        path = video.with_suffix(f".{kind}") if video else None
        if path is None or not path.is_file():
            raise HTTPException(404, "this job has no timed lyrics")
        return FileResponse(path, media_type=LYRICS_TYPES[kind], filename=f"{job_id}.{kind}")

    @app.post("/v1/jobs/{job_id}/messages", status_code=202, dependencies=guarded)
    def send_message(job_id: str, message: Message) -> Job:
        """A revision request in plain words ("make the chorus brighter", "redo scene 3"): the
        job's agent changes only what it must, and the job runs again."""
        return Job(**store.message(job_id, message.text))

    return app


def upload_name(upload: UploadFile) -> str:
    """How messages call an uploaded song: the file name the client gave (its last part,
    printable, at most 80 characters), else "the upload"."""
    name = Path((upload.filename or "").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable())[:80].strip()
    return name or "the upload"


def _spool(audio: UploadFile, root: Path) -> Path:
    """An uploaded file copied to a private temporary file under the jobs folder."""
    incoming = root / ".incoming"
    incoming.mkdir(exist_ok=True)
    fd, name = tempfile.mkstemp(dir=incoming, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        while chunk := audio.file.read(CHUNK):
            out.write(chunk)
    return Path(name)


def required_token(host: str) -> str | None:
    """The bearer token from the environment; binding beyond loopback without one is refused."""
    token = os.environ.get(TOKEN_ENV) or None
    if token is None and not is_loopback(host):
        raise InvalidInputError(
            f"serving on {host} needs a bearer token: set {TOKEN_ENV} (or serve on 127.0.0.1)"
        )
    return token


def serve(
    store: JobStore,
    *,
    host: str,
    port: int,
    token: str | None,
    max_upload_mb: int = MAX_UPLOAD_MB,
) -> None:
    """Run the API with uvicorn until interrupted."""
    import uvicorn

    if token is None and not is_loopback(host):
        raise InvalidInputError(f"serving on {host} needs a bearer token")
    app = create_app(store, token=token, max_upload_mb=max_upload_mb)
    # uvicorn shuts down gracefully on SIGTERM, then raises it again: as an interrupt, it lets
    # the caller stop the job workers (killed outright, they would be orphaned)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
