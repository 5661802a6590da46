"""Batch mode: every song in a folder becomes a video, resumably, on a local pool or on Ray.

    sound2sight batch IN_DIR -o OUT_DIR [--review] [--jobs N] [--executor local|ray]

Each audio file of IN_DIR (not its subfolders) is one job for the executor (agent/executor.py):
make the video in OUT_DIR/runs/<slug>/ (the run folder, with its checkpoint), optionally review
and revise it (agent/review.py), draw its contact sheet and write its HTML page
(agent/batch_report.py); the video goes to OUT_DIR/videos/<slug>.mp4. A job that ends writes its
summary entry to runs/<slug>/batch.json: a song that has one is skipped by the next run of the
batch; a song without one (failed, or cut off by a kill) is run again, resuming from its
checkpoint, with the settings it started with. One song's failure never stops the others: its
reason is in its entry (and a bug's traceback in runs/<slug>/error.txt).

OUT_DIR/summary.json is rewritten (atomically) each time a song ends: batch facts and a `songs`
list, one entry per audio file, {song, slug, status, error, video, review, …}; status is done,
failed or skipped (finished by an earlier run), or pending while the batch still runs.
OUT_DIR/index.html links every song's page.
"""

import argparse
import json
import re
import sys
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from agent.batch_report import draw_contact_sheet, write_index, write_song_page
from agent.context import Context
from agent.executor import EXECUTORS, Executor, make_executor
from agent.options import add_video_options, run_settings
from agent.review import ReviewOptions, self_review
from agent.runner import make_video
from tools.audio.sections import format_sections, read_sections
from tools.critique.review_metrics import BAR
from tools.errors import InvalidInputError, Sound2SightError
from tools.files import write_json
from tools.registry import DEFAULTS, load_backend

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif", ".aiff"}
LYRICS_SUFFIXES = (".lrc", ".txt")  # song.lrc or song.txt beside song.mp3: its lyrics
SECTIONS_SUFFIX = ".sections.txt"  # song.sections.txt beside song.mp3: its sections
DONE = "batch.json"  # in a run folder: the song's entry, written when its job ended well


@dataclass(frozen=True, kw_only=True)
class SongJob:
    """One song of a batch: everything a worker process needs, picklable."""

    song: str
    slug: str
    out_dir: str
    request: str
    settings: dict  # Context fields but run_dir and output
    review: ReviewOptions | None

    @property
    def run_dir(self) -> Path:
        return Path(self.out_dir, "runs", self.slug)

    @property
    def video(self) -> Path:
        return Path(self.out_dir, "videos", f"{self.slug}.mp4")


def discover(in_dir: str | Path) -> tuple[dict[str, Path], list[str]]:
    """Audio files of `in_dir` by slug (sorted), and the names of the other files there.

    A slug is the file's stem made URL-safe; files whose stems collide (song.mp3, song.wav)
    keep their extension in it.
    """
    folder = Path(in_dir)
    if not folder.is_dir():
        raise InvalidInputError(f"{in_dir}: not a folder of songs")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    songs = [p for p in files if p.suffix.lower() in AUDIO_SUFFIXES]
    beside = {lyrics_beside(p) for p in songs} | {sections_beside(p) for p in songs}
    ignored = [p.name for p in files if p not in songs and p not in beside]
    stems = [_slug(p.stem) for p in songs]
    slugs = [_slug(p.name) if stems.count(s) > 1 else s for p, s in zip(songs, stems, strict=True)]
    return dict(zip(slugs, songs, strict=True)), ignored


def lyrics_beside(song: Path) -> Path | None:
    """The song's lyrics file: same stem, .lrc (timed) before .txt (plain), if there is one."""
    return next((f for f in (song.with_suffix(s) for s in LYRICS_SUFFIXES) if f.is_file()), None)


def sections_beside(song: Path) -> Path | None:
    """The song's sections file (song.sections.txt beside song.mp3), if there is one."""
    sections = song.with_name(song.stem + SECTIONS_SUFFIX)
    return sections if sections.is_file() else None


def song_settings(settings: dict, song: Path) -> dict:
    """The batch's settings for one song: its lyrics file, if any, replaces the lyrics model;
    its sections file, if any, replaces --sections."""
    sections = sections_beside(song)
    if sections is not None:
        settings = {**settings, "sections": format_sections(read_sections(str(sections)))}
    lyrics = lyrics_beside(song)
    if lyrics is None:
        return settings
    settings = {k: v for k, v in settings.items() if k != "lyrics"}
    return {**settings, "lyrics_file": str(lyrics.absolute())}


