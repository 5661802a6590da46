"""The OpenAI video backend (Sora) against the fake OpenAI server: the job request, polling, the
download mapped to exact frames, anchors from the images API, clips from text or from each
scene's own keyframe (edited from its characters' sheets), errors, and a whole `make`.

The "generated" clips are real mp4s written here whose frames carry their own index as binary
stripes, so the mapping from the clip's frames to the scene's can be read back.
"""

import io
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import get_args

import numpy as np
import pytest
from fake_openai import (
    IMAGES,
    VIDEOS,
    Reply,
    VideoJobs,
    error_reply,
    image_reply,
    video_job_reply,
)
from openai.types import VideoSeconds, VideoSize
from PIL import Image
from plans import shot

from tools.errors import (
    BackendUnavailableError,
    GenerationFailedError,
    InvalidInputError,
    TransientBackendError,
)
from tools.ffmpeg import frame_writer, read_frames, video_info
from tools.registry import load_backend
from tools.video.diffusers_video import resample_indices
from tools.video.openai_video import (
    CLIP_SECONDS,
    PRO_SIZES,
    OpenAIVideo,
    clip_seconds,
    cover_size,
    nearest_aspect,
)

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")

SIZE = (320, 180)
FPS = 12
CLIP_FPS = 24
CLIP_SIZE = (128, 72)  # the fake API's clips: small, 16:9 like the 1280x720 asked for
STRIPES = 8  # bits of the frame index, as white or black vertical stripes
FAST_RETRY = {"retry-after-ms": "1"}
BIBLE = "flat vector animation, deep indigo palette, neon rim light"
MARA = "a lone astronaut in a white suit with an orange visor"
JOB = "/v1/videos/video_1"
EDITS = "/v1/images/edits"


# ---------------------------------------------------------------- clips, plans, scenes


def _striped(index: int, size: tuple[int, int]) -> np.ndarray:
    frame = np.zeros((size[1], size[0], 3), np.uint8)
    width = size[0] // STRIPES
    for bit in range(STRIPES):
        if index >> bit & 1:
            frame[:, bit * width : (bit + 1) * width] = 255
    return frame


def _index(frame: np.ndarray) -> int:
    width = frame.shape[1] // STRIPES
    bits = [
        frame[:, b * width + width // 4 : (b + 1) * width - width // 4].mean() > 128
        for b in range(STRIPES)
    ]
    return sum(1 << b for b, on in enumerate(bits) if on)


def _clip(tmp_path_factory, seconds: int) -> bytes:
    path = tmp_path_factory.mktemp("clips") / f"{seconds}s.mp4"
    with frame_writer(str(path), size=CLIP_SIZE, fps=CLIP_FPS) as writer:
        for index in range(seconds * CLIP_FPS):
            writer.write(_striped(index, CLIP_SIZE))
    return path.read_bytes()


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, bytes]:
    """What the fake API sends for each clip length."""
    return {str(s): _clip(tmp_path_factory, s) for s in CLIP_SECONDS}


