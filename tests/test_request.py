"""The free-text request parser: moods, styles, looks, characters, colours, the shot's places,
times, weather, props and actions, and unknown words."""

import re

import pytest

from tools import shots
from tools.writing.place_words import CONTENT_SCENERY, SCENERY
from tools.writing.request import COLORS, mood_of, parse_request


def test_a_mood_alone():
    intent = parse_request("make a melancholic video for this track")
    assert intent["mood"] == "melancholic"
    assert intent["characters"] == []
    assert intent["styles"] == [] and intent["places"] == [] and intent["look"] is None
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
    ("text", "places"),
    [
        ("in the desert", ["desert"]),
        ("a city at night", ["skyline"]),
        ("under the sea", ["underwater"]),
        ("floating in space", ["space"]),
        ("on a rooftop", ["rooftop"]),
        ("from the beach to the mountains and back to town", ["beach", "mountains", "street"]),
        ("in a café", ["cafe"]),
    ],
)
def test_places_in_order(text, places):
    assert parse_request(text)["places"] == places


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
    assert parse_request("a forest at dawn")["time_of_day"] == "sunrise"
    assert parse_request("a forest at dawn")["places"] == ["forest"]


def test_words_it_does_not_know_are_reported():
    intent = parse_request("a melancholic video with a purple giraffe, very wobbly")
    assert intent["unknown"] == ["giraffe", "wobbly"]
    assert intent["palette_colors"] == ["purple"]


def test_negated_words_are_avoided_not_used():
    intent = parse_request("calm, not happy, no neon")
    assert intent["mood"] == "calm"
    assert intent["styles"] == [] and intent["look"] is None
    assert intent["avoided"] == ["happy", "neon"]
    intent = parse_request("a couple in the rain, no umbrella, not at night")
    assert intent["weather"] == "rain" and intent["props"] == []
    assert intent["time_of_day"] is None
    assert intent["avoided"] == ["umbrella", "at night"]


def test_empty_request():
    intent = parse_request("")
    assert intent["mood"] is None and intent["characters"] == [] and intent["unknown"] == []


def test_every_colour_is_hex():
    assert all(re.fullmatch(r"#[0-9a-f]{6}", value) for value in COLORS.values())


def test_every_place_is_told_in_words_that_find_it_again():
    assert set(SCENERY) == set(shots.PLACES)
    for place, scenery in SCENERY.items():
        for text in scenery:
            assert shots.find("place", text)[0] == place, text
            assert parse_request(text)["places"][0] == place, text


def test_content_labels_evoke_known_places_times_and_weathers():
    for evoked in CONTENT_SCENERY.values():
        assert evoked.place in shots.PLACES
        assert evoked.time in (None, *shots.TIMES)
        assert evoked.weather in (None, *shots.WEATHERS)


# ------------------------------------------------------------------------- the shot's elements

SHOT_FIELDS = ("places", "time_of_day", "weather", "props", "actions", "look")
EMPTY = {"places": [], "time_of_day": None, "weather": None, "props": [], "actions": [],
         "look": None}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a joyful video of two friends fishing on a lake at sunset, watercolor",
            {
                "places": ["lake"],
                "time_of_day": "sunset",
                "props": ["fishing rod"],
                "actions": ["fish"],
                "look": "watercolor",
            },
        ),
        ("a dreamy neon video", {"look": "neon"}),
        ("a melancholic video with a lone astronaut", {}),
        (
            "riding a bicycle through the streets in the rain",
            {"places": ["street"], "weather": "rain", "props": ["bicycle"], "actions": ["ride"]},
        ),
        (
            "a girl playing guitar in a café at night, anime",
            {
                "places": ["cafe"],
                "time_of_day": "night",
                "props": ["guitar"],
                "actions": ["play guitar"],
                "look": "anime",
            },
        ),
        (
            "two lovers holding hands on a beach at sunrise, pastel",
            {
                "places": ["beach"],
                "time_of_day": "sunrise",
                "actions": ["hold hands"],
                "look": "pastel",
            },
        ),
        (
            "a robot flying a kite in a windy meadow",
            {"places": ["meadow"], "weather": "wind", "props": ["kite"], "actions": ["run"]},
        ),
        (
            "roses in a foggy forest at dusk, oil painting",
            {
                "places": ["forest"],
                "time_of_day": "dusk",
                "weather": "fog",
                "props": ["flowers"],
                "look": "oil painting",
            },
        ),
        (
            "camping under the stars with a dog",
            {"places": ["starfield"], "props": ["tent", "campfire", "dog"], "actions": ["sit"]},
        ),
        (
            "flat vector, a man driving a convertible down the highway",
            {"places": ["road"], "props": ["car"], "actions": ["drive"], "look": "flat"},
        ),
        (
            "sailing across the ocean in a storm, ink drawing",
            {
                "places": ["sea"],
                "weather": "storm",
                "props": ["boat"],
                "actions": ["ride"],
                "look": "ink",
            },
        ),
        (
            "two musicians playing drums and piano on a concert stage, 8-bit",
            {
                "places": ["stage"],
                "props": ["drums", "piano"],
                "actions": ["play drums"],
                "look": "pixel art",
            },
        ),
        (
            "reading a letter by candlelight in a snowy room, vhs",
            {
                "places": ["room"],
                "weather": "snow",
                "props": ["book", "letter", "candle"],
                "actions": ["read"],
                "look": "retro film",
            },
        ),
        (
            "she dances under an umbrella in a rainy city street at golden hour",
            {
                "places": ["street"],
                "time_of_day": "golden hour",
                "weather": "rain",
                "props": ["umbrella"],
                "actions": ["dance"],
            },
        ),
        (
            "an astronaut floating in outer space looking up at the planets, synthwave",
            {"places": ["space"], "actions": ["float", "look up"], "look": "neon"},
        ),
        (
            "a singer with a microphone in a smoky club, black and white",
            {
                "places": ["club"],
                "weather": "fog",
                "props": ["microphone"],
                "actions": ["sing"],
                "look": "noir",
            },
        ),
        (
            "kids with balloons and fireworks in the park at night",
            {"places": ["park"], "time_of_day": "night", "props": ["balloon", "fireworks"]},
        ),
    ],
)
def test_the_shot_elements_of_a_request(text, expected):
    intent = parse_request(text)
    assert {field: intent[field] for field in SHOT_FIELDS} == EMPTY | expected
    assert intent["unknown"] == [], intent["unknown"]


