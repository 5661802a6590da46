"""The sky at each time of day, under each weather: gradient, sun or moon, clouds, stars.

sunrise: a pale warm sky, the sun half risen at the horizon; day: blue, a high sun, white
clouds; golden hour: warm light, a low sun above the horizon; sunset: orange and red, the sun
touching the horizon; dusk: purple-blue, no sun, the first stars; night: a moon and stars.
Rain, storm, fog and snow cover the sky with grey cloud and hide the sun.
"""

from PIL import ImageDraw

from tools.video.procedural.effects import Meteor, Twinkle
from tools.video.procedural.layers import Sketch, vertical_gradient
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.scenery import Ctx, cloud, sprite, star_field

# natural colours, top of the sky to the horizon
_STOPS: dict[str, list[RGB]] = {
    "sunrise": [(96, 128, 186), (214, 178, 190), (255, 214, 170)],
    "day": [(52, 112, 200), (110, 170, 230), (190, 222, 244)],
    "golden hour": [(88, 124, 188), (226, 186, 140), (255, 196, 110)],
    "sunset": [(58, 42, 104), (206, 84, 84), (255, 150, 58)],
    "dusk": [(14, 18, 58), (70, 52, 120), (190, 110, 140)],
    "night": [(4, 6, 20), (12, 18, 46), (30, 40, 80)],
}
_COVER: dict[str, tuple[RGB, float]] = {
    "rain": ((96, 102, 112), 0.65),
    "storm": ((38, 40, 54), 0.75),
    "fog": ((186, 190, 196), 0.7),
    "snow": ((206, 210, 220), 0.6),
}
_SUN_HEIGHT = {"sunrise": 0.0, "day": 0.4, "golden hour": 0.14, "sunset": 0.02}
_SUN: dict[str, RGB] = {
    "sunrise": (255, 226, 170),
    "day": (255, 250, 225),
    "golden hour": (255, 210, 120),
    "sunset": (255, 120, 60),
}
_NIGHT_TONE = 0.25  # the palette's share in a night sky (kept dark)


def overcast(c: Ctx) -> bool:
    return c.weather in _COVER


def sky_colors(c: Ctx, horizon: float) -> list[tuple[float, RGB]]:
    """Gradient stops (canvas height fraction, colour) with the last colour at the horizon."""
    top, middle, low = _STOPS[c.time]
    if overcast(c):
        grey, much = _COVER[c.weather]
        dim = 0.45 if c.time in ("dusk", "night") else 1.0
        top, middle, low = (mix(col, grey, much * dim) for col in (top, middle, low))
    share = _NIGHT_TONE if c.time == "night" else 0.3
    ch = c.g.canvas[1]
    return [
        (0.0, c.palette(top, share)),
        (c.g.y(horizon * 0.6) / ch, c.palette(middle, share)),
        (c.g.y(horizon) / ch, c.palette(low, share)),
    ]


def sky(
    c: Ctx, *, horizon: float, sun_x: float = 0.72, stars: int = 150, moon: bool = True
) -> Sketch:
    """A sketch (1x, canvas-sized, opaque) of the sky down to the frame fraction `horizon`
    and below: gradient, sun or moon with its glow, clouds, stars at dusk and night (no moon
    when `moon` is false)."""
    s = c.sketch(supersample=1)
    s.gradient(sky_colors(c, horizon))
    g = c.g
    if c.time in ("dusk", "night") and stars and c.weather not in ("storm", "fog"):
        count = stars if c.time == "night" else stars // 4
        for x, y, r in star_field(c, count, top=0.0, bottom=horizon * 0.85):
            s.ellipse(x, y, r, r, mix((255, 250, 235), c.p.highlight, c.vary.random() * 0.4))
    if c.time == "dusk":
        s.glow(g.x(sun_x), g.y(horizon), g.u(0.5), c.palette((255, 150, 120)), 0.4)
    elif c.time == "night":
        if moon and not overcast(c):
            _disc(c, s, g.x(sun_x), g.y(0.16), g.u(0.055), (240, 240, 225), crescent=True)
    elif overcast(c):
        s.glow(g.x(sun_x), g.y(horizon - 0.3), g.u(0.5), (255, 255, 255), 0.18)
    else:
        y = g.y(horizon - _SUN_HEIGHT[c.time])
        radius = g.u(0.05 if c.time == "day" else 0.085)
        color = _SUN[c.time]
        s.glow(g.x(sun_x), y, radius * (5 if c.time != "day" else 3.5), color, 0.7)
        _disc(c, s, g.x(sun_x), y, radius, color, crescent=False)
        if c.time in ("sunset", "golden hour", "sunrise"):  # long light along the horizon
            s.rect(0, y + radius * 0.3, g.canvas[0], y + radius * 0.42, mix(color, (255,) * 3, 0.4))
    _clouds(c, s, horizon)
    return s


