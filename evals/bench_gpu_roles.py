"""The gpu profile's other models at their real size on this machine, without downloads: each
built from its shipped configuration (`tools/model_configs/`) with random weights, then given
one call of the size a run gives it.

    python -m evals.bench_gpu --roles-only

One role at a time, each in a child process of its own (its peak resident set is its own, and
its memory goes back when it ends). Per role: the build (the model's own random
initialisation at the profile's dtype; bfloat16 stands in for float16 off CUDA, the same
bytes), the call, the process's peak resident set. The 7-8 B language models of the listener
and the writer are built with `DECODER_LAYERS` of their decoder layers at their real width
(the whole model would not fit the memory this bench may take): every decoder layer is timed
on its own, and the full depth is the measured rest plus the mean layer times the full number
of layers (the build and the memory likewise, by parameters); the parameter count and weight
bytes are the full model's, counted on the meta device (`tools.memory_plan.role_memory`).

The calls, for the 30 s demo song (4 sections of 8 s, 10 scenes):
- tagger (CLAP): the audio embeddings of its 4 section windows and the text embeddings of the
  141 labels of the three vocabularies (16 tokens each);
- listener (Qwen2-Audio): one 30 s part (750 audio tokens and `LISTENER_PROMPT` text tokens),
  prefill and `NEW_TOKENS` generated tokens;
- lyrics (Whisper): one 30 s window, the encoder and `WHISPER_TOKENS` decoder steps;
- writer (Qwen2.5-7B): `WRITER_PROMPT` prompt tokens (the system prompt, schema and a short
  song's analysis, at about 4 characters a token), prefill and `NEW_TOKENS` generated tokens;
- critic (CLIP): 6 frames of each of the 10 clips, two square tiles each (16:9 frames), and
  the 10 scene prompts (77 tokens).
A reply's length is not known without the real weights: the three-minute figures of the two
language models assume the reply lengths of `REPLY_TOKENS` (their output budgets allow more).
"""

import multiprocessing
import resource
import time
from typing import Any

from tools.memory_plan import MODELS, SHIPPED, role_memory
from tools.registry import GPU_PROFILE, parse_spec

ROLES = ("tagger", "listener", "lyrics", "writer", "critic")
DECODER_LAYERS = 2  # decoder layers built of the listener's and the writer's language models
SONG = 30.0  # seconds of song one call stands for (tagger, lyrics, critic: linear in length)
THREE_MINUTES = 180.0
NEW_TOKENS = 8  # generated tokens timed (the first is the prefill's)
LISTENER_PROMPT = 300
WRITER_PROMPT = 2048
WHISPER_TOKENS = 100  # a 30 s sung window with timestamps
# assumed reply lengths for a three-minute song: the listener's notes on each of its six 30 s
# parts, then the merged story; the writer's script (title, bible, characters, 12 sections)
REPLY_TOKENS = {"listener": 6 * 300 + 800, "writer": 800 + 12 * 250}
WRITER_PROMPT_3MIN = 4096  # the writer's prompt for a three-minute song's analysis
CLAP_WINDOWS, CLAP_LABELS = 4, 141
CRITIC_SCENES, CRITIC_FRAMES = 10, 12  # frames per clip: 6, two tiles each


def profile_dtype(role: str, *, cuda: bool) -> str:
    """The dtype the gpu profile loads `role` in on CUDA; float16 is measured as bfloat16 on
    the CPU (the same bytes: half precision matmuls are slow or missing there)."""
    dtype = role_memory(role, GPU_PROFILE[role], device="cuda").dtype or "float32"
    return "bfloat16" if dtype == "float16" and not cuda else dtype


def build(role: str, *, layers: int | None, dtype: str) -> Any:
    """`role`'s gpu-profile model from its shipped configuration with random weights in
    `dtype`, its language model cut to `layers` decoder layers when given."""
    import json

    import torch
    import transformers

    kind, model = parse_spec(GPU_PROFILE[role])
    config = json.loads((SHIPPED / str(model).replace("/", "--") / "config.json").read_text())
    if layers is not None:
        text = config.get("text_config", config)
        text["num_hidden_layers"] = layers
        text.pop("layer_types", None)
        if "max_window_layers" in text:
            text["max_window_layers"] = layers
    model_type = config.pop("model_type")
    built = transformers.AutoConfig.for_model(model_type, **config)
    cls_name = MODELS[role][kind].model_class or ""
    cls = getattr(transformers, cls_name)
    make = cls.from_config if cls_name.startswith("Auto") else cls._from_config
    return make(built, dtype=getattr(torch, dtype)).eval()


