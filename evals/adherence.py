"""Request adherence: does the video show what the request asks for?

Each request of `evals/requests.json` runs on a track of `../shared/audio/tracks` and lists the
elements a reader finds in it, annotated by hand in the names of `tools.shots` (places, time of day,
weather, props, actions, look, camera move), with the number of characters, the mood family
(`tools.writing.request.MOODS`) and what it rules out ("no neon"). The request goes through the
offline pipeline as `sound2sight make` runs it (analysis, the features tagger and listener of the
default hybrid pipeline, the template writer, the beat-grid plan for the procedural backend), then
every scene through the procedural renderer's report of what it drew (no frames rendered).

Scores, per element, at two levels: **plan** (the scenes' shots and the style bible) and
**picture** (what the renderer says it drew, `drawn`):

- place, prop, action: some scene has it (the share of scenes that do is reported too);
- time, weather: the majority of the story scenes have it;
- look, camera move: the majority of scenes have it (the bible's look, or the look drawn; the
  shots' moves, or the moves drawn);
- characters: the number of distinct characters in the shots is the one asked for;
- mood: the bible's mood family (plan level only: nothing draws a mood by that name);
- avoid: no scene has what the request rules out.

Variety per request: distinct (place, view) backdrops per minute of song, distinct actions and
expressions, the shot-size mix (wide, medium, close-up) and, on sung tracks, the share of
performance shots.

    python -m evals.adherence [--requests FILE] [--limit N] [--seed N] [--json]
"""

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypedDict

import numpy as np

from evals import report
from tools.audio.analysis import analyze_audio
from tools.audio.loading import load_audio
from tools.errors import InvalidInputError
from tools.registry import DEFAULTS, load_backend
from tools.shots import FRAMINGS, VOCABULARIES, name_of
from tools.types import Analysis, Plan, Rendered, Scene, Tags
from tools.video.procedural.render import SceneRenderer
from tools.writing.planning import make_plan
from tools.writing.request import MOODS, mood_of

ROOT = Path(__file__).resolve().parents[1]
TRACKS = ROOT.parent / "shared" / "audio" / "tracks"
REQUESTS = Path(__file__).with_name("requests.json")
SIZE = (320, 180)  # small builds fast; the report is the same at 1280x720 (checked)
SUNG_TRACKS = frozenset(  # shared tracks with a singer (see ../shared/audio/MANIFEST.md)
    {"lets_go_fishin", "slow_motion_dream_excerpt", "vocadito_1", "fantasma_los_rombos"}
)
# element key -> the tools.shots vocabulary its names come from
NAMED = {
    "place": "place",
    "time": "time",
    "weather": "weather",
    "props": "prop",
    "actions": "action",
    "look": "look",
    "move": "move",
}
LISTED = ("place", "props", "actions")  # keys whose value is a list of names
KINDS = (*NAMED, "characters", "mood", "avoid")


class Request(TypedDict):
    id: str
    track: str  # a file of ../shared/audio/tracks, or a path
    request: str
    elements: dict  # NAMED keys, "characters": N, "mood": family, "avoid": {key: [names]}


class Seen(TypedDict):
    """One scene as the plan has it or as the renderer drew it, in `tools.shots` names."""

    story: bool
    place: str
    view: int
    time: str
    weather: str
    props: list[str]
    actions: list[str]
    expressions: list[str]
    characters: list[str]
    look: str
    framing: str
    move: str


class Check(TypedDict):
    kind: str  # a key of KINDS
    element: str
    met: bool
    share: float | None  # of the scenes that have it (story scenes for time and weather)
    got: str  # what the scenes have instead, for a developer reading a miss


# ------------------------------------------------------------------ the request set


def load_requests(path: Path = REQUESTS) -> list[Request]:
    """The requests of a JSON file ({"requests": [...]} or a list), their annotations checked.
    The elements may sit under "elements" or beside "track" and "request"; a request without
    an "id" is numbered."""
    data = json.loads(Path(path).read_text())
    requests: list[Request] = []
    for n, entry in enumerate(data["requests"] if isinstance(data, dict) else data):
        elements = entry.get("elements", {k: v for k, v in entry.items() if k in KINDS})
        request: Request = {
            "id": str(entry.get("id", f"r{n + 1:02d}")),
            "track": entry["track"],
            "request": entry["request"],
            "elements": elements,
        }
        problems = annotation_problems(elements)
        if problems:
            raise InvalidInputError(f"{path}: request {request['id']!r}: {'; '.join(problems)}")
        requests.append(request)
    return requests


