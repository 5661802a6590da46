"""The real video backend: text- and image-to-video with diffusers (LTX-Video, Wan 2.x, CogVideoX).

Spec `diffusers:<hub id or folder>`, e.g. `diffusers:Lightricks/LTX-Video-0.9.8-13B-distilled`,
`diffusers:Wan-AI/Wan2.1-T2V-1.3B-Diffusers` or `diffusers:/models/ltx`. diffusers picks the
pipeline class from the checkpoint's `model_index.json`; weights are downloaded only when asked
(`download=True`): otherwise a model must be a local folder or already in the local Hugging Face
cache, and the error names the command that fetches just the files the loader reads.

Settings. Each LTX-Video release has its recommended steps and guidance (diffusers' LTX-Video
docs, "Notes"): the guidance- and timestep-distilled 0.9.7/0.9.8 models run 8 given timesteps at
guidance 1.0, 0.9.7-dev 30 steps at 5.0, 0.9.5 40 steps at 3.0; a timestep-conditioned VAE
(0.9.1+) decodes at timestep 0.05 with noise 0.025 and takes image conditions with noise 0.025.
`steps`, `guidance_scale` and `image_cond_noise_scale` override them (`--set video.…=`).
`quality="draft"` (`--quality draft`) is for trying a plan out: half the steps (at least 4; the
distilled models then sample 4 steps of the scheduler's own schedule, which diffusers' docs allow)
at half the frame area; `"final"` is the recipe.

Throughput. Weights load in bfloat16 on CUDA, attention is PyTorch's SDPA (diffusers' default),
the VAE decodes in tiles. `offload=True` moves one component at a time to the GPU (diffusers'
model CPU offload); `offload="layers"` streams the weights layer by layer (leaf-level group
offloading: the 13B model on a 24 GB card, slower); `compile=True` compiles the transformer
with `torch.compile` (slow first clip, faster later ones). `batch=N` renders up to N clips in one
pipeline call (`tools.video.batching`): clips rendered at once (`--workers`) that share what a
batch must share (pipeline, frame count, size; steps and guidance are the backend's) go in
together: the first waits BATCH_WAIT seconds for the others, and longer while the pipeline
renders another batch (those that come meanwhile join it). Each has its own prompt, first frame
and generator seeded as it would be alone, so each clip is its unbatched render up to float noise;
the anchors' renders go N at a time too. Text-to-video batches in every family, image-to-video
only where the pipeline takes one first frame per prompt (IMAGE_BATCHES). A batch multiplies the
activations (latents, attention, the VAE's decode) by N, not the weights; `doctor` plans the
weights and leaves 20 % of the memory for activations, so a large batch on a full card can
run out of memory where N=1 does not.

Prompts are rendered from the scene's shot within the text encoder's token budget
(`tools.video.prompt_budget`): what had to be cut is logged and returned with the clip.

Consistency anchoring. `anchors()` draws one reference per character (a sheet) and one for the
look of the video: with a text-to-image model (`keyframes=`, any diffusers text-to-image
checkpoint) they are its images; without one, the first frame of a short text-to-video render of
the same prompt by the video model itself. They are what the critic compares clips with, never
the first frame of a clip. What a clip starts from:

- with an image-editing model (`scene_keyframes=`, FLUX.1 Kontext; `tools.video.keyframes`),
  each scene's own keyframe, its characters composed from their sheets into its shot, drawn once
  per video by `anchors()` (saved as `anchors/keyframes/<scene>.png`), then image-to-video from it;
- with an image-to-video-only checkpoint (Wan I2V, CogVideoX I2V), each scene's keyframe drawn
  from its shot by the text-to-image model that such a checkpoint needs;
- otherwise (the default) the scene's text alone: text-to-video, no reference first frame.

Each clip's notes say which (`first_frame`: the keyframe's path, or "none"); run.json shows it.

Time and size. A family generates only some frame counts (step * k + 1) at its own frame rate
and resolution. A scene is generated at the valid count nearest to its length at the native rate
and near the native pixel count with the output's aspect, then mapped to exactly
round(end*fps) - round(start*fps) output frames (nearest frame in time: drop or repeat) and
scaled and centre-cropped to the output size.
"""

import gc
import inspect
import json
import logging
import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from prompts import render as render_prompt
from tools.assembly.assemble import transition_keyframes
from tools.errors import BackendUnavailableError, GenerationFailedError, InvalidInputError
from tools.ffmpeg import frame_writer
from tools.files import write_png
from tools.memory_plan import offload_mode
from tools.pretrained import ML_EXTRA, load_pretrained, torch_device
from tools.types import Analysis, Anchors, Character, Plan, Rendered, Scene
from tools.video.batching import Coalescer
from tools.video.keyframes import (
    Still,
    compose_references,
    edit_pipeline,
    prompt_inputs,
    scene_still,
    still_options,
    text_still,
)
from tools.video.prompt_budget import Fitted, scene_prompt, text_prompt, tokenizer_count

