"""The evaluation suite's own pieces: cut detection, hit-rate math, detection statistics, the
comparison with an earlier run and the rubric's judge (fake server) or its absence."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import shared_track
from fake_openai import CHAT
from scipy import ndimage

from agent.context import Context
from agent.runner import make_video
from evals import adherence, rubric
from evals.__main__ import main
from evals.consistency import detection_stats, drift_plan
from evals.music import (
    EMOTION_CIRCUMPLEX,
    activity_scores,
    boundary_hit_rate,
    circumplex_direction,
    joined,
    voiced_frames,
)
from evals.report import Metric, markdown, regressions, summary_rows, verdict
from evals.speed import growth_exponent
from evals.sync import (
    decode_thumbnails,
    detect_cuts,
    inner_boundaries,
    nearest_offsets,
    offset_stats,
    share_within,
)
from tools.errors import InvalidInputError
from tools.ffmpeg import frame_writer
from tools.tagging.features import EMOTION_RULES

FPS = 24
SIZE = (96, 54)


def smooth_texture(seed: int) -> np.ndarray:
    """A wide image: a colour of its own with soft variations (a shot at thumbnail size)."""
    rng = np.random.default_rng(seed)
    soft = ndimage.gaussian_filter(rng.random((SIZE[1], 3 * SIZE[0], 3)), sigma=(8, 8, 0))
    soft = (soft - soft.min()) / (soft.max() - soft.min())
    return (rng.uniform(30, 170, 3) + 80 * soft).astype(np.uint8)


def synthetic_video(path) -> list[int]:
    """7.5 s of panning shots with hard cuts, a dissolve and a flash; where each shot starts."""
    shots = [smooth_texture(seed) for seed in range(5)]
    starts = [0, 30, 70, 110, 150]  # 110: the middle of a dissolve; 150: a cut with a flash
    with frame_writer(str(path), size=SIZE, fps=FPS) as writer:
        for i in range(180):
            shot = max(k for k, start in enumerate(starts) if start <= i)
            frame = shots[shot][:, i : i + SIZE[0]].astype(float)  # panning a pixel a frame
            if abs(i - 110) <= 5:
                w = (i - 104) / 12
                frame = (1 - w) * shots[2][:, i : i + SIZE[0]] + w * shots[3][:, i : i + SIZE[0]]
            if 150 <= i < 156:
                strength = 0.85 * (1 - (i - 150) / 6)
                frame = (1 - strength) * frame + strength * 255
            writer.write(np.ascontiguousarray(frame.astype(np.uint8)))
    return starts[1:]


def test_cuts_are_found_in_a_synthetic_video(tmp_path):
    expected = synthetic_video(tmp_path / "cuts.mp4")
    frames, fps = decode_thumbnails(str(tmp_path / "cuts.mp4"))
    assert fps == FPS
    found = detect_cuts(frames, fps)
    assert len(found) == len(expected)
    assert all(abs(f - e) <= 1 for f, e in zip(found, expected, strict=True))


def test_a_still_video_has_no_cuts():
    frames = np.full((48, 18, 32, 3), 90, np.uint8)
    frames[:, :, :4] = 200  # something on screen, never changing
    assert detect_cuts(frames, 24.0) == []


def test_offsets_to_the_nearest_beat_and_shares():
    beats = [0.0, 0.5, 1.0, 1.5]
    offsets = nearest_offsets([0.02, 0.74, 1.45], beats)
    assert offsets == pytest.approx([0.02, 0.24, -0.05])
    stats = offset_stats(offsets, beats)
    assert stats["on_beat"] == pytest.approx(2 / 3, abs=1e-3)
    assert stats["chance"] == pytest.approx(0.28)
    assert share_within([1.0, 3.0], [1.3, 5.0], 0.5) == 0.5
    assert share_within([1.0], [], 0.5) == 0.0
    assert share_within([], [1.0], 0.5) is None


def sections(*bounds: float, end: float = 40.0, labels: str = "abcdefgh") -> list[dict]:
    edges = [0.0, *bounds, end]
    return [
        {"start": a, "end": b, "label": labels[i]}
        for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False))
    ]


def test_boundary_hit_rate_at_two_windows():
    reference, estimate = sections(10, 20, 30), sections(10.3, 22, 30)
    assert boundary_hit_rate(reference, estimate, window=0.5) == pytest.approx((2 / 3,) * 3)
    assert boundary_hit_rate(reference, estimate, window=3.0) == pytest.approx((1.0,) * 3)
    extra = sections(10, 15, 20, 30)
    precision, recall, _ = boundary_hit_rate(reference, extra, window=0.5)
    assert (precision, recall) == pytest.approx((0.75, 1.0))


def test_repeated_sections_are_joined_and_have_no_boundary():
    song = sections(8, 16, 24, labels="abba")
    assert [s["label"] for s in joined(song)] == ["a", "b", "a"]
    assert inner_boundaries(song) == [8, 24]


def test_vocal_activity_scores():
    times = np.arange(10) / 2  # 0, 0.5, … 4.5 s
    reference = voiced_frames(np.array([[1.0, 2.0], [3.0, 4.0]]), times)
    assert reference.tolist() == [0, 0, 1, 1, 0, 0, 1, 1, 0, 0]
    estimate = np.array([0, 1, 1, 1, 0, 0, 1, 0, 0, 0], bool)
    scores = activity_scores(reference, estimate)
    assert scores["accuracy"] == 0.8
    assert (scores["precision"], scores["recall"]) == (0.75, 0.75)
    assert scores["majority_accuracy"] == 0.6


def test_every_emotion_label_has_a_place_on_the_circumplex():
    assert set(EMOTION_RULES) <= set(EMOTION_CIRCUMPLEX)
    valence, arousal = circumplex_direction(
        [{"label": "sad", "score": 0.9}, {"label": "energetic", "score": 0.3}]
    )
    assert valence == pytest.approx((-0.9 + 0.3) / 1.2)
    assert arousal == pytest.approx((-0.9 + 0.3) / 1.2)


def test_drift_detection_statistics():
    variants = ["consistent"] * 4 + ["style"] * 2 + ["character"] * 2
    overall = [0.9, 0.8, 0.5, 0.95, 0.2, 0.7, 0.1, 0.3]
    stats = detection_stats(variants, overall, threshold=0.6)
    assert stats["precision"] == 0.75  # 3 drifted and 1 consistent clip flagged
    assert stats["recall"] == 0.75
    assert stats["recall_style"] == 0.5 and stats["recall_character"] == 1.0
    assert stats["needless_regeneration_rate"] == 0.25


def test_drift_goes_to_every_third_scene_and_character_only_where_someone_is():
    scenes = [{"id": f"s{i:02d}", "characters": ["c1"] if i % 2 else []} for i in range(1, 9)]
    assert drift_plan(scenes) == {"s02": "style", "s05": "character", "s08": "style"}


def test_growth_exponent():
    assert growth_exponent([30, 60, 180], [10, 20, 60]) == 1.0
    assert growth_exponent([30, 60], [10, 40]) == 2.0
    assert growth_exponent([30], [10]) is None


def test_verdicts_respect_direction_and_tolerance():
    higher, lower = Metric("f", "higher", 0.02), Metric("s", "lower", 0.25, relative=True)
    assert verdict(higher, 0.90, 0.95) == "REGRESSION"
    assert verdict(higher, 0.94, 0.95) == ""
    assert verdict(higher, 0.99, 0.95) == "better"
    assert verdict(lower, 13.0, 10.0) == "REGRESSION"
    assert verdict(lower, 12.0, 10.0) == ""
    assert verdict(Metric("n", ""), 1.0, 5.0) == ""
    assert verdict(higher, None, 0.9) == ""


def results(beat_f: float, make_ratio: float) -> dict:
    meta = {"started": "2025-01-01 00:00", "seconds": 60.0, "commit": "abc", "machine": "x"}
    meta["settings"] = {"quick": True, "resolution": "320x180", "fps": 24}
    return {
        "meta": meta,
        "music": {"status": "ok", "summary": {"beat_f": beat_f}},
        "speed": {"status": "ok", "summary": {"make_ratio": make_ratio}},
        "rubric": {"status": "not run: no judge configured"},
    }


def test_comparison_flags_regressions_and_shows_deltas():
    rows = summary_rows(results(0.90, 5.0), results(0.95, 5.1))
    flagged = regressions(rows)
    assert [(r.area, r.label) for r in flagged] == [("music", "beat F-measure (70 ms), muldjord_*")]
    text = markdown(results(0.90, 5.0), results(0.95, 5.1))
    assert "REGRESSION" in text and "-0.05" in text and "1 regression(s)" in text
    assert "not run: no judge configured" in text


def test_rubric_is_not_run_without_a_judge():
    result = rubric.evaluate([], judge=None)
    assert result["status"].startswith("not run")
    assert "summary" not in result


@pytest.fixture(scope="module")
def tiny_video(demo_song, tmp_path_factory) -> dict:
    """A finished run of the demo song at a tiny size, as evals/videos.py would leave one."""
    root = tmp_path_factory.mktemp("rubric")
    ctx = Context(run_dir=str(root / "run"), output=str(root / "video.mp4"),
                  width=96, height=54, fps=6)  # fmt: skip
    make_video(str(demo_song), "", ctx)
    return {"name": "demo", "video": ctx.output, "run_dir": ctx.run_dir}


@pytest.mark.slow
def test_rubric_reports_the_judge_and_the_self_review(tiny_video, fake_openai):
    """Slow: makes a (tiny) video first."""
    marks = {"storytelling": 5, "visual_impression": 3, "emotional_consistency": 1}
    reply = {name: {"score": score, "reason": "seen"} for name, score in marks.items()}
    fake_openai.enqueue(CHAT, json.dumps(reply))
    result = rubric.evaluate([tiny_video], judge="openai:fake-vlm")
    assert result["status"] == "ok"
    summary = result["summary"]
    assert [summary[name] for name in marks] == [1.0, 0.5, 0.0]  # (score - 1) / 4
    assert 0.0 <= summary["style_consistency"] <= 1.0
    assert summary["lyric_alignment"].startswith("not measured")
    (body,) = fake_openai.bodies()
    assert body["model"] == "fake-vlm"


def test_cli_writes_results_and_reports_the_rubric_as_not_run(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--only", "rubric"]) == 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["rubric"]["status"].startswith("not run")
    assert "not run" in (tmp_path / "results.md").read_text()
    assert "| rubric | not run" in capsys.readouterr().out


@pytest.mark.slow
def test_quick_sync_run_end_to_end(tmp_path):
    """`python -m evals --quick --only sync`: videos made, cuts measured, durations equal."""
    cmd = [sys.executable, "-m", "evals", "--quick", "--only", "sync", "--out", str(tmp_path)]
    subprocess.run(cmd, check=True, capture_output=True)
    sync = json.loads((tmp_path / "results.json").read_text())["sync"]
    assert sync["status"] == "ok"
    assert sync["summary"]["max_duration_error_s"] < 0.05
    assert sync["summary"]["cuts_on_true_beat"] > 0.5


def test_pipes_in_labels_do_not_break_the_tables():
    run = results(0.9, 5.0)
    run["sync"] = {"status": "ok", "summary": {"cut_beat_median_abs_ms": 12.0}}
    table = [line for line in markdown(run).splitlines() if line.startswith("| ")]
    cells = {line.replace("\\|", "").count("|") for line in table}
    assert cells == {4}


# ------------------------------------------------------------------ adherence


def shot_scene(k: int, *, place: str, props: list[str], action: str, kind: str = "story") -> dict:
    """A scene of a hand-made plan: 10 s, one character, the given place, props and action."""
    return {
        "id": f"s{k + 1:02d}",
        "index": k,
        "start": 10.0 * k,
        "end": 10.0 * (k + 1),
        "shot": {
            "kind": kind,
            "setting": {"place": place, "time": "sunrise", "weather": "fog"},
            "view": k % 2,
            "subjects": [{"character": "c1", "action": action, "expression": "calm"}],
            "props": props,
            "camera": {"framing": ("wide", "medium", "close-up")[k % 3], "move": "static"},
            "lighting": "soft",
            "mood": "calm",
            "description": "",
        },
    }


def drawn_report(scene: dict, **changes) -> dict:
    """The renderer's report of drawing the scene as planned, with `changes`."""
    shot = scene["shot"]
    drawn = {**shot["setting"], "view": shot["view"], "props": shot["props"],
             "subjects": shot["subjects"], "look": "watercolor", "camera": shot["camera"],
             "accents": []}  # fmt: skip
    return {"drawn": {**drawn, **changes}, "unmet": []}


