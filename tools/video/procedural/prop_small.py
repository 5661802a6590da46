"""Drawings of the hand-sized scene props, each standing alone on a stand, a table or the
ground: music and light, paper and screens, things to carry. Painters draw in a `Pen` about the
prop's base point; animated ones take a state."""

import math

from tools.video.procedural.palette import mix
from tools.video.procedural.prop_pen import Colors, Pen, wave

# ----------------------------------------------------------------------------- music & light


def fishing_rod(pen: Pen, k: Colors, state: int) -> None:
    pen.line([(0, 0), (0, -0.3)], k.wood, 0.025)
    pen.line([(-0.05, -0.37), (0, -0.3), (0.05, -0.37)], k.wood, 0.02)
    butt, tip = (-0.15, -0.02), (0.31, -0.97)
    grip = (butt[0] + (tip[0] - butt[0]) * 0.22, butt[1] + (tip[1] - butt[1]) * 0.22)
    pen.line([grip, tip], k.accent, 0.014)
    pen.line([butt, grip], k.dark_wood, 0.028)
    pen.oval(grip[0] + 0.035, grip[1] + 0.01, 0.035, 0.035, k.metal)
    sag = [(tip[0] + 0.4 * u, tip[1] + 0.93 * u**1.6) for u in (i / 10 for i in range(11))]
    pen.line(sag, k.paper, 0.006)
    pen.ring(0.71, -0.03, 0.09, 0.018, k.paper, 0.008)
    pen.oval(0.71, -0.05, 0.032, 0.032, k.paper)
    pen.oval(0.71, -0.05, 0.032, 0.032, k.red, 180, 360)


def guitar(pen: Pen, k: Colors, state: int) -> None:
    pen.rect(0.04, -0.34, 0.42, 0, k.black)  # the amp
    pen.rect(0.07, -0.25, 0.39, -0.03, mix(k.black, k.metal, 0.3))
    pen.rect(0.07, -0.31, 0.39, -0.28, k.accent)
    for x in (0.12, 0.18, 0.24):
        pen.oval(x, -0.295, 0.012, 0.012, k.paper)
    pen.turn(14, (-0.16, 0))
    body, x = mix(k.wood, k.accent, 0.3), -0.16
    pen.oval(x, -0.15, 0.15, 0.15, body)
    pen.oval(x, -0.34, 0.115, 0.11, body)
    pen.oval(x, -0.2, 0.09, 0.09, mix(body, k.paper, 0.35))
    pen.oval(x, -0.27, 0.042, 0.042, k.ink)
    pen.rect(x - 0.06, -0.13, x + 0.06, -0.105, k.dark_wood)
    pen.rect(x - 0.023, -0.68, x + 0.023, -0.33, k.dark_wood)
    pen.poly(
        [(x - 0.034, -0.78), (x + 0.034, -0.78), (x + 0.026, -0.68), (x - 0.026, -0.68)], k.ink
    )
    for dx in (-0.012, 0, 0.012):
        pen.line([(x + dx, -0.12), (x + dx, -0.7)], k.paper, 0.004)
    pen.turn(0)


def microphone(pen: Pen, k: Colors, state: int) -> None:
    for foot in ((-0.17, 0), (0.17, 0), (0.03, 0.01)):
        pen.line([(0, -0.12), foot], k.black, 0.02)
    pen.line([(0, -0.12), (0, -0.74)], k.metal, 0.02)
    pen.line([(0, -0.74), (0.1, -0.8)], k.metal, 0.016)
    pen.turn(32, (0.12, -0.86))
    pen.rect(0.1, -0.86, 0.14, -0.74, k.black)
    pen.rect(0.095, -0.87, 0.145, -0.85, k.accent)
    pen.oval(0.12, -0.92, 0.05, 0.06, k.metal)
    for dy in (-0.95, -0.92, -0.89):
        pen.line([(0.075, dy), (0.165, dy)], mix(k.metal, k.ink, 0.5), 0.005)
    pen.turn(0)


