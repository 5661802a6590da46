"""Tool-calling replies for the fake OpenAI-compatible server (tests/fake_openai.py)."""

import json
import time

from fake_openai import Reply


def tool_call_reply(name: str, args: dict, *, call_id: str = "call_1") -> Reply:
    """A chat completion whose one choice calls the tool `name` with `args`."""
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }
    return Reply(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )
