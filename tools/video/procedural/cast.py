"""The characters on screen: each doing its action with its expression and its props, placed
on the floor (partners together), moved by the music.

Everything a figure can look like in the scene is a handful of cached sprites (the frames of its
action, three mouths for a singer); per frame an actor only picks one and pastes it.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw, ImageOps

from tools.shots import ACTION_PROPS, ACTIONS, EXPRESSIONS
from tools.types import Character, Unmet
from tools.video.procedural import held, mounts
from tools.video.procedural.figures import Look, Treat, sprite
from tools.video.procedural.layers import Geometry, View
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import RGB, rgba
from tools.video.procedural.poses import (
    FRAMES,
    SUBDUED,
    Pose,
    action_pose,
    motion,
    seated_in,
    shaped,
)

_SLOTS = {1: [0.5], 2: [0.36, 0.64], 3: [0.27, 0.5, 0.73]}
_CACHE = 48  # scaled sprites kept per actor
_SCALE_STEP = 1 / 64  # camera zooms are rounded to this for the sprite cache

_PAIRED = {"hug": 0.3, "hold hands": 0.42}  # partners' distance, figure heights
_ALONE = {"hug": "reach", "hold hands": "reach"}  # without a partner
_PERFORMING = ("play guitar", "play piano")  # what a singer sings while doing
_SHARED = ("hug", "hold hands", "drive")  # two share a spot (a driver takes one passenger)
_BACK_SEAT = 0.55  # how far behind the driver a passenger sits, figure heights
# How far what a figure rides or holds reaches out to its right, figure heights.
_REACH = {"fishing rod": 1.05, "kite": 1.0, "car": 1.15, "bicycle": 0.6, "piano": 0.6}
# What nobody does weightless.
_GROUNDED = ("walk", "run", "sit", "lie", "jump", "ride", "drive", "fish", "play piano",
             "play drums")  # fmt: skip
# What a figure sitting in a boat still does.
_SEATED_ARMS = ("fish", "sing", "play guitar", "read", "wave", "reach", "look up", "look down",
                "cheer", "sway")  # fmt: skip
# How wide a figure is with what it carries, in figure heights.
_WIDTH = {"car": 2.4, "boat": 1.9, "bicycle": 1.0, "piano": 1.15, "drums": 1.1,
          "fishing rod": 1.4, "kite": 1.0}  # fmt: skip
_MOUNT_SURFACES = {
    "bicycle": ("ground", "floor"),
    "skateboard": ("ground", "floor"),
    "car": ("ground",),
    "boat": ("water",),
}


def slots(count: int) -> list[float]:
    """Frame x fractions for `count` characters (or pairs) side by side."""
    return _SLOTS.get(count, [(i + 1) / (count + 1) for i in range(count)])


@dataclass(frozen=True)
class Part:
    """One character's part in the shot."""

    character: Character
    action: str  # a name of tools.shots.ACTIONS
    expression: str  # a name of tools.shots.EXPRESSIONS
    props: tuple[str, ...] = ()  # attached props: held, worn, a mount, piano, drums


@dataclass(frozen=True)
class Role:
    """A part as it can be drawn on this surface: what the figure does, holds and rides."""

    action: str
    expression: str
    props: tuple[str, ...]
    seat: str  # the mount's seat, "" for none
    unmet: tuple[Unmet, ...]


def _unmet(element: str, wanted: str, drawn: str) -> Unmet:
    return {"element": element, "wanted": wanted, "drawn": drawn}


def role(part: Part, *, surface: str, partnered: bool, passenger: bool = False) -> Role:
    """What of a part can be drawn on `surface` (ground | water | floor | space), the nearest
    drawable thing for the rest, and what was substituted. `partnered`: someone to hug or hold
    hands with is there; `passenger`: riding in someone else's car."""
    misses: list[Unmet] = []
    action, expression = part.action, part.expression
    if expression not in EXPRESSIONS:
        misses.append(_unmet("expression", expression, "calm"))
        expression = "calm"
    if action not in ACTIONS:
        action = "stand"
    action = SUBDUED.get(expression, {}).get(action, action)
    if not partnered:
        action = _ALONE.get(action, action)
    if surface == "space" and action in _GROUNDED:
        action = "float"
    props = list(dict.fromkeys(part.props))
    if action == "ride" and "car" in props and not {"bicycle", "skateboard", "boat"} & set(props):
        action = "drive"  # riding in a car
    if passenger and action == "drive" and surface == "ground":
        kept = [p for p in props if p in held.WORN]
        misses += [_unmet("prop", p, "") for p in props if p not in kept]
        return Role(action, expression, tuple(kept), "passenger", tuple(misses))
    mount = _mount(action, [p for p in props if p in mounts.MOUNTS], surface)
    if action == "ride" and mount is None:
        action = "walk"
    if action == "drive" and mount != "car":
        action = "sit"
    if mount == "boat" and action not in ("ride", *_SEATED_ARMS):
        action = "ride"
    if action != part.action:
        misses.append(_unmet("action", part.action, action))
    if mount and mount not in props:
        props.append(mount)
    implied = ACTION_PROPS.get(action)  # what it needs when the part does not say
    if implied and implied not in props and implied not in mounts.MOUNTS:
        props.append(implied)
    kept: list[str] = []
    hands = 0
    for prop in props:
        fits = prop in held.WORN or (prop == mount)
        if prop in mounts.PLAYED:
            fits = action == f"play {prop}"
        elif prop in held.HELD:
            fits = held.OWN.get(action) == prop
            if not fits and hands + held.hands_for(prop) <= 2 - _busy(action):
                fits, hands = True, hands + held.hands_for(prop)
        if fits:
            kept.append(prop)
        else:
            misses.append(_unmet("prop", prop, ""))
    seat = mounts.MOUNTS.get(mount, "") if mount else ""
    return Role(action, expression, tuple(kept), seat, tuple(misses))


