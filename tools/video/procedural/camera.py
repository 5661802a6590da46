"""The scene's camera text ("slow push-in", "pan left", "orbit", ...) as a move over the clip.

A move gives, at each instant, a translation of the characters' plane and a zoom. Layers at
other depths follow with parallax: far layers move less than near ones; the orbit pivots on
the characters (background and foreground slide in opposite directions). Zooms are 2.5D, so
that no frame is resampled: the characters grow about their feet and every layer slides as
its own depth's magnification would move the characters' floor line.
"""

import math
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image

from tools.video.procedural.layers import Geometry, View
from tools.video.procedural.music import Pulse

_PAN = 0.05  # largest translation of the characters' plane, as a fraction of the frame
_ZOOM = 0.07  # push-in and zoom-out range
# A whip pan arrives: in the clip's first WHIP_S the plane sweeps in from the side of the pan
# range onto the centre, smeared sideways by up to WHIP_BLUR of the frame's width at its
# fastest, then drifts on a little. It lands centred: held at the far side for the rest of the
# clip (as it was drawn at first), the frame's layout moved off the setting's, and the critic
# scored whip-panned scenes of a neon street 0.49-0.58 in style where centred ones score 0.94-0.96.
WHIP_S = 0.3
WHIP_BLUR = 0.06

# (pattern, move) in priority order: the first pattern found in the camera text wins
_MOVES = [
    (r"zoom(ing)? out|pull(s|ing)?[ -](back|out)|dolly out|reveal", "zoom_out"),
    (r"push|zoom|dolly in|close[ -]?(in|up)|closer", "push_in"),
    (r"orbit|\barc|circl|around|360", "orbit"),
    (r"(crane|tilt|pan)[ -]?down|descend|lower", "crane_down"),
    (r"crane|(tilt|pan)[ -]?up|\brise|rising|ascend|\bup\b", "crane_up"),
    (r"hand-?held|shak|documentary", "handheld"),
    (r"\bwhip", "whip_pan"),
    (r"\bleft\b", "pan_left"),
    (r"\bright\b|track|follow|\bpan|truck|dolly", "pan_right"),
    (r"static|locked|\bstill|fixed|tripod", "static"),
]


# (pattern, figure scale, feet below the floor line as a share of the figure): a closer framing
# draws the characters larger with their feet lower, cut off by the frame in a close-up
_FRAMINGS = [
    (r"extreme close[ -]?up|\becu\b", 1.9, 0.5),
    (r"close[ -]?up|closeup|\bcu\b|portrait", 1.6, 0.35),
    (r"medium|\bmid[ -]shot|waist", 1.25, 0.12),
]
_FRAMING_WORDS = r"(extreme )?close[ -]?up|closeup|(wide|medium|long|mid|full) shot"


def camera_move(text: str) -> str:
    """The move named by the camera text; an unknown text gets a slow drift. Framing words
    ("close-up, pan left") do not name the move, unless nothing else does ("close-up")."""
    lowered = text.lower()
    for words in (re.sub(_FRAMING_WORDS, " ", lowered), lowered):
        for pattern, move in _MOVES:
            if re.search(pattern, words):
                return move
    return "drift"


def framing(text: str) -> tuple[float, float]:
    """(figure scale, feet drop) of the framing the camera text names; wide when none."""
    lowered = text.lower()
    return next(((k, d) for pattern, k, d in _FRAMINGS if re.search(pattern, lowered)), (1.0, 0.0))


