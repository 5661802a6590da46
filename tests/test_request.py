"""The free-text request parser: moods, styles, characters, colours, settings, unknown words."""

import re

import pytest

from tools.request import COLORS, SETTINGS, mood_of, parse_request
from tools.scenery import SCENERY


def test_a_mood_alone():
    intent = parse_request("make a melancholic video for this track")
    assert intent["mood"] == "melancholic"
    assert intent["characters"] == []
    assert intent["styles"] == [] and intent["settings"] == []
    assert intent["unknown"] == []


def test_a_lone_astronaut():
    intent = parse_request("a melancholic video with a lone astronaut")
    assert intent["mood"] == "melancholic"
    assert intent["characters"] == [
        {"figure": "astronaut", "name": "lone astronaut", "count": 1, "colors": {}, "garment": None}
    ]


def test_energetic_neon_two_dancers():
    intent = parse_request("an energetic neon video with two dancers")
    assert intent["mood"] == "energetic"
    assert intent["styles"] == ["neon"]
    [dancers] = intent["characters"]
    assert (dancers["figure"], dancers["count"]) == ("dancer", 2)


def test_the_singer_should_wear_red():
    intent = parse_request("the singer should wear red")
    [singer] = intent["characters"]
    assert singer["figure"] == "singer"
    assert singer["colors"] == {"outfit": "red"}
    assert intent["colors"] == {"red": COLORS["red"]}
    assert intent["palette_colors"] == []


def test_a_girl_in_a_red_coat():
    [girl] = parse_request("a girl in a red coat")["characters"]
    assert girl == {
        "figure": "person",
        "name": "girl in a red coat",
        "count": 1,
        "colors": {"outfit": "red"},
        "garment": "coat",
    }


def test_colours_find_their_slot():
    intent = parse_request("a blue-haired girl and a robot with green eyes, lots of pink")
    girl, robot = intent["characters"]
    assert girl["colors"] == {"hair": "blue"}
    assert robot["colors"] == {"accent": "green"}
    assert intent["palette_colors"] == ["pink"]


def test_second_colour_of_a_character_is_its_accent():
    [dancers] = parse_request("two dancers in red and gold")["characters"]
    assert dancers["colors"] == {"outfit": "red", "accent": "gold"}


def test_colours_before_the_video_steer_the_palette():
    intent = parse_request("a red and blue video with a singer")
    assert intent["palette_colors"] == ["red", "blue"]
    assert intent["characters"][0]["colors"] == {}


@pytest.mark.parametrize(
    ("word", "mood"),
    [("sad", "melancholic"), ("happy", "joyful"), ("chill", "calm"), ("spooky", "dark")],
)
def test_mood_synonyms(word, mood):
    assert parse_request(f"something {word}")["mood"] == mood
    assert mood_of(word) == mood


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("in the desert", "desert"),
        ("a city at night", "city at night"),
        ("under the sea", "underwater"),
        ("floating in space", "outer space"),
        ("on a rooftop", "city at night"),
    ],
)
def test_settings(text, setting):
    assert parse_request(text)["settings"] == [setting]


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("80s", "retro"),
        ("black-and-white", "noir"),
        ("watercolour", "watercolor"),
        ("lo-fi pixel art", "pixel art"),
        ("sci-fi", "cyberpunk"),
    ],
)
def test_visual_styles(text, style):
    assert style in parse_request(text)["styles"]


def test_time_of_day():
    assert parse_request("a forest at dawn")["time_of_day"] == "dawn"
    assert parse_request("a forest at dawn")["settings"] == ["forest"]


def test_words_it_does_not_know_are_reported():
    intent = parse_request("a melancholic video with a purple giraffe, very wobbly")
    assert intent["unknown"] == ["giraffe", "wobbly"]
    assert intent["palette_colors"] == ["purple"]


def test_negated_words_are_avoided_not_used():
    intent = parse_request("calm, not happy, no neon")
    assert intent["mood"] == "calm"
    assert intent["styles"] == []
    assert intent["avoided"] == ["happy", "neon"]


def test_empty_request():
    intent = parse_request("")
    assert intent["mood"] is None and intent["characters"] == [] and intent["unknown"] == []


def test_every_colour_is_hex():
    assert all(re.fullmatch(r"#[0-9a-f]{6}", value) for value in COLORS.values())


def test_every_setting_has_a_drawable_place_that_parses_back():
    assert set(SETTINGS) == set(SCENERY)
    for key, scenery in SCENERY.items():
        for text in (scenery.setting, scenery.at, scenery.again):
            assert parse_request(text)["settings"][0] == key, text
