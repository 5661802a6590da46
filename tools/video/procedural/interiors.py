"""Indoor places: room, cafe, train, stage, club.

Interiors show the time of day through their windows (the sky of that time, lamps lit when
it is dark) and the weather only behind the panes. Depths: back wall 0.5, the characters'
floor 1.0, foreground 1.35.
"""

import math

import numpy as np
from PIL import Image, ImageDraw

from tools.video.procedural.effects import (
    Bars,
    Beams,
    Glow,
    Motes,
    Ripples,
    Stream,
    Twinkle,
    Waves,
)
from tools.video.procedural.layers import Cutout, Sketch, glow
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.scenery import DAYLIGHT, Ctx, Scenery, layer, sprite
from tools.video.procedural.skies import sky, window_sky
from tools.video.procedural.weather import through_windows

WOOD: RGB = (140, 96, 60)
PLASTER: RGB = (200, 180, 160)


def _inside(c: Ctx, natural: RGB) -> RGB:
    """A colour indoors: lamp-lit warm when dark outside, daylit otherwise."""
    if c.dark:
        return c.palette(mix(mix(natural, (255, 200, 140), 0.15), (0, 0, 0), 0.25))
    light, amount = DAYLIGHT[c.time]
    return c.palette(mix(natural, light, amount))


def _window(s: Sketch, c: Ctx, box: tuple[float, float, float, float], *, bars: int = 1) -> None:
    """A window onto the sky of this time, with a cross-barred frame."""
    x0, y0, x1, y1 = box
    window_sky(c, s, box)
    s.rect(x0, (y0 + y1) * 0.5 + (y1 - y0) * 0.25, x1, y1, c.tone((60, 70, 80)))  # rooftops
    frame, bar = _inside(c, (235, 230, 220)), c.g.u(0.012)
    for edge in (
        (x0, y0, x1, y0 + bar),
        (x0, y1 - bar, x1, y1),
        (x0, y0, x0 + bar, y1),
        (x1 - bar, y0, x1, y1),
    ):
        s.rect(*edge, frame)
    for k in range(1, bars + 1):
        mid = x0 + (x1 - x0) * k / (bars + 1)
        s.rect(mid - bar / 2, y0, mid + bar / 2, y1, frame)
    s.rect(x0, (y0 + y1) / 2 - bar / 2, x1, (y0 + y1) / 2 + bar / 2, frame)


