"""Drawings of the large scene props (vehicles, furniture, instruments, a tent, a campfire) and
the animals. Painters draw in a `Pen` about the prop's base point; animated ones take a state."""

import math

from tools.video.procedural.palette import mix
from tools.video.procedural.prop_pen import Colors, Pen

# ----------------------------------------------------------------------------- vehicles


def bicycle(pen: Pen, k: Colors, state: int) -> None:
    for cx in (-0.33, 0.33):
        pen.ring(cx, -0.2, 0.19, 0.19, k.black, 0.035)
        pen.ring(cx, -0.2, 0.165, 0.165, k.metal, 0.01)
        for i in range(6):
            a = math.radians(30 * i)
            dx, dy = 0.165 * math.cos(a), 0.165 * math.sin(a)
            pen.line([(cx - dx, -0.2 - dy), (cx + dx, -0.2 + dy)], k.metal, 0.005)
        pen.oval(cx, -0.2, 0.02, 0.02, k.metal)
    rear, crank, seat, head, fork, front = (
        (-0.33, -0.2), (-0.02, -0.2), (-0.1, -0.48), (0.2, -0.48), (0.23, -0.42), (0.33, -0.2)
    )  # fmt: skip
    pen.line([(-0.02, -0.2), (-0.08, 0)], k.metal, 0.012)
    for a, b in ((rear, crank), (crank, seat), (seat, rear), (seat, head), (crank, fork)):
        pen.line([a, b], k.accent, 0.026)
    pen.line([head, fork, front], k.metal, 0.02)
    pen.line([(-0.1, -0.48), (-0.12, -0.53)], k.metal, 0.016)
    pen.poly([(-0.2, -0.53), (-0.04, -0.54), (-0.06, -0.57), (-0.18, -0.57)], k.black)
    pen.line([head, (0.18, -0.58), (0.1, -0.58)], k.black, 0.02)
    pen.oval(-0.02, -0.2, 0.04, 0.04, k.metal)
    pen.line([(-0.02, -0.2), (0.03, -0.12)], k.black, 0.014)


def boat(pen: Pen, k: Colors, state: int) -> None:
    """A small sailboat, waterline at y = 0 (state 1: pulled up on the bank, on two logs)."""
    if state:
        pen.turn(-6, (0, 0))
        for x in (-0.3, 0.3):
            pen.oval(x, -0.04, 0.05, 0.04, k.dark_wood)
    lift = -0.1 if state else 0.0
    hull = [(-0.62, -0.2), (0.62, -0.2), (0.48, 0.05), (-0.46, 0.05)]
    pen.poly([(x, y + lift) for x, y in hull], k.paper)
    band = [(-0.62, -0.2), (0.62, -0.2), (0.57, -0.11), (-0.59, -0.11)]
    pen.poly([(x, y + lift) for x, y in band], k.accent)
    for x in (-0.2, 0.05, 0.3):
        pen.oval(x, -0.04 + lift, 0.025, 0.025, k.ink)
    pen.line([(0, -0.2 + lift), (0, -1.2 + lift)], k.dark_wood, 0.022)
    pen.poly([(0.02, -1.15 + lift), (0.02, -0.26 + lift), (0.48, -0.26 + lift)], k.highlight)
    pen.poly([(-0.03, -1.08 + lift), (-0.03, -0.26 + lift), (-0.45, -0.26 + lift)],
             mix(k.paper, k.accent, 0.25))  # fmt: skip
    pen.poly([(0, -1.2 + lift), (0.14, -1.16 + lift), (0, -1.12 + lift)], k.red)
    pen.turn(0)


def car(pen: Pen, k: Colors, state: int) -> None:
    body = [(-0.78, -0.1), (-0.78, -0.28), (-0.7, -0.33), (-0.45, -0.35), (-0.3, -0.52),
            (0.2, -0.52), (0.38, -0.35), (0.72, -0.31), (0.78, -0.24), (0.78, -0.1)]  # fmt: skip
    pen.poly(body, k.accent)
    glass = mix(k.screen, k.ink, 0.35)
    pen.poly([(-0.27, -0.49), (-0.04, -0.49), (-0.04, -0.36), (-0.41, -0.36)], glass)
    pen.poly([(0.0, -0.49), (0.18, -0.49), (0.32, -0.36), (0.0, -0.36)], glass)
    pen.line([(-0.02, -0.49), (-0.02, -0.12)], mix(k.accent, k.ink, 0.5), 0.008)
    pen.rect(0.06, -0.31, 0.12, -0.29, k.metal)
    pen.oval(0.745, -0.26, 0.03, 0.025, k.light)
    pen.rect(-0.785, -0.28, -0.755, -0.22, k.red)
    for x in (-0.8, 0.64):
        pen.rect(x, -0.14, x + 0.16, -0.09, k.metal)
    for x in (-0.5, 0.5):
        pen.oval(x, -0.12, 0.16, 0.16, k.ink, 180, 360)
        pen.oval(x, -0.12, 0.12, 0.12, k.black)
        pen.oval(x, -0.12, 0.06, 0.06, k.metal)