def annotation_problems(elements: dict) -> list[str]:
    """What is wrong with a request's annotation: unknown keys, names that are not names."""
    problems = [f"unknown element {key!r}" for key in elements if key not in KINDS]
    for key, vocabulary in NAMED.items():
        value = elements.get(key)
        if key in LISTED and value is not None and not isinstance(value, list):
            problems.append(f"{key}: a list of names, not {value!r}")
            continue
        names = value if key in LISTED else [value]
        problems += [
            f"{key}: {name!r} is not a name of tools.shots"
            for name in names or []
            if name is not None and name not in VOCABULARIES[vocabulary]
        ]
    if "mood" in elements and elements["mood"] not in MOODS:
        problems.append(f"mood: {elements['mood']!r} is not a mood family of tools.writing.request")
    count = elements.get("characters", 0)
    if not isinstance(count, int) or count < 0:
        problems.append(f"characters: {count!r} is not a count")
    for key, names in elements.get("avoid", {}).items():
        if key not in NAMED:
            problems.append(f"avoid: unknown element {key!r}")
        problems += [
            f"avoid {key}: {n!r} is not a name"
            for n in names
            if key in NAMED and n not in VOCABULARIES[NAMED[key]]
        ]
    return problems


def track_path(track: str) -> Path:
    """A track named by a path, or by its file name (with or without the extension) in
    ../shared/audio/tracks."""
    path = Path(track)
    if path.is_absolute() or path.exists():
        return path
    named = TRACKS / path.name
    return named if named.suffix else next(TRACKS.glob(f"{path.name}.*"), named)


# ------------------------------------------------------------------ the pipeline


class Pipeline:
    """`sound2sight make` with its offline defaults up to the plan (agent/nodes.py: analyze,
    tag and listen for the hybrid pipeline, write)."""

    def __init__(self) -> None:
        self.listener = load_backend("listener", DEFAULTS["listener"])
        self.writer = load_backend("writer", DEFAULTS["writer"])
        self.max_clip_seconds = load_backend("video", DEFAULTS["video"]).max_clip_seconds

    def plan(self, track: Path, request: str) -> Plan:
        audio, sr, analysis, tags = heard(track)
        story = self.listener.listen(audio, sr, analysis, request=request)
        script = self.writer.write(analysis=analysis, tags=tags, story=story, request=request)
        return make_plan(script, analysis, request=request, max_clip_seconds=self.max_clip_seconds)


@cache
def heard(track: Path) -> tuple[np.ndarray, int, Analysis, Tags]:
    """A track's audio, analysis and tags, made once per process."""
    audio, sr = load_audio(track)
    analysis = analyze_audio(audio, sr, path=str(track))
    return audio, sr, analysis, load_backend("tagger", DEFAULTS["tagger"]).tag(audio, sr, analysis)


def rendered(plan: Plan, *, seed: int) -> list[Rendered]:
    """What the procedural renderer draws for every scene, seeded as the video graph seeds a
    scene's first render (agent/routing.py), without rendering a frame."""
    return [
        SceneRenderer(scene, plan=plan, size=SIZE, seed=seed + scene["index"]).rendered
        for scene in plan["scenes"]
    ]


# ------------------------------------------------------------------ scenes in names


def planned(scene: Scene, plan: Plan) -> Seen:
    """The scene as its shot and the style bible describe it."""
    shot, setting = scene["shot"], scene["shot"]["setting"]
    return {
        "story": shot["kind"] == "story",
        "place": _name("place", setting["place"]),
        "view": shot["view"],
        "time": _name("time", setting["time"]),
        "weather": _name("weather", setting["weather"]),
        "props": [_name("prop", p) for p in shot["props"]],
        "actions": [_name("action", s["action"]) for s in shot["subjects"]],
        "expressions": [_name("expression", s["expression"]) for s in shot["subjects"]],
        "characters": [s["character"] for s in shot["subjects"]],
        "look": _name("look", plan["bible"].get("look", "")),
        "framing": _name("framing", shot["camera"]["framing"]),
        "move": _name("move", shot["camera"]["move"]),
    }


def _name(kind: str, value: str) -> str:
    """A shot's value in the names of tools.shots (a writer may write a phrase)."""
    return name_of(kind, value) or value


