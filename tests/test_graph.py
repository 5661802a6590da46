"""The video graph's shape, reducers and routing, tested on their own."""

from pathlib import Path

from langgraph.runtime import Runtime
from langgraph.types import Send

from agent.context import Context
from agent.graph import build_graph
from agent.nodes import retry_prompts
from agent.routing import SEED_STRIDE, route_critique, route_pipeline
from agent.state import add_timings, best_attempt, merge_attempts

SNAPSHOT = Path(__file__).parent / "snapshots" / "video_graph.mmd"


def _runtime(**settings) -> Runtime:
    return Runtime(context=Context(run_dir="r", output="r/v.mp4", **settings))


def _attempt(n, overall, passed):
    return {"attempt": n, "seed": n, "prompt": "p", "path": f"c{n}.mp4", "seconds": 1.0,
            "scores": {"overall": overall}, "passed": passed}  # fmt: skip


def test_graph_drawing_matches_snapshot():
    drawing = build_graph().get_graph().draw_mermaid()
    assert drawing == SNAPSHOT.read_text(), "graph changed: update tests/snapshots/video_graph.mmd"


def test_merge_attempts_keys_by_scene_and_attempt():
    first = {"s01": [_attempt(0, 0.2, False)], "s02": [_attempt(0, 0.9, True)]}
    redo = {"s01": [_attempt(1, 0.8, True)]}
    merged = merge_attempts(first, redo)
    assert [a["attempt"] for a in merged["s01"]] == [0, 1]
    assert merged["s02"] == first["s02"]
    rescored = merge_attempts(merged, {"s01": [{**_attempt(1, 0.85, True)}]})
    assert rescored["s01"][1]["scores"]["overall"] == 0.85 and len(rescored["s01"]) == 2


def test_timings_add_up():
    assert add_timings({"generate": 1.0}, {"generate": 2.5, "assemble": 1}) == {
        "generate": 3.5,
        "assemble": 1,
    }


def test_best_attempt_prefers_passing_then_score():
    attempts = [_attempt(0, 0.5, False), _attempt(1, 0.7, True), _attempt(2, 0.9, False)]
    assert best_attempt(attempts)["attempt"] == 1
    assert best_attempt([_attempt(0, 0.3, False), _attempt(1, 0.4, False)])["attempt"] == 1


def test_route_pipeline():
    assert route_pipeline({}, _runtime(pipeline="clap")) == ["tag"]
    assert route_pipeline({}, _runtime(pipeline="lalm")) == ["listen"]
    assert route_pipeline({}, _runtime()) == ["tag", "listen"]


def _state(clips, *, max_retries=2):
    """A state as `critique` leaves it: scored clips and the prompts of the retries."""
    scenes = [{"id": sid, "index": k, "prompt": f"prompt {sid}", "characters": []}
              for k, sid in enumerate(clips)]  # fmt: skip
    bible = {"text": "bible", "palette": ["#000000"], "medium": "m", "lighting": "l"}
    plan = {"scenes": scenes, "bible": bible, "characters": []}
    retries = retry_prompts(plan, clips, threshold=0.5, max_retries=max_retries)
    return {"plan": plan, "clips": clips, "analysis": {}, "anchors": {}, "retry_prompts": retries}


def test_critique_writes_stronger_prompts_only_for_failing_scenes_with_budget():
    state = _state(
        {
            "s01": [_attempt(0, 0.9, True)],
            "s02": [_attempt(0, 0.2, False)],
            "s03": [_attempt(0, 0.2, False), _attempt(1, 0.3, False), _attempt(2, 0.3, False)],
        }
    )
    assert list(state["retry_prompts"]) == ["s02"]
    stronger = state["retry_prompts"]["s02"]
    assert stronger != "prompt s02" and "prompt s02" in stronger


def test_route_critique_regenerates_the_scenes_critique_sent_back():
    state = _state(
        {
            "s01": [_attempt(0, 0.9, True)],
            "s02": [_attempt(0, 0.2, False)],
            "s03": [_attempt(0, 0.2, False), _attempt(1, 0.3, False), _attempt(2, 0.3, False)],
        }
    )
    sends = route_critique(state, _runtime(max_retries=2, seed=7))
    assert [s.arg["scene"]["id"] for s in sends] == ["s02"]
    task = sends[0].arg
    assert isinstance(sends[0], Send) and sends[0].node == "generate"
    assert task["attempt"] == 1 and task["seed"] == 7 + SEED_STRIDE + 1
    assert task["scene"]["prompt"] == state["retry_prompts"]["s02"]


def test_route_critique_assembles_when_all_pass_or_budget_spent():
    assert route_critique(_state({"s01": [_attempt(0, 0.9, True)]}), _runtime()) == "assemble"
    spent = _state({"s01": [_attempt(0, 0.1, False)]}, max_retries=0)
    assert route_critique(spent, _runtime(max_retries=0)) == "assemble"
