"""An original demo song whose beats, downbeats and sections are known exactly.

A small pop arrangement in A minor, synthesized with numpy: pad, arpeggio, bass, drums and a
sung-sounding lead (formant synthesis with vibrato). Sections differ the way they do in real
songs: the intro is sparse, the verse adds drums, bass and the voice, the chorus is louder and
brighter with its own chords and a harmony line, the bridge is in half time, the outro fades.
Repeated sections repeat their music exactly, so segmentation can be scored on them.
"""

import os
from collections.abc import Sequence
from functools import cache
from typing import TypedDict

import numpy as np
import soundfile as sf

from tools.errors import InvalidInputError
from tools.files import atomic_path

LABELS = ("intro", "verse", "chorus", "bridge", "outro")
DEMO_LAYOUT: tuple[tuple[str, int], ...] = (("intro", 4), ("verse", 4), ("chorus", 4), ("outro", 4))
PEAK_DBFS = -1.0


class TruthSection(TypedDict):
    start: float
    end: float
    label: str


class SongTruth(TypedDict):
    duration: float
    tempo: float
    beats: list[float]
    downbeats: list[float]
    sections: list[TruthSection]


def synthesize_demo(path: str | os.PathLike, *, seed: int = 0, sr: int = 44100) -> SongTruth:
    """Write the 32 s demo song (intro, verse, chorus, outro at 120 BPM) and return its truth."""
    return synthesize_song(path, layout=DEMO_LAYOUT, seed=seed, sr=sr)


def synthesize_song(
    path: str | os.PathLike,
    *,
    layout: Sequence[tuple[str, int]] = DEMO_LAYOUT,
    tempo: float = 120.0,
    seed: int = 0,
    sr: int = 44100,
) -> SongTruth:
    """Write a stereo 16-bit wav of `layout` ((label, bars) in 4/4) and return its truth.

    Labels are intro, verse, chorus, bridge and outro; `song_layout` makes a layout of a given
    length. The same seed gives the same file.
    """
    unknown = sorted({label for label, _ in layout} - set(LABELS))
    if unknown or not layout or any(bars < 1 for _, bars in layout):
        raise InvalidInputError(
            f"song layout {list(layout)!r}: give (label, bars >= 1) pairs with labels from "
            f"{', '.join(LABELS)}"
        )
    audio = _Arranger(layout, tempo=tempo, seed=seed, sr=sr).render()
    with atomic_path(path, suffix=".wav") as tmp:
        sf.write(tmp, audio, sr, subtype="PCM_16", format="WAV")
    return _truth(layout, tempo=tempo)


def song_layout(duration: float, *, tempo: float = 120.0) -> list[tuple[str, int]]:
    """A pop form of about `duration` seconds: a 4-bar intro, verses and choruses (and a bridge
    in longer songs) of 4 bars, or 8 when the song is long or fast, and a 4-bar outro."""
    bars = max(8, round(duration * tempo / 240))
    phrase = 8 if bars >= 64 or 4 * 240 / tempo < 7.5 else 4
    body_count = max(2, round((bars - 8) / phrase))
    if body_count < 4:
        body = ["verse", "chorus", "verse"][:body_count]
    else:
        pairs = (body_count - 2) // 2
        body = ["verse", "chorus"] * pairs + ["bridge"] + ["chorus"] * (body_count - 2 * pairs - 1)
    return [("intro", 4), *((label, phrase) for label in body), ("outro", 4)]


def _truth(layout: Sequence[tuple[str, int]], *, tempo: float) -> SongTruth:
    beat = 60.0 / tempo
    sections: list[TruthSection] = []
    bar = 0
    for label, bars in layout:
        start, end = round(bar * 4 * beat, 6), round((bar + bars) * 4 * beat, 6)
        sections.append({"start": start, "end": end, "label": label})
        bar += bars
    return {
        "duration": round(bar * 4 * beat, 6),
        "tempo": tempo,
        "beats": [round(i * beat, 6) for i in range(bar * 4)],
        "downbeats": [round(i * 4 * beat, 6) for i in range(bar)],
        "sections": sections,
    }


# ------------------------------------------------------------------ music

