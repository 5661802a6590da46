"""Speed and memory of `sound2sight make`, as ratios to ffmpeg measured in the same run.

Per song (see evals/videos.py): the whole make (wall time of the child process), its stages from
the run manifest (analysis, rendering the clips, the final encode), the analysis again in this
process once numba is warm, and the yardstick: ffmpeg encoding the same duration of a test
pattern at the same size (evals/baseline.py), timed right after the make. How cost grows with
song length is the slope of log(seconds) against log(song length) over the songs: 1 is linear.
"""

import numpy as np

from evals.baseline import ffmpeg_encode_seconds
from evals.bench_make import analysis_seconds
from evals.videos import Video

STAGES = {  # figure -> stage of the run manifest's timings
    "analysis": "analyze",
    "render": "generate",  # summed over clips: clips render `workers` at a time
    "encode": "assemble",
}


def measure(video: Video) -> dict:
    """Every speed figure of one make."""
    width, height = (int(v) for v in video["resolution"].split("x"))
    seconds = video["truth"]["duration"]
    baseline = ffmpeg_encode_seconds(seconds, size=(width, height), fps=video["fps"])
    make = video["make"]
    row = {
        "song": video["name"],
        "song_seconds": round(seconds, 2),
        "resolution": video["resolution"],
        "ffmpeg_seconds": round(baseline, 2),
        "make_seconds": round(make["seconds"], 2),
        "warm_analysis_seconds": round(analysis_seconds(video["song"]), 2),
        "peak_rss_mb": round(make["peak_rss_mb"]),
        "scenes": make["scenes"],
        "regenerated": len(make["regenerated"]),
    }
    for figure, stage in STAGES.items():
        row[f"{figure}_seconds"] = round(make["timings"].get(stage, 0.0), 2)
    for figure in ("make", *STAGES):
        row[f"{figure}_ratio"] = round(row[f"{figure}_seconds"] / baseline, 2)
    return row


def growth_exponent(lengths: list[float], costs: list[float]) -> float | None:
    """Slope of log(cost) over log(length) (least squares); None with fewer than two lengths."""
    if len(set(lengths)) < 2 or min(costs) <= 0:
        return None
    slope = np.polyfit(np.log(lengths), np.log(costs), 1)[0]
    return round(float(slope), 2)


def evaluate(videos: list[Video]) -> dict:
    """Speed rows per song and a summary: ratios for the longest song, growth with length."""
    if not videos:
        return {"status": "not run: no videos were produced"}
    rows = [measure(video) for video in videos]
    longest = max(rows, key=lambda r: r["song_seconds"])
    lengths = [r["song_seconds"] for r in rows]
    summary = {
        "longest_song_seconds": longest["song_seconds"],
        "make_ratio": longest["make_ratio"],
        "render_ratio": longest["render_ratio"],
        "encode_ratio": longest["encode_ratio"],
        "analysis_ratio": longest["analysis_ratio"],
        "make_seconds_per_song_minute": round(
            longest["make_seconds"] / longest["song_seconds"] * 60, 1
        ),
        "warm_analysis_realtime": round(
            longest["warm_analysis_seconds"] / longest["song_seconds"], 3
        ),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
        "make_growth": growth_exponent(lengths, [r["make_seconds"] for r in rows]),
        "render_growth": growth_exponent(lengths, [r["render_seconds"] for r in rows]),
        "encode_growth": growth_exponent(lengths, [r["encode_seconds"] for r in rows]),
        "warm_analysis_growth": growth_exponent(
            lengths, [r["warm_analysis_seconds"] for r in rows]
        ),
        "memory_growth": growth_exponent(lengths, [r["peak_rss_mb"] for r in rows]),
    }
    return {"status": "ok", "summary": summary, "songs": rows}
