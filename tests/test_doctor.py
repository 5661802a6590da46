"""`sound2sight doctor`: exact parameter counts from configurations on the meta device, the
stage plan, the peak, and the option that makes a plan fit. No weights, no download."""

import json
import sys

import pytest

from agent.cli import main
from agent.options import PROFILES
from tools.errors import InvalidInputError
from tools.memory_plan import (
    RoleMemory,
    keep_beside,
    needed_after,
    offload_mode,
    role_memory,
    stage_plan,
)

GIB = 2**30

# published sizes: the model cards' parameter counts
PUBLISHED = {
    "writer": ("transformers:Qwen/Qwen2.5-7B-Instruct", 7_615_616_512, 7.61),
    "lyrics": ("whisper:openai/whisper-large-v3-turbo", 808_878_080, 0.81),
    "critic": ("clip:openai/clip-vit-base-patch32", 151_277_313, 0.15),
    "listener": ("qwen2-audio:Qwen/Qwen2-Audio-7B-Instruct", 8_397_094_912, 8.40),
    "tagger": ("clap:laion/larger_clap_music", 193_913_882, 0.19),
}


@pytest.mark.parametrize("role", PUBLISHED)
def test_parameter_counts_match_the_published_sizes(role):
    spec, exact, billions = PUBLISHED[role]
    assert PROFILES["gpu"][role] == spec
    memory = role_memory(role, spec, device="cuda")
    assert memory.params == exact and abs(memory.params / 1e9 - billions) < 0.01
    assert memory.source == "shipped"
    half = {"tagger": "float16", "critic": "float16", "lyrics": "float16"}.get(role, "bfloat16")
    assert (memory.dtype, memory.weight_bytes) == (half, 2 * exact)
    on_cpu = role_memory(role, spec, device="cpu")
    assert (on_cpu.dtype, on_cpu.weight_bytes) == ("float32", 4 * exact)


T5_XXL_ENCODER = 4_762_310_656  # T5 v1.1 XXL's encoder, the text encoder of every LTX-Video
# published sizes: the 13B transformer's six bf16 shards add up to 26.09 GB (13.04 B), the 0.9.7
# VAE file is 2.49 GB in bf16 (1.25 B); the 2B 0.9.0 pipeline's transformer is 1.92 B
VIDEO = {
    "diffusers:Lightricks/LTX-Video-0.9.8-13B-distilled": {
        "text_encoder": T5_XXL_ENCODER,
        "transformer": 13_042_569_344,
        "vae": 1_246_913_522,
    },
    "diffusers:Lightricks/LTX-Video": {
        "text_encoder": T5_XXL_ENCODER,
        "transformer": 1_923_385_472,
        "vae": 419_193_649,
    },
}


def test_the_gpu_profile_renders_with_the_current_distilled_ltx_video():
    assert PROFILES["gpu"]["video"] == "diffusers:Lightricks/LTX-Video-0.9.8-13B-distilled"
    transformer = VIDEO[PROFILES["gpu"]["video"]]["transformer"]
    assert abs(transformer / 1e9 - 13.04) < 0.01 and abs(2 * transformer / 1e9 - 26.09) < 0.01


@pytest.mark.parametrize("spec", VIDEO)
def test_the_video_pipeline_is_the_sum_of_its_components(spec):
    memory = role_memory("video", spec, device="cuda")
    assert memory.components == VIDEO[spec] and memory.source == "shipped"
    assert memory.params == sum(memory.components.values()) and memory.dtype == "bfloat16"
    assert memory.weight_bytes == 2 * memory.params
    model = spec.removeprefix("diffusers:")
    assert memory.download == f"hf download {model} --include model_index.json '*/*'"
    offloaded = role_memory("video", spec, device="cuda", offload="model")
    assert offloaded.weight_bytes == 2 * max(memory.components.values())
    by_layer = role_memory("video", spec, device="cuda", offload="layers")
    # the largest layer is the text encoder's embedding (32128 x 4096), twice: one running,
    # the next being fetched
    assert by_layer.weight_bytes == 2 * 2 * 32128 * 4096


