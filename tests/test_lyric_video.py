"""The lyric-video look: asked for in words, the lines are the picture, lit word by word."""

import json
import subprocess
import sys

import numpy as np
from PIL import Image

from tools.video.procedural.lyric_sheet import ENTER, LyricSheet
from tools.video.procedural.palette import Palette, hex_rgb
from tools.writing.request import parse_request

SIZE = (320, 180)
PALETTE = Palette(*(hex_rgb(c) for c in ("#120d26", "#2b2157", "#5b4b8a", "#ff4f7b", "#ffd166")))
LINES = [
    {"start": 1.0, "end": 3.0, "text": "soy un fantasma que"},
    {"start": 3.2, "end": 5.0, "text": "se asusta de si mismo"},
]
BEATS = [0.5 * k for k in range(20)]


def lit_pixels(sheet: LyricSheet, at: float) -> int:
    """Pixels of the frame in the lit colour (the palette's highlight)."""
    frame = Image.new("RGB", SIZE, PALETTE.deep)
    sheet.draw(frame, at=at)
    return int(np.all(np.asarray(frame) == PALETTE.highlight, axis=-1).sum())


def drawn_pixels(sheet: LyricSheet, at: float) -> int:
    """Pixels drawn in the frame's upper 62 %, where the sung line is (the next waits below)."""
    frame = Image.new("RGB", SIZE, PALETTE.deep)
    sheet.draw(frame, at=at)
    upper = np.asarray(frame)[: round(SIZE[1] * 0.62)]
    return int(np.any(upper != PALETTE.deep, axis=-1).sum())


def sheet(lines=LINES, beats=BEATS) -> LyricSheet:
    return LyricSheet(
        lines, offset=0.0, beats=beats, frame=SIZE, lit=PALETTE.highlight, shade=PALETTE.deep
    )


def test_asking_for_a_lyric_video_chooses_the_look():
    for request in ["make a lyric video", "a karaoke video for this song", "a neon lyric video"]:
        assert parse_request(request)["look"] == "lyric video", request


def test_words_light_up_one_after_another_while_the_line_is_sung():
    words = sheet()
    lit = [lit_pixels(words, t) for t in (0.9, 1.3, 1.9, 2.6)]
    assert lit[0] == 0  # not sung yet: drawn, but unlit
    assert lit[1] < lit[2] < lit[3], lit


def test_a_line_enters_on_the_beat_before_it_is_sung():
    words = sheet(beats=[0.7, 1.7])  # the beat 0.3 s before the first line
    assert drawn_pixels(words, 0.69) == 0
    assert drawn_pixels(words, 0.7 + ENTER) > 0
    late = sheet(beats=[0.0])  # no beat close before it: it rises just before it is sung
    assert drawn_pixels(late, 1.0 - ENTER - 0.01) == 0 and drawn_pixels(late, 1.0) > 0


def test_the_line_sung_next_waits_below_and_the_sung_one_leaves_upward():
    words = sheet()
    frame = Image.new("RGB", SIZE, PALETTE.deep)
    words.draw(frame, at=2.0)
    rows = np.flatnonzero(np.any(np.asarray(frame) != PALETTE.deep, axis=(1, 2)))
    middle, low = rows[rows < SIZE[1] * 0.62], rows[rows >= SIZE[1] * 0.62]
    assert len(middle) and len(low)  # the sung line in the middle, the next one waiting below
    leaving = Image.new("RGB", SIZE, PALETTE.deep)
    words.draw(leaving, at=3.0 + 0.15)
    moved = np.flatnonzero(np.any(np.asarray(leaving) != PALETTE.deep, axis=(1, 2)))
    assert moved.min() < middle.min()  # on its way up, out of the next line's way


def test_a_word_timed_line_lights_each_word_at_its_own_time():
    timed = {
        "start": 1.0, "end": 3.0, "text": "uno dos",
        "words": [{"start": 1.0, "end": 1.2, "text": "uno"},
                  {"start": 2.5, "end": 2.8, "text": "dos"}],
    }  # fmt: skip
    words = sheet(lines=[timed])
    assert words.timed_words
    assert lit_pixels(words, 1.3) == lit_pixels(words, 2.4)  # "uno" lit, "dos" not yet
    assert lit_pixels(words, 2.9) > lit_pixels(words, 2.4)
    assert not sheet().timed_words  # lines alone: the words' times are estimated


def test_make_a_lyric_video_draws_the_lines_as_the_picture(demo_song, tmp_path):
    """From a plain lyrics file, aligned to the song on the way (LRC in: tests/test_cli.py)."""
    lyrics = tmp_path / "song.txt"
    lyrics.write_text("the lines are the picture\nlit word by word\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "agent.cli", "make", str(demo_song), "make a lyric video",
         "--lyrics", str(lyrics), "-q", "-o", str(tmp_path / "v.mp4"),
         "--run-dir", str(tmp_path / "run"), "--resolution", "160x90", "--fps", "8"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    scenes = json.loads((tmp_path / "run" / "run.json").read_text())["scenes"]
    assert {s["drawn"]["look"] for s in scenes} == {"lyric video"}
    plan = json.loads((tmp_path / "run" / "plan.json").read_text())
    sung = {s["id"] for s in plan["scenes"] if s.get("lyrics")}
    assert sung == {s["id"] for s in scenes if s["drawn"].get("lyrics_words") == "estimated"}
    assert sung
    assert (tmp_path / "v.lrc").exists()
