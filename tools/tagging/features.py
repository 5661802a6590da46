"""Pipeline 1 offline: style, content and emotion labels from the song's analysis features.

No model: a few musical descriptors (tempo, loudness, percussiveness, vocals, mode, brightness,
dynamics), each 0..1, are measured per section and for the song, and a transparent rule table
scores vocabulary labels from them. A rule such as "melancholic: minor x2, slow, quiet" scores
the weighted geometric mean of those descriptors, so every named quality must be present for
a high score. A CLAP tagger scores the same vocabularies zero-shot from the audio itself.
"""

from typing import NamedTuple

import numpy as np

from tools.types import Analysis, Label, Section, Tags, TagSet

# ------------------------------------------------------------------------- descriptors

# A descriptor and its opposite: "slow" is 1 - "fast".
OPPOSITES = {
    "slow": "fast",
    "quiet": "loud",
    "smooth": "percussive",
    "instrumental": "vocal",
    "major": "minor",
    "dark": "bright",
    "steady": "dynamic",
}
NEUTRAL = 0.5  # the value of a descriptor the analysis gives no evidence for


class Scale(NamedTuple):
    """A raw measure mapped linearly onto 0..1 between `low` and `high`, clipped."""

    low: float
    high: float

    def __call__(self, value: float) -> float:
        return _clip((value - self.low) / (self.high - self.low))


# Calibrated on the clips in ../shared/audio (blues, strings, metal, pop, a cappella).
TEMPO = Scale(80.0, 150.0)  # BPM
ONSET_DENSITY = Scale(1.0, 6.0)  # "onset_density": onsets per second
LOUDNESS = Scale(-35.0, -10.0)  # "loudness_db": the song's loud parts, dB below full scale
PERCUSSIVENESS = Scale(0.1, 0.4)  # "percussiveness": percussive share of the HPSS power
BRIGHTNESS = Scale(0.1, 0.6)  # "brightness": log-centroid 0..1
DYNAMIC_RANGE = Scale(6.0, 20.0)  # "dynamic_range_db"
ENERGY_STD = Scale(0.0, 0.25)  # standard deviation of the energy curve in the span
ONSET_MEAN = Scale(0.0, 0.5)  # mean of the onset curve in the span
MID_BPM, MID_WIDTH = 100.0, 40.0  # "mid_tempo" peaks at MID_BPM, 0 at +-MID_WIDTH
VOCAL_LEAD = 0.4  # mean vocal presence above which a song reads as sung


def descriptors(
    analysis: Analysis, start: float, end: float, *, energy: float | None = None
) -> dict[str, float]:
    """The musical descriptors, each 0..1, of the span start..end (seconds) of the song.

    Each descriptor averages the evidence there is: song-wide features (absolute: loudness in
    dB, onsets per second) and the span's curves (relative to the song). `energy` replaces the
    span's mean energy (a section carries its own). A descriptor with no evidence at all is
    NEUTRAL, never an error.
    """
    features = analysis.get("features", {})
    curve = _window(analysis, "energy", start, end)
    onset = _window(analysis, "onset", start, end)
    vocal = _window(analysis, "vocal", start, end)
    tempo = float(analysis.get("tempo") or 0.0)
    if energy is None and curve.size:
        energy = float(np.mean(curve))
    return {
        "fast": _mean(
            TEMPO(tempo) if tempo else None, _feature(features, "onset_density", ONSET_DENSITY)
        ),
        "mid_tempo": _clip(1 - abs(tempo - MID_BPM) / MID_WIDTH) if tempo else NEUTRAL,
        "loud": _mean(energy, _feature(features, "loudness_db", LOUDNESS)),
        "dynamic": _mean(
            ENERGY_STD(float(np.std(curve))) if curve.size > 1 else None,
            _feature(features, "dynamic_range_db", DYNAMIC_RANGE),
        ),
        "percussive": _mean(
            _feature(features, "percussiveness", PERCUSSIVENESS),
            _feature(features, "onset_density", ONSET_DENSITY),
            ONSET_MEAN(float(np.mean(onset))) if onset.size else None,
        ),
        "vocal": _mean(float(np.mean(vocal)) if vocal.size else None),
        "minor": _minor(features),
        "bright": _mean(_feature(features, "brightness", BRIGHTNESS)),
    }


