"""`python -m evals.bench_gpu`: random-weight pipelines built from configurations, the settings
per device, and the report. The real-size run itself is slow (marked)."""

import json

import pytest

from evals import bench_gpu, bench_gpu_roles
from tools.memory_plan import SHIPPED, measure_pipeline, role_memory
from tools.registry import GPU_PROFILE


def test_the_cpu_subset_runs_the_smallest_video_model_and_the_gpu_the_profiles():
    model, options, retries = bench_gpu.settings("cpu", cpu_subset=False)
    assert model == "Lightricks/LTX-Video" and (SHIPPED / "Lightricks--LTX-Video").is_dir()
    assert options == {"dtype": "bfloat16", "steps": 2, "guidance_scale": 1.0, "pixels": 1024}
    assert retries == 0
    model, options, retries = bench_gpu.settings("cuda", cpu_subset=False)
    assert f"diffusers:{model}" == GPU_PROFILE["video"] and options == {} and retries == 2
    assert bench_gpu.settings("cuda", cpu_subset=True)[0] == "Lightricks/LTX-Video"


def test_a_random_pipeline_is_the_configured_one(tmp_path):
    import torch
    from tiny_models import save_tiny_ltx

    save_tiny_ltx(tmp_path / "tiny")
    pipe = bench_gpu.random_pipeline(tmp_path / "tiny", torch.bfloat16)
    assert type(pipe).__name__ == "LTXPipeline"
    counted = measure_pipeline(str(tmp_path / "tiny"))
    for name, part in counted.items():
        module = getattr(pipe, name)
        assert sum(p.numel() for p in module.parameters()) == part.params
        assert {p.dtype for p in module.parameters()} == {torch.bfloat16}
    assert pipe.tokenizer is not None and pipe.scheduler is not None


def test_the_model_folder_is_the_shipped_configuration_with_a_tokenizer(tmp_path):
    folder = bench_gpu.model_folder("Lightricks/LTX-Video-0.9.8-13B-distilled", tmp_path / "m")
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] == "LTXConditionPipeline"
    assert (folder / "tokenizer").is_dir() and not (folder / "SOURCE.md").exists()
    from transformers import T5Tokenizer

    ids = T5Tokenizer.from_pretrained(folder / "tokenizer")("a city at night").input_ids
    assert len(ids) > 0 and max(ids) < 32128  # the T5-XXL embedding's vocabulary


def test_the_report_says_what_was_not_measured():
    result = {
        "device": "cpu",
        "model": "Lightricks/LTX-Video",
        "options": {"steps": 2},
        "song_seconds": 30.0,
        "scenes": 8,
        "build_seconds": 60.0,
        "stage_seconds": {"analyze": 3.0, "generate": 100.0},
        "make_seconds_without_build": 120.0,
        "fixed_seconds": 20.0,
        "compute_seconds_per_video_second": 3.3,
        "three_minute_song_minutes": 10.2,
        "peak_memory": "process RSS",
        "peak_memory_gib": 14.0,
        "not_measured": bench_gpu.not_measured("cpu", cpu_subset=False),
    }
    table = bench_gpu.markdown(result)
    assert "| stage generate (run.json) | 100.0 s |" in table
    assert "| a 3-minute song (linear) | 10.2 min |" in table
    assert "not measured: diffusers:Lightricks/LTX-Video-0.9.8-13B-distilled" in table
    assert len(bench_gpu.not_measured("cuda", cpu_subset=False)) == 2


def test_the_cost_model_takes_the_build_out_of_the_anchors_and_divides_wall_time():
    stages = {"analyze": 5.0, "write": 1.0, "anchor": 70.0, "generate": 300.0, "critique": 4.0}
    # clips rendered two at a time: their summed 300 s took 150 s of the 236 s of wall time
    fixed, per_second = bench_gpu.cost_model(stages, wall=236.0, build=60.0, seconds=30.0)
    assert fixed == 11.0  # writing, and the anchors without the 60 s build
    assert per_second == (236.0 - 60.0 - 11.0) / 30.0


@pytest.mark.slow
def test_the_real_size_run(tmp_path):
    """About 20 minutes on two CPU cores with 15 GiB of free memory (the cpu subset)."""
    result = bench_gpu.main(["--out", str(tmp_path), "--seconds", "30"])
    assert result["scenes"] > 0 and result["stage_seconds"]["generate"] > 0
    assert result["compute_seconds_per_video_second"] > 0


# ---------------------------------------------------------------- the other roles at real size


