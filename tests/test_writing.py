"""The offline script writer: style bible, character sheet, one section script per section."""

import re

import pytest
from analyses import make_analysis

from tools import shots
from tools.errors import InvalidInputError
from tools.listening.features import FeatureListener
from tools.registry import load_backend
from tools.tagging.features import FeatureTagger
from tools.writing.chat_writer import user_prompt
from tools.writing.directing import DYNAMIC_ENERGY, MOOD_EXPRESSIONS
from tools.writing.place_words import FIGURE_SCENERY
from tools.writing.planning import make_plan
from tools.writing.request import COLORS, parse_request
from tools.writing.styles import (
    CALM_MOVES,
    CONTRAST,
    DYNAMIC_MOVES,
    MOOD_LIGHTING,
    MOOD_PALETTES,
    STYLE_LIGHTING,
    STYLE_MEDIA,
    STYLE_PALETTES,
)
from tools.writing.template import TemplateWriter, lab_distance, min_distance, style_bible

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
    script = _write("a lone astronaut", "vocal")  # the music evokes parks and meadows
    places = {s["shot"]["setting"]["place"] for s in script["sections"]}
    assert places <= set(FIGURE_SCENERY["astronaut"]), places


@pytest.mark.parametrize("request_", ["a woman skating at night", "a campfire at night"])
def test_the_story_names_the_places_the_shots_show(request_):
    """The sad song evokes desert dunes and the deep sea: no place for a skateboard or a
    campfire, so the listener's story moves where the writer's shots go, title included."""
    analysis = make_analysis("sad")
    story = FeatureListener().listen(None, 22050, analysis, request=request_)
    script = TemplateWriter().write(analysis=analysis, tags=None, story=story, request=request_)
    shown = [s["shot"]["setting"]["place"] for s in script["sections"]]
    told = [shots.find("place", scene)[0] for scene in story["sections"]]
    assert told == shown
    assert "underwater" not in shown and shots.find("place", story["title"]) == shown[:1]


def test_story_scenes_drive_actions_and_places():
    analysis = make_analysis()
    request = "from the city to the desert"
    story = FeatureListener().listen(None, 22050, analysis, request=request)
    script = TemplateWriter().write(analysis=analysis, tags=None, story=story, request="")
    assert script["title"] == story["title"] and script["story"] == story["text"]
    places = [s["shot"]["setting"]["place"] for s in script["sections"]]
    assert places[:4] == ["skyline"] * 4 and places[-1] == "desert"
    for section, scene, place in zip(script["sections"], story["sections"], places, strict=True):
        assert section["action"] == section["shot"]["description"]
        if shots.find("place", scene)[0] == place:  # told where it happens: the story's words
            assert section["action"].endswith(scene)


def test_tags_add_the_feel_of_each_section():
    script = _write("", "energetic", pipeline="both")
    for section in script["sections"]:
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


def test_the_camera_moves_a_request_names_are_the_shots_moves():
    whip = _write("a retro neon video, whip pans between the scenes")
    assert {section["camera"] for section in whip["sections"]} == {"whip pan"}
    two = _write("handheld camera and orbit shots", "energetic")
    assert [s["camera"] for s in two["sections"]][:4] == ["handheld", "orbit"] * 2
    assert len({s["camera"] for s in _write("", "energetic")["sections"]}) > 2  # else: the music's


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


def test_the_llm_writer_is_told_the_song_its_file_names():
    analysis = make_analysis("sad", labels=("verse", "chorus"))
    credits = {"title": "Fantasma", "artist": "Los Rombos"}
    told = user_prompt({**analysis, "credits": credits}, tags=None, story=None, request="")
    assert "The song “Fantasma” by Los Rombos: " in told
    assert "The song: " in user_prompt(analysis, tags=None, story=None, request="")


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


# ------------------------------------------------------------------------- shots

