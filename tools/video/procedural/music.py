"""The song as the renderer hears it: energy, onsets and beat pulses at any instant."""

import bisect
import math
from dataclasses import dataclass

import numpy as np

from tools.types import Analysis

_BEAT_DECAY = 0.12  # seconds for a beat pulse to fall to 1/e
_DOWNBEAT_DECAY = 0.25


@dataclass(frozen=True)
class Pulse:
    """The music at one instant; every level is 0..1."""

    t: float
    energy: float
    onset: float
    beat: float  # 1 on a beat, decaying until the next
    down: float  # 1 on a downbeat, decaying more slowly
    count: int  # beats since the start of the song
    phase: float  # position between the last beat and the next, 0..1
    intensity: float  # the scene's intensity, for scaling effects
    vocal: float = 0.0  # how much someone sings now (opens a singer's mouth)

    @property
    def drive(self) -> float:
        """How hard effects should hit: the scene's intensity lifted by the current energy."""
        return 0.3 + 0.45 * self.intensity + 0.25 * self.energy


class Music:
    """Samples the energy and onset curves and the beat grid by song time."""

    def __init__(
        self,
        *,
        hz: float,
        energy: list[float],
        onset: list[float],
        beats: list[float],
        downbeats: list[float],
        intensity: float,
        vocal: list[float] | None = None,
    ) -> None:
        self._hz = float(hz)
        self._energy = np.asarray(energy, dtype=np.float32)
        self._onset = np.asarray(onset, dtype=np.float32)
        self._vocal = np.asarray(vocal or [], dtype=np.float32)
        self._beats = sorted(beats)
        self._downbeats = sorted(downbeats) or self._beats[::4]
        self._intensity = float(np.clip(intensity, 0.0, 1.0))

    @classmethod
    def from_analysis(cls, analysis: Analysis, *, intensity: float) -> "Music":
        return cls(
            hz=analysis["curve_hz"],
            energy=analysis["energy"],
            onset=analysis["onset"],
            beats=analysis["beats"],
            downbeats=analysis["downbeats"],
            intensity=intensity,
            vocal=analysis.get("vocal"),
        )

    @classmethod
    def still(cls, *, intensity: float) -> "Music":
        """Music with no beats and a flat level: for stills such as the anchors."""
        return cls(
            hz=1.0, energy=[intensity], onset=[0.0], beats=[], downbeats=[], intensity=intensity
        )

    def _curve(self, curve: np.ndarray, t: float) -> float:
        if curve.size == 0:
            return self._intensity
        return float(curve[min(max(int(t * self._hz), 0), curve.size - 1)])

    def at(self, t: float) -> Pulse:
        count = bisect.bisect_right(self._beats, t)
        last = self._beats[count - 1] if count else None
        following = self._beats[count] if count < len(self._beats) else None
        beat = math.exp(-(t - last) / _BEAT_DECAY) if last is not None else 0.0
        phase = 0.0
        if last is not None and following is not None:
            phase = (t - last) / (following - last)
        down_index = bisect.bisect_right(self._downbeats, t)
        down = 0.0
        if down_index:
            down = math.exp(-(t - self._downbeats[down_index - 1]) / _DOWNBEAT_DECAY)
        return Pulse(
            t=t,
            energy=self._curve(self._energy, t),
            onset=self._curve(self._onset, t),
            beat=beat,
            down=down,
            count=count,
            phase=phase,
            intensity=self._intensity,
            vocal=self._curve(self._vocal, t) if self._vocal.size else 0.0,
        )
