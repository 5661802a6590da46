"""The CTC aligner: forced alignment on emissions whose answer is known, and the real loading
and inference path on a tiny random-weight wav2vec2 CTC model built in the test."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from tiny_models import save_tiny_wav2vec2

from tools.errors import BackendUnavailableError, InvalidInputError
from tools.lyrics.ctc_aligner import CtcAligner, forced_alignment
from tools.registry import load_backend


@pytest.fixture(scope="module")
def tiny_wav2vec2(tmp_path_factory):
    return save_tiny_wav2vec2(tmp_path_factory.mktemp("tiny-wav2vec2"))


def test_forced_alignment_finds_the_frames_each_token_is_heard_at():
    """Tokens 3, 4, 4, 5 heard at frames 2-3, 5, 7, 9-10 (blank elsewhere): the path must put
    a blank between the two 4s and start each token where it is heard."""
    frames, vocabulary = 12, 6
    log_probs = np.full((frames, vocabulary), np.log(0.02))
    heard = {2: 3, 3: 3, 5: 4, 7: 4, 9: 5, 10: 5}
    for t in range(frames):
        log_probs[t, heard.get(t, 0)] = np.log(0.9)
    assert forced_alignment(log_probs, np.array([3, 4, 4, 5]), blank=0).tolist() == [2, 5, 7, 9]


def test_forced_alignment_refuses_more_characters_than_frames():
    with pytest.raises(InvalidInputError, match="too short for its lyrics"):
        forced_alignment(np.zeros((3, 5)), np.array([1, 1, 2]), blank=0)  # 1 _ 1 2: 4 frames


def test_the_aligner_loads_a_ctc_model_and_times_every_line_in_order(tiny_wav2vec2):
    aligner = load_backend("aligner", f"ctc:{tiny_wav2vec2}", device="cpu")
    assert isinstance(aligner, CtcAligner) and aligner.sr == 16000
    song = (0.1 * np.random.default_rng(0).standard_normal(22050 * 30)).astype(np.float32)
    stanzas = [["Out on the water,", "the lights are low"], ["Carry me home!"]]
    lines = aligner.align(song, 22050, stanzas)  # two windows of the model's input
    assert [line["text"] for line in lines] == [t for stanza in stanzas for t in stanza]
    bounds = [t for line in lines for t in (line["start"], line["end"])]
    assert bounds == sorted(bounds) and bounds[0] >= 0.0 and bounds[-1] <= 30.0
    assert all(line["end"] > line["start"] for line in lines)


def test_the_tokens_follow_the_vocabulary_s_case_and_skip_unknown_characters(tiny_wav2vec2):
    aligner = CtcAligner(str(tiny_wav2vec2), device="cpu")
    ids, owners = aligner.tokens(["Go, go!", "ÉA"])
    vocab = aligner.processor.tokenizer.get_vocab()
    assert ids.tolist() == [vocab[c] for c in "go|go|a"]  # É is not in the vocabulary
    assert owners.tolist() == [0, 0, 0, 0, 0, -1, 1]
    with pytest.raises(InvalidInputError, match="no characters"):
        aligner.tokens(["ok", "!!!"])


def test_a_ctc_model_that_is_not_there_is_one_clear_error():
    with pytest.raises(BackendUnavailableError, match="not available"):
        CtcAligner("nobody/no-such-ctc-model", device="cpu")


@pytest.mark.slow
def test_make_times_a_plain_lyrics_file_with_the_align_model(tiny_wav2vec2, demo_song, tmp_path):
    lyrics = tmp_path / "song.txt"
    lyrics.write_text("walking through the sand\n\nhome again\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable, "-m", "agent.cli", "make", str(demo_song), "--lyrics", str(lyrics),
            "--align-model", f"ctc:{tiny_wav2vec2}", "--device", "cpu", "--run-dir", str(run_dir),
            "--resolution", "128x72", "--fps", "8",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = json.loads((run_dir / "lyrics.json").read_text())
    assert [line["text"] for line in lines] == ["walking through the sand", "home again"]
    assert 0.0 <= lines[0]["start"] < lines[0]["end"] <= lines[1]["start"] < lines[1]["end"]
    settings = json.loads((run_dir / "settings.json").read_text())["context"]
    assert settings["aligner"] == f"ctc:{tiny_wav2vec2}"
