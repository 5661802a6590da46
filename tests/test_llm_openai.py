"""The shared OpenAI client layer: environment, JSON replies, fallbacks and error mapping."""

import socket

import pytest
from fake_openai import CHAT, Reply, chat_reply, error_reply

from tools.errors import BackendUnavailableError, GenerationFailedError, TransientBackendError
from tools.llm.openai_chat import OpenAIChat
from tools.llm.replies import StrictModel, exactly

UNSUPPORTED = (
    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
)


class Point(StrictModel):
    x: int
    y: int


class Path(StrictModel):
    points: list[Point]


def ask(chat: OpenAIChat, **options) -> Point:
    messages = [{"role": "system", "content": "Be exact."}, {"role": "user", "content": "A point"}]
    return chat.ask_json(messages, Point, **options)


def test_no_key_and_no_server_is_backend_unavailable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendUnavailableError, match="set OPENAI_API_KEY"):
        OpenAIChat("gpt-4.1-mini")


def test_local_server_needs_no_key(fake_openai, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    fake_openai.enqueue(CHAT, '{"x": 1, "y": 2}')
    assert ask(OpenAIChat("llama3")) == Point(x=1, y=2)
    assert fake_openai.requests[0].headers["authorization"] == "Bearer not-needed"


def test_fenced_json_is_accepted(fake_openai):
    fake_openai.enqueue(CHAT, '```json\n{"x": 1, "y": 2}\n```')
    assert ask(OpenAIChat("llama3")) == Point(x=1, y=2)


def test_exactly_fixes_a_list_length_in_schema_and_validation():
    schema = exactly(Path, "points", 2).model_json_schema()["properties"]["points"]
    assert schema["minItems"] == schema["maxItems"] == 2
    with pytest.raises(ValueError, match="at least 2 items"):
        exactly(Path, "points", 2).model_validate({"points": [{"x": 0, "y": 0}]})


def test_refused_response_format_falls_back_to_the_schema_in_the_prompt(fake_openai):
    fake_openai.enqueue(CHAT, error_reply(400, UNSUPPORTED))
    fake_openai.enqueue(CHAT, '{"x": 1, "y": 2}')
    fake_openai.enqueue(CHAT, '{"x": 3, "y": 4}')
    chat = OpenAIChat("gpt-4o-audio-preview")
    assert ask(chat) == Point(x=1, y=2)
    assert ask(chat) == Point(x=3, y=4)

    first, second, third = fake_openai.bodies()
    assert first["response_format"]["type"] == "json_schema"
    for body in (second, third):  # remembered: no second refusal
        assert "response_format" not in body
        system = body["messages"][0]
        assert system["role"] == "system" and system["content"].startswith("Be exact.")
        assert '"required":["x","y"]' in system["content"]


def test_other_bad_requests_fail_the_generation(fake_openai):
    fake_openai.enqueue(CHAT, error_reply(400, "maximum context length exceeded"))
    with pytest.raises(GenerationFailedError, match="context length"):
        ask(OpenAIChat("gpt-4.1-mini"))


def test_truncated_reply_asks_for_less(fake_openai):
    fake_openai.enqueue(CHAT, chat_reply('{"x": 1, "y"', finish_reason="length"))
    fake_openai.enqueue(CHAT, '{"x": 1, "y": 2}')
    ask(OpenAIChat("gpt-4.1-mini"))
    assert "cut off" in fake_openai.bodies()[1]["messages"][-1]["content"]


def test_refusal_fails_at_once(fake_openai):
    refusal = chat_reply("")
    refusal.body["choices"][0]["message"].update(content=None, refusal="I can't help.")
    fake_openai.enqueue(CHAT, refusal)
    with pytest.raises(GenerationFailedError, match="refused: I can't help"):
        ask(OpenAIChat("gpt-4.1-mini"))
    assert len(fake_openai.requests) == 1


def test_repairs_are_bounded(fake_openai):
    for _ in range(2):
        fake_openai.enqueue(CHAT, '{"x": "one"}')
    with pytest.raises(GenerationFailedError, match="no valid Point in 2 tries.*y: Field required"):
        ask(OpenAIChat("gpt-4.1-mini"), repairs=1)


def test_timeout_is_transient(fake_openai):
    fake_openai.enqueue(CHAT, Reply(body={}, delay=1.0))
    with pytest.raises(TransientBackendError, match="did not answer in time"):
        ask(OpenAIChat("gpt-4.1-mini", timeout=0.2, max_retries=0))


def test_connection_refused_is_transient(monkeypatch):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    with pytest.raises(TransientBackendError, match="could not connect to http://127.0.0.1"):
        ask(OpenAIChat("gpt-4.1-mini", max_retries=0))
