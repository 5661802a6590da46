"""Places in town: street, rooftop, skyline, bridge and the open road.

Each builder draws its static layers far to near (sky 0.15, far 0.3, middle 0.55-0.6, the
characters' floor 1.0, foreground 1.35), lists the effects that animate them and hands the
result to `dress` for the weather. Brick, concrete and asphalt first, toned by the time of
day and leaning to the palette; windows and lamps light up at dusk and night.
"""

import math

from tools.video.procedural.effects import Beams, Blinks, Glow, Neon, Road
from tools.video.procedural.layers import Sketch, glow
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.scenery import (
    Ctx,
    Scenery,
    backdrop,
    dunes,
    lamp_post,
    layer,
    ridge,
    skyline,
)
from tools.video.procedural.skies import sky, sky_effects
from tools.video.procedural.waterside import ripples, water_tone
from tools.video.procedural.weather import dress

BRICK: RGB = (150, 78, 60)
CONCRETE: RGB = (130, 130, 136)
ASPHALT: RGB = (58, 60, 66)
GLASS: RGB = (90, 120, 150)
AWNINGS: list[RGB] = [(200, 60, 60), (40, 120, 110), (230, 170, 50)]


def _far_city(c: Ctx, horizon: float, *, tall: float = 0.2) -> Sketch:
    """Towers standing on the horizon, windows lit by the time of day."""
    far = c.sketch()
    skyline(
        far,
        c,
        tops=(horizon - tall, horizon - tall * 0.3),
        widths=(0.03, 0.07),
        color=c.tone(mix(CONCRETE, (90, 100, 130), 0.4)),
        windows=c.lamp() if c.dark else c.tone(GLASS),
        lit=c.lit if c.dark else 0.15,
        bottom=c.g.y(horizon),
    )
    return far


def _lights(c: Ctx, windows: list, depth: float) -> list:
    """Windows flicking on and off on the beat when it is dark."""
    if not c.dark or not windows:
        return []
    picked = c.vary.choice(len(windows), min(40, len(windows)), replace=False)
    return [Blinks([windows[int(i)] for i in picked], c.lamp(), depth=depth, share=0.2)]


def street(c: Ctx) -> Scenery:
    """A city street of brick fronts, shop windows and lamp posts: 0 along the street to the
    vanishing point, 1 a crossing with a shop front, 2 close to a wall by a lamp post."""
    g, view = c.g, c.pick(3)
    horizon = 0.56
    back = [
        backdrop(sky(c, horizon=horizon, sun_x=0.5), _far_city(c, horizon, tall=0.12)),
        *sky_effects(c, bottom=0.25),
    ]
    s = c.sketch()
    brick, shade = c.tone(BRICK), c.tone(mix(BRICK, (40, 30, 30), 0.4))
    road, kerb = c.ground(ASPHALT), c.ground(CONCRETE)
    windows, signs = [], []
    if view != 1:  # fronts in perspective running to a vanishing point
        sides = (-1, 1) if view == 0 else (-1,)
        vx = g.x(0.5 if view == 0 else 0.78)
        lamps = _along(s, c, (vx, g.y(horizon)), sides, windows)
    else:
        face = 0.2
        s.rect(0, g.y(face), g.canvas[0], g.y(0.8), brick)
        for k in range(int(g.canvas[1] / g.u(0.03))):  # brick courses
            y = g.y(face) + k * g.u(0.03)
            if y < g.y(0.8):
                s.rect(0, y, g.canvas[0], y + 1, shade)
        x = g.x(-0.05)
        for k in range(5):  # shop fronts with awnings, upper windows
            w = g.width * 0.24
            glass = (x + w * 0.1, g.y(0.5), x + w * 0.9, g.y(0.78))
            s.rect(*glass, c.lamp() if c.dark else c.tone(GLASS))
            awning = c.tone(AWNINGS[k % 3])
            s.polygon(
                [
                    (x + w * 0.05, g.y(0.44)),
                    (x + w * 0.95, g.y(0.44)),
                    (x + w, g.y(0.5)),
                    (x, g.y(0.5)),
                ],
                awning,
            )
            signs.append((x + w * 0.2, g.y(0.36), x + w * 0.8, g.y(0.41)))
            for j in range(3):
                up = (
                    x + w * (0.15 + 0.3 * j),
                    g.y(face + 0.05),
                    x + w * (0.3 + 0.3 * j),
                    g.y(face + 0.14),
                )
                s.rect(*up, c.tone(GLASS))
                windows.append(up)
            x += w
        s.rect(0, g.y(0.8), g.canvas[0], g.y(0.86), kerb)
        s.band(g.y(0.86), road)
        for k in range(9):  # a zebra crossing
            x = g.x(0.08 + k * 0.1)
            s.polygon(
                [
                    (x, g.y(0.88)),
                    (x + g.u(0.08), g.y(0.88)),
                    (x + g.u(0.1), g.canvas[1]),
                    (x - g.u(0.02), g.canvas[1]),
                ],
                c.tone((235, 235, 230)),
            )
        lamps = [lamp_post(s, c, g.x(fx), g.y(0.84), g.u(0.5)) for fx in (0.12, 0.88)]
    back += layer(s, 1.0)
    back += _lights(c, windows, 1.0)
    if signs and c.dark:
        back.append(Neon(signs[:3], [c.p.accent, c.p.highlight, c.lamp()], depth=1.0))
    if c.dark:
        for x, y in lamps:
            back.append(Glow(glow(round(g.u(0.12)), c.lamp(), 0.5), (x, y), depth=1.0))
    return dress(c, Scenery(back=back, floor=g.y(0.93)), ground=0.88, horizon=horizon)