def skateboard(pen: Pen, k: Colors, state: int) -> None:
    pen.poly([(0.0, 0), (0.42, 0), (0.42, -0.22)], k.wood)  # a kicker ramp
    pen.line([(0.02, -0.005), (0.41, -0.21)], k.dark_wood, 0.012)
    pen.rect(0.39, -0.22, 0.42, 0, k.dark_wood)
    pen.turn(16, (-0.12, 0))
    deck = mix(k.accent, k.dark_wood, 0.2)
    pen.rect(-0.18, -0.52, -0.06, -0.06, deck)
    pen.oval(-0.12, -0.52, 0.06, 0.05, deck)
    pen.oval(-0.12, -0.06, 0.06, 0.05, deck)
    pen.rect(-0.18, -0.33, -0.06, -0.25, k.highlight)
    pen.oval(-0.12, -0.29, 0.03, 0.03, k.red)
    for y in (-0.44, -0.14):
        pen.rect(-0.16, y - 0.012, -0.08, y + 0.012, k.metal)
        for x in (-0.185, -0.055):
            pen.oval(x, y, 0.022, 0.03, (250, 200, 60))
    pen.turn(0)


# ----------------------------------------------------------------------------- furniture


def piano(pen: Pen, k: Colors, state: int) -> None:
    wood = mix(k.dark_wood, k.black, 0.4)
    pen.rect(-0.45, -0.76, 0.45, 0, wood)
    pen.rect(-0.47, -0.79, 0.47, -0.74, mix(wood, k.ink, 0.4))
    pen.rect(-0.4, -0.7, 0.4, -0.47, mix(wood, k.wood, 0.3))
    pen.rect(-0.13, -0.64, 0.13, -0.48, k.paper)
    for i in range(5):
        pen.line([(-0.1, -0.61 + i * 0.028), (0.1, -0.61 + i * 0.028)], k.ink, 0.004)
    pen.rect(-0.47, -0.42, 0.47, -0.33, k.paper)
    keys = 21
    for i in range(1, keys):
        x = -0.47 + 0.94 * i / keys
        pen.line([(x, -0.42), (x, -0.33)], mix(k.paper, k.ink, 0.4), 0.004)
        if i % 7 not in (0, 3):
            pen.rect(x - 0.012, -0.42, x + 0.012, -0.37, k.ink)
    pen.rect(-0.47, -0.33, 0.47, -0.3, wood)
    pen.rect(-0.4, -0.25, 0.4, -0.06, mix(wood, k.wood, 0.2))
    for x in (-0.04, 0.04):
        pen.rect(x - 0.012, -0.03, x + 0.012, 0, (220, 180, 80))


def drums(pen: Pen, k: Colors, state: int) -> None:
    """A kit; state 0 at rest, 1 and 2 on harder hits (cymbals tilt, skins flash)."""
    skin = mix(k.paper, k.highlight, 0.3 * state)
    shell = k.accent
    brass = k.tone((232, 186, 70))
    for x, y, a in ((-0.46, -0.82, -10), (0.47, -0.74, 12)):  # cymbals on stands
        pen.line([(x, y), (x, 0)], k.metal, 0.012)
        pen.line([(x, -0.08), (x - 0.06, 0), (x, -0.08), (x + 0.06, 0)], k.metal, 0.01)
        pen.turn(a * state, (x, y))
        pen.oval(x, y - 0.03 * state, 0.17, 0.028, brass)
        pen.oval(x, y - 0.03 * state - 0.01, 0.03, 0.012, mix(brass, k.ink, 0.3))
        pen.turn(0)
    pen.rect(0.27, -0.42, 0.5, -0.06, shell)  # floor tom
    pen.oval(0.385, -0.42, 0.115, 0.03, skin)
    pen.line([(0.29, -0.1), (0.27, 0)], k.metal, 0.01)
    pen.line([(0.48, -0.1), (0.5, 0)], k.metal, 0.01)
    pen.line([(-0.38, -0.36), (-0.42, 0)], k.metal, 0.01)  # snare
    pen.line([(-0.38, -0.36), (-0.32, 0)], k.metal, 0.01)
    pen.rect(-0.48, -0.42, -0.28, -0.34, mix(shell, k.metal, 0.5))
    pen.oval(-0.38, -0.42, 0.1, 0.025, skin)
    for x in (-0.12, 0.12):  # rack toms
        pen.rect(x - 0.09, -0.6, x + 0.09, -0.46, shell)
        pen.oval(x, -0.6 - 0.02 * state, 0.09, 0.025, skin)
    pen.oval(0, -0.25, 0.25, 0.25, shell)  # bass drum
    pen.oval(0, -0.25, 0.215, 0.215, skin)
    pen.oval(0, -0.25, 0.1, 0.1, k.accent)
    pen.rect(-0.09, -0.27, 0.09, -0.23, k.paper)
    if state == 2:
        for x, y in ((-0.46, -0.9), (0.47, -0.82)):
            for a in (-60, -90, -120):
                r = math.radians(a)
                inner = (x + 0.19 * math.cos(r), y + 0.1 * math.sin(r))
                pen.line(
                    [inner, (x + 0.26 * math.cos(r), y + 0.15 * math.sin(r))], k.highlight, 0.01
                )


