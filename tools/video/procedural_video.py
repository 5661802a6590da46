"""The offline default video backend: motion graphics drawn from each scene's shot.

No weights, no network: the shot's place, time of day and weather pick and light an
environment, its subjects are drawn doing their actions with their expressions and props, the
style bible's look treats the picture and its palette colours it, the camera moves a layered
canvas with parallax, and the song's energy, onsets, beats and vocals drive the motion. Each
clip reports what it drew (`drawn`) and what it drew otherwise (`unmet`).
"""

import os

import numpy as np
from PIL import Image

from tools.assembly.assemble import transition_keyframes
from tools.errors import InvalidInputError
from tools.ffmpeg import frame_writer
from tools.files import write_png
from tools.shots import setting_key
from tools.types import Analysis, Anchors, Plan, Rendered, Scene
from tools.video.procedural.figures import SHEET_BACKGROUND, character_sheet
from tools.video.procedural.looks import Treatment, treatment
from tools.video.procedural.music import Music
from tools.video.procedural.palette import Palette
from tools.video.procedural.render import SceneRenderer, still


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
        its setting), a still of the first scene of every other setting (the look of each place)
        and one sheet per character."""
        if not plan["scenes"]:
            raise InvalidInputError("the plan has no scenes")
        os.makedirs(out_dir, exist_ok=True)
        first = plan["scenes"][0]
        style = os.path.join(out_dir, "style.png")
        write_png(style, still(first, plan=plan, size=size, seed=seed))
        settings = {setting_key(first["shot"]["setting"]): style}
        for scene in plan["scenes"]:
            key = setting_key(scene["shot"]["setting"])
            if key not in settings:
                path = os.path.join(out_dir, f"setting_{len(settings) + 1:02d}.png")
                write_png(path, still(scene, plan=plan, size=size, seed=seed))
                settings[key] = path
        # sheets in the look and the texture the clips are drawn with (SceneRenderer's, seed 0)
        looks = treatment(
            plan["bible"].get("look", "flat"), palette=Palette.from_bible(plan["bible"]),
            size=size, seed=0,
        )  # fmt: skip
        sheets = {}
        for character in plan["characters"]:
            path = os.path.join(out_dir, f"character_{character['id']}.png")
            write_png(
                path,
                sheet_in_look(character_sheet(character, size=size, treat=looks.sprite), looks),
            )
            sheets[character["id"]] = path
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
        returns what was drawn and what was drawn otherwise."""
        first, last = round(scene["start"] * fps), round(scene["end"] * fps)
        if fps <= 0 or last <= first:
            raise InvalidInputError(f"scene {scene['id']} has no frames at {fps} fps")
        renderer = SceneRenderer(scene, plan=plan, size=size, seed=seed, beats=analysis["beats"])
        music = Music.from_analysis(analysis, intensity=scene["intensity"])
        keyframes = transition_keyframes(scene, plan["scenes"], fps=fps)
        grey = renderer.mode == "L"
        with frame_writer(out_path, size=size, fps=fps, keyframes=keyframes, grey=grey) as writer:
            for frame in renderer.frames(music, first=first, count=last - first, fps=fps):
                writer.write(frame)
        return renderer.rendered
