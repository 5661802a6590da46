"""Places by and on the water: lake, river, beach, sea, island, waterfall, underwater.

Each builder draws its static layers far to near (sky 0.15, far 0.3, middle 0.55-0.6, the
characters' floor 1.0, foreground 1.35), lists the effects that animate them and hands the
result to `dress` for the weather. Colours are natural first (water bluish, sand warm,
grass green), toned by the time of day and leaning to the palette.
"""

import math

from PIL import ImageDraw

from tools.video.procedural.effects import Beams, Blinks, Bubbles, Cascade, Motes, Waves
from tools.video.procedural.layers import Cutout, Sketch
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.scenery import (
    Ctx,
    Scenery,
    arc_points,
    backdrop,
    dunes,
    layer,
    palm,
    pine,
    sprite,
    tree,
)
from tools.video.procedural.skies import sky, sky_colors, sky_effects
from tools.video.procedural.weather import dress

WATER: RGB = (44, 104, 150)
DEEP_WATER: RGB = (20, 58, 100)
GRASS: RGB = (70, 130, 60)
FOLIAGE: RGB = (34, 92, 48)
SAND: RGB = (226, 196, 140)
WOOD: RGB = (120, 82, 50)
ROCK: RGB = (96, 90, 84)


def water_tone(c: Ctx, natural: RGB = WATER, *, horizon: float = 0.55) -> RGB:
    """Water: its own colour toned by the light, mixed with the sky it reflects."""
    return mix(c.tone(natural), sky_colors(c, horizon)[-1][1], 0.3)


def ripples(c: Ctx, s: Sketch, top: float, bottom: float, color: RGB, *, count: int = 60) -> list:
    """Short light strokes on water between two frame fractions, longer when nearer; returns
    some of them as glint rects for `Blinks`."""
    g, glints = c.g, []
    for _ in range(count):
        f = c.rng.random() ** 1.6
        y = g.y(top + (bottom - top) * f)
        x, half = g.x(c.rng.uniform(-0.05, 1.05)), g.u(0.01 + 0.06 * f)
        s.rect(x - half, y, x + half, y + max(1.0, g.u(0.002 + 0.003 * f)), color)
        if len(glints) < 24:
            glints.append((x - half * 0.5, y, x + half * 0.5, y + max(1.0, g.u(0.003))))
    return glints


def _reeds(c: Ctx, s: Sketch, x0: float, x1: float, ground: float, height: float) -> None:
    """Reeds and cattails between two canvas xs, rising from `ground`."""
    g, stem, head = c.g, c.tone((70, 100, 50)), c.tone((100, 66, 40))
    x = x0
    while x < x1:
        h = height * c.rng.uniform(0.5, 1.0)
        lean = c.rng.uniform(-0.12, 0.12) * h
        s.line([(x, ground), (x + lean, ground - h)], stem, g.u(0.006))
        if c.rng.random() < 0.4:
            s.line(
                [(x + lean * 0.9, ground - h * 0.9), (x + lean, ground - h * 0.72)],
                head,
                g.u(0.016),
            )
        x += g.u(c.rng.uniform(0.008, 0.025))


def _far_shore(c: Ctx, s: Sketch, horizon: float, *, trees: int = 40) -> None:
    """Low hills and a fringe of pines along the far side of the water."""
    g = c.g
    s.polygon(
        dunes(c, base=horizon, height=0.07, waves=2.5), c.tone(mix(FOLIAGE, (90, 110, 130), 0.45))
    )
    color = c.tone(mix(FOLIAGE, (40, 60, 70), 0.3))
    for k in range(trees):
        x = g.x(-0.05 + k * 1.1 / trees + c.rng.uniform(-0.01, 0.01))
        pine(s, x, g.y(horizon), g.u(c.rng.uniform(0.05, 0.11)), color)
    s.rect(0, g.y(horizon) - 1, g.canvas[0], g.y(horizon) + 1, color)


