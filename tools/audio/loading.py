"""Loading a song: any common format, any rate or channel count, to mono float32 at one rate.

Every way a file can be unusable (missing, a folder, empty, not audio, silent, too short, longer
than allowed, truncated) is an `InvalidInputError` with one message that names the file and says
what to do. Decoders never print: libsndfile reads the containers it knows (wav, flac, ogg, aiff)
and the bundled ffmpeg the rest, with its log captured.

Memory is bounded: the song is decoded a few seconds at a time, mixed to mono and resampled as it
streams, so only the result (88 KB per second at 22050 Hz) is held. A length limit
(`max_duration`) is checked before decoding where the container says the song's length, and
enforced while decoding where it does not (or where it lies).
"""

import os
import re
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Generator
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile as sf
import soxr

from tools.errors import InvalidInputError
from tools.types import Credits

MIN_SECONDS = 3.0
MAX_DURATION = 1200.0  # default longest song (s) the commands and the server accept
SILENCE_DBFS = -70.0  # a song whose peak stays below this is treated as silent
TRUNCATED_SHARE = 0.9  # decoding less than this share of the header's length is truncation
FORMATS = "wav, flac, ogg, mp3, m4a or aac"
BLOCK_SECONDS = 10.0  # decoded at a time
CACHE_SONGS = 4  # the last few loads are kept: the graph's nodes each load the song
CACHE_SECONDS = 600.0  # longer songs are decoded on every load instead of being kept twice
# Containers libsndfile reads (by their first bytes); everything else goes to ffmpeg.
SOUNDFILE_MAGIC = (b"RIFF", b"RF64", b"fLaC", b"OggS", b"FORM")


def load_audio(
    path: str | os.PathLike,
    *,
    sr: int = 22050,
    max_duration: float | None = None,
    name: str | None = None,
) -> tuple[np.ndarray, int]:
    """Return the song at `path` as mono float32 samples at `sr` Hz, and `sr`.

    `max_duration` (seconds) refuses a longer song, before decoding when the container gives
    its length. `name` is what messages call the file (default: its file name), e.g. the name
    a client uploaded it under. The last few loads of songs up to CACHE_SECONDS long are cached
    (keyed by file, modification time, size and rate), so the graph nodes that each need the
    song decode it once.
    """
    file = _existing_file(path, name)
    label = name or file.name
    stat = file.stat()
    key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size, sr)
    y = _CACHE.get(key)
    if y is None:
        header = _header_seconds(file)
        _check_length(label, header, max_duration)
        y = _decode(file, sr, label=label, limit=max_duration)
        _check_content(label, y, sr, header=header)
        if y.size > CACHE_SECONDS * sr:
            return y, sr  # not kept: the caller's own, and no second copy in memory
        y.flags.writeable = False
        _CACHE.put(key, y)
    else:
        _check_length(label, y.size / sr, max_duration)
    return y.copy(), sr


def probe_duration(path: str | os.PathLike) -> float:
    """Return the duration in seconds from the file's header, without decoding the audio."""
    file = _existing_file(path, None)
    seconds = _header_seconds(file)
    if seconds is None:
        raise InvalidInputError(f"{file.name}: not an audio file; give a {FORMATS} file")
    return seconds


def song_credits(path: str | os.PathLike) -> Credits:
    """The song's title and artist as its file's tags name them (ID3, Vorbis comments, MP4
    atoms, RIFF INFO); those it does not name are left out."""
    file = Path(path)
    if _is_soundfile(file):
        try:
            with sf.SoundFile(str(file)) as song:
                tags = song.copy_metadata()
        except (sf.SoundFileRuntimeError, RuntimeError):
            tags = {}
    else:
        probe = _ffmpeg_run(["-i", str(file), "-f", "ffmetadata", "-"], loglevel="error")
        tags = {} if probe.returncode else _ffmetadata(probe.stdout.decode("utf-8", "replace"))
    return {
        key: " ".join(tags[key].split()) for key in ("title", "artist") if tags.get(key, "").strip()
    }


def _ffmetadata(text: str) -> dict[str, str]:
    """The global tags of ffmpeg's ffmetadata output (`key=value`, with \\ escapes)."""
    return {
        key.lower(): re.sub(r"\\(.)", r"\1", value, flags=re.S)
        for key, value in re.findall(r"^(\w+)=((?:\\.|[^\\\n])*)$", text, flags=re.M)
    }


def _existing_file(path: str | os.PathLike, name: str | None) -> Path:
    file = Path(path).expanduser()
    if not file.exists():
        raise InvalidInputError(f"{name or file}: no such file; check the path to the song")
    if file.is_dir():
        raise InvalidInputError(f"{name or file}: is a folder; give the path to one song file")
    if not file.is_file():
        raise InvalidInputError(f"{name or file}: not a regular file; give one song file")
    if file.stat().st_size == 0:
        raise InvalidInputError(
            f"{name or file.name}: the file is empty (0 bytes); export the song again"
        )
    return file


def _check_length(label: str, seconds: float | None, limit: float | None) -> None:
    if seconds is not None and limit is not None and seconds > limit:
        raise InvalidInputError(
            f"{label}: {_minutes(seconds)} long, over the limit of {_minutes(limit)} "
            f"(--max-duration {limit:g} s); give a shorter song or raise the limit"
        )


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


class _Cache:
    """The last CACHE_SONGS decoded songs (read-only arrays), safe to use from threads."""

    def __init__(self) -> None:
        self._songs: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> np.ndarray | None:
        with self._lock:
            if key in self._songs:
                self._songs.move_to_end(key)
            return self._songs.get(key)

    def put(self, key: tuple, y: np.ndarray) -> None:
        with self._lock:
            self._songs[key] = y
            while len(self._songs) > CACHE_SONGS:
                self._songs.popitem(last=False)