LONG = {"seconds": 16.0}  # eight sections of 16 s: a song of over two minutes
CALM_ACTIONS = {"stand", "walk", "sit", "lie", "look down", "sway", "reach", "look up"}


def _write_song(request, kind="sad", *, pipeline="story", lyrics=None, **shape):
    """As the graph runs it: the listener hears the same request as the writer."""
    analysis = make_analysis(kind, **shape)
    tags = FeatureTagger().tag(None, 22050, analysis) if pipeline in ("tags", "both") else None
    story = None
    if pipeline in ("story", "both"):
        story = FeatureListener().listen(None, 22050, analysis, request=request)
    return TemplateWriter().write(
        analysis=analysis, tags=tags, story=story, request=request, lyrics=lyrics
    )


def _shots(script, *, performance=True):
    found = [s["shot"] for s in script["sections"]]
    if performance:
        found += [s["performance"] for s in script["sections"] if "performance" in s]
    return found


def _backdrops(script):
    return [(s["shot"]["setting"]["place"], s["shot"]["view"]) for s in script["sections"]]


@pytest.mark.parametrize("request_text", [*REQUESTS, "two friends fishing on a lake at sunset"])
@pytest.mark.parametrize("pipeline", ["tags", "story", "none"])
def test_every_shot_is_written_in_the_names_of_shots(request_text, pipeline):
    script = _write_song(request_text, "vocal", pipeline=pipeline)
    assert script["bible"]["look"] in shots.LOOKS
    assert script["bible"]["look"] in script["bible"]["medium"]
    ids = {c["id"] for c in script["characters"]}
    for section in script["sections"]:
        shot = section["shot"]
        assert shot["kind"] == "story"
        assert section["setting"] == shots.setting_text(shot["setting"])
        assert section["action"] == shot["description"]
        assert section["camera"] == shot["camera"]["move"]
        assert section["characters"] == [s["character"] for s in shot["subjects"]]
    for shot in _shots(script):
        assert shot["setting"]["place"] in shots.PLACES
        assert shot["setting"]["time"] in shots.TIMES
        assert shot["setting"]["weather"] in shots.WEATHERS
        assert shot["camera"]["framing"] in shots.FRAMINGS
        assert shot["camera"]["move"] in shots.MOVES
        assert set(shot["props"]) <= set(shots.PROPS)
        assert {s["character"] for s in shot["subjects"]} <= ids
        for subject in shot["subjects"]:
            assert subject["action"] in shots.ACTIONS
            assert subject["expression"] in shots.EXPRESSIONS
        assert shot["lighting"] and shot["mood"] and shot["description"]


@pytest.mark.parametrize("pipeline", ["tags", "story", "both", "none"])
def test_two_friends_fishing_on_a_lake_at_sunset_in_watercolor(pipeline):
    script = _write_song(
        "a joyful video of two friends fishing on a lake at sunset, watercolor", pipeline=pipeline
    )
    assert script["bible"]["look"] == "watercolor"
    assert [c["figure"] for c in script["characters"]] == ["person", "person"]
    for shot in _shots(script, performance=False):
        assert shot["setting"]["place"] == "lake" and shot["setting"]["time"] == "sunset"
        assert "fishing rod" in shot["props"]
        assert shot["subjects"][0]["action"] == "fish"
        assert {s["expression"] for s in shot["subjects"]} == {"joyful"}
        assert "fish" in shot["description"] and "lake" in shot["description"]
    assert len(set(_backdrops(script))) >= 3, "one place pinned: its three views"


@pytest.mark.parametrize("kind", ["sad", "energetic", "vocal"])
@pytest.mark.parametrize("pipeline", ["tags", "story", "both", "none"])
def test_a_melancholic_astronaut_is_sad_and_never_jumps(kind, pipeline):
    script = _write_song("a melancholic video with a lone astronaut", kind, pipeline=pipeline)
    for shot in _shots(script, performance=False):
        [subject] = shot["subjects"]
        assert subject["expression"] == "sad"
        assert subject["action"] in CALM_ACTIONS, subject
    assert script["bible"]["look"] == "watercolor"


