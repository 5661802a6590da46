"""Revisions: plan edits on their own, then revised runs that re-render only what changed."""

import json
import os
from pathlib import Path

import pytest

from agent.context import Context
from agent.revise import remake, revise
from agent.runner import make_video
from tools.errors import InvalidInputError
from tools.writing.plan_edits import (
    changed_scenes,
    edit_scenes,
    find_character,
    recolor,
    relight,
    restyle,
    select_scenes,
)

SMALL = {"width": 96, "height": 54, "fps": 8}


@pytest.fixture(scope="module")
def base_run(demo_song, tmp_path_factory) -> Path:
    """A finished run of the demo song with a singer."""
    folder = tmp_path_factory.mktemp("revise") / "v1"
    folder.mkdir()
    ctx = Context(run_dir=str(folder), output=str(folder / "video.mp4"), **SMALL)
    make_video(str(demo_song), "a melancholic video with a singer", ctx)
    return folder


def _plan(run: Path) -> dict:
    return json.loads((run / "plan.json").read_text())


def _run(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


# ---------------------------------------------------------------------------- plan edits


def test_scene_selectors(base_run):
    plan = _plan(base_run)
    labels = [s["section_label"] for s in plan["scenes"]]
    choruses = [s["id"] for s in plan["scenes"] if s["section_label"] == "chorus"]
    assert select_scenes(plan, ["chorus"]) == choruses == select_scenes(plan, ["the choruses"])
    assert select_scenes(plan, ["scene 3", "s01", "last"]) == [
        "s01",
        "s03",
        plan["scenes"][-1]["id"],
    ]
    assert len(select_scenes(plan, ["all"])) == len(labels)
    for bad in ("scene 99", "coda"):
        with pytest.raises(InvalidInputError, match="scene|section"):
            select_scenes(plan, [bad])


def test_light_levels_move_one_step_and_stop_at_the_ends():
    assert relight("night", "brighter") == ("dusk", None)
    assert relight("dusk", "brighter") == ("sunset", None)
    assert relight("sunrise", "brighter") == ("golden hour", None)
    assert relight("golden hour", "darker") == ("sunset", None)
    assert relight("day", "brighter") == ("day", "already as bright as it goes (day)")
    assert relight("night", "darker") == ("night", "already as dark as it goes (night)")


def test_scene_edits_change_the_shot_and_its_words(base_run):
    plan = _plan(base_run)
    sid = plan["scenes"][1]["id"]
    edit = {"kind": "scene", "scenes": [sid], "setting": "a misty lake at sunset",
            "description": "she is fishing, holding a lantern"}  # fmt: skip
    edited, notes = edit_scenes(plan, edit)
    scene = next(s for s in edited["scenes"] if s["id"] == sid)
    assert scene["shot"]["setting"] == {"place": "lake", "time": "sunset", "weather": "fog"}
    assert all(s["action"] == "fish" for s in scene["shot"]["subjects"])
    assert {"lantern", "fishing rod"} <= set(scene["shot"]["props"])
    assert "lake" in scene["setting"] and "lantern" in scene["prompt"] and notes == []
    assert changed_scenes(plan, edited) == [sid]


def test_a_camera_edit_changes_the_move_of_those_scenes_only(base_run):
    plan = _plan(base_run)
    sid = plan["scenes"][1]["id"]
    edited, _ = edit_scenes(plan, {"kind": "scene", "scenes": [sid], "camera": "whip pan"})
    scene = next(s for s in edited["scenes"] if s["id"] == sid)
    assert scene["shot"]["camera"]["move"] == "whip pan" and scene["camera"].endswith("whip pan")
    assert changed_scenes(plan, edited) == [sid]
    with pytest.raises(InvalidInputError, match="unknown camera move 'wobble'"):
        edit_scenes(plan, {"kind": "scene", "scenes": [sid], "camera": "wobble"})


def test_restyle_changes_the_bible_and_every_prompt_but_not_the_cast(base_run):
    plan = _plan(base_run)
    neon = restyle(plan, style="neon", mood=None, colors=[])
    assert neon["bible"]["medium"].startswith("neon-lit") and neon["bible"]["mood"] == "melancholic"
    assert neon["characters"] == plan["characters"]
    assert all(neon["bible"]["text"] in s["prompt"] for s in neon["scenes"])
    assert changed_scenes(plan, neon) == [s["id"] for s in plan["scenes"]]
    with pytest.raises(InvalidInputError, match="unknown style"):
        restyle(plan, style="blurple", mood=None, colors=[])


def test_recolor_changes_one_character_and_its_scenes(base_run):
    plan = _plan(base_run)
    singer = find_character(plan, "singer")
    red = recolor(plan, "the singer", {"outfit": "yellow"})
    changed = find_character(red, singer["id"])
    assert changed["colors"]["outfit"] == "#ffd60a" and "yellow" in changed["description"]
    showing = [s["id"] for s in plan["scenes"] if singer["id"] in s["characters"]]
    assert changed_scenes(plan, red) == showing
    with pytest.raises(InvalidInputError, match="no 'astronaut'"):
        find_character(plan, "astronaut")


def test_unchanged_plan_changes_no_scene(base_run):
    plan = _plan(base_run)
    assert changed_scenes(plan, restyle(plan, style=None, mood=None, colors=[])) == []


# ---------------------------------------------------------------------------- revised runs


def test_revision_renders_only_the_edited_scenes_and_keeps_the_old_run(base_run):
    before = {p.name: p.stat().st_mtime_ns for p in (base_run / "clips").iterdir()}
    old_video = (base_run / "video.mp4").stat().st_mtime_ns
    choruses = select_scenes(_plan(base_run), ["chorus"])
    events = []
    final = revise(
        base_run,
        run_dir=base_run.parent / "v2",
        edits=[{"kind": "scene", "scenes": choruses, "brightness": "brighter"}],
        on_event=events.append,
    )
    v2 = base_run.parent / "v2"
    assert final["revised"] == choruses and Path(final["video"]) == v2 / "video.mp4"
    rendered = [e["scene"] for e in events if e["stage"] == "generate"]
    assert sorted(set(rendered)) == choruses
    for name in before:  # the old run is untouched; kept clips are the same files
        assert (base_run / "clips" / name).stat().st_mtime_ns == before[name]
    assert (base_run / "video.mp4").stat().st_mtime_ns == old_video
    for scene in _run(v2)["scenes"]:
        clip = Path(scene["attempts"][0]["path"])
        assert clip.parent == v2 / "clips"
        same = os.path.samefile(clip, base_run / "clips" / clip.name)
        assert same == (scene["id"] not in choruses), scene["id"]
    settings = json.loads((v2 / "settings.json").read_text())
    assert settings["revision"]["parent"] == str(base_run)
    assert settings["context"]["seed"] == 1  # a new take for every re-rendered scene


def test_redo_is_a_new_take_and_nothing_to_do_is_an_error(base_run, tmp_path):
    final = revise(base_run, run_dir=tmp_path / "redo", redo=["3"])
    assert final["revised"] == ["s03"]
    old = _run(base_run)["scenes"][2]["attempts"][0]
    new = _run(tmp_path / "redo")["scenes"][2]["attempts"][0]
    assert new["seed"] != old["seed"]
    with pytest.raises(InvalidInputError, match="nothing to change"):
        revise(base_run, run_dir=tmp_path / "none", edits=[])
    assert not (tmp_path / "none").exists()
    with pytest.raises(InvalidInputError, match="already exists"):
        revise(base_run, run_dir=tmp_path / "redo", redo=["3"])


def test_pipeline_switch_rewrites_and_applies_earlier_edits(base_run, tmp_path):
    singer = find_character(_plan(base_run), "singer")["id"]
    edit = {"kind": "character", "character": singer, "colors": {"outfit": "yellow"}}
    final = remake(base_run, run_dir=tmp_path / "lalm", pipeline="lalm", edits=[edit])
    run = _run(tmp_path / "lalm")
    assert run["pipeline"] == "lalm" and Path(final["video"]).exists()
    assert (tmp_path / "lalm" / "story.json").exists()
    assert find_character(final["plan"], singer)["colors"]["outfit"] == "#ffd60a"
    assert json.loads((tmp_path / "lalm" / "plan.json").read_text()) == final["plan"]