def _along(
    s: Sketch, c: Ctx, vanish: tuple[float, float], sides: tuple[int, ...], windows: list
) -> list[tuple[float, float]]:
    """Brick fronts on the given sides (-1 left, 1 right) running to the vanishing point, a
    pavement, the road with its centre line and lamp posts; adds the window rects, returns
    the lamps' light points."""
    g = c.g
    vx, vy = vanish
    bottom, top = g.y(0.9), g.y(-0.35)
    brick, mortar = c.tone(BRICK), c.tone(mix(BRICK, (40, 30, 30), 0.4))
    glass, unlit = c.tone(GLASS), c.tone(mix(GLASS, (20, 20, 30), 0.5))

    def at(x_near: float, y_near: float, f: float) -> tuple[float, float]:
        return (vx + (x_near - vx) * f, vy + (y_near - vy) * f)

    s.polygon([(vx, vy), (g.x(-0.4), g.canvas[1]), (g.x(1.4), g.canvas[1])], c.ground(CONCRETE))
    s.polygon([(vx, vy), (g.x(-0.1), g.canvas[1]), (g.x(1.1), g.canvas[1])], c.ground(ASPHALT))
    for z in range(1, 14, 2):  # dashes, shorter with distance
        f0, f1 = 1 / (1 + z * 0.35), 1 / (1 + (z + 0.8) * 0.35)
        (ax, ay), (bx, by) = at(vx, g.canvas[1], f0), at(vx, g.canvas[1], f1)
        half = g.u(0.012) * f0
        s.polygon(
            [(ax - half, ay), (ax + half, ay), (bx + half * 0.7, by), (bx - half * 0.7, by)],
            c.tone((235, 225, 190)),
        )
    lamps = []
    for side in sides:
        near_x = g.x(0.5 + side * 0.75) if vx == g.x(0.5) else g.x(-0.15)
        wall = [
            at(near_x, top, 0.03),
            at(near_x, top, 1.2),
            at(near_x, bottom, 1.2),
            at(near_x, bottom, 0.03),
        ]
        s.polygon(wall, brick)
        for z in range(12):  # bays: a pilaster, shop glass below, windows above
            f0, f1 = 1 / (1 + z * 0.45), 1 / (1 + (z + 0.7) * 0.45)
            for h0, h1 in ((0.66, 0.93), (0.36, 0.5), (0.12, 0.26)):
                quad = [
                    at(near_x, top + (bottom - top) * h0, f0),
                    at(near_x, top + (bottom - top) * h0, f1),
                    at(near_x, top + (bottom - top) * h1, f1),
                    at(near_x, top + (bottom - top) * h1, f0),
                ]
                lit = c.dark and c.rng.random() < c.lit
                s.polygon(quad, c.lamp() if lit else unlit if c.dark else glass)
                xs, ys = [q[0] for q in quad], [q[1] for q in quad]
                windows.append((min(xs), min(ys), max(xs), max(ys)))
            x0, y0 = at(near_x, top, f0)
            s.line([(x0, y0), at(near_x, bottom, f0)], mortar, max(1.0, g.u(0.012) * f0))
            if z % 3 == 1:
                kerb_x = near_x - side * g.u(0.05)
                lamps.append(lamp_post(s, c, *at(kerb_x, g.y(1.0), f0), g.u(0.7) * f0))
    return lamps


