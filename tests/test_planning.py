"""The shot list: beat-aligned cuts, clip lengths, prompts that carry the bible verbatim."""

import numpy as np
import pytest

from prompts import render
from tests.plans import shot
from tools.errors import InvalidInputError
from tools.writing.planning import credits_line, make_plan, split_section


def _analysis(
    duration=40.0,
    tempo=120.0,
    sections=((0, 8.1, "intro", 0.3), (8.1, 24.1, "verse", 0.45), (24.1, 40, "chorus", 0.9)),
):
    beat = 60.0 / tempo
    beats = list(np.round(np.arange(0.1, duration, beat), 4))
    return {
        "path": "song.wav",
        "duration": duration,
        "tempo": tempo,
        "beats": beats,
        "downbeats": beats[::4],
        "sections": [
            {"start": s, "end": e, "label": lab, "energy": en} for s, e, lab, en in sections
        ],
        "curve_hz": 20.0,
        "energy": list(np.linspace(0.1, 1.0, int(duration * 20))),
        "onset": [0.0] * int(duration * 20),
        "vocal": [0.0] * int(duration * 20),
        "features": {},
    }


def _script(n_sections=3):
    bible = {
        "medium": "flat vector animation",
        "palette": ["#101020", "#202040", "#404080", "#e0a030", "#f0f0e0"],
        "lighting": "neon rim light",
        "camera": "slow, gliding",
        "mood": "dreamy",
        "text": "BIBLE: flat vector animation, deep indigo palette, neon rim light",
    }
    hero = {
        "id": "c1",
        "name": "Mara",
        "figure": "astronaut",
        "description": "a lone astronaut in a white suit with an orange visor",
        "colors": {"skin": "#c08060", "hair": "#000000", "outfit": "#ffffff", "accent": "#ff8000"},
    }
    sections = [
        {
            "setting": f"place {k}",
            "action": f"action {k}",
            "camera": "slow push-in",
            "characters": ["c1"] if k else [],
            "shot": shot(
                "lake",
                subjects=[("c1", "fish", "joyful")] if k else [],
                props=["lantern"],
                move="slow push-in",
                description=f"action {k}",
            ),
        }
        for k in range(n_sections)
    ]
    sections[0]["caption"] = "TITLE"
    return {
        "writer": "test",
        "title": "T",
        "story": "S",
        "bible": bible,
        "characters": [hero],
        "sections": sections,
    }


def test_scenes_tile_the_song_and_cut_on_beats():
    analysis = _analysis()
    plan = make_plan(_script(), analysis, request="", max_clip_seconds=8.0)
    scenes = plan["scenes"]
    assert scenes[0]["start"] == 0 and scenes[-1]["end"] == analysis["duration"]
    for a, b in zip(scenes, scenes[1:], strict=False):
        assert a["end"] == b["start"]
        assert min(abs(b["start"] - t) for t in analysis["beats"]) < 1e-6
    assert all(s["end"] - s["start"] <= 8.0 + 1e-9 for s in scenes)
    assert [s["id"] for s in scenes] == [f"s{k + 1:02d}" for k in range(len(scenes))]


def test_cuts_prefer_downbeats_and_energy_sets_the_pace():
    analysis = _analysis()
    plan = make_plan(_script(), analysis, request="", max_clip_seconds=8.0)
    inner = [s["start"] for s in plan["scenes"][1:]]
    downbeats = set(analysis["downbeats"])
    assert sum(t in downbeats for t in inner) / len(inner) == 1.0
    lengths = {
        lab: [s["end"] - s["start"] for s in plan["scenes"] if s["section_label"] == lab]
        for lab in ("intro", "chorus")
    }
    assert np.mean(lengths["chorus"]) < np.mean(lengths["intro"])


def test_prompts_carry_bible_and_characters_verbatim():
    script = _script()
    plan = make_plan(script, _analysis(), request="", max_clip_seconds=8.0)
    for scene in plan["scenes"]:
        assert script["bible"]["text"] in scene["prompt"]
        shown = "a lone astronaut in a white suit with an orange visor" in scene["prompt"]
        assert shown == ("c1" in scene["characters"])
    assert plan["scenes"][0]["caption"] == "TITLE"
    assert sum("caption" in s for s in plan["scenes"]) == 1


