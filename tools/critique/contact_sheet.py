"""Keyframes of clips and a contact sheet of them: one PNG that shows a whole video at a glance.

`keyframe` takes the middle frame of a clip (the clip, not the final video, so no transition
blends into it); `contact_sheet` lays tiles out in a grid, each a keyframe with a few caption
lines under it and a coloured bar on top (green: passed, red: did not).
"""

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from tools.errors import InvalidInputError
from tools.ffmpeg import read_frames, video_info
from tools.files import atomic_path
from tools.video.procedural.text import font

THUMB_WIDTH = 320
TEXT_SIZE = 13
LINE_HEIGHT = 17
PAD = 8
BACKGROUND = (24, 24, 28)
TEXT = (230, 230, 230)
PASSED = (70, 180, 90)
FAILED = (210, 70, 60)


@dataclass(frozen=True)
class Tile:
    image: Image.Image
    lines: tuple[str, ...]  # caption, one short line each
    passed: bool | None = None  # None: no verdict (no bar drawn)


def keyframe(clip: str | Path, *, width: int = THUMB_WIDTH) -> Image.Image:
    """The middle frame of `clip`, scaled to `width` (up or down) keeping its aspect ratio."""
    info = video_info(str(clip))
    frames = read_frames(str(clip), indices=[info.frames // 2])
    if not frames:
        raise InvalidInputError(f"{clip}: no frame to take a keyframe from")
    image = Image.fromarray(frames[0])
    height = max(1, round(info.height * width / info.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def contact_sheet(tiles: list[Tile], out_path: str | Path, *, columns: int = 4) -> str:
    """Write the tiles as a grid to the PNG `out_path` (atomically); returns its path."""
    if not tiles:
        raise InvalidInputError("a contact sheet needs at least one tile")
    columns = max(1, min(columns, len(tiles)))
    width = max(t.image.width for t in tiles)
    image_height = max(t.image.height for t in tiles)
    text_height = PAD + LINE_HEIGHT * max(len(t.lines) for t in tiles)
    cell = (width + PAD, image_height + text_height + PAD)
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (PAD + columns * cell[0], PAD + rows * cell[1]), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    face = font(TEXT_SIZE)
    for k, tile in enumerate(tiles):
        x = PAD + (k % columns) * cell[0]
        y = PAD + (k // columns) * cell[1]
        sheet.paste(tile.image.convert("RGB"), (x, y))
        if tile.passed is not None:
            draw.rectangle(
                (x, y, x + tile.image.width - 1, y + 3), PASSED if tile.passed else FAILED
            )
        for n, line in enumerate(tile.lines):
            at = (x, y + tile.image.height + PAD // 2 + n * LINE_HEIGHT)
            draw.text(at, _fit(draw, line, face, width), fill=TEXT, font=face)
    with atomic_path(out_path) as tmp:
        sheet.save(tmp, format="PNG")
    return str(out_path)


def _fit(draw: ImageDraw.ImageDraw, text: str, face: object, width: int) -> str:
    """`text`, cut with an ellipsis so it fits in `width` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"