def _png(color: str, size: tuple[int, int] = (96, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _scene(sid="s01", start=1.0, end=3.5, characters=("c1",)) -> dict:
    the_shot = shot(subjects=characters, description="the astronaut walks")
    return {
        "id": sid,
        "index": 0,
        "start": start,
        "end": end,
        "section": 0,
        "section_label": "verse",
        "setting": "a rooftop in a neon city at night",
        "description": "the astronaut walks",
        "camera": "slow push-in",
        "characters": list(characters),
        "intensity": 0.5,
        "prompt": f"the astronaut walks on a rooftop. Mara (c1): {MARA}. Style: {BIBLE}",
        "transition_in": "cut",
        "shot": the_shot,
    }


def _character(cid: str, name: str, description: str) -> dict:
    colors = {"skin": "#c08060", "hair": "#000000", "outfit": "#ffffff"}
    return {
        "id": cid,
        "name": name,
        "figure": "person",
        "description": description,
        "colors": colors,
    }


def _plan(scenes, characters=None) -> dict:
    return {
        "request": "a lonely space song",
        "title": "Rooftop",
        "story": "an astronaut walks a rooftop",
        "writer": "template",
        "bible": {
            "medium": "flat vector animation",
            "palette": ["#101020", "#202040", "#404080", "#e0a030", "#f0f0e0"],
            "lighting": "neon rim light",
            "camera": "slow",
            "mood": "dreamy",
            "text": BIBLE,
        },
        "characters": characters or [_character("c1", "Mara", MARA)],
        "scenes": scenes,
    }


@pytest.fixture
def fake(fake_openai):
    """The fake OpenAI server, with OPENAI_BASE_URL and OPENAI_API_KEY pointing at it."""
    return fake_openai


@pytest.fixture
def anchors(tmp_path) -> dict:
    """Keyframes as anchors() leaves them: PNGs of the output size (red: Mara, blue: the look)."""
    paths = {}
    for key, color in (("style", "blue"), ("c1", "red")):
        paths[key] = str(tmp_path / f"{key}.png")
        Image.new("RGB", SIZE, color).save(paths[key])
    return {"style": paths["style"], "characters": {"c1": paths["c1"]}}


@pytest.fixture
def keyframed(anchors, tmp_path) -> dict:
    """The anchors with scene s01's own keyframe (green), as anchors() leaves them with
    scene keyframes."""
    path = tmp_path / "keyframes" / "s01.png"
    path.parent.mkdir()
    Image.new("RGB", SIZE, "green").save(path)
    return anchors | {"keyframes": {"s01": str(path)}}


def _uploads(request) -> list[tuple[str, bytes]]:
    """Every file of a multipart request, in order, with its field name (`image[]` repeats)."""
    head = f"content-type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    return [
        (part.get_param("name", header="content-disposition"), part.get_payload(decode=True))
        for part in message.iter_parts()
        if part.get_filename() is not None
    ]


def _render(backend, scene, tmp_path, anchors, *, size=SIZE) -> str:
    path = str(tmp_path / f"{scene['id']}.mp4")
    return path, backend.render(
        scene,
        plan=_plan([scene]),
        analysis={},
        anchors=anchors,
        out_path=path,
        size=size,
        fps=FPS,
        seed=7,
    )


def _backend(**options) -> OpenAIVideo:
    return OpenAIVideo(**({"poll_seconds": 0.0} | options))


def _enqueue_job(fake, clip: bytes, *, seconds: str = "4") -> None:
    """A job that is queued when made, in progress at the first poll, completed at the second."""
    fake.enqueue(VIDEOS, video_job_reply(seconds=seconds))
    fake.enqueue(JOB, video_job_reply(status="in_progress", progress=40, seconds=seconds))
    fake.enqueue(JOB, video_job_reply(status="completed", progress=100, seconds=seconds))
    fake.enqueue(f"{JOB}/content", Reply(body=clip))


# ---------------------------------------------------------------- what the API allows


def test_lengths_and_sizes_are_those_the_openai_package_allows():
    assert {str(s) for s in CLIP_SECONDS} == set(get_args(VideoSeconds))
    assert {f"{w}x{h}" for w, h in PRO_SIZES} == set(get_args(VideoSize))


@pytest.mark.parametrize(
    ("seconds", "expected"), [(0.5, 4), (4.0, 4), (4.01, 8), (8.0, 8), (11.9, 12), (12.04, 12)]
)
def test_a_scene_asks_for_the_shortest_length_that_covers_it(seconds, expected):
    assert clip_seconds(seconds) == expected


@pytest.mark.parametrize(
    ("model", "size", "expected"),
    [
        ("sora-2", (320, 180), (1280, 720)),
        ("sora-2", (180, 320), (720, 1280)),
        ("sora-2", (350, 200), (1280, 720)),  # 7:4, but sora-2 has no 1792x1024
        ("sora-2-pro", (350, 200), (1792, 1024)),
        ("sora-2-pro", (1920, 1080), (1280, 720)),
    ],
)
def test_the_size_asked_for_is_nearest_the_output_aspect(fake, model, size, expected):
    assert nearest_aspect(size, OpenAIVideo(model).sizes) == expected


def test_cover_size_keeps_the_aspect_and_covers():
    assert cover_size((1280, 720), (320, 180)) == (320, 180)
    assert cover_size((1280, 720), (180, 320)) == (569, 320)
    assert cover_size((720, 1280), (320, 180)) == (320, 569)


# ---------------------------------------------------------------- a clip


def test_a_job_is_made_polled_downloaded_and_mapped_to_exact_frames(
    fake, clips, keyframed, tmp_path
):
    _enqueue_job(fake, clips["4"])
    path, notes = _render(_backend(scene_keyframes="gpt-image-2"), _scene(), tmp_path, keyframed)

    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", VIDEOS),
        ("GET", JOB),
        ("GET", JOB),
        ("GET", f"{JOB}/content"),
    ]
    form = fake.requests[0].form
    assert (form["model"], form["seconds"], form["size"]) == ("sora-2", "4", "1280x720")
    assert BIBLE in form["prompt"] and MARA in form["prompt"]
    reference = form["input_reference"]
    assert reference.content_type == "image/png"
    image = Image.open(io.BytesIO(reference.data))
    assert image.size == (1280, 720)  # the API wants the reference at the size it makes
    assert image.getpixel((640, 360)) == (0, 128, 0)  # the scene's own keyframe, not a sheet
    assert notes == {
        "model_prompt": _scene()["prompt"],
        "first_frame": keyframed["keyframes"]["s01"],
    }

    info = video_info(path)
    count = round(3.5 * FPS) - round(1.0 * FPS)
    assert (info.width, info.height, info.fps, info.frames) == (*SIZE, FPS, count)
    # the clip's first 2.5 s, not all 4 s squeezed: 60 clip frames onto 30
    expected = resample_indices(round(2.5 * CLIP_FPS), count)
    assert [_index(f) for f in read_frames(path, indices=range(count))] == list(expected)


