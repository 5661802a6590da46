"""Edits of a finished video's plan, as plain functions on a `Plan`: a new style bible, a
character in new colours, scenes with new light, a new description or a new setting, and which
scenes an edit changed (those, and only those, render again).

Edits are plain JSON-ready dicts (`StyleEdit`, `CharacterEdit`, `SceneEdit`), so a conversation
can keep them and apply them again after a pipeline switch. Scenes are chosen by words a user
says (`select_scenes`: "s03", "3", "the chorus", "last", "all"), characters by id, name or figure
(`find_character`).
"""

import copy
import re
from collections.abc import Iterable
from typing import Literal, NotRequired, TypedDict

from tools.errors import InvalidInputError
from tools.shots import MOVES, activities, camera_text, find, name_of, setting_text
from tools.types import Character, Plan, Scene, Setting, Shot
from tools.writing.planning import scene_prompt
from tools.writing.request import COLORS, MOODS, STYLES, mood_of, parse_request
from tools.writing.styles import MOOD_PALETTES, STYLE_MEDIA
from tools.writing.template import style_bible

COLOR_SLOTS = ("outfit", "accent", "hair")

# Times of day from darkest to brightest: "brighter" moves a scene one step up, "darker" one
# step down (sunrise counts as sunset's light).
LIGHT_LEVELS = ("night", "dusk", "sunset", "golden hour", "day")


class StyleEdit(TypedDict):
    kind: Literal["style"]
    style: str | None  # a key of tools.writing.request.STYLES
    mood: str | None  # a key of tools.writing.request.MOODS
    colors: list[str]  # colour words (tools.writing.request.COLORS) for the palette's accents


class CharacterEdit(TypedDict):
    kind: Literal["character"]
    character: str  # a character id ("c1")
    colors: dict[str, str]  # slot (outfit, accent, hair) -> colour word


class SceneEdit(TypedDict):
    kind: Literal["scene"]
    scenes: list[str]  # scene ids
    brightness: NotRequired[Literal["brighter", "darker"]]
    description: NotRequired[str]  # what happens, replacing the old description
    setting: NotRequired[str]  # where, replacing the old setting
    camera: NotRequired[str]  # how the camera moves: a name of tools.shots.MOVES


Edit = StyleEdit | CharacterEdit | SceneEdit


# ---------------------------------------------------------------------------- choosing scenes


def select_scenes(plan: Plan, selectors: Iterable[str]) -> list[str]:
    """Scene ids for selectors: an id ("s03"), a number ("3", "scene 3"), a section label
    ("chorus", "choruses", "the intro"), "first", "last" or "all"; in plan order."""
    scenes = plan["scenes"]
    chosen: set[str] = set()
    for selector in selectors:
        text = selector.strip().lower()
        text = re.sub(r"^(the|scene|scenes|shot)\s+", "", text).strip()
        if re.fullmatch(r"s?\d+", text):
            number = int(text.lstrip("s"))
            if not 1 <= number <= len(scenes):
                raise InvalidInputError(
                    f"there is no scene {selector!r}: the video has scenes 1-{len(scenes)}"
                )
            chosen.add(scenes[number - 1]["id"])
        elif text in ("all", "every", "everything"):
            chosen.update(s["id"] for s in scenes)
        elif text in ("first", "opening"):
            chosen.add(scenes[0]["id"])
        elif text in ("last", "final", "ending"):
            chosen.add(scenes[-1]["id"])
        else:
            labels = {text, text.removesuffix("s"), text.removesuffix("es")}
            matched = [s["id"] for s in scenes if s["section_label"].lower() in labels]
            if not matched:
                labels = ", ".join(dict.fromkeys(s["section_label"] for s in scenes))
                raise InvalidInputError(
                    f"no scene matches {selector!r}: name a scene (s01-s{len(scenes):02d} or "
                    f"1-{len(scenes)}) or a section ({labels})"
                )
            chosen.update(matched)
    return [s["id"] for s in scenes if s["id"] in chosen]


