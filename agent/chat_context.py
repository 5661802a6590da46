"""Settings of a conversation, passed to the chat graph as LangGraph's `context_schema`."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.context import Context
from agent.options import data_dir


@dataclass(kw_only=True, frozen=True)
class ChatContext:
    """The chat model, where the conversation's videos go and how they are made."""

    model: str = "rules"  # "rules": the offline rule-based agent; "openai:<model>": a
    # tool-calling chat model on an OpenAI-compatible server (OPENAI_BASE_URL, OPENAI_API_KEY)
    workspace: str = field(default_factory=lambda: str(data_dir() / "chats"))  # a
    # conversation's run folders go in <workspace>/<thread id>/
    settings: dict[str, Any] = field(default_factory=dict)  # the video Context's fields for
    # new videos, all but run_dir and output (resolution, fps, pipeline, backends, seed…)
    songs_in_messages: bool = True  # a song attached to a message, or a path or http(s) URL
    # in its text, becomes the conversation's (the LangGraph server's clients); `ChatSession`,
    # the front end of the CLI, `serve` and the bots, gives the song itself and turns it off,
    # so their users' words never make the server read a file or fetch a URL

    def video_context(self, run_dir: Path, **overrides: Any) -> Context:
        """The video graph's Context for a new run in `run_dir`."""
        return Context(
            **{**self.settings, **overrides},
            run_dir=str(run_dir),
            output=str(run_dir / "video.mp4"),
        )