LAKE_REQUEST = {
    "id": "lake",
    "track": "slow_motion_dream_excerpt.mp3",
    "request": "a friend fishing on a misty lake at dawn, watercolour, calm; no rain",
    "elements": {"place": ["lake"], "time": "sunrise", "weather": "fog", "props": ["fishing rod"],
                 "actions": ["fish"], "look": "watercolor", "characters": 1, "mood": "calm",
                 "avoid": {"weather": ["rain"]}},
}  # fmt: skip


def test_the_request_set_is_annotated_in_shot_names_over_several_tracks():
    requests = adherence.load_requests()
    assert len(requests) >= 40
    tracks = {r["track"] for r in requests}
    assert len(tracks) >= 8 and "fantasma_los_rombos.mp3" in tracks
    assert all(shared_track(adherence.track_path(t).name).exists() for t in tracks)
    assert {key for r in requests for key in r["elements"]} == set(adherence.KINDS)
    assert adherence.annotation_problems({"place": ["moon"], "mood": "sad", "colour": "red"}) == [
        "unknown element 'colour'",
        "place: 'moon' is not a name of tools.shots",
        "mood: 'sad' is not a mood family of tools.writing.request",
    ]


def test_another_request_set_may_list_elements_flat_and_a_missing_track_is_not_run(tmp_path):
    flat = [{"track": "no_such_song", "request": "a lake at night", "place": ["lake"],
             "time": "night"}]  # fmt: skip
    (tmp_path / "flat.json").write_text(json.dumps(flat))
    (request,) = adherence.load_requests(tmp_path / "flat.json")
    assert request["id"] == "r01"
    assert request["elements"] == {"place": ["lake"], "time": "night"}
    assert adherence.track_path("vibe_ace") == shared_track("vibe_ace.ogg")
    result = adherence.evaluate(requests=tmp_path / "flat.json")
    assert result["status"].startswith("not run: track(s) not found: no_such_song")
    (tmp_path / "bad.json").write_text(json.dumps([{**flat[0], "weather": "sunny"}]))
    with pytest.raises(InvalidInputError, match="r01.*weather: 'sunny' is not a name"):
        adherence.load_requests(tmp_path / "bad.json")


