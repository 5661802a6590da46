"""The script writer as a local instruction-tuned LLM run with transformers
(spec `transformers:<hub id or folder>`, e.g. `transformers:Qwen/Qwen2.5-7B-Instruct`).

The same prompts, reply schema, post-checks and bounded repair turns as the OpenAI-compatible
writer (`tools.writing.openai_writer`); only the model differs: a causal LM loaded with
`AutoModelForCausalLM`, prompted through its chat template and decoded greedily.
"""

from tools.llm.transformers_chat import MAX_NEW_TOKENS, TransformersChat
from tools.types import Analysis, Lyrics, Script, Story, Tags
from tools.writing.openai_writer import ask_script

DEFAULT_MODEL = "Qwen/Qwen2.5-3B-Instruct"


class TransformersWriter:
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

    def write(
        self,
        *,
        analysis: Analysis,
        tags: Tags | None,
        story: Story | None,
        request: str,
        lyrics: Lyrics | None = None,
    ) -> Script:
        """Style bible, characters and one SectionScript per analysis section."""
        return ask_script(self.chat, self.name, analysis=analysis, tags=tags, story=story,
                          request=request, lyrics=lyrics)  # fmt: skip
