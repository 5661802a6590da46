"""Single nodes of the video graph, each run on its own in a one-node graph with a small
Context (the offline backends, 128x72 at 8 fps) and the state the nodes before it would have
made, on a short synthesized song: what each node returns, and what it leaves in the run folder.
"""

from itertools import pairwise
from pathlib import Path

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from agent import nodes
from agent.context import Context
from agent.state import ClipTask, State
from tools.audio.demo_song import synthesize_song
from tools.ffmpeg import video_info

LAYOUT = (("verse", 2), ("chorus", 2))  # 4 bars of 2 s at 120 BPM: an 8 s song


def run_node(node, state: dict, ctx: Context, *, send: ClipTask | None = None):
    """Run `node` alone as the only node of a graph (sent `send` as its input when given, as
    the video graph sends clip tasks); return its update and the progress it wrote."""
    graph = StateGraph(State, context_schema=Context)
    graph.add_node(node.__name__, node)
    if send is None:
        graph.add_edge(START, node.__name__)
    else:
        graph.add_conditional_edges(START, lambda _: [Send(node.__name__, send)], [node.__name__])
    graph.add_edge(node.__name__, END)
    updates, progress = [], []
    for mode, chunk in graph.compile().stream(
        state, context=ctx, stream_mode=["updates", "custom"]
    ):
        if mode == "updates":
            updates.append(chunk[node.__name__])
        else:
            progress.append(chunk)
    assert len(updates) == 1, updates
    return updates[0], progress


def context(run_dir: Path, **settings) -> Context:
    return Context(
        run_dir=str(run_dir), output=str(run_dir / "video.mp4"), width=128, height=72, fps=8,
        workers=1, **settings,
    )  # fmt: skip


def clip_task(state: dict, scene_index: int, attempt: int = 0) -> ClipTask:
    return {
        "scene": state["plan"]["scenes"][scene_index],
        "attempt": attempt,
        "seed": 7 + attempt,
        "plan": state["plan"],
        "analysis": state["analysis"],
        "anchors": state["anchors"],
    }


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("song") / "short.wav"
    synthesize_song(path, layout=LAYOUT, sr=22050)
    return str(path)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="module")
def analyzed(song, run_dir) -> dict:
    update, _ = run_node(nodes.analyze, {"song": song, "request": ""}, context(run_dir))
    return {"song": song, "request": "a lighthouse keeper", **update}


@pytest.fixture(scope="module")
def written(analyzed, run_dir) -> dict:
    update, _ = run_node(nodes.write, analyzed, context(run_dir))
    return {**analyzed, **update}


@pytest.fixture(scope="module")
def anchored(written, run_dir) -> dict:
    update, _ = run_node(nodes.anchor, written, context(run_dir))
    return {**written, **update}


@pytest.fixture(scope="module")
def rendered(anchored, run_dir) -> dict:
    """Every scene's first clip, each made by one `generate`."""
    clips = {}
    for k in range(len(anchored["plan"]["scenes"])):
        update, _ = run_node(
            nodes.generate, anchored, context(run_dir), send=clip_task(anchored, k)
        )
        clips |= update["clips"]
    return {**anchored, "clips": clips}


def test_analyze_returns_the_analysis_and_saves_it(analyzed, run_dir, song):
    analysis = analyzed["analysis"]
    assert set(analyzed) == {"song", "request", "analysis", "timings"}
    assert set(analyzed["timings"]) == {"analyze"}
    assert analysis["duration"] == pytest.approx(8.0, abs=0.1)
    assert analysis["tempo"] == pytest.approx(120.0, rel=0.05)
    assert analysis["sections"][0]["start"] == 0.0
    assert analysis["sections"][-1]["end"] == pytest.approx(analysis["duration"])
    assert (run_dir / "analysis.json").exists()


def test_analyze_takes_the_user_s_sections_and_says_so(song, tmp_path):
    ctx = context(tmp_path, sections="0:verse,4:chorus")
    update, progress = run_node(nodes.analyze, {"song": song, "request": ""}, ctx)
    sections = update["analysis"]["sections"]
    assert [(s["start"], s["label"]) for s in sections] == [(0.0, "verse"), (4.0, "chorus")]
    assert {p["stage"] for p in progress} == {"analyze"}
    assert "from --sections" in progress[-1]["message"]


