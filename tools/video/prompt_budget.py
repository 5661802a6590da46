"""A generative model's prompt, rendered from the shot and fitted to its text encoder's budget.

Text encoders read a fixed number of tokens (T5 in LTX-Video: 256, UMT5 in Wan: 512, T5 in
CogVideoX: 226) and diffusers drops the rest with no more than a log warning. The prompt is
therefore built here from the structured shot, most important first: the scene's action (its
description), the setting, each character on screen (name, action, expression, then a short
form of their look), the camera, the props, then lighting, mood and the style; no hex colour
codes, which a text encoder cannot see as colours. When the whole does not fit, the least
important parts are shortened, then dropped, one step at a time (the mood and lighting first,
the style's long text, the characters' looks, the props, the camera...), never the action or
the setting, and every step is reported in `Fitted.cut`.

A regeneration's prompt (`tools.critique.pixels.strengthen_prompt`) leads with lines starting with
`EMPHASIS` that name what drifted: the style ("palette") and characters (by id). Those parts
are then kept longer and say so ("exactly"), instead of the whole bible and every hex code
crowding the action out.

Tokens are counted with the model's own tokenizer (`tokenizer_count`) where one is loaded, and
conservatively (`rough_count`: more than a T5 tokenizer counts for English) otherwise.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.critique.pixels import EMPHASIS
from tools.shots import LOOKS, camera_text, setting_text, subject_text
from tools.types import Character, Plan, Scene

Count = Callable[[str], int]

HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")
LOOK_WORDS = 12  # a shortened look keeps its first clause, at most this many words
# Cut order: the step with the highest rank goes first; rank 0 is never cut.
RANKS = {
    "mood": 9,
    "lighting": 8,
    "style text": 7,  # the bible's text -> its medium and look only
    "look": 6,  # a character's look -> its first clause
    "props": 5,
    "look name": 4,  # the short look -> the character's name, action and expression only
    "camera": 3,
    "style": 2,  # the medium and look -> nothing
    "subject": 1,  # a character on screen (later ones first)
}
EMPHASISED = 3  # what a regeneration must fix is cut this much later


@dataclass(frozen=True)
class Part:
    """One piece of the prompt: `forms` fullest first; moving from forms[i] to forms[i + 1]
    is the cut `steps[i]`: (its rank, what it says in the report). An empty form is nothing."""

    forms: tuple[str, ...]
    steps: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Fitted:
    """A prompt that fits: its text, its length in tokens, the budget, and what was cut."""

    text: str
    tokens: int
    budget: int
    cut: tuple[str, ...]


def rough_count(text: str) -> int:
    """A conservative token count without a tokenizer: a word costs one token per four
    letters (at least one), every mark one, plus the end-of-sequence token."""
    words = re.findall(r"\w+", text)
    marks = re.findall(r"[^\w\s]", text)
    return sum(max(1, -(-len(word) // 4)) for word in words) + len(marks) + 1


def tokenizer_count(tokenizer: Any) -> Count:
    """Tokens as the pipeline's text encoder sees them (special tokens included)."""
    return lambda text: len(tokenizer(text, add_special_tokens=True)["input_ids"])


def scene_prompt(scene: Scene, plan: Plan, *, budget: int, count: Count = rough_count) -> Fitted:
    """The model prompt of `scene` from its shot, within `budget` tokens."""
    return fit(scene_parts(scene, plan), budget=budget, count=count)


def text_prompt(text: str, *, budget: int, count: Count = rough_count) -> Fitted:
    """A free text (an anchor's prompt) without hex codes, cut at a word boundary if need be."""
    return fit([Part((_clean(text),))], budget=budget, count=count)


def scene_parts(scene: Scene, plan: Plan) -> list[Part]:
    """The parts of a scene's prompt in the order they are written."""
    shot = scene["shot"]
    cast = {c["id"]: c for c in plan["characters"]}
    style_fixed, fixed = emphasis(scene["prompt"], scene["characters"])
    parts = [
        Part((_sentence(_clean(shot["description"] or scene["description"])),)),
        Part((_sentence(f"Setting: {setting_text(shot['setting'])}"),)),
    ]
    lines = subject_text(shot, cast)
    for subject, line in zip(shot["subjects"], lines, strict=True):
        who = cast.get(subject["character"])
        parts.append(_subject_part(line, who, exact=subject["character"] in fixed))
    camera = _sentence(f"Camera: {camera_text(shot)}")
    parts.append(Part((camera, ""), ((RANKS["camera"], "dropped the camera"),)))
    if shot["props"]:
        props = _sentence("With " + ", ".join(shot["props"]))
        parts.append(Part((props, ""), ((RANKS["props"], "dropped the props"),)))
    for field in ("lighting", "mood"):
        if shot[field]:
            text = _sentence(f"{field.capitalize()}: {_clean(shot[field])}")
            parts.append(Part((text, ""), ((RANKS[field], f"dropped the {field}"),)))
    parts.append(_style_part(plan, exact=style_fixed))
    return parts