def rooftop(c: Ctx) -> Scenery:
    """A flat roof above the city: a parapet, water towers, vents, antennae: 0 the parapet
    with the skyline beyond, 1 the corner by a water tower, 2 up on a ledge by an antenna."""
    g, view = c.g, c.pick(3)
    horizon = 0.72
    back = [
        backdrop(sky(c, horizon=0.6, sun_x=0.8), _far_city(c, horizon, tall=0.35)),
        *sky_effects(c, bottom=0.25),
    ]
    near = c.sketch()
    windows = skyline(
        near,
        c,
        tops=(0.3, 0.55),
        widths=(0.08, 0.14),
        color=c.tone(mix(CONCRETE, (50, 50, 70), 0.5)),
        windows=c.lamp() if c.dark else c.tone(GLASS),
        lit=c.lit,
    )
    if view == 2:  # a billboard on the next roof, lit when dark
        board = (g.x(0.45), g.y(0.22), g.x(0.95), g.y(0.46))
        near.rect(
            board[0] - g.u(0.01),
            board[1] - g.u(0.01),
            board[2] + g.u(0.01),
            g.y(0.6),
            c.tone((60, 60, 66)),
        )
        near.rect(*board, c.lamp(c.p.accent) if c.dark else c.tone((230, 200, 120)))
        near.rect(
            board[0] + g.u(0.04), g.y(0.3), board[2] - g.u(0.2), g.y(0.36), c.tone((40, 40, 60))
        )
    back += layer(near, 0.6)
    back += _lights(c, windows, 0.6)
    roof = c.sketch()
    top, tar = (0.8, 0.8, 0.74)[view], c.ground((92, 86, 90))
    coping, wall = c.ground((190, 186, 180)), c.ground(mix(BRICK, CONCRETE, 0.5))
    roof.rect(0, g.y(top - 0.07), g.canvas[0], g.y(top), wall)  # the parapet beyond the roof
    roof.rect(0, g.y(top - 0.08), g.canvas[0], g.y(top - 0.065), coping)
    roof.band(g.y(top), tar)
    for k in range(5):  # seams in the tar, spreading towards the camera
        y = g.y(top + 0.02 + 0.012 * k**1.6)
        roof.rect(0, y, g.canvas[0], y + 1, mix(tar, (0, 0, 0), 0.25))
    metal, wood = c.tone((150, 150, 156)), c.tone((150, 100, 60))
    x, base = g.x((0.88, 0.2, 0.12)[view]), g.y(top)
    for dx in (-0.05, 0.05):  # a wooden water tower on legs
        roof.line([(x + g.u(dx), base), (x + g.u(dx * 1.2), base - g.u(0.16))], metal, g.u(0.008))
    roof.rect(x - g.u(0.08), base - g.u(0.36), x + g.u(0.08), base - g.u(0.16), wood)
    roof.polygon(
        [
            (x - g.u(0.09), base - g.u(0.36)),
            (x + g.u(0.09), base - g.u(0.36)),
            (x, base - g.u(0.44)),
        ],
        c.tone((90, 70, 60)),
    )
    for k in range(4):
        y = base - g.u(0.19 + 0.05 * k)
        roof.rect(x - g.u(0.08), y, x + g.u(0.08), y + 2, metal)
    hut = g.x((0.08, 0.7, 0.82)[view])  # the stairwell with its door
    roof.rect(hut, base - g.u(0.22), hut + g.u(0.2), base + g.u(0.01), wall)
    roof.rect(hut, base - g.u(0.235), hut + g.u(0.2), base - g.u(0.215), coping)
    roof.rect(hut + g.u(0.06), base - g.u(0.16), hut + g.u(0.13), base, c.tone((70, 60, 60)))
    for fx in (0.45, 0.6):  # vents
        roof.rect(g.x(fx), base - g.u(0.06), g.x(fx) + g.u(0.06), base, metal)
        roof.ellipse(g.x(fx) + g.u(0.03), base - g.u(0.06), g.u(0.04), g.u(0.01), metal)
    bulbs = []
    if view != 2:  # string lights sagging between two poles
        ends = (g.x(0.02), g.y(0.3)), (g.x(0.98), g.y(0.34))
        for px, py in ends:
            roof.line([(px, py), (px, base)], metal, g.u(0.006))
        points = [
            (
                ends[0][0] + (ends[1][0] - ends[0][0]) * f,
                ends[0][1] + (ends[1][1] - ends[0][1]) * f + g.u(0.12) * 4 * f * (1 - f),
            )
            for f in [k / 24 for k in range(25)]
        ]
        roof.line(points, c.tone((40, 40, 44)), g.u(0.003))
        bulb = c.lamp() if c.dark else c.tone((240, 236, 220))
        for bx, by in points[1:-1]:
            roof.ellipse(bx, by + g.u(0.008), g.u(0.007), g.u(0.009), bulb)
            bulbs.append((bx - g.u(0.004), by + g.u(0.003), bx + g.u(0.004), by + g.u(0.013)))
    if view == 2:
        roof.line([(g.x(0.35), g.y(top)), (g.x(0.35), g.y(0.15))], metal, g.u(0.008))
        for k in range(4):
            y = g.y(0.2 + 0.07 * k)
            roof.line(
                [(g.x(0.35) - g.u(0.05 - 0.01 * k), y), (g.x(0.35) + g.u(0.05 - 0.01 * k), y)],
                metal,
                g.u(0.004),
            )
    back += layer(roof, 1.0)
    if c.dark and bulbs:
        back.append(Blinks(bulbs, c.lamp((255, 250, 230)), depth=1.0, share=0.5))
    if c.dark and view == 2:
        back.append(
            Glow(glow(round(g.u(0.05)), (255, 60, 60), 0.7), (g.x(0.35), g.y(0.15)), depth=1.0)
        )
    front = c.sketch()
    if view == 1:  # the parapet wall crossing the foreground
        front.rect(0, g.y(0.88), g.canvas[0], g.canvas[1], c.ground(mix(BRICK, CONCRETE, 0.5)))
        front.rect(0, g.y(0.87), g.canvas[0], g.y(0.89), c.ground(CONCRETE))
    scenery = Scenery(back=back, front=layer(front, 1.35), floor=g.y(0.9))
    return dress(c, scenery, ground=0.82, horizon=0.6)


