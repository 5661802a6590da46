"""What figures sit on, ride and play: the seat of a pose drawn around the body in figure units.

A bicycle, a skateboard, a rowing boat and a car (side views) carry a rider; a stool carries a
seated figure, and a piano or a drum kit stands in front of a seated player. Stages as in
`held`: "back" behind the figure, "body" over the legs and torso (under the arms), "hands"
over the arms (under the hands), "over" in front of everything.
"""

import math
from typing import TYPE_CHECKING

from tools.video.procedural import held
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.pen import Pen, Point, Skeleton
from tools.video.procedural.poses import Pose

if TYPE_CHECKING:
    from tools.video.procedural.figures import Look

MOUNTS = {"bicycle": "saddle", "skateboard": "board", "boat": "boat", "car": "car"}
PLAYED = ("piano", "drums")

_INK: RGB = (30, 28, 36)
_TYRE: RGB = (34, 34, 40)
_STEEL: RGB = (170, 174, 186)
_WOOD: RGB = (150, 92, 52)
_PIANO: RGB = (24, 22, 28)
_IVORY: RGB = (246, 242, 232)
_BRASS: RGB = (222, 180, 70)
_GLASS: RGB = (170, 210, 235)

_GROUND = {"saddle": 0.965, "board": 0.975, "boat": 0.8, "car": 0.965, "passenger": 0.965}


def ground(pose: Pose) -> float:
    """The height (figure units) that rests on the floor: wheels, a board, the waterline."""
    return _GROUND.get(pose.seat, 1.0)


def draw(
    pen: Pen, stage: str, look: "Look", skeleton: Skeleton, props: tuple[str, ...], pose: Pose
) -> None:
    """The pose's seat (and the instrument it plays) in this stage."""
    seat = pose.seat
    if seat == "saddle" and stage == "back":
        _bicycle(pen, look, pose.crank)
    elif seat == "board" and stage == "back":
        _skateboard(pen, look)
    elif seat == "boat":
        _boat(pen, stage, look, skeleton, pose.crank, rowing=not held.held_by(props))
    elif seat == "car":
        _car(pen, stage, look, pose.crank)
    elif seat == "stool":
        if stage == "back":
            _stool(pen, look)
        if "piano" in props:
            _piano(pen, stage)
        if "drums" in props:
            _drums(pen, stage, look, skeleton)


def _spoked(pen: Pen, x: float, y: float, r: float, turn: float) -> None:
    pen.next_part()
    pen.arc(x, y, r - 0.012, r - 0.012, 0, 360, 0.024, _TYRE)
    for i in range(6):
        a = math.radians(turn + 30 * i)
        dx, dy = r * math.cos(a), r * math.sin(a)
        pen.line([(x - dx, y - dy), (x + dx, y + dy)], 0.004, _STEEL)
    pen.circle(x, y, 0.018, _STEEL)


def _bicycle(pen: Pen, look: "Look", crank: float) -> None:
    rear, front, hub = (-0.33, 0.795), (0.42, 0.795), (0.05, 0.8)
    saddle, head = (-0.02, 0.555), (0.3, 0.5)
    frame = mix(look.accent, (200, 40, 50), 0.35)
    _spoked(pen, *rear, 0.17, crank)
    _spoked(pen, *front, 0.17, crank)
    pen.next_part()
    for a, b in (
        (hub, saddle),
        (saddle, head),
        (hub, (0.31, 0.53)),
        (hub, rear),
        ((0.0, 0.6), rear),
        (head, front),
    ):
        pen.line([a, b], 0.022, frame)
    pen.line([head, (0.31, 0.42)], 0.018, _STEEL)
    pen.limb([(0.26, 0.425), (0.37, 0.405)], 0.02, _INK)
    pen.rect(saddle[0] - 0.07, saddle[1] - 0.02, saddle[0] + 0.05, saddle[1] + 0.008, _INK, r=0.01)
    pen.circle(*hub, 0.04, _STEEL)


