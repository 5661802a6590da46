"""The diffusers video backend on tiny random-weight LTX-Video and Wan pipelines built here.

The pipelines are saved with `save_pretrained` and loaded through the backend exactly as a
user's folder would be; the unit tests of the frame and size mapping need no model at all.
"""

import functools
import json
import re
import shutil
import sys
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from prompts import template
from tests.plans import shot, with_shot
from tools.errors import BackendUnavailableError, InvalidInputError
from tools.ffmpeg import read_frames, video_info
from tools.video.diffusers_video import (
    DISTILLED_TIMESTEPS,
    LTX,
    WAN,
    WAN_TI2V,
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


# ---------------------------------------------------------------- tiny checkpoints


def _tokenizer():
    """A T5 (unigram) tokenizer whose vocabulary is every word of the prompts used here."""
    from transformers import T5Tokenizer

    texts = [
        template(name)
        for name in (
            "video_negative",
            "keyframe_negative",
            "keyframe_style",
            "keyframe_character",
            "keyframe_scene_cast",
            "keyframe_scene_look",
        )
    ]
    texts.append(json.dumps(_plan([_scene()])))
    words = sorted(set(re.findall(r"[a-z]+", " ".join(texts).lower())))
    specials = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces = [(f"▁{w}", -1.0 - i / 1000) for i, w in enumerate(words)]
    letters = [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,:;()\"'-▁"]
    return T5Tokenizer(vocab=specials + pieces + letters, extra_ids=0)


def _t5_options(tokenizer) -> dict:
    return {"vocab_size": len(tokenizer), "d_model": 32, "d_kv": 8, "d_ff": 37, "num_heads": 4}


def _save_ltx(folder) -> None:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(T5Config(num_layers=2, **_t5_options(tokenizer)))
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=32,
    )
    # the real compression: 32x in space, 8x in time
    vae = AutoencoderKLLTXVideo(
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        patch_size=4,
        patch_size_t=1,
    )
    pipe = LTXPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
    )
    pipe.save_pretrained(folder)


def _save_wan(folder, *, ti2v: bool = False) -> None:
    """A tiny Wan 2.1 text-to-video pipeline, or (`ti2v`) a Wan 2.2 TI2V-like one: a 16x
    patchified VAE with 48 latent channels and `expand_timesteps`, text and image in one."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(UMT5Config(num_layers=2, **_t5_options(tokenizer)))
    latent = 48 if ti2v else 16
    vae_options = {
        "in_channels": 12,
        "out_channels": 12,
        "is_residual": True,
        "patch_size": 2,
        "latents_mean": [0.0] * latent,
        "latents_std": [1.0] * latent,
        "scale_factor_spatial": 16,
    }
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=latent,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
        **(vae_options if ti2v else {}),
    )
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=latent,
        out_channels=latent,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )
    pipe = WanPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        expand_timesteps=ti2v,
    )
    pipe.save_pretrained(folder)


def _save_pixart(folder) -> None:
    """A tiny PixArt-Sigma text-to-image pipeline (256 px bins, 8x VAE) for the keyframes."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        PixArtSigmaPipeline,
        PixArtTransformer2DModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(T5Config(num_layers=2, **_t5_options(tokenizer)))
    transformer = PixArtTransformer2DModel(
        sample_size=32,
        num_layers=1,
        patch_size=2,
        attention_head_dim=8,
        num_attention_heads=3,
        caption_channels=32,
        in_channels=4,
        cross_attention_dim=24,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 8, 8, 8),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        norm_num_groups=8,
    )
    pipe = PixArtSigmaPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=DDIMScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
    )
    pipe.save_pretrained(folder)


