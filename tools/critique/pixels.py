"""The offline critic `pixels`: does a clip keep the bible's look and its characters' colours?

Pixel statistics only, in CIE Lab (a perceptual space where distances are colour differences):

- style: how much of the frame lies on the bible's palette (on a colour or on a blend of two,
  which covers gradients, anti-aliasing and lighting), measured against the reference's own
  adherence (the reference of the clip's setting where the backend made one, else the style
  anchor) since no rendered image sits 100 % on its palette (a little, ADHERENCE_FLOOR, is
  added to both: a sunset road barely on its palette puts 0.007 against 0.021 and says little
  about its style); and how close the frames'
  chroma histogram is to the reference's. Against the clip's own setting reference (same
  place, time and weather), also whether its regions keep the reference's colours: places
  keep their natural colours and lean only partly to the palette, so a palette turned round
  the colour wheel moves every region's mean colour a little while adherence hardly changes.
  Each region (a cell of a REGIONS grid, character colours left out) is matched to the
  nearest region colour anywhere in the reference, so camera moves, motion and another
  framing of the same place do not count; the median distance scores. The reference is a
  still of the place from the clip's own view where the backend made one (the procedural
  backend draws one of each view a plan shows: a cafe's booths are not its counter); a clip
  from a view without its own still is scored the other way round (are the reference's
  regions still there), since another angle adds things the reference lacks.
- character: each character of the scene must show its own colours (`Character.colors`, in
  light and shadow, weighted by how much of its sheet each covers) in the sheet's proportions,
  counted only on figures (touching patches of character colours) that also show another of
  its colours, so scenery of a similar colour does not count: a character whose outfit or
  hair changed loses most of its score even if its skin stayed. Colours the palette could
  produce, and very dark ones (lost in shadows), cannot be checked and are left out. The
  character's apparent size is the weighted median over its colours, so scenery like one of
  them (sand like skin, snow like a white suit) touching the figure cannot inflate it.
- layout: coarse luminance and edge-density grids against the anchor; weighted low, since
  scenes rightly differ in composition.

It knows nothing about content: a clip in the right colours showing the wrong thing passes.
"""

import os
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
from PIL import Image
from scipy import ndimage

from tools.errors import InvalidInputError
from tools.ffmpeg import read_frames, video_info
from tools.shots import setting_key, view_key
from tools.types import Anchors, Character, Plan, Scene
from tools.video.procedural.looks import looked_colors

EMPHASIS = "IMPORTANT:"  # starts every line that strengthen_prompt adds
WORK_WIDTH = 320  # frames are scored at this width at most
# frames a clip is scored on, spread evenly (`spread_indices`): a clip writer that makes them
# keyframes spares the critic decoding the frames between them
CRITIQUE_FRAMES = 6
LUT_BITS = 5  # per channel: colour distances are tabulated on a 32x32x32 RGB grid
BLEND_STEPS = 12  # points along each blend of two palette colours (blends happen in sRGB)
LIGHTNESS_WEIGHT = 0.5  # lighting moves lightness more than hue: L counts half on the palette
PALETTE_DELTA_E = 10.0  # within this (L-weighted CIE76) distance a pixel is on the palette
CHROMA_WEIGHT = 10.0  # a pixel weighs 1 + C*/this: colour says more about a palette than grey
CHROMA_BINS = 12  # per axis of the a*b* histogram over [-90, 90]
MATCHING_CHROMA = 0.5  # a chroma-histogram intersection with the anchor that counts as equal
STYLE_HISTOGRAM_WEIGHT = 0.2  # the rest of the style score is palette adherence
ADHERENCE_FLOOR = 0.05  # added to both adherences: a reference barely on its palette says little
REGIONS = (8, 6)  # cells across and down whose mean colours are compared with the reference
MIN_REGION_SHARE = 0.3  # a cell counts when this much of it is scenery (no character colour)
SCENERY_SHARE = 0.2  # a character colour covering this much of the reference is scenery too
REGION_DELTA_E = (1.0, 4.75)  # median distance of regions to the reference's: score 1 .. 0
SHADES = (1.0, 0.85, 0.7)  # a character colour in light and in shadow (RGB multiplied)
CHARACTER_DELTA_E = 12.0  # within this CIE76 distance a pixel shows a character's colour
BACKGROUND_DELTA_E = 6.0  # sheet pixels this close to its background are not the character
SHADOW_LIGHTNESS = 25.0  # darker colours (black hair) hide in any scene's shadows: not used
DISTINCT_DELTA_E = 15.0  # a character colour this close to the palette cannot be checked
MIN_SIGNATURE_SHARE = 0.02  # a colour must cover this much of the character on its sheet
SEAM = 1  # pixels: bridges the anti-aliased seams between a figure's parts
MIN_PIXELS = 3  # pixels of a colour that show it on a figure
PRESENT_FRACTION = 0.5  # a colour is fully there at half the character's proportion of it
MIN_CHARACTER_SIZE = 0.1  # of its sheet size: honest characters measured 0.16 or more
GRID = 4  # layout: a GRID x GRID grid of mean lightness and edge strength
LAYOUT_WEIGHT = 0.1


