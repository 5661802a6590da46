"""The local transformers writer on a tiny random-weight Qwen2 chat model built in the test."""

import json
import sys

import pytest
import torch
from analyses import make_analysis
from tiny_models import save_tiny_qwen_lm

from tools.errors import BackendUnavailableError, GenerationFailedError
from tools.llm.replies import REPAIR_TURNS
from tools.registry import BACKENDS, load_backend
from tools.writing.transformers_writer import TransformersWriter

LABELS = ("intro", "verse", "chorus")
REQUEST = "a lonely astronaut in a neon city"


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    return save_tiny_qwen_lm(tmp_path_factory.mktemp("tiny-qwen2"))


@pytest.fixture
def writer(tiny_lm):
    return TransformersWriter(str(tiny_lm), device="cpu", max_new_tokens=12)


def script_reply(n: int) -> dict:
    """A valid ScriptReply for n sections."""
    return {
        "title": "Neon Tide",
        "story": "An astronaut crosses a sleeping city and reaches the sea at dawn.",
        "bible": {
            "medium": "flat vector animation with soft paper grain",
            "palette": [
                {"hex": "#0f1a2b", "name": "midnight blue"},
                {"hex": "#243b55", "name": "slate blue"},
                {"hex": "#5b7083", "name": "rain grey"},
                {"hex": "#d9a441", "name": "lamplight amber"},
                {"hex": "#e8eef2", "name": "mist white"},
            ],
            "lighting": "wet neon reflections",
            "camera": "slow, floating moves",
            "mood": "melancholic",
            "look": "neon",
        },
        "characters": [
            {
                "id": "c1",
                "name": "Ada",
                "figure": "astronaut",
                "description": "a small astronaut in a scuffed red suit with a gold visor",
                "colors": {
                    "skin": "#c68642",
                    "hair": "#1b1b1b",
                    "outfit": "#e63946",
                    "accent": "#2ec4b6",
                },
            }
        ],
        "sections": [
            {
                "section": i,
                "shot": {
                    "setting": {"place": "rooftop", "time": "night", "weather": "rain"},
                    "view": i,
                    "subjects": [{"character": "c1", "action": "look down", "expression": "sad"}],
                    "props": ["umbrella"],
                    "camera": {"framing": "wide", "move": "slow push-in"},
                    "lighting": "wet neon reflections",
                    "mood": "melancholic",
                    "description": "Ada walks to the edge and looks down at the traffic.",
                },
                "performance": None,
                "caption": "Neon Tide" if i == 0 else None,
            }
            for i in range(n)
        ],
    }


def script_answers(writer, monkeypatch, replies: list[str]) -> list[str]:
    """Make the writer's model answer with `replies` in turn; returns the prompts it gets."""
    tokenizer = writer.chat.tokenizer
    prompts: list[str] = []
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")

    def generate(*, input_ids, max_new_tokens, **options):
        prompts.append(tokenizer.decode(input_ids[0]))
        answer = tokenizer(replies.pop(0), return_tensors="pt")["input_ids"]
        return torch.cat([input_ids, answer, torch.tensor([[end]])], dim=1)

    monkeypatch.setattr(writer.chat.network, "generate", generate)
    return prompts


def test_random_model_runs_end_to_end_then_gives_up_after_bounded_repairs(writer, monkeypatch):
    network, tokenizer = writer.chat.network, writer.chat.tokenizer
    real_generate = network.generate
    calls = []

    def spy(**inputs):
        calls.append(tokenizer.decode(inputs["input_ids"][0]))
        output = real_generate(**inputs)
        calls.append(tokenizer.decode(output[0, inputs["input_ids"].shape[1] :]))
        return output

    monkeypatch.setattr(network, "generate", spy)
    tries = 1 + REPAIR_TURNS
    with pytest.raises(GenerationFailedError, match=f"gave no valid ScriptReply in {tries}"):
        writer.write(analysis=make_analysis(labels=LABELS), tags=None, story=None, request=REQUEST)
    prompts, answers = calls[::2], calls[1::2]
    assert len(prompts) == tries
    first = prompts[0]
    assert first.startswith("<|im_start|>system\nYou are the director")
    assert "It must match this JSON schema" in first and '"ScriptReply"' in first
    assert "0. intro: 0.0-8.0 s" in first and "2. chorus: 16.0-24.0 s" in first
    assert REQUEST in first and first.endswith("<|im_start|>assistant\n")
    for k, prompt in enumerate(prompts[1:], start=1):
        assert prompt.startswith(first.removesuffix("<|im_start|>assistant\n"))
        assert prompt.count("That reply cannot be used") == k
        assert answers[k - 1] in prompt  # the invalid reply is quoted back as the assistant turn


