"""Lyrics the user gives, timed by Whisper: word timestamps constrained to the given words.

`WhisperAligner` (spec `whisper:<hub id or folder>` for `--align-model`) loads a transformers
`WhisperForConditionalGeneration` with its processor. Whisper hears 30 s at a time; in each
window the given words are forced through the decoder (teacher forcing: the model is not asked
what it hears, only how likely the given words are and where it looks while reading them):

- the window takes the words up to where the model finds the end of the transcript most
  likely (none, if that is before the first: an instrumental window; the last window takes
  all that are left);
- each word starts where the cross-attention of the alignment heads
  (`generation_config.alignment_heads`, else every head of the decoder's upper half) puts its
  first token on the best monotonic path through the window (dynamic time warping), as
  Whisper's own word timestamps are found (openai/whisper `timing.py`: attention standardised
  over the tokens, median-filtered over time, averaged over the heads).

A line starts with its first word and ends where its last word ends.
"""

from typing import Any

import librosa
import numpy as np
import scipy.ndimage
import soxr

from tools.errors import InvalidInputError
from tools.lyrics.lines import DEFAULT_MODEL
from tools.pretrained import load_pretrained, require_ml, torch_device, torch_dtype
from tools.types import Lyrics

WINDOW_S = 30.0  # what Whisper's encoder hears at once
FRAME_S = 0.02  # one encoder frame
MEDIAN_FRAMES = 7  # the attention's median filter over time, as in openai/whisper


class WhisperAligner:
    """Forced alignment of plain lyrics with Whisper's cross-attention."""

    name = "whisper"

    def __init__(
        self, model: str = DEFAULT_MODEL, *, device: str = "auto", download: bool = False
    ) -> None:
        require_ml(self.name)
        from transformers import AutoProcessor, WhisperForConditionalGeneration

        self.model = model
        self.device = torch_device(device)
        self.network = load_pretrained(
            WhisperForConditionalGeneration.from_pretrained,
            model,
            download=download,
            dtype=torch_dtype(self.device),
            attn_implementation="eager",  # the attention weights are what times the words
        )
        self.network.to(self.device).eval()
        self.processor = load_pretrained(AutoProcessor.from_pretrained, model, download=download)
        self.sr: int = self.processor.feature_extractor.sampling_rate
        self.heads = alignment_heads(self.network)

    def align(self, audio: np.ndarray, sr: int, stanzas: list[list[str]]) -> Lyrics:
        """The lines of `stanzas`, in order, timed where Whisper reads their words."""
        texts = [line for stanza in stanzas for line in stanza]
        words = [
            (k, self.word_tokens(word)) for k, text in enumerate(texts) for word in text.split()
        ]
        song = np.asarray(audio, dtype=np.float32)
        if sr != self.sr:
            song = soxr.resample(song, sr, self.sr)
        duration = len(song) / self.sr
        window = int(WINDOW_S * self.sr)
        starts: list[float] = []
        ends: list[float] = []
        offset = 0
        while len(starts) < len(words):
            if offset >= len(song):
                raise InvalidInputError(
                    f"the lyrics have more words than the {self.model} aligner reads in the "
                    f"song's last {WINDOW_S:g} s; check that the lyrics belong to the song"
                )
            clip = song[offset : offset + window]
            last = offset + window >= len(song)
            times = self.read(clip, [tokens for _, tokens in words[len(starts) :]], last=last)
            for start, end in times:
                starts.append(min(offset / self.sr + start, duration))
                ends.append(min(offset / self.sr + end, duration))
            offset += window
        lines: Lyrics = []
        for k, text in enumerate(texts):
            mine = [i for i, (owner, _) in enumerate(words) if owner == k]
            lines.append(
                {
                    "start": round(starts[mine[0]], 3),
                    "end": round(max(ends[mine[-1]], starts[mine[0]]), 3),
                    "text": text,
                }
            )
        return lines

    def word_tokens(self, word: str) -> list[int]:
        """The token ids of one word as Whisper writes it inside a sentence (with its space)."""
        ids = self.processor.tokenizer.encode(" " + word, add_special_tokens=False)
        if not ids:
            raise InvalidInputError(f"the {self.model} aligner has no tokens for {word!r}")
        return list(ids)

    def read(
        self, clip: np.ndarray, words: list[list[int]], *, last: bool
    ) -> list[tuple[float, float]]:
        """(start, end) in the clip of the first words of `words` that the clip holds: those
        before the likeliest end of its transcript (maybe none), or all when it is the `last`."""
        import torch

        features = self.processor.feature_extractor(
            clip, sampling_rate=self.sr, return_tensors="pt"
        ).input_features.to(self.device, self.network.dtype)
        prefix = self.prefix(features)
        room = self.network.config.max_target_positions - len(prefix) - 1
        fitting = np.flatnonzero(np.cumsum([len(tokens) for tokens in words]) <= room)
        words = words[: max(1, len(fitting))]
        text = [token for tokens in words for token in tokens]
        ids = torch.tensor([prefix + text + [self.end_token]], device=self.device)
        with torch.inference_mode():
            out = self.network(
                input_features=features, decoder_input_ids=ids, output_attentions=True
            )
        if not last:  # the end of transcript before the first word or after each: likeliest
            word_ends = np.cumsum([0] + [len(tokens) for tokens in words]) + len(prefix) - 1
            log_probs = torch.log_softmax(out.logits[0].float(), dim=-1)
            ending = log_probs[torch.as_tensor(word_ends), self.end_token].cpu().numpy()
            words = words[: int(np.argmax(ending))]
            if not words:
                return []
        attention = torch.stack(
            [out.cross_attentions[layer][0, head] for layer, head in self.heads]
        ).float()  # (heads, tokens, frames)
        frames = max(1, min(attention.shape[-1], round(len(clip) / self.sr / FRAME_S)))
        n_text = sum(len(tokens) for tokens in words)
        weights = attention[:, len(prefix) : len(prefix) + n_text, :frames].cpu().numpy()
        first_tokens = np.cumsum([0] + [len(tokens) for tokens in words])
        return word_times(weights, first_tokens)

    def prefix(self, features: Any) -> list[int]:
        """The decoder's start as Whisper was trained: start of transcript, then for a
        multilingual model the language (detected in this window) and the transcribe task,
        then no timestamps."""
        tokenizer = self.processor.tokenizer
        ids = [self.network.generation_config.decoder_start_token_id]
        if getattr(self.network.generation_config, "is_multilingual", False):
            ids.append(int(self.network.detect_language(features)[0]))
            ids.append(tokenizer.convert_tokens_to_ids("<|transcribe|>"))
        ids.append(tokenizer.convert_tokens_to_ids("<|notimestamps|>"))
        return ids

    @property
    def end_token(self) -> int:
        return int(self.processor.tokenizer.convert_tokens_to_ids("<|endoftext|>"))


