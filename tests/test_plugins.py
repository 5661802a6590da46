"""Backends from other packages (entry points), the role check, `backends` and `--version`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools import registry
from tools.errors import BackendUnavailableError
from tools.registry import Plugin, backend_class, check_role, kinds

PLUGIN = '''"""A third-party video backend: the procedural one, noting each scene it renders."""

import os

from tools.video.procedural_video import ProceduralVideo


class StampedVideo(ProceduralVideo):
    name = "stamped"

    def render(self, scene, **kwargs):
        with open(os.environ["STAMP_FILE"], "a") as f:
            f.write(scene["id"] + "\\n")
        return super().render(scene, **kwargs)


class NotACritic:
    name = "broken"
'''
PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "s2s-stamped"
version = "0.1"

[project.entry-points."sound2sight.backends"]
"video.stamped" = "s2s_stamped:StampedVideo"
"critic.broken" = "s2s_stamped:NotACritic"
"video.procedural" = "s2s_stamped:StampedVideo"
"scenery.trees" = "s2s_stamped:StampedVideo"

[tool.setuptools]
py-modules = ["s2s_stamped"]
"""


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The tiny plugin distribution, built and installed with pip into its own folder."""
    src, site = tmp_path_factory.mktemp("plugin_src"), tmp_path_factory.mktemp("plugin_site")
    (src / "pyproject.toml").write_text(PYPROJECT)
    (src / "s2s_stamped.py").write_text(PLUGIN)
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    install += ["--no-build-isolation", "--target", str(site), str(src)]
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    assert (site / "s2s_stamped.py").exists()
    return site


def cli(*args: str, site: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": path, **env},
    )  # fmt: skip


def test_an_installed_plugin_backend_makes_the_video(plugin_site, demo_song, tmp_path):
    stamps = tmp_path / "stamps.txt"
    out = tmp_path / "video.mp4"
    run = cli(
        "make", str(demo_song), "-q", "--video", "stamped", "-o", str(out),
        "--run-dir", str(tmp_path / "run"), "--resolution", "128x72", "--fps", "8",
        site=plugin_site, cwd=tmp_path, STAMP_FILE=str(stamps),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert out.stat().st_size > 0
    scenes = json.loads((tmp_path / "run" / "run.json").read_text())["scenes"]
    assert sorted(set(stamps.read_text().split())) == sorted(s["id"] for s in scenes)


def test_backends_lists_plugins_and_says_why_one_is_ignored(plugin_site, tmp_path):
    run = cli("backends", "--json", site=plugin_site, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    table = json.loads(run.stdout)
    video = next(r for r in table["roles"] if r["role"] == "video")
    plugin = next(k for k in video["kinds"] if k["kind"] == "stamped")
    assert (
        plugin["source"] == "plugin s2s-stamped" and plugin["target"] == "s2s_stamped:StampedVideo"
    )
    assert video["methods"] == ["anchors", "render"]
    problems = {i["entry_point"]: i["problem"] for i in table["ignored"]}
    assert "built in" in problems["video.procedural"]  # a plugin never replaces a built-in kind
    assert "ROLE.KIND" in problems["scenery.trees"]
    clap = next(k for r in table["roles"] for k in r["kinds"] if k["kind"] == "clap")
    assert clap["extra"] == "ml"
    text = cli("backends", site=plugin_site, cwd=tmp_path).stdout
    assert "stamped" in text and "plugin s2s-stamped" in text and "ignored video.procedural" in text


def test_a_plugin_that_is_not_its_role_is_refused_by_name(plugin_site, demo_song, tmp_path):
    run = cli(
        "make", str(demo_song), "-q", "--critic", "broken", "--run-dir", str(tmp_path / "run"),
        site=plugin_site, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode != 0
    assert "is not a critic backend: it lacks score" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "run" / "video.mp4").exists()


def test_the_role_check_names_the_missing_methods():
    class Half:
        def anchors(self): ...

    with pytest.raises(BackendUnavailableError, match="it lacks render"):
        check_role("video", Half, target="video backend 'half'")
    check_role("video", backend_class("video", "procedural"), target="procedural")


def test_plugin_kinds_join_the_built_in_ones(monkeypatch):
    found = (
        Plugin("tagger", "beats", "tools.tagging.features:FeatureTagger", "s2s-beats"),
        Plugin("tagger", "features", "elsewhere:Tagger", "s2s-bad", "built in"),
    )
    monkeypatch.setattr(registry, "plugins", lambda: found)
    assert kinds("tagger")["beats"] == "tools.tagging.features:FeatureTagger"
    assert kinds("tagger")["features"] == registry.BACKENDS["tagger"]["features"]
    assert backend_class("tagger", "beats").__name__ == "FeatureTagger"
    with pytest.raises(BackendUnavailableError, match="unknown role"):
        kinds("narrator")


def test_version_is_the_installed_distributions(tmp_path):
    from importlib.metadata import version

    run = subprocess.run(
        [sys.executable, "-m", "agent.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == f"sound2sight {version('sound2sight')}"