SCALE = (9, 11, 0, 2, 4, 5, 7)  # A natural minor, pitch classes (the E chord adds G#)
CHORDS = {  # root pitch class, chord pitch classes
    "Am": (9, (9, 0, 4)),
    "C": (0, (0, 4, 7)),
    "Dm": (2, (2, 5, 9)),
    "E": (4, (4, 8, 11)),
    "Em": (4, (4, 7, 11)),
    "F": (5, (5, 9, 0)),
    "G": (7, (7, 11, 2)),
}
PROGRESSIONS = {
    "intro": ("Am", "F", "C", "E"),
    "verse": ("Am", "F", "C", "E"),
    "chorus": ("F", "G", "Em", "Am"),
    "bridge": ("Dm", "Em", "F", "E"),
    "outro": ("Am", "F", "E", "Am"),
}
# 16 steps per bar (sixteenth notes); "x" is a hit.
DRUMS = {
    "intro": {"kick": "x...x...x...x...", "hat": "x.x.x.x.x.x.x.x."},
    "verse": {"kick": "x.......x.x.....", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
    "chorus": {
        "kick": "x...x...x...x...",
        "snare": "....x.......x...",
        "hat": "x.x.x.x.x.x.x.x.",
        "open_hat": "..x...x...x...x.",
    },
    "bridge": {"kick": "x.........x.....", "snare": "........x.......", "hat": "x...x...x...x..."},
    "outro": {"kick": "x...x...x...x...", "hat": "x.x.x.x.x.x.x.x."},
}
# How loud each part plays in each section (0 = silent), and how bright the pad is.
MIX = {
    "intro": {"pad": 0.35, "arp": 0.25, "bass": 0.0, "drums": 0.5, "lead": 0.0, "bright": 0.2},
    "verse": {"pad": 0.3, "arp": 0.2, "bass": 0.6, "drums": 0.6, "lead": 0.7, "bright": 0.3},
    "chorus": {"pad": 0.6, "arp": 0.0, "bass": 1.0, "drums": 1.0, "lead": 1.0, "bright": 1.0},
    "bridge": {"pad": 0.5, "arp": 0.0, "bass": 0.7, "drums": 0.7, "lead": 0.8, "bright": 0.6},
    "outro": {"pad": 0.35, "arp": 0.25, "bass": 0.0, "drums": 0.4, "lead": 0.0, "bright": 0.2},
}
RHYTHMS = {  # melody rhythms for one bar: (onset, length) in beats; the last one ends a phrase
    "verse": (
        ((0, 1), (1, 0.5), (1.5, 0.5), (2, 1.5)),
        ((0.5, 0.5), (1, 1), (2, 0.5), (2.5, 0.5), (3, 0.75)),
        ((0, 1.5), (1.5, 0.5), (2, 1.75)),
        ((0, 0.5), (0.5, 0.5), (1, 1), (2.5, 1.25)),
        ((0, 2.5),),
    ),
    "chorus": (
        ((0, 2), (2, 1), (3, 1)),
        ((0, 1.5), (1.5, 0.5), (2, 2)),
        ((0, 1), (1, 1), (2, 1.75)),
        ((0, 3),),
    ),
    "bridge": (((0, 2), (2, 2)), ((0, 1), (1, 2.75)), ((0, 3.5),)),
}
REGISTERS = {"verse": (57, 72), "chorus": (64, 77), "bridge": (60, 74)}  # lowest, highest MIDI
VOWELS = {  # formant frequencies (Hz)
    "a": (800, 1150, 2900),
    "e": (400, 1700, 2600),
    "i": (300, 2200, 3000),
    "o": (450, 800, 2830),
    "u": (325, 700, 2530),
}
TABLE_SIZE = 4096


def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def _nearest(pitch_class: int, target: float) -> int:
    """The MIDI note of `pitch_class` closest to `target`."""
    return int(pitch_class + 12 * round((target - pitch_class) / 12))


def _chords(label: str, bars: int) -> list[str]:
    progression = PROGRESSIONS[label]
    chords = [progression[i % len(progression)] for i in range(bars)]
    if label == "outro":
        chords[-1] = "Am"  # end on the tonic
    return chords


def _melody(
    label: str, chords: list[str], rng: np.random.Generator
) -> list[tuple[float, float, int]]:
    """(onset beat, length in beats, MIDI note) for a sung line over `chords`."""
    low, high = REGISTERS[label]
    rhythms = RHYTHMS[label]
    notes: list[tuple[float, float, int]] = []
    pitch = _nearest(CHORDS[chords[0]][1][0], (low + high) / 2)
    for bar, chord in enumerate(chords):
        last_in_phrase = bar % 4 == 3
        rhythm = rhythms[-1] if last_in_phrase else rhythms[rng.integers(len(rhythms) - 1)]
        tones = CHORDS[chord][1]
        # A minor, with G# instead of G over the E major chord (harmonic minor).
        pitch_classes = {8 if pc == 7 and 8 in tones else pc for pc in SCALE}
        scale = [n for n in range(low, high + 1) if n % 12 in pitch_classes]
        for onset, length in rhythm:
            if onset in (0, 2) or (onset, length) == rhythm[-1]:
                candidates = [n for n in scale if n % 12 in tones]
                pitch = min(candidates, key=lambda n: abs(n - pitch) + rng.random() * 3)
            else:
                index = scale.index(pitch) if pitch in scale else len(scale) // 2
                step = int(rng.choice((-2, -1, 1, 2)))
                pitch = scale[int(np.clip(index + step, 0, len(scale) - 1))]
            notes.append((bar * 4 + onset, length, pitch))
    return notes


# ------------------------------------------------------------------ sounds


@cache
def _wavetable(amplitudes: tuple[float, ...]) -> np.ndarray:
    """One period of a sum of harmonics, sampled at TABLE_SIZE points (periodic, +1 wrap)."""
    phase = np.arange(TABLE_SIZE + 1) / TABLE_SIZE
    table = sum(a * np.sin(2 * np.pi * (k + 1) * phase) for k, a in enumerate(amplitudes))
    return (table / np.abs(table).max()).astype(np.float32)


def _oscillate(table: np.ndarray, freq: np.ndarray | float, n: int, sr: int) -> np.ndarray:
    """Play a wavetable at `freq` (Hz, constant or per sample) for n samples."""
    if np.ndim(freq) == 0:
        phase = (np.arange(1, n + 1) * (float(freq) / sr)) % 1.0 * TABLE_SIZE
    else:
        phase = (np.cumsum(freq) / sr) % 1.0 * TABLE_SIZE
    index = phase.astype(np.int64)
    frac = (phase - index).astype(np.float32)
    return table[index] * (1 - frac) + table[index + 1] * frac


def _envelope(n: int, sr: int, *, attack: float, release: float, decay: float = 0.0) -> np.ndarray:
    """Linear attack, optional exponential decay (time constant), linear release at the end."""
    t = np.arange(n) / sr
    env = np.minimum(1.0, t / attack) if attack > 0 else np.ones(n)
    if decay > 0:
        env = env * np.exp(-t / decay)
    r = min(n, int(release * sr))
    if r > 0:
        env[n - r :] *= np.linspace(1.0, 0.0, r)
    return env.astype(np.float32)


def _saw(brightness: float) -> tuple[float, ...]:
    rolloff = 2 + 14 * brightness
    return tuple((1 / k) * np.exp(-(k - 1) / rolloff) for k in range(1, 25))


def _voice_table(f0: float, vowel: str) -> np.ndarray:
    """Harmonics of a glottal-like source shaped by the formants of `vowel`."""
    harmonics = np.arange(1, int(5000 / f0) + 1)
    freqs = harmonics * f0
    formants = sum(
        gain / (1 + ((freqs - f) / (60 + 0.06 * f)) ** 2)
        for f, gain in zip(VOWELS[vowel], (1.0, 0.6, 0.25), strict=True)
    )
    return _wavetable(tuple(np.round(formants / harmonics**0.7, 4)))


@cache
def _pad_chord(chord: str, brightness: float, n: int, sr: int) -> np.ndarray:
    """A stereo pad (n, 2): two slightly detuned saws per chord tone, one on each side."""
    table = _wavetable(_saw(brightness))
    env = _envelope(n, sr, attack=0.25, release=0.6)
    pad = np.zeros((n, 2), np.float32)
    for pitch_class in CHORDS[chord][1]:
        f = _hz(_nearest(pitch_class, 62))
        pad[:, 0] += _oscillate(table, f * 2 ** (-7 / 1200), n, sr)
        pad[:, 1] += _oscillate(table, f * 2 ** (7 / 1200), n, sr)
    return pad * env[:, None]


@cache
def _pluck(pitch: int, n: int, sr: int) -> np.ndarray:
    table = _wavetable((1.0, 0.0, 0.45, 0.0, 0.25, 0.0, 0.12))
    env = _envelope(n, sr, attack=0.003, release=0.05, decay=0.12)
    return _oscillate(table, _hz(pitch), n, sr) * env


@cache
def _bass_note(pitch: int, n: int, sr: int) -> np.ndarray:
    env = _envelope(n, sr, attack=0.004, release=0.03, decay=0.3)
    return _oscillate(_wavetable((1.0, 0.5, 0.25, 0.1)), _hz(pitch), n, sr) * env


def _filtered_noise(
    n: int, sr: int, rng: np.random.Generator, *, low: float, high: float
) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spectrum[(freqs < low) | (freqs > high)] = 0
    noise = np.fft.irfft(spectrum, n)
    return (noise / np.abs(noise).max()).astype(np.float32)


def _drum_kit(sr: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    t = np.arange(int(0.45 * sr)) / sr
    kick_freq = 45 + 95 * np.exp(-t / 0.035)
    kick = np.sin(2 * np.pi * np.cumsum(kick_freq) / sr) * np.exp(-t / 0.16)
    kick[: int(0.003 * sr)] += rng.standard_normal(int(0.003 * sr)) * 0.3
    n_snare = int(0.3 * sr)
    ts = t[:n_snare] if n_snare <= t.size else np.arange(n_snare) / sr
    snare = 0.5 * np.sin(2 * np.pi * 185 * ts) * np.exp(-ts / 0.05)
    snare += _filtered_noise(n_snare, sr, rng, low=1200, high=9000) * np.exp(-ts / 0.09)
    n_hat, n_open, n_crash = int(0.08 * sr), int(0.35 * sr), int(2.5 * sr)
    return {
        "kick": kick.astype(np.float32),
        "snare": (0.8 * snare).astype(np.float32),
        "hat": 0.35
        * _filtered_noise(n_hat, sr, rng, low=7000, high=16000)
        * _decay(n_hat, sr, 0.02),
        "open_hat": 0.3
        * _filtered_noise(n_open, sr, rng, low=6000, high=16000)
        * _decay(n_open, sr, 0.12),
        "crash": 0.5
        * _filtered_noise(n_crash, sr, rng, low=4000, high=16000)
        * _decay(n_crash, sr, 0.8),
    }


def _decay(n: int, sr: int, tau: float) -> np.ndarray:
    return np.exp(-np.arange(n) / sr / tau).astype(np.float32)


def _reverb(sr: int, rng: np.random.Generator) -> np.ndarray:
    """Stereo impulse responses (n, 2) of a small room: decaying noise, darker as it fades."""
    n = int(1.4 * sr)
    t = np.arange(n) / sr
    ir = rng.standard_normal((n, 2)) * np.exp(-t / 0.3)[:, None]
    for channel in range(2):  # darken by smoothing with a short moving average
        ir[:, channel] = np.convolve(ir[:, channel], np.ones(4) / 4, mode="same")
    ir[0] = 0
    return (ir / np.sqrt((ir**2).sum(axis=0))).astype(np.float32)


# ------------------------------------------------------------------ arrangement


class _Arranger:
    """Places the parts of each section on a dry and a reverb bus, then mixes them."""

    def __init__(
        self, layout: Sequence[tuple[str, int]], *, tempo: float, seed: int, sr: int
    ) -> None:
        self.layout = layout
        self.sr = sr
        self.beat = 60.0 / tempo
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.kit = _drum_kit(sr, self.rng)
        n = int(round(sum(bars for _, bars in layout) * 4 * self.beat * sr))
        self.dry = np.zeros((n, 2), np.float32)
        self.send = np.zeros(n, np.float32)  # mono send to the reverb

    def render(self) -> np.ndarray:
        """The whole song, stereo (n, 2), peaking at PEAK_DBFS."""
        bar = 0
        for label, bars in self.layout:
            self._section(label, bars, start=bar * 4 * self.beat)
            bar += bars
        mix = (self.dry + self._reverb_return()) * self._fades()[:, None]
        return mix * (10 ** (PEAK_DBFS / 20) / np.abs(mix).max())

    def _section(self, label: str, bars: int, *, start: float) -> None:
        mix = MIX[label]
        chords = _chords(label, bars)
        for i, chord in enumerate(chords):
            at = start + i * 4 * self.beat
            self._pad(chord, at, mix["pad"], mix["bright"])
            if mix["arp"]:
                self._arp(chord, at, mix["arp"])
            if mix["bass"]:
                self._bass(chord, at, mix["bass"], eighths=label == "chorus")
            for drum, pattern in DRUMS[label].items():
                self._drums(drum, pattern, at, mix["drums"])
        if label == "chorus":
            self._add(self.kit["crash"], start, 0.6, pan=0.3, wet=0.3)
        if mix["lead"]:
            # The melody depends on the seed and the label only: repeated sections repeat it.
            rng = np.random.default_rng([self.seed, LABELS.index(label)])
            melody = _melody(label, chords, rng)
            for onset, length, pitch in melody:
                at = start + onset * self.beat
                self._voice(pitch, at, length * self.beat, mix["lead"], rng)
                if label == "chorus":  # a harmony a diatonic third below
                    self._voice(
                        _third_below(pitch), at, length * self.beat, 0.45 * mix["lead"], rng
                    )

    def _pad(self, chord: str, at: float, gain: float, brightness: float) -> None:
        pad = _pad_chord(chord, round(brightness, 2), int((4 * self.beat + 0.5) * self.sr), self.sr)
        self._add(pad, at, 0.22 * gain, wet=0.5)

    def _arp(self, chord: str, at: float, gain: float) -> None:
        tones = CHORDS[chord][1]
        pattern = [_nearest(tones[i % 3], 69) + 12 * (i // 3 % 2) for i in range(8)]
        for step, pitch in enumerate(pattern):
            note = _pluck(pitch, int(0.45 * self.sr), self.sr)
            self._add(note, at + step * self.beat / 2, 0.18 * gain, pan=-0.4, wet=0.4)

    def _bass(self, chord: str, at: float, gain: float, *, eighths: bool) -> None:
        root = _nearest(CHORDS[chord][0], 38)
        step = self.beat / 2
        for i in range(8):
            pitch = root + 12 if eighths and i % 2 else root
            accent = 1.0 if i % 2 == 0 else 0.7
            note = _bass_note(pitch, int(step * 0.9 * self.sr), self.sr)
            self._add(note, at + i * step, 0.5 * gain * accent, wet=0.0)

    def _drums(self, drum: str, pattern: str, at: float, gain: float) -> None:
        pans = {"hat": 0.35, "open_hat": 0.35}
        for step, hit in enumerate(pattern):
            if hit == "x":
                velocity = 1.0 if step % 4 == 0 else 0.8 + 0.15 * self.rng.random()
                when = at + step * self.beat / 4
                self._add(self.kit[drum], when, gain * velocity, pan=pans.get(drum, 0.0), wet=0.15)

    def _voice(
        self, pitch: int, at: float, length: float, gain: float, rng: np.random.Generator
    ) -> None:
        n = int(length * self.sr)
        t = np.arange(n) / self.sr
        vibrato = 0.5 * np.minimum(1.0, t / 0.3) * np.sin(2 * np.pi * 5.5 * t + rng.random() * 6)
        scoop = -0.6 * np.exp(-t / 0.04)  # singers slide up into a note
        freq = _hz(pitch) * 2 ** ((vibrato + scoop) / 12)
        vowel = str(rng.choice(list(VOWELS)))
        note = _oscillate(_voice_table(_hz(pitch), vowel), freq, n, self.sr)
        note *= _envelope(n, self.sr, attack=0.04, release=min(0.12, length / 3))
        self._add(note, at, 0.45 * gain, wet=0.3)

    def _add(
        self, signal: np.ndarray, at: float, gain: float, *, pan: float = 0.0, wet: float
    ) -> None:
        """Mix `signal` (mono or stereo) in at `at` seconds; pan -1 (left) .. 1 (right)."""
        i = int(round(at * self.sr))
        signal = signal[: self.dry.shape[0] - i]
        if signal.ndim == 1:
            angle = (pan + 1) * np.pi / 4
            signal = signal[:, None] * np.array([np.cos(angle), np.sin(angle)], np.float32) * 1.41
        self.dry[i : i + len(signal)] += gain * (1 - wet) * signal
        self.send[i : i + len(signal)] += gain * wet * signal.mean(axis=1)

    def _reverb_return(self) -> np.ndarray:
        """The reverb send convolved with a stereo room (FFT convolution), (n, 2)."""
        ir = _reverb(self.sr, self.rng)
        size = _fft_size(len(self.send) + len(ir))
        spectrum = np.fft.rfft(self.send, size)[:, None] * np.fft.rfft(ir, size, axis=0)
        return np.fft.irfft(spectrum, size, axis=0)[: len(self.send)].astype(np.float32)

    def _fades(self) -> np.ndarray:
        """A short fade-in at the start and, for a final outro, a fade to silence over it."""
        n = len(self.dry)
        gain = np.ones(n, np.float32)
        fade_in = int(0.01 * self.sr)
        gain[:fade_in] = np.linspace(0, 1, fade_in)
        label, bars = self.layout[-1]
        if label == "outro":
            m = min(n, int(round(bars * 4 * self.beat * self.sr)))
            gain[n - m :] = np.linspace(1, 0, m) ** 2
        return gain


def _fft_size(n: int) -> int:
    """The smallest 2**a * 3**b >= n (fast FFT lengths)."""
    return min(3**b << max(0, int(np.ceil(np.log2(n / 3**b)))) for b in range(8))


def _third_below(pitch: int) -> int:
    notes = [p for p in range(pitch - 5, pitch) if p % 12 in SCALE]
    return notes[-2]