def find_character(plan: Plan, name: str) -> Character:
    """The character named by id ("c1"), name ("The Singer") or figure ("singer")."""
    wanted = name.strip().lower().removeprefix("the ").strip()
    for character in plan["characters"]:
        if wanted in (character["id"], character["name"].lower().removeprefix("the ")):
            return character
    matches = [
        c
        for c in plan["characters"]
        if wanted in (c["figure"], *c["name"].lower().split()) or wanted in c["name"].lower()
    ]
    if len(matches) == 1:
        return matches[0]
    cast = ", ".join(f"{c['name']} ({c['id']})" for c in plan["characters"]) or "nobody"
    if matches:
        raise InvalidInputError(f"{name!r} could be any of several characters: {cast}")
    raise InvalidInputError(f"there is no {name!r} in this video; its characters: {cast}")


# ---------------------------------------------------------------------------- plan edits


def apply_edit(plan: Plan, edit: Edit) -> tuple[Plan, list[str]]:
    """The plan with one edit made, and notes on what the edit could not do."""
    if edit["kind"] == "style":
        return restyle(plan, style=edit["style"], mood=edit["mood"], colors=edit["colors"]), []
    if edit["kind"] == "character":
        return recolor(plan, edit["character"], edit["colors"]), []
    if edit["kind"] == "scene":
        return edit_scenes(plan, edit)
    raise InvalidInputError(f"unknown edit {edit['kind']!r}")


def restyle(plan: Plan, *, style: str | None, mood: str | None, colors: list[str]) -> Plan:
    """A new style bible (visual style, mood, accent colours) for every scene; the characters
    keep their looks."""
    bible = plan["bible"]
    for color in colors:
        _check_color(color)
    if not (style or mood or colors):
        return plan
    styles = [style_key(style)] if style else current_styles(bible)
    mood_key = mood_family(mood) if mood else current_mood(bible)
    intent = {**parse_request(""), "styles": styles, "palette_colors": list(colors)}
    return _with_prompts({**plan, "bible": style_bible(intent, mood=mood_key)})


def recolor(plan: Plan, character_id: str, colors: dict[str, str]) -> Plan:
    """One character in new colours (slot -> colour word); its description says so too."""
    target = find_character(plan, character_id)
    new_colors = dict(target["colors"])
    description = target["description"]
    for slot, word in colors.items():
        if slot not in COLOR_SLOTS:
            raise InvalidInputError(
                f"unknown colour slot {slot!r}: one of {', '.join(COLOR_SLOTS)}"
            )
        hex_ = _check_color(word)
        description = _swap_color_word(description, new_colors.get(slot), word, slot=slot)
        new_colors[slot] = hex_
    changed: Character = {**target, "colors": new_colors, "description": description}
    characters = [changed if c["id"] == target["id"] else c for c in plan["characters"]]
    return _with_prompts({**plan, "characters": characters})


def edit_scenes(plan: Plan, edit: SceneEdit) -> tuple[Plan, list[str]]:
    """Scenes with new light, a new description, a new setting or a new camera move: the shot
    changes, and its text forms with it."""
    notes = []
    wanted = set(edit["scenes"])
    unknown = wanted - {s["id"] for s in plan["scenes"]}
    if unknown:
        raise InvalidInputError(f"unknown scenes: {', '.join(sorted(unknown))}")
    camera = edit.get("camera")
    move = name_of("move", camera) if camera else None
    if camera and not move:
        raise InvalidInputError(f"unknown camera move {camera!r}: one of {', '.join(MOVES)}")
    scenes = []
    for scene in plan["scenes"]:
        if scene["id"] in wanted:
            shot = copy.deepcopy(scene["shot"])
            if edit.get("setting"):
                shot["setting"] = new_setting(shot["setting"], edit["setting"].strip())
            if edit.get("description"):
                shot = redescribe(shot, edit["description"].strip())
            if edit.get("brightness"):
                time, note = relight(shot["setting"]["time"], edit["brightness"])
                shot["setting"]["time"] = time
                notes += [f"{scene['id']}: {note}"] if note else []
            if move:
                shot["camera"] = {**shot["camera"], "move": move}
            scene = {
                **scene,
                "shot": shot,
                "setting": setting_text(shot["setting"]),
                "description": shot["description"],
                "camera": camera_text(shot),
            }
        scenes.append(scene)
    return _with_prompts({**plan, "scenes": scenes}), notes


