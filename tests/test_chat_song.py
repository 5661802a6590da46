"""A song in the user's message (agent/chat_song.py): an audio attachment as Agent Chat UI and
LangChain send it, a path or a loopback http URL in the text; and the chat graph making a
video of an attached song with no `song` input key."""

import base64
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent.chat import ChatSession, build_chat_graph
from agent.chat_context import ChatContext
from agent.chat_song import song_in_message
from tools.errors import InvalidInputError
from tools.ffmpeg import video_info

SMALL = {"width": 96, "height": 54, "fps": 8}


def _chat_ui_block(path, mime="audio/wav") -> dict:
    """An attachment as Agent Chat UI sends it."""
    return {"type": "file", "source_type": "base64", "mime_type": mime,
            "data": base64.b64encode(path.read_bytes()).decode(),
            "metadata": {"filename": path.name}}  # fmt: skip


def test_an_agent_chat_ui_attachment_is_saved_and_leaves_the_message(demo_song, tmp_path):
    message = HumanMessage(
        id="m1", content=[{"type": "text", "text": "make it dark"}, _chat_ui_block(demo_song)]
    )
    song, kept = song_in_message(message, tmp_path)
    assert song.startswith(str(tmp_path / "songs" / "demo_song-")) and song.endswith(".wav")
    assert Path(song).read_bytes() == demo_song.read_bytes()
    assert kept.id == "m1" and kept.content == [
        {"type": "text", "text": "make it dark"},
        {"type": "text", "text": f"(the song, saved as {song})"},
    ]


def test_a_langchain_audio_block_without_a_name_gets_its_suffix_from_the_mime_type(
    demo_song, tmp_path
):
    block = {"type": "audio", "mime_type": "audio/x-wav",
             "base64": base64.b64encode(demo_song.read_bytes()).decode()}  # fmt: skip
    song, _ = song_in_message(HumanMessage(content=[block]), tmp_path)
    assert song.startswith(str(tmp_path / "songs" / "song-")) and song.endswith(".wav")


def test_a_path_or_a_url_in_the_text_names_the_song(demo_song, tmp_path):
    text = f"make a melancholic video for {demo_song}, please"
    song, kept = song_in_message(HumanMessage(content=text), tmp_path)
    assert song == str(demo_song.resolve()) and kept.content == text
    handler = partial(SimpleHTTPRequestHandler, directory=str(demo_song.parent))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{demo_song.name}"
        song, _ = song_in_message(HumanMessage(content=f"this one: {url}"), tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert song.startswith(str(tmp_path / "songs" / "demo_song-"))
    assert Path(song).read_bytes() == demo_song.read_bytes()
    assert song_in_message(HumanMessage(content="make the chorus brighter"), tmp_path) is None


def test_what_is_not_a_song_is_refused_and_not_kept(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a song\n" * 100)
    with pytest.raises(InvalidInputError, match="not audio"):
        song_in_message(HumanMessage(content=[_chat_ui_block(notes, "audio/wav")]), tmp_path)
    assert not list((tmp_path / "songs").iterdir())
    with pytest.raises(InvalidInputError, match="no song at"):
        song_in_message(HumanMessage(content="use /no/such/song.mp3"), tmp_path)


def test_the_chat_graph_makes_a_video_of_an_attached_song(demo_song, tmp_path):
    graph = build_chat_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "ui"}}
    context = ChatContext(workspace=str(tmp_path), settings=SMALL)
    ask = [{"type": "text", "text": "make a melancholic video for this track"},
           _chat_ui_block(demo_song)]  # fmt: skip
    values = graph.invoke({"messages": [HumanMessage(ask)]}, config, context=context)
    assert values["song"].startswith(str(tmp_path / "ui" / "songs" / "demo_song-"))
    video = tmp_path / "ui" / "v1" / "video.mp4"
    assert values["messages"][-1].content.splitlines()[-1] == str(video)
    assert video_info(str(video)).width == 96
    assert ask[1]["data"][1000:1100] not in str(values["messages"])  # no audio in the state

    notes = tmp_path / "notes.txt"
    notes.write_text("not a song\n" * 100)
    bad = [{"type": "text", "text": "now this one"}, _chat_ui_block(notes)]
    values = graph.invoke({"messages": [HumanMessage(bad)]}, config, context=context)
    assert values["messages"][-1].content.startswith("I cannot use that song: ")
    assert values["messages"][-2].content[1]["text"] == "(an attached song that could not be used)"
    assert values["runs"] == [str(video.parent)]  # the conversation goes on as it was


def test_a_session_whose_song_is_given_reads_no_song_from_its_users_words(demo_song, tmp_path):
    """`serve`, the bots and the CLI chat go through ChatSession: a path in a message is words."""
    session = ChatSession(db=tmp_path / "chat.sqlite", context=ChatContext(workspace=str(tmp_path)))
    turn = session.send(f"status of {demo_song}")
    assert turn.answer.startswith("No song yet.") and "song" not in session.values()
