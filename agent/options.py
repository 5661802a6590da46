"""Run settings from a parsed command line, shared by make, demo, batch, chat and serve.

Precedence, highest first: a command-line flag, the `--config` TOML file, the `--profile`, the
defaults of `Context`. A profile names one backend per role:

- `offline` (the default): the embedded implementations, no weights, no network;
- `gpu`: open models for one CUDA GPU (weights in the local Hugging Face cache or folders);
- `cloud`: OpenAI-compatible services (`OPENAI_BASE_URL`, `OPENAI_API_KEY`); roles no service
  covers here stay offline, and say so in the run report.
"""

import argparse
import tomllib
from dataclasses import fields
from pathlib import Path

from agent.context import PIPELINES, Context
from tools.errors import InvalidInputError
from tools.registry import DEFAULTS, GPU_PROFILE

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
FLAGS = ("pipeline", *DEFAULTS, "fps", "max_retries", "seed", "device")


def add_video_options(p: argparse.ArgumentParser, *, workers_flag: str = "--workers") -> None:
    """The flags that shape one video; `workers_flag` counts clips rendered at once (batch and
    the servers use `--clip-workers`, their `--workers` counts songs)."""
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
        "--set",
        action="append",
        default=[],
        metavar="ROLE.NAME=VALUE",
        dest="backend_options",
        help="a backend option, e.g. video.steps=8 or critic.threshold=0.7 (repeatable)",
    )
    p.add_argument("--no-captions", action="store_true", help="no on-screen title or lyrics")
    p.add_argument("--resolution", metavar="WxH", help="default 1280x720")
    p.add_argument("--fps", type=int, help="default 24")
    p.add_argument("--max-retries", type=int, help="regenerations per drifting scene (default 2)")
    p.add_argument("--seed", type=int, help="default 0")
    p.add_argument(
        workers_flag,
        type=int,
        dest="clip_workers",
        help="clips rendered at once (default 2)",
    )
    p.add_argument("--device", help="for model backends: auto (default), cpu, cuda, cuda:1…")
    p.add_argument("--config", metavar="TOML", help="file with defaults for these options")


def run_settings(args: argparse.Namespace) -> dict:
    """Context settings: CLI flag > config file > profile > defaults (the caller adds run_dir
    and output)."""
    config = read_config(args.config) if getattr(args, "config", None) else {}
    profile = getattr(args, "profile", None) or config.pop("profile", "offline")
    if profile not in PROFILES:
        raise InvalidInputError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    values = {**PROFILES[profile], **config}
    for name in FLAGS:
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    if getattr(args, "lyrics_model", None):
        values["lyrics"] = args.lyrics_model
    if getattr(args, "lyrics", None):
        values["lyrics_file"] = str(Path(args.lyrics).expanduser().resolve())
        values.pop("lyrics", None)  # words from a file need no ears
    if getattr(args, "clip_workers", None) is not None:
        values["workers"] = args.clip_workers
    if getattr(args, "no_captions", False):
        values["captions"] = False
    if getattr(args, "resolution", None):
        values["width"], values["height"] = parse_resolution(args.resolution)
    options = {role: dict(opts) for role, opts in values.get("options", {}).items()}
    for text in getattr(args, "backend_options", None) or []:
        role, name, value = parse_backend_option(text)
        options.setdefault(role, {})[name] = value
    if options:
        values["options"] = options
    return values


def read_config(path: str) -> dict:
    """A TOML file of Context settings (and `profile`); unknown names are an error.

    Backend options go in tables: `[options.video]` then `steps = 8`.
    """
    try:
        values = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InvalidInputError(f"{path}: cannot read config: {err}") from err
    unknown = set(values) - {f.name for f in fields(Context)} - {"profile"}
    if unknown:
        raise InvalidInputError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
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
