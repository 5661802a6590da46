"""Hand-built `Analysis` dicts for tests of the taggers, listeners and writers (no librosa)."""

import numpy as np

from tools.types import Analysis

POP_FORM = ("intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro")
CURVE_HZ = 10.0

# Song-wide features in the shape tools.audio.analysis produces them.
FEATURES: dict[str, dict[str, float | str]] = {
    "sad": {
        "key": "A minor",
        "mode": "minor",
        "brightness": 0.12,
        "percussiveness": 0.11,
        "onset_density": 1.2,
        "loudness_db": -32.0,
        "dynamic_range_db": 9.0,
    },
    "energetic": {
        "key": "E major",
        "mode": "major",
        "brightness": 0.6,
        "percussiveness": 0.42,
        "onset_density": 6.5,
        "loudness_db": -8.0,
        "dynamic_range_db": 8.0,
    },
    "vocal": {
        "key": "C major",
        "mode": "major",
        "brightness": 0.35,
        "percussiveness": 0.2,
        "onset_density": 2.5,
        "loudness_db": -18.0,
        "dynamic_range_db": 12.0,
    },
}
TEMPO = {"sad": 68.0, "energetic": 150.0, "vocal": 98.0}
LEVELS = {"sad": (0.1, 0.4), "energetic": (0.65, 1.0), "vocal": (0.35, 0.75)}  # quiet, loud
ONSET = {"sad": 0.08, "energetic": 0.5, "vocal": 0.2}
VOCAL = {"sad": 0.1, "energetic": 0.1, "vocal": 0.75}
LOUD_LABELS = ("chorus",)


def make_analysis(
    kind: str = "sad",
    *,
    labels: tuple[str, ...] = POP_FORM,
    seconds: float = 8.0,
    features: dict[str, float | str] | None = None,
) -> Analysis:
    """A song of len(labels) sections of `seconds` each; choruses loud, the rest quiet."""
    quiet, loud = LEVELS[kind]
    energies = [loud if label in LOUD_LABELS else quiet for label in labels]
    duration = len(labels) * seconds
    frames = int(seconds * CURVE_HZ)
    beats = list(np.round(np.arange(0.0, duration, 60.0 / TEMPO[kind]), 3))
    return {
        "path": f"{kind}.wav",
        "duration": duration,
        "tempo": TEMPO[kind],
        "beats": beats,
        "downbeats": beats[::4],
        "sections": [
            {"start": i * seconds, "end": (i + 1) * seconds, "label": label, "energy": energy}
            for i, (label, energy) in enumerate(zip(labels, energies, strict=True))
        ],
        "curve_hz": CURVE_HZ,
        "energy": [e for e in energies for _ in range(frames)],
        "onset": [ONSET[kind]] * frames * len(labels),
        "vocal": [VOCAL[kind]] * frames * len(labels),
        "features": dict(FEATURES[kind]) if features is None else features,
    }
