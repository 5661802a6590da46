"""Reliability: bad inputs, faults and attacks, each tried and checked for a clean answer.

    python -m evals --only reliability [--quick]

A command-line case is handled cleanly when sound2sight refuses it with one line (exit status
not 0, one `sound2sight: error:` line on stderr naming what is wrong, no traceback, no decoder
noise) and leaves nothing behind: no video, no run folder, no temporary file. An HTTP case is
handled cleanly when the answer is a 4xx whose message says what is wrong, names the upload
(never a server path or a temporary file) and no job or spooled upload is left. A kill case
kills `make` with SIGKILL during one stage, then resumes it: clean when the resumed video is
frame for frame (ffmpeg framemd5, video and audio) the video of an uninterrupted run, and no
temporary file is left in the run folder or beside the video. `--quick` skips the kill cases.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--resolution", "128x72", "--fps", "8", "--workers", "1"]
KILL_STAGES = ("analyze", "write", "anchor", "generate", "critique", "assemble")
TEMP_TAG = ".tmp-"


@dataclass(frozen=True)
class CliCase:
    name: str
    args: list[str]  # after `sound2sight`
    expect: str  # what the one line must say
    run_dir: Path | None = None  # must not be made (or, for an existing one, not changed)


# ---------------------------------------------------------------------------- test material


def tone(path: Path, seconds: float, *, sr: int = 22050, amplitude: float = 0.3) -> Path:
    """A 220 Hz tone, written a minute at a time (an hour of it at 8 kHz is a 19 MB FLAC)."""
    with sf.SoundFile(path, "w", sr, 1) as out:
        left = int(seconds * sr)
        t = np.arange(min(left, 60 * sr)) / sr
        block = (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)
    return path


def mp3(source: Path, target: Path) -> Path:
    """`source` encoded as mp3 by the bundled ffmpeg (with its Xing/LAME header)."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    command = [ffmpeg, "-y", "-v", "error", "-i", str(source), "-c:a", "libmp3lame", str(target)]
    subprocess.run(command, check=True)
    return target