def lake(c: Ctx) -> Scenery:
    """A still lake mirroring a wooded far shore: 0 from the shore with a jetty, 1 out on the
    water, 2 among the reeds."""
    g, view = c.g, c.pick(3)
    horizon = (0.52, 0.58, 0.47)[view]
    s = sky(c, horizon=horizon, sun_x=(0.7, 0.3, 0.62)[view])
    far = c.sketch()
    _far_shore(c, far, horizon)
    water = water_tone(c, horizon=horizon)
    lines = c.sketch()
    glints = ripples(c, lines, horizon + 0.01, 1.0, mix(water, (255, 255, 255), 0.25), count=40)
    base = backdrop(s, far, mirror=(g.y(horizon), water, 0.6), over=(lines,))
    back = [base, *sky_effects(c, bottom=horizon)]
    back.append(Blinks(glints, mix(water, (255, 255, 255), 0.6), depth=0.15, share=0.4))
    near, front, floor, surface = c.sketch(), c.sketch(), g.y(0.9), "ground"
    if view == 0:  # a jetty running out from the bank, planks across it
        near.polygon(dunes(c, base=1.0, height=0.06, waves=2.0), c.ground(GRASS))
        plank, top = c.tone(WOOD), g.y(horizon + 0.2)
        near.polygon(
            [(g.x(0.4), top), (g.x(0.6), top), (g.x(0.78), g.canvas[1]), (g.x(0.22), g.canvas[1])],
            plank,
        )
        y = top
        while y < g.canvas[1]:
            f = (y - top) / (g.canvas[1] - top)
            near.rect(
                g.x(0.4 - 0.18 * f), y, g.x(0.6 + 0.18 * f), y + 2, mix(plank, (0, 0, 0), 0.35)
            )
            y += g.u(0.012 + 0.03 * f)
        for fx in (0.41, 0.59):
            near.rect(g.x(fx) - 3, top - g.u(0.05), g.x(fx) + 3, top + g.u(0.02), plank)
    elif view == 1:
        surface, floor = "water", g.y(0.86)
    else:
        near.rect(0, g.y(0.9), g.canvas[0], g.canvas[1], c.ground(mix(GRASS, WOOD, 0.3)))
        _reeds(c, front, g.x(-0.08), g.x(0.2), g.canvas[1], g.u(0.5))
        _reeds(c, front, g.x(0.78), g.x(1.08), g.canvas[1], g.u(0.45))
        _reeds(c, near, g.x(0.2), g.x(0.8), g.y(0.92), g.u(0.12))
    back += layer(near, 1.0)
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=floor, surface=surface)
    return dress(c, scenery, ground=0.9 if view != 1 else None, horizon=horizon)