class PixelCritic:
    """Scores a clip's consistency with the style bible and the characters from pixels alone."""

    name = "pixels"
    # Calibrated with `python -m evals.critic_calibration` (procedural clips of places in
    # natural colours leaning 30 % to the palette, held to their setting's reference; drift
    # injected by evals/drift.py): 20 writer palettes x 9 settings, casts from the writer's
    # character sheet; 180 consistent, 180 style-drift, 160 character-drift clips per run.
    # overall (2026-12-03):
    #   --size 256x144:        consistent min 0.61 p10 0.92 median 0.98
    #                          style drift median 0.00 p90 0.00 max 0.50
    #                          character   median 0.00 p90 0.04 max 0.94
    #   --size 320x180 --offset 7 (other seeds, casts, anchors; the region score's constants
    #   were chosen looking at the clips of both runs, so neither is held out for them):
    #                          consistent min 0.60 p10 0.94 median 0.99
    #                          style drift median 0.00 p90 0.00 max 0.48
    #                          character   median 0.00 p90 0.13 max 0.90
    # At 0.6: precision 1.000 / 0.997 (one false alarm in 360 clips), recall 0.991 / 0.982 (style
    # 1.000 / 1.000, character 0.981 / 0.963: the misses are outfits in colours the scenery
    # shows too, white suits under white clouds or snow, sand-coloured skin or metal).
    # Other views of each place (`render_views`, in the consistency eval): see evals/README.md.
    default_threshold = 0.6

    def __init__(self, *, threshold: float | None = None) -> None:
        self.threshold = critic_threshold(threshold, default=self.default_threshold)

    def score(
        self, frames: list[np.ndarray], *, scene: Scene, plan: Plan, anchors: Anchors
    ) -> dict[str, float]:
        """style, character, layout and overall, each 0..1 (1 = consistent with the anchors).

        overall is the lower of style and character, lowered a little by a poor layout, so
        either kind of drift alone pulls it below the threshold.
        """
        if not frames:
            raise InvalidInputError(f"no frames to critique for scene {scene['id']}")
        plan = in_its_look(plan)
        clip = _downscale(np.stack([np.asarray(f)[..., :3] for f in frames]))
        palette = tuple(plan["bible"]["palette"])
        setting, view = _setting_reference(scene, plan, anchors)
        reference = setting or anchors["style"]
        anchor, own = _anchor_stats(reference, palette, clip.shape[2:0:-1], _visible_colours(plan))
        ours = _Stats.of(clip, _palette_distances(palette), own)
        style = _style_similarity(ours, anchor, regions=view)
        layout = _layout_similarity(ours.grid, anchor.grid)
        character = _cast_score(clip, scene, plan, anchors)
        overall = min(style, character) * (1 - LAYOUT_WEIGHT * (1 - layout))
        scores = {"style": style, "character": character, "layout": layout, "overall": overall}
        return {name: round(float(value), 4) for name, value in scores.items()}


