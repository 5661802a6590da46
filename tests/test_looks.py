"""Looks (image treatments) and music accents: every look draws a distinct picture, keeps
sizes, modes and alpha, is cheap per frame; accents fire on peaks and stay out of calm."""

import time
from itertools import combinations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.errors import InvalidInputError
from tools.shots import LOOKS
from tools.video.procedural.accents import Accents, names, shake
from tools.video.procedural.layers import Geometry, View
from tools.video.procedural.looks import LOOK_NAMES, Treatment, treatment
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import Palette, hex_rgb

SIZE = (320, 180)
PALETTE = Palette(*(hex_rgb(c) for c in ("#120d26", "#2b2157", "#5b4b8a", "#ff4f7b", "#ffd166")))


def pulse(**levels: float) -> Pulse:
    base = {"t": 1.0, "energy": 0.5, "onset": 0.1, "beat": 0.3, "down": 0.0, "count": 8,
            "phase": 0.3, "intensity": 0.5}  # fmt: skip
    return Pulse(**{**base, **levels})


def sky() -> Image.Image:
    """An opaque layer: a vertical gradient with a sun."""
    w, h = SIZE
    rows = np.linspace(0, 1, h)[:, None, None]
    top, bottom = np.array(PALETTE.dark), np.array(PALETTE.accent)
    art = np.broadcast_to(top + (bottom - top) * rows, (h, w, 3))
    image = Image.fromarray(art.astype(np.uint8)).convert("RGBA")
    ImageDraw.Draw(image).ellipse((230, 20, 280, 70), fill=PALETTE.highlight)
    return image


def shapes() -> Image.Image:
    """A see-through layer: buildings and a hill, empty above them."""
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 180), (0, 120), (120, 90), (200, 180)], fill=PALETTE.mid)
    for x, top in ((20, 70), (70, 100), (240, 80)):
        draw.rectangle((x, top, x + 40, 180), fill=PALETTE.deep)
        for y in range(top + 8, 170, 14):
            draw.rectangle((x + 8, y, x + 16, y + 6), fill=PALETTE.highlight)
    return image


def figure() -> Image.Image:
    """A figure-like sprite: head, body, arms and legs on transparency."""
    image = Image.new("RGBA", (60, 110), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 4, 40, 24), fill=(201, 139, 107))
    draw.rectangle((18, 26, 42, 64), fill=(209, 67, 47))
    draw.line((18, 30, 4, 8), fill=(209, 67, 47), width=6)
    draw.line((42, 30, 54, 56), fill=(209, 67, 47), width=6)
    draw.rectangle((20, 64, 28, 106), fill=(40, 30, 60))
    draw.rectangle((32, 64, 40, 106), fill=(40, 30, 60))
    return image


def treated(look: str, *, seed: int = 3, index: int = 2) -> Image.Image:
    t = treatment(look, palette=PALETTE, size=SIZE, seed=seed)
    frame = t.layer(sky())
    frame.alpha_composite(t.layer(shapes()))
    frame.alpha_composite(t.sprite(figure()), (140, 60))
    return t.frame(frame.convert("RGB"), pulse(), index).convert("RGB")


@pytest.fixture(scope="module")
def frames() -> dict[str, np.ndarray]:
    return {look: np.asarray(treated(look), np.int16) for look in LOOK_NAMES}


def test_every_look_of_the_vocabulary_is_treated():
    assert set(LOOK_NAMES) == set(LOOKS)
    with pytest.raises(InvalidInputError, match="unknown look"):
        treatment("sepia", palette=PALETTE, size=SIZE, seed=0)


def test_flat_is_the_art_as_drawn():
    t = treatment("flat", palette=PALETTE, size=SIZE, seed=0)
    assert type(t) is Treatment
    art = shapes()
    assert t.layer(art) is art and t.sprite(art) is art


def test_every_look_differs_from_flat_and_from_every_other(frames):
    differences = {
        (a, b): float(np.abs(frames[a] - frames[b]).mean()) for a, b in combinations(LOOK_NAMES, 2)
    }
    too_close = {pair: round(d, 1) for pair, d in differences.items() if d < 8.0}
    assert not too_close, too_close


