"""What a figure's body does: one pose per action (a few frames of it), shaped by the expression,
and the per-frame motion the music gives it.

Poses are in figure units (height 1, x from the centre, y down from the crown). A pose names the
hand and foot targets (the limbs reach them by two-bone IK), the seat it rests on and how the
upper body, the head and the whole figure lean. `frame_of` and `motion` are all that runs per
frame: they pick one of an action's few cached frames and an offset, nothing is drawn.
"""

import math
from dataclasses import dataclass, replace

from tools.video.procedural.music import Pulse

Point = tuple[float, float]

_FEET: tuple[Point, Point] = ((-0.07, 0.965), (0.07, 0.965))
_REST: tuple[Point, Point] = ((-0.17, 0.53), (0.17, 0.53))
_SEATED_HIP = 0.72
_SEATED_KNEES: tuple[Point, Point] = ((-0.09, 0.75), (0.09, 0.75))
_SEATED_FEET: tuple[Point, Point] = ((-0.1, 0.965), (0.1, 0.965))
_TUCKED_FEET: tuple[Point, Point] = ((-0.1, 0.8), (0.1, 0.8))  # in a boat or a car


@dataclass(frozen=True)
class Pose:
    """One frame of a body. `seat`: "" standing, "stool", "saddle", "board", "boat", "car",
    "passenger" (in a car drawn with its driver)."""

    hands: tuple[Point, Point] = _REST
    feet: tuple[Point, Point] = _FEET
    knees: tuple[Point, Point] | None = None  # set for seated legs seen from the front
    hip: float = 0.5  # pelvis height; the upper body moves with it
    bend: float = 0.0  # upper-body lean, degrees (+ towards screen right)
    slump: float = 0.0  # shoulders and head dropped by this much
    head: float = 0.0  # head tilt, degrees (+ towards screen right)
    gaze: str = "ahead"  # ahead | up | down
    tilt: float = 0.0  # the whole figure turned, degrees (90: lying)
    fists: bool = False
    seat: str = ""
    crank: float = 0.0  # pedal / wheel / oar angle of a mount, degrees
    grips: tuple[tuple[str, int], ...] = ()  # (held item, hand: 0 screen left, 1 right)


@dataclass(frozen=True)
class Body:
    """How an expression carries the body."""

    amp: float  # motion amplitude
    slump: float = 0.0
    stance: float = 0.07  # half the distance between the feet
    head: float = 0.0
    gaze: str = "ahead"
    fists: bool = False
    bounce: float = 0.0  # extra lift on the beat
    hands: tuple[Point, Point] | None = None  # where idle hands go (hands at rest otherwise)


BODIES: dict[str, Body] = {
    "joyful": Body(1.25, bounce=1.0, hands=((-0.24, 0.42), (0.24, 0.42))),
    "sad": Body(0.3, slump=0.05, stance=0.05, head=-7, gaze="down",
                hands=((-0.11, 0.58), (0.11, 0.58))),
    "calm": Body(0.6),
    "angry": Body(1.0, stance=0.1, fists=True, hands=((-0.21, 0.5), (0.21, 0.5))),
    "dreamy": Body(0.45, head=10, hands=((-0.03, 0.38), (0.03, 0.38))),
    "surprised": Body(0.9, bounce=0.4, hands=((-0.17, 0.17), (0.17, 0.17))),
    "fierce": Body(1.1, stance=0.14, fists=True, hands=((-0.13, 0.47), (0.13, 0.47))),
    "tender": Body(0.55, head=-11, hands=((-0.04, 0.5), (0.04, 0.5))),
}  # fmt: skip

# What a subdued expression does instead of an action that would contradict it.
SUBDUED: dict[str, dict[str, str]] = {
    "sad": {"jump": "sway", "dance": "sway", "cheer": "look down", "wave": "look down",
            "run": "walk"},
}  # fmt: skip

# Frames of each action's cycle.
FRAMES: dict[str, int] = {
    "walk": 4, "run": 4, "dance": 4, "jump": 2, "sing": 2, "play guitar": 2, "play piano": 3,
    "play drums": 3, "fish": 2, "ride": 4, "drive": 2, "hold hands": 2, "wave": 2, "reach": 2,
    "float": 5, "sway": 5, "cheer": 2, "hug": 1,
}  # fmt: skip
_TILTS = (-9.0, -4.5, 0.0, 4.5, 9.0)  # float and sway frames


