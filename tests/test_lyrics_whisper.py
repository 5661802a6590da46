"""Plain lyrics timed by Whisper's cross-attention (`--align-model whisper:…`), on a tiny
random-weight Whisper built in the test."""

import numpy as np
import pytest
import torch
from tiny_models import save_tiny_whisper

from tools.errors import BackendUnavailableError
from tools.lyrics.whisper_aligner import FRAME_S, WhisperAligner, alignment_heads, word_times
from tools.registry import load_backend

LETTERS = ["Ġ", *"abcdefghijklmnopqrstuvwxyz"]  # any word is a space and its letters


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory):
    torch.manual_seed(0)
    return save_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper"), LETTERS)


def test_each_word_starts_where_the_attention_follows_its_first_token():
    """Tokens 0-1 (word one), 2 (word two) and 3 (word three) attend to frames 5-20, 20-30,
    45-60 and 60-80 of 100, in both heads (one of them weaker)."""
    weights = np.zeros((2, 4, 100))
    for token, (a, b) in enumerate([(5, 20), (20, 30), (45, 60), (60, 80)]):
        weights[:, token, a:b] = [[1.0], [0.5]]
    times = word_times(weights, np.array([0, 2, 3, 4]))
    assert times[1][0] == pytest.approx(45 * FRAME_S, abs=2 * FRAME_S)
    assert times[2][0] == pytest.approx(60 * FRAME_S, abs=2 * FRAME_S)
    assert times[0][1] == times[1][0] and times[1][1] == times[2][0]  # a word ends at the next
    assert times[2][1] <= 100 * FRAME_S


def test_the_aligner_loads_whisper_and_times_every_line_in_order_across_windows(tiny_whisper):
    aligner = load_backend("aligner", f"whisper:{tiny_whisper}", device="cpu")
    assert isinstance(aligner, WhisperAligner) and aligner.sr == 16000
    assert alignment_heads(aligner.network) == [(0, 0)]  # the checkpoint's own
    song = (0.1 * np.random.default_rng(0).standard_normal(22050 * 50)).astype(np.float32)
    stanzas = [["Out on the water,", "the lights are low"], ["Carry me home!"], ["over the hills"]]
    read = []
    real_read = aligner.read

    def spy(clip, words, *, last):
        times = real_read(clip, words, last=last)
        read.append((len(clip) / aligner.sr, len(words), len(times), last))
        return times

    aligner.read = spy
    lines = aligner.align(song, 22050, stanzas)
    assert [line["text"] for line in lines] == [t for stanza in stanzas for t in stanza]
    assert read[-1][3] and read[-1][1] == read[-1][2]  # the last window takes every word left
    assert sum(taken for *_, taken, _ in read) == 14  # words
    assert [seconds for seconds, *_ in read][-1] == pytest.approx(20.0, abs=0.01)
    bounds = [t for line in lines for t in (line["start"], line["end"])]
    assert bounds == sorted(bounds) and bounds[0] >= 0.0 and bounds[-1] <= 50.0


def test_a_whisper_aligner_that_is_not_there_is_one_clear_error():
    with pytest.raises(BackendUnavailableError, match="not available"):
        WhisperAligner("nobody/no-such-whisper-model", device="cpu")
