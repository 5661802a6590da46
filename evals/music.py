"""Music analysis accuracy: beats, downbeats, mood, vocal activity and section boundaries.

- beats and downbeats: mir_eval F-measure (70 ms) on the annotated muldjord_* songs in
  ../shared/audio, and the tempo-octave error rate (evals/beats.py);
- mood: the direction (above or below the scale's middle) of valence and arousal against the
  DEAM/emoMusic whole-clip ratings of four clips, predicted two ways: from the feature tagger's
  emotion labels placed on Russell's circumplex (EMOTION_CIRCUMPLEX), and from plain features
  (arousal: loudness and tempo; valence: major or minor mode); plus the correlation of the
  energy curve with the clips' 2 Hz arousal ratings;
- vocal activity: analysis["vocal"] above VOCAL_THRESHOLD, frame by frame against the voiced
  regions of vocadito_1 (accuracy, precision, recall; with the majority-class accuracy);
- sections: mir_eval boundary detection (hit rate) at 0.5 s and 3 s, start and end of the song
  left out, and pairwise label agreement, on synthesized songs whose structure is known.
"""

import json
import tempfile
from pathlib import Path

import mir_eval
import numpy as np

from evals.beats import SHARED, annotated_tracks, evaluate_track
from evals.sync import inner_boundaries
from tools.audio.analysis import analyze_audio
from tools.audio.demo_song import song_layout, synthesize_song
from tools.audio.loading import load_audio
from tools.tagging.features import FeatureTagger, song_descriptors

VOCAL_THRESHOLD = 0.5
MOOD_MIDDLE = 5.0  # the middle of the 1..9 rating scale
BOUNDARY_WINDOWS = (0.5, 3.0)
SECTION_SONGS = (  # (about seconds, tempo): synthesized with demo_song.song_layout
    (60, 120.0),
    (90, 100.0),
    (120, 140.0),
    (150, 90.0),
)
QUICK_SECTION_SONGS = SECTION_SONGS[:2]

# Valence and arousal direction (+1, 0 for neither, -1) of every emotion label of the feature
# tagger, placed on Russell's circumplex of affect. This is the evaluation's own reading of the
# words, fixed here so that it is the same from run to run.
EMOTION_CIRCUMPLEX: dict[str, tuple[int, int]] = {
    "melancholic": (-1, -1), "sad": (-1, -1), "lonely": (-1, -1), "heartbroken": (-1, -1),
    "wistful": (-1, -1), "bittersweet": (0, -1), "nostalgic": (0, -1), "longing": (-1, -1),
    "joyful": (1, 1), "happy": (1, 1), "cheerful": (1, 1), "playful": (1, 1),
    "carefree": (1, 0), "uplifting": (1, 1), "hopeful": (1, 0), "inspiring": (1, 1),
    "warm": (1, -1), "energetic": (1, 1), "euphoric": (1, 1), "exciting": (1, 1),
    "intense": (0, 1), "powerful": (0, 1), "driving": (0, 1), "aggressive": (-1, 1),
    "angry": (-1, 1), "defiant": (-1, 1), "dark": (-1, 0), "ominous": (-1, 1),
    "eerie": (-1, 0), "brooding": (-1, -1), "tense": (-1, 1), "anxious": (-1, 1),
    "mysterious": (0, 0), "dreamy": (1, -1), "ethereal": (1, -1), "hypnotic": (0, 0),
    "romantic": (1, -1), "tender": (1, -1), "sensual": (1, -1), "calm": (1, -1),
    "peaceful": (1, -1), "serene": (1, -1), "relaxed": (1, -1), "epic": (1, 1),
    "triumphant": (1, 1), "heroic": (1, 1), "majestic": (1, 0),
}  # fmt: skip


# ------------------------------------------------------------------ beats


def beats(shared: Path = SHARED) -> dict:
    """Beat and downbeat F-measure and tempo-octave errors on the annotated songs."""
    tracks = annotated_tracks(shared)
    if not tracks:
        return {"status": f"not run: no beat annotations in {shared}"}
    rows = [evaluate_track(*track) for track in tracks]
    downbeat = [r["downbeat_f"] for r in rows if "downbeat_f" in r]
    return {
        "status": "ok",
        "mean_beat_f": _mean([r["beat_f"] for r in rows]),
        "mean_downbeat_f": _mean(downbeat),
        "octave_error_rate": _mean([r["octave_error"] is not None for r in rows]),
        "tracks": rows,
    }


# ------------------------------------------------------------------ mood


def circumplex_direction(emotions: list[dict]) -> tuple[float, float]:
    """Score-weighted mean valence and arousal direction of emotion labels (-1..1 each)."""
    placed = [(e["score"], EMOTION_CIRCUMPLEX[e["label"]]) for e in emotions]
    total = sum(score for score, _ in placed)
    if not placed or total <= 0:
        return 0.0, 0.0
    valence = sum(score * v for score, (v, _) in placed) / total
    arousal = sum(score * a for score, (_, a) in placed) / total
    return valence, arousal


