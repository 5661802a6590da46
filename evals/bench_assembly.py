"""Speed of `tools.assembly.assemble.assemble` against ffmpeg encoding a test pattern.

Makes eight clips (hue-turned testsrc2, encoded like the procedural backend's clips: libx264
ultrafast, crf 18, keyframes where their transitions begin and end) tiling the song with cuts,
crossfades and flashes, and a sine "song"; then times, in turns, ffmpeg encoding the same
duration of testsrc2 with libx264 veryfast (evals/baseline.py) and the assembly, and prints each
pair's ratio. On a busy machine the fastest of each is the fairest comparison.

    python -m evals.bench_assembly [--seconds 61] [--size 1280x720] [--fps 24] [--rounds 3]
"""

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from evals.baseline import ffmpeg_encode_seconds
from tools.assembly.assemble import assemble, transition_keyframes
from tools.ffmpeg import ffmpeg_exe, keyframe_args
from tools.types import Scene

TRANSITIONS = ("cut", "crossfade", "cut", "flash")
CLIPS = 8


def make_inputs(
    folder: Path, *, seconds: float, size: tuple[int, int], fps: int
) -> list[tuple[Scene, str]]:
    """Clips tiling `seconds` and a song of that length in `folder`."""
    total = round(seconds * fps)
    bounds = [round(total * k / CLIPS) for k in range(CLIPS + 1)]
    scenes = [
        {"id": f"s{k + 1:02d}", "index": k, "start": a / fps, "end": b / fps,
         "transition_in": TRANSITIONS[k % 4]}
        for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]  # fmt: skip
    clips = []
    for k, scene in enumerate(scenes):
        path = folder / f"clip{k}.mp4"
        source = f"testsrc2=size={size[0]}x{size[1]}:rate={fps}"
        keyframes = keyframe_args(transition_keyframes(scene, scenes, fps=fps))
        cmd = [
            ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", source,
            "-vf", f"hue=h={k * 45}", "-frames:v", str(bounds[k + 1] - bounds[k]), "-c:v",
            "libx264", "-preset", "ultrafast", "-crf", "18", *keyframes, "-pix_fmt", "yuv420p",
            str(path),
        ]  # fmt: skip
        subprocess.run(cmd, check=True)
        clips.append((scene, str(path)))
    sine = f"sine=frequency=440:duration={seconds}"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", sine, str(folder / "song.wav")]
    subprocess.run(cmd, check=True)
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=61.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = make_inputs(folder, seconds=args.seconds, size=size, fps=args.fps)
        pairs = []
        for _ in range(args.rounds):
            baseline = ffmpeg_encode_seconds(args.seconds, size=size, fps=args.fps)
            start = time.perf_counter()
            assemble(
                clips,
                audio_path=str(folder / "song.wav"),
                out_path=str(folder / "out.mp4"),
                fps=args.fps,
                size=size,
                duration=args.seconds,
            )
            pairs.append((baseline, time.perf_counter() - start))
            print(
                f"ffmpeg veryfast {pairs[-1][0]:.2f} s, assemble {pairs[-1][1]:.2f} s, "
                f"ratio {pairs[-1][1] / pairs[-1][0]:.2f}"
            )
    fastest = min(b for b, _ in pairs), min(a for _, a in pairs)
    print(
        f"fastest of each: ffmpeg {fastest[0]:.2f} s, assemble {fastest[1]:.2f} s, "
        f"ratio {fastest[1] / fastest[0]:.2f}"
    )


if __name__ == "__main__":
    main()
