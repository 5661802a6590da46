"""Speed of the procedural renderer against ffmpeg encoding a test pattern.

Renders ~20 s of a typical plan (seven shots: places, weather, two characters doing different
things with props, captions, every kind of camera move) at 1280x720 24 fps through `draw_clip`
in this process, in one look (`--look`, flat by default), then times ffmpeg encoding the same
duration of `testsrc2` with libx264 veryfast, in the same run, and prints the ratio.

    python -m evals.bench_render [--seconds 20] [--size 1280x720] [--fps 24] [--look flat]
"""

import argparse
import math
import resource
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.ffmpeg import ffmpeg_exe, video_info
from tools.shots import LOOKS, camera_text, make_shot, setting_text, subject
from tools.types import Analysis, Character, Plan, Scene
from tools.video.procedural.render import still
from tools.video.procedural_video import draw_clip

_SCENES = [  # place, time, weather, move, cast (id, action, expression), props, caption
    ("rooftop", "night", "rain", "slow push-in", [("c1", "walk", "sad")], ["umbrella"],
     "we were the last lights on"),
    ("stage", "night", "clear", "handheld", [("c1", "sing", "fierce"), ("c2", "dance", "joyful")],
     [], None),
    ("road", "sunset", "clear", "pan right", [("c2", "drive", "joyful")], [], None),
    ("space", "night", "clear", "orbit", [("c2", "float", "dreamy")], [], None),
    ("room", "night", "clear", "static", [("c1", "sit", "calm"), ("c2", "read", "calm")],
     ["lantern"], "hold on"),
    ("beach", "sunset", "wind", "crane up", [("c1", "walk", "tender")], ["kite"], None),
    ("forest", "dusk", "fog", "pull back", [], ["campfire"], None),
]  # fmt: skip


def sample_analysis(duration: float, *, tempo: float = 120.0, hz: float = 20.0) -> Analysis:
    """A synthetic song: steady beats, downbeats every bar, energy rising into a chorus."""
    period = 60.0 / tempo
    beats = [round(i * period, 4) for i in range(int(duration / period) + 1)]
    frames = int(duration * hz) + 1
    energy, onset = [], []
    for i in range(frames):
        t = i / hz
        since = min(abs(t - b) for b in beats[max(0, int(t / period) - 1) : int(t / period) + 2])
        hit = math.exp(-since / 0.06)
        swell = 0.45 + 0.35 * math.sin(t / duration * math.pi)
        energy.append(round(min(1.0, swell + 0.15 * hit), 4))
        onset.append(round(hit, 4))
    return Analysis(
        path="synthetic.wav",
        duration=duration,
        tempo=tempo,
        beats=beats,
        downbeats=beats[::4],
        sections=[{"start": 0.0, "end": duration, "label": "verse", "energy": 0.6}],
        curve_hz=hz,
        energy=energy,
        onset=onset,
        vocal=[0.5] * frames,
        features={"key": "A", "mode": "minor"},
    )


def sample_characters() -> list[Character]:
    return [
        Character(
            id="c1",
            name="Mara",
            figure="singer",
            description="a young woman with long black hair, a red jacket and a gold scarf",
            colors={"skin": "#c98b6b", "hair": "#1c1418", "outfit": "#d1432f", "accent": "#f2c14e"},
        ),
        Character(
            id="c2",
            name="Kit",
            figure="dancer",
            description="a dancer with a curly afro in a teal tracksuit",
            colors={"skin": "#7a4a32", "hair": "#2b1b12", "outfit": "#1fa58f", "accent": "#ff8a3d"},
        ),
    ]


