"""One registry for every role: a spec string `kind[:model]` names the implementation.

`features`, `template`, `procedural` and `pixels` are the offline implementations that need no
weights and no network. A spec that names an unknown kind, or a backend that cannot load, is an
error: never a silent switch to another backend.

Other packages add backends through the entry-point group `sound2sight.backends`: the name is
`role.kind`, the value `module:Class`. A backend class is checked against its role's Protocol
(tools.types) when it is looked up: one that lacks a method of the role is an error naming it.
"""

import gc
import inspect
import sys
import threading
from functools import cache
from importlib import import_module, metadata
from importlib.util import find_spec
from typing import NamedTuple

from tools.errors import BackendUnavailableError, InvalidInputError
from tools.types import ROLES

# role -> kind -> "module:Class". Classes take `model=` when the spec names one.
BACKENDS: dict[str, dict[str, str]] = {
    "tagger": {
        "features": "tools.tagging.features:FeatureTagger",
        "clap": "tools.tagging.clap:ClapTagger",
    },
    "listener": {
        "features": "tools.listening.features:FeatureListener",
        "openai": "tools.listening.openai_listener:OpenAIListener",
        "qwen2-audio": "tools.listening.qwen_listener:Qwen2AudioListener",
    },
    "writer": {
        "template": "tools.writing.template:TemplateWriter",
        "openai": "tools.writing.openai_writer:OpenAIWriter",
        "transformers": "tools.writing.transformers_writer:TransformersWriter",
    },
    "video": {
        "procedural": "tools.video.procedural_video:ProceduralVideo",
        "diffusers": "tools.video.diffusers_video:DiffusersVideo",
        "openai": "tools.video.openai_video:OpenAIVideo",
        "ray": "tools.video.ray_video:RayVideo",  # ray:<spec>: each clip a Ray task
    },
    "critic": {
        "pixels": "tools.critique.pixels:PixelCritic",
        "clip": "tools.critique.embeddings:ClipCritic",
        "siglip": "tools.critique.embeddings:SiglipCritic",
        "dinov2": "tools.critique.embeddings:Dinov2Critic",
        "vlm": "tools.critique.vlm:VLMCritic",
    },
    "lyrics": {"whisper": "tools.lyrics.lines:WhisperLyrics"},
    "aligner": {  # --align-model: plain lyrics timed
        "ctc": "tools.lyrics.ctc_aligner:CtcAligner",
        "whisper": "tools.lyrics.whisper_aligner:WhisperAligner",
    },
    "judge": {"openai": "tools.critique.judge:OpenAIJudge"},
}

# the extra of `pip install "sound2sight[EXTRA]"` a kind needs (kinds not named need none), and
# the packages that show whether an extra is installed
KIND_EXTRAS = {
    **dict.fromkeys(
        ("clap", "qwen2-audio", "transformers", "diffusers", "clip", "siglip", "dinov2"), "ml"
    ),
    **dict.fromkeys(("whisper", "ctc"), "ml"),
    "ray": "ray",
}
EXTRA_PACKAGES = {"ml": ("torch", "transformers", "diffusers", "accelerate"), "ray": ("ray",)}
PLUGIN_GROUP = "sound2sight.backends"

DEFAULTS = {
    "tagger": "features",
    "listener": "features",
    "writer": "template",
    "video": "procedural",
    "critic": "pixels",
}

# `--profile gpu`: open models for one CUDA GPU, in diffusers / transformers format. The video
# model is LTX-Video's newest diffusers release, guidance- and timestep-distilled (8 steps at
# guidance 1: the fast choice; its configuration ships in tools/model_configs, so `doctor` plans
# it offline); `diffusers:Lightricks/LTX-Video-0.9.7-dev` is the full 13B model (30 steps at
# guidance 5), `diffusers:Lightricks/LTX-Video` (0.9.0) and `…-0.9.5` the 2B ones.
GPU_PROFILE = {
    "tagger": "clap:laion/larger_clap_music",
    "listener": "qwen2-audio:Qwen/Qwen2-Audio-7B-Instruct",
    "writer": "transformers:Qwen/Qwen2.5-7B-Instruct",
    "video": "diffusers:Lightricks/LTX-Video-0.9.8-13B-distilled",
    "critic": "clip:openai/clip-vit-base-patch32",
    "lyrics": "whisper:openai/whisper-large-v3-turbo",
}


class Plugin(NamedTuple):
    """A backend another distribution adds (`problem` says why it is not used, if it is not)."""

    role: str
    kind: str
    target: str  # module:Class
    distribution: str
    problem: str | None = None


@cache
def plugins() -> tuple[Plugin, ...]:
    """The installed plugins' backends, read from their entry points (nothing is imported)."""
    found = []
    for point in metadata.entry_points(group=PLUGIN_GROUP):
        role, _, kind = point.name.partition(".")
        dist = point.dist.name if point.dist else "?"
        problem = None
        if role not in ROLES or not kind:
            problem = f"entry point {point.name!r} is not ROLE.KIND (roles: {', '.join(ROLES)})"
        elif kind in BACKENDS.get(role, {}):
            problem = f"{role} kind {kind!r} is built in; the built-in one is used"
        elif ":" not in point.value:
            problem = f"entry point value {point.value!r} is not module:Class"
        found.append(Plugin(role, kind, point.value, dist, problem))
    return tuple(found)


