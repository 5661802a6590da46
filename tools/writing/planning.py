"""From a writer's script to a shot list on the song's beat grid.

Each analysis section becomes one or more scenes (clips). Every cut lies on a beat, a downbeat
where one is near, and no clip is longer than the video backend can render in one go. Every
scene carries its shot; its prompt says every field of the shot, then the descriptions of the
characters it shows and the style bible, verbatim.
"""

import copy
from bisect import bisect_left, bisect_right

import numpy as np

from prompts import render
from tools.errors import InvalidInputError
from tools.shots import FRAMINGS, camera_text, setting_key, setting_text, shot_text
from tools.types import (
    Analysis,
    Character,
    Credits,
    Lyrics,
    Plan,
    Scene,
    Script,
    Section,
    SectionScript,
    Shot,
)

MIN_CLIP_SECONDS = 1.0


def make_plan(
    script: Script,
    analysis: Analysis,
    *,
    request: str,
    max_clip_seconds: float,
    lyrics: Lyrics | None = None,
    captions: bool = True,
) -> Plan:
    """Split the script's sections into beat-aligned scenes and compose their prompts.

    Each scene carries a copy of its section's shot, framed closer shot by shot (the writer's
    framing first); in a section with a performance shot, story and performance alternate.
    With `captions`, the first scene of a section keeps the writer's caption and every scene
    carries the lyric lines sung while it is on screen, to be shown in time; without, the
    video has no on-screen text. Where the song's file names its title (`credits`), the video
    opens on the artist and title instead of the writer's first caption."""
    sections = analysis["sections"]
    if len(script["sections"]) != len(sections):
        raise InvalidInputError(
            f"the script has {len(script['sections'])} sections, the song has {len(sections)}"
        )
    characters = {c["id"]: c for c in script["characters"]}
    opening = credits_line(analysis.get("credits", {}))
    scenes: list[Scene] = []
    for k, (section, text) in enumerate(zip(sections, script["sections"], strict=True)):
        if "shot" not in text:
            raise InvalidInputError(f"the script's section {k} has no shot")
        cuts = split_section(
            section["start"],
            section["end"],
            analysis,
            target=_shot_length(analysis, section["energy"]),
            max_len=max_clip_seconds,
        )
        following = script["sections"][k + 1].get("shot") if k + 1 < len(sections) else None
        last = len(cuts) - 2
        for n, (start, end) in enumerate(zip(cuts, cuts[1:], strict=False)):
            # the cut into the next section must show: its first shot is not this one's view
            unlike = following if n == last else None
            shot = scene_shot(text, n, characters=characters, unlike=unlike)
            scene: Scene = {
                "id": f"s{len(scenes) + 1:02d}",
                "index": len(scenes),
                "start": round(start, 4),
                "end": round(end, 4),
                "section": k,
                "section_label": section["label"],
                "setting": setting_text(shot["setting"]),
                "description": shot["description"],
                "camera": camera_text(shot),
                "characters": [s["character"] for s in shot["subjects"]],
                "intensity": round(_mean_energy(analysis, start, end), 3),
                "prompt": scene_prompt(shot, characters, script["bible"]["text"]),
                "transition_in": _transition(sections, k, n),
                "shot": shot,
            }
            caption = "" if scenes else opening
            if captions and n == 0 and (caption or text.get("caption")):
                scene["caption"] = caption or text["caption"]
            sung = [  # a line of no length belongs to the scene it starts in
                line
                for line in lyrics or []
                if line["start"] < end and (line["end"] > start or line["start"] >= start)
            ]
            if captions and sung:
                scene["lyrics"] = sung
            scenes.append(scene)
    return {
        "request": request,
        "title": script["title"],
        "story": script["story"],
        "writer": script["writer"],
        "bible": script["bible"],
        "characters": script["characters"],
        "scenes": scenes,
    }


def credits_line(credits: Credits) -> str:
    """The song's artist and title as a music video opens on them: 'Los Rombos – “Fantasma”'
    ("" without a title)."""
    if not credits.get("title"):
        return ""
    named = f"“{credits['title']}”"
    return f"{credits['artist']} – {named}" if credits.get("artist") else named


