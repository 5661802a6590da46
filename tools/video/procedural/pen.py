"""The pen figures are drawn with: shapes in figure units (height 1, x from the centre, y down
from the crown) under a turnable frame, into a colour image and a part-id map for cel shading.
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tools.video.procedural.palette import RGB

HALF_WIDTH, TOP, BOTTOM = 1.35, 0.8, 0.15  # drawing box around a unit-height figure

Point = tuple[float, float]


@dataclass(frozen=True)
class Skeleton:
    """Where a posed body's joints ended up (unit coordinates), for what it holds and rides."""

    shoulders: tuple[Point, Point]
    wrists: tuple[Point, Point]
    head: Point  # centre of the head
    chest: Point


def supersampling(height: int) -> int:
    """How many pixels a side each pixel of a sprite is drawn with: three for small figures,
    two from 300 pixels tall on, where finer edges no longer show and the canvas grows large."""
    return 3 if height < 300 else 2


class Pen:
    """Draws parts in unit coordinates into a colour image and a part-id map."""

    def __init__(self, height: int) -> None:
        self.ss = supersampling(height)
        self.k = height * self.ss
        w, h = round(2 * HALF_WIDTH * self.k), round((TOP + 1 + BOTTOM) * self.k)
        self.color = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        self.ids = Image.new("L", (w, h), 0)
        self._draws = (ImageDraw.Draw(self.color), ImageDraw.Draw(self.ids))
        self._blend = ImageDraw.Draw(self.color, "RGBA")
        self.part = 0
        self._m = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)  # x' = a x + b y + c, y' = d x + e y + f
        self._scale = 1.0

    def next_part(self) -> None:
        self.part += 1

    @contextmanager
    def turned(
        self, pivot: Point, degrees: float, shift: Point = (0.0, 0.0), *, scale: float = 1.0
    ) -> Iterator[None]:
        """Draw turned by `degrees` about `pivot` (clockwise on screen) and scaled about it,
        then moved by `shift`."""
        old, old_scale = self._m, self._scale
        c = math.cos(math.radians(degrees)) * scale
        s = math.sin(math.radians(degrees)) * scale
        px, py = pivot
        tx, ty = px - c * px + s * py + shift[0], py - s * px - c * py + shift[1]
        a, b, c0, d, e, f = old
        self._m = (a * c + b * s, -a * s + b * c, a * tx + b * ty + c0,
                   d * c + e * s, -d * s + e * c, d * tx + e * ty + f)  # fmt: skip
        self._scale = old_scale * scale
        try:
            yield
        finally:
            self._m, self._scale = old, old_scale

    def at(self, x: float, y: float) -> Point:
        """A point of the current frame in unturned unit coordinates."""
        a, b, c, d, e, f = self._m
        return (a * x + b * y + c, d * x + e * y + f)

    def _p(self, x: float, y: float) -> Point:
        ux, uy = self.at(x, y)
        return ((ux + HALF_WIDTH) * self.k, (uy + TOP) * self.k)

    @property
    def _straight(self) -> bool:
        return abs(self._m[1]) < 1e-9

    def _both(self, method: str, color: RGB, *args, **kwargs) -> None:
        draw, ids = self._draws
        getattr(draw, method)(*args, fill=color, **kwargs)
        getattr(ids, method)(*args, fill=self.part, **kwargs)

    def circle(self, x: float, y: float, r: float, color: RGB) -> None:
        cx, cy = self._p(x, y)
        rk = r * self.k * self._scale
        self._both("ellipse", color, (cx - rk, cy - rk, cx + rk, cy + rk))

    def ellipse(self, x: float, y: float, rx: float, ry: float, color: RGB) -> None:
        if self._straight:
            (x0, y0), (x1, y1) = self._p(x - rx, y - ry), self._p(x + rx, y + ry)
            self._both("ellipse", color, (x0, y0, x1, y1))
        else:
            self.poly(arc_points(x, y, rx, ry, 0, 360, 24), color)

    def poly(self, points: list[Point], color: RGB) -> None:
        self._both("polygon", color, [self._p(*p) for p in points])

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: RGB, r: float = 0) -> None:
        if self._straight:
            (a, b), (c, d) = self._p(x0, y0), self._p(x1, y1)
            radius = r * self.k * self._scale
            self._both("rounded_rectangle", color, (a, b, c, d), radius=radius)
        else:
            self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], color)

    def line(self, points: list[Point], width: float, color: RGB) -> None:
        w = max(1, round(width * self.k * self._scale))
        self._both("line", color, [self._p(*p) for p in points], width=w, joint="curve")

    def limb(self, points: list[Point], width: float, color: RGB) -> None:
        """A thick polyline with round ends and joints."""
        self.line(points, width, color)
        for x, y in (points[0], points[-1]):
            self.circle(x, y, width / 2, color)

    def arc(
        self,
        x: float,
        y: float,
        rx: float,
        ry: float,
        a0: float,
        a1: float,
        width: float,
        color: RGB,
    ) -> None:
        """Part of an ellipse's outline, from a0 to a1 degrees (0 = right, 90 = down)."""
        self.line(arc_points(x, y, rx, ry, a0, a1, 12), width, color)

    def chord(self, x: float, y: float, r: float, a0: float, a1: float, color: RGB) -> None:
        self.poly(arc_points(x, y, r, r, a0, a1, 16), color)

    def glow(self, x: float, y: float, r: float, color: RGB, strength: float) -> None:
        """A soft light (colour only, never shaded): rings of growing opacity."""
        cx, cy = self._p(x, y)
        for i in range(8, 0, -1):
            rk = r * self.k * self._scale * i / 8
            alpha = round(255 * strength * (1 - i / 9) ** 1.5 / 2)
            self._blend.ellipse((cx - rk, cy - rk, cx + rk, cy + rk), fill=(*color, alpha))


def arc_points(x: float, y: float, rx: float, ry: float, a0: float, a1: float, n: int) -> list:
    """n+1 points along an ellipse from a0 to a1 degrees."""
    return [
        (x + rx * math.cos(math.radians(a)), y + ry * math.sin(math.radians(a)))
        for a in (a0 + (a1 - a0) * i / n for i in range(n + 1))
    ]
