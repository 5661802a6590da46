"""Open land: forest, meadow, park, snowfield, desert, mountains, starfield.

Each builder draws its static layers far to near (sky 0.15, far 0.3, middle 0.55-0.6, the
characters' floor 1.0, foreground 1.35), lists the effects that animate them and hands the
result to `dress` for the weather. Colours are natural first, toned by the time of day and
leaning to the palette.
"""

import math

from PIL import Image, ImageDraw, ImageFilter

from tools.video.procedural.effects import Beams, Motes, Twinkle
from tools.video.procedural.layers import Sketch
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.scenery import (
    Ctx,
    Scenery,
    backdrop,
    dunes,
    lamp_post,
    layer,
    pine,
    ridge,
    skyline,
    snowy_pine,
    star_field,
    tree,
)
from tools.video.procedural.skies import sky, sky_effects
from tools.video.procedural.weather import dress

GRASS: RGB = (78, 140, 62)
FOLIAGE: RGB = (34, 92, 48)
BARK: RGB = (96, 66, 44)
SAND: RGB = (226, 190, 128)
ROCK: RGB = (150, 110, 80)
SNOW: RGB = (240, 244, 250)
HAZE: RGB = (110, 130, 150)
FLOWERS: list[RGB] = [(240, 70, 80), (250, 210, 60), (250, 250, 250), (170, 110, 230)]


def forest(c: Ctx) -> Scenery:
    """Rows of pines in haze, light shafts, a clearing with fireflies, trunks framing it:
    0 a clearing, 1 a path between the trunks, 2 deep among big trunks."""
    g, view = c.g, c.pick(3)
    horizon = (0.62, 0.6, 0.66)[view]
    far = c.sketch()
    hazy = c.tone(mix(FOLIAGE, HAZE, 0.5))
    far.band(g.y(horizon), hazy)
    for x in range(0, g.canvas[0], round(g.u(0.06))):
        pine(
            far,
            x + c.rng.uniform(-10, 10),
            g.y(horizon + 0.02),
            g.u(c.rng.uniform(0.14, 0.3)),
            hazy,
        )
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.24), far), *sky_effects(c, bottom=0.3)]
    if not c.dark:
        back.append(
            Beams(
                sources=[(g.x(0.3), g.y(-0.1)), (g.x(0.62), g.y(-0.1))],
                angles=[-0.35, -0.22],
                colors=[c.lamp((255, 240, 200))] * 2,
                length=g.u(1.3),
                spread=0.06,
                sweep=0.03,
                depth=0.45,
                level=0.09,
            )
        )
    trees = c.sketch()
    dark = c.tone(FOLIAGE)
    trees.band(g.y(0.78), c.ground(mix(GRASS, FOLIAGE, 0.5)))
    spots = {
        0: (-0.06, 0.03, 0.12, 0.2, 0.8, 0.88, 0.97, 1.06),
        1: (-0.04, 0.1, 0.24, 0.36, 0.64, 0.76, 0.9, 1.04),
        2: (0.0, 0.18, 0.33, 0.5, 0.67, 0.82, 1.0),
    }[view]
    for fx in spots:
        x, height = g.x(fx + c.rng.uniform(-0.02, 0.02)), g.u(c.rng.uniform(0.4, 0.6))
        if c.weather == "snow":
            snowy_pine(trees, x, g.y(0.8), height, dark, c.ground(SNOW))
        else:
            pine(trees, x, g.y(0.8), height, dark)
    back += layer(trees, 0.6)
    ground = c.sketch()
    grass, top = c.ground(mix(GRASS, FOLIAGE, 0.3)), g.y(0.845)
    ground.band(g.y(0.84), grass)
    if view == 1:  # a path of earth winding away
        earth = c.ground((140, 110, 80))
        ground.polygon(
            [
                (g.x(0.46), g.y(0.84)),
                (g.x(0.54), g.y(0.84)),
                (g.x(0.75), g.canvas[1]),
                (g.x(0.25), g.canvas[1]),
            ],
            earth,
        )
    for i in range(40):
        x, h = g.x(-0.06 + i * 0.03), g.u(c.rng.uniform(0.015, 0.04))
        ground.polygon([(x, top), (x + h * 0.3, top - h), (x + h * 0.6, top)], grass)
    back += layer(ground, 1.0)
    front = c.sketch()
    trunk = c.tone(mix(BARK, (20, 20, 20), 0.4))
    if view == 2:
        for fx, w in ((-0.02, 0.09), (0.97, 0.12)):
            front.rect(g.x(fx) - g.u(w), 0, g.x(fx) + g.u(w), g.canvas[1], trunk)
    else:
        for fx in (-0.05, 1.06):
            pine(front, g.x(fx), g.canvas[1], g.u(1.25), trunk)
    flies = Motes(
        region=(0, g.y(0.35), g.canvas[0], g.y(0.9)),
        color=c.lamp((220, 255, 140)) if c.dark else c.lamp((255, 250, 220)),
        count=24 if c.dark else 10,
        size=g.u(0.004),
        depth=0.8,
        seed=c.seed,
    )
    scenery = Scenery(back=back, front=[flies, *layer(front, 1.35)], floor=g.y(0.92))
    return dress(c, scenery, ground=0.86, horizon=horizon)


