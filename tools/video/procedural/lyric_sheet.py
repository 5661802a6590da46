"""The lyric video's words: the sung line large in the middle of the frame, karaoke-style.

Each line enters on the beat before it is sung (rising into place as it fades in), its words
light up one after another while they are sung, it leaves upward when the next line comes, and
the line after it waits small and faint below. Words are lit at their own times where the
lyrics time words; otherwise a line's time is shared among its words by their syllables (an
estimate, said so in the run: `drawn.lyrics_words`).
"""

import bisect
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from tools.lyrics.align import syllables
from tools.types import LyricLine
from tools.video.procedural.music import Pulse
from tools.video.procedural.palette import RGB
from tools.video.procedural.text import font, text_sprite

ENTER = 0.25  # seconds a line takes to rise into place
LEAVE = 0.22  # seconds it takes to leave (upward, out of the next line's way)
EARLIEST = 0.6  # a line enters at most this long before it is sung (on the beat before)
HOLD = 0.85  # share of a line's time its words take to light up (the rest holds it lit)
SCALE = 1 / 10.5  # letter height, of the frame's short side
NEXT_SCALE = 1 / 24
Y, NEXT_Y = 0.47, 0.74  # centres, of the frame's height
BOUNCE = 0.01  # of the frame's height, on each beat


@dataclass(frozen=True)
class _Word:
    row: int
    x0: int
    x1: int
    start: float
    end: float


