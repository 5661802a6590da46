"""The shared pieces every environment is drawn from: `Ctx` (the shot's place, time, weather
and view, plus colour helpers), `Scenery` (what a builder returns), and static shapes
(skylines, ridges, dunes, trees, lamp posts, sprites, clouds, reflections).

The sky and its light are in skies.py, weather in weather.py, the builders in places.py,
nature.py, waterside.py, townscape.py and interiors.py.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.video.procedural.effects import Effect
from tools.video.procedural.layers import SUPERSAMPLE, Geometry, Layer, Sketch, finish
from tools.video.procedural.palette import RGB, Palette, mix

# the colour daylight leans to at each time of day, and how far
DAYLIGHT: dict[str, tuple[RGB, float]] = {
    "sunrise": ((250, 180, 170), 0.2),
    "day": ((255, 255, 255), 0.0),
    "golden hour": ((255, 170, 80), 0.25),
    "sunset": ((150, 60, 80), 0.4),
    "dusk": ((45, 40, 95), 0.55),
    "night": ((10, 14, 36), 0.72),
}
_OVERCAST: dict[str, tuple[RGB, float]] = {
    "rain": ((80, 88, 100), 0.3),
    "storm": ((35, 38, 52), 0.45),
    "fog": ((175, 180, 186), 0.35),
    "snow": ((205, 210, 222), 0.2),
}
PALETTE_SHARE = 0.3  # how far natural colours lean to the palette


@dataclass
class Scenery:
    """An environment ready to composite: items are Layers or effects, far to near."""

    back: list[Layer | Effect]  # behind the characters; starts with an opaque layer
    floor: float  # canvas y of the characters' feet
    front: list[Layer | Effect] = field(default_factory=list)  # in front of the characters
    air: list[Effect] = field(default_factory=list)  # screen effects (weather)
    figure_height: float = 0.5  # as a fraction of the frame height
    surface: str = "ground"  # what the characters stand on: ground | water | floor | space


@dataclass
class Ctx:
    """What an environment builder draws with: the shot's place, time of day, weather and
    view, all names of `tools.shots` (resolved before the builder is called).

    `rng` lays out the scenery and depends on the place and view alone, so a scene redrawn
    with another seed keeps its skyline; `vary` and `seed` place what may change between
    seeds (stars, particles, weather)."""

    g: Geometry
    p: Palette
    rng: np.random.Generator
    vary: np.random.Generator
    time: str  # sunrise | day | golden hour | sunset | dusk | night
    seed: int
    place: str = "abstract"
    weather: str = "clear"  # clear | rain | snow | fog | wind | storm
    view: int = 0  # another angle of the same place: layout, horizon, what is in front

    def sketch(self, *, supersample: int = SUPERSAMPLE) -> Sketch:
        return Sketch(self.g, shade=self.p.deep, supersample=supersample)

    @property
    def span(self) -> tuple[float, float]:
        """The canvas x range, left and right edges."""
        return (0.0, float(self.g.canvas[0]))

    def pick(self, n: int) -> int:
        """Which of n layouts this view shows."""
        return self.view % n

    @property
    def dark(self) -> bool:
        """Whether lamps and windows are lit (dusk and night, or a storm)."""
        return self.time in ("dusk", "night") or self.weather == "storm"

    @property
    def wet(self) -> bool:
        return self.weather in ("rain", "storm")

    def palette(self, natural: RGB, share: float = PALETTE_SHARE) -> RGB:
        """A natural colour leaning to the palette colour nearest it in lightness."""
        near = min(self.p.colors(), key=lambda col: abs(_luma(col) - _luma(natural)))
        return mix(natural, near, share)

    def tone(self, natural: RGB, *, share: float = PALETTE_SHARE) -> RGB:
        """An outdoor surface's colour in this light and weather, leaning to the palette."""
        light, amount = DAYLIGHT[self.time]
        lit = mix(natural, light, amount)
        if self.weather in _OVERCAST:
            grey, much = _OVERCAST[self.weather]
            lit = mix(lit, grey, much * (0.4 if self.time in ("dusk", "night") else 1.0))
        return self.palette(lit, share)

    def ground(self, natural: RGB) -> RGB:
        """`tone` for open ground, white under snow."""
        return self.tone(mix(natural, (236, 240, 248), 0.75) if self.weather == "snow" else natural)

    def lamp(self, natural: RGB = (255, 214, 140)) -> RGB:
        """A light that shines by itself (window, lamp): not darkened by the night."""
        return mix(natural, self.p.highlight, 0.25)

    @property
    def lit(self) -> float:
        """The share of windows lit at this time."""
        return {"night": 0.5, "dusk": 0.4, "sunset": 0.18}.get(self.time, 0.05)


