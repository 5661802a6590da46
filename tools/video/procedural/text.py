"""On-screen text: a font that exists everywhere, and captions that fade in and out."""

import math
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tools.video.procedural.layers import fades
from tools.video.procedural.palette import RGB

_FADE = 0.35  # seconds of fade at each end of the caption
_LEVELS = 8


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Bold when the system has it, else Pillow's built-in scalable font."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def text_sprite(text: str, *, size: int, width: int, color: RGB, shadow: RGB) -> Image.Image:
    """Centred text wrapped to `width` pixels with a soft drop shadow, on transparency."""
    face = font(size)
    chars = max(8, int(width / (size * 0.55)))
    lines = "\n".join(textwrap.wrap(text, chars)) or " "
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), lines, font=face, align="center")
    pad = size // 2
    box = (round(right - left) + 2 * pad, round(bottom - top) + 2 * pad)
    shade = Image.new("RGBA", box, (*shadow, 0))
    at = (pad - round(left), pad - round(top))
    ImageDraw.Draw(shade).multiline_text(
        (at[0] + size * 0.06, at[1] + size * 0.08),
        lines,
        font=face,
        fill=(*shadow, 200),
        align="center",
    )
    shade = shade.filter(ImageFilter.GaussianBlur(size / 14))
    ImageDraw.Draw(shade).multiline_text(at, lines, font=face, fill=(*color, 255), align="center")
    return shade


class Caption:
    """Text centred across the frame at height `y` (a fraction), on screen from `start` to `end`
    (seconds into the clip; a lyric line may start before the clip and end after it, so it
    stays steady across a cut), fading in and out at its own start and end. Its letters are
    `scale` of the frame's short side tall, so a vertical frame gets as many words a line as a
    square one."""

    def __init__(
        self,
        text: str,
        *,
        frame: tuple[int, int],
        color: RGB,
        shadow: RGB,
        start: float = 0.0,
        end: float = math.inf,
        y: float = 0.9,
        scale: float = 1 / 15,
    ) -> None:
        w, h = frame
        sprite = text_sprite(
            text,
            size=max(10, round(min(w, h) * scale)),
            width=round(w * 0.8),
            color=color,
            shadow=shadow,
        )
        self._at = ((w - sprite.width) // 2, round(h * y - sprite.height / 2))
        self._sprites = fades(sprite, _LEVELS)
        self.start, self.end = start, end

    def draw(self, frame: Image.Image, *, at: float, pulse: object = None) -> None:
        """Paste the caption as it is `at` seconds into the clip (faded near its ends); it does
        not move with the music (`pulse`)."""
        level = min(1.0, (at - self.start) / _FADE, (self.end - at) / _FADE)
        if level <= 0:
            return
        sprite = self._sprites[min(_LEVELS - 1, int(level * _LEVELS))]
        frame.paste(sprite, self._at, sprite)
