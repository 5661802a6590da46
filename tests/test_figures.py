"""Figures: every action, expression and attached prop is drawn, and drawn distinctly; the music
moves them, a singer's mouth follows the voice and a sad figure moves less than a joyful one."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.shots import ACTIONS, EXPRESSIONS, PROPS
from tools.video.procedural.cast import Cast, Part, role
from tools.video.procedural.figures import Look, character_sheet, sprite
from tools.video.procedural.held import HELD, WORN
from tools.video.procedural.layers import Geometry, View
from tools.video.procedural.mounts import MOUNTS, PLAYED
from tools.video.procedural.music import Pulse
from tools.video.procedural.poses import Pose

SIZE = (320, 180)
MARA = {
    "id": "c1", "name": "Mara", "figure": "person", "description": "a woman with long hair",
    "colors": {"skin": "#c68c6a", "hair": "#2a1d1a", "outfit": "#d1432f", "accent": "#e8c547"},
}  # fmt: skip
THEO = {
    "id": "c2", "name": "Theo", "figure": "person", "description": "a man with short hair",
    "colors": {"skin": "#8d5a3b", "hair": "#111111", "outfit": "#2f5fa8", "accent": "#f0f0e0"},
}  # fmt: skip
MOUNTED = {
    "bicycle": "ride",
    "skateboard": "ride",
    "boat": "ride",
    "car": "drive",
    "piano": "play piano",
    "drums": "play drums",
}
ATTACHED = [*HELD, *WORN, *MOUNTS, *PLAYED]


def pulse(
    *,
    count: int = 2,
    phase: float = 0.5,
    energy: float = 0.7,
    vocal: float = 0.0,
    onset: float = 0.6,
    t: float | None = None,
) -> Pulse:
    return Pulse(
        t=(count + phase) * 0.5 if t is None else t,
        energy=energy,
        onset=onset,
        beat=float(np.exp(-phase * 4)),
        down=0.0,
        count=count,
        phase=phase,
        intensity=0.7,
        vocal=vocal,
    )


def cast_of(parts: list[Part], *, surface: str = "ground", treat=None) -> Cast:
    g = Geometry(*SIZE)
    return Cast(
        parts,
        geometry=g,
        floor=g.y(0.85),
        figure_height=0.5,
        surface=surface,
        shadow=(20, 20, 30),
        treat=treat,
    )


def shot(cast: Cast, at: Pulse | None = None) -> np.ndarray:
    g = Geometry(*SIZE)
    frame = Image.new("RGB", SIZE, (128, 140, 160))
    cast.draw(frame, ImageDraw.Draw(frame, "RGBA"), View(1.0, -g.mx, -g.my), at or pulse())
    return np.asarray(frame)


def changed(a: np.ndarray, b: np.ndarray) -> int:
    """How many pixels differ clearly between two frames."""
    return int((np.abs(a.astype(int) - b.astype(int)).max(axis=-1) > 40).sum())


def all_distinct(frames: dict[str, np.ndarray], threshold: int) -> None:
    """Every pair of frames differs in more than `threshold` pixels."""
    names = list(frames)
    stack = np.stack([frames[n] for n in names]).astype(np.int16)
    drawn = np.flatnonzero((stack != stack[:, :1, :1]).any(axis=(0, 1, 3)))  # columns drawn in
    stack = stack[:, :, drawn[0] : drawn[-1] + 1]
    for i, name in enumerate(names[:-1]):
        counts = (np.abs(stack[i + 1 :] - stack[i]).max(axis=-1) > 40).sum(axis=(1, 2))
        for other, count in zip(names[i + 1 :], counts, strict=True):
            assert count > threshold, (name, other)


def parts_doing(action: str, expression: str = "calm", props: tuple = ()) -> list[Part]:
    if action in ("hug", "hold hands"):
        return [Part(MARA, action, expression, props), Part(THEO, action, expression)]
    return [Part(MARA, action, expression, props)]


def test_every_action_draws_distinctly():
    all_distinct({a: shot(cast_of(parts_doing(a))) for a in ACTIONS}, 200)


def test_every_action_is_drawn_as_itself():
    for action in ACTIONS:
        cast = cast_of(parts_doing(action))
        assert [d["action"] for d in cast.drawn] == [action] * len(cast.drawn)
        assert cast.unmet == []


@pytest.mark.parametrize("figure", ["person", "astronaut", "robot"])
def test_every_expression_draws_a_different_face(figure):
    look = Look.of({**MARA, "figure": figure})
    heads = {}
    for expression in EXPRESSIONS:
        image, (fx, fy) = sprite(look, Pose(), expression=expression, height=160)
        heads[expression] = np.asarray(image.crop((fx - 24, fy - 160, fx + 24, fy - 124)))
    all_distinct(heads, 15)


def test_every_expression_carries_the_body_differently():
    all_distinct({e: shot(cast_of([Part(MARA, "stand", e)])) for e in EXPRESSIONS}, 300)


@pytest.mark.parametrize("prop", ATTACHED)
def test_every_attached_prop_changes_the_figure(prop):
    action = MOUNTED.get(prop, "stand")
    surface = "water" if prop == "boat" else "ground"
    bare = shot(cast_of([Part(MARA, "stand", "calm")]))  # (on water everyone is in a boat)
    cast = cast_of([Part(MARA, action, "calm", (prop,))], surface=surface)
    assert cast.props_drawn == [prop]
    assert cast.unmet == []
    assert changed(shot(cast), bare) > 150


def test_attached_props_differ_from_each_other():
    frames = {}
    for prop in ATTACHED:
        surface = "water" if prop == "boat" else "ground"
        frames[prop] = shot(
            cast_of([Part(MARA, MOUNTED.get(prop, "stand"), "calm", (prop,))], surface=surface)
        )
    all_distinct(frames, 100)


def test_every_vocabulary_prop_a_figure_carries_is_known():
    carried = {n for n, p in PROPS.items() if p.kind in ("held", "worn", "mount")}
    assert carried | set(PLAYED) == set(ATTACHED)


def test_a_singers_mouth_follows_the_voice():
    actor = cast_of([Part(MARA, "sing", "calm")]).actors[0]
    quiet, loud = pulse(vocal=0.0), pulse(vocal=1.0)
    assert (actor.mouth(quiet), actor.mouth(loud)) == (0, 2)
    assert actor.mouth(pulse(vocal=0.4)) == 1
    shut = np.asarray(actor.sprite(0, actor.mouth(quiet), 1.0)[0])
    wide = np.asarray(actor.sprite(0, actor.mouth(loud), 1.0)[0])
    assert shut.shape == wide.shape and changed(shut, wide) > 5
    assert cast_of([Part(MARA, "stand", "calm")]).actors[0].mouth(loud) == 0


def _travel(expression: str, action: str) -> float:
    actor = cast_of([Part(MARA, action, expression)]).actors[0]
    places = [actor.place(pulse(count=i // 8, phase=(i % 8) / 8)) for i in range(32)]
    xs, ys = np.array([p[1] for p in places]), np.array([p[2] for p in places])
    frames = len({p[0] for p in places})
    return float(np.ptp(xs) + np.ptp(ys)) * frames


@pytest.mark.parametrize("action", ["dance", "stand", "cheer", "sway"])
def test_a_sad_figure_moves_less_than_a_joyful_one(action):
    assert _travel("sad", action) < 0.5 * _travel("joyful", action)


@pytest.mark.parametrize("action", ["jump", "wave", "dance", "cheer"])
def test_a_sad_figure_never_jumps_or_waves(action):
    drawn = role(Part(MARA, action, "sad"), surface="ground", partnered=False)
    assert drawn.action not in ("jump", "wave", "dance", "cheer")
    assert drawn.unmet == ({"element": "action", "wanted": action, "drawn": drawn.action},)


def test_actions_move_with_the_music():
    actor = cast_of([Part(MARA, "play drums", "fierce")]).actors[0]
    assert actor.place(pulse(onset=0.0, phase=0.9))[0] == 0
    assert actor.place(pulse(onset=0.9, phase=0.0))[0] != 0
    jumper = cast_of([Part(MARA, "jump", "joyful")]).actors[0]
    assert jumper.place(pulse(phase=0.5))[2] < jumper.place(pulse(phase=0.0))[2]


def test_surfaces_draw_what_they_can_and_say_what_they_could_not():
    space = role(Part(MARA, "walk", "calm", ("bicycle",)), surface="space", partnered=False)
    assert space.action == "float" and space.props == ()
    assert {"element": "prop", "wanted": "bicycle", "drawn": ""} in space.unmet
    ground = role(Part(MARA, "ride", "calm", ("boat",)), surface="ground", partnered=False)
    assert ground.seat != "boat" and "boat" not in ground.props
    assert {"element": "action", "wanted": "ride", "drawn": ground.action} in ground.unmet
    water = role(Part(MARA, "fish", "calm"), surface="water", partnered=False)
    assert water.action == "fish" and water.seat == "boat"
    assert set(water.props) == {"fishing rod", "boat"}
    lone = role(Part(MARA, "hug", "tender"), surface="ground", partnered=False)
    assert lone.action != "hug" and lone.unmet


def test_partners_stand_together():
    apart = cast_of([Part(MARA, "stand", "calm"), Part(THEO, "stand", "calm")]).actors
    hugging = cast_of([Part(MARA, "hug", "tender"), Part(THEO, "hug", "tender")]).actors
    assert abs(hugging[0].x - hugging[1].x) < 0.5 * abs(apart[0].x - apart[1].x)


def test_same_parts_same_frames_and_sprites_are_made_once():
    made = []

    def treat(image: Image.Image) -> Image.Image:
        made.append(image.size)
        return image

    parts = [Part(MARA, "dance", "joyful", ("balloon",)), Part(THEO, "sing", "fierce")]
    one, other = cast_of(parts, treat=treat), cast_of(parts, treat=treat)
    beats = [pulse(count=i // 4, phase=(i % 4) / 4, vocal=(i % 3) / 2) for i in range(24)]
    assert all(np.array_equal(shot(one, p), shot(other, p)) for p in beats)
    assert 0 < len(made) <= 4 + 2 * 3  # dance frames + the singer's frames and mouths


def test_character_sheet_still_draws_the_standing_figure():
    sheet = character_sheet(MARA, size=(160, 160))
    assert sheet.size == (160, 160)
    assert (np.abs(np.asarray(sheet).astype(int) - 128).max(axis=-1) > 40).mean() > 0.05


def test_names_it_cannot_draw_are_recorded_with_their_substitutes():
    cast = cast_of([Part(MARA, "juggle", "smug", ("campfire", "coffee"))])
    assert cast.drawn == [{"character": "c1", "action": "stand", "expression": "calm"}]
    assert cast.props_drawn == ["coffee"]
    assert cast.unmet == [
        {"element": "expression", "wanted": "smug", "drawn": "calm"},
        {"element": "action", "wanted": "juggle", "drawn": "stand"},
        {"element": "prop", "wanted": "campfire", "drawn": ""},
    ]


def test_a_driver_takes_a_passenger_and_hands_hold_two_things_at_most():
    cast = cast_of([Part(MARA, "drive", "joyful"), Part(THEO, "drive", "calm")])
    assert cast.props_drawn == ["car"] and cast.unmet == []
    assert sorted(a.role.seat for a in cast.actors) == ["car", "passenger"]
    full = role(
        Part(MARA, "stand", "calm", ("phone", "coffee", "letter")),
        surface="ground",
        partnered=False,
    )
    assert full.props == ("phone", "coffee")
    assert full.unmet == ({"element": "prop", "wanted": "letter", "drawn": ""},)