_CACHE = _Cache()


# ---------------------------------------------------------------------------- the header


def _header_seconds(file: Path) -> float | None:
    """The song's length as its container states it, or None where it states none."""
    if _is_soundfile(file):
        try:
            info = sf.info(str(file))
        except (sf.SoundFileRuntimeError, RuntimeError):
            pass
        else:
            return info.frames / info.samplerate if info.frames > 0 else None
    # With no output file ffmpeg prints the input's header, then exits with an error.
    result = _ffmpeg_run(["-i", str(file)], loglevel="info")
    header = result.stderr.decode(errors="ignore")
    match = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", header)
    if not match or "Audio:" not in header:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _is_soundfile(file: Path) -> bool:
    with open(file, "rb") as song:
        head = song.read(4)
    return head in SOUNDFILE_MAGIC


# ---------------------------------------------------------------------------- decoding


def _decode(file: Path, sr: int, *, label: str, limit: float | None) -> np.ndarray:
    """The whole song, mono at `sr`, decoded and resampled a block at a time."""
    blocks = _soundfile_blocks(file) if _is_soundfile(file) else None
    if blocks is None:
        blocks = _ffmpeg_blocks(file, sr, label=label)
    out: list[np.ndarray] = []
    stream, seconds = None, 0.0
    try:
        for mono, rate in blocks:
            seconds += mono.size / rate
            if limit is not None and seconds > limit:
                raise InvalidInputError(
                    f"{label}: longer than the limit of {_minutes(limit)} "
                    f"(--max-duration {limit:g} s); give a shorter song or raise the limit"
                )
            if rate != sr and stream is None:
                stream = soxr.ResampleStream(rate, sr, 1, dtype="float32")
            out.append(stream.resample_chunk(mono) if stream else mono)
    finally:
        blocks.close()  # stops the decoder process, closes the file
    if stream is not None:
        out.append(stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def _soundfile_blocks(file: Path) -> Generator[tuple[np.ndarray, int]] | None:
    """Mono float32 blocks at the file's own rate, or None where libsndfile cannot read it."""
    try:
        song = sf.SoundFile(str(file))
    except (sf.SoundFileRuntimeError, RuntimeError):
        return None
    return _read_blocks(song)


def _read_blocks(song: sf.SoundFile) -> Generator[tuple[np.ndarray, int]]:
    with song:
        size = max(int(song.samplerate * BLOCK_SECONDS), 1)
        while True:
            try:
                block = song.read(size, dtype="float32", always_2d=True)
            except (sf.SoundFileRuntimeError, RuntimeError):
                return  # a damaged tail: what decoded so far is the song (checked as truncated)
            if not len(block):
                return
            yield block.mean(axis=1, dtype=np.float32), song.samplerate


def _ffmpeg_blocks(file: Path, sr: int, *, label: str) -> Generator[tuple[np.ndarray, int]]:
    """Mono float32 blocks at `sr` from ffmpeg. Two channels come out (mono duplicated,
    surround folded down) and are averaged here: ffmpeg's own stereo-to-mono matrix sums the
    channels instead of averaging them."""
    args = ["-i", str(file), "-vn", "-ac", "2", "-ar", str(sr), "-f", "f32le", "pipe:1"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            _ffmpeg_command(args, loglevel="error"), stdout=subprocess.PIPE, stderr=log
        )
        try:
            step, rest = int(sr * BLOCK_SECONDS) * 8, b""
            while data := proc.stdout.read(step):
                data, rest = rest + data, b""
                whole = len(data) // 8 * 8
                data, rest = data[:whole], data[whole:]
                yield np.frombuffer(data, dtype="<f4").reshape(-1, 2).mean(axis=1), sr
            if proc.wait() != 0:
                log.seek(0)
                why = (
                    "it has no audio stream"
                    if b"does not contain any stream" in log.read()
                    else "damaged or not a known format"
                )
                raise InvalidInputError(
                    f"{label}: not audio that sound2sight can decode ({why}); give a {FORMATS} file"
                )
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()


def _ffmpeg_command(args: list[str], *, loglevel: str) -> list[str]:
    return [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", loglevel, *args]


def _ffmpeg_run(args: list[str], *, loglevel: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(_ffmpeg_command(args, loglevel=loglevel), capture_output=True)


# ---------------------------------------------------------------------------- the content


def _check_content(label: str, y: np.ndarray, sr: int, *, header: float | None) -> None:
    if y.size == 0:
        raise InvalidInputError(
            f"{label}: decodes to no audio (truncated or corrupt?); export the song again"
        )
    seconds = y.size / sr
    if header is not None and seconds < TRUNCATED_SHARE * header and header - seconds > 1.0:
        raise InvalidInputError(
            f"{label}: truncated: its header says {header:.1f} s but only {seconds:.1f} s "
            "decode; export the song again"
        )
    if not np.isfinite(y).all():
        raise InvalidInputError(
            f"{label}: contains invalid (NaN or infinite) samples; export the song again"
        )
    if max(y.max(), -y.min()) < 10 ** (SILENCE_DBFS / 20):
        raise InvalidInputError(
            f"{label}: the audio is silent (peak below {SILENCE_DBFS:g} dBFS); "
            "check that the right file was exported"
        )
    if seconds < MIN_SECONDS:
        raise InvalidInputError(
            f"{label}: too short ({seconds:.1f} s); "
            f"sound2sight needs at least {MIN_SECONDS:g} s of audio"
        )