class Clock:
    """Seconds of each call of the model (each generation step) and, per call, the seconds
    spent in its decoder layers."""

    def __init__(self, model: Any, layers: int | None) -> None:
        import torch

        self.steps: list[float] = []
        self.in_layers: list[float] = []
        started: list[float] = []

        def begin(*_: Any) -> None:
            self.in_layers.append(0.0)
            started.append(time.perf_counter())

        def end(*_: Any) -> None:
            self.steps.append(time.perf_counter() - started.pop())

        def layer_end(*_: Any) -> None:
            self.in_layers[-1] += time.perf_counter() - started.pop()

        model.register_forward_pre_hook(begin)
        model.register_forward_hook(end)
        if layers is None:
            return
        lists = [
            m
            for name, m in model.named_modules()
            if isinstance(m, torch.nn.ModuleList)
            and name.endswith("layers")
            and "audio" not in name
            and len(m) == layers
        ]
        for layer in lists[0]:
            layer.register_forward_pre_hook(lambda *_: started.append(time.perf_counter()))
            layer.register_forward_hook(layer_end)

    def at_depth(self, step: int, *, built: int, full: int) -> float:
        """Seconds of call `step` had the model `full` decoder layers instead of `built`."""
        layers = self.in_layers[step]
        return self.steps[step] - layers + layers * full / built


def generate(model: Any, n: int, **inputs: Any) -> None:
    """`n` greedy tokens after the prompt (the backends' `generate`), never stopping early."""
    import torch

    with torch.inference_mode():
        model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False)


def call(role: str, model: Any) -> dict[str, float]:
    """One realistic call of `role`'s model: the seconds of its parts."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    dtype = next(model.parameters()).dtype
    if role == "tagger":
        from transformers import ClapFeatureExtractor

        extract = ClapFeatureExtractor()
        clips = [rng.standard_normal(8 * 48000).astype(np.float32) * 0.1] * CLAP_WINDOWS
        t0 = time.perf_counter()
        features = extract(clips, sampling_rate=48000, truncation="rand_trunc", return_tensors="pt")
        with torch.inference_mode():
            model.get_audio_features(
                input_features=features["input_features"].to(dtype),
                is_longer=torch.zeros(CLAP_WINDOWS, 1, dtype=torch.bool),
            )
            t1 = time.perf_counter()
            ids = torch.randint(3, 50000, (CLAP_LABELS, 16))
            model.get_text_features(input_ids=ids, attention_mask=torch.ones_like(ids))
        return {"audio": t1 - t0, "labels": time.perf_counter() - t1}
    if role == "critic":
        t0 = time.perf_counter()
        with torch.inference_mode():
            for _ in range(CRITIC_SCENES):
                pixels = torch.randn(CRITIC_FRAMES, 3, 224, 224, dtype=dtype)
                model.get_image_features(pixel_values=pixels)
                model.get_text_features(input_ids=torch.randint(3, 49000, (1, 77)))
        return {"frames": time.perf_counter() - t0}
    from transformers import WhisperFeatureExtractor

    song = rng.standard_normal(int(SONG * 16000)).astype(np.float32) * 0.1
    features = WhisperFeatureExtractor(feature_size=128)(
        song, sampling_rate=16000, return_tensors="pt"
    )["input_features"].to(dtype)
    if role == "lyrics":
        t0 = time.perf_counter()
        with torch.inference_mode():
            encoded = model.model.encoder(features)
            t1 = time.perf_counter()
            token, past = torch.tensor([[50258, 50259, 50360]]), None
            for _ in range(WHISPER_TOKENS):
                out = model(
                    encoder_outputs=encoded,
                    decoder_input_ids=token,
                    past_key_values=past,
                    use_cache=True,
                )
                past, token = out.past_key_values, out.logits[:, -1:].argmax(-1)
        return {"encoder": t1 - t0, "decoder": time.perf_counter() - t1}
    if role == "listener":
        audio = torch.full((1, 750), model.config.audio_token_index)
        ids = torch.cat([torch.randint(3, 150000, (1, LISTENER_PROMPT)), audio], dim=1)
        inputs = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "input_features": features,
            "feature_attention_mask": torch.ones(1, features.shape[-1], dtype=torch.long),
        }
    else:
        ids = torch.randint(3, 150000, (1, WRITER_PROMPT))
        inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    t0 = time.perf_counter()
    generate(model, NEW_TOKENS, **inputs)
    return {"generate": time.perf_counter() - t0}


def measure(role: str) -> dict[str, Any]:
    """Build and call `role`'s model in this process: the figures, at full depth."""
    import torch

    spec = GPU_PROFILE[role]
    full = role_memory(role, spec, device="cuda")
    dtype = profile_dtype(role, cuda=torch.cuda.is_available())
    layers = DECODER_LAYERS if role in ("listener", "writer") else None
    t0 = time.perf_counter()
    model = build(role, layers=layers, dtype=dtype)
    build_seconds = time.perf_counter() - t0
    built = sum(p.numel() for p in model.parameters())
    clock = Clock(model, layers)
    parts = call(role, model)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    row: dict[str, Any] = {
        "role": role,
        "spec": spec,
        "params": full.params,
        "weight_bytes": full.weight_bytes,
        "profile_dtype": full.dtype,
        "dtype": dtype,
        "built_params": built,
        "build_seconds": round(build_seconds, 1),
        "call_seconds": {k: round(v, 2) for k, v in parts.items()},
        "peak_rss_bytes": rss,
    }
    if layers is None:
        row["three_minute_seconds"] = round(linear(role, parts), 1)
        return row
    depth = full_layers(role)
    prefill = clock.at_depth(0, built=layers, full=depth)
    decode = range(1, len(clock.steps))
    token = sum(clock.at_depth(i, built=layers, full=depth) for i in decode) / len(decode)
    itemsize = torch.finfo(getattr(torch, dtype)).bits // 8
    row.update(
        layers=f"{layers} of {depth}",
        prefill_seconds=round(clock.steps[0], 2),
        token_seconds=round(sum(clock.steps[1:]) / len(decode), 3),
        build_seconds_full=round(build_seconds * full.params / built, 1),
        prefill_seconds_full=round(prefill, 1),
        token_seconds_full=round(token, 3),
        peak_rss_bytes_full=rss + full.weight_bytes - built * itemsize,
        three_minute_seconds=round(replies(role, prefill=prefill, token=token), 1),
    )
    return row


