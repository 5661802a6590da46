"""The diffusers video backend on tiny random-weight LTX-Video and Wan pipelines built here.

The pipelines are saved with `save_pretrained` and loaded through the backend exactly as a
user's folder would be; the unit tests of the frame and size mapping need no model at all.
"""

import functools
import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from tiny_models import save_tiny_kontext, save_tiny_ltx, save_tiny_pixart, save_tiny_wan

from tests.plans import rooftop_plan, rooftop_scene
from tools.errors import BackendUnavailableError, InvalidInputError
from tools.ffmpeg import read_frames, video_info
from tools.video import diffusers_video
from tools.video.diffusers_video import (
    DISTILLED_TIMESTEPS,
    LTX,
    WAN,
    WAN_TI2V,
    ClipInput,
    DiffusersVideo,
    Recipe,
    download_command,
    generation_frames,
    generation_size,
    model_family,
    recipe,
    resample_indices,
)

FPS = 24
SIZE = (64, 48)  # generated at 64x64, so the crop to the output size is exercised too


@pytest.fixture(scope="module")
def ltx_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-ltx")
    save_tiny_ltx(folder)
    return folder


@pytest.fixture(scope="module")
def ltx(ltx_folder) -> DiffusersVideo:
    return DiffusersVideo(model=str(ltx_folder), device="cpu", steps=2, pixels=64 * 64)


@pytest.fixture(scope="module")
def wan_ti2v(tmp_path_factory) -> DiffusersVideo:
    pytest.importorskip("ftfy", reason="diffusers' Wan image-to-video pipeline needs ftfy")
    folder = tmp_path_factory.mktemp("tiny-wan-ti2v")
    save_tiny_wan(folder, ti2v=True)
    return DiffusersVideo(model=str(folder), device="cpu", steps=2, pixels=64 * 64)


@pytest.fixture(scope="module")
def wan(tmp_path_factory) -> DiffusersVideo:
    folder = tmp_path_factory.mktemp("tiny-wan")
    save_tiny_wan(folder)
    return DiffusersVideo(model=str(folder), device="cpu", steps=2, pixels=64 * 64)


ANALYSIS = {"path": "song.wav", "duration": 10.0, "tempo": 120.0, "beats": [], "downbeats": []}


def _render(backend, scene, tmp_path, anchors, *, seed=7, name="clip.mp4") -> str:
    path = str(tmp_path / name)
    backend.render(
        scene,
        plan=rooftop_plan([scene]),
        analysis=ANALYSIS,
        anchors=anchors,
        out_path=path,
        size=SIZE,
        fps=FPS,
        seed=seed,
    )
    return path


# ---------------------------------------------------------------- time and size mapping


@pytest.mark.parametrize(
    ("seconds", "family", "expected"),
    [
        (0.75, LTX, 17),  # 18 frames at 24 fps -> 8k+1
        (1.0, LTX, 25),
        (5.0, LTX, 121),
        (9.0, LTX, 121),  # never past the family's limit
        (0.01, LTX, 9),  # never below one step
        (0.75, WAN, 13),  # 12 frames at 16 fps -> 4k+1
        (5.0, WAN, 81),
        (5.0, WAN_TI2V, 121),
    ],
)
def test_generation_frames_are_valid_and_nearest(seconds, family, expected):
    count = generation_frames(
        seconds, fps=family.fps, step=family.frame_step, max_frames=family.max_frames
    )
    assert count == expected
    assert (count - 1) % family.frame_step == 0


def test_resample_indices_repeat_or_drop_evenly():
    up = resample_indices(17, 18)
    assert len(up) == 18 and up[0] == 0 and up[-1] == 16
    assert np.all(np.diff(up) >= 0) and set(up) == set(range(17))
    down = resample_indices(81, 60)
    assert len(down) == 60 and np.all(np.diff(down) > 0) and down[-1] <= 80
    assert list(resample_indices(9, 9)) == list(range(9))


def test_generation_size_keeps_aspect_near_native_area():
    assert generation_size((1280, 720), pixels=704 * 480, multiple=32) == (768, 448)
    assert generation_size((64, 48), pixels=64 * 64, multiple=32) == (64, 64)
    assert generation_size((720, 1280), pixels=832 * 480, multiple=16) == (480, 848)


def _index(folder, class_name, **extra) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": class_name, **extra}))