def _mix(a: RGB, b: RGB, k: float) -> RGB:
    return tuple(round(x + (y - x) * k) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


class _Line:
    """One line drawn twice (unlit and lit) with its words' places and times in the clip."""

    def __init__(
        self, line: LyricLine, *, offset: float, enter: float, size: int, width: int,
        lit: RGB, unlit: RGB, shadow: RGB,
    ) -> None:  # fmt: skip
        self.start, self.end = line["start"] - offset, line["end"] - offset
        self.enter = enter
        face = font(size)
        space, gap = face.getlength(" "), round(size * 1.25)
        words = line["text"].split() or [" "]
        rows: list[list[tuple[str, float, float]]] = [[]]
        x = 0.0
        for word in words:
            w = face.getlength(word)
            if rows[-1] and x + w > width:
                rows.append([])
                x = 0.0
            rows[-1].append((word, x, x + w))
            x += w + space
        pad = size // 2
        box_w = round(max(r[-1][2] for r in rows)) + 2 * pad
        box = (box_w, gap * len(rows) + 2 * pad)
        self.sprites = [Image.new("RGBA", box, (*shadow, 0)) for _ in range(2)]
        placed: list[tuple[int, int, int]] = []  # row, x0, x1 in sprite pixels
        for k, row in enumerate(rows):
            indent = (box_w - 2 * pad - row[-1][2]) / 2 + pad
            for _, x0, x1 in row:
                placed.append((k, round(indent + x0), round(indent + x1)))
        for sprite, color in zip(self.sprites, (unlit, lit), strict=True):
            draw = ImageDraw.Draw(sprite)
            words_at = [(w, placed[i]) for i, w in enumerate(w for r in rows for w, _, _ in r)]
            for word, (k, x0, _) in words_at:
                draw.text((x0 + size * 0.06, pad + k * gap + size * 0.08), word, font=face,
                          fill=(*shadow, 190))  # fmt: skip
            blurred = sprite.filter(ImageFilter.GaussianBlur(size / 14))
            sprite.paste(blurred)
            draw = ImageDraw.Draw(sprite)
            for word, (k, x0, _) in words_at:
                draw.text((x0, pad + k * gap), word, font=face, fill=(*color, 255))
        self.rows, self.gap, self.pad = len(rows), gap, pad
        self.words = _timed(placed, line, offset=offset, words=words)
        self.timed_words = "words" in line

    def lit_mask(self, at: float) -> Image.Image | None:
        """Where the lit sprite shows at `at`: each word as far as it has been sung."""
        if at <= self.start:
            return None
        mask = Image.new("L", self.sprites[1].size, 0)
        draw = ImageDraw.Draw(mask)
        for word in self.words:
            if at <= word.start:
                break
            k = min(1.0, (at - word.start) / max(word.end - word.start, 1e-3))
            top = self.pad + word.row * self.gap - self.gap // 6
            right = word.x0 + k * (word.x1 - word.x0)
            draw.rectangle((word.x0 - 2, top, right + (2 if k >= 1 else 0), top + self.gap), 255)
        return ImageChops.multiply(mask, self.sprites[1].getchannel("A"))


def _timed(
    placed: list[tuple[int, int, int]], line: LyricLine, *, offset: float, words: list[str]
) -> list[_Word]:
    """The words' places with their times in the clip: the lyrics' own word times where it has
    them, else the line's time shared by syllables."""
    timed = line.get("words")  # type: ignore[typeddict-item]
    if timed and len(timed) == len(placed):
        times = [(w["start"] - offset, w["end"] - offset) for w in timed]
    else:
        start, span = line["start"] - offset, (line["end"] - line["start"]) * HOLD
        weights = [syllables(w) for w in words]
        total, done, times = sum(weights), 0, []
        for weight in weights:
            times.append((start + span * done / total, start + span * (done + weight) / total))
            done += weight
    return [_Word(k, x0, x1, s, e) for (k, x0, x1), (s, e) in zip(placed, times, strict=True)]


class LyricSheet:
    """The lines of one clip as the lyric video shows them (`draw` once per frame)."""

    def __init__(
        self,
        lines: list[LyricLine],
        *,
        offset: float,
        beats: list[float],
        frame: tuple[int, int],
        lit: RGB,
        shade: RGB,
    ) -> None:
        w, h = frame
        self.frame = frame
        unlit = _mix(lit, shade, 0.55)
        ordered = sorted(lines, key=lambda line: line["start"])
        self.lines = [
            _Line(
                line, offset=offset, enter=_entry(line["start"] - offset, beats, offset),
                size=max(12, round(min(w, h) * SCALE)), width=round(w * 0.84),
                lit=lit, unlit=unlit, shadow=shade,
            )
            for line in ordered
        ]  # fmt: skip
        for before, line in zip(self.lines, self.lines[1:], strict=False):
            # a line enters once the one before has been sung (the two cross: one up, one in)
            line.enter = max(line.enter, min(before.end, line.start))
        self.previews = [
            text_sprite(line["text"], size=max(9, round(min(w, h) * NEXT_SCALE)),
                        width=round(w * 0.8), color=unlit, shadow=shade)
            for line in ordered
        ]  # fmt: skip
        self.timed_words = all(line.timed_words for line in self.lines)

    def draw(self, frame: Image.Image, *, at: float, pulse: Pulse | None = None) -> None:
        """Paste the lines as they are `at` seconds into the clip."""
        w, h = self.frame
        bounce = round(BOUNCE * h * (pulse.beat if pulse else 0.0))
        showing = None
        for i, line in enumerate(self.lines):
            leave = self.lines[i + 1].enter if i + 1 < len(self.lines) else line.end + LEAVE
            leave = min(leave, line.end + 2.0)  # held at most 2 s after it is sung
            if not line.enter <= at < leave + LEAVE:
                continue
            rise = min(1.0, (at - line.enter) / ENTER)
            gone = max(0.0, (at - leave) / LEAVE)
            level = min(rise, 1.0 - gone)
            y = Y * h + (1 - rise) * 0.1 * h - gone * 0.22 * h - bounce * (gone == 0)
            self._paste(frame, line, at=at, y=y, level=level)
            showing = i
        following = (
            (showing + 1)
            if showing is not None
            else bisect.bisect_left([line.enter for line in self.lines], at)
        )
        if following < len(self.lines) and self.lines[following].enter - at < 4.0:
            preview = self.previews[following]
            if self.lines[following].enter > at:
                top = round(NEXT_Y * h - preview.height / 2)
                frame.paste(preview, ((w - preview.width) // 2, top), preview)

    def _paste(self, frame: Image.Image, line: _Line, *, at: float, y: float, level: float) -> None:
        unlit, lit = line.sprites
        at_xy = ((self.frame[0] - unlit.width) // 2, round(y - unlit.height / 2))
        alpha = 255 if level >= 1 else round(255 * max(level, 0.0))
        mask = (
            unlit.getchannel("A")
            if alpha == 255
            else unlit.getchannel("A").point(lambda a: a * alpha // 255)
        )
        frame.paste(unlit, at_xy, mask)
        shown = line.lit_mask(at)
        if shown is not None:
            if alpha < 255:
                shown = shown.point(lambda a: a * alpha // 255)
            frame.paste(lit, at_xy, shown)


def _entry(start: float, beats: list[float], offset: float) -> float:
    """When a line sung at `start` (clip seconds) enters: on the last beat before it, unless
    that is more than EARLIEST before; then ENTER before it."""
    song_start = start + offset
    k = bisect.bisect_right(beats, song_start - 0.05)
    if k and song_start - beats[k - 1] <= EARLIEST:
        return beats[k - 1] - offset
    return start - ENTER