def _disc(c: Ctx, s: Sketch, x: float, y: float, radius: float, color: RGB, *, crescent: bool):
    """A sun (disc) or a crescent moon with a halo."""
    if crescent:
        s.glow(x, y, radius * 4, color, 0.35)

    def paint(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        d.ellipse((0, 0, w - 1, h - 1), fill=(*color, 255))
        if crescent:
            d.ellipse((w * 0.3, -h * 0.12, w * 1.15, h * 0.8), fill=(0, 0, 0, 0))

    size = round(2 * radius)
    disc = sprite((size, size), paint)
    s.paste(disc, x - radius, y - radius)


def _cloud_color(c: Ctx) -> tuple[RGB, RGB]:
    """A cloud's light side and shade at this time and weather."""
    lit = {
        "sunrise": (255, 206, 196),
        "day": (252, 252, 255),
        "golden hour": (255, 220, 170),
        "sunset": (255, 150, 110),
        "dusk": (120, 96, 150),
        "night": (40, 46, 70),
    }[c.time]
    if overcast(c):
        lit = mix(lit, _COVER[c.weather][0], 0.6)
    return c.palette(lit, 0.2), c.palette(mix(lit, (60, 60, 80), 0.3), 0.2)


def _clouds(c: Ctx, s: Sketch, horizon: float) -> None:
    """A few flat clouds; a low ceiling of them when overcast; none on a clear night."""
    g = c.g
    if c.time == "night" and not overcast(c):
        return
    light, shade = _cloud_color(c)
    if overcast(c):
        for k in range(14):
            width = round(g.u(c.vary.uniform(0.4, 0.7)))
            x = g.x(k / 12 - 0.1 + c.vary.uniform(-0.03, 0.03))
            y = g.y(c.vary.uniform(-0.12, horizon * 0.35))
            s.paste(cloud(width, shade if k % 2 else light), x - width / 2, y)
        return
    count = {"day": 4, "dusk": 2}.get(c.time, 3)
    for _ in range(count):
        width = round(g.u(c.vary.uniform(0.22, 0.4)))
        x, y = g.x(c.vary.uniform(0.0, 1.0)), g.y(c.vary.uniform(0.04, horizon * 0.55))
        s.paste(cloud(width, shade), x - width / 2 + g.u(0.01), y + g.u(0.01))
        s.paste(cloud(width, light), x - width / 2, y)


def sky_effects(c: Ctx, depth: float = 0.15, *, bottom: float = 0.33) -> list:
    """Twinkling stars (and a meteor on the downbeats at night) above `bottom`."""
    if c.time not in ("dusk", "night") or c.weather in ("storm", "fog", "rain"):
        return []
    points = star_field(c, 28 if c.time == "night" else 10, top=0.0, bottom=bottom)
    points[:, 2] *= 1.6
    color = mix((255, 250, 235), c.p.highlight, 0.3)
    if c.time == "dusk":
        return [Twinkle(points, color, depth)]
    region = (c.g.x(0.05), c.g.y(0.02), c.g.x(0.8), c.g.y(min(0.25, bottom - 0.08)))
    return [Twinkle(points, color, depth), Meteor(region, color, depth)]


def window_sky(c: Ctx, s: Sketch, box: tuple[float, float, float, float]) -> None:
    """The sky of this time seen through a window (for interiors): gradient, sun or moon."""
    x0, y0, x1, y1 = (round(v) for v in box)
    stops = sky_colors(c, 0.62)
    size = ((x1 - x0) * s.k, (y1 - y0) * s.k)
    s.paste(vertical_gradient(size, [(0.0, stops[0][1]), (1.0, stops[-1][1])]), x0, y0)
    if c.time == "night" and not overcast(c):
        s.ellipse(
            x1 - (x1 - x0) * 0.25,
            y0 + (y1 - y0) * 0.25,
            (y1 - y0) * 0.08,
            (y1 - y0) * 0.08,
            (240, 240, 225),
        )
    elif c.time not in ("dusk", "night") and not overcast(c):
        fy = {"day": 0.2, "golden hour": 0.55, "sunrise": 0.8, "sunset": 0.8}[c.time]
        r = (y1 - y0) * 0.09
        s.ellipse(x0 + (x1 - x0) * 0.7, y0 + (y1 - y0) * fy, r, r, _SUN[c.time])
