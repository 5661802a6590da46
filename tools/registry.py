"""One registry for every role: a spec string `kind[:model]` names the implementation.

`features`, `template`, `procedural` and `pixels` are the offline implementations that need no
weights and no network. A spec that names an unknown kind, or a backend that cannot load, is an
error: never a silent switch to another backend.
"""

import inspect
from functools import cache
from importlib import import_module

from tools.errors import BackendUnavailableError, InvalidInputError

# role -> kind -> "module:Class". Classes take `model=` when the spec names one.
BACKENDS: dict[str, dict[str, str]] = {
    "tagger": {
        "features": "tools.tagging:FeatureTagger",
        "clap": "tools.tagging_clap:ClapTagger",
    },
    "listener": {
        "features": "tools.listening:FeatureListener",
        "openai": "tools.listening_openai:OpenAIListener",
        "qwen2-audio": "tools.listening_qwen:Qwen2AudioListener",
    },
    "writer": {
        "template": "tools.writing:TemplateWriter",
        "openai": "tools.writing_openai:OpenAIWriter",
        "transformers": "tools.writing_transformers:TransformersWriter",
    },
    "video": {
        "procedural": "tools.video_procedural:ProceduralVideo",
        "diffusers": "tools.video_diffusers:DiffusersVideo",
        "openai": "tools.video_openai:OpenAIVideo",
        "ray": "tools.video_ray:RayVideo",  # ray:<spec>: each clip a Ray task
    },
    "critic": {
        "pixels": "tools.critique:PixelCritic",
        "clip": "tools.critique_embed:ClipCritic",
        "siglip": "tools.critique_embed:SiglipCritic",
        "dinov2": "tools.critique_embed:Dinov2Critic",
        "vlm": "tools.critique_vlm:VLMCritic",
    },
    "lyrics": {"whisper": "tools.lyrics:WhisperLyrics"},
    "judge": {"openai": "tools.judge_openai:OpenAIJudge"},
}

DEFAULTS = {
    "tagger": "features",
    "listener": "features",
    "writer": "template",
    "video": "procedural",
    "critic": "pixels",
}


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`clap:laion/larger_clap_music` -> ("clap", "laion/larger_clap_music")."""
    kind, _, model = spec.strip().partition(":")
    return kind, (model or None)


@cache
def load_backend(
    role: str, spec: str, *, device: str = "auto", options: tuple[tuple[str, object], ...] = ()
) -> object:
    """Instantiate the backend for `role` named by `spec` (cached: models load once per process).

    Model backends take `model=` (a hub id or a local folder) and `device=` ("auto", "cpu",
    "cuda", "cuda:1"); offline ones take neither. `options` are keyword arguments of the
    backend's class (`--set video.steps=8` gives `(("steps", 8),)`); a name the class does not
    take is an error that lists the ones it does.
    """
    kinds = BACKENDS.get(role)
    if kinds is None:
        raise BackendUnavailableError(f"unknown role {role!r}; roles: {', '.join(BACKENDS)}")
    kind, model = parse_spec(spec)
    if kind not in kinds:
        raise BackendUnavailableError(
            f"unknown {role} backend {spec!r}; available: {', '.join(sorted(kinds))}"
        )
    module_name, _, class_name = kinds[kind].partition(":")
    cls = getattr(import_module(module_name), class_name)
    params = inspect.signature(cls).parameters
    accepted = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY and p.name != "device"]
    unknown = [name for name, _ in options if name not in accepted]
    if unknown:
        raise InvalidInputError(
            f"{role} backend {kind!r} has no option {', '.join(unknown)}; "
            f"its options: {', '.join(accepted) or 'none'}"
        )
    kwargs = dict(options) | ({"device": device} if "device" in params else {})
    if model is None:
        return cls(**kwargs)
    if "model" not in params:
        raise BackendUnavailableError(f"{role} backend {kind!r} takes no model (got {spec!r})")
    return cls(model=model, **kwargs)
