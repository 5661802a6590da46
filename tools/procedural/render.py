"""One scene as a sequence of frames: scenery, cast, weather, flash and caption composited
through the camera, frame by frame."""

import zlib
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from tools.errors import InvalidInputError
from tools.procedural.camera import Camera, framing
from tools.procedural.cast import Cast
from tools.procedural.layers import Geometry, Layer, View, hide_covered
from tools.procedural.music import Music, Pulse
from tools.procedural.palette import RGB, Palette
from tools.procedural.places import PLACES
from tools.procedural.scenery import Ctx, place_of, time_of
from tools.procedural.text import Caption
from tools.types import Plan, Scene

_FLASH_STEP = 0.02


@lru_cache(maxsize=32)
def _flash_table(color: RGB, amount: float) -> list[int]:
    """A point() table lifting each channel towards a colour, lights more than darks (a bloom
    rather than a grey veil)."""
    return [
        round(v + (c - v) * amount * (0.25 + 0.75 * v / 255)) if c > v else v
        for c in color
        for v in range(256)
    ]


def _flash(pulse: Pulse) -> float:
    """A two-frame flash on the downbeats of intense scenes (0 in calm ones)."""
    return pulse.down**6 * 0.6 * max(0.0, pulse.intensity - 0.5)


class SceneRenderer:
    """Draws the frames of one scene; static art is built once in the constructor."""

    def __init__(
        self, scene: Scene, *, plan: Plan, size: tuple[int, int], seed: int, caption: bool = True
    ) -> None:
        self.size = size
        self.geometry = g = Geometry(*size)
        self.palette = p = Palette.from_bible(plan["bible"])
        setting = scene["setting"]
        place = place_of(setting)
        layout = zlib.crc32(setting.encode())
        rng, vary = np.random.default_rng(layout), np.random.default_rng([seed, layout])
        ctx = Ctx(g, p, rng, vary, time_of(setting, place), setting.lower(), seed)
        self.scenery = PLACES[place](ctx)
        self.place = place
        self.camera = Camera(scene["camera"], g, focus=self.scenery.floor, seed=seed)
        scale, drop = framing(scene["camera"])
        cast = Cast(
            _characters(scene, plan),
            geometry=g,
            floor=self.scenery.floor,
            figure_height=self.scenery.figure_height * scale,
            drop=drop,
            floating=place == "space",
            shadow=p.deep,
        )
        self.items = [*self.scenery.back, cast, *self.scenery.front]
        if not isinstance(self.items[0], Layer) or not self.items[0].opaque:
            raise AssertionError(f"the {place} scenery must start with an opaque layer")
        hide_covered(self.items[1:], g)
        self.captions = _captions(scene, size=size, palette=p) if caption else []

    def frame(self, u: float, pulse: Pulse, *, elapsed: float = 1.0) -> Image.Image:
        """The frame a fraction u through the clip, `elapsed` seconds in."""
        shot = self.camera.shot(u, pulse)
        views: dict[float, View] = {}

        def view(depth: float) -> View:
            if depth not in views:
                views[depth] = self.camera.view(shot, depth)
            return views[depth]

        base, *rest = self.items
        frame = base.base(view(base.depth), self.size)
        draw = ImageDraw.Draw(frame, "RGBA")
        for item in rest:
            if isinstance(item, Layer):
                item.blit(frame, view(item.depth))
            else:
                item.draw(frame, draw, view(item.depth), pulse)
        for effect in self.scenery.air:
            effect.draw(frame, draw, view(1.0), pulse)
        amount = round(_flash(pulse) / _FLASH_STEP) * _FLASH_STEP
        if amount > 0:
            frame = frame.point(_flash_table(self.palette.highlight, amount))
        for text in self.captions:
            text.draw(frame, at=elapsed)
        return frame

    def frames(self, music: Music, *, first: int, count: int, fps: int) -> Iterator[Image.Image]:
        """The clip's `count` frames, the first being frame number `first` of the song."""
        for i in range(count):
            pulse = music.at((first + i) / fps)
            u = i / max(count - 1, 1)
            yield self.frame(u, pulse, elapsed=(i + 0.5) / fps)


def _captions(scene: Scene, *, size: tuple[int, int], palette: Palette) -> list[Caption]:
    """The scene's caption over the whole clip, and each lyric line while it is sung.

    Lyric lines sit low in the frame, in the song's own timing; a title that shares the clip
    with lyrics moves up out of their way."""
    colors = {"frame": size, "color": palette.highlight, "shadow": palette.deep}
    duration = scene["end"] - scene["start"]
    lines = scene.get("lyrics", [])
    captions = [
        Caption(line["text"], **colors, start=line["start"] - scene["start"],
                end=line["end"] - scene["start"], y=0.88, scale=1 / 18)
        for line in lines
    ]  # fmt: skip
    title = scene.get("caption", "").strip()
    if title:
        captions.append(Caption(title, **colors, end=duration, y=0.2 if lines else 0.9))
    return captions


def _characters(scene: Scene, plan: Plan) -> list:
    by_id = {c["id"]: c for c in plan["characters"]}
    missing = [cid for cid in scene["characters"] if cid not in by_id]
    if missing:
        raise InvalidInputError(
            f"scene {scene['id']} lists unknown characters: {', '.join(missing)}"
        )
    return [by_id[cid] for cid in scene["characters"]]


def still(scene: Scene, *, plan: Plan, size: tuple[int, int], seed: int) -> Image.Image:
    """A representative frame of a scene without music or caption (for the style anchor)."""
    renderer = SceneRenderer(scene, plan=plan, size=size, seed=seed, caption=False)
    music = Music.still(intensity=scene.get("intensity", 0.5))
    return renderer.frame(0.5, music.at(scene["start"] + 0.5 * (scene["end"] - scene["start"])))
