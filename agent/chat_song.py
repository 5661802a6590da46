"""A song handed to the chat graph in the user's message, for clients that send nothing but
messages (Agent Chat UI, any LangGraph client): an audio file attached to the message, or a
path or an http(s) URL of a song in its text.

Attachments are content blocks: LangChain's (`{"type": "audio" | "file", "mime_type":
"audio/…", "base64": …}` or `"url": …`, langchain_core.messages.content) and the shape Agent
Chat UI sends (`"data"` with `"source_type": "base64"`, the file's name in `metadata`). The
song is saved in the conversation's folder, `<workspace>/<thread id>/songs/`, and checked as
audio (decodes, not silent, not too long); in the message the block becomes a line naming
the saved file, so the conversation's history (and a chat model) never carries the audio.
"""

import base64
import binascii
import re
import secrets
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages import HumanMessage

from tools.audio.loading import MAX_DURATION, load_audio
from tools.errors import InvalidInputError

MAX_SONG_MB = 100  # as `sound2sight serve`'s default upload limit
MB = 1024 * 1024
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif", ".aiff")
SUFFIX_OF_MIME = {
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav",
    "audio/flac": ".flac", "audio/x-flac": ".flac", "audio/ogg": ".ogg", "audio/opus": ".opus",
    "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a",
    "audio/aac": ".aac", "audio/aiff": ".aiff", "audio/x-aiff": ".aiff",
}  # fmt: skip
SONG_IN_TEXT = re.compile(
    r"(?<![\w/])((?:https?://|/)[^\s\"'<>]+?(?:" + "|".join(re.escape(s) for s in AUDIO_SUFFIXES)
    + r"))(?=[\s\"'<>.,;:!?)]|$)",
    re.IGNORECASE,
)  # fmt: skip


def song_in_message(
    message: HumanMessage, folder: Path, *, max_duration: float = MAX_DURATION
) -> tuple[str, HumanMessage] | None:
    """The song `message` carries (an absolute path, saved under `folder/songs/` unless it
    named a file on this machine) and the message as the conversation keeps it; None when it
    carries none. A song that cannot be used raises InvalidInputError."""
    content = message.content
    blocks = content if isinstance(content, list) else [content]
    for i, block in enumerate(blocks):
        if isinstance(block, dict) and _is_audio(block):
            song = _save_block(block, folder, max_duration=max_duration)
            note = {"type": "text", "text": f"(the song, saved as {song})"}
            kept = [*blocks[:i], note, *blocks[i + 1 :]]
            return str(song), HumanMessage(id=message.id, content=kept)
    for block in blocks:
        text = block if isinstance(block, str) else block.get("text", "")
        found = SONG_IN_TEXT.search(text or "")
        if found:
            return str(_named_song(found.group(1), folder, max_duration=max_duration)), message
    return None


def without_audio(message: HumanMessage) -> HumanMessage:
    """`message` with its audio attachments replaced by a line saying one was not used."""
    if not isinstance(message.content, list):
        return message
    note = {"type": "text", "text": "(an attached song that could not be used)"}
    kept = [note if isinstance(b, dict) and _is_audio(b) else b for b in message.content]
    return HumanMessage(id=message.id, content=kept)


def _is_audio(block: dict[str, Any]) -> bool:
    mime = str(block.get("mime_type") or "")
    return block.get("type") == "audio" or (
        block.get("type") == "file" and mime.startswith("audio/")
    )


def _save_block(block: dict[str, Any], folder: Path, *, max_duration: float) -> Path:
    """The block's audio, written into the conversation's songs folder and checked."""
    meta = {**(block.get("extras") or {}), **(block.get("metadata") or {})}
    name = str(meta.get("filename") or meta.get("name") or block.get("filename") or "song")
    suffix = SUFFIX_OF_MIME.get(str(block.get("mime_type") or "").split(";")[0].lower())
    data = block.get("base64") or block.get("data")
    if data:
        try:
            audio = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputError(f"{name}: the attached audio is not valid base64") from None
        if len(audio) > MAX_SONG_MB * MB:
            raise InvalidInputError(f"{name}: larger than {MAX_SONG_MB} MB")
    elif str(block.get("url") or "").startswith(("http://", "https://")):
        audio = _fetch(block["url"])
    else:
        raise InvalidInputError(f"{name}: the attachment holds no audio data (base64 or url)")
    return _keep(audio, name, suffix, folder, max_duration=max_duration)


def _named_song(where: str, folder: Path, *, max_duration: float) -> Path:
    """The song at a path on this machine, or fetched from an http(s) URL into `folder`."""
    if where.startswith(("http://", "https://")):
        name = Path(httpx.URL(where).path).name or "song"
        return _keep(_fetch(where), name, None, folder, max_duration=max_duration)
    path = Path(where).expanduser().resolve()
    if not path.is_file():
        raise InvalidInputError(f"no song at {where}")
    load_audio(path, max_duration=max_duration)
    return path


def _fetch(url: str) -> bytes:
    """The file at `url`, at most MAX_SONG_MB."""
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=60) as response:
            response.raise_for_status()
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_SONG_MB * MB:
                    raise InvalidInputError(f"{url}: larger than {MAX_SONG_MB} MB")
    except httpx.HTTPError as err:
        raise InvalidInputError(f"cannot fetch the song at {url}: {err}") from None
    return bytes(data)


def _keep(
    audio: bytes, name: str, suffix: str | None, folder: Path, *, max_duration: float
) -> Path:
    """`audio` saved as `<folder>/songs/<stem>-<random><suffix>` and checked; removed when it
    is not a song."""
    stem = re.sub(r"[^\w.-]+", "_", Path(name).stem)[:60] or "song"
    given = Path(name).suffix.lower()
    suffix = given if given in AUDIO_SUFFIXES else suffix or ".audio"
    songs = folder / "songs"
    songs.mkdir(parents=True, exist_ok=True)
    path = songs / f"{stem}-{secrets.token_hex(3)}{suffix}"
    path.write_bytes(audio)
    try:
        load_audio(path, max_duration=max_duration, name=name)
    except BaseException:
        path.unlink()
        raise
    return path.resolve()
