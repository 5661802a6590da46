"""Every evaluation that can run on this machine, in one command.

    python -m evals [--quick] --out DIR [--compare OLD/results.json] [--judge openai:MODEL]
                    [--embed-critic KIND:FOLDER] [--requests FILE] [--only AREA,...]

Areas: music (analysis accuracy), speed, sync, consistency, rubric, adherence (the request
set's elements in the plans and in what the renderer draws), reliability (bad inputs, faults
and attacks: how many are handled cleanly), lyrics (vocal activity and plain lyrics
alignment on voice-over-band mixes built at eval time, and on fantasma_los_rombos). The videos
that speed, sync, consistency and rubric look at are made first (evals/videos.py). Writes
DIR/results.json and DIR/results.md (also printed); working files go to DIR/work/ (replaced
on every run). An area that cannot run here says why ("not run: …"); one that fails is
reported as "failed: …" and the exit status is 1. With --fail-on-regression, a regression
against --compare is too.
How to read every figure: evals/README.md.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from evals import adherence, consistency, lyrics, music, reliability, report, rubric, speed, sync
from evals.videos import FULL_SONGS, QUICK_SONGS, Video, produce
from tools.files import write_json, write_text

ROOT = Path(__file__).resolve().parents[1]
NEEDS_VIDEOS = {"speed", "sync", "consistency", "rubric"}  # rubric only with a judge
QUICK_REQUESTS = 12  # --quick scores the first requests of the adherence set only


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for results.json and results.md")
    parser.add_argument("--quick", action="store_true", help="small resolution, fewer songs")
    parser.add_argument("--compare", metavar="RESULTS", help="an earlier results.json")
    parser.add_argument("--fail-on-regression", action="store_true", help="exit 1 on one")
    parser.add_argument(
        "--judge", metavar="SPEC", help="rubric judge, e.g. openai:gpt-4.1-mini (OPENAI_BASE_URL)"
    )
    parser.add_argument(
        "--embed-critic",
        metavar="KIND:FOLDER",
        default=os.environ.get("EVALS_EMBED_CRITIC"),
        help="an embedding critic with a local model, e.g. clip:/models/clip (or "
        "EVALS_EMBED_CRITIC)",
    )
    parser.add_argument(
        "--requests",
        default=str(adherence.REQUESTS),
        help="the adherence request set (JSON, default evals/requests.json)",
    )
    parser.add_argument("--resolution", help="WxH (default 320x180 quick, 1280x720 full)")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument(
        "--only", help=f"comma-separated areas to run (default all: {','.join(report.AREAS)})"
    )
    args = parser.parse_args(argv)
    args.areas = args.only.split(",") if args.only else list(report.AREAS)
    unknown = set(args.areas) - set(report.AREAS)
    if unknown:
        parser.error(f"unknown area(s) {', '.join(sorted(unknown))}; choose from {report.AREAS}")
    args.resolution = args.resolution or ("320x180" if args.quick else "1280x720")
    return args


def run_area(name: str, evaluate: Callable[[], dict]) -> dict:
    """The area's result with the seconds it took; an exception becomes a "failed" status
    (with its traceback in the result and on stderr) so the other areas still run."""
    print(f"[evals] {name}…", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        result = evaluate()
    except Exception as error:  # an evaluation suite reports a broken area and goes on
        traceback.print_exc()
        result = {
            "status": f"failed: {type(error).__name__}: {error}",
            "traceback": traceback.format_exc(),
        }
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"[evals] {name}: {result['status']} ({result['seconds']} s)", file=sys.stderr)
    return result


def commit() -> str | None:
    """The checked-out commit, marked "+dirty" when the tree has changes (None outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def evaluate_all(args: argparse.Namespace, work: Path) -> dict:
    """Run the selected areas in order (speed right after the videos, while load is alike)."""
    results: dict = {}
    if "music" in args.areas:
        results["music"] = run_area("music", lambda: music.evaluate(quick=args.quick))
    videos: list[Video] = []
    needs_videos = NEEDS_VIDEOS - ({"rubric"} if not args.judge else set())
    if needs_videos & set(args.areas):
        songs = QUICK_SONGS if args.quick else FULL_SONGS
        made = run_area(
            "videos",
            lambda: {
                "status": "ok",
                "videos": produce(
                    work / "videos", songs=songs, resolution=args.resolution, fps=args.fps
                ),
            },
        )
        videos = made.get("videos", [])
        results["videos"] = [
            {key: v[key] for key in ("name", "song", "video", "run_dir")} for v in videos
        ]
        if made["status"] != "ok":
            results.update(
                {a: {"status": f"not run: no videos ({made['status']})"} for a in needs_videos}
            )
    areas: dict[str, Callable[[], dict]] = {
        "speed": lambda: speed.evaluate(videos),
        "sync": lambda: sync.evaluate(videos),
        "consistency": lambda: consistency.evaluate(
            videos, work, quick=args.quick, embed_critic=args.embed_critic
        ),
        "rubric": lambda: rubric.evaluate(videos, judge=args.judge),
        "adherence": lambda: adherence.evaluate(
            requests=Path(args.requests), limit=QUICK_REQUESTS if args.quick else None
        ),
        "reliability": lambda: reliability.evaluate(quick=args.quick, work=work),
        "lyrics": lambda: lyrics.evaluate(quick=args.quick, cache=work / "lyrics"),
    }
    for name, evaluate in areas.items():
        if name in args.areas and name not in results:
            results[name] = run_area(name, evaluate)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    previous = json.loads(Path(args.compare).read_text()) if args.compare else None
    started, t0 = datetime.now(), time.perf_counter()
    results = evaluate_all(args, work)
    results["meta"] = {
        "started": f"{started:%Y-%m-%d %H:%M}",
        "seconds": round(time.perf_counter() - t0, 1),
        "commit": commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "settings": {
            "quick": args.quick,
            "resolution": args.resolution,
            "fps": args.fps,
            "areas": args.areas,
            "judge": args.judge,
            "embed_critic": args.embed_critic,
            "requests": args.requests,
        },
    }
    text = report.markdown(results, previous)
    write_json(out / "results.json", results)
    write_text(out / "results.md", text)
    print(text)
    failed = [a for a in report.AREAS if results.get(a, {}).get("status", "").startswith("failed")]
    regressed = previous is not None and report.regressions(report.summary_rows(results, previous))
    return 1 if failed or (args.fail_on_regression and regressed) else 0


if __name__ == "__main__":
    sys.exit(main())