def _luma(color: RGB) -> float:
    return 0.3 * color[0] + 0.59 * color[1] + 0.11 * color[2]


def star_field(c: Ctx, count: int, *, top: float, bottom: float) -> np.ndarray:
    """Random star positions and radii (canvas pixels) between two frame fractions."""
    cw, _ = c.g.canvas
    xs = c.vary.uniform(0, cw, count)
    ys = c.vary.uniform(c.g.y(top - 0.08), c.g.y(bottom), count)
    rs = c.g.u(0.0012) + c.vary.random(count) ** 3 * c.g.u(0.003)
    return np.stack([xs, ys, rs], axis=1)


def skyline(
    s: Sketch,
    c: Ctx,
    *,
    tops: tuple[float, float],
    widths: tuple[float, float],
    color: RGB,
    windows: RGB | None,
    lit: float,
    bottom: float | None = None,
) -> list[tuple[float, float, float, float]]:
    """A row of buildings across the canvas down to `bottom` (canvas y, default the canvas
    bottom); returns the window rects."""
    g, (x, right) = c.g, c.span
    bottom = g.canvas[1] if bottom is None else bottom
    rects = []
    while x < right:
        w = g.width * c.rng.uniform(*widths)
        top = g.y(c.rng.uniform(*tops))
        s.rect(x, top, x + w, bottom, color)
        s.rect(x + w - g.u(0.004), top, x + w, bottom, mix(color, (0, 0, 0), 0.25))
        if c.rng.random() < 0.35:  # a rooftop mast
            s.line([(x + w * 0.5, top), (x + w * 0.5, top - g.u(0.05))], color, g.u(0.004))
        if windows is not None:
            rects += _windows(s, c, (x, top, x + w - g.u(0.004), bottom), windows, lit)
        x += w
    return rects


