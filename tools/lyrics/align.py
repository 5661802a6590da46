"""Plain lyrics aligned to where the song is sung, by dynamic programming.

Each line of the text becomes one span of the song, in order. The best spans are those that
cover the frames the vocal curve marks as sung and leave the unsung ones out, each about as
long as its syllables take at the song's pace, with no long pause inside a stanza (blank lines
separate stanzas; between them a pause of any length costs nothing). Because a span is scored
frame by frame, the text need not have as many lines as the song has phrases: a line may cover
several short phrases, and one long phrase may hold several lines, split where their syllables
say. A line of vocables only ("ooh ooh") is held as long as the tune wants: no longer length
is unlikely. The pace (seconds per syllable) starts at PACE_S and becomes the median pace of
the lines as aligned, for PACE_ROUNDS rounds.

Repeated lines (a chorus) are sung where the song repeats itself. The lines are aligned a
second time: after each round, every passage of the text that comes again elsewhere is
compared, by its harmony (the analysis's chroma), with the song from every frame on, and the
next round pulls each repeat of the passage (by up to REPEAT_WEIGHT frames of singing) to the
places that sound like it, as far as they stand out from the song's ordinary likeness
(`_recurrence`). Of the two alignments the one kept scores best on the fit above plus how
alike its repeats sound where it puts them: where the band does not repeat with the text, the
pull finds nothing and the first stands.

How loud a voice must be to count as singing differs from song to song, and one threshold puts
some songs on a knife's edge: with the vocal curve above 0.6 as singing, fantasma_los_rombos
lost its last 5 s of silence and every line from the second on moved one phrase early (14 of 17
lines on time became 1). So the lines are aligned as above for each threshold in SUNG and each
MISS_COST (how much more a sung frame's evidence counts than an unsung frame's: leaving it
without a line costs that much), and each line starts and ends where the middle of those
alignments put it (the per-line medians keep the order: every alignment has it). The middle
follows the majority, and where the vocal curve sees little of a song's last chorus most of the
ten can sing every line a phrase early: fantasma played 5 % slower had three of ten right and
1/17 lines on time. So where some alignment puts the repeats where the song repeats strongly
(on average at least STRONG_REPEATS of the way from ordinary likeness to identical over the
lines a repeat pulls), the middle is taken of the alignments pulled at least KEPT as strongly:
those agree with the song's structure. Where the band does not repeat with the text, none
comes near, and all ten count.

Where one line of a stanza follows another without a pause, nothing in that fit says where the
first ends: the split comes from their syllables alone, and a singer who holds the end of a
line moves it by a second or more (fantasma's second and fourth lines started 1.45 and 1.06 s
early). Singers breathe there. A split that lies within BREATH_NEAR_S of a breath (a dip of the
vocal curve at least BREATH_DEPTH below the singing within BREATH_SPAN_S on either side) moves
to it; one that lies near none moves to the deepest breath within BREATH_REACH_S
(`_at_breaths`). A breath moves only that one split, so it cannot shift the rest of the song.
A breath near the split comes first because a voice dips inside lines too (between words): on
the spoken set with lines back to back, where the syllables place the splits well, moving
every split to the deepest dip within reach put 3.5 % fewer lines on time.
"""

import math
import re
from collections.abc import Callable

import numpy as np

from tools.types import Analysis, Lyrics

SUNG = (0.5, 0.55, 0.6, 0.65, 0.7)  # the vocal curve above one of these is taken as singing
MISS_COST = (0.0, 1.0)  # a sung frame's evidence counts 1 + this as much as an unsung one's
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
WORD = re.compile(r"\w+")
BREATH_REACH_S = 1.5  # a split between lines sung back to back moves to a breath this close
BREATH_SPAN_S = 1.0  # a breath is a dip below the singing this far on either side of it
BREATH_DEPTH = 0.25  # of the vocal curve (0..1), at least
BREATH_NEAR_S = 0.5  # a split this close to a breath moves to it
JOINED_S = 0.25  # lines this close (or closer) are sung back to back
REPEAT_WEIGHT = 40.0  # a repeated passage's pull to where the song repeats, in frames of singing
STRONG_REPEATS = 0.5  # alignments whose repeats sound this alike (0..1, a line's mean) are trusted
KEPT = 0.85  # then those pulled at least this share as strongly as the strongest are kept
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


def _evidence(vocal: np.ndarray, *, sung: float, miss: float) -> np.ndarray:
    """Evidence of singing per frame: the vocal curve against `sung`, -1..1, where sung frames
    count 1 + `miss` times."""
    evidence = np.clip(2.0 * (vocal - sung), -1.0, 1.0)
    return np.where(evidence > 0, (1.0 + miss) * evidence, evidence)


