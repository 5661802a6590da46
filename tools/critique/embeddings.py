"""Critique with image embeddings: how close a clip's frames stay to the video's anchors.

Three kinds behind the `critic` role, each a transformers model:
`clip:MODEL` (CLIPModel, default openai/clip-vit-base-patch32), `siglip:MODEL` (SiglipModel,
default google/siglip-base-patch16-224) and `dinov2:MODEL` (Dinov2 through AutoModel, default
facebook/dinov2-small).

Whole frames. The image processors resize the short side and centre-crop a square, which on a
16:9 frame leaves 44 % of the width unseen (where characters often stand). Each frame and
anchor is therefore embedded as the fewest squares of its short side that cover it, evenly
spaced from edge to edge (two for 16:9, overlapping a little), and its embedding is the mean
of theirs: nothing is cropped away, nothing is squashed.

Scores, each 0..1 (higher is more consistent):

- style: cosine of every frame's embedding to the style anchor PNG, averaged over the frames;
- character: the same against each on-screen character's sheet (`anchors["characters"][id]`),
  averaged over the characters; absent when no character is on screen;
- prompt (CLIP and SigLIP): cosine of the frames to the scene prompt's text embedding
  (the text encoder's window: 77 tokens for CLIP, 64 for SigLIP; the prompt's start counts);
- overall: the mean of the scores above. A clip whose overall score is below `threshold` is
  regenerated.

From cosine to 0..1. Raw cosines live on different scales per model and per modality (CLIP
image-image cosines of unrelated pictures sit near 0.5, its image-text cosines near 0.15), so a
mean of raw cosines would mix scales. Each cosine is mapped through a logistic curve fixed by two
reference cosines: `unrelated` (typical for pictures that share nothing) maps to 0.1 and
`faithful` (typical for the same subject or look re-rendered) to 0.9; halfway maps to 0.5.
The curve is strictly increasing and never flat, so no two cosines collapse onto one score and a
threshold calibrated on scores is exactly a threshold on cosines. SigLIP's prompt score is the
model's own trained sigmoid, `sigmoid(exp(logit_scale) * cosine + logit_bias)`: the probability
it gives that the text describes the frame.

PROVISIONAL defaults. The reference cosines and the default threshold (0.5: halfway between
unrelated and faithful) are priors from the ranges commonly reported for these encoders (e.g.
DreamBooth-style subject fidelity: CLIP image ~0.8-0.9, DINO ~0.6-0.8 on faithful pairs,
CLIP text-image ~0.25-0.3 on matching prompts), not measured on this project's clips: no real
weights were available where this was written. Replace them with `calibrate()`: render clips
that keep the anchors' look and characters and clips that drift, score both with a local model
folder, and pass the two lists of overall scores; it returns the threshold that maximises
Youden's J (true-pass rate minus false-pass rate), which, unlike F1, does not depend on how
many clips of each kind the calibration set holds. Give the result as `threshold=`.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tools.critique.pixels import critic_threshold
from tools.errors import InvalidInputError
from tools.pretrained import load_pretrained, require_ml, torch_device
from tools.types import Anchors, Plan, Scene

LOGIT_09 = float(np.log(9.0))  # logistic(LOGIT_09) = 0.9


@dataclass(frozen=True)
class CosineScale:
    """A logistic map of cosines onto 0..1: `unrelated` -> 0.1, `faithful` -> 0.9."""

    unrelated: float
    faithful: float

    def __call__(self, cosine: float) -> float:
        middle = (self.unrelated + self.faithful) / 2
        slope = 2 * LOGIT_09 / (self.faithful - self.unrelated)
        return _sigmoid(slope * (cosine - middle))


class EmbeddingCritic:
    """Frame-to-anchor (and frame-to-prompt) similarity with one embedding model.

    Subclasses name the kind, the default checkpoint, the model class and the provisional
    cosine scales; see the module docstring for the method.
    """

    name: str
    default_model: str
    model_class: str  # attribute of transformers
    image_scale: CosineScale
    has_text = False  # a text tower: scores the frames against the scene prompt
    text_scale: CosineScale | None = None  # prompt cosine -> 0..1, unless prompt_score says else
    text_padding: bool | str = True
    default_threshold = 0.5  # provisional, see the module docstring

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str = "auto",
        threshold: float | None = None,
        batch_size: int = 16,
        download: bool = False,
    ) -> None:
        self.threshold = critic_threshold(threshold, default=self.default_threshold)
        require_ml(self.name)
        import torch
        import transformers

        model = model or self.default_model
        self.device = torch_device(device)
        self.dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        loader = getattr(transformers, self.model_class).from_pretrained
        self.model = load_pretrained(loader, model, download=download, dtype=self.dtype)
        self.model.to(self.device).eval()
        self.image_processor = load_pretrained(
            transformers.AutoImageProcessor.from_pretrained, model, download=download
        )
        self.tokenizer = (
            load_pretrained(transformers.AutoTokenizer.from_pretrained, model, download=download)
            if self.has_text
            else None
        )
        self.source = f"{self.name}:{model}"
        self.batch_size = batch_size
        self._anchors: dict[tuple[str, int, int], np.ndarray] = {}

    def score(
        self, frames: list[np.ndarray], *, scene: Scene, plan: Plan, anchors: Anchors
    ) -> dict[str, float]:
        """style, character (when someone is on screen), prompt (text models) and overall."""
        embedded = self.embed_images([Image.fromarray(f) for f in _checked(frames)])
        scores = {"style": self.image_scale(_mean_cosine(embedded, self.anchor(anchors["style"])))}
        if scene["characters"]:
            per_character = [
                self.image_scale(_mean_cosine(embedded, self.anchor(sheet)))
                for sheet in _sheets(scene, anchors)
            ]
            scores["character"] = float(np.mean(per_character))
        if self.has_text:
            scores["prompt"] = self.prompt_score(_mean_cosine(embedded, self.embed_text(scene)))
        scores["overall"] = float(np.mean(list(scores.values())))
        return scores

    def anchor(self, path: str) -> np.ndarray:
        """The embedding of an anchor PNG, cached per path (and modification time)."""
        file = Path(path)
        if not file.is_file():
            raise InvalidInputError(f"anchor image {path!r} does not exist")
        stat = file.stat()
        key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in self._anchors:
            with Image.open(file) as image:
                self._anchors[key] = self.embed_images([image.convert("RGB")])[0]
        return self._anchors[key]

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Unit-length embeddings of whole images: the mean of their square tiles'."""
        import torch

        tiles = [square_tiles(image) for image in images]
        flat = [tile for group in tiles for tile in group]
        out = []
        for i in range(0, len(flat), self.batch_size):
            pixels = self.image_processor(
                images=flat[i : i + self.batch_size], return_tensors="pt"
            )["pixel_values"]
            with torch.inference_mode():
                embedded = self.image_features(pixels.to(self.device, self.dtype))
            out.append(_unit(embedded.float().cpu().numpy()))
        embedded = np.concatenate(out)
        ends = np.cumsum([len(group) for group in tiles])
        return _unit(np.stack([part.mean(axis=0) for part in np.split(embedded, ends[:-1])]))

    def image_features(self, pixels: Any) -> Any:
        """The model's image embedding of a batch of pixel values (a torch tensor)."""
        return self.model.get_image_features(pixel_values=pixels).pooler_output

    def embed_text(self, scene: Scene) -> np.ndarray:
        """Unit-length embedding of the scene prompt, cut to the text encoder's window."""
        import torch

        tokens = self.tokenizer(
            [scene["prompt"]],
            padding=self.text_padding,
            truncation=True,
            max_length=self.model.config.text_config.max_position_embeddings,
            return_tensors="pt",
        ).to(self.device)
        with torch.inference_mode():
            embedded = self.model.get_text_features(**self.text_inputs(tokens)).pooler_output
        return _unit(embedded.float().cpu().numpy())[0]

    def text_inputs(self, tokens: Any) -> dict[str, Any]:
        """What the text tower takes from the tokenizer's output."""
        return {"input_ids": tokens["input_ids"], "attention_mask": tokens["attention_mask"]}

    def prompt_score(self, cosine: float) -> float:
        """0..1 from the mean frame-to-prompt cosine."""
        return self.text_scale(cosine)


