"""What figures hold in their hands (and wear): each item drawn in figure units at the wrist
that holds it, in the drawing stage where it overlaps the body correctly.

Stages: "back" (behind the whole figure: strings, canopies, glows), "body" (over the torso,
under the arms: guitar), "hands" (over the arms, under the hands that grip it), "over" (in
front of everything).
"""

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.pen import Pen, Point, Skeleton
from tools.video.procedural.poses import Pose

if TYPE_CHECKING:
    from tools.video.procedural.figures import Look

HELD = (
    "fishing rod",
    "guitar",
    "microphone",
    "umbrella",
    "lantern",
    "candle",
    "photograph",
    "letter",
    "phone",
    "flowers",
    "balloon",
    "kite",
    "book",
    "camera",
    "coffee",
    "suitcase",
)
WORN = ("headphones",)

_PAPER: RGB = (246, 241, 228)
_INK: RGB = (30, 28, 36)
_METAL: RGB = (58, 60, 70)
_WOOD: RGB = (176, 112, 58)
_FLAME: RGB = (255, 196, 80)
_GLOW: RGB = (255, 214, 130)
_LARGER = 1.35  # small things are drawn larger than life, to read at a glance

# Where a free hand goes to hold an item (screen-right hand; the left one is its mirror).
_GRIP: dict[str, Point] = {
    "umbrella": (0.15, 0.3), "lantern": (0.27, 0.44), "candle": (0.06, 0.4),
    "photograph": (0.15, 0.4), "letter": (0.08, 0.36), "phone": (0.07, 0.33),
    "flowers": (0.08, 0.4), "balloon": (0.26, 0.2), "kite": (0.3, 0.1), "coffee": (0.08, 0.37),
    "suitcase": (0.21, 0.6), "microphone": (0.07, 0.3),
}  # fmt: skip
_BOTH: dict[str, tuple[Point, Point]] = {
    "book": ((-0.08, 0.4), (0.08, 0.4)),
    "camera": ((-0.08, 0.3), (0.08, 0.3)),
    "guitar": ((-0.28, 0.31), (0.06, 0.38)),
    "fishing rod": ((0.06, 0.44), (0.15, 0.38)),
}
# The item an action itself holds (its pose already has the hands for it).
OWN = {"sing": "microphone", "play guitar": "guitar", "fish": "fishing rod", "read": "book"}
# The hands each action leaves free (0: screen left, 1: screen right).
FREE: dict[str, tuple[int, ...]] = {
    "stand": (1, 0), "walk": (1, 0), "run": (1, 0), "sit": (1, 0), "look up": (1, 0),
    "look down": (1, 0), "sway": (1, 0), "float": (1, 0), "lie": (1, 0), "wave": (0,),
    "reach": (0,), "sing": (0,), "jump": (1, 0), "dance": (1, 0), "cheer": (1, 0),
    "hold hands": (0,),
}  # fmt: skip


def held_by(props: tuple[str, ...]) -> list[str]:
    """The props that are held in a hand."""
    return [p for p in props if p in HELD]


def hands_for(item: str) -> int:
    """How many hands a held item takes."""
    return 2 if item in _BOTH else 1


def hold(pose: Pose, action: str, props: tuple[str, ...], *, side: int = 1) -> Pose:
    """The pose with its free hands moved to hold the items (an action's busy hands stay; an
    item without a free hand is held wherever the hand is)."""
    free = list(FREE.get(action, ()))
    if action == "hold hands":
        free = [0 if side > 0 else 1]
    hands, grips = list(pose.hands), []
    for item in held_by(props):
        if item in _BOTH:
            if OWN.get(action) != item and free == [1, 0]:
                hands, free = list(_BOTH[item]), []
            continue
        if OWN.get(action) == item:
            grips.append((item, 1))
            continue
        if free:
            hand = free.pop(0)
            x, y = _GRIP[item]
            hands[hand] = (x if hand else -x, y)
        else:
            hand = 1 - len(grips) % 2
        grips.append((item, hand))
    return replace(pose, hands=(hands[0], hands[1]), grips=tuple(grips))


def _hand_of(item: str, pose: Pose, skeleton: Skeleton) -> Point:
    """The wrist that holds a one-handed item."""
    return skeleton.wrists[dict(pose.grips).get(item, 1)]


def draw(
    pen: Pen, stage: str, look: "Look", skeleton: Skeleton, props: tuple[str, ...], pose: Pose
) -> None:
    """Every held item of `props` that draws in this stage."""
    for item in held_by(props):
        _ITEMS[item](pen, stage, look, skeleton, pose)


# ----------------------------------------------------------------------------- items