def city_skyline(c: Ctx) -> Scenery:
    """A whole city skyline seen from afar, towers and lit windows, searchlights at night:
    0 across a river from the far bank, 1 from a hill above, 2 from below the towers."""
    g, view = c.g, c.pick(3)
    horizon = (0.7, 0.78, 0.95)[view]
    far = c.sketch()
    windows_far = skyline_towers(c, far, horizon, tall=(0.3, 0.45, 0.8)[view])
    water = water_tone(c, horizon=horizon)
    over = ()
    if view == 0:
        lines = c.sketch()
        ripples(c, lines, horizon + 0.01, 1.0, mix(water, (255, 255, 255), 0.2), count=40)
        over = (lines,)
    mirror = (g.y(horizon), water, 0.55) if view == 0 else None
    back = [
        backdrop(sky(c, horizon=horizon, sun_x=0.75), far, mirror=mirror, over=over),
        *sky_effects(c, bottom=0.25),
    ]
    back += _lights(c, windows_far, 0.15)
    if c.dark:
        back.append(
            Beams(
                sources=[(g.x(0.2), g.y(horizon)), (g.x(0.7), g.y(horizon))],
                angles=[math.pi - 0.3, math.pi + 0.25],
                colors=[c.p.highlight, c.p.accent],
                length=g.u(1.0),
                spread=0.045,
                sweep=0.35,
                depth=0.15,
            )
        )
    near = c.sketch()
    if view == 1:  # a grassy hill top, the city below
        near.polygon(dunes(c, base=0.97, height=0.08, waves=1.3), c.ground((70, 110, 60)))
    elif view == 0:
        near.rect(0, g.y(0.9), g.canvas[0], g.canvas[1], c.ground(CONCRETE))
        near.rect(0, g.y(0.86), g.canvas[0], g.y(0.875), c.tone((60, 60, 66)))
        for k in range(12):
            near.rect(
                g.x(k * 0.1), g.y(0.86), g.x(k * 0.1) + g.u(0.008), g.y(0.9), c.tone((60, 60, 66))
            )
    else:
        near.rect(0, g.y(0.95), g.canvas[0], g.canvas[1], c.ground(ASPHALT))
    back += layer(near, 1.0)
    scenery = Scenery(back=back, floor=g.y(0.95 if view != 1 else 0.93), figure_height=0.44)
    return dress(c, scenery, ground=None, horizon=horizon)