def campfire(pen: Pen, k: Colors, state: int) -> None:
    pen.turn(18, (0, -0.05))
    pen.rect(-0.22, -0.08, 0.22, -0.02, k.dark_wood)
    pen.turn(-18, (0, -0.05))
    pen.rect(-0.22, -0.08, 0.22, -0.02, k.wood)
    pen.turn(0)
    stone = k.tone((140, 136, 130))
    for i in range(7):
        x = -0.27 + 0.09 * i
        pen.oval(x, -0.03, 0.05, 0.035, mix(stone, k.ink, 0.15 * (i % 2)))


def flames(pen: Pen, k: Colors, state: int) -> None:
    for color, width, height in ((k.red, 0.2, 0.5), (k.flame, 0.14, 0.36), (k.light, 0.07, 0.2)):
        tongues = 5
        pts = [(-width, -0.05)]
        for i in range(tongues):
            x = -width + (i + 0.5) * 2 * width / tongues
            wobble = math.sin(state * 1.9 + i * 2.3) * 0.25 + 0.75
            peak = height * wobble * (1 - abs(x) / (width * 1.4))
            pts += [(x, -0.05 - peak), (x + width / tongues, -0.05 - peak * 0.45)]
        pen.poly([*pts, (width, -0.05)], color)


def tent(pen: Pen, k: Colors, state: int) -> None:
    for peg in ((-0.62, 0), (0.62, 0)):
        pen.line([(0, -0.7), peg], mix(k.paper, k.ink, 0.3), 0.005)
    pen.line([(0, -0.7), (0, -0.76)], k.dark_wood, 0.018)
    pen.poly([(-0.55, 0), (0, -0.7), (0.55, 0)], k.accent)
    pen.poly([(-0.55, 0), (0, -0.7), (-0.3, 0)], mix(k.accent, k.ink, 0.2))
    pen.poly([(-0.17, 0), (0, -0.48), (0.17, 0)], k.ink)
    pen.poly([(-0.17, 0), (0, -0.48), (-0.28, 0)], mix(k.accent, k.paper, 0.35))
    pen.line([(0, -0.7), (0, -0.48)], mix(k.accent, k.ink, 0.4), 0.008)


def bench(pen: Pen, k: Colors, state: int) -> None:
    iron = k.black
    for x in (-0.4, 0.4):
        pen.line([(x, 0), (x, -0.22)], iron, 0.03)
        pen.line([(x + 0.03 * (1 if x < 0 else -1), 0), (x - 0.02 * (1 if x > 0 else -1), -0.5)],
                 iron, 0.025)  # fmt: skip
        pen.line([(x, -0.3), (x + (0.06 if x > 0 else -0.06), -0.3)], iron, 0.022)
    for y in (-0.48, -0.41, -0.34):
        pen.rect(-0.47, y, 0.47, y + 0.05, k.wood)
    for y in (-0.24, -0.2):
        pen.rect(-0.49, y, 0.49, y + 0.035, mix(k.wood, k.paper, 0.1))


def street_lamp(pen: Pen, k: Colors, state: int) -> None:
    iron = mix(k.black, k.accent, 0.15)
    pen.poly([(-0.08, 0), (0.08, 0), (0.05, -0.14), (-0.05, -0.14)], iron)
    pen.line([(0, -0.14), (0, -1.32)], iron, 0.032)
    for y in (-0.3, -1.1):
        pen.rect(-0.03, y, 0.03, y + 0.03, iron)
    pen.rect(-0.06, -1.32, 0.06, -1.29, iron)
    pen.poly([(-0.07, -1.47), (0.07, -1.47), (0.05, -1.32), (-0.05, -1.32)], k.light)
    pen.line([(0, -1.47), (0, -1.32)], iron, 0.008)
    pen.poly([(-0.11, -1.46), (0.11, -1.46), (0, -1.55)], iron)
    pen.oval(0, -1.56, 0.018, 0.018, iron)


def telescope(pen: Pen, k: Colors, state: int) -> None:
    for foot in ((-0.22, 0), (0.22, 0), (0.03, 0)):
        pen.line([(0, -0.5), foot], k.dark_wood, 0.018)
    pen.rect(-0.04, -0.56, 0.04, -0.5, k.black)
    pen.turn(-35, (0, -0.6))
    pen.rect(-0.28, -0.64, 0.34, -0.56, mix(k.paper, k.highlight, 0.3))
    pen.rect(0.3, -0.655, 0.42, -0.545, k.accent)
    pen.rect(-0.33, -0.62, -0.28, -0.58, k.black)
    pen.rect(-0.1, -0.7, 0.1, -0.67, k.black)
    pen.rect(-0.05, -0.56, 0.05, -0.54, k.black)
    pen.turn(0)


def dog(pen: Pen, k: Colors, state: int) -> None:
    """Standing, facing right; state: tail position (0..2) and breath (0, 1)."""
    tail, breath = state // 2, state % 2
    fur, dark = k.tone((196, 138, 76)), k.tone((120, 74, 40))
    a = math.radians(200 - 35 * tail)
    pen.line([(-0.15, -0.25), (-0.15 + 0.14 * math.cos(a), -0.25 + 0.14 * math.sin(a) - 0.06)],
             fur, 0.035)  # fmt: skip
    for x in (-0.13, -0.06, 0.08, 0.14):
        pen.rect(x - 0.022, -0.18, x + 0.022, 0, fur if x in (-0.13, 0.08) else dark)
    pen.oval(0, -0.22, 0.18, 0.085 + 0.008 * breath, fur)
    pen.oval(-0.04, -0.24, 0.06, 0.045, dark)
    pen.poly([(0.12, -0.22), (0.19, -0.34), (0.23, -0.28), (0.17, -0.18)], fur)
    pen.oval(0.22, -0.35, 0.075, 0.07, fur)
    pen.oval(0.29, -0.32, 0.055, 0.035, mix(fur, k.paper, 0.3))
    pen.oval(0.335, -0.335, 0.018, 0.016, k.ink)
    pen.oval(0.2, -0.33, 0.032, 0.065, dark)
    pen.oval(0.245, -0.37, 0.011, 0.011, k.ink)
    pen.line([(0.15, -0.27), (0.2, -0.23)], k.red, 0.02)
    if breath:
        pen.oval(0.3, -0.285, 0.016, 0.025, (236, 110, 130))


def cat(pen: Pen, k: Colors, state: int) -> None:
    """Sitting, facing a little right; state: tail position (0..2) and breath (0, 1)."""
    tail, breath = state // 2, state % 2
    fur = k.tone((226, 146, 64))
    tip = (-0.24, -0.1 - 0.07 * tail)
    pen.line([(-0.07, -0.02), (-0.2, -0.02), tip], fur, 0.03)
    pen.oval(0, -0.13, 0.105 + 0.008 * breath, 0.13, fur)
    pen.oval(0.03, -0.14, 0.05, 0.09, mix(fur, k.paper, 0.6))
    for x in (-0.03, 0.06):
        pen.oval(x, -0.012, 0.03, 0.014, mix(fur, k.paper, 0.6))
    pen.poly([(-0.03, -0.33), (-0.01, -0.42), (0.04, -0.36)], fur)
    pen.poly([(0.05, -0.36), (0.1, -0.42), (0.11, -0.32)], fur)
    pen.oval(0.04, -0.3, 0.08, 0.068, fur)
    for x in (0.015, 0.075):
        pen.oval(x, -0.31, 0.014, 0.018, (150, 200, 90))
        pen.oval(x, -0.31, 0.005, 0.014, k.ink)
    pen.poly([(0.04, -0.285), (0.055, -0.285), (0.047, -0.275)], (236, 110, 130))
    for dy in (-0.005, 0.01):
        pen.line([(0.07, -0.275), (0.14, -0.275 + dy * 2)], k.paper, 0.003)
        pen.line([(0.025, -0.275), (-0.045, -0.275 + dy * 2)], k.paper, 0.003)


def bird(pen: Pen, k: Colors, state: int) -> None:
    """A gull's silhouette, wings up (state 0) or down (1), centred at (0, 0)."""
    y = -0.5 if state == 0 else 0.35
    for side in (-1, 1):
        pen.line([(0, 0), (side * 0.45, y * 0.6), (side * 1.0, y)], k.paper, 0.16)
    pen.oval(0, 0.02, 0.14, 0.1, k.paper)
