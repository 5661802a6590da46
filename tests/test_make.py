"""The whole video graph, end to end, on the offline backends at a small size."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from drifting import use_drifting_backend

from agent.context import Context
from agent.report import render_markdown
from agent.runner import make_video
from tools.ffmpeg import ffmpeg_exe, video_info

SMALL = {"width": 192, "height": 108, "fps": 12}


def _make(song, tmp_path, request="", **settings):
    ctx = Context(run_dir=str(tmp_path / "run"), output=str(tmp_path / "out.mp4"),
                  **{**SMALL, **settings})  # fmt: skip
    events = []
    final = make_video(str(song), request, ctx, on_event=events.append)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    return final, run, events


def _streams(path: Path) -> str:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                          capture_output=True, text=True).stderr  # fmt: skip


@pytest.fixture(scope="module")
def demo_run(demo_song, tmp_path_factory):
    return _make(demo_song, tmp_path_factory.mktemp("make"), "a dreamy video with a lone astronaut")


def test_video_has_the_songs_duration_audio_and_frames(demo_run):
    final, run, _ = demo_run
    info = video_info(final["video"])
    assert (info.width, info.height) == (192, 108)
    assert info.frames == round(run["duration"] * 12)
    streams = _streams(Path(final["video"]))
    assert "Video: h264" in streams and "Audio: aac" in streams


def test_run_manifest_records_scenes_backends_and_timings(demo_run):
    final, run, _ = demo_run
    assert run["backends"] == {
        "tagger": "features",
        "listener": "features",
        "writer": "template",
        "video": "procedural",
        "critic": "pixels",
    }
    assert {"analyze", "tag", "listen", "write", "generate", "critique", "assemble"} <= set(
        run["timings"]
    )
    for scene in run["scenes"]:
        assert {"id", "start", "end", "prompt", "attempts", "scores"} <= set(scene)
        assert all(Path(a["path"]).exists() for a in scene["attempts"])
    assert run["scenes"][0]["start"] == 0 and run["scenes"][-1]["end"] == run["duration"]
    run_dir = Path(final["report"]).parent
    for name in ("analysis.json", "tags.json", "story.json", "plan.json", "report.md"):
        assert (run_dir / name).exists(), name


def test_request_steers_the_characters(demo_run):
    _, run, _ = demo_run
    assert any(c["figure"] == "astronaut" for c in run["characters"])
    shown = [s for s in run["scenes"] if s["characters"]]
    assert shown and all(run["bible"]["text"] in s["prompt"] for s in run["scenes"])


def test_every_scene_says_its_shot_what_was_drawn_and_what_was_drawn_otherwise(demo_run):
    final, run, _ = demo_run
    for scene in run["scenes"]:
        shot, drawn = scene["shot"], scene["drawn"]
        assert shot["setting"]["place"] and shot["subjects"] is not None
        assert drawn["place"] == shot["setting"]["place"]  # the template writer's names draw
        assert [s["character"] for s in drawn["subjects"]] == scene["characters"]
        assert drawn["look"] == run["bible"]["look"]
        assert isinstance(scene["unmet"], list)
    assert any(s["character"] for scene in run["scenes"] for s in scene["drawn"]["subjects"])
    clips = Path(final["report"]).parent / "clips"
    assert sorted(p.stem for p in clips.glob("*.json")) == sorted(
        p.stem for p in clips.glob("*.mp4")
    )


def test_the_report_lists_what_was_drawn_otherwise(tmp_path):
    run = {"title": "T", "song": "s.wav", "duration": 1.0, "tempo": 120.0, "request": "",
           "video": "v.mp4", "pipeline": "hybrid", "backends": {}, "story": "",
           "bible": {"text": "B"}, "characters": [], "critic_threshold": 0.6,
           "critique_rounds": 0, "regenerated": [], "timings": {},
           "scenes": [{"id": "s01", "start": 0.0, "end": 1.0, "section": "verse",
                       "attempts": [{}], "scores": {}, "passed": True,
                       "unmet": [{"element": "prop", "wanted": "saxophone", "drawn": ""},
                                 {"element": "place", "wanted": "a volcano",
                                  "drawn": "abstract"}]}]}  # fmt: skip
    text = render_markdown(run)
    assert "s01: prop “saxophone” → not drawn" in text
    assert "s01: place “a volcano” → “abstract”" in text


def test_cuts_fall_on_beats(demo_run):
    final, run, _ = demo_run
    beats = np.array(
        json.loads(Path(final["report"]).with_name("analysis.json").read_text())["beats"]
    )
    for scene in run["scenes"][1:]:
        assert np.min(np.abs(beats - scene["start"])) < 1e-3


def test_consistent_clips_are_never_regenerated(demo_run):
    _, run, events = demo_run
    assert run["regenerated"] == []
    assert all(len(s["attempts"]) == 1 and s["passed"] for s in run["scenes"])
    assert any(e["stage"] == "generate" for e in events)


def test_drift_is_caught_and_only_drifted_scenes_are_redone(demo_song, tmp_path, monkeypatch):
    use_drifting_backend(monkeypatch)
    _, run, _ = _make(demo_song, tmp_path, video="drifting:s02=style,s04=character")
    by_id = {s["id"]: s for s in run["scenes"]}
    assert sorted(run["regenerated"]) == ["s02", "s04"]
    for sid in ("s02", "s04"):
        first, second = by_id[sid]["attempts"]
        assert not first["passed"] and second["passed"]
        assert by_id[sid]["chosen"] == 1
        assert second["seed"] != first["seed"] and "IMPORTANT" in second["prompt"]
    assert (
        by_id["s02"]["attempts"][0]["scores"]["style"]
        < by_id["s02"]["attempts"][1]["scores"]["style"]
    )
    assert by_id["s04"]["attempts"][0]["scores"]["character"] < 0.6
    assert all(len(s["attempts"]) == 1 for sid, s in by_id.items() if sid not in ("s02", "s04"))


def test_retries_are_bounded(demo_song, tmp_path, monkeypatch):
    use_drifting_backend(monkeypatch)
    _, run, _ = _make(demo_song, tmp_path, video="drifting:s03=style", max_retries=0)
    s03 = next(s for s in run["scenes"] if s["id"] == "s03")
    assert len(s03["attempts"]) == 1 and not s03["passed"]
    assert run["regenerated"] == []


@pytest.mark.parametrize(
    ("pipeline", "made", "absent"),
    [("clap", "tags.json", "story.json"), ("lalm", "story.json", "tags.json")],
)
def test_each_pipeline_uses_only_its_signal(demo_song, tmp_path, pipeline, made, absent):
    final, run, _ = _make(demo_song, tmp_path, pipeline=pipeline, width=96, height=54, fps=8)
    run_dir = tmp_path / "run"
    assert (run_dir / made).exists() and not (run_dir / absent).exists()
    assert run["pipeline"] == pipeline and Path(final["video"]).exists()
