"""Timed lyrics written as subtitle files beside the video: LRC and SRT.

A musician fixes a line's timing in any subtitle or lyrics editor and gives the LRC back with
`--lyrics`. The LRC has a `[mm:ss.xx]` tag per line and, where a line ends before the next one
starts, an empty tag at its end, so that `tools.lyrics.lines.lrc_lines` reads the same starts and
ends back (to the centisecond LRC keeps; a line over `MAX_LRC_LINE_S` is cut there on reading).
"""

from pathlib import Path

from tools.files import write_text
from tools.types import Lyrics

SUFFIXES = (".lrc", ".srt")


def lrc_text(lines: Lyrics) -> str:
    """LRC: each line at its start, an empty tag where it ends before the next starts."""
    ordered = sorted(lines, key=lambda line: line["start"])
    out = []
    for line, following in zip(ordered, [*ordered[1:], None], strict=True):
        out.append(f"[{_lrc_time(line['start'])}]{_one_line(line['text'])}")
        if following is None or _centis(line["end"]) < _centis(following["start"]):
            out.append(f"[{_lrc_time(line['end'])}]")
    return "\n".join(out) + "\n"


def srt_text(lines: Lyrics) -> str:
    """SubRip: numbered cues, `hh:mm:ss,mmm --> hh:mm:ss,mmm`, a blank line after each."""
    ordered = sorted(lines, key=lambda line: line["start"])
    cues = [
        f"{n}\n{_srt_time(line['start'])} --> {_srt_time(line['end'])}\n{_one_line(line['text'])}\n"
        for n, line in enumerate(ordered, start=1)
    ]
    return "\n".join(cues)


def write_lyrics_files(lines: Lyrics, video: str | Path) -> list[str]:
    """`video`'s .lrc and .srt beside it (written atomically); their paths."""
    paths = []
    for suffix, text in zip(SUFFIXES, (lrc_text(lines), srt_text(lines)), strict=True):
        path = Path(video).with_suffix(suffix)
        write_text(path, text)
        paths.append(str(path))
    return paths


def _centis(seconds: float) -> int:
    return round(max(seconds, 0.0) * 100)


def _lrc_time(seconds: float) -> str:
    minutes, centis = divmod(_centis(seconds), 6000)
    return f"{minutes:02d}:{centis // 100:02d}.{centis % 100:02d}"


def _srt_time(seconds: float) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d},{millis % 1000:03d}"


def _one_line(text: str) -> str:
    """The text on one line (a line break would end an LRC line or an SRT cue)."""
    return " ".join(text.split())
