"""What every audio-language listener shares: the prompts, the reply schemas, and hearing a
song whole or in parts.

A song that fits the model's audio window is heard whole in one turn: a title, a logline, a
short text and exactly one scene per analysis section. A longer song is cut into parts of at
most one window, at section boundaries where possible (`audio_parts`): the model takes notes on
each part (what it hears, and for each section in the part what happens there and a scene
idea), then one text-only turn turns all the notes into the story. A backend (`ChunkedListener`)
says only how long its window is, how a part of the song travels in a message, and how it asks
its model for validated JSON.
"""

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from prompts import render
from tools.errors import InvalidInputError
from tools.llm.replies import Check, Message, Reply, StrictModel, exactly, numbering_problems
from tools.types import Analysis, Section, Story
from tools.writing.styles import MAX_CHARACTERS

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


class ChunkedListener(ABC):
    """A story heard by an audio-language model, whole or in parts of at most `window` s."""

    name: str
    model: str
    window: float  # seconds of audio the model hears in one turn

    @abstractmethod
    def clips(self, audio: np.ndarray, sr: int, parts: list[tuple[float, float]]) -> list[Any]:
        """The song's (start, end) parts as the model takes audio in `user_turn`."""

    @abstractmethod
    def user_turn(self, text: str, clip: Any) -> Message:
        """A user message with the prompt `text` and one part of the song."""

    @abstractmethod
    def ask_json(
        self, messages: list[Message], reply: type[Reply], *, check: Check[Reply]
    ) -> Reply:
        """`reply` from the model, validated (`check` too) and repaired."""

    def listen(self, audio: np.ndarray, sr: int, analysis: Analysis, *, request: str) -> Story:
        """A title, logline, short story and one scene per analysis section."""
        sections = analysis["sections"]
        if not sections:
            raise InvalidInputError("the song has no sections to tell a story over")
        parts = audio_parts(sections, analysis["duration"], max_seconds=self.window)
        clips = self.clips(audio, sr, parts)
        if len(parts) == 1:
            text = render("listener_user", **song_fields(analysis, request=request))
            reply = self._ask_story([self.user_turn(text, clips[0])], len(sections))
        else:
            notes = [
                self._hear_part(analysis, part=k, parts=parts, clip=clip, request=request)
                for k, clip in enumerate(clips)
            ]
            text = merge_prompt(notes, parts, analysis, request=request)
            reply = self._ask_story([{"role": "user", "content": text}], len(sections))
        return {
            "source": f"{self.name}:{self.model}",
            "title": reply.title.strip(),
            "logline": reply.logline.strip(),
            "text": reply.text.strip(),
            "sections": [scene.scene.strip() for scene in reply.sections],
        }

    def _hear_part(
        self,
        analysis: Analysis,
        *,
        part: int,
        parts: list[tuple[float, float]],
        clip: Any,
        request: str,
    ) -> PartNotes:
        start, end = parts[part]
        inside = sections_in(analysis["sections"], start, end)
        text = render(
            "listener_chunk",
            request=request_text(request),
            duration=analysis["duration"],
            parts=len(parts),
            part=part + 1,
            start=start,
            end=end,
            sections=section_lines(analysis["sections"], inside),
        )
        return self._ask([self.user_turn(text, clip)], PartNotes, numbers=inside)

    def _ask_story(self, turns: list[Message], count: int) -> StoryReply:
        return self._ask(turns, StoryReply, numbers=list(range(count)))

    def _ask(self, turns: list[Message], reply: type[Reply], *, numbers: list[int]) -> Reply:
        """`reply` with exactly one item per section in `numbers`, numbered in order, after
        the system message and `turns`."""
        return self.ask_json(
            [system_message(), *turns],
            exactly(reply, "sections", len(numbers)),
            check=lambda parsed: numbering_problems(
                [item.section for item in parsed.sections], numbers, field="sections"
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


# ------------------------------------------------------------------------- prompts


def system_message() -> Message:
    """The listener's rules."""
    return {"role": "system", "content": render("listener_system", max_characters=MAX_CHARACTERS)}


def request_text(request: str) -> str:
    """The user's request as the prompts quote it."""
    return request.strip() or "(none: the music decides)"


def song_fields(analysis: Analysis, *, request: str) -> dict[str, Any]:
    """The prompt fields that describe the whole song: request, duration and sections."""
    sections = analysis["sections"]
    return {
        "request": request_text(request),
        "duration": analysis["duration"],
        "count": len(sections),
        "last": len(sections) - 1,
        "sections": section_lines(sections, range(len(sections))),
    }


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


def merge_prompt(
    notes: list[PartNotes], parts: list[tuple[float, float]], analysis: Analysis, *, request: str
) -> str:
    """The text-only turn that merges the notes on each heard part into one story."""
    return render(
        "listener_merge",
        **song_fields(analysis, request=request),
        parts=len(parts),
        notes="\n\n".join(
            note_lines(k, part, note)
            for k, (part, note) in enumerate(zip(parts, notes, strict=True))
        ),
    )
