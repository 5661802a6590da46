"""Embedding critics (CLIP, SigLIP, DINOv2) on tiny random-weight checkpoints, and calibration."""

import numpy as np
import pytest
from PIL import Image
from tiny_models import save_tiny_clip, save_tiny_dinov2, save_tiny_siglip

from tools.critique.embeddings import (
    ClipCritic,
    CosineScale,
    Dinov2Critic,
    EmbeddingCritic,
    SiglipCritic,
    calibrate,
    square_tiles,
)
from tools.errors import BackendUnavailableError, InvalidInputError

pytest.importorskip("torch")
pytest.importorskip("transformers")

# the registry lines this module adds
CRITIC_ENTRIES = {
    "clip": "tools.critique.embeddings:ClipCritic",
    "siglip": "tools.critique.embeddings:SiglipCritic",
    "dinov2": "tools.critique.embeddings:Dinov2Critic",
}


CRITICS = {"clip": ClipCritic, "siglip": SiglipCritic, "dinov2": Dinov2Critic}
BUILDERS = {"clip": save_tiny_clip, "siglip": save_tiny_siglip, "dinov2": save_tiny_dinov2}


@pytest.fixture(scope="module", params=sorted(CRITICS))
def critic(request, tmp_path_factory) -> EmbeddingCritic:
    folder = tmp_path_factory.mktemp(f"tiny_{request.param}")
    BUILDERS[request.param](folder)
    return CRITICS[request.param](model=str(folder), device="cpu")


def gradient() -> np.ndarray:
    ramp = np.linspace(0, 255, 48, dtype=np.float32)
    image = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], 128.0), axis=-1)
    return image.astype(np.uint8)


