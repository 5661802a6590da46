"""Consistency: how the critic scores the produced videos, and whether it catches drift.

- scene scores: the critic's style and character scores across the scenes of every produced
  video (run.json), how many scenes passed first time and how many were regenerated;
- drift benchmark: clips rendered by the procedural backend from the calibration plans of
  evals/critic_calibration.py, faithfully or with a style or character drift injected by
  evals/drift.py, scored by the critic; a clip scoring under the critic's threshold would be
  regenerated, so the precision and recall of that flag are the detection figures and the share
  of faithful clips flagged is the rate of needless regenerations. `calibrate` is also asked for
  the best threshold on the same clips (an in-sample figure: optimistic);
- the same for other views of a place (`render_views`): every place seen from each of its
  views, held to the stills the backend made; showing a place from another angle must not be
  taken for drift;
- the same benchmark for an embedding critic when a local model folder is given, else not run;
- end to end: the video graph on a produced song again, with drift injected into some scenes'
  first renders, to see which scenes the critique loop regenerates.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict

import numpy as np

from agent.context import Context
from agent.runner import make_video
from evals.critic_calibration import VARIANTS, render_variants, render_views
from evals.drift import DriftingVideo
from evals.videos import Video
from tools.critique.embeddings import calibrate
from tools.critique.pixels import frames_for_critique
from tools.errors import BackendUnavailableError
from tools.registry import BACKENDS, load_backend
from tools.shots import PLACES
from tools.types import Anchors, Critic, Plan, Scene
from tools.video.procedural_video import ProceduralVideo
from tools.writing.styles import MOOD_PALETTES, STYLE_PALETTES

HELD_OUT = 100  # plan index offset: other seeds, casts and anchors than the critic was tuned on
FULL_PALETTES = 20
QUICK_PALETTES = 4
DRIFT_SIZE = (320, 180)  # the pixel critic scores at this width at most (critique.WORK_WIDTH)


class Clip(TypedDict):
    variant: str  # consistent, style or character
    path: str
    scene: Scene
    plan: Plan
    anchors: Anchors


# ------------------------------------------------------------------ scene scores


def scene_scores(videos: list[Video]) -> dict:
    """The critic's scores of the chosen clip of every scene, over all produced videos."""
    scenes = [
        s for v in videos for s in json.loads(Path(v["run_dir"], "run.json").read_text())["scenes"]
    ]
    if not scenes:
        return {"status": "not run: no videos were produced"}
    style = [s["scores"]["style"] for s in scenes]
    character = [s["scores"]["character"] for s in scenes if s["characters"]]
    return {
        "status": "ok",
        "scenes": len(scenes),
        "style_mean": _round(np.mean(style)),
        "style_min": _round(np.min(style)),
        "style_std": _round(np.std(style)),
        "character_mean": _round(np.mean(character)) if character else None,
        "character_min": _round(np.min(character)) if character else None,
        "character_std": _round(np.std(character)) if character else None,
        "passed_first_time": _round(np.mean([s["attempts"][0]["passed"] for s in scenes])),
        "regenerated": sum(len(s["attempts"]) > 1 for s in scenes),
    }


# ------------------------------------------------------------------ drift benchmark


