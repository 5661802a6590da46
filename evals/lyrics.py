"""Lyrics on time: vocal activity and plain-text lyrics alignment on mixes with known timings.

The set is built by the project itself at evaluation time (never committed audio), from what
it may use: lines spoken by espeak-ng and the a cappella vocadito_1 (whose voiced regions are
annotated), each mixed over instrumental tracks of ../shared/audio at several voice-to-band
levels. The voice level is its RMS over its sung frames against the band's RMS over the same
frames. The truth is exact: the spoken lines are placed where the mix puts them.

Figures (see evals/README.md):
- vocal activity on the mixes: ROC AUC of analysis["voice"] against the voice's sung frames,
  and F of `vocal >= VOCAL_THRESHOLD` (the threshold the lyrics use), mean over mixes;
- alignment of the spoken lines' plain text (`read_lyrics_file`): median |start error| and the
  share of lines that start within 1 s of where they are spoken;
- the same for the spoken voices with the lines of a stanza back to back (JOINED_GAP_S, not with
  --quick), as singers often sing them: nothing but a breath tells where one line ends;
- fantasma_los_rombos (a singer over a band, hand-made timings): the same from its plain lyrics
  file, plus how much of the time a line is shown overlaps the time it is sung, and the vocal
  curve's AUC against its sung words;
- fantasma changed at either end (FANTASMA_VARIANTS: seconds cut off, or silence or a noise
  floor added; not with --quick): the fewest and the mean of its lines within 1 s over them,
  and the lowest overlap. A song's lyrics should not move because its file starts or ends
  differently.

    python -m evals.lyrics [--quick] [--json]
"""

import argparse
import csv
import functools
import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import scipy.stats
import soundfile as sf

from evals.beats import SHARED
from tools.audio.analysis import analyze_audio
from tools.audio.loading import load_audio
from tools.lyrics.lines import VOCAL_THRESHOLD, read_lyrics_file

SR = 22050
WITHIN_S = 1.0  # a line that starts this close to where it is sung is on time
LEVELS_DB = (-6.0, 0.0, 6.0)  # voice to band
BANDS = (  # (track, where the excerpt starts, s): instrumental tracks without a voice
    ("vibe_ace.ogg", 0.0),
    ("hungarian_dance_5.ogg", 0.0),
    ("dd_groove.mp3", 0.0),
    ("sugar_plum_fairy.ogg", 10.0),
    ("muldjord_armygeddon.ogg", 30.0),
)
QUICK_BANDS = BANDS[:2]
VOICES = (  # (espeak-ng voice, words per minute, lyrics)
    (
        "en-us",
        150,
        "Out on the water the lights are low\n"
        "Nobody knows where the rivers go\n"
        "I left my name on a paper boat\n"
        "\n"
        "Carry me home carry me home\n"
        "Over the hills where the wild winds roam\n"
        "\n"
        "Morning is breaking over the town\n"
        "Everyone waking the walls come down\n"
        "\n"
        "Carry me home carry me home\n"
        "Over the hills where the wild winds roam\n",
    ),
    (
        "es",
        140,
        "La luna baila sobre el mar\n"
        "y nadie sabe donde va\n"
        "\n"
        "Canta conmigo canta\n"
        "que la noche es larga\n"
        "\n"
        "Las olas cuentan lo que fue\n"
        "un barco viejo y un ayer\n"
        "\n"
        "Canta conmigo canta\n"
        "que la noche es larga\n",
    ),
)
QUICK_VOICES = VOICES[:1]
INTRO_S = 6.0  # band alone before the first line
LINE_GAP_S = (0.5, 1.2)  # a breath between lines of a stanza (seeded draw in this range)
JOINED_GAP_S = (0.1, 0.35)  # the same voices with lines sung back to back (not with --quick)
STANZA_GAP_S = (4.0, 8.0)  # the band alone between stanzas
SILENT_DB = -40.0  # a 23 ms voice frame this far below the voice's loud frames is not sung
JOINED = "-joined"  # in the names of those voices' mixes
FANTASMA = "fantasma_los_rombos"
# (s cut off the start, s cut off the end, what is added where a figure is negative: None for
# digital silence, else noise at that dBFS)
FANTASMA_VARIANTS = (
    *((0.0, end, None) for end in (5.0, 10.0, 15.0, 20.0)),
    *((start, 0.0, None) for start in (2.0, 5.0, 10.0, 15.0)),
    (5.0, 5.0, None),
    (2.0, 8.0, None),
    (10.0, 10.0, None),
    (-5.0, 0.0, None),
    (0.0, -10.0, None),
    (-5.0, 0.0, -80.0),
    (0.0, -10.0, -80.0),
)
# fantasma played slower or faster (librosa's phase-vocoder time stretch: the rate) or shifted
# in key (semitones); its timings scale with the tempo. A song's lyrics should not depend on
# its being 7 % slower, nor on the singer's range.
FANTASMA_WARPS = (("tempo", 0.9), ("tempo", 0.95), ("tempo", 1.05), ("tempo", 1.1),
                  ("key", -2.0), ("key", 2.0))  # fmt: skip


