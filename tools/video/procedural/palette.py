"""The style bible's five colours and the colour arithmetic the renderer draws with."""

import re
from dataclasses import dataclass

from tools.errors import InvalidInputError
from tools.types import StyleBible

RGB = tuple[int, int, int]

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def hex_rgb(value: str) -> RGB:
    """'#1a2b3c' (or '1a2b3c') -> (26, 43, 60)."""
    match = _HEX.match(value.strip())
    if match is None:
        raise InvalidInputError(f"not a #rrggbb colour: {value!r}")
    digits = match.group(1)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour a fraction t of the way from a to b."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def rgba(color: RGB, alpha: float) -> tuple[int, int, int, int]:
    """The colour with an opacity 0..1, for blended drawing."""
    return (*color, max(0, min(255, round(alpha * 255))))


@dataclass(frozen=True)
class Palette:
    deep: RGB
    dark: RGB
    mid: RGB
    accent: RGB
    highlight: RGB

    @classmethod
    def from_bible(cls, bible: StyleBible) -> "Palette":
        """The bible's palette in its role order: deep, dark, mid, accent, highlight."""
        colors = bible["palette"]
        if len(colors) != 5:
            raise InvalidInputError(f"the style bible needs 5 palette colours, got {len(colors)}")
        return cls(*(hex_rgb(c) for c in colors))

    def colors(self) -> list[RGB]:
        return [self.deep, self.dark, self.mid, self.accent, self.highlight]
