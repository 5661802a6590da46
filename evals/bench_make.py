"""Speed and memory of the whole offline `sound2sight make`, as a ratio to ffmpeg.

    python -m evals.bench_make [SONG] [--resolution 1280x720] [--fps 24]

Defaults to ../shared/audio/tracks/vibe_ace.ogg (61 s). Prints one JSON object: analysis time,
make wall time, the ffmpeg baseline for the same duration measured in the same run, their ratio,
and the peak RSS of the make process.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evals.baseline import ffmpeg_encode_seconds
from tools.audio.analysis import analyze_audio
from tools.audio.loading import load_audio
from tools.errors import GenerationFailedError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SONG = ROOT.parent / "shared" / "audio" / "tracks" / "vibe_ace.ogg"


def analysis_seconds(song: str) -> float:
    """Analysis time after a warm-up call (numba compiles on the first call of a process)."""
    audio, sr = load_audio(song)
    analyze_audio(audio[: sr * 5], sr)
    t0 = time.perf_counter()
    analyze_audio(audio, sr, path=song)
    return time.perf_counter() - t0


def make_run(song: str, *, resolution: str, fps: int, folder: Path) -> dict:
    """Run `sound2sight make` in a child process, its run folder and video kept in `folder`;
    wall time, its peak RSS and the run manifest's figures."""
    out, run_dir = folder / "video.mp4", folder / "run"
    cmd = [
        sys.executable,
        "-m",
        "agent.cli",
        "make",
        song,
        "-q",
        "-o",
        str(out),
        "--run-dir",
        str(run_dir),
        "--resolution",
        resolution,
        "--fps",
        str(fps),
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise GenerationFailedError(f"sound2sight make {song} failed with status {status}")
    run = json.loads(Path(run_dir, "run.json").read_text())
    return {
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "timings": run["timings"],
        "scenes": len(run["scenes"]),
        "regenerated": run["regenerated"],
        "video": str(out),
        "run_dir": str(run_dir),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("song", nargs="?", default=str(DEFAULT_SONG))
    parser.add_argument("--resolution", default="1280x720")
    parser.add_argument("--fps", type=int, default=24)
    args = parser.parse_args(argv)
    size = tuple(int(x) for x in args.resolution.split("x"))
    audio, sr = load_audio(args.song)
    duration = len(audio) / sr
    with tempfile.TemporaryDirectory() as tmp:
        make = make_run(args.song, resolution=args.resolution, fps=args.fps, folder=Path(tmp))
    baseline = ffmpeg_encode_seconds(duration, size=size, fps=args.fps)
    result = {
        "song": args.song,
        "duration": round(duration, 2),
        "analysis_seconds": round(analysis_seconds(args.song), 2),
        "make_seconds": round(make["seconds"], 2),
        "ffmpeg_baseline_seconds": round(baseline, 2),
        "make_to_ffmpeg_ratio": round(make["seconds"] / baseline, 2),
        "peak_rss_mb": round(make["peak_rss_mb"]),
        "stage_seconds": make["timings"],
        "scenes": make["scenes"],
        "regenerated": make["regenerated"],
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
