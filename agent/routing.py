"""Pure routing functions of the video graph."""

from langgraph.runtime import Runtime
from langgraph.types import Send

from agent.context import Context
from agent.state import ClipTask, State
from tools.critique.pixels import strengthen_prompt
from tools.types import Attempt, Scene

SEED_STRIDE = 1000  # seed of attempt n of scene k: base + n * SEED_STRIDE + k


def route_pipeline(state: State, runtime: Runtime[Context]) -> list[str]:
    """Pipeline 1 tags, pipeline 2 listens, hybrid does both; the lyrics are read or heard
    alongside when the run has them (all in parallel)."""
    ctx = runtime.context
    steps = {"clap": ["tag"], "lalm": ["listen"], "hybrid": ["tag", "listen"]}[ctx.pipeline]
    return steps + (["lyrics"] if ctx.lyrics or ctx.lyrics_file else [])


def route_scenes(state: State, runtime: Runtime[Context]) -> list[Send]:
    """One `generate` task per scene, first attempt."""
    return [
        Send("generate", clip_task(state, scene, attempt=0, base_seed=runtime.context.seed))
        for scene in state["plan"]["scenes"]
    ]


def route_critique(state: State, runtime: Runtime[Context]) -> list[Send] | str:
    """Regenerate only the scenes that drifted, while they have retries left; else assemble."""
    plan, clips = state["plan"], state["clips"]
    threshold = runtime.context.backend("critic").threshold
    sends = []
    for scene in plan["scenes"]:
        attempts = [a for a in clips.get(scene["id"], []) if a is not None]
        if not needs_retry(attempts, max_retries=runtime.context.max_retries):
            continue
        last = attempts[-1]
        stronger = strengthen_prompt(
            scene["prompt"], scores=last["scores"], plan=plan, scene=scene, threshold=threshold
        )
        task = clip_task(
            state,
            {**scene, "prompt": stronger},
            attempt=len(attempts),
            base_seed=runtime.context.seed,
        )
        sends.append(Send("generate", task))
    return sends or "assemble"


def needs_retry(attempts: list[Attempt], *, max_retries: int) -> bool:
    return not any(a.get("passed") for a in attempts) and len(attempts) <= max_retries


def clip_task(state: State, scene: Scene, *, attempt: int, base_seed: int) -> ClipTask:
    return {
        "scene": scene,
        "attempt": attempt,
        "seed": base_seed + attempt * SEED_STRIDE + scene["index"],
        "plan": state["plan"],
        "analysis": state["analysis"],
        "anchors": state["anchors"],
    }
