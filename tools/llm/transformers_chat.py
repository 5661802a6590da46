"""Local chat models run with transformers, asked for JSON that a pydantic model validates.

The same contract as `tools.llm.openai_chat.OpenAIChat.ask_json` (`tools.llm.replies`): the reply
schema travels in the system message (local generation has no `response_format`), the reply is
validated, and a bounded number of repair turns quote the problems back to the model before
`GenerationFailedError`. Decoding is greedy, so the same prompt gives the same reply.

Output budget. Unless fixed (`max_new_tokens`), a reply may take `BASE_NEW_TOKENS` plus
`ITEM_NEW_TOKENS` for every item of the lists whose length the reply schema fixes (the
writer's schema fixes one item per song section: a long song gets room for all its shots),
never past the model's context.
"""

from functools import partial
from typing import Any

from annotated_types import MinLen
from pydantic import BaseModel

from tools.errors import BackendUnavailableError
from tools.llm.replies import REPAIR_TURNS, Check, Message, Reply, ask_json, with_schema
from tools.pretrained import load_pretrained, require_ml, torch_device, torch_dtype

MAX_NEW_TOKENS: int | None = None  # None: the reply's budget (`reply_tokens`)
BASE_NEW_TOKENS = 2048  # a reply's fixed part: a script's title, story, bible and characters
ITEM_NEW_TOKENS = 512  # one counted item: a section's shot and performance shot as JSON


class TransformersChat:
    """One instruction-tuned causal LM (a hub id or a local folder) that answers in JSON."""

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        max_new_tokens: int | None = MAX_NEW_TOKENS,
        download: bool = False,
    ) -> None:
        require_ml("transformers")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model = model
        self.device = torch_device(device)
        self.max_new_tokens = max_new_tokens
        self.tokenizer = load_pretrained(AutoTokenizer.from_pretrained, model, download=download)
        if not self.tokenizer.chat_template:
            raise BackendUnavailableError(
                f"{model!r} has no chat template: use an instruction-tuned (chat) model"
            )
        network = load_pretrained(
            AutoModelForCausalLM.from_pretrained,
            model,
            download=download,
            dtype=torch_dtype(self.device),
        )
        self.network = network.to(self.device)
        self.context = int(getattr(network.config, "max_position_embeddings", 0) or 0)

    def ask_json(
        self,
        messages: list[Message],
        reply: type[Reply],
        *,
        check: Check[Reply] | None = None,
        repairs: int = REPAIR_TURNS,
    ) -> Reply:
        """The model's answer to `messages` parsed as `reply`, repaired at most `repairs` times."""
        budget = self.max_new_tokens or reply_tokens(reply)
        return ask_json(
            partial(self.complete, max_new_tokens=budget),
            with_schema(messages, reply),
            reply,
            check=check,
            repairs=repairs,
            model=self.model,
        )

    def complete(
        self, messages: list[Message], *, max_new_tokens: int | None = None
    ) -> tuple[str, bool]:
        """The model's next turn after `messages` (at most `max_new_tokens`, else the fixed
        budget, else `BASE_NEW_TOKENS`, and never past the context), and whether it hit that
        limit."""
        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)
        limit = max_new_tokens or self.max_new_tokens or BASE_NEW_TOKENS
        if self.context:
            limit = max(1, min(limit, self.context - inputs["input_ids"].shape[1]))
        tokens = generate(self.network, inputs, max_new_tokens=limit)
        text = self.tokenizer.decode(tokens, skip_special_tokens=True)
        return text, hit_limit(self.network, tokens, limit)


def reply_tokens(reply: type[BaseModel]) -> int:
    """The output budget of a reply: `BASE_NEW_TOKENS`, plus `ITEM_NEW_TOKENS` for each item
    its schema requires in its lists (a list with a minimum length)."""
    items = sum(
        max((m.min_length for m in field.metadata if isinstance(m, MinLen)), default=0)
        for field in reply.model_fields.values()
    )
    return BASE_NEW_TOKENS + ITEM_NEW_TOKENS * items


def generate(network: Any, inputs: Any, *, max_new_tokens: int) -> Any:
    """Greedy generation for one prompt: the new token ids only (1-D)."""
    import torch

    with torch.inference_mode():
        output = network.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return output[0, inputs["input_ids"].shape[1] :]


def hit_limit(network: Any, tokens: Any, max_new_tokens: int) -> bool:
    """Whether generation stopped at the token limit rather than at an end-of-turn token."""
    eos = network.generation_config.eos_token_id
    stops = set(eos if isinstance(eos, list) else [eos])
    return len(tokens) >= max_new_tokens and int(tokens[-1]) not in stops