def bad_files(folder: Path, song: Path) -> dict[str, Path]:
    """Broken songs made from `song`: text, a damaged mp3, a truncated mp3, a 21-minute tone
    (over the default limit) and an hour-long one (the duration bomb)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"text": folder / "notes.mp3", "garbage mp3": folder / "noise.mp3"}
    files["text"].write_text("not a song\n" * 200)
    rng = np.random.default_rng(0)
    files["garbage mp3"].write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + rng.bytes(40_000))
    whole = mp3(song, folder / "whole.mp3").read_bytes()
    files["truncated mp3"] = folder / "cut.mp3"
    files["truncated mp3"].write_bytes(whole[: len(whole) * 2 // 5])
    files["21 minutes"] = tone(folder / "long.flac", 21 * 60, sr=8000)
    files["one hour"] = tone(folder / "hour.flac", 3600, sr=8000)
    return files


def cli_cases(folder: Path, song: Path) -> list[CliCase]:
    """The command-line matrix: songs, limits, run folders, resumes with other settings."""
    files = bad_files(folder / "songs", song)
    (folder / "afile").write_text("x")
    busy = folder / "busy"
    busy.mkdir(exist_ok=True)
    (busy / "my notes.txt").write_text("mine")
    run = folder / "a-run"  # a run folder as `make` writes it, for the resume cases
    run.mkdir(exist_ok=True)
    context = {"run_dir": str(run), "output": str(run / "video.mp4"), "fps": 24, "seed": 0}
    settings = {"song": str(song), "request": "a calm video", "context": context}
    (run / "settings.json").write_text(json.dumps(settings))
    broken = folder / "broken-run"
    broken.mkdir(exist_ok=True)
    (broken / "settings.json").write_text("{not json")
    s = str(song)
    new = folder / "new-run"
    return [
        CliCase("missing song", ["make", str(folder / "nope.mp3")], "no such file", new),
        CliCase("text as mp3", ["make", str(files["text"])], "not audio", new),
        CliCase("damaged mp3", ["make", str(files["garbage mp3"])], "noise.mp3", new),
        CliCase("truncated mp3", ["make", str(files["truncated mp3"])], "truncated", new),
        CliCase("over the default limit", ["make", str(files["21 minutes"])], "limit", new),
        CliCase("duration bomb", ["make", str(files["one hour"])], "--max-duration 1200", new),
        CliCase("over --max-duration", ["make", s, "--max-duration", "10"], "limit of 0:10", new),
        CliCase("--max-duration 0", ["make", s, "--max-duration", "0"], "more than 0", new),
        CliCase("analyze: duration bomb", ["analyze", str(files["one hour"])], "limit", None),
        CliCase("analyze: damaged mp3", ["analyze", str(files["garbage mp3"])], "not audio", None),
        CliCase("run-dir is a file", ["make", s, "--run-dir", str(folder / "afile")], "a file"),
        CliCase(
            "run-dir under a file", ["make", s, "--run-dir", str(folder / "afile" / "r")], "file"
        ),
        CliCase("run-dir under /proc", ["make", s, "--run-dir", "/proc/sound2sight"], "cannot"),
        CliCase("run-dir not empty", ["make", s, "--run-dir", str(busy)], "not empty"),
        CliCase("resume nothing", ["make", s, "--resume", "--run-dir", str(new)], "no such run"),
        CliCase(
            "resume with other fps",
            ["make", s, "--resume", "--run-dir", str(run), "--fps", "12"],
            "fps",
        ),
        CliCase(
            "resume with other seed and size",
            ["make", s, "--resume", "--run-dir", str(run), "--seed", "3", "--resolution", "64x36"],
            "width, height, seed",
        ),
        CliCase(
            "resume with another request",
            ["make", s, "another request", "--resume", "--run-dir", str(run)],
            "request",
        ),
        CliCase(
            "resume with another song",
            ["make", str(files["one hour"]), "--resume", "--run-dir", str(run)],
            "is a run of",
        ),
        CliCase("resume a damaged run", ["make", s, "--resume", "--run-dir", str(broken)], "JSON"),
        CliCase("a run without --resume", ["make", s, "--run-dir", str(run)], "--resume"),
        CliCase("output under a file", ["make", s, "-o", str(folder / "afile" / "v.mp4")], "v.mp4"),
    ] + [CliCase("output folder missing", ["make", s, "-o", str(folder / "no" / "v.mp4")], "exist")]


def with_output(case: CliCase, folder: Path) -> list[str]:
    """The case's arguments with -o (when it has none) and --run-dir (when it names one)."""
    args = list(case.args)
    if args[0] == "make" and "-o" not in args:
        args += ["-o", str(folder / "out.mp4")]
    if args[0] == "make" and "--run-dir" not in args and case.run_dir is not None:
        args += ["--run-dir", str(case.run_dir)]
    return args


def cli_problem(case: CliCase, code: int, stderr: str, folder: Path) -> str | None:
    """Why a command-line case was not handled cleanly, or None."""
    lines = stderr.strip().splitlines()
    if code == 0:
        return "exit status 0"
    if "Traceback" in stderr:
        return "a traceback"
    if len(lines) != 1 or not lines[0].startswith("sound2sight: error:"):
        return f"{len(lines)} lines on stderr: {stderr.strip()[:300]!r}"
    if case.expect not in lines[0]:
        return f"the line does not say {case.expect!r}: {lines[0]!r}"
    if (folder / "out.mp4").exists():
        return "a video was written"
    if case.run_dir is not None and case.run_dir.exists():
        return "a run folder was made"
    left = leftovers(folder)
    return f"temporary files left: {left}" if left else None