@dataclass(frozen=True)
class Mix:
    """One mix of the set: its audio, lyrics text and truth."""

    name: str
    audio: Path
    lyrics: Path | None  # plain lyrics file (spoken sets only)
    lines: list[tuple[float, float]]  # (start, end) of each line, s (spoken sets only)
    sung: list[tuple[float, float]]  # spans where the voice sounds, s


# ------------------------------------------------------------------ building the set


@functools.cache  # each line is spoken twice: with breaths and back to back
def espeak(text: str, *, voice: str, wpm: int) -> np.ndarray:
    """One line spoken by espeak-ng, at SR, with its leading and trailing silence cut."""
    proc = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
        capture_output=True,
        check=True,
    )
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        Path(tmp.name).write_bytes(proc.stdout)
        y, rate = sf.read(tmp.name, dtype="float32")
    import soxr

    y = soxr.resample(y, rate, SR)
    loud = np.flatnonzero(np.abs(y) > 10 ** (SILENT_DB / 20) * np.abs(y).max())
    return y[loud[0] : loud[-1] + 1]


def spoken_voice(
    text: str, *, voice: str, wpm: int, seed: int, breaths: tuple[float, float] = LINE_GAP_S
) -> tuple[np.ndarray, list]:
    """The lines of `text` spoken in order with `breaths` (s, drawn in that range) within
    stanzas and gaps between them, after an intro: the voice track and each line's (start,
    end) in s."""
    rng = np.random.default_rng(seed)
    pieces, lines, t = [np.zeros(int(INTRO_S * SR), np.float32)], [], INTRO_S
    stanzas = [s.splitlines() for s in text.strip().split("\n\n")]
    for k, stanza in enumerate(stanzas):
        if k:
            gap = rng.uniform(*STANZA_GAP_S)
            pieces.append(np.zeros(int(gap * SR), np.float32))
            t += int(gap * SR) / SR
        for i, line in enumerate(stanza):
            if i:
                gap = rng.uniform(*breaths)
                pieces.append(np.zeros(int(gap * SR), np.float32))
                t += int(gap * SR) / SR
            y = espeak(line, voice=voice, wpm=wpm)
            lines.append((t, t + len(y) / SR))
            pieces.append(y)
            t += len(y) / SR
    pieces.append(np.zeros(int(3.0 * SR), np.float32))
    return np.concatenate(pieces), lines


