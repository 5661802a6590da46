"""The offline listener (pipeline 2): a story and one segment-aligned scene per section."""

import pytest
from analyses import make_analysis

from tools import shots
from tools.errors import InvalidInputError
from tools.listening.features import FeatureListener
from tools.registry import load_backend
from tools.writing.place_words import SCENERY
from tools.writing.request import parse_request
from tools.writing.storytelling import (
    LEXICON,
    Member,
    agree,
    cast_phrase,
    dramatic_roles,
    scene_sentence,
)


def _listen(request="", kind="sad", **shape):
    return FeatureListener().listen(None, 22050, make_analysis(kind, **shape), request=request)


@pytest.mark.parametrize(
    "labels",
    [
        ("verse",),
        ("intro", "chorus", "outro"),
        ("A", "B", "A", "B", "C", "B", "A", "B", "C"),
        ("intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"),
    ],
)
def test_one_scene_per_section(labels):
    story = _listen("a melancholic video", labels=labels)
    assert story["source"] == "features"
    assert len(story["sections"]) == len(labels)
    assert all(scene.strip() for scene in story["sections"])
    assert story["title"] and story["logline"] and story["text"]


def test_dramatic_arc_follows_the_labels():
    sections = make_analysis()["sections"]
    assert dramatic_roles(sections) == [
        "setup", "tension", "release", "tension", "release", "turn", "release", "resolution"
    ]  # fmt: skip


def test_unlabelled_sections_take_roles_from_energy():
    sections = [
        {"start": i, "end": i + 1, "label": label, "energy": energy}
        for i, (label, energy) in enumerate(
            [("A", 0.2), ("B", 0.5), ("C", 0.9), ("B", 0.4), ("C", 0.9), ("A", 0.3)]
        )
    ]
    assert dramatic_roles(sections) == [
        "setup", "tension", "release", "turn", "release", "resolution"
    ]  # fmt: skip


def test_the_request_casts_the_story():
    story = _listen("a melancholic video with a lone astronaut")
    assert "lone astronaut" in story["logline"]
    assert all("lone astronaut" in scene for scene in story["sections"])
    assert story["logline"].startswith("A melancholic story")


def test_the_request_mood_and_place_steer_the_story():
    calm = _listen("a calm video in the forest")
    dark = _listen("a dark video in the forest")
    assert calm["sections"] != dark["sections"]
    assert LEXICON["dark"].light in " ".join(dark["sections"])
    assert all(parse_request(s)["places"][0] == "forest" for s in calm["sections"])


def test_several_places_become_a_journey():
    story = _listen("from the city to the desert")
    places = [shots.find("place", scene)[0] for scene in story["sections"]]
    assert places == ["skyline"] * 4 + ["desert"] * 4


def test_the_story_tells_props_a_writer_can_read():
    """The melancholic story's lamp and old memory are props the writer finds by name."""
    story = _listen("a melancholic video with a lone astronaut")
    props = [shots.find("prop", scene) for scene in story["sections"]]
    assert ["lantern"] in props and ["photograph"] in props


def test_without_a_request_the_music_decides():
    sad, vocal = _listen(kind="sad"), _listen(kind="vocal")
    assert "melancholic" in sad["logline"]
    assert "singer" in vocal["logline"]


def test_verbs_agree_with_the_cast():
    one = cast_phrase([Member("astronaut", "lone astronaut", 1, {}, None)])
    two = cast_phrase([Member("dancer", "dancer", 2, {}, None)])
    assert (one.the, one.plural, two.the, two.plural) == (
        "the lone astronaut", False, "the two dancers", True
    )  # fmt: skip
    sentence = scene_sentence("setup", cast=two, place="stage", mood="calm", variant=0)
    assert sentence == (
        "On a concert stage, in soft, even light, the two dancers stand still and look around "
        "as a light breeze moves through the grass."
    )
    assert agree("[reach] and [try]", plural=False) == "reaches and tries"


def test_logline_names_the_cast_for_the_writer():
    for request in ("a lone astronaut", "two dancers", "the singer should wear red", ""):
        story = _listen(request, kind="vocal")
        cast = parse_request(story["logline"])["characters"]
        assert len(cast) == 1, story["logline"]


def test_lexicon_names_no_places():
    """Only the scenery names places, so a writer can find each scene's place by parsing."""
    for mood, words in LEXICON.items():
        for text in words[1:]:
            assert shots.find("place", text) == [], (mood, text)
    assert set(SCENERY) == set(shots.PLACES)


def test_deterministic_and_registered():
    listener = load_backend("listener", "features")
    assert listener.name == "features"
    analysis = make_analysis("vocal")
    first = listener.listen(None, 22050, analysis, request="a robot")
    assert first == FeatureListener().listen(None, 22050, analysis, request="a robot")


def test_no_sections_is_an_input_error():
    analysis = make_analysis()
    analysis["sections"] = []
    with pytest.raises(InvalidInputError):
        FeatureListener().listen(None, 22050, analysis, request="")