def test_prompts_say_every_field_of_the_shot():
    script = _script()
    script["sections"][1]["shot"] = shot(
        "lake", time="golden hour", weather="fog", subjects=[("c1", "fish", "joyful")],
        props=["fishing rod", "boat"], framing="close-up", move="orbit",
        lighting="long warm light", mood="joyful", description="Mara casts a line.",
    )  # fmt: skip
    plan = make_plan(script, _analysis(), request="", max_clip_seconds=8.0)
    scene = next(s for s in plan["scenes"] if s["section"] == 1)
    words = [
        "Mara casts a line.", "a calm lake", "golden hour", "fog", "Mara — fish, joyful",
        "fishing rod", "boat", "close-up", "orbit", "long warm light", "Mood: joyful",
    ]  # fmt: skip
    assert [w for w in words if w not in scene["prompt"]] == []
    assert scene["setting"] == "a calm lake ringed by trees at golden hour, in fog"
    assert scene["characters"] == ["c1"] and scene["shot"]["props"] == ["fishing rod", "boat"]


def test_scenes_of_a_section_come_closer_and_alternate_with_its_performance():
    script = _script(n_sections=1)
    performance = shot("stage", subjects=[("c1", "sing", "fierce")], kind="performance",
                       props=["microphone"], framing="medium")  # fmt: skip
    script["sections"][0].update(characters=["c1"], performance=performance)
    analysis = _analysis(duration=40.0, sections=[(0.0, 40.0, "verse", 0.2)])
    scenes = make_plan(script, analysis, request="", max_clip_seconds=4.0)["scenes"]
    kinds = [s["shot"]["kind"] for s in scenes]
    assert len(scenes) >= 4 and kinds[:4] == ["story", "performance"] * 2
    assert [s["shot"]["camera"]["framing"] for s in scenes[:4]] == [
        "wide", "medium", "medium", "close-up"
    ]  # fmt: skip
    assert scenes[1]["characters"] == ["c1"] and "microphone" in scenes[1]["prompt"]


def test_a_long_section_moves_on_to_its_variants_after_each_round_of_framings():
    script = _script(n_sections=1)
    variants = [
        shot("lake", subjects=[("c1", action, "joyful")], view=view, move="slow push-in")
        for view, action in ((1, "walk"), (2, "sit"))
    ]
    script["sections"][0].update(
        characters=["c1"],
        shot=shot("lake", subjects=[("c1", "fish", "joyful")], move="slow push-in"),
        variants=variants,
    )
    analysis = _analysis(duration=40.0, sections=[(0.0, 40.0, "verse", 0.2)])
    scenes = make_plan(script, analysis, request="", max_clip_seconds=4.0)["scenes"]
    takes = [(s["shot"]["view"], s["shot"]["subjects"][0]["action"]) for s in scenes]
    assert len(scenes) >= 9
    assert takes[:9] == [(0, "fish")] * 3 + [(1, "walk")] * 3 + [(2, "sit")] * 3
    assert [s["shot"]["camera"]["framing"] for s in scenes[3:6]] == ["wide", "medium", "close-up"]


def test_a_section_does_not_end_on_the_view_the_next_one_opens_with():
    script = _script(n_sections=2)
    views = [
        shot("lake", subjects=[("c1", "fish", "joyful")], view=view, move="slow push-in")
        for view in (0, 1, 2)
    ]
    script["sections"][0].update(characters=["c1"], shot=views[0], variants=views[1:])
    script["sections"][1].update(characters=["c1"], shot=views[1])  # opens on view 1
    analysis = _analysis(
        duration=40.0, sections=[(0.0, 20.0, "verse", 0.2), (20.0, 40.0, "chorus", 0.2)]
    )
    scenes = make_plan(script, analysis, request="", max_clip_seconds=4.0)["scenes"]
    last = max(i for i, s in enumerate(scenes) if s["section"] == 0)
    assert [s["shot"]["view"] for s in scenes[:last]][3:] == [1] * (last - 3)  # the second take
    assert scenes[last]["shot"]["view"] != 1 and scenes[last + 1]["shot"]["view"] == 1


