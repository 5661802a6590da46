"""Every place by name (`PLACES`), and the two that are no place on Earth: space and
abstract (shapes and light in the palette, for shots with no place).

The builders live by kind: waterside.py (lake, river, beach, sea, island, waterfall,
underwater), nature.py (forest, meadow, park, snowfield, desert, mountains, starfield),
townscape.py (street, rooftop, skyline, bridge, road) and interiors.py (room, cafe, train,
stage, club). Each takes a `Ctx` (place, time, weather, view) and returns a `Scenery`: static
layers far to near, the first an opaque layer covering the canvas, and the effects that
animate them. Depths: sky 0.15, far scenery 0.3, mid scenery 0.55-0.6, the characters'
floor 1.0, foreground 1.35.
"""

import math
from collections.abc import Callable

from PIL import Image, ImageDraw

from tools.video.procedural.effects import Bars, Motes, Ripples
from tools.video.procedural.interiors import cafe, club, room, stage, train
from tools.video.procedural.layers import Sketch
from tools.video.procedural.nature import (
    desert,
    forest,
    meadow,
    mountains,
    park,
    snowfield,
    starfield,
)
from tools.video.procedural.palette import mix
from tools.video.procedural.scenery import Ctx, Scenery, arc_points, layer, nebula
from tools.video.procedural.skies import sky, sky_effects
from tools.video.procedural.townscape import bridge, city_skyline, road, rooftop, street
from tools.video.procedural.waterside import beach, island, lake, river, sea, underwater, waterfall
from tools.video.procedural.weather import dress

# where the local star stands in space at each "time": (x, y) frame fractions, size
_STAR = {
    "sunrise": (0.5, 0.78, 0.06, (255, 170, 190)),
    "day": (0.2, 0.15, 0.08, (255, 250, 230)),
    "golden hour": (0.38, 0.5, 0.06, (255, 190, 90)),
    "sunset": (0.3, 0.62, 0.07, (255, 90, 50)),
    "dusk": (0.12, 0.35, 0.06, (150, 110, 255)),
}


def space(c: Ctx) -> Scenery:
    """Stars and nebulae, a ringed planet, a cratered moon surface; the time of day is the
    light of the local star: 0 from the moon's surface, 1 floating, the planet huge,
    2 a moon rising over the planet's curve."""
    g, p, view = c.g, c.p, c.pick(3)
    clear = Ctx(c.g, c.p, c.rng, c.vary, "night", c.seed, place=c.place, view=c.view)
    s = sky(clear, horizon=0.9, stars=320, moon=False)
    s.paste(nebula(c, [p.accent, p.mid]), 0, 0)
    if c.time in _STAR:
        fx, fy, size, light = _STAR[c.time]
        s.glow(g.x(fx), g.y(fy), g.u(size * 9), light, 0.75)
        s.ellipse(g.x(fx), g.y(fy), g.u(size), g.u(size), (255, 250, 235))
    back = [s.layer(0.15), *sky_effects(clear, bottom=0.5)]
    planet = c.sketch()
    fx, fy, size = ((0.76, 0.32, 0.2), (0.62, 0.42, 0.34), (0.5, 1.25, 0.75))[view]
    _planet(planet, g.x(fx), g.y(fy), g.u(size), c)
    back += layer(planet, 0.3)
    surface, floor = "ground", g.y(0.9)
    if view == 0:
        ground = c.sketch()
        rim = arc_points(
            g.x(0.5), g.y(0.8) + g.u(2.0), g.width * 1.6, g.u(2.0), math.pi, 2 * math.pi
        )
        ground.polygon(
            [*rim, (g.canvas[0], g.canvas[1]), (0, g.canvas[1])], mix(p.dark, p.mid, 0.4)
        )
        for _ in range(9):
            x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(0.84, 1.05))
            r = g.u(c.rng.uniform(0.02, 0.06))
            ground.ellipse(x, y, r, r * 0.35, mix(p.dark, p.mid, 0.2))
            ground.ellipse(x, y + r * 0.06, r * 0.85, r * 0.28, mix(p.dark, p.mid, 0.1))
        back += layer(ground, 1.0)
    else:
        surface, floor = "space", g.y(0.8)
    dust = Motes(
        region=(0, g.y(0.1), g.canvas[0], g.y(0.8)),
        color=p.highlight,
        count=18,
        size=g.u(0.002),
        depth=0.6,
        seed=c.seed,
    )
    return Scenery(back=back, front=[dust], floor=floor, surface=surface)


