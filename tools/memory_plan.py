"""What a run's models weigh and when they are resident: the plan `sound2sight doctor` prints
and `make` checks before it loads anything.

Parameter counts are exact: each model is built from its configuration on the meta device (no
weights, no memory, no download). A model's configuration comes from its local folder, else the
local Hugging Face cache, else the copies of the gpu profile's default models shipped in
`tools/model_configs/` (their published config.json files). Bytes are those of the dtype the
backend loads the model in: on CUDA the checkpoint's own dtype for the transformers LLMs and
Whisper, float16 for CLAP and the embedding critics, bfloat16 for diffusers pipelines; float32
on the CPU.

The video pipeline's CPU offload (`--set video.offload=…`) changes what is resident: with
`true` (diffusers' model CPU offload) one component at a time, so the largest; with `layers`
(leaf-level group offloading, streamed) one layer and the next being fetched, so twice the
largest layer.

A run's stages take turns (analyze, tag, listen, lyrics, write, anchor, keyframe, generate,
critique): a model is loaded when a stage that needs it starts; the models loaded before stay
resident only when a later stage needs them and they all fit beside it (`keep_beside`), else
they are released first. The keyframe stage is the scene keyframes' image-editing model
(`--scene-keyframes`, the `keyframes` role), which the video backend loads after the anchors
and releases before the first clip.
"""

import json
import os
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib.util import find_spec
from inspect import signature
from pathlib import Path
from typing import Any

from tools.errors import BackendUnavailableError, InvalidInputError
from tools.pretrained import ML_EXTRA, download_command
from tools.registry import backend_class, parse_spec

WEIGHT_SHARE = 0.8  # of the device's free memory the weights may take; the rest: activations
OFFLOAD_MODES = ("model", "layers")  # `video.offload`: true is "model"
SHIPPED = Path(__file__).with_name("model_configs")  # <owner>--<name>/config.json, as published


@dataclass(frozen=True)
class Loader:
    """How a backend loads its model: a transformers class (None: a diffusers pipeline) and the
    dtype it asks for on CUDA ("auto": the checkpoint's own)."""

    model_class: str | None
    cuda_dtype: str


# role -> kind -> loader, for the backends that hold weights in this process
MODELS: dict[str, dict[str, Loader]] = {
    "tagger": {"clap": Loader("ClapModel", "float16")},
    "listener": {"qwen2-audio": Loader("Qwen2AudioForConditionalGeneration", "auto")},
    "writer": {"transformers": Loader("AutoModelForCausalLM", "auto")},
    "lyrics": {"whisper": Loader("WhisperForConditionalGeneration", "auto")},
    "aligner": {"ctc": Loader("AutoModelForCTC", "auto")},
    "video": {"diffusers": Loader(None, "bfloat16")},
    # `video.scene_keyframes`: the image-editing pipeline the diffusers video backend loads
    "keyframes": {"diffusers": Loader(None, "bfloat16")},
    "critic": {
        "clip": Loader("CLIPModel", "float16"),
        "siglip": Loader("SiglipModel", "float16"),
        "dinov2": Loader("AutoModel", "float16"),
    },
}

# (stage, the role it needs), in the order a run takes them
STAGES = (
    ("analyze", None),
    ("tag", "tagger"),
    ("listen", "listener"),
    ("lyrics", "lyrics"),
    ("lyrics", "aligner"),  # a plain --lyrics file timed by --align-model
    ("write", "writer"),
    ("anchor", "video"),
    ("keyframe", "keyframes"),
    ("generate", "video"),
    ("critique", "critic"),
)
PIPELINE_ROLES = {"clap": ("tagger",), "lalm": ("listener",), "hybrid": ("tagger", "listener")}


@dataclass(frozen=True)
class RoleMemory:
    role: str
    spec: str
    params: int
    weight_bytes: int  # resident on the device (with CPU offload, only what is onloaded)
    dtype: str | None  # None: no local weights (offline or cloud backends)
    components: dict[str, int] | None = None  # a diffusers pipeline: parameters per component
    source: str = ""  # where the configuration was read: folder, cache, shipped
    download: str | None = None  # for a model not here: the command that fetches what loads


@dataclass(frozen=True)
class StageMemory:
    stage: str
    resident: list[str]
    bytes: int