def drawn(scene: Scene, rendered: Rendered) -> Seen:
    """The scene as the renderer says it drew it."""
    picture = rendered["drawn"]
    return {
        "story": scene["shot"]["kind"] == "story",
        "place": picture["place"],
        "view": picture["view"],
        "time": picture["time"],
        "weather": picture["weather"],
        "props": list(picture["props"]),
        "actions": [s["action"] for s in picture["subjects"]],
        "expressions": [s["expression"] for s in picture["subjects"]],
        "characters": [s["character"] for s in picture["subjects"]],
        "look": picture["look"],
        "framing": picture["camera"]["framing"],
        "move": picture["camera"]["move"],
    }


# ------------------------------------------------------------------ scoring


def checks(scenes: list[Seen], elements: dict, *, mood: str | None) -> list[Check]:
    """One check per element the request names; `mood` is the bible's mood family (None at
    picture level, where there is no mood to check)."""
    story = [s for s in scenes if s["story"]] or scenes
    out: list[Check] = []
    for key in LISTED:
        for name in elements.get(key, []):
            out.append(_some(key, name, scenes))
    for key in ("time", "weather", "look", "move"):
        if key in elements:
            out.append(_most(key, elements[key], story if key in ("time", "weather") else scenes))
    if "characters" in elements:
        cast = list(dict.fromkeys(c for s in scenes for c in s["characters"]))
        want = elements["characters"]
        out.append(_check("characters", str(want), len(cast) == want, None, str(len(cast))))
    if "mood" in elements and mood is not None:
        out.append(_check("mood", elements["mood"], mood == elements["mood"], None, mood))
    for key, names in elements.get("avoid", {}).items():
        for name in names:
            share = _share(scenes, lambda s, key=key, name=name: _has(s, key, name))
            out.append(_check("avoid", f"no {name}", share == 0, share, f"{name} in {share:.0%}"))
    return out


def _some(key: str, name: str, scenes: list[Seen]) -> Check:
    share = _share(scenes, lambda s: _has(s, key, name))
    got = ", ".join(dict.fromkeys(v for s in scenes for v in _values(s, key))) or "none"
    return _check(key, name, share > 0, share, got)


def _most(key: str, name: str, scenes: list[Seen]) -> Check:
    share = _share(scenes, lambda s: s[key] == name)
    common = Counter(s[key] for s in scenes).most_common(1)
    return _check(key, name, share > 0.5, share, (common[0][0] if common else "") or "none")


def _has(scene: Seen, key: str, name: str) -> bool:
    return name in _values(scene, key)


def _values(scene: Seen, key: str) -> list[str]:
    value = scene[key]
    return list(value) if isinstance(value, list) else [value]


def _share(scenes: list[Seen], has: Callable[[Seen], bool]) -> float:
    return round(sum(map(has, scenes)) / len(scenes), 3) if scenes else 0.0


def _check(kind: str, element: str, met: bool, share: float | None, got: str) -> Check:
    return {"kind": kind, "element": element, "met": met, "share": share, "got": got}


def variety(scenes: list[Seen], *, minutes: float) -> dict:
    """How much the video changes: backdrops per minute, actions, expressions, shot sizes."""
    framings = Counter(s["framing"] for s in scenes)
    return {
        "backdrops_per_minute": round(len({(s["place"], s["view"]) for s in scenes}) / minutes, 2),
        "distinct_actions": len({a for s in scenes for a in s["actions"]}),
        "distinct_expressions": len({e for s in scenes for e in s["expressions"]}),
        **{f: round(framings[f] / len(scenes), 3) for f in FRAMINGS},
        "performance": round(sum(not s["story"] for s in scenes) / len(scenes), 3),
    }


def score(request: Request, plan: Plan, reports: list[Rendered]) -> dict:
    """The checks and variety of one request's plan and of what was drawn for it."""
    scenes = plan["scenes"]
    minutes = scenes[-1]["end"] / 60
    shots = [planned(scene, plan) for scene in scenes]
    pictures = [drawn(scene, r) for scene, r in zip(scenes, reports, strict=True)]
    mood = mood_of(plan["bible"]["mood"]) or plan["bible"]["mood"]
    on_plan = checks(shots, request["elements"], mood=mood)
    on_picture = checks(pictures, request["elements"], mood=None)
    picture_variety = variety(pictures, minutes=minutes)
    return {
        "id": request["id"],
        "track": Path(request["track"]).stem,
        "sung": Path(request["track"]).stem in SUNG_TRACKS,
        "scenes": len(scenes),
        "minutes": round(minutes, 3),
        "plan_score": _met(on_plan),
        "picture_score": _met(on_picture),
        "plan": on_plan,
        "picture": on_picture,
        "variety": {
            **variety(shots, minutes=minutes),
            "drawn_backdrops_per_minute": picture_variety["backdrops_per_minute"],
        },
    }


