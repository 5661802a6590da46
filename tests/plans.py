"""Shots and scenes written by hand for tests (one place to build them)."""

from tools.shots import camera_text, make_shot, setting_text, subject


def shot(place="rooftop", *, time="night", subjects=(), description="", **fields) -> dict:
    """A shot; `subjects` are character ids, or (id, action, expression) triples."""
    people = [subject(s) if isinstance(s, str) else subject(*s) for s in subjects]
    return make_shot(
        place, time=time, subjects=people, description=description or f"a shot at the {place}",
        **fields,
    )  # fmt: skip


def with_shot(scene: dict, the_shot: dict) -> dict:
    """The scene showing `the_shot`, its text fields agreeing with it."""
    return {
        **scene,
        "shot": the_shot,
        "setting": setting_text(the_shot["setting"]),
        "description": the_shot["description"],
        "camera": camera_text(the_shot),
        "characters": [s["character"] for s in the_shot["subjects"]],
    }


def rooftop_scene(sid="s01", start=1.0, end=1.75, characters=("c1",)) -> dict:
    """A scene of the astronaut Mara (c1) walking on a neon rooftop at night."""
    the_shot = shot(
        "rooftop",
        time="night",
        subjects=[(c, "walk", "calm") for c in characters],
        description="the astronaut walks",
        framing="wide",
        move="slow push-in",
    )
    return with_shot(
        {
            "id": sid,
            "index": 0,
            "start": start,
            "end": end,
            "section": 0,
            "section_label": "verse",
            "setting": "a rooftop in a neon city at night",
            "description": "the astronaut walks",
            "camera": "wide shot, slow push-in",
            "characters": list(characters),
            "intensity": 0.5,
            "prompt": (
                "the lone astronaut walks on a rooftop in a neon city at night. "
                "Mara (c1): a lone astronaut in a white suit with an orange visor. "
                "Style: flat vector animation, deep indigo palette"
            ),
            "transition_in": "cut",
        },
        the_shot,
    )


def rooftop_plan(scenes: list[dict]) -> dict:
    """A plan of `scenes` with the rooftop story's bible and its one character, Mara (c1)."""
    return {
        "request": "a lonely space song",
        "title": "Rooftop",
        "story": "an astronaut walks a rooftop",
        "writer": "template",
        "bible": {
            "medium": "flat vector animation",
            "palette": ["#101020", "#202040", "#404080", "#e0a030", "#f0f0e0"],
            "lighting": "neon rim light",
            "camera": "slow",
            "mood": "dreamy",
            "text": "flat vector animation, deep indigo palette, neon rim light",
        },
        "characters": [
            {
                "id": "c1",
                "name": "Mara",
                "figure": "astronaut",
                "description": "a lone astronaut in a white suit with an orange visor",
                "colors": {"skin": "#c08060", "hair": "#000000", "outfit": "#ffffff"},
            }
        ],
        "scenes": scenes,
    }