def meadow(c: Ctx) -> Scenery:
    """Open grass with wild flowers under a wide sky: 0 rolling hills with a lone tree,
    1 a flat field to the horizon, 2 deep in tall grass and flowers."""
    g, view = c.g, c.pick(3)
    horizon = (0.58, 0.66, 0.52)[view]
    far = c.sketch()
    far.polygon(dunes(c, base=horizon, height=0.08, waves=2.0), c.ground(mix(GRASS, HAZE, 0.45)))
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.66), far), *sky_effects(c, bottom=horizon)]
    hills = c.sketch()
    hills.polygon(
        dunes(c, base=horizon + 0.12, height=0.1 if view != 1 else 0.02, waves=2.6), c.ground(GRASS)
    )
    if view == 0:
        tree(hills, g.x(0.78), g.y(horizon + 0.06), g.u(0.3), c.tone(FOLIAGE), c.tone(BARK))
    for _ in range(160):  # flowers, smaller and denser towards the hills
        f = c.rng.random()
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(horizon + 0.1 + f * (1.02 - horizon - 0.1))
        r = g.u(0.002 + 0.008 * f)
        hills.ellipse(x, y, r, r, c.ground(FLOWERS[int(c.rng.integers(4))]))
    back += layer(hills, 0.6)
    near = c.sketch()
    near.polygon(dunes(c, base=0.9, height=0.04, waves=1.5), c.ground(mix(GRASS, FOLIAGE, 0.2)))
    back += layer(near, 1.0)
    front = c.sketch()
    if view == 2:  # tall grass blades and big flowers in front
        blade = c.ground(mix(GRASS, FOLIAGE, 0.4))
        for _ in range(90):
            x, h = g.x(c.rng.uniform(-0.05, 1.05)), g.u(c.rng.uniform(0.12, 0.35))
            lean = c.rng.uniform(-0.3, 0.3) * h
            front.polygon(
                [
                    (x - g.u(0.006), g.canvas[1]),
                    (x + lean, g.canvas[1] - h),
                    (x + g.u(0.006), g.canvas[1]),
                ],
                blade,
            )
        for _ in range(10):
            x, y = g.x(c.rng.uniform(0, 1)), g.y(c.rng.uniform(0.86, 0.98))
            color = c.ground(FLOWERS[int(c.rng.integers(4))])
            for a in range(5):
                ang = a * 2 * math.pi / 5
                front.ellipse(
                    x + math.cos(ang) * g.u(0.014),
                    y + math.sin(ang) * g.u(0.014),
                    g.u(0.011),
                    g.u(0.011),
                    color,
                )
            front.ellipse(x, y, g.u(0.008), g.u(0.008), c.tone((250, 200, 40)))
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=g.y(0.93))
    return dress(c, scenery, ground=0.9, horizon=horizon)


