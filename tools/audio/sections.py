"""Sections the user gives (`--sections`), in place of the ones the analysis found.

Two forms, the same marks: a file of `start_seconds label` lines (blank lines and `#` comments
skipped), or an inline list `"0:intro,10.8:verse,32:chorus"`. Each mark starts a section that
runs to the next mark, the last one to the end of the song. The first mark must be at 0, the
marks must rise and lie inside the song; anything else is one `InvalidInputError` line.
A run's settings keep the inline form, so a file is read once, where the user gave it.
"""

import re
from pathlib import Path

import numpy as np

from tools.errors import InvalidInputError
from tools.types import Analysis, Section

Mark = tuple[float, str]

LABEL = re.compile(r"^[\w][\w ()'&/.-]{0,39}$")  # a word or a few: "verse 2", "pre-chorus"
INLINE = re.compile(r"^\s*([^:,\s]+)\s*:\s*([^,]*?)\s*$")
MIN_SECTION_S = 1.0
FORMAT_HINT = 'expected "0:intro,10.8:verse,32:chorus" or a file of "start_seconds label" lines'


def read_sections(spec: str) -> list[Mark]:
    """The marks of `spec`, the value of `--sections`: an existing file's lines, else an
    inline list."""
    path = Path(spec.strip()).expanduser()
    if spec.strip() and "\n" not in spec and path.is_file():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise InvalidInputError(f"--sections {path}: cannot read the file ({err})") from None
        return _checked_order(_line_marks(text.splitlines(), where=f"--sections {path.name}"))
    return parse_sections(spec)


def parse_sections(text: str) -> list[Mark]:
    """The marks of an inline list, or of a file's text (several lines); never reads a file.

    Checks the form and the order; `user_sections` checks them against the song."""
    if not text.strip():
        raise InvalidInputError(f"--sections is empty; {FORMAT_HINT}")
    if "\n" in text.strip():
        marks = _line_marks(text.splitlines(), where="--sections")
    else:
        marks = _inline_marks(text)
    return _checked_order(marks)


def format_sections(marks: list[Mark]) -> str:
    """The inline form of `marks` ("0:intro,10.8:verse"), which `parse_sections` reads back."""
    return ",".join(
        f"{np.format_float_positional(round(start, 3), trim='-')}:{label}" for start, label in marks
    )


def user_sections(marks: list[Mark], analysis: Analysis) -> list[Section]:
    """Contiguous sections from the marks over the analysed song, each with the mean of the
    energy curve over its span (as the analysis' own sections carry)."""
    duration = analysis["duration"]
    check_within(marks, duration)
    starts = [start for start, _ in marks]
    ends = [*starts[1:], duration]
    energy = np.asarray(analysis["energy"], dtype=float)
    rate = analysis["curve_hz"]
    sections: list[Section] = []
    for (start, label), end in zip(marks, ends, strict=True):
        span = energy[int(np.floor(start * rate)) : max(int(np.ceil(end * rate)), 1)]
        level = float(span.mean()) if len(span) else 0.0
        sections.append(
            {
                "start": round(start, 3),
                "end": round(end, 3),
                "label": label,
                "energy": round(level, 3),
            }
        )
    return sections


def check_within(marks: list[Mark], duration: float) -> None:
    """Every mark inside a song of `duration` seconds, every section MIN_SECTION_S or longer."""
    late = [start for start, _ in marks if start >= duration]
    if late:
        raise InvalidInputError(
            f"--sections: a section starts at {late[0]:g} s, "
            f"beyond the end of the song ({duration:.1f} s)"
        )
    ends = [*(start for start, _ in marks[1:]), duration]
    for (start, label), end in zip(marks, ends, strict=True):
        if end - start < MIN_SECTION_S:
            raise InvalidInputError(
                f"--sections: {label} at {start:g} s lasts {end - start:.2f} s; "
                f"a section needs at least {MIN_SECTION_S:g} s"
            )


def _line_marks(lines: list[str], *, where: str) -> list[Mark]:
    marks = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        start, _, label = line.partition(" ")
        marks.append(_mark(start, label.strip(), where=f"{where} line {number}"))
    if not marks:
        raise InvalidInputError(f"{where}: no sections in it; {FORMAT_HINT}")
    return marks


def _inline_marks(text: str) -> list[Mark]:
    marks = []
    for item in text.split(","):
        match = INLINE.match(item)
        if not match:
            raise InvalidInputError(f"--sections: cannot read {item.strip()!r}; {FORMAT_HINT}")
        marks.append(_mark(*match.groups(), where="--sections"))
    return marks


def _mark(start: str, label: str, *, where: str) -> Mark:
    try:
        seconds = float(start)
    except ValueError:
        raise InvalidInputError(
            f"{where}: {start!r} is not a start time in seconds; {FORMAT_HINT}"
        ) from None
    if not np.isfinite(seconds) or seconds < 0:
        raise InvalidInputError(f"{where}: start {start} must be 0 or more seconds")
    if not LABEL.match(label):
        raise InvalidInputError(
            f"{where}: {label!r} is not a section label (a word or a few, e.g. chorus)"
            if label
            else f"{where}: the section at {seconds:g} s has no label; {FORMAT_HINT}"
        )
    return seconds, label


def _checked_order(marks: list[Mark]) -> list[Mark]:
    if marks[0][0] != 0:
        raise InvalidInputError(
            f"--sections: the first section must start at 0, not at {marks[0][0]:g} s"
        )
    for (before, _), (after, label) in zip(marks, marks[1:], strict=False):
        if after <= before:
            raise InvalidInputError(
                f"--sections: {label} at {after:g} s does not come after {before:g} s; "
                "give the sections in order"
            )
    return marks