def in_its_look(plan: Plan) -> Plan:
    """The plan with its palette and its characters' colours as its look renders them
    (pastel lifts them, noir greys them, ...): the colours a clip and its anchors show."""
    look = plan["bible"].get("look", "flat")
    if look == "flat":
        return plan
    palette = tuple(plan["bible"]["palette"])
    characters = []
    for character in plan["characters"]:
        slots = tuple(character["colors"])
        seen = looked_colors(look, palette=palette, colors=tuple(character["colors"].values()))
        characters.append({**character, "colors": dict(zip(slots, seen, strict=True))})
    bible = {**plan["bible"], "palette": list(looked_colors(look, palette=palette, colors=palette))}
    return {**plan, "bible": bible, "characters": characters}


def _setting_reference(scene: Scene, plan: Plan, anchors: Anchors) -> tuple[str | None, str | None]:
    """The still of the clip's own setting, where the backend made one, and whether it shows
    the place from the clip's view: a still of that view ("same view"), else one of the
    setting's first scene (see `_view`); (None, None) without one."""
    stills = anchors.get("settings") or {}
    if own := stills.get(view_key(scene["shot"])):
        return own, "same view"
    setting = stills.get(setting_key(scene["shot"]["setting"]))
    return setting, _view(scene, plan) if setting else None


def _view(scene: Scene, plan: Plan) -> str:
    """ "same view" when the scene shows its place from the angle of the setting's reference
    (a still of the first scene of that setting), else "other view" (another angle shows
    other things: shop fronts, a shore, a sky)."""
    key = setting_key(scene["shot"]["setting"])
    first = next((s for s in plan["scenes"] if setting_key(s["shot"]["setting"]) == key), scene)
    return "same view" if first["shot"]["view"] == scene["shot"]["view"] else "other view"


def critic_threshold(threshold: float | None, *, default: float) -> float:
    """A critic's pass mark: `threshold` when given (it must lie in 0..1), else its default."""
    if threshold is None:
        return default
    if not 0 <= threshold <= 1:
        raise InvalidInputError(f"critic threshold {threshold} must lie between 0 and 1")
    return threshold


def frames_for_critique(path: str, *, count: int = CRITIQUE_FRAMES) -> list[np.ndarray]:
    """`count` evenly spaced frames of a clip, at most WORK_WIDTH pixels wide, as RGB uint8."""
    info = video_info(path)
    width = min(WORK_WIDTH, info.width)
    height = max(2, round(info.height * width / info.width / 2) * 2)
    return read_frames(path, size=(width, height), count=count)


def strengthen_prompt(
    prompt: str,
    *,
    scores: dict[str, float],
    plan: Plan,
    scene: Scene,
    threshold: float = PixelCritic.default_threshold,
) -> str:
    """The prompt for a regeneration: each aspect that drifted restated first, as an order.

    Failing aspects are those of style and character scoring below `threshold` (the weaker of
    the two when neither does). Lines added by an earlier call are replaced, not repeated.
    """
    failing = [aspect for aspect in ("style", "character") if scores.get(aspect, 1.0) < threshold]
    if not failing:
        failing = [min(("style", "character"), key=lambda aspect: scores.get(aspect, 1.0))]
    lines = []
    if "style" in failing:
        bible = plan["bible"]
        lines.append(
            f"{EMPHASIS} keep the exact palette {', '.join(bible['palette'])} "
            f"(deep, dark, mid, accent, highlight) and nothing else; {bible['medium']}; "
            f"lighting: {bible['lighting']}. {bible['text']}"
        )
    if "character" in failing:
        cast = {c["id"]: c for c in plan["characters"]}
        for cid in scene["characters"]:
            if cid in cast:
                c = cast[cid]
                colours = ", ".join(f"{part} {value}" for part, value in c["colors"].items())
                lines.append(
                    f"{EMPHASIS} {c['name']} ({cid}) MUST look exactly like: {c['description']} "
                    f"Colours: {colours}."
                )
    kept = prompt.splitlines()
    while kept and kept[0].startswith(EMPHASIS):
        kept.pop(0)
    return "\n".join(lines + kept)


# ----------------------------------------------------------------- colour space


def _srgb_to_linear_table() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


