"""`python -m evals.bench_gpu`: random-weight pipelines built from configurations, the settings
per device, and the report. The real-size run itself is slow (marked)."""

import json

import pytest

from evals import bench_gpu
from tools.memory_plan import SHIPPED, _measure_pipeline
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

    from tests.test_video_diffusers import _save_ltx

    _save_ltx(tmp_path / "tiny")
    pipe = bench_gpu.random_pipeline(tmp_path / "tiny", torch.bfloat16)
    assert type(pipe).__name__ == "LTXPipeline"
    counted = _measure_pipeline(str(tmp_path / "tiny"))
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
