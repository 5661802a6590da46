"""Characters as flat vector figures whose look is fixed by the Character alone.

A `Look` is read once from `Character.figure`, `colors` and keywords of its description (hair
style, skirt, hood, glasses...), so the same character is drawn with the same proportions and
colours in every scene. Poses move the arms (two-bone IK to hand targets) and legs; sprites are
drawn at 3x, cel-shaded from the top left, reduced and cached.
"""

import math
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from tools.procedural.palette import RGB, hex_rgb, mix
from tools.procedural.text import font
from tools.types import Character

_SS = 3  # supersampling of sprites
_PAD_TOP, _PAD_BOTTOM, _HALF_WIDTH = 0.24, 0.03, 0.5  # sprite box around a unit-height figure
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


# ----------------------------------------------------------------------------- poses
# Hand and foot targets in figure units (height 1, x from the centre, y down from the crown).

_REST = {"hands": ((-0.17, 0.53), (0.17, 0.53)), "feet": ((-0.07, 0.965), (0.07, 0.965))}
_POSES = {
    "rest": _REST,
    "hips": {**_REST, "hands": ((-0.12, 0.47), (0.12, 0.47))},
    "wave": {**_REST, "hands": ((-0.17, 0.53), (0.31, -0.02))},
    "up": {"hands": ((-0.27, -0.07), (0.27, -0.07)), "feet": ((-0.1, 0.965), (0.1, 0.965))},
    "punch": {**_REST, "hands": ((-0.16, 0.5), (0.09, -0.13))},
    "point": {**_REST, "hands": ((-0.17, 0.53), (0.44, 0.2))},
    "clap": {**_REST, "hands": ((-0.015, 0.31), (0.015, 0.31))},
    "step": {"hands": ((-0.3, 0.05), (0.2, 0.45)), "feet": ((-0.13, 0.965), (0.09, 0.8))},
    "mic": {**_REST, "hands": ((-0.17, 0.53), (0.045, 0.225))},
    "mic_reach": {**_REST, "hands": ((-0.42, 0.14), (0.045, 0.225))},
    "mic_up": {"hands": ((-0.26, -0.08), (0.045, 0.225)), "feet": ((-0.11, 0.965), (0.09, 0.965))},
}  # fmt: skip
_POSE_SETS = {  # (calm poses, lively poses)
    "person": (["rest", "hips"], ["wave", "up", "punch", "point", "wave~"]),
    "singer": (["mic", "mic_reach"], ["mic_up", "mic_reach", "mic", "mic_up"]),
    "dancer": (["hips", "clap"], ["up", "step", "point~", "step~", "point"]),
    "astronaut": (["rest", "wave"], ["wave", "up", "point", "wave~"]),
    "robot": (["rest", "point"], ["up", "punch", "point~", "punch~"]),
}


def pose_names(kind: str) -> tuple[list[str], list[str]]:
    """The calm and the lively poses of a kind of figure ("name~" is the mirror of "name")."""
    return _POSE_SETS.get(kind, _POSE_SETS["person"])


def _pose(name: str) -> dict:
    pose = _POSES[name.rstrip("~")]
    if not name.endswith("~"):
        return pose
    return {k: tuple((-x, y) for x, y in reversed(v)) for k, v in pose.items()}


def _bend(start: tuple, target: tuple, l1: float, l2: float, outward: float) -> tuple:
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


def _reach(start: tuple, target: tuple, length: float) -> tuple:
    dx, dy = target[0] - start[0], target[1] - start[1]
    d = math.hypot(dx, dy)
    k = min(1.0, length / d) if d else 0.0
    return (start[0] + dx * k, start[1] + dy * k)


# ----------------------------------------------------------------------------- drawing


