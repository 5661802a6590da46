"""How a scene prop is drawn: `Pen`, a sprite drawn in figure-height units about the prop's
base point (y down), supersampled, outlined and trimmed; `Colors`, the natural colours props
are painted in, leaned towards the scene's palette and light."""

import math
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw

from tools.video.procedural.palette import RGB, Palette, mix

Point = tuple[float, float]
_SS = 3  # supersampling
_ROOM = 0.4  # figure heights of room around a painter's box for what leans out of it


@dataclass(frozen=True)
class Colors:
    """Natural colours leaned towards the palette and the light, and the palette's own; the
    outline (`rim`) is dark by day and a light rim after dusk, so props read on dark skies."""

    ink: RGB
    rim: RGB
    wood: RGB
    dark_wood: RGB
    metal: RGB
    black: RGB
    paper: RGB
    red: RGB
    green: RGB
    accent: RGB
    highlight: RGB
    flame: RGB = (255, 196, 84)
    light: RGB = (255, 236, 170)
    screen: RGB = (150, 225, 255)

    @classmethod
    def of(cls, p: Palette, time: str) -> "Colors":
        dim = {"night": 0.35, "dusk": 0.22, "sunset": 0.1}.get(time, 0.0)

        def natural(rgb: RGB) -> RGB:
            return mix(mix(rgb, p.mid, 0.15), p.deep, dim)

        return cls(
            ink=mix(p.deep, (0, 0, 0), 0.45),
            rim=mix(p.deep, p.highlight, 0.5) if dim > 0.2 else mix(p.deep, (0, 0, 0), 0.45),
            wood=natural((176, 112, 62)),
            dark_wood=natural((104, 62, 38)),
            metal=natural((150, 156, 166)),
            black=natural((40, 40, 48)),
            paper=natural((246, 240, 226)),
            red=natural((214, 52, 48)),
            green=natural((70, 150, 72)),
            accent=mix(p.accent, p.deep, dim * 0.5),
            highlight=mix(p.highlight, p.deep, dim * 0.5),
        )

    def tone(self, rgb: RGB) -> RGB:
        """Another natural colour, lit like the others (the wood's distance from raw wood)."""
        return mix(rgb, self.ink, 0.1)


class Pen:
    """A sprite drawn in figure-height units about its base point, supersampled, outlined in
    ink and reduced; `turn` rotates what is drawn next about a point."""

    def __init__(self, unit: float, box: tuple[float, float, float, float], *, ink: RGB) -> None:
        self.unit, self.ink = unit, ink
        left, top, right, bottom = box
        self.left, self.top = left - _ROOM, top - _ROOM  # room for what leans out of the box
        w, h = right - left + 2 * _ROOM, bottom - top + 2 * _ROOM
        size = (math.ceil(w * unit * _SS), math.ceil(h * unit * _SS))
        self.image = Image.new("RGBA", size, (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self._turn: tuple[float, float, Point] = (1.0, 0.0, (0.0, 0.0))

    def turn(self, degrees: float, about: Point = (0.0, 0.0)) -> None:
        a = math.radians(degrees)
        self._turn = (math.cos(a), math.sin(a), about)

    def _p(self, x: float, y: float) -> Point:
        cos, sin, (ax, ay) = self._turn
        x, y = ax + (x - ax) * cos - (y - ay) * sin, ay + (x - ax) * sin + (y - ay) * cos
        s = self.unit * _SS
        return ((x - self.left) * s, (y - self.top) * s)

    def poly(self, points: list[Point], color: RGB | tuple) -> None:
        self.draw.polygon([self._p(*p) for p in points], fill=color)

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: RGB | tuple) -> None:
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], color)

    def oval(
        self, cx: float, cy: float, rx: float, ry: float, color: RGB | tuple, a0=0.0, a1=360.0
    ) -> None:
        """A filled ellipse, or the pie slice of it from a0 to a1 degrees (clockwise, y down)."""
        points = arc(cx, cy, rx, ry, a0, a1)
        self.poly(points if a1 - a0 >= 360 else [(cx, cy), *points], color)

    def line(self, points: list[Point], color: RGB | tuple, width: float) -> None:
        w = max(1, round(width * self.unit * _SS))
        self.draw.line([self._p(*p) for p in points], fill=color, width=w, joint="curve")

    def ring(
        self, cx: float, cy: float, rx: float, ry: float, color: RGB, width: float, a0=0.0, a1=360.0
    ) -> None:
        self.line(arc(cx, cy, rx, ry, a0, a1), color, width)

    def done(self, *, outline: bool = True) -> tuple[Image.Image, tuple[int, int]]:
        """The sprite at 1x, trimmed to what was drawn and with a thin ink outline around it,
        and where the base point lies in it (pixels)."""
        image = self.image
        r = max(1, round(self.unit * 0.006 * _SS)) if outline else 0
        box = image.getbbox(alpha_only=True) or (0, 0, _SS, _SS)
        pad = r + _SS
        box = (
            max(0, (box[0] - pad) // _SS * _SS),
            max(0, (box[1] - pad) // _SS * _SS),
            min(image.width, -(-(box[2] + pad) // _SS) * _SS),
            min(image.height, -(-(box[3] + pad) // _SS) * _SS),
        )
        image = image.crop(box)
        if outline:
            alpha = image.getchannel("A")
            grown = alpha
            for dx, dy in ((r, 0), (-r, 0), (0, r), (0, -r), (r, r), (-r, -r), (r, -r), (-r, r)):
                grown = ImageChops.lighter(grown, ImageChops.offset(alpha, dx, dy))
            inked = Image.new("RGBA", image.size, (*self.ink, 255))
            inked.putalpha(grown)
            inked.alpha_composite(image)
            image = inked
        s = self.unit * _SS
        base = (round((-self.left * s - box[0]) / _SS), round((-self.top * s - box[1]) / _SS))
        return image.reduce(_SS), base


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> list[Point]:
    n = max(8, round(abs(a1 - a0) / 8))
    steps = [math.radians(a0 + (a1 - a0) * i / n) for i in range(n + 1)]
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in steps]


def wave(x0: float, y0: float, x1: float, y1: float, amp: float, phase: float) -> list[Point]:
    """A wavy line from (x0, y0) to (x1, y1) (steam, kite tails)."""
    pts = []
    for i in range(13):
        u = i / 12
        dx, dy = x1 - x0, y1 - y0
        n = math.hypot(dx, dy) or 1.0
        off = amp * math.sin(u * 2 * math.pi * 1.5 + phase) * u**0.5
        pts.append((x0 + dx * u - dy / n * off, y0 + dy * u + dx / n * off))
    return pts


def jetty(
    unit: float, k: Colors, box: tuple[float, float, float, float]
) -> tuple[Image.Image, tuple[int, int]]:
    """A plank landing on posts under a prop standing on water, as wide as its box."""
    left, right = box[0] - 0.06, box[2] + 0.06
    pen = Pen(unit, (left, -0.02, right, 0.16), ink=k.rim)
    n = max(2, round((right - left) / 0.25))
    for i in range(n + 1):
        x = left + 0.04 + (right - left - 0.08) * i / n
        pen.rect(x - 0.02, 0.0, x + 0.02, 0.15, k.dark_wood)
    pen.rect(left, -0.005, right, 0.045, k.wood)
    for i in range(1, round((right - left) / 0.08)):
        x = left + i * 0.08
        pen.line([(x, 0.0), (x, 0.04)], k.dark_wood, 0.005)
    return pen.done()