_LINEAR = _srgb_to_linear_table()
_RGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], np.float32
)
_WHITE = np.array([0.95047, 1.0, 1.08883], np.float32)
_IN_FRAME = np.zeros((3, 3, 3), bool)  # 8-connected within a frame, never across frames
_IN_FRAME[1] = True


def lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) -> CIE Lab D65 float32 (..., 3)."""
    xyz = _LINEAR[rgb] @ (_RGB_TO_XYZ.T / _WHITE)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    ).astype(np.float32)


# ----------------------------------------------------------------- colour tables


@lru_cache(maxsize=1)
def _grid_lab() -> np.ndarray:
    """Lab of every cell of the quantized RGB grid, indexed like `_cells`."""
    top = 2**LUT_BITS - 1
    levels = np.round(np.arange(top + 1) * 255 / top).astype(np.uint8)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1)
    return lab(rgb.reshape(-1, 3))


def _cells(rgb: np.ndarray) -> np.ndarray:
    """Index into the quantized RGB grid of every pixel of a uint8 (..., 3) array."""
    top = 2**LUT_BITS - 1
    q = (rgb.astype(np.uint16) * top + 127) // 255
    return (q[..., 0] << (2 * LUT_BITS)) | (q[..., 1] << LUT_BITS) | q[..., 2]


def _distance_table(points: np.ndarray, *, lightness: float = 1.0) -> np.ndarray:
    """Distance from every grid cell to the nearest of `points` (Lab), L scaled by `lightness`."""
    scale = np.array([lightness, 1.0, 1.0], np.float32)
    grid = _grid_lab() * scale
    best = np.full(len(grid), np.inf, np.float32)
    for point in points * scale:
        np.minimum(best, ((grid - point) ** 2).sum(axis=1), out=best)
    return np.sqrt(best)


def _rgb(value: str) -> np.ndarray:
    digits = value.strip().lstrip("#")
    return np.array([int(digits[i : i + 2], 16) for i in (0, 2, 4)], np.float32)


@lru_cache(maxsize=8)
def _palette_distances(palette: tuple[str, ...]) -> np.ndarray:
    """Per grid cell: L-weighted distance to the palette's colours and their sRGB blends."""
    rgb = [_rgb(c) for c in palette]
    steps = np.linspace(0, 1, BLEND_STEPS + 1)[1:-1, None]
    points = [np.stack(rgb)] + [a + steps * (b - a) for a, b in combinations(rgb, 2)]
    blends = lab(np.round(np.concatenate(points)).astype(np.uint8))
    return _distance_table(blends, lightness=LIGHTNESS_WEIGHT)


# ----------------------------------------------------------------- style and layout


@dataclass(frozen=True)
class _Stats:
    adherence: float  # chroma-weighted share of pixels on the palette
    chroma: np.ndarray  # a*b* histogram weighted by chroma (hues and how vivid), sums to 1
    grid: np.ndarray  # (2, GRID, GRID): mean lightness, mean edge strength
    regions: np.ndarray  # (n, 3): Lab means of the REGIONS cells that show scenery

    @staticmethod
    def of(clip: np.ndarray, palette_distances: np.ndarray, worn: tuple[str, ...]) -> "_Stats":
        """Statistics of a (frames, h, w, 3) uint8 clip; `worn` colours are left out of its
        regions (characters move and change between scenes, scenery does not)."""
        cells = _cells(clip)
        grid = _grid_lab()  # the colour statistics are sums over the grid's cells, each
        counts = np.bincount(cells.ravel(), minlength=len(grid))  # as often as pixels fall in it
        chroma = np.hypot(grid[:, 1], grid[:, 2])
        weight = counts * (1 + chroma / CHROMA_WEIGHT)
        on = palette_distances < PALETTE_DELTA_E
        hist, _, _ = np.histogram2d(
            grid[:, 1],
            grid[:, 2],
            bins=CHROMA_BINS,
            range=[[-90, 90], [-90, 90]],
            weights=counts * chroma,
        )
        return _Stats(
            adherence=float((weight * on).sum() / weight.sum()),
            chroma=hist / max(hist.sum(), 1e-6),
            grid=np.mean([_layout_grid(frame) for frame in grid[:, 0][cells]], axis=0),
            regions=_regions(clip, cells, worn),
        )


