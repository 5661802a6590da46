"""What the rest of sound2sight needs to know about a song: beats, bars, sections and curves.

Everything comes from one short-time spectrum: beats from librosa's dynamic-programming tracker
(redone in numpy in tools.audio.beats, its tempo checked against the onset periodicity of the whole
clip for octave and 3/2 errors), downbeats from accents
on the beat grid, sections from splitting the bars where harmony, timbre and dynamics change
(labelled by which material repeats), and 0..1 curves at CURVE_HZ for the energy, the onsets and
where a voice sings (relative to the song).
"""

import fcntl
import itertools
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import librosa
import numpy as np
import scipy.cluster.hierarchy
import scipy.ndimage
import scipy.sparse

from tools.audio.beats import track_beats
from tools.errors import InvalidInputError
from tools.types import Analysis, Section

CURVE_HZ = 20.0
CHROMA_HZ = 4.0  # the harmony rows' rate: enough to tell where a passage of the song recurs
HOP = 512
N_FFT = 2048


def kernels_compiled() -> bool:
    """Whether librosa's numba kernels are compiled and cached already. The first analysis in a
    new install compiles them (about half a minute on two cores), once; numba keeps them in
    librosa's `__pycache__` folders, under NUMBA_CACHE_DIR, or (read-only installs) in the
    user's cache folder."""
    root = os.environ.get("NUMBA_CACHE_DIR")
    places = [Path(root)] if root else [
        Path(librosa.__file__).parent / "util" / "__pycache__",
        Path.home() / ".cache" / "numba",
    ]  # fmt: skip
    return any(any(p.rglob("*utils._localmax*.nbi")) for p in places if p.is_dir())


