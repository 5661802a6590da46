"""Beat and downbeat accuracy on the annotated songs in ../shared/audio (mir_eval, 70 ms).

    python -m evals.beats

Prints one JSON object: per track the beat and downbeat F-measure, the estimated and the
annotated tempo, and whether the estimate is off by a tempo octave (x2, x1/2, x3/2, x2/3).
"""

import json
from pathlib import Path

import mir_eval
import numpy as np

from tools.audio.analysis import analyze_audio
from tools.audio.loading import load_audio

SHARED = Path(__file__).resolve().parents[2] / "shared" / "audio"
WINDOW = 0.07


def _times(path: Path) -> np.ndarray:
    return np.array(
        [float(line.split()[0]) for line in path.read_text().split("\n") if line.strip()]
    )


def annotated_tracks(shared: Path = SHARED) -> list[tuple[Path, Path, Path | None]]:
    """(audio, beats, downbeats or None) for every track with beat annotations."""
    found = []
    for beats in sorted(shared.glob("annotations/*.beats.txt")):
        name = beats.name.removesuffix(".beats.txt")
        audio = next(shared.glob(f"tracks/{name}.*"), None)
        downbeats = beats.with_name(f"{name}.downbeats.txt")
        if audio:
            found.append((audio, beats, downbeats if downbeats.exists() else None))
    return found


def octave_error(estimated: float, reference: float) -> str | None:
    """Name the tempo-octave confusion, or None when within 4% of the reference."""
    for name, factor in (("x1", 1), ("x2", 2), ("x1/2", 0.5), ("x3/2", 1.5), ("x2/3", 2 / 3)):
        if abs(estimated - reference * factor) <= 0.04 * reference * factor:
            return None if name == "x1" else name
    return "other"


def evaluate_track(audio: Path, beats: Path, downbeats: Path | None) -> dict:
    y, sr = load_audio(str(audio))
    analysis = analyze_audio(y, sr, path=str(audio))
    ref_beats = _times(beats)
    ref_tempo = 60.0 / float(np.median(np.diff(ref_beats)))
    result = {
        "track": audio.name,
        "beat_f": round(mir_eval.beat.f_measure(ref_beats, np.array(analysis["beats"]), WINDOW), 3),
        "tempo": round(analysis["tempo"], 1),
        "reference_tempo": round(ref_tempo, 1),
        "octave_error": octave_error(analysis["tempo"], ref_tempo),
    }
    if downbeats is not None:
        est = np.array(analysis["downbeats"])
        result["downbeat_f"] = round(mir_eval.beat.f_measure(_times(downbeats), est, WINDOW), 3)
    return result


def main() -> dict:
    rows = [evaluate_track(*track) for track in annotated_tracks()]
    summary = {
        "tracks": rows,
        "mean_beat_f": round(float(np.mean([r["beat_f"] for r in rows])), 3) if rows else None,
        "octave_error_rate": round(sum(r["octave_error"] is not None for r in rows) / len(rows), 3)
        if rows
        else None,
    }
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