def _regions(clip: np.ndarray, cells: np.ndarray, worn: tuple[str, ...]) -> np.ndarray:
    """Mean Lab of the scenery in each REGIONS cell of each frame, where enough of it shows."""
    scenery = np.ones(cells.shape, bool)
    for color in worn:
        scenery &= _colour_table(color)[cells] >= CHARACTER_DELTA_E
    across, down = REGIONS
    frames, height, width = cells.shape
    h, w = height // down, width // across
    keep = scenery[:, : h * down, : w * across].reshape(frames, down, h, across, w)
    colour = lab(clip[:, : h * down, : w * across]).reshape(frames, down, h, across, w, 3)
    count = keep.sum(axis=(2, 4))
    total = (colour * keep[..., None]).sum(axis=(2, 4))
    shown = count >= MIN_REGION_SHARE * h * w
    return total[shown] / count[shown][:, None]


def _style_similarity(ours: _Stats, anchor: _Stats, *, regions: str | None) -> float:
    """Palette adherence relative to the anchor's own, blended with chroma-histogram overlap;
    against a reference of the clip's own setting, no higher than its regions' similarity
    (`regions`: "same view" or "other view"; None for another setting's reference)."""
    adherence = min(1.0, (ours.adherence + ADHERENCE_FLOOR) / (anchor.adherence + ADHERENCE_FLOOR))
    overlap = min(1.0, float(np.minimum(ours.chroma, anchor.chroma).sum()) / MATCHING_CHROMA)
    palette = (1 - STYLE_HISTOGRAM_WEIGHT) * adherence + STYLE_HISTOGRAM_WEIGHT * overlap
    if regions is None:
        return palette
    if regions == "same view":
        return min(palette, _region_similarity(ours.regions, anchor.regions))
    return min(palette, _region_similarity(anchor.regions, ours.regions))


def _region_similarity(ours: np.ndarray, reference: np.ndarray) -> float:
    """1 when every region colour of `ours` is found among the `reference`'s regions, towards
    0 as the median region moves REGION_DELTA_E[1] away (lightness counts half: light
    changes). Another view of a place shows things its reference does not: there the
    reference's regions are looked for in the clip instead."""
    if len(ours) == 0 or len(reference) == 0:
        return 1.0  # nothing but characters on screen: the character score judges the clip
    scale = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0], np.float32)
    gaps = np.linalg.norm((ours[:, None] - reference[None]) * scale, axis=-1).min(axis=1)
    good, bad = REGION_DELTA_E
    return float(np.clip((bad - np.median(gaps)) / (bad - good), 0, 1))


def _layout_grid(lightness: np.ndarray) -> np.ndarray:
    """Mean lightness and mean edge strength in each cell of a GRID x GRID grid."""
    edges = np.zeros_like(lightness)
    edges[:-1, :-1] = (
        np.abs(np.diff(lightness, axis=0))[:, :-1] + np.abs(np.diff(lightness, axis=1))[:-1]
    )
    h, w = (lightness.shape[0] // GRID) * GRID, (lightness.shape[1] // GRID) * GRID
    return np.stack(
        [
            m[:h, :w].reshape(GRID, h // GRID, GRID, w // GRID).mean(axis=(1, 3))
            for m in (lightness, edges)
        ]
    )


def _layout_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """1 for the same layout of light and detail, falling towards 0 as they differ."""
    light = 1 - np.abs(a[0] - b[0]).mean() / 50
    detail = 1 - np.abs(a[1] - b[1]).sum() / max(a[1].sum() + b[1].sum(), 1e-6)
    return float(np.clip((light + detail) / 2, 0, 1))


def _downscale(clip: np.ndarray) -> np.ndarray:
    """The clip at most WORK_WIDTH wide."""
    height, width = clip.shape[1:3]
    if width <= WORK_WIDTH:
        return clip
    size = (WORK_WIDTH, max(1, round(height * WORK_WIDTH / width)))
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.BILINEAR)) for f in clip])


