"""Calibration of the pixel critic: how consistent and drifted clips score.

For each palette of the template writer (its mood and style palettes), a plan of nine
settings with a two-character cast from the writer's character sheet is rendered by the
procedural backend three ways through `DriftingVideo`: faithfully, with a style drift and with
a character drift. `PixelCritic` scores every clip (frames read with `frames_for_critique`, as
the graph does); the score distributions and the precision and recall of flagging a drifted
clip at a range of thresholds are printed.

    python -m evals.critic_calibration [--palettes 20] [--size 320x180] [--offset 0]

`--offset` changes seeds, casts and which setting becomes the style anchor (a held-out set).

`render_views` makes a second set: every place seen from each of its views (`VIEW_LOOKS` in
turn), the other views rendered faithfully and with a style drift, to check that showing a
place from another angle is not taken for drift.
"""

import argparse
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from evals.drift import DriftingVideo
from tools.critique.pixels import PixelCritic, frames_for_critique
from tools.shots import PLACES, camera_text, make_shot, setting_text, subject
from tools.types import Analysis, Anchors, Plan, Scene, Shot
from tools.video.procedural_video import ProceduralVideo
from tools.writing.directing import VIEWS
from tools.writing.storytelling import Member
from tools.writing.styles import MOOD_PALETTES, STYLE_PALETTES
from tools.writing.template import character_sheet

SHOT = 1.5
FPS = 12
SETTINGS = [  # place, time, weather, move, cast (indices into the two characters)
    ("rooftop", "night", "clear", "slow push-in", [0]),
    ("desert", "day", "clear", "pan left", [1]),
    ("stage", "night", "clear", "handheld", [0, 1]),
    ("beach", "sunset", "clear", "crane up", []),
    ("forest", "dusk", "fog", "orbit", [0, 1]),
    ("space", "night", "clear", "static", [1]),
    ("room", "night", "clear", "pull back", [0]),
    ("mountains", "sunrise", "snow", "pan right", [0, 1]),
    ("abstract", "night", "clear", "fast push-in", [0]),
]
FIGURES = ("singer", "dancer", "astronaut", "robot", "person")
VIEW_LOOKS = (
    "flat",
    "neon",
    "watercolor",
    "pastel",
    "anime",
    "pixel art",
    "retro film",
    "oil painting",
)
VARIANTS = ("consistent", "style", "character")


def sample_plan(palette: list[str], k: int) -> Plan:
    """Nine scenes, the first setting rotated by k, and a cast the writer would pick."""
    members = [Member(FIGURES[(k + i) % 5], FIGURES[(k + i) % 5], 1, {}, None) for i in (0, 1)]
    cast = character_sheet(members, palette=palette, seed=k)
    shots = SETTINGS[k % 9 :] + SETTINGS[: k % 9]
    scenes: list[Scene] = []
    for i, (place, when, weather, move, who) in enumerate(shots):
        people = [subject(cast[j]["id"], ("walk", "dance", "stand")[i % 3]) for j in who]
        shot = make_shot(place, time=when, weather=weather, move=move, subjects=people)
        scenes.append(_scene(i, shot))
    return _plan(palette, cast, scenes)


def _scene(i: int, shot: Shot) -> Scene:
    return {
        "id": f"s{i + 1:02d}",
        "index": i,
        "start": i * SHOT,
        "end": (i + 1) * SHOT,
        "section": 0,
        "section_label": "verse",
        "setting": setting_text(shot["setting"]),
        "description": shot["description"],
        "camera": camera_text(shot),
        "characters": [p["character"] for p in shot["subjects"]],
        "intensity": (0.3, 0.6, 0.9)[i % 3],
        "prompt": shot["description"],
        "transition_in": "cut",
        "shot": shot,
    }


def _plan(palette: list[str], cast: list, scenes: list[Scene], *, look: str = "") -> Plan:
    bible = {
        "medium": "flat vector animation",
        "palette": palette,
        "lighting": "soft",
        "camera": "smooth",
        "mood": "any",
        "text": "flat vector animation, limited palette",
        **({"look": look} if look else {}),
    }
    return {
        "request": "",
        "title": "calibration",
        "story": "",
        "writer": "eval",
        "bible": bible,
        "characters": cast,
        "scenes": scenes,
    }


def sample_analysis(duration: float, hz: float = 20.0) -> Analysis:
    """A steady 120 BPM song whose energy swells towards the middle."""
    t = np.arange(int(duration * hz) + 1) / hz
    beats = list(np.arange(0.0, duration, 0.5).round(3))
    onset = np.exp(-((t * 2) % 1) / 0.1)
    energy = np.clip(0.45 + 0.35 * np.sin(np.pi * t / duration) + 0.1 * onset, 0, 1)
    return {
        "path": "synthetic.wav",
        "duration": duration,
        "tempo": 120.0,
        "beats": beats,
        "downbeats": beats[::4],
        "curve_hz": hz,
        "energy": energy.tolist(),
        "sections": [{"start": 0.0, "end": duration, "label": "verse", "energy": 0.6}],
        "onset": onset.tolist(),
        "vocal": [0.5] * len(t),
        "features": {},
    }


def render_variants(
    palette: list[str], k: int, *, folder: Path, size: tuple[int, int]
) -> Iterator[tuple[str, Scene, Path, Plan, Anchors]]:
    """Render every scene of one palette's plan faithfully and with each kind of drift;
    yields (variant, scene, clip path, plan, anchors)."""
    plan = sample_plan(palette, k)
    yield from _render_drifted(
        plan, plan["scenes"], VARIANTS, folder=folder, name=str(k), size=size, seed=k, clip_seed=k
    )


