"""The label vocabularies that taggers score: style (genre, instruments), content, emotion.

One label a line in `tools/tagging/vocab/<name>.txt`, shipped as package data. The offline tagger
maps audio features onto these labels; a CLAP tagger scores every label zero-shot.
"""

from functools import cache
from importlib.resources import files

from tools.errors import InvalidInputError

VOCABULARIES = ("style", "content", "emotion")


@cache
def _read(name: str) -> tuple[str, ...]:
    text = (files("tools.tagging") / "vocab" / f"{name}.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def load_vocab(name: str) -> list[str]:
    """The labels of vocabulary `name` ("style", "content" or "emotion"), in file order."""
    if name not in VOCABULARIES:
        raise InvalidInputError(
            f"unknown vocabulary {name!r}; choose one of {', '.join(VOCABULARIES)}"
        )
    return list(_read(name))