def leftovers(folder: Path) -> list[str]:
    """Temporary files (sound2sight's `.*.tmp-*` and `.tmp-*`) anywhere under `folder`."""
    return sorted(str(p) for p in folder.rglob(".*") if TEMP_TAG in p.name)


# ---------------------------------------------------------------------------- the HTTP API


def api_cases(folder: Path, song: Path) -> list[tuple[str, dict, int, str]]:
    """(name, multipart request, expected status, what the message must say)."""
    files = bad_files(folder / "songs", song)
    words = folder / "words.lrc"
    words.write_bytes(b"\xff\xfe\x00bad")
    silent = tone(folder / "silent.wav", 5, amplitude=0.0)

    def upload(path: Path, name: str, **data: object) -> dict:
        return {"files": {"audio": (name, path.read_bytes())}, "data": data}

    with_lyrics = upload(song, "song.wav")
    with_lyrics["files"]["lyrics"] = ("words.lrc", words.read_bytes())
    return [
        ("text", upload(files["text"], "notes.mp3"), 422, "notes.mp3"),
        ("damaged mp3", upload(files["garbage mp3"], "my song.mp3"), 422, "my song.mp3"),
        ("truncated mp3", upload(files["truncated mp3"], "cut.mp3"), 422, "truncated"),
        ("duration bomb", upload(files["one hour"], "hour.flac"), 422, "--max-duration 1200"),
        ("silent", upload(silent, "quiet.wav"), 422, "silent"),
        ("path as name", upload(files["text"], "../../etc/x.mp3"), 422, "x.mp3"),
        ("lyrics not UTF-8", with_lyrics, 422, "the lyrics"),
        (
            "raise the limit",
            upload(song, "song.wav", options=json.dumps({"max_duration": 99999})),
            422,
            "unknown options",
        ),
    ]


def api_problem(status: int, detail: str, expected: tuple[int, str], jobs: Path) -> str | None:
    """Why an HTTP case was not handled cleanly, or None."""
    code, says = expected
    if status != code:
        return f"status {status}, not {code}: {detail[:200]}"
    if says not in detail:
        return f"the message does not say {says!r}: {detail!r}"
    if ".part" in detail or "tmp" in detail or str(jobs) in detail or "/" in detail:
        return f"the message shows a server path or a temporary name: {detail!r}"
    left = [p.name for p in jobs.iterdir() if p.name != ".incoming"]
    left += [p.name for p in (jobs / ".incoming").glob("*")]
    return f"left behind: {left}" if left else None


# ---------------------------------------------------------------------------- kill and resume


def framemd5(video: Path) -> list[str]:
    """The MD5 of every decoded frame of every stream (ffmpeg's framemd5), without comments."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-f", "framemd5"]
    out = subprocess.run([*command, "-"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def sound2sight(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def killed_at(stage: str, song: Path, folder: Path, *, timeout: float = 600) -> str | None:
    """Start `make`, SIGKILL it when its progress reaches `stage`; None if it was, else what it
    printed (it ended first)."""
    args = ["make", str(song), "-o", str(folder / "out.mp4"), "--run-dir", str(folder / "run")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", *args, *SMALL], cwd=folder, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    deadline, printed = time.monotonic() + timeout, []
    for line in proc.stderr:
        printed.append(line)
        if f"] {stage} " in line or time.monotonic() > deadline:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    proc.stderr.close()
    return None if proc.returncode == -signal.SIGKILL else "".join(printed)[-500:]


def resume_problem(stage: str, song: Path, folder: Path, reference: list[str]) -> str | None:
    """Kill `make` at `stage`, resume it: why the result is not clean, or None."""
    printed = killed_at(stage, song, folder)
    if printed is not None:
        return f"the run ended before {stage} could be killed: {printed!r}"
    out = folder / "out.mp4"
    beside = [p.name for p in folder.glob(".*") if TEMP_TAG in p.name]
    if out.exists() and stage != "assemble":
        return "a video exists before the run finished"
    args = ["make", str(song), "-o", str(out), "--run-dir", str(folder / "run"), "--resume"]
    result = sound2sight(*args, *SMALL, cwd=folder)
    if result.returncode != 0:
        return f"the resume failed: {result.stderr.strip()[-300:]}"
    left = leftovers(folder)
    if beside or left:
        return f"temporary files: beside the video after the kill {beside}, after resume {left}"
    if framemd5(out) != reference:
        return "the resumed video differs from an uninterrupted run (framemd5)"
    return None


def reference_frames(song: Path, folder: Path) -> list[str]:
    """framemd5 of an uninterrupted run with the kill cases' settings."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "out.mp4"
    result = sound2sight(
        "make", str(song), "-o", str(out), "--run-dir", str(folder / "run"), *SMALL, cwd=folder
    )
    if result.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed: {result.stderr[-500:]}")
    return framemd5(out)


