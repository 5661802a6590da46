"""Assemble the scene clips and the song into the final music video.

Clips that already have the video's format (as the clips of `tools.ffmpeg.frame_writer` do) are
copied into the result as they are, without decoding or re-encoding them, except near a
transition. A crossfade or a flash changes a few frames on either side of a cut. Those frames
are re-encoded with the clip writer's settings, together with the frames between them and the
nearest keyframes: from the last keyframe of the outgoing clip at or before its first blended
frame to the first keyframe of the incoming clip at or after its last blended frame (the clip
writers put keyframes exactly there: `transition_keyframes`). The rest of
each clip is copied with the concat demuxer's `inpoint` and `outpoint` (both on keyframes); the
clips have no B-frames, so the packets before the outpoint decode without any after it. A clip
without a keyframe near enough, or in another format, is re-encoded whole. A re-encoded frame is
decoded and conformed to the video's size and frame rate as raw yuv420p, and blended in uint16
fixed point (a linear blend is the same in YUV as in RGB). The song is encoded as AAC by an
ffmpeg of its own meanwhile; the parts are joined with ffmpeg's concat demuxer and the song
muxed in. Memory stays bounded: a few decoded frames per open clip, the previous clip's last
frame and the next clip's first frame.

The ffmpeg processes are driven directly (the binary from tools.ffmpeg) rather than through
moviepy's FFMPEG_VideoWriter, which asks libx264 for yuva420p and ignores ffmpeg's exit status,
and FFMPEG_VideoReader, which by default decodes a whole file once more to probe it and cannot
conform the frame rate.
"""

import logging
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager, suppress
from itertools import chain, islice
from pathlib import Path
from typing import IO

import numpy as np

from tools.errors import GenerationFailedError, InvalidInputError
from tools.ffmpeg import ffmpeg_exe, video_info
from tools.files import atomic_path, temp_dir
from tools.types import Scene

log = logging.getLogger(__name__)

TRANSITIONS = ("cut", "crossfade", "flash")
TILING_TOLERANCE = 1e-3  # seconds: scene times are rounded to 0.1 ms by the planner
CROSSFADE_SECONDS = 0.4  # whole dissolve, centred on the cut so the 50 % point is on the beat
FLASH_SECONDS = 0.25  # white flash decaying after the cut
FLASH_PEAK = 0.85  # strength of the flash on the cut frame
# The clip writer's encoder settings: re-encoded parts must match the copied clips exactly.
SEGMENT_PRESET, SEGMENT_CRF = "ultrafast", 18
SEGMENT_CODEC = "h264 (Constrained Baseline) yuv420p"
READ_AHEAD_FRAMES = 6  # decoded frames buffered per clip (1.4 MB each at 720p)


def assemble(
    clips: list[tuple[Scene, str]],
    *,
    audio_path: str,
    out_path: str,
    fps: int,
    size: tuple[int, int],
    duration: float,
    work_dir: str | None = None,
) -> None:
    """Write one H.264/AAC mp4 of exactly round(duration*fps) frames with the song as its audio.

    Scene k covers frames [round(start*fps), round(end*fps)); its `transition_in` ("cut",
    "crossfade" or "flash") decides how it enters. The file appears at `out_path` only when
    complete. Working files go to `work_dir` (default: beside `out_path`), and so does the
    video being written where `work_dir` is on the same file system as `out_path`.
    """
    scenes = [scene for scene, _ in clips]
    bounds = frame_bounds(scenes, fps=fps, duration=duration)
    _check_transitions(scenes)
    _check_files([path for _, path in clips], audio_path)
    width, height = size
    if width % 2 or height % 2:
        raise InvalidInputError(f"video size must be even for yuv420p, got {width}x{height}")
    counts = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    copied = _copied_spans(clips, counts, fps=fps, size=size)
    frames = _timeline(clips, bounds, fps=fps, size=size, copied=copied)
    with temp_dir(work_dir or Path(out_path).resolve().parent) as work:
        parts: list[tuple[str, int, int, int]] = []  # (file, first frame, end frame, frames)
        audio = Path(work, "audio.m4a")
        # the song is encoded while the transitions are: an ffmpeg of its own
        with _audio_encoder(audio_path, audio, seconds=bounds[-1] / fps) as audio_done:
            try:
                for i, (k, first, end) in enumerate(_parts(counts, copied)):
                    if k is not None:
                        parts.append((clips[k][1], first, end, counts[k]))
                        continue
                    part, n = Path(work, f"part{i:04d}.mp4"), end - first
                    _encode(islice(frames, n), part, fps=fps, size=size, n=n)
                    parts.append((str(part), 0, n, n))
            finally:
                frames.close()  # stops the decoders
            audio_done()
        with atomic_path(out_path, work_dir=work) as tmp:
            _concat(parts, tmp, audio=audio, fps=fps, work=work)


