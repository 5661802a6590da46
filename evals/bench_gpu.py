"""The gpu profile's video model at its real size, without downloads: `sound2sight make` on a
30 s song, timed stage by stage.

    python -m evals.bench_gpu [--out DIR] [--seconds 30] [--cpu-subset] [--batch N] [--roles-only]

The video model is built from its published configuration (`tools/model_configs/`) with random
weights: speed and memory do not depend on the weight values. The weights are made in memory
(`random_pipeline`), so loading from disk is not part of the figures; everything after that is
the real backend (`tools.video.diffusers_video`): its pipeline, recipe, prompts, frame mapping, VAE
tiling and CPU offload. The song is the project's own demo song generator's (`song_layout`).

On CUDA the gpu profile's model runs at its recipe and native frame area. Elsewhere, or with
`--cpu-subset`, what fits a 24 GiB machine runs: the 13B transformer alone is 26 GB in bf16, so
the 2B LTX-Video (the same T5-XXL text encoder, a 1.9 B transformer) in bfloat16 (measured
faster than float32 on a CPU), at the smallest frame (32x32), two steps (one is not possible:
diffusers' scheduler turns LTX-Video 0.9.0's `shift_terminal` into NaN timesteps for a single
step), guidance 1 and no regeneration. The other roles of the gpu profile (Qwen2-Audio,
Qwen2.5-7B, Whisper, CLAP, CLIP) have no tokenizers or processors shipped, so `make` runs the
offline tagger, listener, writer and critic; their models are measured afterwards, each alone
at its real size, on calls of the sizes a run gives them (`evals.bench_gpu_roles`;
`--roles-only`: those alone). `--batch N` renders up to N clips in one pipeline call
(`video.batch`, with N clips at once, at least two). Prints one JSON object and Markdown tables.
"""

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import prompts
from agent.context import Context
from agent.runner import make_video
from evals import bench_gpu_roles
from tools.audio.demo_song import song_layout, synthesize_song
from tools.memory_plan import SHIPPED
from tools.registry import GPU_PROFILE, parse_spec, release_backends
from tools.video import diffusers_video as video_diffusers

SMALLEST_VIDEO = "Lightricks/LTX-Video"  # 2B, the smallest LTX-Video whose configuration ships
THREE_MINUTES = 180.0
OUTPUT = (320, 180)  # the output file's size: encoding it is not what is measured here
OFFLINE_ROLES = {"tagger": "features", "listener": "features", "writer": "template"}


def settings(device: str, *, cpu_subset: bool) -> tuple[str, dict[str, Any], int]:
    """The video model, its backend options and the regenerations allowed, for `device`."""
    if device.startswith("cuda") and not cpu_subset:
        return parse_spec(GPU_PROFILE["video"])[1] or "", {}, 2
    options = {"dtype": "bfloat16", "steps": 2, "guidance_scale": 1.0, "pixels": 32 * 32}
    return SMALLEST_VIDEO, options, 0


def model_folder(model: str, folder: Path) -> Path:
    """The shipped configuration of `model` with a small T5 tokenizer beside it (the prompts'
    words; the real vocabulary is a binary sentencepiece model that does not ship)."""
    import shutil

    from transformers import T5Tokenizer

    shutil.copytree(
        SHIPPED / model.replace("/", "--"), folder, ignore=shutil.ignore_patterns("*.md")
    )
    texts = [path.read_text() for path in Path(prompts.__file__).parent.glob("*.txt")]
    words = sorted({w.lower() for text in texts for w in text.split() if w.isalpha()})
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [(f"▁{w}", -1.0 - i / 1000) for i, w in enumerate(words)]
    vocab += [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,:;()\"'-▁"]
    T5Tokenizer(vocab=vocab, extra_ids=0).save_pretrained(folder / "tokenizer")
    return folder


