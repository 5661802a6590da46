"""Scene keyframes for the diffusers video backend: the first frame of each clip, drawn from the
scene's shot with its characters as they look on their sheets.

An image-editing pipeline (`scene_keyframes=`, a hub id or folder) composes the references with
the scene; supported: FLUX.1 Kontext (`FluxKontextPipeline`, e.g.
`black-forest-labs/FLUX.1-Kontext-dev`). Kontext reads one reference image, so the sheets of
the scene's characters are set side by side into one picture of the keyframe's size, each sheet
fitted to its cell by cropping its sides (a sheet draws its figure full length in the middle).
A scene without characters is drawn from text alone by the text-to-image model (`keyframes=`)
where the backend has one, else by the edit model from the style anchor (the look of the video,
no people). The sheets and the style anchor stay what the critic compares clips with; a clip
never starts on one of them.

Prompts are the scene's shot (`tools.video.prompt_budget`), inside a short instruction for the edit
model (`prompts/keyframe_scene_cast.txt`, `keyframe_scene_look.txt`), fitted to each text
encoder's budget and counted with its own tokenizer: FLUX's T5 reads up to 512 tokens
(`prompt_2`), its CLIP encoder, which gives a pooled vector only, 77 (`prompt`); nothing is left
for the pipeline to truncate.
"""

import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from prompts import render as render_prompt
from tools.errors import BackendUnavailableError
from tools.types import Anchors, Plan, Scene
from tools.video.prompt_budget import Count, Fitted, scene_prompt, text_prompt, tokenizer_count

EDIT_PIPELINES = ("FluxKontextPipeline",)
DEFAULT_BUDGET = 77  # tokens, for a tokenizer that states no limit (CLIP's)


@dataclass(frozen=True)
class Still:
    """One image to draw: its prompt within a budget (counted by the model's tokenizer), its
    seed, and the reference images (PNG paths) an edit model starts from."""

    prompt: Callable[[int, Count], Fitted]
    seed: int
    references: tuple[str, ...] = ()


def edit_pipeline(folder: Path) -> str:
    """The class of the image-editing pipeline in `folder`; any other pipeline is an error."""
    try:
        name = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))["_class_name"]
    except (OSError, ValueError, KeyError) as error:
        raise BackendUnavailableError(
            f"cannot read {folder / 'model_index.json'}: {error}"
        ) from error
    if name not in EDIT_PIPELINES:
        raise BackendUnavailableError(
            f"{folder} holds {name!r}, not an image-editing pipeline for scene keyframes; "
            f"supported: {', '.join(EDIT_PIPELINES)}"
        )
    return name


def text_still(text: str, *, seed: int) -> Still:
    """A still drawn from a free text (an anchor's prompt)."""
    return Still(lambda budget, count: text_prompt(text, budget=budget, count=count), seed)


def scene_still(scene: Scene, plan: Plan, anchors: Anchors | None, *, seed: int) -> Still:
    """A scene's keyframe: from its shot alone (`anchors` None: a text-to-image model), else
    edited from its characters' sheets, or from the style anchor when nobody is on screen."""
    if anchors is None:
        return Still(lambda b, c: scene_prompt(scene, plan, budget=b, count=c), seed)
    if scene["characters"]:
        sheets = tuple(anchors["characters"][cid] for cid in scene["characters"])
        return Still(_wrapped("keyframe_scene_cast", scene, plan), seed, sheets)
    return Still(_wrapped("keyframe_scene_look", scene, plan), seed, (anchors["style"],))


def _wrapped(template: str, scene: Scene, plan: Plan) -> Callable[[int, Count], Fitted]:
    """The scene's prompt inside the instruction `template`, the whole within the budget; the
    scene's prompt alone where even the bare instruction would not fit."""

    def prompt(budget: int, count: Count) -> Fitted:
        inside = scene_prompt(
            scene, plan, budget=budget, count=lambda t: count(render_prompt(template, scene=t))
        )
        if inside.tokens > budget:
            bare = scene_prompt(scene, plan, budget=budget, count=count)
            return replace(bare, cut=("dropped the instruction", *bare.cut))
        return replace(inside, text=render_prompt(template, scene=inside.text))

    return prompt


def compose_references(images: Sequence[Image.Image], size: tuple[int, int]) -> Image.Image:
    """The references side by side on one picture of `size`, each fitted to its cell (scaled
    to cover it, the overflow cropped evenly from both sides)."""
    width, height = size
    canvas = Image.new("RGB", size)
    edges = [round(k * width / len(images)) for k in range(len(images) + 1)]
    for image, left, right in zip(images, edges, edges[1:], strict=False):
        cell = ImageOps.fit(image.convert("RGB"), (right - left, height), Image.Resampling.LANCZOS)
        canvas.paste(cell, (left, 0))
    return canvas


def prompt_inputs(pipe: Any) -> dict[str, tuple[int, Count]]:
    """Each prompt input of an image pipeline with the budget and the token count of the text
    encoder that reads it: `prompt` its `tokenizer`'s; where a second encoder reads `prompt_2`
    (FLUX: T5; SDXL: a second CLIP), that one's too. The last encoder's budget is also bounded
    by the pipeline's `max_sequence_length` default (FLUX and PixArt: their T5's)."""
    accepted = inspect.signature(pipe.__call__).parameters
    tokenizers = {"prompt": pipe.tokenizer}
    if getattr(pipe, "tokenizer_2", None) is not None and "prompt_2" in accepted:
        tokenizers["prompt_2"] = pipe.tokenizer_2
    longest = accepted["max_sequence_length"].default if "max_sequence_length" in accepted else None
    inputs = {}
    for k, (name, tokenizer) in enumerate(tokenizers.items()):
        limits = [getattr(tokenizer, "model_max_length", None)]
        if k == len(tokenizers) - 1:
            limits.append(longest)
        known = [v for v in limits if isinstance(v, int) and 0 < v < 100_000]
        inputs[name] = (min(known) if known else DEFAULT_BUDGET, tokenizer_count(tokenizer))
    return inputs


def still_options(
    pipe: Any,
    prompts: dict[str, Fitted],
    *,
    reference: Image.Image | None,
    size: tuple[int, int],
    seed: int,
    steps: int | None,
) -> dict[str, Any]:
    """The inputs of one image pipeline call (`prompts` as `prompt_inputs` names them), each
    only where the pipeline takes it: the reference at the image's own size (Kontext would
    otherwise rescale both to about a megapixel, stretching the reference to its nearest
    trained aspect)."""
    import torch

    accepted = inspect.signature(pipe.__call__).parameters
    options: dict[str, Any] = {name: prompt.text for name, prompt in prompts.items()}
    options |= {
        "width": size[0],
        "height": size[1],
        "generator": torch.Generator("cpu").manual_seed(seed),
        "output_type": "pil",
    }
    optional = {
        "negative_prompt": render_prompt("keyframe_negative"),
        "max_sequence_length": list(prompts.values())[-1].budget,
        "num_inference_steps": steps,
    }
    if reference is not None:
        optional |= {"image": reference, "max_area": size[0] * size[1], "_auto_resize": False}
    options |= {k: v for k, v in optional.items() if v is not None and k in accepted}
    if reference is not None and "image" not in options:
        raise BackendUnavailableError(f"{type(pipe).__name__} takes no reference image")
    return options