def song_descriptors(analysis: Analysis) -> dict[str, float]:
    """The descriptors of the whole song."""
    return descriptors(analysis, 0.0, float(analysis.get("duration") or 0.0))


def section_descriptors(analysis: Analysis, section: Section) -> dict[str, float]:
    """The descriptors of one analysis section (its energy is the section's own)."""
    return descriptors(analysis, section["start"], section["end"], energy=section.get("energy"))


def _window(analysis: Analysis, curve: str, start: float, end: float) -> np.ndarray:
    values = np.asarray(analysis.get(curve) or [], dtype=float)
    hz = float(analysis.get("curve_hz") or 0.0)
    if values.size == 0 or hz <= 0:
        return np.zeros(0)
    lo = min(int(start * hz), values.size - 1)
    return np.clip(values[lo : max(int(end * hz), lo + 1)], 0.0, 1.0)


def _feature(features: dict[str, float | str], key: str, scale: Scale) -> float | None:
    value = features.get(key)
    return scale(float(value)) if isinstance(value, int | float) else None


def _mean(*evidence: float | None) -> float:
    known = [x for x in evidence if x is not None]
    return _clip(float(np.mean(known))) if known else NEUTRAL


def _minor(features: dict[str, float | str]) -> float:
    """1 for a minor key, 0 for major, NEUTRAL when unknown ("mode", else "key": "A minor")."""
    mode = str(features.get("mode") or features.get("key") or "").lower()
    if "minor" in mode:
        return 1.0
    if "major" in mode:
        return 0.0
    return NEUTRAL


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def _value(d: dict[str, float], name: str) -> float:
    if name in OPPOSITES:
        return 1.0 - d[OPPOSITES[name]]
    return d[name]


# ------------------------------------------------------------------------- rule tables

Rule = dict[str, int]  # descriptor -> weight

EMOTION_RULES: dict[str, Rule] = {
    "melancholic": {"minor": 2, "slow": 1, "quiet": 1},
    "sad": {"minor": 2, "slow": 2, "quiet": 1, "dark": 1},
    "lonely": {"quiet": 2, "smooth": 1, "instrumental": 1, "minor": 1},
    "heartbroken": {"minor": 2, "vocal": 2, "slow": 1},
    "wistful": {"slow": 1, "quiet": 1, "smooth": 1, "major": 1},
    "bittersweet": {"slow": 1, "vocal": 1, "quiet": 1, "mid_tempo": 1},
    "nostalgic": {"mid_tempo": 1, "quiet": 1, "dark": 1, "smooth": 1},
    "longing": {"slow": 1, "minor": 1, "vocal": 1},
    "joyful": {"major": 2, "fast": 1, "bright": 1, "loud": 1},
    "happy": {"major": 2, "bright": 1, "mid_tempo": 1},
    "cheerful": {"major": 2, "bright": 2, "mid_tempo": 1},
    "playful": {"major": 1, "bright": 1, "percussive": 1, "quiet": 1},
    "carefree": {"major": 1, "mid_tempo": 1, "smooth": 1, "bright": 1},
    "uplifting": {"major": 2, "loud": 1, "dynamic": 1, "bright": 1},
    "hopeful": {"major": 2, "slow": 1, "bright": 1},
    "warm": {"major": 1, "dark": 1, "smooth": 1, "quiet": 1},
    "energetic": {"fast": 2, "loud": 2, "percussive": 1},
    "euphoric": {"fast": 1, "loud": 2, "major": 1, "bright": 1},
    "exciting": {"fast": 2, "percussive": 1, "dynamic": 1},
    "intense": {"loud": 2, "percussive": 1, "dynamic": 1},
    "powerful": {"loud": 2, "dynamic": 1},
    "driving": {"fast": 1, "percussive": 2, "steady": 1},
    "aggressive": {"loud": 2, "percussive": 2, "minor": 1, "bright": 1, "fast": 1},
    "angry": {"loud": 2, "minor": 2, "percussive": 1},
    "defiant": {"loud": 1, "minor": 1, "vocal": 1, "percussive": 1},
    "dark": {"minor": 2, "dark": 2, "loud": 1},
    "ominous": {"minor": 2, "dark": 1, "slow": 1, "dynamic": 1},
    "eerie": {"minor": 1, "quiet": 2, "instrumental": 1, "smooth": 1},
    "brooding": {"minor": 1, "dark": 1, "slow": 1, "loud": 1},
    "tense": {"minor": 1, "percussive": 1, "quiet": 1},
    "anxious": {"fast": 1, "minor": 1, "quiet": 1},
    "mysterious": {"minor": 1, "instrumental": 1, "quiet": 1, "dark": 1},
    "dreamy": {"slow": 1, "smooth": 2, "quiet": 1},
    "ethereal": {"smooth": 2, "quiet": 1, "instrumental": 1, "bright": 1},
    "hypnotic": {"steady": 2, "percussive": 1, "mid_tempo": 1},
    "romantic": {"slow": 1, "vocal": 1, "major": 1, "smooth": 1},
    "tender": {"quiet": 2, "slow": 1, "smooth": 1, "major": 1},
    "sensual": {"slow": 1, "dark": 1, "vocal": 1},
    "calm": {"quiet": 2, "slow": 2, "smooth": 1},
    "peaceful": {"quiet": 1, "slow": 1, "major": 1, "smooth": 1, "steady": 1},
    "serene": {"quiet": 1, "smooth": 1, "bright": 1, "steady": 1},
    "relaxed": {"slow": 1, "quiet": 1, "steady": 1},
    "epic": {"loud": 2, "dynamic": 2, "instrumental": 1},
    "triumphant": {"loud": 1, "major": 2, "dynamic": 1},
    "heroic": {"loud": 1, "major": 1, "dynamic": 1, "percussive": 1},
    "majestic": {"slow": 1, "loud": 1, "dynamic": 1, "instrumental": 1},
}