def _copied_spans(
    clips: list[tuple[Scene, str]], counts: list[int], *, fps: int, size: tuple
) -> dict[int, tuple[int, int]]:
    """The frames [first, end) of each scene's clip that go into the video untouched.

    A clip qualifies when it has the video's format; its copied frames start on a keyframe at or
    after the frames its transition in changes and end on a keyframe at or before the frames its
    transition out changes (or at its end on a hard cut).
    """
    blends = _blended_frames([scene for scene, _ in clips], counts, fps)
    out = {}
    for k, ((_, path), (head, tail)) in enumerate(zip(clips, blends, strict=True)):
        try:
            info = video_info(path)
        except GenerationFailedError:  # decoding it says why
            continue
        if (info.width, info.height, info.fps, info.frames, info.codec) != (
            *size,
            float(fps),
            counts[k],
            SEGMENT_CODEC,
        ):
            continue
        first = min((i for i in info.keyframes if i >= head), default=counts[k])
        end = (
            max((i for i in info.keyframes if i <= counts[k] - tail), default=0)
            if tail
            else counts[k]
        )
        if first < end:
            out[k] = (first, end)
    return out


def _parts(
    counts: list[int], copied: dict[int, tuple[int, int]]
) -> list[tuple[int | None, int, int]]:
    """The video as copied spans (scene, first, end) and runs of re-encoded frames (None, 0, n)."""
    parts: list[tuple[int | None, int, int]] = []

    def encode(n: int) -> None:
        if n and parts and parts[-1][0] is None:
            parts[-1] = (None, 0, parts[-1][2] + n)
        elif n:
            parts.append((None, 0, n))

    for k, count in enumerate(counts):
        first, end = copied.get(k, (count, count))
        encode(first)
        if first < end:
            parts.append((k, first, end))
        encode(count - end)
    return parts


def frame_bounds(scenes: list[Scene], *, fps: int, duration: float) -> list[int]:
    """Frame index where each scene starts, plus the total frame count; checks the tiling."""
    if not scenes:
        raise InvalidInputError("nothing to assemble: no clips")
    if fps <= 0 or duration <= 0:
        raise InvalidInputError(f"fps and duration must be positive (got {fps}, {duration})")
    edges = [scenes[0]["start"]]
    for before, after in zip(scenes, scenes[1:], strict=False):
        if abs(before["end"] - after["start"]) > TILING_TOLERANCE:
            kind = "gap" if after["start"] > before["end"] else "overlap"
            raise InvalidInputError(
                f"scenes must tile the song: {kind} between {before['id']} (ends "
                f"{before['end']:.3f} s) and {after['id']} (starts {after['start']:.3f} s)"
            )
        edges.append(after["start"])
    if abs(edges[0]) > TILING_TOLERANCE or abs(scenes[-1]["end"] - duration) > TILING_TOLERANCE:
        raise InvalidInputError(
            f"scenes must tile [0, {duration:.3f}) s, they cover "
            f"[{edges[0]:.3f}, {scenes[-1]['end']:.3f}) s"
        )
    bounds = [0] + [round(t * fps) for t in edges[1:]] + [round(duration * fps)]
    for scene, a, b in zip(scenes, bounds, bounds[1:], strict=False):
        if b <= a:
            raise InvalidInputError(
                f"scene {scene['id']} ({scene['start']:.3f}-{scene['end']:.3f} s) "
                f"spans no frame at {fps} fps"
            )
    return bounds