def run_batch(
    in_dir: str | Path,
    out_dir: str | Path,
    *,
    executor: Executor,
    request: str = "",
    settings: dict | None = None,
    review: ReviewOptions | None = None,
    on_song=None,
) -> dict:
    """Make every song of `in_dir` a video under `out_dir`; returns the summary (also written
    to out_dir/summary.json). `on_song(entry)` is called as each song ends or is skipped."""
    settings = dict(settings or {})
    Context(run_dir="-", output="-.mp4", **settings)  # bad settings fail before any work
    songs, ignored = discover(in_dir)
    if not songs:
        raise InvalidInputError(f"{in_dir}: no audio files ({', '.join(sorted(AUDIO_SUFFIXES))})")
    out = Path(out_dir).resolve()
    for folder in (out / "runs", out / "videos"):
        folder.mkdir(parents=True, exist_ok=True)
    jobs = {
        slug: SongJob(song=str(path.absolute()), slug=slug, out_dir=str(out), request=request,
                      settings=song_settings(settings, path), review=review)
        for slug, path in songs.items()
    }  # fmt: skip
    batch = {
        "in_dir": str(Path(in_dir).resolve()),
        "executor": executor.name,
        "workers": executor.workers,
        "review": review is not None,
        "started": datetime.now().isoformat(timespec="seconds"),
        "ignored": ignored,
    }
    entries = {slug: _pending(job) for slug, job in jobs.items()}
    notify = on_song or (lambda entry: None)
    for slug, job in jobs.items():
        if (finished := finished_entry(job)) is not None:
            entries[slug] = finished
            notify(finished)
    t0 = time.perf_counter()
    queue = deque(slug for slug in jobs if entries[slug]["status"] == "pending")
    running: dict[Future, str] = {}
    _write_summary(out, batch, entries, t0)
    # At most `workers` songs in flight (Ray's "limit pending tasks" pattern): the rest wait
    # here, so a worker process that dies takes down only the songs that were running in the
    # pool, never the queued ones.
    while queue or running:
        while queue and len(running) < executor.workers:
            slug = queue.popleft()
            running[executor.submit(process_song, jobs[slug])] = slug
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            slug = running.pop(future)
            error = future.exception()
            entries[slug] = future.result() if error is None else _failed(jobs[slug], error)
            notify(entries[slug])
        _write_summary(out, batch, entries, t0)
    return _write_summary(out, batch, entries, t0)


def finished_entry(job: SongJob) -> dict | None:
    """The entry of a song an earlier run finished (status skipped), else None."""
    done = job.run_dir / DONE
    if not done.exists():
        return None
    entry = json.loads(done.read_text())
    if entry.get("status") != "done" or not Path(entry["video"]).exists():
        return None
    return {**entry, "status": "skipped"}