def summarize(results: list[dict]) -> dict:
    """Headline figures, the per-kind table and the misses of every request."""
    plan = [c for r in results for c in r["plan"]]
    picture = [c for r in results for c in r["picture"]]
    sung = [r["variety"]["performance"] for r in results if r["sung"]]

    def mean(key: str, *, by_length: bool = False) -> float:
        values = [r["variety"][key] for r in results]
        weights = [r["minutes"] for r in results] if by_length else None
        return round(float(np.average(values, weights=weights)), 3)

    summary = {
        "requests": len(results),
        "elements": len(plan),
        "plan_score": _met(plan),
        "picture_score": _met(picture),
        "backdrops_per_minute": mean("backdrops_per_minute", by_length=True),
        "drawn_backdrops_per_minute": mean("drawn_backdrops_per_minute", by_length=True),
        "distinct_actions": mean("distinct_actions"),
        "distinct_expressions": mean("distinct_expressions"),
        **{f"{f}_share": mean(f) for f in FRAMINGS},
        "performance_share_sung": round(float(np.mean(sung)), 3) if sung else None,
    }
    kinds = [
        {
            "kind": kind,
            "elements": sum(c["kind"] == kind for c in plan),
            "plan": _met([c for c in plan if c["kind"] == kind]),
            "picture": _met([c for c in picture if c["kind"] == kind]),
            "plan_scenes": _mean_share([c for c in plan if c["kind"] == kind]),
            "picture_scenes": _mean_share([c for c in picture if c["kind"] == kind]),
        }
        for kind in KINDS
        if any(c["kind"] == kind for c in plan)
    ]
    return {"summary": summary, "kinds": kinds, "misses": misses(results)}


def _met(found: list[Check]) -> float | None:
    return round(sum(c["met"] for c in found) / len(found), 3) if found else None


def _mean_share(found: list[Check]) -> float | None:
    """The mean share of scenes with the element (None for video-wide elements)."""
    shares = [c["share"] for c in found if c["share"] is not None]
    return round(float(np.mean(shares)), 3) if shares else None


def misses(results: list[dict]) -> list[dict]:
    """Every element missed in the plan or in the picture: what was there instead, or "ok"."""
    rows = []
    for r in results:
        drawn_by = {(c["kind"], c["element"]): c for c in r["picture"]}
        for c in r["plan"]:
            seen = drawn_by.get((c["kind"], c["element"]))
            if c["met"] and (seen is None or seen["met"]):
                continue
            rows.append(
                {
                    "request": r["id"],
                    "kind": c["kind"],
                    "element": c["element"],
                    "plan": "ok" if c["met"] else c["got"],
                    "picture": "–" if seen is None else "ok" if seen["met"] else seen["got"],
                }
            )
    return rows


def evaluate(*, requests: Path = REQUESTS, limit: int | None = None, seed: int = 0) -> dict:
    """Run every request (the first `limit`) through the pipeline and score it."""
    chosen = load_requests(requests)[:limit]
    missing = sorted({r["track"] for r in chosen if not track_path(r["track"]).exists()})
    if missing:
        return {"status": f"not run: track(s) not found: {', '.join(missing)} (in {TRACKS})"}
    pipeline = Pipeline()
    results = []
    for request in chosen:
        plan = pipeline.plan(track_path(request["track"]), request["request"])
        results.append(score(request, plan, rendered(plan, seed=seed)))
    return {"status": "ok", "requests_file": str(requests), **summarize(results),
            "results": results}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.adherence", description=__doc__)
    parser.add_argument("--requests", default=str(REQUESTS), help="a request set (JSON)")
    parser.add_argument("--limit", type=int, help="only the first N requests")
    parser.add_argument("--seed", type=int, default=0, help="the video's seed, as in make")
    parser.add_argument("--json", action="store_true", help="print JSON, not Markdown")
    args = parser.parse_args(argv)
    result = evaluate(requests=Path(args.requests), limit=args.limit, seed=args.seed)
    print(json.dumps(result, indent=2) if args.json else report.area_markdown("adherence", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
