"""The critic `vlm`: a vision-language model on an OpenAI-compatible server judges one clip.

It is shown the style anchor, the character sheet of each character the scene puts on screen
(each image after a text label: "Image 1: the style reference", "Image 2: character c1 'Mara'
sheet", …) and `frames` evenly chosen frames of the clip, all at most MAX_SIDE pixels on their
longest side as JPEG data URLs, with the style bible, the characters' descriptions and the scene
prompt. It answers a rubric in JSON (prompts/critic_vlm_system.txt), each aspect a reason and a
score from 1 to 5:

- style: medium, palette and lighting of the style reference and the bible;
- character: the same people as on their sheets (face, hair, outfit colours); a scene with no
  character has no sheet to compare, and its character score is 1.0 whatever the model says;
- prompt: does the clip show what the scene asks (reported, not gating).

Scores come back as 0..1 ((score - 1) / 4); overall = min(style, character), since consistency
is what the critic guards. The Critic contract carries floats only, so the reasons are logged at
INFO (logger `tools.critique.vlm`) with the scene id, not returned.

The default threshold, 0.5, is a rubric threshold, not a calibrated one: a clip passes when
style and character both score at least 3 ("recognisably the same, with clear deviations").
Nothing was measured to set it; `tools.critique.embeddings.calibrate` finds a better one from
consistent and drifted clips scored by the model you use. Any vision chat model the server
offers will do (gpt-4.1-mini, a Qwen2.5-VL behind vLLM, …).
"""

import base64
import io
import logging
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from prompts import render
from tools.critique.pixels import critic_threshold
from tools.errors import InvalidInputError
from tools.llm.openai_chat import MAX_RETRIES, TIMEOUT_SECONDS, OpenAIChat
from tools.llm.replies import Message, StrictModel
from tools.types import Anchors, Character, Plan, Scene

DEFAULT_MODEL = "gpt-4.1-mini"
MAX_SIDE = 512  # pixels: images are downscaled to this longest side, never enlarged
JPEG_QUALITY = 90

log = logging.getLogger(__name__)


class Verdict(StrictModel):
    reason: str  # first, so the model says what it saw before it scores
    score: Literal[1, 2, 3, 4, 5]


class ClipVerdict(StrictModel):
    style: Verdict
    character: Verdict
    prompt: Verdict


class VLMCritic:
    """Scores a clip's consistency with the anchors by asking a vision chat model."""

    name = "vlm"
    default_threshold = 0.5  # a rubric threshold (3 of 5 on style and character), not calibrated

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        threshold: float | None = None,
        frames: int = 3,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.threshold = critic_threshold(threshold, default=self.default_threshold)
        if frames < 1:
            raise InvalidInputError(f"the vlm critic needs at least one frame, got {frames}")
        self.chat = OpenAIChat(model, timeout=timeout, max_retries=max_retries)
        self.source = f"{self.name}:{model}"
        self.frames = frames

    def score(
        self, frames: list[np.ndarray], *, scene: Scene, plan: Plan, anchors: Anchors
    ) -> dict[str, float]:
        """style, character, prompt and overall (= min(style, character)), each 0..1."""
        chosen = _evenly(_checked(frames, scene), self.frames)
        cast = _cast(scene, plan, anchors)
        shown = [("the style reference", _anchor(anchors["style"]))]
        shown += [
            (f"character {c['id']} '{c['name']}' sheet", _anchor(anchors["characters"][c["id"]]))
            for c in cast
        ]
        shown += [
            (f"clip frame {i} of {len(chosen)}", _downscaled(Image.fromarray(frame)))
            for i, frame in enumerate(chosen, 1)
        ]
        labels = [f"Image {i}: {what}" for i, (what, _) in enumerate(shown, 1)]
        text = render(
            "critic_vlm_user",
            scene_id=scene["id"],
            bible=_bible(plan),
            characters="\n".join(_described(c) for c in cast) or "none",
            prompt=scene["prompt"],
            legend="; ".join(labels),
        )
        content: list[Message] = [{"type": "text", "text": text}]
        for label, (_, image) in zip(labels, shown, strict=True):
            content += [{"type": "text", "text": label}, _image_part(image)]
        messages = [
            {"role": "system", "content": render("critic_vlm_system")},
            {"role": "user", "content": content},
        ]
        verdict = self.chat.ask_json(messages, ClipVerdict)
        log.info(
            "%s %s: style %d (%s); character %d (%s); prompt %d (%s)",
            self.source,
            scene["id"],
            verdict.style.score,
            verdict.style.reason,
            verdict.character.score,
            verdict.character.reason,
            verdict.prompt.score,
            verdict.prompt.reason,
        )
        style = _unit(verdict.style)
        character = _unit(verdict.character) if cast else 1.0
        return {
            "style": style,
            "character": character,
            "prompt": _unit(verdict.prompt),
            "overall": min(style, character),
        }


def _unit(verdict: Verdict) -> float:
    return (verdict.score - 1) / 4


def _checked(frames: list[np.ndarray], scene: Scene) -> list[np.ndarray]:
    if not frames:
        raise InvalidInputError(f"no frames to critique for scene {scene['id']}")
    for frame in frames:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise InvalidInputError(
                f"frames must be uint8 HxWx3 arrays, got {frame.dtype} {frame.shape}"
            )
    return frames


def _evenly(frames: list[np.ndarray], count: int) -> list[np.ndarray]:
    """`count` frames spread from the first to the last (all of them when there are fewer)."""
    if len(frames) <= count:
        return frames
    return [frames[i] for i in np.linspace(0, len(frames) - 1, count).round().astype(int)]


def _cast(scene: Scene, plan: Plan, anchors: Anchors) -> list[Character]:
    """The plan's characters that the scene puts on screen, each with a sheet."""
    characters = {c["id"]: c for c in plan["characters"]}
    unknown = [c for c in scene["characters"] if c not in characters]
    if unknown:
        raise InvalidInputError(
            f"scene {scene['id']} shows {', '.join(unknown)}, who are not in the plan"
        )
    missing = [c for c in scene["characters"] if c not in anchors["characters"]]
    if missing:
        raise InvalidInputError(
            f"scene {scene['id']} shows {', '.join(missing)} but there is no character sheet"
        )
    return [characters[c] for c in scene["characters"]]


def _bible(plan: Plan) -> str:
    bible = plan["bible"]
    return (
        f"{bible['medium']}; palette {', '.join(bible['palette'])} (deep, dark, mid, accent, "
        f"highlight); lighting: {bible['lighting']}. {bible['text']}"
    )


def _described(character: Character) -> str:
    colours = ", ".join(f"{part} {value}" for part, value in character["colors"].items())
    return (
        f"- {character['id']} '{character['name']}': {character['description']} Colours: {colours}."
    )


def _anchor(path: str) -> Image.Image:
    if not Path(path).is_file():
        raise InvalidInputError(f"anchor image {path!r} does not exist")
    with Image.open(path) as image:
        return _downscaled(image.convert("RGB"))


def _downscaled(image: Image.Image) -> Image.Image:
    scale = MAX_SIDE / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.LANCZOS)


def _image_part(image: Image.Image) -> Message:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{data}"}}
