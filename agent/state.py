"""The video graph's state: raw data only, per-scene data keyed by scene id."""

from typing import Annotated, NotRequired, TypedDict

from tools.types import Analysis, Anchors, Attempt, Lyrics, Plan, Scene, Story, Tags


def merge_attempts(
    left: dict[str, list[Attempt]] | None, right: dict[str, list[Attempt]] | None
) -> dict[str, list[Attempt]]:
    """Merge clip attempts by scene id and attempt number, so one scene can be redone alone."""
    merged = {sid: list(attempts) for sid, attempts in (left or {}).items()}
    for sid, attempts in (right or {}).items():
        slots = merged.setdefault(sid, [])
        for attempt in attempts:
            n = attempt["attempt"]
            slots.extend([None] * (n + 1 - len(slots)))  # type: ignore[list-item]
            slots[n] = attempt
    return merged


def add_timings(left: dict[str, float] | None, right: dict[str, float] | None) -> dict[str, float]:
    """Stage wall times in seconds; parallel clip renders add up."""
    out = dict(left or {})
    for stage, seconds in (right or {}).items():
        out[stage] = round(out.get(stage, 0.0) + seconds, 3)
    return out


def best_attempt(attempts: list[Attempt]) -> Attempt:
    """The passing attempt with the highest score, else the highest-scoring one."""
    done = [a for a in attempts if a is not None]
    return max(done, key=lambda a: (a.get("passed", False), a.get("scores", {}).get("overall", 0)))


class State(TypedDict):
    song: str  # path to the audio file
    request: str  # the user's words, may be empty
    analysis: NotRequired[Analysis]
    tags: NotRequired[Tags]
    story: NotRequired[Story]
    lyrics: NotRequired[Lyrics]
    plan: NotRequired[Plan]
    anchors: NotRequired[Anchors]
    clips: NotRequired[Annotated[dict[str, list[Attempt]], merge_attempts]]
    critique_rounds: NotRequired[int]
    retry_prompts: NotRequired[dict[str, str]]  # scene id -> prompt of its next attempt
    video: NotRequired[str]
    report: NotRequired[str]
    timings: NotRequired[Annotated[dict[str, float], add_timings]]


class ClipTask(TypedDict):
    """What one `generate` task needs: sent with `Send`, one per scene to render."""

    scene: Scene
    attempt: int
    seed: int
    plan: Plan
    analysis: Analysis
    anchors: Anchors
