"""Pipeline 2 with an audio-language model behind an OpenAI-compatible chat API
(spec `openai:<model>`, e.g. `openai:gpt-audio`, or Qwen2-Audio served by vLLM).

The model hears the raw song, sent as an `input_audio` content part (base64 WAV, 16 kHz mono,
16-bit), and writes a story: a title, a logline, a short text and exactly one scene per
analysis section, given the sections' times and labels. A song longer than
`max_audio_seconds` (default 120 s per request) is heard in parts cut at section boundaries
where possible: the model takes notes on each part, then one text-only call turns all the
notes into the story and its per-section scenes.
"""

import base64
import io
import math
from collections.abc import Sequence

import numpy as np
import soundfile as sf
import soxr
from pydantic import Field

from prompts import render
from tools.errors import InvalidInputError
from tools.llm.openai_chat import (
    MAX_RETRIES,
    TIMEOUT_SECONDS,
    Message,
    OpenAIChat,
    StrictModel,
    exactly,
    numbering_problems,
)
from tools.types import Analysis, Section, Story
from tools.writing.template import MAX_CHARACTERS

DEFAULT_MODEL = "gpt-audio"  # gpt-4o-audio-preview, its predecessor, is shut down
MAX_AUDIO_SECONDS = 120.0  # audio per request: well inside audio chat models' input windows
AUDIO_SR = 16000  # what speech/audio encoders (Whisper-style) resample to anyway
OVERLAP = 1e-3  # seconds a section must reach into a part to count as in it


# ------------------------------------------------------------------------- reply schemas


class SceneReply(StrictModel):
    section: int = Field(description="the number of the song section, from 0")
    scene: str = Field(description="a drawable place and what the characters do there")


class StoryReply(StrictModel):
    title: str
    logline: str = Field(description="one sentence")
    text: str = Field(description="the story in three to six sentences")
    sections: list[SceneReply]


class SectionNote(StrictModel):
    section: int = Field(description="the number of the song section")
    note: str = Field(description="what happens in the music there, and a scene idea")


class PartNotes(StrictModel):
    heard: str = Field(description="instruments, voice, tempo, dynamics and changes")
    words: str = Field(description="the words you can make out, or an empty string")
    sections: list[SectionNote]


# ------------------------------------------------------------------------- the listener