def _skateboard(pen: Pen, look: "Look") -> None:
    pen.next_part()
    for x in (-0.2, 0.2):
        pen.rect(x - 0.03, 0.93, x + 0.03, 0.95, _STEEL)
        pen.circle(x, 0.955, 0.024, (240, 230, 200))
    deck = mix(look.accent, (200, 80, 50), 0.7)
    pen.poly(
        [(-0.36, 0.89), (-0.3, 0.915), (0.3, 0.915), (0.36, 0.89), (0.33, 0.94), (-0.33, 0.94)],
        deck,
    )
    pen.line([(-0.28, 0.932), (0.28, 0.932)], 0.01, mix(deck, (250, 250, 250), 0.5))


def _boat(pen: Pen, stage: str, look: "Look", sk: Skeleton, crank: float, *, rowing: bool) -> None:
    if stage == "body":
        pen.next_part()
        hull = mix(_WOOD, look.accent, 0.2)
        pen.poly(
            [(-0.72, 0.6), (0.72, 0.6), (0.6, 0.8), (0.42, 0.93), (-0.42, 0.93), (-0.6, 0.8)], hull
        )
        pen.poly([(-0.72, 0.6), (0.72, 0.6), (0.7, 0.64), (-0.7, 0.64)], mix(hull, _INK, 0.35))
        pen.poly([(-0.65, 0.7), (0.65, 0.7), (0.62, 0.74), (-0.62, 0.74)], look.accent)
        for x in (-0.35, 0.0, 0.35):
            pen.line([(x, 0.645), (x * 1.05, 0.92)], 0.005, mix(hull, _INK, 0.25))
    elif stage == "hands" and rowing:
        dip = 0.04 * math.sin(math.radians(crank))
        for side, wrist in zip((-1, 1), sk.wrists, strict=True):
            blade = (side * 0.95, 0.92 + dip)
            pen.next_part()
            pen.line([wrist, blade], 0.018, _WOOD)
            with pen.turned(
                blade, math.degrees(math.atan2(blade[1] - wrist[1], blade[0] - wrist[0]))
            ):
                pen.ellipse(blade[0], blade[1], 0.08, 0.028, mix(_WOOD, look.accent, 0.3))


def _car(pen: Pen, stage: str, look: "Look", crank: float) -> None:
    body = mix(look.accent, (200, 60, 50), 0.3)
    if stage == "back":
        pen.next_part()
        pen.poly([(0.42, 0.59), (0.28, 0.36), (0.2, 0.36), (0.3, 0.59)], mix(_GLASS, body, 0.15))
    elif stage == "body":
        pen.next_part()
        pen.poly(
            [
                (-1.0, 0.6),
                (-0.55, 0.58),
                (0.4, 0.58),
                (1.0, 0.62),
                (1.12, 0.68),
                (1.12, 0.85),
                (-1.02, 0.85),
                (-1.04, 0.66),
            ],
            body,
        )
        dark = mix(body, _INK, 0.45)
        for x in (-0.6, 0.72):
            pen.chord(x, 0.86, 0.15, 180, 360, dark)
        pen.line([(-0.42, 0.6), (-0.42, 0.83)], 0.006, dark)
        pen.line([(0.4, 0.6), (0.42, 0.83)], 0.006, dark)
        pen.rect(0.05, 0.66, 0.15, 0.675, _STEEL, r=0.006)  # door handle
        pen.rect(1.06, 0.65, 1.12, 0.7, (255, 230, 140), r=0.012)  # headlight
        pen.rect(-1.04, 0.64, -1.0, 0.69, (220, 40, 40), r=0.01)  # tail light
        pen.rect(-1.06, 0.79, 1.14, 0.83, _STEEL, r=0.02)  # bumpers
        for x in (-0.6, 0.72):
            _spoked(pen, x, 0.85, 0.115, crank)
        pen.next_part()
        pen.arc(0.24, 0.48, 0.025, 0.07, 0, 360, 0.014, _INK)  # steering wheel
    elif stage == "over":
        pen.next_part()
        pen.line([(0.42, 0.59), (0.28, 0.36), (0.2, 0.36)], 0.014, _INK)


