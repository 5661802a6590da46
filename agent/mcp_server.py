"""`sound2sight mcp`: an MCP server on stdio, for MCP-capable chat clients.

Tools: `make_music_video` (start a job for a song file; returns its id at once),
`get_job` (status, progress, error, the video's path; can wait for the job) and `revise_scene`
(a revision in plain words, answered by the job's chat agent). Jobs are those of the HTTP API
(agent/jobs.py), in their own folder each, run by the executor.

The song is named by a path, so it is checked before anything reads it: it must resolve
(symlinks followed) to a regular file inside one of the allowed folders (`--root`, default the
current folder), no larger than the upload limit, and decode as audio. The job works on its
own copy.
"""

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from agent.context import PIPELINES
from agent.formats import FORMATS
from agent.jobs import BUSY, JobStore
from tools.errors import InvalidInputError, Sound2SightError

MAX_WAIT_SECONDS = 120.0
INSTRUCTIONS = (
    "sound2sight turns a song into a music video. Call make_music_video with the path of a "
    "song file and the user's request in their words; it returns a job id at once. Call "
    "get_job (wait_seconds up to 120) until the status is done or failed; `video_path` is the "
    'mp4. revise_scene takes a change in plain words ("make the chorus brighter", "redo '
    'scene 3", "the singer should wear red"); only the affected scenes are rendered again.'
)


def build_mcp(store: JobStore, *, roots: list[Path], max_upload_mb: int = 100) -> MCPServer:
    """The MCP server over `store`; songs are read only from inside `roots`."""
    allowed = [Path(root).resolve() for root in roots]
    server = MCPServer(name="sound2sight", instructions=INSTRUCTIONS)

    @server.tool()
    def make_music_video(
        song_path: str,
        request: str = "",
        pipeline: Literal[PIPELINES] | None = None,
        format: Literal[tuple(FORMATS)] | None = None,
        resolution: str | None = None,
    ) -> dict:
        """Start making a music video of the song file at `song_path` (wav, flac, ogg, mp3,
        m4a). `request`: what the video should be like, in the user's words (mood, style,
        characters, places). `pipeline`: clap, lalm or hybrid. `format`: 16:9 (1280x720, the
        default), 9:16 (720x1280: Reels, Shorts, TikTok), 1:1 (720x720) or 4:5 (720x900: feed
        posts). `resolution`: an exact WxH instead of a format, e.g. 1080x1920. Returns the
        job's id and status at once; follow it with get_job."""
        with told():
            song = checked_song(song_path, allowed, max_bytes=max_upload_mb * 1024 * 1024)
            options = {
                key: value
                for key, value in (
                    ("pipeline", pipeline),
                    ("format", format),
                    ("resolution", resolution),
                )  # fmt: skip
                if value
            }
            incoming = store.root / ".incoming"
            incoming.mkdir(exist_ok=True)
            with (
                open(song, "rb") as source,
                tempfile.NamedTemporaryFile(dir=incoming, suffix=".part", delete=False) as copy,
            ):
                shutil.copyfileobj(source, copy)
            job = store.create(
                Path(copy.name), request=request, options=options, name=Path(song_path).name
            )
        return {"job_id": job["id"], "status": job["status"]}

    @server.tool()
    async def get_job(job_id: str, ctx: Context, wait_seconds: float = 0.0) -> dict:
        """A job's status (queued, running, done, failed), progress (0..1), error, the path
        of its video and the answers of its agent. With `wait_seconds` (at most 120), wait
        for a queued or running job to end, reporting progress meanwhile."""
        deadline = time.monotonic() + min(max(wait_seconds, 0.0), MAX_WAIT_SECONDS)
        while True:
            with told():
                job = await anyio.to_thread.run_sync(store.get, job_id)
            if job["status"] not in BUSY or time.monotonic() >= deadline:
                break
            await ctx.report_progress(job["progress"], 1.0, job["status"])
            await anyio.sleep(0.5)
        video = store.folder(job_id).video()
        answers = [m["text"] for m in job["messages"] if m["role"] == "agent"]
        return {
            "job_id": job_id,
            "status": job["status"],
            "progress": job["progress"],
            "error": job["error"],
            "video_path": str(video) if video else None,
            "last_answer": answers[-1] if answers else None,
        }

    @server.tool()
    def revise_scene(job_id: str, instruction: str, scene: str | None = None) -> dict:
        """Change a finished video in plain words: "make the chorus brighter", "redo scene
        3", "the singer should wear red", "make it neon", "use the audio-LM pipeline".
        `scene` (optional) names the scene the instruction is about: an id (s03), a number
        or a section (chorus). Only the affected scenes are rendered again; follow the job
        with get_job."""
        text = (
            f"scene {scene}: {instruction}"
            if scene and scene.strip().isdigit()
            else (f"{scene}: {instruction}" if scene else instruction)
        )
        with told():
            job = store.message(job_id, text)
        return {"job_id": job_id, "status": job["status"]}

    return server


@contextmanager
def told() -> Iterator[None]:
    """A problem the client can act on reaches it as the tool's error (MCP hides the text of
    any other exception from the client)."""
    try:
        yield
    except Sound2SightError as err:
        raise ToolError(str(err)) from err


def checked_song(song_path: str, roots: list[Path], *, max_bytes: int) -> Path:
    """The song file a client named, if it is a regular file inside an allowed folder."""
    try:
        path = Path(song_path).expanduser()
        if not path.is_absolute():
            path = roots[0] / path
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InvalidInputError(f"{song_path}: no such file") from None
    if not any(resolved.is_relative_to(root) for root in roots):
        folders = ", ".join(str(root) for root in roots)
        raise InvalidInputError(
            f"{song_path}: outside the folders this server may read ({folders})"
        )
    if not resolved.is_file():
        raise InvalidInputError(f"{song_path}: not a regular file")
    if resolved.stat().st_size > max_bytes:
        raise InvalidInputError(f"{song_path}: larger than {max_bytes // (1024 * 1024)} MB")
    return resolved