def new_setting(old: Setting, text: str) -> Setting:
    """The setting a user's words name: the place, and the time and weather where they say
    one (else the old ones). A place no name knows stays in the user's words."""
    return {
        "place": name_of("place", text) or text,
        "time": name_of("time", text) or old["time"],
        "weather": name_of("weather", text) or old["weather"],
    }


def redescribe(shot: Shot, text: str) -> Shot:
    """The shot with the user's description, and the actions and props it names."""
    actions, props = find("action", text), find("prop", text)
    for action, needs in activities(text):
        actions.insert(0, action)
        props += needs
    subjects = (
        [{**s, "action": actions[0]} for s in shot["subjects"]] if actions else shot["subjects"]
    )
    return {
        **shot,
        "description": text,
        "subjects": subjects,
        "props": list(dict.fromkeys([*shot["props"], *props])),
    }


def relight(time: str, brightness: Literal["brighter", "darker"]) -> tuple[str, str | None]:
    """The time of day one light level brighter or darker, or unchanged with a note when it
    is already at the end of the scale."""
    level = "sunset" if time == "sunrise" else time if time in LIGHT_LEVELS else "dusk"
    step = 1 if brightness == "brighter" else -1
    index = LIGHT_LEVELS.index(level) + step
    if not 0 <= index < len(LIGHT_LEVELS):
        return time, f"already as {'bright' if step > 0 else 'dark'} as it goes ({level})"
    return LIGHT_LEVELS[index], None


def style_key(word: str) -> str:
    """The STYLES key for a style word or synonym ("watercolour" -> "watercolor")."""
    if word in STYLES:
        return word
    found = parse_request(word)["styles"]
    if not found:
        raise InvalidInputError(f"unknown style {word!r}; known styles: {', '.join(STYLES)}")
    return found[0]


def mood_family(word: str) -> str:
    """The MOODS key for a mood word ("sad" -> "melancholic")."""
    mood = word if word in MOODS else mood_of(word)
    if mood is None:
        raise InvalidInputError(f"unknown mood {word!r}; known moods: {', '.join(MOODS)}")
    return mood


def current_styles(bible: dict) -> list[str]:
    """The visual style a bible was written in, when it was one of STYLES."""
    return [s for s, medium in STYLE_MEDIA.items() if bible["medium"].startswith(medium)][:1]


def current_mood(bible: dict) -> str:
    mood = bible["mood"] if bible["mood"] in MOOD_PALETTES else mood_of(bible["mood"])
    return mood or "calm"


def _check_color(word: str) -> str:
    if word not in COLORS:
        raise InvalidInputError(f"unknown colour {word!r}; known colours: {', '.join(COLORS)}")
    return COLORS[word]


def _swap_color_word(description: str, old_hex: str | None, word: str, *, slot: str) -> str:
    """The description with the colour word of `old_hex` replaced by `word` (the template
    writer names its colours with COLORS words), else with the new colour added."""
    for old_word, hex_ in sorted(COLORS.items(), key=lambda item: -len(item[0])):
        if hex_ == old_hex:
            pattern = rf"\b{re.escape(old_word)}\b"
            if re.search(pattern, description):
                return re.sub(pattern, word, description, count=1)
    return f"{description.rstrip('. ')}; {slot}: {word}"


def _with_prompts(plan: Plan) -> Plan:
    """The plan with every scene's prompt composed again from its shot."""
    characters = {c["id"]: c for c in plan["characters"]}
    scenes: list[Scene] = [
        {**scene, "prompt": scene_prompt(scene["shot"], characters, plan["bible"]["text"])}
        for scene in plan["scenes"]
    ]
    return {**plan, "scenes": scenes}


def changed_scenes(before: Plan, after: Plan) -> list[str]:
    """Ids of the scenes of `after` that would not render as in `before`: their own data, the
    bible or one of the characters they show differ."""
    if before["bible"] != after["bible"]:
        return [s["id"] for s in after["scenes"]]
    old_scenes = {s["id"]: s for s in before["scenes"]}
    old_cast = {c["id"]: c for c in before["characters"]}
    new_cast = {c["id"]: c for c in after["characters"]}
    return [
        s["id"]
        for s in after["scenes"]
        if old_scenes.get(s["id"]) != s
        or any(old_cast.get(cid) != new_cast.get(cid) for cid in s["characters"])
    ]