def _stepping(k: int, lift: float, swing: float, *, bent: bool) -> Pose:
    """Frame k of 4 of a walk (or run) seen from the front: one knee lifts, the arms swing."""
    side = (-1, 0, 1, 0)[k]
    (lx, _), (rx, _) = _FEET
    feet = ((lx, 0.965 - (lift if side < 0 else 0.0)), (rx, 0.965 - (lift if side > 0 else 0.0)))
    if bent:
        hands = ((-0.13, 0.33 + swing * side), (0.13, 0.33 - swing * side))
    else:
        hands = ((-0.14, 0.56 + swing * side), (0.14, 0.56 - swing * side))  # arms hang
    return Pose(hands=hands, feet=feet, fists=bent)


_DANCE = [
    Pose(hands=((-0.27, -0.07), (0.27, -0.07)), feet=((-0.12, 0.965), (0.12, 0.965))),
    Pose(hands=((-0.3, 0.05), (0.2, 0.45)), feet=((-0.13, 0.965), (0.09, 0.8)), bend=-6),
    Pose(hands=((-0.12, 0.47), (0.44, 0.1)), feet=((-0.1, 0.965), (0.1, 0.965)), head=8),
    Pose(hands=((-0.2, 0.45), (0.3, 0.05)), feet=((-0.09, 0.8), (0.13, 0.965)), bend=6),
]
_CALM_DANCE = [
    Pose(hands=((-0.24, 0.35), (0.24, 0.35)), head=-6),
    Pose(hands=((-0.12, 0.47), (0.3, 0.3)), bend=4),
    Pose(hands=((-0.015, 0.31), (0.015, 0.31))),
    Pose(hands=((-0.3, 0.3), (0.12, 0.47)), bend=-4),
]


def _seated(**kw) -> Pose:
    return Pose(**{"hip": _SEATED_HIP, "knees": _SEATED_KNEES, "feet": _SEATED_FEET, **kw})


def _hug(side: int) -> Pose:
    """Side-hugging a partner on screen `side` (+1 right): the figure drawn first puts its arm
    behind the partner's waist, the one drawn second over the partner's shoulders."""
    near = (0.34, 0.46) if side > 0 else (-0.38, 0.24)
    far = (0.08 * side, 0.42)
    hands = (far, near) if side > 0 else (near, far)
    return Pose(hands=hands, bend=6 * side, head=9 * side)


