"""One scene as a sequence of frames, drawn from its shot: the place seen from the shot's view
at its time of day and in its weather, the props, the characters doing what the shot says with
the faces it says, the look's treatment, and the music's accents, composited through the camera
frame by frame."""

import zlib
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from tools.errors import InvalidInputError
from tools.shots import name_of
from tools.types import Character, Plan, Rendered, Scene
from tools.video.procedural.accents import Accents, shake
from tools.video.procedural.camera import Camera, framing, motion_blur
from tools.video.procedural.cast import Cast, Part
from tools.video.procedural.layers import Geometry, Layer, View, hide_covered
from tools.video.procedural.looks import LOOK_NAMES, treatment
from tools.video.procedural.lyric_sheet import LyricSheet
from tools.video.procedural.music import Music, Pulse
from tools.video.procedural.palette import RGB, Palette
from tools.video.procedural.places import PLACES
from tools.video.procedural.props import scene_props
from tools.video.procedural.resolve import resolve
from tools.video.procedural.scenery import Ctx, Scenery
from tools.video.procedural.text import Caption

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
    """Draws the frames of one scene from its shot; static art is built once in the
    constructor, and `rendered` says what was drawn and what was drawn otherwise."""

    def __init__(
        self,
        scene: Scene,
        *,
        plan: Plan,
        size: tuple[int, int],
        seed: int,
        caption: bool = True,
        beats: list[float] = (),  # type: ignore[assignment]
    ) -> None:
        self.size = size
        self.geometry = g = Geometry(*size)
        self.palette = p = Palette.from_bible(plan["bible"])
        shot = scene["shot"]
        plan_of = resolve(shot, plan["bible"], places=set(PLACES), looks=set(LOOK_NAMES))
        view = shot.get("view", 0)
        # one texture for the whole video (the paper, the grain), so sprites treated for one
        # scene serve the next
        self.treatment = treatment(plan_of.look, palette=p, size=size, seed=0)
        self.mode = self.treatment.mode
        setting = (plan_of.place, view, plan_of.time, plan_of.weather)
        self.scenery = scenery = _scenery(*setting, palette=p, size=size, look=plan_of.look)
        ctx = _ctx(*setting, palette=p, size=size, seed=seed)
        self.camera = Camera(plan_of.move, g, focus=scenery.floor, seed=seed)
        scale, drop = framing(plan_of.framing)
        characters = _characters(scene, plan)
        parts = [
            Part(characters[s.character], s.action, s.expression, tuple(s.props))
            for s in plan_of.subjects
        ]
        cast = Cast(
            parts,
            geometry=g,
            floor=scenery.floor,
            figure_height=scenery.figure_height * scale,
            surface=scenery.surface,
            shadow=p.deep,
            drop=drop,
            treat=self.treatment.sprite,
        )
        back, front, props_drawn = scene_props(
            plan_of.props,
            ctx,
            floor=scenery.floor,
            figure_height=scenery.figure_height,
            taken=[(a.x - g.mx) / g.width for a in cast.actors],
            surface=scenery.surface,
        )
        self.accents = Accents(g, p, scene.get("intensity", 0.5), seed)
        self.items = [*scenery.back, *back, cast, *front, *scenery.front, self.accents]
        if not isinstance(self.items[0], Layer) or not self.items[0].opaque:
            raise AssertionError(f"the {plan_of.place} scenery must start with an opaque layer")
        for item in [*back, *front]:
            if isinstance(item, Layer):
                item.apply(self.treatment.layer)
        hide_covered(self.items[1:], g)
        self.captions = (
            _captions(scene, size=size, palette=p, look=plan_of.look, beats=list(beats))
            if caption
            else []
        )
        unmet = plan_of.unmet + cast.unmet
        if name_of("move", plan_of.move) != self.camera.move_name:
            unmet.append(
                {"element": "move", "wanted": plan_of.move, "drawn": self.camera.move_name}
            )
        unmet += [
            {"element": "prop", "wanted": name, "drawn": ""}
            for name in plan_of.props
            if name not in props_drawn
        ]
        self.rendered: Rendered = {
            "drawn": {
                "place": plan_of.place,
                "view": view,
                "time": plan_of.time,
                "weather": plan_of.weather,
                "props": list(dict.fromkeys([*cast.props_drawn, *props_drawn])),
                "subjects": cast.drawn,
                "look": plan_of.look,
                "camera": {"framing": plan_of.framing, "move": self.camera.move_name},
                "accents": self.accents.names(),
                **_lyric_words(self.captions),
            },
            "unmet": unmet,
        }

    def frame(self, u: float, pulse: Pulse, *, elapsed: float = 1.0, index: int = 0) -> Image.Image:
        """The RGB frame a fraction u through the clip, `elapsed` seconds in."""
        return self._frame(u, pulse, elapsed=elapsed, index=index).convert("RGB")

    def _frame(self, u: float, pulse: Pulse, *, elapsed: float, index: int) -> Image.Image:
        """The frame in the look's mode (`self.mode`)."""
        shot = self.camera.shot(u, pulse, elapsed=elapsed)
        sx, sy = shake(pulse)
        if sx or sy:
            k = self.size[1] / 720
            shot = replace(shot, dx=shot.dx + sx * k, dy=shot.dy + sy * k)
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
        if shot.blur >= 1.0:
            frame = motion_blur(frame, round(shot.blur))
        amount = round(_flash(pulse) / _FLASH_STEP) * _FLASH_STEP
        if amount > 0:
            frame = frame.point(_flash_table(self.palette.highlight, amount))
        frame = self.treatment.frame(frame, pulse, index)
        for text in self.captions:
            text.draw(frame, at=elapsed, pulse=pulse)
        return frame

    def frames(self, music: Music, *, first: int, count: int, fps: int) -> Iterator[Image.Image]:
        """The clip's `count` frames in the look's mode (`self.mode`: "L" for a look without
        colour, else "RGB"), the first being frame number `first` of the song."""
        for i in range(count):
            # the music at the middle of the frame: what moves on a beat changes on the frame
            # nearest the beat, as the cuts do
            pulse = music.at((first + i + 0.5) / fps)
            u = i / max(count - 1, 1)
            yield self._frame(u, pulse, elapsed=(i + 0.5) / fps, index=first + i)


