"""The offline procedural video backend, and the ffmpeg helpers it writes and reads through."""

import multiprocessing
import os
import resource
import subprocess
import sys
from itertools import combinations

import numpy as np
import pytest
from PIL import Image

from evals.bench_render import sample_analysis, sample_plan
from tests.plans import shot, with_shot
from tools.critique.pixels import CRITIQUE_FRAMES
from tools.errors import GenerationFailedError, InvalidInputError
from tools.ffmpeg import frame_writer, read_frames, spread_indices, video_info
from tools.video.procedural.camera import _PAN, WHIP_S, camera_move
from tools.video.procedural.music import Music
from tools.video.procedural.palette import hex_rgb
from tools.video.procedural.render import SceneRenderer
from tools.video.procedural_video import ProceduralVideo, draw_clip

SIZE, FPS = (256, 144), 12
SETTINGS = [  # (place, time, weather)
    ("rooftop", "night", "rain"),
    ("space", "night", "clear"),
    ("beach", "sunset", "clear"),
    ("stage", "night", "clear"),
    ("room", "night", "clear"),
    ("forest", "dusk", "fog"),
    ("desert", "day", "clear"),
    ("mountains", "sunrise", "snow"),
    ("road", "sunset", "clear"),
    ("abstract", "night", "clear"),
]
OUTFIT = "#d1432f"  # Mara's outfit (sample_characters)


@pytest.fixture(scope="module")
def plan():
    return sample_plan(8.0)


@pytest.fixture(scope="module")
def analysis():
    return sample_analysis(8.0)


@pytest.fixture(scope="module")
def anchors(plan, tmp_path_factory):
    return ProceduralVideo().anchors(
        plan, out_dir=str(tmp_path_factory.mktemp("anchors")), size=SIZE, seed=0
    )


def scene_of(
    plan, *, setting: tuple, characters: list[str], start=0.37, end=1.91, camera="static",
    framing="wide", **extra,
):  # fmt: skip
    place, time, weather = setting
    the_shot = shot(place, time=time, weather=weather, subjects=characters, move=camera,
                    framing=framing)  # fmt: skip
    return with_shot({**plan["scenes"][0], "start": start, "end": end, **extra}, the_shot)


def render(tmp_path, plan, analysis, anchors, scene, *, seed=1, size=SIZE, name="clip.mp4") -> str:
    out = str(tmp_path / name)
    ProceduralVideo().render(
        scene,
        plan=plan,
        analysis=analysis,
        anchors=anchors,
        out_path=out,
        size=size,
        fps=FPS,
        seed=seed,
    )
    return out


def draw_here(tmp_path, plan, analysis, scene, *, size=SIZE, name="clip.mp4") -> str:
    """The clip drawn in this process (`render` draws it in a worker process)."""
    out = str(tmp_path / name)
    draw_clip(scene, plan=plan, analysis=analysis, out_path=out, size=size, fps=FPS, seed=1)
    return out


def still(plan, scene, *, seed=1, t=1.0, analysis=None):
    renderer = SceneRenderer(scene, plan=plan, size=SIZE, seed=seed)
    music = Music.from_analysis(analysis, intensity=0.8) if analysis else Music.still(intensity=0.5)
    return np.asarray(renderer.frame(0.5, music.at(t)))


def near(frame: np.ndarray, color: str, tolerance: float = 18.0) -> int:
    """How many pixels lie within `tolerance` (RGB distance) of a colour."""
    diff = frame.astype(np.float32) - np.array(hex_rgb(color), np.float32)
    return int((np.linalg.norm(diff, axis=-1) < tolerance).sum())


def blend_distance(frame: np.ndarray, palette: list[str]) -> np.ndarray:
    """Per pixel, the RGB distance to the nearest blend of two palette colours."""
    colors = np.array([hex_rgb(c) for c in palette], np.float32)
    steps = np.linspace(0, 1, 17)[:, None]
    blends = np.concatenate([a + (b - a) * steps for a, b in combinations(colors, 2)])
    pixels = frame.reshape(-1, 1, 3).astype(np.float32)
    return np.sqrt(((pixels - blends[None]) ** 2).sum(-1)).min(axis=1)


