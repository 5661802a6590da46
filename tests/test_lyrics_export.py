"""Timed lyrics as LRC and SRT beside the video, and back in through `--lyrics`."""

import re

import pytest

from tools.lyrics.export import lrc_text, srt_text, write_lyrics_files
from tools.lyrics.lines import read_lyrics_file

LINES = [
    {"start": 4.0, "end": 9.5, "text": "Walking through the desert sand"},
    {"start": 9.5, "end": 12.254, "text": "Home"},  # ends before the next line starts
    {"start": 30.117, "end": 38.2, "text": "  the long\nway   round "},
    {"start": 61.996, "end": 3725.5, "text": "past the hour"},
]


def _analysis(duration: float) -> dict:
    return {"duration": duration, "curve_hz": 20.0, "vocal": [], "sections": []}


def test_lrc_tags_each_line_and_the_ends_that_leave_a_gap():
    assert lrc_text(LINES[:3]).splitlines() == [
        "[00:04.00]Walking through the desert sand",
        "[00:09.50]Home",
        "[00:12.25]",
        "[00:30.12]the long way round",
        "[00:38.20]",
    ]
    assert lrc_text(LINES[3:]).splitlines() == ["[01:02.00]past the hour", "[62:05.50]"]


def test_srt_numbers_its_cues_with_millisecond_times():
    assert srt_text(LINES) == (
        "1\n00:00:04,000 --> 00:00:09,500\nWalking through the desert sand\n\n"
        "2\n00:00:09,500 --> 00:00:12,254\nHome\n\n"
        "3\n00:00:30,117 --> 00:00:38,200\nthe long way round\n\n"
        "4\n00:01:01,996 --> 01:02:05,500\npast the hour\n"
    )


@pytest.mark.parametrize("lines", [LINES[:3], list(reversed(LINES[:3]))])
def test_the_lrc_reads_back_with_the_same_timings(tmp_path, lines):
    video = tmp_path / "video.mp4"
    paths = write_lyrics_files(lines, video)
    assert paths == [str(tmp_path / "video.lrc"), str(tmp_path / "video.srt")]
    back = read_lyrics_file(paths[0], analysis=_analysis(60.0))
    expected = sorted(LINES[:3], key=lambda line: line["start"])
    assert [line["text"] for line in back] == [" ".join(x["text"].split()) for x in expected]
    for got, want in zip(back, expected, strict=True):
        assert got["start"] == pytest.approx(want["start"], abs=0.01)
        assert got["end"] == pytest.approx(want["end"], abs=0.01)


def test_the_srt_reads_back_with_the_same_timings(tmp_path):
    cues = srt_text(LINES).split("\n\n")
    times = re.compile(r"(\d+):(\d\d):(\d\d),(\d{3}) --> (\d+):(\d\d):(\d\d),(\d{3})")
    for cue, line in zip(cues, LINES, strict=True):
        h, m, s, ms, h2, m2, s2, ms2 = (int(x) for x in times.search(cue).groups())
        assert h * 3600 + m * 60 + s + ms / 1000 == pytest.approx(line["start"], abs=0.001)
        assert h2 * 3600 + m2 * 60 + s2 + ms2 / 1000 == pytest.approx(line["end"], abs=0.001)