@contextmanager
def kernels_ready() -> Iterator[None]:
    """Until one analysis in this install has finished, analyses run one process at a time:
    numba's cache is not safe against processes compiling into it at once (three that did here
    left an index that crashed every later analysis of every process). The mark that one has
    finished is kept per librosa install, beside the system's temporary files."""
    install = zlib.crc32(librosa.__file__.encode())
    mark = Path(tempfile.gettempdir(), f"sound2sight-kernels-{install:08x}")
    if mark.exists():
        yield
        return
    with open(mark.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
            mark.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def analyze_audio(y: np.ndarray, sr: int, *, path: str = "") -> Analysis:
    """Analyze mono audio `y` at `sr` Hz (as `tools.audio.loading.load_audio` returns it)."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise InvalidInputError(
            f"analysis needs mono audio (one dimension), got shape {y.shape}; "
            "load the song with tools.audio.loading.load_audio"
        )
    with kernels_ready():
        return _analyze(y, sr, path=path)


def _analyze(y: np.ndarray, sr: int, *, path: str) -> Analysis:
    duration = len(y) / sr
    frames, vocal, voice, centroid = _song_frames(y, sr)
    tempo, beats = _beats(frames)
    downbeats, meter = _downbeats(frames, beats)
    energy = _energy(frames.loudness)
    grid = np.arange(int(duration * CURVE_HZ) + 1) / CURVE_HZ
    energy_curve = np.interp(grid, frames.times, energy)
    sections = _sections(frames, downbeats, energy, duration=duration)
    return {
        "path": path,
        "duration": round(duration, 3),
        "tempo": round(tempo, 2),
        "beats": _rounded(beats),
        "downbeats": _rounded(downbeats),
        "sections": sections,
        "curve_hz": CURVE_HZ,
        "energy": _rounded(energy_curve),
        "onset": _rounded(_pooled(_unit(frames.onset), frames.times, grid)),
        "vocal": _rounded(np.interp(grid, frames.times, vocal)),
        "voice": _rounded(np.interp(grid, frames.times, voice)),
        "chroma_hz": CHROMA_HZ,
        "chroma": _harmony(frames, duration),
        "features": _features(frames, energy_curve, centroid, meter=meter, duration=duration),
    }


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in values]


def _harmony(frames: "SpectralFrames", duration: float) -> list[list[float]]:
    """The chroma averaged over each 1 / CHROMA_HZ s of the song: one row of 12 pitch-class
    levels (C to B, the loudest 1) per step."""
    edges = np.append(np.arange(0.0, duration, 1.0 / CHROMA_HZ), duration)
    chroma = _span_means(frames.chroma, frames.times, edges)
    return [[round(float(v), 2) for v in row] for row in chroma.T]


# ------------------------------------------------------------------ spectra


@dataclass(frozen=True)
class SpectralFrames:
    """Frame-level spectra shared by every estimate (hop HOP at rate sr)."""

    sr: int
    times: np.ndarray  # frame centres, s
    power: np.ndarray  # |STFT|^2, (1 + N_FFT // 2, n)
    mel: np.ndarray  # mel power, (128, n)
    harmonic: np.ndarray  # mel power of the harmonic part (HPSS)
    percussive: np.ndarray  # mel power of the percussive part
    chroma: np.ndarray  # (12, n)
    loudness: np.ndarray  # A-weighted RMS level, dBFS
    pulse: np.ndarray  # onset strength with median aggregation: what the beat tracker follows
    onset: np.ndarray  # onset strength with mean aggregation: every onset counts

    @classmethod
    def compute(cls, y: np.ndarray, sr: int) -> "SpectralFrames":
        power = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)) ** 2
        return cls.from_spectra(
            sr,
            power=power,
            mel=librosa.feature.melspectrogram(S=power, sr=sr, n_mels=128),
            chroma=librosa.feature.chroma_stft(S=power, sr=sr, tuning=0.0),
            loudness=_loudness_db(power, sr),
        )

    @classmethod
    def from_spectra(
        cls,
        sr: int,
        *,
        power: np.ndarray,
        mel: np.ndarray,
        chroma: np.ndarray,
        loudness: np.ndarray,
        hpss: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> "SpectralFrames":
        """The frames from the spectra computed per frame (and the harmonic and percussive
        parts, when known); the rest is computed from the mel spectrogram of the whole span."""
        log_mel = librosa.power_to_db(mel)
        harmonic, percussive = hpss or librosa.decompose.hpss(mel, kernel_size=(31, 15))
        return cls(
            sr=sr,
            times=librosa.frames_to_time(np.arange(mel.shape[1]), sr=sr, hop_length=HOP),
            power=power,
            mel=mel,
            harmonic=harmonic,
            percussive=percussive,
            chroma=chroma,
            loudness=loudness,
            pulse=librosa.onset.onset_strength(S=log_mel, sr=sr, aggregate=np.median),
            onset=librosa.onset.onset_strength(S=log_mel, sr=sr),
        )


# A song of up to WHOLE_FRAMES frames (about 6 minutes) is analysed in one piece; a longer one's
# spectrogram is held CHUNK_FRAMES frames (about 3 minutes) at a time: the whole one of a
# 30-minute song would take 320 MB, and the features computed from it several times that.
WHOLE_FRAMES = 16384
CHUNK_FRAMES = 8192
CONTEXT_FRAMES = 32  # on either side of a chunk: the filters over frames reach less far


def _song_frames(
    y: np.ndarray, sr: int
) -> tuple[SpectralFrames, np.ndarray, np.ndarray, np.ndarray]:
    """The song's frames, and per frame its vocal presence (`_vocal`), where in it a voice sings
    (`_voice`) and its spectral centroid (Hz).

    A song of up to WHOLE_FRAMES frames is one piece. A longer one is computed a chunk at a
    time, each with CONTEXT_FRAMES of context on either side (HPSS's filters reach 15 frames),
    keeping only what is per frame (mel, chroma, loudness, harmonic and percussive parts) and
    the two curves; the onset curves come from the joined mel spectrogram (their dB scale is the
    song's). Within a chunk the STFT frames are the song's own, so all of it is as for the whole
    song except the levels `_vocal` normalizes by (its chunk's loudest parts rather than the
    song's). The frames returned keep no spectrogram (`power` has no frames).
    """
    n = 1 + len(y) // HOP
    if n <= WHOLE_FRAMES:
        frames = SpectralFrames.compute(y, sr)
        vocal, voice, centroid = _vocal(frames), _voice(frames), _centroid(frames)
        return replace(frames, power=frames.power[:, :0]), vocal, voice, centroid
    pieces = []
    for start in range(0, n, CHUNK_FRAMES):
        end = min(start + CHUNK_FRAMES, n)
        first, last = max(start - CONTEXT_FRAMES, 0), min(end + CONTEXT_FRAMES, n)
        chunk = SpectralFrames.compute(y[first * HOP : len(y) if last == n else last * HOP], sr)
        keep = slice(start - first, end - first)
        parts = (chunk.mel, chunk.chroma, chunk.loudness, chunk.harmonic, chunk.percussive)
        parts += (_vocal(chunk), _voice(chunk), _centroid(chunk))
        pieces.append([part[..., keep].copy() for part in parts])
        del chunk, parts
    mel, chroma, loudness, harmonic, percussive, vocal, voice, centroid = (
        np.concatenate(part, axis=-1) for part in zip(*pieces, strict=True)
    )
    del pieces
    frames = SpectralFrames.from_spectra(
        sr,
        power=np.zeros((1 + N_FFT // 2, 0), dtype=np.float32),
        mel=mel,
        chroma=chroma,
        loudness=loudness,
        hpss=(harmonic, percussive),
    )
    return frames, vocal, voice, centroid


def _tempo(onset: np.ndarray, sr: int) -> float:
    """librosa's tempo estimate (`librosa.feature.tempo`, 8 s autocorrelation windows, mean over
    the song) with its tempogram summed CHUNK_FRAMES columns at a time: the whole tempogram of a
    30-minute song and its FFTs would take 1.3 GB."""
    win = int(librosa.time_to_frames(8.0, sr=sr, hop_length=HOP))
    padded = np.pad(onset, win // 2, mode="linear_ramp", end_values=0)
    total = np.zeros(win)
    for start in range(0, len(onset), CHUNK_FRAMES):
        end = min(start + CHUNK_FRAMES, len(onset))
        part = padded[start : end + win - 1]
        grams = librosa.feature.tempogram(
            onset_envelope=part, sr=sr, hop_length=HOP, win_length=win, center=False
        )
        total += grams.sum(axis=1)
    mean = (total / len(onset))[:, None]
    return float(librosa.feature.tempo(tg=mean, sr=sr, hop_length=HOP, aggregate=None)[0])


def _centroid(frames: SpectralFrames) -> np.ndarray:
    """Spectral centroid per frame, Hz."""
    return librosa.feature.spectral_centroid(S=np.sqrt(frames.power), sr=frames.sr)[0]


def _unit(x: np.ndarray, *, q: float = 99.0) -> np.ndarray:
    """Scale to 0..1 by a high percentile (robust to a few spikes)."""
    top = np.percentile(x, q)
    return np.clip(x / top, 0.0, 1.0) if top > 0 else np.zeros_like(x)


def _pooled(x: np.ndarray, times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The maximum of `x` within half a grid step of each grid time (keeps short peaks)."""
    edges = np.searchsorted(times, np.append(grid - 0.5 / CURVE_HZ, np.inf))
    edges = np.minimum(edges, len(x) - 1)
    return np.array(
        [x[a : max(b, a + 1)].max() for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )


# ------------------------------------------------------------------ beats and bars

# The tracker reports beats slightly after the attacks (measured on clicks and on the demo
# song); this is subtracted.
BEAT_LATENCY_S = 0.03


# Metrical levels (the beat, or 3/2 or 2/3 of it) compete where their tempi fall in this octave.
LEVEL_RANGE = (75.0, 150.0)
TUNING_STEP = 0.005  # the tracked tempo is tuned in relative steps of at most this (finer on
TUNING_STEPS = 10  # long clips), this many each way
# The fastest steady pulse (the tatum: eighth or sixteenth notes) is looked for between these
# tempi; a beat is two, three or four of its periods, within TATUM_TOLERANCE. Chosen on the
# excerpts of the steady shared songs (their tatum measured at 258-380 BPM).
TATUM_BPM = (500.0, 190.0)
TATUM_TOLERANCE = 0.04
# A tatum this clear (its comb's mean autocorrelation) is a steady pulse. The excerpts of the
# steady shared songs measure up to 0.68; seven of 237 fall under 0.1, all but one of them
# starting at a song's first second (intros without drums: -0.00-0.08); the rubato string
# orchestra of hungarian_dance_5 measures 0.06, the a cappella vocadito_1 0.03.
TATUM_CLARITY = 0.1
LEVEL_CONTEXT_S = 4.0  # the levels compare onsets scaled by their mean over this span (3-8 s: same)
# Another level replaces the tracked one when its grid catches this much more: where it was
# right it caught 1.09-1.66 times as much in the excerpts, and where a near tie (1.00) decided
# it, as on Chaos God's ending, the encoding of the clip did.
LEVEL_MARGIN = 1.04
# A beat of three tatums (compound time: 6/8, a shuffle) must catch this much more than one of
# two or four: riffs accented every three eighth notes (Chaos God from 75, 115 and 135 s,
# Mutilated Mime from 122.5 s) caught 1.04-1.17 times the beat's onsets on the grid of a dotted
# quarter.
TERNARY_MARGIN = 1.25
# The beat's octave, taken below FAST_BEAT_BPM: librosa's prior pulls fast songs (160-200 BPM)
# to half tempo, and short clips fall to half or a quarter as often. A beat slower than
# SURE_BEAT_BPM is doubled; one from there to FAST_BEAT_BPM / 2 is doubled when the doubled beat
# is itself subdivided: the points halfway between the doubled beat's beats (a quarter of the
# slow beat) carry at least SUBDIVISION_SHARE of the onset strength on the slow beat. A 96 BPM
# blues shuffle's busy offbeats are its eighth notes, with nothing between them (0.09), and the
# synthesized 84-95 BPM songs of the section evaluation measure 0.06-0.13; metal at 170-190 BPM
# plays between its beats (0.5-0.8), also in its half-time passages (0.18-0.40: Internal
# Degeneration from 80 s measures 0.24 as wav or flac, 0.18-0.19 as mp3 or ogg), where the
# snare on every other beat leaves the offbeats of the slow beat weak (0.22-0.39 of the beat:
# the offbeats' strength, once also required, halved those passages). Chosen on the shared
# songs (annotated beats at 170-190 BPM, a steady song at 130, the emoMusic blues clips) and
# the synthesized songs.
FAST_BEAT_BPM = 193.0
SURE_BEAT_BPM = 80.0
SUBDIVISION_SHARE = 0.15


def _beats(frames: SpectralFrames) -> tuple[float, np.ndarray]:
    """Tempo (BPM) and beat times (s).

    The tracker's tempo can be off by a tempo octave or by 3/2 (on a 10 s clip of a steady
    130 BPM song: 65, or 97 BPM), and it comes from whole-frame beat periods. The tempo is
    the metrical level that fits the onset periodicity of the whole clip best (`_beat_level`)
    at the octave of the beat (`_beat_octave`); when it differs from the tracker's, the beats
    are tracked again at that tempo.
    """
    beat_frames = _track(frames, bpm=None)
    tracked = _tempo_from_beats(frames.times[beat_frames])
    fps = frames.sr / HOP
    level = _beat_level(frames.pulse, tracked, frames_per_second=fps, onset=frames.onset)
    tempo = _beat_octave(frames.onset, level, frames_per_second=fps)
    if tracked > 0 and abs(tempo / tracked - 1) > 0.01:
        beat_frames = _track(frames, bpm=tempo)
    return tempo, np.maximum(frames.times[beat_frames] - BEAT_LATENCY_S, 0.0)


def _beat_level(
    pulse: np.ndarray, tempo: float, *, frames_per_second: float, onset: np.ndarray
) -> float:
    """The tempo of the beat, from a tracked `tempo` that may be off by 3/2, by octaves, or by
    a few percent (the tracker's tempo from a short clip is only roughly right).

    Tempi are compared by how much onset strength their pulse grid catches over the whole
    clip (`_grid_strength`). The tracked tempo is moved by octaves into LEVEL_RANGE and tuned
    (TUNING_STEPS steps of at most TUNING_STEP each way). It and the other metrical levels,
    3/2 and 2/3 of it, each moved into LEVEL_RANGE (where every level has one tempo) and tuned
    in turn, compete; the strongest is returned (in LEVEL_RANGE: `_beat_octave` chooses the
    octave), unless it does not divide into the clip's fastest steady pulse (`_tatum`) and
    another level does: then the strongest of those. A passage accented three against four
    (vibe_ace from 40 s) has a grid at 3/4 of the beat that catches more, but its eighth notes
    still run at twice the beat. When the tatum is clear (TATUM_CLARITY), the levels of two
    and three tatums compete too: the tracker may have followed a pattern that is no level at
    all (Mutilated Mime's intro accents 3+3+3+3+2+2 eighth notes: tracked at 112 BPM, 5/8 of
    its 180; Chaos God from 70 s as ogg was tracked at 140, 0.82 of its 170).

    The levels compete on onsets scaled by their neighbourhood's mean (LEVEL_CONTEXT_S), so
    that each passage counts by its own pulse, not by its loudness: Chaos God's last 10 s are
    a busy passage on the beat and three loud stops at 3/2 of it; and the tracked level stands
    unless another catches clearly more (LEVEL_MARGIN). A level of three tatums competes at
    1 / TERNARY_MARGIN of what it catches: a riff accented every three eighth notes puts more
    onsets on the dotted quarter than on the beat, but is still heard in two.
    """
    if tempo <= 0:
        return tempo
    peaks = scipy.ndimage.maximum_filter1d(pulse, size=3)

    def strength(bpm: float) -> float:
        return _grid_strength(peaks, 60.0 * frames_per_second / bpm)

    level = _into_octave(tempo, LEVEL_RANGE[0])
    # steps that let the grid drift at most a quarter of a beat over the clip; a long clip's
    # tracked tempo is close already, so it is tuned over as many steps as a short one's
    step = min(TUNING_STEP, 0.25 * 60.0 * frames_per_second / (len(pulse) * level))
    steps = np.arange(-TUNING_STEPS, TUNING_STEPS + 1) * step

    def tuned(bpm: float) -> float:
        return max(bpm * (1 + steps), key=strength)

    level = tuned(level)  # the other levels are tuned too: 2/3 of a tempo 2 % off is 2 % off
    levels = [level] + [tuned(_into_octave(level * r, LEVEL_RANGE[0])) for r in (1.5, 2 / 3)]
    context = int(LEVEL_CONTEXT_S * frames_per_second) | 1
    local = peaks / np.maximum(scipy.ndimage.uniform_filter1d(peaks, context, mode="nearest"), 1e-9)

    def local_strength(bpm: float) -> float:
        return _grid_strength(local, 60.0 * frames_per_second / bpm)

    tatum, clarity = _tatum(onset, frames_per_second=frames_per_second)

    def tatums(bpm: float) -> int:  # how many tatums a beat at `bpm` is (2-4), or 0: none
        if not tatum:
            return 0
        ratio = 60.0 * frames_per_second / bpm / tatum
        fits = round(ratio) in (2, 3, 4) and abs(ratio / round(ratio) - 1) <= TATUM_TOLERANCE
        return round(ratio) if fits else 0

    def weight(bpm: float) -> float:
        return local_strength(bpm) / (TERNARY_MARGIN if tatums(bpm) == 3 else 1.0)

    if tatum and clarity >= TATUM_CLARITY:  # a clear tatum: its levels compete too
        levels += [
            _into_octave(60.0 * frames_per_second / (count * tatum), LEVEL_RANGE[0])
            for count in (2, 3)
        ]
    best = max(levels, key=weight)
    if weight(best) < LEVEL_MARGIN * weight(levels[0]):
        best = levels[0]
    fitting = [bpm for bpm in levels if tatums(bpm)]
    return best if not fitting or best in fitting else max(fitting, key=weight)


def _tatum(onset: np.ndarray, *, frames_per_second: float) -> tuple[float, float]:
    """The period (frames) of the fastest steady pulse between TATUM_BPM, the lag whose first
    four multiples have the highest mean autocorrelation of the onset curve, and that mean
    (its clarity); (0, 0) for silence."""
    ac = librosa.autocorrelate(onset - onset.mean())
    if ac[0] <= 0:
        return 0.0, 0.0
    lags = np.arange(*(60.0 * frames_per_second / bpm for bpm in TATUM_BPM), 0.05)
    comb = np.interp(lags[:, None] * np.arange(1, 5), np.arange(len(ac)), ac / ac[0]).mean(axis=1)
    best = int(np.argmax(comb))
    return float(lags[best]), float(comb[best])


def _beat_octave(onset: np.ndarray, level: float, *, frames_per_second: float) -> float:
    """`level` moved by octaves to the beat: below FAST_BEAT_BPM, doubled from under
    SURE_BEAT_BPM, and from under FAST_BEAT_BPM / 2 when the doubled beat is subdivided."""
    if level <= 0:
        return level
    slow = _into_octave(level, FAST_BEAT_BPM / 4)
    if slow < SURE_BEAT_BPM:
        return 2 * slow
    peaks = scipy.ndimage.maximum_filter1d(onset, size=5)
    period = 60.0 * frames_per_second / slow
    on, *between = (_grid_strength(peaks, period, shift=s) for s in (0.0, 0.25, 0.75))
    return 2 * slow if np.mean(between) >= SUBDIVISION_SHARE * on else slow


def _into_octave(bpm: float, low: float) -> float:
    """`bpm` times the power of two that puts it in [low, 2 * low)."""
    return float(bpm * 2.0 ** np.ceil(np.log2(low / bpm)))


def _grid_strength(peaks: np.ndarray, period: float, *, shift: float = 0.0) -> float:
    """The mean of `peaks` on a grid of `period` frames (fractional) at the phase where it is
    highest; with `shift`, on the grid that many periods later (0.5: halfway between)."""
    phases = np.arange(0.0, period, 1.0)
    grid = phases[:, None] + np.arange(0.0, len(peaks) - 2 * period - 0.5, period)
    means = peaks[np.round(grid).astype(int)].mean(axis=1)
    best = int(np.argmax(means))
    return float(peaks[np.round(grid[best] + shift * period).astype(int)].mean())


def _track(frames: SpectralFrames, *, bpm: float | None) -> np.ndarray:
    """Beat frames over the audible part of the song (librosa's tracker, untrimmed)."""
    bpm = bpm or _tempo(frames.pulse, frames.sr)  # as track_beats would, in bounded memory
    beat_frames = track_beats(frames.pulse, sr=frames.sr, hop_length=HOP, bpm=bpm, trim=False)
    audible = np.flatnonzero(_audible(frames.loudness))
    if not len(audible):
        return beat_frames[:0]
    return beat_frames[(beat_frames >= audible[0] - 2) & (beat_frames <= audible[-1])]


def _tempo_from_beats(beats: np.ndarray) -> float:
    """Tempo from the median span of 8 beats (finer than one frame per beat)."""
    if len(beats) < 2:
        return 0.0
    span = min(8, len(beats) - 1)
    return float(60.0 * span / np.median(beats[span:] - beats[:-span]))


def _downbeats(frames: SpectralFrames, beats: np.ndarray) -> tuple[np.ndarray, int]:
    """Downbeat times and beats per bar (4, or 3 when that fits the accents clearly better).

    Bars start where chords change and where the low end (kick, bass) hits hardest.
    """
    if len(beats) < 8:
        return beats[:1], 4
    accent = _beat_accents(frames, beats)
    scores = {meter: _best_phase(accent, meter) for meter in (4, 3)}
    meter = 3 if scores[3][1] > 1.5 * max(scores[4][1], 1e-9) else 4
    phase = scores[meter][0]
    return beats[phase::meter], meter


def _beat_accents(frames: SpectralFrames, beats: np.ndarray) -> np.ndarray:
    """A z-scored accent per beat: harmonic change into the beat plus low-frequency onset."""
    beat_frames = librosa.time_to_frames(beats, sr=frames.sr, hop_length=HOP)
    synced = _span_means(frames.chroma, frames.times, np.append(beats, frames.times[-1]))
    synced = synced / (np.linalg.norm(synced, axis=0, keepdims=True) + 1e-9)  # beat i..i+1
    change = np.zeros(len(beats))
    change[1:] = 1 - (synced[:, 1:] * synced[:, :-1]).sum(axis=0)
    low = librosa.onset.onset_strength(S=librosa.power_to_db(frames.mel[:8]), sr=frames.sr)
    low_peaks = scipy.ndimage.maximum_filter1d(low, size=5)[beat_frames]
    return _z(change) + _z(low_peaks)


def _z(x: np.ndarray) -> np.ndarray:
    std = x.std()
    return (x - x.mean()) / std if std > 0 else np.zeros_like(x)


def _best_phase(accent: np.ndarray, meter: int) -> tuple[int, float]:
    """The beat phase whose beats are most accented, and by how much (mean z difference)."""
    contrasts = [
        accent[p::meter].mean() - np.delete(accent, np.s_[p::meter]).mean() for p in range(meter)
    ]
    best = int(np.argmax(contrasts))
    return best, float(contrasts[best])


# ------------------------------------------------------------------ loudness and curves


def _loudness_db(power: np.ndarray, sr: int) -> np.ndarray:
    """A-weighted RMS level per frame, dBFS (a full-scale 1 kHz sine reads -3 dB)."""
    freqs = librosa.fft_frequencies(sr=sr, n_fft=N_FFT)
    with np.errstate(divide="ignore"):  # the weighting is -inf dB at 0 Hz
        weights = librosa.db_to_power(librosa.A_weighting(freqs, min_db=-80.0))[:, None]
    mean_power = (power * weights).sum(axis=0) * 2 / (N_FFT * N_FFT * 0.375)
    return 10 * np.log10(mean_power + 1e-10)


def _energy(loudness_db: np.ndarray) -> np.ndarray:
    """Loudness mapped to 0..1: 1 at the song's loud parts, halving every 10 dB below them."""
    smooth = scipy.ndimage.uniform_filter1d(loudness_db, size=9)
    top = np.percentile(smooth, 95)
    return np.clip(2.0 ** ((smooth - top) / 10), 0.0, 1.0)


MOTION_BAND_HZ = (500.0, 4000.0)  # where the partials' motion is measured (`_vocal`)
MOTION_BINS = 10  # per semitone
STILL_CENTS = 1.2  # pitch motion (cents per frame) that steady instruments show anyway
SUNG_CENTS = 3.7  # pitch motion at which a voice is taken as certainly present
VOICE_BAND_HZ = (150.0, 5000.0)  # sung fundamentals and the formants above them
BINS_PER_SEMITONE = 3
STEADY_FRAMES = 9  # about 0.2 s: a partial that holds this long is a steady tone
PEAK_BINS = 9  # 3 semitones: energy spread this wide across frequency is a hit or noise
VOCAL_SMOOTH_FRAMES = 11  # about a quarter of a second
ENVELOPE_BAND_HZ = (300.0, 3000.0)  # where the first formants of the vowels lie
ENVELOPE_ORDER = 5  # cepstral coefficients kept: shapes a formant wide, not single partials
ENVELOPE_LAG_FRAMES = 4  # about 0.1 s: a vowel and the consonant next to it
ENVELOPE_SMOOTH_FRAMES = 21  # about half a second
ENVELOPE_WEIGHT = 0.2  # of the envelope's motion in the voice curve; the level's: the rest
AUDIBLE_DB = 40.0  # a frame this far below the song's loud parts is not part of what sounds


def _vocal(frames: SpectralFrames) -> np.ndarray:
    """Vocal presence 0..1 per frame, from how much the harmonics glide and waver.

    A voice's partials move all the time (vibrato, slides, syllables) while most instruments
    hold steady pitches. The motion is the shift, in cents, that best aligns the log-frequency
    spectra of neighbouring frames in the voice band, counted where they align well. Bowed
    strings with vibrato move too, so an orchestra reads as slightly vocal.
    """
    peaks = _log_frequency_peaks(frames)
    before, after = peaks[:, :-1], peaks[:, 1:]
    n = len(peaks)
    lags = np.arange(-MOTION_BINS, MOTION_BINS + 1)
    match = np.stack(
        [
            (before[max(0, -k) : n - max(0, k)] * after[max(0, k) : n - max(0, -k)]).sum(axis=0)
            for k in lags
        ]
    )
    match /= np.sqrt((before**2).sum(axis=0) * (after**2).sum(axis=0)) + 1e-9
    best = np.clip(match.argmax(axis=0), 1, len(lags) - 2)
    left, centre, right = (match[best + d, np.arange(match.shape[1])] for d in (-1, 0, 1))
    curvature = left - 2 * centre + right
    offset = np.divide(
        0.5 * (left - right), curvature, out=np.zeros_like(centre), where=curvature < -1e-9
    )
    cents = np.abs(lags[best] + np.clip(offset, -0.5, 0.5)) * 100 / MOTION_BINS
    motion = np.append(np.where(centre > 0.7, cents, 0.0), 0.0)
    motion = scipy.ndimage.uniform_filter1d(motion, size=21)  # about half a second
    audible = _audible(frames.loudness)
    return np.clip((motion - STILL_CENTS) / (SUNG_CENTS - STILL_CENTS), 0.0, 1.0) * audible


def _log_frequency_peaks(frames: SpectralFrames) -> np.ndarray:
    """Compressed magnitude on a log-frequency grid over the voice band with the spectral
    envelope removed, so that only the partials' peaks are left: (bins, frames)."""
    low, high = MOTION_BAND_HZ
    grid = low * 2 ** (np.arange(int(12 * MOTION_BINS * np.log2(high / low))) / (12 * MOTION_BINS))
    freqs = librosa.fft_frequencies(sr=frames.sr, n_fft=N_FFT)
    level = np.log1p(1e3 * frames.power / (np.percentile(frames.power, 99) + 1e-12))
    spectrum = _interpolation_matrix(freqs, grid) @ level
    envelope = scipy.ndimage.uniform_filter1d(spectrum, size=int(1.5 * MOTION_BINS), axis=0)
    return np.maximum(spectrum - envelope, 0.0)


def _voice(frames: SpectralFrames) -> np.ndarray:
    """Where a voice sings, 0..1 per frame, relative to the song: mostly the level of the energy
    in the voice band that is neither a steady tone nor a broadband hit (`_unsteady_level`),
    partly (ENVELOPE_WEIGHT) how fast the spectral envelope over the formant band changes
    (`_envelope_motion`).

    The level keeps a voice's gliding, wavering partials and its syllables, but also bowed
    strings and other instruments with vibrato. The envelope's motion tells most of them apart:
    a voice changes its vowel, and with it the formants, every syllable, while an instrument
    keeps its body's resonances whatever note it plays. Both are mapped to 0..1 between their
    5th and 95th percentiles over the song's audible frames (`_audible`): silence before or
    after the song, digital or a noise floor, stretched the scale (fantasma_los_rombos with 5 s
    of silence put before it had 3 of 17 lyric lines on time). A song without a voice still
    has its most voice-like moments near 1 (this says where, not whether).
    """
    spectrum = _log_frequency_power(frames)
    audible = _audible(frames.loudness)
    level, motion = _unsteady_level(spectrum, audible), _envelope_motion(spectrum, audible)
    return (1 - ENVELOPE_WEIGHT) * level + ENVELOPE_WEIGHT * motion


def _audible(loudness: np.ndarray) -> np.ndarray:
    """Which frames are within AUDIBLE_DB of the song's loud parts (its 95th percentile)."""
    return loudness > np.percentile(loudness, 95) - AUDIBLE_DB


def _unsteady_level(spectrum: np.ndarray, audible: np.ndarray) -> np.ndarray:
    """The level of what is neither steady nor spread in the log-frequency power `spectrum`.

    Median filtering splits it into what holds still over time (held notes, chords, bass) and
    what spreads over frequency (drums, noise). A voice is neither: its partials glide and waver
    (vibrato, slides) and its syllables change the spectrum every few tenths of a second, so its
    energy stays in the residue, whose level in dB is returned relative to the song's
    `audible` frames.
    """
    steady = scipy.ndimage.median_filter(spectrum, size=(1, STEADY_FRAMES))
    spread = scipy.ndimage.median_filter(spectrum, size=(PEAK_BINS, 1))
    residue = np.maximum(spectrum - np.maximum(steady, spread), 0.0).sum(axis=0)
    level = scipy.ndimage.uniform_filter1d(10 * np.log10(residue + 1e-12), size=VOCAL_SMOOTH_FRAMES)
    return _relative(level, audible)


def _envelope_motion(spectrum: np.ndarray, audible: np.ndarray) -> np.ndarray:
    """How fast the spectral envelope over ENVELOPE_BAND_HZ changes, relative to the song's
    `audible` frames.

    The envelope is the log spectrum smoothed over frequency by keeping its first
    ENVELOPE_ORDER cepstral coefficients (formant-wide shapes, not the partials); its motion is
    the RMS change over ENVELOPE_LAG_FRAMES, averaged over ENVELOPE_SMOOTH_FRAMES.
    """
    low, high = ENVELOPE_BAND_HZ
    grid = _voice_band_grid()
    log_power = np.log(spectrum[(grid >= low) & (grid <= high)] + 1e-10)
    cepstrum = np.fft.rfft(log_power, axis=0)
    cepstrum[0] = 0.0  # the overall level is `_unsteady_level`'s part
    cepstrum[ENVELOPE_ORDER:] = 0.0
    envelope = np.fft.irfft(cepstrum, n=len(log_power), axis=0)
    lag = ENVELOPE_LAG_FRAMES
    change = np.sqrt(np.mean((envelope[:, lag:] - envelope[:, :-lag]) ** 2, axis=0))
    change = np.pad(change, (lag // 2, lag - lag // 2), mode="edge")
    return _relative(scipy.ndimage.uniform_filter1d(change, size=ENVELOPE_SMOOTH_FRAMES), audible)


def _relative(level: np.ndarray, audible: np.ndarray) -> np.ndarray:
    """`level` mapped to 0..1 between its 5th and 95th percentiles over the `audible` frames
    (over all of them when none is)."""
    low, high = np.percentile(level[audible] if audible.any() else level, [5, 95])
    return np.clip((level - low) / max(high - low, 1e-9), 0.0, 1.0)


def _voice_band_grid() -> np.ndarray:
    """The log-frequency grid (BINS_PER_SEMITONE) over VOICE_BAND_HZ, Hz."""
    low, high = VOICE_BAND_HZ
    return low * 2 ** (
        np.arange(int(12 * BINS_PER_SEMITONE * np.log2(high / low))) / (12 * BINS_PER_SEMITONE)
    )


def _log_frequency_power(frames: SpectralFrames) -> np.ndarray:
    """Power on a log-frequency grid (BINS_PER_SEMITONE) over the voice band: (bins, frames)."""
    freqs = librosa.fft_frequencies(sr=frames.sr, n_fft=N_FFT)
    return _interpolation_matrix(freqs, _voice_band_grid()) @ frames.power


def _interpolation_matrix(source: np.ndarray, target: np.ndarray) -> scipy.sparse.csr_matrix:
    """Linear interpolation from values at `source` points to `target` points, as a matrix."""
    left = np.clip(np.searchsorted(source, target) - 1, 0, len(source) - 2)
    weight = (target - source[left]) / (source[left + 1] - source[left])
    rows = np.arange(len(target))
    return scipy.sparse.csr_matrix(
        (np.r_[1 - weight, weight], (np.r_[rows, rows], np.r_[left, left + 1])),
        shape=(len(target), len(source)),
    )


# ------------------------------------------------------------------ sections

MIN_SECTION_S = 4.0
MAX_SECTION_S = 45.0
SECTION_PENALTY = 6.0  # per section, times log(bars), in units of bar-to-bar feature change
SAME_SECTION_DISTANCE = 1.5  # between section means, in the same units
QUIET = 0.75  # a section below this fraction of the loudest one's energy is quiet


def _sections(
    frames: SpectralFrames, downbeats: np.ndarray, energy: np.ndarray, *, duration: float
) -> list[Section]:
    """Contiguous sections from 0 to `duration`, starting on bars, labelled by repetition."""
    edges = np.append(_bar_starts(downbeats, duration), duration)
    harmony, timbre, dynamics = _bar_features(frames, energy, edges)
    # Segment on the chords of the phrase around each bar, compare sections on their own bars.
    phrase_harmony = scipy.ndimage.uniform_filter1d(harmony, size=4, axis=0, mode="nearest")
    features = np.hstack([_scaled_by_change(g) for g in (phrase_harmony, timbre, dynamics)])
    bounds = _segment(features, np.diff(edges), penalty=SECTION_PENALTY * np.log(len(features)))
    features = np.hstack([_scaled_by_change(g) for g in (harmony, timbre, dynamics)])
    clusters = _cluster(features, bounds, threshold=SAME_SECTION_DISTANCE)
    bounds, clusters = _merge_repeats(bounds, clusters, edges)
    times = edges[bounds]
    section_energy = _span_means(energy, frames.times, times)
    labels = _labels(clusters, section_energy)
    return [
        {
            "start": round(float(s), 3),
            "end": round(float(e), 3),
            "label": label,
            "energy": round(float(en), 3),
        }
        for s, e, label, en in zip(times[:-1], times[1:], labels, section_energy, strict=True)
    ]


def _bar_starts(downbeats: np.ndarray, duration: float) -> np.ndarray:
    """Bar start times over the whole song: the downbeats, extended before the first and after
    the last by the median bar length, with the first bar starting at 0 (a pickup shorter than
    half a bar joins it). Without usable downbeats, a 2 s grid."""
    if len(downbeats) < 2:
        return np.arange(0.0, max(duration - 1.0, 1.0), 2.0)
    bar = float(np.median(np.diff(downbeats)))
    before = downbeats[0] - bar * np.arange(int(downbeats[0] / bar), 0, -1)
    after = downbeats[-1] + bar * np.arange(1, int((duration - downbeats[-1]) / bar) + 1)
    starts = np.concatenate([before, downbeats, after])
    starts = starts[(starts > 0.5 * bar) & (starts < duration - 0.5 * bar)]
    return np.append(0.0, starts)


def _span_means(x: np.ndarray, times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The mean of frame values `x` (..., frames) between consecutive `edges` (s): (..., spans)."""
    idx = np.minimum(np.searchsorted(times, edges), x.shape[-1] - 1)
    return np.stack(
        [x[..., a : max(b, a + 1)].mean(axis=-1) for a, b in zip(idx[:-1], idx[1:], strict=True)],
        axis=-1,
    )


def _bar_features(
    frames: SpectralFrames, energy: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bar (rows): harmony (chroma), timbre (MFCC 1-12) and dynamics (energy, drum share,
    onset rate)."""
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(frames.mel), n_mfcc=13)[1:]
    drums = np.log(frames.percussive.sum(axis=0) + 1e-10) - np.log(frames.mel.sum(axis=0) + 1e-10)
    dynamics = np.stack([energy, drums, _unit(frames.onset)])
    harmony, timbre, dynamics = (
        _span_means(x, frames.times, edges).T for x in (frames.chroma, mfcc, dynamics)
    )
    return harmony, timbre, dynamics


def _scaled_by_change(x: np.ndarray) -> np.ndarray:
    """Standardize columns, then scale so that half the median squared step between rows is 1
    (but at least a tenth of the total spread, so that a nearly constant group stays quiet)."""
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    if len(x) < 2:
        return x
    step = np.median((np.diff(x, axis=0) ** 2).sum(axis=1)) / 2
    return x / np.sqrt(max(step, 0.1 * (x**2).sum(axis=1).mean(), 1e-6))


def _segment(features: np.ndarray, bar_len: np.ndarray, *, penalty: float) -> np.ndarray:
    """Bar indices where sections start, plus the end: the split that minimizes the spread of
    features around each section's mean plus `penalty` per section, with sections
    MIN_SECTION_S..MAX_SECTION_S long where the bars allow."""
    n = len(features)
    cum = np.concatenate([[0.0], np.cumsum(bar_len)])
    s1 = np.concatenate([np.zeros((1, features.shape[1])), np.cumsum(features, axis=0)])
    s2 = np.concatenate([[0.0], np.cumsum((features**2).sum(axis=1))])
    best = np.full(n + 1, np.inf)
    best[0] = 0.0
    back = np.zeros(n + 1, dtype=int)
    for j in range(1, n + 1):
        i = np.arange(j)
        length = cum[j] - cum[i]
        allowed = ((length >= MIN_SECTION_S) | ((i == 0) & (j == n))) & (
            (length <= MAX_SECTION_S) | (j - i == 1)
        )
        if not allowed.any():
            continue
        cost = s2[j] - s2[i] - ((s1[j] - s1[i]) ** 2).sum(axis=1) / (j - i)
        total = np.where(allowed, best[i] + cost + penalty, np.inf)
        back[j] = int(np.argmin(total))
        best[j] = total[back[j]]
    if not np.isfinite(best[n]):
        return np.array([0, n])
    bounds = [n]
    while bounds[-1] > 0:
        bounds.append(int(back[bounds[-1]]))
    return np.array(bounds[::-1])


def _cluster(features: np.ndarray, bounds: np.ndarray, *, threshold: float) -> np.ndarray:
    """A cluster id per section: sections whose mean features are close share one."""
    means = np.stack(
        [features[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    )
    if len(means) < 2:
        return np.zeros(len(means), dtype=int)
    tree = scipy.cluster.hierarchy.linkage(means, method="average")
    return scipy.cluster.hierarchy.fcluster(tree, threshold, criterion="distance") - 1


def _merge_repeats(
    bounds: np.ndarray, clusters: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Join neighbouring sections of the same material (up to MAX_SECTION_S long)."""
    keep = [0]
    for i in range(1, len(clusters)):
        joined = edges[bounds[i + 1]] - edges[bounds[keep[-1]]]
        if clusters[i] != clusters[keep[-1]] or joined > MAX_SECTION_S:
            keep.append(i)
    return np.append(bounds[keep], bounds[-1]), clusters[keep]


def _labels(clusters: np.ndarray, energy: np.ndarray) -> list[str]:
    """intro/verse/chorus/bridge/outro from repetition and energy.

    A quiet first section, and a run of quiet last sections (a fade can span several), whose
    material does not come back in the body of the song are the intro and the outro. In the
    body, the loudest repeated material is the chorus (the loudest section when nothing
    repeats), an unrepeated section between repeated ones is a bridge, the rest is verse.
    """
    n = len(clusters)
    labels = [""] * n
    quiet = energy < QUIET * energy.max()
    tail = list(itertools.takewhile(lambda i: quiet[i], range(n - 1, 0, -1)))
    edges = {0, *tail} if quiet[0] else set(tail)
    for label, run in (("intro", [0]), ("outro", tail)):
        for i in run:
            if (
                n < 3
                or not quiet[i]
                or not edges.issuperset(np.flatnonzero(clusters == clusters[i]))
            ):
                break
            labels[i] = label
    body = [i for i in range(n) if not labels[i]]
    counts = np.bincount(clusters[body], minlength=clusters.max() + 1)
    repeated = [i for i in body if counts[clusters[i]] > 1]
    chorus = max(
        {clusters[i] for i in repeated or body}, key=lambda c: energy[clusters == c].mean()
    )
    for i in body:
        if clusters[i] == chorus:
            labels[i] = "chorus"
        elif counts[clusters[i]] == 1 and repeated and repeated[0] < i < repeated[-1]:
            labels[i] = "bridge"
        else:
            labels[i] = "verse"
    return labels


# ------------------------------------------------------------------ song-level features

KEY_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Temperley's (Kostka-Payne) key profiles for C major and C minor.
MAJOR_PROFILE = np.array(
    [0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]
)
MINOR_PROFILE = np.array(
    [0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]
)


def _features(
    frames: SpectralFrames, energy: np.ndarray, centroid: np.ndarray, *, meter: int, duration: float
) -> dict[str, float | str]:
    """Song-wide descriptors: key ("A minor") and mode; meter (beats per bar); brightness
    (median spectral centroid on a log scale, 0 at 500 Hz, 1 at 8 kHz); percussiveness (the
    percussive share of the HPSS power); energy (mean of the energy curve); dynamic_range_db
    (loud minus quiet parts); loudness_db (A-weighted RMS of the loud parts, dBFS);
    onset_density (onsets per second)."""
    loudness = frames.loudness
    tonic, mode = _key(frames)
    loud = loudness > np.percentile(loudness, 95) - 30  # ignore silence and fades
    onsets = librosa.onset.onset_detect(onset_envelope=frames.onset, sr=frames.sr, hop_length=HOP)
    return {
        "key": f"{tonic} {mode}",
        "mode": mode,
        "meter": float(meter),
        "brightness": round(float(np.clip(np.log2(np.median(centroid[loud]) / 500) / 4, 0, 1)), 3),
        "percussiveness": round(
            float(frames.percussive.sum() / (frames.percussive.sum() + frames.harmonic.sum())), 3
        ),
        "energy": round(float(energy.mean()), 3),
        "dynamic_range_db": round(
            float(np.percentile(loudness[loud], 95) - np.percentile(loudness[loud], 10)), 1
        ),
        "loudness_db": round(float(np.percentile(loudness, 95)), 1),
        "onset_density": round(len(onsets) / duration, 2),
    }


def _key(frames: SpectralFrames) -> tuple[str, str]:
    """Tonic and mode whose key profile best matches the song's pitch-class distribution."""
    chroma = frames.chroma.mean(axis=1)
    best = max(
        (
            (np.corrcoef(chroma, np.roll(profile, tonic))[0, 1], tonic, mode)
            for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE))
            for tonic in range(12)
        ),
    )
    return KEY_NAMES[best[1]], best[2]
