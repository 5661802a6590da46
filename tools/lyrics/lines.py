"""Lyrics: the sung words as timed lines, from speech recognition or from a file.

`WhisperLyrics` (spec `whisper:<hub id or folder>`, default `openai/whisper-small`) runs
transformers' speech-recognition pipeline with word timestamps on the vocal parts of the song
(from `analysis["voice"]`, so long instrumental stretches are skipped) and groups the words
into lines at pauses. `read_lyrics_file` reads lyrics the user gives: LRC, whose `[mm:ss.xx]`
timestamps are used as given, or plain text, whose lines are aligned to where the song is sung
(tools.lyrics.align: stanzas as hints, each line as long as its syllables take).

Whisper decodes with the long-form settings of the Whisper paper (section 4.5) as the
whisper-large-v3 model card gives them for transformers (`LONG_FORM`): temperature fallback
from greedy when a segment repeats itself (zlib compression ratio over 1.35) or is unlikely
(mean log-probability under -1), segments the model thinks hold no speech (no-speech
probability over 0.6 with a low log-probability) skipped rather than invented, and no
conditioning on the previous segment's text, which carries a hallucination on into the next.
"""

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from tools.errors import InvalidInputError
from tools.lyrics.align import align_lines, voice_curve
from tools.pretrained import load_pretrained, require_ml, torch_device, torch_dtype
from tools.types import Analysis, Lyrics

DEFAULT_MODEL = "openai/whisper-small"
VOCAL_THRESHOLD = 0.3  # the vocal curve at or above this counts as singing
MIN_BREAK_S = 6.0  # a quieter stretch shorter than this does not end a vocal part
PAD_S = 0.5  # audio kept on each side of a vocal part for the recogniser
LINE_PAUSE_S = 0.6  # a pause this long between two words starts a new line
MAX_LINE_WORDS = 12
MAX_LRC_LINE_S = 10.0  # an LRC line stays on at most this long when nothing follows soon
LONG_FORM = {
    "temperature": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    "compression_ratio_threshold": 1.35,  # zlib ratio of the segment's tokens
    "logprob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    "condition_on_prev_tokens": False,
    "num_beams": 1,  # the pipeline's default beam search (5) loses every segment with these
}


# ------------------------------------------------------------------------- speech recognition


class WhisperLyrics:
    """Lyrics heard by Whisper (any checkpoint the transformers ASR pipeline loads)."""

    name = "whisper"

    def __init__(
        self, model: str = DEFAULT_MODEL, *, device: str = "auto", download: bool = False
    ) -> None:
        require_ml(self.name)
        from transformers import AutoModelForSpeechSeq2Seq, AutoProcessor, pipeline

        self.model = model
        self.device = torch_device(device)
        # loaded one by one: `pipeline` would hand `local_files_only` on to `generate`
        network = load_pretrained(
            AutoModelForSpeechSeq2Seq.from_pretrained,
            model,
            download=download,
            dtype=torch_dtype(self.device),
        )
        processor = load_pretrained(AutoProcessor.from_pretrained, model, download=download)
        self.asr = pipeline(
            "automatic-speech-recognition",
            model=network,
            tokenizer=processor.tokenizer,
            feature_extractor=processor.feature_extractor,
            device=self.device,
        )
        self.sr: int = self.asr.feature_extractor.sampling_rate

    def transcribe(self, audio: np.ndarray, sr: int, analysis: Analysis) -> Lyrics:
        """Timed lines of what is sung in the vocal parts of the song (may be empty)."""
        parts = vocal_parts(analysis, pad=PAD_S)
        if not parts:
            return []
        song = np.asarray(audio, dtype=np.float32)
        if sr != self.sr:
            song = soxr.resample(song, sr, self.sr)
        clips = [
            {
                "raw": song[int(start * self.sr) : math.ceil(end * self.sr)],
                "sampling_rate": self.sr,
            }
            for start, end in parts
        ]
        results = [self.hear(clip) for clip in clips]
        words = [
            word
            for (start, end), result in zip(parts, results, strict=True)
            for word in timed_words(result, offset=start, limit=end)
        ]
        return lines_from_words(words)

    def hear(self, clip: dict[str, Any]) -> dict[str, Any]:
        """The pipeline's result for one vocal part (a part longer than Whisper's 30 s window
        goes through its sequential long-form decoding). The temperature fallback samples:
        its random numbers are seeded, so the same song gives the same words."""
        import torch

        with torch.random.fork_rng():
            torch.manual_seed(0)
            try:
                return self.asr([clip], return_timestamps="word", generate_kwargs=dict(LONG_FORM))[
                    0
                ]
            except ValueError as error:
                # transformers' pipeline cannot return word timestamps for a part where
                # every segment was judged to hold no speech: it concatenates nothing
                if "non-empty list of Tensors" not in str(error):
                    raise
                return {"text": "", "chunks": []}


def timed_words(result: dict[str, Any], *, offset: float, limit: float) -> Lyrics:
    """The words of one pipeline result, in song time (`offset` is where the clip starts)."""
    words: Lyrics = []
    for chunk in result.get("chunks", []):
        start, end = chunk["timestamp"]
        text = chunk["text"].strip()
        if not text or start is None:
            continue
        start = min(offset + start, limit)
        end = start if end is None else min(max(offset + end, start), limit)
        words.append({"start": start, "end": end, "text": text})
    return words


