"""Video formats by aspect ratio, the sizes `--format` names, and the words that ask for them.

One rule: the short side is 720 pixels, the default video's height (16:9 is 1280x720, the
default). An exact size, such as 1080x1920 for a sharper vertical video, is `--resolution`.
"""

import re

from tools.errors import InvalidInputError

FORMATS: dict[str, tuple[int, int]] = {
    "16:9": (1280, 720),
    "9:16": (720, 1280),
    "1:1": (720, 720),
    "4:5": (720, 900),
}
FORMAT_HELP = (
    "16:9 (1280x720, YouTube; the default), 9:16 (720x1280: Reels, Shorts, TikTok), "
    "1:1 (720x720) or 4:5 (720x900: feed posts); the short side is 720, for another size "
    "(e.g. 1080x1920) give --resolution instead"
)

# Words of a chat message that ask for a format: shapes first ("square for instagram" is
# square), then the places a video is posted. Words that name other things too (a portrait
# shot, a town square, a landscape, shorts to wear) count only in phrases about the frame.
_ORIENTED = r"(mode|format|orientation|video|frame|aspect)"
_WORDS: tuple[tuple[str, str], ...] = (
    ("4:5", r"\b4\s*[:x/]\s*5\b"),
    ("9:16", rf"\b9\s*[:x/]\s*16\b|\bvertical\b|\bportrait {_ORIENTED}\b|\bin portrait\b"),
    ("16:9", rf"\b16\s*[:x/]\s*9\b|\b(horizontal|wide ?screen)\b|\blandscape {_ORIENTED}\b|"
     r"\bin landscape\b"),
    ("1:1", rf"\b1\s*[:x/]\s*1\b|(?<!town )(?<!the )(?<!a )\bsquare\b|\bsquare {_ORIENTED}\b"),
    ("4:5", r"\b(feed posts?|for (the |my |a )?feed|instagram feed)\b"),
    ("9:16", r"\b(tik ?tok|reels?|youtube shorts|(for|as) shorts|instagram|insta|phone screens?)"
     r"\b"),
    ("16:9", r"\byoutube\b"),
)  # fmt: skip


def format_size(name: str) -> tuple[int, int]:
    """The width and height of a format ("9:16" -> (720, 1280))."""
    try:
        return FORMATS[str(name).strip()]
    except KeyError:
        raise InvalidInputError(
            f"unknown format {name!r}; choose one of {', '.join(FORMATS)}"
        ) from None


def format_of(size: tuple[int, int]) -> str | None:
    """The format whose aspect ratio `size` has, if any (1080x1920 -> "9:16")."""
    width, height = size
    return next((name for name, (w, h) in FORMATS.items() if width * h == height * w), None)


def asked_format(text: str) -> str | None:
    """The format a message asks for in words ("make it vertical" -> "9:16"), if any."""
    lowered = text.lower()
    return next((name for name, words in _WORDS if re.search(words, lowered)), None)


def chosen_size(
    *, format: str | None, resolution: tuple[int, int] | None, where: str
) -> tuple[int, int] | None:
    """The size that one source of settings (`where`: the command line, a config file, a
    request) chooses: a format or an exact resolution, never both."""
    if format is not None and resolution is not None:
        raise InvalidInputError(
            f"{where}: give a format or a resolution, not both (a format names a size)"
        )
    if format is not None:
        return format_size(format)
    return resolution
