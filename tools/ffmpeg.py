"""The one place that talks to the ffmpeg binary shipped by imageio-ffmpeg.

`frame_writer` streams raw rgb24 frames into an H.264 mp4 (atomically: a temp file that replaces
the target only when ffmpeg succeeds), with keyframes where the caller asks for them (assembly
re-encodes just the frames around a transition and copies the rest from those keyframes on);
`video_info` and `read_frames` inspect and sample a video (decoding only the keyframes when the
frames asked for are all keyframes).
"""

import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import IO

import imageio_ffmpeg
import numpy as np
from PIL import Image

from tools.errors import GenerationFailedError, InvalidInputError
from tools.files import atomic_path

_STDERR_LINES = 8
_QUEUE_FRAMES = 4


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg's, or IMAGEIO_FFMPEG_EXE when set)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def keyframe_args(keyframes: Sequence[int]) -> list[str]:
    """ffmpeg options that make these frame numbers keyframes (besides libx264's own).

    Each is a full picture: on the 9-scene demo at 640x360 the keyframes at its transitions
    made the clips 18 % larger, a keyframe every second would have made the video 37 % larger
    (measured), so only the frames where assembly cuts get one, and those the critic scores
    (six a clip: the 61 s vibe_ace video at 720p 6.6 % larger, its critique's decoding 3x
    cheaper, measured)."""
    if not keyframes:
        return []
    return ["-force_key_frames", "expr:" + "+".join(f"eq(n,{int(k)})" for k in keyframes)]


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-_STDERR_LINES:])


class FrameWriter:
    """Feeds frames to a running ffmpeg from a background thread through a small queue."""

    def __init__(
        self,
        proc: subprocess.Popen,
        log: IO[bytes],
        size: tuple[int, int],
        path: str,
        *,
        channels: int = 3,
    ) -> None:
        self._path = path
        self._proc = proc
        self._log = log
        self._frame_bytes = size[0] * size[1] * channels
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._broken = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        self.frames = 0

    def _pump(self) -> None:
        stdin = self._proc.stdin
        while (data := self._queue.get()) is not None:
            if not self._broken:
                try:
                    stdin.write(data)
                except OSError:  # ffmpeg died: keep draining so write() never blocks
                    self._broken = True

    def write(self, frame: np.ndarray | Image.Image) -> None:
        """Queue one uint8 frame of the writer's size: HxWx3 (an RGB image), or HxW (an L
        image) for a grey writer."""
        data = frame.tobytes()
        if len(data) != self._frame_bytes:
            raise InvalidInputError(f"frame has {len(data)} bytes, expected {self._frame_bytes}")
        if self._broken:
            raise self._failure()
        self._queue.put(data)
        self.frames += 1

    def _finish(self) -> int:
        self._queue.put(None)
        self._thread.join()
        try:
            self._proc.stdin.close()
        except OSError:
            self._broken = True
        return self._proc.wait()

    def _failure(self) -> GenerationFailedError:
        self._proc.wait()
        self._log.seek(0)
        message = _tail(self._log.read().decode(errors="replace")) or "ffmpeg stopped reading"
        return GenerationFailedError(f"ffmpeg failed writing {self._path}: {message}")


@contextmanager
def frame_writer(
    path: str,
    *,
    size: tuple[int, int],
    fps: float,
    preset: str = "ultrafast",
    crf: int = 18,
    keyframes: Sequence[int] = (),
    grey: bool = False,
) -> Iterator[FrameWriter]:
    """Encode the frames written inside the block to `path` (H.264, yuv420p, no audio), with
    `keyframes` (frame numbers) among its keyframes. A `grey` writer takes one channel a
    pixel (a black-and-white look: a third of the bytes, and no colour conversion).

    The file appears at `path` only if every step succeeds; otherwise nothing is left behind and
    an ffmpeg failure raises GenerationFailedError with the end of ffmpeg's log.
    """
    width, height = size
    if width % 2 or height % 2 or width <= 0 or height <= 0:
        raise InvalidInputError(f"video size must be positive and even, got {width}x{height}")
    with atomic_path(path) as tmp, tempfile.TemporaryFile() as log:
        # fmt: off
        cmd = [
            ffmpeg_exe(), "-nostdin", "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "gray" if grey else "rgb24", "-s", f"{width}x{height}",
            "-framerate", str(fps), "-i", "pipe:0",
            # measured here: a third cheaper rgb24 -> yuv420p conversion, closer to the source
            "-sws_flags", "full_chroma_inp",
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), *keyframe_args(keyframes),
            "-pix_fmt", "yuv420p", "-f", "mp4", str(tmp),
        ]
        # fmt: on
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
        writer = FrameWriter(proc, log, size, path, channels=1 if grey else 3)
        try:
            try:
                yield writer
            except BaseException:
                proc.kill()
                raise
            finally:
                returncode = writer._finish()
            if returncode != 0 or writer._broken:
                raise writer._failure()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frames: int
    codec: str  # e.g. "h264 (Constrained Baseline) yuv420p": what decides if streams concatenate
    keyframes: tuple[int, ...] = ()  # indices of the frames (packets) flagged as keyframes


