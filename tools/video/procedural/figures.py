"""Characters as flat vector figures whose look is fixed by the Character alone.

A `Look` is read once from `Character.figure`, `colors` and keywords of its description (hair
style, skirt, hood, glasses...), so the same character is drawn with the same proportions and
colours in every scene. A `Pose` (tools.video.procedural.poses) moves the arms and legs (two-bone IK
to hand and foot targets), sits, leans and tilts the body; the expression draws the face (eyes,
brows, mouth, blush; on a robot's screen and behind an astronaut's visor too); what the figure
holds (`held`) and sits on or plays (`mounts`) is drawn in its stage around the body. Sprites are
drawn at 3x, cel-shaded from the top left, reduced and cached.
"""

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from tools.types import Character
from tools.video.procedural import held, mounts
from tools.video.procedural.palette import RGB, hex_rgb, mix
from tools.video.procedural.pen import HALF_WIDTH, TOP, Pen, Point, Skeleton
from tools.video.procedural.poses import Pose
from tools.video.procedural.text import font

_SHADOW = (196, 196, 210, 255)  # multiply for the shaded side: darker, slightly cool
_BLACKISH: RGB = (22, 20, 28)
_METAL: RGB = (58, 60, 70)

_HAIR_STYLES = ["short", "long", "bun", "curly", "ponytail", "mohawk"]
_HAIR_WORDS = {
    "bald": "bald", "shaved": "bald", "afro": "curly", "curly": "curly", "curls": "curly",
    "bun": "bun", "ponytail": "ponytail", "pony tail": "ponytail", "braid": "ponytail",
    "mohawk": "mohawk", "spiky": "mohawk", "long": "long", "flowing": "long", "short": "short",
    "bob": "short", "buzz": "short", "pixie": "short",
}  # fmt: skip
_EXTRA_WORDS = {
    "skirt": "skirt", "dress": "skirt", "hood": "hood", "hoodie": "hood", "glasses": "glasses",
    "sunglasses": "glasses", "visor": "glasses", "headphones": "headphones", "hat": "hat",
    "cap": "hat", "beanie": "hat", "cape": "cape", "cloak": "cape", "coat": "coat",
    "trench": "coat", "scarf": "scarf",
}  # fmt: skip
_KINDS = {
    "singer": "singer", "vocalist": "singer", "rapper": "singer", "mc": "singer",
    "dancer": "dancer", "ballerina": "dancer", "astronaut": "astronaut", "cosmonaut": "astronaut",
    "spaceman": "astronaut", "robot": "robot", "android": "robot", "cyborg": "robot",
    "droid": "robot", "mech": "robot",
}  # fmt: skip


def _keyword(text: str, table: dict[str, str]) -> list[str]:
    words = text.lower().replace("-", " ")
    return [value for key, value in table.items() if f" {key}" in f" {words}"]


@dataclass(frozen=True)
class Look:
    """Everything that decides how a character is drawn."""

    kind: str  # person | singer | dancer | astronaut | robot
    skin: RGB
    hair: RGB
    outfit: RGB
    accent: RGB
    hair_style: str
    extras: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, character: Character) -> "Look":
        """The look of a character: its figure, its four colours and its description."""
        colors = character["colors"]
        kinds = _keyword(character["figure"], _KINDS) or _keyword(character["description"], _KINDS)
        hair = _keyword(character["description"], _HAIR_WORDS)
        fallback = _HAIR_STYLES[zlib.crc32(character["id"].encode()) % len(_HAIR_STYLES)]
        return cls(
            kind=kinds[0] if kinds else "person",
            skin=hex_rgb(colors.get("skin", "#c68c6a")),
            hair=hex_rgb(colors.get("hair", "#2a1d1a")),
            outfit=hex_rgb(colors.get("outfit", "#3a5a9a")),
            accent=hex_rgb(colors.get("accent", "#e8c547")),
            hair_style=hair[0] if hair else fallback,
            extras=frozenset(_keyword(character["description"], _EXTRA_WORDS)),
        )


# ----------------------------------------------------------------------------- limbs