def river(c: Ctx) -> Scenery:
    """A river winding between grassy banks and trees: 0 winding away to the horizon, 1
    flowing across the frame below the far bank, 2 on a pebble bank at the water's edge."""
    g, view = c.g, c.pick(3)
    horizon = (0.5, 0.42, 0.55)[view]
    s = sky(c, horizon=horizon, sun_x=0.25)
    far = c.sketch()
    far.polygon(
        dunes(c, base=horizon, height=0.08, waves=3.0), c.tone(mix(FOLIAGE, (90, 110, 130), 0.4))
    )
    back = [backdrop(s, far), *sky_effects(c, bottom=horizon)]
    land = c.sketch()
    land.band(g.y(horizon), c.ground(GRASS))
    water = water_tone(c, horizon=horizon)
    light = mix(water, (255, 255, 255), 0.3)
    banks = c.tone(mix(GRASS, WOOD, 0.5))
    if view == 1:  # a band of water across the middle, trees on the far bank
        top, bottom = g.y(0.62), g.y(0.8)
        for k in range(9):
            tree(
                land,
                g.x(-0.05 + k * 0.14),
                top,
                g.u(c.rng.uniform(0.16, 0.24)),
                c.tone(FOLIAGE),
                c.tone(WOOD),
            )
        land.rect(0, top - g.u(0.01), g.canvas[0], top, banks)
        land.rect(0, top, g.canvas[0], bottom, water)
        glints = ripples(c, land, 0.63, 0.79, light, count=50)
    else:  # an S-curve from a thin thread on the horizon to the full width at the bottom
        edges = []
        for k in range(41):
            f = k / 40
            y = g.y(horizon + (1.05 - horizon) * f**1.5)
            cx = g.x(0.5 + 0.22 * math.sin(f * 5.5 + (0.0 if view == 0 else 2.0)) * (0.3 + f))
            half = g.width * (0.006 + 0.34 * f**1.7) * (1.3 if view == 2 else 1.0)
            edges.append((cx, half, y))
        left = [(x - h, y) for x, h, y in edges]
        right = [(x + h, y) for x, h, y in reversed(edges)]
        land.polygon(
            [(x - g.u(0.012), y) for x, y in left] + [(x + g.u(0.012), y) for x, y in right], banks
        )
        land.polygon(left + right, water)
        glints = []
        for x, half, y in edges[8::2]:
            w = half * c.rng.uniform(0.2, 0.6)
            x += c.rng.uniform(-0.3, 0.3) * half
            land.rect(x - w, y, x + w, y + max(1.0, g.u(0.003)), light)
            glints.append((x - w * 0.4, y, x + w * 0.4, y + max(1.0, g.u(0.003))))
        for k in range(8):  # trees along the banks, shrinking with distance
            f = (k % 4 + 1) / 5
            y = g.y(horizon + (1.0 - horizon) * f**1.5)
            x = g.x((0.08 + 0.05 * f) if k < 4 else (0.92 - 0.05 * f))
            tree(land, x, y, g.u(0.08 + 0.35 * f**1.4), c.tone(FOLIAGE), c.tone(WOOD))
    back += layer(land, 0.55)
    back.append(Blinks(glints, mix(light, (255, 255, 255), 0.5), depth=0.55, share=0.5))
    near = c.sketch()
    if view == 2:
        near.polygon(dunes(c, base=1.0, height=0.09, waves=1.5), c.ground((150, 140, 120)))
        for _ in range(30):
            x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(0.94, 1.05))
            r = g.u(c.rng.uniform(0.008, 0.02))
            near.ellipse(x, y, r * 1.4, r, c.tone(mix(ROCK, (200, 200, 200), c.rng.random() * 0.5)))
    else:
        near.polygon(dunes(c, base=1.02, height=0.05, waves=1.2), c.ground(GRASS))
    back += layer(near, 1.0)
    return dress(c, Scenery(back=back, floor=g.y(0.93)), ground=0.88, horizon=horizon)