def umbrella(pen: Pen, k: Colors, state: int) -> None:
    pen.turn(-12)
    pen.line([(0, 0.0), (0, -1.08)], k.dark_wood, 0.022)
    colors = [k.accent, k.highlight]
    for i in range(6):
        pen.oval(0, -0.8, 0.5, 0.32, colors[i % 2], 180 + 30 * i, 210 + 30 * i)
        x = -0.5 + (i + 0.5) / 6
        pen.oval(x, -0.8, 1 / 12, 0.035, colors[i % 2], 0, 180)
    pen.line([(0, -1.12), (0, -1.18)], k.ink, 0.02)
    pen.turn(0)


def lantern(pen: Pen, k: Colors, state: int) -> None:
    pen.line([(0, 0), (0, -0.86)], k.black, 0.022)
    pen.ring(0.08, -0.86, 0.08, 0.06, k.black, 0.02, 180, 360)
    pen.line([(0.16, -0.86), (0.16, -0.8)], k.black, 0.01)
    pen.poly([(0.1, -0.74), (0.22, -0.74), (0.19, -0.8), (0.13, -0.8)], k.black)
    pen.rect(0.11, -0.74, 0.21, -0.56, k.light)
    pen.oval(0.16, -0.64, 0.022, 0.04, k.flame)
    for x in (0.11, 0.16, 0.21):
        pen.line([(x, -0.74), (x, -0.56)], k.black, 0.01)
    pen.rect(0.1, -0.57, 0.22, -0.53, k.black)


def candle(pen: Pen, k: Colors, state: int) -> None:
    pen.rect(-0.015, -0.4, 0.015, 0, k.dark_wood)
    pen.oval(0, -0.01, 0.12, 0.02, k.dark_wood)
    pen.oval(0, -0.4, 0.22, 0.035, k.wood)
    wax = mix(k.paper, k.flame, 0.15)
    for x, h in CANDLES:
        pen.rect(x - 0.03, -0.4 - h, x + 0.03, -0.41, wax)
        pen.oval(x, -0.4 - h, 0.03, 0.008, mix(wax, k.paper, 0.5))
        pen.oval(x + 0.018, -0.4 - h + 0.04, 0.01, 0.03, wax)
        pen.line([(x, -0.4 - h), (x, -0.4 - h - 0.018)], k.ink, 0.006)


CANDLES = [(-0.11, 0.17), (0.0, 0.25), (0.11, 0.13)]  # x, height of each candle on the table


def candle_flames(pen: Pen, k: Colors, state: int) -> None:
    for i, (x, h) in enumerate(CANDLES):
        lean = 0.008 * math.sin(state * 2.1 + i * 1.7)
        tall = 0.05 + 0.012 * math.sin(state * 1.3 + i)
        top = -0.4 - h - 0.02
        pen.poly([(x - 0.016, top), (x + lean, top - tall), (x + 0.016, top)], k.flame)
        pen.oval(x, top, 0.016, 0.012, k.flame)
        pen.oval(x, top - 0.005, 0.007, 0.01, k.light)


# ----------------------------------------------------------------------------- paper & screens


def photograph(pen: Pen, k: Colors, state: int) -> None:
    for foot in ((-0.22, 0), (0.22, 0), (0.0, 0.0)):
        pen.line([(0, -0.96), foot], k.wood, 0.024)
    pen.rect(-0.3, -0.42, 0.3, -0.38, k.wood)
    pen.rect(-0.29, -0.88, 0.29, -0.41, k.dark_wood)
    pen.rect(-0.26, -0.85, 0.26, -0.44, k.paper)
    x0, y0, x1, y1 = -0.22, -0.81, 0.22, -0.52
    pen.rect(x0, y0, x1, y1, mix(k.screen, k.highlight, 0.3))
    pen.oval(0.1, -0.72, 0.04, 0.04, k.light)
    pen.poly([(x0, y1), (x0, -0.6), (-0.08, -0.67), (0.06, -0.6), (x1, -0.63), (x1, y1)], k.green)
    for x, h in ((-0.05, 0.12), (0.02, 0.1)):
        pen.rect(x - 0.017, y1 - h + 0.03, x + 0.017, y1, k.ink)
        pen.oval(x, y1 - h + 0.01, 0.02, 0.02, k.ink)


