"""`sound2sight doctor`: the memory plan of a run before a long download or run.

For each role the run would load: its model, exact parameter count and weight bytes at the
dtype it loads in (from the model's configuration on the meta device); which models are
resident at each stage, the peak, the device's free memory, whether it fits and, if not, the
option that makes it fit.
"""

import argparse
import json

from agent.context import Context
from agent.options import add_video_options, run_settings
from tools.memory_plan import WEIGHT_SHARE, MemoryPlan, plan_memory


def add_doctor_command(sub: argparse._SubParsersAction) -> None:
    doctor = sub.add_parser(
        "doctor", help="what a run's models weigh, when they are loaded, and whether they fit"
    )
    add_video_options(doctor)
    doctor.add_argument(
        "--memory",
        type=float,
        metavar="GIB",
        help="plan for this much free device memory (a GPU that is not in this machine)",
    )
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.set_defaults(command=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    values = run_settings(args)
    for name in ("run_dir", "output"):
        values.pop(name, None)
    ctx = Context(**values, run_dir="-", output="-.mp4")  # every setting checked as make does
    free = None if args.memory is None else int(args.memory * 2**30)
    plan = plan_memory(
        ctx.planned_specs(),
        pipeline=ctx.pipeline,
        device=ctx.device,
        offload=ctx.offload,
        video_dtype=ctx.options.get("video", {}).get("dtype"),
        free_bytes=free,
    )
    print(json.dumps(plan.to_json()) if args.json else render_plan(plan))
    return 0


def render_plan(plan: MemoryPlan) -> str:
    """The plan as a short table for a terminal."""
    lines = [
        f"device {plan.device}: {gib(plan.free_bytes)} free, {gib(plan.budget_bytes)} for "
        f"weights ({WEIGHT_SHARE:.0%}, the rest for activations)",
        "",
        f"{'role':<9} {'params':>9} {'weights':>10}  {'dtype':<9} spec",
    ]
    for r in plan.roles:
        if r.dtype is None:
            lines.append(f"{r.role:<9} {'-':>9} {'-':>10}  {'-':<9} {r.spec} (no local weights)")
            continue
        lines.append(
            f"{r.role:<9} {billions(r.params):>9} {gib(r.weight_bytes):>10}  {r.dtype:<9} "
            f"{r.spec} ({r.source} config)"
        )
        if r.components:
            parts = ", ".join(f"{name} {billions(n)}" for name, n in r.components.items())
            lines.append(f"{'':<9} components: {parts}")
        if r.download:
            lines.append(f"{'':<9} not downloaded: {r.download}")
    lines += ["", f"{'stage':<9} {'resident':>10}  models"]
    for s in plan.stages:
        lines.append(f"{s.stage:<9} {gib(s.bytes):>10}  {', '.join(s.resident) or '-'}")
    verdict = "fits" if plan.fits else "does NOT fit"
    lines += ["", f"peak {gib(plan.peak_bytes)} of {gib(plan.budget_bytes)}: {verdict}"]
    if not plan.fits:
        lines.append(f"to fit: {plan.advice}" if plan.advice else "no single option fits it")
    return "\n".join(lines)


def gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def billions(params: int) -> str:
    return f"{params / 1e9:.2f} B"
