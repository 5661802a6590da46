"""Scene keyframes: each clip of the diffusers video backend starts from its own scene's keyframe,
drawn by a tiny random-weight FLUX.1 Kontext from the characters' sheets and the shot, never
from a sheet or the style anchor itself; and `make --scene-keyframes` end to end.

The tiny pipelines are saved with `save_pretrained` and loaded through the backend as a user's
folders would be; their pictures mean nothing, what is checked is what goes where.
"""

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image
from test_cli import SMALL
from test_video_diffusers import ANALYSIS, FPS, SIZE
from tiny_models import save_tiny_kontext, save_tiny_ltx, save_tiny_pixart

from agent.cli import main
from tests.plans import rooftop_plan, rooftop_scene
from tools.errors import BackendUnavailableError
from tools.ffmpeg import video_info
from tools.video import diffusers_video as video_diffusers
from tools.video.diffusers_video import DiffusersVideo, fit
from tools.video.keyframes import compose_references, prompt_inputs, scene_still
from tools.video.prompt_budget import rough_count

DRAW = (64, 64)  # the keyframe size: 4096 pixels with the output's aspect, multiples of 32


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-models")
    save_tiny_ltx(root / "ltx")
    save_tiny_kontext(root / "kontext")
    return root


def _backend(folders, **options) -> DiffusersVideo:
    return DiffusersVideo(
        model=str(folders / "ltx"),
        device="cpu",
        scene_keyframes=str(folders / "kontext"),
        steps=2,
        keyframe_steps=2,
        pixels=64 * 64,
        **options,
    )


def _two_scene_plan() -> dict:
    """s01 shows Mara (c1) and Tomas (c2); s02 shows nobody."""
    scenes = [
        {**rooftop_scene("s01", 0.5, 1.0, characters=("c1", "c2")), "index": 0},
        {**rooftop_scene("s02", 1.0, 1.5, characters=()), "index": 1},
    ]
    plan = rooftop_plan(scenes)
    plan["characters"].append(
        {
            "id": "c2",
            "name": "Tomas",
            "figure": "dancer",
            "description": "a tall dancer in a red coat",
            "colors": {"skin": "#806040", "hair": "#202020", "outfit": "#c02020"},
        }
    )
    return plan


def _spy_on_images(monkeypatch) -> list[tuple[str, dict]]:
    """Every image pipeline call's (pipeline class, inputs), the real call still made."""
    calls = []
    real = video_diffusers.still_options

    def spy(pipe, prompt, **options):
        inputs = real(pipe, prompt, **options)
        calls.append((type(pipe).__name__, inputs))
        return inputs

    monkeypatch.setattr(video_diffusers, "still_options", spy)
    return calls


def _spy_on_clips(backend, monkeypatch) -> list[tuple[str, Image.Image | None]]:
    """Every clip's (video pipeline class, first frame given)."""
    seen = []
    real = backend._generate

    def generate(pipe, clips, **options):
        seen.extend((type(pipe).__name__, clip.image) for clip in clips)
        return real(pipe, clips, **options)

    monkeypatch.setattr(backend, "_generate", generate)
    return seen


def _pixels(image: Image.Image | str) -> np.ndarray:
    return np.asarray(Image.open(image).convert("RGB") if isinstance(image, str) else image)


@pytest.fixture(scope="module")
def drawn(folders, tmp_path_factory):
    """The backend, the plan, its anchors and the image pipeline calls anchors() made."""
    backend = _backend(folders)
    plan = _two_scene_plan()
    out_dir = tmp_path_factory.mktemp("run") / "anchors"
    with pytest.MonkeyPatch.context() as monkeypatch:
        calls = _spy_on_images(monkeypatch)
        anchors = backend.anchors(plan, out_dir=str(out_dir), size=SIZE, seed=3)
    return SimpleNamespace(backend=backend, plan=plan, anchors=anchors, calls=calls, dir=out_dir)


# ---------------------------------------------------------------- one keyframe per scene