def letter(pen: Pen, k: Colors, state: int) -> None:
    pen.rect(-0.28, -0.3, 0.28, 0, k.wood)
    for y in (-0.2, -0.1):
        pen.line([(-0.28, y), (0.28, y)], k.dark_wood, 0.01)
    pen.line([(-0.26, -0.02), (0.26, -0.28)], k.dark_wood, 0.02)
    pen.turn(-10, (0, -0.3))
    pen.rect(-0.12, -0.56, 0.24, -0.3, mix(k.paper, k.highlight, 0.4))
    pen.turn(5, (0, -0.3))
    pen.rect(-0.2, -0.56, 0.2, -0.3, k.paper)
    pen.line([(-0.2, -0.56), (0, -0.41), (0.2, -0.56)], mix(k.paper, k.ink, 0.35), 0.01)
    pen.line([(-0.2, -0.3), (-0.05, -0.42)], mix(k.paper, k.ink, 0.2), 0.006)
    pen.line([(0.2, -0.3), (0.05, -0.42)], mix(k.paper, k.ink, 0.2), 0.006)
    pen.oval(0, -0.41, 0.035, 0.035, k.red)
    pen.rect(0.12, -0.53, 0.18, -0.47, k.accent)
    pen.turn(0)


def phone(pen: Pen, k: Colors, state: int) -> None:
    pen.rect(-0.26, -0.45, 0.26, -0.41, k.wood)
    pen.line([(-0.22, -0.42), (-0.24, 0)], k.dark_wood, 0.025)
    pen.line([(0.22, -0.42), (0.24, 0)], k.dark_wood, 0.025)
    pen.rect(-0.11, -0.84, 0.11, -0.44, k.black)
    pen.rect(-0.09, -0.81, 0.09, -0.48, k.screen)
    pen.rect(-0.07, -0.77, 0.04, -0.7, k.paper)
    pen.rect(-0.04, -0.66, 0.07, -0.59, k.accent)
    pen.rect(-0.07, -0.55, 0.03, -0.5, k.paper)
    pen.line([(-0.03, -0.825), (0.03, -0.825)], k.metal, 0.008)


def book(pen: Pen, k: Colors, state: int) -> None:
    pen.rect(-0.16, -0.03, 0.16, 0, k.dark_wood)
    pen.line([(0, 0), (0, -0.55)], k.dark_wood, 0.04)
    pen.poly([(-0.26, -0.55), (0.26, -0.55), (0.24, -0.6), (-0.24, -0.6)], k.wood)
    pen.poly(
        [(-0.27, -0.57), (0, -0.55), (0.27, -0.57), (0.25, -0.86), (0, -0.84), (-0.25, -0.86)],
        k.accent,
    )
    for side in (-1, 1):
        pen.poly([(0, -0.57), (side * 0.25, -0.6), (side * 0.235, -0.84), (0, -0.81)], k.paper)
        for i in range(6):
            y = -0.78 + i * 0.03
            pen.line([(side * 0.03, y), (side * 0.2, y - 0.008)], mix(k.paper, k.ink, 0.45), 0.006)
    pen.line([(0, -0.81), (0, -0.57)], mix(k.paper, k.ink, 0.5), 0.006)
    pen.line([(0.01, -0.57), (0.02, -0.49)], k.red, 0.014)