def action_pose(action: str, frame: int, *, seat: str = "", side: int = 1) -> Pose:
    """Frame `frame` of an action; `seat` is the mount ridden ("saddle", "board", "boat") and
    `side` the side a partner stands on (hug, hold hands)."""
    k = frame
    if action == "walk":
        return _stepping(k, 0.07, 0.05, bent=False)
    if action == "run":
        return _stepping(k, 0.17, 0.09, bent=True)
    if action == "sit":
        return _seated(hands=((-0.11, 0.7), (0.11, 0.7)), seat="stool")
    if action == "lie":
        return Pose(hands=((-0.16, 0.56), (0.16, 0.56)), tilt=90.0, gaze="up")
    if action == "dance":
        return _DANCE[k % 4]
    if action == "jump":
        if k == 0:
            return Pose(hands=((-0.22, 0.6), (0.22, 0.6)), hip=0.56, bend=0)
        return Pose(hands=((-0.3, -0.05), (0.3, -0.05)), feet=((-0.12, 0.86), (0.12, 0.86)))
    if action == "sing":
        free = (-0.17, 0.53) if k == 0 else (-0.4, 0.22)
        return Pose(hands=(free, (0.07, 0.3)))
    if action == "play guitar":
        return Pose(hands=((-0.28, 0.31), (0.06, 0.38 + 0.08 * k)), head=-5)
    if action == "play piano":
        spread = ((-0.15, 0.1), (-0.05, 0.19), (-0.21, 0.04))[k]
        return _seated(hands=((spread[0], 0.6), (spread[1], 0.6)), seat="stool", gaze="down")
    if action == "play drums":
        hands = (
            ((-0.22, 0.36), (0.22, 0.36)),
            ((-0.2, 0.56), (0.24, 0.32)),
            ((-0.24, 0.32), (0.2, 0.56)),
        )[k]
        return _seated(hands=hands, seat="stool", fists=True)
    if action == "fish":
        return Pose(hands=((0.06, 0.44), (0.15, 0.38 - 0.01 * k)))
    if action == "ride":
        return _mounted(seat or "saddle", k)
    if action == "drive":
        if seat == "passenger":
            hands = ((-0.12, 0.66), (0.14, 0.6 - 0.02 * k))
            return _seated(hands=hands, seat=seat, head=6, feet=_TUCKED_FEET)
        hands = ((0.2, 0.46 + 0.01 * k), (0.28, 0.44))
        return _seated(hands=hands, seat="car", feet=_TUCKED_FEET, crank=15.0 * k)
    if action == "hug":
        return _hug(side)
    if action == "hold hands":
        inner = (0.21 * side, 0.54 - 0.02 * k)
        outer = (-0.17 * side, 0.53 + 0.02 * k)
        return Pose(hands=(outer, inner) if side > 0 else (inner, outer), head=6 * side)
    if action == "look up":
        return Pose(hands=((-0.2, 0.5), (0.2, 0.5)), gaze="up", head=-4, bend=-3)
    if action == "look down":
        return Pose(hands=((-0.03, 0.5), (0.03, 0.5)), gaze="down", slump=0.05)
    if action == "wave":
        return Pose(hands=((-0.17, 0.53), (0.29 + 0.07 * k, -0.02 + 0.05 * k)), head=5)
    if action == "reach":
        return Pose(hands=((-0.2, 0.45), (0.38 + 0.04 * k, 0.06 - 0.02 * k)), bend=6, gaze="up")
    if action == "read":
        return Pose(hands=((-0.08, 0.4), (0.08, 0.4)), gaze="down", head=-4)
    if action == "float":
        return Pose(
            hands=((-0.32, 0.28), (0.3, 0.2)),
            feet=((-0.1, 0.93), (0.13, 0.85)),
            tilt=_TILTS[k],
        )
    if action == "sway":
        return Pose(hands=((-0.15, 0.52), (0.15, 0.52)), tilt=_TILTS[k] * 0.6, head=-_TILTS[k])
    if action == "cheer":
        if k == 0:
            return Pose(hands=((-0.27, -0.07), (0.27, -0.07)), fists=True)
        return Pose(hands=((-0.3, 0.12), (0.3, 0.12)), fists=True)
    return Pose()  # stand


def seated_in(pose: Pose, seat: str) -> Pose:
    """A standing pose's upper body sat down on a seat (a boat, a stool): the hands move
    down with the shoulders."""
    if pose.seat:
        return pose
    drop = _SEATED_HIP - pose.hip
    hands = tuple((x, y + drop) for x, y in pose.hands)
    return replace(
        pose,
        hands=hands,
        hip=_SEATED_HIP,
        knees=_SEATED_KNEES,
        feet=_TUCKED_FEET,
        seat=seat,
        tilt=0.0,
    )


def _mounted(seat: str, k: int) -> Pose:
    """Riding: pedalling a bicycle, balancing on a skateboard, rowing a boat."""
    if seat == "board":
        arms = ((-0.36, 0.36), (0.34, 0.44)) if k % 2 else ((-0.34, 0.44), (0.36, 0.36))
        return Pose(hands=arms, feet=((-0.13, 0.905), (0.13, 0.905)), hip=0.53, seat="board")
    if seat == "boat":
        oar = 0.05 * math.sin(k * math.pi / 2)
        return _seated(
            hands=((-0.27, 0.52 + oar), (0.27, 0.52 + oar)),
            seat="boat",
            crank=k * 90,
            feet=_TUCKED_FEET,
        )
    angle = k * 90.0
    a = math.radians(angle)
    front = (0.05 + 0.07 * math.cos(a), 0.8 + 0.07 * math.sin(a))
    back = (0.1 - front[0], 1.6 - front[1])
    return Pose(
        hands=((0.3, 0.42), (0.34, 0.41)),
        feet=(front, back),
        hip=0.53,
        bend=8,
        seat="saddle",
        crank=angle,
    )


