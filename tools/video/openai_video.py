"""A video backend on the OpenAI video API (Sora): create a job, poll it, download the mp4.

Spec `openai` or `openai:<model>` (`sora-2`, the default, or `sora-2-pro`, or a dated snapshot),
on the server named by `OPENAI_BASE_URL` with `OPENAI_API_KEY`, as for every OpenAI backend.
The openai package marks this API deprecated: OpenAI scheduled it to shut down on 2026-09-24,
after which api.openai.com answers 404 (`BackendUnavailableError`); servers that keep speaking
`/v1/videos` still work.

Consistency anchoring, as in the diffusers backend. `anchors()` draws one sheet per character
and one image for the look with the images API (`keyframes=`, a GPT image model): references
for the critic, never the first frame of a clip. What a clip starts from:

- with `scene_keyframes=` (a GPT image model, e.g. `--scene-keyframes gpt-image-2`), each
  scene's own keyframe: the images API's edit composes the sheets of the scene's characters (the
  look's image when nobody is on screen) into its shot (`tools.video.keyframes.scene_still`:
  the same instruction as FLUX.1 Kontext's), drawn once per video by `anchors()`
  (`anchors/keyframes/<scene>.png`); `render()` passes it as `input_reference`, the first frame
  the video grows from, scaled and cropped to the requested size as the API requires;
- otherwise (the default) the scene's text alone: text-to-video, no `input_reference`.

Each clip's notes say which (`first_frame`: the keyframe's path, or "none"). The API takes no
seed, so neither anchors nor clips repeat between runs. It may refuse a reference that shows a
realistic human face; that refusal, like any content-policy refusal, is `GenerationFailedError`
naming the scene.

Time and size. The API makes clips of 4, 8 or 12 seconds at a few sizes (sora-2: 1280x720 and
720x1280; sora-2-pro also 1792x1024 and 1024x1792). A scene asks for the shortest length that
covers it and the size nearest the output's aspect; the clip is cut to the scene's length (its
start kept, never sped up: motion stays natural) and mapped to exactly
round(end*fps) - round(start*fps) output frames (nearest frame in time), each scaled to cover
the output size and centre-cropped. The clip's audio is dropped.
"""

import base64
import io
import logging
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import openai
from openai.types import Video
from PIL import Image

from tools.assembly.assemble import transition_keyframes
from tools.errors import (
    GenerationFailedError,
    TransientBackendError,
)
from tools.ffmpeg import frame_writer, read_frames, video_info
from tools.llm.openai_chat import is_refusal, mapped_error, openai_client
from tools.types import Analysis, Anchors, Plan, Rendered, Scene
from tools.video.diffusers_video import (
    anchor_prompts,
    clip_frames,
    fit,
    resample_indices,
    save_anchors,
    save_keyframe,
)
from tools.video.keyframes import scene_still
from tools.video.prompt_budget import rough_count

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sora-2"
# gpt-image-1, which first drew these, was shut down on 2026-10-23 (openai/types/image_model.py)
DEFAULT_KEYFRAMES = "gpt-image-2"
# What openai/types/video_seconds.py and video_size.py allow; OpenAI's video guide keeps the
# two larger sizes for sora-2-pro.
CLIP_SECONDS = (4, 8, 12)
SIZES = ((1280, 720), (720, 1280))
PRO_SIZES = (*SIZES, (1792, 1024), (1024, 1792))
# The sizes every GPT image model draws (openai/types/image_generate_params.py).
IMAGE_SIZES = ((1536, 1024), (1024, 1536), (1024, 1024))
POLL_SECONDS = 10.0
JOB_TIMEOUT = 1200.0  # a sora-2-pro clip of 12 s takes several minutes when the queue is long
REQUEST_SECONDS = 120.0  # one HTTP request: a create, a poll, the download
DECODE_BATCH = 48  # output frames decoded at a time, to bound memory at any clip length
EDIT_PROMPT_TOKENS = 1000  # a scene keyframe's edit prompt (the GPT image models read far more)

Result = TypeVar("Result")


# ---------------------------------------------------------------- time and size


def clip_seconds(seconds: float) -> int:
    """The shortest clip length the API makes that covers `seconds` (the longest if none)."""
    return next((s for s in CLIP_SECONDS if s >= seconds), CLIP_SECONDS[-1])