class ClipCritic(EmbeddingCritic):
    """CLIP image and text embeddings (`clip:MODEL`)."""

    name = "clip"
    default_model = "openai/clip-vit-base-patch32"
    model_class = "CLIPModel"
    image_scale = CosineScale(unrelated=0.5, faithful=0.9)
    has_text = True
    text_scale = CosineScale(unrelated=0.15, faithful=0.3)


class SiglipCritic(EmbeddingCritic):
    """SigLIP image and text embeddings (`siglip:MODEL`); the prompt score is its own sigmoid."""

    name = "siglip"
    default_model = "google/siglip-base-patch16-224"
    model_class = "SiglipModel"
    image_scale = CosineScale(unrelated=0.4, faithful=0.85)
    has_text = True
    text_padding = "max_length"  # SigLIP pools the last position: it was trained padded

    def text_inputs(self, tokens: Any) -> dict[str, Any]:
        return {"input_ids": tokens["input_ids"]}  # SigLIP was trained without a mask

    def prompt_score(self, cosine: float) -> float:
        scale = float(self.model.logit_scale.detach().exp())
        return _sigmoid(scale * cosine + float(self.model.logit_bias.detach()))


class Dinov2Critic(EmbeddingCritic):
    """DINOv2 image embeddings (`dinov2:MODEL`): the class token; no prompt score."""

    name = "dinov2"
    default_model = "facebook/dinov2-small"
    model_class = "AutoModel"
    image_scale = CosineScale(unrelated=0.15, faithful=0.75)

    def image_features(self, pixels: Any) -> Any:
        return self.model(pixel_values=pixels).pooler_output


