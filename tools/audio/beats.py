"""Dynamic-programming beat tracking (Ellis 2007), the way librosa 0.11's `beat_track` does it.

Why not call `librosa.beat`: its helpers are numba gufuncs compiled when the module is first
imported, and one of them (the local score) is not cached, so every new process paid about
3 s of compilation (on 2 cores) before its first beat, more than the rest of the analysis
of a one-minute song. Here the same steps are numpy:

1. local score: the onset envelope divided by its standard deviation, convolved with a
   Gaussian of a 32nd of the beat period (cut at one period each side; librosa leaves out
   the envelope's first frame, so this does too);
2. dynamic program: each frame's best predecessor from half a period to two periods back,
   scored by its cumulative score minus `tightness * log(interval / period) ** 2` (closest
   predecessor on ties); frames before the first one with 1% of the top local score start
   no chain;
3. last beat: the last local maximum of the cumulative score that reaches half the median
   of those maxima; the beats are its chain of predecessors;
4. trim: beats are dropped before the first and after the last frame whose local score is
   above a threshold (0 without `trim`; with it, half the RMS of the smoothed local score on
   the beats). librosa 0.11 compares frames, not beats, here; so does this.

The dynamic program runs in blocks of half a period: no frame in a block can precede another,
so each block is one vectorized step. The test suite compares the result with librosa's.
"""

import librosa
import numpy as np

from tools.errors import InvalidInputError


def track_beats(
    onset_envelope: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    bpm: float | None = None,
    tightness: float = 100.0,
    trim: bool = True,
) -> np.ndarray:
    """Beat frames in `onset_envelope` (one value per hop), as `librosa.beat.beat_track` with
    `sparse=True` gives them; without `bpm`, librosa's tempo estimate (start_bpm 120)."""
    onset_envelope = np.asarray(onset_envelope)
    if onset_envelope.ndim != 1:
        raise InvalidInputError(
            f"beat tracking needs a one-dimensional onset envelope, got {onset_envelope.shape}"
        )
    if not onset_envelope.any():
        return np.array([], dtype=int)
    if not np.issubdtype(onset_envelope.dtype, np.floating):
        onset_envelope = onset_envelope.astype(float)
    if bpm is None:
        bpm = float(
            librosa.feature.tempo(onset_envelope=onset_envelope, sr=sr, hop_length=hop_length)[0]
        )
    if bpm <= 0 or tightness <= 0:
        raise InvalidInputError(f"bpm ({bpm}) and tightness ({tightness}) must be positive")
    period = int(np.round(sr / hop_length * 60.0 / bpm))
    if period < 2:
        raise InvalidInputError(f"{bpm} BPM is too fast for {sr / hop_length:.1f} frames a second")
    # Normalized in the envelope's own precision, then tracked in float64, as librosa does.
    normalized = onset_envelope / (onset_envelope.std(ddof=1) + np.finfo(onset_envelope.dtype).tiny)
    local = _local_score(normalized.astype(np.float64), period)
    backlink, cumulative = _dynamic_program(local, period, tightness)
    beats = np.zeros(len(local), dtype=bool)
    frame = _last_beat(cumulative)
    while frame >= 0:
        beats[frame] = True
        frame = backlink[frame]
    return np.flatnonzero(_trimmed(beats, local, trim=trim))


def _local_score(onset: np.ndarray, period: int) -> np.ndarray:
    """The envelope convolved with a Gaussian of +-`period` frames (same length, centred)."""
    window = np.exp(-0.5 * (np.arange(-period, period + 1) * 32.0 / period) ** 2)
    onset = onset.copy()
    onset[0] = 0.0
    return np.convolve(onset, window)[period : period + len(onset)]


def _dynamic_program(
    local: np.ndarray, period: int, tightness: float
) -> tuple[np.ndarray, np.ndarray]:
    """Back-links (-1: none) and cumulative scores of the best beat chain ending at each frame."""
    n = len(local)
    nearest = int(np.round(period / 2))
    gaps = np.arange(nearest, 2 * period + 1)  # frame minus predecessor, closest first
    penalty = tightness * (np.log(gaps) - np.log(period)) ** 2
    cumulative = local.copy()
    links = np.full(n, -1)
    for start in range(nearest, n, nearest):
        frames = np.arange(start, min(start + nearest, n))
        candidates = frames[:, None] - gaps
        scores = np.where(candidates >= 0, cumulative[np.maximum(candidates, 0)] - penalty, -np.inf)
        best = np.argmax(scores, axis=1)
        cumulative[frames] += scores[np.arange(len(frames)), best]
        links[frames] = candidates[np.arange(len(frames)), best]
    # Until the local score first reaches 1% of its maximum, no frame continues a chain.
    first = int(np.argmax(local >= 0.01 * local.max()))
    links[:first] = -1
    return links, cumulative


def _last_beat(cumulative: np.ndarray) -> int:
    """The last local maximum of the cumulative score that reaches half their median."""
    peaks = np.zeros(len(cumulative), dtype=bool)
    peaks[1:-1] = (cumulative[1:-1] > cumulative[:-2]) & (cumulative[1:-1] >= cumulative[2:])
    peaks[-1] = len(cumulative) > 1 and cumulative[-1] > cumulative[-2]
    if not peaks.any():
        return len(cumulative) - 1
    strong = np.flatnonzero(peaks & (cumulative >= 0.5 * np.median(cumulative[peaks])))
    return int(strong[-1]) if len(strong) else len(cumulative) - 1


def _trimmed(beats: np.ndarray, local: np.ndarray, *, trim: bool) -> np.ndarray:
    """`beats` without those before the first or after the last frame whose local score is
    above the threshold."""
    threshold = 0.0
    if trim:
        smooth = np.convolve(local[beats], np.hanning(5))[2 : len(local) + 2]
        threshold = 0.5 * np.sqrt(np.mean(smooth**2))
    above = np.flatnonzero(local > threshold)
    kept = np.zeros_like(beats)
    if len(above):
        kept[above[0] : above[-1] + 1] = beats[above[0] : above[-1] + 1]
    return kept
