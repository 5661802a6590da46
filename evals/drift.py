"""A video backend wrapper that drifts on purpose, for the critic's tests and evals.

Real text-to-video models often render a scene that ignores the style bible (another palette)
or redraws a character differently (another outfit, another hair colour). `DriftingVideo`
mimics that: the first render of each listed scene gets a modified plan, every later render of
it (a regeneration) is faithful, so a critique loop that works repairs the video in one round.
"""

import colorsys
import copy
import threading
from collections import Counter

from tools.errors import InvalidInputError
from tools.types import Analysis, Anchors, Character, Plan, Scene, VideoBackend

DRIFTS = ("style", "character")
HUE_TURN = 150 / 360  # far enough round the colour wheel to be another look, not a shade
OUTFIT_TURN = 1 / 3  # not a half turn: that tends to land on a complementary co-star's outfit


class DriftingVideo:
    """Renders through `inner`, drifting the first render of each scene listed in `drift`.

    `drift` maps a scene id to "style" (the scene gets another palette) or "character" (the
    scene's characters get another outfit and hair colour). The first attempt is the first
    `render` call for that scene id on this instance, whatever its seed; the count is per
    instance and thread-safe (scenes may render in parallel threads).
    """

    def __init__(self, inner: VideoBackend, drift: dict[str, str]) -> None:
        unknown = {kind for kind in drift.values() if kind not in DRIFTS}
        if unknown:
            raise InvalidInputError(f"unknown drift {sorted(unknown)}; choose from {DRIFTS}")
        self.inner = inner
        self.drift = dict(drift)
        self.name = f"drifting-{inner.name}"
        self.max_clip_seconds = inner.max_clip_seconds
        self._renders: Counter[str] = Counter()
        self._lock = threading.Lock()

    def anchors(self, plan: Plan, *, out_dir: str, size: tuple[int, int], seed: int) -> Anchors:
        """The inner backend's anchors, made from the faithful plan."""
        return self.inner.anchors(plan, out_dir=out_dir, size=size, seed=seed)

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
        """Render the scene through `inner`, from a drifted plan if this is its first attempt."""
        with self._lock:
            first = self._renders[scene["id"]] == 0
            self._renders[scene["id"]] += 1
        kind = self.drift.get(scene["id"]) if first else None
        if kind == "style":
            plan = drift_style(plan)
        elif kind == "character":
            plan = drift_characters(plan, scene["characters"])
        self.inner.render(
            scene,
            plan=plan,
            analysis=analysis,
            anchors=anchors,
            out_path=out_path,
            size=size,
            fps=fps,
            seed=seed,
        )

    def attempts(self, scene_id: str) -> int:
        """How many times the scene has been rendered so far."""
        with self._lock:
            return self._renders[scene_id]


def drift_style(plan: Plan) -> Plan:
    """The plan with its palette turned round the colour wheel and made more colourful."""
    drifted = copy.deepcopy(plan)
    drifted["bible"]["palette"] = [
        _shift(c, hue=HUE_TURN, min_saturation=0.4) for c in plan["bible"]["palette"]
    ]
    return drifted


def drift_characters(plan: Plan, ids: list[str]) -> Plan:
    """The plan with the listed characters in another outfit and another hair colour."""
    drifted = copy.deepcopy(plan)
    drifted["characters"] = [_redressed(c) if c["id"] in ids else c for c in drifted["characters"]]
    return drifted


def _redressed(character: Character) -> Character:
    colors = dict(character["colors"])
    if "outfit" in colors:
        colors["outfit"] = _shift(
            colors["outfit"], hue=OUTFIT_TURN, min_saturation=0.5, lightness=(0.35, 0.65)
        )
    if "hair" in colors:
        dark = _hls(colors["hair"])[1] < 0.5
        colors["hair"] = _shift(
            colors["hair"],
            hue=0.5,
            min_saturation=0.4,
            lightness=(0.75, 0.75) if dark else (0.2, 0.2),
        )
    return {**character, "colors": colors}


def _hls(value: str) -> tuple[float, float, float]:
    digits = value.strip().lstrip("#")
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hls(r, g, b)


def _shift(
    value: str,
    *,
    hue: float,
    min_saturation: float,
    lightness: tuple[float, float] = (0.0, 1.0),
) -> str:
    """A '#rrggbb' colour turned by `hue` (0..1 of a turn), with saturation and lightness bounds."""
    h, light, s = _hls(value)
    light = min(max(light, lightness[0]), lightness[1])
    r, g, b = colorsys.hls_to_rgb((h + hue) % 1.0, light, max(s, min_saturation))
    return "#" + "".join(f"{round(v * 255):02x}" for v in (r, g, b))
