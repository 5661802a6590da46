"""`sound2sight`: make, demo and analyze from the command line.

The commands' modules are imported when the parser is built or the command runs, not with this
module: the clip renderer's worker processes import it as their main module (multiprocessing's
spawn), and need none of it.
"""

import argparse
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.context import Context


def main(argv: list[str] | None = None) -> int:
    from tools.errors import Sound2SightError

    args = build_parser().parse_args(argv)
    try:
        return args.command(args)
    except Sound2SightError as err:
        print(f"sound2sight: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        hint = getattr(args, "run_dir", None)
        print(
            "\nsound2sight: interrupted"
            + (f"; finish it with --resume --run-dir {hint}" if hint else ""),
            file=sys.stderr,
        )
        return 130


def build_parser() -> argparse.ArgumentParser:
    from agent.batch import add_batch_command
    from agent.cli_backends import add_backends_command
    from agent.cli_chat import add_chat_commands
    from agent.cli_slack import add_slack_command
    from agent.cli_telegram import add_telegram_command
    from agent.doctor import add_doctor_command
    from agent.options import add_max_duration_option
    from tools.registry import DEFAULTS

    parser = argparse.ArgumentParser(
        prog="sound2sight", description="Turn a song into an AI-authored music video."
    )
    parser.add_argument("--version", action="version", version=f"sound2sight {_version()}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    make = sub.add_parser("make", help="make a music video for a song")
    make.add_argument("song", help="audio file: wav, flac, ogg, mp3, m4a…")
    make.add_argument(
        "request", nargs="?", default="", help='what you want, e.g. "a melancholic video"'
    )
    make.add_argument("-o", "--output", help="video to write (.mp4); default: in the run folder")
    make.add_argument("--lyrics", metavar="FILE", help="the song's lyrics: .lrc (timed) or text")
    _add_run_options(make)
    make.set_defaults(command=cmd_make)

    demo = sub.add_parser("demo", help="synthesize an original demo song and make its video")
    demo.add_argument("request", nargs="?", default="", help="what you want, optional")
    demo.add_argument(
        "-o", "--output", default="demo.mp4", help="video to write (default: demo.mp4)"
    )
    _add_run_options(demo)
    demo.set_defaults(command=cmd_demo)

    analyze = sub.add_parser("analyze", help="print tempo, beats, sections and tags of a song")
    analyze.add_argument("song")
    analyze.add_argument("--json", action="store_true", help="print one JSON object")
    analyze.add_argument("--tagger", default=DEFAULTS["tagger"], help="tagger SPEC")
    add_max_duration_option(analyze)
    analyze.set_defaults(command=cmd_analyze)

    add_doctor_command(sub)
    add_batch_command(sub)
    add_chat_commands(sub)
    add_telegram_command(sub)
    add_slack_command(sub)
    add_backends_command(sub)
    return parser


def _version() -> str:
    try:
        return version("sound2sight")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "(not installed)"


def _add_run_options(p: argparse.ArgumentParser) -> None:
    from agent.options import add_video_options

    add_video_options(p)
    p.add_argument("--run-dir", help="folder for every artifact (default runs/<song>-<time>)")
    p.add_argument("--resume", action="store_true", help="finish the run in --run-dir")
    p.add_argument(
        "--force", action="store_true", help="start the run in --run-dir over, with these settings"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def context_from_args(args: argparse.Namespace, *, song: str, output: str | None) -> "Context":
    """CLI flag > config file > defaults; to resume, the run's own settings under the flags.
    The run folder must suit the run: new or empty, or a run to resume or start over."""
    from agent.context import Context
    from agent.options import data_dir, run_settings
    from agent.runner import check_run_dir, default_run_dir, resumed_context

    values = run_settings(args)
    run_dir = (
        args.run_dir or values.get("run_dir") or default_run_dir(song, root=str(data_dir(args)))
    )
    args.run_dir = run_dir
    check_run_dir(run_dir, resume=args.resume and not args.force, force=args.force)
    if args.resume and not args.force:
        return resumed_context(run_dir, values, output=output)
    return Context(
        **{**values, "run_dir": run_dir, "output": output or str(Path(run_dir, "video.mp4"))}
    )


def cmd_make(args: argparse.Namespace) -> int:
    ctx = context_from_args(args, song=args.song, output=args.output)
    return _run(args.song, args.request, ctx, args)


def cmd_demo(args: argparse.Namespace) -> int:
    from tools.audio.demo_song import synthesize_demo

    ctx = context_from_args(args, song="demo", output=args.output)
    song = Path(ctx.run_dir, "demo_song.wav")
    if args.force or not args.resume:
        song.parent.mkdir(parents=True, exist_ok=True)
        synthesize_demo(str(song), seed=ctx.seed)
    return _run(str(song), args.request, ctx, args)


def _run(song: str, request: str, ctx: "Context", args: argparse.Namespace) -> int:
    from agent.progress import Progress
    from agent.runner import make_video

    progress = Progress(enabled=not args.quiet)
    resume = args.resume and not args.force
    final = make_video(song, request, ctx, resume=resume, force=args.force, on_event=progress)
    print(f"run folder: {ctx.run_dir}", file=sys.stderr)
    print(final["video"])
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from tools.audio.analysis import analyze_audio
    from tools.audio.loading import MAX_DURATION, load_audio
    from tools.errors import InvalidInputError
    from tools.registry import load_backend

    limit = MAX_DURATION if args.max_duration is None else args.max_duration
    if not limit > 0:
        raise InvalidInputError("--max-duration must be more than 0 seconds")
    tagger = load_backend("tagger", args.tagger)
    audio, sr = load_audio(args.song, max_duration=limit)
    analysis = analyze_audio(audio, sr, path=args.song)
    result = {**analysis, "tags": tagger.tag(audio, sr, analysis)}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.song}: {analysis['duration']:.1f} s, {analysis['tempo']:.1f} BPM")
    print(f"beats: {len(analysis['beats'])}, downbeats: {len(analysis['downbeats'])}")
    for s in analysis["sections"]:
        print(f"  {s['start']:7.2f} – {s['end']:7.2f}  {s['label']:<8} energy {s['energy']:.2f}")
    for kind in ("style", "content", "emotion"):
        labels = ", ".join(f"{x['label']} {x['score']:.2f}" for x in result["tags"]["song"][kind])
        print(f"{kind}: {labels}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
