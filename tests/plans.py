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
