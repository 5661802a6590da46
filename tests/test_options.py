"""Run settings from the command line: flag > config file > defaults."""

from pathlib import Path

import pytest

from agent.cli import build_parser, context_from_args
from agent.options import PROFILES, parse_backend_option
from tools.errors import InvalidInputError
from tools.registry import BACKENDS, DEFAULTS, parse_spec


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


def test_backend_options_from_flags_and_config_reach_the_backend(tmp_path):
    config = tmp_path / "s2s.toml"
    config.write_text("[options.critic]\nthreshold = 0.5\n[options.tagger]\ntop_k = 3\n")
    ctx = _context(tmp_path, "--config", str(config), "--set", "critic.threshold=0.75")
    assert ctx.options == {"critic": {"threshold": 0.75}, "tagger": {"top_k": 3}}
    assert ctx.backend("critic").threshold == 0.75
    assert ctx.backend("tagger").top_k == 3


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("video.steps=8", ("video", "steps", 8)),
        ("critic.threshold=0.7", ("critic", "threshold", 0.7)),
        ("video.offload=true", ("video", "offload", True)),
        ("video.keyframes=/models/flux", ("video", "keyframes", "/models/flux")),
        ('video.keyframes="a b"', ("video", "keyframes", "a b")),
    ],
)
def test_a_backend_option_value_is_read_as_toml_else_as_text(text, parsed):
    assert parse_backend_option(text) == parsed


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--set", "steps=8"], "expected ROLE.NAME=VALUE"),
        (["--set", "video.steps"], "expected ROLE.NAME=VALUE"),
        (["--set", "painter.steps=8"], "backend options for 'painter'"),
        (["--set", "video.steps=[1, 2]"], "one number, word or true/false"),
        (["--lyrics", "a.lrc", "--lyrics-model", "whisper"], None),
    ],
)
def test_bad_backend_options_are_refused(tmp_path, flags, message):
    if message is None:  # a lyrics file wins: the words need no ears
        ctx = _context(tmp_path, *flags)
        assert ctx.lyrics is None and ctx.lyrics_file.endswith("a.lrc")
        return
    with pytest.raises(InvalidInputError, match=message):
        _context(tmp_path, *flags)


def test_an_option_the_backend_does_not_take_names_those_it_does(tmp_path):
    ctx = _context(tmp_path, "--set", "critic.steps=8")
    with pytest.raises(InvalidInputError, match="no option steps; its options: threshold"):
        ctx.backend("critic")


def test_profile_sits_below_config_and_flags(tmp_path):
    ctx = _context(tmp_path, "--profile", "gpu")
    assert ctx.backends() == {role: PROFILES["gpu"][role] for role in ctx.backends()}
    assert ctx.lyrics == PROFILES["gpu"]["lyrics"]
    config = tmp_path / "s2s.toml"
    config.write_text('profile = "cloud"\nwriter = "template"\n')
    ctx = _context(tmp_path, "--config", str(config), "--critic", "pixels")
    assert (ctx.listener, ctx.video) == (PROFILES["cloud"]["listener"], PROFILES["cloud"]["video"])
    assert (ctx.writer, ctx.critic, ctx.tagger) == ("template", "pixels", "features")
    assert _context(tmp_path).backends() == DEFAULTS


def test_every_profile_names_only_registered_backends():
    for profile in PROFILES.values():
        for role, spec in profile.items():
            assert parse_spec(spec)[0] in BACKENDS[role], spec


def test_an_unknown_profile_in_a_config_is_refused(tmp_path):
    config = tmp_path / "s2s.toml"
    config.write_text('profile = "fast"\n')
    with pytest.raises(InvalidInputError, match="unknown profile 'fast'"):
        _context(tmp_path, "--config", str(config))


def test_no_captions_and_lyrics_model_flags(tmp_path):
    ctx = _context(tmp_path, "--no-captions", "--lyrics-model", "whisper:openai/whisper-small")
    assert ctx.captions is False and ctx.lyrics == "whisper:openai/whisper-small"
    assert ctx.backends()["lyrics"] == "whisper:openai/whisper-small"


def test_chat_takes_the_song_s_lyrics_file(tmp_path):
    from agent.cli_chat import video_settings

    args = build_parser().parse_args(["chat", "song.wav", "--lyrics", "words.lrc"])
    settings = video_settings(args, load=False)
    assert settings["lyrics_file"] == str(Path("words.lrc").resolve())