def _wave_strip(c: Ctx, period: int, color: RGB, foam: RGB, *, height: float = 0.09):
    """A band of water with a row of peaked crests, repeating every `period` pixels."""
    width, rows = c.g.canvas[0] + 2 * period, round(c.g.u(height))

    def paint(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        crest = [
            (x, h * (0.2 + 0.22 * abs(math.sin(x / (period * 2) * math.pi)) ** 0.7))
            for x in range(0, w + 1, 4)
        ]
        d.polygon([*crest, (w, h), (0, h)], fill=(*color, 255))
        d.line(crest, fill=(*foam, 255), width=max(2, h // 16))

    return Cutout(sprite((width, rows), paint))


def _swell(c: Ctx, tops: list[float], *, depth: float = 0.55, scale: float = 1.0) -> Waves:
    """Rows of rolling waves at the given frame fractions, nearer rows bigger and faster."""
    g, water = c.g, water_tone(c)
    periods = [round(g.u(k * scale)) for k in (0.19, 0.27, 0.38)][: len(tops)]
    strips = [
        _wave_strip(
            c,
            period,
            mix(water, DEEP_WATER, 0.1 + 0.15 * i),
            mix(water, (255, 255, 255), 0.45 + 0.15 * i),
            height=0.09 * scale,
        )
        for i, period in enumerate(periods)
    ]
    return Waves(
        strips=strips,
        tops=[g.y(t) for t in tops],
        periods=periods,
        speeds=[g.u(0.03), -g.u(0.05), g.u(0.08)][: len(tops)],
        heave=g.u(0.008),
        depth=depth,
    )


def _open_water(c: Ctx, horizon: float, sun_x: float) -> tuple[list, RGB]:
    """A backdrop of sky over sea to the horizon, the sun's path glinting on it."""
    g = c.g
    s = sky(c, horizon=horizon, sun_x=sun_x)
    water = water_tone(c, horizon=horizon)
    lines = c.sketch()
    glints = ripples(c, lines, horizon + 0.005, 1.0, mix(water, (255, 255, 255), 0.2), count=50)
    if c.time in ("sunrise", "golden hour", "sunset") and c.weather == "clear":
        path = mix(sky_colors(c, horizon)[-1][1], (255, 240, 200), 0.5)
        for i in range(14):
            y, half = g.y(horizon + 0.01 + i * 0.02), 0.02 + i * 0.006
            lines.rect(g.x(sun_x - half), y, g.x(sun_x + half), y + g.u(0.006), path)
    base = backdrop(s, mirror=(g.y(horizon), mix(water, DEEP_WATER, 0.2), 0.4), over=(lines,))
    back = [base, *sky_effects(c, bottom=horizon)]
    back.append(Blinks(glints, mix(water, (255, 255, 255), 0.6), depth=0.15, share=0.4))
    return back, water


def beach(c: Ctx) -> Scenery:
    """Warm sand where waves roll in, a palm: 0 facing the sea, 1 along the shore, 2 from
    the dunes behind a fence and beach grass."""
    g, view = c.g, c.pick(3)
    horizon = (0.55, 0.5, 0.6)[view]
    back, water = _open_water(c, horizon, (0.7, 0.3, 0.5)[view])
    back.append(_swell(c, [horizon + 0.04, horizon + 0.09, horizon + 0.15]))
    sand, front = c.sketch(), c.sketch()
    wet = c.ground(mix(SAND, (140, 120, 90), 0.35))
    if view == 1:  # the shore running away diagonally, sand on the right
        shore = [
            (g.x(0.2), g.canvas[1]),
            (g.x(0.9), g.y(horizon)),
            (g.canvas[0], g.y(horizon)),
            (g.canvas[0], g.canvas[1]),
        ]
        sand.polygon([(x - g.u(0.04), y) for x, y in shore[:2]] + shore[2:], wet)
        sand.polygon(shore, c.ground(SAND))
        palm(front, g.x(0.92), g.canvas[1], g.u(0.9), c.tone((40, 60, 40)), lean=-1)
    else:
        curve = arc_points(g.x(0.5), g.y(0.8) + g.u(3), g.width * 2, g.u(3), math.pi, 2 * math.pi)
        sand.polygon([*curve, (g.canvas[0], g.canvas[1]), (0, g.canvas[1])], wet)
        lower = [(x, y + g.u(0.03)) for x, y in curve]
        sand.polygon([*lower, (g.canvas[0], g.canvas[1]), (0, g.canvas[1])], c.ground(SAND))
        sand.line(curve, mix(water, (255, 255, 255), 0.7), g.u(0.008))
        if view == 0:
            palm(front, g.x(0.03), g.canvas[1], g.u(0.85), c.tone((40, 60, 40)))
        else:  # a dune fence and tufts of grass
            post = c.tone(WOOD)
            for k in range(12):
                x = g.x(-0.05 + k * 0.1)
                front.rect(x, g.y(0.84), x + g.u(0.012), g.canvas[1], post)
            front.rect(0, g.y(0.86), g.canvas[0], g.y(0.868), post)
            for _ in range(30):
                x = g.x(c.rng.uniform(-0.05, 1.05))
                for a in (-0.4, 0.0, 0.35):
                    front.line(
                        [(x, g.canvas[1]), (x + a * g.u(0.1), g.y(0.9))],
                        c.tone((150, 150, 80)),
                        g.u(0.005),
                    )
    back += layer(sand, 1.0)
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=g.y(0.92))
    return dress(c, scenery, ground=0.85, horizon=horizon)


def sea(c: Ctx) -> Scenery:
    """The open sea, swell to the horizon: 0 on the water itself, 1 from a ship's rail,
    2 with a lighthouse on a far rock."""
    g, view = c.g, c.pick(3)
    horizon = (0.5, 0.56, 0.48)[view]
    back, water = _open_water(c, horizon, (0.35, 0.65, 0.3)[view])
    if view == 2:
        far = c.sketch()
        x, y = g.x(0.8), g.y(horizon)
        far.polygon(
            [
                (x - g.u(0.14), y + 2),
                (x - g.u(0.05), y - g.u(0.04)),
                (x + g.u(0.06), y - g.u(0.03)),
                (x + g.u(0.15), y + 2),
            ],
            c.tone(ROCK),
        )
        far.polygon(
            [
                (x - g.u(0.02), y - g.u(0.035)),
                (x + g.u(0.02), y - g.u(0.035)),
                (x + g.u(0.013), y - g.u(0.2)),
                (x - g.u(0.013), y - g.u(0.2)),
            ],
            c.tone((235, 235, 230)),
        )
        far.rect(x - g.u(0.02), y - g.u(0.13), x + g.u(0.02), y - g.u(0.105), c.tone((190, 40, 40)))
        far.rect(x - g.u(0.016), y - g.u(0.235), x + g.u(0.016), y - g.u(0.2), c.lamp())
        back += layer(far, 0.3)
        if c.dark:
            back.append(
                Beams(
                    sources=[(x, y - g.u(0.22))],
                    angles=[math.pi / 2],
                    colors=[c.lamp()],
                    length=g.u(0.9),
                    spread=0.05,
                    sweep=1.2,
                    depth=0.3,
                    level=0.3,
                )
            )
    back.append(_swell(c, [horizon + 0.05, horizon + 0.14, horizon + 0.27], scale=1.4))
    front, surface, floor = [], "water", g.y(0.9)
    if view == 1:  # a ship's railing in front, the deck below
        rail = c.sketch()
        metal = c.tone((200, 200, 196))
        rail.rect(0, g.y(0.9), g.canvas[0], g.canvas[1], c.tone((150, 110, 70)))
        rail.rect(0, g.y(0.76), g.canvas[0], g.y(0.78), metal)
        rail.rect(0, g.y(0.83), g.canvas[0], g.y(0.84), metal)
        for k in range(14):
            x = g.x(-0.05 + k * 0.08)
            rail.rect(x, g.y(0.76), x + g.u(0.01), g.y(0.9), metal)
        back += layer(rail, 1.0)
        surface, floor = "floor", g.y(0.95)
    else:
        back.append(_swell(c, [0.9], depth=1.0, scale=2.0))
    return dress(
        c,
        Scenery(back=back, front=front, floor=floor, surface=surface),
        ground=None,
        horizon=horizon,
    )


def island(c: Ctx) -> Scenery:
    """A small island with palms seen from the sea: 0 dead ahead, 1 close on the left,
    2 two islets far off."""
    g, view = c.g, c.pick(3)
    horizon = (0.56, 0.6, 0.52)[view]
    back, water = _open_water(c, horizon, (0.78, 0.8, 0.5)[view])
    isle = c.sketch()
    spots = {
        0: [(0.5, 0.28, 1.0)],
        1: [(0.22, 0.45, 1.5)],
        2: [(0.3, 0.14, 0.6), (0.72, 0.1, 0.45)],
    }
    leaves = c.tone((36, 100, 50))
    for fx, half, k in spots[view]:
        x, y, w = g.x(fx), g.y(horizon) + g.u(0.01), g.width * half
        isle.ellipse(x, y, w, g.u(0.035) * k, c.ground(SAND))
        isle.ellipse(x, y - g.u(0.01) * k, w * 0.75, g.u(0.04) * k, c.tone((60, 120, 60)))
        for j, dx in enumerate((-0.35, 0.0, 0.3)):
            palm(
                isle,
                x + w * dx,
                y - g.u(0.02) * k,
                g.u(0.2 + 0.05 * j) * k,
                leaves,
                lean=1 if dx <= 0 else -1,
            )
        isle.ellipse(
            x, y + g.u(0.03) * k, w * 1.05, g.u(0.008) * k, mix(water, (255, 255, 255), 0.6)
        )
    back += layer(isle, 0.3)
    back.append(_swell(c, [horizon + 0.06, horizon + 0.16, horizon + 0.28]))
    scenery = Scenery(back=back, floor=g.y(0.9), surface="water")
    return dress(c, scenery, ground=None, horizon=horizon)


def waterfall(c: Ctx) -> Scenery:
    """Water falling down a cliff into a pool in a green jungle: 0 a tall fall in the
    middle, 1 wide with the fall on the left, 2 close to the pool under big leaves."""
    g, view = c.g, c.pick(3)
    cx, half, top = ((0.5, 0.09, 0.08), (0.25, 0.06, 0.18), (0.55, 0.16, -0.1))[view]
    pool = 0.74 if view != 2 else 0.68
    s = sky(c, horizon=0.6, sun_x=0.8)
    cliff = c.sketch()
    rock = c.tone(ROCK)
    xs = [g.x(-0.1 + k * 0.04) for k in range(31)]
    edge = [(x, g.y(top) + g.u(c.rng.uniform(-0.03, 0.03))) for x in xs]
    cliff.polygon([(xs[0], g.canvas[1]), *edge, (xs[-1], g.canvas[1])], rock)
    for _ in range(30):  # vertical cracks and strata in the rock face
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(top, pool))
        cliff.rect(
            x, y, x + g.u(0.006), y + g.u(c.rng.uniform(0.05, 0.15)), mix(rock, (0, 0, 0), 0.3)
        )
    greens = [c.tone(mix(FOLIAGE, tint, 0.3)) for tint in ((0, 0, 0), (120, 160, 60), (20, 70, 60))]
    for _ in range(110):  # a canopy along the cliff top and jungle down both sides
        if c.rng.random() < 0.4:
            x, y = g.x(c.rng.uniform(-0.1, 1.1)), g.y(top + c.rng.uniform(-0.06, 0.03))
        else:
            side = c.rng.choice([-1, 1])
            x = g.x(cx + side * c.rng.uniform(half + 0.12, 0.8))
            y = g.y(c.rng.uniform(top, pool + 0.1))
        if abs(x - g.x(cx)) < g.width * (half + 0.03):
            continue
        r = g.u(c.rng.uniform(0.04, 0.09))
        cliff.ellipse(x, y, r * 1.2, r, greens[int(c.rng.integers(3))])
    for _ in range(16):  # vines hanging over the rock
        x = g.x(c.rng.uniform(-0.05, 1.05))
        if abs(x - g.x(cx)) > g.width * (half + 0.02):
            y = g.y(top)
            cliff.line(
                [(x, y), (x + g.u(0.01), y + g.u(c.rng.uniform(0.1, 0.3)))], greens[0], g.u(0.004)
            )
    water = water_tone(c, (60, 140, 160), horizon=0.6)
    cliff.rect(
        g.x(cx - half), g.y(top), g.x(cx + half), g.y(pool), mix(water, (255, 255, 255), 0.25)
    )
    cliff.ellipse(g.x(cx), g.y(pool + 0.06), g.width * (half + 0.3), g.u(0.09), water)
    back = [backdrop(s, cliff), *sky_effects(c, bottom=0.3)]
    foam = [mix(water, (255, 255, 255), k) for k in (0.45, 0.65, 0.85)]
    back.append(Cascade((g.x(cx - half), g.y(top), g.x(cx + half), g.y(pool)), foam, depth=0.15))
    back.append(
        Motes(
            region=(
                g.x(cx - half - 0.05),
                g.y(pool - 0.1),
                g.x(cx + half + 0.05),
                g.y(pool + 0.05),
            ),
            color=foam[-1],
            count=14,
            size=g.u(0.004),
            depth=0.15,
            seed=c.seed,
        )
    )
    ground = c.sketch()
    ground.polygon(dunes(c, base=0.92, height=0.04, waves=2.0), c.ground(mix(GRASS, FOLIAGE, 0.5)))
    back += layer(ground, 1.0)
    front = c.sketch()
    big = 1.6 if view == 2 else 1.0
    for fx, angle in ((-0.02, -0.6), (1.02, -2.5), (0.05, -1.1), (0.96, -2.1)):
        _leaf(front, g.x(fx), g.canvas[1], g.u(0.45) * big, angle, c.tone((40, 120, 50)))
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=g.y(0.94))
    return dress(c, scenery, ground=0.9, horizon=0.6)


