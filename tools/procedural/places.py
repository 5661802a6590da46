"""Built places and the abstract default: city, space, room, stage, road, abstract; and
`PLACES`, every environment by name (the landscapes are in nature.py).

Each builder draws its static layers far to near and lists the effects that animate them.
Depths: sky 0.15, far scenery 0.3, mid scenery 0.55-0.6, the characters' floor 1.0,
foreground 1.35. Every colour is a palette colour or a mix of two.
"""

import math

from PIL import Image, ImageDraw

from tools.procedural.effects import Bars, Beams, Blinks, Glow, Motes, Neon, Ripples, Road, Waves
from tools.procedural.layers import Cutout, Sketch, glow
from tools.procedural.nature import desert, forest, mountains, ocean
from tools.procedural.palette import RGB, mix
from tools.procedural.scenery import (
    Ctx,
    Scenery,
    arc_points,
    backdrop,
    layer,
    nebula,
    night_sky_effects,
    ridge,
    sky,
    sky_tone,
    skyline,
    sprite,
    weather,
)


def city(c: Ctx) -> Scenery:
    """A skyline at two depths with lit windows, searchlights, neon, and a rooftop or street."""
    g, p = c.g, c.p
    far = c.sketch()
    skyline(
        far,
        c,
        tops=(0.38, 0.58),
        widths=(0.03, 0.07),
        color=mix(p.dark, p.mid, 0.25),
        windows=mix(p.mid, p.highlight, 0.3),
        lit=0.2,
    )
    back = [backdrop(sky(c, sun_at=(0.8, 0.17)), far), *night_sky_effects(c, 0.15)]
    back.append(
        Beams(
            sources=[(g.x(0.15), g.y(0.7)), (g.x(0.6), g.y(0.7))],
            angles=[math.pi - 0.3, math.pi + 0.25],
            colors=[p.highlight, p.accent],
            length=g.u(1.0),
            spread=0.045,
            sweep=0.35,
            depth=0.3,
        )
    )
    near = c.sketch()
    windows = skyline(
        near,
        c,
        tops=(0.24, 0.5),
        widths=(0.07, 0.14),
        color=mix(p.deep, p.dark, 0.55),
        windows=mix(p.accent, p.highlight, 0.45),
        lit=0.3,
    )
    back += layer(near, 0.6)
    picked = c.vary.choice(len(windows), min(90, len(windows)), replace=False)
    back.append(Blinks([windows[int(i)] for i in picked], p.highlight, depth=0.6, share=0.2))
    signs = [(0.07, 0.5, 0.06, 0.16), (0.7, 0.42, 0.2, 0.05)]
    boxes = [(g.x(x), g.y(y), g.x(x) + g.u(w), g.y(y) + g.u(h)) for x, y, w, h in signs]
    back.append(Neon(boxes, [p.accent, p.highlight], depth=0.6))
    back += layer(_city_floor(c), 1.0)
    return Scenery(back=back, air=weather(c), floor=g.y(0.9))


def _city_floor(c: Ctx) -> Sketch:
    """A street with a kerb, or (by default) a rooftop with a parapet and boxes at the sides."""
    g, p = c.g, c.p
    floor, top = c.sketch(), 0.8
    if c.has(r"street|alley|sidewalk|road"):
        floor.band(g.y(top), mix(p.dark, p.mid, 0.25))
        floor.band(g.y(0.93), mix(p.deep, p.dark, 0.3))
    else:
        floor.band(g.y(top - 0.02), mix(p.deep, p.dark, 0.35))
        floor.rect(0, g.y(top - 0.02), g.canvas[0], g.y(top + 0.005), mix(p.dark, p.mid, 0.3))
        for x0, x1, h in ((-0.05, 0.13, 0.1), (0.86, 1.05, 0.07), (0.9, 0.96, 0.15)):
            floor.rect(g.x(x0), g.y(top - h), g.x(x1), g.y(top + 0.01), mix(p.deep, p.dark, 0.7))
    if c.has(r"rain|wet|storm"):  # puddles catching the neon
        for x in (0.2, 0.55, 0.8):
            floor.ellipse(g.x(x), g.y(0.95), g.u(0.14), g.u(0.01), mix(p.dark, p.accent, 0.2))
    return floor


