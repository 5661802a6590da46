"""The chat agent's model, chosen by a spec: "rules" or "openai:<model>".

`OpenAIToolChat` is a langchain-core chat model over an OpenAI-compatible chat API (OpenAI,
vLLM, Ollama, LM Studio… via `OPENAI_BASE_URL` and `OPENAI_API_KEY`, like the writer), with
`bind_tools` for real tool calling. Its errors are the project's: a rejected key or an unknown
model is `BackendUnavailableError`, a rate limit or a dropped connection (after the client's own
retries) is `TransientBackendError`, which the chat graph's retry policy retries.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import openai
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from tools.errors import BackendUnavailableError, GenerationFailedError
from tools.llm.openai_chat import MAX_RETRIES, TIMEOUT_SECONDS, OpenAIChat
from tools.registry import parse_spec

RULES = "rules"
DEFAULT_MODEL = "gpt-4.1-mini"


class OpenAIToolChat(BaseChatModel):
    """A tool-calling chat model on an OpenAI-compatible server."""

    model: str = DEFAULT_MODEL
    timeout: float = TIMEOUT_SECONDS
    max_retries: int = MAX_RETRIES

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool],
        *,
        parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """The model with `tools` offered on every call; one tool call at a time by default,
        since the tools of a conversation build on each other's results."""
        specs = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=specs, parallel_tool_calls=parallel_tool_calls, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        chat = OpenAIChat(self.model, timeout=self.timeout, max_retries=self.max_retries)
        options = {**kwargs, **({"stop": stop} if stop else {})}
        if not options.get("tools"):
            options.pop("parallel_tool_calls", None)  # servers reject it without tools
        try:
            completion = chat.client.chat.completions.create(
                model=self.model, messages=convert_to_openai_messages(messages), **options
            )
        except openai.OpenAIError as error:
            raise chat.mapped(error) from error
        if not completion.choices:
            raise GenerationFailedError(f"{self.model} at {chat.base_url} returned no choices")
        message = completion.choices[0].message
        return ChatResult(generations=[ChatGeneration(message=_ai_message(message))])


def _ai_message(message: Any) -> AIMessage:
    """The assistant's reply with its tool calls (unparseable arguments as invalid calls, which
    the tool node reports back to the model)."""
    calls, invalid = [], []
    for call in message.tool_calls or []:
        try:
            args = json.loads(call.function.arguments or "{}")
        except json.JSONDecodeError as error:
            invalid.append(
                {
                    "name": call.function.name,
                    "args": call.function.arguments,
                    "id": call.id,
                    "error": f"arguments are not JSON: {error}",
                    "type": "invalid_tool_call",
                }
            )
            continue
        calls.append({"name": call.function.name, "args": args, "id": call.id, "type": "tool_call"})
    return AIMessage(content=message.content or "", tool_calls=calls, invalid_tool_calls=invalid)


def load_chat_model(spec: str) -> BaseChatModel:
    """The tool-calling chat model named by `spec` ("openai" or "openai:<model>")."""
    kind, model = parse_spec(spec)
    if kind == "openai":
        return OpenAIToolChat(model=model or DEFAULT_MODEL)
    raise BackendUnavailableError(
        f"unknown chat model {spec!r}: use {RULES!r} (the offline rule-based agent) or "
        "'openai:<model>' (OpenAI, or a local OpenAI-compatible server such as vLLM or Ollama "
        "named by OPENAI_BASE_URL)"
    )