def shaped(pose: Pose, expression: str) -> Pose:
    """The pose as the expression carries it: slumped, tense, tilted, wide-legged."""
    body = BODIES.get(expression, BODIES["calm"])
    changes: dict = {"fists": pose.fists or body.fists}
    if body.slump and not pose.slump:
        changes["slump"] = body.slump
    if body.hands and pose.hands == _REST:
        changes["hands"] = body.hands
    if body.head and not pose.head:
        changes["head"] = body.head
    if body.gaze != "ahead" and pose.gaze == "ahead":
        changes["gaze"] = body.gaze
    if pose.seat == "" and pose.feet == _FEET:
        changes["feet"] = ((-body.stance, 0.965), (body.stance, 0.965))
    return replace(pose, **changes)


# ------------------------------------------------------------------------- per frame


@dataclass(frozen=True)
class Motion:
    """Where the figure is this frame: which cached frame, and an offset in figure units."""

    frame: int
    dx: float
    dy: float  # up is negative


def frame_of(action: str, pulse: Pulse, *, index: int, lively: bool) -> int:
    """Which of the action's frames the music shows now."""
    frames = FRAMES.get(action, 1)
    beats = pulse.count + pulse.phase
    if action in ("walk", "ride"):
        return int(beats * 2 + index) % frames
    if action == "run":
        return int(beats * 4 + index) % frames
    if action == "dance":
        return (pulse.count // (1 if lively else 2) + index) % frames
    if action == "jump":  # leaves the ground on the beat, lands just before the next
        return 1 if pulse.phase < 0.9 else 0
    if action in ("play guitar", "play drums", "play piano"):
        hit = pulse.onset > 0.45 or pulse.beat > 0.5
        if action == "play guitar":
            return int(hit)
        return (1 + (pulse.count + index) % 2) if hit else 0
    if action == "drive":
        return int(beats * 4) % frames
    if action in ("sing", "wave", "fish", "reach", "hold hands"):
        per = 1 if action == "wave" else 2
        return (pulse.count // per + index) % frames
    if action in ("float", "sway"):
        period = 8.0 if action == "sway" else 12.0
        s = math.sin(2 * math.pi * (beats / period) + index)
        return min(frames - 1, int((s + 1) / 2 * frames))
    if action == "cheer":
        return 0 if pulse.beat > 0.35 or pulse.phase < 0.3 else 1
    return 0


def motion(action: str, expression: str, pulse: Pulse, *, index: int) -> Motion:
    """The frame and offset of a figure doing `action` with `expression` at this instant.

    The amplitude follows the expression (a sad figure barely moves) and the music's energy."""
    body = BODIES.get(expression, BODIES["calm"])
    amp = body.amp * (0.5 + 0.7 * pulse.energy)
    lively = pulse.energy > 0.55 and pulse.intensity > 0.35 and body.amp >= 0.9
    frame = frame_of(action, pulse, index=index, lively=lively)
    beats = pulse.count + pulse.phase
    bob = pulse.beat * (0.012 + 0.03 * body.bounce) * amp
    dx = 0.015 * amp * math.sin(math.pi * (beats + index) / 2)
    if action == "jump":
        bob = 4 * pulse.phase * (1 - pulse.phase) * 0.16 * amp
    elif action in ("walk", "run", "ride"):
        speed, span = {"walk": (0.05, 0.35), "run": (0.12, 0.6), "ride": (0.09, 0.6)}[action]
        dx = span * math.sin(speed * pulse.t / span + index)
        bob = (0.012 if action == "walk" else 0.03) * abs(math.sin(math.pi * beats * 2)) * amp
    elif action == "float":
        bob = 0.07 + 0.04 * math.sin(pulse.t * 1.1 + index)
        dx = 0.03 * math.sin(pulse.t * 0.5 + index)
    elif action in ("sit", "lie", "play piano", "play drums", "drive", "read", "hug"):
        bob *= 0.3
        dx = 0.0
    return Motion(frame=frame, dx=dx, dy=-bob)