def park(c: Ctx) -> Scenery:
    """A city park: lawns, round trees, a path and lamp posts, buildings beyond the trees:
    0 along the path, 1 a lawn with a pond-side bench, 2 under a big tree by a lamp."""
    g, view = c.g, c.pick(3)
    horizon = (0.6, 0.62, 0.58)[view]
    far = c.sketch()
    skyline(
        far,
        c,
        tops=(horizon - 0.16, horizon - 0.05),
        widths=(0.05, 0.1),
        color=c.tone((120, 124, 140)),
        windows=c.lamp() if c.dark else None,
        lit=c.lit,
        bottom=g.y(horizon),
    )
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.3), far), *sky_effects(c, bottom=0.3)]
    mid = c.sketch()
    mid.band(g.y(horizon), c.ground(GRASS))
    for k in range(10):
        x = g.x(-0.05 + k * 0.12 + c.rng.uniform(-0.02, 0.02))
        tree(
            mid,
            x,
            g.y(horizon + 0.03),
            g.u(c.rng.uniform(0.16, 0.24)),
            c.tone(FOLIAGE),
            c.tone(BARK),
        )
    back += layer(mid, 0.55)
    lawn = c.sketch()
    lawn.band(g.y(horizon + 0.08), c.ground(mix(GRASS, (120, 170, 80), 0.3)))
    stripe = c.ground(mix(GRASS, (150, 190, 100), 0.4))
    for k in range(6):  # mown stripes
        y = g.y(horizon + 0.1 + k * 0.05)
        lawn.rect(0, y, g.canvas[0], y + g.u(0.02), stripe)
    gravel = c.ground((200, 184, 150))
    if view == 0:
        lawn.polygon(
            [
                (g.x(0.47), g.y(horizon + 0.08)),
                (g.x(0.53), g.y(horizon + 0.08)),
                (g.x(0.85), g.canvas[1]),
                (g.x(0.15), g.canvas[1]),
            ],
            gravel,
        )
        posts = [(0.33, 0.32), (0.66, 0.32), (0.1, 0.55), (0.9, 0.55)]
    elif view == 1:
        lawn.rect(0, g.y(0.85), g.canvas[0], g.y(0.92), gravel)
        lawn.ellipse(g.x(0.72), g.y(horizon + 0.14), g.u(0.3), g.u(0.05), c.tone((70, 120, 160)))
        _bench(lawn, c, g.x(0.25), g.y(0.86), g.u(0.16))
        posts = [(0.08, 0.5), (0.5, 0.4)]
    else:
        lawn.rect(0, g.y(0.86), g.canvas[0], g.canvas[1], gravel)
        posts = [(0.82, 0.75)]
    for fx, h in posts:
        ground = g.y(horizon + 0.08) + g.u(h * 0.35)
        lamp_post(lawn, c, g.x(fx), ground, g.u(h))
    back += layer(lawn, 1.0)
    front = c.sketch()
    if view == 2:  # a big trunk and its crown hanging into the frame
        tree(front, g.x(0.05), g.canvas[1] + g.u(0.1), g.u(1.4), c.tone(FOLIAGE), c.tone(BARK))
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=g.y(0.92))
    return dress(c, scenery, ground=0.86, horizon=horizon)


def _bench(s: Sketch, c: Ctx, x: float, ground: float, width: float) -> None:
    """A park bench seen from the front: seat, back slats and legs."""
    wood, iron = c.tone((150, 100, 60)), c.tone((40, 40, 44))
    for dx in (0.05, 0.95):
        s.rect(x + width * dx - 2, ground - width * 0.5, x + width * dx + 2, ground, iron)
    s.rect(x, ground - width * 0.25, x + width, ground - width * 0.2, wood)
    for k in range(3):
        y = ground - width * (0.33 + 0.07 * k)
        s.rect(x, y, x + width, y + width * 0.035, wood)