def test_the_roles_are_measured_at_the_profiles_dtype_half_as_bfloat16_off_cuda():
    assert bench_gpu_roles.profile_dtype("writer", cuda=False) == "bfloat16"  # the checkpoint's
    assert bench_gpu_roles.profile_dtype("critic", cuda=True) == "float16"
    assert bench_gpu_roles.profile_dtype("critic", cuda=False) == "bfloat16"  # the same bytes


@pytest.mark.parametrize(("role", "depth"), [("writer", 28), ("listener", 32)])
def test_a_cut_language_model_keeps_its_width_and_drops_whole_layers(role, depth):
    import torch

    full = role_memory(role, GPU_PROFILE[role], device="cuda").params
    counts = {}
    for layers in (1, 2):
        with torch.device("meta"):
            model = bench_gpu_roles.build(role, layers=layers, dtype="bfloat16")
        counts[layers] = sum(p.numel() for p in model.parameters())
        assert model.config.get_text_config().num_hidden_layers == layers
    assert bench_gpu_roles.full_layers(role) == depth
    per_layer = counts[2] - counts[1]
    assert counts[1] + (depth - 1) * per_layer == full  # the rest of the full model is layers


def test_the_clock_scales_the_timed_layers_to_the_full_depth():
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, eos_token_id=1, pad_token_id=0,
    )  # fmt: skip
    model = Qwen2ForCausalLM(config).eval()
    clock = bench_gpu_roles.Clock(model, 2)
    bench_gpu_roles.generate(model, 3, input_ids=torch.tensor([[5, 6, 7, 8]]))
    assert len(clock.steps) == len(clock.in_layers) == 3  # the prefill and two tokens
    assert all(0 < inside < step for inside, step in zip(clock.in_layers, clock.steps, strict=True))
    assert clock.at_depth(1, built=2, full=2) == clock.steps[1]
    doubled = clock.at_depth(1, built=2, full=4)
    assert doubled == pytest.approx(clock.steps[1] + clock.in_layers[1])


def test_three_minutes_of_the_roles():
    assert bench_gpu_roles.linear("critic", {"frames": 10.0}) == 60.0  # six times 30 s
    assert bench_gpu_roles.linear("tagger", {"audio": 2.0, "labels": 5.0}) == 17.0  # labels once
    listener = bench_gpu_roles.replies("listener", prefill=10.0, token=0.5)
    assert listener == 6 * 10.0 + bench_gpu_roles.REPLY_TOKENS["listener"] * 0.5
    writer = bench_gpu_roles.replies("writer", prefill=10.0, token=0.5)
    assert writer == 20.0 + bench_gpu_roles.REPLY_TOKENS["writer"] * 0.5


def test_the_roles_table_says_what_was_scaled():
    row = {
        "role": "writer", "spec": GPU_PROFILE["writer"], "params": 7_615_616_512,
        "weight_bytes": 2 * 7_615_616_512, "profile_dtype": "bfloat16", "dtype": "bfloat16",
        "built_params": 1_557_000_000, "build_seconds": 20.0, "call_seconds": {"generate": 19.0},
        "peak_rss_bytes": 4 * 2**30, "layers": "2 of 28", "prefill_seconds": 17.0,
        "token_seconds": 0.25, "build_seconds_full": 100.0, "prefill_seconds_full": 240.0,
        "token_seconds_full": 2.3, "peak_rss_bytes_full": 15 * 2**30,
        "three_minute_seconds": 9000.0,
    }  # fmt: skip
    table = bench_gpu_roles.markdown([row], bench_gpu_roles.not_measured([row]))
    line = next(t for t in table.splitlines() if t.startswith("| writer"))
    assert "| 7.616 B | 14.19 GiB bfloat16 | 2 of 28 layers (1.56 B), bfloat16, scaled |" in line
    assert "at full depth 240.0 s, 2.3 s/token" in line and "(full: 15.0 GiB)" in line
    assert line.endswith("| 150.0 min | 50.00 |")
    assert "not measured: the writer's model at full depth (2 of 28" in table


@pytest.mark.slow
def test_the_critic_is_measured_in_a_child_process_at_its_real_size():
    row = bench_gpu_roles.run("critic")
    assert row["params"] == row["built_params"] == 151_277_313
    assert row["call_seconds"]["frames"] > 0 and row["peak_rss_bytes"] > 2 * row["params"]
    assert row["three_minute_seconds"] == pytest.approx(6 * row["call_seconds"]["frames"], 0.01)
