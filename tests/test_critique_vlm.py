"""The `vlm` critic against the fake OpenAI-compatible server: request, scores, errors."""

import base64
import io
import json
import logging

import numpy as np
import pytest
from fake_openai import CHAT, error_reply
from PIL import Image

from tools.critique.vlm import VLMCritic
from tools.errors import (
    BackendUnavailableError,
    GenerationFailedError,
    InvalidInputError,
    TransientBackendError,
)

CAST = [
    {"id": "c1", "name": "Mara", "figure": "person", "description": "a tall woman, red coat.",
     "colors": {"skin": "#c68642", "hair": "#222222", "outfit": "#d62828", "accent": "#ffd166"}},
    {"id": "c2", "name": "Ilo", "figure": "robot", "description": "a small round robot.",
     "colors": {"skin": "#8d99ae", "hair": "#8d99ae", "outfit": "#2b2d42", "accent": "#06d6a0"}},
]  # fmt: skip
PLAN = {
    "request": "",
    "title": "Night Walk",
    "story": "Mara and Ilo cross the city.",
    "writer": "template",
    "bible": {
        "medium": "flat vector animation",
        "palette": ["#0b132b", "#1c2541", "#3a506b", "#ff6b6b", "#f7fff7"],
        "lighting": "neon at night",
        "camera": "slow moves",
        "mood": "wistful",
        "text": "Flat vector animation, neon at night.",
    },
    "characters": CAST,
    "scenes": [],
}


def scene(*characters: str) -> dict:
    prompt = "Mara walks a rooftop in the rain. Style: flat vector animation."
    return {"id": "s03", "characters": list(characters), "prompt": prompt}


def verdict(style: int = 5, character: int = 5, prompt: int = 4) -> str:
    return json.dumps(
        {
            "style": {"reason": "same flat neon look", "score": style},
            "character": {"reason": "Mara's coat turned blue", "score": character},
            "prompt": {"reason": "a rooftop in the rain", "score": prompt},
        }
    )


@pytest.fixture
def anchors(tmp_path) -> dict:
    paths = {}
    for name, colour in (("style", "#3a506b"), ("c1", "#d62828"), ("c2", "#2b2d42")):
        paths[name] = str(tmp_path / f"{name}.png")
        Image.new("RGB", (1024, 576), colour).save(paths[name])
    return {"style": paths["style"], "characters": {"c1": paths["c1"], "c2": paths["c2"]}}


def clip(count: int = 6, size: tuple[int, int] = (64, 36)) -> list[np.ndarray]:
    """Frames of flat grey, frame i at level 40 * i, so the chosen ones can be told apart."""
    return [np.full((size[1], size[0], 3), 40 * i, np.uint8) for i in range(count)]


def parts(body: dict) -> list[dict]:
    return body["messages"][1]["content"]


def decoded(part: dict) -> Image.Image:
    header, data = part["image_url"]["url"].split(",", 1)
    assert header == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(base64.b64decode(data)))


def test_request_labels_anchors_then_evenly_chosen_frames_and_asks_for_the_schema(
    fake_openai,
    anchors,
):
    fake_openai.enqueue(CHAT, verdict())
    VLMCritic(frames=3).score(
        clip(6, size=(1024, 576)), scene=scene("c1", "c2"), plan=PLAN, anchors=anchors
    )

    (body,) = fake_openai.bodies()
    assert body["model"] == "gpt-4.1-mini"
    schema = body["response_format"]["json_schema"]
    assert schema["name"] == "ClipVerdict" and schema["strict"] is True
    assert set(schema["schema"]["required"]) == {"style", "character", "prompt"}
    assert body["messages"][0]["role"] == "system" and "1 to 5" in body["messages"][0]["content"]
    content = parts(body)
    text = content[0]["text"]
    assert "Mara walks a rooftop" in text and "neon at night" in text
    assert "c1 'Mara': a tall woman, red coat." in text and "outfit #d62828" in text
    images = [p for p in content if p["type"] == "image_url"]
    labels = [p["text"] for p in content[1:] if p["type"] == "text"]
    assert len(images) == 6  # style + two sheets + three frames
    assert labels == [
        "Image 1: the style reference",
        "Image 2: character c1 'Mara' sheet",
        "Image 3: character c2 'Ilo' sheet",
        "Image 4: clip frame 1 of 3",
        "Image 5: clip frame 2 of 3",
        "Image 6: clip frame 3 of 3",
    ]
    assert [p["type"] for p in content[1:]] == ["text", "image_url"] * 6  # each after its label
    assert all(decoded(image).size == (512, 288) for image in images)  # longest side 512
    levels = [int(np.asarray(decoded(image)).mean().round()) for image in images[3:]]
    assert levels == pytest.approx([0, 80, 200], abs=2)  # frames 0, 2 and 5 of 6