CONTENT_RULES: dict[str, Rule] = {
    "city at night": {"minor": 1, "dark": 1, "percussive": 1, "mid_tempo": 1},
    "neon city streets": {"percussive": 1, "bright": 1, "fast": 1, "instrumental": 1},
    "city rooftop": {"mid_tempo": 1, "vocal": 1, "dark": 1},
    "rainy street": {"minor": 1, "slow": 1, "dark": 1, "percussive": 1},
    "rainy window": {"quiet": 1, "slow": 1, "vocal": 1, "minor": 1},
    "open road": {"mid_tempo": 1, "steady": 1, "major": 1, "percussive": 1},
    "highway at night": {"fast": 1, "steady": 1, "dark": 1, "percussive": 1},
    "desert": {"slow": 1, "dark": 1, "minor": 1, "instrumental": 1},
    "canyon": {"dynamic": 1, "instrumental": 1, "dark": 1, "slow": 1},
    "ocean waves": {"slow": 1, "smooth": 2, "quiet": 1},
    "beach at sunset": {"major": 1, "mid_tempo": 1, "smooth": 1, "bright": 1},
    "tropical island": {"major": 1, "bright": 1, "percussive": 1, "mid_tempo": 1},
    "underwater": {"slow": 1, "dark": 2, "smooth": 1, "quiet": 1},
    "outer space": {"slow": 1, "smooth": 1, "instrumental": 2, "quiet": 1},
    "starry sky": {"quiet": 1, "bright": 1, "instrumental": 1, "slow": 1},
    "moonlight": {"quiet": 1, "slow": 1, "dark": 1, "smooth": 1},
    "forest": {"smooth": 1, "quiet": 1, "major": 1, "instrumental": 1},
    "jungle": {"percussive": 2, "mid_tempo": 1, "dark": 1},
    "mountains": {"dynamic": 1, "loud": 1, "instrumental": 1, "slow": 1},
    "waterfall": {"dynamic": 1, "smooth": 1, "bright": 1},
    "snowfall": {"quiet": 1, "bright": 1, "slow": 1, "smooth": 1},
    "frozen lake": {"quiet": 1, "smooth": 1, "minor": 1, "bright": 1},
    "thunderstorm": {"loud": 2, "dynamic": 2, "dark": 1, "minor": 1},
    "flower meadow": {"major": 1, "bright": 1, "quiet": 1, "smooth": 1},
    "countryside": {"major": 1, "mid_tempo": 1, "vocal": 1, "smooth": 1},
    "sunrise": {"major": 1, "dynamic": 1, "bright": 1, "slow": 1},
    "summer day": {"major": 2, "bright": 1, "mid_tempo": 1},
    "campfire": {"quiet": 1, "vocal": 1, "smooth": 1, "dark": 1},
    "dance floor": {"fast": 1, "percussive": 2, "loud": 1, "steady": 1},
    "nightclub": {"percussive": 2, "dark": 1, "steady": 1, "loud": 1},
    "concert stage": {"loud": 1, "vocal": 2, "dynamic": 1},
    "festival crowd": {"loud": 2, "major": 1, "fast": 1, "percussive": 1},
    "fireworks": {"loud": 1, "bright": 2, "dynamic": 1},
    "empty room": {"quiet": 2, "instrumental": 1, "smooth": 1},
    "bedroom": {"quiet": 1, "vocal": 1, "slow": 1},
    "cafe": {"quiet": 1, "major": 1, "vocal": 1, "smooth": 1},
    "train window": {"mid_tempo": 1, "steady": 2, "quiet": 1},
    "old photographs": {"quiet": 1, "dark": 1, "slow": 1},
    "childhood memories": {"major": 1, "quiet": 1, "bright": 1},
    "heartbreak": {"minor": 2, "vocal": 1, "slow": 1},
    "chase": {"fast": 2, "percussive": 1, "loud": 1, "minor": 1},
    "battle": {"loud": 2, "percussive": 1, "minor": 1, "dynamic": 1},
    "spaceship": {"instrumental": 1, "steady": 1, "bright": 1},
    "robots and machines": {"percussive": 2, "steady": 2, "instrumental": 1, "bright": 1},
}

