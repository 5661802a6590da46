"""Validated JSON replies from any chat model: the layer every LLM backend shares.

A reply schema is a pydantic model (`StrictModel`: no extra keys, every key required, as strict
structured outputs ask). `ask_json` sends messages through a backend's `complete` function,
validates the reply against the schema and any extra `check`, and answers a reply that fails
with a repair turn quoting what is wrong, a bounded number of times, before
`GenerationFailedError`. Servers that take a JSON schema as `response_format` get
`json_schema_format`; models that do not get the schema in the system message (`with_schema`).
"""

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from prompts import render
from tools.errors import GenerationFailedError

REPAIR_TURNS = 2  # extra turns after the first reply that fails validation
MAX_QUOTED_ERRORS = 12  # validation errors quoted back to the model in one repair turn

Message = dict[str, Any]
Reply = TypeVar("Reply", bound=BaseModel)
Check = Callable[[Reply], list[str]]  # a reply's problems beyond its schema; none: it is fine
# messages -> (reply text, whether it was cut off at the length limit)
Complete = Callable[[list[Message]], tuple[str, bool]]


class StrictModel(BaseModel):
    """Base for reply schemas: no extra keys and, with no field defaults, every key required,
    which is what strict structured outputs ask for (an optional value is `X | None`)."""

    model_config = ConfigDict(extra="forbid")


class JsonChat(Protocol):
    """A chat model that answers in validated JSON (`OpenAIChat`, `TransformersChat`)."""

    model: str

    def ask_json(
        self,
        messages: list[Message],
        reply: type[Reply],
        *,
        check: Check[Reply] | None = None,
        repairs: int = REPAIR_TURNS,
    ) -> Reply: ...


def exactly(reply: type[Reply], field: str, count: int) -> type[Reply]:
    """`reply` with exactly `count` items in its list `field`: the schema says so (constrained
    decoding obeys it) and validation checks it."""
    annotation = reply.model_fields[field].annotation
    counted = (Annotated[annotation, Field(min_length=count, max_length=count)], ...)
    return create_model(reply.__name__, __base__=reply, **{field: counted})


def numbering_problems(got: list[int], expected: list[int], *, field: str) -> list[str]:
    """Problems with the numbers a reply gave its list items, e.g. one entry per song section
    in order: `field` names the list in the messages."""
    if got == expected:
        return []
    return [f"{field} must be numbered {expected} in this order, got {got}"]


def ask_json(
    complete: Complete,
    messages: list[Message],
    reply: type[Reply],
    *,
    check: Check[Reply] | None = None,
    repairs: int = REPAIR_TURNS,
    model: str,
) -> Reply:
    """`reply` parsed from what `complete` answers to `messages`.

    A reply that is not valid JSON, fails the schema, or has problems that `check` lists is
    answered with a repair turn quoting them, at most `repairs` times; then
    `GenerationFailedError` naming `model`.
    """
    conversation = list(messages)
    problems: list[str] = []
    for _ in range(repairs + 1):
        content, cut = complete(conversation)
        parsed, problems = validated(content, reply, check)
        if parsed is not None:
            return parsed
        if cut:
            problems.append("the reply was cut off at the length limit: write less")
        conversation += [
            {"role": "assistant", "content": content},
            {"role": "user", "content": render("json_repair", problems=bullets(problems))},
        ]
    raise GenerationFailedError(
        f"{model} gave no valid {reply.__name__} in {repairs + 1} tries; "
        f"last problems: {'; '.join(problems)}"
    )


def validated(
    content: str, reply: type[Reply], check: Check[Reply] | None = None
) -> tuple[Reply | None, list[str]]:
    """The reply parsed from `content`, or None and what is wrong with it."""
    try:
        parsed = reply.model_validate_json(unfenced(content))
    except ValidationError as error:
        return None, error_lines(error)
    problems = check(parsed) if check else []
    return (None, problems) if problems else (parsed, [])


def unfenced(text: str) -> str:
    """The JSON inside a ```json … ``` fence that chatty models put around it."""
    match = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, flags=re.DOTALL)
    return match.group(1) if match else text


def error_lines(error: ValidationError) -> list[str]:
    """One line per validation error (at most `MAX_QUOTED_ERRORS`): where, and what."""
    lines = []
    for item in error.errors()[:MAX_QUOTED_ERRORS]:
        where = ".".join(str(part) for part in item["loc"]) or "the reply"
        lines.append(f"{where}: {item['msg']}")
    return lines


def bullets(lines: list[str]) -> str:
    """The lines as a Markdown list."""
    return "\n".join(f"- {line}" for line in lines)


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