def scene_shot(
    text: SectionScript, n: int, *, characters: dict[str, Character], unlike: Shot | None = None
) -> Shot:
    """The shot of the section's n-th scene: story and performance take turns (story first),
    each framed one step closer than its previous scene; subjects are known characters only.
    Once the framings have gone from wide to close, the story moves on to the section's next
    variant (another view, the next action), if the writer gave any; a story shot that would
    show the place from the view of `unlike` (the next section's first shot) takes the next."""
    performance = text.get("performance")
    turn = n // 2 if performance else n
    order = tuple(FRAMINGS)
    stories = [text["shot"], *text.get("variants", [])]
    take = turn // len(order)
    for _ in stories:
        story = stories[take % len(stories)]
        if unlike is None or _where(story) != _where(unlike):
            break
        take += 1
    source = performance if performance and n % 2 else story
    framing = source["camera"]["framing"]
    if framing in order and turn:
        framing = order[(order.index(framing) + turn) % len(order)]
    return {
        **copy.deepcopy(source),
        "subjects": [dict(s) for s in source["subjects"] if s["character"] in characters],
        "camera": {**source["camera"], "framing": framing},
    }


def _where(shot: Shot) -> tuple[str, int]:
    return setting_key(shot["setting"]), shot.get("view", 0)


def scene_prompt(shot: Shot, characters: dict[str, Character], bible: str) -> str:
    """The prompt of a generative backend: every field of the shot, then the look of every
    character on screen and the style bible, verbatim."""
    shown = [characters[s["character"]] for s in shot["subjects"] if s["character"] in characters]
    people = "\n".join(render("character", **c) for c in shown) or "No people in frame."
    return render(
        "scene", description=shot["description"], shot=shot_text(shot, characters),
        characters=people, bible=bible,
    )  # fmt: skip


def split_section(
    start: float, end: float, analysis: Analysis, *, target: float, max_len: float
) -> list[float]:
    """Cut points from `start` to `end` on downbeats (else beats), no gap over `max_len`."""
    downbeats, beats = analysis["downbeats"], analysis["beats"]
    cuts = [start]
    while end - cuts[-1] > max_len or end - cuts[-1] > target * 1.5:
        here = cuts[-1]
        lo, hi = here + MIN_CLIP_SECONDS, min(here + max_len, end - MIN_CLIP_SECONDS)
        cut = _nearest_in(downbeats, here + target, lo, hi)
        if cut is None:
            cut = _nearest_in(beats, here + target, lo, hi)
        if cut is None:  # no beat at all in reach (a long silence): cut where we must
            cut = min(here + max_len, end - MIN_CLIP_SECONDS) if end - here > max_len else None
        if cut is None:
            break
        cuts.append(cut)
    cuts.append(end)
    return cuts


def _nearest_in(times: list[float], goal: float, lo: float, hi: float) -> float | None:
    window = times[bisect_left(times, lo) : bisect_right(times, hi)]
    return min(window, key=lambda t: abs(t - goal)) if window else None


def _shot_length(analysis: Analysis, energy: float) -> float:
    """Calm music holds a shot for about four bars, intense music cuts every bar or two."""
    bar = 4 * 60.0 / max(analysis["tempo"], 1.0)
    while bar < 1.5:  # very fast tempi: count in longer bars
        bar *= 2
    bars = 4 if energy < 0.4 else 2 if energy < 0.75 else 1
    return bar * bars


def _mean_energy(analysis: Analysis, start: float, end: float) -> float:
    hz = analysis["curve_hz"]
    curve = analysis["energy"][int(start * hz) : max(int(end * hz), int(start * hz) + 1)]
    return float(np.mean(curve)) if curve else 0.0


def _transition(sections: list[Section], k: int, shot: int) -> str:
    """Hard cuts inside a section; a crossfade, or a flash into a big lift, between sections."""
    if k == 0 or shot > 0:
        return "cut"
    jump = sections[k]["energy"] - sections[k - 1]["energy"]
    return "flash" if jump > 0.2 else "crossfade"