class OpenAIListener:
    """A story heard by an audio chat model on an OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        max_audio_seconds: float = MAX_AUDIO_SECONDS,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        if max_audio_seconds <= 0:
            raise InvalidInputError(f"max_audio_seconds must be positive, got {max_audio_seconds}")
        self.chat = OpenAIChat(model, timeout=timeout, max_retries=max_retries)
        self.max_audio_seconds = max_audio_seconds

    def listen(self, audio: np.ndarray, sr: int, analysis: Analysis, *, request: str) -> Story:
        """A title, logline, short story and one scene per analysis section."""
        sections = analysis["sections"]
        if not sections:
            raise InvalidInputError("the song has no sections to tell a story over")
        parts = audio_parts(sections, analysis["duration"], max_seconds=self.max_audio_seconds)
        if len(parts) == 1:
            reply = self._hear_whole(audio, sr, analysis, request=request)
        else:
            notes = [
                self._hear_part(audio, sr, analysis, part=k, parts=parts, request=request)
                for k in range(len(parts))
            ]
            reply = self._merge(notes, parts, analysis, request=request)
        return {
            "source": f"{self.name}:{self.chat.model}",
            "title": reply.title.strip(),
            "logline": reply.logline.strip(),
            "text": reply.text.strip(),
            "sections": [scene.scene.strip() for scene in reply.sections],
        }

    def _hear_whole(
        self, audio: np.ndarray, sr: int, analysis: Analysis, *, request: str
    ) -> StoryReply:
        sections = analysis["sections"]
        text = render(
            "listener_user",
            request=_request(request),
            duration=analysis["duration"],
            count=len(sections),
            last=len(sections) - 1,
            sections=section_lines(sections, range(len(sections))),
        )
        clip = wav_base64(audio, sr, start=0.0, end=analysis["duration"])
        return self._ask_story([_system(), _user(text, clip)], len(sections))

    def _hear_part(
        self,
        audio: np.ndarray,
        sr: int,
        analysis: Analysis,
        *,
        part: int,
        parts: list[tuple[float, float]],
        request: str,
    ) -> PartNotes:
        start, end = parts[part]
        inside = sections_in(analysis["sections"], start, end)
        text = render(
            "listener_chunk",
            request=_request(request),
            duration=analysis["duration"],
            parts=len(parts),
            part=part + 1,
            start=start,
            end=end,
            sections=section_lines(analysis["sections"], inside),
        )
        messages = [_system(), _user(text, wav_base64(audio, sr, start=start, end=end))]
        return self.chat.ask_json(
            messages,
            exactly(PartNotes, "sections", len(inside)),
            check=lambda notes: numbering_problems(
                [note.section for note in notes.sections], inside, field="sections"
            ),
        )

    def _merge(
        self,
        notes: list[PartNotes],
        parts: list[tuple[float, float]],
        analysis: Analysis,
        *,
        request: str,
    ) -> StoryReply:
        sections = analysis["sections"]
        text = merge_prompt(notes, parts, analysis, request=request)
        return self._ask_story([_system(), {"role": "user", "content": text}], len(sections))

    def _ask_story(self, messages: list[Message], count: int) -> StoryReply:
        return self.chat.ask_json(
            messages,
            exactly(StoryReply, "sections", count),
            check=lambda story: numbering_problems(
                [scene.section for scene in story.sections], list(range(count)), field="sections"
            ),
        )


# ------------------------------------------------------------------------- parts of the song


def audio_parts(
    sections: list[Section], duration: float, *, max_seconds: float
) -> list[tuple[float, float]]:
    """(start, end) spans of at most `max_seconds` that cover the song in order.

    Whole sections are packed together; a part ends where a section would overflow it, and a
    section longer than `max_seconds` is cut into equal pieces.
    """
    ends = [section["end"] for section in sections]
    ends[-1] = max(ends[-1], duration)
    parts: list[tuple[float, float]] = []
    start = 0.0
    for section, end in zip(sections, ends, strict=True):
        if end - start <= max_seconds:
            continue
        if section["start"] > start:
            parts.append((start, section["start"]))
            start = section["start"]
        pieces = math.ceil((end - start) / max_seconds)
        step = (end - start) / pieces
        parts += [(start + k * step, start + (k + 1) * step) for k in range(pieces - 1)]
        start += (pieces - 1) * step
    parts.append((start, ends[-1]))
    return parts


def sections_in(sections: list[Section], start: float, end: float) -> list[int]:
    """The numbers of the sections that overlap the span."""
    return [
        i
        for i, section in enumerate(sections)
        if section["start"] < end - OVERLAP and section["end"] > start + OVERLAP
    ]


def wav_base64(audio: np.ndarray, sr: int, *, start: float, end: float) -> str:
    """The span of the song as a base64 16-bit mono WAV at AUDIO_SR."""
    clip = np.asarray(audio, dtype=np.float32)[int(start * sr) : int(math.ceil(end * sr))]
    if sr != AUDIO_SR:
        clip = soxr.resample(clip, sr, AUDIO_SR)
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(clip, -1.0, 1.0), AUDIO_SR, format="WAV", subtype="PCM_16")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# ------------------------------------------------------------------------- prompts


def section_lines(sections: list[Section], numbers: Sequence[int]) -> str:
    """One line per listed section: number, label and song times."""
    return "\n".join(
        f"{i}. {sections[i]['label']}: {sections[i]['start']:.1f}-{sections[i]['end']:.1f} s"
        for i in numbers
    )


def note_lines(k: int, part: tuple[float, float], notes: PartNotes) -> str:
    """One part's notes as text for the merging call."""
    lines = [
        f"Part {k + 1} ({part[0]:.1f}-{part[1]:.1f} s)",
        f"heard: {notes.heard.strip()}",
        f"words: {notes.words.strip() or '(none)'}",
    ]
    lines += [f"section {note.section}: {note.note.strip()}" for note in notes.sections]
    return "\n".join(lines)


def _system() -> Message:
    return {"role": "system", "content": render("listener_system", max_characters=MAX_CHARACTERS)}


def _user(text: str, wav: str) -> Message:
    return {
        "role": "user",
        "content": [
            {"type": "text", "text": text},
            {"type": "input_audio", "input_audio": {"data": wav, "format": "wav"}},
        ],
    }


def _request(request: str) -> str:
    return request.strip() or "(none: the music decides)"


def merge_prompt(
    notes: list[PartNotes], parts: list[tuple[float, float]], analysis: Analysis, *, request: str
) -> str:
    """The text-only turn that merges the notes on each heard part into one story."""
    sections = analysis["sections"]
    return render(
        "listener_merge",
        request=_request(request),
        duration=analysis["duration"],
        parts=len(parts),
        notes="\n\n".join(
            note_lines(k, part, note)
            for k, (part, note) in enumerate(zip(parts, notes, strict=True))
        ),
        count=len(sections),
        last=len(sections) - 1,
        sections=section_lines(sections, range(len(sections))),
    )
