"""Pipeline 2 with an audio-language model behind an OpenAI-compatible chat API
(spec `openai:<model>`, e.g. `openai:gpt-audio`, or Qwen2-Audio served by vLLM).

The model hears the raw song, sent as an `input_audio` content part (base64 WAV, 16 kHz mono,
16-bit), and writes a story: a title, a logline, a short text and exactly one scene per
analysis section, given the sections' times and labels. A song longer than
`max_audio_seconds` (default 120 s per request) is heard in parts cut at section boundaries
where possible: the model takes notes on each part, then one text-only call turns all the
notes into the story and its per-section scenes (`tools.listening.chunked`).
"""

import base64
import io
import math

import numpy as np
import soundfile as sf
import soxr

from tools.errors import InvalidInputError
from tools.listening.chunked import ChunkedListener
from tools.llm.openai_chat import MAX_RETRIES, TIMEOUT_SECONDS, OpenAIChat
from tools.llm.replies import Check, Message, Reply

DEFAULT_MODEL = "gpt-audio"  # gpt-4o-audio-preview, its predecessor, is shut down
MAX_AUDIO_SECONDS = 120.0  # audio per request: well inside audio chat models' input windows
AUDIO_SR = 16000  # what speech/audio encoders (Whisper-style) resample to anyway


class OpenAIListener(ChunkedListener):
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
        self.model = model
        self.window = max_audio_seconds

    def clips(self, audio: np.ndarray, sr: int, parts: list[tuple[float, float]]) -> list[str]:
        """Each part as a base64 WAV."""
        return [wav_base64(audio, sr, start=start, end=end) for start, end in parts]

    def user_turn(self, text: str, clip: str) -> Message:
        """The prompt, then the part of the song as an `input_audio` part."""
        return {
            "role": "user",
            "content": [
                {"type": "text", "text": text},
                {"type": "input_audio", "input_audio": {"data": clip, "format": "wav"}},
            ],
        }

    def ask_json(
        self, messages: list[Message], reply: type[Reply], *, check: Check[Reply]
    ) -> Reply:
        """`reply` from the server, validated (`check` too) and repaired."""
        return self.chat.ask_json(messages, reply, check=check)


def wav_base64(audio: np.ndarray, sr: int, *, start: float, end: float) -> str:
    """The span of the song as a base64 16-bit mono WAV at AUDIO_SR."""
    clip = np.asarray(audio, dtype=np.float32)[int(start * sr) : int(math.ceil(end * sr))]
    if sr != AUDIO_SR:
        clip = soxr.resample(clip, sr, AUDIO_SR)
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(clip, -1.0, 1.0), AUDIO_SR, format="WAV", subtype="PCM_16")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