def test_a_script_section_without_a_shot_is_an_error():
    script = _script()
    del script["sections"][1]["shot"]
    with pytest.raises(InvalidInputError, match="section 1 has no shot"):
        make_plan(script, _analysis(), request="", max_clip_seconds=8.0)


def test_transitions_only_at_section_changes():
    plan = make_plan(_script(), _analysis(), request="", max_clip_seconds=8.0)
    for prev, scene in zip(plan["scenes"], plan["scenes"][1:], strict=False):
        changed = prev["section"] != scene["section"]
        assert (scene["transition_in"] != "cut") == changed
    # verse (0.5) -> chorus (0.9) is a lift: flash; intro -> verse: crossfade
    firsts = [s for s in plan["scenes"] if s["transition_in"] != "cut"]
    assert [s["transition_in"] for s in firsts] == ["crossfade", "flash"]


def test_short_clips_for_backends_with_short_limits():
    plan = make_plan(_script(), _analysis(), request="", max_clip_seconds=2.5)
    assert all(s["end"] - s["start"] <= 2.5 + 1e-9 for s in plan["scenes"])


def test_beatless_stretch_is_cut_at_the_limit():
    analysis = _analysis()
    analysis["beats"], analysis["downbeats"] = [], []
    cuts = split_section(0.0, 20.0, analysis, target=4.0, max_len=5.0)
    assert cuts[0] == 0.0 and cuts[-1] == 20.0
    assert max(np.diff(cuts)) <= 5.0


def test_script_must_match_sections():
    with pytest.raises(InvalidInputError, match="2 sections, the song has 3"):
        make_plan(_script(2), _analysis(), request="", max_clip_seconds=8.0)


def test_prompt_template_fails_on_missing_variable():
    with pytest.raises(KeyError, match="needs"):
        render("scene", description="x")


def test_lyrics_go_to_the_scenes_they_are_sung_in_unless_captions_are_off():
    lines = [
        {"start": 1.0, "end": 3.0, "text": "first line"},
        {"start": 7.5, "end": 9.5, "text": "across a cut"},
    ]
    plan = make_plan(_script(), _analysis(), request="", max_clip_seconds=8.0, lyrics=lines)
    for scene in plan["scenes"]:
        expected = [x for x in lines if x["start"] < scene["end"] and x["end"] > scene["start"]]
        assert scene.get("lyrics", []) == expected
    assert sum("lyrics" in s for s in plan["scenes"]) >= 2
    quiet = make_plan(
        _script(), _analysis(), request="", max_clip_seconds=8.0, lyrics=lines, captions=False
    )
    assert not any("lyrics" in s or "caption" in s for s in quiet["scenes"])


def test_the_video_opens_on_the_artist_and_title_its_file_names():
    credits = {"title": "Fantasma", "artist": "Los Rombos"}
    plan = make_plan(
        _script(), {**_analysis(), "credits": credits}, request="", max_clip_seconds=8.0
    )
    captions = [s.get("caption") for s in plan["scenes"] if s.get("caption")]
    assert captions == ["Los Rombos – “Fantasma”"] and plan["scenes"][0]["caption"]
    assert credits_line({"title": "Fantasma"}) == "“Fantasma”"
    assert credits_line({"artist": "Los Rombos"}) == ""  # no title: the writer's caption
    plain = make_plan(_script(), _analysis(), request="", max_clip_seconds=8.0)
    assert plain["scenes"][0]["caption"] == "TITLE"


def test_a_line_of_no_length_goes_to_the_scene_it_starts_in():
    first = make_plan(_script(), _analysis(), request="", max_clip_seconds=8.0)["scenes"][1]
    line = {"start": first["start"], "end": first["start"], "text": "sea"}
    plan = make_plan(_script(), _analysis(), request="", max_clip_seconds=8.0, lyrics=[line])
    assert [s["id"] for s in plan["scenes"] if line in s.get("lyrics", [])] == [first["id"]]
