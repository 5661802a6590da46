"""The offline script writer: style bible, character sheet, one section script per section."""

import re

import pytest
from analyses import make_analysis

from tools.errors import InvalidInputError
from tools.listening import FeatureListener
from tools.planning import make_plan
from tools.registry import load_backend
from tools.request import COLORS, parse_request
from tools.tagging import FeatureTagger
from tools.writing import (
    CALM_MOVES,
    CONTRAST,
    DYNAMIC_ENERGY,
    DYNAMIC_MOVES,
    MOOD_PALETTES,
    STYLE_PALETTES,
    TemplateWriter,
    lab_distance,
    min_distance,
)
from tools.writing_openai import user_prompt

HEX = re.compile(r"#[0-9a-f]{6}")
REQUESTS = [
    "make a melancholic video for this track",
    "a melancholic video with a lone astronaut",
    "an energetic neon video with two dancers",
    "the singer should wear red",
    "a dreamy pastel video with a robot and a girl in a yellow dress",
    "noir, a couple in the rain",
    "",
]


def _write(request="", kind="sad", *, pipeline="tags", **shape):
    analysis = make_analysis(kind, **shape)
    tags = FeatureTagger().tag(None, 22050, analysis) if pipeline in ("tags", "both") else None
    story = None
    if pipeline in ("story", "both"):
        story = FeatureListener().listen(None, 22050, analysis, request=request)
    return TemplateWriter().write(analysis=analysis, tags=tags, story=story, request=request)


# ------------------------------------------------------------------------- shape


@pytest.mark.parametrize("pipeline", ["tags", "story", "both", "none"])
def test_one_section_script_per_section(pipeline):
    analysis = make_analysis()
    script = _write("a melancholic video with a lone astronaut", pipeline=pipeline)
    assert script["writer"] == "template"
    assert len(script["sections"]) == len(analysis["sections"])
    ids = {c["id"] for c in script["characters"]}
    for section in script["sections"]:
        assert section["setting"] and section["action"]
        assert section["camera"] in CALM_MOVES + DYNAMIC_MOVES
        assert section["characters"] and set(section["characters"]) <= ids
    assert script["sections"][0]["caption"] == script["title"]


def test_the_script_plans_on_the_beat_grid():
    analysis = make_analysis("energetic")
    script = _write("an energetic neon video with two dancers", "energetic")
    plan = make_plan(script, analysis, request="", max_clip_seconds=4.0)
    assert plan["scenes"] and script["bible"]["text"] in plan["scenes"][0]["prompt"]


def test_no_sections_is_an_input_error():
    analysis = make_analysis()
    analysis["sections"] = []
    with pytest.raises(InvalidInputError, match="no sections"):
        TemplateWriter().write(analysis=analysis, tags=None, story=None, request="")


def test_a_story_of_the_wrong_length_is_an_input_error():
    analysis = make_analysis()
    story = FeatureListener().listen(None, 22050, analysis, request="")
    story["sections"] = story["sections"][:-1]
    with pytest.raises(InvalidInputError, match="story has 7 sections, the song has 8"):
        TemplateWriter().write(analysis=analysis, tags=None, story=story, request="")


def test_deterministic_and_registered():
    writer = load_backend("writer", "template")
    analysis = make_analysis("vocal")
    tags = FeatureTagger().tag(None, 22050, analysis)
    first = writer.write(analysis=analysis, tags=tags, story=None, request="a robot")
    assert first == writer.write(analysis=analysis, tags=tags, story=None, request="a robot")


# ------------------------------------------------------------------------- style bible


def test_palettes_are_five_distinct_hex_colours_from_deep_to_highlight():
    for palette in [*MOOD_PALETTES.values(), *STYLE_PALETTES.values()]:
        hexes = [swatch.hex for swatch in palette]
        assert len(hexes) == len(set(hexes)) == 5
        assert all(HEX.fullmatch(h) for h in hexes)
        assert lab_distance(hexes[0], "#000000") < lab_distance(hexes[4], "#000000")
        assert min(lab_distance(a, b) for a in hexes for b in hexes if a != b) > 10