def test_family_comes_from_model_index(tmp_path):
    _index(tmp_path / "ltx", "LTXPipeline")
    _index(tmp_path / "wan", "WanPipeline", expand_timesteps=False)
    _index(tmp_path / "ti2v", "WanPipeline", expand_timesteps=True)
    _index(tmp_path / "wan-i2v", "WanImageToVideoPipeline")
    _index(tmp_path / "cog15", "CogVideoXPipeline")
    (tmp_path / "cog15" / "transformer").mkdir()
    (tmp_path / "cog15" / "transformer" / "config.json").write_text('{"patch_size_t": 2}')
    assert model_family(tmp_path / "ltx").i2v == "LTXImageToVideoPipeline"
    assert model_family(tmp_path / "wan").i2v is None
    assert model_family(tmp_path / "ti2v").i2v == "WanImageToVideoPipeline"
    assert model_family(tmp_path / "wan-i2v").t2v is None
    assert model_family(tmp_path / "cog15").fps == 16
    _index(tmp_path / "sd", "StableDiffusionPipeline")
    with pytest.raises(BackendUnavailableError, match="unsupported video pipeline"):
        model_family(tmp_path / "sd")


# ---------------------------------------------------------------- unavailable models


def test_missing_model_is_backend_unavailable(tmp_path):
    with pytest.raises(BackendUnavailableError, match="neither a folder nor in the local"):
        DiffusersVideo(model="sound2sight-tests/no-such-video-model", device="cpu")
    with pytest.raises(BackendUnavailableError, match="neither a folder nor in the local"):
        DiffusersVideo(model=str(tmp_path / "absent"), device="cpu")
    with pytest.raises(BackendUnavailableError, match="no model_index.json"):
        DiffusersVideo(model=str(tmp_path), device="cpu")


def test_missing_extra_names_the_install(monkeypatch, tmp_path):
    _index(tmp_path, "LTXPipeline")
    monkeypatch.setitem(sys.modules, "diffusers", None)
    with pytest.raises(BackendUnavailableError, match=r"pip install 'sound2sight\[ml\]'"):
        DiffusersVideo(model=str(tmp_path), device="cpu")


def test_image_to_video_only_checkpoint_needs_a_keyframes_model(tmp_path):
    _index(tmp_path, "WanImageToVideoPipeline")
    with pytest.raises(BackendUnavailableError, match="image-to-video only"):
        DiffusersVideo(model=str(tmp_path), device="cpu")


# ---------------------------------------------------------------- tiny pipelines end to end


@pytest.fixture(scope="module")
def ltx_anchors(ltx, tmp_path_factory) -> dict:
    """Keyframes drawn by the tiny LTX model itself (no text-to-image model configured)."""
    out_dir = tmp_path_factory.mktemp("anchors")
    return ltx.anchors(rooftop_plan([rooftop_scene()]), out_dir=str(out_dir), size=SIZE, seed=3)


def test_ltx_anchors_are_first_frames_of_its_own_renders(ltx_anchors):
    from PIL import Image

    assert set(ltx_anchors["characters"]) == {"c1"}
    for path in [ltx_anchors["style"], *ltx_anchors["characters"].values()]:
        assert Image.open(path).size == SIZE


def test_ltx_clip_without_scene_keyframes_starts_from_text_with_exact_frames(
    ltx, ltx_anchors, tmp_path
):
    assert "keyframes" not in ltx_anchors
    path = _render(ltx, rooftop_scene(), tmp_path, ltx_anchors)
    assert type(ltx._active).__name__ == "LTXPipeline"  # no character sheet as first frame
    info = video_info(path)
    assert (info.width, info.height, info.frames) == (*SIZE, 18)  # round(1.75*24) - round(1*24)
    frames = read_frames(path, count=18)
    assert len(frames) == 18 and frames[0].shape == (48, 64, 3)


def test_ltx_same_seed_same_clip(ltx, ltx_anchors, tmp_path):
    scene, anchors = rooftop_scene(characters=()), ltx_anchors
    first = read_frames(_render(ltx, scene, tmp_path, anchors, name="a.mp4"), count=3)
    again = read_frames(_render(ltx, scene, tmp_path, anchors, name="b.mp4"), count=3)
    other = read_frames(_render(ltx, scene, tmp_path, anchors, seed=8, name="c.mp4"), count=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, c) for a, c in zip(first, other, strict=True))


def test_scene_longer_than_a_clip_is_refused(ltx, tmp_path):
    with pytest.raises(InvalidInputError, match="at most 5.04 s"):
        _render(ltx, rooftop_scene(start=0.0, end=6.0), tmp_path, {"style": "", "characters": {}})