def _bend(start: Point, target: Point, l1: float, l2: float, outward: float) -> Point:
    """The middle joint of a two-bone limb reaching for target: outwards (the sign of
    `outward`) and downwards where it can choose."""
    dx, dy = target[0] - start[0], target[1] - start[1]
    d = min(max(math.hypot(dx, dy), abs(l1 - l2) + 1e-3), l1 + l2 - 1e-3)
    angle = math.atan2(dy, dx)
    spread = math.acos((l1 * l1 + d * d - l2 * l2) / (2 * l1 * d))
    joints = [
        (start[0] + l1 * math.cos(angle + s * spread), start[1] + l1 * math.sin(angle + s * spread))
        for s in (1, -1)
    ]
    return max(joints, key=lambda j: j[0] * outward + 0.5 * abs(outward) * j[1])


def _reach(start: Point, target: Point, length: float) -> Point:
    dx, dy = target[0] - start[0], target[1] - start[1]
    d = math.hypot(dx, dy)
    k = min(1.0, length / d) if d else 0.0
    return (start[0] + dx * k, start[1] + dy * k)


def _legs(pen: Pen, look: Look, pose: Pose, width: float) -> None:
    trousers = {"astronaut": look.outfit, "robot": look.skin}.get(
        look.kind, mix(look.outfit, _BLACKISH, 0.55)
    )
    shoes = look.outfit if look.kind == "robot" else mix(look.accent, _BLACKISH, 0.35)
    for i, (side, foot) in enumerate(zip((-1, 1), pose.feet, strict=True)):
        hip = (side * 0.055, pose.hip)
        knee = pose.knees[i] if pose.knees else _bend(hip, foot, 0.23, 0.22, side * 0.3)
        ankle = _reach(knee, foot, 0.22)
        pen.next_part()
        pen.limb([hip, knee, ankle], width, trousers)
        if pose.knees:  # the thigh comes towards us: a lap over the hips
            pen.ellipse(knee[0], (hip[1] + knee[1]) / 2, width * 0.62, 0.045, trousers)
        if look.kind == "robot":
            pen.circle(*knee, width * 0.55, look.hair)
        pen.rect(
            ankle[0] - 0.045 + side * 0.012,
            ankle[1] - 0.01,
            ankle[0] + 0.045 + side * 0.012,
            ankle[1] + 0.04,
            shoes,
            r=0.018,
        )


def _joints(pose: Pose, shoulders: tuple[Point, Point]) -> tuple[tuple, tuple]:
    """Elbows and wrists of both arms reaching for the pose's hand targets."""
    elbows, wrists = [], []
    for side, shoulder, target in zip((-1, 1), shoulders, pose.hands, strict=True):
        elbow = _bend(shoulder, target, 0.17, 0.16, side)
        elbows.append(elbow)
        wrists.append(_reach(elbow, target, 0.16))
    return tuple(elbows), tuple(wrists)


def _arms(pen: Pen, look: Look, skeleton: Skeleton, elbows: tuple, width: float) -> None:
    sleeve = look.skin if look.kind == "robot" else look.outfit
    for shoulder, elbow, wrist in zip(skeleton.shoulders, elbows, skeleton.wrists, strict=True):
        pen.next_part()
        pen.limb([shoulder, elbow, wrist], width, sleeve)
        if look.kind == "robot":
            pen.circle(*elbow, width * 0.55, look.hair)


def _hands(pen: Pen, look: Look, skeleton: Skeleton, width: float, fists: bool) -> None:
    hand = {"robot": look.hair, "astronaut": mix(look.outfit, _METAL, 0.35)}.get(
        look.kind, look.skin
    )
    for wrist in skeleton.wrists:
        pen.next_part()
        pen.circle(*wrist, width * (0.52 if fists else 0.6), hand)


