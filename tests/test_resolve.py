"""A shot read into drawable names: known names pass, phrases find their name, the rest is
drawn as a stand-in and recorded, and props go to the hands that use them."""

from tests.plans import shot
from tools.shots import PLACES
from tools.video.procedural.resolve import resolve

BIBLE = {"look": "watercolor", "medium": "hand-painted watercolour animation"}
LOOKS = {"flat", "watercolor", "neon"}


def test_known_names_and_phrases_resolve_without_unmet():
    plan = resolve(
        shot("a misty mountain lake", time="golden hour", weather="misty",
             subjects=[("c1", "casting a line", "smiling")], framing="close up", move="orbit"),
        BIBLE, places=set(PLACES), looks=LOOKS,
    )  # fmt: skip
    assert (plan.place, plan.time, plan.weather, plan.look, plan.framing) == (
        "lake", "golden hour", "fog", "watercolor", "close-up"
    )  # fmt: skip
    assert [(s.action, s.expression, s.props) for s in plan.subjects] == [
        ("fish", "joyful", ["fishing rod"])
    ]
    assert plan.unmet == []


def test_of_two_places_named_back_to_back_the_second_is_the_place():
    texts = ("a mountain lake", "a rooftop in a rainy city", "desert road at dusk")
    places = [resolve(shot(t), BIBLE, places=set(PLACES), looks=LOOKS).place for t in texts]
    assert places == ["lake", "rooftop", "road"]


def test_what_cannot_be_drawn_is_recorded_with_its_stand_in():
    plan = resolve(
        shot("a volcano", time="teatime", weather="hail", subjects=[("c1", "juggle", "bored")],
             props=["saxophone", "kite"]),
        {"look": "claymation", "medium": "claymation"}, places=set(PLACES), looks=LOOKS,
    )  # fmt: skip
    wanted = {(u["element"], u["wanted"]): u["drawn"] for u in plan.unmet}
    assert wanted == {
        ("place", "a volcano"): "abstract",
        ("time", "teatime"): "night",
        ("weather", "hail"): "clear",
        ("action", "juggle"): "stand",
        ("expression", "bored"): "calm",
        ("prop", "saxophone"): "",
        ("look", "claymation"): "flat",
    }
    assert plan.subjects[0].props == ["kite"] and plan.props == []


def test_props_go_to_the_subjects_that_use_them_and_the_rest_stand_in_the_scene():
    plan = resolve(
        shot("lake", subjects=[("c1", "ride", "joyful"), ("c2", "read", "calm")],
             props=["book", "boat", "umbrella", "lantern", "dog", "campfire"]),
        BIBLE, places=set(PLACES), looks=LOOKS,
    )  # fmt: skip
    rider, reader = plan.subjects
    # neither has a hand free for the umbrella (the cast dropped it from a rider's hands)
    assert rider.props == ["boat"] and reader.props == ["book"]
    assert plan.props == ["umbrella", "lantern", "dog", "campfire"]


def test_a_held_prop_goes_to_a_free_hand_or_else_stands_in_the_scene():
    """A cyclist has no hand for a kite: it flies in the sky (it was planned into her hands
    and then not drawn); a dancer beside her takes it."""
    alone = resolve(
        shot("street", subjects=[("c1", "ride", "joyful")], props=["bicycle", "kite"]),
        BIBLE, places=set(PLACES), looks=LOOKS,
    )  # fmt: skip
    assert alone.subjects[0].props == ["bicycle"] and alone.props == ["kite"]
    both = resolve(
        shot("street", subjects=[("c1", "ride", "joyful"), ("c2", "dance", "joyful")],
             props=["bicycle", "kite"]),
        BIBLE, places=set(PLACES), looks=LOOKS,
    )  # fmt: skip
    assert [s.props for s in both.subjects] == [["bicycle"], ["kite"]] and both.props == []
