"""Accents the music drives at its peaks: a flare of light on strong onsets, sparks bursting
out on the downbeats of loud passages, and a small camera shake on strong onsets of intense
scenes. Calm scenes and quiet passages get none of them.

`Accents` is an effect at the characters' depth; `shake` gives the lead's camera its offset;
`names` says what a scene of a given intensity can show (for run.json).
"""

import math

from PIL import Image, ImageDraw

from tools.video.procedural.effects import hash01
from tools.video.procedural.layers import Geometry, View, fades, glow
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import Palette, mix, rgba

_FLARE_FROM, _SPARKS_FROM, _SHAKE_FROM = 0.3, 0.5, 0.6  # the scene intensity each needs
_ONSET, _LOUD = 0.45, 0.5  # onset strength for a flare, energy for sparks
_DOWNBEAT_DECAY, _BEAT_DECAY = 0.25, 0.12  # as in music.py: a pulse of 1 falls to 1/e
_DRAG = 0.3  # seconds for a spark to lose most of its speed
_SHAKE = 9.0  # pixels of a 720p frame at the strongest onset of the most intense scene
_LEVELS = 8


def names(intensity: float) -> list[str]:
    """The accents a scene of this intensity (0..1) can draw, weakest first."""
    wanted = [("onset flares", _FLARE_FROM), ("downbeat sparks", _SPARKS_FROM)]
    wanted.append(("shake", _SHAKE_FROM))
    return [name for name, least in wanted if intensity >= least]


def _scaled(value: float, low: float) -> float:
    """0 at or below `low`, rising to 1 at 1."""
    return min(1.0, max(0.0, (value - low) / (1.0 - low)))


def shake(pulse: Pulse) -> tuple[float, float]:
    """The camera offset (pixels of a 720p frame) of a strong onset in an intense scene,
    pointing a new way on each beat; (0, 0) otherwise."""
    amount = _scaled(pulse.onset, _ONSET) * _scaled(pulse.intensity, _SHAKE_FROM)
    if amount <= 0.0:
        return (0.0, 0.0)
    reach = _SHAKE * amount * (0.5 + 0.5 * pulse.energy) * (0.4 + 0.6 * pulse.beat)
    angle = 2 * math.pi * hash01(pulse.count, 91)
    return (round(reach * math.cos(angle), 2), round(reach * math.sin(angle), 2))


class Accents:
    """Flares and sparks at the characters' depth, scaled by the scene's intensity and the
    current energy; nothing in quiet passages."""

    depth = 1.0

    def __init__(self, geometry: Geometry, palette: Palette, intensity: float, seed: int) -> None:
        self.geometry, self.palette, self.seed = geometry, palette, seed
        self.intensity = min(1.0, max(0.0, intensity))
        radius = max(4, round(geometry.height * 0.16))
        self._flares = fades(glow(radius, palette.highlight, 0.9, falloff=2.4), _LEVELS)

    def names(self) -> list[str]:
        """What this scene's accents can show (for run.json)."""
        return names(self.intensity)

    def draw(self, frame: Image.Image, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse) -> None:
        if self.intensity >= _FLARE_FROM:
            self._flare(frame, draw, view, pulse)
        if self.intensity >= _SPARKS_FROM:
            self._sparks(draw, view, pulse)

    def _flare(
        self, frame: Image.Image, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse
    ) -> None:
        """A bright flare (glow, white-hot core, four-point star) with a ring spreading from
        it, at a new place above the characters on each beat."""
        level = _scaled(pulse.onset, _ONSET) * (0.4 + 0.6 * self.intensity) * pulse.energy
        if level < 0.5 / _LEVELS:
            return
        g, p = self.geometry, self.palette
        x, y = view.pt(
            g.x(0.12 + 0.76 * hash01(pulse.count, self.seed, 1)),
            g.y(0.08 + 0.27 * hash01(pulse.count, self.seed, 2)),
        )
        sprite = self._flares[min(_LEVELS - 1, int(level * 1.4 * _LEVELS))]
        frame.paste(sprite, (round(x - sprite.width / 2), round(y - sprite.height / 2)), sprite)
        core, reach = g.u(0.012 + 0.02 * level), g.u(0.05 + 0.14 * level)
        hot = rgba(mix(p.highlight, (255, 255, 255), 0.6), min(1.0, 0.4 + level))
        draw.ellipse((x - core, y - core, x + core, y + core), fill=hot)
        thin = max(1, round(g.height / 360))
        draw.line((x - reach, y, x + reach, y), fill=hot, width=thin)
        draw.line((x, y - reach * 0.7, x, y + reach * 0.7), fill=hot, width=thin)
        r = g.u(0.05 + 0.3 * pulse.phase)
        ring = rgba(p.highlight, min(1.0, 1.3 * level) * (1 - pulse.phase))
        draw.ellipse(
            (x - r, y - r, x + r, y + r), outline=ring, width=max(2, round(g.height / 150))
        )

    def _sparks(self, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse) -> None:
        """Sparks bursting out from a point above the characters on the downbeat: fast at
        first, slowed by the air, falling and fading."""
        loud = _scaled(pulse.energy, _LOUD)
        if loud <= 0.0 or pulse.down < 0.05:
            return
        age = -_DOWNBEAT_DECAY * math.log(pulse.down)
        since_beat = -_BEAT_DECAY * math.log(max(pulse.beat, 1e-6))
        key = pulse.count if since_beat >= age - 0.02 else pulse.count - 1  # the downbeat's beat
        g, p = self.geometry, self.palette
        cx, cy = view.pt(
            g.x(0.15 + 0.7 * hash01(key, self.seed, 3)),
            g.y(0.12 + 0.25 * hash01(key, self.seed, 4)),
        )
        strength = loud * (0.5 + 0.5 * self.intensity)
        count = round(10 + 30 * strength)
        fall, width = g.u(0.5), max(2, round(g.height / 240))
        alpha = min(1.0, pulse.down * (0.5 + strength))

        def travel(t: float) -> float:  # distance for a unit speed, with drag
            return _DRAG * (1 - math.exp(-t / _DRAG))

        tail, head = travel(max(0.0, age - 0.06)), travel(age)
        for i in range(count):
            angle = 2 * math.pi * hash01(key, i, 5)
            speed = g.u(0.9 + 1.6 * hash01(key, i, 6)) * (0.6 + 0.4 * strength)
            dx, dy = math.cos(angle) * speed, math.sin(angle) * speed
            x0, y0 = cx + dx * tail, cy + dy * tail + fall * (age - 0.06) ** 2
            x1, y1 = cx + dx * head, cy + dy * head + fall * age * age
            color = mix(p.highlight, (255, 255, 255), 0.4) if i % 3 else p.accent
            draw.line((x0, y0, x1, y1), fill=rgba(color, alpha), width=width)
            draw.ellipse((x1 - width, y1 - width, x1 + width, y1 + width), fill=rgba(color, alpha))
        if age < 0.12:  # the bang itself
            r = g.u(0.03) * (1 - age / 0.12) + width
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rgba(p.highlight, alpha))
