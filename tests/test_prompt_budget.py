"""Model prompts rendered from the shot and fitted to a text encoder's token budget."""

import re

import pytest

from tests.plans import shot, with_shot
from tools.critique.pixels import strengthen_prompt
from tools.video.diffusers_video import LTX
from tools.video.prompt_budget import rough_count, scene_prompt, text_prompt, tokenizer_count
from tools.writing.planning import scene_prompt as plan_prompt

LOOKS = {
    "Mara": "a tall woman with short silver hair, a long red raincoat over a grey knit sweater, "
    "black boots and a yellow umbrella",
    "Theo": "a young man with curly black hair, round glasses, a green corduroy jacket, a "
    "striped scarf and a battered brown satchel",
    "Ines": "an old fisherwoman with a weathered face, a blue knitted cap, a patched orange "
    "oilskin jacket and rubber boots",
    "Kofi": "a drummer with long dreadlocks tied back, a white linen shirt with rolled sleeves, "
    "silver rings and sandals",
}
ACTION = "Four friends spend the last hour of light fishing from a wooden boat on the lake."
COLOURS = {"skin": "#c08060", "hair": "#201010", "outfit": "#3050a0", "accent": "#e0a030"}


def _plan() -> tuple[dict, dict]:
    """A four-character scene at a lake and its plan, the scene's prompt as the planner
    writes it (every shot field, every look and the whole bible)."""
    characters = [
        {"id": f"c{i}", "name": name, "figure": "person", "description": look, "colors": COLOURS}
        for i, (name, look) in enumerate(LOOKS.items(), start=1)
    ]
    bible = {
        "look": "watercolor",
        "medium": "loose watercolor on cold-press paper",
        "palette": ["#101020", "#202040", "#404080", "#e0a030", "#f0f0e0"],
        "lighting": "soft low sun with long warm shadows",
        "camera": "slow and observational",
        "mood": "joyful",
        "text": "Loose watercolor on cold-press paper with visible pigment blooms and soft "
        "bleeding edges; palette #101020 #202040 #404080 #e0a030 #f0f0e0; soft low sun with "
        "long warm shadows; slow observational camera; joyful, nostalgic, warm.",
    }
    the_shot = shot(
        "lake",
        time="sunset",
        subjects=[("c1", "fish", "joyful"), ("c2", "row", "calm"), ("c3", "wave", "joyful"),
                  ("c4", "play drums", "joyful")],
        description=ACTION,
        props=["fishing rod", "boat", "lantern"],
        framing="wide",
        move="slow push-in",
        lighting="warm backlight off the water",
        mood="joyful",
    )  # fmt: skip
    base = {"id": "s03", "index": 2, "start": 10.0, "end": 13.0, "section": 1, "prompt": "",
            "section_label": "chorus", "intensity": 0.7, "transition_in": "cut"}  # fmt: skip
    scene = with_shot(base, the_shot)
    scene["prompt"] = plan_prompt(the_shot, {c["id"]: c for c in characters}, bible["text"])
    plan = {"request": "", "title": "Lake", "story": "", "writer": "template", "bible": bible,
            "characters": characters, "scenes": [scene]}  # fmt: skip
    return scene, plan


def _retry(scene: dict, plan: dict, **scores: float) -> dict:
    prompt = strengthen_prompt(scene["prompt"], scores=scores, plan=plan, scene=scene)
    return {**scene, "prompt": prompt}


@pytest.fixture(scope="module")
def count():
    """Tokens of a tiny T5 (unigram) tokenizer: one piece per word of these prompts, letter
    by letter for anything else (hex codes cost many tokens, as they do in real T5)."""
    from transformers import T5Tokenizer

    scene, plan = _plan()
    text = _retry(scene, plan, style=0.0, character=0.0)["prompt"] + " looks like exactly keep"
    words = sorted(set(re.findall(r"[a-z]+", text.lower())))
    pieces = [(f"▁{w}", -1.0 - i / 1000) for i, w in enumerate(words)]
    letters = [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789#.,:;()-—▁"]
    specials = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    return tokenizer_count(T5Tokenizer(vocab=specials + pieces + letters, extra_ids=0))


def test_retry_prompt_of_four_characters_keeps_action_and_setting(count):
    scene, plan = _plan()
    retry = _retry(scene, plan, style=0.0, character=0.0)
    assert count(retry["prompt"]) > LTX.max_tokens  # as written, T5 would lose its end
    fitted = scene_prompt(retry, plan, budget=LTX.max_tokens, count=count)
    assert fitted.tokens == count(fitted.text) <= LTX.max_tokens
    assert fitted.text.startswith(ACTION)
    assert "Setting: a calm lake ringed by trees at sunset." in fitted.text
    assert "#" not in fitted.text and "IMPORTANT" not in fitted.text
    for name in LOOKS:  # every character is still there, with their action
        assert name in fitted.text
    assert "looks exactly like" in fitted.text  # the retry's point survives
    assert fitted.cut and fitted.cut[0] == "dropped the mood"  # and what went is said


def test_tight_budget_cuts_looks_and_style_before_the_action(count):
    scene, plan = _plan()
    retry = _retry(scene, plan, style=0.0, character=0.0)
    fitted = scene_prompt(retry, plan, budget=60, count=count)
    assert fitted.tokens <= 60
    assert fitted.text.startswith(ACTION + " Setting: a calm lake ringed by trees at sunset.")
    assert any(c.startswith("dropped the look of") for c in fitted.cut)
    assert "dropped the style" in fitted.cut


def test_first_attempt_that_fits_is_not_cut(count):
    scene, plan = _plan()
    fitted = scene_prompt(scene, plan, budget=512, count=count)
    assert fitted.cut == ()
    order = [fitted.text.index(s) for s in (ACTION, "Setting:", "Mara:", "Kofi:", "Camera:",
                                            "With fishing rod", "Mood:", "Style:")]  # fmt: skip
    assert order == sorted(order)  # action, setting, characters, camera first; style last
    assert LOOKS["Ines"] in fitted.text and "#" not in fitted.text


def test_emphasised_looks_outlast_plain_ones(count):
    scene, plan = _plan()
    plain = scene_prompt(scene, plan, budget=110, count=count)
    fixing = scene_prompt(_retry(scene, plan, style=0.9, character=0.0), plan, budget=110,
                          count=count)  # fmt: skip
    assert "looks exactly like a tall woman with short silver hair" in fixing.text
    assert "looks like a tall woman" not in plain.text


def test_an_action_longer_than_the_budget_is_cut_at_a_word_and_said(count):
    fitted = text_prompt("one two three " * 40 + "#ffffff", budget=20, count=rough_count)
    assert fitted.tokens <= 20 and fitted.text.startswith("one two three")
    assert fitted.cut[-1].startswith("cut after")
    assert "#" not in text_prompt("a red #ff0000 coat", budget=20, count=rough_count).text


def test_rough_count_is_conservative_against_a_real_t5_vocabulary(count):
    scene, plan = _plan()
    fitted = scene_prompt(scene, plan, budget=512, count=count)
    assert rough_count(fitted.text) >= count(fitted.text)
