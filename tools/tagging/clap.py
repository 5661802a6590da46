"""Pipeline 1 with a model: CLAP zero-shot style, content and emotion labels.

transformers' `ClapModel` (the LAION checkpoints in HF format; default
`laion/larger_clap_music`) scores every label of the project vocabularies (`tools/tagging/vocab`)
against the audio. Each label becomes a sentence through `prompts/clap_<vocabulary>.txt` (one
template a vocabulary, so that "jazz", "rainy street" and "calm" each read naturally); the text
embeddings of a vocabulary are computed once and kept.

Audio at the feature extractor's rate (48 kHz for LAION CLAP): the song is decoded again from
its file at that rate when the audio given has a lower one (the analysis works at 22.05 kHz,
which holds nothing above 11 kHz, while CLAP's mel filters reach 14 kHz and more); audio with
no file behind it is resampled. It is embedded in windows of the model's length
(`max_length_s`, 10 s). A span no longer than a window is one window (the feature extractor
repeat-pads it); a longer span is covered by the fewest full windows, evenly spaced from its
start to its end (they overlap a little), and their embeddings are averaged. Every window fits
the model, so `is_longer` is false for all of them (under "fusion" the feature extractor would
otherwise mark a random window as long, which makes the result random). The feature
extractor's `truncation` follows the checkpoint: "fusion" for a fusion-enabled model,
"rand_trunc" otherwise.

Each analysis section gets its own labels; the song's embedding is the duration-weighted mean of
its sections' (the windows of the whole track when the analysis has no sections). A label's
score is the softmax over its vocabulary of the model's scaled cosine logits; each list holds
the top k, best first.
"""

import math
from pathlib import Path

import numpy as np
import soxr

from prompts import render
from tools.audio.loading import load_audio
from tools.errors import InvalidInputError
from tools.pretrained import load_pretrained, require_ml, torch_device
from tools.tagging.vocab import VOCABULARIES, load_vocab
from tools.types import Analysis, Label, Section, Tags, TagSet

DEFAULT_MODEL = "laion/larger_clap_music"