def kinds(role: str) -> dict[str, str]:
    """Every kind of `role` -> "module:Class": the built-in ones, then the plugins'."""
    if role not in ROLES:
        raise BackendUnavailableError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    extra = {p.kind: p.target for p in plugins() if p.role == role and p.problem is None}
    return {**extra, **BACKENDS.get(role, {})}


def extra_installed(extra: str) -> bool:
    """Whether the packages of `pip install "sound2sight[extra]"` are importable (none imported)."""
    return all(find_spec(name) is not None for name in EXTRA_PACKAGES[extra])


def check_role(role: str, cls: type, *, target: str) -> None:
    """An error naming what `cls` lacks, unless it has every method of `role`'s Protocol."""
    wanted = role_methods(role)
    missing = [name for name in wanted if not callable(getattr(cls, name, None))]
    if missing:
        raise BackendUnavailableError(
            f"{target} is not a {role} backend: it lacks {', '.join(missing)} "
            f"(a {role} has {', '.join(wanted)})"
        )


def role_methods(role: str) -> list[str]:
    """The methods a backend of `role` must have, from its Protocol in tools.types."""
    protocol = ROLES[role]
    return sorted(n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_"))


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`clap:laion/larger_clap_music` -> ("clap", "laion/larger_clap_music")."""
    kind, _, model = spec.strip().partition(":")
    return kind, (model or None)


Key = tuple[str, str, str, tuple[tuple[str, object], ...]]  # role, spec, device, options
_loaded: dict[Key, object] = {}
_loading = threading.RLock()  # a backend may load another (ray:<spec>)


def load_backend(
    role: str, spec: str, *, device: str = "auto", options: tuple[tuple[str, object], ...] = ()
) -> object:
    """The backend for `role` named by `spec`, instantiated once per process and kept until
    `release_backends` drops it (concurrent callers share one instance).

    Model backends take `model=` (a hub id or a local folder) and `device=` ("auto", "cpu",
    "cuda", "cuda:1"); offline ones take neither. `options` are keyword arguments of the
    backend's class (`--set video.steps=8` gives `(("steps", 8),)`); a name the class does not
    take is an error that lists the ones it does.
    """
    key = (role, spec, device, options)
    if key in _loaded:
        return _loaded[key]
    with _loading:
        if key not in _loaded:
            _loaded[key] = _instantiate(role, spec, device=device, options=options)
        return _loaded[key]


def release_backends(*roles: str) -> None:
    """Drop the loaded backends of `roles` (of every role when none is named) and free their
    memory: a model is gone once its last user lets go of it."""
    with _loading:
        for key in [k for k in _loaded if not roles or k[0] in roles]:
            del _loaded[key]
    gc.collect()
    if "torch" in sys.modules:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def loaded_roles() -> set[str]:
    """The roles with a backend loaded in this process."""
    return {role for role, *_ in _loaded}


# functools.cache's name for it, which tests use for a fresh instance
load_backend.cache_clear = release_backends  # type: ignore[attr-defined]


def _instantiate(
    role: str, spec: str, *, device: str, options: tuple[tuple[str, object], ...]
) -> object:
    cls = backend_class(role, spec, options=options)
    params = inspect.signature(cls).parameters
    kwargs = dict(options) | ({"device": device} if "device" in params else {})
    model = parse_spec(spec)[1]
    if model is None:
        return cls(**kwargs)
    return cls(model=model, **kwargs)


def backend_class(role: str, spec: str, *, options: tuple[tuple[str, object], ...] = ()) -> type:
    """The class `spec` names for `role`, once the spec and the option names are checked
    (nothing is loaded)."""
    known = kinds(role)
    kind, model = parse_spec(spec)
    if kind not in known:
        raise BackendUnavailableError(
            f"unknown {role} backend {spec!r}; available: {', '.join(sorted(known))}"
        )
    module_name, _, class_name = known[kind].partition(":")
    cls = getattr(import_module(module_name), class_name, None)
    if not isinstance(cls, type):
        raise BackendUnavailableError(f"{role} backend {kind!r}: {known[kind]} is not a class")
    check_role(role, cls, target=f"{role} backend {kind!r} ({known[kind]})")
    params = inspect.signature(cls).parameters
    accepted = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY and p.name != "device"]
    unknown = [name for name, _ in options if name not in accepted]
    if unknown:
        raise InvalidInputError(
            f"{role} backend {kind!r} has no option {', '.join(unknown)}; "
            f"its options: {', '.join(accepted) or 'none'}"
        )
    if model is not None and "model" not in params:
        raise BackendUnavailableError(f"{role} backend {kind!r} takes no model (got {spec!r})")
    return cls
