"""Run settings for the video graph, passed as LangGraph's `context_schema`."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any, Literal, overload

from tools.audio.loading import MAX_DURATION
from tools.audio.sections import parse_sections
from tools.errors import InvalidInputError
from tools.memory_plan import (
    MemoryPlan,
    is_model,
    keep_beside,
    offload_mode,
    plan_memory,
    run_roles,
)
from tools.registry import (
    BACKENDS,
    DEFAULTS,
    load_backend,
    loaded_roles,
    parse_spec,
    release_backends,
)
from tools.types import (
    Aligner,
    Critic,
    Listener,
    LyricsTranscriber,
    Tagger,
    VideoBackend,
    Writer,
)

PIPELINES = ("hybrid", "clap", "lalm")


@dataclass(kw_only=True, frozen=True)
class Context:
    """Everything that shapes a run but is not data: backends, budgets, resolution."""

    run_dir: str
    output: str
    pipeline: str = "hybrid"  # clap: tags -> script; lalm: listened story -> scenes; hybrid: both
    tagger: str = DEFAULTS["tagger"]
    listener: str = DEFAULTS["listener"]
    writer: str = DEFAULTS["writer"]
    video: str = DEFAULTS["video"]
    critic: str = DEFAULTS["critic"]
    width: int = 1280
    height: int = 720
    fps: int = 24
    max_retries: int = 2  # regenerations per scene after the first render
    seed: int = 0
    workers: int = 2  # clips rendered at once
    device: str = "auto"  # for model backends: auto, cpu, cuda, cuda:1…
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> backend kwargs
    lyrics: str | None = None  # a lyrics transcriber spec (whisper:…), or None
    lyrics_file: str | None = None  # the song's lyrics, LRC or plain text, or None
    aligner: str | None = None  # times a plain lyrics_file (when there is one): ctc:…, or None
    captions: bool = True  # on-screen text: the title, and the lyrics where known
    sections: str | None = None  # the user's sections, inline ("0:intro,10.8:verse"), or None
    max_duration: float = MAX_DURATION  # longest song accepted, seconds

    def __post_init__(self) -> None:
        if self.pipeline not in PIPELINES:
            raise InvalidInputError(
                f"unknown pipeline {self.pipeline!r}; choose one of {', '.join(PIPELINES)}"
            )
        if not (16 <= self.width <= 7680 and 16 <= self.height <= 4320):
            raise InvalidInputError(f"resolution {self.width}x{self.height} is out of range")
        if self.width % 2 or self.height % 2:
            raise InvalidInputError(
                f"resolution {self.width}x{self.height}: H.264 needs even width and height"
            )
        if not 1 <= self.fps <= 120:
            raise InvalidInputError(f"fps {self.fps} is out of range (1-120)")
        if self.max_retries < 0:
            raise InvalidInputError("--max-retries must be 0 or more")
        if self.workers < 1:
            raise InvalidInputError("--workers must be 1 or more")
        if not self.max_duration > 0:
            raise InvalidInputError("--max-duration must be more than 0 seconds")
        if self.lyrics and self.lyrics_file:
            raise InvalidInputError("give either --lyrics FILE or --lyrics-model SPEC, not both")
        if self.sections is not None:
            parse_sections(self.sections)
        for role, values in self.options.items():
            if role not in BACKENDS or not isinstance(values, dict):
                raise InvalidInputError(
                    f"backend options for {role!r}: expected ROLE.NAME=VALUE with a role of "
                    f"{', '.join(BACKENDS)}"
                )
            for name, value in values.items():
                if not isinstance(value, str | int | float | bool):
                    raise InvalidInputError(
                        f"backend option {role}.{name}: one number, word or true/false"
                    )

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @overload
    def backend(self, role: Literal["tagger"]) -> Tagger: ...
    @overload
    def backend(self, role: Literal["listener"]) -> Listener: ...
    @overload
    def backend(self, role: Literal["writer"]) -> Writer: ...
    @overload
    def backend(self, role: Literal["video"]) -> VideoBackend: ...
    @overload
    def backend(self, role: Literal["critic"]) -> Critic: ...
    @overload
    def backend(self, role: Literal["lyrics"]) -> LyricsTranscriber: ...
    @overload
    def backend(self, role: Literal["aligner"]) -> Aligner: ...
    @overload
    def backend(self, role: str) -> object: ...
    def backend(self, role: str) -> object:
        """The loaded backend for `role`, with its options (cached per process); its type is the
        role's Protocol (tools.types), checked when the backend's class is looked up."""
        options = tuple(sorted(self.options.get(role, {}).items()))
        return load_backend(role, getattr(self, role), device=self.device, options=options)

    def backends(self) -> dict[str, str]:
        """The spec of every role this run uses: the pipeline's (clap tags, lalm listens,
        hybrid does both), and the lyrics transcriber or aligner when the run has one."""
        roles = [
            *DEFAULTS,
            *(["lyrics"] if self.lyrics else []),
            *(["aligner"] if self.aligner and self.lyrics_file else []),
        ]
        return run_roles({role: getattr(self, role) for role in roles}, pipeline=self.pipeline)

    @property
    def offload(self) -> str | None:
        """The CPU offload the video pipeline is asked for: "model", "layers" or None."""
        return offload_mode(self.options.get("video", {}).get("offload"))

    def planned_specs(self) -> dict[str, str]:
        """What the memory plan weighs: the run's roles (`backends`) and, as `keyframes`, the
        image-editing model the diffusers video backend draws scene keyframes with."""
        specs = self.backends()
        edit = self.options.get("video", {}).get("scene_keyframes")
        if edit and parse_spec(self.video)[0] == "diffusers":
            specs["keyframes"] = f"diffusers:{edit}"
        return specs

    def memory_plan(self) -> MemoryPlan | None:
        """Which of this run's models are resident at each stage, and whether they fit the
        device (measured once per process); None for a run that loads no model weights."""
        specs = self.planned_specs()
        if not any(is_model(role, spec) for role, spec in specs.items()):
            return None
        dtype = self.options.get("video", {}).get("dtype")
        return _memory_plan(tuple(specs.items()), self.pipeline, self.device, self.offload, dtype)

    @contextmanager
    def stage(self, role: str) -> Iterator[Any]:
        """The backend of `role` for one stage of the run. A model is loaded when its stage
        starts; the models already loaded stay only if the plan fits them all beside it, else
        they are released first. Stages of different model roles take turns (the parallel
        tag, listen and lyrics steps too); the offline and cloud backends just load."""
        if not is_model(role, getattr(self, role)):
            yield self.backend(role)
            return
        with _TURNS.turn(role):
            plan = self.memory_plan()
            assert plan is not None  # a model role makes a plan
            sizes = {m.role: m.weight_bytes for m in plan.roles if m.dtype is not None}
            resident = {r: sizes[r] for r in loaded_roles() if r in sizes and r != role}
            keep = keep_beside(resident, role, sizes[role], plan.budget_bytes)
            gone = set(resident) - keep
            if gone:
                release_backends(*gone)
            yield self.backend(role)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Context":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@cache
def _memory_plan(
    specs: tuple[tuple[str, str], ...],
    pipeline: str,
    device: str,
    offload: str | None,
    video_dtype: str | None,
) -> MemoryPlan:
    return plan_memory(
        dict(specs), pipeline=pipeline, device=device, offload=offload, video_dtype=video_dtype
    )


class _Turnstile:
    """Stages of different roles take turns; any number of users of one role go at once."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._role: str | None = None
        self._users = 0

    @contextmanager
    def turn(self, role: str) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._users == 0 or self._role == role)
            self._role, self._users = role, self._users + 1
        try:
            yield
        finally:
            with self._changed:
                self._users -= 1
                self._changed.notify_all()


_TURNS = _Turnstile()