def _windows(s: Sketch, c: Ctx, box: tuple, color: RGB, lit: float) -> list:
    x0, y0, x1, y1 = box
    size = c.g.u(0.012)
    cols = max(1, int((x1 - x0 - size) // (size * 2.2)))
    rows = int((y1 - y0 - size) // (size * 2.4))
    pad = (x1 - x0 - cols * size * 2.2 + size * 1.2) / 2
    rects = []
    for i in range(cols):
        for j in range(rows):
            wx, wy = x0 + pad + i * size * 2.2, y0 + size * 1.5 + j * size * 2.4
            rect = (wx, wy, wx + size, wy + size * 1.3)
            if c.rng.random() < lit:
                s.rect(*rect, color)
            rects.append(rect)
    return rects


def ridge(c: Ctx, *, base: float, height: float, peaks: int, jag: float = 0.04) -> list:
    """Polygon points of a mountain range (cones of random height and slope) across the
    canvas, filled down to its bottom; `base` and `height` are frame fractions."""
    g, (left, right) = c.g, c.span
    xs = np.linspace(left, right, 160)
    tops = c.rng.uniform(left, right, peaks)
    heights = c.rng.uniform(0.45, 1.0, peaks) * g.u(height)
    slopes = c.rng.uniform(0.6, 1.1, peaks)
    cones = heights[:, None] - np.abs(xs[None, :] - tops[:, None]) * slopes[:, None]
    profile = np.maximum(cones.max(axis=0), 0) + c.rng.normal(0, g.u(height) * jag, xs.size)
    ys = g.y(base) - np.maximum(profile, 0)
    return [(left, g.canvas[1]), *zip(xs, ys, strict=True), (right, g.canvas[1])]


def dunes(c: Ctx, *, base: float, height: float, waves: float) -> list:
    """Polygon points of smooth rolling dunes (or hills) across the canvas."""
    g, (left, right) = c.g, c.span
    xs = np.linspace(left, right, 120)
    phase = c.rng.random(2) * 6.3
    curve = np.sin(xs / g.width * waves + phase[0]) + 0.4 * np.sin(
        xs / g.width * waves * 2.3 + phase[1]
    )
    ys = g.y(base) - g.u(height) * (curve * 0.5 + 0.5)
    return [(left, g.canvas[1]), *zip(xs, ys, strict=True), (right, g.canvas[1])]


def pine(s: Sketch, x: float, ground: float, height: float, color: RGB) -> None:
    """A stylised pine: a trunk and three stacked triangles."""
    w = height * 0.38
    s.rect(x - w * 0.06, ground - height * 0.2, x + w * 0.06, ground, color)
    for k in range(3):
        top = ground - height * (1.0 - 0.25 * k)
        base = ground - height * (0.45 - 0.2 * k)
        half = w * (0.55 + 0.22 * k)
        s.polygon([(x, top), (x + half, base), (x - half, base)], color)


def snowy_pine(s: Sketch, x: float, ground: float, height: float, color: RGB, snow: RGB) -> None:
    """A pine with snow lying on each tier."""
    pine(s, x, ground, height, color)
    w = height * 0.38
    for k in range(3):
        top = ground - height * (1.0 - 0.25 * k)
        half = w * (0.55 + 0.22 * k) * 0.45
        drop = height * 0.55 * 0.45
        s.polygon([(x, top), (x + half, top + drop), (x - half, top + drop)], snow)


def tree(s: Sketch, x: float, ground: float, height: float, leaves: RGB, trunk: RGB) -> None:
    """A round leafy tree: a trunk and a crown of three discs."""
    r = height * 0.3
    s.rect(x - height * 0.035, ground - height * 0.55, x + height * 0.035, ground, trunk)
    for dx, dy, k in ((-0.45, 0.62, 0.8), (0.45, 0.6, 0.85), (0.0, 0.75, 1.0)):
        s.ellipse(x + dx * r, ground - height * dy, r * k, r * k * 0.9, leaves)
    s.ellipse(
        x - r * 0.25, ground - height * 0.82, r * 0.45, r * 0.35, mix(leaves, (255,) * 3, 0.12)
    )


def palm(
    s: Sketch, x: float, ground: float, height: float, color: RGB, *, lean: float = 1.0
) -> None:
    """A palm leaning right (lean > 0) or left: a curved trunk and six fronds."""
    trunk = [
        (x + lean * height * 0.12 * t**2, ground - height * t) for t in (0, 0.25, 0.5, 0.75, 1)
    ]
    s.line(trunk, color, height * 0.04)
    tx, ty = trunk[-1]
    for angle in (-2.6, -2.0, -1.2, -0.5, 0.2, 0.8):
        tip = (
            tx + math.cos(angle) * height * 0.38,
            ty + math.sin(angle) * height * 0.2 + height * 0.12,
        )
        bend = ((tx + tip[0]) / 2, (ty + tip[1]) / 2 - height * 0.06)
        s.polygon([(tx, ty), bend, tip, (bend[0], bend[1] + height * 0.05)], color)


def lamp_post(s: Sketch, c: Ctx, x: float, ground: float, height: float) -> tuple[float, float]:
    """A street lamp (post, arm, lantern, its light lit when dark); returns the light's point."""
    post = c.tone((40, 44, 52))
    s.rect(x - height * 0.018, ground - height, x + height * 0.018, ground, post)
    s.rect(x - height * 0.04, ground - height * 0.04, x + height * 0.04, ground, post)
    s.rect(
        x - height * 0.07, ground - height * 1.02, x + height * 0.07, ground - height * 0.98, post
    )
    light = c.lamp() if c.dark else c.tone((225, 225, 210))
    s.polygon(
        [
            (x - height * 0.05, ground - height * 0.98),
            (x + height * 0.05, ground - height * 0.98),
            (x + height * 0.035, ground - height * 0.88),
            (x - height * 0.035, ground - height * 0.88),
        ],
        light,
    )
    return (x, ground - height * 0.93)


def sprite(
    size: tuple[int, int],
    paint: Callable[[ImageDraw.ImageDraw, int, int], None],
    *,
    blur: float = 0.0,
) -> Image.Image:
    """A small RGBA sprite painted at 2x and reduced (clouds, shapes, crowd strips)."""
    w, h = size
    image = Image.new("RGBA", (w * 2, h * 2), (0, 0, 0, 0))
    paint(ImageDraw.Draw(image), w * 2, h * 2)
    image = image.reduce(2)
    return image.filter(ImageFilter.GaussianBlur(blur)) if blur else image


def cloud(width: int, color: RGB) -> Image.Image:
    """A flat cartoon cloud: overlapping discs on a flat base."""
    puffs = [(0.24, 0.66, 0.14), (0.42, 0.5, 0.2), (0.62, 0.56, 0.17), (0.78, 0.7, 0.12)]

    def paint(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        for x, y, r in puffs:
            d.ellipse(((x - r) * w, y * h - r * w, (x + r) * w, y * h + r * w), fill=(*color, 255))
        d.rounded_rectangle(
            (0.1 * w, 0.62 * h, 0.9 * w, 0.94 * h), radius=0.16 * h, fill=(*color, 255)
        )

    return sprite((width, round(width * 0.5)), paint)


def nebula(c: Ctx, colors: list[RGB]) -> Image.Image:
    """Soft colour clouds for a space sky, painted small and blurred, canvas-sized at 1x."""
    cw, ch = c.g.canvas
    small = Image.new("RGBA", (cw // 8, ch // 8), (0, 0, 0, 0))
    d = ImageDraw.Draw(small)
    for color in colors * 3:
        x, y = c.rng.uniform(0, cw // 8), c.rng.uniform(0, ch // 10)
        r = c.rng.uniform(0.1, 0.25) * cw // 8
        d.ellipse((x - r, y - r * 0.6, x + r, y + r * 0.6), fill=(*color, 70))
    small = small.filter(ImageFilter.GaussianBlur(cw / 160))
    return small.resize((cw, ch), Image.BILINEAR)


def layer(s: Sketch, depth: float) -> list[Layer]:
    """The sketch as a layer list (empty when nothing was drawn)."""
    done = s.layer(depth)
    return [done] if done is not None else []


def backdrop(
    sky_sketch: Sketch,
    *far: Sketch,
    depth: float = 0.15,
    mirror: tuple[float, RGB, float] | None = None,
    over: tuple[Sketch, ...] = (),
) -> Layer:
    """The sky with the far scenery composited in: one opaque layer, the frame's base.

    `mirror` = (canvas y of a water line, water colour, strength 0..1) reflects everything
    above the line upside down into the water below it; `over` is drawn after that (ripples,
    a near shore)."""
    g = sky_sketch.geometry
    image = _flat(sky_sketch)
    for sketch in far:
        image.alpha_composite(_flat(sketch))
    if mirror is not None:
        line, water, strength = mirror
        top, rows = round(line), g.canvas[1] - round(line)
        above = image.crop((0, max(0, top - rows), g.canvas[0], top))
        flipped = above.transpose(Image.FLIP_TOP_BOTTOM)
        tinted = Image.blend(flipped, Image.new("RGBA", flipped.size, (*water, 255)), 1 - strength)
        image.paste(tinted, (0, top))
    for sketch in over:
        image.alpha_composite(_flat(sketch))
    return Layer(finish(image, g, 0, 0, sky_sketch.shade), 0, 0, depth)


def _flat(s: Sketch) -> Image.Image:
    """A sketch's drawing as a canvas-sized straight RGBA image."""
    return s.image.copy() if s.k == 1 else s.image.reduce(s.k).convert("RGBA")


def arc_points(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> list:
    """Points along an elliptical arc (radians), for curved horizons."""
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in np.linspace(a0, a1, 64)]
