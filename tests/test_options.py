"""Run settings from the command line: flag > config file > defaults."""

import pytest

from agent.cli import build_parser, context_from_args
from tools.errors import InvalidInputError


def _context(tmp_path, *flags):
    args = build_parser().parse_args(["make", "song.wav", *flags])
    return context_from_args(args, song="song.wav", output=None)


def test_flag_beats_config_beats_default(tmp_path):
    config = tmp_path / "s2s.toml"
    config.write_text('fps = 12\nseed = 3\ncritic = "pixels"\n')
    ctx = _context(tmp_path, "--config", str(config), "--seed", "5", "--resolution", "640x360")
    assert (ctx.fps, ctx.seed, ctx.width, ctx.height) == (12, 5, 640, 360)
    assert ctx.max_retries == 2 and ctx.output.endswith("video.mp4")


def test_unknown_config_setting_is_refused(tmp_path):
    config = tmp_path / "s2s.toml"
    config.write_text("fsp = 12\n")
    with pytest.raises(InvalidInputError, match="unknown settings fsp"):
        _context(tmp_path, "--config", str(config))
