"""What moves with the music: lights, particles and animated scenery, drawn every frame.

Every effect draws a few cheap shapes or pastes a small cached sprite; none touches the whole
frame. Positions are canvas coordinates seen through the view of the effect's depth, except
for screen effects (weather) which draw straight onto the frame.
"""

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from PIL import Image, ImageDraw

from tools.video.procedural.layers import Cutout, View, fades
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import RGB, rgba

Draw = ImageDraw.ImageDraw


class Effect(Protocol):
    """Something drawn every frame at a depth (screen effects ignore the view)."""

    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None: ...


def hash01(*values: int) -> float:
    """A repeatable pseudo-random number in 0..1 from integers (beat counts, indices)."""
    h = 2166136261
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h / 0xFFFFFFFF


@dataclass
class Twinkle:
    """Stars that breathe on their own and flare on the beat."""

    points: np.ndarray  # (n, 3): x, y, radius
    color: RGB
    depth: float
    phases: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.phases = np.arange(len(self.points)) * 2.399

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        glow = np.sin(pulse.t * 2.3 + self.phases) * 0.5 + 0.5
        for (x, y, r), b in zip(self.points.tolist(), glow.tolist(), strict=True):
            fx, fy = view.pt(x, y)
            size = r * (0.6 + 0.5 * b + 0.9 * pulse.beat * pulse.drive)
            draw.ellipse(
                (fx - size, fy - size, fx + size, fy + size), fill=rgba(self.color, 0.35 + 0.6 * b)
            )


@dataclass
class Beams:
    """Light beams from fixed sources that sweep and brighten with the music."""

    sources: list[tuple[float, float]]
    angles: list[float]  # radians, 0 points down, positive towards +x
    colors: list[RGB]
    length: float
    spread: float  # half-width of a beam, radians
    sweep: float  # radians of swing
    depth: float
    level: float = 0.16

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        strength = self.level * (0.45 + 0.8 * pulse.onset + 0.9 * pulse.beat) * pulse.drive
        for i, ((x, y), angle, color) in enumerate(
            zip(self.sources, self.angles, self.colors, strict=True)
        ):
            a = angle + self.sweep * math.sin(pulse.t * 0.7 + i * 1.9)
            for width, reach, alpha in ((1.0, 1.0, 0.45), (0.45, 0.6, 0.6)):
                tip = [
                    (
                        x + self.length * reach * math.sin(a + s),
                        y + self.length * reach * math.cos(a + s),
                    )
                    for s in (-self.spread * width, self.spread * width)
                ]
                draw.polygon(
                    [view.pt(x, y), *(view.pt(*q) for q in tip)], fill=rgba(color, strength * alpha)
                )


