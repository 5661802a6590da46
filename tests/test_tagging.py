"""The label vocabularies and the offline feature tagger (pipeline 1)."""

import numpy as np
import pytest
from analyses import FEATURES, make_analysis

from tools.errors import InvalidInputError
from tools.registry import load_backend
from tools.tagging.features import (
    NEUTRAL,
    RULES,
    FeatureTagger,
    song_descriptors,
    suggested_figure,
)
from tools.tagging.vocab import VOCABULARIES, load_vocab
from tools.writing.place_words import CONTENT_SCENERY
from tools.writing.request import mood_of


def _labels(labels):
    return [item["label"] for item in labels]


# ------------------------------------------------------------------------- vocabularies


@pytest.mark.parametrize("name", VOCABULARIES)
def test_vocabularies_are_clean_lists(name):
    labels = load_vocab(name)
    assert 30 <= len(labels) <= 60
    assert len(set(labels)) == len(labels)
    assert all(label == label.strip().lower() and label for label in labels)


def test_unknown_vocabulary_is_an_input_error():
    with pytest.raises(InvalidInputError, match="style, content, emotion"):
        load_vocab("genre")


@pytest.mark.parametrize("name", VOCABULARIES)
def test_every_rule_scores_a_vocabulary_label(name):
    assert set(RULES[name]) <= set(load_vocab(name))


def test_every_emotion_has_a_mood_and_every_content_a_place():
    assert all(mood_of(label) for label in load_vocab("emotion"))
    assert set(load_vocab("content")) <= set(CONTENT_SCENERY)


# ------------------------------------------------------------------------- the tagger


def test_tags_have_the_contract_shape():
    analysis = make_analysis("sad")
    tags = FeatureTagger().tag(np.zeros(100, dtype=np.float32), 22050, analysis)
    assert tags["source"] == "features"
    assert len(tags["sections"]) == len(analysis["sections"])
    for tag_set in [tags["song"], *tags["sections"]]:
        for kind in ("style", "content", "emotion"):
            scores = [item["score"] for item in tag_set[kind]]
            assert len(scores) == 5
            assert all(0.0 <= s <= 1.0 for s in scores)
            assert scores == sorted(scores, reverse=True)


def test_top_k_is_an_option():
    tags = FeatureTagger(top_k=2).tag(None, 22050, make_analysis("sad"))
    assert len(tags["song"]["emotion"]) == 2


def test_minor_slow_quiet_reads_melancholic():
    song = FeatureTagger().tag(None, 22050, make_analysis("sad"))["song"]
    assert {"melancholic", "sad"} <= set(_labels(song["emotion"]))
    assert mood_of(song["emotion"][0]["label"]) == "melancholic"


def test_fast_percussive_loud_reads_energetic_and_dance_floor():
    song = FeatureTagger().tag(None, 22050, make_analysis("energetic"))["song"]
    assert "energetic" in _labels(song["emotion"])
    assert "dance floor" in _labels(song["content"])


def test_in_a_minor_key_energy_turns_aggressive():
    minor = {**FEATURES["energetic"], "mode": "minor", "key": "E minor"}
    song = FeatureTagger().tag(None, 22050, make_analysis("energetic", features=minor))["song"]
    assert {"aggressive", "angry"} & set(_labels(song["emotion"])[:2])


def test_sections_differ_where_the_music_does():
    tags = FeatureTagger().tag(None, 22050, make_analysis("energetic"))
    verse, chorus = tags["sections"][1], tags["sections"][2]
    assert verse != chorus


def test_missing_features_and_curves_fall_back_to_neutral():
    analysis = make_analysis("sad", features={})
    for curve in ("energy", "onset", "vocal"):
        analysis[curve] = []
    d = song_descriptors(analysis)
    assert d["minor"] == d["bright"] == d["vocal"] == NEUTRAL
    tags = FeatureTagger().tag(None, 22050, analysis)
    assert len(tags["song"]["emotion"]) == 5


def test_the_music_suggests_a_protagonist():
    assert suggested_figure(song_descriptors(make_analysis("vocal"))) == "singer"
    assert suggested_figure(song_descriptors(make_analysis("energetic"))) == "dancer"
    assert suggested_figure(song_descriptors(make_analysis("sad"))) == "person"


def test_deterministic_and_registered():
    tagger = load_backend("tagger", "features")
    assert tagger.name == "features"
    analysis = make_analysis("vocal")
    assert tagger.tag(None, 22050, analysis) == FeatureTagger().tag(None, 22050, analysis)