def _check_transitions(scenes: list[Scene]) -> None:
    for scene in scenes:
        if scene["transition_in"] not in TRANSITIONS:
            raise InvalidInputError(
                f"scene {scene['id']} has transition {scene['transition_in']!r}; "
                f"choose from {', '.join(TRANSITIONS)}"
            )


def _check_files(paths: list[str], audio_path: str) -> None:
    for path in [*paths, audio_path]:
        if not Path(path).is_file():
            raise InvalidInputError(f"missing file for assembly: {path}")


def _timeline(
    clips: list[tuple[Scene, str]],
    bounds: list[int],
    *,
    fps: int,
    size: tuple[int, int],
    copied: dict[int, tuple[int, int]],
) -> Generator[np.ndarray]:
    """Yield every output frame in order, with transitions blended in, except the frames
    [first, end) of scene k given as `copied[k]` (copied as they are: no transition touches
    them)."""
    counts = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    fades = _crossfade_halves([scene for scene, _ in clips], counts, fps)
    flash = _flash_frames(fps)
    white = _white(size)
    previous_last: np.ndarray | None = None  # the previous clip's own last frame, unblended
    upcoming = None
    for k, (scene, path) in enumerate(clips):
        first, end = copied.get(k, (counts[k], counts[k]))
        if first == 0 and end == counts[k]:
            continue
        current, upcoming = upcoming, None
        if current is None:
            current = _uncopied_frames(path, counts[k], copied.get(k), fps=fps, size=size)
        fade_in, fade_out = fades[k], fades[k + 1] if k + 1 < len(clips) else 0
        next_first: np.ndarray | None = None
        for j, frame in zip(chain(range(first), range(end, counts[k])), current, strict=True):
            if fade_in and j < fade_in:  # second half of the dissolve: old clip held on its last
                frame = _blend(previous_last, frame, (fade_in + j + 1) / (2 * fade_in + 1))
            elif scene["transition_in"] == "flash" and j < flash:
                frame = _blend(frame, white, FLASH_PEAK * (1 - j / flash))
            previous_last = frame
            if fade_out and j >= counts[k] - fade_out:  # first half: new clip held on its first
                if next_first is None:
                    upcoming = _uncopied_frames(
                        clips[k + 1][1], counts[k + 1], copied.get(k + 1), fps=fps, size=size
                    )
                    next_first = next(upcoming)
                    upcoming = chain([next_first], upcoming)
                weight = (j - (counts[k] - fade_out) + 1) / (2 * fade_out + 1)
                frame = _blend(frame, next_first, weight)
            yield frame


def transition_keyframes(scene: Scene, scenes: list[Scene], *, fps: int) -> list[int]:
    """The frames of a scene's clip that a clip writer should make keyframes, so that assembly
    re-encodes only the frames the scene's transitions blend and copies the rest: the first
    frame after its transition in and the first frame of its crossfade out, as `_copied_spans`
    looks for them."""
    counts = [round(s["end"] * fps) - round(s["start"] * fps) for s in scenes]
    k = next(i for i, s in enumerate(scenes) if s["id"] == scene["id"])
    head, tail = _blended_frames(scenes, counts, fps)[k]
    return sorted({m for m in (head, counts[k] - tail) if 0 < m < counts[k]})


def _blended_frames(scenes: list[Scene], counts: list[int], fps: int) -> list[tuple[int, int]]:
    """Per scene, how many frames at its start and at its end its transitions change."""
    fades = _crossfade_halves(scenes, counts, fps)
    flash = _flash_frames(fps)
    return [
        (
            fades[k] or (min(flash, counts[k]) if scene["transition_in"] == "flash" else 0),
            fades[k + 1] if k + 1 < len(scenes) else 0,
        )
        for k, scene in enumerate(scenes)
    ]


