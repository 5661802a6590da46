"""Atomic file writes: a crash never leaves a file that looks finished but is not.

Every temporary file or folder made here is named `.<target name>.tmp-<random>` (or starts with
`.tmp-` where it has no target), so what a killed process left behind can be found and swept:
`sweep_temp` removes them from a run folder, or those of one output beside it.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

UMASK = os.umask(0o022)
os.umask(UMASK)  # read once at import: os.umask can only be read by setting it
TEMP_TAG = ".tmp-"


@contextmanager
def atomic_path(
    path: str | os.PathLike,
    *,
    suffix: str | None = None,
    work_dir: str | os.PathLike | None = None,
) -> Iterator[Path]:
    """A temp path that replaces `path` on success and is removed on error.

    The temp file is made in `work_dir` when that folder is on the same file system as `path`
    (so nothing half-written is ever beside `path`), else beside `path`.
    """
    target = Path(path)
    folder = target.parent
    if work_dir is not None and _same_device(Path(work_dir), folder):
        folder = Path(work_dir)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f".{target.name}{TEMP_TAG}", suffix=suffix or target.suffix
    )
    os.close(fd)
    os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600 files; finished ones follow the umask
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def temp_dir(folder: str | os.PathLike) -> tempfile.TemporaryDirectory:
    """A temporary folder inside `folder`, removed on leaving the block (swept after a crash)."""
    return tempfile.TemporaryDirectory(dir=folder, prefix=TEMP_TAG)


def sweep_temp(folder: str | os.PathLike, *, target: str | None = None) -> list[Path]:
    """Remove the temporary files and folders a killed process left in `folder` (and in its
    sub-folders), or only those of the file named `target` in it; returns what was removed."""
    root = Path(folder)
    if not root.is_dir():
        return []
    found = (
        root.glob(f".{target}{TEMP_TAG}*")
        if target
        else (p for p in root.rglob(".*") if p.name.startswith(TEMP_TAG) or TEMP_TAG in p.name)
    )
    removed = []
    for path in sorted(found, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.is_dir() and a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


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