def skyline_towers(c: Ctx, s: Sketch, horizon: float, *, tall: float) -> list:
    """Two rows of towers on the horizon, spires on some; returns the window rects."""
    g = c.g
    lit, glass = c.lamp() if c.dark else c.tone(GLASS), c.lamp()
    skyline(
        s,
        c,
        tops=(horizon - tall * 0.7, horizon - tall * 0.4),
        widths=(0.03, 0.06),
        color=c.tone((100, 110, 140)),
        windows=None,
        lit=0.0,
        bottom=g.y(horizon),
    )
    windows = skyline(
        s,
        c,
        tops=(horizon - tall, horizon - tall * 0.35),
        widths=(0.05, 0.09),
        color=c.tone((60, 66, 90)),
        windows=lit,
        lit=c.lit,
        bottom=g.y(horizon),
    )
    x = g.x(c.rng.uniform(0.3, 0.6))
    s.polygon(
        [
            (x - g.u(0.03), g.y(horizon)),
            (x - g.u(0.02), g.y(horizon - tall * 1.1)),
            (x, g.y(horizon - tall * 1.35)),
            (x + g.u(0.02), g.y(horizon - tall * 1.1)),
            (x + g.u(0.03), g.y(horizon)),
        ],
        c.tone((70, 76, 100)),
    )
    s.ellipse(x, g.y(horizon - tall * 1.35), g.u(0.006), g.u(0.006), glass)
    return windows