def nearest_aspect(size: tuple[int, int], sizes: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """The one of `sizes` whose aspect ratio is nearest to that of `size` (first on a tie)."""
    aspect = math.log(size[0] / size[1])
    return min(sizes, key=lambda s: abs(math.log(s[0] / s[1]) - aspect))


def cover_size(source: tuple[int, int], size: tuple[int, int]) -> tuple[int, int]:
    """`source` scaled, aspect kept, to the smallest size that covers `size`."""
    scale = max(size[0] / source[0], size[1] / source[1])
    return max(size[0], round(source[0] * scale)), max(size[1], round(source[1] * scale))


def write_scene_clip(
    source: str,
    out_path: str,
    *,
    count: int,
    size: tuple[int, int],
    fps: int,
    keyframes: Sequence[int] = (),
) -> None:
    """Write `count` frames at `fps` from the start of the video `source` to `out_path` (no
    audio, `keyframes` among its keyframes): nearest frame in time, each scaled to cover `size`
    and centre-cropped."""
    info = video_info(source)
    wanted = max(1, round(count / fps * info.fps))
    if wanted > info.frames + 1:  # one frame short is rounding; more is a short clip
        log.warning(
            "%s holds %d frames, the scene needs %d: stretching it", source, info.frames, wanted
        )
    indices = resample_indices(min(wanted, info.frames), count)
    decode_size = cover_size((info.width, info.height), size)
    with frame_writer(out_path, size=size, fps=fps, keyframes=keyframes) as writer:
        for first in range(0, count, DECODE_BATCH):
            batch = [int(i) for i in indices[first : first + DECODE_BATCH]]
            frames = read_frames(source, size=decode_size, indices=batch)
            decoded = dict(zip(sorted(set(batch)), frames, strict=True))
            for index in batch:
                writer.write(fit(decoded[index], size))


# ---------------------------------------------------------------- the backend


class OpenAIVideo:
    """Clips from the OpenAI video API: from text, or from scene keyframes the images API draws.

    `keyframes`: the image model of the anchors. `scene_keyframes`: the image model that edits
    each scene's keyframe from its characters' sheets (None: clips start from text alone).
    `poll_seconds`: the wait between two looks at a running job. `timeout`: seconds a job may
    take from its creation before the render gives up with `TransientBackendError` (the graph
    retries it as a new job).
    """

    name = "openai"
    max_clip_seconds = float(CLIP_SECONDS[-1])

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        keyframes: str = DEFAULT_KEYFRAMES,
        scene_keyframes: str | None = None,
        poll_seconds: float = POLL_SECONDS,
        timeout: float = JOB_TIMEOUT,
    ) -> None:
        self.model = model
        self.keyframes = keyframes
        self.scene_keyframes = scene_keyframes
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.sizes = PRO_SIZES if model.startswith("sora-2-pro") else SIZES
        self.client = openai_client(timeout=REQUEST_SECONDS)
        self.base_url = str(self.client.base_url).rstrip("/")

    # ------------------------------------------------------------ public API

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors:
        """Draw the style reference and one sheet per character as PNGs of `size` in `out_dir`,
        and, with `scene_keyframes`, every scene's keyframe in `out_dir`/keyframes.

        The images API takes no seed: `seed` is not used.
        """
        image_size = nearest_aspect(size, IMAGE_SIZES)
        images = {}
        for key, prompt in anchor_prompts(plan).items():
            log.info("drawing the %s keyframe with %s", key, self.keyframes)
            images[key] = self._draw(prompt, size=image_size, what=f"the {key} keyframe")
        anchors = save_anchors(images, plan, out_dir=out_dir, size=size)
        if self.scene_keyframes is not None:
            anchors["keyframes"] = {
                s["id"]: self._scene_keyframe(s, plan, anchors, size=size) for s in plan["scenes"]
            }
        return anchors

    def render(
        self,
        scene: Scene,
        *,
        plan: Plan,
        analysis: Analysis,
        anchors: Anchors,
        out_path: str,
        size: tuple[int, int],
        fps: int,
        seed: int,
    ) -> Rendered:
        """Write exactly round(end*fps) - round(start*fps) frames of `scene` to `out_path`;
        returns the prompt the model read and the keyframe the clip started from."""
        count = clip_frames(scene, fps=fps, max_seconds=self.max_clip_seconds, by=self.model)
        seconds = clip_seconds(count / fps)
        api_size = nearest_aspect(size, self.sizes)
        first = self._first_frame(scene, plan=plan, anchors=anchors, size=size)
        options: dict[str, Any] = {}
        if first is not None:
            with Image.open(first) as keyframe:
                reference = _png_bytes(fit(keyframe, api_size))
            options["input_reference"] = (f"{scene['id']}.png", reference, "image/png")
        job = self._call(
            scene,
            self.client.videos.create,
            model=self.model,
            prompt=scene["prompt"],
            seconds=str(seconds),
            size=f"{api_size[0]}x{api_size[1]}",
            **options,
        )
        log.info("scene %s: video job %s (%d s at %dx%d)", scene["id"], job.id, seconds, *api_size)
        self._wait(scene, job)
        with tempfile.TemporaryDirectory(prefix="sound2sight-openai-") as tmp:
            clip = str(Path(tmp, f"{job.id}.mp4"))
            self._call(scene, self._download, job.id, clip)
            keyframes = transition_keyframes(scene, plan["scenes"], fps=fps)
            write_scene_clip(clip, out_path, count=count, size=size, fps=fps, keyframes=keyframes)
        return {"model_prompt": scene["prompt"], "first_frame": first or "none"}

    # ------------------------------------------------------------ scene keyframes

    def _first_frame(
        self, scene: Scene, *, plan: Plan, anchors: Anchors, size: tuple[int, int]
    ) -> str | None:
        """The keyframe `scene` starts from (None: from text). One the anchors lack (a revised
        plan keeps its old anchors) is drawn now, once, beside the anchors."""
        if self.scene_keyframes is None:
            return None
        if scene["id"] in anchors.get("keyframes", {}):
            return anchors["keyframes"][scene["id"]]
        path = Path(anchors["style"]).parent / "keyframes" / f"{scene['id']}.png"
        if path.is_file():
            return str(path)
        log.info("scene %s has no keyframe among the anchors: drawing it", scene["id"])
        return self._scene_keyframe(scene, plan, anchors, size=size)

    def _scene_keyframe(
        self, scene: Scene, plan: Plan, anchors: Anchors, *, size: tuple[int, int]
    ) -> str:
        """`scene`'s keyframe edited from its characters' sheets (or the look) into its shot,
        saved as anchors/keyframes/<scene>.png."""
        still = scene_still(scene, plan, anchors, seed=0)
        prompt = still.prompt(EDIT_PROMPT_TOKENS, rough_count)
        image_size = nearest_aspect(size, IMAGE_SIZES)
        references = []
        for path in still.references:
            with Image.open(path) as reference:
                references.append((Path(path).name, _png_bytes(reference), "image/png"))
        log.info("drawing scene %s's keyframe with %s", scene["id"], self.scene_keyframes)
        reply = self._call(
            scene,
            self.client.images.edit,
            model=self.scene_keyframes,
            image=references,
            prompt=prompt.text,
            size=f"{image_size[0]}x{image_size[1]}",
            n=1,
        )
        image = _image(reply, self.scene_keyframes, what=f"the keyframe of scene {scene['id']}")
        folder = Path(anchors["style"]).parent / "keyframes"
        return save_keyframe(image, folder, scene["id"], size=size)

    # ------------------------------------------------------------ the API

    def _wait(self, scene: Scene, job: Video) -> None:
        """Poll `job` until it completes; a failed, refused or overdue job raises."""
        deadline = time.monotonic() + self.timeout
        seen = None
        while job.status in ("queued", "in_progress"):
            if (job.status, job.progress) != seen:
                seen = (job.status, job.progress)
                log.info("scene %s: job %s %s, %d%%", scene["id"], job.id, *seen)
            if time.monotonic() >= deadline:
                raise TransientBackendError(
                    f"video job {job.id} for scene {scene['id']} did not finish in "
                    f"{self.timeout:g} s ({job.status}, {job.progress}%)"
                )
            time.sleep(self.poll_seconds)
            job = self._call(scene, self.client.videos.retrieve, job.id)
        if job.status == "completed":
            log.info("scene %s: job %s completed", scene["id"], job.id)
            return
        code = job.error.code if job.error else ""
        message = job.error.message if job.error else "no reason given"
        if is_refusal(code):
            raise GenerationFailedError(
                f"{self.model} refused scene {scene['id']} (content policy): {message}"
            )
        raise GenerationFailedError(
            f"{self.model} failed scene {scene['id']} (job {job.id}, {job.status}): {message}"
        )

    def _download(self, video_id: str, path: str) -> None:
        with self.client.videos.with_streaming_response.download_content(
            video_id, variant="video"
        ) as response:
            response.stream_to_file(path)

    def _draw(self, prompt: str, *, size: tuple[int, int], what: str) -> Image.Image:
        """One image from the keyframes model."""
        reply = self._call(
            what,
            self.client.images.generate,
            model=self.keyframes,
            prompt=prompt,
            size=f"{size[0]}x{size[1]}",
            n=1,
        )
        return _image(reply, self.keyframes, what=what)

    def _call(
        self, subject: Scene | str, method: Callable[..., Result], *args: Any, **kwargs: Any
    ) -> Result:
        """`method(*args, **kwargs)` with the client's errors as the project's, naming `subject`
        (a scene, or what is being drawn)."""
        what = f"scene {subject['id']}" if isinstance(subject, dict) else subject
        try:
            return method(*args, **kwargs)
        except openai.OpenAIError as error:
            raise self._mapped(error, what) from error

    def _mapped(self, error: openai.OpenAIError, what: str) -> Exception:
        """The project's exception for an error of the openai client while making `what`."""
        return mapped_error(
            error,
            where=self.base_url,
            what=what,
            missing=f"{self.base_url} has no video or image API or no such model ({self.model}, "
            f"{self.keyframes}): check the models and OPENAI_BASE_URL; OpenAI scheduled its "
            "video API to shut down on 2026-09-24",
        )


def _image(reply: Any, model: str, *, what: str) -> Image.Image:
    """The one image of an images API reply; none, or one that does not decode, is an error."""
    if not reply.data or not reply.data[0].b64_json:
        raise GenerationFailedError(f"{model} returned no image for {what}")
    try:
        image = Image.open(io.BytesIO(base64.b64decode(reply.data[0].b64_json)))
        image.load()
    except (OSError, ValueError) as error:
        raise GenerationFailedError(
            f"{model} returned an unreadable image for {what}: {error}"
        ) from error
    return image


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
