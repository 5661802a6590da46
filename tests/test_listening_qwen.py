"""The Qwen2-Audio listener on a tiny random-weight Qwen2-Audio model built in the test."""

import json

import numpy as np
import pytest
import torch
from tiny_models import save_tiny_qwen2_audio

from tools.errors import GenerationFailedError, InvalidInputError
from tools.listening.qwen_listener import Qwen2AudioListener
from tools.llm.replies import REPAIR_TURNS
from tools.registry import BACKENDS, load_backend
from tools.types import Analysis

SR = 22050  # the song's rate; the listener resamples to the processor's 16 kHz
FRAMES_PER_SECOND = 100  # Whisper features: hop 160 at 16 kHz


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return save_tiny_qwen2_audio(tmp_path_factory.mktemp("tiny-qwen2-audio"))


@pytest.fixture
def listener(tiny_model):
    return Qwen2AudioListener(str(tiny_model), device="cpu", max_new_tokens=8)


def song(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    noise = np.random.default_rng(0).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * noise).astype(np.float32)


def analysis(bounds: list[float], labels: list[str]) -> Analysis:
    return {
        "path": "song.wav",
        "duration": bounds[-1],
        "tempo": 120.0,
        "beats": [],
        "downbeats": [],
        "sections": [
            {"start": a, "end": b, "label": label, "energy": 0.5}
            for a, b, label in zip(bounds, bounds[1:], labels, strict=False)
        ],
        "curve_hz": 10.0,
        "energy": [],
        "onset": [],
        "vocal": [],
        "features": {},
    }


def notes_json(numbers: list[int], k: int) -> str:
    return json.dumps(
        {
            "heard": f"part {k}: soft synth pads, a slow pulse",
            "words": "",
            "sections": [{"section": i, "note": f"note on section {i}"} for i in numbers],
        }
    )


def story_json(n: int) -> str:
    return json.dumps(
        {
            "title": "Night Swim",
            "logline": "A swimmer crosses a dark lake.",
            "text": "A swimmer crosses a dark lake under the stars.",
            "sections": [{"section": i, "scene": f"scene for section {i}"} for i in range(n)],
        }
    )


def spy_on_generate(listener, monkeypatch, replies: list[str] | None = None) -> list[dict]:
    """Record every call to the model's generate (prompt, audio frames) and let it run for
    real; then answer with the next scripted reply instead of its random tokens, if any."""
    network, tokenizer = listener.network, listener.processor.tokenizer
    real_generate = network.generate
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    calls: list[dict] = []

    def generate(**inputs):
        mask = inputs.get("feature_attention_mask")
        calls.append(
            {
                "prompt": tokenizer.decode(inputs["input_ids"][0]),
                "features": None if mask is None else tuple(inputs["input_features"].shape),
                "frames": None if mask is None else int(mask.sum()),
            }
        )
        output = real_generate(**inputs)
        if not replies:
            return output
        answer = tokenizer(replies.pop(0), return_tensors="pt")["input_ids"]
        return torch.cat([inputs["input_ids"], answer, torch.tensor([[end]])], dim=1)

    monkeypatch.setattr(network, "generate", generate)
    return calls


def test_a_70_s_song_is_heard_in_parts_within_the_30_s_window(listener, monkeypatch):
    song_analysis = analysis([0.0, 12.0, 50.0, 70.0], ["intro", "verse", "outro"])
    parts = [(0.0, 12.0), (12.0, 31.0), (31.0, 50.0), (50.0, 70.0)]  # the 38 s verse is cut
    inside = [[0], [1], [1], [2]]
    replies = [notes_json(numbers, k) for k, numbers in enumerate(inside)] + [story_json(3)]
    calls = spy_on_generate(listener, monkeypatch, replies)

    story = listener.listen(song(70.0), SR, song_analysis, request="a swimmer at night")

    assert listener.window == 30.0
    assert len(calls) == len(parts) + 1
    for call, (start, end), numbers in zip(calls, parts, inside, strict=False):
        assert call["features"] == (1, 128, 3000)  # always padded to the 30 s window
        assert call["frames"] == round((end - start) * FRAMES_PER_SECOND)
        assert f"song time {start:.1f}-{end:.1f} s" in call["prompt"]
        assert "Audio 1: <|audio_bos|><|AUDIO|>" in call["prompt"]
        for i in numbers:
            assert f"{i}. {song_analysis['sections'][i]['label']}:" in call["prompt"]
    merge = calls[-1]
    assert merge["features"] is None  # the story is written in a text-only turn
    assert (
        "Part 3 (31.0-50.0 s)" in merge["prompt"]
        and "section 1: note on section 1" in merge["prompt"]
    )
    assert story == {
        "source": f"qwen2-audio:{listener.model}",
        "title": "Night Swim",
        "logline": "A swimmer crosses a dark lake.",
        "text": "A swimmer crosses a dark lake under the stars.",
        "sections": ["scene for section 0", "scene for section 1", "scene for section 2"],
    }


def test_a_short_song_is_heard_whole_and_random_output_fails_after_bounded_repairs(
    listener, monkeypatch
):
    calls = spy_on_generate(listener, monkeypatch)
    song_analysis = analysis([0.0, 8.0, 20.0], ["verse", "chorus"])
    with pytest.raises(GenerationFailedError, match="gave no valid StoryReply"):
        listener.listen(song(20.0), SR, song_analysis, request="")
    assert len(calls) == 1 + REPAIR_TURNS
    assert all(call["frames"] == 20 * FRAMES_PER_SECOND for call in calls)
    assert "It must match this JSON schema" in calls[0]["prompt"]
    assert "That reply cannot be used" in calls[-1]["prompt"]


def test_no_sections_is_invalid_input(listener):
    with pytest.raises(InvalidInputError, match="no sections"):
        listener.listen(song(5.0), SR, analysis([0.0], []), request="")


def test_the_registry_loads_a_model_folder(tiny_model, monkeypatch):
    monkeypatch.setitem(
        BACKENDS["listener"], "qwen2-audio", "tools.listening.qwen_listener:Qwen2AudioListener"
    )
    listener = load_backend("listener", f"qwen2-audio:{tiny_model}", device="cpu")
    assert isinstance(listener, Qwen2AudioListener)
    assert listener.sr == 16000 and listener.device == "cpu"