def room(c: Ctx) -> Scenery:
    """A bedroom: window on the sky, a record on the wall, books, a lamp, a rug: 0 the wall
    with the window, 1 the bed under the window, 2 a desk by the window, close."""
    g, p, view = c.g, c.p, c.pick(3)
    s = c.sketch()
    wall = _inside(c, (150, 130, 160))
    s.rect(0, 0, *g.canvas, wall)
    for x in range(0, g.canvas[0], round(g.u(0.08))):
        s.rect(x, 0, x + g.u(0.04), g.y(0.8), mix(wall, (0, 0, 0), 0.06))
    window = ((0.58, 0.12, 0.86, 0.56), (0.35, 0.1, 0.65, 0.46), (0.05, 0.08, 0.55, 0.6))[view]
    box = (g.x(window[0]), g.y(window[1]), g.x(window[2]), g.y(window[3]))
    _window(s, c, box)
    if view != 2:
        s.rect(g.x(0.12), g.y(0.18), g.x(0.27), g.y(0.42), p.accent)  # a framed record
        s.ellipse(g.x(0.195), g.y(0.3), g.u(0.07), g.u(0.07), mix(p.deep, p.dark, 0.4))
        s.ellipse(g.x(0.195), g.y(0.3), g.u(0.015), g.u(0.015), p.highlight)
    shelf, left = g.y(0.46), (0.3, 0.7, 0.62)[view]
    s.rect(g.x(left), shelf, g.x(left + 0.2), g.y(0.475), _inside(c, WOOD))
    x = g.x(left + 0.01)
    for i in range(9):
        w = g.u(c.rng.uniform(0.018, 0.03))
        s.rect(x, shelf - g.u(c.rng.uniform(0.07, 0.11)), x + w, shelf, p.colors()[1 + i % 4])
        x += w + 2
    lx, ly = lamp = (g.x(0.07 if view != 2 else 0.85), g.y(0.42))
    s.rect(lx - 3, ly, lx + 3, g.y(0.8), _inside(c, (60, 50, 50)))
    s.polygon(
        [
            (lx - g.u(0.06), ly),
            (lx + g.u(0.06), ly),
            (lx + g.u(0.035), ly - g.u(0.09)),
            (lx - g.u(0.035), ly - g.u(0.09)),
        ],
        c.lamp() if c.dark else _inside(c, (240, 220, 180)),
    )
    s.rect(0, g.y(0.78), g.canvas[0], g.y(0.8), _inside(c, (120, 90, 70)))
    back = layer(s, 0.5)
    back += through_windows(c, [box], 0.5)
    if c.dark:
        back.append(Glow(glow(round(g.u(0.3)), c.lamp(), 0.55), lamp, depth=0.5))
    else:
        back.append(
            Beams(
                sources=[((box[0] + box[2]) / 2, box[1])],
                angles=[-0.5],
                colors=[c.lamp((255, 245, 220))],
                length=g.u(0.95),
                spread=0.2,
                sweep=0.02,
                depth=0.5,
                level=0.08,
            )
        )
    floor = c.sketch()
    boards = _inside(c, WOOD)
    floor.band(g.y(0.8), boards)
    for i in range(1, 6):  # floorboards, closer together towards the wall
        y = g.y(0.8) + g.u(0.012) * i**1.6
        floor.rect(0, y, g.canvas[0], y + 2, mix(boards, (0, 0, 0), 0.3))
    floor.ellipse(g.x(0.5), g.y(0.91), g.width * 0.3, g.u(0.06), mix(p.accent, p.deep, 0.45))
    if view == 1:  # a bed under the window
        floor.rect(g.x(0.3), g.y(0.6), g.x(0.7), g.y(0.82), _inside(c, (90, 70, 60)))
        floor.rect(g.x(0.31), g.y(0.62), g.x(0.69), g.y(0.72), _inside(c, (230, 225, 235)))
        floor.rect(g.x(0.31), g.y(0.66), g.x(0.69), g.y(0.75), c.palette(p.accent))
    if view == 2:  # a desk with a laptop
        floor.rect(g.x(0.05), g.y(0.62), g.x(0.55), g.y(0.65), _inside(c, WOOD))
        floor.rect(g.x(0.08), g.y(0.65), g.x(0.1), g.y(0.85), _inside(c, WOOD))
        floor.rect(g.x(0.5), g.y(0.65), g.x(0.52), g.y(0.85), _inside(c, WOOD))
        floor.polygon(
            [
                (g.x(0.2), g.y(0.62)),
                (g.x(0.32), g.y(0.62)),
                (g.x(0.31), g.y(0.54)),
                (g.x(0.21), g.y(0.54)),
            ],
            _inside(c, (70, 70, 80)),
        )
    back += layer(floor, 1.0)
    front = c.sketch()
    _plant(front, c, g.x(0.96 if view != 2 else 0.04), g.canvas[1])
    dust = Motes(
        region=(g.x(0.35), g.y(0.2), g.x(0.75), g.y(0.8)),
        color=p.highlight,
        count=16,
        size=g.u(0.0018),
        depth=0.7,
        seed=c.seed,
    )
    return Scenery(back=back, front=[dust, *layer(front, 1.35)], floor=g.y(0.9), surface="floor")