# FLUX.1 Kontext [dev], the scene keyframes' image-editing model: published sizes 11.9 B
# (transformer), 4.76 B (T5-XXL encoder), 0.123 B (CLIP-L text encoder), 0.084 B (VAE)
KONTEXT = "black-forest-labs/FLUX.1-Kontext-dev"
KONTEXT_PARTS = {
    "transformer": 11_901_408_320,
    "text_encoder_2": T5_XXL_ENCODER,
    "text_encoder": 123_060_480,
    "vae": 83_819_683,
}


def test_the_kontext_keyframes_model_is_planned_by_hub_id_from_its_shipped_config():
    memory = role_memory("keyframes", f"diffusers:{KONTEXT}", device="cuda")
    assert memory.components == KONTEXT_PARTS and memory.source == "shipped"
    for name, billions_published in [
        ("transformer", 11.9),
        ("text_encoder_2", 4.76),
        ("text_encoder", 0.123),
        ("vae", 0.084),
    ]:
        assert round(memory.components[name] / 1e9, 3 if billions_published < 1 else 2) == (
            billions_published
        )
    assert (memory.dtype, memory.weight_bytes) == ("bfloat16", 2 * sum(KONTEXT_PARTS.values()))
    assert memory.download == f"hf download {KONTEXT} --include model_index.json '*/*'"


def test_doctor_plans_the_scene_keyframes_offline(capsys):
    flags = ["--profile", "gpu", "--device", "cuda", "--memory", "80", "--json"]
    assert main(["doctor", *flags, "--scene-keyframes", KONTEXT]) == 0
    plan = json.loads(capsys.readouterr().out)
    keyframes = next(r for r in plan["roles"] if r["role"] == "keyframes")
    assert keyframes["params"] == sum(KONTEXT_PARTS.values())
    stages = {s["stage"]: s["resident"] for s in plan["stages"]}
    assert "keyframes" in stages["keyframe"]


