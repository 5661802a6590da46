"""Loading a song: any common format, any rate or channel count, to mono float32 at one rate.

Every way a file can be unusable (missing, a folder, empty, not audio, silent, too short) is an
`InvalidInputError` with one message that names the file and says what to do.
"""

import os
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile as sf
import soxr

from tools.errors import InvalidInputError

MIN_SECONDS = 3.0
SILENCE_DBFS = -70.0  # a song whose peak stays below this is treated as silent
FORMATS = "wav, flac, ogg, mp3, m4a or aac"


def load_audio(path: str | os.PathLike, *, sr: int = 22050) -> tuple[np.ndarray, int]:
    """Return the song at `path` as mono float32 samples at `sr` Hz, and `sr`.

    The last few loads are cached (keyed by file, modification time, size and rate), so the
    graph nodes that each need the song decode it once.
    """
    file = _existing_file(path)
    stat = file.stat()
    y = _load_cached(str(file.resolve()), stat.st_mtime_ns, stat.st_size, sr)
    return y.copy(), sr


def probe_duration(path: str | os.PathLike) -> float:
    """Return the duration in seconds from the file's header, without decoding the audio."""
    file = _existing_file(path)
    try:
        return float(sf.info(str(file)).duration)
    except sf.SoundFileRuntimeError:
        pass
    # With no output file ffmpeg prints the input's header, then exits with an error.
    result = _ffmpeg(["-i", str(file)], loglevel="info")
    header = result.stderr.decode(errors="ignore")
    match = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", header)
    if not match or "Audio:" not in header:
        raise InvalidInputError(f"{file.name}: not an audio file; give a {FORMATS} file")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _existing_file(path: str | os.PathLike) -> Path:
    file = Path(path).expanduser()
    if not file.exists():
        raise InvalidInputError(f"{file}: no such file; check the path to the song")
    if file.is_dir():
        raise InvalidInputError(f"{file}: is a folder; give the path to one song file")
    if file.stat().st_size == 0:
        raise InvalidInputError(f"{file.name}: the file is empty (0 bytes); export the song again")
    return file


@lru_cache(maxsize=4)
def _load_cached(resolved: str, mtime_ns: int, size: int, sr: int) -> np.ndarray:
    file = Path(resolved)
    y = _decode(file, sr)
    _check_content(file, y, sr)
    y.flags.writeable = False
    return y


def _decode(file: Path, sr: int) -> np.ndarray:
    try:
        data, native_sr = sf.read(str(file), dtype="float32", always_2d=True)
    except sf.SoundFileRuntimeError:
        return _decode_ffmpeg(file, sr)
    y = data.mean(axis=1)
    if native_sr != sr and y.size:
        y = soxr.resample(y, native_sr, sr)
    return np.ascontiguousarray(y, dtype=np.float32)


def _decode_ffmpeg(file: Path, sr: int) -> np.ndarray:
    # Two channels out (mono is duplicated, surround folded down), averaged here: ffmpeg's
    # own stereo-to-mono matrix sums the channels instead of averaging them.
    result = _ffmpeg(["-i", str(file), "-vn", "-ac", "2", "-ar", str(sr), "-f", "f32le", "pipe:1"])
    if result.returncode != 0:
        log = result.stderr.decode(errors="ignore")
        no_audio = "does not contain any stream" in log
        why = "it has no audio stream" if no_audio else "damaged or not a known format"
        raise InvalidInputError(
            f"{file.name}: not audio that sound2sight can decode ({why}); give a {FORMATS} file"
        )
    samples = np.frombuffer(result.stdout, dtype="<f4")
    return samples[: samples.size // 2 * 2].reshape(-1, 2).mean(axis=1).astype(np.float32)


def _ffmpeg(args: list[str], *, loglevel: str = "error") -> subprocess.CompletedProcess[bytes]:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", loglevel]
    return subprocess.run(command + args, capture_output=True, check=False)


def _check_content(file: Path, y: np.ndarray, sr: int) -> None:
    if y.size == 0:
        raise InvalidInputError(
            f"{file.name}: decodes to no audio (truncated or corrupt?); export the song again"
        )
    if not np.isfinite(y).all():
        raise InvalidInputError(
            f"{file.name}: contains invalid (NaN or infinite) samples; export the song again"
        )
    if np.abs(y).max() < 10 ** (SILENCE_DBFS / 20):
        raise InvalidInputError(
            f"{file.name}: the audio is silent (peak below {SILENCE_DBFS:g} dBFS); "
            "check that the right file was exported"
        )
    seconds = y.size / sr
    if seconds < MIN_SECONDS:
        raise InvalidInputError(
            f"{file.name}: too short ({seconds:.1f} s); "
            f"sound2sight needs at least {MIN_SECONDS:g} s of audio"
        )
