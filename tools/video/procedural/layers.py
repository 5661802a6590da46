"""Static art drawn once per scene and moved cheaply by the camera.

The scene is drawn on a canvas a little larger than the frame (room for camera moves) as layers
at different depths. Each frame a layer is pasted at an integer offset, never resampled: its
opaque tiles are plain memory copies, only tiles along its edges are blended through alpha.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from tools.video.procedural.palette import RGB

SUPERSAMPLE = 2
_MARGIN = 0.08  # canvas margin on each side, as a fraction of the frame
_VIGNETTE = 0.4  # how far the corners lean to the shade colour
_GRAIN = 0.03  # paper grain, leaning to the shade colour too


@dataclass(frozen=True)
class Geometry:
    """The frame and the larger canvas the static layers are drawn on (canvas pixels)."""

    width: int
    height: int

    @property
    def mx(self) -> int:
        return round(self.width * _MARGIN)

    @property
    def my(self) -> int:
        return round(self.height * _MARGIN)

    @property
    def canvas(self) -> tuple[int, int]:
        return (self.width + 2 * self.mx, self.height + 2 * self.my)

    def x(self, fx: float) -> float:
        """Canvas x of a point a fraction fx across the (unmoved) frame."""
        return self.mx + fx * self.width

    def y(self, fy: float) -> float:
        """Canvas y of a point a fraction fy down the (unmoved) frame."""
        return self.my + fy * self.height

    def u(self, f: float) -> float:
        """A length given as a fraction of the frame's short side (its height, unless the frame
        stands upright: a portrait frame is a landscape one's height wide)."""
        return f * min(self.width, self.height)


@dataclass(frozen=True)
class View:
    """How one depth is seen at one instant: canvas points move by (ox, oy) into the frame
    and things standing at that depth (characters, specks) are drawn `scale` times larger."""

    scale: float
    ox: float
    oy: float

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return (x + self.ox, y + self.oy)


class Sketch:
    """A transparent canvas for static art, drawn supersampled (antialiased) then reduced.

    Coordinates are canvas pixels; sprites pasted in must be drawn at the sketch's scale `k`.
    A supersampled sketch is premultiplied ("RGBa"): shapes are drawn opaque, so averaging
    its pixels straight gives correct antialiased edges without converting the big image."""

    def __init__(self, geometry: Geometry, *, shade: RGB, supersample: int = SUPERSAMPLE) -> None:
        self.geometry, self.shade, self.k = geometry, shade, supersample
        w, h = geometry.canvas
        mode = "RGBa" if supersample > 1 else "RGBA"
        self.image = Image.new(mode, (w * self.k, h * self.k), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)

    def _box(self, cx: float, cy: float, rx: float, ry: float) -> tuple[float, ...]:
        k = self.k
        return ((cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k)

    def polygon(self, points: list[tuple[float, float]], color: tuple) -> None:
        self.draw.polygon([(x * self.k, y * self.k) for x, y in points], fill=color)

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: tuple) -> None:
        k = self.k
        self.draw.rectangle(
            (x0 * k, y0 * k, max(x0 * k, x1 * k - 1), max(y0 * k, y1 * k - 1)), fill=color
        )

    def band(self, y: float, color: tuple) -> None:
        """Fill the whole width from canvas y down to the bottom (ground, sea, floor)."""
        w, h = self.geometry.canvas
        self.rect(0, y, w, h, color)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, color: tuple) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill=color)

    def ring(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        color: tuple,
        width: float,
        start: float = 0,
        end: float = 360,
    ) -> None:
        """An elliptical outline, or the arc of it from `start` to `end` degrees."""
        self.draw.arc(
            self._box(cx, cy, rx, ry), start, end, fill=color, width=max(1, round(width * self.k))
        )

    def line(self, points: list[tuple[float, float]], color: tuple, width: float) -> None:
        scaled = [(x * self.k, y * self.k) for x, y in points]
        self.draw.line(scaled, fill=color, width=max(1, round(width * self.k)), joint="curve")

    def paste(self, sprite: Image.Image, x: float, y: float) -> None:
        """Lay an RGBA sprite (drawn at this sketch's scale) with its top-left at (x, y);
        on a supersampled sketch its edges must be hard (alpha 0 or 255)."""
        at = (round(x * self.k), round(y * self.k))
        if self.image.mode == "RGBA":
            self.image.alpha_composite(sprite, at)
        else:
            self.image.paste(sprite, at, sprite)

    def glow(self, cx: float, cy: float, radius: float, color: RGB, strength: float) -> None:
        """A soft round light centred on (cx, cy)."""
        self.paste(glow(round(radius * self.k), color, strength), cx - radius, cy - radius)

    def gradient(self, stops: list[tuple[float, RGB]]) -> None:
        """Fill the whole sketch with a vertical gradient (stops at canvas height fractions)."""
        self.image.paste(vertical_gradient(self.image.size, stops))

    def layer(self, depth: float) -> "Layer | None":
        """The drawing, reduced to canvas pixels, finished and trimmed to what was drawn."""
        box = self.image.getbbox(alpha_only=True)
        if box is None:
            return None
        k = self.k
        box = (
            box[0] - box[0] % k,
            box[1] - box[1] % k,
            box[2] + (-box[2]) % k,
            box[3] + (-box[3]) % k,
        )
        image = self.image.crop(box) if k == 1 else self.image.reduce(k, box).convert("RGBA")
        x, y = box[0] // k, box[1] // k
        return Layer(finish(image, self.geometry, x, y, self.shade), x, y, depth)