log = logging.getLogger(__name__)

DEFAULT_MODEL = "Lightricks/LTX-Video-0.9.8-13B-distilled"
OFFLOAD_SHARE = 0.8  # offload to the CPU when the weights on disk exceed this share of the GPU
QUALITIES = ("draft", "final")
DTYPES = ("bfloat16", "float16", "float32")
DRAFT_MIN_STEPS = 4  # the fewest steps diffusers' docs give the distilled LTX-Video models
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
BATCH_WAIT = 0.25  # seconds the first clip of a batch waits for others (`batch` > 1)
# image-to-video pipelines that take one first frame per prompt (Wan's and LTXCondition's
# image input is one video's: they render image-to-video clips one at a time)
IMAGE_BATCHES = ("LTXImageToVideoPipeline", "CogVideoXImageToVideoPipeline")


@dataclass(frozen=True)
class Family:
    """What one checkpoint of a model family can do, and the settings it was trained at."""

    name: str
    t2v: str | None  # diffusers pipeline class for text-to-video with these weights
    i2v: str | None  # diffusers pipeline class for image-to-video (first frame given)
    fps: int  # native frame rate
    frame_step: int  # valid frame counts are frame_step * k + 1
    max_frames: int  # longest clip in one go (a valid count)
    pixels: int  # native frame area, width * height
    size_multiple: int  # width and height must be multiples of this
    max_tokens: int  # prompt length for the text encoder

    @property
    def max_seconds(self) -> float:
        return self.max_frames / self.fps


LTX = Family(
    "LTX-Video",
    t2v="LTXPipeline",
    i2v="LTXImageToVideoPipeline",
    fps=24,
    frame_step=8,
    max_frames=121,
    pixels=704 * 480,
    size_multiple=32,
    max_tokens=256,
)
WAN = Family(
    "Wan",
    t2v="WanPipeline",
    i2v=None,
    fps=16,
    frame_step=4,
    max_frames=81,
    pixels=832 * 480,
    size_multiple=16,
    max_tokens=512,
)
WAN_TI2V = replace(
    WAN,
    name="Wan 2.2 TI2V",
    i2v="WanImageToVideoPipeline",
    fps=24,
    max_frames=121,
    pixels=1280 * 704,
    size_multiple=32,
)
COGVIDEOX = Family(
    "CogVideoX",
    t2v="CogVideoXPipeline",
    i2v=None,
    fps=8,
    frame_step=4,
    max_frames=49,
    pixels=720 * 480,
    size_multiple=16,
    max_tokens=226,
)
COGVIDEOX_15 = replace(COGVIDEOX, name="CogVideoX 1.5", fps=16, max_frames=81, pixels=1360 * 768)

SUPPORTED = (
    "LTXPipeline",
    "LTXImageToVideoPipeline",
    "LTXConditionPipeline",
    "WanPipeline",
    "WanImageToVideoPipeline",
    "CogVideoXPipeline",
    "CogVideoXImageToVideoPipeline",
)


# The recommended settings of the diffusers-format LTX-Video releases (diffusers' LTX-Video docs).
DISTILLED_TIMESTEPS = (1000.0, 993.0, 987.0, 981.0, 975.0, 909.0, 725.0, 0.03)
DECODE_TIMESTEP = 0.05  # timestep-conditioned VAEs (LTX-Video 0.9.1+)
DECODE_NOISE = 0.025
IMAGE_COND_NOISE = 0.025


@dataclass(frozen=True)
class Recipe:
    """How a checkpoint is meant to be sampled (None: the pipeline's default)."""

    steps: int | None = None
    timesteps: tuple[float, ...] | None = None
    guidance_scale: float | None = None


DISTILLED = Recipe(timesteps=DISTILLED_TIMESTEPS, guidance_scale=1.0)
RECIPES = {
    "Lightricks/LTX-Video-0.9.8-13B-distilled": DISTILLED,
    "Lightricks/LTX-Video-0.9.7-distilled": DISTILLED,
    "Lightricks/LTX-Video-0.9.7-dev": Recipe(steps=30, guidance_scale=5.0),
    "Lightricks/LTX-Video-0.9.5": Recipe(steps=40, guidance_scale=3.0),
}


@dataclass(frozen=True)
class ClipInput:
    """What one clip of a pipeline call is rendered from."""

    prompt: str
    image: Image.Image | None  # its first frame (None: from text)
    seed: int


# what the clips of one pipeline call share: its class, frames, size and whether from images
BatchKey = tuple[str, int, tuple[int, int], bool]