@pytest.mark.parametrize("request_text", REQUESTS)
def test_the_bible_is_carried_verbatim(request_text):
    bible = _write(request_text)["bible"]
    assert all(HEX.fullmatch(h) for h in bible["palette"])
    assert len(set(bible["palette"])) == 5
    for part in (bible["lighting"], bible["camera"], bible["mood"]):
        assert part in bible["text"]


def test_request_mood_and_style_beat_the_music():
    sad_song = _write("an energetic neon video", "sad")["bible"]
    assert sad_song["mood"] == "energetic"
    assert sad_song["palette"] == [s.hex for s in STYLE_PALETTES["neon"]]
    assert "neon" in sad_song["medium"]
    assert _write("", "sad")["bible"]["mood"] == "melancholic"
    assert _write("a joyful video", "sad")["bible"]["palette"] == [
        s.hex for s in MOOD_PALETTES["joyful"]
    ]


def test_request_colours_join_the_palette():
    bible = _write("a calm video, lots of teal")["bible"]
    assert bible["palette"][3] == COLORS["teal"]


# ------------------------------------------------------------------------- characters


@pytest.mark.parametrize("request_text", REQUESTS)
@pytest.mark.parametrize("kind", ["sad", "energetic", "vocal"])
def test_characters_stand_out_from_the_palette(request_text, kind):
    script = _write(request_text, kind)
    asked = parse_request(request_text)["characters"]
    palette = script["bible"]["palette"]
    for character in script["characters"]:
        assert set(character["colors"]) == {"skin", "hair", "outfit", "accent"}
        assert all(HEX.fullmatch(h) for h in character["colors"].values())
        if not any(c["colors"] for c in asked):
            for slot in ("outfit", "accent"):
                assert min_distance(character["colors"][slot], palette) >= CONTRAST


def test_the_lone_astronaut():
    [astronaut] = _write("a melancholic video with a lone astronaut")["characters"]
    assert astronaut["id"] == "c1"
    assert astronaut["name"] == "The Lone Astronaut"
    assert astronaut["figure"] == "astronaut"
    assert astronaut["description"].startswith("a lone astronaut in ")


def test_two_dancers_are_two_characters_that_look_different():
    one, two = _write("an energetic neon video with two dancers", "energetic")["characters"]
    assert (one["id"], two["id"]) == ("c1", "c2")
    assert one["figure"] == two["figure"] == "dancer"
    assert one["name"] != two["name"]
    assert lab_distance(one["colors"]["outfit"], two["colors"]["outfit"]) >= 20


def test_explicit_colours_win():
    [singer] = _write("the singer should wear red")["characters"]
    assert singer["colors"]["outfit"] == COLORS["red"]
    assert "red stage jacket" in singer["description"]
    girl = _write("a girl in a yellow coat with blonde hair")["characters"][0]
    assert girl["colors"]["outfit"] == COLORS["yellow"]
    assert girl["colors"]["hair"] == COLORS["blonde"]
    assert "yellow coat" in girl["description"]


def test_the_music_picks_the_protagonist_when_the_request_does_not():
    assert _write("", "vocal")["characters"][0]["figure"] == "singer"
    assert _write("", "energetic")["characters"][0]["figure"] == "dancer"
    [traveller] = _write("", "sad")["characters"]
    assert traveller["figure"] == "person" and traveller["name"] == "The Lone Traveller"


def test_the_story_cast_is_kept_when_the_request_names_none():
    analysis = make_analysis("sad")
    story = FeatureListener().listen(None, 22050, analysis, request="a robot in the snow")
    script = TemplateWriter().write(analysis=analysis, tags=None, story=story, request="")
    assert [c["figure"] for c in script["characters"]] == ["robot"]


# ------------------------------------------------------------------------- sections


def test_request_settings_are_used_everywhere():
    script = _write("a melancholic video with a lone astronaut, under the sea")
    assert all("underwater" in s["setting"] for s in script["sections"])
    assert all("desert" in s["setting"] for s in _write("in the desert at dusk")["sections"])
    assert _write("in the desert at dusk")["sections"][0]["setting"].endswith("at dusk")


