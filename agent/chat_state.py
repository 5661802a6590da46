"""The chat graph's state: the messages, and the conversation's song and videos."""

from typing import Annotated, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from langgraph.managed import RemainingSteps

from tools.writing.plan_edits import Edit


class ChatState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    song: NotRequired[str]  # the conversation's song (an absolute path)
    runs: NotRequired[list[str]]  # its run folders, oldest first: the last holds the video
    edits: NotRequired[list[Edit]]  # plan edits since the last full make; a pipeline switch,
    # which rewrites the script, applies them again
    remaining_steps: RemainingSteps