class ClapTagger:
    """Zero-shot CLAP labels per analysis section and for the whole song."""

    name = "clap"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str = "auto",
        top_k: int = 5,
        batch_size: int = 8,
        download: bool = False,
    ) -> None:
        require_ml("clap")
        import torch
        import transformers

        self.device = torch_device(device)
        self.dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        self.model = load_pretrained(
            transformers.ClapModel.from_pretrained, model, download=download, dtype=self.dtype
        )
        self.model.to(self.device).eval()
        self.processor = load_pretrained(
            transformers.ClapProcessor.from_pretrained, model, download=download
        )
        self.source = f"clap:{model}"
        self.top_k = top_k
        self.batch_size = batch_size
        self.truncation = "fusion" if self.model.config.audio_config.enable_fusion else "rand_trunc"
        self.sampling_rate = int(self.processor.feature_extractor.sampling_rate)
        self.window = int(self.processor.feature_extractor.nb_max_samples)
        self.logit_scale = float(self.model.logit_scale_a.detach().exp())
        self._labels: dict[str, tuple[list[str], np.ndarray]] = {}

    def tag(self, audio: np.ndarray, sr: int, analysis: Analysis) -> Tags:
        """Top-k style, content and emotion labels for the song and for each of its sections."""
        y = self.song_audio(audio, sr, analysis)
        sections = analysis["sections"]
        spans = section_spans(sections, sr=self.sampling_rate, n=len(y)) or [(0, len(y))]
        embeddings = self.embed_spans(y, spans)
        weights = np.array([b - a for a, b in spans], dtype=np.float64)
        song = _normalize(weights @ embeddings)
        return {
            "source": self.source,
            "song": self.tag_set(song),
            "sections": [self.tag_set(e) for e in embeddings[: len(sections)]],
        }

    def song_audio(self, audio: np.ndarray, sr: int, analysis: Analysis) -> np.ndarray:
        """The song at the model's rate: decoded from its file (`analysis["path"]`) when `sr`
        is lower and the file holds the same song (its length within 0.1 s), else `audio`
        resampled."""
        path = analysis.get("path")
        if sr < self.sampling_rate and path and Path(path).is_file():
            y, _ = load_audio(path, sr=self.sampling_rate)
            if abs(len(y) / self.sampling_rate - len(audio) / sr) <= 0.1:
                return y
        return self.resample(audio, sr)

    def resample(self, audio: np.ndarray, sr: int) -> np.ndarray:
        """Mono float32 audio at the feature extractor's sampling rate."""
        if audio.ndim != 1 or audio.size == 0:
            raise InvalidInputError(f"expected non-empty mono audio, got shape {audio.shape}")
        y = np.asarray(audio, dtype=np.float32)
        if sr != self.sampling_rate:
            y = soxr.resample(y, sr, self.sampling_rate)
        return y

    def embed_spans(self, y: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
        """One unit-length audio embedding per span (samples a..b): the mean of its windows."""
        owners, clips = [], []
        for i, (a, b) in enumerate(spans):
            for start, end in windows(a, b, size=self.window):
                owners.append(i)
                clips.append(y[start:end])
        embedded = self.embed_audio(clips)
        owner = np.array(owners)
        return np.stack([_normalize(embedded[owner == i].mean(0)) for i in range(len(spans))])

    def embed_audio(self, clips: list[np.ndarray]) -> np.ndarray:
        """Unit-length CLAP embeddings of clips no longer than the model's window, batched."""
        import torch

        extract = self.processor.feature_extractor
        out = []
        for i in range(0, len(clips), self.batch_size):
            batch = clips[i : i + self.batch_size]
            features = extract(
                batch,
                sampling_rate=self.sampling_rate,
                truncation=self.truncation,
                return_tensors="pt",
            )
            with torch.inference_mode():
                embedded = self.model.get_audio_features(
                    input_features=features["input_features"].to(self.device, self.dtype),
                    is_longer=torch.zeros(len(batch), 1, dtype=torch.bool, device=self.device),
                ).pooler_output
            out.append(embedded.float().cpu().numpy())
        return np.concatenate(out)

    def embed_labels(self, vocabulary: str) -> tuple[list[str], np.ndarray]:
        """The labels of `vocabulary` and their unit-length text embeddings (computed once)."""
        if vocabulary not in self._labels:
            import torch

            labels = load_vocab(vocabulary)
            texts = [render(f"clap_{vocabulary}", label=label) for label in labels]
            tokens = self.processor.tokenizer(
                texts, padding=True, truncation=True, return_tensors="pt"
            ).to(self.device)
            with torch.inference_mode():
                embedded = self.model.get_text_features(
                    input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]
                ).pooler_output
            self._labels[vocabulary] = (labels, embedded.float().cpu().numpy())
        return self._labels[vocabulary]

    def tag_set(self, embedding: np.ndarray) -> TagSet:
        """The top-k labels of every vocabulary for one unit-length audio embedding."""
        ranked = {name: self.rank(name, embedding) for name in VOCABULARIES}
        return {
            "style": ranked["style"],
            "content": ranked["content"],
            "emotion": ranked["emotion"],
        }

    def rank(self, vocabulary: str, embedding: np.ndarray) -> list[Label]:
        """Softmax over the vocabulary of the scaled cosines; the top k, best first."""
        labels, text = self.embed_labels(vocabulary)
        logits = self.logit_scale * (text @ embedding)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")[: self.top_k]
        return [{"label": labels[i], "score": round(float(probs[i]), 4)} for i in order]


def windows(start: int, end: int, *, size: int) -> list[tuple[int, int]]:
    """Sample ranges covering start..end: one when it fits `size`, else the fewest full windows
    evenly spaced from start to end."""
    count = math.ceil((end - start) / size)
    if count <= 1:
        return [(start, end)]
    starts = np.linspace(start, end - size, count).round().astype(int)
    return [(int(s), int(s) + size) for s in starts]


def section_spans(sections: list[Section], *, sr: int, n: int) -> list[tuple[int, int]]:
    """Each section as a sample range of audio `n` samples long at `sr`; one outside it is an
    error."""
    spans = []
    for i, section in enumerate(sections):
        a, b = (min(max(round(t * sr), 0), n) for t in (section["start"], section["end"]))
        if b <= a:
            raise InvalidInputError(
                f"section {i} ({section['start']:.2f}-{section['end']:.2f} s) "
                f"lies outside the audio ({n / sr:.2f} s)"
            )
        spans.append((a, b))
    return spans


def _normalize(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