def camera(pen: Pen, k: Colors, state: int) -> None:
    for foot in ((-0.25, 0), (0.25, 0), (0.04, 0.0)):
        pen.line([(0, -0.62), foot], k.metal, 0.016)
    pen.line([(0, -0.62), (0, -0.7)], k.black, 0.03)
    pen.rect(-0.15, -0.87, 0.15, -0.69, k.black)
    pen.poly([(-0.05, -0.87), (0.05, -0.87), (0.035, -0.92), (-0.035, -0.92)], k.black)
    pen.rect(-0.15, -0.82, -0.1, -0.71, mix(k.black, k.wood, 0.4))
    pen.rect(-0.13, -0.865, -0.085, -0.84, k.paper)
    pen.rect(0.08, -0.9, 0.12, -0.87, k.accent)
    pen.oval(0, -0.78, 0.08, 0.08, k.metal)
    pen.oval(0, -0.78, 0.06, 0.06, k.ink)
    pen.oval(0, -0.78, 0.04, 0.04, mix(k.screen, k.ink, 0.4))
    pen.oval(-0.012, -0.792, 0.012, 0.012, k.paper)


def coffee(pen: Pen, k: Colors, state: int) -> None:
    pen.oval(0, -0.34, 0.2, 0.03, k.wood)
    pen.line([(0, -0.34), (0, -0.02)], k.dark_wood, 0.03)
    pen.oval(0, -0.01, 0.1, 0.02, k.dark_wood)
    pen.oval(0, -0.37, 0.15, 0.022, k.paper)
    pen.ring(0.12, -0.48, 0.05, 0.05, k.paper, 0.022, -90, 90)
    pen.poly([(-0.11, -0.57), (0.11, -0.57), (0.085, -0.375), (-0.085, -0.375)], k.paper)
    pen.rect(-0.104, -0.52, 0.104, -0.49, k.accent)
    pen.oval(0, -0.57, 0.11, 0.02, (92, 56, 36))


def steam(pen: Pen, k: Colors, state: int) -> None:
    for i, x in enumerate((-0.05, 0.0, 0.05)):
        pts = wave(x, -0.61, x + 0.01, -0.86 + 0.03 * i, 0.025, state * math.pi / 2 + i * 2)
        pen.line(pts, (*k.paper, 170), 0.016)


# ----------------------------------------------------------------------------- things to carry


def flowers(pen: Pen, k: Colors, state: int) -> None:
    heads = [(-0.16, -0.5), (-0.07, -0.6), (0.04, -0.63), (0.14, -0.53), (-0.03, -0.48),
             (0.08, -0.45), (0.19, -0.4), (-0.19, -0.38)]  # fmt: skip
    colors = [k.red, (250, 200, 60), (240, 130, 180), k.highlight, k.accent, k.paper]
    for x, y in heads:
        pen.line([(0, -0.22), (x * 0.8, (y - 0.22) / 2), (x, y)], k.green, 0.012)
    for side in (-1, 1):
        pen.oval(side * 0.08, -0.32, 0.05, 0.02, k.green)
    for i, (x, y) in enumerate(heads):
        color = k.tone(colors[i % len(colors)])
        for j in range(5):
            a = math.radians(72 * j + i * 20)
            pen.oval(x + 0.03 * math.cos(a), y + 0.03 * math.sin(a), 0.028, 0.028, color)
        pen.oval(x, y, 0.018, 0.018, (250, 210, 70) if i % 3 else k.dark_wood)
    vase = [(-0.09, 0), (0.09, 0), (0.13, -0.12), (0.07, -0.25), (-0.07, -0.25), (-0.13, -0.12)]
    pen.poly(vase, k.accent)
    pen.line([(-0.12, -0.12), (0.12, -0.12)], k.highlight, 0.014)


def balloon(pen: Pen, k: Colors, state: int) -> None:
    """The weight a balloon is tied to (the balloons themselves: `balloons`)."""
    pen.poly([(-0.05, 0), (0.05, 0), (0.035, -0.05), (-0.035, -0.05)], k.black)
    pen.oval(0, -0.055, 0.018, 0.01, k.red)