def save_tiny_kontext(folder) -> None:
    """A tiny FLUX.1 Kontext image-editing pipeline (diffusers' own test components, with an
    8x VAE, a CLIP tokenizer over byte symbols and the T5 tokenizer of these prompts)."""
    import torch
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        FluxKontextPipeline,
        FluxTransformer2DModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, T5Config, T5EncoderModel

    symbols = [chr(c) for c in range(ord("!"), ord("~") + 1)]
    specials = ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate([*specials, *symbols, *[f"{c}</w>" for c in symbols]])}
    t5_tokenizer = _tokenizer()
    t5_tokenizer.model_max_length = 128  # FLUX: 512; shorter here, for speed
    torch.manual_seed(0)
    pipe = FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=AutoencoderKL(
            block_out_channels=(4, 4, 4, 4),
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            latent_channels=1,
            norm_num_groups=1,
            use_quant_conv=False,
            use_post_quant_conv=False,
            shift_factor=0.0609,
            scaling_factor=1.5035,
        ),
        text_encoder=CLIPTextModel(
            CLIPTextConfig(
                vocab_size=len(vocab),
                bos_token_id=0,
                eos_token_id=1,
                pad_token_id=1,
                hidden_size=32,
                intermediate_size=37,
                num_attention_heads=4,
                num_hidden_layers=1,
                projection_dim=32,
            )
        ),
        tokenizer=CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77),
        text_encoder_2=T5EncoderModel(T5Config(num_layers=1, **_t5_options(t5_tokenizer))),
        tokenizer_2=t5_tokenizer,
        transformer=FluxTransformer2DModel(
            patch_size=1,
            in_channels=4,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,
            pooled_projection_dim=32,
            axes_dims_rope=[4, 4, 8],
        ),
    )
    pipe.save_pretrained(folder)


@pytest.fixture(scope="module")
def ltx_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-ltx")
    _save_ltx(folder)
    return folder


@pytest.fixture(scope="module")
def ltx(ltx_folder) -> DiffusersVideo:
    return DiffusersVideo(model=str(ltx_folder), device="cpu", steps=2, pixels=64 * 64)


@pytest.fixture(scope="module")
def wan_ti2v(tmp_path_factory) -> DiffusersVideo:
    pytest.importorskip("ftfy", reason="diffusers' Wan image-to-video pipeline needs ftfy")
    folder = tmp_path_factory.mktemp("tiny-wan-ti2v")
    _save_wan(folder, ti2v=True)
    return DiffusersVideo(model=str(folder), device="cpu", steps=2, pixels=64 * 64)


@pytest.fixture(scope="module")
def wan(tmp_path_factory) -> DiffusersVideo:
    folder = tmp_path_factory.mktemp("tiny-wan")
    _save_wan(folder)
    return DiffusersVideo(model=str(folder), device="cpu", steps=2, pixels=64 * 64)


# ---------------------------------------------------------------- a hand-made plan


def _scene(sid="s01", start=1.0, end=1.75, characters=("c1",)) -> dict:
    the_shot = shot(
        "rooftop",
        time="night",
        subjects=[(c, "walk", "calm") for c in characters],
        description="the astronaut walks",
        framing="wide",
        move="slow push-in",
    )
    return with_shot(
        {
            "id": sid,
            "index": 0,
            "start": start,
            "end": end,
            "section": 0,
            "section_label": "verse",
            "setting": "a rooftop in a neon city at night",
            "description": "the astronaut walks",
            "camera": "wide shot, slow push-in",
            "characters": list(characters),
            "intensity": 0.5,
            "prompt": (
                "the lone astronaut walks on a rooftop in a neon city at night. "
                "Mara (c1): a lone astronaut in a white suit with an orange visor. "
                "Style: flat vector animation, deep indigo palette"
            ),
            "transition_in": "cut",
        },
        the_shot,
    )


def _plan(scenes) -> dict:
    return {
        "request": "a lonely space song",
        "title": "Rooftop",
        "story": "an astronaut walks a rooftop",
        "writer": "template",
        "bible": {
            "medium": "flat vector animation",
            "palette": ["#101020", "#202040", "#404080", "#e0a030", "#f0f0e0"],
            "lighting": "neon rim light",
            "camera": "slow",
            "mood": "dreamy",
            "text": "flat vector animation, deep indigo palette, neon rim light",
        },
        "characters": [
            {
                "id": "c1",
                "name": "Mara",
                "figure": "astronaut",
                "description": "a lone astronaut in a white suit with an orange visor",
                "colors": {"skin": "#c08060", "hair": "#000000", "outfit": "#ffffff"},
            }
        ],
        "scenes": scenes,
    }