def align_lines(stanzas: list[list[str]], analysis: Analysis) -> Lyrics:
    """The lines of `stanzas` (lists of lines, in order) as timed lines over the song."""
    texts = [line for stanza in stanzas for line in stanza]
    if not texts:
        return []
    first_of_stanza = np.array([i == 0 for stanza in stanzas for i in range(len(stanza))])
    counts = np.array([syllables(text) for text in texts], dtype=float)
    held = np.array([bool(VOCABLES.match(text)) for text in texts])
    runs = repeated_runs(texts)
    harmony = _harmony(analysis) if any(runs) else None
    vocal = voice_curve(analysis)
    hz = float(analysis["curve_hz"])
    rate = float(analysis.get("chroma_hz", 0.0)) / hz  # chroma rows per frame
    alignments, pulls = zip(
        *(
            _aligned_spans(
                _Lines(_evidence(vocal, sung=sung, miss=miss), counts, first_of_stanza, held, hz),
                runs,
                harmony,
                rate=rate,
            )
            for sung in SUNG
            for miss in MISS_COST
        ),
        strict=True,
    )
    strongest = max(pulls)
    if strongest >= STRONG_REPEATS * REPEAT_WEIGHT * _pulled_lines(runs):
        alignments = [
            a for a, pull in zip(alignments, pulls, strict=True) if pull >= KEPT * strongest
        ]
    starts, ends = np.median(np.array(alignments, dtype=float), axis=0).T
    starts, ends = _at_breaths(starts, ends, _breath_depths(vocal, hz), ~first_of_stanza, hz=hz)
    duration = float(analysis["duration"])
    return [
        {
            "start": round(min(float(start) / hz, duration), 3),
            "end": round(min(float(end) / hz, duration), 3),
            "text": text,
        }
        for start, end, text in zip(starts, ends, texts, strict=True)
    ]


def _aligned_spans(
    lines: "_Lines",
    runs: list[list[tuple[int, int]]],
    harmony: np.ndarray | None,
    *,
    rate: float,
) -> tuple[list[tuple[int, int]], float]:
    """(start, end) frames of each of `lines`, and how strongly they put the repeated passages
    where the song repeats (REPEAT_WEIGHT times the sum of `_recurrence` at the lines' starts;
    0 without repeats); with the song's `harmony` (`rate` rows per frame) and the text's
    repeated passages (`runs`), the better of the plain alignment and the one pulled to where
    the song repeats."""
    spans, expected = lines.aligned()
    if harmony is None:
        return spans, 0.0

    def alike(spans: list[tuple[int, int]]) -> np.ndarray:
        return _recurrence(harmony, runs, spans, rate=rate, n_frames=len(lines.evidence))

    def pull(spans: list[tuple[int, int]]) -> float:
        likeness = alike(spans)
        return REPEAT_WEIGHT * float(sum(likeness[k, start] for k, (start, _) in enumerate(spans)))

    pulled = lines.aligned(alike)[0]
    candidates = [(spans, pull(spans)), (pulled, pull(pulled))]  # each pull worked out once
    return max(candidates, key=lambda candidate: lines.fit(candidate[0], expected) + candidate[1])


def _pulled_lines(runs: list[list[tuple[int, int]]]) -> int:
    """How many lines a repeat pulls: those of every passage that comes again."""
    return len({k + i for k, repeats in enumerate(runs) for _, r in repeats for i in range(r)})


def _best_spans(
    evidence: np.ndarray,
    expected: np.ndarray,
    first_of_stanza: np.ndarray,
    held: np.ndarray,
    bonus: np.ndarray,
    *,
    hz: float,
) -> list[tuple[int, int]]:
    """(start, end) frames of each line: the in-order, non-overlapping spans that maximise the
    evidence they cover plus each line's length prior and the `bonus` of its start frame
    (lines, frames + 1), less the pauses inside stanzas."""
    n_frames, n_lines = len(evidence), len(expected)
    lengths = np.unique(
        np.geomspace(max(1.0, MIN_LINE_S * hz), MAX_LINE_S * hz, LENGTH_STEPS).astype(int)
    )
    if n_lines * lengths[0] > n_frames:  # more lines than the song holds: share it evenly
        return _even_spans(n_frames, n_lines)
    lengths = lengths[lengths <= n_frames]
    cumulative = np.concatenate([[0.0], np.cumsum(evidence)])
    ends = np.arange(n_frames + 1)
    begins = ends - lengths[:, None]  # (lengths, frames + 1): a span of each length to each end
    impossible = begins < 0
    begins[impossible] = 0
    ended = np.zeros(n_frames + 1)  # best score with the lines so far ending by frame t
    starts = np.zeros((n_lines, n_frames + 1), dtype=int)
    resume = np.zeros((n_lines, n_frames + 1), dtype=int)
    for k in range(n_lines):
        pause = 0.0 if k == 0 or first_of_stanza[k] else PAUSE_COST
        ready, resume[k] = _running_best(ended, pause)  # best score to start line k at t
        prior = _length_prior(lengths, expected[k], held=bool(held[k]))
        score = (
            ready[begins]
            + cumulative[ends]
            - cumulative[begins]
            + prior[:, None]
            + bonus[k, begins]
        )
        score[impossible] = -np.inf
        shortest = np.argmax(score, axis=0)  # of the best lengths, the shortest
        ended = score[shortest, ends]
        starts[k] = begins[shortest, ends]
    spans: list[tuple[int, int]] = []
    end = int(np.argmax(ended))
    for k in range(n_lines - 1, -1, -1):
        start = int(starts[k, end])
        spans.append((start, end))
        end = int(resume[k, start])
    return spans[::-1]