def balloons(pen: Pen, k: Colors, state: int) -> None:
    """Three balloons, their strings meeting at (0, 0)."""
    for x, y, color in ((-0.09, -0.36, (250, 200, 60)), (0.1, -0.38, k.accent), (0, -0.27, k.red)):
        pen.line([(0, 0), (x, y + 0.13)], k.paper, 0.005)
        pen.poly([(x, y + 0.12), (x - 0.018, y + 0.15), (x + 0.018, y + 0.15)], color)
        pen.oval(x, y, 0.1, 0.125, color)
        pen.oval(x - 0.035, y - 0.05, 0.022, 0.035, mix(color, (255, 255, 255), 0.6))


def kite_stake(pen: Pen, k: Colors, state: int) -> None:
    pen.line([(0, 0), (0, -0.12)], k.dark_wood, 0.02)
    pen.oval(0, -0.09, 0.035, 0.025, k.wood)


def kite(pen: Pen, k: Colors, state: int) -> None:
    """A diamond kite with a bowed tail; its string is tied at (0, 0), the bottom corner."""
    top, left, right = (0.04, -0.42), (-0.11, -0.27), (0.15, -0.25)
    center = (0.03, -0.26)
    pen.poly([top, left, center], k.accent)
    pen.poly([top, right, center], k.highlight)
    pen.poly([left, (0, 0), center], k.highlight)
    pen.poly([right, (0, 0), center], k.accent)
    pen.line([top, (0, 0)], k.ink, 0.008)
    pen.line([left, right], k.ink, 0.008)
    tail = wave(0, 0, -0.3, 0.18, 0.035, state * 2.1)
    pen.line(tail, k.ink, 0.006)
    for x, y in tail[3::3]:
        pen.poly([(x - 0.02, y - 0.015), (x + 0.02, y + 0.015), (x + 0.02, y - 0.015),
                  (x - 0.02, y + 0.015)], k.red)  # fmt: skip


def suitcase(pen: Pen, k: Colors, state: int) -> None:
    for x in (-0.06, 0.06):
        pen.line([(x, -0.44), (x, -0.68)], k.metal, 0.014)
    pen.rect(-0.085, -0.71, 0.085, -0.67, k.black)
    body = mix(k.accent, k.dark_wood, 0.35)
    pen.rect(-0.2, -0.46, 0.2, -0.04, body)
    for x in (-0.1, 0.0, 0.1):
        pen.line([(x, -0.44), (x, -0.06)], mix(body, k.ink, 0.35), 0.008)
    for x in (-0.2, 0.2):
        for y in (-0.46, -0.04):
            pen.oval(x, y, 0.025, 0.025, k.metal)
    pen.oval(-0.1, -0.3, 0.05, 0.05, k.highlight)
    pen.rect(0.03, -0.19, 0.15, -0.11, (250, 200, 60))
    for x in (-0.15, 0.15):
        pen.oval(x, -0.02, 0.025, 0.025, k.black)


def headphones(pen: Pen, k: Colors, state: int) -> None:
    pen.oval(0, -0.01, 0.1, 0.02, k.black)
    pen.line([(0, 0), (0, -0.58)], k.metal, 0.02)
    pen.rect(-0.05, -0.62, 0.05, -0.58, k.black)
    pen.ring(0, -0.58, 0.17, 0.2, k.black, 0.045, 180, 360)
    pen.ring(0, -0.58, 0.17, 0.2, k.accent, 0.02, 190, 350)
    for side in (-1, 1):
        pen.rect(side * 0.2, -0.62, side * 0.125, -0.4, k.accent)
        pen.rect(side * 0.145, -0.6, side * 0.118, -0.42, k.black)
    pen.line([(0.2, -0.45), (0.24, -0.3), (0.15, -0.15), (0.2, 0)], k.black, 0.008)