STYLE_RULES: dict[str, Rule] = {
    "pop": {"vocal": 2, "major": 1, "mid_tempo": 1, "bright": 1},
    "synth pop": {"vocal": 1, "bright": 1, "percussive": 1, "steady": 1},
    "indie pop": {"vocal": 1, "mid_tempo": 1, "major": 1},
    "dance pop": {"vocal": 1, "fast": 1, "percussive": 2, "bright": 1},
    "electronic dance music": {"fast": 1, "percussive": 2, "steady": 2, "instrumental": 1},
    "house music": {"percussive": 2, "steady": 2, "fast": 1},
    "techno": {"percussive": 2, "steady": 2, "dark": 1, "instrumental": 1},
    "trance": {"fast": 1, "steady": 1, "bright": 1, "instrumental": 1},
    "drum and bass": {"fast": 2, "percussive": 2, "loud": 1},
    "dubstep": {"loud": 2, "percussive": 1, "dark": 1, "dynamic": 1},
    "synthwave": {"steady": 1, "bright": 1, "mid_tempo": 1, "instrumental": 1},
    "chiptune": {"bright": 2, "fast": 1, "percussive": 1},
    "ambient": {"smooth": 2, "quiet": 2, "slow": 1, "instrumental": 1},
    "downtempo": {"slow": 2, "percussive": 1, "dark": 1},
    "lo-fi hip hop": {"slow": 1, "percussive": 1, "dark": 1, "quiet": 1},
    "hip hop": {"mid_tempo": 2, "percussive": 2, "vocal": 1},
    "trap": {"percussive": 2, "dark": 1, "vocal": 1, "slow": 1},
    "r&b": {"vocal": 2, "slow": 1, "smooth": 1},
    "soul": {"vocal": 2, "major": 1, "mid_tempo": 1},
    "funk": {"percussive": 2, "major": 1, "mid_tempo": 1, "bright": 1},
    "disco": {"fast": 1, "percussive": 1, "major": 1, "bright": 1, "steady": 1},
    "rock": {"loud": 2, "percussive": 1, "bright": 1, "vocal": 1},
    "indie rock": {"loud": 1, "vocal": 1, "percussive": 1, "mid_tempo": 1},
    "hard rock": {"loud": 2, "percussive": 1, "bright": 1, "fast": 1},
    "punk rock": {"fast": 2, "loud": 2, "bright": 1},
    "heavy metal": {"loud": 2, "fast": 1, "minor": 1, "bright": 1, "percussive": 1},
    "post-rock": {"dynamic": 2, "instrumental": 1, "loud": 1},
    "shoegaze": {"loud": 1, "smooth": 2, "bright": 1},
    "folk": {"smooth": 1, "vocal": 1, "quiet": 1, "major": 1},
    "singer-songwriter": {"vocal": 2, "quiet": 1, "smooth": 1},
    "country": {"major": 1, "vocal": 1, "mid_tempo": 1},
    "blues": {"slow": 1, "vocal": 1, "dark": 1},
    "bossa nova": {"quiet": 1, "mid_tempo": 1, "smooth": 1, "major": 1},
    "reggae": {"slow": 1, "percussive": 1, "major": 1, "steady": 1},
    "latin pop": {"percussive": 1, "fast": 1, "major": 1, "vocal": 1},
    "classical music": {"instrumental": 2, "smooth": 1, "dynamic": 1},
    "orchestral": {"instrumental": 1, "dynamic": 2, "loud": 1, "smooth": 1},
    "cinematic score": {"instrumental": 1, "dynamic": 2, "slow": 1},
    "string quartet": {"instrumental": 1, "smooth": 2, "quiet": 1},
    "solo piano": {"instrumental": 2, "quiet": 2, "smooth": 1},
    "piano ballad": {"slow": 2, "vocal": 1, "quiet": 1, "smooth": 1},
    "acoustic guitar": {"quiet": 1, "smooth": 1, "bright": 1},
    "electric guitar": {"loud": 1, "bright": 1},
    "synthesizer": {"bright": 1, "steady": 1, "instrumental": 1},
    "drum machine": {"percussive": 2, "steady": 2},
    "heavy bass": {"dark": 2, "loud": 1, "percussive": 1},
    "gospel choir": {"vocal": 2, "major": 1, "dynamic": 1},
    "a cappella": {"vocal": 2, "smooth": 2, "quiet": 1},
    "opera": {"vocal": 2, "dynamic": 2, "smooth": 1},
}