def test_wan_text_to_video_clip(wan, tmp_path):
    assert wan.family.i2v is None and wan.max_clip_seconds == pytest.approx(81 / 16)
    scene = rooftop_scene(start=0.5, end=1.0)
    path = _render(wan, scene, tmp_path, {"style": "unused.png", "characters": {}})
    info = video_info(path)
    assert (info.width, info.height, info.frames) == (*SIZE, 12)


def test_keyframes_come_from_the_text_to_image_model(ltx_folder, tmp_path):
    from PIL import Image

    save_tiny_pixart(tmp_path / "tiny-pixart")
    backend = DiffusersVideo(
        model=str(ltx_folder),
        device="cpu",
        keyframes=str(tmp_path / "tiny-pixart"),
        steps=2,
        pixels=64 * 64,
    )
    anchors = backend.anchors(
        rooftop_plan([rooftop_scene()]), out_dir=str(tmp_path), size=SIZE, seed=3
    )
    assert not backend._pipes  # the video model was not needed for the keyframes
    assert "keyframes" not in anchors  # LTX renders from text: no scene keyframes to draw
    assert Image.open(anchors["characters"]["c1"]).size == SIZE
    assert Image.open(anchors["style"]).size == SIZE


def test_missing_keyframes_model_is_not_replaced(ltx_folder, tmp_path):
    with pytest.raises(BackendUnavailableError, match="neither a folder nor in the local"):
        DiffusersVideo(model=str(ltx_folder), device="cpu", keyframes=str(tmp_path / "absent"))


def test_wan_ti2v_scene_keyframe_then_image_to_video_clip(wan_ti2v, tmp_path):
    assert wan_ti2v.family is WAN_TI2V
    save_tiny_kontext(tmp_path / "kontext")
    backend = DiffusersVideo(
        model=str(wan_ti2v.folder),
        device="cpu",
        scene_keyframes=str(tmp_path / "kontext"),
        steps=2,
        keyframe_steps=2,
        pixels=64 * 64,
    )
    scene = rooftop_scene(start=0.5, end=1.0)
    anchors = backend.anchors(rooftop_plan([scene]), out_dir=str(tmp_path), size=SIZE, seed=3)
    sent = backend.render(
        scene,
        plan=rooftop_plan([scene]),
        analysis=ANALYSIS,
        anchors=anchors,
        out_path=str(tmp_path / "clip.mp4"),
        size=SIZE,
        fps=FPS,
        seed=7,
    )
    path = str(tmp_path / "clip.mp4")
    assert type(backend._active).__name__ == "WanImageToVideoPipeline"
    assert sent["first_frame"] == anchors["keyframes"]["s01"] == str(tmp_path / "keyframes/s01.png")
    info = video_info(path)
    assert (info.width, info.height, info.frames) == (*SIZE, 12)


# ---------------------------------------------------------------- prompts and settings


def test_ltx_clip_returns_the_prompt_it_read(ltx, ltx_anchors, tmp_path):
    sent = ltx.render(
        rooftop_scene(),
        plan=rooftop_plan([rooftop_scene()]),
        analysis=ANALYSIS,
        anchors=ltx_anchors,
        out_path=str(tmp_path / "p.mp4"),
        size=SIZE,
        fps=FPS,
        seed=1,
    )
    assert sent["model_prompt"].startswith("The astronaut walks. Setting: a city rooftop")
    assert sent["prompt_cut"] == [] and 0 < sent["prompt_tokens"] <= LTX.max_tokens
    assert "#" not in sent["model_prompt"]
    assert sent["first_frame"] == "none"  # from text: no scene keyframes asked for


def test_a_prompt_over_the_budget_is_cut_and_said(ltx, ltx_anchors, tmp_path, monkeypatch, caplog):
    from tools.critique.pixels import strengthen_prompt

    scene = rooftop_scene()
    plan = rooftop_plan([scene])
    retry = strengthen_prompt(scene["prompt"], scores={"style": 0.0}, plan=plan, scene=scene)
    monkeypatch.setattr(ltx, "family", replace(LTX, max_tokens=48))
    with caplog.at_level("WARNING", logger="tools.video.diffusers_video"):
        sent = ltx.render(
            {**scene, "prompt": retry},
            plan=plan,
            analysis=ANALYSIS,
            anchors=ltx_anchors,
            out_path=str(tmp_path / "cut.mp4"),
            size=SIZE,
            fps=FPS,
            seed=1,
        )
    assert sent["prompt_tokens"] <= 48 and sent["prompt_cut"]
    assert sent["model_prompt"].startswith("The astronaut walks. Setting:")
    assert "scene s01: prompt cut to" in caplog.text and sent["prompt_cut"][0] in caplog.text