def _torso(pen: Pen, look: Look, half: float) -> None:
    pen.next_part()
    hem = 0.62 if "coat" in look.extras else 0.53
    body = look.skin if look.kind == "robot" else look.outfit
    pen.rect(-0.03, 0.15, 0.03, 0.23, body)  # neck
    pen.poly(
        [
            (-half, 0.205),
            (half, 0.205),
            (half + 0.015, 0.27),
            (half - 0.025, hem),
            (-half + 0.025, hem),
            (-half - 0.015, 0.27),
        ],
        look.outfit,
    )
    for side in (-1, 1):
        pen.circle(side * (half - 0.03), 0.24, 0.045, look.outfit)
    if "skirt" in look.extras:
        pen.poly([(-0.1, 0.48), (0.1, 0.48), (0.19, 0.7), (-0.19, 0.7)], look.outfit)
    if look.kind in ("person", "singer", "dancer"):
        pen.rect(-half + 0.02, 0.475, half - 0.02, 0.51, look.accent)  # belt
        if "scarf" in look.extras or "hood" not in look.extras:
            pen.poly([(-0.055, 0.205), (0.055, 0.205), (0.0, 0.27)], look.accent)  # collar
    if look.kind == "astronaut":
        pen.rect(-0.06, 0.29, 0.06, 0.37, look.accent, r=0.01)  # chest panel
        pen.rect(-half + 0.02, 0.47, half - 0.02, 0.5, look.accent)
    if look.kind == "robot":
        pen.rect(-0.11, 0.21, 0.11, 0.5, look.outfit, r=0.03)
        for i, x in enumerate((-0.05, 0.0, 0.05)):
            pen.circle(x, 0.3, 0.016, look.accent if i != 1 else look.hair)
        pen.rect(-0.07, 0.37, 0.07, 0.42, look.hair, r=0.01)


# ----------------------------------------------------------------------------- faces

_MOUTH = (110, 40, 50)
_WHITE = (250, 248, 244)
_BLUSH = (236, 110, 120)
_TEAR = (150, 205, 245)
# expression -> (eyes, brows (inner, outer) lift or None, mouth, blush)
_FACES: dict[str, tuple[str, tuple[float, float] | None, str, bool]] = {
    "joyful": ("happy", None, "grin", True),
    "sad": ("open", (-0.014, 0.008), "frown", False),
    "calm": ("open", None, "line", False),
    "angry": ("narrow", (0.016, -0.01), "shout", False),
    "dreamy": ("closed", None, "soft", False),
    "surprised": ("round", (-0.02, -0.016), "o", False),
    "fierce": ("narrow", (0.01, -0.006), "set", False),
    "tender": ("happy", (-0.006, 0.002), "soft", True),
}


def _face(
    pen: Pen,
    expression: str,
    *,
    gaze: str,
    mouth: int,
    at: Point,
    scale: float,
    ink: RGB,
    skin: RGB,
    cheeks: bool = True,
) -> None:
    """Eyes, brows and mouth of an expression on a face centred at `at`; `mouth` > 0 sings
    (1 half open, 2 wide open)."""
    eyes, brows, mouth_kind, blush = _FACES.get(expression, _FACES["calm"])
    x0, y0 = at
    s = scale
    lift = {"up": -0.02, "down": 0.016}.get(gaze, 0.0) * s
    ey, my = y0 + 0.017 * s + lift, y0 + 0.058 * s + lift * 0.5
    stroke = 0.011 * s
    for side in (-1, 1):
        ex = x0 + side * 0.033 * s
        if eyes == "happy":
            pen.arc(ex, ey + 0.006 * s, 0.013 * s, 0.011 * s, 200, 340, stroke, ink)
        elif eyes == "closed":
            pen.arc(ex, ey - 0.004 * s, 0.013 * s, 0.01 * s, 20, 160, stroke, ink)
        elif eyes == "round":
            pen.ellipse(ex, ey, 0.017 * s, 0.02 * s, _WHITE)
            pen.circle(ex, ey + 0.002 * s, 0.009 * s, ink)
        elif eyes == "narrow":
            pen.ellipse(ex, ey + 0.002 * s, 0.014 * s, 0.0075 * s, ink)
        else:
            squint = 0.6 if gaze == "down" else 1.0
            pen.ellipse(ex, ey, 0.011 * s, 0.016 * s * squint, ink)
            pen.circle(ex - 0.004 * s, ey - 0.006 * s * squint, 0.0035 * s, _WHITE)
        if brows:
            inner, outer = brows
            by = ey - 0.03 * s
            pen.line(
                [(x0 + side * 0.014 * s, by + inner * s), (x0 + side * 0.05 * s, by + outer * s)],
                stroke * 1.2,
                ink,
            )
        if blush and cheeks:
            pen.ellipse(
                x0 + side * 0.056 * s, my - 0.014 * s, 0.015 * s, 0.009 * s, mix(skin, _BLUSH, 0.55)
            )
    if expression == "sad" and cheeks:
        pen.ellipse(x0 + 0.04 * s, ey + 0.03 * s, 0.006 * s, 0.01 * s, _TEAR)
    if mouth == 1:
        pen.ellipse(x0, my, 0.017 * s, 0.012 * s, _MOUTH)
    elif mouth >= 2:
        pen.ellipse(x0, my + 0.004 * s, 0.022 * s, 0.027 * s, _MOUTH)
        pen.ellipse(x0, my + 0.017 * s, 0.012 * s, 0.008 * s, (214, 96, 110))
    elif mouth_kind == "grin":
        pen.chord(x0, my - 0.008 * s, 0.03 * s, 0, 180, _MOUTH)
        pen.rect(x0 - 0.022 * s, my - 0.008 * s, x0 + 0.022 * s, my - 0.001 * s, _WHITE)
    elif mouth_kind == "soft":
        pen.arc(x0, my - 0.012 * s, 0.02 * s, 0.014 * s, 30, 150, stroke, _MOUTH)
    elif mouth_kind == "frown":
        pen.arc(x0, my + 0.016 * s, 0.022 * s, 0.016 * s, 210, 330, stroke, _MOUTH)
    elif mouth_kind == "shout":
        pen.chord(x0, my + 0.012 * s, 0.024 * s, 180, 360, _MOUTH)
        pen.rect(x0 - 0.016 * s, my - 0.009 * s, x0 + 0.016 * s, my - 0.004 * s, _WHITE)
    elif mouth_kind == "o":
        pen.ellipse(x0, my + 0.002 * s, 0.013 * s, 0.017 * s, _MOUTH)
    elif mouth_kind == "set":
        pen.line([(x0 - 0.027 * s, my), (x0 + 0.027 * s, my)], stroke * 1.1, _MOUTH)
    else:
        pen.arc(x0, my - 0.02 * s, 0.018 * s, 0.02 * s, 60, 120, stroke, _MOUTH)


