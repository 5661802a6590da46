"""Video formats (16:9, 9:16, 1:1, 4:5): the sizes they name on the command line, in a config
file, the HTTP API, MCP and chat; a finished video made again in another format; the procedural
renderer keeping characters and text inside narrow frames; the generation sizes of the
generative backends; and where conversations and jobs are kept."""

import json
import os
from pathlib import Path

import anyio
import numpy as np
import pytest
from PIL import Image

from agent.chat_context import ChatContext
from agent.chat_rules import read_message
from agent.cli import build_parser, main
from agent.context import Context
from agent.formats import FORMATS, asked_format, format_of, format_size
from agent.jobs import JobStore
from agent.options import DATA_ENV, data_dir, run_settings
from agent.revise import revise
from agent.runner import make_video
from evals.bench_render import sample_analysis, sample_plan
from tests.plans import shot, with_shot
from tests.serving import Recorder
from tools.errors import InvalidInputError
from tools.ffmpeg import video_info
from tools.video.diffusers_video import COGVIDEOX, LTX, WAN, WAN_TI2V, generation_size
from tools.video.openai_video import IMAGE_SIZES, SIZES, nearest_aspect
from tools.video.procedural.music import Music
from tools.video.procedural.palette import hex_rgb
from tools.video.procedural.render import SceneRenderer
from tools.video.procedural.text import Caption

SMALL = {"width": 96, "height": 54, "fps": 8}
OUTFIT = "#d1432f"  # Mara's outfit (evals.bench_render.sample_characters)


def _settings(*argv: str) -> dict:
    return run_settings(build_parser().parse_args(["make", "song.wav", *argv]))


# ---------------------------------------------------------------------------- names and sizes


def test_every_format_has_its_aspect_and_a_short_side_of_720():
    for name, (width, height) in FORMATS.items():
        w, h = (int(x) for x in name.split(":"))
        assert width * h == height * w and min(width, height) == 720, name
        assert format_of((width, height)) == name
        assert format_size(name) == (width, height)
    assert format_size("16:9") == (Context(run_dir="-", output="-.mp4").size), "the default"
    assert format_of((1080, 1920)) == "9:16" and format_of((1000, 700)) is None
    with pytest.raises(InvalidInputError, match="unknown format '3:2'"):
        format_size("3:2")


def test_command_line_and_config_file_choose_a_format_or_a_resolution(tmp_path):
    assert (_settings("--format", "9:16")["width"], _settings("--format", "9:16")["height"]) == (
        720,
        1280,
    )
    assert _settings("--resolution", "1080x1920")["width"] == 1080
    with pytest.raises(InvalidInputError, match="not both"):
        _settings("--format", "9:16", "--resolution", "1080x1920")
    config = tmp_path / "s2s.toml"
    config.write_text('format = "4:5"\nfps = 12\n')
    from_file = _settings("--config", str(config))
    assert (from_file["width"], from_file["height"], from_file["fps"]) == (720, 900, 12)
    flag_wins = _settings("--config", str(config), "--resolution", "640x360")
    assert (flag_wins["width"], flag_wins["height"]) == (640, 360), "a flag beats the file"
    assert _settings("--config", str(config), "--format", "1:1")["height"] == 720
    config.write_text('format = "4:5"\nwidth = 100\n')
    with pytest.raises(InvalidInputError, match="not both"):
        _settings("--config", str(config))


@pytest.mark.parametrize("command", ["make", "demo", "batch", "chat", "serve", "mcp"])
def test_every_command_that_makes_videos_takes_a_format_and_workers_for_clips(command):
    argv = {"make": ["make", "s.wav"], "batch": ["batch", "in", "-o", "out"]}.get(
        command, [command]
    )
    args = build_parser().parse_args([*argv, "--format", "1:1", "--workers", "3"])
    settings = run_settings(args)
    assert (settings["width"], settings["height"], settings["workers"]) == (720, 720, 3)
    old = build_parser().parse_args([*argv, "--clip-workers", "4"])  # the old spelling, hidden
    assert run_settings(old)["workers"] == 4


def test_songs_and_jobs_at_once_are_jobs_not_workers():
    batch = build_parser().parse_args(["batch", "in", "-o", "out", "--jobs", "2", "--workers", "3"])
    assert (batch.jobs, run_settings(batch)["workers"]) == (2, 3)
    serve = build_parser().parse_args(["serve", "--jobs", "2", "--jobs-dir", "j", "--workers", "3"])
    assert (serve.jobs, serve.jobs_dir, run_settings(serve)["workers"]) == (2, "j", 3)


# ---------------------------------------------------------------------------- API, MCP, chat