def _flash_frames(fps: int) -> int:
    return max(1, round(FLASH_SECONDS * fps))


def _crossfade_halves(scenes: list[Scene], counts: list[int], fps: int) -> list[int]:
    """Frames on each side of each cut that a crossfade blends (0 for a cut or a flash)."""
    half = max(1, round(CROSSFADE_SECONDS * fps / 2))
    return [
        min(half, counts[k - 1] // 2, counts[k] // 2)
        if k and scene["transition_in"] == "crossfade"
        else 0
        for k, scene in enumerate(scenes)
    ]


def _blend(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) * a + weight * b in uint16 fixed point."""
    w = round(weight * 256)
    mixed = a.astype(np.uint16) * (256 - w) + b.astype(np.uint16) * w
    return (mixed >> 8).astype(np.uint8)


def _white(size: tuple[int, int]) -> np.ndarray:
    """A white yuv420p frame (limited range: Y 235, U and V 128)."""
    luma = size[0] * size[1]
    return np.concatenate([np.full(luma, 235, np.uint8), np.full(luma // 2, 128, np.uint8)])


def _uncopied_frames(
    path: str, n: int, copied: tuple[int, int] | None, *, fps: int, size: tuple[int, int]
) -> Iterator[np.ndarray]:
    """The n frames of a clip (conformed) except its copied frames [first, end), in order."""
    if copied is None:
        return _clip_frames(path, n, fps=fps, size=size)
    first, end = copied
    head = _clip_frames(path, first, fps=fps, size=size) if first else iter(())
    tail = _clip_frames(path, n - end, fps=fps, size=size, start=end) if end < n else iter(())
    return chain(head, tail)


def _clip_frames(
    path: str, n: int, *, fps: int, size: tuple[int, int], start: int = 0
) -> Iterator[np.ndarray]:
    """Exactly n flat yuv420p frames of a clip at `size` and `fps`; a short clip holds its last.

    With a `start`, the clip already has the video's format and frame `start` is a keyframe:
    ffmpeg seeks straight to it (no conforming filters, nothing decoded before it).
    ffmpeg decodes (and conforms) the clip while a thread keeps a few frames ready, so decoding
    runs alongside the encoder instead of in lockstep with it.
    """
    width, height = size
    if start:
        seek = ["-noaccurate_seek", "-ss", _seconds(start, fps, up=True)]
        cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", *seek, "-i", path, "-fps_mode",
               "passthrough"]  # fmt: skip
    else:
        vf = f"fps={fps},scale={width}:{height}:flags=bicubic"
        cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", path, "-vf", vf]
    cmd += ["-frames:v", str(n), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        ready: queue.Queue[bytes | None] = queue.Queue(maxsize=READ_AHEAD_FRAMES)
        stop = threading.Event()
        pump = threading.Thread(
            target=_pump, args=(proc.stdout, width * height * 3 // 2, ready, stop), daemon=True
        )
        pump.start()
        try:
            last = None
            got = 0
            while (data := ready.get()) is not None:
                last = np.frombuffer(data, np.uint8)
                got += 1
                yield last
            if last is None:
                proc.wait()
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip() or "no frames"
                raise GenerationFailedError(f"cannot decode clip {path}: {message}")
            if got < n:
                log.warning("clip %s has %d of %d frames; holding its last frame", path, got, n)
                yield from (last for _ in range(n - got))
        finally:
            stop.set()
            proc.kill()
            pump.join()
            proc.wait()
            proc.stdout.close()


def _pump(stream: IO[bytes], nbytes: int, ready: queue.Queue, stop: threading.Event) -> None:
    """Move whole frames from `stream` into `ready` until its end (then None) or `stop`."""
    while len(data := stream.read(nbytes)) == nbytes:
        if not _put(ready, data, stop):
            return
    _put(ready, None, stop)


def _put(ready: queue.Queue, item: bytes | None, stop: threading.Event) -> bool:
    """Queue the item unless `stop` is set first; whether it was queued."""
    while not stop.is_set():
        try:
            ready.put(item, timeout=0.1)
            return True
        except queue.Full:
            pass
    return False


def _encode(
    frames: Iterator[np.ndarray], out: Path, *, fps: int, size: tuple[int, int], n: int
) -> None:
    """Pipe n yuv420p frames into libx264 with the clip writer's settings (no audio)."""
    width, height = size
    cmd = [
        ffmpeg_exe(), "-y", "-v", "error", "-nostdin",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(fps),
        "-i", "-",
        "-c:v", "libx264", "-preset", SEGMENT_PRESET, "-crf", str(SEGMENT_CRF),
        "-pix_fmt", "yuv420p", "-f", "mp4", str(out),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as errlog:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=errlog)
        try:
            written = _feed(proc, frames)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        errlog.seek(0)
        err = errlog.read().decode(errors="replace").strip()
    if proc.returncode != 0 or written != n:
        raise GenerationFailedError(
            f"encoding {out.name} failed after {written}/{n} frames: {err or 'ffmpeg exited'}"
        )


@contextmanager
def _audio_encoder(audio_path: str, out: Path, *, seconds: float) -> Iterator[Callable[[], None]]:
    """Encode the song's first audio stream as AAC into `out`, cut to `seconds`, in a background
    ffmpeg; the block gets a function that waits for it (failing in one line if it failed). An
    encoder still running when the block ends early is stopped."""
    cmd = [
        ffmpeg_exe(), "-y", "-v", "error", "-nostdin", "-i", audio_path,
        "-map", "0:a:0", "-c:a", "aac", "-b:a", "192k", "-t", f"{seconds:.6f}",
        "-f", "mp4", str(out),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as errlog:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errlog)

        def done() -> None:
            if proc.wait() != 0:
                errlog.seek(0)
                err = errlog.read().decode(errors="replace").strip()[-500:]
                raise GenerationFailedError(f"encoding the song's audio failed: {err}")

        try:
            yield done
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def _concat(
    parts: list[tuple[str, int, int, int]], out: Path, *, audio: Path, fps: int, work: str
) -> None:
    """Join frames [first, end) of each (file, first, end, frames) part without re-encoding them
    and mux the encoded song (`audio`, already cut to the video). `first` must be a keyframe; the
    parts have no B-frames, so the concat demuxer's outpoint drops exactly the frames from `end`
    on."""
    lines = []
    for path, first, end, frames in parts:
        lines.append(f"file {_quote(str(Path(path).resolve()))}\n")
        if first:  # seeks to the last keyframe at or before it: round up
            lines.append(f"inpoint {_seconds(first, fps, up=True)}\n")
        if end < frames:  # drops the packets at or after it: round down
            lines.append(f"outpoint {_seconds(end, fps, up=False)}\n")
    listing = Path(work, "parts.txt")
    listing.write_text("".join(lines))
    cmd = [
        ffmpeg_exe(), "-y", "-v", "error", "-nostdin",
        "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio),
        "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
        "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise GenerationFailedError(f"joining the clips failed: {proc.stderr.strip()[-500:]}")


def _seconds(frame: int, fps: int, *, up: bool) -> str:
    """The time of a frame in seconds, to the microsecond (ffmpeg's resolution) up or down."""
    micros = -(-frame * 10**6 // fps) if up else frame * 10**6 // fps
    return f"{micros // 10**6}.{micros % 10**6:06d}"


def _quote(path: str) -> str:
    """A path quoted for ffmpeg's concat list."""
    return "'" + path.replace("'", "'\\''") + "'"


def _feed(proc: subprocess.Popen, frames: Iterator[np.ndarray]) -> int:
    """Write frames to the encoder's stdin; returns how many it took before finishing."""
    written = 0
    try:
        for frame in frames:
            proc.stdin.write(frame.data)
            written += 1
    except BrokenPipeError:  # the encoder stopped early: its log says why
        pass
    finally:
        with suppress(BrokenPipeError):
            proc.stdin.close()
    proc.wait()
    return written