def test_every_scene_has_its_own_keyframe_png_beside_the_anchors(drawn):
    keyframes = drawn.anchors["keyframes"]
    assert keyframes == {s: str(drawn.dir / "keyframes" / f"{s}.png") for s in ("s01", "s02")}
    references = [drawn.anchors["style"], *drawn.anchors["characters"].values()]
    for path in keyframes.values():
        assert Image.open(path).size == SIZE
        assert not any(np.array_equal(_pixels(path), _pixels(r)) for r in references)


def test_the_edit_model_composes_the_sheets_with_the_shot(drawn):
    assert [name for name, _ in drawn.calls] == ["FluxKontextPipeline"] * 2
    (_, cast), (_, nobody) = drawn.calls
    sheets = [Image.open(drawn.anchors["characters"][c]).convert("RGB") for c in ("c1", "c2")]
    assert np.array_equal(_pixels(cast["image"]), _pixels(compose_references(sheets, DRAW)))
    # T5 reads the whole prompt; CLIP (a pooled vector) its own within 77 tokens: here a token
    # per character, too few for the instruction, so the scene's prompt alone, cut
    assert cast["prompt_2"].startswith("Show the characters of the reference image")
    assert "The astronaut walks. Setting: a city rooftop" in cast["prompt_2"]
    assert "Mara" in cast["prompt_2"] and "Tomas" in cast["prompt_2"]
    assert cast["prompt"].startswith("The astronaut walks.")
    assert len(cast["prompt"].replace(" ", "")) + 2 <= 77
    style = Image.open(drawn.anchors["style"]).convert("RGB")
    assert np.array_equal(_pixels(nobody["image"]), _pixels(fit(style, DRAW)))
    assert nobody["prompt_2"].startswith("Make a new picture in the look of the reference image")
    for _, inputs in drawn.calls:
        assert (inputs["width"], inputs["height"], inputs["max_area"]) == (*DRAW, 64 * 64)
        assert inputs["num_inference_steps"] == 2 and inputs["max_sequence_length"] == 128
        assert inputs["_auto_resize"] is False  # the composed reference is not stretched


def test_each_clip_starts_from_its_own_scene_keyframe(drawn, tmp_path, monkeypatch):
    seen = _spy_on_clips(drawn.backend, monkeypatch)
    for scene in drawn.plan["scenes"]:
        out = tmp_path / f"{scene['id']}.mp4"
        sent = drawn.backend.render(
            scene,
            plan=drawn.plan,
            analysis=ANALYSIS,
            anchors=drawn.anchors,
            out_path=str(out),
            size=SIZE,
            fps=FPS,
            seed=7,
        )
        keyframe = drawn.anchors["keyframes"][scene["id"]]
        assert sent["first_frame"] == keyframe
        assert video_info(str(out)).frames == 12  # round(end*24) - round(start*24)
        pipe, image = seen[-1]
        assert pipe == "LTXImageToVideoPipeline"
        gen = image.size
        assert np.array_equal(_pixels(image), _pixels(fit(Image.open(keyframe), gen)))
        for reference in [drawn.anchors["style"], *drawn.anchors["characters"].values()]:
            assert not np.array_equal(_pixels(image), _pixels(fit(Image.open(reference), gen)))


def test_a_scene_the_anchors_lack_gets_its_keyframe_when_rendered(drawn, tmp_path, monkeypatch):
    """A revision keeps the old anchors (no keyframes): the clip's keyframe is drawn then,
    once, beside them."""
    anchors_dir = tmp_path / "anchors"
    anchors_dir.mkdir()
    kept = {
        "style": shutil.copy(drawn.anchors["style"], anchors_dir),
        "characters": {
            c: shutil.copy(p, anchors_dir) for c, p in drawn.anchors["characters"].items()
        },
    }
    calls = _spy_on_images(monkeypatch)
    scene = drawn.plan["scenes"][0]
    sent = [
        drawn.backend.render(
            scene,
            plan=drawn.plan,
            analysis=ANALYSIS,
            anchors=kept,
            out_path=str(tmp_path / f"a{n}.mp4"),
            size=SIZE,
            fps=FPS,
            seed=7 + n,
        )
        for n in range(2)
    ]
    path = str(anchors_dir / "keyframes" / "s01.png")
    assert [s["first_frame"] for s in sent] == [path, path]
    assert Image.open(path).size == SIZE
    assert [name for name, _ in calls] == ["FluxKontextPipeline"]  # drawn once, then reused