def sung_spans(voice: np.ndarray) -> list[tuple[float, float]]:
    """Where a solo voice track sounds: 23 ms frames within SILENT_DB of its loud frames."""
    hop = 512
    frames = len(voice) // hop
    rms = np.sqrt((voice[: frames * hop].reshape(frames, hop) ** 2).mean(axis=1) + 1e-12)
    db = 20 * np.log10(rms)
    on = db > np.percentile(db, 95) + SILENT_DB
    edges = np.diff(np.concatenate([[0], on.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(s * hop / SR, e * hop / SR) for s, e in zip(starts, ends, strict=True)]


def mixed(voice: np.ndarray, band: np.ndarray, sung: list, level_db: float) -> np.ndarray:
    """`voice` over `band` (cut to the voice's length), the voice at `level_db` against the
    band over the sung spans; peak-normalised to 0.9."""
    band = band[: len(voice)]
    mask = np.zeros(len(voice), bool)
    for start, end in sung:
        mask[int(start * SR) : int(end * SR)] = True
    gain = 10 ** (level_db / 20) * _rms(band[mask]) / max(_rms(voice[mask]), 1e-9)
    y = band + gain * voice
    return (0.9 * y / np.abs(y).max()).astype(np.float32)


def build_set(*, quick: bool, shared: Path = SHARED, cache: Path | None = None) -> list[Mix]:
    """The mixes (built once into `cache`, keyed by what makes them): spoken lyrics and
    vocadito_1 over each band at each level. Bands missing from `shared` are left out."""
    chosen = QUICK_BANDS if quick else BANDS
    bands = [(shared / "tracks" / name, offset) for name, offset in chosen]
    bands = [(path, offset) for path, offset in bands if path.exists()]
    voices = _voices(quick=quick, shared=shared)
    key = hashlib.sha1(
        json.dumps([[str(p), o] for p, o in bands] + [list(map(str, v)) for v in VOICES]).encode()
        + str((LEVELS_DB, INTRO_S, LINE_GAP_S, JOINED_GAP_S, STANZA_GAP_S, SILENT_DB, SR)).encode()
    ).hexdigest()[:12]
    folder = (cache or Path(tempfile.gettempdir()) / "sound2sight-lyrics-set") / key
    mixes = []
    for voice_name, voice, lines, sung, text in voices:
        for path, offset in bands:
            band, _ = load_audio(path, sr=SR)
            band = band[int(offset * SR) :]
            if len(band) < len(voice):
                continue
            for level in LEVELS_DB:
                name = f"{voice_name}-over-{path.stem}-{level:+g}dB"
                audio = folder / f"{name}.wav"
                lyrics = folder / f"{voice_name}.txt" if text else None
                if not audio.exists():
                    folder.mkdir(parents=True, exist_ok=True)
                    tmp = audio.with_suffix(".tmp.wav")
                    sf.write(tmp, mixed(voice, band, sung, level), SR)
                    tmp.replace(audio)
                if lyrics and not lyrics.exists():
                    lyrics.write_text(text, encoding="utf-8")
                mixes.append(Mix(name, audio, lyrics, lines, sung))
    return mixes


def _voices(*, quick: bool, shared: Path) -> list[tuple[str, np.ndarray, list, list, str]]:
    """(name, voice track, line spans, sung spans, lyrics text) of every voice of the set."""
    voices = []
    if shutil.which("espeak-ng"):
        for seed, (voice, wpm, text) in enumerate(QUICK_VOICES if quick else VOICES):
            y, lines = spoken_voice(text, voice=voice, wpm=wpm, seed=seed)
            voices.append((f"espeak-{voice}", y, lines, sung_spans(y), text))
            if not quick:
                y, lines = spoken_voice(text, voice=voice, wpm=wpm, seed=seed, breaths=JOINED_GAP_S)
                voices.append((f"espeak-{voice}{JOINED}", y, lines, sung_spans(y), text))
    vocadito = shared / "tracks" / "vocadito_1.wav"
    activity = shared / "annotations" / "vocadito_1.vocal_activity.txt"
    if vocadito.exists() and activity.exists():
        y, _ = load_audio(vocadito, sr=SR)
        regions = [(float(s), float(e)) for s, e in np.loadtxt(activity, ndmin=2)]
        voices.append(("vocadito_1", y, [], regions, ""))
    return voices


# ------------------------------------------------------------------ scoring


def roc_auc(truth: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of `score` for the boolean `truth` (Mann-Whitney U)."""
    truth = np.asarray(truth, bool)
    ranks = scipy.stats.rankdata(score)
    positives, negatives = int(truth.sum()), int((~truth).sum())
    if not positives or not negatives:
        return float("nan")
    u = ranks[truth].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))


def f_score(truth: np.ndarray, estimate: np.ndarray) -> float:
    """F-measure of the frames `estimate` marks against the frames `truth` marks."""
    hits = float((truth & estimate).sum())
    precision, recall = hits / max(estimate.sum(), 1), hits / max(truth.sum(), 1)
    return 2 * precision * recall / max(precision + recall, 1e-9)


def in_spans(times: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    """Which of `times` fall inside one of `spans`."""
    inside = np.zeros(len(times), bool)
    for start, end in spans:
        inside |= (times >= start) & (times < end)
    return inside


def line_figures(shown: list[dict], truth: list[tuple[float, float]]) -> dict:
    """Start errors of the shown lines against the true ones (in order; a missing line counts
    as off by the song), and how much of each line's shown time overlaps its sung time."""
    errors, overlaps = [], []
    for k, (start, end) in enumerate(truth):
        if k >= len(shown):
            errors.append(float("inf"))
            overlaps.append(0.0)
            continue
        s, e = shown[k]["start"], shown[k]["end"]
        errors.append(abs(s - start))
        overlaps.append(max(0.0, min(e, end) - max(s, start)) / max(e - s, 1e-9))
    errors_array = np.array(errors)
    return {
        "lines": len(truth),
        "shown_lines": len(shown),
        "median_start_error_s": round(float(np.median(errors_array)), 2),
        "within_1s": round(float((errors_array <= WITHIN_S).mean()), 3),
        "mean_overlap": round(float(np.mean(overlaps)), 3),
        "start_errors_s": [round(e, 2) if np.isfinite(e) else None for e in errors],
    }


def activity_figures(analysis: dict, sung: list[tuple[float, float]]) -> dict:
    """AUC and F (at VOCAL_THRESHOLD) of the voice curve (where in the song a voice sings)
    against the sung spans."""
    curve = np.asarray(analysis["voice"])
    truth = in_spans(np.arange(len(curve)) / analysis["curve_hz"], sung)
    return {
        "vocal_auc": round(roc_auc(truth, curve), 3),
        "vocal_f": round(float(f_score(truth, curve >= VOCAL_THRESHOLD)), 3),
    }


def evaluate_mix(mix: Mix) -> dict:
    """Vocal activity and (for spoken lyrics) line alignment figures of one mix."""
    y, sr = load_audio(mix.audio)
    analysis = analyze_audio(y, sr, path=str(mix.audio))
    row = {"mix": mix.name, **activity_figures(analysis, mix.sung)}
    if mix.lyrics:
        shown = read_lyrics_file(mix.lyrics, analysis=analysis)
        row.update(line_figures(shown, mix.lines))
    return row


def fantasma(shared: Path = SHARED) -> dict:
    """The shared song with hand-made timings, aligned from its plain lyrics file."""
    audio = shared / "tracks" / f"{FANTASMA}.mp3"
    notes = shared / "annotations"
    if not audio.exists():
        return {"status": f"not run: {audio.name} is not in {shared}"}
    y, sr = load_audio(audio)
    analysis = analyze_audio(y, sr, path=str(audio))
    lines = _csv_spans(notes / f"{FANTASMA}.lines.csv")
    words = _csv_spans(notes / f"{FANTASMA}.words.csv")
    shown = read_lyrics_file(notes / f"{FANTASMA}.lyrics.txt", analysis=analysis)
    return {"status": "ok", **activity_figures(analysis, words), **line_figures(shown, lines)}


def fantasma_variants(shared: Path = SHARED) -> dict:
    """fantasma aligned from its plain lyrics with FANTASMA_VARIANTS applied to its audio, the
    shown lines moved back onto the song's own clock."""
    audio = shared / "tracks" / f"{FANTASMA}.mp3"
    if not audio.exists():
        return {"status": f"not run: {audio.name} is not in {shared}"}
    y, sr = load_audio(audio)
    rng = np.random.default_rng(0)
    changed = []
    for head, tail, noise_db in FANTASMA_VARIANTS:
        kept = y[int(max(head, 0.0) * sr) : len(y) - int(max(tail, 0.0) * sr)]
        clip = np.concatenate(
            [_added(head, sr, noise_db, rng), kept, _added(tail, sr, noise_db, rng)]
        )
        name = f"{head:+g}s {tail:+g}s" + ("" if noise_db is None else f" noise {noise_db:g} dBFS")
        changed.append((name, clip, head, 1.0))
    return _variant_figures(changed, sr, shared)


def fantasma_warps(shared: Path = SHARED) -> dict:
    """fantasma aligned from its plain lyrics at other tempos and in other keys
    (FANTASMA_WARPS), the shown lines moved back onto the song's own clock."""
    audio = shared / "tracks" / f"{FANTASMA}.mp3"
    if not audio.exists():
        return {"status": f"not run: {audio.name} is not in {shared}"}
    y, sr = load_audio(audio)
    changed = [
        (f"tempo x{amount:g}", librosa.effects.time_stretch(y, rate=amount), 0.0, amount)
        if kind == "tempo"
        else (f"key {amount:+g}", librosa.effects.pitch_shift(y, sr=sr, n_steps=amount), 0.0, 1.0)
        for kind, amount in FANTASMA_WARPS
    ]
    return _variant_figures(changed, sr, shared)


def _variant_figures(
    changed: list[tuple[str, np.ndarray, float, float]], sr: int, shared: Path
) -> dict:
    """Each (name, audio, head, scale) aligned from fantasma's plain lyrics, its shown times t
    put back on the song's clock as t * scale + head; the fewest and mean lines within 1 s and
    the lowest overlap over them."""
    notes = shared / "annotations"
    lines = _csv_spans(notes / f"{FANTASMA}.lines.csv")
    rows = []
    for name, clip, head, scale in changed:
        analysis = analyze_audio(clip.astype(np.float32), sr)
        shown = read_lyrics_file(notes / f"{FANTASMA}.lyrics.txt", analysis=analysis)
        shown = [
            line | {"start": line["start"] * scale + head, "end": line["end"] * scale + head}
            for line in shown
        ]
        figures = line_figures(shown, lines)
        rows.append({"variant": name, **{k: figures[k] for k in ("within_1s", "mean_overlap")}})
    within = [row["within_1s"] for row in rows]
    return {
        "status": "ok",
        "variants": len(rows),
        "min_within_1s": min(within),
        "mean_within_1s": round(float(np.mean(within)), 3),
        "min_overlap": min(row["mean_overlap"] for row in rows),
        "rows": rows,
    }


def _added(seconds: float, sr: int, noise_db: float | None, rng: np.random.Generator) -> np.ndarray:
    """What a variant adds where its figure is negative: digital silence, or noise at
    `noise_db` dBFS (none where the figure is not negative)."""
    n = int(max(-seconds, 0.0) * sr)
    if noise_db is None:
        return np.zeros(n, np.float32)
    return (10 ** (noise_db / 20) * rng.standard_normal(n)).astype(np.float32)


def _csv_spans(path: Path) -> list[tuple[float, float]]:
    with path.open(encoding="utf-8") as file:
        rows = list(csv.reader(file))[1:]
    return [(float(row[0]), float(row[1])) for row in rows]


def evaluate(*, quick: bool, shared: Path = SHARED, cache: Path | None = None) -> dict:
    """The mixed set's figures and the fantasma figures; parts without data are not run."""
    mixes = build_set(quick=quick, shared=shared, cache=cache)
    rows = [evaluate_mix(mix) for mix in mixes]
    plain = [r for r in rows if JOINED not in r["mix"]]  # the joined voices: their own figures
    joined = [r for r in rows if JOINED in r["mix"] and "within_1s" in r]
    errors = _start_errors([r for r in plain if "within_1s" in r])
    joined_errors = _start_errors(joined)
    song = fantasma(shared)
    variants = {"status": "not run: --quick"} if quick else fantasma_variants(shared)
    warps = {"status": "not run: --quick"} if quick else fantasma_warps(shared)
    summary = {
        "mix_vocal_auc": _mean([r["vocal_auc"] for r in plain]),
        "mix_vocal_f": _mean([r["vocal_f"] for r in plain]),
        "mix_line_start_median_s": _median(errors),
        "mix_lines_within_1s": _share_within(errors),
        "joined_line_start_median_s": _median(joined_errors),
        "joined_lines_within_1s": _share_within(joined_errors),
        "fantasma_lines_within_1s": song.get("within_1s"),
        "fantasma_mean_overlap": song.get("mean_overlap"),
        "fantasma_vocal_auc": song.get("vocal_auc"),
        "fantasma_variants_min_within_1s": variants.get("min_within_1s"),
        "fantasma_variants_mean_within_1s": variants.get("mean_within_1s"),
        "fantasma_variants_min_overlap": variants.get("min_overlap"),
        "fantasma_warps_min_within_1s": warps.get("min_within_1s"),
        "fantasma_warps_mean_within_1s": warps.get("mean_within_1s"),
    }
    if not rows:
        mixed_status = "not run: no voices or bands (espeak-ng and ../shared/audio needed)"
        return {
            "status": mixed_status,
            "summary": summary,
            "fantasma": song,
            "variants": variants,
            "warps": warps,
        }
    return {
        "status": "ok",
        "summary": summary,
        "mixes": rows,
        "fantasma": song,
        "variants": variants,
        "warps": warps,
    }


def _start_errors(rows: list[dict]) -> np.ndarray:
    """Every line's start error (s) in `rows`; a line not shown is off by infinity."""
    errors = np.array([e for r in rows for e in r["start_errors_s"]], dtype=float)
    errors[np.isnan(errors)] = np.inf
    return errors


def _median(errors: np.ndarray) -> float | None:
    return round(float(np.median(errors)), 2) if errors.size else None


def _share_within(errors: np.ndarray) -> float | None:
    return round(float((errors <= WITHIN_S).mean()), 3) if errors.size else None


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0


def _mean(values: list) -> float | None:
    known = [float(v) for v in values if v is not None and np.isfinite(v)]
    return round(float(np.mean(known)), 3) if known else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m evals.lyrics", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer bands and voices")
    parser.add_argument("--json", action="store_true", help="every row, as JSON")
    args = parser.parse_args(argv)
    result = evaluate(quick=args.quick)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    for row in result.get("mixes", []):
        print(row["mix"], {k: v for k, v in row.items() if k not in ("mix", "start_errors_s")})
    print("fantasma", result["fantasma"])
    for row in [*result["variants"].get("rows", []), *result["warps"].get("rows", [])]:
        print("fantasma", row)
    print("summary", result["summary"])


if __name__ == "__main__":
    main()