def noise() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (48, 48, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def anchors(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("anchors")
    Image.fromarray(gradient()).save(folder / "style.png")
    Image.fromarray(255 - gradient()).save(folder / "c1.png")
    return {"style": str(folder / "style.png"), "characters": {"c1": str(folder / "c1.png")}}


def scene(characters: list[str]) -> dict:
    return {
        "id": "s01",
        "prompt": "a lone singer on a rainy rooftop at night",
        "characters": characters,
    }


def test_scores_have_the_documented_keys(critic, anchors):
    scores = critic.score([gradient(), noise()], scene=scene(["c1"]), plan={}, anchors=anchors)
    expected = {"style", "character", "overall"} | ({"prompt"} if critic.has_text else set())
    assert set(scores) == expected
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    parts = [v for k, v in scores.items() if k != "overall"]
    assert scores["overall"] == pytest.approx(np.mean(parts))


def test_no_character_on_screen_means_no_character_score(critic, anchors):
    scores = critic.score([gradient()], scene=scene([]), plan={}, anchors=anchors)
    assert "character" not in scores


def test_the_anchor_itself_scores_higher_than_a_different_picture(critic, anchors):
    same = critic.score([gradient()], scene=scene(["c1"]), plan={}, anchors=anchors)
    other = critic.score([noise()], scene=scene(["c1"]), plan={}, anchors=anchors)
    assert same["style"] > other["style"]
    sheet = critic.score([255 - gradient()], scene=scene(["c1"]), plan={}, anchors=anchors)
    assert sheet["character"] > other["character"]


def test_scores_are_deterministic(critic, anchors):
    frames = [gradient(), noise()]
    first = critic.score(frames, scene=scene(["c1"]), plan={}, anchors=anchors)
    assert critic.score(frames, scene=scene(["c1"]), plan={}, anchors=anchors) == first


def test_bad_input_is_reported(critic, anchors):
    with pytest.raises(InvalidInputError, match="no frames"):
        critic.score([], scene=scene([]), plan={}, anchors=anchors)
    with pytest.raises(InvalidInputError, match="uint8"):
        critic.score([gradient()[..., 0]], scene=scene([]), plan={}, anchors=anchors)
    with pytest.raises(InvalidInputError, match="c2"):
        critic.score([gradient()], scene=scene(["c2"]), plan={}, anchors=anchors)
    with pytest.raises(InvalidInputError, match="does not exist"):
        critic.score([gradient()], scene=scene([]), plan={}, anchors={"style": "/no/such.png"})


def test_loads_through_the_registry(monkeypatch, tmp_path):
    from tools import registry

    save_tiny_dinov2(tmp_path)
    monkeypatch.setitem(
        registry.BACKENDS, "critic", {**registry.BACKENDS["critic"], **CRITIC_ENTRIES}
    )
    registry.load_backend.cache_clear()
    try:
        backend = registry.load_backend("critic", f"dinov2:{tmp_path}", device="cpu")
        assert isinstance(backend, Dinov2Critic)
        assert backend.name == "dinov2"
        assert backend.threshold == Dinov2Critic.default_threshold
    finally:
        registry.load_backend.cache_clear()


def test_missing_model_is_backend_unavailable(tmp_path):
    with pytest.raises(BackendUnavailableError):
        ClipCritic(model=str(tmp_path / "no-such-model"), device="cpu")
    with pytest.raises(BackendUnavailableError, match="not available locally"):
        Dinov2Critic(device="cpu")  # facebook/dinov2-small is not cached here


def test_cosine_scale_is_logistic_between_its_references():
    scale = CosineScale(unrelated=0.5, faithful=0.9)
    assert scale(0.5) == pytest.approx(0.1)
    assert scale(0.7) == pytest.approx(0.5)
    assert scale(0.9) == pytest.approx(0.9)
    assert 0.0 < scale(-1.0) < scale(0.0) < scale(1.0) < 1.0


def test_calibrate_splits_separated_scores():
    threshold = calibrate([0.7, 0.8, 0.9, 0.75], [0.2, 0.3, 0.45])
    assert 0.45 < threshold < 0.7
    assert threshold == pytest.approx(0.575)


def test_calibrate_maximises_youden_j_on_overlapping_scores():
    consistent, drifted = [0.5, 0.6, 0.7, 0.8, 0.9], [0.1, 0.2, 0.3, 0.55, 0.65]
    threshold = calibrate(consistent, drifted)
    passed = np.mean(np.array(consistent) >= threshold) - np.mean(np.array(drifted) >= threshold)
    assert passed == pytest.approx(0.6)  # the best J any threshold reaches here
    assert 0.3 < threshold < 0.7


def test_calibrate_needs_two_groups_that_differ():
    with pytest.raises(InvalidInputError):
        calibrate([], [0.1])
    with pytest.raises(InvalidInputError):
        calibrate([0.5], [0.5])


def test_a_threshold_outside_0_to_1_is_refused_before_a_model_loads(tmp_path):
    with pytest.raises(InvalidInputError, match="between 0 and 1"):
        ClipCritic(str(tmp_path / "no-model"), threshold=1.5)


def test_square_tiles_cover_a_wide_frame_edge_to_edge():
    tiles = square_tiles(Image.new("RGB", (1280, 720)))
    assert [t.size for t in tiles] == [(720, 720), (720, 720)]
    assert square_tiles(Image.new("RGB", (48, 48)))[0].size == (48, 48)
    tall = square_tiles(Image.new("RGB", (100, 250)))
    assert len(tall) == 3 and all(t.size == (100, 100) for t in tall)


def test_the_sides_of_a_16_9_frame_are_seen(critic):
    """Two 16:9 frames that differ only in their left fifth (outside a centre crop)."""
    rng = np.random.default_rng(2)
    middle = rng.integers(0, 256, (36, 64, 3), dtype=np.uint8)
    left, right = middle.copy(), middle.copy()
    left[:, :12] = (255, 0, 0)
    right[:, :12] = (0, 0, 255)
    a, b = critic.embed_images([Image.fromarray(left), Image.fromarray(right)])
    assert float(a @ b) < 0.9999
