"""A registry-loadable drifting video backend: spec `drifting:s02=style,s04=character`."""

from evals.drift import DriftingVideo
from tools.video.procedural_video import ProceduralVideo


class DriftingProcedural(DriftingVideo):
    """The procedural renderer, drifting the first render of the scenes named in the spec."""

    def __init__(self, model: str) -> None:
        drift = dict(item.split("=") for item in model.split(",") if item)
        super().__init__(ProceduralVideo(), drift)


def use_drifting_backend(monkeypatch) -> None:
    """Register `drifting:` as a video backend for one test."""
    from tools.registry import BACKENDS, load_backend

    monkeypatch.setitem(BACKENDS["video"], "drifting", "drifting:DriftingProcedural")
    load_backend.cache_clear()  # a fresh instance: drift counts renders per instance