def bridge(c: Ctx) -> Scenery:
    """A bridge over dark water with lamps along it: 0 on the deck by the railing, 1 the
    whole bridge from the bank, arches over the water, 2 under its arch at the water's edge."""
    g, view = c.g, c.pick(3)
    horizon = (0.55, 0.5, 0.6)[view]
    far = _far_city(c, horizon, tall=0.16)
    water = water_tone(c, (30, 70, 100), horizon=horizon)
    lines = c.sketch()
    glints = ripples(c, lines, horizon + 0.01, 1.0, mix(water, (255, 255, 255), 0.25), count=50)
    back = [
        backdrop(
            sky(c, horizon=horizon, sun_x=0.25),
            far,
            mirror=(g.y(horizon), water, 0.5),
            over=(lines,),
        ),
        *sky_effects(c, bottom=0.25),
    ]
    back.append(Blinks(glints, mix(water, (255, 255, 255), 0.6), depth=0.15, share=0.4))
    stone, iron = c.tone((170, 160, 150)), c.tone((150, 156, 166))
    s = c.sketch()
    lamps = []
    if view == 1:  # the bridge spans the frame on three arches
        deck = g.y(0.5)
        s.rect(0, deck - g.u(0.03), g.canvas[0], deck + g.u(0.05), stone)
        for k in range(3):
            cx = g.x(0.17 + k * 0.33)
            s.rect(cx - g.width * 0.165, deck, cx - g.width * 0.14, g.y(0.72), stone)
            s.ring(cx, deck + g.u(0.2), g.width * 0.15, g.u(0.16), stone, g.u(0.03), 180, 360)
        for k in range(8):
            lamps.append(lamp_post(s, c, g.x(0.03 + k * 0.135), deck - g.u(0.03), g.u(0.12)))
        s.rect(0, deck - g.u(0.06), g.canvas[0], deck - g.u(0.05), iron)
        bank = c.sketch()
        bank.rect(0, g.y(0.9), g.canvas[0], g.canvas[1], c.ground((110, 110, 100)))
        back += layer(s, 0.55) + layer(bank, 1.0)
        floor = g.y(0.94)
    elif view == 2:  # the underside of an arch framing the view
        s.polygon(
            [
                (0, 0),
                (g.canvas[0], 0),
                (g.canvas[0], g.canvas[1]),
                (g.x(0.92), g.canvas[1]),
                *[
                    (g.x(0.5) + math.cos(a) * g.width * 0.42, g.y(0.9) - math.sin(a) * g.u(0.75))
                    for a in [k * math.pi / 24 for k in range(25)]
                ],
                (g.x(0.08), g.canvas[1]),
                (0, g.canvas[1]),
            ],
            mix(stone, (0, 0, 0), 0.35),
        )
        s.rect(0, g.y(0.9), g.canvas[0], g.canvas[1], c.ground((110, 110, 100)))
        back += layer(s, 1.0)
        floor = g.y(0.95)
    else:  # on the deck: a railing with lamp posts, the water beyond and below
        s.rect(0, g.y(0.84), g.canvas[0], g.canvas[1], c.ground(mix(stone, ASPHALT, 0.5)))
        s.rect(0, g.y(0.7), g.canvas[0], g.y(0.715), iron)
        s.rect(0, g.y(0.82), g.canvas[0], g.y(0.84), iron)
        for k in range(40):
            x = g.x(-0.05 + k * 0.03)
            s.rect(x, g.y(0.7), x + g.u(0.006), g.y(0.84), iron)
        for fx in (0.15, 0.55, 0.95):
            lamps.append(lamp_post(s, c, g.x(fx), g.y(0.84), g.u(0.55)))
        back += layer(s, 1.0)
        floor = g.y(0.93)
    if c.dark:
        for x, y in lamps:
            back.append(
                Glow(glow(round(g.u(0.1)), c.lamp(), 0.5), (x, y), depth=0.55 if view == 1 else 1.0)
            )
    return dress(c, Scenery(back=back, floor=floor), ground=0.86, horizon=horizon)