def test_doctor_json_on_the_cpu(capsys):
    assert main(["doctor", "--profile", "gpu", "--device", "cpu", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert set(plan) == {"device", "roles", "stages", "peak_bytes", "fits"}
    assert plan["device"] == "cpu"
    assert [r["role"] for r in plan["roles"]] == [*PROFILES["gpu"]]
    for role in plan["roles"]:
        assert set(role) - {"components"} == {"role", "spec", "params", "weight_bytes", "dtype"}
        assert role["weight_bytes"] == 4 * role["params"]  # float32 on the CPU
    assert "components" in plan["roles"][3]
    assert [s["stage"] for s in plan["stages"]] == [
        "analyze", "tag", "listen", "lyrics", "write", "anchor", "generate", "critique",
    ]  # fmt: skip
    assert plan["peak_bytes"] == max(s["bytes"] for s in plan["stages"])


def _doctor(capsys, *flags):
    assert main(["doctor", "--profile", "gpu", "--device", "cuda", "--json", *flags]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_24_gb_card_needs_the_video_model_offloaded_layer_by_layer(capsys):
    assert not _doctor(capsys, "--memory", "24")["fits"]
    plan = _doctor(capsys, "--memory", "24", "--set", "video.offload=layers")
    assert plan["fits"] and plan["device"] == "cuda"
    resident = {s["stage"]: s["resident"] for s in plan["stages"]}
    assert resident["listen"] == ["listener"] and resident["write"] == ["writer"]
    assert resident["critique"] == ["critic", "video"]  # the critique loop keeps both
    listener = next(r for r in plan["roles"] if r["role"] == "listener")
    assert plan["peak_bytes"] == listener["weight_bytes"]


def test_a_48_gb_card_holds_the_13b_model_whole(capsys):
    plan = _doctor(capsys, "--memory", "48")
    video = next(r for r in plan["roles"] if r["role"] == "video")
    assert plan["fits"] and video["weight_bytes"] == 2 * sum(VIDEO[video["spec"]].values())
    assert plan["peak_bytes"] > 35 * GIB


def test_a_roomy_card_keeps_what_later_stages_need(capsys):
    resident = {s["stage"]: s["resident"] for s in _doctor(capsys, "--memory", "80")["stages"]}
    assert resident["listen"] == ["listener"], "the tagger is not needed again"
    assert resident["write"] == ["writer"]
    assert resident["anchor"] == ["video"] and resident["critique"] == ["critic", "video"]


@pytest.mark.parametrize(
    ("flags", "advice"),
    [
        (["--memory", "40"], "to fit: --set video.offload=true"),
        (["--memory", "24"], "to fit: --set video.offload=layers"),
        (["--memory", "24", "--set", "video.offload=true"], "to fit: --set video.offload=layers"),
        (
            ["--memory", "18", "--video", "diffusers:Lightricks/LTX-Video"],
            "to fit: --pipeline clap",
        ),
        (["--memory", "4"], "no single option fits it"),
    ],
)
def test_a_plan_that_does_not_fit_names_the_option_that_would(capsys, flags, advice):
    assert main(["doctor", "--profile", "gpu", "--device", "cuda", *flags]) == 0
    out = capsys.readouterr().out
    assert "does NOT fit" in out and out.rstrip().endswith(advice)


def test_a_local_folder_is_read_from_its_own_config(tmp_path):
    from tiny_models import save_tiny_qwen_lm

    save_tiny_qwen_lm(tmp_path)
    memory = role_memory("writer", f"transformers:{tmp_path}", device="cpu")
    from transformers import AutoModelForCausalLM

    real = AutoModelForCausalLM.from_pretrained(tmp_path)
    assert memory.source == "folder"
    assert memory.params == sum(p.numel() for p in real.parameters())


def test_offline_and_cloud_roles_hold_no_weights(capsys):
    assert main(["doctor", "--profile", "cloud", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["fits"] and plan["peak_bytes"] == 0
    assert all(r["params"] == 0 and r["dtype"] is None for r in plan["roles"])


def test_without_the_ml_extra_one_clear_line(capsys, monkeypatch):
    role_memory.cache_clear()
    monkeypatch.setitem(sys.modules, "accelerate", None)  # import accelerate fails
    assert main(["doctor", "--profile", "gpu", "--device", "cpu"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'sound2sight[ml]'" in err
    role_memory.cache_clear()


def test_keep_beside_keeps_only_what_later_stages_need_and_what_fits():
    assert needed_after("tagger") >= {"listener", "writer", "video", "critic"}
    assert needed_after("critic") == {"video"}
    assert "tagger" not in needed_after("listener")
    assert keep_beside({"video": 10}, "critic", 1, budget=11) == {"video"}
    assert keep_beside({"video": 10}, "critic", 2, budget=11) == set()
    assert keep_beside({"tagger": 1}, "listener", 5, budget=100) == set()
    memory = [RoleMemory("video", "diffusers:x", 5, 10 * GIB, "bfloat16"),
              RoleMemory("critic", "clip:x", 1, 2 * GIB, "float16")]  # fmt: skip
    roomy, tight = (
        stage_plan(memory, device="cuda", free=20 * GIB),
        stage_plan(memory, device="cuda", free=13 * GIB),
    )
    assert roomy.stages[-1].resident == ["critic", "video"] and roomy.fits
    assert tight.stages[-1].resident == ["critic"] and tight.fits
    assert tight.peak_bytes == 10 * GIB


def test_offload_modes():
    assert [offload_mode(v) for v in (None, False, True, "model", "layers")] == [
        None, None, "model", "model", "layers",
    ]  # fmt: skip
    with pytest.raises(InvalidInputError, match="video.offload='disk'"):
        offload_mode("disk")


def test_the_video_dtype_option_is_planned(capsys):
    assert main(["doctor", "--profile", "gpu", "--device", "cpu", "--json",
                 "--set", "video.dtype=bfloat16"]) == 0  # fmt: skip
    roles = {r["role"]: r for r in json.loads(capsys.readouterr().out)["roles"]}
    assert roles["video"]["dtype"] == "bfloat16"
    assert roles["video"]["weight_bytes"] == 2 * roles["video"]["params"]
    assert roles["writer"]["dtype"] == "float32"  # the option is the video model's only