def _anchor_stats(
    path: str, palette: tuple[str, ...], size: tuple[int, int], worn: tuple[str, ...]
) -> tuple[_Stats, tuple[str, ...]]:
    """The reference's statistics, and which of the `worn` colours are the characters'
    alone in it (those covering SCENERY_SHARE of it or more are the scenery's too)."""
    return _anchor_stats_cached(path, os.stat(path).st_mtime_ns, palette, size, worn)


@lru_cache(maxsize=32)
def _anchor_stats_cached(
    path: str, mtime: int, palette: tuple[str, ...], size: tuple[int, int], worn: tuple[str, ...]
) -> tuple[_Stats, tuple[str, ...]]:
    with Image.open(path) as image:
        still = np.asarray(image.convert("RGB").resize(size, Image.BILINEAR))[None]
    cells = _cells(still)
    own = tuple(
        c for c in worn if (_colour_table(c)[cells] < CHARACTER_DELTA_E).mean() < SCENERY_SHARE
    )
    return _Stats.of(still, _palette_distances(palette), own), own


# ----------------------------------------------------------------- characters


def _cast_score(clip: np.ndarray, scene: Scene, plan: Plan, anchors: Anchors) -> float:
    """The lowest character score of the characters on screen (1.0 when there are none)."""
    cast = {c["id"]: c for c in plan["characters"]}
    shown = [cast[cid] for cid in scene["characters"] if cid in cast]
    worn = tuple(dict.fromkeys(_hex(c) for person in shown for c in person["colors"].values()))
    palette = tuple(plan["bible"]["palette"])
    scores = [1.0]
    for person in shown:
        others = {_hex(c) for o in shown if o is not person for c in o["colors"].values()}
        sheet = anchors["characters"].get(person["id"])
        signature = _signature(sheet, person, palette, tuple(sorted(others)))
        scores.append(_character_score(clip, worn, signature))
    return min(scores)


@dataclass(frozen=True)
class _Signature:
    """The colours a character is checked by, and how much of its sheet each covers."""

    checked: tuple[str, ...]  # the colours scored: those the palette cannot produce
    evidence: tuple[str, ...]  # the colours that prove a pixel is this character's (see _shares)
    weights: np.ndarray  # importance of each checked colour (its share of the character)
    sheet_share: np.ndarray  # share of the sheet's pixels showing each checked colour


def _signature(
    sheet: str | None, character: Character, palette: tuple[str, ...], others: tuple[str, ...]
) -> _Signature | None:
    found = sheet is not None and os.path.exists(sheet)
    mtime = os.stat(sheet).st_mtime_ns if found else 0
    colors = tuple(dict.fromkeys(_hex(c) for c in character["colors"].values()))
    return _signature_cached(sheet if found else None, mtime, colors, palette, others)


@lru_cache(maxsize=32)
def _signature_cached(
    sheet: str | None,
    mtime: int,
    colors: tuple[str, ...],
    palette: tuple[str, ...],
    others: tuple[str, ...],
) -> _Signature | None:
    """None when no colour of the character can be told apart from the scenery.

    The sheet shows the character alone, so every foreground pixel counts there; evidence
    colours (see `_shares`) are the checked colours no co-star wears that cover a fair part
    of the character, so that a figure in the frames can show them.
    """
    scenery = _palette_distances(palette)
    visible = tuple(c for c in colors if lab(_rgb8(c))[0] >= SHADOW_LIGHTNESS)
    if sheet is None:
        shares = np.ones(len(visible))
    else:
        with Image.open(sheet) as image:
            image.thumbnail((WORK_WIDTH, WORK_WIDTH))
            pixels = np.asarray(image.convert("RGB"))
        shares = _shares(pixels[None], colors, visible, (), where=_foreground(pixels)[None])
    shown = shares >= MIN_SIGNATURE_SHARE * max(shares.sum(), 1e-9)
    evidence = tuple(c for c, k in zip(visible, shown, strict=True) if k and c not in others)
    checked = [
        (c, share)
        for c, share, k in zip(visible, shares, shown, strict=True)
        if k and share > 0 and scenery[_cells(_rgb8(c))] >= DISTINCT_DELTA_E
    ]
    if not checked:
        return None
    kept = np.array([share for _, share in checked])
    return _Signature(tuple(c for c, _ in checked), evidence, kept / kept.sum(), kept)


