"""The scene's free-text setting as a drawable environment, coloured by the palette.

`place_of` and `time_of` read the setting by keywords ("a rain-soaked city rooftop at night"
-> city, night; `weather` adds the rain); the environments themselves are drawn by the
builders in places.py and nature.py from the shared pieces here (sky, silhouettes, sprites).
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.procedural.effects import Effect, Meteor, Rain, Snow, Twinkle
from tools.procedural.layers import SUPERSAMPLE, Geometry, Layer, Sketch
from tools.procedural.palette import RGB, Palette, mix

# (word beginnings, environment); the place named first in the setting wins ("a mountain ridge
# above a sea of clouds" is mountains), ties going to the earlier row
_PLACES = [
    (r"space|galax|cosmo|nebula|planet|orbit|lunar|asteroid|spaceship|zero.?g", "space"),
    (r"stage|concert|gig\b|festival|club|arena|crowd|spotlight|dance ?floor|rave\b", "stage"),
    (r"room|bedroom|kitchen|apartment|interior|inside|indoors|studio|office|home|cafe|café|"
     r"bar\b|diner|attic|bathroom|hall", "room"),
    (r"road|highway|freeway|driv|car\b|cars\b|motorway|route|synthwave", "road"),
    (r"ocean|sea\b(?! of)|seas\b|beach|shore|coast|wave|island|harbou?r|pier|surf|lake|"
     r"bay\b", "ocean"),
    (r"forest|wood|tree|jungle|grove|park|garden|meadow|glade", "forest"),
    (r"desert|dune|sand|canyon|mesa|cact|wasteland", "desert"),
    (r"mountain|peak|summit|valley|cliff|ridge|hill|alps|glacier|snowfield", "mountains"),
    (r"city|cities|street|rooftop|roof|skyline|urban|downtown|alley|neon|metro|subway|tokyo|"
     r"new york|town|building|tower|bridge", "city"),
]  # fmt: skip
_SKY = r"stars|starry|night sky|cosmic|moon"  # space only when the setting names no other place
_TIMES = [
    (r"sunset|dusk|golden|evening|twilight|sundown", "sunset"),
    (r"dawn|sunrise|morning|daybreak", "dawn"),
    (r"night|midnight|moon|neon|dark|starry|stars|nocturn", "night"),
    (r"day\b|daytime|noon|sunny|afternoon|daylight|bright|summer", "day"),
]
_DEFAULT_TIME = {
    "desert": "day",
    "mountains": "dawn",
    "ocean": "sunset",
    "road": "sunset",
    "forest": "sunset",
}


def _find(text: str, words: str) -> re.Match[str] | None:
    """The first word of the text that starts with one of the alternatives (`street` is no
    `tree`)."""
    return re.search(rf"\b(?:{words})", text.lower())


def _mentions(text: str, words: str) -> bool:
    return _find(text, words) is not None


def place_of(setting: str) -> str:
    """The environment a setting text is drawn as: the one it names first (abstract when it
    names none)."""
    found = [(m.start(), k) for k, (words, _) in enumerate(_PLACES) if (m := _find(setting, words))]
    if found:
        return _PLACES[min(found)[1]][1]
    return "space" if _mentions(setting, _SKY) else "abstract"


def time_of(setting: str, place: str) -> str:
    """night, sunset, dawn or day, from the setting or the environment's usual light."""
    found = next((t for words, t in _TIMES if _mentions(setting, words)), None)
    return found or _DEFAULT_TIME.get(place, "night")


@dataclass
class Scenery:
    """An environment ready to composite: items are Layers or effects, far to near."""

    back: list[Layer | Effect]  # behind the characters; starts with an opaque layer
    floor: float  # canvas y of the characters' feet
    front: list[Layer | Effect] = field(default_factory=list)  # in front of the characters
    air: list[Effect] = field(default_factory=list)  # screen effects (weather)
    figure_height: float = 0.5  # as a fraction of the frame height


@dataclass
class Ctx:
    """What an environment builder draws with.

    `rng` lays out the scenery and depends on the setting alone, so a scene redrawn with
    another seed keeps its skyline; `vary` and `seed` place what may change between seeds
    (stars, particles, weather)."""

    g: Geometry
    p: Palette
    rng: np.random.Generator
    vary: np.random.Generator
    time: str
    setting: str
    seed: int

    def has(self, words: str) -> bool:
        """Whether the setting mentions a word starting with one of the alternatives."""
        return _mentions(self.setting, words)

    def sketch(self, *, supersample: int = SUPERSAMPLE) -> Sketch:
        return Sketch(self.g, shade=self.p.deep, supersample=supersample)

    @property
    def span(self) -> tuple[float, float]:
        """The canvas x range, left and right edges."""
        return (0.0, float(self.g.canvas[0]))