def road(c: Ctx) -> Scenery:
    """An open road between fields and hills, telegraph poles along it: 0 straight down the
    middle to the horizon, 1 side on from the verge with a sign, 2 curving into the hills."""
    g, view = c.g, c.pick(3)
    horizon = (0.58, 0.5, 0.52)[view]
    far = c.sketch()
    far.polygon(ridge(c, base=horizon + 0.01, height=0.14, peaks=9), c.tone((110, 100, 120)))
    back = [backdrop(sky(c, horizon=horizon, sun_x=0.5), far), *sky_effects(c, bottom=0.4)]
    ground = c.sketch()
    field, tar, paint = c.ground((150, 140, 90)), c.ground(ASPHALT), c.tone((240, 230, 200))
    post = c.tone((90, 70, 55))
    ground.band(g.y(horizon), field)
    vy, bottom = g.y(horizon), g.canvas[1]
    if view == 1:  # the road crossing the frame, a fence beyond, a sign on the verge
        ground.polygon(
            dunes(c, base=horizon + 0.12, height=0.06, waves=2.0), c.ground((120, 140, 80))
        )
        ground.rect(0, g.y(0.76), g.canvas[0], g.y(0.9), tar)
        for edge in (0.765, 0.885):
            ground.rect(0, g.y(edge), g.canvas[0], g.y(edge + 0.006), paint)
        for k in range(14):
            x = g.x(-0.05 + k * 0.09)
            ground.rect(x, g.y(0.822), x + g.u(0.08), g.y(0.83), c.tone((240, 200, 80)))
        for k in range(24):
            x = g.x(-0.05 + k * 0.05)
            ground.rect(x, g.y(0.66), x + g.u(0.008), g.y(0.74), post)
        for y in (0.68, 0.71):
            ground.rect(0, g.y(y), g.canvas[0], g.y(y) + g.u(0.004), post)
        ground.rect(g.x(0.83), g.y(0.5), g.x(0.835), g.y(0.76), c.tone((150, 150, 150)))
        ground.rect(g.x(0.78), g.y(0.48), g.x(0.89), g.y(0.56), c.tone((30, 110, 70)))
        ground.rect(g.x(0.79), g.y(0.505), g.x(0.88), g.y(0.515), paint)
        poles = [(g.x(0.1 + 0.35 * k), g.y(0.74), g.u(0.5)) for k in range(3)]
    else:
        path = _road_path(c, vy, bottom, curve=0.0 if view == 0 else 0.3)
        left = [(x - h, y) for x, h, y in path]
        right = [(x + h, y) for x, h, y in reversed(path)]
        ground.polygon(left + right, tar)
        ground.line(left, paint, g.u(0.005))
        ground.line(right[::-1], paint, g.u(0.005))
        if view == 2:  # centre dashes painted along the curve (the straight road's move)
            for (x0, _, y0), (x1, h1, y1) in zip(path[::2], path[1::2], strict=False):
                ground.line([(x0, y0), (x1, y1)], c.tone((240, 210, 90)), max(1.0, h1 * 0.04))
        poles = [(x + h * 1.6, y, g.u(0.7) * (y - vy) / (bottom - vy)) for x, h, y in path[6::8]]
    for x, y, h in poles:  # telegraph poles with a sagging wire
        ground.line([(x, y), (x, y - h)], post, max(1.0, h * 0.025))
        ground.line(
            [(x - h * 0.12, y - h * 0.92), (x + h * 0.12, y - h * 0.92)], post, max(1.0, h * 0.02)
        )
    for (x0, y0, h0), (x1, y1, h1) in zip(poles, poles[1:], strict=False):
        sag = [
            (
                x0 + (x1 - x0) * f,
                y0
                - h0 * 0.92
                + ((y1 - h1 * 0.92) - (y0 - h0 * 0.92)) * f
                + g.u(0.03) * 4 * f * (1 - f),
            )
            for f in (0, 0.25, 0.5, 0.75, 1)
        ]
        ground.line(sag, post, 1)
    back += layer(ground, 1.0)
    if view == 0:
        back.append(
            Road(
                vanish=(g.x(0.5), vy),
                bottom=bottom,
                half_width=g.width * 0.45,
                color=c.tone((240, 210, 90)),
                grid=field,
                depth=1.0,
                span=0,
            )
        )
    return dress(
        c, Scenery(back=back, floor=g.y(0.93), figure_height=0.46), ground=0.8, horizon=horizon
    )


def _road_path(c: Ctx, top: float, bottom: float, *, curve: float) -> list:
    """(centre x, half width, y) from the horizon to the frame's foot, bending by `curve`."""
    g, path = c.g, []
    for k in range(41):
        f = k / 40
        y = top + (bottom - top) * f**1.6
        x = g.x(0.5 + curve * math.sin(f * 4.0 + 0.8) * (1 - f) ** 0.5)
        path.append((x, g.width * (0.004 + 0.45 * f**1.6), y))
    return path
