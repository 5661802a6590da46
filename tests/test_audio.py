"""Loading songs: every format and layout to mono float32, and one clear error per bad input."""

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile as sf

from tools.audio.loading import MIN_SECONDS, load_audio, probe_duration, song_credits
from tools.errors import InvalidInputError

SECONDS = 4.0


def _tone(sr: int, *, seconds: float = SECONDS, channels: int = 2) -> np.ndarray:
    """A 440 Hz tone, left at amplitude 0.5 and right at 0.25 (frames, channels)."""
    t = np.arange(int(seconds * sr)) / sr
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.stack([tone, 0.5 * tone], axis=1)[:, :channels]


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(y**2)))


def _encode(wav: Path, target: Path, *codec: str) -> Path:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([ffmpeg, "-y", "-v", "error", "-i", str(wav), *codec, str(target)], check=True)
    return target


@pytest.fixture(scope="module")
def stereo_wav(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "tone.wav"
    sf.write(path, _tone(44100), 44100)
    return path


@pytest.fixture(scope="module", params=["wav", "flac", "ogg", "mp3", "m4a", "aac"])
def song_file(request, stereo_wav) -> Path:
    """The stereo tone in each supported format (lossy ones encoded by the bundled ffmpeg)."""
    fmt = request.param
    target = stereo_wav.with_name(f"tone_{fmt}.{fmt}")
    if fmt in ("wav", "flac", "ogg"):
        sf.write(target, _tone(44100), 44100)
        return target
    codec = ["-c:a", "libmp3lame"] if fmt == "mp3" else ["-c:a", "aac"]
    return _encode(stereo_wav, target, *codec, "-b:a", "128k")


def test_every_format_loads_as_mono_float32_at_the_requested_rate(song_file):
    y, sr = load_audio(song_file)

    assert sr == 22050
    assert y.dtype == np.float32 and y.ndim == 1
    assert len(y) / sr == pytest.approx(SECONDS, abs=0.06)  # encoder padding in aac/mp3
    # The mono mix is the mean of the channels: (0.5 + 0.25) / 2 of a sine.
    assert _rms(y[sr // 2 : -sr // 2]) == pytest.approx(0.375 / np.sqrt(2), rel=0.05)
    spectrum = np.abs(np.fft.rfft(y))
    assert np.fft.rfftfreq(len(y), 1 / sr)[spectrum.argmax()] == pytest.approx(440, abs=2)


@pytest.mark.parametrize("fmt", ["flac", "ogg", "wav", "mp3", "m4a"])
def test_the_song_credits_come_from_its_tags(tmp_path, stereo_wav, fmt):
    """Vorbis comments and RIFF INFO through libsndfile, ID3 and MP4 atoms through ffmpeg
    (with its escapes undone); a file without tags names nothing."""
    tagged = _encode(
        stereo_wav,
        tmp_path / f"tagged.{fmt}",
        *("-metadata", "title=Fantasma = ghost; \\ #1", "-metadata", "artist=  Los   Rombos "),
    )
    assert song_credits(tagged) == {"title": "Fantasma = ghost; \\ #1", "artist": "Los Rombos"}
    bare = _encode(stereo_wav, tmp_path / f"bare.{fmt}", "-map_metadata", "-1")
    assert song_credits(bare) == {}


def test_probe_duration_reads_the_header(song_file):
    assert probe_duration(song_file) == pytest.approx(SECONDS, abs=0.2)


@pytest.mark.parametrize("native_sr", [8000, 48000])
@pytest.mark.parametrize("channels", [1, 2])
def test_any_rate_and_channel_count(tmp_path, native_sr, channels):
    path = tmp_path / "tone.wav"
    sf.write(path, _tone(native_sr, channels=channels), native_sr)

    y, sr = load_audio(path, sr=44100)

    assert sr == 44100 and len(y) == pytest.approx(SECONDS * 44100, abs=2)
    expected = 0.5 if channels == 1 else 0.375
    assert _rms(y[sr // 2 : -sr // 2]) == pytest.approx(expected / np.sqrt(2), rel=0.02)


def test_repeated_loads_come_from_the_cache_until_the_file_changes(tmp_path):
    path = tmp_path / "song.wav"
    sf.write(path, _tone(22050), 22050)
    first, _ = load_audio(path)
    first[:] = 0  # the caller owns its copy: the cache must not change

    again, _ = load_audio(path)
    assert np.abs(again).max() > 0.3

    sf.write(path, _tone(22050, seconds=5.0), 22050)
    changed, _ = load_audio(path)
    assert len(changed) == 5 * 22050


def _bad(path: Path, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match) as error:
        load_audio(path)
    assert path.name in str(error.value)


def test_missing_file(tmp_path):
    _bad(tmp_path / "nope.mp3", "no such file; check the path")


def test_a_folder(tmp_path):
    _bad(tmp_path, "is a folder; give the path to one song file")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()
    _bad(path, r"empty \(0 bytes\)")


@pytest.mark.parametrize("content", [b"just some text\n" * 50, b"\x89PNG\r\n\x1a\n" + b"0" * 200])
def test_not_audio(tmp_path, content):
    path = tmp_path / "notes.mp3"
    path.write_bytes(content)
    _bad(path, "not audio that sound2sight can decode.*give a wav, flac, ogg, mp3")


def test_truncated_files(tmp_path, stereo_wav):
    header_only = tmp_path / "header.wav"
    header_only.write_bytes(stereo_wav.read_bytes()[:44])
    _bad(header_only, "decodes to no audio")

    m4a = _encode(stereo_wav, tmp_path / "full.m4a", "-c:a", "aac")
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(m4a.read_bytes()[:2000])
    _bad(cut, "not audio that sound2sight can decode")


def test_silence(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.full(5 * 22050, 1e-5), 22050)  # -100 dBFS
    _bad(path, r"silent \(peak below -70 dBFS\)")


def test_too_short(tmp_path):
    path = tmp_path / "clip.wav"
    sf.write(path, _tone(22050, seconds=1.2), 22050)
    _bad(path, rf"too short \(1.2 s\); sound2sight needs at least {MIN_SECONDS:g} s")


def test_probe_duration_rejects_what_is_not_audio(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n" * 100)
    with pytest.raises(InvalidInputError, match="notes.txt: not an audio file"):
        probe_duration(path)