def emphasis(prompt: str, characters: list[str]) -> tuple[bool, set[str]]:
    """What a regeneration's leading `EMPHASIS` lines ask to fix: the style, and which of the
    scene's characters (named by id in parentheses)."""
    lines = []
    for line in prompt.splitlines():
        if not line.startswith(EMPHASIS):
            break
        lines.append(line)
    style = any("palette" in line for line in lines)
    fixed = {cid for cid in characters if any(f"({cid})" in line for line in lines)}
    return style, fixed


def fit(parts: list[Part], *, budget: int, count: Count) -> Fitted:
    """The parts joined, shortened step by step (highest rank first; among equals, the last
    part first) until they fit `budget`; a text still too long after every allowed step is
    cut at a word boundary, and that is reported too."""
    state = [0] * len(parts)
    cut: list[str] = []

    def text() -> str:
        return " ".join(p.forms[i] for p, i in zip(parts, state, strict=True) if p.forms[i])

    while count(text()) > budget:
        steps = [
            (part.steps[state[k]][0], k)
            for k, part in enumerate(parts)
            if state[k] < len(part.steps) and part.steps[state[k]][0] > 0
        ]
        if not steps:
            return _cut_words(text(), budget=budget, count=count, cut=cut)
        _, k = max(steps)
        state[k] += 1
        cut.append(parts[k].steps[state[k] - 1][1])
    final = text()
    return Fitted(final, count(final), budget, tuple(cut))


def _cut_words(text: str, *, budget: int, count: Count, cut: list[str]) -> Fitted:
    """The longest word prefix of `text` that fits (binary search on the word count)."""
    words = text.split()
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(" ".join(words[:mid])) <= budget:
            lo = mid
        else:
            hi = mid - 1
    kept = " ".join(words[:lo])
    cut.append(f"cut after {lo} of {len(words)} words")
    return Fitted(kept, count(kept), budget, tuple(cut))


def _subject_part(line: str, who: Character | None, *, exact: bool) -> Part:
    """A character on screen: "Mara — fish, joyful, looks like a lone astronaut in a white…"."""
    name = _sentence(_clean(line.replace(" — ", ": ")))
    if who is None:
        return Part((name, ""), ((RANKS["subject"], f"dropped {line}"),))
    look = _clean(who["description"]).rstrip(".")
    short = " ".join(re.split(r"[,;.]", look, maxsplit=1)[0].split()[:LOOK_WORDS])
    lead = "looks exactly like" if exact else "looks like"
    later = EMPHASISED if exact else 0
    return Part(
        (f"{name[:-1]}, {lead} {look}.", f"{name[:-1]}, {lead} {short}.", name, ""),
        (
            (RANKS["look"] - later, f"shortened the look of {who['name']}"),
            (RANKS["look name"] - later, f"dropped the look of {who['name']}"),
            (RANKS["subject"], f"dropped {who['name']} from the prompt"),
        ),
    )


def _style_part(plan: Plan, *, exact: bool) -> Part:
    """The style: the bible's text, else its named look and medium only."""
    bible = plan["bible"]
    look = bible.get("look", "")
    named = [look] if look in LOOKS and look not in bible["medium"] else []
    short = ", ".join([*named, bible["medium"]])
    lead = "Keep the style exactly: " if exact else "Style: "
    later = EMPHASISED if exact else 0
    return Part(
        (_sentence(lead + _clean(bible["text"])), _sentence(lead + _clean(short)), ""),
        (
            (RANKS["style text"] - later, "shortened the style to its look and medium"),
            (max(1, RANKS["style"] - later), "dropped the style"),
        ),
    )


def _clean(text: str) -> str:
    """No hex colour codes, and no space left doubled by removing them."""
    text = HEX.sub("", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _sentence(text: str) -> str:
    """`text` as a sentence: a capital first letter, a full stop at the end."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