def test_adherence_scores_plan_and_picture_and_catches_what_is_missing():
    scenes = [shot_scene(k, place="lake", props=["fishing rod"], action="fish") for k in range(3)]
    scenes.append(shot_scene(3, place="stage", props=["microphone"], action="sing",
                             kind="performance"))  # fmt: skip
    plan = {"bible": {"look": "watercolor", "mood": "calm"}, "scenes": scenes}
    faithful = [drawn_report(s) for s in scenes]
    result = adherence.score(LAKE_REQUEST, plan, faithful)
    assert result["plan_score"] == result["picture_score"] == 1.0
    assert result["sung"] and result["scenes"] == 4
    props = next(c for c in result["plan"] if c["kind"] == "props")
    assert props["share"] == 0.75
    assert result["variety"] == {"backdrops_per_minute": 4.5, "distinct_actions": 2,
                                 "distinct_expressions": 1, "wide": 0.5, "medium": 0.25,
                                 "close-up": 0.25, "performance": 0.25,
                                 "drawn_backdrops_per_minute": 4.5}  # fmt: skip

    unfished = [{**s, "shot": {**s["shot"], "props": []}} for s in scenes]  # the rod removed
    broken = adherence.score(LAKE_REQUEST, {**plan, "scenes": unfished}, faithful)
    assert broken["plan_score"] == round(8 / 9, 3) and broken["picture_score"] == 1.0
    rainy = [drawn_report(s, weather="rain", look="neon") for s in scenes]
    undrawn = adherence.score(LAKE_REQUEST, plan, rainy)
    assert undrawn["plan_score"] == 1.0 and undrawn["picture_score"] == 5 / 8
    summary = adherence.summarize([result, broken, undrawn])
    assert summary["summary"]["plan_score"] == round(26 / 27, 3)
    missed = {(m["request"], m["element"], m["plan"], m["picture"]) for m in summary["misses"]}
    assert missed == {("lake", "fishing rod", "none", "ok"), ("lake", "fog", "ok", "rain"),
                      ("lake", "watercolor", "ok", "neon"),
                      ("lake", "no rain", "ok", "rain in 100%")}  # fmt: skip