@pytest.mark.parametrize("kind", ["sad", "energetic", "vocal"])
@pytest.mark.parametrize("pipeline", ["tags", "story", "none"])
def test_a_dreamy_neon_video_is_never_in_daylight(kind, pipeline):
    script = _write_song("a dreamy neon video", kind, pipeline=pipeline)
    assert script["bible"]["look"] == "neon"
    assert {shot["setting"]["time"] for shot in _shots(script)} <= {"dusk", "night"}
    assert {s["expression"] for shot in _shots(script) for s in shot["subjects"]} == {"dreamy"}


@pytest.mark.parametrize(
    "request_text",
    ["", "a lone astronaut", "a melancholic video", "an energetic video with two dancers",
     "a calm video in the forest"],
)  # fmt: skip
@pytest.mark.parametrize("pipeline", ["tags", "story", "none"])
def test_a_long_song_shows_at_least_four_backdrops(request_text, pipeline):
    script = _write_song(request_text, "sad", pipeline=pipeline, **LONG)
    pinned = "forest" in request_text  # then every view of the one place
    assert len(set(_backdrops(script))) >= (3 if pinned else 4), _backdrops(script)


def test_each_new_section_has_its_own_backdrop_and_the_chorus_returns():
    script = _write_song("a joyful video", "energetic", pipeline="none")
    labels = [s["label"] for s in make_analysis("energetic")["sections"]]
    backdrops = _backdrops(script)
    choruses = [i for i, label in enumerate(labels) if label == "chorus"]
    others = [b for i, b in enumerate(backdrops) if i not in choruses[1:]]
    assert len(set(others)) == len(others), "every new section its own place or view"
    settings = [script["sections"][i]["shot"]["setting"] for i in choruses]
    assert len({backdrops[i] for i in choruses}) == 1 and all(s == settings[0] for s in settings)
    actions = [script["sections"][i]["shot"]["subjects"][0]["action"] for i in choruses]
    assert actions == ["dance", "jump", "cheer"], "livelier each time it returns"


def test_the_request_places_walk_through_the_song():
    script = _write_song("from the beach to the mountains and back to town", pipeline="none")
    places = [place for place, _ in _backdrops(script)]
    assert list(dict.fromkeys(places)) == ["beach", "mountains", "street"]


def test_riding_takes_the_asked_mount_or_nothing():
    script = _write_song("two friends riding bicycles from the beach to the sea", pipeline="none")
    for shot in _shots(script, performance=False):
        on_land = shot["setting"]["place"] == "beach"
        assert ("bicycle" in shot["props"]) == on_land
        assert not {"boat", "car", "skateboard"} & set(shot["props"])
        assert (shot["subjects"][0]["action"] == "ride") == on_land


def test_the_band_plays_what_the_request_names():
    analysis = make_analysis("vocal", labels=("verse", "chorus"))
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="a singer and a friend playing piano"
    )
    performance = script["sections"][0]["performance"]
    assert [s["action"] for s in performance["subjects"]] == ["sing", "play piano"]


def test_props_go_only_where_they_make_sense():
    script = _write_song("two friends fishing, from the lake to the desert", pipeline="none")
    for shot in _shots(script, performance=False):
        at_lake = shot["setting"]["place"] == "lake"
        assert ("fishing rod" in shot["props"]) == at_lake
        assert (shot["subjects"][0]["action"] == "fish") == at_lake


