"""The shot's props standing in the scene by themselves, beside the characters.

`scene_props` places each name of `tools.shots.PROPS` it is given: things on the ground on the
floor line in the free room between and beside the characters (shrunk and set back a little
when the room is short), a boat on the water, kites, birds and fireworks in the sky. Static
drawings (prop_art.py) become layers once per scene; what moves (flames, tails, drum hits,
bobbing balloons, bursts) is a few small cached sprites pasted per frame.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from tools.video.procedural.effects import Draw
from tools.video.procedural.layers import Layer, View, fades, finish, glow
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import RGB, mix, rgba
from tools.video.procedural.prop_art import ART, PARTS, paint
from tools.video.procedural.prop_pen import Colors, jetty
from tools.video.procedural.scenery import Ctx

_SKY = ("birds", "fireworks")  # drawn in the sky, not on the ground
_FRONT = ("dog", "cat", "campfire")  # small things nearest the camera, drawn after the cast
_FIGURE_HALF = 0.2  # half a character's width, in figure heights
_GAP = 0.05  # room kept between props and characters, in figure heights
_SCALES = (1.0, 0.85, 0.7, 0.55)  # sizes tried, smaller ones set back

Sprite = tuple[Image.Image, tuple[int, int]]  # an image and where its base point lies in it


def _noise(t: float, seed: float) -> float:
    """A smooth wobble in -1..1 (flicker)."""
    return (math.sin(t * 11.3 + seed) + math.sin(t * 17.9 + seed * 2.1) * 0.6) / 1.6


@dataclass
class Flipbook:
    """A prop or a moving part drawn in a few states; each frame pastes the state `pick`
    chooses with its base point at `at` (canvas), moved by `bob` (canvas pixels)."""

    frames: list[Sprite]
    at: tuple[float, float]
    pick: Callable[[Pulse], int]
    depth: float
    bob: Callable[[Pulse], tuple[float, float]] | None = None

    def base(self, pulse: Pulse) -> tuple[float, float]:
        """The canvas point the base point is at now."""
        dx, dy = self.bob(pulse) if self.bob else (0.0, 0.0)
        return (self.at[0] + dx, self.at[1] + dy)

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        sprite, (bx, by) = self.frames[self.pick(pulse) % len(self.frames)]
        x, y = view.pt(*self.base(pulse))
        frame.paste(sprite, (round(x) - bx, round(y) - by), sprite)


class Flicker:
    """A soft light that flickers like a flame (or hums like a lamp) and swells on the beat."""

    def __init__(
        self, center: tuple[float, float], radius: float, color: RGB, depth: float, *, lively: float
    ) -> None:
        self.center, self.depth, self.lively = center, depth, lively
        self._sprites = fades(glow(round(radius), color, 0.55), 10)
        self._seed = center[0] * 0.01

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        level = 0.55 + self.lively * 0.25 * _noise(pulse.t, self._seed) + 0.3 * pulse.beat
        sprite = self._sprites[min(len(self._sprites) - 1, max(0, int(level * 10) - 1))]
        x, y = view.pt(*self.center)
        frame.paste(sprite, (round(x - sprite.width / 2), round(y - sprite.height / 2)), sprite)


@dataclass
class Tether:
    """A string from a fixed point on the ground to a bobbing sprite (balloons, a kite), tied
    at the sprite's base point."""

    ground: tuple[float, float]
    book: Flipbook
    color: RGB
    width: int
    depth: float = 1.0

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        x, y = view.pt(*self.book.base(pulse))
        gx, gy = view.pt(*self.ground)
        sag = (x + gx) / 2 + (gy - y) * 0.08, (y + gy) / 2 + abs(x - gx) * 0.05
        draw.line([(gx, gy), sag, (x, y)], fill=self.color, width=self.width, joint="curve")
        self.book.draw(frame, draw, view, pulse)


