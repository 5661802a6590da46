"""Song analysis: beats, bars, sections and curves, scored against songs whose truth is known."""

import json
import subprocess
import sys
import time

import mir_eval
import numpy as np
import pytest
from conftest import SHARED_AUDIO, shared_track

from tools.audio.analysis import CURVE_HZ, analyze_audio, kernels_compiled, kernels_ready
from tools.audio.demo_song import LABELS, song_layout, synthesize_demo, synthesize_song
from tools.audio.loading import load_audio
from tools.errors import InvalidInputError

BEAT_WINDOW = 0.07  # s, the usual mir_eval tolerance


def _f_measure(reference, estimated) -> float:
    """Beat F-measure, ignoring the first 5 s as mir_eval does by convention."""
    trim = mir_eval.beat.trim_beats
    return mir_eval.beat.f_measure(
        trim(np.asarray(reference)), trim(np.asarray(estimated)), BEAT_WINDOW
    )


def _analyze(path):
    y, sr = load_audio(path)
    return analyze_audio(y, sr, path=str(path))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("analysis") / "demo.wav"
    truth = synthesize_demo(path)
    return truth, _analyze(path)


@pytest.fixture(scope="module")
def pop_song(tmp_path_factory):
    """A 64 s song with repeated verses and choruses and a bridge, at 120 BPM."""
    path = tmp_path_factory.mktemp("analysis") / "pop.wav"
    truth = synthesize_song(path, layout=song_layout(60), seed=1)
    return truth, _analyze(path)


def test_the_analysis_is_a_complete_json_ready_record(demo):
    truth, analysis = demo

    assert json.loads(json.dumps(analysis)) == analysis
    assert analysis["duration"] == pytest.approx(truth["duration"], abs=1e-3)
    assert analysis["curve_hz"] == CURVE_HZ
    for name in ("energy", "onset", "vocal", "voice"):
        curve = np.array(analysis[name])
        assert len(curve) == int(analysis["duration"] * CURVE_HZ) + 1
        assert curve.min() >= 0.0 and curve.max() <= 1.0
    beats = np.array(analysis["beats"])
    assert np.all(np.diff(beats) > 0) and beats[0] >= 0 and beats[-1] <= analysis["duration"]
    assert set(analysis["downbeats"]) <= set(analysis["beats"])
    sections = analysis["sections"]
    assert sections[0]["start"] == 0.0 and sections[-1]["end"] == analysis["duration"]
    assert all(a["end"] == b["start"] for a, b in zip(sections, sections[1:], strict=False))
    assert all(s["label"] in LABELS and 0 <= s["energy"] <= 1 for s in sections)
    features = analysis["features"]
    assert {"key", "mode", "brightness", "percussiveness", "energy", "onset_density"} <= set(
        features
    )
    assert features["mode"] in ("major", "minor") and features["key"].endswith(features["mode"])


def test_tempo_and_beats_on_the_demo(demo):
    truth, analysis = demo

    assert analysis["tempo"] == pytest.approx(120.0, rel=0.02)
    assert _f_measure(truth["beats"], analysis["beats"]) >= 0.9


def test_downbeats_on_the_demo(demo):
    truth, analysis = demo

    assert analysis["features"]["meter"] == 4
    assert _f_measure(truth["downbeats"], analysis["downbeats"]) >= 0.8


def _boundary_hits(truth, analysis) -> int:
    """How many true section boundaries have an estimated one within a beat."""
    beat = 60.0 / truth["tempo"]
    estimated = np.array([s["start"] for s in analysis["sections"][1:]])
    return sum(
        bool(len(estimated)) and np.abs(estimated - s["start"]).min() <= beat
        for s in truth["sections"][1:]
    )


def _label_at(analysis, t: float) -> str:
    return next(s["label"] for s in analysis["sections"] if s["start"] <= t < s["end"])


def test_sections_of_the_demo(demo):
    truth, analysis = demo

    assert _boundary_hits(truth, analysis) >= len(truth["sections"]) - 2
    assert len(analysis["sections"]) <= len(truth["sections"]) + 1
    labels = [_label_at(analysis, (s["start"] + s["end"]) / 2) for s in truth["sections"]]
    assert labels == ["intro", "verse", "chorus", "outro"]
    chorus = next(s for s in analysis["sections"] if s["label"] == "chorus")
    assert chorus["energy"] == max(s["energy"] for s in analysis["sections"])


def test_repeated_sections_share_a_label(pop_song):
    truth, analysis = pop_song

    assert _boundary_hits(truth, analysis) >= 0.8 * (len(truth["sections"]) - 1)
    found: dict[str, set[str]] = {}
    for section in truth["sections"]:
        middle = (section["start"] + section["end"]) / 2
        found.setdefault(section["label"], set()).add(_label_at(analysis, middle))
    assert found["chorus"] == {"chorus"}
    assert len(found["verse"]) == 1 and found["verse"] != {"chorus"}