def vertical_gradient(size: tuple[int, int], stops: list[tuple[float, RGB]]) -> Image.Image:
    """An opaque RGBA image shading from colour to colour down its height."""
    w, h = size
    rows = np.linspace(0.0, 1.0, h)
    positions = [p for p, _ in stops]
    column = np.stack(
        [np.interp(rows, positions, [c[i] for _, c in stops]) for i in range(3)] + [rows * 0 + 255],
        axis=1,
    )
    strip = Image.fromarray(column.round().astype(np.uint8)[:, None, :])
    return strip.resize((w, h), Image.NEAREST)


def glow(radius: int, color: RGB, strength: float, *, falloff: float = 2.0) -> Image.Image:
    """A soft round RGBA light of the given colour, strongest at its centre."""
    n = min(radius, 64)
    axis = np.linspace(-1.0, 1.0, 2 * n)
    r = np.hypot(axis[None, :], axis[:, None])
    alpha = np.clip(1.0 - r, 0.0, 1.0) ** falloff * strength * 255
    out = np.empty((2 * n, 2 * n, 4), np.uint8)
    out[..., :3] = color
    out[..., 3] = alpha.round().astype(np.uint8)
    return Image.fromarray(out).resize((2 * radius, 2 * radius), Image.BILINEAR)