class _Pen:
    """Draws figure parts in unit coordinates into a colour image and a part-id map."""

    def __init__(self, height: int) -> None:
        self.k = height * _SS
        w, h = round(2 * _HALF_WIDTH * self.k), round((1 + _PAD_TOP + _PAD_BOTTOM) * self.k)
        self.color = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        self.ids = Image.new("L", (w, h), 0)
        self._draws = (ImageDraw.Draw(self.color), ImageDraw.Draw(self.ids))
        self.part = 0

    def next_part(self) -> None:
        self.part += 1

    def _p(self, x: float, y: float) -> tuple[float, float]:
        return ((x + _HALF_WIDTH) * self.k, (y + _PAD_TOP) * self.k)

    def _both(self, method: str, color: RGB, *args, **kwargs) -> None:
        draw, ids = self._draws
        getattr(draw, method)(*args, fill=color, **kwargs)
        getattr(ids, method)(*args, fill=self.part, **kwargs)

    def circle(self, x: float, y: float, r: float, color: RGB) -> None:
        self.ellipse(x, y, r, r, color)

    def ellipse(self, x: float, y: float, rx: float, ry: float, color: RGB) -> None:
        (x0, y0), (x1, y1) = self._p(x - rx, y - ry), self._p(x + rx, y + ry)
        self._both("ellipse", color, (x0, y0, x1, y1))

    def poly(self, points: list[tuple[float, float]], color: RGB) -> None:
        self._both("polygon", color, [self._p(*p) for p in points])

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: RGB, r: float = 0) -> None:
        box = (*self._p(x0, y0), *self._p(x1, y1))
        self._both("rounded_rectangle", color, box, radius=r * self.k)

    def limb(self, points: list[tuple[float, float]], width: float, color: RGB) -> None:
        """A thick polyline with round ends and joints."""
        w = width * self.k
        self._both("line", color, [self._p(*p) for p in points], width=round(w), joint="curve")
        for x, y in (points[0], points[-1]):
            self.circle(x, y, width / 2, color)

    def chord(self, x: float, y: float, r: float, start: float, end: float, color: RGB) -> None:
        (x0, y0), (x1, y1) = self._p(x - r, y - r), self._p(x + r, y + r)
        self._both("chord", color, (x0, y0, x1, y1), start, end)


def _legs(pen: _Pen, look: Look, pose: dict, width: float, hip_y: float) -> None:
    trousers = {"astronaut": look.outfit, "robot": look.skin}.get(
        look.kind, mix(look.outfit, _BLACKISH, 0.55)
    )
    shoes = look.outfit if look.kind == "robot" else mix(look.accent, _BLACKISH, 0.35)
    for side, foot in zip((-1, 1), pose["feet"], strict=True):
        hip = (side * 0.055, hip_y)
        knee = _bend(hip, foot, 0.23, 0.22, side * 0.3)
        ankle = _reach(knee, foot, 0.22)
        pen.next_part()
        pen.limb([hip, knee, ankle], width, trousers)
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


def _arms(pen: _Pen, look: Look, pose: dict, width: float, shoulder_x: float, mic: bool) -> None:
    sleeve = look.skin if look.kind == "robot" else look.outfit
    hand = {"robot": look.hair, "astronaut": mix(look.outfit, _METAL, 0.35)}.get(
        look.kind, look.skin
    )
    for side, target in zip((-1, 1), pose["hands"], strict=True):
        shoulder = (side * shoulder_x, 0.235)
        elbow = _bend(shoulder, target, 0.17, 0.16, side)
        wrist = _reach(elbow, target, 0.16)
        pen.next_part()
        pen.limb([shoulder, elbow, wrist], width, sleeve)
        if look.kind == "robot":
            pen.circle(*elbow, width * 0.55, look.hair)
        if mic and side == 1:
            _mic(pen, wrist)
        pen.circle(*wrist, width * 0.58, hand)


def _mic(pen: _Pen, wrist: tuple[float, float]) -> None:
    head = (wrist[0] - 0.022, wrist[1] - 0.062)
    pen.limb([(wrist[0] + 0.008, wrist[1] + 0.02), head], 0.022, _METAL)
    pen.circle(*head, 0.024, (150, 152, 160))


def _torso(pen: _Pen, look: Look, half: float) -> None:
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


def _head(pen: _Pen, look: Look, singing: bool) -> None:
    if look.kind == "astronaut":
        _helmet(pen, look)
        return
    if look.kind == "robot":
        _robot_head(pen, look)
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
    eye = mix(_BLACKISH, look.hair, 0.2)
    for side in (-1, 1):
        pen.ellipse(side * 0.032, 0.11, 0.011, 0.016, eye)
    if singing:
        pen.ellipse(0.0, 0.148, 0.018, 0.014, (110, 40, 50))
    if "glasses" in look.extras:
        pen.rect(-0.062, 0.096, 0.062, 0.124, _BLACKISH, r=0.01)
    if style != "bald":
        pen.chord(0.0, 0.09, 0.093, 180, 360, hair)
        pen.poly([(-0.093, 0.088), (-0.01, 0.088), (-0.084, 0.13)], hair)
    if style == "bun":
        pen.circle(0.0, 0.0, 0.045, hair)
    if style == "mohawk":
        for x in (-0.04, 0.0, 0.04):
            pen.poly([(x - 0.025, 0.02), (x + 0.025, 0.02), (x, -0.04)], hair)
    if "hat" in look.extras:
        pen.chord(0.0, 0.085, 0.095, 180, 360, look.accent)
        pen.rect(-0.11, 0.075, 0.11, 0.095, look.accent, r=0.01)
    if "headphones" in look.extras:
        pen.limb([(-0.09, 0.09), (-0.06, 0.0), (0.06, 0.0), (0.09, 0.09)], 0.018, _METAL)
        for side in (-1, 1):
            pen.ellipse(side * 0.09, 0.11, 0.025, 0.035, look.accent)


