"""The project's graphs behind the LangGraph API server: `langgraph dev` (langgraph-cli's
in-memory runtime) on 127.0.0.1, serving langgraph.json's graphs, driven by `langgraph_sdk` as
Agent Chat UI or any other LangGraph client drives it.

The server runs in a process of its own, under tests/subprocess_guard.py's network guard; the
test reads the server's log for any attempt to leave the machine (LangSmith, PyPI version
checks, analytics).
"""

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client
from serving import free_port
from subprocess_guard import assert_stayed_local, guarded_env

from tools.ffmpeg import video_info

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"width": 96, "height": 54, "fps": 8}
QUIET = {  # no tracing, no analytics, no version check: a dev server that stays on this machine
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
}


def server_config(folder: Path) -> Path:
    """The project's langgraph.json with its paths made absolute, so the server can run in a
    scratch folder (the in-memory runtime keeps its state in `.langgraph_api/` of the folder
    it runs in)."""
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str((ROOT / dep).resolve()) for dep in config["dependencies"]]
    for name, spec in config["graphs"].items():
        path, _, variable = spec.partition(":")
        config["graphs"][name] = f"{(ROOT / path).resolve()}:{variable}"
    out = folder / "langgraph.json"
    out.write_text(json.dumps(config))
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`langgraph dev` on a free loopback port, once it answers; its log after it stopped."""
    folder = tmp_path_factory.mktemp("langgraph")
    env = guarded_env(folder) | QUIET
    port = free_port()
    log = folder / "server.log"
    langgraph = Path(sys.executable).parent / "langgraph"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(langgraph), "dev", "--host", "127.0.0.1", "--port", str(port), "--no-browser",
             "--no-reload", "--config", str(server_config(folder))],
            cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"langgraph dev exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"langgraph dev did not answer:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    yield get_sync_client(url=url, timeout=120), folder, log
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _turn(client, thread_id: str, inputs: dict, context: dict) -> tuple[list[dict], dict]:
    """One run of the chat graph, streamed as a chat front end streams it: its progress
    events, and the thread's state after it."""
    progress, last_values = [], None
    for part in client.runs.stream(
        thread_id, "chat", input=inputs, context=context, stream_mode=["values", "custom"]
    ):
        assert part.event != "error", part.data
        if part.event == "custom":
            progress.append(part.data)
        elif part.event == "values":
            last_values = part.data
    state = client.threads.get_state(thread_id)["values"]
    assert last_values == state  # the streamed values end where the thread is
    return progress, state


def _check_chat_ui_conventions(messages: list[dict]) -> None:
    """What Agent Chat UI expects of a thread: ids on every message, tool calls with ids that
    the tool messages answer, in order."""
    open_calls: dict[str, str] = {}
    for message in messages:
        assert message["id"] and message["type"] in ("human", "ai", "tool")
        if message["type"] == "ai":
            assert not open_calls, f"unanswered tool calls {open_calls}"
            for call in message["tool_calls"]:
                assert call["id"] and call["type"] == "tool_call"
                open_calls[call["id"]] = call["name"]
        elif message["type"] == "tool":
            assert open_calls.pop(message["tool_call_id"]) == message["name"]
    assert not open_calls and messages[-1]["type"] == "ai" and messages[-1]["content"]


def test_chat_graph_makes_a_video_and_revises_it_on_one_thread(server, demo_song):
    client, folder, _ = server
    assistants = {a["graph_id"] for a in client.assistants.search()}
    assert assistants == {"chat", "video"}
    thread = client.threads.create()["thread_id"]
    context = {"workspace": str(folder / "chats"), "settings": SMALL}

    first = {
        "messages": [{"role": "user", "content": "make a melancholic video for this track"}],
        "song": str(demo_song),
    }
    progress, state = _turn(client, thread, first, context)
    stages = [event["stage"] for event in progress]
    assert {"analyze", "write", "generate", "critique", "assemble"} <= set(stages)
    assert stages.index("analyze") < stages.index("generate") < stages.index("assemble")
    messages = state["messages"]
    _check_chat_ui_conventions(messages)
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai"]
    assert messages[1]["tool_calls"][0]["name"] == "make_video"
    video = Path(folder / "chats" / thread / "v1" / "video.mp4")
    assert messages[-1]["content"].splitlines()[-1] == str(video)
    assert (video_info(str(video)).width, video_info(str(video)).height) == (96, 54)
    assert state["song"] == str(demo_song) and state["runs"] == [str(video.parent)]

    second = {"messages": [{"role": "user", "content": "make the chorus brighter"}]}
    progress, state = _turn(client, thread, second, context)
    assert progress[0]["stage"] == "revise" and progress[0]["tool"] == "revise"
    messages = state["messages"]
    _check_chat_ui_conventions(messages)
    call = messages[5]["tool_calls"][0]
    assert call["name"] == "revise_scene"
    assert call["args"] == {"scenes": ["chorus"], "brightness": "brighter"}
    revised = folder / "chats" / thread / "v2" / "video.mp4"
    assert messages[-1]["content"].splitlines()[-1] == str(revised) and revised.is_file()
    assert state["runs"] == [str(video.parent), str(revised.parent)]
    rendered = {e["scene"] for e in progress if e["stage"] == "generate"}
    plan = json.loads((revised.parent / "plan.json").read_text())
    chorus = {s["id"] for s in plan["scenes"] if s["section_label"] == "chorus"}
    assert rendered == chorus and len(chorus) < len(plan["scenes"])


def test_chat_graph_takes_a_song_attached_to_the_message(server, demo_song):
    """As Agent Chat UI sends a file: a content block in the message, no `song` key."""
    client, folder, _ = server
    thread = client.threads.create()["thread_id"]
    context = {"workspace": str(folder / "chats"), "settings": SMALL}
    attachment = {
        "type": "file",
        "source_type": "base64",
        "mime_type": "audio/wav",
        "data": base64.b64encode(demo_song.read_bytes()).decode(),
        "metadata": {"filename": demo_song.name},
    }
    text = {"type": "text", "text": "make a melancholic video for this track"}
    inputs = {"messages": [{"role": "user", "content": [text, attachment]}]}
    _, state = _turn(client, thread, inputs, context)
    _check_chat_ui_conventions(state["messages"])
    songs = folder / "chats" / thread / "songs"
    assert Path(state["song"]).parent == songs
    assert Path(state["song"]).read_bytes() == demo_song.read_bytes()
    assert state["messages"][0]["content"][1]["text"] == f"(the song, saved as {state['song']})"
    video = folder / "chats" / thread / "v1" / "video.mp4"
    assert state["messages"][-1]["content"].splitlines()[-1] == str(video) and video.is_file()


def test_video_graph_runs_with_a_song_and_a_request(server, demo_song):
    client, folder, _ = server
    thread = client.threads.create()["thread_id"]
    run_dir = folder / "video-run"
    context = {"run_dir": str(run_dir), "output": str(run_dir / "video.mp4"), **SMALL}
    inputs = {"song": str(demo_song), "request": "an energetic neon video with two dancers"}
    values = client.runs.wait(thread, "video", input=inputs, context=context)
    assert values["video"] == str(run_dir / "video.mp4")
    assert video_info(values["video"]).width == 96
    assert values["plan"]["bible"]["look"] == "neon"
    assert (run_dir / "report.md").is_file() and (run_dir / "plan.json").is_file()


def test_the_server_stayed_on_this_machine(server):
    *_, log = server
    assert_stayed_local(log.read_text())