def _leaf(s: Sketch, x: float, y: float, length: float, angle: float, color: RGB) -> None:
    """A big jungle leaf from (x, y) at an angle (radians), with a paler midrib."""
    tip = (x + math.cos(angle) * length, y + math.sin(angle) * length)
    side = (-math.sin(angle) * length * 0.22, math.cos(angle) * length * 0.22)
    mx, my = (x + tip[0]) / 2, (y + tip[1]) / 2
    s.polygon([(x, y), (mx + side[0], my + side[1]), tip, (mx - side[0], my - side[1])], color)
    s.line([(x, y), tip], mix(color, (255, 255, 255), 0.3), length * 0.012)


def underwater(c: Ctx) -> Scenery:
    """Under the sea: light shafts from the surface, a sandy floor with coral and weed,
    rising bubbles: 0 a reef, 1 open blue over the sand, 2 a kelp forest."""
    g, p, view = c.g, c.p, c.pick(3)
    s = c.sketch(supersample=1)
    shallow, deep = c.tone((70, 170, 200), share=0.25), c.tone((10, 40, 90), share=0.25)
    s.gradient([(0.0, shallow), (0.7, deep), (1.0, mix(deep, (0, 0, 0), 0.3))])
    s.glow(g.x(0.4), g.y(-0.05), g.u(0.6), mix(shallow, (255, 255, 255), 0.5), 0.5)
    far = c.sketch()
    far.polygon(dunes(c, base=0.74, height=0.08, waves=2.2), mix(deep, shallow, 0.3))
    if view == 2:
        for k in range(14):
            _kelp(c, far, g.x(0.03 + k * 0.075), g.y(0.8), g.u(c.rng.uniform(0.3, 0.6)))
    back = [backdrop(s, far)]
    back.append(
        Beams(
            sources=[(g.x(f), g.y(-0.1)) for f in (0.2, 0.45, 0.7)],
            angles=[-0.25, -0.15, -0.3],
            colors=[mix(shallow, (255, 255, 255), 0.6)] * 3,
            length=g.u(1.2),
            spread=0.05,
            sweep=0.06,
            depth=0.3,
            level=0.14,
        )
    )
    floor = c.sketch()
    sand = c.tone(mix(SAND, (90, 150, 170), 0.4), share=0.25)
    floor.polygon(dunes(c, base=0.86, height=0.04, waves=1.8), sand)
    caustic = mix(sand, (255, 255, 255), 0.3)
    for _ in range(50):  # the light's net on the sand
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(0.86, 1.05))
        floor.ring(x, y, g.u(0.03), g.u(0.008), caustic, g.u(0.002))
    corals = [(255, 110, 90), (250, 170, 70), (200, 90, 170), (240, 220, 120)]
    if view == 0:
        for k in range(9):
            x = g.x(-0.02 + k * 0.13 + c.rng.uniform(-0.03, 0.03))
            _coral(
                c,
                floor,
                x,
                g.y(0.9),
                g.u(c.rng.uniform(0.12, 0.26)),
                c.tone(corals[k % 4], share=0.2),
            )
    elif view == 2:
        for k in range(3):  # near strands; the rest of the forest stands in the backdrop
            _kelp(c, floor, g.x(0.05 + k * 0.42), g.y(0.95), g.u(c.rng.uniform(0.6, 0.85)))
    else:
        for k in range(3):
            _coral(c, floor, g.x(0.1 + k * 0.4), g.y(0.92), g.u(0.1), c.tone(corals[k], share=0.2))
    school = c.sketch()
    count, (fx, fy), spread = (
        (6, (0.75, 0.3), 0.1),
        (40, (0.55, 0.4), 0.22),
        (8, (0.3, 0.25), 0.1),
    )[view]
    fish = c.tone((250, 170, 60) if view != 1 else (200, 220, 235), share=0.2)
    for k in range(count):  # a school of fish swimming in a loose swirl
        a = k * 2.4
        r = spread * math.sqrt((k + 1) / count)
        x, y = g.x(fx + r * math.cos(a)), g.y(fy + r * 0.5 * math.sin(a))
        size = g.u(0.018 if view == 1 else 0.03)
        school.ellipse(x, y, size, size * 0.45, fish)
        school.polygon(
            [
                (x - size * 0.8, y),
                (x - size * 1.5, y - size * 0.5),
                (x - size * 1.5, y + size * 0.5),
            ],
            fish,
        )
    back += layer(school, 0.6)
    back += layer(floor, 1.0)
    bubbles = Bubbles(
        (0, g.y(0.1), g.canvas[0], g.y(0.95)),
        mix(shallow, p.highlight, 0.5),
        count=26,
        size=g.u(0.006),
        depth=0.8,
        seed=c.seed,
    )
    specks = Motes(
        region=(0, 0, g.canvas[0], g.y(0.9)),
        color=mix(shallow, (255, 255, 255), 0.5),
        count=20,
        size=g.u(0.0015),
        depth=0.6,
        seed=c.seed + 1,
    )
    return Scenery(back=back, front=[specks, bubbles], floor=g.y(0.92), figure_height=0.45)


