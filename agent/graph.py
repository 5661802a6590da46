"""The video graph: analyze -> tag/listen (and lyrics) -> write -> anchor -> generate* ->
critique ⇄ generate -> assemble -> report.

`generate` runs once per scene (a `Send` each) and, after `critique`, once more for each scene
that drifted, up to `max_retries` times, so finished scenes are never rendered twice.
"""

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import RetryPolicy

from agent import nodes
from agent.context import Context
from agent.routing import route_critique, route_pipeline, route_scenes
from agent.state import State
from tools.errors import TransientBackendError

TRANSIENT = RetryPolicy(max_attempts=3, retry_on=TransientBackendError)


def build_graph(*, checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("analyze", nodes.analyze)
    builder.add_node("tag", nodes.tag, retry_policy=TRANSIENT)
    builder.add_node("listen", nodes.listen, retry_policy=TRANSIENT)
    builder.add_node("lyrics", nodes.lyrics, retry_policy=TRANSIENT)
    builder.add_node("write", nodes.write, retry_policy=TRANSIENT)
    builder.add_node("anchor", nodes.anchor, retry_policy=TRANSIENT)
    builder.add_node("generate", nodes.generate, retry_policy=TRANSIENT)
    builder.add_node("critique", nodes.critique)
    builder.add_node("assemble", nodes.assemble)
    builder.add_node("report", nodes.report)

    builder.add_edge(START, "analyze")
    builder.add_conditional_edges("analyze", route_pipeline, ["tag", "listen", "lyrics"])
    builder.add_edge("tag", "write")
    builder.add_edge("listen", "write")
    builder.add_edge("lyrics", "write")
    builder.add_edge("write", "anchor")
    builder.add_conditional_edges("anchor", route_scenes, ["generate"])
    builder.add_edge("generate", "critique")
    builder.add_conditional_edges("critique", route_critique, ["generate", "assemble"])
    builder.add_edge("assemble", "report")
    builder.add_edge("report", END)
    return builder.compile(checkpointer=checkpointer, name="sound2sight-video")


graph = build_graph()