def test_astronauts_stay_in_places_that_suit_them():
    script = _write("a lone astronaut", "vocal")  # the music evokes meadows and rooftops
    assert not any("bedroom" in s["setting"] for s in script["sections"])


def test_story_scenes_drive_actions_and_places():
    analysis = make_analysis()
    request = "from the city to the desert"
    story = FeatureListener().listen(None, 22050, analysis, request=request)
    script = TemplateWriter().write(analysis=analysis, tags=None, story=story, request="")
    assert [s["action"] for s in script["sections"]] == story["sections"]
    assert script["title"] == story["title"] and script["story"] == story["text"]
    settings = [s["setting"] for s in script["sections"]]
    assert "city" in settings[0] and "desert" in settings[-1]


def test_tags_add_the_feel_of_each_section():
    script = _write("", "energetic", pipeline="both")
    story = FeatureListener().listen(None, 22050, make_analysis("energetic"), request="")
    for section, scene in zip(script["sections"], story["sections"], strict=True):
        assert section["action"].startswith(scene)
        assert "The music feels" in section["action"]


def test_the_request_changes_the_script():
    base = _write("make a melancholic video for this track")
    astronaut = _write("a melancholic video with a lone astronaut")
    joyful = _write("make a joyful video for this track")
    forest = _write("make a melancholic video in the forest")
    assert base["characters"] != astronaut["characters"]
    assert base["bible"] != joyful["bible"]
    assert base["sections"][0]["action"] != joyful["sections"][0]["action"]
    assert base["sections"][0]["setting"] != forest["sections"][0]["setting"]


def test_loud_sections_get_dynamic_moves_and_moves_vary():
    analysis = make_analysis("energetic")
    script = _write("", "energetic")
    for section, written in zip(analysis["sections"], script["sections"], strict=True):
        moves = DYNAMIC_MOVES if section["energy"] >= DYNAMIC_ENERGY else CALM_MOVES
        assert written["camera"] in moves
    cameras = [s["camera"] for s in script["sections"]]
    assert all(a != b for a, b in zip(cameras, cameras[1:], strict=False))
    assert len(set(cameras)) >= 4


def test_lyrics_name_the_places_and_reach_the_llm_prompt():
    analysis = make_analysis("sad", labels=("verse", "chorus", "verse"))
    lines = [
        {"start": 1.0, "end": 4.0, "text": "lost in the desert sand"},
        {"start": 9.0, "end": 12.0, "text": "down by the sea we run"},
    ]
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="", lyrics=lines
    )
    settings = [section["setting"] for section in script["sections"]]
    assert "desert" in settings[0] or "dune" in settings[0], settings
    assert all(word not in settings[0] for word in ("beach", "ocean", "sea"))
    assert any(word in settings[1] for word in ("beach", "ocean", "sea", "shore")), settings
    assert settings[2] == settings[1], "a section that names no place stays where it was"
    asked = script_lyrics_prompt(analysis, lines)
    assert "section 0: lost in the desert sand" in asked
    assert "section 1: down by the sea we run" in asked


def script_lyrics_prompt(analysis, lines) -> str:
    """What the LLM writers are told: the lyrics by the section they are sung in."""
    return user_prompt(analysis, tags=None, story=None, request="", lyrics=lines)


def test_figures_of_speech_in_lyrics_pick_no_place():
    analysis = make_analysis("sad", labels=("verse", "chorus"))
    lines = [
        {"start": 1.0, "end": 4.0, "text": "take me home, give me space by the window"},
        {"start": 9.0, "end": 12.0, "text": "we drive all night to the sea"},
    ]
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="", lyrics=lines
    )
    settings = [section["setting"] for section in script["sections"]]
    assert all(any(w in s for w in ("beach", "ocean", "sea", "shore")) for s in settings), settings


def test_the_request_names_the_place_before_the_lyrics():
    analysis = make_analysis("sad", labels=("verse", "chorus"))
    lines = [{"start": 1.0, "end": 4.0, "text": "lost in the desert sand"}]
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="in deep space", lyrics=lines
    )
    assert all("desert" not in s["setting"] for s in script["sections"])