def test_looks_keep_size_mode_and_alpha():
    for look in LOOK_NAMES:
        t = treatment(look, palette=PALETTE, size=SIZE, seed=1)
        base = t.layer(sky())
        assert base.size == SIZE and base.mode == "RGBA"
        assert base.getchannel("A").getextrema() == (255, 255), look  # opaque stays opaque
        for out, art, inside, outside in (
            (t.layer(shapes()), shapes(), (150, 170), (300, 10)),
            (t.sprite(figure()), figure(), (30, 40), (56, 100)),
        ):
            assert out.size == art.size and out.mode == "RGBA", look
            assert out.getpixel(inside)[3] == 255, look
            assert out.getpixel(outside)[3] == 0, look
        speck = Image.new("RGBA", (3, 2), (*PALETTE.accent, 255))
        assert t.sprite(speck).size == (3, 2), look  # tiny cut-outs do not break a look
        frame = t.frame(sky().convert("RGB"), pulse(), 5)
        assert frame.size == SIZE and frame.mode == t.mode, look
        assert t.mode == ("L" if look == "noir" else "RGB"), look


def test_looks_are_deterministic_for_a_seed():
    for look in LOOK_NAMES:
        assert treated(look, seed=4).tobytes() == treated(look, seed=4).tobytes(), look


def test_frame_cost_per_look_at_720p():
    """The per-frame part of every look stays within a few ms at 1280x720 (printed)."""
    size = (1280, 720)
    frame = sky().convert("RGB").resize(size)
    costs = {}
    for look in LOOK_NAMES:
        t = treatment(look, palette=PALETTE, size=size, seed=0)
        t.frame(frame.copy(), pulse(), 0)
        copies = [frame.copy() for _ in range(12)]
        start = time.process_time()  # CPU time: other processes on the machine do not count
        for i, image in enumerate(copies):
            t.frame(image, pulse(), i)
        costs[look] = (time.process_time() - start) / len(copies) * 1000
    print("frame CPU ms at 1280x720:", {k: round(v, 2) for k, v in costs.items()})
    assert costs["flat"] < 0.5
    assert max(costs.values()) < 12.0, costs  # ~2 ms on a quiet machine


def accents_frame(intensity: float, **levels: float) -> np.ndarray:
    g = Geometry(*SIZE)
    frame = Image.new("RGB", SIZE, PALETTE.deep)
    accents = Accents(g, PALETTE, intensity, 5)
    accents.draw(
        frame,
        ImageDraw.Draw(frame, "RGBA"),
        View(1.0, -g.mx, -g.my),
        pulse(intensity=intensity, **levels),
    )
    return np.asarray(frame, np.int16) - np.asarray(PALETTE.deep, np.int16)


def test_accents_flare_on_strong_onsets_of_intense_scenes():
    drawn = np.abs(accents_frame(0.9, onset=0.95, energy=0.9, beat=1.0, phase=0.2)).sum(axis=2)
    assert (drawn > 60).sum() > 200


def test_accents_burst_sparks_on_loud_downbeats():
    drawn = np.abs(accents_frame(0.9, onset=0.0, energy=0.9, down=0.6, beat=0.5)).sum(axis=2)
    assert (drawn > 60).sum() > 40


def test_accents_stay_out_of_calm_scenes_and_quiet_passages():
    calm = accents_frame(0.15, onset=0.95, energy=0.9, down=0.8, beat=1.0)
    quiet = accents_frame(0.9, onset=0.1, energy=0.2, down=0.8, beat=1.0)
    assert not calm.any() and not quiet.any()


def test_shake_on_strong_onsets_of_intense_scenes_only():
    dx, dy = shake(pulse(intensity=0.95, onset=1.0, energy=1.0, beat=1.0))
    assert 3.0 < (dx * dx + dy * dy) ** 0.5 <= 9.0
    assert shake(pulse(intensity=0.3, onset=1.0, energy=1.0, beat=1.0)) == (0.0, 0.0)
    assert shake(pulse(intensity=0.95, onset=0.2, energy=1.0, beat=1.0)) == (0.0, 0.0)


def test_accent_names_follow_the_scene_intensity():
    assert names(0.1) == []
    assert names(0.4) == ["onset flares"]
    assert names(0.9) == ["onset flares", "downbeat sparks", "shake"]
    assert Accents(Geometry(*SIZE), PALETTE, 0.55, 0).names() == names(0.55)