def space(c: Ctx) -> Scenery:
    """A starfield with nebulae and a moon, a ringed planet, and a cratered ground."""
    g, p = c.g, c.p
    c.time = "night"
    s = sky(c, sun_at=(0.14, 0.16), stars=260)
    s.paste(nebula(c, [p.accent, p.mid]), 0, 0)
    back = layer(s, 0.15) + night_sky_effects(c, 0.15)
    planet = c.sketch()
    _planet(planet, g.x(0.76), g.y(0.32), g.u(0.2), c)
    back += layer(planet, 0.3)
    ground = c.sketch()
    rim = arc_points(g.x(0.5), g.y(0.8) + g.u(2.0), g.width * 1.6, g.u(2.0), math.pi, 2 * math.pi)
    ground.polygon([*rim, (g.canvas[0], g.canvas[1]), (0, g.canvas[1])], mix(p.dark, p.mid, 0.4))
    for _ in range(9):
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(0.84, 1.05))
        r = g.u(c.rng.uniform(0.02, 0.06))
        ground.ellipse(x, y, r, r * 0.35, mix(p.dark, p.mid, 0.2))
        ground.ellipse(x, y + r * 0.06, r * 0.85, r * 0.28, mix(p.dark, p.mid, 0.1))
    back += layer(ground, 1.0)
    dust = Motes(
        region=(0, g.y(0.1), g.canvas[0], g.y(0.8)),
        color=p.highlight,
        count=18,
        size=g.u(0.002),
        depth=0.6,
        seed=c.seed,
    )
    return Scenery(back=back, front=[dust], floor=g.y(0.9))


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


def room(c: Ctx) -> Scenery:
    """A bedroom at night: window with the moon, a record on the wall, books, a lamp, a rug."""
    g, p = c.g, c.p
    s = c.sketch()
    wall = mix(p.dark, p.mid, 0.3)
    s.rect(0, 0, *g.canvas, wall)
    for x in range(0, g.canvas[0], round(g.u(0.08))):
        s.rect(x, 0, x + g.u(0.04), g.y(0.8), mix(wall, p.deep, 0.07))
    window = (g.x(0.58), g.y(0.12), g.x(0.86), g.y(0.56))
    _window(s, c, window)
    s.rect(g.x(0.12), g.y(0.18), g.x(0.27), g.y(0.42), p.accent)  # a framed record
    s.ellipse(g.x(0.195), g.y(0.3), g.u(0.07), g.u(0.07), mix(p.deep, p.dark, 0.4))
    s.ellipse(g.x(0.195), g.y(0.3), g.u(0.015), g.u(0.015), p.highlight)
    shelf = g.y(0.46)
    s.rect(g.x(0.3), shelf, g.x(0.5), g.y(0.475), mix(p.deep, p.dark, 0.6))
    x = g.x(0.31)
    for i in range(9):
        w = g.u(c.rng.uniform(0.018, 0.03))
        s.rect(x, shelf - g.u(c.rng.uniform(0.07, 0.11)), x + w, shelf, p.colors()[1 + i % 4])
        x += w + 2
    lx, ly = lamp = (g.x(0.07), g.y(0.42))
    s.rect(lx - 3, ly, lx + 3, g.y(0.8), mix(p.deep, p.dark, 0.5))
    top, bottom = g.u(0.035), g.u(0.06)
    shade = [
        (lx - bottom, ly),
        (lx + bottom, ly),
        (lx + top, ly - g.u(0.09)),
        (lx - top, ly - g.u(0.09)),
    ]
    s.polygon(shade, mix(p.accent, p.highlight, 0.4))
    s.rect(0, g.y(0.78), g.canvas[0], g.y(0.8), mix(p.dark, p.mid, 0.5))
    back = layer(s, 0.5)
    back.append(Glow(glow(round(g.u(0.3)), mix(p.accent, p.highlight, 0.4), 0.55), lamp, depth=0.5))
    back.append(
        Beams(
            sources=[((window[0] + window[2]) / 2, window[1])],
            angles=[-0.5],
            colors=[p.highlight],
            length=g.u(0.95),
            spread=0.2,
            sweep=0.02,
            depth=0.5,
            level=0.07,
        )
    )
    floor = c.sketch()
    floor.band(g.y(0.8), mix(p.dark, p.accent, 0.18))
    for i in range(1, 6):  # floorboards, closer together towards the wall
        y = g.y(0.8) + g.u(0.012) * i**1.6
        floor.rect(0, y, g.canvas[0], y + 2, mix(p.deep, p.dark, 0.6))
    floor.ellipse(g.x(0.5), g.y(0.91), g.width * 0.3, g.u(0.06), mix(p.accent, p.deep, 0.45))
    back += layer(floor, 1.0)
    front = c.sketch()
    _plant(front, c, g.x(0.96), g.canvas[1])
    dust = Motes(
        region=(g.x(0.35), g.y(0.2), g.x(0.75), g.y(0.8)),
        color=p.highlight,
        count=16,
        size=g.u(0.0018),
        depth=0.7,
        seed=c.seed,
    )
    return Scenery(back=back, front=[dust, *layer(front, 1.35)], floor=g.y(0.9))


