"""The offline default video backend: motion graphics drawn from each scene's shot.

No weights, no network: the shot's place, time of day and weather pick and light an
environment, its subjects are drawn doing their actions with their expressions and props, the
style bible's look treats the picture and its palette colours it, the camera moves a layered
canvas with parallax, and the song's energy, onsets, beats and vocals drive the motion. Each
clip reports what it drew (`drawn`) and what it drew otherwise (`unmet`).

Clips are drawn and encoded in worker processes (`draw_clip`), so clips rendered at once draw
on as many cores, beside their encoders, instead of taking turns in one interpreter.
"""

import multiprocessing
import multiprocessing.util
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache, partial
from typing import TypeVar

import numpy as np
from PIL import Image

from tools.assembly.assemble import transition_keyframes
from tools.critique.pixels import CRITIQUE_FRAMES
from tools.errors import GenerationFailedError, InvalidInputError
from tools.ffmpeg import frame_writer, spread_indices
from tools.files import write_png
from tools.shots import setting_key, view_key
from tools.types import Analysis, Anchors, Character, Plan, Rendered, Scene
from tools.video.procedural.figures import SHEET_BACKGROUND, character_sheet
from tools.video.procedural.looks import Treatment, treatment
from tools.video.procedural.music import Music
from tools.video.procedural.palette import Palette
from tools.video.procedural.render import SceneRenderer, still

_PARENT_CHECK_SECONDS = 0.05
T = TypeVar("T")


def sheet_in_look(sheet: Image.Image, looks: Treatment) -> Image.Image:
    """A character sheet as the look shows the character (pastel, noir...), on its plain
    background: the colours the critic then finds in the clips."""
    plain = np.asarray(sheet)
    background = (plain == SHEET_BACKGROUND).all(axis=-1)
    seen = np.array(looks.frame(sheet.copy(), Music.still(intensity=0.5).at(0.0), 0).convert("RGB"))
    seen[background] = SHEET_BACKGROUND
    return Image.fromarray(seen)


class ProceduralVideo:
    """Renders scenes procedurally, at a few milliseconds a frame."""

    name = "procedural"
    max_clip_seconds = 8.0

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors:
        """Write the style reference (a still of the first scene, which is also the reference of
        its setting and view), a still of the first scene of every other setting and view (the
        look of each place from each angle shown: another view of a street shows shop fronts
        its first does not) and one sheet per character, drawn at once in the worker processes
        (which then keep the settings' static art for the clips). A setting's key names the
        still of its first view."""
        if not plan["scenes"]:
            raise InvalidInputError("the plan has no scenes")
        os.makedirs(out_dir, exist_ok=True)
        style = os.path.join(out_dir, "style.png")
        settings: dict[str, str] = {}
        stills: dict[str, Scene] = {}
        for scene in plan["scenes"]:
            view = view_key(scene["shot"])
            if view not in settings:
                name = f"setting_{len(stills) + 1:02d}.png"
                settings[view] = os.path.join(out_dir, name) if stills else style
                stills[settings[view]] = scene
            settings.setdefault(setting_key(scene["shot"]["setting"]), settings[view])
        sheets = {
            c["id"]: os.path.join(out_dir, f"character_{c['id']}.png") for c in plan["characters"]
        }
        _in_workers(
            *(partial(draw_still, scene, plan=plan, size=size, seed=seed, out_path=path)
              for path, scene in stills.items()),
            *(partial(draw_sheet, c, plan=plan, size=size, out_path=sheets[c["id"]])
              for c in plan["characters"]),
        )  # fmt: skip
        return Anchors(style=style, characters=sheets, settings=settings)

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
        """Write round(end*fps) - round(start*fps) frames of the scene to out_path (no audio);
        returns what was drawn and what was drawn otherwise. The clip is drawn in a worker
        process (`draw_clip` there); the calling thread waits for it."""
        (rendered,) = _in_workers(
            partial(draw_clip, scene, plan=plan, analysis=analysis, out_path=out_path, size=size,
                    fps=fps, seed=seed)
        )  # fmt: skip
        return rendered


def draw_clip(
    scene: Scene,
    *,
    plan: Plan,
    analysis: Analysis,
    out_path: str,
    size: tuple[int, int],
    fps: int,
    seed: int,
) -> Rendered:
    """Draw and encode one clip in this process (what `ProceduralVideo.render` runs in a
    worker): round(end*fps) - round(start*fps) frames of the scene to out_path, keyframes
    where assembly cuts and on the frames the critic scores (it decodes only those)."""
    first, last = round(scene["start"] * fps), round(scene["end"] * fps)
    if fps <= 0 or last <= first:
        raise InvalidInputError(f"scene {scene['id']} has no frames at {fps} fps")
    renderer = SceneRenderer(scene, plan=plan, size=size, seed=seed, beats=analysis["beats"])
    music = Music.from_analysis(analysis, intensity=scene["intensity"])
    keyframes = sorted(
        {*transition_keyframes(scene, plan["scenes"], fps=fps),
         *spread_indices(last - first, CRITIQUE_FRAMES)}
    )  # fmt: skip
    grey = renderer.mode == "L"
    with frame_writer(out_path, size=size, fps=fps, keyframes=keyframes, grey=grey) as writer:
        for frame in renderer.frames(music, first=first, count=last - first, fps=fps):
            writer.write(frame)
    return renderer.rendered


def draw_still(
    scene: Scene, *, plan: Plan, size: tuple[int, int], seed: int, out_path: str
) -> None:
    """Write a representative frame of the scene (an anchor) as a PNG."""
    write_png(out_path, still(scene, plan=plan, size=size, seed=seed))


def draw_sheet(character: Character, *, plan: Plan, size: tuple[int, int], out_path: str) -> None:
    """Write the character's sheet in the look and the texture the clips are drawn with
    (SceneRenderer's, seed 0) as a PNG."""
    looks = treatment(
        plan["bible"].get("look", "flat"), palette=Palette.from_bible(plan["bible"]), size=size,
        seed=0,
    )  # fmt: skip
    write_png(
        out_path, sheet_in_look(character_sheet(character, size=size, treat=looks.sprite), looks)
    )


def _in_workers(*calls: Callable[[], T]) -> list[T]:
    """The calls' results, the calls run at once in the worker processes. A worker that dies
    (killed, out of memory) fails them in one line, and the next calls get new workers."""
    try:
        jobs = [_workers().submit(call) for call in calls]
        return [job.result() for job in jobs]
    except BrokenProcessPool:
        _workers.cache_clear()
        raise GenerationFailedError(
            "a procedural rendering process died (out of memory?); run again to finish"
        ) from None


@cache
def _workers() -> ProcessPoolExecutor:
    """The processes clips are drawn in, started on demand (as many as clips are asked for at
    once, at most one a core) and kept for the next clips: each keeps its settings' static art
    (`render._scenery`) from clip to clip. Spawned, not forked: the caller runs threads.

    They are shut down when this process exits, also when it is itself a multiprocessing worker
    (a batch job): such a process joins its children on the way out, before the interpreter's
    own exit hooks would ever tell this pool to stop, and would wait for them for ever. (The
    shutdown runs before the finalizers that close the pool's queues: a higher priority.)"""
    pool = ProcessPoolExecutor(
        os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    )
    multiprocessing.util.Finalize(
        pool, pool.shutdown, kwargs={"cancel_futures": True}, exitpriority=100
    )
    return pool


def _end_with_parent(parent: int) -> None:
    """A worker ends soon after the process that started it dies (a killed run leaves no clip
    being finished behind it for a resumed run to find half-recorded)."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(1)
