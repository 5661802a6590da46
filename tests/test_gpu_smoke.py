"""Real weights on a CUDA GPU: one short anchored clip per video model found locally.

Run with `S2S_GPU_MODELS=/models pytest -m gpu tests/test_gpu_smoke.py`, where /models holds
diffusers pipeline folders (e.g. `LTX-Video/`, `Wan2.1-T2V-1.3B-Diffusers/`); every folder with a
supported video pipeline is tested. `S2S_GPU_KEYFRAMES=/models/some-text-to-image` also makes
the anchors with that text-to-image model.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_cli import sound2sight

from agent.options import PROFILES
from tools.ffmpeg import read_frames, video_info
from tools.registry import parse_spec
from tools.video.diffusers_video import SUPPORTED, DiffusersVideo

pytestmark = pytest.mark.gpu

SIZE = (512, 288)
FPS = 24


def _video_folders() -> list[Path]:
    root = os.environ.get("S2S_GPU_MODELS")
    if not root:
        return []
    folders = []
    for index in sorted(Path(root).glob("*/model_index.json")):
        if json.loads(index.read_text()).get("_class_name") in SUPPORTED:
            folders.append(index.parent)
    return folders


def _plan() -> dict:
    bible = "flat vector animation with soft paper grain, deep indigo and amber palette"
    scene = {
        "id": "s01",
        "index": 0,
        "start": 0.5,
        "end": 2.5,
        "section": 0,
        "section_label": "verse",
        "setting": "a rooftop in a rain-soaked city at night",
        "description": "Mara walks slowly to the edge of the rooftop and looks up",
        "camera": "medium shot, slow push-in",
        "characters": ["c1"],
        "intensity": 0.5,
        "prompt": (
            "Mara walks slowly to the edge of the rooftop and looks up. Setting: a rooftop in a "
            "rain-soaked city at night. Camera: medium shot, slow push-in.\n"
            "Mara (c1): a lone astronaut in a white suit with an orange visor\n"
            f"Style: {bible}"
        ),
        "transition_in": "cut",
    }
    return {
        "request": "a lonely space song",
        "title": "Rooftop",
        "story": "An astronaut lands on a city rooftop.",
        "writer": "template",
        "bible": {
            "medium": "flat vector animation with soft paper grain",
            "palette": ["#141032", "#2a2160", "#5b4aa0", "#f0a030", "#fff2d0"],
            "lighting": "wet neon reflections",
            "camera": "slow and gliding",
            "mood": "lonely, hopeful",
            "text": bible,
        },
        "characters": [
            {
                "id": "c1",
                "name": "Mara",
                "figure": "astronaut",
                "description": "a lone astronaut in a white suit with an orange visor",
                "colors": {"outfit": "#ffffff", "accent": "#f0a030"},
            }
        ],
        "scenes": [scene],
    }


@pytest.mark.parametrize("folder", _video_folders(), ids=lambda folder: folder.name)
def test_real_model_renders_an_anchored_clip(folder, tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    backend = DiffusersVideo(
        model=str(folder), device="cuda", keyframes=os.environ.get("S2S_GPU_KEYFRAMES"), steps=30
    )
    plan = _plan()
    scene = plan["scenes"][0]
    anchors = backend.anchors(plan, out_dir=str(tmp_path), size=SIZE, seed=1)
    path = str(tmp_path / "clip.mp4")
    backend.render(
        scene,
        plan=plan,
        analysis={},
        anchors=anchors,
        out_path=path,
        size=SIZE,
        fps=FPS,
        seed=1,
    )

    info = video_info(path)
    assert (info.width, info.height, info.frames) == (*SIZE, 48)
    frames = np.stack(read_frames(path, count=48)).astype(np.float32)
    assert 10 < frames.mean() < 245 and frames.std() > 10  # neither blank nor noise-free
    assert np.abs(np.diff(frames, axis=0)).mean() > 0.5  # it moves
    if backend.family.i2v is not None:  # the clip starts from the character's keyframe
        anchor = np.asarray(Image.open(anchors["characters"]["c1"]).convert("RGB"), np.float32)
        assert np.abs(frames[0] - anchor).mean() < 40


def _cached(spec: str) -> bool:
    """Whether the model a profile spec names is in the local Hugging Face cache."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot_download(parse_spec(spec)[1], local_files_only=True)
    except LocalEntryNotFoundError:
        return False
    return True


def test_gpu_profile_makes_a_video_from_the_local_cache(tmp_path, demo_song):
    """`sound2sight make --profile gpu` with every model of the profile from the local cache
    (download them once with `huggingface-cli download <id>`)."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    missing = [spec for spec in PROFILES["gpu"].values() if not _cached(spec)]
    if missing:
        pytest.skip(f"not in the local Hugging Face cache: {', '.join(missing)}")
    run_dir, out = tmp_path / "run", tmp_path / "gpu.mp4"
    result = sound2sight(
        "make", str(demo_song), "a melancholic night drive", "--profile", "gpu",
        "--device", "cuda", "--resolution", "704x480", "--max-retries", "1",
        "-o", str(out), "--run-dir", str(run_dir), cwd=tmp_path, timeout=3600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run = json.loads((run_dir / "run.json").read_text())
    assert run["backends"] == PROFILES["gpu"]
    assert video_info(str(out)).frames == round(run["duration"] * 24)