def process_song(job: SongJob) -> dict:
    """The job: make (or resume) the video, review it, write its page. Runs in a worker."""
    t0 = time.perf_counter()
    job.run_dir.mkdir(parents=True, exist_ok=True)
    log = EventLog(job.run_dir / "progress.log")
    try:
        ctx = Context(**job.settings, run_dir=str(job.run_dir), output=str(job.video))
        resume = (job.run_dir / "settings.json").exists()
        final = make_video(job.song, job.request, ctx, resume=resume, on_event=log)
        record = None
        if job.review is not None:
            sheet = partial(draw_contact_sheet, job.run_dir)
            record = self_review(job.run_dir, job.review, sheet=sheet, on_event=log)
        entry = {
            "song": job.song,
            "slug": job.slug,
            "status": "done",
            "video": final["video"],
            "run_dir": str(job.run_dir),
            "review": _review_entry(record),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        entry["page"] = write_song_page(entry)
        (job.run_dir / "error.txt").unlink(missing_ok=True)  # from an earlier, failed try
        write_json(job.run_dir / DONE, entry)
        return entry
    except Sound2SightError as err:
        log({"stage": "failed", "message": str(err)})
        return _failed(job, err, seconds=time.perf_counter() - t0)
    except Exception as err:  # a bug: keep the traceback, report one line, let the batch go on
        path = job.run_dir / "error.txt"
        path.write_text(traceback.format_exc())
        log({"stage": "failed", "message": f"{type(err).__name__}: {err}"})
        return _failed(job, err, seconds=time.perf_counter() - t0, trace=path)


class EventLog:
    """Progress events of a song, one line each, appended to its run folder's progress.log."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: dict) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"{datetime.now():%H:%M:%S} {event.get('stage', ''):<9} ")
            out.write(f"{event.get('message', '')}\n")


# ------------------------------------------------------------------------------ summary


def _pending(job: SongJob) -> dict:
    return {"song": job.song, "slug": job.slug, "status": "pending", "video": None, "review": None}


def _failed(
    job: SongJob, error: BaseException, *, seconds: float = 0.0, trace: Path | None = None
) -> dict:
    reason = (
        str(error) if isinstance(error, Sound2SightError) else f"{type(error).__name__}: {error}"
    )
    if trace is not None:
        reason += f" (traceback in {trace})"
    return {**_pending(job), "status": "failed", "error": reason, "seconds": round(seconds, 2)}


def _review_entry(record: dict | None) -> dict | None:
    if record is None:
        return None
    final = record["final"]
    revision = record["revision"] or {"scenes": []}
    return {
        "overall": final["overall"],
        "passed": final["passed"],
        "scores": {name: d["score"] for name, d in final["dimensions"].items()},
        "revised": [s["scene"] for s in revision["scenes"]],
    }


def _write_summary(out: Path, batch: dict, entries: dict[str, dict], t0: float) -> dict:
    songs = list(entries.values())
    made = sum(e["status"] == "done" for e in songs)
    wall = time.perf_counter() - t0
    counts = {s: sum(e["status"] == s for e in songs) for s in ("done", "failed", "skipped")}
    summary = {
        **batch,
        "wall_seconds": round(wall, 2),
        "songs_per_minute": round(made / wall * 60, 3) if made and wall > 0 else None,
        **counts,
        "songs": songs,
    }
    write_json(out / "summary.json", summary)
    write_index(out, summary)
    return summary


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "song"


# ------------------------------------------------------------------------------ command line


def add_batch_command(sub: argparse._SubParsersAction) -> None:
    """Register `sound2sight batch` on the CLI's subcommands."""
    p = sub.add_parser("batch", help="make a video of every song in a folder")
    p.add_argument("in_dir", metavar="IN_DIR", help="folder of songs (wav, flac, ogg, mp3, m4a…)")
    p.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="folder for it all")
    p.add_argument("--request", default="", help="what you want, for every song")
    p.add_argument("--review", action="store_true", help="review every video, revise the weak")
    p.add_argument(
        "--judge", metavar="SPEC", help="vision-language judge, e.g. openai:gpt-4.1-mini"
    )
    p.add_argument("--bar", type=float, default=BAR, help=f"review bar, 0..1 (default {BAR})")
    p.add_argument(
        "--revise-retries", type=int, default=2, help="extra renders per flagged scene (default 2)"
    )
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="songs at once (default 1)")
    p.add_argument("--executor", choices=EXECUTORS, default="local", help="local (default), ray")
    p.add_argument("--ray-address", help="a Ray cluster to join (default: a local Ray instance)")
    add_video_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no line per song on stderr")
    p.set_defaults(command=cmd_batch)


def settings_from_args(args: argparse.Namespace) -> dict:
    """Context settings: CLI flag > config file > defaults."""
    values = run_settings(args)
    for name in ("run_dir", "output"):  # one per song, chosen by the batch
        values.pop(name, None)
    if args.executor == "ray" and not values.get("video", DEFAULTS["video"]).startswith("ray:"):
        values["video"] = f"ray:{values.get('video', DEFAULTS['video'])}"  # clips as Ray tasks
    return values


def cmd_batch(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if not 0 <= args.bar <= 1:
        raise InvalidInputError(f"--bar {args.bar}: must be between 0 and 1")
    if args.revise_retries < 0:
        raise InvalidInputError("--revise-retries must be 0 or more")
    if args.judge and not args.review:
        raise InvalidInputError("--judge needs --review")
    review = None
    if args.review:
        review = ReviewOptions(bar=args.bar, revise_retries=args.revise_retries, judge=args.judge)
        if args.judge:
            load_backend("judge", args.judge)  # a judge that cannot load fails before any work
    executor = make_executor(args.executor, workers=args.jobs, address=args.ray_address)
    t0 = time.perf_counter()

    def report(entry: dict) -> None:
        if args.quiet:
            return
        line = f"[{time.perf_counter() - t0:7.1f}s] {entry['status']:<8} {entry['slug']}"
        if entry["status"] == "failed":
            line += f": {entry['error']}"
        elif entry.get("review"):
            line += f"  review {entry['review']['overall']:.2f}"
        print(line, file=sys.stderr, flush=True)

    try:
        summary = run_batch(
            args.in_dir, args.output, executor=executor, request=args.request,
            settings=settings, review=review, on_song=report,
        )  # fmt: skip
    except KeyboardInterrupt:
        print("\nsound2sight: interrupted; run the same command again to go on", file=sys.stderr)
        executor.shutdown(cancel=True)
        return 130
    executor.shutdown()
    print(
        f"{summary['done']} made, {summary['skipped']} already done, {summary['failed']} failed "
        f"in {summary['wall_seconds']:.0f} s; see {Path(args.output, 'index.html')}",
        file=sys.stderr,
    )
    print(Path(args.output, "summary.json"))
    return 1 if summary["failed"] else 0
