"""The run manifest (`run.json`) and a human-readable report (`report.md`)."""

from pathlib import Path

from agent.context import Context
from agent.state import State, best_attempt
from tools.files import write_json, write_text


def manifest(state: State, ctx: Context) -> dict:
    """Everything a person or a program needs to know about the run, JSON-ready."""
    plan, clips = state["plan"], state.get("clips", {})
    scenes = []
    for scene in plan["scenes"]:
        attempts = [a for a in clips.get(scene["id"], []) if a is not None]
        best = best_attempt(attempts)
        scenes.append(
            {
                "id": scene["id"],
                "start": scene["start"],
                "end": scene["end"],
                "section": scene["section_label"],
                "transition_in": scene["transition_in"],
                "characters": scene["characters"],
                "shot": scene["shot"],
                "drawn": best.get("drawn"),
                "unmet": best.get("unmet", []),
                "prompt": scene["prompt"],
                "attempts": attempts,
                "chosen": best["attempt"],
                "scores": best.get("scores", {}),
                "passed": best.get("passed", False),
            }
        )
    analysis = state["analysis"]
    return {
        "song": state["song"],
        "request": state["request"],
        "title": plan["title"],
        "story": plan["story"],
        "video": state.get("video"),
        "duration": analysis["duration"],
        "tempo": analysis["tempo"],
        "sections": analysis["sections"],
        "sections_from": "user" if ctx.sections else "analysis",
        "pipeline": ctx.pipeline,
        "backends": ctx.backends(),
        "settings": {k: v for k, v in ctx.to_dict().items() if k not in ctx.backends()},
        "critic_threshold": ctx.backend("critic").threshold,
        "critique_rounds": state.get("critique_rounds", 0),
        "regenerated": [s["id"] for s in scenes if len(s["attempts"]) > 1],
        "bible": plan["bible"],
        "characters": plan["characters"],
        "scenes": scenes,
        "timings": state.get("timings", {}),
    }


def write_report(state: State, ctx: Context) -> str:
    run = manifest(state, ctx)
    write_json(Path(ctx.run_dir, "run.json"), run)
    path = Path(ctx.run_dir, "report.md")
    write_text(path, render_markdown(run))
    return str(path)


def render_markdown(run: dict) -> str:
    lines = [
        f"# {run['title']}",
        "",
        f"Song: `{run['song']}` ({run['duration']:.1f} s, {run['tempo']:.0f} BPM)  ",
        f"Request: {run['request'] or '(none)'}  ",
        f"Video: `{run['video']}`  ",
        f"Pipeline: {run['pipeline']}; backends: "
        + ", ".join(f"{role} `{spec}`" for role, spec in run["backends"].items()),
        "",
        run["story"],
        "",
        f"## Style bible\n\n{run['bible']['text']}",
        "",
        "## Characters",
        "",
        *[f"- **{c['name']}** ({c['id']}): {c['description']}" for c in run["characters"]],
        "",
        f"## Scenes (critic threshold {run['critic_threshold']:.2f}, "
        f"{run['critique_rounds']} critique rounds, regenerated: "
        f"{', '.join(run['regenerated']) or 'none'})",
        "",
        "| scene | time | section | attempts | style | character | overall | passed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in run["scenes"]:
        sc = s["scores"]
        lines.append(
            f"| {s['id']} | {s['start']:.2f}–{s['end']:.2f} | {s['section']} | "
            f"{len(s['attempts'])} | {sc.get('style', 0):.2f} | {sc.get('character', 0):.2f} | "
            f"{sc.get('overall', 0):.2f} | {'yes' if s['passed'] else 'no'} |"
        )
    unmet = [(s["id"], u) for s in run["scenes"] for u in s.get("unmet") or []]
    if unmet:
        lines += ["", "## Drawn otherwise", "", "What the plan asked for that the renderer drew "
                  "as something else (or not at all):", ""]  # fmt: skip
        lines += [
            f"- {sid}: {u['element']} “{u['wanted']}” → "
            + (f"“{u['drawn']}”" if u["drawn"] else "not drawn")
            for sid, u in unmet
        ]
    lines += ["", "## Timings (s)", ""]
    lines += [f"- {stage}: {seconds:.1f}" for stage, seconds in run["timings"].items()]
    return "\n".join(lines) + "\n"
