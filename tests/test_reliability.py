"""Reliability: bad inputs refused in one line, bounded work, safe run folders, resumes that
mean what they say, no leftovers. The matrices are evals/reliability.py's (which `python -m
evals` counts); the runs that make videos (kill -9 at each stage, then resume) are slow."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import librosa
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from serving import children, start_server

import tools.audio.analysis as analysis
import tools.audio.loading as audio
from agent.cli import main
from agent.context import Context
from agent.jobs import JobStore
from agent.runner import make_video, run_lock
from agent.server import create_app
from evals import reliability as rel
from tools.errors import InvalidInputError
from tools.files import TEMP_TAG, atomic_path, sweep_temp, temp_dir

CLI_NAMES = [
    "missing song", "text as mp3", "damaged mp3", "truncated mp3", "over the default limit",
    "duration bomb", "over --max-duration", "--max-duration 0", "analyze: duration bomb",
    "analyze: damaged mp3", "run-dir is a file", "run-dir under a file", "run-dir under /proc",
    "run-dir not empty", "resume nothing", "resume with other fps",
    "resume with other seed and size", "resume with another request", "resume with another song",
    "resume a damaged run", "a run without --resume", "output under a file",
    "output folder missing",
]  # fmt: skip
API_NAMES = [
    "text", "damaged mp3", "truncated mp3", "duration bomb", "silent", "path as name",
    "lyrics not UTF-8", "raise the limit",
]  # fmt: skip


@pytest.fixture(scope="module")
def cli_matrix(tmp_path_factory, demo_song):
    folder = tmp_path_factory.mktemp("cli")
    return folder, {case.name: case for case in rel.cli_cases(folder, demo_song)}


@pytest.fixture(scope="module")
def api_matrix(tmp_path_factory, demo_song):
    folder = tmp_path_factory.mktemp("api")
    store = JobStore(folder / "jobs", executor=rel.NoExecutor())
    with TestClient(create_app(store)) as client:
        yield client, store.root, {c[0]: c[1:] for c in rel.api_cases(folder, demo_song)}


def test_the_matrices_are_all_here(cli_matrix, api_matrix):
    assert sorted(cli_matrix[1]) == sorted(CLI_NAMES)
    assert sorted(api_matrix[2]) == sorted(API_NAMES)


@pytest.mark.parametrize("name", CLI_NAMES)
def test_cli_refuses_in_one_line_and_leaves_nothing(name, cli_matrix, capfd, monkeypatch):
    folder, cases = cli_matrix
    case = cases[name]
    monkeypatch.chdir(folder)
    before = sorted(p.name for p in folder.iterdir())
    code = main(rel.with_output(case, folder))
    stderr = capfd.readouterr().err  # file descriptor 2: decoder noise would show here
    assert rel.cli_problem(case, code, stderr, folder) is None, stderr
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.parametrize("name", API_NAMES)
def test_api_refuses_naming_the_upload_never_a_path(name, api_matrix):
    client, jobs, cases = api_matrix
    request, status, says = cases[name]
    t0 = time.perf_counter()
    response = client.post("/v1/jobs", **request)
    assert time.perf_counter() - t0 < 10  # the duration bomb: from its header, not decoded
    detail = rel.api_detail(response)
    assert rel.api_problem(response.status_code, detail, (status, says), jobs) is None


def test_the_limit_holds_while_decoding_where_no_header_says_the_length(monkeypatch, demo_song):
    monkeypatch.setattr(audio, "_header_seconds", lambda file: None)
    with pytest.raises(InvalidInputError, match=r"longer than the limit of 0:10.0"):
        audio.load_audio(demo_song, max_duration=10, sr=16000)  # not cached at this rate
    y, sr = audio.load_audio(demo_song, max_duration=60, sr=16000)
    assert len(y) / sr == pytest.approx(sf.info(demo_song).duration, abs=0.01)


def test_a_long_song_is_analysed_in_chunks_like_a_whole(monkeypatch, demo_song):
    y, sr = audio.load_audio(demo_song)
    whole = analysis.analyze_audio(y, sr)
    monkeypatch.setattr(analysis, "WHOLE_FRAMES", 200)
    monkeypatch.setattr(analysis, "CHUNK_FRAMES", 300)  # ~7 s chunks of a 30 s song
    chunked = analysis.analyze_audio(y, sr)
    for key in ("tempo", "beats", "downbeats", "sections", "energy", "onset"):
        assert chunked[key] == whole[key], key
    assert chunked["features"] == whole["features"]
    # the voice curves of each chunk are scaled by that chunk's own levels
    for key in ("vocal", "voice"):
        assert len(chunked[key]) == len(whole[key])
        assert min(chunked[key]) >= 0 and max(chunked[key]) <= 1


def test_the_tempo_in_chunks_is_librosas(monkeypatch, demo_song):
    y, sr = audio.load_audio(demo_song)
    pulse = analysis.SpectralFrames.compute(y, sr).pulse
    expected = librosa.feature.tempo(onset_envelope=pulse, sr=sr, hop_length=analysis.HOP)[0]
    monkeypatch.setattr(analysis, "CHUNK_FRAMES", 100)
    assert analysis._tempo(pulse, sr) == expected


def test_temporary_files_live_in_the_work_folder_and_are_swept(tmp_path):
    out, work = tmp_path / "out" / "video.mp4", tmp_path / "run"
    out.parent.mkdir()
    work.mkdir()
    with atomic_path(out, work_dir=work) as tmp:
        assert tmp.parent == work and tmp.name.startswith(".video.mp4" + TEMP_TAG)
        tmp.write_bytes(b"video")
        assert list(out.parent.iterdir()) == []
    assert out.read_bytes() == b"video" and list(work.iterdir()) == []
    (out.parent / f".video.mp4{TEMP_TAG}abc.mp4").write_bytes(b"half")  # a killed copy
    (out.parent / ".other.mp4.tmp-x.mp4").write_bytes(b"someone else's")
    (work / "clips").mkdir()
    (work / "clips" / f".s01.a0.mp4{TEMP_TAG}x.mp4").write_bytes(b"half")
    folder = temp_dir(work)
    Path(folder.name, "part0000.mp4").write_bytes(b"part")
    folder._finalizer.detach()  # as if killed: never cleaned up
    assert len(sweep_temp(work)) == 2
    assert [p.name for p in sweep_temp(out.parent, target="video.mp4")] == [
        f".video.mp4{TEMP_TAG}abc.mp4"
    ]
    assert sorted(p.name for p in out.parent.iterdir()) == [".other.mp4.tmp-x.mp4", "video.mp4"]
    assert [p.name for p in work.rglob("*")] == ["clips"]


def test_a_run_folder_is_used_by_one_process_at_a_time(tmp_path, demo_song):
    run_dir = tmp_path / "run"
    ctx = Context(run_dir=str(run_dir), output=str(tmp_path / "v.mp4"))
    with run_lock(run_dir), pytest.raises(InvalidInputError, match="another sound2sight"):
        make_video(str(demo_song), "", ctx)
    assert not (run_dir / "settings.json").exists()


def test_file_system_errors_on_the_run_are_one_line(tmp_path, demo_song, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "run"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(run_dir / "settings.json"))

    monkeypatch.setattr("agent.runner.write_json", full)
    code = main(["make", str(demo_song), "--run-dir", str(run_dir), "-o", "v.mp4"])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 5 and len(err) == 1, err
    assert "No space left on device" in err[0] and "Traceback" not in err[0]


# ---------------------------------------------------------------------------- videos (slow)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, demo_song):
    """framemd5 of an uninterrupted run, and its folder."""
    folder = tmp_path_factory.mktemp("reference")
    return rel.reference_frames(demo_song, folder), folder


@pytest.mark.slow
@pytest.mark.parametrize("stage", rel.KILL_STAGES)
def test_killed_at_any_stage_resumes_to_the_same_frames(stage, reference, demo_song, tmp_path):
    frames, _ = reference
    assert rel.resume_problem(stage, demo_song, tmp_path, frames) is None


@pytest.mark.slow
def test_a_finished_run_resumed_with_another_output_writes_it_there(reference, demo_song):
    frames, folder = reference
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    args = ["make", str(demo_song), "--run-dir", str(folder / "run"), "--resume"]
    result = rel.sound2sight(*args, "-o", str(elsewhere / "v.mp4"), cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(elsewhere / "v.mp4")
    assert rel.framemd5(elsewhere / "v.mp4") == frames
    assert rel.leftovers(folder) == []


@pytest.mark.slow
def test_force_starts_a_run_over_with_new_settings(demo_song, tmp_path):
    run_dir, out = tmp_path / "run", tmp_path / "v.mp4"
    args = ["make", str(demo_song), "--run-dir", str(run_dir), "-o", str(out), *rel.SMALL]
    assert rel.sound2sight(*args, cwd=tmp_path).returncode == 0
    refused = rel.sound2sight(*args, "--resume", "--fps", "6", cwd=tmp_path)
    assert refused.returncode == 2 and "fps" in refused.stderr
    forced = rel.sound2sight(*args, "--fps", "6", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    saved = json.loads((run_dir / "settings.json").read_text())["context"]
    assert saved["fps"] == 6
    assert len(rel.framemd5(out)) > 0 and rel.leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_duration_bomb_upload_is_refused_at_once_in_bounded_memory(tmp_path):
    bomb = rel.tone(tmp_path / "hour.flac", 3600, sr=8000)
    server = start_server("--jobs-dir", str(tmp_path / "jobs"), cwd=tmp_path)
    try:
        peak, stop = [0], []

        def rss() -> int:
            pids = [server.process.pid, *children(server.process.pid)]
            return sum(_rss(pid) for pid in pids)

        def watch() -> None:
            while not stop:
                peak[0] = max(peak[0], rss())
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        t0 = time.perf_counter()
        with open(bomb, "rb") as song:
            response = httpx.post(
                f"{server.url}/v1/jobs", files={"audio": ("hour.flac", song)}, timeout=60
            )
        seconds = time.perf_counter() - t0
        stop.append(True)
        watcher.join()
    finally:
        server.stop()
    assert response.status_code == 422 and "over the limit" in response.json()["detail"]
    assert seconds < 5, seconds
    assert peak[0] < 1024**3, f"{peak[0] / 2**20:.0f} MB"


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGESIZE")
    except OSError:
        return 0


@pytest.mark.slow
def test_thirty_minutes_analyse_in_under_a_gigabyte(tmp_path, demo_song):
    y, sr = audio.load_audio(demo_song)
    song = tmp_path / "long.wav"
    with sf.SoundFile(song, "w", sr, 1) as out:
        for _ in range(60):
            out.write(y[: 30 * sr])
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "analyze", str(song), "--max-duration", "3600"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _rss(proc.pid))
        time.sleep(0.05)
    assert proc.returncode == 0, proc.stderr.read()
    assert peak < 1024**3, f"{peak / 2**20:.0f} MB"