# ---------------------------------------------------------------------------- the evaluation


def evaluate(*, quick: bool = False, work: Path | None = None) -> dict:
    """Every case tried; counts of cases and of those handled cleanly, and what was not."""
    from tools.audio.demo_song import synthesize_demo

    with tempfile.TemporaryDirectory(dir=work) as tmp:
        root = Path(tmp)
        song = root / "demo_song.wav"
        synthesize_demo(str(song))
        results: list[dict] = []
        results += _cli_results(root / "cli", song)
        results += _api_results(root / "api", song)
        if not quick:
            reference = reference_frames(song, root / "reference")
            for stage in KILL_STAGES:
                folder = root / f"kill-{stage}"
                folder.mkdir()
                problem = resume_problem(stage, song, folder, reference)
                results.append({"kind": "kill", "case": f"kill -9 in {stage}", "problem": problem})
    clean = [r for r in results if r["problem"] is None]
    kinds = sorted({r["kind"] for r in results})
    summary = {"cases": len(results), "clean": len(clean)}
    for kind in kinds:
        mine = [r for r in results if r["kind"] == kind]
        summary[f"{kind}_clean"] = f"{sum(r['problem'] is None for r in mine)}/{len(mine)}"
    return {
        "status": "ok",
        "summary": summary,
        "problems": [r for r in results if r["problem"] is not None],
        "cases": [r["case"] for r in results],
    }


def _cli_results(folder: Path, song: Path) -> list[dict]:
    folder.mkdir(parents=True)
    results = []
    for case in cli_cases(folder, song):
        result = sound2sight(*with_output(case, folder), cwd=folder)
        problem = cli_problem(case, result.returncode, result.stderr, folder)
        results.append({"kind": "cli", "case": case.name, "problem": problem})
    return results


def _api_results(folder: Path, song: Path) -> list[dict]:
    from fastapi.testclient import TestClient

    from agent.jobs import JobStore
    from agent.server import create_app

    folder.mkdir(parents=True)
    store = JobStore(folder / "jobs", executor=NoExecutor())
    results = []
    with TestClient(create_app(store)) as client:
        for name, request, status, says in api_cases(folder, song):
            t0 = time.perf_counter()
            response = client.post("/v1/jobs", **request)
            problem = api_problem(
                response.status_code, api_detail(response), (status, says), store.root
            )
            if problem is None and time.perf_counter() - t0 > 10:
                problem = f"took {time.perf_counter() - t0:.1f} s"
            results.append({"kind": "api", "case": name, "problem": problem})
    return results


def api_detail(response) -> str:
    try:
        detail = response.json().get("detail", "")
    except ValueError:
        return response.text
    return detail if isinstance(detail, str) else json.dumps(detail)


class NoExecutor:
    """An executor for stores whose jobs must never run (every case is refused first)."""

    name = "none"
    workers = 0

    def submit(self, fn: Callable, *args: object):
        raise AssertionError("a bad input reached the executor")
