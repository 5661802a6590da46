"""Progress on stderr: one line per step, with a clip counter while clips render."""

import sys
import time


class Progress:
    """Callable that takes the graph's progress events (`{"stage", "message", …}`)."""

    def __init__(self, *, enabled: bool = True, stream=sys.stderr) -> None:
        self.enabled = enabled
        self.stream = stream
        self.t0 = time.perf_counter()
        self.scenes = 0
        self.rendered = 0

    def __call__(self, event: dict) -> None:
        if "scenes" in event:
            self.scenes = event["scenes"]
        message = event.get("message", "")
        if event.get("stage") == "generate":
            self.rendered += 1
            message += f" ({self.rendered}/{self.scenes})" if self.rendered <= self.scenes else ""
        if self.enabled:
            elapsed = time.perf_counter() - self.t0
            print(f"[{elapsed:6.1f}s] {event.get('stage', ''):<9} {message}", file=self.stream)
            self.stream.flush()
