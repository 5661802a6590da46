"""Run settings from a parsed command line, shared by make, demo, batch, chat and serve.

Precedence, highest first: a command-line flag, the `--config` TOML file, the `--profile`, the
defaults of `Context`. A profile names one backend per role:

- `offline` (the default): the embedded implementations, no weights, no network;
- `gpu`: open models for one CUDA GPU (weights in the local Hugging Face cache or folders);
- `cloud`: OpenAI-compatible services (`OPENAI_BASE_URL`, `OPENAI_API_KEY`); roles no service
  covers here stay offline, and say so in the run report.
"""

import argparse
import inspect
import os
import tomllib
from dataclasses import fields
from pathlib import Path

from agent.context import PIPELINES, Context
from agent.formats import FORMAT_HELP, FORMATS, chosen_size, format_size
from tools.audio.loading import MAX_DURATION
from tools.audio.sections import format_sections, read_sections
from tools.errors import InvalidInputError
from tools.registry import DEFAULTS, GPU_PROFILE, backend_class

PROFILES: dict[str, dict[str, object]] = {
    "offline": {},
    "gpu": GPU_PROFILE,
    "cloud": {
        "listener": "openai:gpt-audio",
        "writer": "openai:gpt-4.1-mini",
        "video": "openai:sora-2",
        "critic": "vlm:gpt-4.1-mini",
    },
}
FLAGS = ("pipeline", *DEFAULTS, "fps", "max_retries", "seed", "device", "max_duration")
QUALITIES = ("draft", "final")  # of a video model: tools.video.diffusers_video.QUALITIES


DATA_ENV = "SOUND2SIGHT_DATA"
DATA_DIR = "runs"  # in the current folder: runs, and chats/ and jobs/ beside them


def add_video_options(p: argparse.ArgumentParser) -> None:
    """The flags that shape one video (`--workers` counts its clips rendered at once in every
    command; batch and the servers count songs and jobs with `--jobs`)."""
    p.add_argument("--profile", choices=PROFILES, help="offline (default), gpu or cloud")
    p.add_argument("--pipeline", choices=PIPELINES, help="clap, lalm or hybrid (default)")
    for role, spec in DEFAULTS.items():
        p.add_argument(
            f"--{role}", metavar="SPEC", help=f"{role} backend kind[:model] (default {spec})"
        )
    p.add_argument(
        "--lyrics-model", metavar="SPEC", help="hear the lyrics, e.g. whisper:openai/whisper-small"
    )
    p.add_argument(
        "--align-model",
        metavar="SPEC",
        help="time a plain --lyrics FILE with a speech model, e.g. "
        "ctc:facebook/wav2vec2-base-960h or whisper:openai/whisper-small",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="ROLE.NAME=VALUE",
        dest="backend_options",
        help="a backend option, e.g. video.steps=8 or critic.threshold=0.7 (repeatable)",
    )
    p.add_argument(
        "--scene-keyframes",
        metavar="MODEL",
        help="diffusers or openai video: an image-editing model (FLUX.1 Kontext, gpt-image-2) "
        "drawing each scene's first frame from its characters and shot "
        "(is --set video.scene_keyframes=MODEL)",
    )
    p.add_argument(
        "--sections",
        metavar="FILE|LIST",
        help='the song\'s sections: "0:intro,10.8:verse,32:chorus" or a file of '
        '"start_seconds label" lines (default: found by the analysis)',
    )
    p.add_argument(
        "--quality",
        choices=QUALITIES,
        help="video model: draft (half its steps and pixels, to try a plan) or final (default)",
    )
    p.add_argument("--no-captions", action="store_true", help="no on-screen title or lyrics")
    p.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    p.add_argument("--resolution", metavar="WxH", help="an exact size (default 1280x720)")
    p.add_argument("--fps", type=int, help="default 24")
    p.add_argument("--max-retries", type=int, help="regenerations per drifting scene (default 2)")
    p.add_argument("--seed", type=int, help="default 0")
    p.add_argument(
        "--workers",
        type=int,
        dest="clip_workers",
        metavar="N",
        help="clips rendered at once (default 2); a diffusers video model renders up to N "
        "of them in one pipeline call with --set video.batch=N",
    )
    p.add_argument("--clip-workers", type=int, dest="clip_workers", help=argparse.SUPPRESS)  # old
    p.add_argument("--device", help="for model backends: auto (default), cpu, cuda, cuda:1…")
    add_max_duration_option(p)
    p.add_argument("--config", metavar="TOML", help="file with defaults for these options")


def add_max_duration_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-duration",
        type=float,
        metavar="SECONDS",
        help=f"longest song accepted (default {MAX_DURATION:g}); longer ones are refused",
    )