def test_api_options_take_a_format(tmp_path):
    store = JobStore(tmp_path / "jobs", executor=Recorder(), settings={"fps": 8})
    settings = store.job_settings({"format": "9:16"})
    assert (settings["width"], settings["height"]) == (720, 1280) and "format" not in settings
    assert store.job_settings({"resolution": "1080x1920"})["height"] == 1920
    for bad in ({"format": "9:16", "resolution": "640x360"}, {"format": "1:1", "width": 64}):
        with pytest.raises(InvalidInputError, match="not both"):
            store.job_settings(bad)
    with pytest.raises(InvalidInputError, match="unknown format"):
        store.job_settings({"format": "21:9"})


def test_mcp_tool_takes_a_format(tmp_path, demo_song):
    pytest.importorskip("mcp")
    from agent.mcp_server import build_mcp

    executor = Recorder()
    store = JobStore(tmp_path / "jobs", executor=executor, settings={"fps": 8})
    server = build_mcp(store, roots=[demo_song.parent])

    async def call() -> tuple:
        tools = {tool.name: tool for tool in await server.list_tools()}
        schema = tools["make_music_video"].input_schema["properties"]["format"]
        result = await server.call_tool(
            "make_music_video", {"song_path": str(demo_song), "format": "4:5"}
        )
        return json.dumps(schema), result

    schema, _ = anyio.run(call)
    assert all(f'"{name}"' in schema for name in FORMATS)
    job_dir = Path(executor.calls[0][1][0])
    settings = json.loads((job_dir / "job.json").read_text())["settings"]
    assert (settings["width"], settings["height"]) == (720, 900)


@pytest.mark.parametrize(
    ("text", "has_video", "calls"),
    [
        ("make it vertical", True, [("set_format", {"format": "9:16"})]),
        ("square for instagram", True, [("set_format", {"format": "1:1"})]),
        ("make it 4:5 and neon", True,
         [("set_format", {"format": "4:5"}), ("set_style", {"style": "neon"})]),
        ("for tiktok please", True, [("set_format", {"format": "9:16"})]),
        ("make a vertical video with a lone astronaut", True,
         [("make_video", {"request": "make a vertical video with a lone astronaut",
                          "format": "9:16"})]),
        ("make it vertical", False,
         [("make_video", {"request": "make it vertical", "format": "9:16"})]),
        ("a man in shorts in a town square", False,
         [("make_video", {"request": "a man in shorts in a town square"})]),
    ],
)  # fmt: skip
def test_chat_rules_hear_formats(text, has_video, calls):
    reading = read_message(text, has_video=has_video)
    assert [(c.name, c.args) for c in reading.calls] == calls
    assert reading.unknown == []


def test_format_words_are_read_only_about_the_frame():
    assert asked_format("for youtube shorts") == "9:16"
    assert asked_format("widescreen for youtube") == "16:9"
    assert asked_format("a feed post") == "4:5"
    for text in ("a portrait of the singer", "a wide landscape", "feed the birds", "a story"):
        assert asked_format(text) is None, text


