"""The chat graph: START -> song -> model <-> tools -> END, and a session that runs one
conversation.

The song node takes a song the user's message carries (an attached audio file, or a path or
an http(s) URL in its text: agent/chat_song.py) as the conversation's song, for clients that
send only messages; others give it as the `song` input key. The model node asks a chat model
for the next step: a tool-calling LLM (`openai:<model>`, the chat tools bound to it) or,
offline, `RuleBasedAgent` (keyword rules that answer with the same kind of tool calls). The
tools node runs the calls (`agent.chat_tools`): making a video runs the video graph in a run
folder of its own, revisions re-render only what they change. Tool errors that a user can act
on (`Sound2SightError`) and arguments a model got wrong go back to the model as error
ToolMessages; anything else is a bug and bubbles.

Conversations persist in a SQLite checkpointer, one LangGraph thread each: a `ChatSession`
with the same thread id resumes it.
"""

import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolInvocationError
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy

from agent.chat_context import ChatContext
from agent.chat_model import RULES, load_chat_model
from agent.chat_rules import RuleBasedAgent
from agent.chat_song import song_in_message, without_audio
from agent.chat_state import ChatState
from agent.chat_tools import TOOLS, conversation_dir
from prompts import render
from tools.audio.loading import MAX_DURATION
from tools.errors import InvalidInputError, Sound2SightError, TransientBackendError

TRANSIENT = RetryPolicy(max_attempts=3, retry_on=TransientBackendError)
OnEvent = Callable[[dict], None]


# ---------------------------------------------------------------------------- the graph


def take_song(state: ChatState, runtime: Runtime[ChatContext], config: RunnableConfig) -> Command:
    """A song attached to or named in the user's message becomes the conversation's song (a
    different song starts over, with no videos); one that cannot be used ends the turn."""
    message = state["messages"][-1]
    context = runtime.context or ChatContext()
    if not context.songs_in_messages or not isinstance(message, HumanMessage):
        return Command(goto="model")
    thread = str(config.get("configurable", {}).get("thread_id") or "default")
    try:
        found = song_in_message(
            message,
            conversation_dir(context.workspace, thread),
            max_duration=context.settings.get("max_duration", MAX_DURATION),
        )
    except InvalidInputError as err:
        refusal = AIMessage(f"I cannot use that song: {err}")
        return Command(goto=END, update={"messages": [without_audio(message), refusal]})
    if found is None:
        return Command(goto="model")
    song, kept = found
    update: dict = {"messages": [kept], "song": song}
    if state.get("song") not in (None, song):
        update |= {"runs": [], "edits": []}
    return Command(goto="model", update=update)