def _busy(action: str) -> int:
    """How many hands an action needs for itself."""
    free = held.FREE.get(action)
    return 2 - len(free) if free is not None else 2


def _mount(action: str, wanted: list[str], surface: str) -> str | None:
    """The mount a figure sits on: the one its action uses, the boat on water, else none."""
    fitting = [m for m in wanted if surface in _MOUNT_SURFACES[m]]
    if surface == "water" and action not in ("float",):
        return "boat"
    if action == "drive":
        return "car" if surface == "ground" else None
    if action == "ride":
        riding = [m for m in fitting if m != "car"]
        if riding:
            return riding[0]
        return "bicycle" if surface in ("ground", "floor") and not wanted else None
    return None


# ----------------------------------------------------------------------------- actors


class Actor:
    """One figure at a spot on the floor of the characters' plane (depth 1)."""

    def __init__(
        self,
        look: Look,
        doing: Role,
        *,
        x: float,
        floor: float,
        height: int,
        index: int,
        side: int,
        floating: bool,
        mirror: bool,
        treat: Treat,
        stride: float,
    ) -> None:
        """`side`: the side a partner is on; `mirror`: drawn facing left (the figures facing
        right are drawn as they are); `stride`: the share of its sideways travel (walking,
        running, swaying) that the frame's width has room for."""
        self.look, self.role = look, doing
        self.mirror, self.stride = mirror, stride
        self.x, self.floor, self.height, self.index = x, floor, height, index
        self.floating, self.treat = floating, treat
        self.singing = doing.action == "sing" or (
            look.kind == "singer" and doing.action in _PERFORMING
        )
        self.poses = [_posed(doing, k, side=side) for k in range(FRAMES.get(doing.action, 1))]
        self._scaled: OrderedDict[tuple, tuple[Image.Image, tuple[int, int]]] = OrderedDict()

    def sprite(self, frame: int, mouth: int, scale: float) -> tuple[Image.Image, tuple[int, int]]:
        """The cached sprite of one frame of the action, scaled for the camera."""
        scale = round(scale / _SCALE_STEP) * _SCALE_STEP
        key = (frame, mouth, scale)
        if key not in self._scaled:
            image, (fx, fy) = sprite(
                self.look,
                self.poses[frame],
                expression=self.role.expression,
                props=self.role.props,
                mouth=mouth,
                height=self.height,
                treat=self.treat,
            )
            if self.mirror:
                image, fx = ImageOps.mirror(image), image.width - fx
            if scale != 1.0:
                size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                image, fx, fy = image.resize(size, Image.BILINEAR), fx * scale, fy * scale
            self._scaled[key] = (image, (round(fx), round(fy)))
            if len(self._scaled) > _CACHE:
                self._scaled.popitem(last=False)
        self._scaled.move_to_end(key)
        return self._scaled[key]

    def mouth(self, pulse: Pulse) -> int:
        """0 (the expression's mouth), 1 (half open) or 2 (wide open) by how much is sung."""
        if not self.singing:
            return 0
        return 0 if pulse.vocal < 0.2 else 1 if pulse.vocal < 0.55 else 2

    def place(self, pulse: Pulse) -> tuple[int, float, float]:
        """The frame shown now and the offset from the spot (pixels at scale 1; up < 0)."""
        move = motion(self.role.action, self.role.expression, pulse, index=self.index)
        dy = move.dy
        if self.floating:
            dy -= 0.06 + 0.04 * math.sin(pulse.t * 1.3 + self.index)
        return move.frame, move.dx * self.height * self.stride, dy * self.height

    def draw(
        self, frame: Image.Image, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse, shadow: RGB
    ) -> None:
        index, dx, dy = self.place(pulse)
        image, (fx, fy) = self.sprite(index, self.mouth(pulse), view.scale)
        x, y = view.pt(self.x + dx, self.floor)
        if shadow is not None and self.role.seat not in ("boat", "passenger"):
            lift = min(-dy / self.height * 6, 1.0) if dy < 0 else 0.0
            wide = self.role.seat in ("saddle", "board", "car") or self.role.action == "lie"
            r = (image.width * 0.4 if wide else self.height * 0.2 * view.scale) * (1 - 0.3 * lift)
            draw.ellipse((x - r, y - r * 0.1, x + r, y + r * 0.1), fill=rgba(shadow, 0.45))
        frame.paste(image, (round(x - fx), round(y + dy * view.scale - fy)), image)