def _window(s: Sketch, c: Ctx, box: tuple[float, float, float, float]) -> None:
    """A night window: sky, a glow of town below, the moon, and a cross-barred frame."""
    p, (x0, y0, x1, y1) = c.p, box
    s.rect(x0, y0, x1, y1, mix(p.deep, p.dark, 0.3))
    s.rect(x0, (y0 + y1) / 2, x1, y1, mix(p.dark, p.accent, 0.25))
    s.ellipse(x1 - c.g.u(0.08), y0 + c.g.u(0.08), c.g.u(0.035), c.g.u(0.035), p.highlight)
    frame, bar, mid = mix(p.mid, p.highlight, 0.3), 8, (x0 + x1) / 2
    for edge in (
        (x0, y0, x1, y0 + bar),
        (x0, y1 - bar, x1, y1),
        (x0, y0, x0 + bar, y1),
        (x1 - bar, y0, x1, y1),
        (mid - bar / 2, y0, mid + bar / 2, y1),
    ):
        s.rect(*edge, frame)


def _plant(s: Sketch, c: Ctx, x: float, ground: float) -> None:
    """A potted plant: five long leaves fanning out of a pot."""
    g, p = c.g, c.p
    stem, reach = (x, ground - g.u(0.12)), g.u(0.28)
    for angle in (-2.5, -2.1, -1.7, -1.35, -1.0):
        tip = (stem[0] + math.cos(angle) * reach, stem[1] + math.sin(angle) * reach)
        side = (-math.sin(angle) * reach * 0.16, math.cos(angle) * reach * 0.16)
        mx, my = (stem[0] + tip[0]) / 2, (stem[1] + tip[1]) / 2
        leaf = [stem, (mx + side[0], my + side[1]), tip, (mx - side[0], my - side[1])]
        s.polygon(leaf, mix(p.deep, p.mid, 0.35))
    rim, foot = g.u(0.08), g.u(0.06)
    pot = [
        (x - rim, ground - g.u(0.14)),
        (x + rim, ground - g.u(0.14)),
        (x + foot, ground),
        (x - foot, ground),
    ]
    s.polygon(pot, mix(p.accent, p.deep, 0.5))


def stage(c: Ctx) -> Scenery:
    """A concert: LED wall equaliser, sweeping spots from a truss, light rings on the floor,
    and a crowd bobbing on the beat."""
    g, p = c.g, c.p
    s = c.sketch(supersample=1)
    s.rect(0, 0, *g.canvas, mix(p.deep, p.dark, 0.25))
    screen, screen_color = (g.x(0.14), g.y(0.1), g.x(0.86), g.y(0.52)), mix(p.deep, p.dark, 0.6)
    s.rect(*screen, screen_color)
    s.rect(0, g.y(0.03), g.canvas[0], g.y(0.06), mix(p.dark, p.mid, 0.35))
    lamps = [g.x(f) for f in (0.12, 0.32, 0.5, 0.68, 0.88)]
    for x in lamps:
        s.rect(x - g.u(0.02), g.y(0.06), x + g.u(0.02), g.y(0.1), mix(p.dark, p.mid, 0.2))
    back = layer(s, 0.3)
    back.append(
        Bars(
            rect=screen,
            columns=28,
            rows=14,
            low=mix(p.accent, p.mid, 0.35),
            high=p.highlight,
            gap=screen_color,
            depth=0.3,
        )
    )
    back.append(
        Beams(
            sources=[(x, g.y(0.1)) for x in lamps],
            angles=[0.35, -0.2, 0.0, 0.2, -0.35],
            colors=[p.accent, p.highlight, p.mid, p.highlight, p.accent],
            length=g.u(0.85),
            spread=0.06,
            sweep=0.4,
            depth=0.45,
            level=0.2,
        )
    )
    floor = c.sketch()
    floor.band(g.y(0.72), mix(p.dark, p.mid, 0.2))
    floor.rect(0, g.y(0.72), g.canvas[0], g.y(0.725), mix(p.dark, p.accent, 0.4))
    back += layer(floor, 1.0)
    back.append(Ripples((g.x(0.5), g.y(0.86)), g.u(0.1), p.accent, depth=1.0, squash=0.18))
    period = round(g.u(0.5))
    strips = [
        Cutout(_crowd_strip(c, period, mix(p.deep, p.dark, row * 0.3), row)) for row in (1, 0)
    ]
    crowd = Waves(
        strips=strips,
        tops=[g.y(0.87), g.y(0.93)],
        periods=[period, period],
        speeds=[0.0, 0.0],
        heave=g.u(0.025),
        depth=1.35,
    )
    return Scenery(back=back, front=[crowd], floor=g.y(0.86), figure_height=0.46)