def snowfield(c: Ctx) -> Scenery:
    """A white plain with snowy pines and far white hills: 0 open plain with a pine grove,
    1 a frozen lake with the forest behind, 2 among snowy pines in drifts."""
    g, view = c.g, c.pick(3)
    horizon = (0.6, 0.56, 0.64)[view]
    snow, shadow = c.tone(SNOW, share=0.15), c.tone(mix(SNOW, (130, 150, 190), 0.35), share=0.15)
    far = c.sketch()
    far.polygon(ridge(c, base=horizon, height=0.16, peaks=6, jag=0.01), shadow)
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.3), far), *sky_effects(c, bottom=0.3)]
    mid = c.sketch()
    mid.polygon(dunes(c, base=horizon + 0.04, height=0.03, waves=2.0), snow)
    needles = c.tone((30, 70, 60))
    if view == 1:
        mid.ellipse(
            g.x(0.5),
            g.y(horizon + 0.12),
            g.width * 0.5,
            g.u(0.06),
            c.tone((170, 200, 225), share=0.15),
        )
    spots = [c.rng.uniform(-0.05, 1.05) for _ in range(14 if view == 2 else 8)]
    for fx in spots:
        if view == 0 and 0.3 < fx < 0.7:
            continue
        snowy_pine(mid, g.x(fx), g.y(horizon + 0.05), g.u(c.rng.uniform(0.12, 0.25)), needles, snow)
    back += layer(mid, 0.55)
    ground = c.sketch()
    ground.polygon(dunes(c, base=0.88, height=0.04, waves=1.4), snow)
    for _ in range(12):  # blue shadows in the drifts
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(0.9, 1.05))
        ground.ellipse(x, y, g.u(c.rng.uniform(0.08, 0.2)), g.u(0.012), shadow)
    back += layer(ground, 1.0)
    front = c.sketch()
    if view == 2:
        for fx in (-0.04, 1.04):
            snowy_pine(front, g.x(fx), g.canvas[1], g.u(1.1), needles, snow)
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=g.y(0.93))
    return dress(c, scenery, ground=None, horizon=horizon)


def desert(c: Ctx) -> Scenery:
    """Mesas on the horizon, rows of dunes, drifting sand and a cactus: 0 dunes and a
    cactus, 1 a canyon between red walls, 2 a dune crest against the sky."""
    g, view = c.g, c.pick(3)
    horizon = (0.62, 0.66, 0.72)[view]
    far = c.sketch()
    rock = c.tone(ROCK)
    if view != 2:
        far.band(g.y(horizon), rock)
        for fx, w, h in ((0.1, 0.16, 0.12), (0.42, 0.09, 0.08), (0.86, 0.2, 0.15)):
            x, base, half = g.x(fx), g.y(horizon + 0.01), g.width * w
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
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.72), far), *sky_effects(c, bottom=0.4)]
    mid = c.sketch()
    if view == 1:  # canyon walls rising on both sides
        wall = c.tone(mix(ROCK, (170, 80, 50), 0.4))
        for side in (-1, 1):
            edge = 0.5 + side * 0.34
            xs = [g.x(edge - side * k * 0.022) for k in range(10)]
            pts = [(x, g.y(0.1 + 0.07 * k + c.rng.uniform(-0.02, 0.02))) for k, x in enumerate(xs)]
            outer = g.x(0.5 + side * 0.7)
            mid.polygon(
                [(outer, g.canvas[1]), (outer, 0), (xs[0], 0), *pts, (xs[-1], g.canvas[1])], wall
            )
            for x, y in pts[1::2]:  # strata ending at the wall's edge
                mid.line([(outer, y), (x, y)], mix(wall, (0, 0, 0), 0.2), g.u(0.006))
    mid.polygon(dunes(c, base=horizon + 0.1, height=0.1, waves=3.0), c.ground(mix(SAND, ROCK, 0.3)))
    back += layer(mid, 0.6)
    ground = c.sketch()
    ground.polygon(
        dunes(c, base=0.88, height=0.05 if view != 2 else 0.12, waves=1.7), c.ground(SAND)
    )
    back += layer(ground, 1.0)
    front = c.sketch()
    if view == 0:
        _cactus(front, g.x(0.93), g.canvas[1] - g.u(0.02), g.u(0.45), c.tone((60, 110, 60)))
    sand = Motes(
        region=(0, g.y(0.6), g.canvas[0], g.y(0.95)),
        color=c.tone(SAND),
        count=20,
        size=g.u(0.002),
        depth=0.8,
        seed=c.seed,
    )
    scenery = Scenery(back=back, front=[sand, *layer(front, 1.35)], floor=g.y(0.91))
    return dress(c, scenery, ground=0.86, horizon=horizon)