def test_counts_and_looks_of_characters_still_parse_beside_the_shot():
    intent = parse_request("three skaters in yellow jackets skateboarding on a rooftop at dusk")
    [skaters] = intent["characters"]
    assert (skaters["figure"], skaters["count"], skaters["colors"]) == (
        "person",
        3,
        {"outfit": "yellow"},
    )
    assert intent["places"] == ["rooftop"] and intent["time_of_day"] == "dusk"
    assert intent["props"] == ["skateboard"] and intent["actions"] == ["ride"]


def test_an_expression_sets_the_mood():
    assert parse_request("a smiling girl")["mood"] == "joyful"
    assert parse_request("a crying robot")["mood"] == "melancholic"


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("a girl paddles a canoe", "actions", ["ride"]),  # a mount named is ridden
        ("a bike courier in the city", "actions", ["ride"]),
        ("a folk band plays guitars and drums", "actions", ["play guitar", "play drums"]),
        ("the drummer goes wild", "actions", ["play drums"]),
        ("three dancers", "actions", ["dance"]),
        ("a tent under a starry night sky", "time_of_day", "night"),  # inside a place phrase
        ("a man on a park bench", "places", ["park"]),
        ("a forest while it snows", "weather", "snow"),
        ("an army marching into a sandstorm", "weather", "storm"),
        ("two lovers lying in a meadow, soft pastels", "mood", "romantic"),
        ("two friends holding hands", "mood", "romantic"),
        ("heavy metal on a stage", "mood", "energetic"),
        ("a woman skating at night", "props", ["skateboard"]),  # not a bicycle: what skates
        ("whip pans between the scenes", "moves", ["whip pan"]),
        ("handheld camera, then slow push-ins", "moves", ["handheld", "slow push-in"]),
        ("the sun rising over still water", "moves", []),  # words that name no camera here
        ("the sun rising over still water", "places", ["lake"]),
        ("the sun rising over still water", "time_of_day", "sunrise"),
        ("sunset by the sea, waves crashing", "actions", []),  # the sea's waves, not a hand's
        ("sunset by the sea, waves crashing", "places", ["beach"]),  # the seaside
        ("the waves roll under a red sky", "places", ["sea"]),
        ("a girl waves goodbye on the bridge", "places", ["bridge"]),  # a hand's, not the sea's
        ("a girl waves goodbye on the bridge", "actions", ["wave"]),
    ],
)
def test_what_requests_say_in_their_own_words(text, field, value):
    intent = parse_request(text)
    assert intent[field] == value
    known = {"folk", "band", "goes", "army", "roll", "red", "sky"}  # no table knows
    assert set(intent["unknown"]) <= known, intent["unknown"]


@pytest.mark.parametrize(
    ("text", "nobody"),
    [
        ("No people at all, just a stormy ocean, painted in oils", True),
        ("nobody, only the rain", True),
        ("no one on the beach", True),
        ("a girl, no robots", False),
        ("a calm video, no robots", False),
        ("a lake at dawn", False),
    ],
)
def test_a_request_can_rule_out_people(text, nobody):
    intent = parse_request(text)
    assert intent["nobody"] is nobody
    if nobody:
        assert intent["characters"] == []
