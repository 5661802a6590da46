"""Model backends end to end through `sound2sight make`, on tiny random-weight checkpoints.

The checkpoints are saved to folders and named on the command line exactly as a user names a
downloaded model (`--tagger clap:/path/to/model`); scores from random weights mean nothing, the
point is that the real loading and inference code runs inside the whole job.
"""

import json

from test_cli import SMALL, sound2sight
from test_critique_embed import save_tiny
from test_tagging_clap import save_tiny_clap


def test_clap_tagger_and_clip_critic_through_make(tmp_path, demo_song):
    clap, clip = tmp_path / "clap", tmp_path / "clip"
    save_tiny_clap(clap, fusion=False)
    save_tiny("clip", clip)
    run_dir, out = tmp_path / "run", tmp_path / "out.mp4"
    result = sound2sight(
        "make", str(demo_song), "-o", str(out), "--run-dir", str(run_dir), "--pipeline", "clap",
        "--tagger", f"clap:{clap}", "--critic", f"clip:{clip}", "--max-retries", "1",
        "--device", "cpu", *SMALL, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.exists()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["backends"]["tagger"] == f"clap:{clap}"
    assert json.loads((run_dir / "tags.json").read_text())["source"] == f"clap:{clap}"
    assert all("style" in s["attempts"][0]["scores"] for s in run["scenes"])
    assert all(len(s["attempts"]) <= 2 for s in run["scenes"])


def test_a_model_that_is_not_there_is_one_clear_line(tmp_path, demo_song):
    result = sound2sight(
        "make", str(demo_song), "--tagger", f"clap:{tmp_path / 'nothing'}",
        "--run-dir", str(tmp_path / "run"), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "nothing" in result.stderr
    assert not (tmp_path / "run").exists()
