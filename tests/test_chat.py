"""The chat agent: its graph, the offline rule-based agent over a whole conversation, a
tool-calling model (the fake OpenAI-compatible server answering with queued tool calls), and
`sound2sight chat` as a user runs it."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_openai import CHAT, chat_reply
from langchain_core.messages import AIMessage
from langgraph.graph import END
from openai_tools import tool_call_reply

from agent.chat import ChatSession, build_chat_graph, route_model_output
from agent.chat_context import ChatContext
from agent.chat_rules import read_message
from agent.cli import main

SNAPSHOT = Path(__file__).parent / "snapshots" / "chat_graph.mmd"
SMALL = {"width": 96, "height": 54, "fps": 8}
DESERT = "a desert of rolling dunes by day"
CLI_SMALL = ["--resolution", "96x54", "--fps", "8"]


def test_chat_graph_drawing_matches_snapshot():
    drawing = build_chat_graph().get_graph().draw_mermaid()
    assert drawing == SNAPSHOT.read_text(), "graph changed: update tests/snapshots/chat_graph.mmd"


def test_model_output_routes_to_the_tools_while_it_calls_any():
    call = {"name": "status", "args": {}, "id": "1"}
    assert route_model_output({"messages": [AIMessage("", tool_calls=[call])]}) == "tools"
    assert route_model_output({"messages": [AIMessage("Done.")]}) == END


# ---------------------------------------------------------------------------- the rules


def _calls(text, *, has_video=True):
    return [(c.name, c.args) for c in read_message(text, has_video=has_video).calls]


@pytest.mark.parametrize(
    ("text", "has_video", "calls"),
    [
        ("make a melancholic video for this track", False,
         [("make_video", {"request": "make a melancholic video for this track"})]),
        ("an energetic neon video with two dancers", False,
         [("make_video", {"request": "an energetic neon video with two dancers"})]),
        ("make the chorus brighter", True,
         [("revise_scene", {"scenes": ["chorus"], "brightness": "brighter"})]),
        ("scenes 2 to 4 should be darker", True,
         [("revise_scene", {"scenes": ["2", "3", "4"], "brightness": "darker"})]),
        ("the singer should wear red", True,
         [("set_character", {"character": "singer", "outfit": "red"})]),
        ("redo scene 3", True, [("revise_scene", {"scenes": ["3"], "redo": True})]),
        ("whip pans in the chorus", True,
         [("revise_scene", {"scenes": ["chorus"], "camera": "whip pan"})]),
        ("make it handheld", True, [("revise_scene", {"scenes": ["all"], "camera": "handheld"})]),
        ("move the bridge to the desert", True,
         [("revise_scene", {"scenes": ["bridge"], "setting": DESERT})]),
        ("use the audio-LM pipeline", True, [("set_pipeline", {"pipeline": "lalm"})]),
        ("make it neon with pink accents", True,
         [("set_style", {"style": "neon", "colors": ["pink"]})]),
        ("make it more melancholic", True, [("set_style", {"mood": "melancholic"})]),
        ("show me the plan", True, [("show_plan", {})]),
        ("what's the tempo?", True, [("analyze_song", {})]),
        ("status", True, [("status", {})]),
        ("make a new video with a robot", True,
         [("make_video", {"request": "make a new video with a robot"})]),
    ],
)  # fmt: skip
def test_rules_map_requests_to_tool_calls(text, has_video, calls):
    assert _calls(text, has_video=has_video) == calls


def test_rules_say_what_they_did_not_understand():
    reading = read_message("make the chorus brighter and more flibbery", has_video=True)
    assert reading.calls and reading.unknown == ["flibbery"]
    nothing = read_message("blorp", has_video=True)
    assert nothing.calls == [] and nothing.unknown == ["blorp"]
    early = read_message("redo scene 3", has_video=False)
    assert early.calls == [] and "no video" in early.notes[0]


# ---------------------------------------------------------------------------- offline conversation


TURNS = [
    "make a melancholic video for this track with a singer",
    "make the chorus brighter",
    "the singer should wear yellow",
    "redo scene 3 please",
    "use the audio-LM pipeline",
    "wibble the chorus",
    "redo scene 42",
]


@pytest.fixture(scope="module")
def conversation(demo_song, tmp_path_factory):
    """The whole offline conversation, each turn with its events and the state after it."""
    root = tmp_path_factory.mktemp("chat")
    context = ChatContext(workspace=str(root), settings=SMALL)
    session = ChatSession(db=root / "chat.sqlite", context=context, thread_id="talk")
    turns = []
    for text in TURNS:
        events = []
        turn = session.send(text, song=demo_song, on_event=events.append)
        turns.append({"turn": turn, "events": events, "values": session.values()})
    return root, turns


def _rendered(events):
    return sorted({e["scene"] for e in events if e.get("stage") == "generate"})


def _plan(run):
    return json.loads(Path(run, "plan.json").read_text())


def test_first_turn_makes_the_video_and_answers_with_its_path(conversation):
    root, turns = conversation
    first = turns[0]
    answer = first["turn"].answer.splitlines()
    assert answer[-1] == first["turn"].video == str(root / "talk" / "v1" / "video.mp4")
    assert Path(first["turn"].video).exists() and answer[0].startswith("Made “")
    assert any(e.get("stage") == "tool" and "make_video(" in e["message"] for e in first["events"])
    plan = _plan(root / "talk" / "v1")
    assert plan["bible"]["mood"] == "melancholic"
    assert any(c["figure"] == "singer" for c in plan["characters"])


def test_brighter_chorus_renders_only_the_chorus(conversation):
    root, turns = conversation
    plan = _plan(root / "talk" / "v1")
    choruses = [s["id"] for s in plan["scenes"] if s["section_label"] == "chorus"]
    assert choruses and _rendered(turns[1]["events"]) == choruses
    v2 = _plan(root / "talk" / "v2")
    for old, new in zip(plan["scenes"], v2["scenes"], strict=True):
        assert (old["setting"] != new["setting"]) == (old["id"] in choruses)
    assert turns[1]["turn"].answer.splitlines()[-1] == str(root / "talk" / "v2" / "video.mp4")


def test_recolour_and_redo_change_only_what_they_must(conversation):
    root, turns = conversation
    v3 = _plan(root / "talk" / "v3")
    singer = next(c for c in v3["characters"] if c["figure"] == "singer")
    assert singer["colors"]["outfit"] == "#ffd60a" and "yellow" in singer["description"]
    showing = [s["id"] for s in v3["scenes"] if singer["id"] in s["characters"]]
    assert _rendered(turns[2]["events"]) == showing
    assert _rendered(turns[3]["events"]) == ["s03"]
    assert _plan(root / "talk" / "v4") == v3  # a redo changes no plan, only the take


def test_pipeline_switch_keeps_the_earlier_changes(conversation):
    root, turns = conversation
    settings = json.loads((root / "talk" / "v5" / "settings.json").read_text())
    assert settings["context"]["pipeline"] == "lalm"
    v5 = _plan(root / "talk" / "v5")
    assert any(c["colors"]["outfit"] == "#ffd60a" for c in v5["characters"])
    assert "applied again" in turns[4]["turn"].answer


def test_unknown_words_are_named_and_nothing_is_made(conversation):
    _, turns = conversation
    last = turns[5]
    assert "“wibble”" in last["turn"].answer and last["turn"].video is None
    assert len(last["values"]["runs"]) == 5


def test_a_failing_tool_is_reported_and_changes_nothing(conversation):
    _, turns = conversation
    last = turns[6]
    assert last["turn"].answer.startswith("That did not work (revise_scene): error: there is no")
    assert last["turn"].video is None and len(last["values"]["runs"]) == 5


def test_conversation_resumes_by_thread_id(conversation, demo_song):
    root, _ = conversation
    again = ChatSession(
        db=root / "chat.sqlite",
        context=ChatContext(workspace=str(root), settings=SMALL),
        thread_id="talk",
    )
    turn = again.send("status")
    assert turn.answer.splitlines()[-1] == str(root / "talk" / "v5" / "video.mp4")
    assert len(again.values()["runs"]) == 5
    with pytest.raises(Exception, match="is about"):
        again.send("status", song=demo_song.with_name("other.wav"))


# ---------------------------------------------------------------------------- a tool-calling model


def test_tool_calling_model_drives_the_same_tools(fake_openai, demo_song, tmp_path):
    fake_openai.enqueue(CHAT, tool_call_reply("make_video", {"request": "a dreamy video"}))
    fake_openai.enqueue(CHAT, chat_reply("Here is your dreamy video."))
    fake_openai.enqueue(
        CHAT, tool_call_reply("revise_scene", {"scenes": ["s99"], "redo": True}, call_id="c2")
    )
    fake_openai.enqueue(
        CHAT, tool_call_reply("revise_scene", {"scenes": ["s02"], "redo": True}, call_id="c3")
    )
    fake_openai.enqueue(CHAT, chat_reply("Scene 2 is new."))
    context = ChatContext(model="openai:fake-model", workspace=str(tmp_path), settings=SMALL)
    session = ChatSession(db=tmp_path / "chat.sqlite", context=context, thread_id="llm")

    first = session.send("make me something dreamy", song=demo_song)
    assert first.answer == "Here is your dreamy video."
    assert first.video == str(tmp_path / "llm" / "v1" / "video.mp4")
    second = session.send("redo the second scene")
    assert second.video == str(tmp_path / "llm" / "v2" / "video.mp4")
    assert fake_openai.pending() == 0

    bodies = fake_openai.bodies()
    assert bodies[0]["model"] == "fake-model" and bodies[0]["parallel_tool_calls"] is False
    names = {tool["function"]["name"] for tool in bodies[0]["tools"]}
    assert {"make_video", "revise_scene", "set_style", "show_plan", "status"} <= names
    assert "runtime" not in json.dumps(bodies[0]["tools"])
    assert bodies[0]["messages"][0]["role"] == "system"
    made = bodies[1]["messages"][-1]
    assert made["role"] == "tool" and made["content"].startswith("Made “")
    refused = bodies[3]["messages"][-1]  # a wrong scene goes back to the model as an error
    assert refused["role"] == "tool" and "error: there is no scene 's99'" in refused["content"]


def test_unreachable_model_is_one_clear_error(fake_openai, demo_song, tmp_path):
    from tools.errors import TransientBackendError

    context = ChatContext(model="openai:fake-model", workspace=str(tmp_path), settings=SMALL)
    session = ChatSession(db=tmp_path / "chat.sqlite", context=context)
    with pytest.raises(TransientBackendError, match="501"):
        session.send("make a video", song=demo_song)


# ---------------------------------------------------------------------------- the command


def test_chat_command_talks_and_resumes(demo_song, tmp_path, capsys, monkeypatch):
    first = subprocess.run(
        [sys.executable, "-m", "agent.cli", "chat", str(demo_song), *CLI_SMALL,
         "-m", "make a melancholic video", "-m", "redo scene 2",
         "--workspace", str(tmp_path / "chats")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "rule-based agent" in first.stderr
    assert "make_video(request='make a melancholic video')" in first.stderr
    thread = first.stderr.split("--thread ")[1].split()[0]
    videos = [line for line in first.stdout.splitlines() if line.endswith("video.mp4")]
    assert videos == [
        str(tmp_path / "chats" / thread / "v1" / "video.mp4"),
        str(tmp_path / "chats" / thread / "v2" / "video.mp4"),
    ]

    monkeypatch.setattr("sys.stdin", io.StringIO("status\n"))  # typed lines, not a terminal
    assert main(["chat", "--thread", thread, "--workspace", str(tmp_path / "chats")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == videos[-1]

    assert main(["chat", "--thread", "nope", "--workspace", str(tmp_path / "chats")]) == 2
    assert "no conversation 'nope'" in capsys.readouterr().err
