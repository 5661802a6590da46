"""Model backends end to end through `sound2sight make`, on tiny random-weight checkpoints.

The checkpoints are saved to folders and named on the command line exactly as a user names a
downloaded model (`--tagger clap:/path/to/model`); scores from random weights mean nothing, the
point is that the real loading and inference code runs inside the whole job.
"""

import json
import re

import pytest
import torch
from test_cli import SMALL, sound2sight
from test_listening_qwen import notes_json, story_json
from test_writing_transformers import script_reply
from tiny_models import (
    save_tiny_clap,
    save_tiny_clip,
    save_tiny_dinov2,
    save_tiny_ltx,
    save_tiny_qwen2_audio,
    save_tiny_qwen_lm,
    save_tiny_whisper,
)

from agent.cli import main
from tools.ffmpeg import video_info
from tools.registry import load_backend


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_clap_tagger_and_clip_critic_through_make(tmp_path, demo_song, device):
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    clap, clip = tmp_path / "clap", tmp_path / "clip"
    save_tiny_clap(clap, fusion=False)
    save_tiny_clip(clip)
    run_dir, out = tmp_path / "run", tmp_path / "out.mp4"
    result = sound2sight(
        "make", str(demo_song), "-o", str(out), "--run-dir", str(run_dir), "--pipeline", "clap",
        "--tagger", f"clap:{clap}", "--critic", f"clip:{clip}", "--max-retries", "1",
        "--device", device, *SMALL, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.exists()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["backends"]["tagger"] == f"clap:{clap}"
    assert json.loads((run_dir / "tags.json").read_text())["source"] == f"clap:{clap}"
    assert all("style" in s["attempts"][0]["scores"] for s in run["scenes"])
    assert all(len(s["attempts"]) <= 2 for s in run["scenes"])


def test_a_model_that_is_not_there_is_one_clear_line(tmp_path, demo_song):
    result = sound2sight(
        "make", str(demo_song), "--tagger", f"clap:{tmp_path / 'nothing'}",
        "--run-dir", str(tmp_path / "run"), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "nothing" in result.stderr
    assert not (tmp_path / "run").exists()


# ----------------------------------------------------------------- every local model at once


def _answer_with(backend, network, tokenizer, monkeypatch, reply) -> list[str]:
    """Let `network.generate` run for real, then answer `reply(prompt)` instead of its random
    tokens (random weights write no JSON); returns the prompts it was given."""
    real_generate = network.generate
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    prompts: list[str] = []

    def generate(**inputs):
        real_generate(**{**inputs, "max_new_tokens": 2})
        prompt = tokenizer.decode(inputs["input_ids"][0])
        prompts.append(prompt)
        ids = inputs["input_ids"]
        answer = tokenizer(reply(prompt), return_tensors="pt")["input_ids"].to(ids.device)
        return torch.cat([ids, answer, torch.tensor([[end]], device=ids.device)], dim=1)

    monkeypatch.setattr(network, "generate", generate)
    return prompts


def _listener_reply(prompt: str) -> str:
    """Notes on the sections a part's prompt lists, or the story for all of them."""
    if '"PartNotes"' in prompt:
        numbers = [int(n) for n in re.findall(r"^(\d+)\. [a-z]+: \d", prompt, re.MULTILINE)]
        return notes_json(numbers, 0)
    return story_json(int(re.search(r"exactly (\d+) scene", prompt).group(1)))


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_every_local_model_backend_through_make(tmp_path, demo_song, monkeypatch, device):
    """Qwen2-Audio listens, a transformers chat model writes, Whisper hears the lyrics,
    LTX-Video renders and DINOv2 critiques: all tiny random-weight folders named on the
    command line, the whole job run by `sound2sight make` in this process (on the GPU too,
    with `-m gpu` on a CUDA machine: the models' device and dtype paths)."""
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    torch.manual_seed(0)
    folders = {
        name: tmp_path / name for name in ("qwen-audio", "qwen-lm", "whisper", "ltx", "dino")
    }
    save_tiny_qwen2_audio(folders["qwen-audio"])
    save_tiny_qwen_lm(folders["qwen-lm"], seed=None)  # these two: on from the seed above
    save_tiny_whisper(folders["whisper"], seed=None)
    save_tiny_ltx(folders["ltx"])
    save_tiny_dinov2(folders["dino"])
    specs = {
        "listener": f"qwen2-audio:{folders['qwen-audio']}",
        "writer": f"transformers:{folders['qwen-lm']}",
        "lyrics": f"whisper:{folders['whisper']}",
        "video": f"diffusers:{folders['ltx']}",
        "critic": f"dinov2:{folders['dino']}",
    }
    video_options = (("pixels", 64 * 64), ("steps", 2))
    listener = load_backend("listener", specs["listener"], device=device, options=())
    writer = load_backend("writer", specs["writer"], device=device, options=())
    heard = _answer_with(listener, listener.network, listener.processor.tokenizer, monkeypatch,
                         _listener_reply)  # fmt: skip
    written = _answer_with(
        writer, writer.chat.network, writer.chat.tokenizer, monkeypatch,
        lambda prompt: json.dumps(script_reply(int(re.search(r"write exactly (\d+)", prompt)[1]))),
    )  # fmt: skip
    run_dir, out = tmp_path / "run", tmp_path / "out.mp4"
    code = main([
        "make", str(demo_song), "a swimmer at night", "-o", str(out), "--run-dir", str(run_dir),
        "--pipeline", "lalm", "--listener", specs["listener"], "--writer", specs["writer"],
        "--lyrics-model", specs["lyrics"], "--video", specs["video"], "--critic", specs["critic"],
        *[f"--set=video.{name}={value}" for name, value in video_options],
        "--max-retries", "0", "--device", device, "-q", *SMALL,
    ])  # fmt: skip
    assert code == 0
    assert heard and written, "the listener and the writer were asked"
    assert "a swimmer at night" in heard[0] and "a swimmer at night" in written[0]
    info = video_info(str(out))
    assert (info.width, info.height) == (128, 72)
    run = json.loads((run_dir / "run.json").read_text())
    assert run["backends"] == specs  # lalm: no tagger
    assert run["settings"]["options"] == {"video": dict(video_options)}
    story = json.loads((run_dir / "story.json").read_text())
    assert story["source"] == specs["listener"] and story["title"] == "Night Swim"
    plan = json.loads((run_dir / "plan.json").read_text())
    assert plan["writer"] == specs["writer"] and plan["title"] == "Neon Tide"
    lyrics = json.loads((run_dir / "lyrics.json").read_text())
    assert lyrics, "the demo song sings, and the tiny Whisper always says some words"
    sung = " / ".join(line["text"] for line in lyrics)
    assert all(line["text"] in written[0] for line in lyrics), "the lyrics reach the writer"
    shown = [line for scene in plan["scenes"] for line in scene.get("lyrics", [])]
    assert {line["text"] for line in shown} == {line["text"] for line in lyrics}, sung
    assert all("style" in s["attempts"][0]["scores"] for s in run["scenes"])