def _planet(s: Sketch, x: float, y: float, r: float, c: Ctx) -> None:
    """A banded planet with a shadowed side, inside a tilted ring."""
    p, size = c.p, round(2 * r * s.k)
    body = Image.new("RGBA", (size, size), (*mix(p.mid, p.accent, 0.25), 255))
    d = ImageDraw.Draw(body, "RGBA")
    for i in range(7):
        top = size * (0.1 + 0.12 * i + c.rng.uniform(-0.03, 0.03))
        band = (0, top, size, top + size * c.rng.uniform(0.03, 0.08))
        d.rectangle(band, fill=(*mix(p.accent, p.highlight, c.rng.random() * 0.5), 150))
    d.ellipse((size * 0.42, size * 0.12, size * 1.4, size * 1.1), fill=(*p.deep, 120))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
    body.putalpha(mask)
    ring = mix(p.highlight, p.accent, 0.3)
    s.ring(x, y, r * 1.9, r * 0.45, ring, r * 0.07, 180, 360)  # behind the planet
    s.paste(body, x - r, y - r)
    s.ring(x, y, r * 1.9, r * 0.45, ring, r * 0.07, 0, 180)  # in front of it


def abstract(c: Ctx) -> Scenery:
    """The default for settings with no place: a glow, floating shapes, rings spreading on
    the beat, an equaliser and a round platform."""
    g, p = c.g, c.p
    s = c.sketch(supersample=1)
    s.gradient([(0.0, p.deep), (0.6, p.dark), (1.0, p.deep)])
    s.glow(g.x(0.5), g.y(0.45), g.u(0.7), p.accent, 0.35)
    back = layer(s, 0.15)
    shapes = c.sketch()
    for i in range(7):
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(0.05, 0.7))
        r, color = g.u(c.rng.uniform(0.06, 0.2)), (p.mid, p.accent, p.highlight)[i % 3]
        if i % 2:
            shapes.ring(x, y, r, r, color, g.u(0.006))
        else:
            a = c.rng.uniform(0, 2 * math.pi)
            corners = [
                (x + r * math.cos(a + j * 2.094), y + r * math.sin(a + j * 2.094)) for j in range(3)
            ]
            shapes.polygon(corners, mix(p.dark, color, 0.4))
    back += layer(shapes, 0.35)
    back.append(Ripples((g.x(0.5), g.y(0.5)), g.u(0.14), p.accent, depth=0.6))
    back.append(
        Bars(
            rect=(g.x(-0.05), g.y(0.7), g.x(1.05), g.y(0.9)),
            columns=40,
            rows=10,
            low=mix(p.dark, p.accent, 0.45),
            high=p.highlight,
            gap=None,
            depth=0.6,
        )
    )
    floor = c.sketch()
    floor.ellipse(g.x(0.5), g.y(0.93), g.width * 0.3, g.u(0.06), mix(p.dark, p.mid, 0.35))
    floor.ring(g.x(0.5), g.y(0.93), g.width * 0.3, g.u(0.06), p.accent, g.u(0.006), 180, 360)
    back += layer(floor, 1.0)
    return dress(c, Scenery(back=back, floor=g.y(0.93)), ground=None, horizon=0.7)


PLACES: dict[str, Callable[[Ctx], Scenery]] = {
    "lake": lake,
    "river": river,
    "forest": forest,
    "meadow": meadow,
    "snowfield": snowfield,
    "street": street,
    "rooftop": rooftop,
    "skyline": city_skyline,
    "beach": beach,
    "sea": sea,
    "island": island,
    "desert": desert,
    "mountains": mountains,
    "space": space,
    "starfield": starfield,
    "underwater": underwater,
    "stage": stage,
    "club": club,
    "room": room,
    "cafe": cafe,
    "road": road,
    "train": train,
    "park": park,
    "bridge": bridge,
    "waterfall": waterfall,
    "abstract": abstract,
}