def _cactus(s: Sketch, x: float, ground: float, height: float, color: RGB) -> None:
    """A saguaro: a rounded trunk with two raised arms."""
    w = height * 0.16
    s.line([(x, ground), (x, ground - height + w / 2)], color, w)
    s.ellipse(x, ground - height + w / 2, w / 2, w / 2, color)
    for side, h in ((-1, 0.55), (1, 0.7)):
        elbow = (x + side * w * 1.6, ground - height * h + w)
        s.line([(x, elbow[1]), elbow, (elbow[0], elbow[1] - height * 0.25)], color, w * 0.7)
        s.ellipse(elbow[0], elbow[1] - height * 0.25, w * 0.35, w * 0.35, color)


def mountains(c: Ctx) -> Scenery:
    """A snow-capped range, a nearer ridge and a ledge to stand on: 0 the range across a
    valley, 1 a single big peak, 2 on a high rocky ledge above the clouds."""
    g, view = c.g, c.pick(3)
    horizon = (0.64, 0.7, 0.5)[view]
    far = c.sketch()
    stone = c.tone((110, 116, 134))
    if view == 1:
        peaks = [
            (0, g.canvas[1]),
            (0, g.y(0.6)),
            (g.x(0.5), g.y(0.1)),
            (g.canvas[0], g.y(0.62)),
            (g.canvas[0], g.canvas[1]),
        ]
        line = g.y(0.3)
    else:
        peaks = ridge(c, base=horizon, height=0.42 if view == 0 else 0.2, peaks=5, jag=0.012)
        summit = min(y for x, y in peaks if g.x(0.05) < x < g.x(0.95))  # in the frame
        line = summit + (g.y(horizon) - summit) * 0.4
    far.polygon(peaks, stone)
    for cap in _above(peaks[1:-1], line):
        far.polygon(cap, c.tone(SNOW, share=0.15))
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.3), far), *sky_effects(c, bottom=0.2)]
    mid = c.sketch()
    if view == 2:  # a sea of cloud below the ledge
        cloud = c.tone((235, 235, 242), share=0.15)
        for k in range(16):
            mid.ellipse(
                g.x(-0.05 + k * 0.075), g.y(0.66 + 0.03 * (k % 2)), g.u(0.12), g.u(0.06), cloud
            )
        mid.rect(0, g.y(0.67), g.canvas[0], g.y(0.82), cloud)
    else:
        mid.polygon(ridge(c, base=0.8, height=0.26, peaks=5, jag=0.02), c.tone((60, 80, 70)))
    back += layer(mid, 0.55)
    ground = c.sketch()
    ledge = c.ground((96, 90, 86))
    if view == 2:
        ground.polygon(
            [
                (g.x(-0.1), g.canvas[1]),
                (g.x(-0.1), g.y(0.84)),
                (g.x(0.7), g.y(0.86)),
                (g.x(0.85), g.canvas[1]),
            ],
            ledge,
        )
    else:
        ground.polygon(dunes(c, base=0.87, height=0.04, waves=2.5), ledge)
    back += layer(ground, 1.0)
    scenery = Scenery(back=back, floor=g.y(0.92))
    return dress(c, scenery, ground=None, horizon=horizon)


