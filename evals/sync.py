"""Audio-visual sync, read from the produced video files themselves.

Cuts are found in the decoded frames, not taken from the plan: a hard cut is a frame that
differs from the one before far more than the frames around it differ from theirs; a dissolve
is a short span whose ends differ far more than spans around it while no single frame step
carries most of the change. Each cut is then measured against the beats (the analysis the
pipeline used, and the song's true beats when it has them) and each section boundary is checked
for a cut nearby. Durations come from ffmpeg: the video's frame count and the decoded audio.

Figures (see evals/README.md): offsets of cuts to the nearest beat, the share of cuts on a beat,
the share of section boundaries with a cut within SECTION_WINDOW_S, how many planned cuts the
detector sees (and how many it sees that were not planned), and video/audio/song durations.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from tools.assembly.assemble import CROSSFADE_SECONDS
from tools.errors import GenerationFailedError
from tools.ffmpeg import ffmpeg_exe, video_info

THUMB_WIDTH = 64  # frames are compared at this width: cuts survive it, noise and grain do not
NEIGHBOURHOOD_S = 0.5  # a frame step is compared with the steps this far either side
HARD_RATIO = 3.0  # a hard cut's step is at least this many times its neighbourhood's median
MIN_STEP = 3.0  # mean absolute difference (0..255) a cut must reach whatever its neighbourhood
MIN_GAP_S = 0.25  # of cuts closer than this only the strongest counts (flashes decay after one)
DISSOLVE_RATIO = 3.0  # a dissolve's span difference against its neighbourhood's median
GRADUAL = 0.5  # in a dissolve no single frame step is more than this share of the span change
BEAT_WINDOW_S = 0.07  # a cut this close to a beat is on the beat (mir_eval's beat window)
SECTION_WINDOW_S = 0.5  # a section boundary with a cut this close is marked by a cut
PLAN_TOLERANCE_FRAMES = 2  # a detected cut this close to a planned one is that cut
AUDIO_RATE = 8000  # Hz: the audio track is decoded at this rate to count its duration


def decode_thumbnails(path: str, *, width: int = THUMB_WIDTH) -> tuple[np.ndarray, float]:
    """Every frame of the video, scaled to `width` (area-averaged), as uint8 (n, h, w, 3); fps."""
    info = video_info(path)
    height = max(2, round(info.height * width / info.width / 2) * 2)
    cmd = [
        ffmpeg_exe(), "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
        "-vf", f"scale={width}:{height}:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "pipe:1",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise GenerationFailedError(f"cannot decode {path}: {proc.stderr.decode()[-400:]}")
    frames = np.frombuffer(proc.stdout, np.uint8).reshape(-1, height, width, 3)
    return frames, info.fps


def frame_steps(frames: np.ndarray, *, lag: int = 1) -> np.ndarray:
    """Mean absolute difference between frame i and frame i - lag (0 for the first lag frames)."""
    steps = np.zeros(len(frames))
    for i in range(lag, len(frames)):
        steps[i] = np.abs(frames[i].astype(np.int16) - frames[i - lag]).mean()
    return steps


def detect_cuts(frames: np.ndarray, fps: float) -> list[int]:
    """Frame indices where a new shot starts (hard cuts and the middles of dissolves).

    Where a hard cut and a dissolve overlap, the hard cut wins if its one step carries at least
    GRADUAL of the dissolve's change (a flash is a cut, then a fade from white), else the
    dissolve wins (its steps come in a row of similar ones, the largest looks like a cut).
    """
    h = max(2, round(CROSSFADE_SECONDS * fps / 2))
    steps, spans = frame_steps(frames), _spans(frames, h)
    hard, soft = _hard_cuts(steps, fps), _dissolves(steps, spans, h)

    def sharp(cut: int, dissolve: int) -> bool:
        return steps[cut] >= GRADUAL * spans[dissolve]

    kept = [c for c in hard if all(abs(c - d) > h + 1 or sharp(c, d) for d in soft)]
    kept += [d for d in soft if all(abs(c - d) > h + 1 or not sharp(c, d) for c in hard)]
    return sorted(kept)


def _hard_cuts(steps: np.ndarray, fps: float) -> list[int]:
    """Frames whose step stands out from the steps around them and is the largest nearby."""
    half, gap = max(2, round(NEIGHBOURHOOD_S * fps)), max(1, round(MIN_GAP_S * fps))
    cuts = []
    for i in range(1, len(steps)):
        around = np.r_[steps[max(1, i - half) : i], steps[i + 1 : i + half + 1]]
        level = float(np.median(around)) if around.size else 0.0
        strongest = steps[i] >= steps[max(1, i - gap) : i + gap + 1].max()
        if steps[i] >= max(MIN_STEP, HARD_RATIO * level) and strongest:
            cuts.append(i)
    return cuts


def _spans(frames: np.ndarray, h: int) -> np.ndarray:
    """Mean absolute difference between frames i + h and i - h (0 within h of either end)."""
    spans = np.zeros(len(frames))
    spans[h : len(frames) - h] = frame_steps(frames, lag=2 * h)[2 * h :]
    return spans


def _dissolves(steps: np.ndarray, spans: np.ndarray, h: int) -> list[int]:
    """Middles of gradual transitions 2h frames long: a span that stands out from the spans
    around it, is the largest nearby, and whose largest single step is at most GRADUAL of it."""
    half = 2 * h + 1
    found = []
    for i in range(h, len(spans) - h):
        around = np.r_[spans[max(h, i - h - half) : i - h], spans[i + h + 1 : i + h + half + 1]]
        level = float(np.median(around)) if around.size else 0.0
        gradual = steps[i - h + 1 : i + h + 1].max() <= GRADUAL * spans[i]
        strongest = spans[i] >= spans[max(h, i - h) : i + h + 1].max()
        if spans[i] >= max(MIN_STEP, DISSOLVE_RATIO * level) and gradual and strongest:
            found.append(i)
    return found


def nearest_offsets(events: list[float], grid: list[float]) -> np.ndarray:
    """Signed offset (s) of each event to the nearest time of `grid` (positive: after it)."""
    if not len(events) or not len(grid):
        return np.zeros(0)
    times, grid_ = np.asarray(events, dtype=float), np.asarray(grid, dtype=float)
    nearest = np.abs(times[:, None] - grid_[None, :]).argmin(axis=1)
    return times - grid_[nearest]


def share_within(targets: list[float], events: list[float], window: float) -> float | None:
    """The share of `targets` with at least one of `events` within `window` seconds."""
    if not len(targets):
        return None
    if not len(events):
        return 0.0
    return float(np.mean(np.abs(nearest_offsets(targets, events)) <= window))


def inner_boundaries(sections: list[dict]) -> list[float]:
    """Where one section ends and a section with another label starts (repeats are joined)."""
    return [
        b["start"] for a, b in zip(sections, sections[1:], strict=False) if a["label"] != b["label"]
    ]


def audio_seconds(path: str) -> float:
    """Duration of the first audio stream, from the samples ffmpeg decodes (0 without audio)."""
    cmd = [
        ffmpeg_exe(), "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0?",
        "-ac", "1", "-ar", str(AUDIO_RATE), "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise GenerationFailedError(f"cannot decode the audio of {path}")
    return len(proc.stdout) / 2 / AUDIO_RATE


def offset_stats(offsets: np.ndarray, beats: list[float]) -> dict:
    """Median and 90th percentile of |offset| in ms, the mean signed offset, the share of cuts on
    a beat and the share that cuts at random times would reach (chance)."""
    period = float(np.median(np.diff(beats))) if len(beats) > 1 else np.inf
    chance = round(min(1.0, 2 * BEAT_WINDOW_S / period), 3)
    if not offsets.size:
        return {"cuts": 0, "median_abs_ms": None, "p90_abs_ms": None, "mean_ms": None,
                "on_beat": None, "chance": chance}  # fmt: skip
    magnitude = np.abs(offsets)
    return {
        "cuts": int(offsets.size),
        "median_abs_ms": round(float(np.median(magnitude)) * 1000, 1),
        "p90_abs_ms": round(float(np.percentile(magnitude, 90)) * 1000, 1),
        "mean_ms": round(float(offsets.mean()) * 1000, 1),
        "on_beat": round(float(np.mean(magnitude <= BEAT_WINDOW_S)), 3),
        "chance": chance,
    }


def plan_agreement(detected: list[int], planned: list[int]) -> dict:
    """How many planned cuts the detector found (recall) and how many of its cuts were planned."""

    def near(x: int, pool: list[int]) -> bool:
        return any(abs(x - p) <= PLAN_TOLERANCE_FRAMES for p in pool)

    return {
        "planned": len(planned),
        "detected": len(detected),
        "planned_found": round(np.mean([near(p, detected) for p in planned]), 3)
        if planned
        else None,
        "detected_planned": round(np.mean([near(d, planned) for d in detected]), 3)
        if detected
        else None,
    }


def evaluate_video(name: str, video: str, *, run_dir: str, song: str, truth: dict | None) -> dict:
    """Every sync figure of one produced video (its run folder holds the analysis and plan)."""
    run = json.loads(Path(run_dir, "run.json").read_text())
    analysis = json.loads(Path(run_dir, "analysis.json").read_text())
    frames, fps = decode_thumbnails(video)
    cuts = detect_cuts(frames, fps)
    cut_times = [i / fps for i in cuts]
    planned = [round(s["start"] * fps) for s in run["scenes"][1:]]
    song_seconds = sf.info(song).duration
    result = {
        "video": name,
        "fps": fps,
        "video_seconds": round(len(frames) / fps, 3),
        "audio_seconds": round(audio_seconds(video), 3),
        "song_seconds": round(song_seconds, 3),
        "cuts_vs_analysis_beats": offset_stats(
            nearest_offsets(cut_times, analysis["beats"]), analysis["beats"]
        ),
        "plan": plan_agreement(cuts, planned),
        "analysis_boundaries_cut": _rounded(
            share_within(inner_boundaries(analysis["sections"]), cut_times, SECTION_WINDOW_S)
        ),
    }
    if truth is not None:
        result["cuts_vs_true_beats"] = offset_stats(
            nearest_offsets(cut_times, truth["beats"]), truth["beats"]
        )
        result["true_boundaries_cut"] = _rounded(
            share_within(inner_boundaries(truth["sections"]), cut_times, SECTION_WINDOW_S)
        )
    return result


def evaluate(videos: list[dict]) -> dict:
    """Sync figures of every produced video and their summary (means over videos)."""
    rows = [
        evaluate_video(
            v["name"], v["video"], run_dir=v["run_dir"], song=v["song"], truth=v.get("truth")
        )
        for v in videos
    ]
    if not rows:
        return {"status": "not run: no videos were produced"}
    return {"status": "ok", "summary": _summary(rows), "videos": rows}


def _summary(rows: list[dict]) -> dict:
    def mean(values: list) -> float | None:
        known = [v for v in values if v is not None]
        return round(float(np.mean(known)), 3) if known else None

    drift = [
        max(
            abs(r["video_seconds"] - r["song_seconds"]), abs(r["audio_seconds"] - r["song_seconds"])
        )
        for r in rows
    ]
    return {
        "cut_beat_median_abs_ms": mean(
            [r["cuts_vs_analysis_beats"]["median_abs_ms"] for r in rows]
        ),
        "cuts_on_analysis_beat": mean([r["cuts_vs_analysis_beats"]["on_beat"] for r in rows]),
        "cuts_on_true_beat": mean([r.get("cuts_vs_true_beats", {}).get("on_beat") for r in rows]),
        "true_boundaries_cut": mean([r.get("true_boundaries_cut") for r in rows]),
        "analysis_boundaries_cut": mean([r["analysis_boundaries_cut"] for r in rows]),
        "planned_cuts_seen": mean([r["plan"]["planned_found"] for r in rows]),
        "seen_cuts_planned": mean([r["plan"]["detected_planned"] for r in rows]),
        "max_duration_error_s": round(max(drift), 3),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