def test_the_story_props_reach_the_shots():
    """The melancholic story's single lamp and old memory are drawn where they are told."""
    request = "a melancholic video with a lone traveller"
    analysis = make_analysis("sad")
    story = FeatureListener().listen(None, 22050, analysis, request=request)
    script = TemplateWriter().write(analysis=analysis, tags=None, story=story, request=request)
    for section, scene in zip(script["sections"], story["sections"], strict=True):
        assert set(shots.find("prop", scene)) <= set(section["shot"]["props"]), scene
    assert any("photograph" in section["shot"]["props"] for section in script["sections"])
    alone = _write_song(request, pipeline="none")  # the mood's own images: a single lamp
    assert alone["sections"][0]["shot"]["props"] == ["lantern"]


def test_the_lyrics_name_props_and_weather():
    analysis = make_analysis("sad", labels=("verse", "chorus", "verse"))
    lines = [{"start": 9.0, "end": 12.0, "text": "rain on my umbrella, down by the river"}]
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="", lyrics=lines
    )
    chorus = script["sections"][1]["shot"]
    assert chorus["setting"]["place"] == "river" and chorus["setting"]["weather"] == "rain"
    assert "umbrella" in chorus["props"]
    assert script["sections"][0]["shot"]["setting"]["weather"] == "clear"


def test_a_requested_time_and_weather_hold_everywhere():
    script = _write_song("a foggy forest at dawn, two dancers", "energetic", pipeline="tags")
    for shot in _shots(script):
        assert (shot["setting"]["time"], shot["setting"]["weather"]) == ("sunrise", "fog")


def test_romantic_pairs_hold_hands_or_hug():
    script = _write_song("a romantic video with two lovers", pipeline="none")
    actions = {s["action"] for shot in _shots(script) for s in shot["subjects"]}
    assert actions & {"hold hands", "hug"} and not actions & {"jump", "cheer"}


def test_performance_shots_where_someone_sings():
    analysis = make_analysis("sad", labels=("intro", "verse", "chorus"))
    lines = [{"start": 9.0, "end": 12.0, "text": "la la la"}]
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="a singer and two dancers",
        lyrics=lines,
    )  # fmt: skip
    assert ["performance" in s for s in script["sections"]] == [False, True, False]
    performance = script["sections"][1]["performance"]
    assert performance["kind"] == "performance"
    singer = next(c["id"] for c in script["characters"] if c["figure"] == "singer")
    actions = {s["character"]: s["action"] for s in performance["subjects"]}
    assert actions.pop(singer) == "sing"
    assert sorted(actions.values()) == ["play drums", "play guitar"]
    assert {"microphone", "guitar", "drums"} <= set(performance["props"])
    assert performance["setting"] == script["sections"][1]["shot"]["setting"]


def test_the_vocal_curve_marks_sung_sections_and_the_request_stage_hosts_them():
    sung = _write_song("a band on a concert stage and then on the beach", "vocal", pipeline="none")
    assert all("performance" in s for s in sung["sections"])  # vocal curve 0.75 everywhere
    places = {s["performance"]["setting"]["place"] for s in sung["sections"]}
    assert places == {"stage"}
    quiet = _write_song("a band on a concert stage", "sad", pipeline="none")  # vocal 0.1
    assert not any("performance" in s for s in quiet["sections"])


def test_the_mood_suggests_a_look_named_in_the_medium():
    for mood, look in (("melancholic", "watercolor"), ("dreamy", "pastel"), ("dark", "noir"),
                       ("energetic", "neon"), ("nostalgic", "retro film")):  # fmt: skip
        bible = _write(f"a {mood} video")["bible"]
        assert bible["look"] == look and look in bible["medium"]
    assert _write("an angry video, oil painting")["bible"]["look"] == "oil painting"


def test_a_style_alone_picks_its_look_as_a_style_edit_does():
    for style, look in (("retro", "neon"), ("vintage film", "retro film"), ("comic", "ink")):
        bible = style_bible({**parse_request(""), "styles": [style]}, mood="calm")
        assert bible["look"] == look and bible["medium"] == STYLE_MEDIA[style]


def test_the_moves_are_names_of_shots():
    assert set(CALM_MOVES + DYNAMIC_MOVES) <= set(shots.MOVES)