def _coral(c: Ctx, s: Sketch, x: float, ground: float, height: float, color: RGB) -> None:
    """A branching coral: a few forked rounded branches."""
    width = height * 0.1

    def branch(x0: float, y0: float, angle: float, length: float, depth: int) -> None:
        x1, y1 = x0 + math.sin(angle) * length, y0 - math.cos(angle) * length
        s.line([(x0, y0), (x1, y1)], color, width * (0.5 + 0.25 * depth))
        s.ellipse(x1, y1, width * 0.5, width * 0.5, color)
        if depth:
            for turn in (-0.45, 0.4):
                branch(x1, y1, angle + turn + c.rng.uniform(-0.15, 0.15), length * 0.7, depth - 1)

    branch(x, ground, c.rng.uniform(-0.2, 0.2), height * 0.45, 2)


def _kelp(c: Ctx, s: Sketch, x: float, ground: float, height: float) -> None:
    """A tall wavy strand of kelp with leaves."""
    color = c.tone((60, 120, 60), share=0.2)
    points = [
        (x + math.sin(k * 0.9 + x) * height * 0.04, ground - height * k / 8) for k in range(9)
    ]
    s.line(points, color, c.g.u(0.01))
    for k, (px, py) in enumerate(points[1:], 1):
        side = 1 if k % 2 else -1
        s.polygon(
            [(px, py), (px + side * height * 0.09, py - height * 0.05), (px, py - height * 0.06)],
            color,
        )