def test_the_sung_lead_raises_the_vocal_curve(demo):
    truth, analysis = demo
    vocal = np.array(analysis["vocal"])
    t = np.arange(len(vocal)) / CURVE_HZ

    def mean_over(label: str) -> float:
        (section,) = [s for s in truth["sections"] if s["label"] == label]
        return float(vocal[(t >= section["start"]) & (t < section["end"])].mean())

    assert mean_over("verse") > mean_over("intro") + 0.2  # the intro has no voice


def test_short_and_featureless_audio_still_gives_an_analysis():
    sr = 22050
    noise = np.random.default_rng(0).standard_normal(3 * sr).astype(np.float32) * 0.1

    analysis = analyze_audio(noise, sr)

    assert analysis["duration"] == 3.0
    assert [(s["start"], s["end"]) for s in analysis["sections"]] == [(0.0, 3.0)]


def test_only_mono_audio_is_accepted():
    with pytest.raises(InvalidInputError, match="mono"):
        analyze_audio(np.zeros((2, 22050 * 4), np.float32), 22050)


# ------------------------------------------------------------------ real songs (../shared/audio)


def test_a_jazz_track_is_analyzed_in_a_few_seconds(demo):  # `demo` has warmed up numba
    y, sr = load_audio(shared_track("vibe_ace.ogg"))

    start = time.perf_counter()
    analysis = analyze_audio(y, sr)
    seconds = time.perf_counter() - start

    assert seconds < 6.0  # about 1 s on a free core
    assert 60 < analysis["tempo"] < 200
    assert 2 <= len(analysis["sections"]) <= 10
    assert all(len(s) >= 8 for s in [analysis["beats"], analysis["downbeats"]])


def test_beats_and_downbeats_of_an_annotated_metal_song(demo):
    y, sr = load_audio(shared_track("muldjord_chaos_god.ogg"))
    annotations = SHARED_AUDIO / "annotations"

    analysis = analyze_audio(y, sr)

    assert analysis["tempo"] == pytest.approx(170.0, rel=0.02)  # not the half-time 85
    beats = np.loadtxt(annotations / "muldjord_chaos_god.beats.txt")
    downbeats = np.loadtxt(annotations / "muldjord_chaos_god.downbeats.txt")
    assert _f_measure(beats, analysis["beats"]) >= 0.9
    assert _f_measure(downbeats, analysis["downbeats"]) >= 0.8
    lengths = [s["end"] - s["start"] for s in analysis["sections"]]
    assert 4 <= len(lengths) <= 30 and np.median(lengths) >= 6.0


def test_the_vocal_curve_follows_singing():
    """Where in the song a voice sings (the curve is relative to the song: mixes of a voice
    over a band are in tests/test_vocals.py)."""
    vocadito = shared_track("vocadito_1.wav")
    sung = _analyze(vocadito)

    vocal = np.array(sung["vocal"])
    t = np.arange(len(vocal)) / CURVE_HZ
    regions = np.loadtxt(SHARED_AUDIO / "annotations" / "vocadito_1.vocal_activity.txt")
    singing = np.zeros(len(vocal), bool)
    for start, end in regions:
        singing |= (t >= start) & (t <= end)
    assert vocal[singing].mean() > vocal[~singing].mean() + 0.3


def test_the_first_run_knows_it_compiles_librosa_kernels(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert not kernels_compiled()
    (tmp_path / "util_1234").mkdir()
    (tmp_path / "util_1234" / "guf-utils._localmax-1035.py311.nbi").write_bytes(b"")
    assert kernels_compiled()


def test_analyses_wait_for_each_other_until_one_has_finished_in_this_install(tmp_path, monkeypatch):
    """numba's kernel cache breaks when processes compile into it at once: until the first
    analysis of an install is done, the others wait for it (flock, so across processes)."""
    monkeypatch.setattr("tools.audio.analysis.tempfile.gettempdir", lambda: str(tmp_path))
    holder = (
        "import sys, time, tempfile; tempfile.gettempdir = lambda: sys.argv[1]\n"
        "from tools.audio.analysis import kernels_ready\n"
        "with kernels_ready():\n    print('in', flush=True); time.sleep(1.5)\n"
    )
    first = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert first.stdout.readline().strip() == "in"
    t0 = time.perf_counter()
    with kernels_ready():
        waited = time.perf_counter() - t0
    first.wait()
    assert waited > 0.5  # the second waited for the first to finish
    assert [p for p in tmp_path.iterdir() if p.suffix != ".lock"]  # the mark: no more waiting
    t0 = time.perf_counter()
    with kernels_ready():
        assert time.perf_counter() - t0 < 0.1
