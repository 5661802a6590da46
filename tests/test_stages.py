"""Stage-wise loading: a model loads when its stage starts and is released when a later
stage has no use for it (or it does not fit beside the next one); only the pipeline's roles
load; `make` refuses a plan that does not fit before it loads anything."""

import functools
import gc
import weakref

import pytest
from test_cli import SMALL
from tiny_models import save_tiny_clap, save_tiny_clip

from agent.cli import build_parser, context_from_args, main
from tools.critique import embeddings as critique_embed
from tools.registry import loaded_roles
from tools.tagging import clap as tagging_clap


def _context(*flags):
    args = build_parser().parse_args(["make", "song.wav", *flags])
    return context_from_args(args, song="song.wav", output=None)


@pytest.mark.parametrize(
    ("pipeline", "ears"),
    [("clap", {"tagger"}), ("lalm", {"listener"}), ("hybrid", {"tagger", "listener"})],
)
def test_only_the_pipeline_s_roles_are_used(pipeline, ears):
    roles = set(_context("--profile", "gpu", "--pipeline", pipeline).backends())
    assert roles == ears | {"writer", "video", "critic", "lyrics"}


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    save_tiny_clap(folder / "clap", fusion=False)
    save_tiny_clip(folder / "clip")
    return folder


def test_a_model_is_released_before_the_next_stage_s_model_loads(
    tiny_models, demo_song, tmp_path, monkeypatch
):
    events: list[tuple[str, bool | None]] = []
    refs: dict[str, weakref.ref] = {}

    def watch(cls, role):
        real = cls.__init__

        @functools.wraps(real)
        def init(self, *args, **kwargs):
            gc.collect()
            alive = {r: ref() is not None for r, ref in refs.items()}
            events.append((f"load {role}", alive.get("tagger")))
            real(self, *args, **kwargs)
            refs[role] = weakref.ref(self)

        monkeypatch.setattr(cls, "__init__", init)

    watch(tagging_clap.ClapTagger, "tagger")
    watch(critique_embed.ClipCritic, "critic")
    real_tag = tagging_clap.ClapTagger.tag

    def tag(self, *args, **kwargs):
        events.append(("tag", "tagger" in loaded_roles()))
        return real_tag(self, *args, **kwargs)

    monkeypatch.setattr(tagging_clap.ClapTagger, "tag", tag)
    code = main([
        "make", str(demo_song), "-o", str(tmp_path / "out.mp4"), "--run-dir", str(tmp_path / "run"),
        "--pipeline", "clap", "--tagger", f"clap:{tiny_models / 'clap'}",
        "--critic", f"clip:{tiny_models / 'clip'}", "--max-retries", "0", "--device", "cpu",
        "-q", *SMALL,
    ])  # fmt: skip
    assert code == 0
    # nothing loaded before the run; the tagger loaded for its stage, released (dead) before
    # the critic loaded; the critic released at the end of the run
    assert events == [("load tagger", None), ("tag", True), ("load critic", False)]
    gc.collect()
    assert refs["tagger"]() is None and refs["critic"]() is None
    assert not loaded_roles() & {"tagger", "critic"}


def test_make_refuses_a_plan_that_does_not_fit_before_loading_anything(
    tiny_models, demo_song, tmp_path, monkeypatch, capsys
):
    from tools import memory_plan

    monkeypatch.setattr(memory_plan, "free_memory", lambda device: 1000)
    loaded = []
    real = tagging_clap.ClapTagger.__init__
    monkeypatch.setattr(
        tagging_clap.ClapTagger,
        "__init__",
        functools.wraps(real)(lambda self, *a, **k: loaded.append(self)),
    )
    code = main([
        "make", str(demo_song), "--run-dir", str(tmp_path / "run"), "--pipeline", "clap",
        "--tagger", f"clap:{tiny_models / 'clap'}", "--device", "cpu", "--seed", "7", "-q",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and not loaded and not (tmp_path / "run").exists()
    assert err.count("\n") == 1 and "do not fit cpu" in err and "tag needs" in err
    assert "--pipeline lalm would fit" in err  # its listener is the offline one


def test_stages_of_different_models_take_turns_and_one_model_s_stages_share():
    import threading
    import time

    from agent.context import _Turnstile

    turns, log = _Turnstile(), []

    def use(role, seconds):
        with turns.turn(role):
            log.append(f"+{role}")
            time.sleep(seconds)
            log.append(f"-{role}")

    first = [threading.Thread(target=use, args=("video", 0.2)) for _ in range(2)]
    for t in first:
        t.start()
    time.sleep(0.05)
    critic = threading.Thread(target=use, args=("critic", 0.0))
    critic.start()
    for t in [*first, critic]:
        t.join()
    assert log[:2] == ["+video", "+video"], "two clips of one model render at once"
    assert log[4:] == ["+critic", "-critic"], "the critic waits for the video stage to end"