def _plant(s: Sketch, c: Ctx, x: float, ground: float) -> None:
    """A potted plant: five long leaves fanning out of a pot."""
    g = c.g
    stem, reach = (x, ground - g.u(0.12)), g.u(0.28)
    for angle in (-2.5, -2.1, -1.7, -1.35, -1.0):
        tip = (stem[0] + math.cos(angle) * reach, stem[1] + math.sin(angle) * reach)
        side = (-math.sin(angle) * reach * 0.16, math.cos(angle) * reach * 0.16)
        mx, my = (stem[0] + tip[0]) / 2, (stem[1] + tip[1]) / 2
        leaf = [stem, (mx + side[0], my + side[1]), tip, (mx - side[0], my - side[1])]
        s.polygon(leaf, _inside(c, (50, 120, 60)))
    rim, foot = g.u(0.08), g.u(0.06)
    s.polygon(
        [
            (x - rim, ground - g.u(0.14)),
            (x + rim, ground - g.u(0.14)),
            (x + foot, ground),
            (x - foot, ground),
        ],
        _inside(c, (170, 90, 60)),
    )


def cafe(c: Ctx) -> Scenery:
    """A cosy café: a big window on the street, warm pendant lamps, round tables, a counter
    with an espresso machine: 0 by the big window, 1 at the counter, 2 at a table, close."""
    g, view = c.g, c.pick(3)
    s = c.sketch()
    wall = _inside(c, (170, 120, 80))
    s.rect(0, 0, *g.canvas, wall)
    s.rect(0, g.y(0.55), g.canvas[0], g.y(0.8), _inside(c, (110, 70, 50)))  # wainscot
    boxes = []
    if view != 1:
        span = (0.05, 0.95) if view == 0 else (0.3, 1.05)
        box = (g.x(span[0]), g.y(0.08), g.x(span[1]), g.y(0.56))
        _window(s, c, box, bars=2)
        boxes.append(box)
        _across_the_street(s, c, box)
    else:  # the counter, shelves of cups, a chalk menu, the machine
        s.rect(g.x(0.55), g.y(0.12), g.x(0.95), g.y(0.4), _inside(c, (40, 50, 45)))
        for k in range(5):
            s.rect(
                g.x(0.58),
                g.y(0.16 + k * 0.045),
                g.x(0.58 + c.rng.uniform(0.15, 0.33)),
                g.y(0.167 + k * 0.045),
                _inside(c, (230, 230, 220)),
            )
        for row in (0.2, 0.33):
            s.rect(g.x(0.05), g.y(row), g.x(0.45), g.y(row + 0.012), _inside(c, WOOD))
            for k in range(8):
                s.ellipse(
                    g.x(0.08 + k * 0.048),
                    g.y(row - 0.02),
                    g.u(0.018),
                    g.u(0.02),
                    _inside(c, (240, 236, 226)),
                )
        boxes = []
    back = layer(s, 0.5)
    back += through_windows(c, boxes, 0.5)
    room = c.sketch()
    room.band(g.y(0.8), _inside(c, (120, 80, 60)))
    for k in range(12):  # checkerboard tiles
        for j in range(4):
            if (k + j) % 2:
                y0, y1 = g.y(0.8 + j * 0.05), g.y(0.85 + j * 0.05)
                room.rect(
                    g.x(-0.05 + k * 0.1), y0, g.x(0.05 + k * 0.1), y1, _inside(c, (200, 180, 150))
                )
    counter = _inside(c, (90, 55, 40))
    if view == 1:
        room.rect(0, g.y(0.5), g.canvas[0], g.y(0.86), counter)
        room.rect(0, g.y(0.48), g.canvas[0], g.y(0.51), _inside(c, (200, 190, 180)))
        mx = g.x(0.3)
        room.rect(mx, g.y(0.32), mx + g.u(0.2), g.y(0.48), _inside(c, (190, 190, 196)))
        room.rect(mx + g.u(0.03), g.y(0.4), mx + g.u(0.17), g.y(0.43), _inside(c, (60, 60, 64)))
    elif view == 0:
        for fx, fy in ((0.25, 0.8), (0.72, 0.84)):
            _chair(room, c, g.x(fx) - g.u(0.2), g.y(fy) + g.u(0.21), g.u(0.3), facing=1)
            _chair(room, c, g.x(fx) + g.u(0.2), g.y(fy) + g.u(0.21), g.u(0.3), facing=-1)
            _table(room, c, g.x(fx), g.y(fy), g.u(0.3))
    else:
        room.rect(g.x(-0.1), g.y(0.58), g.x(0.22), g.y(0.82), counter)
        room.rect(g.x(-0.1), g.y(0.56), g.x(0.23), g.y(0.59), _inside(c, (200, 190, 180)))
    lamps = [(g.x(fx), g.y(0.2)) for fx in ((0.2, 0.5, 0.8) if view != 2 else (0.45, 0.85))]
    for x, y in lamps:
        room.line([(x, 0), (x, y - g.u(0.04))], _inside(c, (40, 40, 40)), g.u(0.004))
        room.polygon(
            [
                (x - g.u(0.05), y),
                (x + g.u(0.05), y),
                (x + g.u(0.02), y - g.u(0.05)),
                (x - g.u(0.02), y - g.u(0.05)),
            ],
            c.palette((60, 90, 70)),
        )
        room.ellipse(x, y, g.u(0.025), g.u(0.012), c.lamp())
    back += layer(room, 1.0)
    for x, y in lamps:
        back.append(Glow(glow(round(g.u(0.22)), c.lamp(), 0.45), (x, y), depth=1.0))
    steam = Motes(
        region=(g.x(0.2), g.y(0.5), g.x(0.7), g.y(0.7)),
        color=c.lamp((255, 255, 255)),
        count=8,
        size=g.u(0.003),
        depth=1.0,
        seed=c.seed,
    )
    front: list = [steam]
    if view == 2:  # a table top in the foreground: cup, saucer, a plate with a croissant
        near = c.sketch()
        x, y = g.x(0.68), g.y(1.02)
        near.ellipse(x, y, g.u(0.5), g.u(0.11), _inside(c, WOOD))
        near.ellipse(
            x - g.u(0.12), y - g.u(0.03), g.u(0.09), g.u(0.025), _inside(c, (245, 242, 235))
        )
        near.rect(
            x - g.u(0.17), y - g.u(0.12), x - g.u(0.07), y - g.u(0.035), _inside(c, (245, 242, 235))
        )
        near.ring(
            x - g.u(0.06),
            y - g.u(0.08),
            g.u(0.025),
            g.u(0.025),
            _inside(c, (245, 242, 235)),
            g.u(0.01),
        )
        near.ellipse(
            x + g.u(0.16), y - g.u(0.02), g.u(0.12), g.u(0.03), _inside(c, (245, 242, 235))
        )
        near.ellipse(x + g.u(0.16), y - g.u(0.04), g.u(0.07), g.u(0.03), _inside(c, (210, 150, 70)))
        front += layer(near, 1.35)
    return Scenery(back=back, front=front, floor=g.y(0.92), surface="floor")


