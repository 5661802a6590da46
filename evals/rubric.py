"""Rubric judging of the produced videos, by the project's own self-review and judge.

With a judge (`--judge openai:MODEL`: any OpenAI-compatible chat model that takes images, at
OPENAI_BASE_URL with OPENAI_API_KEY), every video goes through `agent.review.self_review`
without revision: the judge (tools/critique/judge.py) looks at the run's contact sheet and scores
the paper's three dimensions (storytelling, visual impression, emotional consistency), and the
self-review rubric adds what the run's own measurements say (style and character consistency
from the critic, beat sync from the plan against the analysis; lyric alignment when there are
lyrics). Scores are 0..1 as the review reports them; each says how it was obtained.

Without a judge the area is not run: the paper's dimensions need one, and the self-review's
measured dimensions are already covered by the consistency and sync areas.
"""

from functools import partial
from pathlib import Path

import numpy as np

from agent.batch_report import draw_contact_sheet
from agent.review import ReviewOptions, self_review
from evals.videos import Video
from tools.critique.review_metrics import DIMENSIONS

NO_JUDGE = (
    "not run: no judge configured (give --judge openai:MODEL, a vision chat model at "
    "OPENAI_BASE_URL and/or with OPENAI_API_KEY)"
)


def review_video(video: Video, judge: str) -> dict:
    """The judged self-review of one produced video (its review.json lands in its run folder)."""
    run_dir = Path(video["run_dir"])
    options = ReviewOptions(judge=judge, revise_retries=0)
    final = self_review(run_dir, options, sheet=partial(draw_contact_sheet, run_dir))["final"]
    return {
        "video": video["name"],
        "overall": final["overall"],
        "passed": final["passed"],
        "dimensions": final["dimensions"],
    }


def mean_scores(rows: list[dict]) -> dict[str, float | str]:
    """Per dimension the mean score over the videos, or why no video has one."""
    summary: dict[str, float | str] = {}
    for name in DIMENSIONS:
        scored = [r["dimensions"][name] for r in rows if r["dimensions"][name]["score"] is not None]
        if scored:
            summary[name] = round(float(np.mean([d["score"] for d in scored])), 3)
        else:
            summary[name] = rows[0]["dimensions"][name]["detail"]
    return summary


def evaluate(videos: list[Video], *, judge: str | None) -> dict:
    """The rubric's mean scores over the videos, or why it was not run."""
    if not judge:
        return {"status": NO_JUDGE}
    if not videos:
        return {"status": "not run: no videos were produced"}
    rows = [review_video(video, judge) for video in videos]
    return {"status": "ok", "judge": judge, "summary": mean_scores(rows), "videos": rows}
