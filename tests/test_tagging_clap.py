"""ClapTagger on tiny random-weight CLAP checkpoints saved to a folder like a user's model."""

import sys

import numpy as np
import pytest
from tiny_models import save_tiny_clap

from tools.errors import BackendUnavailableError, InvalidInputError
from tools.tagging.clap import ClapTagger, windows
from tools.tagging.vocab import VOCABULARIES, load_vocab
from tools.types import Analysis

pytest.importorskip("torch")
pytest.importorskip("transformers")

CLAP_ENTRY = "tools.tagging.clap:ClapTagger"  # the registry line this module adds
SR = 22_050  # the song's rate: the tagger resamples to the checkpoint's 48 kHz
DURATION = 6.0


@pytest.fixture(scope="module")
def clap_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_clap")
    save_tiny_clap(folder, fusion=False)
    return folder


@pytest.fixture(scope="module")
def tagger(clap_folder) -> ClapTagger:
    return ClapTagger(model=str(clap_folder), device="cpu")


@pytest.fixture(scope="module")
def song() -> np.ndarray:
    t = np.arange(int(DURATION * SR)) / SR
    rng = np.random.default_rng(0)
    tone = np.where(t < 4.5, np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 660 * t))
    return (0.4 * tone + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def analysis(sections: list[tuple[float, float, str]]) -> Analysis:
    return {
        "path": "synthetic.wav",
        "duration": DURATION,
        "tempo": 120.0,
        "beats": [],
        "downbeats": [],
        "sections": [
            {"start": a, "end": b, "label": label, "energy": 0.5} for a, b, label in sections
        ],
        "curve_hz": 10.0,
        "energy": [],
        "onset": [],
        "vocal": [],
        "features": {},
    }


# 4.5 s > the tiny model's 2 s window: three windows averaged; 1.5 s: one, repeat-padded.
TWO_SECTIONS = analysis([(0.0, 4.5, "verse"), (4.5, DURATION, "chorus")])


def test_tags_follow_the_contract(tagger, clap_folder, song):
    tags = tagger.tag(song, SR, TWO_SECTIONS)
    assert tags["source"] == f"clap:{clap_folder}"
    assert len(tags["sections"]) == 2
    for tag_set in [tags["song"], *tags["sections"]]:
        assert set(tag_set) == set(VOCABULARIES)
        for name in VOCABULARIES:
            labels = tag_set[name]
            assert len(labels) == 5
            assert {item["label"] for item in labels} <= set(load_vocab(name))
            assert len({item["label"] for item in labels}) == 5
            scores = [item["score"] for item in labels]
            assert all(0.0 <= s <= 1.0 for s in scores)
            assert scores == sorted(scores, reverse=True)


def test_tags_are_deterministic(tagger, song):
    assert tagger.tag(song, SR, TWO_SECTIONS) == tagger.tag(song, SR, TWO_SECTIONS)


def test_truncation_follows_the_checkpoint(tagger):
    assert tagger.truncation == "rand_trunc"  # unfused model, though its extractor says fusion
    assert tagger.sampling_rate == 48_000


def test_fused_checkpoint_tags_deterministically(tmp_path, song):
    save_tiny_clap(tmp_path, fusion=True)
    fused = ClapTagger(model=str(tmp_path), device="cpu", top_k=3)
    assert fused.truncation == "fusion"
    one_section = analysis([(0.0, 1.5, "intro")])
    first = fused.tag(song[: int(1.5 * SR)], SR, one_section)
    assert first == fused.tag(song[: int(1.5 * SR)], SR, one_section)
    assert len(first["song"]["emotion"]) == 3


def test_song_without_sections_is_tagged_whole(tagger, song):
    tags = tagger.tag(song, SR, analysis([]))
    assert tags["sections"] == []
    assert len(tags["song"]["style"]) == 5


def test_section_outside_the_audio_is_an_error(tagger, song):
    with pytest.raises(InvalidInputError, match="outside the audio"):
        tagger.tag(song, SR, analysis([(0.0, 3.0, "verse"), (7.0, 9.0, "outro")]))


def test_windows_cover_a_span_with_full_windows():
    assert windows(0, 10, size=20) == [(0, 10)]
    assert windows(0, 45, size=20) == [(0, 20), (12, 32), (25, 45)]
    assert windows(100, 140, size=20) == [(100, 120), (120, 140)]


def test_loads_through_the_registry(monkeypatch, clap_folder):
    from tools import registry

    monkeypatch.setitem(
        registry.BACKENDS, "tagger", {**registry.BACKENDS["tagger"], "clap": CLAP_ENTRY}
    )
    registry.load_backend.cache_clear()
    try:
        backend = registry.load_backend("tagger", f"clap:{clap_folder}", device="cpu")
        assert isinstance(backend, ClapTagger)
        assert backend.name == "clap"
    finally:
        registry.load_backend.cache_clear()


def test_missing_model_is_backend_unavailable(tmp_path):
    with pytest.raises(BackendUnavailableError):
        ClapTagger(model=str(tmp_path / "no-such-model"), device="cpu")
    with pytest.raises(BackendUnavailableError, match="not available locally"):
        ClapTagger(model="sound2sight-tests/not-a-cached-model", device="cpu")


def test_missing_extra_names_the_install(monkeypatch, clap_folder):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(BackendUnavailableError, match=r"sound2sight\[ml\]"):
        ClapTagger(model=str(clap_folder), device="cpu")


def _band_energy(y: np.ndarray, sr: int, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / sr)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum() / spectrum.sum())


def test_clap_hears_the_song_at_48_khz_from_its_file(tagger, tmp_path):
    """A 22.05 kHz copy holds nothing above 11 kHz; the tagger decodes the file at 48 kHz,
    so a 15 kHz cymbal-like tone reaches the model."""
    import soundfile as sf

    from tools.audio.loading import load_audio

    t = np.arange(int(6.0 * 48_000)) / 48_000
    wav = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 15_000 * t)).astype(
        np.float32
    )
    path = tmp_path / "song.wav"
    sf.write(path, wav, 48_000)
    audio, sr = load_audio(path, sr=SR)
    heard = tagger.song_audio(audio, sr, {**analysis([]), "path": str(path)})
    assert _band_energy(heard, 48_000, 14_000, 16_000) > 0.3
    upsampled = tagger.song_audio(audio, sr, {**analysis([]), "path": "absent.wav"})
    assert _band_energy(upsampled, 48_000, 14_000, 16_000) < 0.01
    assert len(heard) == len(upsampled) == len(wav)


def test_missing_model_names_the_download(tmp_path):
    with pytest.raises(BackendUnavailableError, match=r"hf download sound2sight-tests/absent "):
        ClapTagger(model="sound2sight-tests/absent", device="cpu")
