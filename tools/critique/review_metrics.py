"""Review metrics: a finished run scored against a rubric, from its files alone.

The rubric has the paper's three human-judged dimensions (Storytelling, Visual Impression,
Emotional Consistency) and four that the run's own measurements answer. Every score is 0..1 and
says how it was obtained (`method`); a dimension nothing here can measure is reported with a
score of None and the reason ("not judged" / "not measured"), never made up:

- style_consistency (critic): the mean of the critic's `style` score over the scenes' chosen
  clips: how closely each clip keeps the style anchor's palette and look.
- character_consistency (critic): the mean of the critic's `character` score over the scenes
  that show a character (scenes without one are left out: the critic gives them 1.0).
- beat_sync (analysis): the share of cuts (scene starts after the first) within half a frame of
  a detected beat, half a frame being as close as a cut can get at the video's frame rate. It
  checks where the cuts are against the beat tracker; it cannot check the tracker itself.
- lyric_alignment: needs the lyrics' timing in the run; runs without lyrics are not measured.
- storytelling (plan, unless a judge is configured): a structural proxy, not a judgement of the
  story's quality: the mean of coverage (share of the song's sections that get a scene with an
  action), variety (distinct setting+action pairs over the sections ÷ distinct section labels,
  at most 1: a repeated chorus may repeat its scene, a verse should not repeat the intro) and
  continuity (share of the scenes with people that show the lead, the most-shown character).
- visual_impression, emotional_consistency: only a vision-language judge can score these.

A judge (`tools.types.Judge`, e.g. tools/critique/judge.py) looks at the contact sheet and scores
storytelling, visual impression and emotional consistency; its storytelling replaces the plan proxy,
which stays in the detail.

The verdict: a video passes when every scored dimension reaches the bar and every scene's chosen
clip passed the critic; scenes whose clips never passed are flagged (`agent.review` revises
them).
"""

import json
from collections import Counter
from pathlib import Path

DIMENSIONS = (
    "storytelling",
    "visual_impression",
    "emotional_consistency",
    "character_consistency",
    "style_consistency",
    "beat_sync",
    "lyric_alignment",
)
JUDGED = ("storytelling", "visual_impression", "emotional_consistency")  # what a judge scores
NO_JUDGE = "not judged: needs a vision-language judge (none configured)"
BAR = 0.6

# A judge (tools.types.Judge) is named by a spec like every backend: `openai:gpt-4.1-mini`.


def review_run(run_dir: str | Path, *, bar: float = BAR) -> dict:
    """The rubric from the run's measurements alone (no judge)."""
    run_dir = Path(run_dir)
    run = load_json(run_dir / "run.json")
    analysis = load_json(run_dir / "analysis.json")
    plan = load_json(run_dir / "plan.json")
    dimensions = {name: _unscored(NO_JUDGE) for name in JUDGED}
    dimensions |= {
        "storytelling": storytelling(plan, analysis),
        "character_consistency": critic_mean(run, "character"),
        "style_consistency": critic_mean(run, "style"),
        "beat_sync": beat_sync(run, analysis),
        "lyric_alignment": _unscored("not measured: this run has no lyrics"),
    }
    threshold = run["critic_threshold"]
    flagged = [
        {"scene": s["id"], "why": _why(s, threshold)} for s in run["scenes"] if not s["passed"]
    ]
    return verdict({name: dimensions[name] for name in DIMENSIONS}, flagged, bar)


def judged(review: dict, judgement: dict[str, dict], *, judge: str) -> dict:
    """`review` with the judge's scores for its dimensions, and the verdict again."""
    dimensions = dict(review["dimensions"])
    for name in JUDGED:
        if name not in judgement:
            continue
        proxy = dimensions[name]
        detail = judgement[name].get("reason", "")
        if proxy["score"] is not None:
            detail += f" (plan proxy: {proxy['score']:.2f}, {proxy['detail']})"
        dimensions[name] = {
            "score": round(float(judgement[name]["score"]), 3),
            "method": f"judge {judge}",
            "detail": detail,
        }
    return verdict(dimensions, review["flagged"], review["bar"])


# ---------------------------------------------------------------------------- dimensions


def critic_mean(run: dict, aspect: str) -> dict:
    """Mean critic score of `aspect` over the chosen clips (character: scenes with people)."""
    scenes = run["scenes"]
    if aspect == "character":
        scenes = [s for s in scenes if s["characters"]]
        if not scenes:
            return _unscored("not measured: no scene shows a character")
    values = {s["id"]: s["scores"][aspect] for s in scenes if aspect in s["scores"]}
    if not values:
        return _unscored(f"not measured: the critic gave no {aspect} score")
    worst = min(values, key=values.get)
    return {
        "score": round(sum(values.values()) / len(values), 3),
        "method": f"critic {run['backends']['critic']}",
        "detail": f"mean of {len(values)} scenes; lowest {worst} {values[worst]:.2f}",
    }