def full_layers(role: str) -> int:
    """The decoder layers of `role`'s language model in its shipped configuration."""
    import json

    model = parse_spec(GPU_PROFILE[role])[1] or ""
    config = json.loads((SHIPPED / model.replace("/", "--") / "config.json").read_text())
    return int(config.get("text_config", config)["num_hidden_layers"])


def linear(role: str, parts: dict[str, float]) -> float:
    """Seconds for a three-minute song of a role whose work grows with the song's length
    (the tagger's labels are embedded once)."""
    scale = THREE_MINUTES / SONG
    if role == "tagger":
        return parts["labels"] + parts["audio"] * scale
    return sum(parts.values()) * scale


def replies(role: str, *, prefill: float, token: float) -> float:
    """Seconds for a three-minute song of a language model: its prompts' prefill (the
    listener's six 30 s parts; the writer's longer prompt) and `REPLY_TOKENS` tokens."""
    if role == "listener":
        return 6 * prefill + REPLY_TOKENS[role] * token
    return prefill * WRITER_PROMPT_3MIN / WRITER_PROMPT + REPLY_TOKENS[role] * token


def run(role: str) -> dict[str, Any]:
    """`measure(role)` in a child process of its own (its memory is freed when it ends)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(measure, (role,))


def not_measured(rows: list[dict[str, Any]]) -> list[str]:
    """What the role figures leave out."""
    missing = [
        "the other models through `make` (their tokenizers and processors are not shipped: "
        "each was measured alone, on inputs of the sizes a run gives it)",
        "the reply lengths of the listener and writer (random weights write nothing real: "
        f"a three-minute song is taken as {REPLY_TOKENS['listener']} and "
        f"{REPLY_TOKENS['writer']} generated tokens)",
    ]
    missing += [
        f"the {r['role']}'s model at full depth ({r['layers']} decoder layers built, the rest "
        "scaled from the timed layers)"
        for r in rows
        if "layers" in r
    ]
    return missing


def markdown(rows: list[dict[str, Any]], missing: list[str]) -> str:
    """One row per role: the full model's size, the measured build, call and memory, and the
    three-minute figures."""
    gib = 2**30
    table = [
        "| role | model | params | weights (profile dtype) | built | build | call (30 s song) "
        "| peak RSS "
        "| a 3-minute song | compute s per video s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        call = ", ".join(f"{k} {v} s" for k, v in r["call_seconds"].items())
        build, rss = f"{r['build_seconds']} s", f"{r['peak_rss_bytes'] / gib:.1f} GiB"
        built = f"all, {r['dtype']}"
        if "layers" in r:
            built = f"{r['layers']} layers ({r['built_params'] / 1e9:.2f} B), {r['dtype']}, scaled"
            call += (
                f"; prefill {r['prefill_seconds']} s, {r['token_seconds']} s/token measured; "
                f"at full depth {r['prefill_seconds_full']} s, {r['token_seconds_full']} s/token"
            )
            build += f" (full: {r['build_seconds_full']} s)"
            rss += f" (full: {r['peak_rss_bytes_full'] / gib:.1f} GiB)"
        minutes = r["three_minute_seconds"] / 60
        weights = f"{r['weight_bytes'] / gib:.2f} GiB {r['profile_dtype']}"
        table.append(
            f"| {r['role']} | `{r['spec']}` | {r['params'] / 1e9:.3f} B "
            f"| {weights} | {built} | {build} | {call} "
            f"| {rss} | {minutes:.1f} min | {r['three_minute_seconds'] / THREE_MINUTES:.2f} |"
        )
    return "\n".join([*table, "", *(f"- not measured: {m}" for m in missing)])
