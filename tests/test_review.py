"""Self-review: the rubric's formulas, and the bounded revision of flagged scenes."""

import json
from pathlib import Path

import pytest
from drifting import use_drifting_backend

from agent.batch_report import cost_note
from agent.context import Context
from agent.review import ReviewOptions, self_review
from agent.runner import make_video
from tools.critique.review_metrics import beat_sync, review_run, storytelling

TINY = {"width": 96, "height": 54, "fps": 6}


def _scene(sid, start, *, section=0, setting="a rooftop", action="she runs", cast=("c1",)):
    return {"id": sid, "start": start, "section": section, "setting": setting,
            "description": action, "characters": list(cast)}  # fmt: skip


def test_beat_sync_counts_cuts_within_half_a_frame_of_a_beat():
    run = {"settings": {"fps": 10}, "scenes": [_scene(f"s{k}", t) for k, t in
           enumerate([0.0, 1.0, 2.04, 3.3])]}  # fmt: skip
    analysis = {"beats": [0.5, 1.0, 2.0, 3.0], "downbeats": [1.0]}
    sync = beat_sync(run, analysis)
    assert sync["score"] == pytest.approx(2 / 3, abs=1e-3)  # 1.0 on, 2.04 within 50 ms, 3.3 off
    assert "1 on a downbeat" in sync["detail"]
    assert beat_sync({**run, "scenes": run["scenes"][:1]}, analysis)["score"] is None


def test_storytelling_proxy_rewards_coverage_variety_and_a_recurring_lead():
    analysis = {"sections": [{"label": "verse"}, {"label": "chorus"}, {"label": "verse"}]}
    varied = {"scenes": [_scene("s1", 0, section=0, action="she wakes"),
                         _scene("s2", 1, section=1, action="she runs"),
                         _scene("s3", 2, section=2, action="she rests")]}  # fmt: skip
    assert storytelling(varied, analysis)["score"] == 1.0
    same = {"scenes": [_scene(f"s{k}", k, section=k, cast=("c1",) if k else ("c2",))
                       for k in range(3)]}  # fmt: skip
    told = storytelling(same, analysis)
    # variety: 1 distinct scene over 2 labels; continuity: c1 leads in 2 of 3 scenes
    assert told["score"] == pytest.approx((1 + 0.5 + 2 / 3) / 3, abs=1e-3)
    assert told["method"] == "plan" and "structure only" in told["detail"]


def test_cost_is_stated_for_paid_apis_only():
    assert "No paid API" in cost_note({"writer": "template", "video": "ray:procedural"})
    assert "not recorded" in cost_note({"writer": "openai:gpt-4.1-mini"})


@pytest.fixture
def drifted_run(demo_song, tmp_path, monkeypatch):
    """A run whose s02 drifted and was never fixed (max_retries 0)."""
    use_drifting_backend(monkeypatch)
    ctx = Context(run_dir=str(tmp_path / "run"), output=str(tmp_path / "out.mp4"),
                  max_retries=0, video="drifting:s02=character", **TINY)  # fmt: skip
    make_video(str(demo_song), "", ctx)
    return tmp_path / "run"


def test_flagged_scenes_are_revised_within_the_bound_and_recorded(drifted_run):
    first = review_run(drifted_run)
    assert not first["passed"]
    assert [f["scene"] for f in first["flagged"]] == ["s02"]
    assert "character" in first["flagged"][0]["why"]
    video = Path(json.loads((drifted_run / "run.json").read_text())["video"])
    stamp = video.stat().st_mtime_ns

    events = []
    record = self_review(drifted_run, ReviewOptions(revise_retries=1), on_event=events.append)

    revision = record["revision"]
    assert revision["max_retries"] == {"from": 0, "to": 1}
    (s02,) = revision["scenes"]
    assert (s02["scene"], s02["attempts_before"], s02["attempts_after"]) == ("s02", 1, 2)
    assert s02["passed"] and s02["after"]["character"] > s02["before"]["character"], s02
    assert record["final"]["passed"] and not record["final"]["flagged"]
    run = json.loads((drifted_run / "run.json").read_text())
    assert {s["id"]: len(s["attempts"]) for s in run["scenes"]}["s02"] == 2
    assert all(len(s["attempts"]) == 1 for s in run["scenes"] if s["id"] != "s02")
    assert video.stat().st_mtime_ns != stamp  # re-assembled with the new clip
    assert json.loads((drifted_run / "review.json").read_text()) == record
    assert any(e["stage"] == "generate" for e in events)

    # reviewing again cannot render past the bound: s02 passed, nothing is flagged
    again = self_review(drifted_run, ReviewOptions(revise_retries=1))
    assert again["revision"] is None


def test_no_revision_when_revise_retries_is_zero(drifted_run):
    record = self_review(drifted_run, ReviewOptions(revise_retries=0))
    assert record["revision"] is None and "revision is off" in record["not_revised"]
    assert not record["final"]["passed"]
