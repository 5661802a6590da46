"""The yardstick for every speed figure: ffmpeg itself encoding the same duration.

Absolute times on shared machines are noisy, so speed is reported as a ratio to this baseline,
measured in the same run: the imageio-ffmpeg binary encoding `testsrc2` at the same size and
frame rate with libx264 `-preset veryfast`.
"""

import subprocess
import tempfile
import time
from pathlib import Path

from tools.ffmpeg import ffmpeg_exe


def ffmpeg_encode_seconds(duration: float, *, size=(1280, 720), fps: int = 24) -> float:
    """Wall time of ffmpeg encoding `duration` seconds of testsrc2 to H.264 (veryfast)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "baseline.mp4")
        cmd = [
            ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc2=size={size[0]}x{size[1]}:rate={fps}:duration={duration}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out),
        ]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        return time.perf_counter() - t0