class _ConditionPipe:
    """The inputs of diffusers' LTXConditionPipeline that the settings fill in."""

    vae = SimpleNamespace(config=SimpleNamespace(timestep_conditioning=True))

    def __call__(
        self,
        prompt=None,
        num_inference_steps=50,
        timesteps=None,
        guidance_scale=3,
        image_cond_noise_scale=0.15,
        frame_rate=25,
        decode_timestep=0.0,
        decode_noise_scale=None,
    ): ...


def test_distilled_ltx_gets_its_recipe_and_options_override_it(ltx_folder, tmp_path):
    folder = tmp_path / "LTX-Video-0.9.8-13B-distilled"
    shutil.copytree(ltx_folder, folder)
    options = DiffusersVideo(model=str(folder), device="cpu")._sampling_options(_ConditionPipe())
    assert (
        options["timesteps"] == list(DISTILLED_TIMESTEPS) and "num_inference_steps" not in options
    )
    assert options["guidance_scale"] == 1.0
    assert options["image_cond_noise_scale"] == 0.025
    assert (options["decode_timestep"], options["decode_noise_scale"]) == (0.05, 0.025)
    assert options["frame_rate"] == 24
    given = DiffusersVideo(
        model=str(folder), device="cpu", steps=6, guidance_scale=2.5, image_cond_noise_scale=0.0
    )._sampling_options(_ConditionPipe())
    assert given["num_inference_steps"] == 6 and "timesteps" not in given
    assert (given["guidance_scale"], given["image_cond_noise_scale"]) == (2.5, 0.0)


def test_known_releases_have_their_recommended_settings():
    assert recipe("Lightricks/LTX-Video-0.9.8-13B-distilled", LTX).guidance_scale == 1.0
    assert recipe("Lightricks/LTX-Video-0.9.7-dev", LTX) == Recipe(steps=30, guidance_scale=5.0)
    assert recipe("Lightricks/LTX-Video-0.9.5", LTX).steps == 40
    assert recipe("/models/my-ltx", LTX) == Recipe()  # unknown: the pipeline's own defaults


def test_guidance_scale_is_a_backend_option(ltx_folder):
    from tools.registry import load_backend

    backend = load_backend(
        "video", f"diffusers:{ltx_folder}", device="cpu", options=(("guidance_scale", 1.0),)
    )
    assert backend._sampling_options(_ConditionPipe())["guidance_scale"] == 1.0


def test_missing_model_names_the_download_of_the_pipeline_files_only():
    with pytest.raises(BackendUnavailableError) as error:
        DiffusersVideo(model="sound2sight-tests/no-such-video-model", device="cpu")
    assert download_command("sound2sight-tests/no-such-video-model") in str(error.value)
    assert "--include model_index.json '*/*'" in str(error.value)


# ---------------------------------------------------------------- throughput levers


def test_a_draft_takes_half_the_steps_and_the_area(ltx_folder, tmp_path, monkeypatch):
    from diffusers import LTXPipeline

    folder = tmp_path / "LTX-Video-0.9.8-13B-distilled"
    shutil.copytree(ltx_folder, folder)
    assert (
        DiffusersVideo(model=str(folder), device="cpu", quality="draft").pixels == LTX.pixels // 2
    )
    assert DiffusersVideo(model=str(folder), device="cpu").pixels == LTX.pixels
    calls = []
    real = LTXPipeline.__call__

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(LTXPipeline, "__call__", functools.wraps(real)(spy))
    draft = DiffusersVideo(model=str(folder), device="cpu", quality="draft", pixels=64 * 64)
    draft._first_frames({"style": "a city rooftop"}, size=SIZE, seed=0)
    assert calls[-1]["num_inference_steps"] == 4 and "timesteps" not in calls[-1]
    assert (calls[-1]["width"], calls[-1]["height"]) == (64, 64)
    assert calls[-1]["guidance_scale"] == 1.0  # the distilled recipe's, in a draft too
    dev = DiffusersVideo(model=str(ltx_folder), device="cpu", quality="draft")
    dev.recipe = recipe("Lightricks/LTX-Video-0.9.7-dev", LTX)
    assert dev._sampling_options(_ConditionPipe())["num_inference_steps"] == 15  # of 30
    plain = DiffusersVideo(model=str(ltx_folder), device="cpu", quality="draft")
    assert plain._sampling_options(_ConditionPipe())["num_inference_steps"] == 25  # of 50
    with pytest.raises(InvalidInputError, match="quality 'rough'"):
        DiffusersVideo(model=str(ltx_folder), device="cpu", quality="rough")