def _stool(pen: Pen, look: "Look") -> None:
    pen.next_part()
    top = mix(look.accent, _WOOD, 0.6)
    for x in (-0.17, 0.17):
        pen.line([(x * 0.9, 0.76), (x * 1.15, 0.99)], 0.024, _INK)
    pen.line([(-0.17, 0.9), (0.17, 0.9)], 0.016, _INK)
    pen.rect(-0.24, 0.725, 0.24, 0.775, top, r=0.02)


def _piano(pen: Pen, stage: str) -> None:
    if stage == "back":
        pen.next_part()
        pen.poly([(-0.05, 0.6), (0.62, 0.6), (0.56, 0.12)], _PIANO)  # the lid, raised
        pen.line([(0.3, 0.6), (0.56, 0.14)], 0.01, mix(_PIANO, _IVORY, 0.3))
    elif stage == "body":
        pen.next_part()
        for x in (-0.46, 0.46):
            pen.rect(x - 0.03, 0.78, x + 0.03, 0.99, _PIANO, r=0.01)
        pen.rect(-0.03, 0.8, 0.03, 0.93, _BRASS)  # pedals
        pen.rect(-0.52, 0.6, 0.52, 0.8, _PIANO, r=0.02)
        pen.line([(-0.48, 0.66), (0.48, 0.66)], 0.008, mix(_PIANO, _IVORY, 0.25))
        pen.rect(-0.45, 0.575, 0.45, 0.62, _IVORY)
        for i in range(21):  # black keys in groups of two and three
            if i % 7 in (2, 6):
                continue
            x = -0.43 + 0.041 * i
            pen.rect(x, 0.575, x + 0.02, 0.6, _PIANO)


def _drum(pen: Pen, x: float, y: float, rx: float, depth: float, shell: RGB) -> None:
    pen.rect(x - rx, y, x + rx, y + depth, shell)
    pen.ellipse(x, y + depth, rx, rx * 0.28, shell)
    pen.ellipse(x, y, rx, rx * 0.28, (236, 232, 222))
    pen.line([(x - rx, y), (x - rx, y + depth)], 0.006, _STEEL)


def _drums(pen: Pen, stage: str, look: "Look", sk: Skeleton) -> None:
    shell = mix(look.accent, (170, 30, 40), 0.45)
    if stage == "back":
        pen.next_part()
        for x, y in ((-0.44, 0.4), (0.46, 0.46)):
            pen.line([(x, y), (x + 0.02 * (1 if x > 0 else -1), 0.99)], 0.01, _STEEL)
            pen.ellipse(x, y, 0.13, 0.026, _BRASS)
            pen.circle(x, y - 0.01, 0.012, mix(_BRASS, _INK, 0.3))
    elif stage == "body":
        pen.next_part()
        pen.circle(0.0, 0.8, 0.19, shell)
        pen.circle(0.0, 0.8, 0.165, (236, 232, 222))
        pen.circle(0.0, 0.8, 0.06, shell)
        pen.next_part()
        _drum(pen, -0.27, 0.6, 0.11, 0.08, shell)
        _drum(pen, 0.25, 0.57, 0.1, 0.09, shell)
        _drum(pen, 0.34, 0.76, 0.12, 0.16, shell)
    elif stage == "hands":
        for side, (shoulder, wrist) in enumerate(zip(sk.shoulders, sk.wrists, strict=True)):
            dx, dy = wrist[0] - shoulder[0], wrist[1] - shoulder[1] - 0.05
            d = math.hypot(dx, dy) or 1.0
            tip: Point = (wrist[0] + dx / d * 0.2, wrist[1] + dy / d * 0.2)
            pen.next_part()
            pen.limb([wrist, tip], 0.013, (236, 214, 170) if side else (226, 204, 160))
