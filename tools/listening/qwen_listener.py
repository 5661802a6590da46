"""Pipeline 2 with Qwen2-Audio run locally with transformers
(spec `qwen2-audio:<hub id or folder>`, default `Qwen/Qwen2-Audio-7B-Instruct`).

The model hears the raw song, resampled to its feature extractor's rate (16 kHz). Its audio
encoder takes at most one window of audio (30 s for Qwen2-Audio), so a longer song is heard in
parts of at most one window, cut at section boundaries where possible: the model takes notes on
each part (what it hears, and for each section in the part what happens there and a scene
idea), then one text-only turn turns all the notes into the story and exactly one scene per
analysis section. A song that fits one window is heard whole in a single turn.

Prompts, reply schemas and the way the song is cut into parts are those of the OpenAI-compatible
listener (`tools.listening.openai_listener`); replies are validated and repaired as in
`tools.llm.transformers_chat`.
"""

import math

import numpy as np
import soxr

from prompts import render
from tools.errors import InvalidInputError
from tools.listening.openai_listener import (
    PartNotes,
    StoryReply,
    _request,
    audio_parts,
    merge_prompt,
    section_lines,
    sections_in,
)
from tools.llm.openai_chat import Message, Reply, exactly, numbering_problems, with_schema
from tools.llm.transformers_chat import ask_json, generate, hit_limit
from tools.pretrained import load_pretrained, require_ml, torch_device, torch_dtype
from tools.types import Analysis, Story
from tools.writing.template import MAX_CHARACTERS

DEFAULT_MODEL = "Qwen/Qwen2-Audio-7B-Instruct"
MAX_NEW_TOKENS = 2048  # one reply: the notes on a part, or the whole story


class Qwen2AudioListener:
    """A story heard by Qwen2-Audio (`Qwen2AudioForConditionalGeneration` + its processor)."""

    name = "qwen2-audio"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str = "auto",
        max_new_tokens: int = MAX_NEW_TOKENS,
    ) -> None:
        require_ml(self.name)
        from transformers import AutoProcessor, Qwen2AudioForConditionalGeneration

        self.model = model
        self.device = torch_device(device)
        self.max_new_tokens = max_new_tokens
        self.processor = load_pretrained(AutoProcessor.from_pretrained, model)
        network = load_pretrained(
            Qwen2AudioForConditionalGeneration.from_pretrained,
            model,
            dtype=torch_dtype(self.device),
        )
        self.network = network.to(self.device)
        features = self.processor.feature_extractor
        self.sr: int = features.sampling_rate
        self.window: float = features.n_samples / features.sampling_rate

    def listen(self, audio: np.ndarray, sr: int, analysis: Analysis, *, request: str) -> Story:
        """A title, logline, short story and one scene per analysis section."""
        sections = analysis["sections"]
        if not sections:
            raise InvalidInputError("the song has no sections to tell a story over")
        song = resampled(audio, sr, self.sr)
        parts = audio_parts(sections, analysis["duration"], max_seconds=self.window)
        if len(parts) == 1:
            reply = self._hear_whole(song, analysis, request=request)
        else:
            notes = [
                self._hear_part(song, analysis, part=k, parts=parts, request=request)
                for k in range(len(parts))
            ]
            reply = self._merge(notes, parts, analysis, request=request)
        return {
            "source": f"{self.name}:{self.model}",
            "title": reply.title.strip(),
            "logline": reply.logline.strip(),
            "text": reply.text.strip(),
            "sections": [scene.scene.strip() for scene in reply.sections],
        }

    def _hear_whole(self, song: np.ndarray, analysis: Analysis, *, request: str) -> StoryReply:
        sections = analysis["sections"]
        text = render(
            "listener_user",
            request=_request(request),
            duration=analysis["duration"],
            count=len(sections),
            last=len(sections) - 1,
            sections=section_lines(sections, range(len(sections))),
        )
        clip = excerpt(song, self.sr, start=0.0, end=self.window)
        return self._ask_story([_user(text, clip)], len(sections))

    def _hear_part(
        self,
        song: np.ndarray,
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
        clip = excerpt(song, self.sr, start=start, end=end)
        return self._ask(
            [_user(text, clip)],
            exactly(PartNotes, "sections", len(inside)),
            numbers=inside,
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
        return self._ask_story([{"role": "user", "content": text}], len(sections))

    def _ask_story(self, turns: list[Message], count: int) -> StoryReply:
        return self._ask(turns, exactly(StoryReply, "sections", count), numbers=list(range(count)))

    def _ask(self, turns: list[Message], reply: type[Reply], *, numbers: list[int]) -> Reply:
        """`reply` from the model after the system message and `turns`, its list of sections
        numbered `numbers` in order."""
        system = {
            "role": "system",
            "content": render("listener_system", max_characters=MAX_CHARACTERS),
        }
        return ask_json(
            self.complete,
            with_schema([system, *turns], reply),
            reply,
            check=lambda parsed: numbering_problems(
                [item.section for item in parsed.sections], numbers, field="sections"
            ),
            model=self.model,
        )

    def complete(self, messages: list[Message]) -> tuple[str, bool]:
        """The model's next turn after `messages` (audio parts as `{"type": "audio", "audio":
        samples at self.sr}`), and whether it hit the token limit."""
        clips = [
            part["audio"]
            for message in messages
            if isinstance(message["content"], list)
            for part in message["content"]
            if part["type"] == "audio"
        ]
        prompt = self.processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        inputs = self.processor(
            text=prompt, audio=clips or None, sampling_rate=self.sr, return_tensors="pt"
        ).to(self.device)
        tokens = generate(self.network, inputs, max_new_tokens=self.max_new_tokens)
        text = self.processor.decode(tokens, skip_special_tokens=True)
        return text, hit_limit(self.network, tokens, self.max_new_tokens)


def resampled(audio: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    """Mono float32 samples at `target_sr`."""
    audio = np.asarray(audio, dtype=np.float32)
    return audio if sr == target_sr else soxr.resample(audio, sr, target_sr)


def excerpt(song: np.ndarray, sr: int, *, start: float, end: float) -> np.ndarray:
    """The samples of song time start..end."""
    return song[int(start * sr) : int(math.ceil(end * sr))]


def _user(text: str, clip: np.ndarray) -> Message:
    return {
        "role": "user",
        "content": [{"type": "audio", "audio": clip}, {"type": "text", "text": text}],
    }