def square_tiles(image: Image.Image) -> list[Image.Image]:
    """The fewest squares of the image's short side that cover it, evenly spaced from one
    edge to the other (one for a square image, two for 16:9)."""
    width, height = image.size
    side = min(width, height)
    count = math.ceil(max(width, height) / side)
    if count == 1:
        return [image]
    step = (max(width, height) - side) / (count - 1)
    offsets = [round(k * step) for k in range(count)]
    if width >= height:
        return [image.crop((x, 0, x + side, side)) for x in offsets]
    return [image.crop((0, y, side, y + side)) for y in offsets]


def calibrate(consistent: Sequence[float], drifted: Sequence[float]) -> float:
    """The overall-score threshold that best separates consistent clips from drifted ones.

    A clip passes when its score is at least the threshold. Candidates are the midpoints between
    neighbouring distinct scores; the one maximising Youden's J = P(consistent passes) -
    P(drifted passes) wins (the middle one of several equally good).
    """
    good, bad = np.asarray(consistent, dtype=float), np.asarray(drifted, dtype=float)
    if good.size == 0 or bad.size == 0:
        raise InvalidInputError("calibration needs scores of consistent and of drifted clips")
    values = np.unique(np.concatenate([good, bad]))
    if values.size < 2:
        raise InvalidInputError("all calibration scores are equal: nothing to separate")
    candidates = (values[:-1] + values[1:]) / 2
    youden = (good[:, None] >= candidates).mean(0) - (bad[:, None] >= candidates).mean(0)
    best = np.flatnonzero(youden == youden.max())
    return float(candidates[best[len(best) // 2]])


def _checked(frames: list[np.ndarray]) -> list[np.ndarray]:
    if not frames:
        raise InvalidInputError("no frames to critique")
    for frame in frames:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise InvalidInputError(
                f"frames must be uint8 HxWx3 arrays, got {frame.dtype} {frame.shape}"
            )
    return frames


def _sheets(scene: Scene, anchors: Anchors) -> list[str]:
    missing = [c for c in scene["characters"] if c not in anchors["characters"]]
    if missing:
        raise InvalidInputError(
            f"scene {scene['id']} shows {', '.join(missing)} but there is no character sheet"
        )
    return [anchors["characters"][c] for c in scene["characters"]]


def _mean_cosine(frames: np.ndarray, reference: np.ndarray) -> float:
    return float(np.mean(frames @ reference))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _sigmoid(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))