def _above(points: list, line: float) -> list[list]:
    """The parts of a ridge that rise above a horizontal line, as polygons (snow caps)."""
    caps, run = [], []
    x, y = points[0]
    if y < line:
        run = [(x, line), (x, y)]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if (y0 < line) != (y1 < line):  # the edge crosses the line here
            cross = (x0 + (x1 - x0) * (line - y0) / (y1 - y0), line)
            if y1 < line:
                run = [cross, (x1, y1)]
            else:
                caps.append([*run, cross])
                run = []
        elif y1 < line:
            run.append((x1, y1))
    if run:
        caps.append([*run, (run[-1][0], line)])
    return caps


def starfield(c: Ctx) -> Scenery:
    """A hill silhouette under a sky dense with stars and the milky way (its glory at night;
    at other times the same hill under that time's sky with what stars show): 0 a hilltop
    with a lone tree, 1 a wide ridge line, 2 lying back, almost all sky."""
    g, view = c.g, c.pick(3)
    horizon = (0.72, 0.78, 0.88)[view]
    s = sky(c, horizon=horizon, sun_x=0.15, stars=500)
    if c.time == "night" and c.weather in ("clear", "wind", "snow"):
        s.paste(_milky_way(c), 0, 0)
        for x, y, r in star_field(c, 350, top=0.0, bottom=horizon):
            s.ellipse(x, y, r * 0.8, r * 0.8, (255, 252, 240))
    back = [s.layer(0.15), *sky_effects(c, bottom=horizon)]
    if c.time in ("dusk", "night"):
        points = star_field(c, 60, top=0.0, bottom=horizon - 0.1)
        back.append(Twinkle(points, mix((255, 250, 235), c.p.highlight, 0.3), 0.15))
    hill = c.sketch()
    dark = c.tone((30, 40, 40))
    if view == 0:
        hill.polygon(dunes(c, base=horizon + 0.06, height=0.12, waves=1.2), dark)
        tree(hill, g.x(0.7), g.y(horizon - 0.02), g.u(0.25), dark, dark)
    else:
        hill.polygon(dunes(c, base=horizon + 0.04, height=0.05, waves=2.5), dark)
    back += layer(hill, 1.0)
    scenery = Scenery(back=back, floor=g.y(0.93 if view != 2 else 0.97), figure_height=0.42)
    return dress(c, scenery, ground=None, horizon=horizon)


def _milky_way(c: Ctx) -> Image.Image:
    """A soft diagonal band of light with darker lanes, painted small and blurred."""
    cw, ch = c.g.canvas
    small = Image.new("RGBA", (cw // 8, ch // 8), (0, 0, 0, 0))
    d = ImageDraw.Draw(small)
    w, h = small.size
    glow = mix((200, 200, 230), c.p.highlight, 0.3)
    for k in range(24):
        f = k / 23
        x, y = w * (-0.1 + 1.2 * f), h * (0.75 - 0.65 * f)
        r = h * (0.12 + 0.05 * math.sin(k))
        d.ellipse((x - r, y - r * 0.7, x + r, y + r * 0.7), fill=(*glow, 60))
        d.ellipse((x - r * 0.3, y - r * 0.2, x + r * 0.3, y + r * 0.05), fill=(*c.p.accent, 30))
    small = small.filter(ImageFilter.GaussianBlur(cw / 300))
    return small.resize((cw, ch), Image.BILINEAR)