def test_quality_flag_reaches_the_video_backend_and_the_config_file(ltx_folder, tmp_path):
    import argparse

    from agent.options import add_video_options, run_settings

    parser = argparse.ArgumentParser()
    add_video_options(parser)
    video = f"diffusers:{ltx_folder}"
    flags = run_settings(parser.parse_args(["--video", video, "--quality", "draft"]))
    assert flags["options"]["video"] == {"quality": "draft"}
    config = tmp_path / "s2s.toml"
    config.write_text(f'video = "{video}"\nquality = "draft"\n')
    assert run_settings(parser.parse_args(["--config", str(config)]))["options"]["video"] == {
        "quality": "draft"
    }
    given = run_settings(
        parser.parse_args(["--video", video, "--quality", "draft", "--set", "video.quality=final"])
    )
    assert given["options"]["video"] == {"quality": "final"}  # --set names the option itself
    assert "options" not in run_settings(parser.parse_args(["--quality", "final"]))
    with pytest.raises(InvalidInputError, match="no draft mode"):
        run_settings(parser.parse_args(["--quality", "draft"]))  # the procedural renderer


def test_compile_reaches_the_transformer(ltx_folder):
    backend = DiffusersVideo(model=str(ltx_folder), device="cpu", compile=True, steps=2)
    pipe = backend._pipeline("LTXPipeline")
    assert pipe.transformer._compiled_call_impl is not None  # torch.compile'd in place
    assert (
        DiffusersVideo(model=str(ltx_folder), device="cpu")
        ._pipeline("LTXPipeline")
        .transformer._compiled_call_impl
        is None
    )


def test_layer_offload_hooks_the_pipeline_once_and_it_still_renders(ltx_folder):
    from diffusers.hooks import HookRegistry

    backend = DiffusersVideo(model=str(ltx_folder), device="cpu", offload="layers", steps=2)
    assert backend._wants_offload(backend.folder) is None  # offloading is for CUDA devices
    pipe = backend._pipeline("LTXPipeline")
    backend._place(pipe, offload="layers")
    backend._place(pipe, offload="layers")  # a sibling pipeline on the same modules: once
    hooks = [
        HookRegistry.check_if_exists_or_initialize(pipe.components[n])
        for n in ("transformer", "vae")
    ]
    assert all(registry.get_hook("group_offloading") is not None for registry in hooks)
    [video] = backend._generate(
        pipe, [ClipInput("a city rooftop", None, 0)], frames=9, size=(64, 64)
    )
    assert video.shape == (9, 64, 64, 3)
    with pytest.raises(InvalidInputError, match="video.offload='disk'"):
        DiffusersVideo(model=str(ltx_folder), device="cpu", offload="disk")


def test_the_weights_dtype_is_an_option(ltx_folder):
    import torch

    pipe = DiffusersVideo(model=str(ltx_folder), device="cpu", dtype="bfloat16")._pipeline(
        "LTXPipeline"
    )
    assert {p.dtype for p in pipe.transformer.parameters()} == {torch.bfloat16}
    with pytest.raises(InvalidInputError, match="video dtype 'half'"):
        DiffusersVideo(model=str(ltx_folder), device="cpu", dtype="half")


# ---------------------------------------------------------------- several scenes per call


def _spy_on_pipeline_calls(monkeypatch) -> list[dict]:
    """The inputs of every LTXPipeline call, the real call still made."""
    from diffusers import LTXPipeline

    calls = []
    real = LTXPipeline.__call__

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(LTXPipeline, "__call__", functools.wraps(real)(spy))
    return calls


def _spy_on_written_clips(monkeypatch) -> dict[str, np.ndarray]:
    """The frames each clip file was written from (the generation size), by file name."""
    written = {}
    real = diffusers_video.write_clip

    def spy(video, path, **options):
        written[path.rsplit("/", 1)[-1]] = video
        return real(video, path, **options)

    monkeypatch.setattr(diffusers_video, "write_clip", spy)
    return written