@dataclass(frozen=True)
class MemoryPlan:
    device: str
    free_bytes: int
    roles: list[RoleMemory]
    stages: list[StageMemory]
    peak_bytes: int
    fits: bool
    advice: str | None = None  # the option that makes a plan that does not fit fit
    budget_bytes: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget_bytes", int(self.free_bytes * WEIGHT_SHARE))

    def to_json(self) -> dict:
        """The `doctor --json` object."""
        roles = []
        for r in self.roles:
            hidden = ("components", "source", "download")
            entry = {k: v for k, v in asdict(r).items() if k not in hidden}
            if r.components is not None:
                entry["components"] = r.components
            roles.append(entry)
        return {
            "device": self.device,
            "roles": roles,
            "stages": [asdict(s) for s in self.stages],
            "peak_bytes": self.peak_bytes,
            "fits": self.fits,
        }


def offload_mode(value: object) -> str | None:
    """The CPU offload `video.offload` asks for: "model" (true), "layers", or None (false or
    unset)."""
    if value is None or value is False:
        return None
    if value is True:
        return "model"
    if value not in OFFLOAD_MODES:
        raise InvalidInputError(
            f"video.offload={value!r}: expected true (model offload), layers or false"
        )
    return str(value)


def is_model(role: str, spec: str) -> bool:
    """Whether the backend `spec` names holds model weights in this process."""
    return parse_spec(spec)[0] in MODELS.get(role, {})


def run_roles(specs: dict[str, str], *, pipeline: str) -> dict[str, str]:
    """The roles of `specs` a run of `pipeline` uses (the lyrics role only when given)."""
    skipped = {"tagger", "listener"} - set(PIPELINE_ROLES[pipeline])
    return {role: spec for role, spec in specs.items() if role not in skipped}


def plan_memory(
    specs: dict[str, str],
    *,
    pipeline: str = "hybrid",
    device: str = "auto",
    offload: str | None = None,
    video_dtype: str | None = None,
    free_bytes: int | None = None,
) -> MemoryPlan:
    """The memory plan of a run using `specs` (role -> spec) on `device`. `offload`: the video
    pipeline's CPU offload (`offload_mode`); `video_dtype`: its weights' dtype when given
    (`--set video.dtype=…`); `free_bytes`: the device's free memory (measured when None; given,
    the device need not be in this machine)."""
    if free_bytes is None:
        device = resolve_device(device)
        free = free_memory(device)
    else:  # planning for a device that need not be here
        device, free = ("cuda" if device == "auto" else device), free_bytes
    roles = run_roles(specs, pipeline=pipeline)
    memory = [
        role_memory(r, s, device=device, offload=offload, dtype=_dtype(r, video_dtype))
        for r, s in roles.items()
    ]
    plan = stage_plan(memory, device=device, free=free)
    if plan.fits:
        return plan
    return replace(plan, advice=_advice(specs, pipeline, device, free, offload, video_dtype))


def _dtype(role: str, video_dtype: str | None) -> str | None:
    return video_dtype if role == "video" else None


def stage_plan(memory: list[RoleMemory], *, device: str, free: int) -> MemoryPlan:
    """The stages' resident models and their peak for `memory` on a device with `free` bytes:
    a role is released after its stage unless the next fits beside it."""
    sizes = {m.role: m.weight_bytes for m in memory if m.dtype is not None}
    budget = int(free * WEIGHT_SHARE)
    stages, resident = [], {}
    for stage, role in STAGES:
        if role is not None and role in sizes:
            resident = {r: sizes[r] for r in keep_beside(resident, role, sizes[role], budget)}
            resident[role] = sizes[role]
        elif role is not None and role not in {m.role for m in memory}:
            continue  # a stage this run does not have
        stages.append(StageMemory(stage, sorted(resident), sum(resident.values())))
    peak = max((s.bytes for s in stages), default=0)
    return MemoryPlan(device, free, memory, stages, peak, peak <= budget)


def keep_beside(resident: dict[str, int], role: str, size: int, budget: int) -> set[str]:
    """Which resident roles stay when the stage of `role` (of `size` bytes) starts: those a
    later stage needs, when they all fit in `budget` beside it; else none."""
    others = {r: b for r, b in resident.items() if r != role and r in needed_after(role)}
    if sum(others.values()) + size <= budget:
        return set(others)
    return set()


def needed_after(role: str) -> set[str]:
    """The roles of the stages after the last stage of `role` (the video model's is generate:
    the keyframes model is not kept beside it); after critique, the video model renders again
    the scenes that drifted."""
    last = max(i for i, (_, r) in enumerate(STAGES) if r == role)
    later = {r for _, r in STAGES[last + 1 :] if r is not None}
    return later | ({"video"} if role == "critic" else set())