def recipe(model: str, family: Family) -> Recipe:
    """The recipe of a known release; any other LTX-Video model whose name says it is
    distilled gets the distilled one; else the pipeline's defaults."""
    if model in RECIPES:
        return RECIPES[model]
    if family.name == LTX.name and "distilled" in Path(model).name.lower():
        return DISTILLED
    return Recipe()


def download_command(model: str) -> str:
    """The command that fetches only what a diffusers pipeline loads: model_index.json and the
    component folders (not the single-file checkpoints some repos keep at their root)."""
    return f"hf download {model} --include model_index.json '*/*'"


# ---------------------------------------------------------------- the model on disk


def resolve_model(model: str, *, download: bool = False) -> Path:
    """The folder of a diffusers pipeline: `model` itself, or its snapshot in the local HF cache
    (fetched first, only the files the pipeline loads, when `download`)."""
    if Path(model).is_dir():
        folder = Path(model)
    else:
        from huggingface_hub import hf_hub_download, snapshot_download
        from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

        try:
            if download:
                folder = Path(snapshot_download(model, allow_patterns=["model_index.json", "*/*"]))
            else:
                folder = Path(
                    hf_hub_download(model, "model_index.json", local_files_only=True)
                ).parent
        except (LocalEntryNotFoundError, HFValidationError) as error:
            raise BackendUnavailableError(
                f"model {model!r} is neither a folder nor in the local Hugging Face cache; "
                f"download it once with `{download_command(model)}` (or --set video.download=true)"
                " or give its folder"
            ) from error
    if not (folder / "model_index.json").is_file():
        raise BackendUnavailableError(
            f"{model!r} is not a diffusers pipeline (no model_index.json)"
        )
    return folder


def model_family(folder: Path) -> Family:
    """The family of the pipeline in `folder`, from model_index.json and the transformer config."""
    index = _read_json(folder / "model_index.json")
    name = index.get("_class_name")
    if name not in SUPPORTED:
        raise BackendUnavailableError(
            f"unsupported video pipeline {name!r} in {folder}; supported: {', '.join(SUPPORTED)}"
        )
    if name.startswith("LTX"):
        return replace(LTX, t2v=name, i2v=name) if name == "LTXConditionPipeline" else LTX
    if name.startswith("Wan"):
        if index.get("expand_timesteps"):  # Wan 2.2 TI2V: one checkpoint for text and image
            return WAN_TI2V
        return WAN if name == "WanPipeline" else replace(WAN, t2v=None, i2v=name)
    transformer = _read_json(folder / "transformer" / "config.json")
    family = COGVIDEOX_15 if transformer.get("patch_size_t") else COGVIDEOX
    return family if name == "CogVideoXPipeline" else replace(family, t2v=None, i2v=name)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackendUnavailableError(f"cannot read {path}: {error}") from error


def weight_bytes(folder: Path) -> int:
    """Bytes of the weight files of the pipeline's components (an upper bound on their memory)."""
    index = _read_json(folder / "model_index.json")
    components = [name for name, value in index.items() if isinstance(value, list) and value[0]]
    return sum(
        path.stat().st_size
        for name in components
        if (folder / name).is_dir()
        for path in (folder / name).iterdir()
        if path.name.endswith(WEIGHT_SUFFIXES)
    )


# ---------------------------------------------------------------- frames in time and space