def _length_prior(lengths: np.ndarray, expected: float, *, held: bool) -> np.ndarray:
    """The length prior of a line `expected` frames long, for spans of `lengths` frames:
    vocables (`held`) are held as long as the tune wants, but not shorter than said."""
    prior = -LENGTH_WEIGHT * 0.5 * (np.log(lengths / expected) / LENGTH_SPREAD) ** 2
    return np.where(lengths >= expected, 0.0, prior) if held else prior


class _Lines:
    """The lines to align: evidence per frame, syllables, stanza starts, held lines."""

    def __init__(
        self,
        evidence: np.ndarray,
        counts: np.ndarray,
        first_of_stanza: np.ndarray,
        held: np.ndarray,
        hz: float,
    ) -> None:
        self.evidence, self.counts, self.hz = evidence, counts, hz
        self.first_of_stanza, self.held = first_of_stanza, held
        self.cumulative = np.concatenate([[0.0], np.cumsum(evidence)])

    def aligned(
        self, alike: Callable[[list[tuple[int, int]]], np.ndarray] | None = None
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """The best spans and the lines' expected lengths (frames) after PACE_ROUNDS rounds;
        with `alike` (how much each start frame sounds like where each line's repeats are, for
        given spans), each round after the first is pulled by REPEAT_WEIGHT times that."""
        bonus = np.zeros((len(self.counts), len(self.evidence) + 1))
        pace = PACE_S
        for round_ in range(PACE_ROUNDS):
            expected = np.clip(self.counts * pace, MIN_LINE_S, MAX_LINE_S) * self.hz
            spans = _best_spans(
                self.evidence, expected, self.first_of_stanza, self.held, bonus, hz=self.hz
            )
            if round_ == PACE_ROUNDS - 1:
                break
            said = [
                (b - a) / self.hz / n
                for (a, b), n, h in zip(spans, self.counts, self.held, strict=True)
                if not h
            ]
            if not said and alike is None:
                break
            if said:
                pace = float(np.clip(np.median(said), *PACE_RANGE_S))
            if alike is not None:
                bonus = REPEAT_WEIGHT * alike(spans)
        return spans, expected

    def fit(self, spans: list[tuple[int, int]], expected: np.ndarray) -> float:
        """What `_best_spans` maximises, without a bonus, for these spans."""
        total = 0.0
        for k, (start, end) in enumerate(spans):
            length = np.array([float(max(end - start, 1))])
            total += self.cumulative[end] - self.cumulative[start]
            total += float(_length_prior(length, expected[k], held=bool(self.held[k]))[0])
            if k and not self.first_of_stanza[k]:
                total -= PAUSE_COST * (start - spans[k - 1][1])
        return total


def _breath_depths(vocal: np.ndarray, hz: float) -> np.ndarray:
    """For each frame, how deep a breath it is: at a local minimum of `vocal`, how far it lies
    below the lower of the curve's highest points within BREATH_SPAN_S before and after; 0
    elsewhere."""
    span = max(1, round(BREATH_SPAN_S * hz))
    padded = np.concatenate([np.full(span, -np.inf), vocal, np.full(span, -np.inf)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, span)
    before, after = windows[: len(vocal)].max(axis=1), windows[span + 1 :].max(axis=1)
    neighbours = np.concatenate([[np.inf], vocal, [np.inf]])
    lowest = (vocal <= neighbours[:-2]) & (vocal <= neighbours[2:])
    return np.where(lowest, np.clip(np.minimum(before, after) - vocal, 0.0, None), 0.0)


def _at_breaths(
    starts: np.ndarray, ends: np.ndarray, depths: np.ndarray, joined: np.ndarray, *, hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """The spans (frames) with each split between lines sung back to back (`joined` to the
    line before, no more than JOINED_S apart) moved to a breath (`depths` at least
    BREATH_DEPTH): the deepest within BREATH_NEAR_S of it, else the deepest within
    BREATH_REACH_S; each line kept MIN_LINE_S long."""
    starts, ends = starts.copy(), ends.copy()
    shortest = MIN_LINE_S * hz
    for k in np.flatnonzero(joined):
        if k == 0 or starts[k] - ends[k - 1] > JOINED_S * hz:
            continue
        low = max(math.ceil(max(starts[k] - BREATH_REACH_S * hz, starts[k - 1] + shortest)), 0)
        high = min(int(min(starts[k] + BREATH_REACH_S * hz, ends[k] - shortest)), len(depths) - 1)
        frames = np.arange(low, high + 1)
        breaths = frames[depths[frames] >= BREATH_DEPTH]
        near = breaths[np.abs(breaths - starts[k]) <= BREATH_NEAR_S * hz]
        for choice in (near, breaths):
            if len(choice):
                starts[k] = ends[k - 1] = choice[np.argmax(depths[choice])]
                break
    return starts, ends


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


def repeated_runs(texts: list[str]) -> list[list[tuple[int, int]]]:
    """For each line, the repeats of the passage it opens: (j, r) when lines k..k+r-1 read as
    lines j..j+r-1 elsewhere (r as long as they keep agreeing; a passage inside a longer
    repeat opens nothing). Case, spacing and punctuation do not count."""
    keys = [" ".join(WORD.findall(text.lower())) for text in texts]
    n = len(keys)
    runs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for k in range(n):
        for j in range(n):
            if j == k or keys[j] != keys[k]:
                continue
            if k and j and keys[k - 1] == keys[j - 1]:
                continue  # inside a longer repeat, which its first line opens
            r = 1
            while max(j, k) + r < n and keys[k + r] == keys[j + r] and k + r != j and j + r != k:
                r += 1
            runs[k].append((j, r))
    return runs


def _harmony(analysis: Analysis) -> np.ndarray | None:
    """The song's chroma rows, unit length; None when the analysis has none."""
    if "chroma" not in analysis:
        return None
    chroma = np.asarray(analysis["chroma"], dtype=float).reshape(-1, 12)
    return chroma / np.maximum(np.linalg.norm(chroma, axis=1, keepdims=True), 1e-9)


def _recurrence(
    harmony: np.ndarray,
    runs: list[list[tuple[int, int]]],
    spans: list[tuple[int, int]],
    *,
    rate: float,
    n_frames: int,
) -> np.ndarray:
    """How much the song sounds as where each repeated passage is sung elsewhere, for each line
    and start frame: (lines, n_frames + 1), 0..1. For lines k..k+r-1 repeating lines j..j+r-1,
    the chroma from each frame on against the chroma of those lines as `spans` place them (mean
    cosine over their length; `rate` chroma rows per frame), scaled from the ordinary likeness
    (0: the best match beyond as many places as the text repeats the passage, so a band that
    plays the same bar all song long pulls nowhere) to a perfect match (1); line k+i gets it
    where it would start if the passage started there, timed as there. The best over the
    repeats. A start that would overlap the passage itself gets nothing."""
    bonus = np.zeros((len(spans), n_frames + 1))
    frames = np.arange(n_frames + 1) * rate
    for k, repeats in enumerate(runs):
        for j, r in repeats:
            first, length = (
                round(spans[j][0] * rate),
                round((spans[j + r - 1][1] - spans[j][0]) * rate),
            )
            if length < 1 or first + length > len(harmony):
                continue
            likeness = _sliding_windows(harmony, length) @ harmony[first : first + length].ravel()
            likeness /= length
            likeness[max(0, first - length + 1) : first + length] = 0.0  # the passage itself
            ordinary = _peaks(likeness, apart=length, count=len(repeats) + 1)[-1]
            scaled = np.clip((likeness - ordinary) / max(1.0 - ordinary, 1e-9), 0.0, 1.0)
            for i in range(r):  # each line where it comes in the passage there
                rows = np.arange(len(scaled)) + (spans[j + i][0] - spans[j][0]) * rate
                bonus[k + i] = np.maximum(
                    bonus[k + i], np.interp(frames, rows, scaled, left=0.0, right=0.0)
                )
    return bonus


def _sliding_windows(rows: np.ndarray, length: int) -> np.ndarray:
    """Every run of `length` consecutive rows, flattened: (runs, length * width)."""
    view = np.lib.stride_tricks.sliding_window_view(rows, (length, rows.shape[1]))
    return view.reshape(len(rows) - length + 1, -1)


def _peaks(values: np.ndarray, *, apart: int, count: int) -> list[float]:
    """The `count` highest values at least `apart` places from each other, highest first
    (as many as there are)."""
    values = values.copy()
    found = []
    for _ in range(count):
        best = int(np.argmax(values))
        found.append(float(values[best]))
        values[max(0, best - apart + 1) : best + apart] = -np.inf
        if not np.isfinite(values).any():
            break
    return found