def _crowd_strip(c: Ctx, period: int, color: RGB, row: int) -> Image.Image:
    """A row of heads and shoulders, some hands up, repeating every `period` pixels."""
    width, height = c.g.canvas[0] + 2 * period, round(c.g.u(0.16))
    people = [(c.rng.uniform(0, 1), c.rng.random() < 0.3) for _ in range(9)]

    def paint(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        step, r, fill = period * 2 / len(people), h * 0.13, (*color, 255)
        for i in range((w // round(step)) + 1):
            jitter, hand = people[i % len(people)]
            x, head = (i + 0.5 * row + 0.3 * jitter) * step, h * (0.25 + 0.1 * jitter)
            d.ellipse((x - r, head - r, x + r, head + r), fill=fill)
            d.rounded_rectangle(
                (x - r * 2.2, head + r * 1.1, x + r * 2.2, h + r), radius=r, fill=fill
            )
            if hand:
                arm = (x + r * 1.8, head + r * 1.5, x + r * 2.6, head - r * 2.2)
                d.line(arm, fill=fill, width=round(r * 0.7))

    return sprite((width, height), paint)


def road(c: Ctx) -> Scenery:
    """Synthwave: a striped sun on the horizon, mountains, a road rushing at the camera."""
    g, p = c.g, c.p
    horizon = 0.6
    s = sky(c, sun_at=(0.5, horizon - 0.1))
    for i in range(5):  # cut the sun into stripes with the sky's own colour
        fy = horizon - 0.1 + i * 0.022
        s.rect(g.x(0.35), g.y(fy), g.x(0.65), g.y(fy) + g.u(0.003 + 0.003 * i), sky_tone(c, fy))
    far = c.sketch()
    far.polygon(ridge(c, base=horizon + 0.01, height=0.14, peaks=9), mix(p.deep, p.accent, 0.25))
    back = [backdrop(s, far), *night_sky_effects(c, 0.15, bottom=0.4)]
    ground = c.sketch()
    ground.band(g.y(horizon), mix(p.deep, p.dark, 0.45))
    vx, vy, bottom, edge = g.x(0.5), g.y(horizon), g.canvas[1], g.width * 0.55
    tarmac = [(vx - 4, vy), (vx + 4, vy), (vx + edge, bottom), (vx - edge, bottom)]
    ground.polygon(tarmac, mix(p.deep, p.dark, 0.15))
    for side in (-1, 1):
        ground.line([(vx + side * 4, vy), (vx + side * edge, bottom)], p.accent, g.u(0.006))
    back += layer(ground, 1.0)
    back.append(
        Road(
            vanish=(vx, vy),
            bottom=bottom,
            half_width=edge,
            color=mix(p.highlight, p.accent, 0.2),
            grid=p.accent,
            depth=1.0,
            span=g.canvas[0],
        )
    )
    return Scenery(back=back, air=weather(c), floor=g.y(0.93), figure_height=0.46)


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
    return Scenery(back=back, air=weather(c), floor=g.y(0.93))


PLACES = {
    "city": city,
    "space": space,
    "ocean": ocean,
    "forest": forest,
    "desert": desert,
    "mountains": mountains,
    "room": room,
    "stage": stage,
    "road": road,
    "abstract": abstract,
}