def beat_sync(run: dict, analysis: dict) -> dict:
    """Share of the cuts within half a frame of a detected beat."""
    cuts = [s["start"] for s in run["scenes"][1:]]
    if not cuts:
        return _unscored("not measured: one scene, no cuts")
    if not analysis["beats"]:
        return _unscored("not measured: no beats were detected")
    tolerance = 0.5 / run["settings"]["fps"] + 1e-6
    on_beat = sum(_near(t, analysis["beats"], tolerance) for t in cuts)
    on_downbeat = sum(_near(t, analysis["downbeats"], tolerance) for t in cuts)
    return {
        "score": round(on_beat / len(cuts), 3),
        "method": "analysis",
        "detail": f"{on_beat} of {len(cuts)} cuts on a beat, {on_downbeat} on a downbeat "
        f"(tolerance {tolerance * 1000:.0f} ms)",
    }


def storytelling(plan: dict, analysis: dict) -> dict:
    """Structural proxy: coverage, variety and continuity of the plan (see the module doc)."""
    sections = analysis["sections"]
    scenes = plan["scenes"]
    acted = {s["section"] for s in scenes if s["description"].strip()}
    coverage = len(acted) / len(sections)
    first_of = {}
    for s in scenes:
        first_of.setdefault(s["section"], (s["setting"], s["description"]))
    labels = {section["label"] for section in sections}
    variety = min(1.0, len(set(first_of.values())) / len(labels))
    parts = {"coverage": coverage, "variety": variety}
    peopled = [s for s in scenes if s["characters"]]
    if peopled:
        lead, _ = Counter(c for s in peopled for c in s["characters"]).most_common(1)[0]
        parts["continuity"] = sum(lead in s["characters"] for s in peopled) / len(peopled)
    return {
        "score": round(sum(parts.values()) / len(parts), 3),
        "method": "plan",
        "detail": "structure only: " + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()),
    }


def describe_music(run_dir: Path) -> str:
    """The song in words for a judge: key, the tagger's style and emotion, section energies."""
    analysis = load_json(run_dir / "analysis.json")
    parts = [str(analysis["features"].get("key", "unknown key"))]
    tags_path = run_dir / "tags.json"
    if tags_path.exists():
        song = load_json(tags_path)["song"]
        for kind in ("style", "emotion"):
            parts.append(f"{kind} " + ", ".join(x["label"] for x in song[kind][:3]))
    energies = ", ".join(f"{s['label']} {s['energy']:.2f}" for s in analysis["sections"])
    return "; ".join(parts) + f"; loudness by section (0..1): {energies}"


# ---------------------------------------------------------------------------- the verdict


def verdict(dimensions: dict, flagged: list[dict], bar: float) -> dict:
    """The review: the dimensions, their mean, the flagged scenes and whether it passes."""
    scores = [d["score"] for d in dimensions.values() if d["score"] is not None]
    review = {
        "bar": bar,
        "dimensions": dimensions,
        "overall": round(sum(scores) / len(scores), 3) if scores else None,
        "flagged": flagged,
    }
    review["passed"] = not flagged and not dimensions_below(review)
    return review


def dimensions_below(review: dict) -> list[str]:
    """The scored dimensions under the review's bar."""
    return [
        name
        for name, d in review["dimensions"].items()
        if d["score"] is not None and d["score"] < review["bar"]
    ]


def _why(scene: dict, threshold: float) -> str:
    scores = scene["scores"]
    low = [f"{k} {scores[k]:.2f}" for k in ("style", "character") if scores.get(k, 1) < threshold]
    low = low or [f"overall {scores.get('overall', 0):.2f}"]
    tries = len(scene["attempts"])
    return (
        f"{', '.join(low)} under the critic's threshold {threshold:.2f} "
        f"after {tries} attempt{'s' if tries > 1 else ''}"
    )


def summary(review: dict) -> str:
    """The review in one line."""
    overall = "n/a" if review["overall"] is None else f"{review['overall']:.2f}"
    verdict = "passes" if review["passed"] else "under the bar"
    return f"review {overall} ({verdict} {review['bar']:.2f})"


def _near(t: float, times: list[float], tolerance: float) -> bool:
    return any(abs(t - b) <= tolerance for b in times)


def _unscored(reason: str) -> dict:
    return {"score": None, "method": None, "detail": reason}


def load_json(path: Path) -> dict:
    """One of the run folder's JSON files."""
    return json.loads(path.read_text())