def sky_colors(c: Ctx) -> list[tuple[float, RGB]]:
    """Gradient stops (frame fraction, colour) for the time of day."""
    p = c.p
    stops = {
        "night": [
            (0.0, p.deep),
            (0.35, mix(p.deep, p.dark, 0.6)),
            (0.65, mix(p.dark, p.accent, 0.3)),
        ],
        "sunset": [
            (0.0, mix(p.deep, p.dark, 0.5)),
            (0.3, mix(p.dark, p.accent, 0.4)),
            (0.62, mix(p.accent, p.highlight, 0.5)),
        ],
        "dawn": [
            (0.0, mix(p.dark, p.mid, 0.4)),
            (0.35, p.mid),
            (0.62, mix(p.mid, p.highlight, 0.65)),
        ],
        "day": [(0.0, mix(p.mid, p.dark, 0.2)), (0.62, mix(p.mid, p.highlight, 0.6))],
    }[c.time]
    return [(c.g.y(f) / c.g.canvas[1], color) for f, color in stops]


def sky(c: Ctx, *, sun_at: tuple[float, float] = (0.76, 0.2), stars: int = 90) -> Sketch:
    """A sketch holding the sky: gradient, sun or moon with a halo, stars at night.

    Drawn at 1x (it is smooth, and the largest layer); the sun or moon is antialiased alone."""
    s = c.sketch(supersample=1)
    s.gradient(sky_colors(c))
    g, p = c.g, c.p
    if c.time == "night" and stars:
        for x, y, r in star_field(c, stars, top=0.0, bottom=0.55):
            s.ellipse(x, y, r, r, mix(p.highlight, p.mid, c.vary.random() * 0.5))
    x, y = g.x(sun_at[0]), g.y(sun_at[1])
    radius = g.u(0.07 if c.time in ("night", "day") else 0.12)
    disc = p.highlight if c.time != "sunset" else mix(p.accent, p.highlight, 0.6)
    s.glow(x, y, radius * 4, disc, 0.45 if c.time == "night" else 0.6)
    s.paste(_moon(radius, disc, crescent=c.time == "night"), x - radius, y - radius)
    return s


def _moon(radius: float, color: RGB, *, crescent: bool) -> Image.Image:
    """A disc (sun, full moon) or a crescent at 1x, antialiased."""

    def paint(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        d.ellipse((0, 0, w - 1, h - 1), fill=(*color, 255))
        if crescent:
            d.ellipse((w * 0.3, -h * 0.12, w * 1.15, h * 0.8), fill=(0, 0, 0, 0))

    size = round(2 * radius)
    return sprite((size, size), paint)


def sky_tone(c: Ctx, fy: float) -> RGB:
    """The sky gradient's colour a fraction fy down the frame."""
    stops = sky_colors(c)
    y = c.g.y(fy) / c.g.canvas[1]
    return tuple(
        round(float(np.interp(y, [p for p, _ in stops], [col[i] for _, col in stops])))
        for i in range(3)
    )


def star_field(c: Ctx, count: int, *, top: float, bottom: float) -> np.ndarray:
    """Random star positions and radii (canvas pixels) between two frame fractions."""
    cw, _ = c.g.canvas
    xs = c.vary.uniform(0, cw, count)
    ys = c.vary.uniform(c.g.y(top - 0.08), c.g.y(bottom), count)
    rs = c.g.u(0.0012) + c.vary.random(count) ** 3 * c.g.u(0.003)
    return np.stack([xs, ys, rs], axis=1)


def night_sky_effects(c: Ctx, depth: float, *, bottom: float = 0.33) -> list:
    """Twinkling stars and a meteor on the downbeats, for night skies, above `bottom`."""
    if c.time != "night":
        return []
    points = star_field(c, 28, top=0.0, bottom=bottom)
    points[:, 2] *= 1.6
    region = (c.g.x(0.05), c.g.y(0.02), c.g.x(0.8), c.g.y(min(0.25, bottom - 0.08)))
    return [Twinkle(points, c.p.highlight, depth), Meteor(region, c.p.highlight, depth)]


def weather(c: Ctx) -> list:
    """Rain or snow when the setting asks for it."""
    if c.has(r"rain|storm|drizzle|downpour|wet"):
        return [Rain(mix(c.p.mid, c.p.highlight, 0.6), 160, c.seed)]
    if c.has(r"snow|blizzard|winter|frost|ice\b"):
        return [Snow(c.p.highlight, 140, c.seed)]
    return []


def skyline(
    s: Sketch,
    c: Ctx,
    *,
    tops: tuple[float, float],
    widths: tuple[float, float],
    color: RGB,
    windows: RGB | None,
    lit: float,
) -> list[tuple[float, float, float, float]]:
    """A row of buildings across the canvas down to its bottom; returns the window rects."""
    g, (x, right) = c.g, c.span
    bottom = g.canvas[1]
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
    """Polygon points of smooth rolling dunes across the canvas."""
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


def backdrop(sky_sketch: Sketch, *far: Sketch, depth: float = 0.15) -> Layer:
    """The sky with the far scenery composited in: one opaque layer, the frame's base."""
    base = sky_sketch.layer(depth)
    for sketch in far:
        for done in layer(sketch, depth):
            base.absorb(done)
    return base


def arc_points(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> list:
    """Points along an elliptical arc (radians), for curved horizons."""
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in np.linspace(a0, a1, 64)]