def _helmet(pen: _Pen, look: Look) -> None:
    pen.next_part()
    pen.circle(0.0, 0.1, 0.118, mix(look.outfit, (255, 255, 255), 0.25))
    pen.ellipse(0.0, 0.11, 0.085, 0.065, (20, 24, 40))
    pen.ellipse(-0.03, 0.085, 0.03, 0.014, look.accent)
    pen.rect(-0.06, 0.19, 0.06, 0.22, look.accent, r=0.01)


def _robot_head(pen: _Pen, look: Look) -> None:
    pen.next_part()
    pen.limb([(0.0, 0.02), (0.0, -0.05)], 0.014, look.hair)
    pen.circle(0.0, -0.055, 0.022, look.accent)
    pen.rect(-0.1, 0.0, 0.1, 0.175, look.outfit, r=0.03)
    pen.rect(-0.078, 0.035, 0.078, 0.14, (16, 18, 26), r=0.02)
    for side in (-1, 1):
        pen.circle(side * 0.035, 0.085, 0.02, look.accent)
    pen.rect(-0.12, 0.06, -0.1, 0.12, look.hair, r=0.008)
    pen.rect(0.1, 0.06, 0.12, 0.12, look.hair, r=0.008)


def _shade(pen: _Pen) -> Image.Image:
    """Cel shading lit from the top left: each part's right edge and what fronter parts shade.

    The shadow mask is found on the supersampled part map, then applied after reduction."""
    ids = np.asarray(pen.ids)
    d = max(2, round(0.028 * pen.k))
    shaded = np.ones(ids.shape, bool)
    shaded[:, :-d] = ids[:, :-d] != ids[:, d:]
    shaded[d:, d:] |= ids[:-d, :-d] > ids[d:, d:]
    shaded &= ids > 0
    mask = Image.fromarray(shaded.view(np.uint8) * np.uint8(255)).reduce(_SS)
    image = pen.color.reduce(_SS)
    image.paste(ImageChops.multiply(image, Image.new("RGBA", image.size, _SHADOW)), mask=mask)
    return image


@lru_cache(maxsize=32)
def sprite(look: Look, pose_name: str, height: int) -> tuple[Image.Image, tuple[int, int]]:
    """The figure in a pose, `height` pixels from crown to soles, and where its feet are."""
    pose, pen = _pose(pose_name), _Pen(height)
    bulky = look.kind == "astronaut"
    pen.next_part()  # what hangs behind the body
    if bulky:
        pen.rect(-0.15, 0.2, 0.15, 0.5, mix(look.outfit, _METAL, 0.3), r=0.03)  # backpack
    if "cape" in look.extras:
        pen.poly([(-0.12, 0.21), (0.12, 0.21), (0.24, 0.8), (-0.24, 0.8)], look.accent)
    _legs(pen, look, pose, 0.095 if bulky else 0.075, 0.5)
    half = 0.155 if bulky else (0.12 if look.kind == "robot" else 0.13)
    _torso(pen, look, half)
    _head(pen, look, singing=look.kind == "singer")
    mic = look.kind == "singer" and pose_name.startswith("mic")
    _arms(pen, look, pose, 0.085 if bulky else 0.058, half - 0.025, mic)
    image = _shade(pen)
    feet = (image.width // 2, round((1 + _PAD_TOP) * height))
    return image, feet


def character_sheet(character: Character, *, size: tuple[int, int]) -> Image.Image:
    """The character standing large on a neutral background, with its name and colours."""
    w, h = size
    sheet = Image.new("RGB", size, (128, 128, 132))
    look = Look.of(character)
    image, (fx, fy) = sprite(look, pose_names(look.kind)[0][0], round(h * 0.7))
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