def alignment_heads(network: Any) -> list[tuple[int, int]]:
    """(layer, head) of the decoder's cross-attention that follows the audio: the checkpoint's
    `alignment_heads`, else every head of the decoder's upper half (openai/whisper's default)."""
    heads = getattr(network.generation_config, "alignment_heads", None)
    if heads:
        return [(int(layer), int(head)) for layer, head in heads]
    layers, per_layer = network.config.decoder_layers, network.config.decoder_attention_heads
    return [(layer, head) for layer in range(layers // 2, layers) for head in range(per_layer)]


def word_times(weights: np.ndarray, first_tokens: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) of each word (tokens first_tokens[w] to first_tokens[w + 1]) from the
    cross-attention `weights` (heads, tokens, frames): standardised over the tokens,
    median-filtered over time, averaged over the heads, and followed along the cheapest
    monotonic path from the first token and frame to the last (DTW)."""
    spread = weights.std(axis=1, keepdims=True)
    standard = (weights - weights.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)
    smooth = scipy.ndimage.median_filter(standard, size=(1, 1, MEDIAN_FRAMES), mode="nearest")
    matrix = smooth.mean(axis=0)  # (tokens, frames)
    _, path = librosa.sequence.dtw(C=-matrix)
    path = path[::-1]  # (token, frame) pairs from the start
    entered = np.full(matrix.shape[0], matrix.shape[1] - 1)
    for token, frame in path:
        entered[token] = min(entered[token], frame)
    token_starts = np.append(entered, path[-1][1] + 1) * FRAME_S
    return [
        (float(token_starts[a]), float(max(token_starts[b], token_starts[a])))
        for a, b in zip(first_tokens[:-1], first_tokens[1:], strict=True)
    ]
