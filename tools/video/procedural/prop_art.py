"""Every scene prop's drawing by name (`ART`), the moving parts drawn beside some of them
(`PARTS`), and `paint`, which draws one in a state at a size."""

from collections.abc import Callable
from typing import NamedTuple

from PIL import Image

from tools.video.procedural import prop_large as large
from tools.video.procedural import prop_small as small
from tools.video.procedural.prop_pen import Colors, Pen


class Art(NamedTuple):
    box: tuple[float, float, float, float]  # left, top, right, bottom about the base point
    paint: Callable[[Pen, Colors, int], None]
    states: int = 1


ART: dict[str, Art] = {
    "fishing rod": Art((-0.2, -1.02, 0.82, 0.03), small.fishing_rod),
    "guitar": Art((-0.32, -0.84, 0.44, 0.02), small.guitar),
    "microphone": Art((-0.2, -1.02, 0.24, 0.02), small.microphone),
    "umbrella": Art((-0.7, -1.2, 0.36, 0.02), small.umbrella),
    "lantern": Art((-0.04, -0.96, 0.25, 0.02), small.lantern),
    "candle": Art((-0.24, -0.74, 0.24, 0.02), small.candle),
    "photograph": Art((-0.32, -0.98, 0.32, 0.02), small.photograph),
    "letter": Art((-0.3, -0.64, 0.3, 0.02), small.letter),
    "phone": Art((-0.28, -0.78, 0.28, 0.02), small.phone),
    "flowers": Art((-0.28, -0.72, 0.28, 0.02), small.flowers),
    "balloon": Art((-0.24, -0.08, 0.24, 0.02), small.balloon),
    "kite": Art((-0.06, -0.14, 0.06, 0.02), small.kite_stake),
    "book": Art((-0.3, -0.9, 0.3, 0.02), small.book),
    "camera": Art((-0.27, -0.95, 0.27, 0.02), small.camera),
    "coffee": Art((-0.22, -0.64, 0.22, 0.02), small.coffee),
    "suitcase": Art((-0.24, -0.74, 0.24, 0.02), small.suitcase),
    "headphones": Art((-0.23, -0.82, 0.26, 0.02), small.headphones),
    "bicycle": Art((-0.55, -0.6, 0.55, 0.02), large.bicycle),
    "boat": Art((-0.66, -1.25, 0.66, 0.08), large.boat, 2),
    "car": Art((-0.82, -0.55, 0.82, 0.02), large.car),
    "skateboard": Art((-0.22, -0.6, 0.44, 0.02), large.skateboard),
    "piano": Art((-0.49, -0.81, 0.49, 0.02), large.piano),
    "drums": Art((-0.66, -0.98, 0.66, 0.02), large.drums, 3),
    "campfire": Art((-0.34, -0.12, 0.34, 0.02), large.campfire),
    "tent": Art((-0.64, -0.78, 0.64, 0.02), large.tent),
    "bench": Art((-0.52, -0.52, 0.52, 0.02), large.bench),
    "street lamp": Art((-0.13, -1.6, 0.13, 0.02), large.street_lamp),
    "telescope": Art((-0.3, -0.92, 0.42, 0.02), large.telescope),
    "dog": Art((-0.32, -0.44, 0.38, 0.02), large.dog, 6),
    "cat": Art((-0.28, -0.44, 0.17, 0.02), large.cat, 6),
}
# the moving parts drawn with some props, pasted per frame over (or instead of) their layer
PARTS: dict[str, Art] = {
    "candle flames": Art((-0.16, -0.75, 0.16, -0.5), small.candle_flames, 4),
    "steam": Art((-0.08, -0.88, 0.08, -0.6), small.steam, 4),
    "flames": Art((-0.24, -0.6, 0.24, -0.03), large.flames, 5),
    "balloons": Art((-0.22, -0.54, 0.22, 0.02), small.balloons),
    "kite": Art((-0.36, -0.45, 0.2, 0.26), small.kite, 3),
    "bird": Art((-1.1, -0.6, 1.1, 0.45), large.bird, 2),
}


def paint(
    name: str,
    unit: float,
    colors: Colors,
    state: int = 0,
    *,
    parts: bool = False,
    outline: bool = True,
) -> tuple[Image.Image, tuple[int, int]]:
    """The drawing of a prop (or of a moving part) `unit` pixels to the figure height, in one
    state, and where its base point lies in it."""
    art = (PARTS if parts else ART)[name]
    pen = Pen(unit, art.box, ink=colors.rim)
    art.paint(pen, colors, state)
    return pen.done(outline=outline)