def benchmark_palettes(count: int) -> list[list[str]]:
    """`count` palettes spread over the template writer's mood and style palettes."""
    palettes = [[s.hex for s in p] for p in [*MOOD_PALETTES.values(), *STYLE_PALETTES.values()]]
    step = max(1, len(palettes) // count)
    return palettes[::step][:count]


def render_drift_set(folder: Path, *, palettes: int, size: tuple[int, int]) -> list[Clip]:
    """Every calibration plan's scenes rendered faithfully, with style drift and with character
    drift (scenes without a character are left out of the character variant)."""
    clips: list[Clip] = []
    for i, palette in enumerate(benchmark_palettes(palettes)):
        k = HELD_OUT + i
        for variant, scene, path, plan, anchors in render_variants(
            palette, k, folder=folder, size=size
        ):
            clips.append(
                Clip(variant=variant, path=str(path), scene=scene, plan=plan, anchors=anchors)
            )
    return clips


def render_view_set(folder: Path, *, quick: bool, size: tuple[int, int]) -> list[Clip]:
    """Every place's other views, faithful and with style drift (`render_views`); `quick`:
    every third place."""
    return [
        Clip(variant=variant, path=str(path), scene=scene, plan=plan, anchors=anchors)
        for variant, scene, path, plan, anchors in render_views(
            benchmark_palettes(FULL_PALETTES),
            folder=folder,
            size=size,
            offset=HELD_OUT,
            places=list(PLACES)[::3] if quick else None,
        )
    ]


def detection_stats(variants: list[str], overall: list[float], *, threshold: float) -> dict:
    """Precision and recall of flagging drifted clips (score < threshold), per drift kind too,
    and the share of consistent clips flagged (each one a needless regeneration)."""
    v, s = np.asarray(variants), np.asarray(overall, dtype=float)
    flagged, drifted = s < threshold, v != "consistent"
    caught = int((flagged & drifted).sum())
    stats = {
        "threshold": round(threshold, 4),
        "consistent_clips": int((~drifted).sum()),
        "drifted_clips": int(drifted.sum()),
        "precision": _round(caught / flagged.sum()) if flagged.any() else None,
        "recall": _round(caught / drifted.sum()) if drifted.any() else None,
        "needless_regeneration_rate": _round(flagged[~drifted].mean())
        if (~drifted).any()
        else None,
    }
    for kind in VARIANTS[1:]:
        stats[f"recall_{kind}"] = _round(flagged[v == kind].mean()) if (v == kind).any() else None
    return stats


def score_drift_set(critic: Critic, clips: list[Clip]) -> dict:
    """The critic's detection figures on the drift set, at its threshold and at the calibrated
    one, and the score distribution of each variant."""
    overall = [
        critic.score(
            frames_for_critique(c["path"]), scene=c["scene"], plan=c["plan"], anchors=c["anchors"]
        )["overall"]
        for c in clips
    ]
    variants = [c["variant"] for c in clips]
    good = [s for v, s in zip(variants, overall, strict=True) if v == "consistent"]
    bad = [s for v, s in zip(variants, overall, strict=True) if v != "consistent"]
    calibrated = calibrate(good, bad)
    return {
        "status": "ok",
        "critic": getattr(critic, "source", critic.name),
        "at_threshold": detection_stats(variants, overall, threshold=critic.threshold),
        "calibrated": detection_stats(variants, overall, threshold=calibrated),
        "scores": {
            variant: _distribution(
                [s for v, s in zip(variants, overall, strict=True) if v == variant]
            )
            for variant in VARIANTS
            if variant in variants
        },
    }


def embedding_benchmark(spec: str | None, clips: list[Clip]) -> dict:
    """The drift benchmark for an embedding critic `kind:folder`, or why it was not run."""
    if not spec:
        return {
            "status": "not run: no embedding critic given (--embed-critic clip:/path/to/model, "
            "or EVALS_EMBED_CRITIC)"
        }
    kind = spec.partition(":")[0]
    if kind not in {"clip", "siglip", "dinov2"}:
        return {"status": f"not run: {spec!r} is not an embedding critic (clip, siglip, dinov2)"}
    try:
        critic = load_backend("critic", spec)
    except BackendUnavailableError as error:
        return {"status": f"not run: {error}"}
    return score_drift_set(critic, clips)


# ------------------------------------------------------------------ end to end


class DriftingProcedural(DriftingVideo):
    """The procedural renderer drifting the scenes its spec names: `drifting:s02=style,…`."""

    def __init__(self, model: str) -> None:
        super().__init__(ProceduralVideo(), dict(item.split("=") for item in model.split(",")))


@contextmanager
def drifting_backend() -> Iterator[None]:
    """`drifting:` registered as a video backend for the duration of the block."""
    BACKENDS["video"]["drifting"] = f"{__name__}:DriftingProcedural"
    load_backend.cache_clear()  # a fresh instance: drift counts renders per instance
    try:
        yield
    finally:
        del BACKENDS["video"]["drifting"]
        load_backend.cache_clear()


def drift_plan(scenes: list[dict]) -> dict[str, str]:
    """Drift for every third scene, style and character in turn (character only on scenes
    where someone is on screen)."""
    drift = {}
    for n, scene in enumerate(scenes[1::3]):
        drift[scene["id"]] = "character" if n % 2 and scene["characters"] else "style"
    return drift


def end_to_end(video: Video, folder: Path) -> dict:
    """Which scenes the graph regenerates when some first renders drift."""
    scenes = json.loads(Path(video["run_dir"], "run.json").read_text())["scenes"]
    drift = drift_plan(scenes)
    if not drift:
        return {"status": f"not run: {video['name']} has too few scenes to drift"}
    width, height = (int(v) for v in video["resolution"].split("x"))
    spec = "drifting:" + ",".join(f"{sid}={kind}" for sid, kind in drift.items())
    folder.mkdir(parents=True, exist_ok=True)
    ctx = Context(
        run_dir=str(folder / "run"),
        output=str(folder / "video.mp4"),
        video=spec,
        width=width,
        height=height,
        fps=video["fps"],
    )
    with drifting_backend():
        make_video(video["song"], "", ctx)
    run = json.loads(Path(ctx.run_dir, "run.json").read_text())
    regenerated = set(run["regenerated"])
    consistent = [s["id"] for s in run["scenes"] if s["id"] not in drift]
    return {
        "status": "ok",
        "song": video["name"],
        "scenes": len(run["scenes"]),
        "drifted": drift,
        "regenerated": sorted(regenerated),
        "drift_caught": _round(np.mean([sid in regenerated for sid in drift])) if drift else None,
        "needless_regeneration_rate": _round(np.mean([sid in regenerated for sid in consistent]))
        if consistent
        else None,
        "all_passed_in_the_end": all(s["passed"] for s in run["scenes"]),
        "renders_per_scene": _round(
            sum(len(s["attempts"]) for s in run["scenes"]) / len(run["scenes"])
        ),
    }


# ------------------------------------------------------------------ the area


def evaluate(videos: list[Video], folder: Path, *, quick: bool, embed_critic: str | None) -> dict:
    """Scene scores, the drift benchmark (pixel critic, and an embedding critic if given) and
    the end-to-end drift run."""
    clips = render_drift_set(
        folder / "drift", palettes=QUICK_PALETTES if quick else FULL_PALETTES, size=DRIFT_SIZE
    )
    critic = load_backend("critic", "pixels")
    pixels = score_drift_set(critic, clips)
    views = score_drift_set(critic, render_view_set(folder / "views", quick=quick, size=DRIFT_SIZE))
    parts = {
        "scenes": scene_scores(videos),
        "drift_pixels": pixels,
        "drift_views": {**views, "critic": f"{views['critic']}, other views"},
        "drift_embedding": embedding_benchmark(embed_critic, clips),
        "end_to_end": end_to_end(videos[0], folder / "end_to_end")
        if videos
        else {"status": "not run: no videos were produced"},
    }
    summary = {
        "style_mean": parts["scenes"].get("style_mean"),
        "style_min": parts["scenes"].get("style_min"),
        "character_mean": parts["scenes"].get("character_mean"),
        "character_min": parts["scenes"].get("character_min"),
        "drift_precision": pixels["at_threshold"]["precision"],
        "drift_recall": pixels["at_threshold"]["recall"],
        "needless_regeneration_rate": pixels["at_threshold"]["needless_regeneration_rate"],
        "views_needless_regeneration_rate": views["at_threshold"]["needless_regeneration_rate"],
        "views_style_recall": views["at_threshold"]["recall_style"],
        "e2e_drift_caught": parts["end_to_end"].get("drift_caught"),
        "e2e_needless_regeneration_rate": parts["end_to_end"].get("needless_regeneration_rate"),
    }
    embedding = parts["drift_embedding"]
    if embedding["status"] == "ok":
        summary["embedding_drift_precision"] = embedding["at_threshold"]["precision"]
        summary["embedding_drift_recall"] = embedding["at_threshold"]["recall"]
        summary["embedding_calibrated_threshold"] = embedding["calibrated"]["threshold"]
    else:
        summary["embedding_critic"] = embedding["status"]
    return {"status": "ok", "summary": summary, **parts}


def _distribution(values: list[float]) -> dict:
    v = np.asarray(values, dtype=float)
    return {
        "n": int(v.size),
        "min": _round(v.min()),
        "p10": _round(np.percentile(v, 10)),
        "median": _round(np.median(v)),
        "p90": _round(np.percentile(v, 90)),
        "max": _round(v.max()),
    }


def _round(value: float) -> float:
    return round(float(value), 3)