def feature_direction(analysis: dict) -> tuple[float, float]:
    """Valence from the mode (major +1, minor -1) and arousal from loudness and tempo (-1..1)."""
    d = song_descriptors(analysis)
    return 1.0 - 2.0 * d["minor"], d["loud"] + d["fast"] - 1.0


def mood_track(audio: Path, annotation: dict) -> dict:
    """Predicted and rated valence and arousal directions of one clip."""
    y, sr = load_audio(str(audio))
    analysis = analyze_audio(y, sr, path=str(audio))
    emotions = FeatureTagger().tag(y, sr, analysis)["song"]["emotion"]
    rated = annotation["static"]
    reference = (
        _sign(rated["valence_mean"] - MOOD_MIDDLE),
        _sign(rated["arousal_mean"] - MOOD_MIDDLE),
    )
    tags, features = circumplex_direction(emotions), feature_direction(analysis)
    return {
        "track": audio.name,
        "rated_valence": rated["valence_mean"],
        "rated_arousal": rated["arousal_mean"],
        "emotions": [e["label"] for e in emotions],
        "tags": {"valence": round(tags[0], 2), "arousal": round(tags[1], 2)},
        "features": {"valence": round(features[0], 2), "arousal": round(features[1], 2)},
        "tags_agree": [_sign(tags[0]) == reference[0], _sign(tags[1]) == reference[1]],
        "features_agree": [_sign(features[0]) == reference[0], _sign(features[1]) == reference[1]],
        "energy_arousal_r": _round(_curve_correlation(analysis, annotation["dynamic"])),
    }


def mood(shared: Path = SHARED) -> dict:
    """Direction agreement of valence and arousal with the clips' ratings."""
    found = sorted(shared.glob("annotations/*.mood.json"))
    if not found:
        return {"status": f"not run: no mood annotations in {shared}"}
    rows = []
    for path in found:
        annotation = json.loads(path.read_text())
        rows.append(mood_track(shared / annotation["audio"], annotation))

    def agreement(source: str, axis: int) -> float:
        return _mean([r[f"{source}_agree"][axis] for r in rows])

    return {
        "status": "ok",
        "clips": len(rows),
        "tags_valence_agreement": agreement("tags", 0),
        "tags_arousal_agreement": agreement("tags", 1),
        "features_valence_agreement": agreement("features", 0),
        "features_arousal_agreement": agreement("features", 1),
        "mean_energy_arousal_r": _mean([r["energy_arousal_r"] for r in rows]),
        "tracks": rows,
    }


def _curve_correlation(analysis: dict, dynamic: dict) -> float | None:
    """Pearson r of the energy curve (mean over each half second) with the rated arousal."""
    hz, energy = analysis["curve_hz"], np.asarray(analysis["energy"])
    times, rated = np.asarray(dynamic["times_s"]), np.asarray(dynamic["arousal_mean"])
    ours = np.array([energy[int((t - 0.25) * hz) : int((t + 0.25) * hz) + 1].mean() for t in times])
    if ours.std() == 0 or rated.std() == 0:
        return None
    return float(np.corrcoef(ours, rated)[0, 1])


# ------------------------------------------------------------------ vocal activity


def voiced_frames(intervals: np.ndarray, times: np.ndarray) -> np.ndarray:
    """True for each time inside one of the (start, end) intervals."""
    inside = (times[:, None] >= intervals[None, :, 0]) & (times[:, None] < intervals[None, :, 1])
    return inside.any(axis=1)


def activity_scores(reference: np.ndarray, estimate: np.ndarray) -> dict:
    """Accuracy, precision, recall and F of boolean frame labels (True: voice)."""
    hits = int((reference & estimate).sum())
    precision = hits / max(int(estimate.sum()), 1)
    recall = hits / max(int(reference.sum()), 1)
    share = float(reference.mean())
    return {
        "accuracy": round(float((reference == estimate).mean()), 3),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f": round(2 * precision * recall / max(precision + recall, 1e-9), 3),
        "voiced_share": round(share, 3),
        "majority_accuracy": round(max(share, 1 - share), 3),
    }


def vocal(shared: Path = SHARED) -> dict:
    """Frame-wise vocal activity on vocadito_1 against its voiced regions."""
    annotation = shared / "annotations" / "vocadito_1.vocal_activity.txt"
    audio = shared / "tracks" / "vocadito_1.wav"
    if not (annotation.exists() and audio.exists()):
        return {"status": f"not run: vocadito_1 and its vocal activity are not in {shared}"}
    y, sr = load_audio(str(audio))
    analysis = analyze_audio(y, sr, path=str(audio))
    curve = np.asarray(analysis["vocal"])
    times = np.arange(len(curve)) / analysis["curve_hz"]
    intervals = np.loadtxt(annotation, ndmin=2)
    scores = activity_scores(voiced_frames(intervals, times), curve >= VOCAL_THRESHOLD)
    return {"status": "ok", "track": audio.name, "threshold": VOCAL_THRESHOLD, **scores}