def video_info(path: str) -> VideoInfo:
    """Size, frame rate, exact frame count and keyframes of the first video stream (no decoding).

    Frames are counted as the packets ffmpeg lists with `-f framecrc` (one line per packet, with
    `F=0x0` where the packet is not a keyframe): the `frame=` progress line is not printed by
    every ffmpeg release (7.0 leaves it out when copying a stream). A file read before and not
    changed since is not read again."""
    if not os.path.exists(path):
        raise InvalidInputError(f"no such video: {path}")
    stat = os.stat(path)
    return _video_info(os.path.realpath(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _video_info(path: str, mtime: int, size: int) -> VideoInfo:
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", path]
    cmd += ["-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    stream = re.search(r"Video: .*?(\d{2,5})x(\d{2,5}).*?([\d.]+) fps", proc.stderr)
    packets = [line for line in proc.stdout.splitlines() if line and not line.startswith("#")]
    keyframes = tuple(i for i, line in enumerate(packets) if ", F=" not in line)
    if proc.returncode != 0 or stream is None:
        raise GenerationFailedError(f"cannot read video {path}: {_tail(proc.stderr)}")
    width, height, fps = stream.groups()
    codec = re.search(r"Video: (\w+(?: \([^)]*\))?).*?, (\w+)[(,]", proc.stderr)
    return VideoInfo(
        int(width), int(height), float(fps), len(packets), " ".join(codec.groups()), keyframes
    )


def spread_indices(frames: int, count: int) -> list[int]:
    """`count` frame numbers spread evenly over `frames` frames, the first and the last among
    them (all of them when there are fewer)."""
    if frames <= 0 or count <= 0:
        return []
    return sorted({int(i) for i in np.linspace(0, frames - 1, min(count, frames)).round()})


def read_frames(
    path: str,
    *,
    size: tuple[int, int] | None = None,
    indices: Sequence[int] | None = None,
    count: int | None = None,
) -> list[np.ndarray]:
    """Decode the frames at `indices`, or `count` frames spread evenly, as HxWx3 uint8 arrays.

    `size` (width, height) scales them on decode; indices past the end are left out. When every
    frame asked for is a keyframe (as the procedural clips' critique frames are), only the
    keyframes are decoded: the same pixels, without decoding the frames between them.
    """
    if (indices is None) == (count is None):
        raise InvalidInputError("read_frames needs exactly one of indices or count")
    info = video_info(path)
    if indices is None:
        indices = spread_indices(info.frames, count)
    wanted = sorted({int(i) for i in indices if 0 <= i < info.frames})
    if not wanted:
        return []
    width, height = size or (info.width, info.height)
    skip = []
    if set(wanted) <= set(info.keyframes):  # number them among the keyframes, decode only those
        skip = ["-skip_frame", "nokey"]
        wanted = [info.keyframes.index(i) for i in wanted]
    select = "+".join(f"eq(n\\,{i})" for i in wanted)
    # fmt: off
    cmd = [
        ffmpeg_exe(), "-nostdin", "-v", "error", *skip, "-i", path,
        "-vf", f"select='{select}',scale={width}:{height}", "-fps_mode", "passthrough",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]
    # fmt: on
    proc = subprocess.run(cmd, capture_output=True)
    frame_bytes = width * height * 3
    if proc.returncode != 0 or len(proc.stdout) != frame_bytes * len(wanted):
        raise GenerationFailedError(f"cannot decode {path}: {_tail(proc.stderr.decode())}")
    frames = np.frombuffer(proc.stdout, np.uint8).reshape(len(wanted), height, width, 3)
    return list(frames.copy())