# ----------------------------------------------------------------------------- heads


def _head(pen: Pen, look: Look, expression: str, gaze: str, mouth: int, worn: bool) -> None:
    if look.kind == "astronaut":
        _helmet(pen, look, expression, gaze, mouth)
        return
    if look.kind == "robot":
        _robot_head(pen, look, expression, gaze, mouth)
        return
    style, hair = look.hair_style, look.hair
    pen.next_part()
    if style == "long":
        pen.rect(-0.1, 0.05, 0.1, 0.29, hair, r=0.05)
    if style == "curly":
        for i in range(9):
            a = math.pi * (0.9 + 1.2 * i / 8)
            pen.circle(0.095 * math.cos(a), 0.1 + 0.095 * math.sin(a), 0.05, hair)
    if "hood" in look.extras:
        pen.circle(0.0, 0.115, 0.12, mix(look.outfit, _BLACKISH, 0.2))
    if style == "ponytail":
        pen.limb([(0.07, 0.05), (0.13, 0.1), (0.14, 0.2)], 0.045, hair)
    pen.next_part()
    pen.circle(0.0, 0.1, 0.085, look.skin)
    if style != "bald":
        pen.chord(0.0, 0.09, 0.093, 180, 360, hair)
        pen.poly([(-0.093, 0.088), (-0.01, 0.088), (-0.084, 0.12)], hair)
    if style == "bun":
        pen.circle(0.0, 0.0, 0.045, hair)
    if style == "mohawk":
        for x in (-0.04, 0.0, 0.04):
            pen.poly([(x - 0.025, 0.02), (x + 0.025, 0.02), (x, -0.04)], hair)
    if "hat" in look.extras:
        pen.chord(0.0, 0.085, 0.095, 180, 360, look.accent)
        pen.rect(-0.11, 0.075, 0.11, 0.095, look.accent, r=0.01)
    ink = mix(_BLACKISH, look.hair, 0.2)
    _face(
        pen, expression, gaze=gaze, mouth=mouth, at=(0.0, 0.1), scale=1.0, ink=ink, skin=look.skin
    )
    if "glasses" in look.extras:
        for side in (-1, 1):
            pen.arc(side * 0.033, 0.117, 0.024, 0.02, 0, 360, 0.008, _BLACKISH)
    if worn or "headphones" in look.extras:
        pen.next_part()
        pen.limb([(-0.1, 0.1), (-0.08, -0.005), (0.08, -0.005), (0.1, 0.1)], 0.028, _METAL)
        for side in (-1, 1):
            pen.ellipse(side * 0.1, 0.115, 0.036, 0.05, _METAL)
            pen.ellipse(side * 0.108, 0.115, 0.024, 0.038, look.accent)


