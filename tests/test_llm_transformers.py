"""The local chat model's output budget: it grows with the sections the reply must hold."""

import pytest
import torch
from tiny_models import save_tiny_qwen_lm

from tools.llm.replies import exactly
from tools.llm.transformers_chat import (
    BASE_NEW_TOKENS,
    ITEM_NEW_TOKENS,
    TransformersChat,
    reply_tokens,
)
from tools.writing.chat_writer import ScriptReply


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    return save_tiny_qwen_lm(tmp_path_factory.mktemp("tiny-qwen2"))


def test_budget_scales_with_the_sections_the_schema_fixes():
    assert reply_tokens(ScriptReply) == BASE_NEW_TOKENS  # nested lists do not count
    short, long = (reply_tokens(exactly(ScriptReply, "sections", n)) for n in (4, 40))
    assert long - short == 36 * ITEM_NEW_TOKENS
    assert long > 4096  # the old fixed cap held ~25 sections


def _spy(chat, monkeypatch, prompts: list[int] | None = None) -> list[int]:
    """Record the max_new_tokens (and prompt lengths) of each generation; answer with an
    invalid reply at once."""
    asked: list[int] = []
    end = chat.tokenizer.convert_tokens_to_ids("<|im_end|>")

    def generate(*, input_ids, max_new_tokens, **options):
        asked.append(max_new_tokens)
        if prompts is not None:
            prompts.append(input_ids.shape[1])
        reply = chat.tokenizer('{"title": ""}', return_tensors="pt")["input_ids"]
        return torch.cat([input_ids, reply, torch.tensor([[end]])], dim=1)

    monkeypatch.setattr(chat.network, "generate", generate)
    return asked


def test_a_long_song_gets_room_for_every_section(tiny_lm, monkeypatch):
    chat = TransformersChat(str(tiny_lm), device="cpu")
    asked = _spy(chat, monkeypatch)
    schema = exactly(ScriptReply, "sections", 30)
    with pytest.raises(Exception, match="no valid ScriptReply"):
        chat.ask_json([{"role": "user", "content": "write"}], schema, repairs=0)
    assert asked == [BASE_NEW_TOKENS + 30 * ITEM_NEW_TOKENS]


def test_the_budget_never_passes_the_context(tiny_lm, monkeypatch):
    chat = TransformersChat(str(tiny_lm), device="cpu")
    prompts: list[int] = []
    asked = _spy(chat, monkeypatch, prompts)
    ask = [{"role": "user", "content": "write"}], exactly(ScriptReply, "sections", 30)
    with pytest.raises(Exception, match="no valid ScriptReply"):
        chat.ask_json(*ask, repairs=0)
    chat.context = prompts[0] + 100  # a model with a short context
    with pytest.raises(Exception, match="no valid ScriptReply"):
        chat.ask_json(*ask, repairs=0)
    assert asked[-1] == 100


def test_a_fixed_budget_stays_fixed(tiny_lm, monkeypatch):
    chat = TransformersChat(str(tiny_lm), device="cpu", max_new_tokens=12)
    asked = _spy(chat, monkeypatch)
    with pytest.raises(Exception, match="no valid ScriptReply"):
        chat.ask_json([{"role": "user", "content": "w"}], exactly(ScriptReply, "sections", 30),
                      repairs=0)  # fmt: skip
    assert asked == [12]
