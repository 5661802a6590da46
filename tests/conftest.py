"""Shared fixtures. Nothing in the test suite may reach the network."""

import os
import socket
from pathlib import Path

import pytest
from loopback import is_loopback

pytest_plugins = ["fake_openai"]  # the `fake_openai` fixture, for every test

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)

ROOT = Path(__file__).resolve().parents[1]
SHARED_AUDIO = ROOT.parent / "shared" / "audio"


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Fail any test that opens a connection to anything but this machine."""
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: object):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = real_connect


def shared_track(name: str) -> Path:
    """A track from ../shared/audio/tracks, or skip the test when that folder is absent."""
    path = SHARED_AUDIO / "tracks" / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def demo_song(tmp_path_factory) -> Path:
    """The synthesized ~30 s demo song (the project's own audio)."""
    from tools.audio.demo_song import synthesize_demo

    path = tmp_path_factory.mktemp("demo") / "demo_song.wav"
    synthesize_demo(str(path))
    return path