def test_a_portrait_output_asks_for_portrait_and_crops(fake, clips, keyframed, tmp_path):
    _enqueue_job(fake, clips["8"], seconds="8")
    backend = _backend(scene_keyframes="gpt-image-2")
    path, _ = _render(backend, _scene(end=6.0), tmp_path, keyframed, size=(180, 320))
    form = fake.requests[0].form
    assert (form["seconds"], form["size"]) == ("8", "720x1280")
    assert Image.open(io.BytesIO(form["input_reference"].data)).size == (720, 1280)
    info = video_info(path)
    assert (info.width, info.height, info.frames) == (180, 320, 60)


@pytest.mark.parametrize("characters", [("c1",), ()])
def test_without_scene_keyframes_a_clip_starts_from_text_alone(
    fake, clips, anchors, tmp_path, characters
):
    _enqueue_job(fake, clips["4"])
    _, notes = _render(_backend(), _scene(characters=characters), tmp_path, anchors)
    form = fake.requests[0].form
    assert "input_reference" not in form and form["prompt"] == _scene()["prompt"]
    assert notes["first_frame"] == "none"
    assert not fake.bodies(IMAGES) and not [r for r in fake.requests if r.path == EDITS]


def test_a_scene_keyframe_the_anchors_lack_is_drawn_once_before_the_clip(
    fake, clips, anchors, tmp_path
):
    fake.enqueue(EDITS, image_reply(_png("yellow")))
    _enqueue_job(fake, clips["4"])
    _, notes = _render(_backend(scene_keyframes="gpt-image-2"), _scene(), tmp_path, anchors)
    assert notes["first_frame"] == str(tmp_path / "keyframes" / "s01.png")
    assert [r.path for r in fake.requests][:2] == [EDITS, VIDEOS]
    reference = Image.open(io.BytesIO(fake.requests[1].form["input_reference"].data))
    assert reference.getpixel((640, 360)) == (255, 255, 0)
    fake.enqueue(VIDEOS, video_job_reply(status="completed", progress=100))
    fake.enqueue(f"{JOB}/content", Reply(body=clips["4"]))
    _render(_backend(scene_keyframes="gpt-image-2"), _scene(), tmp_path, anchors)
    assert len([r for r in fake.requests if r.path == EDITS]) == 1  # drawn once, then reused


def test_a_scene_longer_than_a_clip_is_refused(fake, anchors, tmp_path):
    with pytest.raises(InvalidInputError, match="at most 12.00 s"):
        _render(_backend(), _scene(start=0.0, end=13.0), tmp_path, anchors)
    assert not fake.requests


# ---------------------------------------------------------------- keyframes


def test_anchors_are_one_keyframe_for_the_look_and_one_per_character(fake, tmp_path):
    characters = [_character("c1", "Mara", MARA), _character("c2", "Ode", "a tall dancer")]
    for color in ("blue", "red", "green"):
        fake.enqueue(IMAGES, image_reply(_png(color)))
    plan = _plan([_scene()], characters)
    anchors = _backend().anchors(plan, out_dir=str(tmp_path / "anchors"), size=SIZE, seed=3)

    bodies = fake.bodies(IMAGES)
    assert [b["model"] for b in bodies] == ["gpt-image-2"] * 3
    assert {b["size"] for b in bodies} == {"1536x1024"}  # the landscape size of the GPT models
    assert all(BIBLE in b["prompt"] for b in bodies)
    assert MARA in bodies[1]["prompt"] and "a tall dancer" in bodies[2]["prompt"]
    assert set(anchors["characters"]) == {"c1", "c2"}
    for path, color in [
        (anchors["style"], (0, 0, 255)),
        (anchors["characters"]["c1"], (255, 0, 0)),
        (anchors["characters"]["c2"], (0, 128, 0)),
    ]:
        image = Image.open(path)
        assert image.size == SIZE and image.getpixel((160, 90)) == color


