"""Weather over a built place: rain with puddles, snow, fog banks, wind, storms.

Outdoors, `dress` adds the weather to a scenery: falling rain or snow and wind as screen
effects, lightning over the sky, puddles on the ground, fog as static translucent bands
between depths (drawn once, cheap to paste). Indoors, `through_windows` makes rain and snow
fall behind the window panes only.
"""

import numpy as np
from PIL import Image

from tools.video.procedural.effects import Effect, Gusts, Lightning, Rain, Snow
from tools.video.procedural.layers import Layer
from tools.video.procedural.palette import RGB, mix
from tools.video.procedural.scenery import Ctx, Scenery, layer
from tools.video.procedural.skies import sky_colors

_FOG = (200, 204, 210)
_LEAVES = [(196, 120, 40), (160, 70, 30), (214, 170, 60), (240, 200, 210)]


def dress(c: Ctx, scenery: Scenery, *, ground: float | None, horizon: float) -> Scenery:
    """The scenery under its weather; `ground` is the frame fraction where open ground for
    puddles begins (None where there is none), `horizon` where the sky ends."""
    p = c.p
    if c.wet:
        storm = c.weather == "storm"
        color = mix((190, 200, 215), p.highlight, 0.3)
        scenery.air.append(
            Rain(
                color,
                260 if storm else 170,
                c.seed,
                slant=0.32 if storm else 0.16,
                alpha=0.34 if storm else 0.26,
            )
        )
        if storm:
            scenery.air.append(Lightning(mix((235, 235, 255), p.highlight, 0.3), horizon))
        if ground is not None:
            scenery.back += layer(_puddles(c, ground), 1.0)
    elif c.weather == "snow":
        scenery.air.append(Snow(mix((250, 250, 255), p.highlight, 0.2), 170, c.seed))
    elif c.weather == "wind":
        leaves = [c.palette(col, 0.2) for col in _LEAVES]
        scenery.air.append(Gusts(mix((230, 230, 235), p.highlight, 0.3), leaves, 120, c.seed))
    elif c.weather == "fog":
        _fog(c, scenery, horizon)
    return scenery


def _puddles(c: Ctx, ground: float):
    """Flat puddles on the ground holding the sky's light, and a wet sheen."""
    g, s = c.g, c.sketch()
    shine = mix(sky_colors(c, 0.5)[-1][1], (255, 255, 255), 0.15)
    for _ in range(5):
        x, y = g.x(c.rng.uniform(-0.05, 1.05)), g.y(c.rng.uniform(ground + 0.03, 1.0))
        rx = g.u(c.rng.uniform(0.08, 0.18))
        s.ellipse(x, y, rx, rx * 0.12, mix(shine, c.tone((60, 70, 80)), 0.35))
        s.ellipse(x - rx * 0.2, y - rx * 0.02, rx * 0.5, rx * 0.03, shine)
    return s


def _fog(c: Ctx, scenery: Scenery, horizon: float) -> None:
    """A haze over the far scenery (baked into the backdrop), a bank between the middle and
    the characters, and a low wisp in front of their feet."""
    color = c.palette(mix(_FOG, sky_colors(c, horizon)[-1][1], 0.4), 0.15)
    base = scenery.back[0]
    if isinstance(base, Layer):
        base.absorb(_band(c, color, top=-0.1, bottom=horizon + 0.25, peak=0.55, depth=base.depth))
    bank = _band(c, color, top=horizon - 0.08, bottom=horizon + 0.12, peak=0.5, depth=0.7)
    at = next((i for i, it in enumerate(scenery.back) if it.depth >= 0.7), len(scenery.back))
    scenery.back.insert(max(at, 1), bank)
    scenery.front.append(_band(c, color, top=0.88, bottom=1.08, peak=0.35, depth=1.2))


def _band(c: Ctx, color: RGB, *, top: float, bottom: float, peak: float, depth: float) -> Layer:
    """A full-width translucent band of fog, densest in its middle, between frame fractions."""
    g = c.g
    y0, y1 = round(g.y(top)), round(g.y(bottom))
    rows = np.linspace(-1.0, 1.0, y1 - y0)
    alpha = (np.clip(1 - rows**2, 0, 1) * peak * 255).astype(np.uint8)
    column = np.zeros((y1 - y0, 1, 4), np.uint8)
    column[..., :3], column[:, 0, 3] = color, alpha
    band = Image.fromarray(column).resize((g.canvas[0], y1 - y0), Image.NEAREST)
    return Layer(band, 0, y0, depth)


def through_windows(
    c: Ctx, windows: list[tuple[float, float, float, float]], depth: float
) -> list[Effect]:
    """Rain or snow falling behind the window panes of an interior."""
    color = mix((210, 220, 235), c.p.highlight, 0.3)
    if c.wet:
        return [
            Rain(color, 50, c.seed + k, region=w, depth=depth, alpha=0.55)
            for k, w in enumerate(windows)
        ]
    if c.weather == "snow":
        return [Snow(color, 45, c.seed + k, region=w, depth=depth) for k, w in enumerate(windows)]
    return []
