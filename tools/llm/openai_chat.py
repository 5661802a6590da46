"""A small client layer for OpenAI-compatible chat servers (OpenAI, vLLM, Ollama, LM Studio…).

`OpenAIChat` talks to one model on one server, configured from the environment
(`OPENAI_API_KEY`, `OPENAI_BASE_URL`), and asks for JSON that a pydantic model validates
(`tools.llm.replies`): the model's JSON schema goes out as a strict `response_format` (in the
system message for servers that refuse one), the reply is validated, and a bounded number of
repair turns quote the validation error back to the model. Server errors
become the project's exceptions: a rejected key or an unknown model is
`BackendUnavailableError`, a rate limit or a dropped connection (after the client's own
retries) is `TransientBackendError`, unusable output is `GenerationFailedError`.
"""

import os
from typing import Any

import openai
from pydantic import BaseModel

from tools.errors import BackendUnavailableError, GenerationFailedError, TransientBackendError
from tools.llm.replies import (
    REPAIR_TURNS,
    Check,
    Message,
    Reply,
    ask_json,
    json_schema_format,
    with_schema,
)

TIMEOUT_SECONDS = 120.0  # one request, retries not included
CONNECT_SECONDS = 10.0
MAX_RETRIES = 2  # the client's own retries of 408/409/429/5xx and dropped connections
PLACEHOLDER_KEY = "not-needed"  # local servers (vLLM, Ollama, LM Studio) often want no key


def openai_client(
    *, timeout: float = TIMEOUT_SECONDS, max_retries: int = MAX_RETRIES
) -> openai.OpenAI:
    """An `openai.OpenAI` client for `OPENAI_BASE_URL` (default: api.openai.com) and
    `OPENAI_API_KEY`; a server named by `OPENAI_BASE_URL` may go without a key."""
    key = os.environ.get("OPENAI_API_KEY")
    base_url = os.environ.get("OPENAI_BASE_URL") or None
    if not key and not base_url:
        raise BackendUnavailableError(
            "no OpenAI credentials: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local "
            "OpenAI-compatible server (vLLM, Ollama, LM Studio)"
        )
    return openai.OpenAI(
        api_key=key or PLACEHOLDER_KEY,
        base_url=base_url,
        timeout=openai.Timeout(timeout, connect=CONNECT_SECONDS),
        max_retries=max_retries,
    )


class OpenAIChat:
    """One chat model on one OpenAI-compatible server, asked for validated JSON."""

    def __init__(
        self, model: str, *, timeout: float = TIMEOUT_SECONDS, max_retries: int = MAX_RETRIES
    ) -> None:
        self.model = model
        self.client = openai_client(timeout=timeout, max_retries=max_retries)
        self.base_url = str(self.client.base_url).rstrip("/")
        # Servers or models without structured outputs (gpt-4o-audio-preview among them)
        # reject `response_format`; then the schema travels in the prompt instead.
        self.schema_format = True

    def ask_json(
        self,
        messages: list[Message],
        reply: type[Reply],
        *,
        check: Check[Reply] | None = None,
        repairs: int = REPAIR_TURNS,
    ) -> Reply:
        """Send `messages` and return the reply parsed as `reply`.

        A reply that is not valid JSON, fails the schema, or has problems that `check` lists
        is answered with a repair turn quoting them, at most `repairs` times; then
        `GenerationFailedError`.
        """
        return ask_json(
            lambda conversation: self._complete(conversation, reply),
            messages,
            reply,
            check=check,
            repairs=repairs,
            model=f"{self.model} at {self.base_url}",
        )

    def _complete(self, messages: list[Message], reply: type[BaseModel]) -> tuple[str, bool]:
        """One chat completion: its text and whether it hit the length limit, with errors
        mapped."""
        try:
            if self.schema_format:
                try:
                    return self._create(messages, response_format=json_schema_format(reply))
                except openai.BadRequestError as error:
                    if "response_format" not in str(error):
                        raise
                    self.schema_format = False
            return self._create(with_schema(messages, reply))
        except openai.OpenAIError as error:
            raise self.mapped(error) from error

    def _create(self, messages: list[Message], **options: Any) -> tuple[str, bool]:
        completion = self.client.chat.completions.create(
            model=self.model, messages=messages, **options
        )
        if not completion.choices:
            raise GenerationFailedError(f"{self.model} at {self.base_url} returned no choices")
        choice = completion.choices[0]
        if choice.message.refusal:
            raise GenerationFailedError(f"{self.model} refused: {choice.message.refusal}")
        return choice.message.content or "", choice.finish_reason == "length"

    def mapped(self, error: openai.OpenAIError) -> Exception:
        """The project's exception for an error of the openai client."""
        return mapped_error(
            error,
            where=self.base_url,
            what=f"model {self.model}",
            missing=f"model {self.model!r} was not found at {self.base_url}: check the model "
            "name and OPENAI_BASE_URL (it usually ends in /v1)",
        )


REFUSAL_CODES = ("moderation", "content_policy", "safety")  # error codes of a policy refusal


def mapped_error(error: openai.OpenAIError, *, where: str, what: str, missing: str) -> Exception:
    """The project's exception for an error of the openai client at `where` while asking for
    `what`: a refused key, a missing model or API (`missing` says what to check) or an empty
    quota cannot be fixed by waiting; rate limits, server errors, timeouts and lost
    connections can (the graph retries them); anything else fails this step."""
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return BackendUnavailableError(
            f"the API key was rejected by {where} (HTTP {error.status_code}): check OPENAI_API_KEY"
        )
    if isinstance(error, openai.NotFoundError):
        return BackendUnavailableError(f"{missing} ({error.message})")
    if isinstance(error, openai.RateLimitError) and error.code == "insufficient_quota":
        return BackendUnavailableError(f"the account at {where} has no quota left")
    if isinstance(error, openai.RateLimitError | openai.InternalServerError):
        return TransientBackendError(
            f"{where} answered HTTP {error.status_code} for {what} after retries: {error.message}"
        )
    if isinstance(error, openai.APITimeoutError):
        return TransientBackendError(f"{where} did not answer in time for {what}")
    if isinstance(error, openai.APIConnectionError):
        return TransientBackendError(
            f"could not connect to {where} for {what}: {error.__cause__ or error}"
        )
    if is_refusal(getattr(error, "code", None)):
        return GenerationFailedError(f"{where} refused {what} (content policy): {error}")
    return GenerationFailedError(f"{where} failed {what}: {error}")


def is_refusal(code: object) -> bool:
    """Whether an API error code says the content policy refused the request."""
    return isinstance(code, str) and any(word in code for word in REFUSAL_CODES)
