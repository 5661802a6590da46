"""Plain lyrics aligned to where the song is sung, by dynamic programming.

Each line of the text becomes one span of the song, in order. The best spans are those that
cover the frames the vocal curve marks as sung and leave the unsung ones out, each about as
long as its syllables take at the song's pace, with no long pause inside a stanza (blank lines
separate stanzas; between them a pause of any length costs nothing). Because a span is scored
frame by frame, the text need not have as many lines as the song has phrases: a line may cover
several short phrases, and one long phrase may hold several lines, split where their syllables
say. Repeated lines (a chorus) get the same expected length wherever they come; a line of
vocables only ("ooh ooh") is held as long as the tune wants: no longer length is unlikely. The
pace (seconds per syllable) starts at PACE_S and becomes the median pace of the lines as
aligned, for PACE_ROUNDS rounds.
"""

import re

import numpy as np

from tools.types import Analysis, Lyrics

SUNG = 0.6  # the vocal curve above this is evidence of singing, below it of none
MIN_LINE_S = 0.8
MAX_LINE_S = 40.0
PACE_S = 0.35  # seconds per syllable to start from; then the aligned lines' own pace
PACE_RANGE_S = (0.15, 1.0)
PACE_ROUNDS = 3
LENGTH_STEPS = 80  # line lengths tried, MIN_LINE_S to MAX_LINE_S in equal ratios (5 %)
LENGTH_SPREAD = 0.6  # standard deviation of log(line length / expected length)
LENGTH_WEIGHT = 8.0  # the length prior's weight, in frames of clear singing per unit
PAUSE_COST = 0.02  # per frame of pause inside a stanza, in frames of clear singing
VOWELS = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ]+", re.IGNORECASE)
CHARS_PER_SYLLABLE = 3.0  # for scripts without Latin vowels
VOCABLES = re.compile(  # a line of these only ("ooh ooh", "la la la") is held, not said
    r"^(?:\W*(?:o+h*|a+h*|u+h*|m+|la|na|da|ye+a*h*|hey|wo+a*h*|whoa)\W*\s*)+$", re.I
)


def syllables(line: str) -> int:
    """About how many syllables a line has: its vowel groups (a third of its letters when the
    script has no Latin vowels), at least one."""
    groups = len(VOWELS.findall(line))
    if groups:
        return groups
    letters = sum(ch.isalpha() for ch in line)
    return max(1, round(letters / CHARS_PER_SYLLABLE))


def voice_curve(analysis: Analysis) -> np.ndarray:
    """Where in the song a voice sings, 0..1 at the analysis's curve rate (`voice`; analyses made
    before it existed have only the song-level `vocal`)."""
    return np.asarray(analysis.get("voice", analysis["vocal"]), dtype=float)


def align_lines(stanzas: list[list[str]], analysis: Analysis) -> Lyrics:
    """The lines of `stanzas` (lists of lines, in order) as timed lines over the song."""
    texts = [line for stanza in stanzas for line in stanza]
    first_of_stanza = np.array([i == 0 for stanza in stanzas for i in range(len(stanza))])
    vocal = voice_curve(analysis)
    hz = float(analysis["curve_hz"])
    evidence = np.clip(2.0 * (vocal - SUNG), -1.0, 1.0)
    counts = np.array([syllables(text) for text in texts], dtype=float)
    held = np.array([bool(VOCABLES.match(text)) for text in texts])
    pace = PACE_S
    for round_ in range(PACE_ROUNDS):
        expected = np.clip(counts * pace, MIN_LINE_S, MAX_LINE_S) * hz
        spans = _best_spans(evidence, expected, first_of_stanza, held, hz=hz)
        said = [(b - a) / hz / n for (a, b), n, h in zip(spans, counts, held, strict=True) if not h]
        if round_ == PACE_ROUNDS - 1 or not said:
            break
        pace = float(np.clip(np.median(said), *PACE_RANGE_S))
    duration = float(analysis["duration"])
    return [
        {
            "start": round(min(start / hz, duration), 3),
            "end": round(min(end / hz, duration), 3),
            "text": text,
        }
        for (start, end), text in zip(spans, texts, strict=True)
    ]


def _best_spans(
    evidence: np.ndarray,
    expected: np.ndarray,
    first_of_stanza: np.ndarray,
    held: np.ndarray,
    *,
    hz: float,
) -> list[tuple[int, int]]:
    """(start, end) frames of each line: the in-order, non-overlapping spans that maximise the
    evidence they cover plus each line's length prior, less the pauses inside stanzas."""
    n_frames, n_lines = len(evidence), len(expected)
    lengths = np.unique(
        np.geomspace(max(1.0, MIN_LINE_S * hz), MAX_LINE_S * hz, LENGTH_STEPS).astype(int)
    )
    if n_lines * lengths[0] > n_frames:  # more lines than the song holds: share it evenly
        return _even_spans(n_frames, n_lines)
    lengths = lengths[lengths <= n_frames]
    cumulative = np.concatenate([[0.0], np.cumsum(evidence)])
    ended = np.zeros(n_frames + 1)  # best score with the lines so far ending by frame t
    starts = np.zeros((n_lines, n_frames + 1), dtype=int)
    resume = np.zeros((n_lines, n_frames + 1), dtype=int)
    for k in range(n_lines):
        pause = 0.0 if k == 0 or first_of_stanza[k] else PAUSE_COST
        ready, came_from = _running_best(ended, pause)  # best score to start line k at t
        prior = -LENGTH_WEIGHT * 0.5 * ((np.log(lengths / expected[k])) / LENGTH_SPREAD) ** 2
        if held[k]:  # vocables are held as long as the tune wants, but not shorter than said
            prior = np.where(lengths >= expected[k], 0.0, prior)
        best = np.full(n_frames + 1, -np.inf)
        for length, cost in zip(lengths, prior, strict=True):
            ends = np.arange(length, n_frames + 1)
            score = ready[ends - length] + cumulative[ends] - cumulative[ends - length] + cost
            better = score > best[ends]
            best[ends[better]] = score[better]
            starts[k, ends[better]] = ends[better] - length
        resume[k] = came_from
        ended = best
    spans: list[tuple[int, int]] = []
    end = int(np.argmax(ended))
    for k in range(n_lines - 1, -1, -1):
        start = int(starts[k, end])
        spans.append((start, end))
        end = int(resume[k, start])
    return spans[::-1]


def _running_best(score: np.ndarray, pause: float) -> tuple[np.ndarray, np.ndarray]:
    """For every frame t: the best of score[u] - pause * (t - u) over u <= t, and that u."""
    frames = np.arange(len(score))
    lifted = score + pause * frames
    best = np.maximum.accumulate(lifted)
    where = np.maximum.accumulate(np.where(lifted >= best, frames, 0))
    return best - pause * frames, where


def _even_spans(n_frames: int, n_lines: int) -> list[tuple[int, int]]:
    cuts = np.linspace(0, n_frames, n_lines + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