def _render_drifted(
    plan: Plan,
    scenes: list[Scene],
    variants: tuple[str, ...],
    *,
    folder: Path,
    name: str,
    size: tuple[int, int],
    seed: int,
    clip_seed: int,
) -> Iterator[tuple[str, Scene, Path, Plan, Anchors]]:
    """The plan's anchors (`seed`), then each of `scenes` rendered as each of `variants`
    (faithfully, or with that drift; a character drift only where someone is on screen),
    clip seeds 1000 * `clip_seed` + the scene's index. Yields (variant, scene, clip path,
    plan, anchors)."""
    analysis = sample_analysis(len(plan["scenes"]) * SHOT + 1)
    base = ProceduralVideo()
    anchors = base.anchors(plan, out_dir=str(folder / f"anchors{name}"), size=size, seed=seed)
    for variant in variants:
        shown = [s for s in scenes if variant != "character" or s["characters"]]
        drift = {} if variant == "consistent" else {s["id"]: variant for s in shown}
        backend = DriftingVideo(base, drift)
        for scene in shown:
            path = folder / f"{name}-{variant}-{scene['id']}.mp4"
            backend.render(
                scene,
                plan=plan,
                analysis=analysis,
                anchors=anchors,
                out_path=str(path),
                size=size,
                fps=FPS,
                seed=1000 * clip_seed + scene["index"],
            )
            yield variant, scene, path, plan, anchors


def render_views(
    palettes: list[list[str]],
    *,
    folder: Path,
    size: tuple[int, int],
    offset: int = 0,
    places: list[str] | None = None,
) -> Iterator[tuple[str, Scene, Path, Plan, Anchors]]:
    """Each of `places` (default: all of tools.shots.PLACES) at its own time, seen from each
    view (one character walking; looks and palettes in turn); the other views rendered
    faithfully and with a style drift. Yields (variant, scene, clip path, plan, anchors)."""
    views = range(VIEWS)
    for k, place in enumerate(PLACES):
        if places is not None and place not in places:
            continue
        palette = palettes[k % len(palettes)]
        figure = FIGURES[(k + offset) % len(FIGURES)]
        cast = character_sheet([Member(figure, figure, 1, {}, None)], palette=palette, seed=k)
        when = PLACES[place].time
        walking = [subject(cast[0]["id"], "walk")]
        scenes = [
            _scene(i, make_shot(place, time=when, view=v, move="slow push-in", subjects=walking))
            for i, v in enumerate(views)
        ]
        plan = _plan(palette, cast, scenes, look=VIEW_LOOKS[k % len(VIEW_LOOKS)])
        yield from _render_drifted(
            plan,
            scenes[1:],
            VARIANTS[:2],
            folder=folder,
            name=f"views{k}",
            size=size,
            seed=k,
            clip_seed=k + offset,
        )


def score_palette(
    palette: list[str], k: int, *, folder: Path, size: tuple[int, int]
) -> list[tuple[str, float, str]]:
    """(variant, overall score, what the clip shows) of every clip of one palette's plan."""
    critic = PixelCritic()
    results = []
    for variant, scene, path, plan, anchors in render_variants(
        palette, k, folder=folder, size=size
    ):
        frames = frames_for_critique(str(path))
        scores = critic.score(frames, scene=scene, plan=plan, anchors=anchors)
        cast = "+".join(c["figure"] for c in plan["characters"] if c["id"] in scene["characters"])
        label = f"palette {palette[3]}, {scene['setting']}, {cast or 'nobody'}: {scores}"
        results.append((variant, scores["overall"], label))
    return results


def report(results: list[tuple[str, float, str]], threshold: float) -> None:
    for variant in VARIANTS:
        v = np.array([s for name, s, _ in results if name == variant])
        print(
            f"{variant:>11}: n {len(v):3d}  min {v.min():.3f}  p10 {np.percentile(v, 10):.3f}  "
            f"median {np.median(v):.3f}  p90 {np.percentile(v, 90):.3f}  max {v.max():.3f}"
        )
    ok = np.array([s for name, s, _ in results if name == "consistent"])
    for t in sorted({*np.round(np.arange(0.5, 0.81, 0.05), 2), threshold}):
        caught = {v: np.mean([s < t for name, s, _ in results if name == v]) for v in VARIANTS[1:]}
        drifted = [s for name, s, _ in results if name != "consistent"]
        tp, fp = sum(s < t for s in drifted), int((ok < t).sum())
        mark = "  <- PixelCritic.default_threshold" if t == threshold else ""
        print(
            f"t={t:.2f}: precision {tp / max(tp + fp, 1):.3f}  recall {tp / len(drifted):.3f} "
            f"(style {caught['style']:.3f}, character {caught['character']:.3f})  "
            f"false alarms {fp}/{len(ok)}{mark}"
        )
    wrong = [(v, label) for v, s, label in results if (v == "consistent") != (s >= threshold)]
    for variant, label in wrong:
        print(f"misjudged {variant}: {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--palettes", type=int, default=20)
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--offset", type=int, default=0)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    palettes = [[s.hex for s in p] for p in [*MOOD_PALETTES.values(), *STYLE_PALETTES.values()]]
    start = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, palette in enumerate(palettes[: args.palettes]):
            results += score_palette(palette, i + args.offset, folder=Path(tmp), size=size)
    print(f"{len(results)} clips in {time.perf_counter() - start:.0f} s")
    report(results, PixelCritic.default_threshold)


if __name__ == "__main__":
    main()