def test_adherence_end_to_end_on_two_requests_of_a_short_track(tmp_path, capsys):
    """`python -m evals.adherence --requests` on the 11 s excerpt: scores computed, and a plan
    with the request's elements taken out of its shots scores lower."""
    shared_track("slow_motion_dream_excerpt.mp3")
    two = ("misty-lake-friends", "neon-club")
    chosen = [r for r in adherence.load_requests() if r["id"] in two]
    (tmp_path / "two.json").write_text(json.dumps({"requests": chosen}))
    assert adherence.main(["--requests", str(tmp_path / "two.json"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "ok" and result["summary"]["requests"] == 2
    assert 0 < result["summary"]["plan_score"] <= 1 and 0 <= result["summary"]["picture_score"] <= 1
    assert "Adherence per element kind" in adherence.report.area_markdown("adherence", result)

    request = chosen[0]
    plan = adherence.Pipeline().plan(adherence.track_path(request["track"]), request["request"])
    reports = adherence.rendered(plan, seed=0)
    for scene in plan["scenes"]:  # the lake, the fog, the rod and the fishing taken out
        shot = scene["shot"]
        shot["setting"] = {**shot["setting"], "place": "street", "weather": "clear"}
        shot["props"] = []
        shot["subjects"] = [{**s, "action": "stand"} for s in shot["subjects"]]
    honest = next(r for r in result["results"] if r["id"] == request["id"])
    assert adherence.score(request, plan, reports)["plan_score"] < honest["plan_score"]
