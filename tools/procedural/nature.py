"""Landscapes: ocean, forest, desert and mountains (see places.py for the rest).

Each builder draws its static layers far to near and lists the effects that animate them.
Every colour is a palette colour or a mix of two.
"""

import math

from PIL import Image, ImageDraw

from tools.procedural.effects import Beams, Blinks, Drifters, Motes, Waves
from tools.procedural.layers import Cutout, Sketch
from tools.procedural.palette import RGB, mix
from tools.procedural.scenery import (
    Ctx,
    Scenery,
    arc_points,
    backdrop,
    cloud,
    dunes,
    layer,
    night_sky_effects,
    pine,
    ridge,
    sky,
    sprite,
    weather,
)


def ocean(c: Ctx) -> Scenery:
    """A sunset sea with a sun path, rolling waves, a beach and a palm."""
    g, p = c.g, c.p
    horizon, sun_x = 0.56, 0.7
    sea = c.sketch()
    sea.band(g.y(horizon), mix(p.dark, p.mid, 0.55))
    sea.band(g.y(horizon + 0.07), mix(p.dark, p.mid, 0.4))
    sea.band(g.y(horizon + 0.14), mix(p.deep, p.dark, 0.6))
    glints = []
    for i in range(14):  # the sun's path on the water, narrowing towards the beach
        y = g.y(horizon + 0.012 + i * 0.018)
        half = (0.09 - i * 0.004) * (0.6 + 0.4 * c.rng.random())
        sea.rect(
            g.x(sun_x - half), y, g.x(sun_x + half), y + g.u(0.006), mix(p.accent, p.highlight, 0.6)
        )
        x = g.x(sun_x + c.rng.uniform(-0.12, 0.12))
        glints.append((x - g.u(0.02), y, x + g.u(0.02), y + g.u(0.004)))
    back = [backdrop(sky(c, sun_at=(sun_x, horizon - 0.05)), sea), *night_sky_effects(c, 0.15)]
    back.append(Blinks(glints, p.highlight, depth=0.15, share=0.5))
    periods = [round(g.u(k)) for k in (0.19, 0.27, 0.38)]
    strips = [
        Cutout(
            _wave_strip(
                c,
                period,
                mix(p.dark, p.mid, 0.45 + 0.2 * i),
                mix(p.mid, p.highlight, 0.35 + 0.15 * i),
            )
        )
        for i, period in enumerate(periods)
    ]
    back.append(
        Waves(
            strips=strips,
            tops=[g.y(0.61), g.y(0.67), g.y(0.74)],
            periods=periods,
            speeds=[g.u(0.03), -g.u(0.05), g.u(0.08)],
            heave=g.u(0.008),
            depth=0.55,
        )
    )
    beach = c.sketch()
    curve = arc_points(g.x(0.5), g.y(0.84) + g.u(3), g.width * 2, g.u(3), math.pi, 2 * math.pi)
    beach.polygon(
        [*curve, (g.canvas[0], g.canvas[1]), (0, g.canvas[1])], mix(p.mid, p.highlight, 0.5)
    )
    beach.line(curve, p.highlight, g.u(0.008))
    back += layer(beach, 1.0)
    front = c.sketch()
    _palm(front, c, g.x(0.03), g.canvas[1], g.u(0.85))
    return Scenery(back=back, front=layer(front, 1.35), air=weather(c), floor=g.y(0.92))