@dataclass
class Blinks:
    """Small lit rectangles (windows, panel lights) that switch on and off with the beats."""

    rects: list[tuple[float, float, float, float]]
    color: RGB
    depth: float
    share: float = 0.25  # fraction lit at a time

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        for i, (x0, y0, x1, y1) in enumerate(self.rects):
            if hash01(pulse.count // 2, i) < self.share * (0.5 + pulse.drive):
                draw.rectangle((*view.pt(x0, y0), *view.pt(x1, y1)), fill=self.color)


@dataclass
class Neon:
    """Outlined signs that hum and flicker on the onsets."""

    rects: list[tuple[float, float, float, float]]
    colors: list[RGB]
    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        width = max(2, round(frame.height / 240))
        for i, (rect, color) in enumerate(zip(self.rects, self.colors, strict=True)):
            level = 0.55 + 0.45 * max(pulse.onset, pulse.beat if i % 2 else pulse.down)
            box = (*view.pt(rect[0], rect[1]), *view.pt(rect[2], rect[3]))
            draw.rounded_rectangle(
                box, radius=width * 3, outline=rgba(color, level * 0.35), width=width * 4
            )
            draw.rounded_rectangle(box, radius=width * 3, outline=rgba(color, level), width=width)


class Rain:
    """Slanted streaks falling over the whole frame (a screen effect), or only inside a canvas
    `region` seen at `depth` (rain behind a window)."""

    def __init__(
        self,
        color: RGB,
        count: int,
        seed: int,
        *,
        region: tuple[float, float, float, float] | None = None,
        depth: float = 1.0,
        slant: float = 0.18,
        alpha: float = 0.28,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.color, self.region, self.depth = color, region, depth
        self.slant, self.alpha = slant, alpha
        self._xs, self._phases = rng.random(count) * 1.2, rng.random(count)
        self._speeds = 1.4 + rng.random(count)  # frame heights a second

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        x0, y0, w, h = _area(self.region, frame, view)
        length, slant = h * 0.05, self.slant
        ys = (self._phases * h + pulse.t * self._speeds * h) % (h + length) - length
        fill = rgba(self.color, self.alpha + 0.2 * pulse.beat)
        xs = (self._xs * w - ys * slant) % w + x0
        for x, y in zip(xs.tolist(), (ys + y0).tolist(), strict=True):
            top = max(y, y0)
            draw.line((x - (top - y) * slant, top, x - length * slant, y + length), fill=fill)


def _area(
    region: tuple[float, float, float, float] | None, frame: Image.Image, view: View
) -> tuple[float, float, float, float]:
    """Left, top, width and height of where a weather effect falls, in frame pixels."""
    if region is None:
        return (0.0, 0.0, float(frame.width), float(frame.height))
    x0, y0 = view.pt(region[0], region[1])
    x1, y1 = view.pt(region[2], region[3])
    return (x0, y0, x1 - x0, y1 - y0)


class Snow:
    """Flakes drifting down over the whole frame, or inside a canvas `region` at `depth`."""

    def __init__(
        self,
        color: RGB,
        count: int,
        seed: int,
        *,
        region: tuple[float, float, float, float] | None = None,
        depth: float = 1.0,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.color, self.region, self.depth = color, region, depth
        self._xs, self._phases, self._sizes = rng.random((3, count))

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        x0, y0, w, h = _area(self.region, frame, view)
        fh = frame.height
        ys = (self._phases * h + pulse.t * (0.05 + 0.08 * self._sizes) * fh) % h + y0
        xs = (self._xs * w + np.sin(pulse.t * 0.8 + self._phases * 6.3) * fh * 0.02) % w + x0
        radii = (0.6 + 2.2 * self._sizes) * fh / 720
        fill = rgba(self.color, 0.8)
        for x, y, r in zip(xs.tolist(), ys.tolist(), radii.tolist(), strict=True):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


class Gusts:
    """Wind: fast pale streaks and tumbling leaves or petals blown across the frame."""

    def __init__(self, streak: RGB, leaves: list[RGB], count: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.streak, self.leaves, self.depth = streak, leaves, 1.0
        self._ys, self._phases, self._speeds = rng.random((3, count))

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        w, h = frame.size
        gust = 0.7 + 0.5 * pulse.energy
        xs = (self._phases + pulse.t * (0.35 + 0.5 * self._speeds) * gust) % 1.3 - 0.15
        ys = self._ys * h + np.sin(pulse.t * 3 + self._phases * 9) * h * 0.03
        r = h / 90
        streak = rgba(self.streak, 0.4)
        for i, (x, y) in enumerate(zip((xs * w).tolist(), ys.tolist(), strict=True)):
            if i % 3 == 0:
                draw.line((x - h * 0.2, y + h * 0.01, x, y), fill=streak, width=max(1, h // 300))
                continue
            a = pulse.t * 6 + i
            dx, dy = math.cos(a) * r * 1.6, math.sin(a) * r * 0.7
            color = self.leaves[i % len(self.leaves)]
            draw.polygon([(x - dx, y - dy), (x + dy, y - dx * 0.4), (x + dx, y + dy)], fill=color)


@dataclass
class Lightning:
    """A storm's lightning: on about a third of the downbeats of loud passages, a jagged bolt
    and a pale flash over the sky for a frame or two (a storm, not a strobe)."""

    color: RGB
    sky_bottom: float  # frame fraction the flash reaches down to
    depth: float = 1.0

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        strike = pulse.down
        if strike < 0.8 or pulse.energy < 0.45 or hash01(pulse.count, 5) > 0.35:
            return
        w, h = frame.size
        draw.rectangle((0, 0, w, h * self.sky_bottom), fill=rgba(self.color, 0.22 * strike))
        x, y = w * (0.15 + 0.7 * hash01(pulse.count, 11)), 0.0
        points = [(x, y)]
        for k in range(7):
            y += h * self.sky_bottom / 7
            x += (hash01(pulse.count, k) - 0.5) * h * 0.12
            points.append((x, y))
        draw.line(points, fill=rgba(self.color, 0.45 * strike), width=max(3, h // 120))
        draw.line(points, fill=rgba(self.color, strike), width=max(1, h // 360))


class Bubbles:
    """Bubbles rising through a canvas region and wobbling (underwater)."""

    def __init__(
        self,
        region: tuple[float, float, float, float],
        color: RGB,
        count: int,
        size: float,
        depth: float,
        seed: int,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.region, self.color, self.size, self.depth = region, color, size, depth
        self._xs, self._phases, self._sizes = rng.random((3, count))

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        x0, y0, x1, y1 = self.region
        height = y1 - y0
        ys = y1 - (self._phases * height + pulse.t * height * 0.12 * (1 + self._sizes)) % height
        xs = x0 + self._xs * (x1 - x0) + np.sin(pulse.t * 2 + self._phases * 20) * self.size * 2
        radii = self.size * (0.5 + self._sizes) * view.scale
        outline = rgba(self.color, 0.7)
        for x, y, r in zip(xs.tolist(), ys.tolist(), radii.tolist(), strict=True):
            fx, fy = view.pt(x, y)
            draw.ellipse(
                (fx - r, fy - r, fx + r, fy + r), outline=outline, width=max(1, round(r / 4))
            )


@dataclass
class Cascade:
    """Falling water: streaks sliding down a canvas rect, with foam where they land."""

    rect: tuple[float, float, float, float]
    colors: list[RGB]  # streak colours, darkest first
    depth: float
    streaks: int = 40

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        x0, y0, x1, y1 = self.rect
        height, step = y1 - y0, (x1 - x0) / self.streaks
        width = max(1, round(step * 0.6))
        for i in range(self.streaks):
            speed = 0.8 + 0.6 * hash01(i, 3)
            length = height * (0.15 + 0.2 * hash01(i, 4))
            top = y0 + (pulse.t * speed * height + hash01(i, 5) * height) % (height + length)
            top -= length
            x = x0 + (i + 0.5) * step
            a, b = view.pt(x, max(top, y0)), view.pt(x, min(top + length, y1))
            if b[1] > a[1]:
                draw.line((*a, *b), fill=self.colors[i % len(self.colors)], width=width)
        for k in range(6):  # foam puffs at the foot, swelling on the beat
            cx = x0 + (x1 - x0) * (k + 0.5) / 6
            r = (x1 - x0) * (0.08 + 0.03 * math.sin(pulse.t * 5 + k) + 0.03 * pulse.beat)
            fx, fy = view.pt(cx, y1)
            draw.ellipse((fx - r, fy - r * 0.5, fx + r, fy + r * 0.5), fill=self.colors[-1])


@dataclass
class Stream:
    """A landscape strip sliding past window holes (a train's view): each frame the strip is
    cut at the current offset and pasted into every window rect."""

    strip: Image.Image  # RGB, repeats every `period` pixels across its width
    period: int
    windows: list[tuple[float, float, float, float]]  # canvas rects
    top: float  # canvas y of the strip's top
    speed: float  # canvas pixels a second
    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        shift = (pulse.t * self.speed) % self.period
        for x0, y0, x1, y1 in self.windows:
            left, top = round(x0 + shift), round(y0 - self.top)
            piece = self.strip.crop((left, top, left + round(x1 - x0), top + round(y1 - y0)))
            fx, fy = view.pt(x0, y0)
            frame.paste(piece, (round(fx), round(fy)))


class Motes:
    """Glowing specks (fireflies, dust, sparks) wandering in a region, brighter on the beat."""

    def __init__(
        self,
        region: tuple[float, float, float, float],
        color: RGB,
        count: int,
        size: float,
        depth: float,
        seed: int,
    ) -> None:
        x0, y0, x1, y1 = region
        rng = np.random.default_rng(seed)
        self.color, self.size, self.depth = color, size, depth
        self._base = rng.uniform((x0, y0), (x1, y1), (count, 2))
        self._reach = ((x1 - x0) * 0.06, (y1 - y0) * 0.08)
        self._phases = rng.random((3, count)) * 2 * math.pi

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        t, ph = pulse.t, self._phases
        xs = self._base[:, 0] + np.sin(t * 0.5 + ph[0]) * self._reach[0]
        ys = self._base[:, 1] + np.sin(t * 0.37 + ph[1]) * self._reach[1]
        levels = np.clip(
            0.35 + 0.35 * np.sin(t * 1.7 + ph[2]) + 0.5 * pulse.beat * pulse.drive, 0.05, 1
        )
        r = self.size * view.scale
        for x, y, level in zip(xs.tolist(), ys.tolist(), levels.tolist(), strict=True):
            fx, fy = view.pt(x, y)
            halo = rgba(self.color, 0.18 * level)
            draw.ellipse((fx - 3 * r, fy - 3 * r, fx + 3 * r, fy + 3 * r), fill=halo)
            draw.ellipse((fx - r, fy - r, fx + r, fy + r), fill=rgba(self.color, level))


@dataclass
class Ripples:
    """Rings spreading from a centre, one born on every beat."""

    center: tuple[float, float]
    spacing: float  # radius gained per beat, canvas pixels
    color: RGB
    depth: float
    squash: float = 1.0  # vertical scale (rings on a floor are flat ellipses)

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        width = max(2, round(frame.height / 180))
        for k in range(4):
            age = pulse.phase + k
            r = self.spacing * (0.3 + age) * view.scale
            cx, cy = view.pt(*self.center)
            alpha = (1 - age / 4) * (0.35 + 0.5 * pulse.drive)
            box = (cx - r, cy - r * self.squash, cx + r, cy + r * self.squash)
            draw.ellipse(box, outline=rgba(self.color, alpha), width=width)


@dataclass
class Bars:
    """Equaliser columns in a rectangle, rising with energy and onsets, optionally split into
    cells by lines of the (flat) background colour."""

    rect: tuple[float, float, float, float]
    columns: int
    rows: int
    low: RGB
    high: RGB
    gap: RGB | None  # the colour behind the cells; None for solid columns
    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        x0, y0, x1, y1 = self.rect
        cw, ch = (x1 - x0) / self.columns, (y1 - y0) / self.rows
        split = y1 - ch * round(self.rows * 0.7)
        for c in range(self.columns):
            shape = 0.35 + 0.65 * hash01(c, 7)  # each column its own band of a spectrum
            kick = hash01(pulse.count, c) * max(pulse.onset, pulse.beat)
            level = 0.08 + 0.45 * pulse.energy * shape + 0.4 * kick
            top = y1 - ch * min(self.rows, round(level * self.rows * 1.4))
            left, right = x0 + c * cw + cw * 0.12, x0 + (c + 1) * cw - cw * 0.12
            if top < y1:
                draw.rectangle(
                    (*view.pt(left, max(top, split)), *view.pt(right, y1)), fill=self.low
                )
            if top < split:
                draw.rectangle((*view.pt(left, top), *view.pt(right, split)), fill=self.high)
        for r in range(1, self.rows if self.gap else 0):
            y = y1 - r * ch
            draw.line(
                (*view.pt(x0, y), *view.pt(x1, y)), fill=self.gap, width=max(1, round(ch * 0.24))
            )


@dataclass
class Road:
    """Centre-line dashes and ground lines rushing towards the camera."""

    vanish: tuple[float, float]  # canvas point on the horizon
    bottom: float  # canvas y of the near edge
    half_width: float  # half the road's width at the near edge
    color: RGB
    grid: RGB
    depth: float
    span: float  # canvas width the ground lines cross
    speed: float = 1.6  # dash periods per second

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        vx, vy = self.vanish
        depth_of = self.bottom - vy
        travel = pulse.t * self.speed * (0.7 + 0.6 * pulse.energy)
        for k in range(12):
            z = 1.0 + ((k - travel) % 12)  # distance in dash periods, 1 = the near edge
            y = vy + depth_of / z
            fill = rgba(self.grid, 0.55 / z**0.5)
            draw.line(
                (*view.pt(0, y), *view.pt(self.span, y)), fill=fill, width=max(1, round(3 / z))
            )
            near, far = depth_of / z, depth_of / (z + 0.45)
            w_near, w_far = self.half_width * 0.05 / z, self.half_width * 0.05 / (z + 0.45)
            quad = [
                (vx - w_far, vy + far),
                (vx + w_far, vy + far),
                (vx + w_near, vy + near),
                (vx - w_near, vy + near),
            ]
            draw.polygon([view.pt(*p) for p in quad], fill=self.color)


@dataclass
class Drifters:
    """Sprites gliding slowly across (clouds, floating shapes), wrapping around."""

    sprites: list[Image.Image]
    starts: list[tuple[float, float]]
    speeds: list[float]  # canvas pixels a second
    span: float  # canvas width to wrap in
    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        for sprite, (x, y), v in zip(self.sprites, self.starts, self.speeds, strict=True):
            cx = (x + v * pulse.t) % (self.span + sprite.width) - sprite.width
            fx, fy = view.pt(cx, y)
            frame.paste(sprite, (round(fx), round(fy)), sprite)


@dataclass
class Waves:
    """Tileable strips (waves, a crowd) scrolling sideways and heaving with the beat."""

    strips: list[Cutout]  # strip i repeats every periods[i] pixels across its width
    tops: list[float]  # canvas y of each strip
    periods: list[float]
    speeds: list[float]  # canvas pixels a second
    heave: float  # canvas pixels of lift on the beat
    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        rows = zip(self.strips, self.tops, self.periods, self.speeds, strict=True)
        for i, (strip, top, period, v) in enumerate(rows):
            lift = self.heave * (pulse.beat if i % 2 == pulse.count % 2 else 0.3 * pulse.beat)
            shift = (v * pulse.t) % period
            fx, fy = view.pt(-shift, top - lift * pulse.drive)
            strip.paste(frame, round(fx), round(fy))


class Glow:
    """A soft light that swells with the energy and the beat (a moon, a lamp, a stage wash)."""

    def __init__(self, sprite: Image.Image, center: tuple[float, float], depth: float) -> None:
        self.center, self.depth = center, depth
        self._sprites = fades(sprite, 8)

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        level = 0.35 + 0.35 * pulse.energy + 0.5 * pulse.beat * pulse.drive
        sprite = self._sprites[min(len(self._sprites) - 1, int(level * len(self._sprites)))]
        fx, fy = view.pt(*self.center)
        frame.paste(sprite, (round(fx - sprite.width / 2), round(fy - sprite.height / 2)), sprite)


@dataclass
class Meteor:
    """A shooting star across the sky on the downbeats."""

    region: tuple[float, float, float, float]
    color: RGB
    depth: float

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        if pulse.down < 0.15:
            return
        x0, y0, x1, y1 = self.region
        x = x0 + (x1 - x0) * hash01(pulse.count, 1)
        y = y0 + (y1 - y0) * hash01(pulse.count, 2)
        run = (1 - pulse.down) * (x1 - x0) * 0.25
        length = (x1 - x0) * 0.08
        head = view.pt(x + run, y + run * 0.4)
        tail = view.pt(x + run - length, y + (run - length) * 0.4)
        draw.line(
            (*tail, *head), fill=rgba(self.color, pulse.down), width=max(2, frame.height // 360)
        )