def _visible_colours(plan: Plan) -> tuple[str, ...]:
    """Every character's colours that show in light (very dark ones are any scene's shadows)."""
    colours = dict.fromkeys(
        _hex(c) for person in plan["characters"] for c in person["colors"].values()
    )
    return tuple(c for c in colours if lab(_rgb8(c))[0] >= SHADOW_LIGHTNESS)


def _hex(value: str) -> str:
    return "#" + value.strip().lstrip("#").lower()


def _rgb8(value: str) -> np.ndarray:
    return _rgb(value).astype(np.uint8)


@lru_cache(maxsize=64)
def _colour_table(color: str) -> np.ndarray:
    """Per grid cell: distance to the colour in light and in shadow (RGB multiplied)."""
    shades = np.round(np.stack([_rgb(color) * k for k in SHADES])).astype(np.uint8)
    return _distance_table(lab(shades))


def _foreground(image: np.ndarray) -> np.ndarray:
    """Mask of the pixels unlike the sheet's background (its most common border colour)."""
    cells = _cells(image)
    border = np.concatenate([cells[0], cells[-1], cells[:, 0], cells[:, -1]])
    background = _grid_lab()[np.bincount(border).argmax()]
    return np.linalg.norm(_grid_lab()[cells] - background, axis=-1) > BACKGROUND_DELTA_E


def _shares(
    clip: np.ndarray,
    colors: tuple[str, ...],
    checked: tuple[str, ...],
    evidence: tuple[str, ...],
    *,
    where: np.ndarray | None = None,
) -> np.ndarray:
    """Per checked colour, the share of pixels showing it on a figure of the character.

    A pixel shows the colour of `colors` it is nearest to, within CHARACTER_DELTA_E. Touching
    pixels of any of those colours form figures; a pixel counts only on a figure that also
    shows another evidence colour (the character's own colours, those no co-star wears), so a
    patch of scenery in one of its colours, or a co-star in a shared colour, stays out.
    Figures are found whatever their size, so the sheet and a small figure compare fairly.
    """
    cells = _cells(clip)
    distances = np.stack([_colour_table(c)[cells] for c in colors])
    nearest = np.where(distances.min(axis=0) < CHARACTER_DELTA_E, distances.argmin(axis=0), -1)
    if where is not None:
        nearest[~where] = -1
    figures, count = ndimage.label(_dilate(nearest >= 0, SEAM), structure=_IN_FRAME)
    shows = {
        c: np.bincount(figures[nearest == colors.index(c)], minlength=count + 1) >= MIN_PIXELS
        for c in evidence
    }
    shares = []
    for color in checked:
        proof = [shows[c] for c in evidence if c != color]
        on_figure = np.logical_or.reduce(proof) if proof else np.ones(count + 1, bool)
        on_figure[0] = False  # background
        own = figures[nearest == colors.index(color)]
        shares.append(on_figure[own].sum() / nearest.size)
    return np.array(shares)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value below and above which half of the weight lies."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """A (frames, h, w) mask grown by `radius` pixels within each frame."""
    size = 2 * radius + 1
    return ndimage.maximum_filter(mask, size=(1, size, size)) if radius else mask


def _character_score(
    clip: np.ndarray, worn: tuple[str, ...], signature: _Signature | None
) -> float:
    """1 when the character's colours appear in its sheet's proportions, towards 0 as any fade.

    `worn` is every colour of every character on screen (pixels go to the nearest). Each colour
    is compared with the weighted median over the colours (the character's apparent size), so a
    changed outfit scores low however large or small the character is drawn, and scenery in
    one of its colours (sand or a wooden floor like skin, snow like a white suit) touching the
    figure cannot make the others look faded.
    """
    if signature is None:
        return 1.0
    shares = _shares(clip, worn, signature.checked, signature.evidence)
    ratio = shares / signature.sheet_share
    size = _weighted_median(ratio, signature.weights)
    if size <= 0:
        return 0.0
    present = np.minimum(1.0, ratio / (PRESENT_FRACTION * size))
    return float((signature.weights * present).sum() * min(1.0, size / MIN_CHARACTER_SIZE))