ANALYSIS = {"path": "song.wav", "duration": 10.0, "tempo": 120.0, "beats": [], "downbeats": []}


def _render(backend, scene, tmp_path, anchors, *, seed=7, name="clip.mp4") -> str:
    path = str(tmp_path / name)
    backend.render(
        scene,
        plan=_plan([scene]),
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
    return ltx.anchors(_plan([_scene()]), out_dir=str(out_dir), size=SIZE, seed=3)


def test_ltx_anchors_are_first_frames_of_its_own_renders(ltx_anchors):
    from PIL import Image

    assert set(ltx_anchors["characters"]) == {"c1"}
    for path in [ltx_anchors["style"], *ltx_anchors["characters"].values()]:
        assert Image.open(path).size == SIZE


def test_ltx_clip_without_scene_keyframes_starts_from_text_with_exact_frames(
    ltx, ltx_anchors, tmp_path
):
    assert "keyframes" not in ltx_anchors
    path = _render(ltx, _scene(), tmp_path, ltx_anchors)
    assert type(ltx._active).__name__ == "LTXPipeline"  # no character sheet as first frame
    info = video_info(path)
    assert (info.width, info.height, info.frames) == (*SIZE, 18)  # round(1.75*24) - round(1*24)
    frames = read_frames(path, count=18)
    assert len(frames) == 18 and frames[0].shape == (48, 64, 3)


def test_ltx_same_seed_same_clip(ltx, ltx_anchors, tmp_path):
    scene, anchors = _scene(characters=()), ltx_anchors
    first = read_frames(_render(ltx, scene, tmp_path, anchors, name="a.mp4"), count=3)
    again = read_frames(_render(ltx, scene, tmp_path, anchors, name="b.mp4"), count=3)
    other = read_frames(_render(ltx, scene, tmp_path, anchors, seed=8, name="c.mp4"), count=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, c) for a, c in zip(first, other, strict=True))


def test_scene_longer_than_a_clip_is_refused(ltx, tmp_path):
    with pytest.raises(InvalidInputError, match="at most 5.04 s"):
        _render(ltx, _scene(start=0.0, end=6.0), tmp_path, {"style": "", "characters": {}})


def test_wan_text_to_video_clip(wan, tmp_path):
    assert wan.family.i2v is None and wan.max_clip_seconds == pytest.approx(81 / 16)
    scene = _scene(start=0.5, end=1.0)
    path = _render(wan, scene, tmp_path, {"style": "unused.png", "characters": {}})
    info = video_info(path)
    assert (info.width, info.height, info.frames) == (*SIZE, 12)


def test_keyframes_come_from_the_text_to_image_model(ltx_folder, tmp_path):
    from PIL import Image

    _save_pixart(tmp_path / "tiny-pixart")
    backend = DiffusersVideo(
        model=str(ltx_folder),
        device="cpu",
        keyframes=str(tmp_path / "tiny-pixart"),
        steps=2,
        pixels=64 * 64,
    )
    anchors = backend.anchors(_plan([_scene()]), out_dir=str(tmp_path), size=SIZE, seed=3)
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
    scene = _scene(start=0.5, end=1.0)
    anchors = backend.anchors(_plan([scene]), out_dir=str(tmp_path), size=SIZE, seed=3)
    sent = backend.render(
        scene,
        plan=_plan([scene]),
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
        _scene(),
        plan=_plan([_scene()]),
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

    scene = _scene()
    plan = _plan([scene])
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
    from diffusers.hooks.group_offloading import _is_group_offload_enabled

    backend = DiffusersVideo(model=str(ltx_folder), device="cpu", offload="layers", steps=2)
    assert backend._wants_offload(backend.folder) is None  # offloading is for CUDA devices
    pipe = backend._pipeline("LTXPipeline")
    backend._place(pipe, offload="layers")
    backend._place(pipe, offload="layers")  # a sibling pipeline on the same modules: once
    assert all(_is_group_offload_enabled(pipe.components[n]) for n in ("transformer", "vae"))
    video = backend._generate(pipe, "a city rooftop", image=None, frames=9, size=(64, 64), seed=0)
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