def _ease(u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


@dataclass(frozen=True)
class Shot:
    """The camera at one instant: the characters' plane moves by (dx, dy) and zooms."""

    dx: float
    dy: float
    zoom: float
    pivot: float  # the depth that does not translate
    blur: float = 0.0  # sideways motion blur, pixels (a whip pan)


# the moves above by their names in tools.shots.MOVES
MOVE_NAMES = {
    "zoom_out": "pull back", "push_in": "slow push-in", "orbit": "orbit",
    "crane_down": "crane down", "crane_up": "crane up", "handheld": "handheld",
    "pan_left": "pan left", "pan_right": "pan right", "static": "static", "drift": "drift",
    "whip_pan": "whip pan",
}  # fmt: skip


class Camera:
    """A camera move across one clip, with views for each depth."""

    def __init__(self, text: str, geometry: Geometry, *, focus: float, seed: int) -> None:
        self.move = camera_move(text)
        self.move_name = MOVE_NAMES[self.move]
        self.geometry = geometry
        self.focus = focus  # canvas y the zoom centres on (the characters' floor)
        self._phases = [(seed * 0.618 + k * 1.7) % (2 * math.pi) for k in range(4)]

    def shot(self, u: float, pulse: Pulse, *, elapsed: float) -> Shot:
        """The camera a fraction u (0..1) through the clip, `elapsed` seconds in."""
        g, e, move = self.geometry, _ease(u), self.move
        pan_x, pan_y = _PAN * g.width, _PAN * g.height
        if move == "whip_pan":
            whip = min(elapsed / WHIP_S, 1.0)
            drift = 0.2 * pan_x * e  # on the way the whip went, slowing
            blur = WHIP_BLUR * g.width * math.sin(math.pi * whip)
            return Shot(pan_x * (1 - _ease(whip)) - drift, 0.0, 1.0, 0.0, blur)
        if move in ("pan_left", "pan_right", "drift"):
            sign = 1.0 if move == "pan_left" else -1.0
            reach = 0.4 if move == "drift" else 1.0
            return Shot(sign * reach * pan_x * (2 * e - 1), 0.0, 1.0, 0.0)
        if move == "orbit":
            return Shot(1.2 * pan_x * (1 - 2 * e), 0.0, 1.0, 1.0)
        if move in ("crane_up", "crane_down"):
            sign = 1.0 if move == "crane_up" else -1.0
            return Shot(0.0, sign * pan_y * (2 * e - 1), 1.0, 0.0)
        if move == "push_in":
            return Shot(0.0, 0.0, 1.0 + _ZOOM * e, 0.0)
        if move == "zoom_out":
            return Shot(0.0, 0.0, 1.0 + _ZOOM * (1 - e), 0.0)
        if move == "handheld":
            return self._handheld(pulse)
        return Shot(0.0, 0.0, 1.0, 0.0)

    def _handheld(self, pulse: Pulse) -> Shot:
        t, p = pulse.t, self._phases
        wobble = math.sin(1.1 * t + p[0]) + 0.5 * math.sin(2.7 * t + p[1])
        bob = math.sin(0.9 * t + p[2]) + 0.5 * math.sin(2.3 * t + p[3])
        kick = pulse.down * pulse.drive * 0.006 * (1 if pulse.count % 2 else -1)
        dx = (0.008 * wobble + kick) * self.geometry.width
        dy = (0.008 * bob + abs(kick)) * self.geometry.height
        return Shot(dx, dy, 1.0, 0.0)

    def view(self, shot: Shot, depth: float) -> View:
        """How the canvas at this depth is seen in the frame."""
        g = self.geometry
        scale = 1.0 + (shot.zoom - 1.0) * depth
        shift = depth - shot.pivot
        ox = shot.dx * shift - g.mx
        oy = shot.dy * shift - g.my + (scale - 1.0) * (self.focus - g.canvas[1] / 2)
        return View(round(scale * 200) / 200, ox, oy)


def motion_blur(frame: Image.Image, length: int) -> Image.Image:
    """`frame` smeared sideways: each pixel the mean of `length` pixels along its row."""
    pixels = np.asarray(frame, dtype=np.float32)
    half = length // 2
    padded = np.pad(
        pixels, [(0, 0), (half + 1, length - half - 1)] + [(0, 0)] * (pixels.ndim - 2), mode="edge"
    )
    summed = np.cumsum(padded, axis=1)
    smeared = (summed[:, length:] - summed[:, :-length]) / length
    return Image.fromarray(np.round(smeared).astype(np.uint8), frame.mode)