def _fishing_rod(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    (lx, ly), (rx, ry) = sk.wrists
    tip = (0.98, -0.12)
    pen.next_part()
    pen.line([(lx - 0.04, ly + 0.04), tip], 0.014, _METAL)
    pen.circle(lx + 0.02, ly + 0.0, 0.022, mix(_METAL, _PAPER, 0.4))  # reel
    pen.line([tip, (1.0, 0.3), (1.0, 0.93)], 0.004, _PAPER)
    pen.circle(1.0, 0.93, 0.016, (220, 50, 50))
    pen.chord(1.0, 0.93, 0.016, 0, 180, _PAPER)


def _guitar(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "body":
        return
    body = (sk.chest[0] + 0.05, sk.chest[1] + 0.09)
    neck = sk.wrists[0] if sk.wrists[0] != (0, 0) else (body[0] - 0.3, body[1] - 0.13)
    angle = math.degrees(math.atan2(neck[1] - body[1], neck[0] - body[0])) + 180
    wood = mix(look.accent, _WOOD, 0.55)
    pen.next_part()
    with pen.turned(body, angle):
        bx, by = body
        pen.rect(bx - 0.42, by - 0.016, bx - 0.05, by + 0.016, (70, 44, 28))  # neck
        pen.rect(bx - 0.48, by - 0.026, bx - 0.4, by + 0.026, (52, 34, 24), r=0.01)  # head
        pen.circle(bx + 0.03, by, 0.085, wood)
        pen.circle(bx - 0.07, by, 0.065, wood)
        pen.circle(bx - 0.04, by, 0.028, _INK)  # sound hole
        pen.rect(bx + 0.05, by - 0.03, bx + 0.065, by + 0.03, (52, 34, 24))  # bridge
        pen.line([(bx - 0.46, by), (bx + 0.06, by)], 0.003, _PAPER)


def _microphone(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    x, y = _hand_of("microphone", pose, sk)
    head = (x - 0.035, y - 0.07)
    pen.next_part()
    pen.limb([(x + 0.008, y + 0.03), head], 0.024, _METAL)
    pen.circle(*head, 0.027, (150, 152, 160))
    pen.arc(head[0], head[1], 0.027, 0.027, 200, 340, 0.006, (210, 212, 220))


def _umbrella(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "back":
        return
    x, y = _hand_of("umbrella", pose, sk)
    top = (sk.head[0] * 0.6 + x * 0.4, min(sk.head[1] - 0.27, y - 0.4))
    pen.next_part()
    pen.line([(x, y + 0.02), top], 0.014, _INK)
    pen.arc(x - 0.03, y + 0.02, 0.03, 0.03, 0, 180, 0.014, _INK)  # the hook
    canopy = mix(look.accent, (40, 40, 60), 0.15)
    cx, cy = top
    pen.chord(cx, cy + 0.08, 0.3, 180, 360, canopy)
    rib = mix(canopy, _INK, 0.3)
    for i in range(5):
        end = (cx - 0.3 + 0.15 * i, cy + 0.08)
        pen.line([(cx, cy - 0.21), end], 0.006, rib)
        pen.poly(
            [
                (end[0] - 0.02, end[1] - 0.01),
                (end[0] + 0.02, end[1] - 0.01),
                (end[0], end[1] + 0.03),
            ],
            rib,
        )
    pen.line([(cx, cy - 0.21), (cx, cy - 0.26)], 0.014, _INK)


def _lantern(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    x, y = _hand_of("lantern", pose, sk)
    cx, cy = x, y + 0.12
    if stage == "back":
        pen.glow(cx, cy, 0.3, _GLOW, 0.9)
    if stage != "over":
        return
    pen.next_part()
    with pen.turned((x, y), 0.0, scale=_LARGER):
        pen.arc(x, y + 0.04, 0.035, 0.04, 180, 360, 0.008, _INK)
        pen.rect(cx - 0.045, cy - 0.05, cx + 0.045, cy - 0.035, _INK, r=0.008)
        pen.rect(cx - 0.04, cy - 0.038, cx + 0.04, cy + 0.05, _GLOW, r=0.012)
        pen.ellipse(cx, cy + 0.008, 0.018, 0.03, _FLAME)
        for dx in (-0.04, 0.0, 0.04):
            pen.line([(cx + dx, cy - 0.038), (cx + dx, cy + 0.05)], 0.006, _INK)
        pen.rect(cx - 0.048, cy + 0.05, cx + 0.048, cy + 0.065, _INK, r=0.006)


def _candle(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    x, y = _hand_of("candle", pose, sk)
    if stage == "back":
        pen.glow(x, y - 0.15, 0.2, _GLOW, 0.9)
    if stage != "over":
        return
    pen.next_part()
    with pen.turned((x, y), 0.0, scale=_LARGER):
        pen.rect(x - 0.02, y - 0.09, x + 0.02, y + 0.03, _PAPER, r=0.006)
        pen.ellipse(x, y + 0.03, 0.045, 0.012, mix(_METAL, _PAPER, 0.5))
        pen.poly(
            [(x, y - 0.16), (x + 0.016, y - 0.11), (x, y - 0.095), (x - 0.016, y - 0.11)], _FLAME
        )
        pen.ellipse(x, y - 0.11, 0.007, 0.012, (255, 250, 220))


def _photograph(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    x, y = _hand_of("photograph", pose, sk)
    pen.next_part()
    with pen.turned((x, y), -8, scale=_LARGER):
        pen.rect(x - 0.06, y - 0.12, x + 0.06, y + 0.02, _PAPER)
        pen.rect(x - 0.048, y - 0.108, x + 0.048, y - 0.02, mix(look.accent, (90, 150, 200), 0.5))
        pen.circle(x - 0.012, y - 0.068, 0.018, look.hair)  # someone in it
        pen.rect(x - 0.03, y - 0.05, x + 0.006, y - 0.02, look.outfit)


def _letter(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    x, y = _hand_of("letter", pose, sk)
    pen.next_part()
    with pen.turned((x, y), 10, scale=_LARGER):
        pen.rect(x - 0.09, y - 0.06, x + 0.05, y + 0.03, _PAPER)
        pen.line(
            [(x - 0.09, y - 0.06), (x - 0.02, y - 0.01), (x + 0.05, y - 0.06)],
            0.008,
            mix(_PAPER, _INK, 0.45),
        )
        pen.circle(x - 0.02, y - 0.01, 0.014, (190, 40, 50))  # seal


def _phone(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    x, y = _hand_of("phone", pose, sk)
    pen.next_part()
    with pen.turned((x, y), 0.0, scale=_LARGER):
        pen.rect(x - 0.035, y - 0.11, x + 0.035, y + 0.01, _INK, r=0.012)
        pen.rect(x - 0.027, y - 0.098, x + 0.027, y - 0.005, (120, 200, 250), r=0.006)
        pen.rect(x - 0.018, y - 0.085, x + 0.018, y - 0.07, _PAPER)


def _flowers(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "over":
        return
    x, y = _hand_of("flowers", pose, sk)
    pen.next_part()
    with pen.turned((x, y), 0.0, scale=_LARGER):
        for dx in (-0.03, 0.0, 0.03):
            pen.line([(x + dx * 0.3, y + 0.06), (x + dx * 1.6, y - 0.1)], 0.008, (70, 140, 60))
        pen.poly(
            [
                (x - 0.05, y - 0.04),
                (x + 0.05, y - 0.04),
                (x + 0.015, y + 0.05),
                (x - 0.015, y + 0.05),
            ],
            _PAPER,
        )
        colors = [(230, 70, 90), (250, 200, 60), (240, 120, 170), (230, 70, 90), (250, 240, 240)]
        spots = [(-0.05, -0.11), (0.0, -0.14), (0.05, -0.11), (-0.025, -0.08), (0.028, -0.08)]
        for (dx, dy), color in zip(spots, colors, strict=True):
            pen.circle(x + dx, y + dy, 0.027, color)
            pen.circle(x + dx, y + dy, 0.009, (250, 220, 90))


def _balloon(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "back":
        return
    x, y = _hand_of("balloon", pose, sk)
    cx, cy = x + 0.08, sk.head[1] - 0.42
    red = (222, 44, 58)
    pen.next_part()
    pen.line([(x, y), (x + 0.05, (y + cy) / 2), (cx, cy + 0.11)], 0.004, _INK)
    pen.ellipse(cx, cy, 0.085, 0.105, red)
    pen.poly([(cx - 0.014, cy + 0.115), (cx + 0.014, cy + 0.115), (cx, cy + 0.098)], red)
    pen.ellipse(cx - 0.03, cy - 0.04, 0.016, 0.026, mix(red, (255, 255, 255), 0.6))


def _kite(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "back":
        return
    x, y = _hand_of("kite", pose, sk)
    cx, cy = 0.72, -0.42
    pen.next_part()
    pen.line([(x, y), (0.55, -0.15), (cx, cy + 0.14)], 0.004, _INK)
    top, bottom, left, right = (
        (cx, cy - 0.15),
        (cx, cy + 0.15),
        (cx - 0.1, cy - 0.03),
        (cx + 0.1, cy - 0.03),
    )
    pen.poly([top, right, bottom, left], look.accent)
    pen.poly([top, right, (cx, cy - 0.03)], (222, 44, 58))
    pen.poly([bottom, left, (cx, cy - 0.03)], (222, 44, 58))
    pen.line([top, bottom], 0.006, _INK)
    pen.line([left, right], 0.006, _INK)
    tail = [(cx + 0.01 * math.sin(i) + 0.03 * i, cy + 0.15 + 0.06 * i) for i in range(5)]
    pen.line(tail, 0.005, _INK)
    for tx, ty in tail[1:]:
        pen.poly(
            [
                (tx - 0.016, ty - 0.01),
                (tx + 0.016, ty + 0.01),
                (tx + 0.016, ty - 0.01),
                (tx - 0.016, ty + 0.01),
            ],
            (60, 130, 220),
        )


def _book(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    (lx, ly), (rx, ry) = sk.wrists
    x, y = (lx + rx) / 2, (ly + ry) / 2 - 0.01
    cover = mix(look.accent, (120, 30, 40), 0.5)
    pen.next_part()
    pen.poly(
        [
            (x - 0.15, y - 0.1),
            (x, y - 0.08),
            (x + 0.15, y - 0.1),
            (x + 0.15, y + 0.04),
            (x, y + 0.06),
            (x - 0.15, y + 0.04),
        ],
        cover,
    )
    pen.poly([(x - 0.135, y - 0.09), (x, y - 0.07), (x, y + 0.045), (x - 0.135, y + 0.03)], _PAPER)
    pen.poly(
        [(x + 0.135, y - 0.09), (x, y - 0.07), (x, y + 0.045), (x + 0.135, y + 0.03)],
        mix(_PAPER, _INK, 0.08),
    )
    for i in range(4):
        for side in (-1, 1):
            yy = y - 0.055 + 0.022 * i
            pen.line(
                [(x + side * 0.02, yy + 0.01), (x + side * 0.115, yy)],
                0.004,
                mix(_PAPER, _INK, 0.4),
            )


def _camera(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    (lx, ly), (rx, ry) = sk.wrists
    x, y = (lx + rx) / 2, (ly + ry) / 2 - 0.02
    pen.next_part()
    with pen.turned((x, y), 0.0, scale=_LARGER):
        pen.rect(x - 0.1, y - 0.05, x + 0.1, y + 0.06, _INK, r=0.015)
        pen.rect(x - 0.07, y - 0.075, x - 0.02, y - 0.05, _INK)
        pen.rect(x - 0.1, y - 0.02, x + 0.1, y + 0.03, mix(_INK, _PAPER, 0.25))
        pen.circle(x + 0.01, y + 0.005, 0.05, mix(_METAL, _PAPER, 0.3))
        pen.circle(x + 0.01, y + 0.005, 0.035, (20, 30, 50))
        pen.circle(x + 0.0, y - 0.007, 0.01, (190, 210, 240))
        pen.rect(x + 0.055, y - 0.045, x + 0.085, y - 0.028, _PAPER)  # flash


def _coffee(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "over":
        return
    x, y = _hand_of("coffee", pose, sk)
    pen.next_part()
    with pen.turned((x, y), 0.0, scale=_LARGER):
        pen.arc(x + 0.045, y - 0.03, 0.022, 0.025, 270, 450, 0.01, _PAPER)
        pen.rect(x - 0.045, y - 0.07, x + 0.045, y + 0.03, _PAPER, r=0.012)
        pen.rect(x - 0.045, y - 0.04, x + 0.045, y - 0.01, look.accent)
        pen.ellipse(x, y - 0.07, 0.045, 0.012, (90, 54, 34))
        for dx in (-0.015, 0.015):
            pen.arc(x + dx, y - 0.115, 0.01, 0.03, 90, 270, 0.006, (235, 235, 240))


def _suitcase(pen: Pen, stage: str, look: "Look", sk: Skeleton, pose: Pose) -> None:
    if stage != "hands":
        return
    x, y = _hand_of("suitcase", pose, sk)
    side = 1 if x >= 0 else -1
    cx = x + side * 0.03
    color = mix(look.accent, (120, 70, 40), 0.6)
    pen.next_part()
    pen.arc(cx, y + 0.02, 0.035, 0.03, 180, 360, 0.012, _INK)
    pen.rect(cx - 0.12, y + 0.02, cx + 0.12, y + 0.24, color, r=0.02)
    pen.rect(cx - 0.12, y + 0.11, cx + 0.12, y + 0.13, mix(color, _INK, 0.4))
    for dx in (-0.08, 0.08):
        pen.rect(cx + dx - 0.01, y + 0.02, cx + dx + 0.01, y + 0.24, mix(color, _INK, 0.3))


_ITEMS = {
    "fishing rod": _fishing_rod, "guitar": _guitar, "microphone": _microphone,
    "umbrella": _umbrella, "lantern": _lantern, "candle": _candle, "photograph": _photograph,
    "letter": _letter, "phone": _phone, "flowers": _flowers, "balloon": _balloon, "kite": _kite,
    "book": _book, "camera": _camera, "coffee": _coffee, "suitcase": _suitcase,
}  # fmt: skip
