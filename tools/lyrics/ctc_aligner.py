"""Lyrics the user gives, aligned to the song by a CTC speech model (forced alignment).

`CtcAligner` (spec `ctc:<hub id or folder>`) loads any transformers `AutoModelForCTC` with its
processor (wav2vec2, MMS, HuBERT…), turns the song into per-frame character log-probabilities
and finds the single best path through the given text's characters (Viterbi over the CTC
trellis, blanks between them, as torchaudio's `forced_align` does). Each line starts at the
frame of its first character and ends after the frame of its last one. The song is heard in
windows of WINDOW_S seconds so that memory stays bounded on long songs.
"""

import numpy as np
import soxr

from tools.errors import InvalidInputError
from tools.pretrained import load_pretrained, require_ml, torch_device
from tools.types import Lyrics

DEFAULT_MODEL = "MahmoudAshraf/mms-300m-1130-forced-aligner"
WINDOW_S = 20.0


class CtcAligner:
    """Forced alignment of plain lyrics with a CTC model."""

    name = "ctc"

    def __init__(
        self, model: str = DEFAULT_MODEL, *, device: str = "auto", download: bool = False
    ) -> None:
        require_ml(self.name)
        from transformers import AutoModelForCTC, AutoProcessor

        self.model = model
        self.device = torch_device(device)
        self.network = load_pretrained(AutoModelForCTC.from_pretrained, model, download=download)
        self.network.to(self.device).eval()
        self.processor = load_pretrained(AutoProcessor.from_pretrained, model, download=download)
        self.sr: int = self.processor.feature_extractor.sampling_rate

    def align(self, audio: np.ndarray, sr: int, stanzas: list[list[str]]) -> Lyrics:
        """The lines of `stanzas`, in order, timed where the model hears them."""
        texts = [line for stanza in stanzas for line in stanza]
        tokens, owners = self.tokens(texts)
        song = np.asarray(audio, dtype=np.float32)
        if sr != self.sr:
            song = soxr.resample(song, sr, self.sr)
        log_probs = self.emissions(song)
        frame_s = len(song) / self.sr / len(log_probs)
        blank = self.processor.tokenizer.pad_token_id
        frames = forced_alignment(log_probs, tokens, blank=blank)
        lines: Lyrics = []
        for k, text in enumerate(texts):
            mine = frames[owners == k]
            lines.append(
                {
                    "start": round(float(mine[0] * frame_s), 3),
                    "end": round(float((mine[-1] + 1) * frame_s), 3),
                    "text": text,
                }
            )
        return lines

    def tokens(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The characters of every line as the model's token ids (words joined by its word
        delimiter, in the letter case its vocabulary uses, unknown characters left out), and
        the line each token belongs to (-1 for the delimiter between two lines)."""
        tokenizer = self.processor.tokenizer
        vocab = tokenizer.get_vocab()
        joined = "".join(texts)
        upper = sum(ch in vocab for ch in joined.upper()) > sum(
            ch in vocab for ch in joined.lower()
        )
        delimiter = vocab.get(getattr(tokenizer, "word_delimiter_token", None) or "|")
        ids: list[int] = []
        owners: list[int] = []
        for k, text in enumerate(texts):
            line: list[int] = []
            for word in (text.upper() if upper else text.lower()).split():
                letters = [vocab[ch] for ch in word if ch in vocab]
                if letters and line and delimiter is not None:
                    line.append(delimiter)
                line += letters
            if not line:
                raise InvalidInputError(
                    f"lyrics line {k + 1} ({text!r}) has no characters the {self.model} "
                    "aligner knows; give the lyrics in the model's script or use no aligner"
                )
            if ids and delimiter is not None:
                ids.append(delimiter)
                owners.append(-1)
            ids += line
            owners += [k] * len(line)
        return np.array(ids), np.array(owners)

    def emissions(self, song: np.ndarray) -> np.ndarray:
        """Log-probabilities of the model's tokens per frame over the whole song: (frames, V)."""
        import torch

        window = int(WINDOW_S * self.sr)
        parts = []
        for start in range(0, len(song), window):
            clip = song[start : start + window]
            inputs = self.processor.feature_extractor(
                clip, sampling_rate=self.sr, return_tensors="pt"
            )
            with torch.inference_mode():
                logits = self.network(inputs.input_values.to(self.device)).logits[0]
            parts.append(torch.log_softmax(logits.float(), dim=-1).cpu().numpy())
        return np.concatenate(parts)


def forced_alignment(log_probs: np.ndarray, tokens: np.ndarray, *, blank: int) -> np.ndarray:
    """The frame each of `tokens` is emitted at on the most likely CTC path through them.

    The trellis interleaves blanks with the tokens; a path may stay on a state, step to the
    next, or skip a blank between two different tokens. `log_probs` is (frames, vocabulary).
    """
    n_frames, n_tokens = len(log_probs), len(tokens)
    states = np.full(2 * n_tokens + 1, blank)
    states[1::2] = tokens
    repeats = sum(a == b for a, b in zip(tokens[:-1], tokens[1:], strict=True))
    if n_frames < n_tokens + repeats:
        raise InvalidInputError(
            f"the song is too short for its lyrics: {n_tokens} characters in {n_frames} frames"
        )
    can_skip = np.zeros(len(states), bool)
    can_skip[3::2] = tokens[1:] != tokens[:-1]
    score = np.full(len(states), -np.inf)
    score[:2] = log_probs[0, states[:2]]
    moves = np.zeros((n_frames, len(states)), np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, n_frames):
        step = np.concatenate([[-np.inf], score[:-1]])
        skip = np.where(can_skip, np.concatenate([[-np.inf, -np.inf], score[:-2]]), -np.inf)
        choices = np.stack([score, step, skip])
        moves[t] = choices.argmax(axis=0)
        score = choices.max(axis=0) + log_probs[t, states]
    state = len(states) - 1 if score[-1] >= score[-2] else len(states) - 2
    emitted = np.zeros(n_tokens, dtype=int)
    for t in range(n_frames - 1, -1, -1):
        if state % 2:
            emitted[state // 2] = t  # the earliest frame on this token is kept last
        state -= int(moves[t, state])
    return emitted
