"""The script writer as a local instruction-tuned LLM run with transformers
(spec `transformers:<hub id or folder>`, e.g. `transformers:Qwen/Qwen2.5-7B-Instruct`).

The same prompts, reply schema, post-checks and bounded repair turns as the OpenAI-compatible
writer (`tools.writing.chat_writer.ChatWriter`); only the model differs: a causal LM loaded
with `AutoModelForCausalLM`, prompted through its chat template and decoded greedily.
"""

from tools.llm.transformers_chat import MAX_NEW_TOKENS, TransformersChat
from tools.writing.chat_writer import ChatWriter

DEFAULT_MODEL = "Qwen/Qwen2.5-3B-Instruct"


class TransformersWriter(ChatWriter):
    """Script by a local chat model (Qwen2.5, Llama 3, Mistral… instruct checkpoints)."""

    name = "transformers"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str = "auto",
        max_new_tokens: int | None = MAX_NEW_TOKENS,
    ) -> None:
        self.chat = TransformersChat(model, device=device, max_new_tokens=max_new_tokens)