def test_a_scene_without_characters_sends_only_the_style_anchor(fake_openai, anchors):
    fake_openai.enqueue(CHAT, verdict(style=4, character=3))
    scores = VLMCritic(frames=3).score(clip(2), scene=scene(), plan=PLAN, anchors=anchors)

    content = parts(fake_openai.bodies()[0])
    assert len([p for p in content if p["type"] == "image_url"]) == 1 + 2  # fewer frames than 3
    assert "Characters in this scene:\nnone" in content[0]["text"]
    assert [p["text"] for p in content[1:] if p["type"] == "text"][0] == (
        "Image 1: the style reference"
    )
    assert decoded(content[-1]).size == (64, 36)  # small frames are not enlarged
    assert scores["character"] == 1.0  # nobody to compare: the model's answer is not used
    assert scores["overall"] == 0.75


def test_scores_convert_to_unit_range_and_reasons_are_logged(fake_openai, anchors, caplog):
    fake_openai.enqueue(CHAT, verdict(style=5, character=4, prompt=2))
    with caplog.at_level(logging.INFO, logger="tools.critique.vlm"):
        scores = VLMCritic().score(clip(), scene=scene("c1"), plan=PLAN, anchors=anchors)

    assert scores == {"style": 1.0, "character": 0.75, "prompt": 0.25, "overall": 0.75}
    assert all(isinstance(value, float) for value in scores.values())
    assert "vlm:gpt-4.1-mini s03" in caplog.text and "Mara's coat turned blue" in caplog.text


@pytest.mark.parametrize(
    ("style", "character", "passes"),
    [(5, 2, False), (2, 5, False), (3, 3, True), (5, 1, False)],
)
def test_the_default_threshold_is_a_three_on_style_and_character(
    fake_openai,
    anchors,
    style,
    character,
    passes,
):
    fake_openai.enqueue(CHAT, verdict(style=style, character=character, prompt=1))
    critic = VLMCritic()
    scores = critic.score(clip(), scene=scene("c1"), plan=PLAN, anchors=anchors)
    assert critic.threshold == 0.5
    assert (scores["overall"] >= critic.threshold) is passes


def test_invalid_json_is_repaired(fake_openai, anchors):
    fake_openai.enqueue(CHAT, "The clip looks fine to me.")
    fake_openai.enqueue(CHAT, verdict(style=4, character=4))
    scores = VLMCritic().score(clip(), scene=scene("c1"), plan=PLAN, anchors=anchors)

    assert scores["overall"] == 0.75
    first, second = fake_openai.bodies()
    assert second["messages"][-1]["role"] == "user"
    assert "cannot be used" in second["messages"][-1]["content"]


def test_unrepairable_replies_fail_the_generation(fake_openai, anchors):
    for score in (0, 6, 9):
        fake_openai.enqueue(CHAT, verdict(character=score))
    with pytest.raises(GenerationFailedError, match="no valid ClipVerdict in 3 tries"):
        VLMCritic().score(clip(), scene=scene("c1"), plan=PLAN, anchors=anchors)


def test_a_rejected_key_is_backend_unavailable(fake_openai, anchors):
    fake_openai.enqueue(CHAT, error_reply(401, "Incorrect API key provided"))
    with pytest.raises(BackendUnavailableError, match="API key was rejected"):
        VLMCritic().score(clip(), scene=scene("c1"), plan=PLAN, anchors=anchors)


def test_a_rate_limit_is_transient(fake_openai, anchors):
    fake_openai.enqueue(CHAT, error_reply(429, "Rate limit reached"))
    with pytest.raises(TransientBackendError, match="HTTP 429"):
        VLMCritic(max_retries=0).score(clip(), scene=scene("c1"), plan=PLAN, anchors=anchors)


def test_a_character_without_a_sheet_is_refused_before_any_request(fake_openai, anchors):
    del anchors["characters"]["c2"]
    with pytest.raises(InvalidInputError, match="c2 but there is no character sheet"):
        VLMCritic().score(clip(), scene=scene("c1", "c2"), plan=PLAN, anchors=anchors)
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    ("options", "message"),
    [({"threshold": 1.5}, "between 0 and 1"), ({"frames": 0}, "at least one frame")],
)
def test_bad_options_are_invalid_input(options, message):
    with pytest.raises(InvalidInputError, match=message):
        VLMCritic(**options)


def test_the_threshold_can_be_set(fake_openai):
    assert VLMCritic(threshold=0.75).threshold == 0.75
