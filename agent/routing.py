"""Pure routing functions of the video graph: they read the state and the run's settings,
and load or compute nothing else."""

from langgraph.runtime import Runtime
from langgraph.types import Send

from agent.context import Context
from agent.state import ClipTask, State
from tools.types import Scene

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
    """Regenerate the scenes that `critique` sent back (they drifted and have retries left),
    each with the prompt it wrote for the next attempt; else assemble."""
    retries = state.get("retry_prompts", {})
    sends = []
    for scene in state["plan"]["scenes"]:
        if scene["id"] not in retries:
            continue
        attempts = [a for a in state["clips"].get(scene["id"], []) if a is not None]
        task = clip_task(
            state,
            {**scene, "prompt": retries[scene["id"]]},
            attempt=len(attempts),
            base_seed=runtime.context.seed,
        )
        sends.append(Send("generate", task))
    return sends or "assemble"


def clip_task(state: State, scene: Scene, *, attempt: int, base_seed: int) -> ClipTask:
    return {
        "scene": scene,
        "attempt": attempt,
        "seed": base_seed + attempt * SEED_STRIDE + scene["index"],
        "plan": state["plan"],
        "analysis": state["analysis"],
        "anchors": state["anchors"],
    }
