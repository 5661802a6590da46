"""The videos that the sync, consistency, rubric and speed evaluations look at.

Each is a `sound2sight make` of a synthesized song whose beats and sections are known, run with
the default (offline) backends in a child process so that its wall time and peak memory are its
own. Songs, run folders and videos are kept under OUT/videos/.
"""

from pathlib import Path
from typing import TypedDict

from evals.bench_make import make_run
from tools.audio.demo_song import SongTruth, song_layout, synthesize_song


class SongSpec(TypedDict):
    seconds: float  # about this long (the layout rounds to whole phrases)
    tempo: float


class Video(TypedDict):
    name: str
    song: str
    truth: SongTruth
    video: str
    run_dir: str
    resolution: str
    fps: int
    make: dict  # bench_make.make_run's figures: seconds, peak_rss_mb, timings, …


FULL_SONGS: tuple[SongSpec, ...] = (
    {"seconds": 30, "tempo": 120.0},
    {"seconds": 60, "tempo": 100.0},
    {"seconds": 180, "tempo": 140.0},
)
QUICK_SONGS: tuple[SongSpec, ...] = FULL_SONGS[:2]


def produce(folder: Path, *, songs: tuple[SongSpec, ...], resolution: str, fps: int) -> list[Video]:
    """Synthesize each song and make its video; the figures of every run."""
    videos = []
    for spec in songs:
        name = f"{spec['seconds']:g}s-{spec['tempo']:g}bpm"
        where = folder / name
        where.mkdir(parents=True, exist_ok=True)
        song = where / "song.wav"
        layout = song_layout(spec["seconds"], tempo=spec["tempo"])
        truth = synthesize_song(song, layout=layout, tempo=spec["tempo"], seed=len(videos))
        make = make_run(str(song), resolution=resolution, fps=fps, folder=where)
        videos.append(
            Video(
                name=name,
                song=str(song),
                truth=truth,
                video=make["video"],
                run_dir=make["run_dir"],
                resolution=resolution,
                fps=fps,
                make=make,
            )
        )
    return videos
