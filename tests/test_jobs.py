"""Jobs on their own: folders, progress, content checks, failures; the work run inline."""

import json
import shutil

import numpy as np
import pytest
import soundfile as sf
from serving import Recorder

from agent.jobs import JobStore, ProgressMeter, audio_suffix, run_make_job
from tools.errors import InvalidInputError

SMALL = {"width": 96, "height": 54, "fps": 8}


def _upload(song, tmp_path):
    copy = tmp_path / "upload.part"
    shutil.copy(song, copy)
    return copy


def test_progress_never_goes_back_and_restarts_for_a_revision():
    meter = ProgressMeter()
    values = [
        meter(event)
        for event in [
            {"stage": "analyze"},
            {"stage": "write", "scenes": 4},
            {"stage": "generate"},
            {"stage": "generate"},
            {"stage": "tag"},  # late, from a parallel branch: no step back
            {"stage": "generate"},
            {"stage": "generate"},
            {"stage": "critique"},
            {"stage": "generate"},  # a regeneration after critique
            {"stage": "assemble"},
        ]
    ]
    assert values == sorted(values) and values[-1] == 0.9 and values[6] == 0.8
    assert meter({"stage": "revise", "scenes": 2}) == 0.2


def test_the_container_is_read_from_the_content(tmp_path):
    tone = np.sin(np.linspace(0, 2000, 22050 * 4)) * 0.3
    for fmt, suffix in (("WAV", ".wav"), ("FLAC", ".flac"), ("OGG", ".ogg")):
        path = tmp_path / f"song.{fmt}.bin"
        sf.write(path, tone, 22050, format=fmt)
        assert audio_suffix(path) == suffix
    mp3 = tmp_path / "frames"
    mp3.write_bytes(b"\xff\xfb\x90\x00" + bytes(100))
    assert audio_suffix(mp3) == ".mp3"
    text = tmp_path / "song.mp3"
    text.write_text("<html>not a song</html>")
    with pytest.raises(InvalidInputError, match="not audio"):
        audio_suffix(text)


def test_a_failed_make_says_why_and_keeps_what_it_finished(
    fake_openai,  # nothing queued: the writer's server fails
    demo_song,
    tmp_path,
):
    executor = Recorder()
    store = JobStore(
        tmp_path / "jobs", executor=executor, settings={**SMALL, "writer": "openai:fake"}
    )
    job = store.create(_upload(demo_song, tmp_path), request="a calm video")
    assert job["status"] == "queued" and job["video"] is False
    ((fn, args),) = executor.calls
    assert fn is run_make_job
    fn(*args)
    failed = store.get(job["id"])
    assert failed["status"] == "failed" and "501" in failed["error"]
    run = store.root / job["id"] / "v1"
    assert (run / "analysis.json").exists() and (run / "settings.json").exists()
    events = [json.loads(line) for line in (store.root / job["id"] / "events.jsonl").open()]
    assert events[-1]["stage"] == "failed" and events[-1]["message"] == failed["error"]
    assert store.folder(job["id"]).video() is None


def test_jobs_left_unfinished_by_a_stopped_server_fail_with_their_work_kept(demo_song, tmp_path):
    store = JobStore(tmp_path / "jobs", executor=Recorder(), settings=SMALL)
    job = store.create(_upload(demo_song, tmp_path))
    again = JobStore(tmp_path / "jobs", executor=Recorder())
    left = again.get(job["id"])
    assert left["status"] == "failed" and "server stopped" in left["error"]