def _render_together(backend, scenes, tmp_path, anchors, *, prefix: str) -> list:
    """Each scene rendered from its own thread at once (as `--workers` does), seed 7 + its
    index; the results or errors, in order."""

    def render(k: int):
        try:
            name = f"{prefix}-{scenes[k]['id']}.mp4"
            return _render(backend, scenes[k], tmp_path, anchors, seed=7 + k, name=name)
        except Exception as error:  # what each caller got is what the tests look at
            return error

    with ThreadPoolExecutor(len(scenes)) as pool:
        return list(pool.map(render, range(len(scenes))))


def _batched(ltx_folder, monkeypatch, *, wait: float) -> DiffusersVideo:
    monkeypatch.setattr(diffusers_video, "BATCH_WAIT", wait)
    return DiffusersVideo(model=str(ltx_folder), device="cpu", steps=2, pixels=64 * 64, batch=2)


def test_two_scenes_render_in_one_call_as_each_would_alone(
    ltx_folder, ltx, ltx_anchors, tmp_path, monkeypatch
):
    scenes = [rooftop_scene("s01", 1.0, 1.75), rooftop_scene("s02", 1.75, 2.5, characters=())]
    calls = _spy_on_pipeline_calls(monkeypatch)
    written = _spy_on_written_clips(monkeypatch)
    backend = _batched(ltx_folder, monkeypatch, wait=30.0)  # the batch fills long before
    paths = _render_together(backend, scenes, tmp_path, ltx_anchors, prefix="batched")
    assert [len(call["prompt"]) for call in calls] == [2], "one pipeline call for both"
    for k, scene in enumerate(scenes):
        _render(ltx, scene, tmp_path, ltx_anchors, seed=7 + k, name=f"alone-{scene['id']}.mp4")
    assert [len(call["prompt"]) for call in calls] == [2, 1, 1]
    for k, scene in enumerate(scenes):
        assert video_info(paths[k]).frames == 18
        batched, alone = (written[f"{how}-{scene['id']}.mp4"] for how in ("batched", "alone"))
        assert batched.shape == alone.shape == (17, 64, 64, 3)
        assert np.abs(batched.astype(int) - alone).max() <= 2, "its own prompt and seed"
    first, second = (written[f"batched-{s['id']}.mp4"] for s in scenes)
    assert np.abs(first.astype(int) - second).mean() > 5, "two different clips"


def test_scenes_of_different_lengths_are_not_batched(
    ltx_folder, ltx_anchors, tmp_path, monkeypatch
):
    calls = _spy_on_pipeline_calls(monkeypatch)
    backend = _batched(ltx_folder, monkeypatch, wait=0.5)
    scenes = [rooftop_scene("s01", 1.0, 1.75), rooftop_scene("s02", 1.75, 3.25)]
    paths = _render_together(backend, scenes, tmp_path, ltx_anchors, prefix="mixed")
    assert [video_info(path).frames for path in paths] == [18, 36]
    assert sorted((len(c["prompt"]), c["num_frames"]) for c in calls) == [(1, 17), (1, 33)]


def test_an_error_in_a_batch_reaches_both_scenes(ltx_folder, ltx_anchors, tmp_path, monkeypatch):
    from diffusers import LTXPipeline

    calls = []
    real = LTXPipeline.__call__

    def fail(self, *args, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(LTXPipeline, "__call__", functools.wraps(real)(fail))
    backend = _batched(ltx_folder, monkeypatch, wait=30.0)
    scenes = [rooftop_scene("s01", 1.0, 1.75), rooftop_scene("s02", 1.75, 2.5)]
    results = _render_together(backend, scenes, tmp_path, ltx_anchors, prefix="failed")
    assert len(calls) == 1 and len(calls[0]["prompt"]) == 2
    assert [str(r) for r in results] == ["CUDA out of memory"] * 2
    assert not (tmp_path / "failed-s01.mp4").exists()


def test_batch_is_a_backend_option_and_anchors_go_n_at_a_time(ltx_folder, monkeypatch):
    from tools.registry import load_backend

    backend = load_backend(
        "video", f"diffusers:{ltx_folder}", device="cpu", options=(("batch", 2), ("steps", 2))
    )
    assert backend.batch == 2
    calls = _spy_on_pipeline_calls(monkeypatch)
    prompts = {"style": "a city rooftop", "character-c1": "Mara", "character-c2": "Tomas"}
    frames = backend._first_frames(prompts, size=SIZE, seed=0)
    assert list(frames) == list(prompts)
    assert [len(call["prompt"]) for call in calls] == [2, 1]
    for wrong in (0, 1.5, True):
        with pytest.raises(InvalidInputError, match="video batch"):
            DiffusersVideo(model=str(ltx_folder), device="cpu", batch=wrong)
