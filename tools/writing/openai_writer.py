"""The script writer as an LLM behind an OpenAI-compatible chat API (spec `openai:<model>`):
OpenAI, vLLM, Ollama, LM Studio. The prompts, schema and repair turns are `ChatWriter`'s."""

from tools.llm.openai_chat import MAX_RETRIES, TIMEOUT_SECONDS, OpenAIChat
from tools.writing.chat_writer import ChatWriter

DEFAULT_MODEL = "gpt-4.1-mini"


class OpenAIWriter(ChatWriter):
    """Script by a chat model on an OpenAI-compatible server (OpenAI, vLLM, Ollama, …)."""

    name = "openai"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.chat = OpenAIChat(model, timeout=timeout, max_retries=max_retries)