def sample_plan(duration: float, *, palette: list[str] | None = None, look: str = "flat") -> Plan:
    """A plan of 4 s scenes cycling through typical shots and camera moves, in one look."""
    palette = palette or ["#120d26", "#2b2157", "#5b4b8a", "#ff4f7b", "#ffd166"]
    bible = {
        "look": look,
        "medium": "flat vector animation with soft paper grain",
        "palette": palette,
        "lighting": "neon rim light, deep shadows",
        "camera": "slow, smooth moves",
        "mood": "melancholic, hopeful",
        "text": "flat vector animation, limited palette",
    }
    scenes: list[Scene] = []
    starts = [round(t, 3) for t in _range(0.0, duration, 4.0)]
    for i, start in enumerate(starts):
        place, time, weather, move, cast, props, caption = _SCENES[i % len(_SCENES)]
        shot = make_shot(
            place, time=time, weather=weather, move=move, props=props,
            subjects=[subject(*who) for who in cast], framing=("wide", "medium")[i % 2],
        )  # fmt: skip
        scene = Scene(
            id=f"s{i + 1:02d}",
            index=i,
            start=start,
            end=min(duration, start + 4.0),
            section=0,
            section_label="verse",
            setting=setting_text(shot["setting"]),
            description=shot["description"],
            camera=camera_text(shot),
            characters=[who[0] for who in cast],
            intensity=0.4 + 0.5 * (i % 3) / 2,
            prompt=shot["description"],
            transition_in="cut",
            shot=shot,
        )
        if caption:
            scene["caption"] = caption
        scenes.append(scene)
    return Plan(
        request="",
        title="Sample",
        story="",
        writer="hand",
        bible=bible,
        characters=sample_characters(),
        scenes=scenes,
    )


def _range(start: float, stop: float, step: float) -> list[float]:
    return [start + i * step for i in range(math.ceil((stop - start) / step))]


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # seconds of this process (the renderer and the pipe writer)
    encoder_cpu: float  # seconds of the ffmpeg children


def _cpu() -> tuple[float, float]:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@contextmanager
def _timed(out: list[Timing]) -> Iterator[None]:
    cpu, wall = _cpu(), time.perf_counter()
    yield
    now = _cpu()
    out.append(Timing(time.perf_counter() - wall, now[0] - cpu[0], now[1] - cpu[1]))


def time_render(
    plan: Plan, analysis: Analysis, *, folder: Path, size: tuple[int, int], fps: int
) -> Timing:
    """Time to render and encode every scene of the plan in this process (`draw_clip`, what
    `ProceduralVideo.render` runs in a worker), its CPU counted; a still of every scene is drawn
    first, untimed, as the anchors are before the clips of a video."""
    for scene in plan["scenes"]:
        still(scene, plan=plan, size=size, seed=0)
    timings: list[Timing] = []
    with _timed(timings):
        for scene in plan["scenes"]:
            draw_clip(
                scene,
                plan=plan,
                analysis=analysis,
                out_path=str(folder / f"{scene['id']}.mp4"),
                size=size,
                fps=fps,
                seed=scene["index"],
            )
    return timings[0]


def time_testsrc(seconds: float, *, folder: Path, size: tuple[int, int], fps: int) -> Timing:
    """Time for ffmpeg to encode `seconds` of testsrc2 with libx264 veryfast."""
    source = f"testsrc2=size={size[0]}x{size[1]}:rate={fps}"
    cmd = [
        ffmpeg_exe(),
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        source,
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        str(folder / "testsrc2.mp4"),
    ]
    timings: list[Timing] = []
    with _timed(timings):
        subprocess.run(cmd, check=True)
    return timings[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--look", default="flat", choices=list(LOOKS))
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    plan = sample_plan(args.seconds, look=args.look)
    analysis = sample_analysis(args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours = time_render(plan, analysis, folder=folder, size=size, fps=args.fps)
        frames = sum(video_info(str(folder / f"{s['id']}.mp4")).frames for s in plan["scenes"])
        reference = time_testsrc(args.seconds, folder=folder, size=size, fps=args.fps)
    ms = 1000 / frames
    print(
        f"procedural render+encode: {ours.wall:.2f} s for {frames} frames "
        f"({ours.wall * ms:.1f} ms a frame); CPU a frame: renderer {ours.cpu * ms:.1f} ms, "
        f"ffmpeg {ours.encoder_cpu * ms:.1f} ms"
    )
    print(
        f"ffmpeg testsrc2 veryfast: {reference.wall:.2f} s; "
        f"CPU a frame: ffmpeg {reference.encoder_cpu * ms:.1f} ms"
    )
    print(f"ratio: {ours.wall / reference.wall:.2f}")


if __name__ == "__main__":
    main()