def test_scene_keyframes_are_edited_from_the_sheets_of_their_characters(fake, tmp_path):
    characters = [_character("c1", "Mara", MARA), _character("c2", "Ode", "a tall dancer")]
    for color in ("blue", "red", "green"):
        fake.enqueue(IMAGES, image_reply(_png(color)))
    for color in ("yellow", "white"):
        fake.enqueue(EDITS, image_reply(_png(color)))
    scenes = [_scene("s01", characters=("c1", "c2")), _scene("s02", 3.5, 6.0, characters=())]
    plan = _plan(scenes, characters)
    backend = _backend(scene_keyframes="gpt-image-1.5")
    anchors = backend.anchors(plan, out_dir=str(tmp_path / "anchors"), size=SIZE, seed=3)

    edits = [r for r in fake.requests if r.path == EDITS]
    assert [r.form["model"] for r in edits] == ["gpt-image-1.5"] * 2
    assert all(r.form["size"] == "1536x1024" for r in edits)
    cast, look = (_uploads(r) for r in edits)
    # s01: the sheets of Mara and Ode (red, green); s02, nobody on screen: the look (blue)
    colors = [
        [Image.open(io.BytesIO(data)).getpixel((5, 5)) for _, data in u] for u in (cast, look)
    ]
    assert colors == [[(255, 0, 0), (0, 128, 0)], [(0, 0, 255)]]
    assert {name for name, _ in cast + look} == {"image[]"}
    prompt = edits[0].form["prompt"]
    assert "the astronaut walks" in prompt.lower() and MARA in prompt and "a tall dancer" in prompt
    assert BIBLE in prompt and "the astronaut walks" in edits[1].form["prompt"].lower()
    assert set(anchors["keyframes"]) == {"s01", "s02"}
    for sid, color in (("s01", (255, 255, 0)), ("s02", (255, 255, 255))):
        path = anchors["keyframes"][sid]
        assert path == str(tmp_path / "anchors" / "keyframes" / f"{sid}.png")
        assert Image.open(path).size == SIZE and Image.open(path).getpixel((160, 90)) == color


def test_a_refused_keyframe_names_what_was_drawn(fake, tmp_path):
    fake.enqueue(IMAGES, error_reply(400, "blocked", code="moderation_blocked"))
    with pytest.raises(GenerationFailedError, match="the style keyframe.*content policy"):
        _backend().anchors(_plan([_scene()]), out_dir=str(tmp_path), size=SIZE, seed=3)


# ---------------------------------------------------------------- errors


def test_a_failed_job_is_generation_failed_with_the_api_message(fake, anchors, tmp_path):
    fake.enqueue(VIDEOS, video_job_reply())
    failed = {"code": "internal_error", "message": "the render crashed"}
    fake.enqueue(JOB, video_job_reply(status="failed", error=failed))
    with pytest.raises(GenerationFailedError, match="s01.*the render crashed") as caught:
        _render(_backend(), _scene(), tmp_path, anchors)
    assert not isinstance(caught.value, TransientBackendError)
    assert not (tmp_path / "s01.mp4").exists()


@pytest.mark.parametrize("when", ["create", "job"])
def test_a_content_policy_refusal_names_the_scene(fake, anchors, tmp_path, when):
    refusal = {"code": "moderation_blocked", "message": "Your request was blocked."}
    if when == "create":
        fake.enqueue(VIDEOS, error_reply(400, refusal["message"], code=refusal["code"]))
    else:
        fake.enqueue(VIDEOS, video_job_reply())
        fake.enqueue(JOB, video_job_reply(status="failed", error=refusal))
    with pytest.raises(GenerationFailedError, match="scene s01.*content policy.*blocked") as caught:
        _render(_backend(), _scene(), tmp_path, anchors)
    assert not isinstance(caught.value, TransientBackendError)


def test_a_rate_limit_is_retried_then_succeeds(fake, clips, anchors, tmp_path):
    fake.enqueue(VIDEOS, error_reply(429, "slow down", headers=FAST_RETRY))
    _enqueue_job(fake, clips["4"])
    path, _ = _render(_backend(), _scene(), tmp_path, anchors)
    assert video_info(path).frames == 30
    assert [r.path for r in fake.requests].count(VIDEOS) == 2