def _advice(
    specs: dict[str, str],
    pipeline: str,
    device: str,
    free: int,
    offload: str | None,
    video_dtype: str | None,
) -> str | None:
    """The first option, of those tried in order, with which the plan fits."""
    tries: list[tuple[str, dict[str, str], str, str | None]] = []
    if "video" in specs and is_model("video", specs["video"]):
        if offload is None:
            tries.append(("--set video.offload=true", specs, pipeline, "model"))
        if offload != "layers":
            tries.append(("--set video.offload=layers", specs, pipeline, "layers"))
    if pipeline != "clap":
        tries.append(("--pipeline clap", specs, "clap", offload))
    if pipeline != "lalm":
        tries.append(("--pipeline lalm", specs, "lalm", offload))
    if "lyrics" in specs:
        without = {r: s for r, s in specs.items() if r != "lyrics"}
        tries.append(("no --lyrics-model (give --lyrics FILE)", without, pipeline, offload))
    lighter = {"writer": "openai:gpt-4.1-mini", "critic": "pixels"}
    for role, spec in lighter.items():
        if role in specs and is_model(role, specs[role]):
            tries.append((f"--{role} {spec}", {**specs, role: spec}, pipeline, offload))
    for option, try_specs, try_pipeline, try_offload in tries:
        roles = run_roles(try_specs, pipeline=try_pipeline)
        memory = [
            role_memory(r, s, device=device, offload=try_offload, dtype=_dtype(r, video_dtype))
            for r, s in roles.items()
        ]
        if stage_plan(memory, device=device, free=free).fits:
            return option
    return None


# ---------------------------------------------------------------- one model on the meta device


@cache
def role_memory(
    role: str, spec: str, *, device: str, offload: str | None = None, dtype: str | None = None
) -> RoleMemory:
    """Parameters and resident bytes of the model `spec` names for `role` on `device` (a
    resolved device: "cpu", "cuda", "cuda:1"…); `offload` (on CUDA) and `dtype` (given) apply
    to a diffusers pipeline."""
    kind, model = parse_spec(spec)
    loader = MODELS.get(role, {}).get(kind)
    if loader is None:
        return RoleMemory(role, spec, 0, 0, None)
    _require_ml()
    model = model or _default_model(role, kind)
    cuda = device.startswith("cuda")
    if loader.model_class is None:
        folder, source = _pipeline_folder(model)
        parts = measure_pipeline(str(folder))
        dtype = dtype or (loader.cuda_dtype if cuda else "float32")
        sizes = [part.size(dtype) for part in parts.values()]
        resident = sum(sizes)
        if cuda and offload == "model":
            resident = max(sizes)
        elif cuda and offload == "layers":  # the layer running and the next, being fetched
            resident = 2 * max(part.largest_layer * _itemsize(dtype) for part in parts.values())
        components = {name: part.params for name, part in parts.items()}
        params = sum(components.values())
        fetch = None
        if source == "shipped":
            from tools.video.diffusers_video import download_command as pipeline_download

            fetch = pipeline_download(model)
        return RoleMemory(role, spec, params, resident, dtype, components, source, fetch)
    folder, source = _config_folder(model)
    counted = _measure_model(loader.model_class, str(folder))
    dtype = "float32"
    if cuda:
        dtype = counted.dtype if loader.cuda_dtype == "auto" else loader.cuda_dtype
    size, fetch = counted.size(dtype), (download_command(model) if source == "shipped" else None)
    return RoleMemory(role, spec, counted.params, size, dtype, None, source, fetch)


@dataclass(frozen=True)
class Counted:
    """The parameters of one model, with those transformers keeps in float32: under float16
    (`_keep_in_fp32_modules`), under both halves (`_keep_in_fp32_modules_strict`)."""

    params: int
    fp32_under_fp16: int
    fp32_under_halves: int
    dtype: str  # the checkpoint's own ("auto" loads it)
    largest_layer: int = 0  # parameters of the module holding the most of its own

    def size(self, dtype: str) -> int:
        """Bytes of the weights loaded in `dtype`."""
        if dtype == "float32":
            return 4 * self.params
        kept = self.fp32_under_fp16 if dtype == "float16" else self.fp32_under_halves
        return 2 * (self.params - kept) + 4 * kept