def test_valid_json_becomes_a_script(writer, monkeypatch):
    reply = "```json\n" + json.dumps(script_reply(len(LABELS))) + "\n```"
    prompts = script_answers(writer, monkeypatch, [reply])
    script = writer.write(
        analysis=make_analysis(labels=LABELS), tags=None, story=None, request=REQUEST
    )
    assert len(prompts) == 1
    assert script["writer"] == f"transformers:{writer.chat.model}"
    assert script["title"] == "Neon Tide"
    assert [c["id"] for c in script["characters"]] == ["c1"]
    assert len(script["sections"]) == len(LABELS)
    assert script["sections"][0]["caption"] == "Neon Tide"
    assert "caption" not in script["sections"][1]
    assert script["bible"]["palette"][0] == "#0f1a2b"
    assert script["bible"]["text"].startswith("Flat vector animation")
    assert script["bible"]["look"] == "neon"
    shot = script["sections"][1]["shot"]
    assert shot["kind"] == "story" and shot["view"] == 1
    assert shot["setting"] == {"place": "rooftop", "time": "night", "weather": "rain"}
    assert shot["subjects"] == [{"character": "c1", "action": "look down", "expression": "sad"}]
    assert script["sections"][1]["action"] == shot["description"]


def test_a_reply_with_problems_is_repaired(writer, monkeypatch):
    wrong = script_reply(len(LABELS) - 1)  # one section short
    replies = [json.dumps(wrong), json.dumps(script_reply(len(LABELS)))]
    prompts = script_answers(writer, monkeypatch, replies)
    script = writer.write(analysis=make_analysis(labels=LABELS), tags=None, story=None, request="")
    assert len(script["sections"]) == len(LABELS)
    assert len(prompts) == 2
    assert "That reply cannot be used" in prompts[1] and "sections" in prompts[1]


def test_a_reply_cut_at_the_token_limit_says_so(writer, monkeypatch):
    def endless(*, input_ids, max_new_tokens, **options):
        return torch.cat([input_ids, torch.full((1, max_new_tokens), 30)], dim=1)

    monkeypatch.setattr(writer.chat.network, "generate", endless)
    with pytest.raises(GenerationFailedError, match="cut off at the length limit"):
        writer.write(analysis=make_analysis(labels=LABELS), tags=None, story=None, request="")


def test_the_registry_loads_a_model_folder(tiny_lm, monkeypatch):
    monkeypatch.setitem(
        BACKENDS["writer"], "transformers", "tools.writing.transformers_writer:TransformersWriter"
    )
    writer = load_backend("writer", f"transformers:{tiny_lm}", device="cpu")
    assert isinstance(writer, TransformersWriter)
    assert writer.chat.model == str(tiny_lm) and writer.chat.device == "cpu"


def test_a_model_that_is_not_there_is_one_clear_error(tmp_path):
    with pytest.raises(BackendUnavailableError, match="not available locally"):
        TransformersWriter("Qwen/Qwen2.5-3B-Instruct", device="cpu")
    with pytest.raises(BackendUnavailableError, match="not available locally"):
        TransformersWriter(str(tmp_path / "no-such-model"), device="cpu")


def test_a_tokenizer_without_chat_template_is_refused(tiny_lm, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(BackendUnavailableError, match="no chat template"):
        TransformersWriter(str(tmp_path), device="cpu")


def test_missing_ml_extra_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(BackendUnavailableError, match=r"pip install 'sound2sight\[ml\]'"):
        TransformersWriter("Qwen/Qwen2.5-3B-Instruct")