def random_pipeline(folder: Path, dtype: Any) -> Any:
    """The diffusers pipeline of `folder`'s model_index.json, each weighted component built
    from its config.json in `dtype` with its own random initialisation."""
    import diffusers
    import torch
    import transformers

    index = json.loads((folder / "model_index.json").read_text())
    parts: dict[str, Any] = {}
    for name, value in index.items():
        if not isinstance(value, list):
            continue
        library, class_name = value
        cls = getattr(diffusers if library == "diffusers" else transformers, class_name)
        if name in ("tokenizer", "scheduler"):
            parts[name] = cls.from_pretrained(folder / name)
        elif library == "transformers":
            config = transformers.AutoConfig.from_pretrained(folder / name)
            parts[name] = cls._from_config(config, dtype=dtype)
        else:
            default = torch.get_default_dtype()
            torch.set_default_dtype(dtype)
            try:
                parts[name] = cls.from_config(cls.load_config(folder / name))
            finally:
                torch.set_default_dtype(default)
    return getattr(diffusers, index["_class_name"])(**parts)


@contextmanager
def random_weights() -> Iterator[list[float]]:
    """The video backend loads random-weight pipelines (`random_pipeline`) instead of reading
    weights; yields the seconds each build took."""
    builds: list[float] = []
    real = video_diffusers.load_pretrained

    def load(_loader: Any, model: str, *, download: bool = False, **options: Any) -> Any:
        t0 = time.perf_counter()
        pipe = random_pipeline(Path(model), options["dtype"])
        builds.append(time.perf_counter() - t0)
        return pipe

    video_diffusers.load_pretrained = load
    try:
        yield builds
    finally:
        video_diffusers.load_pretrained = real


def peak_memory(device: str) -> tuple[str, float]:
    """What the peak memory figure is, and its GiB: the GPU's allocated peak, or this
    process's peak resident set."""
    if device.startswith("cuda"):
        import torch

        return "GPU allocated", torch.cuda.max_memory_allocated() / 2**30
    return "process RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def bench(out: Path, *, seconds: float, cpu_subset: bool, batch: int = 1) -> dict[str, Any]:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, options, retries = settings(device, cpu_subset=cpu_subset)
    if batch > 1:
        options = {**options, "batch": batch}
    song = out / "song.wav"
    synthesize_song(song, layout=song_layout(seconds))
    folder = model_folder(model, out / "model")
    ctx = Context(
        run_dir=str(out / "run"),
        output=str(out / "video.mp4"),
        **OFFLINE_ROLES,
        video=f"diffusers:{folder}",
        critic="pixels",
        width=OUTPUT[0],
        height=OUTPUT[1],
        max_retries=retries,
        device=device,
        workers=max(2, batch),
        options={"video": options},
    )
    t0 = time.perf_counter()
    with random_weights() as builds:
        make_video(str(song), "", ctx)
    wall = time.perf_counter() - t0
    release_backends()
    run = json.loads((out / "run" / "run.json").read_text())
    stages = {k: round(v, 2) for k, v in run["timings"].items()}
    build = sum(builds)
    fixed, per_second = cost_model(stages, wall=wall, build=build, seconds=seconds)
    what, peak = peak_memory(device)
    return {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "model": model,
        "options": options,
        "max_retries": retries,
        "song_seconds": seconds,
        "scenes": len(run["scenes"]),
        "regenerated": run["regenerated"],
        "build_seconds": round(build, 1),
        "stage_seconds": stages,
        "make_seconds_without_build": round(wall - build, 1),
        "fixed_seconds": round(fixed, 1),
        "compute_seconds_per_video_second": round(per_second, 2),
        "three_minute_song_minutes": round((fixed + per_second * THREE_MINUTES) / 60, 1),
        "peak_memory": what,
        "peak_memory_gib": round(peak, 1),
        "not_measured": not_measured(device, cpu_subset=cpu_subset),
    }