def _wave_strip(c: Ctx, period: int, color: RGB, foam: RGB) -> Image.Image:
    """A band of water with a row of peaked crests, repeating every `period` pixels."""
    width, height = c.g.canvas[0] + 2 * period, round(c.g.u(0.09))

    def paint(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        crest = [
            (x, h * (0.2 + 0.22 * abs(math.sin(x / (period * 2) * math.pi)) ** 0.7))
            for x in range(0, w + 1, 4)
        ]
        d.polygon([*crest, (w, h), (0, h)], fill=(*color, 255))
        d.line(crest, fill=(*foam, 255), width=max(2, h // 16))

    return sprite((width, height), paint)


def _palm(s: Sketch, c: Ctx, x: float, ground: float, height: float) -> None:
    """A palm silhouette leaning right: a curved trunk and six fronds."""
    color = mix(c.p.deep, c.p.dark, 0.3)
    trunk = [(x + height * 0.12 * t**2, ground - height * t) for t in (0, 0.25, 0.5, 0.75, 1.0)]
    s.line(trunk, color, height * 0.04)
    tx, ty = trunk[-1]
    for angle in (-2.6, -2.0, -1.2, -0.5, 0.2, 0.8):
        tip = (
            tx + math.cos(angle) * height * 0.38,
            ty + math.sin(angle) * height * 0.2 + height * 0.12,
        )
        bend = ((tx + tip[0]) / 2, (ty + tip[1]) / 2 - height * 0.06)
        s.polygon([(tx, ty), bend, tip, (bend[0], bend[1] + height * 0.05)], color)


def forest(c: Ctx) -> Scenery:
    """Rows of pines in haze, light shafts, a clearing with fireflies, trunks framing it."""
    g, p = c.g, c.p
    far = c.sketch()
    far.band(g.y(0.62), mix(p.dark, p.mid, 0.35))
    for x in range(0, g.canvas[0], round(g.u(0.06))):
        height = g.u(c.rng.uniform(0.14, 0.3))
        pine(far, x + c.rng.uniform(-10, 10), g.y(0.64), height, mix(p.dark, p.mid, 0.35))
    back = [backdrop(sky(c, sun_at=(0.24, 0.22)), far), *night_sky_effects(c, 0.15, bottom=0.3)]
    back.append(
        Beams(
            sources=[(g.x(0.3), g.y(-0.1)), (g.x(0.62), g.y(-0.1))],
            angles=[-0.35, -0.22],
            colors=[p.highlight, p.highlight],
            length=g.u(1.3),
            spread=0.06,
            sweep=0.03,
            depth=0.45,
            level=0.09,
        )
    )
    trees = c.sketch()
    trees.band(g.y(0.78), mix(p.deep, p.dark, 0.55))
    for fx in (-0.06, 0.03, 0.12, 0.2, 0.8, 0.88, 0.97, 1.06):  # leaving a clearing mid-frame
        x, height = g.x(fx + c.rng.uniform(-0.02, 0.02)), g.u(c.rng.uniform(0.4, 0.6))
        pine(trees, x, g.y(0.8), height, mix(p.deep, p.dark, 0.55))
    back += layer(trees, 0.6)
    ground = c.sketch()
    grass, top = mix(p.deep, p.dark, 0.35), g.y(0.845)
    ground.band(g.y(0.84), grass)
    for i in range(40):
        x, h = g.x(-0.06 + i * 0.03), g.u(c.rng.uniform(0.015, 0.04))
        ground.polygon([(x, top), (x + h * 0.3, top - h), (x + h * 0.6, top)], grass)
    back += layer(ground, 1.0)
    front = c.sketch()
    for fx in (-0.05, 1.06):
        pine(front, g.x(fx), g.canvas[1], g.u(1.25), p.deep)
    flies = Motes(
        region=(0, g.y(0.35), g.canvas[0], g.y(0.9)),
        color=mix(p.accent, p.highlight, 0.5),
        count=24,
        size=g.u(0.004),
        depth=0.8,
        seed=c.seed,
    )
    return Scenery(back=back, front=[flies, *layer(front, 1.35)], air=weather(c), floor=g.y(0.92))


def desert(c: Ctx) -> Scenery:
    """Mesas on the horizon, two rows of dunes, drifting sand and a cactus."""
    g, p = c.g, c.p
    far = c.sketch()
    rock = mix(p.mid, p.accent, 0.3)
    far.band(g.y(0.62), rock)
    for fx, w, h in ((0.1, 0.16, 0.12), (0.42, 0.09, 0.08), (0.86, 0.2, 0.15)):
        x, base, half = g.x(fx), g.y(0.63), g.width * w
        top = base - g.u(h)
        far.polygon(
            [
                (x - half * 0.7, base),
                (x - half * 0.45, top),
                (x + half * 0.45, top),
                (x + half * 0.7, base),
            ],
            rock,
        )
    back = [backdrop(sky(c, sun_at=(0.72, 0.3)), far), *_clouds(c), *night_sky_effects(c, 0.15)]
    mid = c.sketch()
    mid.polygon(dunes(c, base=0.74, height=0.1, waves=3.0), mix(p.accent, p.mid, 0.5))
    back += layer(mid, 0.6)
    ground = c.sketch()
    ground.polygon(dunes(c, base=0.86, height=0.05, waves=1.7), mix(p.accent, p.highlight, 0.4))
    back += layer(ground, 1.0)
    front = c.sketch()
    _cactus(front, g.x(0.93), g.canvas[1] - g.u(0.02), g.u(0.45), mix(p.deep, p.dark, 0.4))
    sand = Motes(
        region=(0, g.y(0.6), g.canvas[0], g.y(0.95)),
        color=mix(p.highlight, p.accent, 0.3),
        count=20,
        size=g.u(0.002),
        depth=0.8,
        seed=c.seed,
    )
    return Scenery(back=back, front=[sand, *layer(front, 1.35)], floor=g.y(0.91))


def _cactus(s: Sketch, x: float, ground: float, height: float, color: RGB) -> None:
    """A saguaro: a rounded trunk with two raised arms."""
    w = height * 0.16
    s.line([(x, ground), (x, ground - height + w / 2)], color, w)
    s.ellipse(x, ground - height + w / 2, w / 2, w / 2, color)
    for side, h in ((-1, 0.55), (1, 0.7)):
        elbow = (x + side * w * 1.6, ground - height * h + w)
        s.line([(x, elbow[1]), elbow, (elbow[0], elbow[1] - height * 0.25)], color, w * 0.7)
        s.ellipse(elbow[0], elbow[1] - height * 0.25, w * 0.35, w * 0.35, color)


def _clouds(c: Ctx) -> list:
    """Three flat clouds drifting across a day sky (none at night)."""
    if c.time == "night":
        return []
    g = c.g
    sprites = [cloud(round(g.u(c.rng.uniform(0.25, 0.4))), c.p.highlight) for _ in range(3)]
    starts = [(g.x(c.rng.uniform(0, 1)), g.y(c.rng.uniform(0.05, 0.3))) for _ in range(3)]
    speeds = [g.u(c.rng.uniform(0.01, 0.03)) for _ in range(3)]
    return [Drifters(sprites=sprites, starts=starts, speeds=speeds, span=g.canvas[0], depth=0.2)]


def mountains(c: Ctx) -> Scenery:
    """A snow-capped range, a nearer ridge and a ledge to stand on; clouds by day."""
    g, p = c.g, c.p
    far = c.sketch()
    peaks = ridge(c, base=0.64, height=0.42, peaks=5, jag=0.012)
    far.polygon(peaks, mix(p.mid, p.dark, 0.3))
    for cap in _above(peaks[1:-1], g.y(0.64 - 0.42 * 0.72)):
        far.polygon(cap, p.highlight)
    sky_and_range = backdrop(sky(c, sun_at=(0.3, 0.3)), far)
    back = [sky_and_range, *_clouds(c), *night_sky_effects(c, 0.15, bottom=0.2)]
    mid = c.sketch()
    mid.polygon(ridge(c, base=0.8, height=0.26, peaks=5, jag=0.02), mix(p.deep, p.dark, 0.7))
    back += layer(mid, 0.55)
    ground = c.sketch()
    ground.polygon(dunes(c, base=0.87, height=0.04, waves=2.5), mix(p.deep, p.dark, 0.5))
    back += layer(ground, 1.0)
    return Scenery(back=back, air=weather(c), floor=g.y(0.92))


def _above(points: list, line: float) -> list[list]:
    """The parts of a ridge that rise above a horizontal line, as polygons (snow caps)."""
    caps, run = [], []
    for x, y in points:
        if y < line:
            run.append((x, y))
        elif run:
            caps.append([(run[0][0], line), *run, (x, line)])
            run = []
    return caps