def run_settings(args: argparse.Namespace) -> dict:
    """Context settings: CLI flag > config file > profile > defaults (the caller adds run_dir
    and output)."""
    config = read_config(args.config) if getattr(args, "config", None) else {}
    profile = getattr(args, "profile", None) or config.pop("profile", "offline")
    if profile not in PROFILES:
        raise InvalidInputError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    config.pop("data_dir", None)  # where runs go, not how: see data_dir()
    config.pop("telegram", None)  # the bot's own settings, not a video's
    quality = getattr(args, "quality", None) or config.pop("quality", None)
    values = {**PROFILES[profile], **config}
    for name in FLAGS:
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    if getattr(args, "lyrics_model", None):
        values["lyrics"] = args.lyrics_model
    if getattr(args, "lyrics", None):
        values["lyrics_file"] = str(Path(args.lyrics).expanduser().resolve())
        values.pop("lyrics", None)  # words from a file need no ears
    if getattr(args, "align_model", None):
        values["aligner"] = args.align_model
    if getattr(args, "sections", None) is not None:
        values["sections"] = args.sections
    if values.get("sections") is not None:  # a file is read here, once
        values["sections"] = format_sections(read_sections(values["sections"]))
    if getattr(args, "clip_workers", None) is not None:
        values["workers"] = args.clip_workers
    if getattr(args, "no_captions", False):
        values["captions"] = False
    resolution = getattr(args, "resolution", None)
    size = chosen_size(
        format=getattr(args, "format", None),
        resolution=parse_resolution(resolution) if resolution else None,
        where="--format and --resolution",
    )
    if size:
        values["width"], values["height"] = size
    options = {role: dict(opts) for role, opts in values.get("options", {}).items()}
    for text in getattr(args, "backend_options", None) or []:
        role, name, value = parse_backend_option(text)
        options.setdefault(role, {})[name] = value
    if getattr(args, "scene_keyframes", None):
        options.setdefault("video", {})["scene_keyframes"] = args.scene_keyframes
    if quality is not None and video_quality(str(values.get("video", DEFAULTS["video"])), quality):
        options.setdefault("video", {}).setdefault("quality", quality)  # --set beats --quality
    if options:
        values["options"] = options
    return values


def data_dir(args: argparse.Namespace | None = None) -> Path:
    """The folder of runs, with conversations (chats/) and jobs (jobs/) in it: the `--config`
    file's `data_dir`, else $SOUND2SIGHT_DATA, else runs/ in the current folder."""
    config = read_config(args.config) if getattr(args, "config", None) else {}
    chosen = config.get("data_dir") or os.environ.get(DATA_ENV) or DATA_DIR
    return Path(str(chosen)).expanduser()


def video_quality(spec: str, quality: str) -> bool:
    """Whether the video backend `spec` is to be given `quality`. One without the option
    renders as it always does, the final quality; asking it for a draft is an error."""
    if quality not in QUALITIES:
        raise InvalidInputError(f"quality {quality!r}: choose {' or '.join(QUALITIES)}")
    if "quality" in inspect.signature(backend_class("video", spec)).parameters:
        return True
    if quality == "draft":
        raise InvalidInputError(f"--quality draft: the video backend {spec!r} has no draft mode")
    return False


def read_config(path: str) -> dict:
    """A TOML file of Context settings (and `profile`, `data_dir`); unknown names are an error.
    The size is `format = "9:16"` or `width` and `height`.

    Backend options go in tables: `[options.video]` then `steps = 8`.
    """
    try:
        values = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InvalidInputError(f"{path}: cannot read config: {err}") from err
    known = {"profile", "data_dir", "format", "telegram", "quality"}  # [telegram]: cli_telegram
    unknown = set(values) - {f.name for f in fields(Context)} - known
    if unknown:
        raise InvalidInputError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
    if "format" in values:
        if {"width", "height"} & set(values):
            raise InvalidInputError(f"{path}: give format or width and height, not both")
        values["width"], values["height"] = format_size(str(values.pop("format")))
    return values


def parse_backend_option(text: str) -> tuple[str, str, object]:
    """`video.steps=8` -> ("video", "steps", 8). The value is read as a TOML value (a number,
    true/false, a quoted string); anything else is taken as a plain string."""
    key, sep, raw = text.partition("=")
    role, dot, name = key.strip().partition(".")
    if not (sep and dot and role and name.isidentifier()):
        raise InvalidInputError(f"--set {text!r}: expected ROLE.NAME=VALUE, e.g. video.steps=8")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    if isinstance(value, list | dict):
        raise InvalidInputError(f"--set {text!r}: a value is one number, word or true/false")
    return role, name, value


def parse_resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise InvalidInputError(f"--resolution {text!r}: expected WxH, e.g. 1280x720") from None
    return w, h