def lines_from_words(
    words: Lyrics, *, pause: float = LINE_PAUSE_S, max_words: int = MAX_LINE_WORDS
) -> Lyrics:
    """Words grouped into lines: a new line after a pause, a sentence end or `max_words`."""
    lines: list[Lyrics] = []
    for word in words:
        line = lines[-1] if lines else None
        if (
            line is None
            or word["start"] - line[-1]["end"] >= pause
            or len(line) >= max_words
            or line[-1]["text"].endswith((".", "!", "?"))
        ):
            lines.append([word])
        else:
            line.append(word)
    return [
        {
            "start": _rounded(line[0]["start"]),
            "end": _rounded(line[-1]["end"]),
            "text": " ".join(word["text"] for word in line),
        }
        for line in lines
    ]


# ------------------------------------------------------------------------- vocal parts


def vocal_parts(
    analysis: Analysis,
    *,
    threshold: float = VOCAL_THRESHOLD,
    min_break: float = MIN_BREAK_S,
    pad: float = 0.0,
) -> list[tuple[float, float]]:
    """(start, end) of the stretches where the vocal curve says someone sings, in order.

    Quieter stretches shorter than `min_break` seconds (breaths, short fills) are bridged;
    each part is widened by `pad` seconds on both sides, within the song.
    """
    vocal = voice_curve(analysis)
    hz, duration = analysis["curve_hz"], analysis["duration"]
    edges = np.diff(np.concatenate([[0], (vocal >= threshold).astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1) / hz, np.flatnonzero(edges == -1) / hz
    parts: list[tuple[float, float]] = []
    for start, end in zip(starts, ends, strict=True):
        if parts and start - parts[-1][1] < min_break:
            parts[-1] = (parts[-1][0], end)
        else:
            parts.append((start, end))
    return [
        (max(0.0, float(s) - pad), min(duration, float(e) + pad))
        for s, e in parts
        if min(duration, e) > s
    ]


# ------------------------------------------------------------------------- lyrics files

_TIME = r"(\d+):(\d{1,2})(?:[.:](\d{1,3}))?"
LRC_TIME = re.compile(rf"\[{_TIME}\]")
LRC_WORD_TIME = re.compile(rf"<{_TIME}>")  # enhanced LRC: a time before each word
LRC_OFFSET = re.compile(r"^\[offset:\s*([+-]?\d+)\s*\]$", re.IGNORECASE)
SECTION_MARK = re.compile(r"^\[[^\]]*\]$")  # "[Chorus]" in a plain lyrics file


def read_lyrics_file(path: str | Path, *, analysis: Analysis) -> Lyrics:
    """Timed lines from an LRC file (timestamps as given) or a plain text file (lines aligned
    to the sung parts of the song by tools.lyrics.align)."""
    file = Path(path).expanduser()
    text = read_lyrics_text(file)
    if LRC_TIME.search(text):
        lines = lrc_lines(text, duration=analysis["duration"])
    else:
        stanzas = plain_stanzas(text)
        lines = align_lines(stanzas, analysis) if stanzas else []
    if not lines:
        raise InvalidInputError(
            f"{file.name}: no lyric lines in the file (or none within the song)"
        )
    return lines


def read_plain_stanzas(path: str | Path) -> list[list[str]] | None:
    """The stanzas of a plain lyrics file, for an aligner to time; None for an LRC file, whose
    timings are kept as given."""
    text = read_lyrics_text(Path(path).expanduser())
    return None if LRC_TIME.search(text) else plain_stanzas(text)


def read_lyrics_text(file: Path) -> str:
    """The text of a lyrics file; a missing, unreadable or empty one is a clear error."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInputError(f"{file}: no such lyrics file; check the path") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{file}: is a folder; give one .lrc or .txt lyrics file") from None
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"{file.name}: not a UTF-8 text file; save the lyrics as UTF-8 .lrc or .txt"
        ) from None
    except OSError as error:
        raise InvalidInputError(f"{file}: cannot read the lyrics file ({error.strerror})") from None
    if not text.strip():
        raise InvalidInputError(f"{file.name}: the lyrics file is empty")
    return text


def lrc_lines(text: str, *, duration: float) -> Lyrics:
    """Lines of LRC text: each `[mm:ss.xx]` tag (several on one line repeat it) starts the
    line at that time; the next tag, timed text or not, ends it. `[offset:±ms]` is applied
    (positive shows lyrics earlier); other tags (`[ar:…]`, `[ti:…]`) are ignored."""
    offset = 0.0
    events: list[tuple[float, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if match := LRC_OFFSET.match(line):
            offset = int(match.group(1)) / 1000
            continue
        times = []
        while match := LRC_TIME.match(line):
            times.append(_seconds(match))
            line = line[match.end() :].strip()
        words = " ".join(LRC_WORD_TIME.sub(" ", line).split())
        events += [(t, words) for t in times]
    events.sort(key=lambda event: event[0])
    starts = [max(0.0, t - offset) for t, _ in events] + [duration]
    return [
        {
            "start": _rounded(start),
            "end": _rounded(min(following, start + MAX_LRC_LINE_S, duration)),
            "text": words,
        }
        for (_, words), start, following in zip(events, starts, starts[1:], strict=False)
        if words and start < duration
    ]


def _seconds(match: re.Match[str]) -> float:
    minutes, seconds, fraction = match.groups()
    part = int(fraction) / 10 ** len(fraction) if fraction else 0.0
    return int(minutes) * 60 + int(seconds) + part


def plain_stanzas(text: str) -> list[list[str]]:
    """The lines of plain lyrics in stanzas: a blank line or a section mark such as
    `[Chorus]` starts a new stanza; marks and blank lines are not lines."""
    stanzas: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or SECTION_MARK.match(line):
            if stanzas[-1]:
                stanzas.append([])
        else:
            stanzas[-1].append(line)
    return [stanza for stanza in stanzas if stanza]


def _rounded(seconds: float) -> float:
    return round(float(seconds), 3)