class Flock:
    """Birds crossing the sky in a loose V, flapping on the beat."""

    def __init__(self, c: Ctx, colors: Colors, *, size: float, depth: float) -> None:
        g = c.g
        dark_sky = c.time in ("sunset", "dusk", "night")  # the sky high up, where they fly
        light, dark = mix(c.p.highlight, (255, 255, 255), 0.3), mix(c.p.deep, (0, 0, 0), 0.3)
        tint = replace(colors, paper=light if dark_sky else dark)  # the bird is painted in paper
        self._wings = [paint("bird", size, tint, s, parts=True, outline=False) for s in (0, 1)]
        rng = np.random.default_rng(c.seed + 31)
        ranks = [(i + 1) // 2 for i in range(7)]  # the leader, then pairs trailing behind
        self._offsets = [
            (-r * size * 2.6 + rng.uniform(-0.4, 0.4) * size,
             (1 if i % 2 else -1) * r * size * 1.3 + rng.uniform(-0.5, 0.5) * size)
            for i, r in enumerate(ranks)
        ]  # fmt: skip
        self._start, self._y = g.x(0.3), g.y(0.16)
        self._span = g.canvas[0] + size * 30
        self._speed = g.width / 14  # canvas pixels a second
        self.depth = depth

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        lead = (self._start + pulse.t * self._speed) % self._span - 10
        dip = math.sin(pulse.t * 0.6) * self._wings[0][0].height
        for i, (ox, oy) in enumerate(self._offsets):
            up = (pulse.count + int(pulse.phase * 2) + i) % 2
            sprite = self._wings[up][0]
            x, y = view.pt(lead + ox, self._y + oy + dip)
            frame.paste(sprite, (round(x - sprite.width / 2), round(y - sprite.height / 2)), sprite)


class Fireworks:
    """Bursts of sparks on the downbeats (small ones on the beats of livelier passages) and, with
    no beat to follow, every second and a half."""

    def __init__(self, c: Ctx, *, radius: float, depth: float) -> None:
        g, p = c.g, c.p
        self._region = (g.x(0.1), g.y(0.08), g.x(0.9), g.y(0.3))
        self._radius, self.depth = radius, depth
        self._colors = [p.accent, p.highlight, (255, 96, 96), (255, 214, 96), (130, 224, 255)]
        self._sparks = [(math.cos(a), math.sin(a)) for a in np.linspace(0, 2 * math.pi, 22)[:-1]]

    def _burst(self, draw: Draw, view: View, key: int, age: float, size: float) -> None:
        if age > 1.2:
            return
        x0, y0, x1, y1 = self._region
        h = (key * 2654435761) & 0xFFFFFFFF
        cx, cy = x0 + (x1 - x0) * (h % 997) / 997, y0 + (y1 - y0) * (h // 997 % 991) / 991
        color = self._colors[h % len(self._colors)]
        spread = 1 - math.exp(-age * 5)
        r = self._radius * size * spread
        fall = self._radius * 0.25 * age * age
        alpha = max(0.0, 1 - (age / 1.2) ** 2)
        w = max(1, round(self._radius / 40))
        inner = self._colors[(h >> 8) % len(self._colors)]
        for ring, (reach, tint) in enumerate(((1.0, color), (0.55, inner))):
            fill, dot = rgba(tint, alpha), w * 1.2
            for dx, dy in self._sparks[ring::2] if ring else self._sparks:
                x, y = view.pt(cx + dx * r * reach, cy + dy * r * reach + fall)
                tail = view.pt(cx + dx * r * reach * 0.6, cy + dy * r * reach * 0.6 + fall * 0.7)
                draw.line([tail, (x, y)], fill=fill, width=w)
                draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=fill)
        if age < 0.1:
            fx, fy = view.pt(cx, cy)
            f = self._radius * 0.15
            draw.ellipse((fx - f, fy - f, fx + f, fy + f), fill=rgba((255, 250, 230), 0.8))

    def draw(self, frame: Image.Image, draw: Draw, view: View, pulse: Pulse) -> None:
        if pulse.down > 0.01:
            age = -0.25 * math.log(pulse.down)
            self._burst(draw, view, round((pulse.t - age) * 10), age, 1.0)
        elif pulse.beat < 0.01:  # no beat to follow (a still): one burst every 1.5 s
            self._burst(draw, view, int(pulse.t / 1.5), 0.15 + (pulse.t % 1.5) * 0.5, 1.0)
        if pulse.beat > 0.01 and pulse.energy > 0.45:
            age = -0.12 * math.log(pulse.beat)
            self._burst(draw, view, pulse.count * 7 + 3, age, 0.55)


# ----------------------------------------------------------------------------- placement


@dataclass(frozen=True)
class _Spot:
    x: float  # canvas x of the base point
    y: float  # canvas y of the base point
    scale: float  # the prop's size, 1 standing beside the characters

    @property
    def depth(self) -> float:
        return 1.0 - (1.0 - self.scale) * 0.6


def _layout(
    names: list[str], taken: list[float], *, unit: float, c: Ctx, floor: float
) -> dict[str, _Spot]:
    """Spots on the floor for the props, clear of the characters and of each other: all at
    the largest size at which they fit (widest placed first, each in the free spot nearest the
    frame's centre), or as many as fit at the smallest size."""
    g = c.g
    lo, hi = g.x(0.015), g.x(0.985)
    centre, gap = g.x(0.5), _GAP * unit
    best: dict[str, _Spot] = {}
    for scale in _SCALES:
        room = [(g.x(fx) - _FIGURE_HALF * unit, g.x(fx) + _FIGURE_HALF * unit) for fx in taken]
        spots = {}
        for name in sorted(names, key=lambda n: ART[n].box[0] - ART[n].box[2]):
            left, right = ART[name].box[0] * unit * scale, ART[name].box[2] * unit * scale
            xs = np.linspace(lo - left, hi - right, 97).tolist()
            free = [
                x for x in xs if all(x + right + gap <= a or x + left - gap >= b for a, b in room)
            ]
            if free:
                x = min(free, key=lambda v: abs(v - centre))
                spots[name] = _Spot(x, floor - (1 - scale) * unit * 0.25, scale)
                room.append((x + left, x + right))
        if len(spots) > len(best):
            best = spots
        if len(best) == len(names):
            break
    return best


def _layer(sprite: Sprite, base: tuple[float, float], c: Ctx, depth: float) -> Layer:
    """A static drawing as a layer, its base point at a canvas point."""
    image, (bx, by) = sprite
    x, y = round(base[0]) - bx, round(base[1]) - by
    return Layer(finish(image, c.g, x, y, c.p.deep), x, y, depth)


def _states(
    name: str, unit: float, colors: Colors, states: int, *, parts: bool = False,
    outline: bool = True, shade: tuple[Ctx, tuple[float, float]] | None = None,
) -> list[Sprite]:  # fmt: skip
    """Every state of a drawing; `shade`: finish them like the layers, at that canvas point."""
    out = []
    for state in range(states):
        image, base = paint(name, unit, colors, state, parts=parts, outline=outline)
        if shade is not None:
            c, (x, y) = shade
            image = finish(image, c.g, round(x) - base[0], round(y) - base[1], c.p.deep)
        out.append((image, base))
    return out


_LIGHTS = {  # (x, y, radius) of the light a prop gives, in figure heights about its base
    "lantern": (0.16, -0.65, 0.4),
    "street lamp": (0.0, -1.39, 0.5),
    "phone": (0.0, -0.64, 0.3),
    "candle": (0.0, -0.7, 0.35),
    "campfire": (0.0, -0.25, 0.55),
}
# the moving part of a prop: (its drawing, states a second, states skipped on a beat)
_PARTS = {
    "candle": ("candle flames", 9, 2),
    "coffee": ("steam", 3, 0),
    "campfire": ("flames", 10, 3),
}


def _build(name: str, spot: _Spot, c: Ctx, colors: Colors, *, unit: float, surface: str) -> list:
    """The layers and effects of one prop standing at a spot."""
    u = unit * spot.scale
    depth, here = spot.depth, (spot.x, spot.y)

    def at(fx: float, fy: float) -> tuple[float, float]:
        return (spot.x + fx * u, spot.y + fy * u)

    items: list = []
    if surface == "water" and name != "boat":  # a landing on posts to stand on
        items.append(_layer(jetty(u, colors, ART[name].box), here, c, depth))
    if name in ("drums", "dog", "cat", "boat"):
        afloat = name == "boat" and surface == "water"
        frames = _states(name, u, colors, ART[name].states, shade=(c, here))
        if name == "boat":
            frames = frames[:1] if afloat else frames[1:]
        pick, bob = _motion(name, u, afloat=afloat, seed=spot.x)
        return [*items, Flipbook(frames, here, pick, depth, bob)]
    items.append(_layer(paint(name, u, colors), here, c, depth))
    if name in _PARTS:
        part, rate, kick = _PARTS[name]
        frames = _states(part, u, colors, PARTS[part].states, parts=True, outline=False)
        pick = lambda p, r=rate, k=kick: int(p.t * r + k * p.beat)  # noqa: E731
        items.append(Flipbook(frames, here, pick, depth))
    if name in _LIGHTS:
        x, y, radius = _LIGHTS[name]
        color = colors.screen if name == "phone" else colors.flame
        lively = 0.2 if name in ("phone", "street lamp") else 1.0
        items.append(Flicker(at(x, y), radius * u, color, depth, lively=lively))
    if name in ("balloon", "kite"):
        items.append(_tethered(name, spot, c, colors, u=u))
    return items


def _tethered(name: str, spot: _Spot, c: Ctx, colors: Colors, *, u: float) -> Tether:
    """Balloons floating over their weight, or a kite high in the sky, outwards of its stake."""
    part = "balloons" if name == "balloon" else "kite"
    if name == "balloon":
        tie = (spot.x, spot.y - 0.75 * u)
    else:
        outward = 1 if spot.x > c.g.x(0.5) else -1
        tie = (min(max(spot.x + outward * u * 0.5, c.g.x(0.1)), c.g.x(0.9)), c.g.y(0.22))
    frames = _states(part, u, colors, PARTS[part].states, parts=True, shade=(c, tie))
    sway = 0.04 if name == "balloon" else 0.09

    def bob(p: Pulse, s: float = spot.x * 0.013) -> tuple[float, float]:
        lift = math.sin(p.t * 1.5 + s) * 0.025 - p.beat * p.drive * 0.03
        return (math.sin(p.t * 0.9 + s) * u * sway, lift * u)

    book = Flipbook(frames, tie, lambda p: int(p.t * 6), spot.depth, bob)
    string = mix(colors.rim, colors.paper, 0.3)
    ground = (spot.x, spot.y - (0.05 if name == "balloon" else 0.11) * u)
    return Tether(ground, book, string, max(1, round(u * 0.005)), spot.depth)


def _motion(
    name: str, unit: float, *, afloat: bool, seed: float
) -> tuple[Callable[[Pulse], int], Callable[[Pulse], tuple[float, float]] | None]:
    """How a prop drawn whole in several states picks its state and moves."""
    if name == "drums":
        return (
            lambda p: 2 if max(p.onset, p.beat) > 0.6 else int(max(p.onset, p.beat) > 0.3)
        ), None
    if name in ("dog", "cat"):

        def pick(p: Pulse) -> int:  # the dog wags twice a beat, the cat sways slowly
            swing = p.count * 2 + int(p.phase * 2) if name == "dog" else int(p.t * 2)
            return (0, 1, 2, 1)[swing % 4] * 2 + int(p.beat > 0.5)

        return pick, None
    if afloat:
        return (lambda p: 0), (
            lambda p: (0.0, (math.sin(p.t * 1.6 + seed) * 0.02 + p.beat * p.drive * 0.015) * unit)
        )
    return (lambda p: 0), None


def scene_props(
    names: list[str],
    c: Ctx,
    *,
    floor: float,
    figure_height: float,
    taken: list[float],
    surface: str,
) -> tuple[list, list, list[str]]:
    """(items behind the characters, items in front of them, the names drawn), far to near.
    `taken`: the frame x fractions where characters stand (keep props clear of them);
    `floor`: canvas y of the characters' feet; `figure_height`: fraction of frame height;
    `surface`: "ground" | "water" | "floor" | "space"."""
    g = c.g
    unit = g.u(figure_height)
    colors = Colors.of(c.p, c.time)
    behind: list = []
    front: list = []
    wanted = list(dict.fromkeys(n for n in names if n in ART or n in _SKY))
    spots = _layout([n for n in wanted if n in ART], taken, unit=unit, c=c, floor=floor)
    for name, spot in spots.items():
        items = _build(name, spot, c, colors, unit=unit, surface=surface)
        (front if name in _FRONT else behind).extend(items)
    drawn = list(spots)
    if "birds" in wanted:
        behind.append(Flock(c, colors, size=g.u(0.03), depth=0.3))
        drawn.append("birds")
    if "fireworks" in wanted:
        behind.append(Fireworks(c, radius=g.u(0.14), depth=0.2))
        drawn.append("fireworks")
    behind.sort(key=lambda item: item.depth)
    front.sort(key=lambda item: item.depth)
    return behind, front, [n for n in wanted if n in drawn]