def _across_the_street(s: Sketch, c: Ctx, box: tuple[float, float, float, float]) -> None:
    """Buildings across the street filling the lower part of a window, windows lit at dark."""
    g = c.g
    x0, y0, x1, y1 = box
    x = x0
    while x < x1:
        w = min(g.u(c.rng.uniform(0.15, 0.3)), x1 - x)
        top = y0 + (y1 - y0) * c.rng.uniform(0.3, 0.55)
        front = c.tone([(170, 90, 70), (200, 180, 150), (120, 130, 150)][int(c.rng.integers(3))])
        s.rect(x, top, x + w, y1, front)
        for j in range(int((y1 - top) // g.u(0.06))):
            for k in range(max(1, int(w // g.u(0.06)))):
                lit = c.dark and c.rng.random() < c.lit
                wx, wy = x + g.u(0.02) + k * g.u(0.06), top + g.u(0.02) + j * g.u(0.06)
                s.rect(
                    wx,
                    wy,
                    wx + g.u(0.025),
                    wy + g.u(0.03),
                    c.lamp() if lit else c.tone((60, 70, 90)),
                )
        x += w


def _chair(s: Sketch, c: Ctx, x: float, floor: float, height: float, *, facing: int) -> None:
    """A bentwood café chair seen side on, its back away from `facing` (1 faces right)."""
    wood = _inside(c, (70, 45, 30))
    seat = floor - height * 0.48
    back = x - facing * height * 0.16
    s.line([(back, floor), (back, seat - height * 0.5)], wood, height * 0.035)
    s.line(
        [(x + facing * height * 0.16, floor), (x + facing * height * 0.16, seat)],
        wood,
        height * 0.035,
    )
    s.rect(x - height * 0.19, seat - height * 0.03, x + height * 0.19, seat + height * 0.02, wood)


def _table(s: Sketch, c: Ctx, x: float, top: float, width: float) -> None:
    """A round café table with a cup on it."""
    wood, iron = _inside(c, WOOD), _inside(c, (50, 50, 54))
    s.rect(x - width * 0.03, top, x + width * 0.03, top + width * 0.7, iron)
    s.ellipse(x, top + width * 0.7, width * 0.25, width * 0.05, iron)
    s.ellipse(x, top, width * 0.5, width * 0.09, _inside(c, (236, 230, 220)))
    s.ellipse(x, top + width * 0.02, width * 0.5, width * 0.08, wood)
    s.ellipse(x, top, width * 0.49, width * 0.075, _inside(c, (236, 230, 220)))
    s.rect(
        x - width * 0.08,
        top - width * 0.12,
        x + width * 0.08,
        top - width * 0.02,
        _inside(c, (240, 236, 226)),
    )


def train(c: Ctx) -> Scenery:
    """Inside a train carriage, the landscape streaming past its windows: 0 a row of
    windows and seats, 1 down the aisle, 2 close at one window."""
    g, view = c.g, c.pick(3)
    back = [sky(c, horizon=0.55, sun_x=0.7).layer(0.5)]
    wins = {
        0: [(0.04, 0.2, 0.3, 0.52), (0.37, 0.2, 0.63, 0.52), (0.7, 0.2, 0.96, 0.52)],
        1: [(-0.05, 0.18, 0.2, 0.58), (0.8, 0.18, 1.05, 0.58)],
        2: [(0.1, 0.12, 0.9, 0.66)],
    }[view]
    boxes = [(g.x(a), g.y(b), g.x(cx), g.y(d)) for a, b, cx, d in wins]
    period = round(g.u(1.2))
    back.append(
        Stream(
            strip=_landscape(c, period, boxes),
            period=period,
            windows=boxes,
            top=min(b[1] for b in boxes),
            speed=g.u(0.9),
            depth=0.5,
        )
    )
    back += through_windows(c, boxes, 0.5)
    s = c.sketch()
    wall = _inside(c, (200, 196, 186))
    holes = Image.new("L", (g.canvas[0] * s.k, g.canvas[1] * s.k), 0)
    s.rect(0, 0, *g.canvas, wall)
    s.rect(0, 0, g.canvas[0], g.y(0.08), _inside(c, (230, 228, 220)))
    for x0, y0, x1, y1 in boxes:
        r = g.u(0.03)
        s.draw.rounded_rectangle(
            (x0 * s.k - 6, y0 * s.k - 6, x1 * s.k + 6, y1 * s.k + 6),
            r * s.k,
            fill=_inside(c, (90, 90, 96)),
        )
        ImageDraw.Draw(holes).rounded_rectangle(
            (x0 * s.k, y0 * s.k, x1 * s.k, y1 * s.k), r * s.k, fill=255
        )
    s.image.paste((0, 0, 0, 0), (0, 0), holes)
    s.rect(0, g.y(0.62), g.canvas[0], g.y(0.64), _inside(c, (150, 150, 156)))
    if view == 1:  # the aisle running to the far door, seats on both sides
        s.polygon(
            [
                (g.x(0.42), g.y(0.5)),
                (g.x(0.58), g.y(0.5)),
                (g.x(0.8), g.canvas[1]),
                (g.x(0.2), g.canvas[1]),
            ],
            _inside(c, (90, 90, 100)),
        )
        s.rect(g.x(0.44), g.y(0.2), g.x(0.56), g.y(0.5), _inside(c, (150, 150, 160)))
        for side in (-1, 1):
            for k in range(4):
                f = (k + 1) / 5
                x = g.x(0.5 + side * (0.1 + 0.3 * f))
                h = g.u(0.08 + 0.25 * f)
                s.rect(
                    x - h * 0.4,
                    g.y(0.5 + 0.35 * f) - h,
                    x + h * 0.4,
                    g.y(0.5 + 0.35 * f),
                    c.palette((40, 80, 150)),
                )
    else:
        s.rect(0, g.y(0.8), g.canvas[0], g.canvas[1], _inside(c, (90, 90, 100)))
        seat = c.palette((40, 80, 150))
        for k in range(5 if view == 0 else 2):
            x = g.x(-0.05 + k * (0.27 if view == 0 else 0.8))
            s.rect(x, g.y(0.56), x + g.u(0.2), g.y(0.78), seat)
            s.rect(x - g.u(0.02), g.y(0.72), x + g.u(0.28), g.y(0.8), seat)
    for k in range(8):  # grab handles
        x = g.x(0.05 + k * 0.13)
        s.line([(x, g.y(0.08)), (x, g.y(0.14))], _inside(c, (160, 160, 160)), g.u(0.004))
        s.ring(x, g.y(0.155), g.u(0.015), g.u(0.015), _inside(c, (240, 200, 60)), g.u(0.005))
    back += layer(s, 0.5)
    return Scenery(back=back, floor=g.y(0.92), surface="floor")


def _landscape(c: Ctx, period: int, boxes: list) -> Image.Image:
    """The strip seen from the train: fields, trees and poles, repeating every `period`."""
    g = c.g
    top = min(b[1] for b in boxes)
    height = round(max(b[3] for b in boxes) - top) + 2
    width = g.canvas[0] + 2 * period
    s = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(s)
    land = round(height * 0.55)
    d.rectangle((0, land, width, height), fill=c.ground((90, 140, 70)))
    hills = c.tone((100, 130, 120))
    rng = c.rng
    trees = [(rng.uniform(0, period), rng.uniform(0.1, 0.3)) for _ in range(7)]
    for rep in range(width // period + 1):
        x0 = rep * period
        d.ellipse(
            (x0 - period * 0.2, land - height * 0.2, x0 + period * 0.5, land + height * 0.2),
            fill=hills,
        )
        for tx, h in trees:
            x, r = x0 + tx, height * h * 0.5
            d.rectangle(
                (x - r * 0.1, land - r, x + r * 0.1, land + r * 0.4), fill=c.tone((90, 66, 44))
            )
            d.ellipse((x - r, land - r * 2.4, x + r, land - r * 0.6), fill=c.tone((40, 100, 50)))
        d.rectangle(
            (x0 + period * 0.9, land - height * 0.5, x0 + period * 0.9 + 4, height),
            fill=c.tone((80, 70, 60)),
        )
    return _over_sky(c, s, top)


def _over_sky(c: Ctx, strip: Image.Image, top: float) -> Image.Image:
    """The strip laid over the sky of this time (the strip is pasted opaque)."""
    sky_image = sky(c, horizon=0.55).image
    behind = Image.new("RGBA", strip.size)
    for x in range(0, strip.width, sky_image.width):
        behind.paste(
            sky_image.crop((0, round(top), sky_image.width, round(top) + strip.height)), (x, 0)
        )
    behind.alpha_composite(strip)
    return behind.convert("RGB")


def stage(c: Ctx) -> Scenery:
    """A concert: LED wall equaliser, sweeping spots from a truss, light rings on the floor,
    and a crowd bobbing on the beat: 0 from the crowd, 1 wide from the side, 2 close on the
    stage edge with monitors."""
    g, p, view = c.g, c.p, c.pick(3)
    s = c.sketch(supersample=1)
    s.rect(0, 0, *g.canvas, mix(p.deep, p.dark, 0.25))
    left, right = ((0.14, 0.86), (0.3, 1.05), (0.05, 0.95))[view]
    screen, screen_color = (g.x(left), g.y(0.1), g.x(right), g.y(0.52)), mix(p.deep, p.dark, 0.6)
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
    edge = 0.72 if view != 2 else 0.8
    floor.band(g.y(edge), mix(p.dark, p.mid, 0.2))
    floor.rect(0, g.y(edge), g.canvas[0], g.y(edge + 0.005), mix(p.dark, p.accent, 0.4))
    if view == 2:  # wedge monitors at the edge
        for fx in (0.15, 0.85):
            floor.polygon(
                [
                    (g.x(fx) - g.u(0.1), g.y(0.95)),
                    (g.x(fx) + g.u(0.1), g.y(0.95)),
                    (g.x(fx) + g.u(0.08), g.y(0.86)),
                    (g.x(fx) - g.u(0.08), g.y(0.88)),
                ],
                p.deep,
            )
    back += layer(floor, 1.0)
    back.append(Ripples((g.x(0.5), g.y(0.86)), g.u(0.1), p.accent, depth=1.0, squash=0.18))
    front = [] if view == 2 else [_crowd(c, mix(p.deep, p.dark, 0.3))]
    return Scenery(
        back=back,
        front=front,
        floor=g.y(0.86 if view != 2 else 0.92),
        figure_height=0.46,
        surface="floor",
    )


def _crowd(
    c: Ctx, color: RGB, *, tops: tuple[float, float] = (0.87, 0.93), size: float = 0.16
) -> Waves:
    """Two rows of heads and raised hands bobbing on the beat, `size` frame heights tall."""
    g = c.g
    period = round(g.u(0.5 * size / 0.16))
    strips = [
        Cutout(_crowd_strip(c, period, mix(color, (0, 0, 0), 0.3 * row), row, size))
        for row in (1, 0)
    ]
    return Waves(
        strips=strips,
        tops=[g.y(t) for t in tops],
        periods=[period, period],
        speeds=[0.0, 0.0],
        heave=g.u(0.025),
        depth=1.35,
    )


def _crowd_strip(c: Ctx, period: int, color: RGB, row: int, size: float) -> Image.Image:
    """A row of heads and shoulders, some hands up, repeating every `period` pixels."""
    width, height = c.g.canvas[0] + 2 * period, round(c.g.u(size))
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
                d.line(
                    (x + r * 1.8, head + r * 1.5, x + r * 2.6, head - r * 2.2),
                    fill=fill,
                    width=round(r * 0.7),
                )

    return sprite((width, height), paint)


def club(c: Ctx) -> Scenery:
    """A night club: a dark room, a disco ball scattering sparkles, lasers fanning from the
    DJ booth, a lit tiled dance floor and a dancing crowd: 0 on the floor facing the booth,
    1 under the disco ball, 2 at the bar's edge, close."""
    g, p, view = c.g, c.p, c.pick(3)
    s = c.sketch(supersample=1)
    s.gradient([(0.0, mix(p.deep, (0, 0, 0), 0.5)), (0.7, p.deep), (1.0, mix(p.deep, p.dark, 0.3))])
    booth_x = (0.5, 0.3, 0.72)[view]
    bx = g.x(booth_x)
    s.rect(bx - g.u(0.25), g.y(0.48), bx + g.u(0.25), g.y(0.62), mix(p.dark, p.mid, 0.25))
    s.rect(bx - g.u(0.25), g.y(0.48), bx + g.u(0.25), g.y(0.495), p.accent)
    box, cone = mix(p.deep, (0, 0, 0), 0.3), mix(p.dark, p.mid, 0.35)
    for side in (-1, 1):  # speaker stacks flanking the booth
        x = bx + side * g.u(0.42)
        s.rect(x - g.u(0.1), g.y(0.3), x + g.u(0.1), g.y(0.66), box)
        for y, r in ((0.36, 0.045), (0.46, 0.045), (0.58, 0.065)):
            s.ellipse(x, g.y(y), g.u(r), g.u(r), cone)
            s.ellipse(x, g.y(y), g.u(r * 0.35), g.u(r * 0.35), box)
    ball = (g.x((0.5, 0.55, 0.35)[view]), g.y(0.13 if view != 1 else 0.2))
    r = g.u(0.06 if view != 1 else 0.1)
    s.line([(ball[0], 0), (ball[0], ball[1] - r)], mix(p.dark, p.mid, 0.5), 2)
    for k in range(8):  # the mirrored ball: a disc of facets
        for j in range(8):
            fx, fy = (k - 3.5) / 4, (j - 3.5) / 4
            if fx * fx + fy * fy < 1.0:
                shade = mix(p.mid, p.highlight, 0.3 + 0.7 * ((k + j) % 3) / 2)
                s.rect(
                    ball[0] + fx * r - r / 8,
                    ball[1] + fy * r - r / 8,
                    ball[0] + fx * r + r / 8,
                    ball[1] + fy * r + r / 8,
                    shade,
                )
    back = layer(s, 0.3)
    sparkles = c.rng.uniform((0, 0), (g.canvas[0], g.y(0.6)), (60, 2))
    points = [(x, y, g.u(0.004)) for x, y in sparkles]
    back.append(Twinkle(np.array(points), p.highlight, 0.3))
    colors = [p.accent, (60, 255, 120), (80, 160, 255), p.highlight]
    back.append(
        Beams(
            sources=[(bx, g.y(0.5))] * 8,
            angles=[math.pi - 1.3 + k * 0.37 for k in range(8)],
            colors=[colors[k % 4] for k in range(8)],
            length=g.u(1.4),
            spread=0.006,
            sweep=0.5,
            depth=0.3,
            level=0.9,
        )
    )
    floor = c.sketch(supersample=1)
    top = g.y(0.66)
    floor.band(top, mix(p.deep, p.dark, 0.4))
    vx, vy, bottom = g.x(0.5), g.y(0.42), g.canvas[1]
    rows = [top + (bottom - top) * (1 - 1 / (1 + j * 0.35)) * 1.9 for j in range(7)]
    for j, (y0, y1) in enumerate(zip(rows, rows[1:], strict=False)):  # tiles in perspective
        for k in range(14):
            xa, xb = g.x(-0.9 + k * 0.2), g.x(-0.9 + (k + 1) * 0.2)
            quad = [(vx + (xa - vx) * (y - vy) / (bottom - vy), y) for y in (y0, y1)] + [
                (vx + (xb - vx) * (y - vy) / (bottom - vy), y) for y in (y1, y0)
            ]
            hue = (p.accent, p.mid, p.highlight)[(k + 2 * j) % 3]
            floor.polygon(quad, mix(p.deep, hue, 0.45 if (k + j) % 2 else 0.15))
        floor.line([(0, y0), (g.canvas[0], y0)], p.deep, 2)
    back += layer(floor, 1.0)
    back.append(Ripples((g.x(0.5), g.y(0.84)), g.u(0.16), p.highlight, depth=1.0, squash=0.22))
    front = [_crowd(c, mix(p.deep, (0, 0, 0), 0.3), tops=(0.74, 0.84), size=0.28)]
    if view == 2:
        bar = c.sketch()
        bar.rect(g.x(-0.1), g.y(0.78), g.x(0.3), g.canvas[1], mix(p.dark, p.mid, 0.2))
        bar.rect(g.x(-0.1), g.y(0.76), g.x(0.32), g.y(0.79), p.accent)
        front = [*layer(bar, 1.35)]
    return Scenery(back=back, front=front, floor=g.y(0.9), figure_height=0.46, surface="floor")
