"""Pipeline 2 with Qwen2-Audio run locally with transformers
(spec `qwen2-audio:<hub id or folder>`, default `Qwen/Qwen2-Audio-7B-Instruct`).

The model hears the raw song, resampled to its feature extractor's rate (16 kHz). Its audio
encoder takes at most one window of audio (30 s for Qwen2-Audio), so a longer song is heard in
parts of at most one window, cut at section boundaries where possible: the model takes notes on
each part (what it hears, and for each section in the part what happens there and a scene
idea), then one text-only turn turns all the notes into the story and exactly one scene per
analysis section. A song that fits one window is heard whole in a single turn.

Prompts, reply schemas and the way the song is cut into parts are those every listener shares
(`tools.listening.chunked`); replies are validated and repaired by `tools.llm.replies`.
"""

import math

import numpy as np
import soxr

from tools.listening.chunked import ChunkedListener
from tools.llm.replies import Check, Message, Reply, ask_json, with_schema
from tools.llm.transformers_chat import generate, hit_limit
from tools.pretrained import load_pretrained, require_ml, torch_device, torch_dtype

DEFAULT_MODEL = "Qwen/Qwen2-Audio-7B-Instruct"
MAX_NEW_TOKENS = 2048  # one reply: the notes on a part, or the whole story


class Qwen2AudioListener(ChunkedListener):
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

    def clips(
        self, audio: np.ndarray, sr: int, parts: list[tuple[float, float]]
    ) -> list[np.ndarray]:
        """Each part as samples at the feature extractor's rate."""
        song = resampled(audio, sr, self.sr)
        return [excerpt(song, self.sr, start=start, end=end) for start, end in parts]

    def user_turn(self, text: str, clip: np.ndarray) -> Message:
        """The part of the song as an `audio` part, then the prompt."""
        return {
            "role": "user",
            "content": [{"type": "audio", "audio": clip}, {"type": "text", "text": text}],
        }

    def ask_json(
        self, messages: list[Message], reply: type[Reply], *, check: Check[Reply]
    ) -> Reply:
        """`reply` from the model, its schema in the system message, validated (`check` too)
        and repaired."""
        return ask_json(
            self.complete, with_schema(messages, reply), reply, check=check, model=self.model
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