def test_a_scene_without_characters_is_drawn_by_the_text_to_image_model_when_given(
    folders, tmp_path, monkeypatch
):
    save_tiny_pixart(tmp_path / "pixart")
    backend = _backend(folders, keyframes=str(tmp_path / "pixart"))
    calls = _spy_on_images(monkeypatch)
    anchors = backend.anchors(_two_scene_plan(), out_dir=str(tmp_path), size=SIZE, seed=3)
    by = {"PixArtSigmaPipeline": [], "FluxKontextPipeline": []}
    for name, inputs in calls:
        by[name].append(inputs)
    assert len(by["PixArtSigmaPipeline"]) == 4  # the style, two sheets and s02, from text
    assert not any("image" in inputs for inputs in by["PixArtSigmaPipeline"])
    assert by["PixArtSigmaPipeline"][-1]["prompt"].startswith("The astronaut walks. Setting:")
    assert len(by["FluxKontextPipeline"]) == 1  # s01, from the sheets
    assert not backend._pipes  # the video model was not needed for any of them
    assert set(anchors["keyframes"]) == {"s01", "s02"}


# ---------------------------------------------------------------- what is refused


def test_scene_keyframes_need_an_editing_pipeline_and_image_to_video(folders, tmp_path):
    with pytest.raises(BackendUnavailableError, match="not an image-editing pipeline"):
        _backend_with(folders, scene_keyframes=str(folders / "ltx"))
    with pytest.raises(BackendUnavailableError, match="neither a folder nor in the local"):
        _backend_with(folders, scene_keyframes=str(tmp_path / "absent"))
    wan = tmp_path / "wan"
    wan.mkdir()
    (wan / "model_index.json").write_text(json.dumps({"_class_name": "WanPipeline"}))
    with pytest.raises(BackendUnavailableError, match="no image-to-video pipeline"):
        DiffusersVideo(model=str(wan), device="cpu", scene_keyframes=str(folders / "kontext"))


def _backend_with(folders, *, scene_keyframes: str) -> DiffusersVideo:
    return DiffusersVideo(model=str(folders / "ltx"), device="cpu", scene_keyframes=scene_keyframes)


# ---------------------------------------------------------------- references and prompts


def test_references_are_set_side_by_side_each_fitted_to_its_cell():
    red = Image.new("RGB", (160, 90), (255, 0, 0))
    blue = Image.new("RGB", (160, 90), (0, 0, 255))
    both = _pixels(compose_references([red, blue], (64, 36)))
    assert both.shape == (36, 64, 3)
    assert (both[:, :32] == (255, 0, 0)).all() and (both[:, 32:] == (0, 0, 255)).all()
    assert (_pixels(compose_references([red], (64, 36))) == (255, 0, 0)).all()


def test_a_keyframe_prompt_keeps_its_instruction_within_the_budget():
    plan = _two_scene_plan()
    anchors = {"style": "style.png", "characters": {"c1": "c1.png", "c2": "c2.png"}}
    still = scene_still(plan["scenes"][0], plan, anchors, seed=0)
    assert still.references == ("c1.png", "c2.png")
    full = still.prompt(512, rough_count)
    short = still.prompt(90, rough_count)
    assert not full.cut and short.cut and rough_count(short.text) == short.tokens <= 90
    assert short.text.startswith("Show the characters of the reference image")
    assert "The astronaut walks." in short.text