def cost_model(
    stages: dict[str, float], *, wall: float, build: float, seconds: float
) -> tuple[float, float]:
    """(seconds a song costs whatever its length, seconds per second of song) from one run.
    Fixed: the stages that do not grow with the song (tag, listen, lyrics and write as they ran
    here, and the anchors, which are per character; the model is built inside the anchor
    stage, so the build is taken out). The rest of the wall time (analysis, the clips, their
    critique, assembly) grows with it. Stage timings of clips are summed over clips rendered
    side by side, so the wall time, not their sum, is what is divided."""
    fixed = sum(stages.get(name, 0.0) for name in ("tag", "listen", "lyrics", "write"))
    fixed += stages.get("anchor", 0.0) - build
    return fixed, (wall - build - fixed) / seconds


def not_measured(device: str, *, cpu_subset: bool) -> list[str]:
    """What this run could not measure."""
    missing = [
        "loading weights from disk (random weights are built in memory)",
        "the listener, writer, lyrics and critic models inside `make` (Qwen2-Audio, "
        "Qwen2.5-7B, Whisper, CLIP, CLAP: offline backends ran there; the roles table "
        "measures each alone)",
    ]
    if not device.startswith("cuda") or cpu_subset:
        missing.insert(
            0,
            f"{GPU_PROFILE['video']} (13B transformer: 26 GB in bf16, over this machine's "
            f"memory): {SMALLEST_VIDEO} ran instead, at 32x32, two steps, guidance 1",
        )
    return missing


def roles(names: list[str]) -> dict[str, Any]:
    """The other models of the gpu profile measured one after another (`bench_gpu_roles`)."""
    import torch

    rows = [bench_gpu_roles.run(name) for name in names]
    return {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "roles": rows,
        "not_measured": bench_gpu_roles.not_measured(rows),
    }


def roles_markdown(result: dict[str, Any]) -> str:
    """The role rows as the second table of evals/README.md."""
    return bench_gpu_roles.markdown(result["roles"], result["not_measured"])


def markdown(result: dict[str, Any]) -> str:
    """The result as the table evals/README.md shows."""
    rows = [
        ("device", result["device"]),
        ("video model", f"`{result['model']}` {json.dumps(result['options'])}"),
        ("song", f"{result['song_seconds']:g} s, {result['scenes']} scenes"),
        ("random weights built in", f"{result['build_seconds']} s"),
        *((f"stage {k} (run.json)", f"{v} s") for k, v in result["stage_seconds"].items()),
        ("make (without the build)", f"{result['make_seconds_without_build']} s"),
        ("of which fixed (anchors, writing)", f"{result['fixed_seconds']} s"),
        ("compute s per video s", result["compute_seconds_per_video_second"]),
        ("a 3-minute song (linear)", f"{result['three_minute_song_minutes']} min"),
        (f"peak memory ({result['peak_memory']})", f"{result['peak_memory_gib']} GiB"),
    ]
    table = ["| figure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    return "\n".join([*table, "", *(f"- not measured: {m}" for m in result["not_measured"])])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="keep the song, model folder and run here (default: temp)")
    parser.add_argument("--seconds", type=float, default=30.0, help="song length (default 30)")
    parser.add_argument(
        "--cpu-subset", action="store_true", help="the CPU settings even where CUDA is"
    )
    parser.add_argument(
        "--batch", type=int, default=1, help="clips in one pipeline call (video.batch; default 1)"
    )
    parser.add_argument(
        "--roles-only", action="store_true", help="only the other models, not `make`"
    )
    parser.add_argument(
        "--roles",
        nargs="+",
        choices=bench_gpu_roles.ROLES,
        default=list(bench_gpu_roles.ROLES),
        help="the other models measured (default: all five)",
    )
    args = parser.parse_args(argv)
    result: dict[str, Any] = {}
    if not args.roles_only:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(args.out or tmp)
            out.mkdir(parents=True, exist_ok=True)
            result = bench(out, seconds=args.seconds, cpu_subset=args.cpu_subset, batch=args.batch)
    others = roles(args.roles)
    result = {**result, "roles": others["roles"], "device": others["device"]}
    result["not_measured"] = [*result.get("not_measured", []), *others["not_measured"]]
    print(json.dumps(result, indent=2))
    if not args.roles_only:
        print(markdown(result))
    print(roles_markdown(result))
    return result


if __name__ == "__main__":
    main()
