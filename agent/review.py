"""Self-review: score a finished run against the rubric of `tools.critique.review_metrics`,
and revise the scenes under the bar.

The bar: a video passes when every scored dimension reaches `bar` and every scene's chosen clip
passed the critic. Scenes whose clips never passed are flagged; revision gives each flagged
scene up to `revise_retries` more renders (new seed, stronger prompt) through the video graph
itself, from its checkpoint, then the video is re-assembled and reviewed again. One revision
round per review, so the work is bounded: at most 1 + max_retries + revise_retries renders per
scene, however often the review runs.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from agent.context import Context
from agent.graph import build_graph
from agent.runner import THREAD, OnEvent
from tools.critique.review_metrics import (
    BAR,
    describe_music,
    dimensions_below,
    judged,
    load_json,
    review_run,
    summary,
)
from tools.errors import InvalidInputError
from tools.files import write_json
from tools.registry import load_backend


@dataclass(frozen=True, kw_only=True)
class ReviewOptions:
    bar: float = BAR
    revise_retries: int = 2  # extra renders per flagged scene, in one revision round
    judge: str | None = None  # spec of a vision-language judge, e.g. openai:gpt-4.1-mini


def self_review(
    run_dir: str | Path,
    options: ReviewOptions,
    *,
    sheet: Callable[[], str] | None = None,
    on_event: OnEvent | None = None,
) -> dict:
    """Review, revise the flagged scenes when under the bar, review again (with the judge of
    `options`, if any, looking at the contact sheet that `sheet` draws); writes review.json."""
    run_dir = Path(run_dir)
    emit = on_event or (lambda event: None)
    first = review_run(run_dir, bar=options.bar)
    record: dict = {"bar": options.bar, "first": first, "revision": None}
    final = first
    if first["flagged"] and options.revise_retries > 0:
        emit({"stage": "review", "message": f"revising {len(first['flagged'])} scenes"})
        record["revision"] = revise_scenes(
            run_dir, first["flagged"], extra_retries=options.revise_retries, on_event=emit
        )
        final = review_run(run_dir, bar=options.bar)
    elif not first["passed"]:
        record["not_revised"] = (
            "revision is off (revise_retries 0)"
            if first["flagged"]
            else "under the bar on "
            + ", ".join(dimensions_below(first))
            + ": no scene to re-render fixes that (it is in the plan or the analysis)"
        )
    if options.judge is not None:
        if sheet is None:
            raise InvalidInputError("a judge needs the contact sheet: give `sheet`")
        judge = load_backend("judge", options.judge)
        emit({"stage": "review", "message": f"asking the judge ({judge.name})"})
        run = load_json(run_dir / "run.json")
        verdict = judge.judge(run=run, sheet=sheet(), music=describe_music(run_dir))
        final = judged(final, verdict, judge=judge.name)
        record["judge"] = judge.name
    record["final"] = final
    write_json(run_dir / "review.json", record)
    emit({"stage": "review", "message": summary(final)})
    return record


def revise_scenes(
    run_dir: Path, flagged: list[dict], *, extra_retries: int, on_event: OnEvent
) -> dict:
    """Give the flagged scenes `extra_retries` more attempts through the video graph.

    The finished graph is resumed from its checkpoint at `critique` with a higher max_retries:
    its own routing re-renders exactly the scenes that never passed, with new seeds and
    strengthened prompts, critiques them, re-assembles the video and rewrites run.json.
    """
    t0 = time.perf_counter()
    before = {s["id"]: s for s in load_json(run_dir / "run.json")["scenes"]}
    settings = load_json(run_dir / "settings.json")
    saved = Context.from_dict(settings["context"])
    ctx = replace(saved, max_retries=saved.max_retries + extra_retries)
    config = {"configurable": {"thread_id": THREAD}}
    with SqliteSaver.from_conn_string(str(run_dir / "checkpoints.sqlite")) as saver:
        graph = build_graph(checkpointer=saver)
        graph.update_state(config, {"clips": {}}, as_node="generate")
        for chunk in graph.stream(None, config, context=ctx, stream_mode="custom"):
            on_event(chunk)
    after = {s["id"]: s for s in load_json(run_dir / "run.json")["scenes"]}
    scenes = []
    for item in flagged:
        sid = item["scene"]
        scenes.append(
            {
                "scene": sid,
                "why": item["why"],
                "attempts_before": len(before[sid]["attempts"]),
                "attempts_after": len(after[sid]["attempts"]),
                "before": before[sid]["scores"],
                "after": after[sid]["scores"],
                "passed": after[sid]["passed"],
            }
        )
    return {
        "max_retries": {"from": saved.max_retries, "to": ctx.max_retries},
        "scenes": scenes,
        "seconds": round(time.perf_counter() - t0, 3),
    }
