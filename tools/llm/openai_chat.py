"""A small client layer for OpenAI-compatible chat servers (OpenAI, vLLM, Ollama, LM Studio…).

`OpenAIChat` talks to one model on one server, configured from the environment
(`OPENAI_API_KEY`, `OPENAI_BASE_URL`), and asks for JSON that a pydantic model validates:
the model's JSON schema goes out as a strict `response_format`, the reply is validated, and a
bounded number of repair turns quote the validation error back to the model. Server errors
become the project's exceptions: a rejected key or an unknown model is
`BackendUnavailableError`, a rate limit or a dropped connection (after the client's own
retries) is `TransientBackendError`, unusable output is `GenerationFailedError`.
"""

import json
import os
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from prompts import render
from tools.errors import BackendUnavailableError, GenerationFailedError, TransientBackendError

TIMEOUT_SECONDS = 120.0  # one request, retries not included
CONNECT_SECONDS = 10.0
MAX_RETRIES = 2  # the client's own retries of 408/409/429/5xx and dropped connections
REPAIR_TURNS = 2  # extra turns after the first reply that fails validation
PLACEHOLDER_KEY = "not-needed"  # local servers (vLLM, Ollama, LM Studio) often want no key
MAX_QUOTED_ERRORS = 12

Message = dict[str, Any]
Reply = TypeVar("Reply", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for reply schemas: no extra keys and, with no field defaults, every key required,
    which is what strict structured outputs ask for (an optional value is `X | None`)."""

    model_config = ConfigDict(extra="forbid")


def exactly(reply: type[Reply], field: str, count: int) -> type[Reply]:
    """`reply` with exactly `count` items in its list `field`: the schema says so (constrained
    decoding obeys it) and validation checks it."""
    annotation = reply.model_fields[field].annotation
    counted = (Annotated[annotation, Field(min_length=count, max_length=count)], ...)
    return create_model(reply.__name__, __base__=reply, **{field: counted})


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
        check: Callable[[Reply], list[str]] | None = None,
        repairs: int = REPAIR_TURNS,
    ) -> Reply:
        """Send `messages` and return the reply parsed as `reply`.

        A reply that is not valid JSON, fails the schema, or has problems that `check` lists
        is answered with a repair turn quoting them, at most `repairs` times; then
        `GenerationFailedError`.
        """
        conversation = list(messages)
        problems: list[str] = []
        for _ in range(repairs + 1):
            content, finish_reason = self._complete(conversation, reply)
            parsed, problems = _validated(content, reply, check)
            if parsed is not None:
                return parsed
            if finish_reason == "length":
                problems.append("the reply was cut off at the length limit: write less")
            conversation += [
                {"role": "assistant", "content": content},
                {"role": "user", "content": render("json_repair", problems=_bullets(problems))},
            ]
        raise GenerationFailedError(
            f"{self.model} at {self.base_url} gave no valid {reply.__name__} in "
            f"{repairs + 1} tries; last problems: {'; '.join(problems)}"
        )

    def _complete(self, messages: list[Message], reply: type[BaseModel]) -> tuple[str, str]:
        """One chat completion: its text and finish reason, with errors mapped."""
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
            raise self._mapped(error) from error

    def _create(self, messages: list[Message], **options: Any) -> tuple[str, str]:
        completion = self.client.chat.completions.create(
            model=self.model, messages=messages, **options
        )
        if not completion.choices:
            raise GenerationFailedError(f"{self.model} at {self.base_url} returned no choices")
        choice = completion.choices[0]
        if choice.message.refusal:
            raise GenerationFailedError(f"{self.model} refused: {choice.message.refusal}")
        return choice.message.content or "", choice.finish_reason or ""

    def _mapped(self, error: openai.OpenAIError) -> Exception:
        """The project's exception for an error of the openai client."""
        return mapped_error(
            error,
            where=self.base_url,
            what=f"model {self.model}",
            missing=f"model {self.model!r} was not found at {self.base_url}: check the model "
            "name and OPENAI_BASE_URL (it usually ends in /v1)",
        )


def json_schema_format(reply: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` that asks for JSON matching the pydantic model `reply`."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": reply.__name__,
            "schema": reply.model_json_schema(),
            "strict": True,
        },
    }


def with_schema(messages: list[Message], reply: type[BaseModel]) -> list[Message]:
    """`messages` with the schema spelled out in the system message, for servers that refuse
    `response_format` (the system message stays first: some chat templates insist)."""
    schema = json.dumps(reply.model_json_schema(), separators=(",", ":"))
    instruction = render("json_schema", schema=schema)
    first = messages[0] if messages else {}
    if first.get("role") == "system" and isinstance(first.get("content"), str):
        return [{**first, "content": f"{first['content']}\n\n{instruction}"}, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def numbering_problems(got: list[int], expected: list[int], *, field: str) -> list[str]:
    """Problems with the numbers a reply gave its list items, e.g. one entry per song section
    in order: `field` names the list in the messages."""
    if got == expected:
        return []
    return [f"{field} must be numbered {expected} in this order, got {got}"]


def _validated(
    content: str, reply: type[Reply], check: Callable[[Reply], list[str]] | None
) -> tuple[Reply | None, list[str]]:
    """The parsed reply, or None and what is wrong with it."""
    try:
        parsed = reply.model_validate_json(_unfenced(content))
    except ValidationError as error:
        return None, _error_lines(error)
    problems = check(parsed) if check else []
    return (None, problems) if problems else (parsed, [])


def _unfenced(text: str) -> str:
    """The JSON inside a ```json … ``` fence that chatty models put around it."""
    match = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, flags=re.DOTALL)
    return match.group(1) if match else text


def _error_lines(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors()[:MAX_QUOTED_ERRORS]:
        where = ".".join(str(part) for part in item["loc"]) or "the reply"
        lines.append(f"{where}: {item['msg']}")
    return lines


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


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
