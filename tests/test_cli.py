"""The command line as a user runs it: real processes, exit codes, stderr, files left behind."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SMALL = ["--resolution", "128x72", "--fps", "8"]


def sound2sight(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip


def _tone(path: Path, seconds: float, *, amplitude: float = 0.3, sr: int = 22050) -> Path:
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, amplitude * np.sin(2 * np.pi * 220 * t), sr)
    return path


def _bad_inputs(tmp: Path, demo_song: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "notes.txt").write_text("not a song\n" * 100)
    (tmp / "empty.wav").write_bytes(b"")
    (tmp / "cut.wav").write_bytes(demo_song.read_bytes()[:300])
    (tmp / "afile").write_text("x")
    song = str(demo_song)
    return {
        "missing": (["make", str(tmp / "nope.mp3")], "nope.mp3"),
        "not audio": (["make", str(tmp / "notes.txt")], "notes.txt"),
        "empty": (["make", str(tmp / "empty.wav")], "empty"),
        "truncated": (["make", str(tmp / "cut.wav")], "cut.wav"),
        "silence": (["make", str(_tone(tmp / "quiet.wav", 5, amplitude=0.0))], "silen"),
        "too short": (["make", str(_tone(tmp / "short.wav", 1.5))], "short"),
        "folder missing": (["make", song, "-o", str(tmp / "no" / "such" / "v.mp4")], "exist"),
        "under a file": (["make", song, "-o", str(tmp / "afile" / "v.mp4")], "v.mp4"),
        "not mp4": (["make", song, "-o", str(tmp / "v.gif")], ".mp4"),
        "unknown backend": (["make", song, "--video", "sora-9000"], "sora-9000"),
        "bad model spec": (["make", song, "--critic", "pixels:big"], "takes no model"),
        "bad resolution": (["make", song, "--resolution", "huge"], "WxH"),
        "odd resolution": (["make", song, "--resolution", "101x57"], "even"),
        "no lyrics file": (["make", song, "--lyrics", str(tmp / "gone.lrc")], "gone.lrc"),
        "empty lyrics": (
            ["make", song, "--lyrics", str(tmp / "empty.wav")],
            "lyrics file is empty",
        ),
        "bad option": (["make", song, "--set", "video.speed=9"], "no option speed"),
    }


BAD = [
    "missing", "not audio", "empty", "truncated", "silence", "too short", "folder missing",
    "under a file", "not mp4", "unknown backend", "bad model spec", "bad resolution",
    "odd resolution", "no lyrics file", "empty lyrics", "bad option",
]  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_clear_line_and_no_output(case, tmp_path, demo_song):
    args, expected = _bad_inputs(tmp_path, demo_song)[case]
    out = tmp_path / "out.mp4"
    if "-o" not in args:
        args = [*args, "-o", str(out)]
    result = sound2sight(*args, "--run-dir", str(tmp_path / "run"), cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sound2sight: error:"), result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not (tmp_path / "run").exists(), "nothing should be started for bad input"


def test_lyrics_from_a_file_are_timed_captions_and_reach_the_script(tmp_path, demo_song):
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[ar:someone]\n[00:04.00]Walking through the desert sand\n[00:09.50]Home\n")
    run_dir = tmp_path / "run"
    result = sound2sight(
        "make", str(demo_song), "--lyrics", str(lrc), "--run-dir", str(run_dir), *SMALL,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads((run_dir / "lyrics.json").read_text()) == [
        {"start": 4.0, "end": 9.5, "text": "Walking through the desert sand"},
        {"start": 9.5, "end": 19.5, "text": "Home"},
    ]
    plan = json.loads((run_dir / "plan.json").read_text())
    sung = [s for s in plan["scenes"] if s.get("lyrics")]
    assert sung and all(s["start"] < 19.5 and s["end"] > 4.0 for s in sung)
    assert "desert" in sung[0]["setting"] or "dune" in sung[0]["setting"]
    settings = json.loads((run_dir / "settings.json").read_text())["context"]
    assert settings["lyrics_file"] == str(lrc)


def test_analyze_json(tmp_path, demo_song):
    result = sound2sight("analyze", str(demo_song), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"duration", "tempo", "beats", "downbeats", "sections", "tags"} <= set(data)
    assert abs(data["tempo"] - 120) < 3
    assert data["sections"][0]["start"] == 0 and data["sections"][-1]["end"] == data["duration"]
    assert {"label", "score"} == set(data["tags"]["song"]["emotion"][0])


def test_killed_run_resumes_without_rerendering_finished_clips(tmp_path, demo_song):
    run_dir, out = tmp_path / "run", tmp_path / "out.mp4"
    args = ["make", str(demo_song), "-o", str(out), "--run-dir", str(run_dir), "--workers", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", *args, *SMALL], cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    clips = run_dir / "clips"
    deadline = time.monotonic() + 240
    while len(list(clips.glob("s*.mp4"))) < 2:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no clips rendered in time"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in clips.glob("s*.mp4")}
    assert not out.exists()

    result = sound2sight(*args, "--resume", *SMALL, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resuming at" in result.stderr
    assert out.exists()
    for name, mtime in finished.items():
        assert (clips / name).stat().st_mtime_ns == mtime, f"{name} was rendered again"
    run = json.loads((run_dir / "run.json").read_text())
    assert all(len(s["attempts"]) == 1 for s in run["scenes"])
    assert len(list(clips.glob("s*.mp4"))) == len(run["scenes"])


def test_a_finished_run_dir_is_not_overwritten(tmp_path, demo_song):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "settings.json").write_text("{}")
    result = sound2sight("make", str(demo_song), "--run-dir", str(run_dir), cwd=tmp_path)
    assert result.returncode != 0 and "--resume" in result.stderr


def test_without_output_the_video_goes_in_the_run_folder(tmp_path, demo_song):
    run_dir = tmp_path / "runs" / "first"
    result = sound2sight("make", str(demo_song), "--run-dir", str(run_dir), *SMALL, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(run_dir / "video.mp4")
    assert (run_dir / "video.mp4").exists() and (run_dir / "report.md").exists()