def _helmet(pen: Pen, look: Look, expression: str, gaze: str, mouth: int) -> None:
    pen.next_part()
    pen.circle(0.0, 0.1, 0.118, mix(look.outfit, (255, 255, 255), 0.25))
    pen.ellipse(0.0, 0.11, 0.088, 0.07, (20, 24, 40))
    pen.circle(0.0, 0.112, 0.06, look.skin)
    _face(
        pen,
        expression,
        gaze=gaze,
        mouth=mouth,
        at=(0.0, 0.1),
        scale=0.78,
        ink=_BLACKISH,
        skin=look.skin,
    )
    pen.arc(0.0, 0.11, 0.075, 0.058, 200, 250, 0.012, (200, 215, 235))  # glare
    pen.rect(-0.06, 0.19, 0.06, 0.22, look.accent, r=0.01)


def _robot_head(pen: Pen, look: Look, expression: str, gaze: str, mouth: int) -> None:
    pen.next_part()
    pen.limb([(0.0, 0.02), (0.0, -0.05)], 0.014, look.hair)
    pen.circle(0.0, -0.055, 0.022, look.accent)
    pen.rect(-0.1, 0.0, 0.1, 0.175, look.outfit, r=0.03)
    screen = (16, 18, 26)
    pen.rect(-0.078, 0.035, 0.078, 0.14, screen, r=0.02)
    _face(
        pen,
        expression,
        gaze=gaze,
        mouth=mouth,
        at=(0.0, 0.07),
        scale=1.05,
        ink=look.accent,
        skin=screen,
        cheeks=False,
    )
    pen.rect(-0.12, 0.06, -0.1, 0.12, look.hair, r=0.008)
    pen.rect(0.1, 0.06, 0.12, 0.12, look.hair, r=0.008)


# ----------------------------------------------------------------------------- sprites