def _count(module: Any) -> Counted:
    strict = set(getattr(module, "_keep_in_fp32_modules_strict", None) or ())
    loose = strict | set(getattr(module, "_keep_in_fp32_modules", None) or ())
    largest = max(
        (sum(p.numel() for p in m.parameters(recurse=False)) for m in module.modules()), default=0
    )
    params = under_fp16 = under_halves = 0
    for name, p in module.named_parameters():
        n, parts = p.numel(), set(name.split("."))
        params += n
        under_fp16 += n if loose & parts else 0
        under_halves += n if strict & parts else 0
    config = getattr(module, "config", None)
    dtype = str(getattr(config, "dtype", None) or "float32").removeprefix("torch.")
    return Counted(params, under_fp16, under_halves, dtype, largest)


def _itemsize(dtype: str) -> int:
    return 4 if dtype == "float32" else 2


@cache
def _measure_model(model_class: str, folder: str) -> Counted:
    return _count(_transformers_model(model_class, Path(folder)))


def _transformers_model(model_class: str, folder: Path) -> Any:
    import torch
    import transformers

    config = transformers.AutoConfig.from_pretrained(folder)
    cls = getattr(transformers, model_class)
    with torch.device("meta"):
        if model_class.startswith("Auto"):
            return cls.from_config(config)
        return cls._from_config(config)


@cache
def measure_pipeline(folder: str) -> dict[str, Counted]:
    """The weighted components of the diffusers pipeline in `folder`, counted on the meta
    device."""
    return {name: _count(part) for name, part in _pipeline_parts(Path(folder)).items()}


def _pipeline_parts(folder: Path) -> dict[str, Any]:
    """The weighted components of the diffusers pipeline in `folder`, built on the meta device."""
    import diffusers
    import torch
    from accelerate import init_empty_weights

    index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    parts = {}
    for name, value in index.items():
        if not (isinstance(value, list) and value[0] in ("diffusers", "transformers")):
            continue
        library, class_name = value
        if not (folder / name / "config.json").is_file():
            continue  # schedulers, tokenizers: no weights
        if library == "transformers":
            parts[name] = _transformers_model(class_name, folder / name)
            continue
        cls = getattr(diffusers, class_name)
        with init_empty_weights(), torch.device("meta"):
            parts[name] = cls.from_config(cls.load_config(folder / name))
    return parts


def _config_folder(model: str) -> tuple[Path, str]:
    """The folder holding `model`'s config.json, and where it was found."""
    if Path(model).is_dir():
        if not (Path(model) / "config.json").is_file():
            raise BackendUnavailableError(f"{model}: no config.json in this folder")
        return Path(model), "folder"
    cached = _cached(model, "config.json")
    if cached is not None:
        return cached, "cache"
    return _shipped(model, "config.json"), "shipped"


def _pipeline_folder(model: str) -> tuple[Path, str]:
    if Path(model).is_dir():
        if not (Path(model) / "model_index.json").is_file():
            raise BackendUnavailableError(
                f"{model}: no model_index.json (not a diffusers pipeline)"
            )
        return Path(model), "folder"
    cached = _cached(model, "model_index.json")
    if cached is not None:
        return cached, "cache"
    return _shipped(model, "model_index.json"), "shipped"


def _cached(model: str, filename: str) -> Path | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(hf_hub_download(model, filename, local_files_only=True)).parent
    except (LocalEntryNotFoundError, HFValidationError):
        return None


def _shipped(model: str, filename: str) -> Path:
    folder = SHIPPED / model.replace("/", "--")
    if not (folder / filename).is_file():
        raise BackendUnavailableError(
            f"no configuration for {model!r}: it is neither a folder nor in the local Hugging "
            f"Face cache; download it once with `hf download {model}` or give its folder"
        )
    return folder


def _default_model(role: str, kind: str) -> str:
    cls = backend_class(role, kind)
    default = getattr(cls, "default_model", None) or signature(cls).parameters["model"].default
    return str(default)


def _require_ml() -> None:
    try:
        import accelerate  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        raise BackendUnavailableError(
            f"the memory plan needs torch, transformers and accelerate: {ML_EXTRA} ({error})"
        ) from error


# ---------------------------------------------------------------- the device


def resolve_device(device: str) -> str:
    """ "auto" is the first CUDA GPU when torch sees one, else the CPU (without torch: the CPU)."""
    if device != "auto" and not device.startswith("cuda"):
        return device
    if find_spec("torch") is None:
        if device == "auto":
            return "cpu"
        raise BackendUnavailableError(f"device {device!r} needs torch: {ML_EXTRA}")
    from tools.pretrained import torch_device

    return torch_device(device)


def free_memory(device: str) -> int:
    """Free bytes on `device`: the GPU's free memory, or the machine's available RAM."""
    if device.startswith("cuda"):
        import torch

        return int(torch.cuda.mem_get_info(torch.device(device))[0])
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