def call_model(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
    """The next step: tool calls, or the answer to the user."""
    model = chat_model((runtime.context or ChatContext()).model, state)
    system = SystemMessage(render("chat_system", facts=facts(state)))
    response = model.invoke([system, *state["messages"]])
    if response.tool_calls and state["remaining_steps"] < 2:
        stop = "I stopped here: this request needed more steps than a turn allows."
        return {"messages": [AIMessage(id=response.id, content=stop)]}
    return {"messages": [response]}


def route_model_output(state: ChatState) -> str:
    """To the tools while the model calls any, else the turn is over."""
    last = state["messages"][-1]
    if not isinstance(last, AIMessage):
        raise ValueError(f"expected an AIMessage after the model, got {type(last).__name__}")
    return "tools" if last.tool_calls else END


def tool_error(error: Sound2SightError | ToolInvocationError) -> str:
    """What the model reads when a tool could not do what it asked."""
    return f"error: {error}"


def build_chat_graph(*, checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    builder = StateGraph(ChatState, context_schema=ChatContext)
    builder.add_node("song", take_song, destinations=("model", END))
    builder.add_node("model", call_model, retry_policy=TRANSIENT)
    builder.add_node("tools", ToolNode(TOOLS, handle_tool_errors=tool_error))
    builder.add_edge(START, "song")
    builder.add_conditional_edges("model", route_model_output, ["tools", END])
    builder.add_edge("tools", "model")
    return builder.compile(checkpointer=checkpointer, name="sound2sight-chat")


def chat_model(spec: str, state: ChatState) -> BaseChatModel:
    """The chat model of `spec` with the tools bound."""
    if spec == RULES:
        return RuleBasedAgent(has_video=bool(state.get("runs")))
    return load_chat_model(spec).bind_tools(TOOLS)


def facts(state: ChatState) -> str:
    """The conversation's song and videos, for the system prompt."""
    song, runs = state.get("song"), state.get("runs", [])
    if not song:
        return "no song yet."
    current = f"the current video is {Path(runs[-1], 'video.mp4')}" if runs else "no video yet"
    return f"the song is {song}; {len(runs)} video(s) made so far, {current}."


graph = build_chat_graph()


# ---------------------------------------------------------------------------- a conversation


class Turn(NamedTuple):
    answer: str
    video: str | None  # the video this turn made, if it made one


class ChatSession:
    """One conversation: a thread of the chat graph, checkpointed in the SQLite file `db`."""

    def __init__(
        self, *, db: str | Path, context: ChatContext, thread_id: str | None = None
    ) -> None:
        self.db = Path(db)
        self.context = replace(context, songs_in_messages=False)  # the song comes in `send`
        self.thread_id = thread_id or uuid.uuid4().hex[:12]
        conversation_dir(context.workspace, self.thread_id)  # checks the id
        self.config = {"configurable": {"thread_id": self.thread_id}}

    def values(self) -> dict:
        """The conversation's state so far (empty for a new one)."""
        if not self.db.exists():
            return {}
        with SqliteSaver.from_conn_string(str(self.db)) as saver:
            return build_chat_graph(checkpointer=saver).get_state(self.config).values

    def send(
        self,
        text: str,
        *,
        song: str | Path | None = None,
        runs: list[str] | None = None,
        on_event: OnEvent | None = None,
    ) -> Turn:
        """One turn: the user's message in, the agent's answer out. A new conversation takes
        its `song` (and, when its first video was made outside the chat, its `runs`) here; a
        resumed one must be about the same song. `on_event` gets progress and tool calls."""
        emit = on_event or (lambda event: None)
        self.db.parent.mkdir(parents=True, exist_ok=True)
        with SqliteSaver.from_conn_string(str(self.db)) as saver:
            graph = build_chat_graph(checkpointer=saver)
            known = graph.get_state(self.config).values
            inputs: dict = {"messages": [HumanMessage(text)]}
            if song is not None:
                song = str(Path(song).resolve())
                if known.get("song") not in (None, song):
                    raise InvalidInputError(
                        f"conversation {self.thread_id} is about {known['song']}, not {song}"
                    )
                inputs["song"] = song
            if runs and not known.get("runs"):
                inputs["runs"] = [str(Path(run).resolve()) for run in runs]
            before = len(known.get("runs", []))
            for mode, chunk in graph.stream(
                inputs, self.config, context=self.context, stream_mode=["custom", "updates"]
            ):
                if mode == "custom":
                    emit(chunk)
                else:
                    for call in _tool_calls(chunk):
                        emit({"stage": "tool", "message": call, "tool": call.split("(")[0]})
            values = graph.get_state(self.config).values
        runs_now = values.get("runs", [])
        video = str(Path(runs_now[-1], "video.mp4")) if len(runs_now) > before else None
        return Turn(answer=str(values["messages"][-1].content), video=video)


def _tool_calls(update: dict) -> list[str]:
    """The tool calls in a graph update, as `name(arg=value, …)` lines."""
    lines = []
    for message in (update.get("model") or {}).get("messages", []):
        for call in getattr(message, "tool_calls", []):
            args = ", ".join(f"{key}={value!r}" for key, value in call["args"].items())
            lines.append(f"{call['name']}({args})")
    return lines