# ----------------------------------------------------------------------------- clips


def test_clip_has_exact_frame_count_and_size(tmp_path, plan, analysis, anchors):
    scene = scene_of(plan, setting=SETTINGS[0], characters=["c1"], caption="hold on")
    info = video_info(render(tmp_path, plan, analysis, anchors, scene))
    assert (info.width, info.height) == SIZE
    assert info.frames == round(1.91 * FPS) - round(0.37 * FPS)


@pytest.mark.parametrize(
    "camera", ["slow push-in", "pan left", "orbit", "handheld", "crane up", "zoom out"]
)
def test_every_camera_move_renders(tmp_path, plan, analysis, anchors, camera):
    scene = scene_of(plan, setting=SETTINGS[3], characters=["c1", "c2"], camera=camera, end=1.2)
    assert video_info(render(tmp_path, plan, analysis, anchors, scene)).frames == 10


def test_same_seed_same_clip(tmp_path, plan, analysis, anchors):
    scene = scene_of(plan, setting=SETTINGS[0], characters=["c1"], end=1.0)
    a = read_frames(render(tmp_path, plan, analysis, anchors, scene, name="a.mp4"), count=4)
    b = read_frames(render(tmp_path, plan, analysis, anchors, scene, name="b.mp4"), count=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_a_clip_drawn_in_a_worker_is_the_clip_drawn_here(tmp_path, plan, analysis, anchors):
    scene = scene_of(plan, setting=SETTINGS[1], characters=["c1", "c2"], caption="hold on")
    there = render(tmp_path, plan, analysis, anchors, scene, name="worker.mp4")
    here = draw_here(tmp_path, plan, analysis, scene, name="here.mp4")
    frames = video_info(here).frames
    a, b = (read_frames(p, indices=range(frames)) for p in (there, here))
    assert len(a) == frames and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_killed_workers_fail_a_clip_in_one_line_and_the_next_gets_new_ones(
    tmp_path, plan, analysis, anchors
):
    scene = scene_of(plan, setting=SETTINGS[0], characters=[], end=0.8)
    render(tmp_path, plan, analysis, anchors, scene, name="before.mp4")  # the workers are up
    workers = multiprocessing.active_children()
    assert workers
    for worker in workers:
        worker.kill()
        worker.join()
    try:  # the pool may not have seen them die yet, and start new ones
        render(tmp_path, plan, analysis, anchors, scene, name="during.mp4")
    except GenerationFailedError as err:
        assert "process died" in str(err)
    info = video_info(render(tmp_path, plan, analysis, anchors, scene, name="after.mp4"))
    assert info.frames == round(0.8 * FPS) - round(0.37 * FPS)


def test_the_frames_the_critic_scores_are_keyframes_decoded_alone(tmp_path, plan, analysis):
    scene = scene_of(plan, setting=SETTINGS[0], characters=["c1"], end=2.5)
    info = video_info(draw_here(tmp_path, plan, analysis, scene))
    scored = spread_indices(info.frames, CRITIQUE_FRAMES)
    assert len(scored) == CRITIQUE_FRAMES and set(scored) <= set(info.keyframes)
    assert len(info.keyframes) < info.frames  # the frames between them are not keyframes
    # decoded from the keyframes alone, or from every frame (an index that is no keyframe
    # makes read_frames decode them all): the same pixels
    alone = read_frames(str(tmp_path / "clip.mp4"), indices=scored)
    inter = next(i for i in range(info.frames) if i not in info.keyframes)
    both = sorted([*scored, inter])
    everything = dict(zip(both, read_frames(str(tmp_path / "clip.mp4"), indices=both), strict=True))
    assert all(np.array_equal(x, everything[i]) for i, x in zip(scored, alone, strict=True))


def test_a_place_looks_the_same_in_every_scene_shot_there(plan):
    scene = scene_of(plan, setting=SETTINGS[1], characters=["c1"])
    one, other = still(plan, scene, seed=1), still(plan, scene, seed=2)
    assert np.array_equal(one, other)  # another take: the same stars, the same skyline
    elsewhere = still(plan, scene_of(plan, setting=SETTINGS[2], characters=["c1"]), seed=1)
    assert (np.abs(one.astype(int) - elsewhere.astype(int)).max(axis=-1) > 30).mean() > 0.3


def test_the_palette_colours_every_place(plan):
    other = {**plan, "bible": {**plan["bible"], "palette": ["#0b2d1e", "#1f5e3a", "#6fae5c",
                                                            "#f2d14e", "#f7f3e0"]}}  # fmt: skip
    own, foreign = [], []
    for setting in SETTINGS:
        ours = still(plan, scene_of(plan, setting=setting, characters=[]))
        theirs = still(other, scene_of(other, setting=setting, characters=[]))
        own.append(blend_distance(ours, plan["bible"]["palette"]).mean())
        foreign.append(blend_distance(ours, other["bible"]["palette"]).mean())
        assert np.abs(ours.astype(int) - theirs.astype(int)).mean() > 4, setting
    assert np.mean(own) < 0.8 * np.mean(foreign)  # natural colours lean to the palette


def test_camera_texts_map_to_their_moves():
    assert camera_move("slow push-in") == "push_in" and camera_move("close-up") == "push_in"
    assert camera_move("a gentle pan left") == "pan_left" and camera_move("locked-off") == "static"
    assert camera_move("upbeat sweeping") == "drift" and camera_move("whip pan") == "whip_pan"


def _sideways_over_upright(frame: np.ndarray) -> float:
    """How much the frame changes along its rows against down its columns."""
    pixels = frame.astype(float)
    return np.abs(np.diff(pixels, axis=1)).mean() / np.abs(np.diff(pixels, axis=0)).mean()


def test_a_whip_pan_arrives_smeared_sideways_then_settles_sharp(plan):
    """A whip pan sweeps in onto the centre in its first WHIP_S, blurred along the sweep (it
    was drawn as a plain pan right and recorded as unmet), and stays near the centre."""
    scene = scene_of(plan, setting=SETTINGS[3], characters=["c1", "c2"], camera="whip pan")
    renderer = SceneRenderer(scene, plan=plan, size=SIZE, seed=1)
    assert renderer.rendered["drawn"]["camera"]["move"] == "whip pan"
    assert not [u for u in renderer.rendered["unmet"] if u["element"] == "move"]
    pulse = Music.still(intensity=0.5).at(1.0)

    def at(elapsed: float) -> np.ndarray:
        return np.asarray(renderer.frame(elapsed / 1.5, pulse, elapsed=elapsed))

    mid_whip, settled, later = at(WHIP_S / 2), at(WHIP_S + 0.1), at(1.2)
    assert _sideways_over_upright(mid_whip) < 0.6 * _sideways_over_upright(settled)
    assert _sideways_over_upright(settled) == pytest.approx(_sideways_over_upright(later), rel=0.2)
    assert np.abs(at(0.0).astype(int) - settled.astype(int)).mean() > 2  # it moved
    end = renderer.camera.shot(1.0, pulse, elapsed=1.5)
    assert abs(end.dx) <= 0.25 * _PAN * renderer.camera.geometry.width  # it landed centred


def test_the_renderer_says_what_it_drew(plan):
    scene = with_shot(plan["scenes"][0], shot(
        "lake", time="golden hour", weather="fog", subjects=[("c1", "fish", "joyful")],
        props=["lantern", "saxophone"], framing="medium", move="orbit"))  # fmt: skip
    rendered = SceneRenderer(scene, plan=plan, size=SIZE, seed=1).rendered
    drawn = rendered["drawn"]
    assert (drawn["place"], drawn["time"], drawn["weather"]) == ("lake", "golden hour", "fog")
    assert drawn["subjects"] == [{"character": "c1", "action": "fish", "expression": "joyful"}]
    assert {"fishing rod", "lantern"} <= set(drawn["props"])
    assert drawn["camera"] == {"framing": "medium", "move": "orbit"}
    assert rendered["unmet"] == [{"element": "prop", "wanted": "saxophone", "drawn": ""}]


def test_character_colours_show_only_when_the_character_is_in_the_scene(plan):
    with_her = still(plan, scene_of(plan, setting=SETTINGS[4], characters=["c1"]))
    without = still(plan, scene_of(plan, setting=SETTINGS[4], characters=[]))
    assert near(with_her, OUTFIT) > 100
    assert near(without, OUTFIT) == 0


def test_a_character_looks_the_same_in_every_scene(plan):
    counts = [
        near(still(plan, scene_of(plan, setting=s, characters=["c1"])), OUTFIT)
        for s in SETTINGS[:4]
    ]
    assert max(counts) < 1.35 * min(counts)  # places stand the cast at their own size


def test_characters_bounce_on_the_beat(plan, analysis):
    scene = scene_of(plan, setting=SETTINGS[9], characters=[("c1", "stand", "joyful")], end=4.0)

    def top_of_outfit(t: float) -> int:
        rows = np.flatnonzero(
            np.any(
                np.linalg.norm(
                    still(plan, scene, t=t, analysis=analysis).astype(float) - hex_rgb(OUTFIT),
                    axis=-1,
                )
                < 18,
                axis=1,
            )
        )
        return int(rows[0])

    beat = analysis["beats"][5]  # not a downbeat: no flash shifting the colours
    assert top_of_outfit(beat) < top_of_outfit(beat + 0.4)


def test_unknown_character_is_refused(tmp_path, plan, analysis, anchors):
    scene = scene_of(plan, setting=SETTINGS[0], characters=["c9"])
    with pytest.raises(InvalidInputError, match="c9"):
        render(tmp_path, plan, analysis, anchors, scene)


def test_failed_render_leaves_no_file(tmp_path, plan, analysis, monkeypatch):
    calls = []

    def broken(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError("renderer broke")
        return Image.new("RGB", SIZE)

    monkeypatch.setattr(SceneRenderer, "_frame", broken)
    with pytest.raises(RuntimeError, match="renderer broke"):
        draw_here(tmp_path, plan, analysis, scene_of(plan, setting=SETTINGS[0], characters=[]))
    assert os.listdir(tmp_path) == []


def test_memory_stays_flat_as_clips_get_longer(tmp_path, plan, analysis):
    scene = scene_of(plan, setting=SETTINGS[0], characters=["c1", "c2"], start=0.0)
    draw_here(tmp_path, plan, analysis, {**scene, "end": 1.0}, size=(640, 360))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    draw_here(tmp_path, plan, analysis, {**scene, "end": 7.0}, size=(640, 360))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 40  # the 72 extra frames alone would be 50 MB


# ----------------------------------------------------------------------------- anchors


def test_anchors_are_written_for_the_style_and_each_character(plan, anchors):
    assert set(anchors["characters"]) == {c["id"] for c in plan["characters"]}
    for path in [anchors["style"], *anchors["characters"].values()]:
        with Image.open(path) as image:
            assert image.size == SIZE and image.format == "PNG"
    with Image.open(anchors["characters"]["c1"]) as sheet:
        assert near(np.asarray(sheet.convert("RGB")), OUTFIT) > 0.01 * SIZE[0] * SIZE[1]


# ----------------------------------------------------------------------------- ffmpeg


def test_frame_writer_and_reader_round_trip(tmp_path):
    path = str(tmp_path / "grey.mp4")
    with frame_writer(path, size=(64, 36), fps=12) as writer:
        for level in range(0, 250, 10):
            writer.write(np.full((36, 64, 3), level, np.uint8))
    assert video_info(path).frames == 25
    frames = read_frames(path, indices=[0, 12, 24, 99])
    assert [int(f.mean().round()) for f in frames] == pytest.approx([0, 120, 240], abs=3)
    assert read_frames(path, count=5, size=(32, 18))[0].shape == (18, 32, 3)


def test_a_grey_writer_takes_one_channel_a_pixel(tmp_path):
    path = str(tmp_path / "grey.mp4")
    with frame_writer(path, size=(64, 36), fps=12, grey=True) as writer:
        writer.write(Image.new("L", (64, 36), 200))
        writer.write(np.full((36, 64), 40, np.uint8))
        with pytest.raises(InvalidInputError, match="bytes"):
            writer.write(np.zeros((36, 64, 3), np.uint8))
    first, second = read_frames(path, indices=[0, 1])
    assert first.mean() == pytest.approx(200, abs=3) and second.mean() == pytest.approx(40, abs=3)


def test_a_noir_clip_is_written_grey(tmp_path, plan, analysis, anchors):
    noir = {**plan, "bible": {**plan["bible"], "look": "noir"}}
    scene = scene_of(noir, setting=SETTINGS[0], characters=["c1"])
    frames = np.stack(read_frames(render(tmp_path, noir, analysis, anchors, scene), count=3))
    assert frames.std() > 5  # a picture, not a blank
    assert np.abs(frames.astype(int) - frames.mean(axis=-1, keepdims=True)).max() <= 2


def test_ffmpeg_failure_is_reported_and_leaves_no_file(tmp_path):
    path = tmp_path / "bad.mp4"
    with (
        pytest.raises(GenerationFailedError, match="ffmpeg"),
        frame_writer(str(path), size=(64, 36), fps=12, preset="no-such-preset") as writer,
    ):
        for _ in range(200):
            writer.write(np.zeros((36, 64, 3), np.uint8))
    assert os.listdir(tmp_path) == []


def test_odd_sizes_and_wrong_frames_are_refused(tmp_path):
    with (
        pytest.raises(InvalidInputError),
        frame_writer(str(tmp_path / "odd.mp4"), size=(63, 36), fps=12),
    ):
        pass
    with (
        pytest.raises(InvalidInputError),
        frame_writer(str(tmp_path / "x.mp4"), size=(64, 36), fps=12) as w,
    ):
        w.write(np.zeros((10, 10, 3), np.uint8))
    assert os.listdir(tmp_path) == []


def test_lyric_lines_show_while_they_are_sung_low_in_the_frame(plan):
    line = {"start": 0.9, "end": 1.6, "text": "walking through the rain"}
    scene = scene_of(plan, setting=SETTINGS[0], characters=[], start=0.37, end=1.91)
    scene.pop("caption", None)  # a title shares the clip with lyrics higher up
    sung = {**scene, "lyrics": [line]}
    plain, captioned = (
        SceneRenderer(scene, plan=plan, size=SIZE, seed=1),
        SceneRenderer(sung, plan=plan, size=SIZE, seed=1),
    )
    music = Music.still(intensity=0.5)

    def band_change(elapsed: float) -> tuple[float, float]:
        a = np.asarray(plain.frame(0.5, music.at(0.0), elapsed=elapsed), np.float32)
        b = np.asarray(captioned.frame(0.5, music.at(0.0), elapsed=elapsed), np.float32)
        diff = np.abs(a - b).sum(-1)
        low = round(SIZE[1] * 0.75)
        return float(diff[low:].mean()), float(diff[:low].mean())

    during = band_change(line["start"] - scene["start"] + 0.35)  # song time 1.27 s: sung
    before, after = band_change(0.2), band_change(1.5)  # 0.57 s and 1.87 s: not sung
    assert during[0] > 5 and during[1] == 0, "the line shows, low in the frame only"
    assert before == (0, 0) and after == (0, 0)


def test_framing_words_size_the_characters_and_leave_the_move_alone(plan):
    assert camera_move("close-up, pan left") == "pan_left" and camera_move("close-up") == "push_in"
    assert camera_move("medium shot, orbit") == "orbit"
    sizes = {}
    for framing in ("wide", "medium", "close-up"):
        scene = scene_of(plan, setting=SETTINGS[0], characters=["c1"], framing=framing)
        sizes[framing] = near(still(plan, scene), OUTFIT)
    assert sizes["wide"] * 1.3 < sizes["medium"] < sizes["close-up"], sizes


JOB_THAT_DRAWS = """
from agent.executor import LocalExecutor

def job():
    from tools.video import procedural_video
    return procedural_video._workers().submit(abs, -3).result()

if __name__ == "__main__":
    executor = LocalExecutor(workers=1)
    print(executor.submit(job).result(), flush=True)
    executor.shutdown()
    print("shut down", flush=True)
"""


def test_a_job_process_that_drew_clips_can_end(tmp_path):
    """A batch job (a process pool's worker) that started the clip workers ends when its pool
    shuts down: it used to wait for ever for the clip workers nobody had told to stop."""
    script = tmp_path / "job.py"
    script.write_text(JOB_THAT_DRAWS)
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["3", "shut", "down"]
