"""The characters on screen: placed on the floor, posed and bounced by the music."""

import math
from collections import OrderedDict

from PIL import Image, ImageDraw

from tools.procedural.figures import Look, pose_names, sprite
from tools.procedural.layers import Geometry, View
from tools.procedural.music import Pulse
from tools.procedural.palette import RGB, rgba
from tools.types import Character

_SLOTS = {1: [0.5], 2: [0.36, 0.64], 3: [0.27, 0.5, 0.73]}
_CACHE = 24  # scaled sprites kept per actor


def slots(count: int) -> list[float]:
    """Frame x fractions for `count` characters standing side by side."""
    return _SLOTS.get(count, [(i + 1) / (count + 1) for i in range(count)])


class Actor:
    """One character at a spot on the floor of the characters' plane (depth 1)."""

    def __init__(
        self,
        character: Character,
        *,
        x: float,
        floor: float,
        height: int,
        index: int,
        floating: bool,
    ) -> None:
        self.look = Look.of(character)
        self.x, self.floor, self.height, self.index = x, floor, height, index
        self.floating = floating and self.look.kind == "astronaut"
        self._calm, self._lively = pose_names(self.look.kind)
        self._scaled: OrderedDict[tuple[str, float], tuple[Image.Image, tuple[int, int]]]
        self._scaled = OrderedDict()

    def pose(self, pulse: Pulse) -> str:
        """Calm poses every two beats; lively ones every beat when the music is loud."""
        lively = pulse.energy > 0.55 and pulse.intensity > 0.35
        poses = self._lively if lively else self._calm
        return poses[(pulse.count // (1 if lively else 2) + self.index) % len(poses)]

    def _sprite(self, pose: str, scale: float) -> tuple[Image.Image, tuple[int, int]]:
        key = (pose, scale)
        if key not in self._scaled:
            image, (fx, fy) = sprite(self.look, pose, self.height)
            if scale != 1.0:
                size = (round(image.width * scale), round(image.height * scale))
                image, fx, fy = (
                    image.resize(size, Image.BILINEAR),
                    round(fx * scale),
                    round(fy * scale),
                )
            self._scaled[key] = (image, (fx, fy))
            if len(self._scaled) > _CACHE:
                self._scaled.popitem(last=False)
        self._scaled.move_to_end(key)
        return self._scaled[key]

    def draw(
        self, frame: Image.Image, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse, shadow: RGB
    ) -> None:
        image, (fx, fy) = self._sprite(self.pose(pulse), view.scale)
        lift = self.height * 0.045 * pulse.beat * pulse.drive
        if self.floating:
            lift += self.height * (0.06 + 0.04 * math.sin(pulse.t * 1.3 + self.index))
        sway = self.height * 0.012 * math.sin(math.pi * (pulse.count + pulse.phase + self.index))
        x, y = view.pt(self.x, self.floor)
        r = self.height * 0.2 * view.scale * (1 - 0.3 * min(lift / self.height * 6, 1))
        draw.ellipse((x - r, y - r * 0.16, x + r, y + r * 0.16), fill=rgba(shadow, 0.45))
        frame.paste(image, (round(x + sway - fx), round(y - lift * view.scale - fy)), image)


class Cast:
    """Everyone in the scene, drawn as one item at depth 1."""

    depth = 1.0

    def __init__(
        self,
        characters: list[Character],
        *,
        geometry: Geometry,
        floor: float,
        figure_height: float,
        floating: bool,
        shadow: RGB,
        drop: float = 0.0,
    ) -> None:
        """`drop`: the feet stand this share of the figure's height below `floor` (closer
        framings)."""
        height = round(geometry.height * figure_height * (1.0 if len(characters) < 3 else 0.85))
        floor += drop * height
        self._shadow = shadow
        self.actors = [
            Actor(ch, x=geometry.x(fx), floor=floor, height=height, index=i, floating=floating)
            for i, (ch, fx) in enumerate(zip(characters, slots(len(characters)), strict=True))
        ]

    def draw(self, frame: Image.Image, draw: ImageDraw.ImageDraw, view: View, pulse: Pulse) -> None:
        for actor in self.actors:
            actor.draw(frame, draw, view, pulse, self._shadow)