# ------------------------------------------------------------------ sections


def boundary_hit_rate(
    reference: list[dict], estimate: list[dict], *, window: float
) -> tuple[float, float, float]:
    """mir_eval precision, recall and F of section boundaries within `window` seconds, the
    song's start and end left out (they are always right)."""
    return mir_eval.segment.detection(
        _intervals(reference), _intervals(estimate), window=window, trim=True
    )


def joined(sections: list[dict]) -> list[dict]:
    """Sections with neighbours of the same label joined (a repeat has no boundary to hear)."""
    out: list[dict] = []
    for section in sections:
        if out and out[-1]["label"] == section["label"]:
            out[-1] = {**out[-1], "end": section["end"]}
        else:
            out.append(dict(section))
    return out


def section_song(seconds: float, tempo: float, *, seed: int, folder: Path) -> dict:
    """Boundary hit rates and label agreement on one synthesized song."""
    path = folder / f"sections-{seconds:g}s-{tempo:g}bpm.wav"
    truth = synthesize_song(path, layout=song_layout(seconds, tempo=tempo), tempo=tempo, seed=seed)
    y, sr = load_audio(str(path))
    estimate = analyze_audio(y, sr, path=str(path))["sections"]
    reference = joined(truth["sections"])
    row = {
        "song": path.name,
        "reference_boundaries": len(inner_boundaries(reference)),
        "estimated_boundaries": len(estimate) - 1,
    }
    for window in BOUNDARY_WINDOWS:
        precision, recall, f = boundary_hit_rate(reference, estimate, window=window)
        row[f"hit_{window:g}s"] = {
            "p": round(precision, 3),
            "r": round(recall, 3),
            "f": round(f, 3),
        }
    _, _, pairwise = mir_eval.segment.pairwise(
        _intervals(reference), [s["label"] for s in reference],
        _intervals(estimate), [s["label"] for s in estimate],
    )  # fmt: skip
    row["label_pairwise_f"] = round(pairwise, 3)
    return row


def sections(songs: tuple[tuple[float, float], ...]) -> dict:
    """Boundary hit rates at each window, averaged over synthesized songs."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            section_song(seconds, tempo, seed=i, folder=Path(tmp))
            for i, (seconds, tempo) in enumerate(songs)
        ]
    summary = {
        f"mean_hit_f_{w:g}s": _mean([r[f"hit_{w:g}s"]["f"] for r in rows]) for w in BOUNDARY_WINDOWS
    }
    return {
        "status": "ok",
        **summary,
        "mean_label_pairwise_f": _mean([r["label_pairwise_f"] for r in rows]),
        "songs": rows,
    }


# ------------------------------------------------------------------ the area


def evaluate(*, quick: bool, shared: Path = SHARED) -> dict:
    """Every music accuracy figure; parts whose data is missing are reported as not run."""
    parts = {
        "beats": beats(shared),
        "mood": mood(shared),
        "vocal": vocal(shared),
        "sections": sections(QUICK_SECTION_SONGS if quick else SECTION_SONGS),
    }
    summary = {
        "beat_f": parts["beats"].get("mean_beat_f"),
        "downbeat_f": parts["beats"].get("mean_downbeat_f"),
        "tempo_octave_error_rate": parts["beats"].get("octave_error_rate"),
        "mood_valence_agreement_tags": parts["mood"].get("tags_valence_agreement"),
        "mood_arousal_agreement_tags": parts["mood"].get("tags_arousal_agreement"),
        "mood_valence_agreement_features": parts["mood"].get("features_valence_agreement"),
        "mood_arousal_agreement_features": parts["mood"].get("features_arousal_agreement"),
        "energy_arousal_r": parts["mood"].get("mean_energy_arousal_r"),
        "vocal_accuracy": parts["vocal"].get("accuracy"),
        "vocal_f": parts["vocal"].get("f"),
        "section_hit_f_0.5s": parts["sections"]["mean_hit_f_0.5s"],
        "section_hit_f_3s": parts["sections"]["mean_hit_f_3s"],
        "section_label_pairwise_f": parts["sections"]["mean_label_pairwise_f"],
    }
    return {"status": "ok", "summary": summary, **parts}


def _intervals(sections: list[dict]) -> np.ndarray:
    return np.array([[s["start"], s["end"]] for s in sections], dtype=float)


def _mean(values: list) -> float | None:
    known = [float(v) for v in values if v is not None]
    return round(float(np.mean(known)), 3) if known else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _sign(x: float) -> int:
    return int(np.sign(x))
