"""The executor: a local process pool, and Ray (a local instance on CPU) for songs and clips."""

import json
import operator
import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from conftest import shared_track

from agent.executor import LocalExecutor, make_executor
from evals.bench_render import sample_analysis, sample_plan
from tools.errors import InvalidInputError
from tools.ffmpeg import video_info


def test_local_jobs_return_results_and_exceptions():
    executor = LocalExecutor(workers=2)
    try:
        assert executor.submit(operator.add, 2, 3).result() == 5
        error = executor.submit(operator.truediv, 1, 0).exception()
        assert isinstance(error, ZeroDivisionError)
    finally:
        executor.shutdown()


def test_a_dead_worker_fails_its_job_only_and_the_pool_recovers():
    executor = LocalExecutor(workers=1)
    try:
        crashed = executor.submit(os._exit, 3)  # the worker dies; tried again, dies again
        assert isinstance(crashed.exception(timeout=60), BrokenProcessPool)
        assert executor.submit(operator.mul, 6, 7).result(timeout=60) == 42
    finally:
        executor.shutdown()


def test_unknown_executor_and_bad_options_are_refused():
    with pytest.raises(InvalidInputError, match="unknown executor"):
        make_executor("dask", workers=1)
    with pytest.raises(InvalidInputError, match="needs --executor ray"):
        make_executor("local", workers=1, address="ray://head:10001")
    with pytest.raises(InvalidInputError, match="--jobs"):
        make_executor("local", workers=0)


@pytest.fixture(scope="module")
def ray_executor():
    pytest.importorskip("ray")
    executor = make_executor("ray", workers=2)
    yield executor
    executor.shutdown()


def test_ray_runs_jobs_and_renders_clips_as_tasks(ray_executor, tmp_path):
    from tools.registry import load_backend

    assert ray_executor.submit(json.dumps, [2, 3]).result(timeout=120) == "[2, 3]"
    error = ray_executor.submit(json.loads, "{").exception(timeout=120)
    assert isinstance(error, json.JSONDecodeError)  # the job's own exception class
    video = load_backend("video", "ray:procedural")
    assert video.max_clip_seconds == load_backend("video", "procedural").max_clip_seconds
    plan, analysis = sample_plan(4.0), sample_analysis(4.0)
    anchors = video.anchors(plan, out_dir=str(tmp_path), size=(96, 54), seed=0)
    assert Path(anchors["style"]).exists()
    scene = plan["scenes"][0]
    out = tmp_path / "clip.mp4"
    video.render(scene, plan=plan, analysis=analysis, anchors=anchors, out_path=str(out),
                 size=(96, 54), fps=6, seed=0)  # fmt: skip
    info = video_info(str(out))
    assert info.frames == round(scene["end"] * 6) - round(scene["start"] * 6)


def test_clip_tasks_ask_for_a_gpu_only_for_models_on_clusters_with_gpus():
    from tools.video.ray_video import gpus_per_task

    assert gpus_per_task(runs_a_model=True, cluster={"CPU": 16.0, "GPU": 2.0}) == 1
    assert gpus_per_task(runs_a_model=True, cluster={"CPU": 16.0}) == 0
    assert gpus_per_task(runs_a_model=False, cluster={"CPU": 16.0, "GPU": 2.0}) == 0


@pytest.mark.slow
def test_ray_batch_over_real_songs(ray_executor, tmp_path):
    from agent.batch import run_batch

    songs = tmp_path / "in"
    songs.mkdir()
    for name in ("slow_motion_dream_excerpt.mp3", "vocadito_1.wav"):
        (songs / name).symlink_to(shared_track(name))
    (songs / "broken.wav").write_bytes(b"RIFF")
    settings = {"width": 96, "height": 54, "fps": 6, "video": "ray:procedural"}
    summary = run_batch(songs, tmp_path / "out", executor=ray_executor, settings=settings)
    statuses = {Path(e["song"]).name: e["status"] for e in summary["songs"]}
    assert statuses == {
        "slow_motion_dream_excerpt.mp3": "done", "vocadito_1.wav": "done", "broken.wav": "failed"
    }  # fmt: skip
    assert summary["executor"] == "ray"
    for entry in summary["songs"]:
        if entry["status"] == "done":
            run = json.loads(Path(entry["run_dir"], "run.json").read_text())
            assert run["backends"]["video"] == "ray:procedural"
            assert Path(entry["video"]).exists()