def generation_frames(seconds: float, *, fps: float, step: int, max_frames: int) -> int:
    """The valid frame count (step * k + 1, at least step + 1, at most max_frames) nearest to
    `seconds` at `fps`."""
    k = round((seconds * fps - 1) / step)
    return min(max(k, 1), (max_frames - 1) // step) * step + 1


def clip_frames(scene: Scene, *, fps: int, max_seconds: float, by: str) -> int:
    """The frames a scene's clip has, round(end*fps) - round(start*fps); an empty scene or one
    longer than the model `by` renders in one go is an input error."""
    count = round(scene["end"] * fps) - round(scene["start"] * fps)
    if count <= 0:
        raise InvalidInputError(f"scene {scene['id']} is empty ({scene['start']}-{scene['end']} s)")
    if count > math.floor(max_seconds * fps) + 1:
        raise InvalidInputError(
            f"scene {scene['id']} lasts {count / fps:.2f} s; {by} renders at most "
            f"{max_seconds:.2f} s in one clip"
        )
    return count


def resample_indices(generated: int, wanted: int) -> np.ndarray:
    """For each of `wanted` output frames, the generated frame nearest in time (both spans
    cover the same interval), so frames are dropped or repeated evenly."""
    centres = (np.arange(wanted) + 0.5) * generated / wanted
    return np.minimum(centres.astype(int), generated - 1)


def generation_size(size: tuple[int, int], *, pixels: int, multiple: int) -> tuple[int, int]:
    """A width and height near `pixels` in area with the aspect of `size`, both multiples."""
    width, height = size
    scale = math.sqrt(pixels / (width * height))
    return (
        max(multiple, round(width * scale / multiple) * multiple),
        max(multiple, round(height * scale / multiple) * multiple),
    )


def fit(image: Image.Image | np.ndarray, size: tuple[int, int]) -> Image.Image:
    """`image` scaled to cover `size` and centre-cropped to it."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    image = image.convert("RGB")
    if image.size == size:
        return image
    return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)


def write_clip(
    video: np.ndarray,
    path: str,
    *,
    count: int,
    size: tuple[int, int],
    fps: int,
    keyframes: Sequence[int] = (),
) -> None:
    """Write `count` frames resampled in time from `video` (F x H x W x 3 uint8) at `size`,
    `keyframes` among its keyframes."""
    with frame_writer(path, size=size, fps=fps, keyframes=keyframes) as writer:
        for index in resample_indices(len(video), count):
            writer.write(fit(video[index], size))


def _uint8(video: Any) -> np.ndarray:
    frames = np.asarray(video, dtype=np.float32)
    if frames.ndim != 4 or frames.shape[0] == 0 or frames.shape[-1] != 3:
        raise GenerationFailedError(f"the video pipeline returned frames of shape {frames.shape}")
    if not np.isfinite(frames).all():
        raise GenerationFailedError("the video pipeline returned NaN or infinite pixels")
    return (frames.clip(0.0, 1.0) * 255.0).round().astype(np.uint8)


# ---------------------------------------------------------------- prompts


def style_prompt(plan: Plan) -> str:
    """The prompt of the style keyframe: the bible on the video's first setting."""
    scenes = plan["scenes"]
    setting = scenes[0]["setting"] if scenes else plan["title"]
    return render_prompt(
        "keyframe_style", title=plan["title"], setting=setting, bible=plan["bible"]["text"]
    )


def character_prompt(character: Character, plan: Plan) -> str:
    """The prompt of a character keyframe: the verbatim description in the bible's style."""
    return render_prompt(
        "keyframe_character",
        title=plan["title"],
        name=character["name"],
        description=character["description"],
        bible=plan["bible"]["text"],
    )


# ---------------------------------------------------------------- the backend


class DiffusersVideo:
    """Clips from a diffusers text/image-to-video model, anchored on per-video keyframes.

    `keyframes`: a diffusers text-to-image model (hub id or folder) for the anchors; without it
    they are first frames of the video model's own text-to-video renders. `scene_keyframes`: an
    image-editing model (FLUX.1 Kontext) that draws each scene's first frame from its shot and
    its characters' sheets; without it clips start from text (or, for an image-to-video-only
    checkpoint, from a keyframe the `keyframes` model draws from the shot). `keyframe_steps`,
    `keyframe_pixels`: steps and area of the images those models draw (None: the pipeline's
    steps; the video's generation area). `offload`: true for
    model CPU offload, "layers" for layer-by-layer offload, false for none (None: model offload
    when the weights on disk exceed 80% of the GPU). `steps`, `guidance_scale`,
    `image_cond_noise_scale`: sampling settings (None: the checkpoint's recipe, else the
    pipeline's defaults). `quality`: "final" (the recipe) or "draft" (half the steps and the
    area). `pixels`: generated frame area (None: the family's native, halved for a draft).
    `compile`: `torch.compile` the transformer. `dtype`: of the weights (None: bfloat16 on CUDA,
    float32 on the CPU). `batch`: clips (and anchors) rendered in one pipeline call at most
    (clips rendered at once that can share a call; 1: one at a time). `download`: fetch a hub
    model that is not in the local cache (default: never download).
    """

    name = "diffusers"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str = "auto",
        keyframes: str | None = None,
        scene_keyframes: str | None = None,
        keyframe_steps: int | None = None,
        keyframe_pixels: int | None = None,
        offload: bool | str | None = None,
        steps: int | None = None,
        guidance_scale: float | None = None,
        image_cond_noise_scale: float | None = None,
        quality: str = "final",
        pixels: int | None = None,
        compile: bool = False,
        dtype: str | None = None,
        batch: int = 1,
        download: bool = False,
    ) -> None:
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise InvalidInputError(f"video batch {batch!r}: expected a whole number, 1 or more")
        if quality not in QUALITIES:
            raise InvalidInputError(f"video quality {quality!r}: choose draft or final")
        if dtype not in (None, *DTYPES):
            raise InvalidInputError(f"video dtype {dtype!r}: choose {', '.join(DTYPES)}")
        missing = [name for name in ("torch", "transformers", "diffusers") if not find_spec(name)]
        if missing:
            raise BackendUnavailableError(
                f"the diffusers video backend needs {', '.join(missing)}: {ML_EXTRA}"
            )
        self.model = model
        self.folder = resolve_model(model, download=download)
        self.family = model_family(self.folder)
        self.keyframes_folder = resolve_model(keyframes, download=download) if keyframes else None
        if keyframes is None and self.family.t2v is None:
            raise BackendUnavailableError(
                f"{model!r} is image-to-video only: give a text-to-image model for its keyframes"
            )
        self.scene_keyframes_folder = None
        if scene_keyframes:
            if self.family.i2v is None:
                raise BackendUnavailableError(
                    f"{model!r} has no image-to-video pipeline to start from scene keyframes"
                )
            self.scene_keyframes_folder = resolve_model(scene_keyframes, download=download)
            edit_pipeline(self.scene_keyframes_folder)
        self.keyframe_steps = keyframe_steps
        if self.family.i2v == "WanImageToVideoPipeline" and not find_spec("ftfy"):
            # diffusers' Wan image-to-video cleans every prompt with ftfy, imported only if present
            raise BackendUnavailableError(
                f"{self.family.name} image-to-video needs ftfy: pip install ftfy"
            )
        self.max_clip_seconds = self.family.max_seconds
        self.device = torch_device(device)
        self.offload = offload
        offload_mode(offload)  # a value it does not know is an error now, not at the first clip
        self.recipe = recipe(model, self.family)
        self.steps = steps
        self.guidance_scale = guidance_scale
        self.image_cond_noise_scale = image_cond_noise_scale
        self.quality = quality
        self.pixels = pixels or (self.family.pixels // (2 if quality == "draft" else 1))
        self.compile = compile
        self.dtype = dtype
        self.keyframe_pixels = keyframe_pixels or self.pixels
        self._pipes: dict[str, Any] = {}
        self._active: Any = None
        self._lock = threading.Lock()
        self._layer_hooked: weakref.WeakSet = weakref.WeakSet()  # modules group-offloaded here
        self.batch = batch
        self._batches: Coalescer[BatchKey, ClipInput, np.ndarray] = Coalescer(
            self._render_batch, size=batch, wait=BATCH_WAIT
        )

    # ------------------------------------------------------------ public API

    @property
    def starts_from_keyframes(self) -> bool:
        """Whether clips start from scene keyframes (else from text alone)."""
        return self.scene_keyframes_folder is not None or self.family.t2v is None

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors:
        """Draw the style reference and one sheet per character as PNGs of `size` in `out_dir`,
        and, where clips start from keyframes, every scene's keyframe in `out_dir`/keyframes."""
        prompts = anchor_prompts(plan)
        scenes = plan["scenes"] if self.starts_from_keyframes else []
        by_text = [s for s in scenes if not self._edits(s)]
        with self._lock:
            if self.keyframes_folder is None:
                log.info("no keyframes model: anchors are first frames of %s renders", self.model)
                images = self._first_frames(prompts, size=size, seed=seed)
            else:
                stills = {
                    key: text_still(text, seed=seed + k)
                    for k, (key, text) in enumerate(prompts.items())
                }
                stills |= {
                    s["id"]: scene_still(s, plan, None, seed=seed + s["index"]) for s in by_text
                }
                images = self._draw(self.keyframes_folder, stills, size=size)
        anchors = save_anchors(
            {key: images[key] for key in prompts}, plan, out_dir=out_dir, size=size
        )
        if scenes:
            folder = Path(out_dir, "keyframes")
            drawn = {s["id"]: images[s["id"]] for s in by_text}
            drawn |= self._scene_keyframes(
                [s for s in scenes if self._edits(s)], plan, anchors, size=size, seed=seed
            )
            anchors["keyframes"] = {
                s["id"]: save_keyframe(drawn[s["id"]], folder, s["id"], size=size) for s in scenes
            }
        return anchors

    def render(
        self,
        scene: Scene,
        *,
        plan: Plan,
        analysis: Analysis,
        anchors: Anchors,
        out_path: str,
        size: tuple[int, int],
        fps: int,
        seed: int,
    ) -> Rendered:
        """Write exactly round(end*fps) - round(start*fps) frames of `scene` to `out_path`;
        returns the prompt the model read and what was cut from it to fit."""
        count = clip_frames(scene, fps=fps, max_seconds=self.max_clip_seconds, by=self.family.name)
        frames = generation_frames(
            count / fps,
            fps=self.family.fps,
            step=self.family.frame_step,
            max_frames=self.family.max_frames,
        )
        gen_size = self._generation_size(size)
        first = self._first_frame(scene, plan=plan, anchors=anchors, size=size, seed=seed)
        image = None if first is None else fit(Image.open(first), gen_size)
        class_name = self.family.t2v if image is None else self.family.i2v
        with self._lock:
            pipe = self._pipeline(class_name)
            prompt = scene_prompt(
                scene, plan, budget=self.family.max_tokens, count=tokenizer_count(pipe.tokenizer)
            )
        _report_cut(f"scene {scene['id']}", prompt)
        clip = ClipInput(prompt.text, image, seed)
        key = (class_name, frames, gen_size, image is not None)
        if image is None or class_name in IMAGE_BATCHES:
            video = self._batches.submit(key, clip)
        else:
            video = self._render_batch(key, [clip])[0]
        keyframes = transition_keyframes(scene, plan["scenes"], fps=fps)
        write_clip(video, out_path, count=count, size=size, fps=fps, keyframes=keyframes)
        return {
            "model_prompt": prompt.text,
            "prompt_tokens": prompt.tokens,
            "prompt_cut": list(prompt.cut),
            "first_frame": first or "none",
        }

    # ------------------------------------------------------------ scene keyframes

    def _edits(self, scene: Scene) -> bool:
        """Whether the edit model draws `scene`'s keyframe: with characters always, without
        them where no text-to-image model can."""
        return self.scene_keyframes_folder is not None and bool(
            scene["characters"] or self.keyframes_folder is None
        )

    def _first_frame(
        self, scene: Scene, *, plan: Plan, anchors: Anchors, size: tuple[int, int], seed: int
    ) -> str | None:
        """The keyframe `scene` starts from (None: from text). One the anchors lack (a revised
        plan keeps its old anchors) is drawn now, once, beside the anchors."""
        if not self.starts_from_keyframes:
            return None
        if scene["id"] in anchors.get("keyframes", {}):
            return anchors["keyframes"][scene["id"]]
        folder = Path(anchors["style"]).parent / "keyframes"
        path = folder / f"{scene['id']}.png"
        if path.is_file():
            return str(path)
        log.info("scene %s has no keyframe among the anchors: drawing it", scene["id"])
        if self._edits(scene):
            image = self._scene_keyframes([scene], plan, anchors, size=size, seed=seed)[scene["id"]]
        else:
            with self._lock:
                still = {scene["id"]: scene_still(scene, plan, None, seed=seed + scene["index"])}
                image = self._draw(self.keyframes_folder, still, size=size)[scene["id"]]
        return save_keyframe(image, folder, scene["id"], size=size)

    def _scene_keyframes(
        self,
        scenes: list[Scene],
        plan: Plan,
        anchors: Anchors,
        *,
        size: tuple[int, int],
        seed: int,
    ) -> dict[str, Image.Image]:
        """The keyframes of `scenes` drawn by the edit model from the sheets (or the style)."""
        if not scenes:
            return {}
        stills = {s["id"]: scene_still(s, plan, anchors, seed=seed + s["index"]) for s in scenes}
        with self._lock:
            return self._draw(self.scene_keyframes_folder, stills, size=size)

    # ------------------------------------------------------------ generation

    def _generation_size(self, size: tuple[int, int]) -> tuple[int, int]:
        return generation_size(size, pixels=self.pixels, multiple=self.family.size_multiple)

    def _render_batch(self, key: BatchKey, clips: list[ClipInput]) -> list[np.ndarray]:
        """`clips` (of one key) from one call of the video pipeline."""
        class_name, frames, size, _ = key
        if len(clips) > 1:
            log.info("%d clips of %d frames in one %s call", len(clips), frames, class_name)
        with self._lock:
            return self._generate(self._pipeline(class_name), clips, frames=frames, size=size)

    def _generate(
        self, pipe: Any, clips: list[ClipInput], *, frames: int, size: tuple[int, int]
    ) -> list[np.ndarray]:
        """`clips` from one call of the video pipeline `pipe`, each with its own prompt, first
        frame and generator: F x H x W x 3 uint8 at the generation size, in order."""
        import torch

        options: dict[str, Any] = {
            "prompt": [clip.prompt for clip in clips],
            "width": size[0],
            "height": size[1],
            "generator": [torch.Generator("cpu").manual_seed(clip.seed) for clip in clips],
            "output_type": "np",
            "num_frames": frames,
            "max_sequence_length": self.family.max_tokens,
        }
        if "negative_prompt" in inspect.signature(pipe.__call__).parameters:
            options["negative_prompt"] = render_prompt("video_negative")
        options |= self._sampling_options(pipe)
        images = [clip.image for clip in clips if clip.image is not None]
        if images:  # one image is one first frame to every pipeline (a list may be conditions)
            options["image"] = images[0] if len(images) == 1 else images
        with torch.inference_mode():
            videos = pipe(**options).frames
        return [_uint8(video) for video in videos]

    def _sampling_options(self, pipe: Any) -> dict[str, Any]:
        """Steps, guidance and the LTX-Video extras: given settings over the recipe over the
        pipeline's defaults, each only where the pipeline takes it."""
        accepted = inspect.signature(pipe.__call__).parameters
        options = _frame_options(pipe, self.family)
        given_timesteps = self.steps is None and self.quality == "final" and self.recipe.timesteps
        if given_timesteps and "timesteps" in accepted:
            options["timesteps"] = list(self.recipe.timesteps)
        elif (steps := self._steps(accepted)) is not None:
            options["num_inference_steps"] = steps
        guidance = _first(self.guidance_scale, self.recipe.guidance_scale)
        if guidance is not None and "guidance_scale" in accepted:
            options["guidance_scale"] = guidance
        noise = _first(
            self.image_cond_noise_scale,
            IMAGE_COND_NOISE if _timestep_vae(pipe) else None,
        )
        if noise is not None and "image_cond_noise_scale" in accepted:
            options["image_cond_noise_scale"] = noise
        return options

    def _steps(self, accepted: Any) -> int | None:
        """The steps asked for, else the recipe's; a draft takes half of those (or of the
        pipeline's default), at least DRAFT_MIN_STEPS."""
        if self.steps is not None:
            return self.steps
        if self.quality == "final":
            return self.recipe.steps
        full = len(self.recipe.timesteps or ()) or self.recipe.steps
        if full is None and "num_inference_steps" in accepted:
            full = accepted["num_inference_steps"].default
        return None if full is None else min(full, max(DRAFT_MIN_STEPS, full // 2))

    def _first_frames(
        self, prompts: dict[str, str], *, size: tuple[int, int], seed: int
    ) -> dict[str, Image.Image]:
        """The first frame of the shortest text-to-video render of each prompt, `batch` renders
        to a pipeline call."""
        frames = self.family.frame_step + 1
        gen_size = self._generation_size(size)
        pipe = self._pipeline(self.family.t2v)
        count = tokenizer_count(pipe.tokenizer)
        clips = []
        for k, (key, prompt) in enumerate(prompts.items()):
            fitted = text_prompt(prompt, budget=self.family.max_tokens, count=count)
            _report_cut(f"anchor {key}", fitted)
            clips.append(ClipInput(fitted.text, None, seed + k))
        videos = []
        for first in range(0, len(clips), self.batch):
            chunk = clips[first : first + self.batch]
            videos += self._generate(pipe, chunk, frames=frames, size=gen_size)
        return {key: Image.fromarray(video[0]) for key, video in zip(prompts, videos, strict=True)}

    def _draw(
        self, folder: Path, stills: dict[str, Still], *, size: tuple[int, int]
    ) -> dict[str, Image.Image]:
        """One image per still from the image model in `folder` (text-to-image, or an edit
        model given each still's references), at the keyframe size; the video pipeline steps
        aside while it runs and the image model is released afterwards."""
        import torch

        self._park()
        pipe = self._load(folder)
        self._place(pipe, offload=self._wants_offload(folder))
        draw_size = generation_size(
            size, pixels=self.keyframe_pixels, multiple=self.family.size_multiple
        )
        inputs = prompt_inputs(pipe)
        try:
            images = {}
            for key, still in stills.items():
                prompts = {name: still.prompt(*encoder) for name, encoder in inputs.items()}
                *pooled, main = prompts.values()  # FLUX: CLIP's pooled vector, then T5
                _report_cut(f"keyframe {key}", main)
                for shorter in (p for p in pooled if p.cut):
                    log.info("keyframe %s, pooled prompt: %s", key, "; ".join(shorter.cut))
                reference = None
                if still.references:
                    sheets = [Image.open(path).convert("RGB") for path in still.references]
                    reference = compose_references(sheets, draw_size)
                options = still_options(
                    pipe,
                    prompts,
                    reference=reference,
                    size=draw_size,
                    seed=still.seed,
                    steps=self.keyframe_steps,
                )
                with torch.inference_mode():
                    images[key] = pipe(**options).images[0]
            return images
        finally:
            self._active = None
            del pipe
            _free_memory()

    def _park(self) -> None:
        """Move the video pipeline off the GPU while an image model draws (an offloaded one
        already waits on the CPU); it is placed again for its next clip."""
        if self._active is None:
            return
        if self.device.startswith("cuda") and self._wants_offload(self.folder) is None:
            self._active.to("cpu")
            _free_memory()
        self._active = None

    # ------------------------------------------------------------ loading

    def _pipeline(self, class_name: str) -> Any:
        """The video pipeline of class `class_name`, sharing the weights of the loaded one."""
        if not self._pipes:
            base = self._load(self.folder)
            base.vae.enable_tiling()  # decoding a whole clip at once is the memory peak
            if self.compile:  # in place: the sibling pipelines share the compiled module
                base.transformer.compile()
            self._pipes[type(base).__name__] = base
        pipe = self._pipes.get(class_name)
        if pipe is None:
            pipe = _sibling(next(iter(self._pipes.values())), class_name)
            self._pipes[class_name] = pipe
        if pipe is not self._active:
            self._place(pipe, offload=self._wants_offload(self.folder))
        return pipe

    def _load(self, folder: Path) -> Any:
        """The diffusers pipeline in `folder` (resolved beforehand) in `dtype`: by default bf16
        on CUDA, else float32."""
        import diffusers
        import torch

        default = "bfloat16" if self.device.startswith("cuda") else "float32"
        dtype = getattr(torch, self.dtype or default)
        pipe = load_pretrained(
            diffusers.DiffusionPipeline.from_pretrained, str(folder), dtype=dtype
        )
        pipe.set_progress_bar_config(disable=True)
        return pipe

    def _place(self, pipe: Any, *, offload: str | None) -> None:
        """Move `pipe` to the device, or hook it for CPU offload ("model": a component at a
        time; "layers": leaf-level group offloading, the next layer fetched while one runs)."""
        if offload == "model":
            pipe.enable_model_cpu_offload(device=self.device)
        elif offload == "layers":
            modules = [m for m in pipe.components.values() if hasattr(m, "named_modules")]
            if not any(m in self._layer_hooked for m in modules):  # siblings share modules
                import torch

                pipe.enable_group_offload(
                    onload_device=torch.device(self.device),
                    offload_type="leaf_level",
                    use_stream=self.device.startswith("cuda"),
                )
                self._layer_hooked.update(modules)
        else:
            pipe.to(self.device)
        self._active = pipe

    def _wants_offload(self, folder: Path) -> str | None:
        """The offload asked for (`offload_mode`); when unset, model offload where the weights
        would crowd the GPU. None on the CPU."""
        if not self.device.startswith("cuda"):
            return None
        if self.offload is not None:
            return offload_mode(self.offload)
        import torch

        total = torch.cuda.get_device_properties(torch.device(self.device)).total_memory
        return "model" if weight_bytes(folder) > OFFLOAD_SHARE * total else None


def _sibling(base: Any, class_name: str) -> Any:
    """A pipeline of class `class_name` on `base`'s modules and settings. Unlike `from_pipe`,
    it casts nothing, so modules a model keeps in float32 (Wan's norms, rope) stay so."""
    import diffusers

    cls = getattr(diffusers, class_name)
    accepted = inspect.signature(cls.__init__).parameters
    modules = {name: module for name, module in base.components.items() if name in accepted}
    settings = {
        name: value
        for name, value in base.config.items()
        if name in accepted and name not in base.components
    }
    pipe = cls(**modules, **settings)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _frame_options(pipe: Any, family: Family) -> dict[str, Any]:
    """LTX-Video's extra inputs: the frame rate (it scales the rotary embeddings) and, for
    checkpoints with a timestep-conditioned VAE (0.9.1+), the recommended decode noise."""
    accepted = inspect.signature(pipe.__call__).parameters
    options: dict[str, Any] = {}
    if "frame_rate" in accepted:
        options["frame_rate"] = family.fps
    if "decode_timestep" in accepted and _timestep_vae(pipe):
        options |= {"decode_timestep": DECODE_TIMESTEP, "decode_noise_scale": DECODE_NOISE}
    return options


def _timestep_vae(pipe: Any) -> bool:
    vae = getattr(pipe, "vae", None)
    return bool(getattr(getattr(vae, "config", None), "timestep_conditioning", False))


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _report_cut(what: str, prompt: Fitted) -> None:
    """One log line when a prompt had to be cut to fit its text encoder."""
    if prompt.cut:
        log.warning(
            "%s: prompt cut to %d of %d tokens: %s",
            what,
            prompt.tokens,
            prompt.budget,
            "; ".join(prompt.cut),
        )


def anchor_prompts(plan: Plan) -> dict[str, str]:
    """What each anchor shows, by file stem: the look ("style"), then each character."""
    prompts = {"style": style_prompt(plan)}
    prompts |= {f"character-{c['id']}": character_prompt(c, plan) for c in plan["characters"]}
    return prompts


def save_anchors(
    images: dict[str, Image.Image], plan: Plan, *, out_dir: str, size: tuple[int, int]
) -> Anchors:
    """The anchor images (keyed as `anchor_prompts`) fitted to `size` and saved as PNGs."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    paths = {
        key: write_png(Path(out_dir, f"{key}.png"), fit(image, size))
        for key, image in images.items()
    }
    return {
        "style": paths["style"],
        "characters": {c["id"]: paths[f"character-{c['id']}"] for c in plan["characters"]},
    }


def save_keyframe(image: Image.Image, folder: Path, scene_id: str, *, size: tuple[int, int]) -> str:
    """A scene's keyframe fitted to `size` and saved as `folder`/<scene id>.png."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_png(folder / f"{scene_id}.png", fit(image, size))


def _free_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
