"""Atomic file writes: a crash never leaves a file that looks finished but is not."""

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

UMASK = os.umask(0o022)
os.umask(UMASK)  # read once at import: os.umask can only be read by setting it


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """A temp path beside `path` that replaces it on success and is removed on error."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}.", suffix=suffix or target.suffix
    )
    os.close(fd)
    os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600 files; finished ones follow the umask
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_png(path: str | os.PathLike, image: Image.Image) -> str:
    """Save `image` as a PNG at `path`; returns the path."""
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return str(path)


def write_json(path: str | os.PathLike, data: object) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