def test_each_text_encoder_of_an_image_pipeline_has_its_own_budget():
    class Flux:
        tokenizer = SimpleNamespace(model_max_length=77)  # CLIP: the pooled vector only
        tokenizer_2 = SimpleNamespace(model_max_length=512)  # T5

        def __call__(self, prompt=None, prompt_2=None, max_sequence_length=512): ...

    class PixArt:
        tokenizer = SimpleNamespace(model_max_length=10**30)  # T5, no limit stated

        def __call__(self, prompt=None, max_sequence_length=300): ...

    budgets = {name: budget for name, (budget, _) in prompt_inputs(Flux()).items()}
    assert budgets == {"prompt": 77, "prompt_2": 512}
    assert {name: budget for name, (budget, _) in prompt_inputs(PixArt()).items()} == {
        "prompt": 300
    }


# ---------------------------------------------------------------- make, end to end


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_make_with_scene_keyframes(folders, demo_song, tmp_path, device):
    """The whole job, on the GPU too with `-m gpu` (bfloat16; the video model steps aside to
    the CPU while the edit model draws)."""
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    audio, sr = sf.read(demo_song)
    song = tmp_path / "song.wav"
    sf.write(song, audio[: 8 * sr], sr)
    run_dir, out = tmp_path / "run", tmp_path / "out.mp4"
    code = main([
        "make", str(song), "-o", str(out), "--run-dir", str(run_dir),
        "--video", f"diffusers:{folders / 'ltx'}", "--scene-keyframes", str(folders / "kontext"),
        "--set=video.pixels=4096", "--set=video.steps=2", "--set=video.keyframe_steps=2",
        "--max-retries", "0", "--device", device, "-q", *SMALL,
    ])  # fmt: skip
    assert code == 0
    assert video_info(str(out)).width == 128
    run = json.loads((run_dir / "run.json").read_text())
    assert run["settings"]["options"]["video"]["scene_keyframes"] == str(folders / "kontext")
    assert run["scenes"]
    for scene in run["scenes"]:
        first = scene["attempts"][0]["first_frame"]
        assert first == str(run_dir / "anchors" / "keyframes" / f"{scene['id']}.png")
        assert Image.open(first).size == (128, 72)


# ---------------------------------------------------------------- the memory plan


def test_the_memory_plan_weighs_the_edit_model_in_its_own_stage(folders):
    from tools.memory_plan import plan_memory

    specs = {
        "video": f"diffusers:{folders / 'ltx'}",
        "keyframes": f"diffusers:{folders / 'kontext'}",
        "critic": "pixels",
    }
    roomy = plan_memory(specs, device="cpu", free_bytes=2**30)
    edit = next(r for r in roomy.roles if r.role == "keyframes")
    assert set(edit.components) == {"transformer", "text_encoder", "text_encoder_2", "vae"}
    assert edit.params == sum(edit.components.values()) > 0
    stages = {s.stage: s.resident for s in roomy.stages}
    assert stages["anchor"] == ["video"]
    assert stages["keyframe"] == ["keyframes", "video"]  # both fit: the video model stays
    assert stages["generate"] == ["video"]  # the edit model is gone before the first clip
    video = next(r for r in roomy.roles if r.role == "video")
    tight = plan_memory(specs, device="cpu", free_bytes=int(video.weight_bytes / 0.8) + 1)
    assert {s.stage: s.resident for s in tight.stages}["keyframe"] == ["keyframes"]


def test_doctor_lists_the_scene_keyframes_model(folders, capsys):
    ltx, kontext = folders / "ltx", folders / "kontext"
    code = main([
        "doctor", "--video", f"diffusers:{ltx}", "--scene-keyframes", str(kontext),
        "--device", "cpu", "--json",
    ])  # fmt: skip
    assert code == 0
    plan = json.loads(capsys.readouterr().out)
    assert {r["role"]: r["spec"] for r in plan["roles"]}["keyframes"] == f"diffusers:{kontext}"
    assert any(s["stage"] == "keyframe" for s in plan["stages"])
