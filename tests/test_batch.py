"""Batch mode: a folder of real songs on the local process pool, a bad file, re-runs, a kill."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, shared_track

from agent.batch import (
    SongJob,
    discover,
    process_song,
    run_batch,
    settings_from_args,
    song_settings,
)
from agent.cli import build_parser
from agent.executor import LocalExecutor
from agent.review import ReviewOptions
from tools.errors import InvalidInputError
from tools.ffmpeg import video_info

TINY = {"width": 96, "height": 54, "fps": 6}
TRACKS = ("slow_motion_dream_excerpt.mp3", "vocadito_1.wav", "hungarian_dance_5.ogg")


def _song_folder(folder: Path, tracks: tuple[str, ...]) -> Path:
    """A folder of links to shared tracks (never copies), plus a file that is not audio."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in tracks:
        (folder / name).symlink_to(shared_track(name))
    return folder


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in sorted(folder.rglob("*.mp4"))}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    songs = _song_folder(root / "in", TRACKS)
    (songs / "broken.mp3").write_text("this is not an mp3")
    (songs / "notes.txt").write_text("liner notes")
    executor = LocalExecutor(workers=2)
    seen = []
    try:
        summary = run_batch(
            songs, root / "out", executor=executor, settings=TINY,
            review=ReviewOptions(), on_song=seen.append,
        )  # fmt: skip
    finally:
        executor.shutdown()
    return root, summary, seen


def test_every_song_becomes_a_video_and_the_bad_file_is_reported(batch):
    root, summary, seen = batch
    by_name = {Path(e["song"]).name: e for e in summary["songs"]}
    assert sorted(by_name) == sorted([*TRACKS, "broken.mp3"])
    broken = by_name.pop("broken.mp3")
    assert broken["status"] == "failed" and "broken.mp3" in broken["error"]
    assert "not audio" in broken["error"] and broken["video"] is None
    for entry in by_name.values():
        assert entry["status"] == "done", entry.get("error")
        run = json.loads(Path(entry["run_dir"], "run.json").read_text())
        info = video_info(entry["video"])
        assert Path(entry["video"]).parent == root / "out" / "videos"
        assert (info.width, info.height) == (96, 54)
        assert info.frames == round(run["duration"] * 6)
    assert (summary["done"], summary["failed"], summary["skipped"]) == (3, 1, 0)
    assert summary["ignored"] == ["notes.txt"]
    assert sorted(e["slug"] for e in seen) == sorted(e["slug"] for e in summary["songs"])
    on_disk = json.loads((root / "out" / "summary.json").read_text())
    assert on_disk["songs"] == summary["songs"] and on_disk["songs_per_minute"] > 0


def test_each_song_is_reviewed_against_the_rubric(batch):
    _, summary, _ = batch
    for entry in summary["songs"]:
        if entry["status"] != "done":
            continue
        scores = entry["review"]["scores"]
        assert set(scores) == {
            "storytelling", "visual_impression", "emotional_consistency",
            "character_consistency", "style_consistency", "beat_sync", "lyric_alignment",
        }  # fmt: skip
        # no judge configured and no lyrics: reported as such, not invented
        assert scores["visual_impression"] is None and scores["emotional_consistency"] is None
        assert scores["lyric_alignment"] is None
        assert scores["beat_sync"] == 1.0  # the planner cuts on beats
        assert 0 < scores["style_consistency"] <= 1 and 0 <= scores["storytelling"] <= 1
        review = json.loads(Path(entry["run_dir"], "review.json").read_text())
        assert review["final"]["dimensions"]["visual_impression"]["detail"].startswith("not judged")


def test_pages_contact_sheets_and_index_are_written(batch):
    root, summary, _ = batch
    index = (root / "out" / "index.html").read_text()
    for entry in summary["songs"]:
        if entry["status"] != "done":
            assert entry["error"].split(":")[0] in index
            continue
        run_dir = Path(entry["run_dir"])
        page = Path(entry["page"])
        assert page == run_dir / "report.html"
        html = page.read_text()
        run = json.loads((run_dir / "run.json").read_text())
        assert "contact_sheet.png" in html and "../../videos/" in html
        for scene in run["scenes"]:
            assert (run_dir / "keyframes" / f"{scene['id']}.png").exists()
            assert f"keyframes/{scene['id']}.png" in html
        assert "No paid API" in html and "Timings" in html
        assert (run_dir / "contact_sheet.png").stat().st_size > 1000
        assert f"runs/{entry['slug']}/report.html" in index


def test_a_rerun_skips_finished_songs_and_retries_failed_ones(batch):
    root, first, _ = batch
    before = _mtimes(root / "out")
    executor = LocalExecutor(workers=1)
    try:
        again = run_batch(root / "in", root / "out", executor=executor, settings=TINY,
                          review=ReviewOptions())  # fmt: skip
    finally:
        executor.shutdown()
    statuses = {Path(e["song"]).name: e["status"] for e in again["songs"]}
    assert statuses == {**dict.fromkeys(TRACKS, "skipped"), "broken.mp3": "failed"}
    assert _mtimes(root / "out") == before  # no clip or video made again
    assert again["songs_per_minute"] is None  # nothing was made this time


