"""Image treatments, one per look of `tools.shots.LOOKS`: how the same scene reads as a
watercolour, a neon night, a noir still, a cel-shaded anime, pixel art, worn film, pastel,
pen and ink or an oil painting.

A treatment does most of its work once: `layer` on each static scenery layer (once per scene)
and `sprite` on each character or prop sprite (once per pose); both keep the image's size and
alpha. `frame` runs on every finished frame and only does what must be fixed to the screen or
reach what moves (grain, scanlines, the pixel grid, black and white); it uses uint8 Pillow ops
on precomputed textures and costs a few milliseconds at 1280x720 at most.
"""

import math
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

from tools.errors import InvalidInputError
from tools.video.procedural.effects import hash01
from tools.video.procedural.music import Music, Pulse
from tools.video.procedural.palette import RGB, Palette, hex_rgb, mix

_PAPER: RGB = (247, 242, 230)
_INK: RGB = (22, 18, 24)


# ----------------------------------------------------------------------------- helpers


def _split(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    """An RGBA image as its RGB and its alpha."""
    rgba = image.convert("RGBA")
    return rgba.convert("RGB"), rgba.getchannel("A")


def _join(rgb: Image.Image, alpha: Image.Image) -> Image.Image:
    out = rgb.convert("RGBA")
    out.putalpha(alpha)
    return out


def _array(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32)


def _image(values: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(values, 0, 255).round().astype(np.uint8))


@lru_cache(maxsize=12)
def _noise(size: tuple[int, int], seed: int, cell: float) -> np.ndarray:
    """Smooth value noise in 0..1 over an image of `size`, with blobs about `cell` pixels."""
    w, h = size
    small = (max(2, math.ceil(w / cell) + 1), max(2, math.ceil(h / cell) + 1))
    rng = np.random.default_rng(seed)
    seeds = Image.fromarray(rng.integers(0, 256, (small[1], small[0]), dtype=np.uint8))
    return _array(seeds.resize(size, Image.BICUBIC)) / 255.0


def _edges(rgb: Image.Image, alpha: Image.Image, *, threshold: int, width: int) -> Image.Image:
    """A 0/255 mask of the borders between shapes (colour steps and alpha edges), found at half
    resolution on large art so paper grain and antialiasing do not count, `width` pixels wide."""
    k = 2 if min(rgb.size) >= 240 else 1
    luma, cut = rgb.convert("L"), alpha
    if k > 1:
        luma, cut = luma.reduce(k), cut.reduce(k)
    luma = luma.filter(ImageFilter.MedianFilter(3))  # grain and dither are not edges
    found = ImageChops.lighter(
        luma.filter(ImageFilter.FIND_EDGES), cut.filter(ImageFilter.FIND_EDGES)
    )
    mask = found.point(lambda v: 255 if v > threshold else 0)
    ImageDraw.Draw(mask).rectangle((0, 0, mask.width - 1, mask.height - 1), outline=0)  # cut
    if k > 1:
        mask = mask.resize(rgb.size, Image.BILINEAR).point(lambda v: 255 if v > 64 else 0)
    grow = width - (width + 1) % 2  # MaxFilter takes odd sizes
    return mask.filter(ImageFilter.MaxFilter(grow)) if grow > 1 else mask


def _tones(palette: Palette, curve) -> list[int]:
    """A point() table for an L image: `curve` of the luminance scaled so that the palette's
    deepest colour is 0 and its highlight 1 (looks then read the same on dark palettes)."""
    low, high = (sum(k * c for k, c in zip((0.299, 0.587, 0.114), color, strict=True))
                 for color in (palette.deep, palette.highlight))  # fmt: skip
    span = max(high - low, 40.0)
    return [max(0, min(255, round(255 * curve(min(1.0, max(0.0, (v - low) / span))))))
            for v in range(256)]  # fmt: skip


def _table(curve) -> list[int]:
    """A point() table for the three channels from one curve of 0..255."""
    return [max(0, min(255, round(curve(v)))) for v in range(256)] * 3


# ----------------------------------------------------------------------------- treatments


class Treatment:
    """The flat look: the clean vector art as drawn. Other looks override what they change."""

    name = "flat"
    mode = "RGB"  # of the finished frames; "L" for a look without colour

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        self.palette, self.size, self.seed = palette, size, seed
        self.unit = size[1] / 720  # pixels of this frame per pixel of a 720p frame

    def layer(self, image: Image.Image) -> Image.Image:
        """Static RGBA scenery art, once per scene; keeps size and alpha."""
        return image

    def sprite(self, image: Image.Image) -> Image.Image:
        """An RGBA character or prop sprite, once per pose; keeps size and alpha."""
        return self.layer(image)

    def frame(self, frame: Image.Image, pulse: Pulse, index: int) -> Image.Image:
        """The whole finished RGB frame, every frame (`index` counts frames, for textures
        that change); a look may draw on it in place and returns the frame to use, in the
        look's `mode`."""
        return frame


class Watercolor(Treatment):
    """Washes on paper: wobbling soft edges, pigment pooling darker at shape borders,
    granulation, white paper showing through, the paper's texture over all."""

    name = "watercolor"

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        u = max(self.unit, 0.25)
        wobble = _noise(image.size, self.seed + 1, 40 * u) - 0.5
        soft = _array(alpha.filter(ImageFilter.BoxBlur(3 * u)))
        ragged = np.clip((soft - 128 + wobble * 170) * 2.2 + 128, 0, 255)
        ragged[soft >= 254] = 255  # inside a shape, and all over an opaque layer
        pooled = np.clip(1 - np.abs(ragged - 150) / 105, 0, 1)  # a rim just inside each edge
        bled = rgb.filter(ImageFilter.BoxBlur(2.5 * u))
        luma = bled.convert("L")  # smooth: paper grain in the art is no border
        wide = luma.reduce(4).filter(ImageFilter.BoxBlur(1.5 * u)).resize(luma.size, Image.BILINEAR)
        detail = _array(ImageChops.difference(luma, wide))
        rim = np.clip(np.maximum(pooled, detail / 30), 0, 1)
        grain = _noise(image.size, self.seed + 2, 8 * u)
        blots = np.clip((_noise(image.size, self.seed + 3, 60 * u) - 0.9) * 1.5, 0, 0.1)
        pigment = 0.78 * (1 + 0.6 * rim + 0.1 * (grain - 0.5)) * (1 - blots)
        bleed = ImageChops.invert(bled)
        laid = ImageChops.multiply(bleed, _image(255 * pigment).convert("RGB"))
        paper = _paper(image.size, self.seed + 4, 3 * u)
        return _join(ImageChops.multiply(ImageChops.invert(laid), paper), _image(ragged))


class Neon(Treatment):
    """Glowing tubes on darkness: every shape's outline lit in its own colour, pushed to full
    brightness, with a coloured halo; fills sink to near black, bright lights stay."""

    name = "neon"

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        self._sink = [round(255 * (0.12 + 0.88 * (v / 255) ** 3)) for v in range(256)]

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        u = max(self.unit, 0.25)
        lines = _edges(rgb, alpha, threshold=18, width=max(1, round(2 * u)))
        hue, sat, _ = rgb.convert("HSV").split()
        full = Image.new("L", rgb.size, 255)
        vivid = Image.merge("HSV", (hue, sat.point(lambda v: min(255, v * 1.3)), full))
        vivid = vivid.convert("RGB")  # each hue at full brightness: the tube's colour
        dark = ImageChops.multiply(rgb, rgb.convert("L").point(self._sink).convert("RGB"))
        lit = Image.composite(vivid, dark, lines)  # fills sink to dark, lights stay lit
        k = 4 if min(rgb.size) >= 64 else 1
        small = (max(1, rgb.width // k), max(1, rgb.height // k))
        tubes = Image.composite(vivid, Image.new("RGB", rgb.size), lines).resize(small, Image.BOX)
        halo = tubes.filter(ImageFilter.GaussianBlur(7 * u / k)).resize(rgb.size, Image.BILINEAR)
        glowing = ImageChops.screen(lit, ImageEnhance.Brightness(halo).enhance(2.2))
        reach = lines.resize(small, Image.BOX).filter(ImageFilter.GaussianBlur(7 * u / k))
        reach = reach.resize(rgb.size, Image.BILINEAR).point(lambda v: min(255, v * 4))
        return _join(glowing, ImageChops.lighter(alpha, reach))


class Noir(Treatment):
    """Black and white with hard light: crushed shadows, blown highlights, film grain and a
    dark vignette over every frame."""

    name = "noir"
    mode = "L"

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        self._hard = _tones(palette, lambda n: 1 / (1 + math.exp(-(n - 0.32) / 0.12)))
        self._grain = _grain_frames(size, seed, strength=0.16, vignette=0.55, count=6)

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        luma = rgb.convert("L").point(self._hard)
        return _join(Image.merge("RGB", (luma, luma, luma)), alpha)

    def frame(self, frame: Image.Image, pulse: Pulse, index: int) -> Image.Image:
        return ImageChops.multiply(frame.convert("L"), self._grain[index % len(self._grain)])


class Anime(Treatment):
    """Cel animation: vivid flat colour in a few hard-edged shading bands, clean dark line art
    around every shape."""

    name = "anime"

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        self._bands = [max(30, math.ceil(v / 255 * 4) * 255 // 4) for v in range(256)]
        self._ink = mix(palette.deep, _INK, 0.6)

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        hue, sat, value = rgb.convert("HSV").split()
        vivid = sat.point(lambda v: min(255, round(v * 1.4)))
        value = value.filter(ImageFilter.BoxBlur(max(1.5, 2 * self.unit))).point(self._bands)
        value = value.filter(ImageFilter.MedianFilter(3))  # clean band edges, no stray grain
        cel = Image.merge("HSV", (hue, vivid, value)).convert("RGB")
        lines = _edges(rgb, alpha, threshold=22, width=max(1, round(2 * self.unit)))
        inked = Image.composite(Image.new("RGB", rgb.size, self._ink), cel, lines)
        return _join(inked, alpha)


class PixelArt(Treatment):
    """A low-resolution grid (cells of 6 pixels at 720p) in a limited palette of 61 colours:
    the look's five colours and their halfway mixes in three shades each, plus a 16-colour
    game palette; no dithering, scaled up nearest-neighbour."""

    name = "pixel art"

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        self.cell = max(3, round(6 * self.unit))
        base = palette.colors()
        base += [mix(a, b, 0.5) for i, a in enumerate(base) for b in base[i + 1 :]]
        colors = [
            shade
            for c in base
            for shade in (mix(c, (0, 0, 0), 0.45), c, mix(c, (255, 255, 255), 0.45))
        ]
        colors += _GAME_COLORS
        self._palette = Image.new("P", (1, 1))
        self._palette.putpalette([v for c in colors for v in c] + [0, 0, 0] * (256 - len(colors)))

    def frame(self, frame: Image.Image, pulse: Pulse, index: int) -> Image.Image:
        small = frame.reduce(self.cell)
        cells = small.quantize(palette=self._palette, dither=Image.Dither.NONE).convert("RGB")
        big = cells.resize((small.width * self.cell, small.height * self.cell), Image.NEAREST)
        return big.crop((0, 0, *frame.size))


_GAME_COLORS: list[RGB] = [
    (0, 0, 0), (29, 43, 83), (126, 37, 83), (0, 135, 81), (171, 82, 54), (95, 87, 79),
    (194, 195, 199), (255, 241, 232), (255, 0, 77), (255, 163, 0), (255, 236, 39),
    (0, 228, 54), (41, 173, 255), (131, 118, 156), (255, 119, 168), (255, 204, 170),
]  # fmt: skip


class RetroFilm(Treatment):
    """Worn VHS / old film: colour fringes (red and blue channels offset), warm faded colours
    with lifted blacks and grain in the art; on every frame flickering scanlines, a bright
    tracking band rolling down, a light leak that comes and goes and now and then a jump."""

    name = "retro film"

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        fade = [(30, 0.86), (18, 0.82), (24, 0.62)]  # per channel: lifted black, range
        self._fade = [round(b + v * k) for b, k in fade for v in range(256)]
        self._leaks = _leak_levels(size, seed)
        self._pitch = max(2, round(3 * self.unit))

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        shift = max(1, round(3 * self.unit))
        r, g, b = ImageEnhance.Color(rgb).enhance(0.75).split()
        w, h = rgb.size
        fringed = Image.merge(
            "RGB", (r.crop((-shift, 0, w - shift, h)), g, b.crop((shift, 0, w + shift, h)))
        )
        grain = _noise(image.size, self.seed + 6, max(self.unit, 0.5))[..., None]
        faded = _array(fringed.point(self._fade)) * (0.86 + 0.14 * grain)
        return _join(_image(faded), alpha)

    def frame(self, frame: Image.Image, pulse: Pulse, index: int) -> Image.Image:
        w, h = frame.size
        draw = ImageDraw.Draw(frame, "RGBA")
        for row, y in enumerate(range(index % self._pitch, h, self._pitch)):
            draw.line((0, y, w, y), fill=(0, 0, 0, 40 + round(50 * hash01(index, row))))
        band = (index * 7 * self.unit) % (h * 1.6) - h * 0.3  # the tracking band rolls down
        draw.rectangle((0, band, w, band + h * 0.05), fill=(255, 240, 220, 22))
        leak = math.sin(index * 0.045 + self.seed) * 0.5 + 0.5
        level = min(len(self._leaks), int((leak - 0.55) / 0.45 * (len(self._leaks) + 1)))
        if level > 0:
            sprite = self._leaks[level - 1]
            frame.paste(sprite, (0, 0), sprite)
        if hash01(index, self.seed) < 0.07:  # the tracking slips for a frame
            jump = max(1, round(3 * self.unit))
            return frame.crop((0, -jump, w, h - jump))
        return frame


class Pastel(Treatment):
    """Soft light colours: low contrast and lifted blacks over the whole frame, colours kept
    tinted (saturation raised before the lift), softened edges and a gentle grain."""

    name = "pastel"

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        self._lift = _table(lambda v: 118 + v * 0.53)

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        soft = ImageEnhance.Color(rgb.filter(ImageFilter.GaussianBlur(1.2 * self.unit)))
        colors = _array(soft.enhance(1.6))
        grain = _noise(image.size, self.seed + 5, 1.5 * max(self.unit, 0.25))[..., None]
        return _join(_image(colors * (0.96 + 0.08 * grain)), alpha)

    def frame(self, frame: Image.Image, pulse: Pulse, index: int) -> Image.Image:
        return frame.point(self._lift)


class Ink(Treatment):
    """Pen and ink on paper: bold black outlines, shadows in halftone dots, solid blacks,
    pale flat colour washes on white paper."""

    name = "ink"

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        u = max(self.unit, 0.25)
        tone = _array(rgb.convert("L").point(_tones(self.palette, lambda n: n**0.6))) / 255
        screen = _halftone(image.size, max(3, round(7 * u)))
        dots = (tone < screen * 0.75)[..., None]  # darker: bigger dots, then solid black
        lines = _array(_edges(rgb, alpha, threshold=24, width=max(1, round(2.5 * u))))[..., None]
        paper = np.asarray(_PAPER, np.float32)
        wash = paper - (paper - _array(rgb)) * 0.45  # pale flat colour
        ink = np.asarray(_INK, np.float32)
        art = np.where(dots | (lines > 0), ink, wash)
        return _join(_image(art), alpha)


class OilPainting(Treatment):
    """Paint on canvas: colours merged into dabs (few colours, a median at low resolution), brush
    strokes in relief that follow several directions, the canvas weave under all."""

    name = "oil painting"

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        u = max(self.unit, 0.25)
        k = max(1, round(2 * u))
        small = rgb.reduce(k) if k > 1 else rgb
        dabs = small.quantize(48, dither=Image.Dither.NONE).convert("RGB")  # flat dabs of paint
        dabs = dabs.filter(ImageFilter.MedianFilter(3)).filter(ImageFilter.SMOOTH)
        paint = ImageEnhance.Color(dabs.resize(rgb.size, Image.BICUBIC)).enhance(1.15)
        relief = _strokes(image.size, self.seed, round(26 * u))
        weave = _weave(image.size, max(2, round(3 * u)))
        art = _array(paint) * (relief * weave)[..., None]
        return _join(_image(art), alpha)


# ----------------------------------------------------------------------------- textures


@lru_cache(maxsize=2)
def _grain_frames(
    size: tuple[int, int], seed: int, *, strength: float, vignette: float, count: int
) -> list[Image.Image]:
    """`count` L textures to multiply frames by: film grain and a dark vignette."""
    w, h = size
    ys, xs = np.linspace(-1, 1, h)[:, None], np.linspace(-1, 1, w)[None, :]
    shade = 1 - vignette * np.clip(np.hypot(xs * 0.9, ys) - 0.5, 0, 1) ** 1.5
    rng = np.random.default_rng(seed)
    coarse = (-(-h // 2), -(-w // 2))  # clumps of about two pixels, as film grain is
    grains = [
        _array(_image(255 * rng.random(coarse, dtype=np.float32)).resize((w, h), Image.BILINEAR))
        for _ in range(count)
    ]
    return [_image(255 * shade * (1 - strength * grain / 255)) for grain in grains]


@lru_cache(maxsize=2)
def _leak_levels(size: tuple[int, int], seed: int) -> list[Image.Image]:
    """An orange light leak from the left edge at four strengths (RGBA, frame-sized)."""
    w, h = size
    xs = np.linspace(0, 1, w)[None, :]
    ys = np.linspace(0, 1, h)[:, None]
    shape = np.clip(1 - xs / (0.35 + 0.1 * np.sin(ys * 5 + seed)), 0, 1) ** 2
    out = []
    for k in range(1, 5):
        leak = np.empty((h, w, 4), np.uint8)
        leak[..., :3] = (255, 128, 48)
        leak[..., 3] = np.clip(shape * 150 * k / 4, 0, 255).astype(np.uint8)
        out.append(Image.fromarray(leak))
    return out


@lru_cache(maxsize=6)
def _paper(size: tuple[int, int], seed: int, cell: float) -> Image.Image:
    """Watercolour paper: its warm white with a fine tooth (RGB)."""
    tooth = 0.94 + 0.06 * _noise(size, seed, cell)[..., None]
    return _image(tooth * np.asarray(_PAPER, np.float32))


@lru_cache(maxsize=6)
def _halftone(size: tuple[int, int], cell: int) -> np.ndarray:
    """A dot screen in 0..1 on a 45-degree grid: 0 at each dot's centre, 1 between dots."""
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = (xs + ys) / (cell * 1.41), (xs - ys) / (cell * 1.41)
    dist = np.hypot(a - np.round(a), b - np.round(b))
    return np.clip(dist / 0.7, 0, 1)


@lru_cache(maxsize=6)
def _strokes(size: tuple[int, int], seed: int, length: int) -> np.ndarray:
    """Brush-stroke relief as a multiplier around 1: streaks `length` pixels long in two
    directions, each holding sway over patches of the picture, embossed as if lit from the
    top left."""
    w, h = size
    rng = np.random.default_rng(seed)
    side = math.ceil(math.hypot(w, h))
    fields = []
    for angle in (25, 115):
        seeds = rng.integers(0, 256, (max(2, side // 3), max(2, side // length)), np.uint8)
        streaks = Image.fromarray(seeds).resize((side, side), Image.BICUBIC).rotate(angle)
        left, top = (side - w) // 2, (side - h) // 2
        fields.append(_array(streaks.crop((left, top, left + w, top + h))))
    sway = np.clip((_noise(size, seed + 7, length * 2.5) - 0.5) * 5 + 0.5, 0, 1)
    mixed = _image(fields[0] * sway + fields[1] * (1 - sway))
    return 1 + (_array(mixed.filter(ImageFilter.EMBOSS)) / 128 - 1) * 0.45


@lru_cache(maxsize=6)
def _weave(size: tuple[int, int], pitch: int) -> np.ndarray:
    """Canvas weave as a multiplier just under 1."""
    w, h = size
    xs, ys = np.arange(w)[None, :], np.arange(h)[:, None]
    threads = np.cos(xs * 2 * np.pi / pitch) * np.cos(ys * 2 * np.pi / pitch)
    return (0.95 + 0.04 * threads).astype(np.float32)


class LyricVideo(Treatment):
    """The lyric video's backdrop: the plan's scene kept calm behind the words, its art softened
    (blurred at a quarter of the size) and the whole frame drawn towards the palette's darkest
    colour so that the lines read over it."""

    name = "lyric video"
    DIM = 0.5

    def __init__(self, *, palette: Palette, size: tuple[int, int], seed: int) -> None:
        super().__init__(palette=palette, size=size, seed=seed)
        self._shade = Image.new("RGB", size, palette.deep)

    def layer(self, image: Image.Image) -> Image.Image:
        rgb, alpha = _split(image)
        small = rgb.reduce(4).filter(ImageFilter.GaussianBlur(2.5 * max(self.unit, 0.25)))
        return _join(small.resize(rgb.size, Image.BILINEAR), alpha)

    def frame(self, frame: Image.Image, pulse: Pulse, index: int) -> Image.Image:
        return Image.blend(frame, self._shade, self.DIM)


# ----------------------------------------------------------------------------- by name

_TREATMENTS: dict[str, type[Treatment]] = {
    t.name: t
    for t in (
        Treatment,
        Watercolor,
        Neon,
        Noir,
        Anime,
        PixelArt,
        RetroFilm,
        Pastel,
        Ink,
        OilPainting,
        LyricVideo,
    )
}
LOOK_NAMES: tuple[str, ...] = tuple(_TREATMENTS)


@lru_cache(maxsize=16)
def treatment(look: str, *, palette: Palette, size: tuple[int, int], seed: int) -> Treatment:
    """The treatment of a look of `tools.shots.LOOKS` for frames of `size` (one instance per
    look, palette, size and seed: the sprites it treated are cached with it)."""
    if look not in _TREATMENTS:
        raise InvalidInputError(f"unknown look {look!r}; known: {', '.join(LOOK_NAMES)}")
    return _TREATMENTS[look](palette=palette, size=size, seed=seed)


_SWATCH = 24  # pixels a side of each colour's patch when colours are passed through a look


@lru_cache(maxsize=64)
def looked_colors(
    look: str, *, palette: tuple[str, ...], colors: tuple[str, ...]
) -> tuple[str, ...]:
    """`colors` (#rrggbb) as the look renders them on a character: each is painted as a patch
    of a sprite, treated as sprites and frames are, and read back as the median of the patch's
    middle (for the critic, which checks that a clip shows the colours its anchors show)."""
    if look == "flat" or not colors:
        return colors
    width = _SWATCH * len(colors)
    art = Image.new("RGBA", (width, _SWATCH), (0, 0, 0, 0))
    draw = ImageDraw.Draw(art)
    for i, color in enumerate(colors):
        draw.rectangle((i * _SWATCH, 0, (i + 1) * _SWATCH - 1, _SWATCH - 1), fill=hex_rgb(color))
    looks = treatment(look, palette=Palette.from_bible({"palette": list(palette)}),
                      size=(width, _SWATCH), seed=0)  # fmt: skip
    pulse = Music.still(intensity=0.5).at(0.0)
    seen = np.asarray(looks.frame(looks.sprite(art).convert("RGB"), pulse, 0).convert("RGB"))
    inner = slice(_SWATCH // 4, 3 * _SWATCH // 4)
    patches = [seen[inner, i * _SWATCH : (i + 1) * _SWATCH][:, inner] for i in range(len(colors))]
    return tuple(
        "#{:02x}{:02x}{:02x}".format(*np.median(p.reshape(-1, 3), axis=0).astype(int))
        for p in patches
    )
