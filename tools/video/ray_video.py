"""The video backend `ray:<video spec>`: another video backend's work, as Ray tasks.

`ray:procedural` or `ray:diffusers:Lightricks/LTX-Video` draws the anchors and renders each clip
of the named backend in a Ray task, so the clips of a video spread over a Ray cluster. The graph
does not change: its `generate` node calls `render` from as many threads as `Context.workers`
allows, each waiting for its task. A task asks for one GPU when the cluster has GPUs and the
backend runs a model (it takes a `device`); the procedural renderer needs none. Tasks load the
backend once per Ray worker process (the registry caches it) and write their files where they are
told, so on a cluster of several machines the run folder must be on storage they all mount.
"""

from functools import cache
from typing import Any

from tools.errors import BackendUnavailableError, Sound2SightError
from tools.registry import load_backend
from tools.types import Analysis, Anchors, Plan, Scene

RAY_EXTRA = "pip install 'sound2sight[ray]'"


class RayVideo:
    """Renders with the video backend named by `model`, one Ray task per anchor set and clip."""

    name = "ray"

    def __init__(self, model: str = "procedural", *, device: str = "auto") -> None:
        _ray()
        if model.partition(":")[0] == self.name:
            raise BackendUnavailableError(f"ray:{model}: name the video backend to run on Ray")
        self.spec = model
        self.device = device
        local = load_backend("video", model, device=device)  # checks the spec; loads no weights
        self.max_clip_seconds = local.max_clip_seconds
        self.runs_a_model = hasattr(local, "device")

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors:
        ref = self._task(_anchors).remote(
            self.spec, self.device, plan, out_dir=out_dir, size=size, seed=seed
        )
        return _wait(ref)

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
    ) -> dict | None:
        """Render on a Ray task; returns what the inner backend says of the clip."""
        ref = self._task(_render).remote(
            self.spec,
            self.device,
            scene,
            plan=plan,
            analysis=analysis,
            anchors=anchors,
            out_path=out_path,
            size=size,
            fps=fps,
            seed=seed,
        )
        return _wait(ref)

    def _task(self, fn: Any) -> Any:
        ray = _ray()
        if not ray.is_initialized():  # outside a Ray job: RAY_ADDRESS, a running cluster or new
            ray.init(log_to_driver=False)
        gpus = gpus_per_task(runs_a_model=self.runs_a_model, cluster=ray.cluster_resources())
        return _remote(fn).options(num_gpus=gpus)


def gpus_per_task(*, runs_a_model: bool, cluster: dict[str, float]) -> int:
    """One GPU for a task of a model backend on a cluster with GPUs; none otherwise."""
    return 1 if runs_a_model and cluster.get("GPU", 0) >= 1 else 0


def _anchors(spec: str, device: str, plan: Plan, **options: Any) -> Anchors:
    return load_backend("video", spec, device=device).anchors(plan, **options)


def _render(spec: str, device: str, scene: Scene, **options: Any) -> dict | None:
    return load_backend("video", spec, device=device).render(scene, **options)


def _wait(ref: Any) -> Any:
    """The task's result; a backend's own error is raised as itself, as it would be locally."""
    ray = _ray()
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        if isinstance(err.cause, Sound2SightError):
            raise err.cause from err
        raise


@cache
def _remote(fn: Any) -> Any:
    return _ray().remote(fn)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise BackendUnavailableError(f"the ray video backend needs Ray: {RAY_EXTRA}") from None
    return ray