@pytest.fixture(scope="module")
def wide_run(demo_song, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("formats") / "v1"
    folder.mkdir()
    ctx = Context(run_dir=str(folder), output=str(folder / "video.mp4"), **SMALL)
    make_video(str(demo_song), "a singer on a stage", ctx)
    return folder


def test_a_video_made_again_in_another_format_keeps_its_plan(wide_run):
    tall = wide_run.parent / "v2"
    final = revise(wide_run, run_dir=tall, size=(54, 96))
    info = video_info(final["video"])
    assert (info.width, info.height) == (54, 96)
    plan = json.loads((wide_run / "plan.json").read_text())
    assert final["plan"] == plan and final["revised"] == [s["id"] for s in plan["scenes"]]
    settings = json.loads((tall / "settings.json").read_text())
    assert settings["revision"]["size"] == [54, 96]
    both = [c for c in (tall / "clips").glob("*.mp4") if (wide_run / "clips" / c.name).exists()]
    assert both  # clips of the same names, each rendered anew (a retry may add others)
    for clip in both:
        assert not os.path.samefile(clip, wide_run / "clips" / clip.name)
    with pytest.raises(InvalidInputError, match="54x96 already"):
        revise(tall, run_dir=wide_run.parent / "v3", size=(54, 96))


# ---------------------------------------------------------------------------- framing


def _scene(plan: dict, action: str) -> dict:
    the_shot = shot("abstract", subjects=[("c1", action, "joyful")], move="static")
    return with_shot({**plan["scenes"][0], "start": 0.0, "end": 8.0}, the_shot)


@pytest.mark.parametrize("size", [(144, 256), (144, 144), (144, 180)])
def test_a_running_figure_stays_in_a_narrow_frame(size):
    plan, analysis = sample_plan(8.0), sample_analysis(8.0)
    renderer = SceneRenderer(_scene(plan, "run"), plan=plan, size=size, seed=1)
    music = Music.from_analysis(analysis, intensity=0.8)
    shown = []
    for t in np.arange(0.0, 8.0, 0.25):
        frame = np.asarray(renderer.frame(t / 8.0, music.at(t))).astype(np.float32)
        outfit = np.linalg.norm(frame - hex_rgb(OUTFIT), axis=-1) < 18
        columns = np.flatnonzero(outfit.any(axis=0))
        shown.append(outfit.sum())
        assert columns.size and columns[0] > 0 and columns[-1] < size[0] - 1, f"cut at {t} s"
    assert min(shown) > 0.6 * max(shown)


def _caption_box(frame: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where a lyric line is drawn in a black frame: left, top, right, bottom."""
    line = "Out on the open road tonight we ride"
    caption = Caption(line, frame=frame, color=(255, 255, 255), shadow=(0, 0, 0), y=0.88,
                      scale=1 / 18)  # fmt: skip
    image = Image.new("RGB", frame)
    caption.draw(image, at=1.0)
    return image.getbbox()


@pytest.mark.parametrize("frame", [(720, 1280), (720, 720), (720, 900)])
def test_captions_are_sized_by_the_short_side(frame):
    left, top, right, bottom = _caption_box(frame)
    assert left > 0 and right < frame[0] and bottom < frame[1], "inside the frame"
    wide = _caption_box((1280, 720))
    assert bottom - top <= 2.2 * (wide[3] - wide[1]), "at most two lines where 16:9 has one"


# ---------------------------------------------------------------------------- generative sizes


@pytest.mark.parametrize("family", [LTX, WAN, WAN_TI2V, COGVIDEOX], ids=lambda f: f.name)
@pytest.mark.parametrize("name", list(FORMATS))
def test_diffusers_generates_each_format_in_its_own_orientation(family, name):
    width, height = generation_size(
        format_size(name), pixels=family.pixels, multiple=family.size_multiple
    )
    w, h = (int(x) for x in name.split(":"))
    assert width % family.size_multiple == 0 and height % family.size_multiple == 0
    assert abs(width / height - w / h) < 0.1, (width, height)
    assert 0.8 < width * height / family.pixels < 1.2


def test_openai_video_and_keyframes_pick_the_nearest_orientation():
    assert nearest_aspect(format_size("9:16"), SIZES) == (720, 1280)
    assert nearest_aspect(format_size("4:5"), SIZES) == (720, 1280)
    assert nearest_aspect(format_size("16:9"), SIZES) == (1280, 720)
    assert nearest_aspect(format_size("1:1"), IMAGE_SIZES) == (1024, 1024)
    assert nearest_aspect(format_size("4:5"), IMAGE_SIZES) == (1024, 1536)


# ---------------------------------------------------------------------------- where things go


def test_conversations_and_jobs_go_beside_the_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert data_dir() == Path("runs")
    assert ChatContext().workspace == str(Path("runs", "chats"))
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "elsewhere"))
    assert ChatContext().workspace == str(tmp_path / "elsewhere" / "chats")
    config = tmp_path / "s2s.toml"
    config.write_text(f'data_dir = "{tmp_path / "configured"}"\nfps = 12\n')
    args = build_parser().parse_args(["serve", "--config", str(config)])
    assert data_dir(args) == tmp_path / "configured", "the config file beats the environment"
    assert "data_dir" not in run_settings(args)


def test_a_chat_leaves_no_folder_but_runs_in_the_current_one(tmp_path, monkeypatch, demo_song):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert main(["chat", str(demo_song), "-m", "status", "-q", "--fps", "8"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["runs"]
    assert (tmp_path / "runs" / "chats" / "chat.sqlite").is_file()


# ---------------------------------------------------------------------------- whole videos


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FORMATS))
def test_make_gives_the_format_s_size(name, demo_song, tmp_path):
    out = tmp_path / "video.mp4"
    argv = ["make", str(demo_song), "-o", str(out), "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--format", name, "--fps", "4", "--max-retries", "0", "-q"]) == 0
    info = video_info(str(out))
    assert (info.width, info.height) == format_size(name)


@pytest.mark.slow
def test_chat_makes_it_vertical(demo_song, tmp_path):
    workspace = tmp_path / "chats"
    flags = ["--workspace", str(workspace), "--fps", "4", "--max-retries", "0", "-q"]
    assert main(["chat", str(demo_song), "-m", "make a dreamy video", "-m", "make it vertical",
                 *flags]) == 0  # fmt: skip
    videos = sorted(workspace.rglob("v*/video.mp4"))
    sizes = [(video_info(str(v)).width, video_info(str(v)).height) for v in videos]
    assert sizes == [(1280, 720), (720, 1280)]