def test_tag_labels_the_song_and_each_section(analyzed, run_dir):
    update, _ = run_node(nodes.tag, analyzed, context(run_dir))
    tags = update["tags"]
    assert tags["source"] == "features"
    assert len(tags["sections"]) == len(analyzed["analysis"]["sections"])
    assert set(update["timings"]) == {"tag"} and (run_dir / "tags.json").exists()


def test_listen_writes_one_scene_per_section(analyzed, run_dir):
    update, _ = run_node(nodes.listen, analyzed, context(run_dir))
    story = update["story"]
    assert story["source"] == "features" and story["text"]
    assert len(story["sections"]) == len(analyzed["analysis"]["sections"])
    assert set(update["timings"]) == {"listen"} and (run_dir / "story.json").exists()


def test_write_returns_a_plan_whose_scenes_cover_the_song(written, run_dir):
    plan, duration = written["plan"], written["analysis"]["duration"]
    assert plan["request"] == "a lighthouse keeper"
    scenes = plan["scenes"]
    assert scenes[0]["start"] == 0.0 and scenes[-1]["end"] == pytest.approx(duration, abs=0.01)
    assert all(a["end"] == pytest.approx(b["start"]) for a, b in pairwise(scenes))
    assert set(written["timings"]) >= {"write"}
    assert (run_dir / "plan.json").exists()


def test_anchor_draws_the_style_and_one_sheet_per_character(anchored):
    anchors = anchored["anchors"]
    assert Path(anchors["style"]).exists()
    ids = {character["id"] for character in anchored["plan"]["characters"]}
    assert set(anchors["characters"]) == ids
    assert all(Path(path).exists() for path in anchors["characters"].values())


def test_generate_renders_one_clip_at_the_run_s_size(anchored, tmp_path):
    task = clip_task(anchored, 0, attempt=1)
    update, progress = run_node(nodes.generate, anchored, context(tmp_path), send=task)
    sid = task["scene"]["id"]
    assert list(update["clips"]) == [sid]
    [attempt] = update["clips"][sid]
    assert attempt["attempt"] == 1 and attempt["seed"] == 8
    assert attempt["path"] == str(tmp_path / "clips" / f"{sid}.a1.mp4")
    info = video_info(attempt["path"])
    assert (info.width, info.height) == (128, 72)
    assert attempt["seconds"] > 0
    assert update["timings"]["generate"] == pytest.approx(attempt["seconds"], abs=1e-3)
    message = f"{sid} attempt 2 rendered"  # attempts count from 1 for people
    assert progress[-1] == {"stage": "generate", "message": message, "scene": sid}


def test_generate_keeps_a_clip_an_earlier_run_finished(rendered, run_dir):
    task = clip_task(rendered, 0)
    update, _ = run_node(nodes.generate, rendered, context(run_dir), send=task)
    [attempt] = update["clips"][task["scene"]["id"]]
    assert attempt["path"] == rendered["clips"][task["scene"]["id"]][0]["path"]
    assert attempt["seconds"] == 0.0  # not rendered again


def test_critique_scores_only_the_clips_not_yet_scored(rendered, run_dir):
    first = rendered["plan"]["scenes"][0]["id"]
    state = {**rendered, "clips": {first: rendered["clips"][first]}, "critique_rounds": 1}
    update, _ = run_node(nodes.critique, state, context(run_dir))
    assert update["critique_rounds"] == 2
    assert list(update["clips"]) == [first]
    [scored] = update["clips"][first]
    assert 0.0 <= scored["scores"]["overall"] <= 1.0
    assert isinstance(scored["passed"], bool)

    again, _ = run_node(nodes.critique, {**state, "clips": update["clips"]}, context(run_dir))
    assert again["clips"] == {}  # nothing new to score


def test_assemble_cuts_the_clips_into_the_song_s_length(rendered, run_dir):
    update, _ = run_node(nodes.assemble, rendered, context(run_dir))
    assert update["video"] == str(run_dir / "video.mp4")
    info = video_info(update["video"])
    assert (info.width, info.height, info.fps) == (128, 72, 8)
    assert info.frames / info.fps == pytest.approx(rendered["analysis"]["duration"], abs=0.25)