def test_the_day_moves_on_along_the_song_within_what_the_mood_allows():
    calm = _write_song("a calm video in the forest", pipeline="none", **LONG)
    times = [s["shot"]["setting"]["time"] for s in calm["sections"]]
    assert times[0] == "day" and times[-1] == "golden hour", times
    sad = _write_song("a melancholic video in the forest", pipeline="none", **LONG)
    assert {s["shot"]["setting"]["time"] for s in sad["sections"]} <= {"dusk", "night"}


@pytest.mark.parametrize("pipeline", ["tags", "story", "none"])
def test_no_people_means_no_characters(pipeline):
    script = _write_song("No people at all, just a stormy ocean, painted in oils", "vocal",
                         pipeline=pipeline)  # fmt: skip
    assert script["characters"] == [] and script["bible"]["look"] == "oil painting"
    for section in script["sections"]:
        assert "performance" not in section
        shot = section["shot"]
        assert shot["subjects"] == [] and section["characters"] == []
        assert shot["setting"]["place"] == "sea" and shot["setting"]["weather"] == "storm"
        assert "no one is there" in shot["description"]


def test_the_face_changes_in_the_turn_only_when_the_music_chose_the_mood():
    free = _write_song("", "vocal", pipeline="none")
    assert len({s["shot"]["subjects"][0]["expression"] for s in free["sections"]}) >= 2
    asked = _write_song("an energetic video", "vocal", pipeline="none")
    faces = {s["shot"]["subjects"][0]["expression"] for s in asked["sections"]}
    assert faces <= set(MOOD_EXPRESSIONS["energetic"])


def test_a_singer_sings_in_the_story_where_no_performance_shot_does():
    analysis = make_analysis("sad", labels=("verse", "chorus", "verse"))
    lines = [{"start": 9.0, "end": 12.0, "text": "la la la"}]
    script = TemplateWriter().write(
        analysis=analysis, tags=None, story=None, request="a singer on a rooftop", lyrics=lines
    )
    story = [s["shot"]["subjects"][0]["action"] for s in script["sections"]]
    assert story[0] == story[2] == "sing" and story[1] != "sing"
    assert script["sections"][1]["performance"]["subjects"][0]["action"] == "sing"


@pytest.mark.parametrize("kind", ["sad", "energetic", "vocal"])
def test_a_requested_prop_takes_the_story_where_it_makes_sense(kind):
    script = _write_song("A wild folk dance around a bonfire at dusk", kind, pipeline="both")
    for shot in _shots(script, performance=False):
        assert "campfire" in shot["props"], shot["setting"]
        assert shot["setting"]["time"] == "dusk"


@pytest.mark.parametrize("request_", ["", "a calm walk by the lake", "a joyful dance"])
def test_every_section_has_other_views_and_actions_for_its_later_scenes(request_):
    script = _write(request_, pipeline="both")
    asked = parse_request(request_)["actions"]
    for section in script["sections"]:
        takes = [section["shot"], *section["variants"]]
        assert len({t["view"] for t in takes}) == 3
        assert len({t["setting"]["place"] for t in takes}) == 1  # the place stays
        firsts = {t["subjects"][0]["action"] for t in takes if t["subjects"]}
        if asked:  # what was asked is done in every take
            assert firsts <= set(asked), firsts
        else:  # the mood's actions in turn
            assert len(firsts) >= 2, firsts


def test_the_looks_lighting_names_no_time_of_day():
    """A shot's lighting is its time's light and then the look's: a look that named a time
    ("magenta and orange sunset glow") contradicted every shot at another time of day."""
    times = re.compile(r"\b(sunrise|sunset|dawn|dusk|daylight|night|golden hour)\b")
    for lighting in [*MOOD_LIGHTING.values(), *STYLE_LIGHTING.values()]:
        assert not times.search(lighting), lighting