def _ctx(
    place: str, view: int, time: str, weather: str, *, palette: Palette, size: tuple[int, int],
    seed: int,
) -> Ctx:  # fmt: skip
    """What a place is drawn with: its layout from the place and view alone, its details
    (stars, particles) from the seed."""
    layout = zlib.crc32(f"{place}/{view}".encode())
    rng, vary = np.random.default_rng(layout), np.random.default_rng([seed, layout])
    return Ctx(Geometry(*size), palette, rng, vary, time, seed, place, weather, view)


@lru_cache(maxsize=4)
def _scenery(
    place: str, view: int, time: str, weather: str, *, palette: Palette, size: tuple[int, int],
    look: str,
) -> Scenery:  # fmt: skip
    """A setting's static art in the video's look, built once and shared by every scene shot
    there (the same place looks the same from scene to scene); its effects draw from the
    music alone, so scenes drawn at once in several threads can share them."""
    scenery = PLACES[place](_ctx(place, view, time, weather, palette=palette, size=size, seed=0))
    looks = treatment(look, palette=palette, size=size, seed=0)
    for item in [*scenery.back, *scenery.front]:
        if isinstance(item, Layer):
            item.apply(looks.layer)
    return scenery


def _captions(
    scene: Scene, *, size: tuple[int, int], palette: Palette, look: str, beats: list[float]
) -> list[Caption | LyricSheet]:
    """The scene's caption over the whole clip, and each lyric line while it is sung.

    Lyric lines sit low in the frame, in the song's own timing; in a lyric video they are the
    picture (`LyricSheet`). A title that shares the clip with lyrics moves up out of their way."""
    colors = {"frame": size, "color": palette.highlight, "shadow": palette.deep}
    duration = scene["end"] - scene["start"]
    lines = scene.get("lyrics", [])
    captions: list[Caption | LyricSheet] = [
        Caption(line["text"], **colors, start=line["start"] - scene["start"],
                end=line["end"] - scene["start"], y=0.88, scale=1 / 18)
        for line in lines
    ]  # fmt: skip
    if look == "lyric video" and lines:
        captions = [
            LyricSheet(lines, offset=scene["start"], beats=beats, frame=size,
                       lit=palette.highlight, shade=palette.deep)
        ]  # fmt: skip
    title = scene.get("caption", "").strip()
    if title:
        captions.append(Caption(title, **colors, end=duration, y=0.2 if lines else 0.9))
    return captions


def _lyric_words(captions: list[Caption | LyricSheet]) -> dict[str, str]:
    """`lyrics_words` of `drawn` in a lyric video: whether its words light up at their own
    times ("timed") or at times shared out by syllables ("estimated")."""
    sheets = [c for c in captions if isinstance(c, LyricSheet)]
    if not sheets:
        return {}
    return {"lyrics_words": "timed" if all(s.timed_words for s in sheets) else "estimated"}


def _characters(scene: Scene, plan: Plan) -> dict[str, Character]:
    """The characters of the plan by id; a shot that shows an unknown one is an error."""
    by_id = {c["id"]: c for c in plan["characters"]}
    missing = [s["character"] for s in scene["shot"]["subjects"] if s["character"] not in by_id]
    if missing:
        raise InvalidInputError(
            f"scene {scene['id']} shows unknown characters: {', '.join(missing)}"
        )
    return by_id


def still(scene: Scene, *, plan: Plan, size: tuple[int, int], seed: int) -> Image.Image:
    """A representative frame of a scene without music or caption (for the style anchor)."""
    renderer = SceneRenderer(scene, plan=plan, size=size, seed=seed, caption=False)
    music = Music.still(intensity=scene.get("intensity", 0.5))
    return renderer.frame(0.5, music.at(scene["start"] + 0.5 * (scene["end"] - scene["start"])))