def test_killed_batch_resumes_without_redoing_finished_work(tmp_path):
    songs = _song_folder(tmp_path / "in", ("slow_motion_dream_excerpt.mp3", "vocadito_1.wav"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "agent.cli", "batch", str(songs), "-o", str(out),
               "--jobs", "1", "--resolution", "96x54", "--fps", "6", "-q"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    first, second = out / "runs" / "slow-motion-dream-excerpt", out / "runs" / "vocadito-1"
    try:
        deadline = time.monotonic() + 240
        while not (first / "batch.json").exists() or not list(second.glob("clips/s*.mp4")):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker processes, mid-song
        proc.wait()
    assert not (second / "batch.json").exists()
    finished = _mtimes(first) | _mtimes(out / "videos")
    rendered = {p: t for p, t in _mtimes(second / "clips").items() if ".tmp-" not in p}
    assert rendered

    executor = LocalExecutor(workers=1)
    try:
        summary = run_batch(songs, out, executor=executor, settings=TINY)
    finally:
        executor.shutdown()
    statuses = {e["slug"]: e["status"] for e in summary["songs"]}
    assert statuses == {"slow-motion-dream-excerpt": "skipped", "vocadito-1": "done"}
    after = _mtimes(out)
    assert all(after[path] == mtime for path, mtime in (finished | rendered).items())
    assert not [path for path in after if ".tmp-" in path]  # what the kill left is swept
    run = json.loads((second / "run.json").read_text())
    assert all(len(s["attempts"]) == 1 for s in run["scenes"])  # no clip rendered twice
    assert "resuming" in (second / "progress.log").read_text()


def test_a_bug_in_one_song_is_reported_with_its_traceback(tmp_path):
    job = SongJob(song=str(tmp_path / "x.wav"), slug="x", out_dir=str(tmp_path), request="",
                  settings={"bogus": 1}, review=None)  # fmt: skip
    entry = process_song(job)
    assert entry["status"] == "failed" and entry["error"].startswith("TypeError: ")
    trace = tmp_path / "runs" / "x" / "error.txt"
    assert f"traceback in {trace}" in entry["error"] and "Traceback" in trace.read_text()


def test_discover_makes_unique_slugs_and_leaves_out_other_files(tmp_path):
    for name in ("Song One.mp3", "song-one.WAV", "b.flac", ".hidden.mp3", "cover.jpg"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    songs, ignored = discover(tmp_path)
    assert {slug: path.name for slug, path in songs.items()} == {
        "b": "b.flac",
        "song-one-mp3": "Song One.mp3",
        "song-one-wav": "song-one.WAV",
    }
    assert ignored == ["cover.jpg"]


def test_a_folder_without_songs_is_an_error(tmp_path):
    (tmp_path / "readme.txt").write_text("no music here")
    with pytest.raises(InvalidInputError, match="no audio files"):
        run_batch(tmp_path, tmp_path / "out", executor=LocalExecutor(workers=1))
    with pytest.raises(InvalidInputError, match="not a folder"):
        discover(tmp_path / "missing")


def test_cli_options_become_song_settings(tmp_path):
    config = tmp_path / "batch.toml"
    config.write_text('fps = 8\nseed = 3\nwidth = 320\nheight = 180\nrun_dir = "ignored"\n')
    args = build_parser().parse_args(
        ["batch", "in", "-o", "out", "--config", str(config), "--fps", "12",
         "--workers", "3", "--executor", "ray", "--resolution", "96x54"]
    )  # fmt: skip
    settings = settings_from_args(args)
    assert settings == {
        "fps": 12, "seed": 3, "width": 96, "height": 54, "workers": 3, "video": "ray:procedural"
    }  # fmt: skip
    assert args.command.__name__ == "cmd_batch"


def test_a_lyrics_file_beside_a_song_is_its_lyrics(tmp_path):
    for name in ("a.mp3", "a.lrc", "a.txt", "b.wav", "b.txt", "c.flac", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    songs, ignored = discover(tmp_path)
    assert ignored == ["a.txt", "notes.txt"], "a.lrc and b.txt are lyrics, not strays"
    settings = {"fps": 8, "lyrics": "whisper:openai/whisper-small"}
    assert song_settings(settings, songs["a"]) == {"fps": 8, "lyrics_file": str(tmp_path / "a.lrc")}
    assert song_settings(settings, songs["b"])["lyrics_file"] == str(tmp_path / "b.txt")
    assert song_settings(settings, songs["c"]) == settings, "no file: the lyrics model listens"
