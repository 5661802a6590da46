"""The synthesized demo song: a real-sounding arrangement whose truth is known exactly."""

import librosa
import numpy as np
import pytest
import soundfile as sf

from tools.audio.demo_song import DEMO_LAYOUT, LABELS, song_layout, synthesize_demo, synthesize_song
from tools.errors import InvalidInputError


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.wav"
    truth = synthesize_demo(path)
    audio, sr = sf.read(path)
    return path, truth, audio, sr


def test_the_file_is_a_normalized_stereo_wav(demo):
    path, truth, audio, sr = demo
    info = sf.info(path)

    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        "WAV",
        "PCM_16",
        44100,
        2,
    )
    assert len(audio) / sr == pytest.approx(truth["duration"], abs=1e-3)
    assert 0.8 < np.abs(audio).max() <= 10 ** (-1 / 20) + 1e-3  # peak at -1 dBFS
    assert not np.allclose(audio[:, 0], audio[:, 1])  # a real stereo image
    assert [p.name for p in path.parent.iterdir()] == ["demo.wav"]  # no temp file left


def test_the_truth_is_a_120_bpm_4_4_grid_with_contiguous_sections(demo):
    _, truth, _, _ = demo

    assert truth["tempo"] == 120.0 and truth["duration"] == 32.0
    assert np.allclose(np.diff(truth["beats"]), 0.5)
    assert truth["downbeats"] == truth["beats"][::4]
    sections = truth["sections"]
    assert [s["label"] for s in sections] == [label for label, _ in DEMO_LAYOUT]
    assert sections[0]["start"] == 0.0 and sections[-1]["end"] == truth["duration"]
    assert all(a["end"] == b["start"] for a, b in zip(sections, sections[1:], strict=False))
    assert all(s["start"] in truth["downbeats"] for s in sections)


def _section_audio(demo, label: str) -> np.ndarray:
    _, truth, audio, sr = demo
    (section,) = [s for s in truth["sections"] if s["label"] == label]
    return audio[int(section["start"] * sr) : int(section["end"] * sr)].mean(axis=1)


def _rms_db(y: np.ndarray) -> float:
    return 10 * np.log10(np.mean(y**2))


def _centroid(y: np.ndarray, sr: int) -> float:
    """Median spectral centroid of the frames (Hz)."""
    return float(np.median(librosa.feature.spectral_centroid(y=y.astype(np.float32), sr=sr)))


def test_sections_contrast_like_a_song(demo):
    sr = demo[3]
    intro, verse, chorus, outro = (_section_audio(demo, label) for label in LABELS[:3] + ("outro",))

    assert _rms_db(intro) < _rms_db(verse) - 3
    assert _rms_db(chorus) > _rms_db(verse) + 2
    assert _centroid(chorus, sr) > 1.5 * _centroid(verse, sr)  # brighter
    last_second = outro[-sr:]
    assert _rms_db(last_second) < _rms_db(outro[:sr]) - 20  # fades out


def test_same_seed_same_song_other_seed_other_song(tmp_path, demo):
    path, truth, audio, _ = demo
    again = synthesize_demo(tmp_path / "again.wav")
    other = synthesize_demo(tmp_path / "other.wav", seed=1)

    assert again == truth and other == truth
    assert (tmp_path / "again.wav").read_bytes() == path.read_bytes()
    assert not np.allclose(sf.read(tmp_path / "other.wav")[0], audio)


@pytest.mark.parametrize("seconds", [30, 60, 180])
def test_song_layout_fits_the_length(seconds):
    layout = song_layout(seconds)
    bars = sum(n for _, n in layout)

    assert abs(bars * 2.0 - seconds) <= 16  # within a phrase at 120 BPM
    labels = [label for label, _ in layout]
    assert labels[0] == "intro" and labels[-1] == "outro" and "chorus" in labels
    assert all(label in LABELS for label in labels)
    if seconds >= 60:
        assert labels.count("chorus") >= 2 and labels.count("verse") >= 2


def test_a_custom_layout_and_tempo(tmp_path):
    layout = [("verse", 2), ("chorus", 2), ("bridge", 1), ("chorus", 2)]
    truth = synthesize_song(tmp_path / "song.wav", layout=layout, tempo=150.0, sr=22050)

    assert truth["duration"] == pytest.approx(7 * 4 * 0.4)
    assert len(truth["beats"]) == 28 and len(truth["downbeats"]) == 7
    assert [s["start"] for s in truth["sections"]] == pytest.approx([0.0, 3.2, 6.4, 8.0])
    assert sf.info(tmp_path / "song.wav").samplerate == 22050


@pytest.mark.parametrize("layout", [[], [("verse", 0)], [("solo", 4)]])
def test_a_bad_layout_is_refused(tmp_path, layout):
    with pytest.raises(InvalidInputError, match="song layout"):
        synthesize_song(tmp_path / "song.wav", layout=layout)
    assert not list(tmp_path.iterdir())
