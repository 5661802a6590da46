"""Scene props: every name of the vocabulary draws something of its own, animated ones move with
the music, and props stand clear of the characters and of each other."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.shots import PROPS
from tools.video.procedural.layers import Geometry, Layer, View
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import Palette, hex_rgb
from tools.video.procedural.prop_art import ART, paint
from tools.video.procedural.prop_pen import Colors
from tools.video.procedural.props import scene_props
from tools.video.procedural.scenery import Ctx

SIZE = (320, 180)
FLOOR = 0.86
FIGURE = 0.45
PALETTE = Palette(*(hex_rgb(h) for h in ("#1b1a2e", "#3a3560", "#7d8bb5", "#e0607e", "#f5d6a0")))
ANIMATED = ["lantern", "candle", "phone", "balloon", "kite", "coffee", "boat", "drums",
            "campfire", "street lamp", "dog", "cat", "birds", "fireworks"]  # fmt: skip


def pulse(t: float = 0.4, *, count: int = 4, energy=0.5, onset=0.0, beat=0.0, down=0.0) -> Pulse:
    return Pulse(t=t, energy=energy, onset=onset, beat=beat, down=down, count=count, phase=0.3,
                 intensity=0.5)  # fmt: skip


def base() -> Image.Image:
    image = Image.new("RGB", SIZE, (122, 160, 200))
    ImageDraw.Draw(image).rectangle((0, round(SIZE[1] * FLOOR), *SIZE), fill=(80, 120, 70))
    return image


def build(names: list[str], *, taken=(), surface="ground", time="day", seed=3) -> tuple:
    g = Geometry(*SIZE)
    rng, vary = np.random.default_rng(1), np.random.default_rng([seed, 1])
    c = Ctx(g, PALETTE, rng, vary, time, seed, place="meadow")
    return scene_props(
        names, c, floor=g.y(FLOOR), figure_height=FIGURE, taken=list(taken), surface=surface
    )


def render(items: list, at: Pulse) -> np.ndarray:
    g = Geometry(*SIZE)
    frame = base()
    draw = ImageDraw.Draw(frame, "RGBA")
    view = View(1.0, -g.mx, -g.my)  # the camera at rest
    for item in items:
        if isinstance(item, Layer):
            item.blit(frame, view)
        else:
            item.draw(frame, draw, view, at)
    return np.asarray(frame, dtype=np.int16)


def frame_of(name: str, at: Pulse | None = None, **options) -> np.ndarray:
    behind, front, drawn = build([name], **options)
    assert drawn == [name]
    return render([*behind, *front], at or pulse())


@pytest.fixture(scope="module")
def frames() -> dict[str, np.ndarray]:
    return {name: frame_of(name) for name in PROPS}


def test_every_prop_draws_something(frames):
    empty = np.asarray(base(), dtype=np.int16)
    for name, frame in frames.items():
        changed = (np.abs(frame - empty).sum(axis=2) > 30).mean()
        assert changed > 0.002, f"{name} changes only {changed:.4f} of the frame"


def test_every_prop_looks_different_from_every_other(frames):
    empty = np.asarray(base(), dtype=np.int16)
    names = list(frames)
    # what each prop adds to the frame, shrunk to a thumbnail
    thumbs = {
        n: np.asarray(
            Image.fromarray(np.abs(frames[n] - empty).clip(0, 255).astype(np.uint8)).resize(
                (160, 90), Image.BILINEAR
            ),
            dtype=np.float32,
        )
        for n in names
    }
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            either = (thumbs[a].sum(axis=2) > 30) | (thumbs[b].sum(axis=2) > 30)
            differs = (np.abs(thumbs[a] - thumbs[b]).sum(axis=2)[either] > 40).mean()
            assert differs > 0.5, f"{a} and {b} look alike ({differs:.2f} of them differ)"


def test_every_drawing_stays_within_the_footprint_it_is_placed_by():
    colors = Colors.of(PALETTE, "day")
    for name, art in ART.items():
        image, (bx, _) = paint(name, 100, colors)
        left, right = -bx / 100, (image.width - bx) / 100
        assert left >= art.box[0] - 0.03 and right <= art.box[2] + 0.03, (name, left, right)


@pytest.mark.parametrize("name", ANIMATED)
def test_animated_props_move_with_the_music(name):
    behind, front, _ = build([name], surface="water" if name == "boat" else "ground")
    items = [*behind, *front]
    quiet = render(items, pulse(t=0.4))
    loud = render(items, pulse(t=0.75, beat=1.0, onset=1.0, down=1.0, energy=0.9, count=7))
    moved = (np.abs(quiet - loud).sum(axis=2) > 12).sum()
    assert moved > 12, f"{name} does not move ({moved} pixels change)"


def test_drawing_is_deterministic():
    names = ["fireworks", "birds", "dog", "kite"]
    first, second = build(names), build(names)
    at = pulse(t=1.3, beat=0.5, down=0.4)
    assert np.array_equal(render([*first[0], *first[1]], at), render([*second[0], *second[1]], at))


def test_props_stay_clear_of_the_characters_and_each_other():
    taken = [0.36, 0.64]
    behind, front, drawn = build(["bench", "bicycle", "suitcase", "dog"], taken=taken)
    assert sorted(drawn) == ["bench", "bicycle", "dog", "suitcase"]
    changed = (np.abs(render([*behind, *front], pulse()) - np.asarray(base(), np.int16))).sum(
        axis=2
    ) > 30
    columns = changed.any(axis=0)
    half = 0.2 * FIGURE * SIZE[1]
    for fx in taken:
        x = fx * SIZE[0]
        assert not columns[round(x - half) : round(x + half)].any(), "a prop covers a character"
    runs = np.flatnonzero(np.diff(np.concatenate([[0], columns.view(np.int8), [0]])) == 1)
    assert len(runs) == 4, "props touch each other"


def test_a_boat_floats_on_water_and_is_pulled_up_on_land():
    on_water = frame_of("boat", surface="water")
    on_land = frame_of("boat", surface="ground")
    assert (np.abs(on_water - on_land).sum(axis=2) > 30).sum() > 200


def test_sky_props_are_high_and_ground_props_low():
    empty = np.asarray(base(), dtype=np.int16)
    for name, low in (("fireworks", False), ("birds", False), ("bench", True)):
        rows = np.flatnonzero(
            (np.abs(frame_of(name, pulse(t=0.5)) - empty).sum(axis=2) > 30).any(1)
        )
        assert (rows.mean() > SIZE[1] * 0.5) == low, name


def test_unknown_names_and_repeats_are_skipped():
    behind, front, drawn = build(["bench", "unicorn", "bench"])
    assert drawn == ["bench"]
    assert len(behind) + len(front) == 1


def test_props_that_do_not_fit_are_left_out():
    crowd = [i / 10 for i in range(1, 10)]
    _, _, drawn = build(["car", "birds"], taken=crowd)
    assert drawn == ["birds"]