def _posed(doing: Role, frame: int, *, side: int) -> Pose:
    pose = action_pose(doing.action, frame, seat=doing.seat, side=side)
    pose = shaped(held.hold(pose, doing.action, doing.props, side=side), doing.expression)
    if doing.seat == "boat":
        return seated_in(replace(pose, seat="") if pose.seat == "stool" else pose, "boat")
    return pose


# ----------------------------------------------------------------------------- the cast


class Cast:
    """Everyone in the scene, drawn as one item at depth 1."""

    depth = 1.0

    def __init__(
        self,
        parts: list[Part],
        *,
        geometry: Geometry,
        floor: float,
        figure_height: float,
        surface: str,
        shadow: RGB,
        drop: float = 0.0,
        treat: Treat = None,
    ) -> None:
        """`surface`: ground | water | floor | space. `drop`: the feet stand this share of the
        figure's height below `floor` (closer framings). `treat`: applied once to every
        sprite when it is made (a look's treatment)."""
        groups = _groups(parts)
        roles = [
            [
                role(p, surface=surface, partnered=len(group) > 1, passenger=i > 0)
                for i, p in enumerate(group)
            ]
            for group in groups
        ]
        height = geometry.u(figure_height) * (1.0 if len(parts) < 3 else 0.85)
        widths = [max(_width(r) for r in group) + 0.35 * (len(group) - 1) for group in roles]
        room = 0.95 * geometry.width / max(1.0, sum(widths) * height)
        height = round(height * min(1.0, room))
        floor += drop * height
        # travel is in figure heights, made for 16:9: a narrower frame scales it to its width
        stride = min(1.0, geometry.width / geometry.height * 9 / 16)
        self._shadow = None if surface in ("water", "space") else shadow
        self.actors: list[Actor] = []
        by_part: dict[int, Actor] = {}
        for g, (group, group_roles, fx) in enumerate(
            zip(groups, roles, slots(len(groups)), strict=True)
        ):
            together = len(group) > 1 and group_roles[0].action in _PAIRED
            reach = max(_reach(r) for r in group_roles) * height
            x = geometry.width * fx
            mirror = not together and x + reach > geometry.width and x - reach >= 0
            for i, (part, doing) in enumerate(zip(group, group_roles, strict=True)):
                if together:
                    offset = (i - 0.5) * _PAIRED[doing.action]
                else:  # a passenger sits behind the driver
                    offset = -_BACK_SEAT * i * (-1 if mirror else 1)
                actor = Actor(
                    Look.of(part.character),
                    doing,
                    x=geometry.x(fx) + offset * height,
                    floor=floor,
                    height=height,
                    index=g,
                    side=1 if i == 0 else -1,
                    floating=surface == "space",
                    mirror=mirror,
                    treat=treat,
                    stride=stride,
                )
                by_part[id(part)] = actor
                self.actors.append(actor)
        self.actors.sort(key=lambda a: a.role.seat != "passenger")  # back seats first
        self.drawn = [
            {
                "character": p.character["id"],
                "action": by_part[id(p)].role.action,
                "expression": by_part[id(p)].role.expression,
            }
            for p in parts
        ]
        self.props_drawn = list(dict.fromkeys(p for a in self.actors for p in a.role.props))
        self.unmet: list[Unmet] = [m for p in parts for m in by_part[id(p)].role.unmet]

    def draw(self, frame: Image.Image, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse) -> None:
        for actor in self.actors:
            actor.draw(frame, draw, view, pulse, self._shadow)


def _groups(parts: list[Part]) -> list[list[Part]]:
    """The parts in screen order, those sharing a spot together: two hugging, two holding
    hands, a driver and a passenger."""
    groups: list[list[Part]] = []
    waiting: dict[str, list[Part]] = {}
    for part in parts:
        if part.action not in _SHARED:
            groups.append([part])
            continue
        group = waiting.pop(part.action, None)
        if group is None:
            group = waiting[part.action] = [part]
            groups.append(group)
        else:
            group.append(part)
    return groups


def _reach(doing: Role) -> float:
    """How far what the figure rides or holds reaches out to its right, figure heights."""
    return max([0.0, *(_REACH.get(p, 0.0) for p in doing.props)])


def _width(doing: Role) -> float:
    """How wide the figure is with what it rides or holds, in figure heights."""
    return max([0.6, *(_WIDTH.get(p, 0.0) for p in doing.props)])