RULES = {"style": STYLE_RULES, "content": CONTENT_RULES, "emotion": EMOTION_RULES}
FLOOR = 0.02  # descriptors are floored here so one zero does not erase a whole rule

# ------------------------------------------------------------------------- scoring


def score_rule(rule: Rule, d: dict[str, float]) -> float:
    """The weighted geometric mean of the rule's descriptors (0..1)."""
    total = sum(rule.values())
    logs = sum(w * np.log(max(_value(d, name), FLOOR)) for name, w in rule.items())
    return float(np.exp(logs / total))


def rank(kind: str, d: dict[str, float], *, top_k: int | None = None) -> list[Label]:
    """Labels of vocabulary `kind` scored from descriptors `d`, best first (ties: table order)."""
    scored = [
        {"label": label, "score": round(score_rule(rule, d), 3)}
        for label, rule in RULES[kind].items()
    ]
    scored.sort(key=lambda item: -item["score"])
    return scored[:top_k]


def tag_set(d: dict[str, float], *, top_k: int) -> TagSet:
    """The top-k style, content and emotion labels for descriptors `d`."""
    return {
        "style": rank("style", d, top_k=top_k),
        "content": rank("content", d, top_k=top_k),
        "emotion": rank("emotion", d, top_k=top_k),
    }


def suggested_figure(d: dict[str, float]) -> str:
    """The protagonist the music suggests: a singer when vocals carry it, a dancer when it is
    fast and loud, else a lone traveller (person)."""
    if d["vocal"] >= VOCAL_LEAD:
        return "singer"
    if d["fast"] >= 0.5 and d["loud"] >= 0.55:
        return "dancer"
    return "person"


class FeatureTagger:
    """Tags from analysis features through the rule tables: no weights, deterministic."""

    name = "features"

    def __init__(self, *, top_k: int = 5) -> None:
        self.top_k = top_k

    def tag(self, audio: np.ndarray, sr: int, analysis: Analysis) -> Tags:
        """Top-k labels per section and for the song; `audio` is not needed."""
        return {
            "source": self.name,
            "song": tag_set(song_descriptors(analysis), top_k=self.top_k),
            "sections": [
                tag_set(section_descriptors(analysis, section), top_k=self.top_k)
                for section in analysis["sections"]
            ],
        }
