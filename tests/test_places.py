"""Every place, time of day, weather and view draws something distinct.

Stills are rendered small through the builders the way the renderer composites them (the
backdrop's base, layers blitted, effects drawn, then the screen effects) and compared as
64x36 thumbnails by their mean absolute difference per channel (0..255). Two renders of the
same scene differ by 0; thin screen effects (wind's leaves and streaks) move the mean by about
1, a recoloured sky or another layout by 5 to 50. Each threshold sits under the smallest
difference measured for its kind and well over zero.
"""

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.shots import PLACES as PLACE_NAMES
from tools.shots import TIMES, WEATHERS
from tools.video.procedural.layers import Geometry, Layer, View
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import Palette
from tools.video.procedural.places import PLACES
from tools.video.procedural.scenery import Ctx

SIZE = (192, 108)
PALETTE = Palette.from_bible({"palette": ["#14122b", "#3b2f5c", "#7d6fa8", "#e0607e", "#ffd6a5"]})
PULSE = Pulse(t=1.3, energy=0.6, onset=0.3, beat=0.5, down=0.9, count=5, phase=0.3, intensity=0.6)
# smallest measured (palette above, day, view 0): places 17.5 (sea/island), times 4.5 (room
# dusk/night), weathers 1.7 (wind on the beach: thin leaves and streaks; rain, snow, fog and
# storm move 6 or more), views 5.9 (underwater 0/1)
PLACE_GAP, TIME_GAP, WEATHER_GAP, VIEW_GAP = 8.0, 3.0, 1.0, 4.0


def still(place: str, *, time: str = "day", weather: str = "clear", view: int = 0) -> np.ndarray:
    g = Geometry(*SIZE)
    rng, vary = np.random.default_rng(1), np.random.default_rng(2)
    ctx = Ctx(g, PALETTE, rng, vary, time, 3, place=place, weather=weather, view=view)
    scenery = PLACES[place](ctx)
    base, *rest = [*scenery.back, *scenery.front]
    assert isinstance(base, Layer) and base.opaque
    view_ = View(1.0, -g.mx, -g.my)
    frame = base.base(view_, SIZE)
    draw = ImageDraw.Draw(frame, "RGBA")
    for item in [*rest, *scenery.air]:
        if isinstance(item, Layer):
            item.blit(frame, view_)
        else:
            item.draw(frame, draw, view_, PULSE)
    return np.asarray(frame.resize((64, 36), Image.BOX), dtype=np.float32)


def gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def test_every_named_place_has_a_builder():
    assert set(PLACES) == {*PLACE_NAMES, "abstract"}


def test_places_differ_from_each_other():
    stills = {name: still(name) for name in PLACES}
    close = [
        (a, b, round(gap(stills[a], stills[b]), 1))
        for a, b in itertools.combinations(stills, 2)
        if gap(stills[a], stills[b]) < PLACE_GAP
    ]
    assert close == []


@pytest.mark.parametrize("place", ["lake", "street", "forest", "room", "space", "train"])
def test_times_of_day_differ(place):
    stills = {time: still(place, time=time) for time in TIMES}
    close = [
        (a, b) for a, b in itertools.combinations(TIMES, 2) if gap(stills[a], stills[b]) < TIME_GAP
    ]
    assert close == []


@pytest.mark.parametrize("place", ["meadow", "street", "beach", "mountains", "cafe"])
def test_weathers_differ_from_clear(place):
    clear = still(place)
    same = [
        w for w in WEATHERS if w != "clear" and gap(still(place, weather=w), clear) < WEATHER_GAP
    ]
    if place == "cafe":  # indoors the wind does not show
        same = [w for w in same if w != "wind"]
    assert same == []


def test_views_of_a_place_differ():
    close = []
    for place in PLACES:
        if place == "abstract":
            continue
        views = [still(place, view=v) for v in range(3)]
        close += [
            (place, a, b)
            for a, b in itertools.combinations(range(3), 2)
            if gap(views[a], views[b]) < VIEW_GAP
        ]
    assert close == []


@pytest.mark.parametrize(
    ("place", "view", "surface"),
    [("sea", 0, "water"), ("sea", 1, "floor"), ("lake", 1, "water"), ("room", 0, "floor"),
     ("space", 0, "ground"), ("space", 1, "space"), ("meadow", 0, "ground")],
)  # fmt: skip
def test_surface_says_what_the_floor_is(place, view, surface):
    g = Geometry(*SIZE)
    ctx = Ctx(g, PALETTE, np.random.default_rng(1), np.random.default_rng(2), "day", 3,
              place=place, view=view)  # fmt: skip
    assert PLACES[place](ctx).surface == surface


def test_a_still_is_deterministic():
    assert gap(still("beach", weather="rain"), still("beach", weather="rain")) == 0.0