@pytest.mark.parametrize(("path", "status"), [(VIDEOS, 429), (JOB, 500), (f"{JOB}/content", 503)])
def test_rate_limits_and_server_errors_that_last_are_transient(
    fake, clips, anchors, tmp_path, path, status
):
    for _ in range(3):  # the first try and the client's two retries
        fake.enqueue(path, error_reply(status, "busy", headers=FAST_RETRY))
    _enqueue_job(fake, clips["4"])
    with pytest.raises(TransientBackendError, match=f"HTTP {status}.*scene s01"):
        _render(_backend(), _scene(), tmp_path, anchors)


def test_a_job_past_the_timeout_is_transient(fake, anchors, tmp_path):
    fake.enqueue(VIDEOS, video_job_reply())
    fake.route(JOB, lambda request: video_job_reply(status="in_progress", progress=10))
    backend = _backend(poll_seconds=0.01, timeout=0.1)
    with pytest.raises(TransientBackendError, match="video_1.*s01.*did not finish in 0.1 s"):
        _render(backend, _scene(), tmp_path, anchors)
    assert 3 <= [r.path for r in fake.requests].count(JOB) <= 20


def test_a_server_that_does_not_answer_in_time_is_transient(fake, monkeypatch, anchors, tmp_path):
    monkeypatch.setattr("tools.video.openai_video.REQUEST_SECONDS", 0.1)
    for _ in range(3):  # the first try and the client's two retries
        fake.enqueue(VIDEOS, Reply(body={}, delay=0.5))
    with pytest.raises(TransientBackendError, match="did not answer in time for scene s01"):
        _render(_backend(), _scene(), tmp_path, anchors)


@pytest.mark.parametrize(("status", "message"), [(401, "API key"), (403, "API key"), (404, "shut")])
def test_a_refused_key_or_missing_api_is_backend_unavailable(
    fake, anchors, tmp_path, status, message
):
    fake.enqueue(VIDEOS, error_reply(status, "no"))
    with pytest.raises(BackendUnavailableError, match=message):
        _render(_backend(), _scene(), tmp_path, anchors)


def test_no_credentials_is_backend_unavailable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY"):
        OpenAIVideo()


def test_the_registry_builds_it_from_a_spec(fake):
    backend = load_backend("video", "openai:sora-2-pro")
    assert isinstance(backend, OpenAIVideo) and backend.model == "sora-2-pro"
    assert backend.max_clip_seconds == 12.0


# ---------------------------------------------------------------- the whole job


@pytest.mark.parametrize("edit", [None, "gpt-image-2"])
def test_make_with_the_openai_video_backend(fake, clips, demo_song, tmp_path, edit):
    from test_cli import sound2sight

    jobs = VideoJobs(clips, polls=0)  # completed when made: `make` polls at the default pace
    fake.route(VIDEOS, jobs)
    fake.route(IMAGES, lambda request: image_reply(_png("purple")))
    fake.route(EDITS, lambda request: image_reply(_png("orange")))
    run_dir, out = tmp_path / "run", tmp_path / "out.mp4"
    flags = ["--scene-keyframes", edit] if edit else []
    result = sound2sight(
        "make", str(demo_song), "-o", str(out), "--run-dir", str(run_dir), "--video", "openai",
        "--max-retries", "0", "--resolution", "320x180", "--fps", str(FPS), *flags, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    run = json.loads((run_dir / "run.json").read_text())
    assert run["backends"]["video"] == "openai"
    scenes = run["scenes"]
    assert len(jobs.created) == len(scenes)  # one job per scene, none repeated
    lengths = sorted(round(s["end"] * FPS) - round(s["start"] * FPS) for s in scenes)
    assert sorted(int(f["seconds"]) for f in jobs.created) == sorted(
        clip_seconds(n / FPS) for n in lengths
    )
    assert all(f["model"] == "sora-2" and f["size"] == "1280x720" for f in jobs.created)
    info = video_info(str(out))
    assert (info.width, info.height) == (320, 180)
    assert info.frames == round(run["duration"] * FPS) == sum(lengths)
    images = [r for r in fake.requests if r.path == IMAGES]
    assert len(images) == 1 + len(run["characters"])
    edits = [r for r in fake.requests if r.path == EDITS]
    notes = [attempt["first_frame"] for scene in scenes for attempt in scene["attempts"]]
    if edit is None:  # text-to-video: no first frame
        assert not edits and all("input_reference" not in f for f in jobs.created)
        assert notes == ["none"] * len(scenes)
    else:  # each scene from its own keyframe, drawn once
        assert len(edits) == len(scenes) and all("input_reference" in f for f in jobs.created)
        assert sorted(notes) == sorted(
            str(run_dir / "anchors" / "keyframes" / f"{s['id']}.png") for s in scenes
        )
