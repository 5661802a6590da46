"""Run settings from a parsed command line, shared by make, demo, batch, chat and serve."""

import argparse
import tomllib
from dataclasses import fields
from pathlib import Path

from agent.context import Context
from tools.errors import InvalidInputError
from tools.registry import DEFAULTS

FLAGS = ("pipeline", *DEFAULTS, "fps", "max_retries", "seed", "device")


def run_settings(args: argparse.Namespace) -> dict:
    """Context settings: CLI flag > config file > defaults (the caller adds run_dir, output).

    `--clip-workers` (batch, chat, serve, where `--workers` counts songs) sets the clip workers.
    """
    values = read_config(args.config) if args.config else {}
    for name in FLAGS:
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    if getattr(args, "clip_workers", None) is not None:
        values["workers"] = args.clip_workers
    if args.resolution:
        values["width"], values["height"] = parse_resolution(args.resolution)
    return values


def read_config(path: str) -> dict:
    """A TOML file of Context settings; unknown names are an error."""
    try:
        values = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InvalidInputError(f"{path}: cannot read config: {err}") from err
    unknown = set(values) - {f.name for f in fields(Context)}
    if unknown:
        raise InvalidInputError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
    return values


def parse_resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise InvalidInputError(f"--resolution {text!r}: expected WxH, e.g. 1280x720") from None
    return w, h
