"""The offline default video backend: flat vector motion graphics drawn from the plan.

No weights, no network: the style bible's palette colours everything, the scene's setting picks
an environment, the characters are drawn with a fixed look, the camera text moves a layered
canvas with parallax, and the song's energy, onsets and beats drive the motion.
"""

import os

from tools.assembly import transition_keyframes
from tools.errors import InvalidInputError
from tools.ffmpeg import frame_writer
from tools.files import write_png
from tools.procedural.figures import character_sheet
from tools.procedural.music import Music
from tools.procedural.render import SceneRenderer, still
from tools.types import Analysis, Anchors, Plan, Scene


class ProceduralVideo:
    """Renders scenes procedurally, at a few milliseconds a frame."""

    name = "procedural"
    max_clip_seconds = 8.0

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors:
        """Write the style reference (a still of the first scene) and one sheet per character."""
        if not plan["scenes"]:
            raise InvalidInputError("the plan has no scenes")
        os.makedirs(out_dir, exist_ok=True)
        style = os.path.join(out_dir, "style.png")
        write_png(style, still(plan["scenes"][0], plan=plan, size=size, seed=seed))
        sheets = {}
        for character in plan["characters"]:
            path = os.path.join(out_dir, f"character_{character['id']}.png")
            write_png(path, character_sheet(character, size=size))
            sheets[character["id"]] = path
        return Anchors(style=style, characters=sheets)

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
    ) -> None:
        """Write round(end*fps) - round(start*fps) frames of the scene to out_path (no audio)."""
        first, last = round(scene["start"] * fps), round(scene["end"] * fps)
        if fps <= 0 or last <= first:
            raise InvalidInputError(f"scene {scene['id']} has no frames at {fps} fps")
        renderer = SceneRenderer(scene, plan=plan, size=size, seed=seed)
        music = Music.from_analysis(analysis, intensity=scene["intensity"])
        keyframes = transition_keyframes(scene, plan["scenes"], fps=fps)
        with frame_writer(out_path, size=size, fps=fps, keyframes=keyframes) as writer:
            for frame in renderer.frames(music, first=first, count=last - first, fps=fps):
                writer.write(frame)