def _shade(pen: Pen) -> tuple[Image.Image, tuple[int, int]]:
    """Cel shading lit from the top left: each part's right edge and what fronter parts shade.

    The shadow mask is found on the supersampled part map (cropped to what was drawn), then
    applied after reduction."""
    box, ss = pen.color.getbbox(), pen.ss
    x0, y0 = box[0] - box[0] % ss, box[1] - box[1] % ss
    x1, y1 = box[2] + (-box[2]) % ss, box[3] + (-box[3]) % ss
    ids = np.asarray(pen.ids.crop((x0, y0, x1, y1)))
    d = max(2, round(0.028 * pen.k))
    shaded = np.ones(ids.shape, bool)
    shaded[:, :-d] = ids[:, :-d] != ids[:, d:]
    shaded[d:, d:] |= ids[:-d, :-d] > ids[d:, d:]
    shaded &= ids > 0
    mask = Image.fromarray(shaded.view(np.uint8) * np.uint8(255)).reduce(ss)
    image = pen.color.crop((x0, y0, x1, y1)).reduce(ss)
    image.paste(ImageChops.multiply(image, Image.new("RGBA", image.size, _SHADOW)), mask=mask)
    return image, (x0 // ss, y0 // ss)


Treat = Callable[[Image.Image], Image.Image] | None


@lru_cache(maxsize=128)
def sprite(
    look: Look,
    pose: Pose,
    *,
    expression: str = "calm",
    props: tuple[str, ...] = (),
    mouth: int = 0,
    height: int,
    treat: Treat = None,
) -> tuple[Image.Image, tuple[int, int]]:
    """The figure in a pose with an expression and its attached props (held, worn, mounts,
    piano, drums), `height` pixels from crown to soles, and the point that rests on the floor
    (between the feet; a mount's wheels or waterline; the middle of a lying body).

    `mouth` opens a singer's mouth (0 the expression's mouth, 1 half, 2 wide open)."""
    pen = Pen(height)
    bulky = look.kind == "astronaut"
    half = 0.155 if bulky else (0.12 if look.kind == "robot" else 0.13)
    arm = 0.085 if bulky else 0.058
    upper = ((0.0, pose.hip), pose.bend, (0.0, pose.hip - 0.5 + pose.slump))
    neck = ((0.0, 0.2), pose.head, (0.0, {"down": 0.03, "up": -0.02}.get(pose.gaze, 0.0)))
    with pen.turned(*upper):
        shoulders = (pen.at(-(half - 0.025), 0.235), pen.at(half - 0.025, 0.235))
        chest = pen.at(0.0, 0.36)
        with pen.turned(*neck):
            head = pen.at(0.0, 0.1)
    elbows, wrists = _joints(pose, shoulders)
    skeleton = Skeleton(shoulders=shoulders, wrists=wrists, head=head, chest=chest)

    def stage(name: str) -> None:
        mounts.draw(pen, name, look, skeleton, props, pose)
        held.draw(pen, name, look, skeleton, props, pose)

    stage("back")
    with pen.turned(*upper):
        _behind_body(pen, look)
    _legs(pen, look, pose, 0.095 if bulky else 0.075)
    with pen.turned(*upper):
        _torso(pen, look, half)
        with pen.turned(*neck):
            _head(pen, look, expression, pose.gaze, mouth, "headphones" in props)
    stage("body")
    _arms(pen, look, skeleton, elbows, arm)
    stage("hands")
    _hands(pen, look, skeleton, arm, pose.fists)
    stage("over")
    image, (ox, oy) = _shade(pen)
    feet = (HALF_WIDTH * height - ox, (TOP + mounts.ground(pose)) * height - oy)
    if pose.tilt:
        image, feet = _tilted(image, feet, pose.tilt)
    if treat is not None:
        image = treat(image)
    return image, (round(feet[0]), round(feet[1]))


def _behind_body(pen: Pen, look: Look) -> None:
    pen.next_part()
    if look.kind == "astronaut":
        pen.rect(-0.15, 0.2, 0.15, 0.5, mix(look.outfit, _METAL, 0.3), r=0.03)  # backpack
    if "cape" in look.extras:
        pen.poly([(-0.12, 0.21), (0.12, 0.21), (0.24, 0.8), (-0.24, 0.8)], look.accent)


def _tilted(image: Image.Image, feet: Point, degrees: float) -> tuple[Image.Image, Point]:
    """The sprite turned about its feet; a figure turned past 45 degrees lies on its side and
    rests on the middle of its lowest edge."""
    w, h = image.size
    side = math.ceil(2 * math.hypot(w, h))
    canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    at = (side // 2 - round(feet[0]), side // 2 - round(feet[1]))
    canvas.paste(image, at)
    turned = canvas.rotate(-degrees, resample=Image.BICUBIC, center=(side // 2, side // 2))
    box = turned.getbbox()
    turned = turned.crop(box)
    if abs(degrees) > 45:
        return turned, (turned.width / 2, turned.height - 1)
    return turned, (side // 2 - box[0], side // 2 - box[1])


SHEET_BACKGROUND: RGB = (128, 128, 132)


def character_sheet(
    character: Character, *, size: tuple[int, int], treat: Treat = None
) -> Image.Image:
    """The character standing large on a neutral background, with its name and colours;
    `treat` is the look's treatment of sprites."""
    w, h = size
    sheet = Image.new("RGB", size, SHEET_BACKGROUND)
    look = Look.of(character)
    image, (fx, fy) = sprite(look, Pose(), height=round(h * 0.7), treat=treat)
    sheet.paste(image, (w // 2 - fx, round(h * 0.84) - fy), image)
    draw = ImageDraw.Draw(sheet)
    label = font(max(10, h // 24))
    draw.text(
        (w // 2, round(h * 0.9)), character["name"], font=label, fill=(245, 245, 245), anchor="mt"
    )
    swatch = max(6, h // 24)
    colors = [look.skin, look.hair, look.outfit, look.accent]
    for i, color in enumerate(colors):
        x = w - (len(colors) - i) * swatch * 1.4 - swatch
        draw.rectangle((x, swatch, x + swatch, 2 * swatch), fill=color)
    return sheet