def fades(sprite: Image.Image, levels: int) -> list[Image.Image]:
    """The RGBA sprite at `levels` evenly spaced opacities, faintest first (for fading it
    in and out without touching its pixels every frame)."""
    alpha = sprite.getchannel("A")
    out = []
    for k in range(1, levels + 1):
        faded = sprite.copy()
        faded.putalpha(alpha.point(lambda a, k=k: a * k // levels))
        out.append(faded)
    return out


@lru_cache(maxsize=4)
def _finish_mask(geometry: Geometry) -> Image.Image:
    """Vignette plus paper grain over the whole canvas: how far each pixel leans to the shade."""
    w, h = geometry.canvas
    ys = (np.arange(h, dtype=np.float32) - geometry.y(0.5)) / (geometry.height * 0.5)
    xs = (np.arange(w, dtype=np.float32) - geometry.x(0.5)) / (geometry.width * 0.5)
    r = np.sqrt(ys[:, None] ** 2 * 0.8 + xs[None, :] ** 2 * 0.7)
    vignette = _VIGNETTE * np.clip((r - 0.45) / 0.75, 0.0, 1.0) ** 1.6
    grain = np.abs(np.random.default_rng(7).standard_normal((h, w), dtype=np.float32)) * _GRAIN
    return Image.fromarray((np.clip(vignette + grain, 0.0, 1.0) * 255).astype(np.uint8))


def finish(image: Image.Image, geometry: Geometry, x: int, y: int, shade: RGB) -> Image.Image:
    """Lean an RGBA image placed at canvas (x, y) towards the shade colour (the palette's
    deepest) by the canvas vignette and grain, so shadows stay within the palette."""
    mask = _finish_mask(geometry).crop((x, y, x + image.width, y + image.height))
    out = Image.composite(Image.new("RGB", image.size, shade), image.convert("RGB"), mask)
    out.putalpha(image.getchannel("A"))
    return out


_BAND, _BLOCK = 32, 64  # tile size for sorting art into opaque, see-through and empty


class Cutout:
    """RGBA art cut into runs of tiles for fast pasting: opaque runs are plain copies, only
    runs with see-through pixels are blended through their alpha, empty ones are dropped; a run
    that spans the same columns as the one above it, and is of its kind, joins it."""

    def __init__(self, image: Image.Image) -> None:
        self.size = image.size
        alpha = np.asarray(image.getchannel("A"))
        h, w = alpha.shape
        rgb = image.convert("RGB")
        boxes: list[list[int]] = []  # [left, top, right, bottom, kind]
        above: dict[tuple[int, int, int], list[int]] = {}  # the previous band's runs
        for top in range(0, h, _BAND):
            band = alpha[top : top + _BAND]
            kinds = [_kind(band[:, left : left + _BLOCK]) for left in range(0, w, _BLOCK)]
            bottom, runs = min(top + _BAND, h), {}
            start = 0
            for i in range(1, len(kinds) + 1):
                if i < len(kinds) and kinds[i] == kinds[start]:
                    continue
                if kinds[start]:
                    key = (start * _BLOCK, min(i * _BLOCK, w), kinds[start])
                    box = above.get(key)
                    if box is None:
                        box = [key[0], top, key[1], bottom, key[2]]
                        boxes.append(box)
                    box[3] = bottom
                    runs[key] = box
                start = i
            above = runs
        self.pieces: list[tuple[int, int, Image.Image, bool]] = [
            (left, top, (image if kind == 2 else rgb).crop((left, top, right, bottom)), kind == 2)
            for left, top, right, bottom, kind in boxes
        ]

    def paste(self, frame: Image.Image, left: int, top: int) -> None:
        for dx, dy, piece, masked in self.pieces:
            frame.paste(piece, (left + dx, top + dy), piece if masked else None)


def _kind(alpha: np.ndarray) -> int:
    """0 for a fully transparent tile, 1 for an opaque one, 2 for anything in between."""
    return 0 if alpha.max() == 0 else 1 if alpha.min() == 255 else 2


class Layer:
    """Static RGBA art at one depth (0 = far away, 1 = the characters' plane)."""

    def __init__(self, image: Image.Image, x: int, y: int, depth: float) -> None:
        self.x, self.y, self.depth = x, y, depth
        self.opaque = image.getchannel("A").getextrema()[0] == 255
        self._image = image
        self._prepared: Image.Image | Cutout | None = None

    def absorb(self, other: "Layer") -> None:
        """Composite a nearer layer into this one for good (it then moves with this depth)."""
        self._image.alpha_composite(other._image, (other.x - self.x, other.y - self.y))
        self._prepared = None

    def apply(self, treat: Callable[[Image.Image], Image.Image]) -> None:
        """Pass the art through a treatment for good (a look's paper, strokes or outlines)."""
        self._image = treat(self._image)
        self.opaque = self._image.getchannel("A").getextrema()[0] == 255
        self._prepared = None

    def covers_from(self, canvas_width: int) -> float:
        """The canvas y below which this layer hides everything behind it (inf if nowhere)."""
        if self.x > 0 or self.x + self._image.width < canvas_width:
            return math.inf
        full = (np.asarray(self._image.getchannel("A")) == 255).all(axis=1)
        holes = np.flatnonzero(~full)
        row = 0 if holes.size == 0 else int(holes[-1]) + 1
        return self.y + row if row < full.size else math.inf

    def trim_below(self, y: float) -> None:
        """Drop the rows below canvas y (nearer layers always cover them)."""
        rows = max(1, math.ceil(y - self.y))
        if rows < self._image.height:
            self._image = self._image.crop((0, 0, self._image.width, rows))
            self._prepared = None

    def _ready(self) -> Image.Image | Cutout:
        """An opaque layer is kept whole as RGB; any other as a cutout."""
        if self._prepared is None:
            self._prepared = self._image.convert("RGB") if self.opaque else Cutout(self._image)
        return self._prepared

    def base(self, view: View, size: tuple[int, int]) -> Image.Image:
        """A new frame cut from this layer, which must be opaque and cover the frame."""
        rgb = self._ready()
        x, y = view.pt(self.x, self.y)
        left = min(max(round(-x), 0), rgb.width - size[0])
        top = min(max(round(-y), 0), rgb.height - size[1])
        return rgb.crop((left, top, left + size[0], top + size[1]))

    def blit(self, frame: Image.Image, view: View) -> None:
        """Paste the layer into the frame where the view puts it."""
        art = self._ready()
        x, y = view.pt(self.x, self.y)
        if isinstance(art, Cutout):
            art.paste(frame, round(x), round(y))
        else:
            frame.paste(art, (round(x), round(y)))


def hide_covered(items: list, geometry: Geometry) -> None:
    """Trim from every layer the rows that a nearer full-width opaque layer always covers.

    A margin of the canvas border allows for the parallax between the two during any move."""
    cover = math.inf
    for item in reversed(items):
        if isinstance(item, Layer):
            if cover < math.inf:
                item.trim_below(cover + geometry.my)
            cover = min(cover, item.covers_from(geometry.canvas[0]))
