"""Sections the user gives (`--sections`): read, checked, and used by the plan and the cuts in
make, chat, batch and the HTTP API."""

import json
import time

import pytest
from analyses import make_analysis
from fastapi.testclient import TestClient
from langgraph.checkpoint.memory import InMemorySaver
from test_cli import SMALL, sound2sight

from agent.batch import discover, song_settings
from agent.cli import build_parser
from agent.context import Context
from agent.executor import LocalExecutor
from agent.graph import build_graph
from agent.jobs import JobStore
from agent.server import create_app
from tools.audio.sections import format_sections, parse_sections, read_sections, user_sections
from tools.errors import InvalidInputError
from tools.files import write_json
from tools.lyrics.lines import read_lyrics_file

DEMO_SECTIONS = "0:intro,6.5:verse,14:chorus,25.2:outro"


def test_inline_lists_files_and_file_text_give_the_same_marks(tmp_path):
    marks = [(0.0, "intro"), (10.8, "verse"), (32.0, "chorus"), (61.25, "pre-chorus 2")]
    file = tmp_path / "song.sections.txt"
    file.write_text(
        "# start label\n0 intro\n10.8 verse\n\n32   chorus  # the big one\n61.25 pre-chorus 2\n"
    )
    assert read_sections(str(file)) == marks
    assert parse_sections(file.read_text()) == marks
    assert read_sections(" 0:intro, 10.8 : verse,32:chorus,61.25:pre-chorus 2 ") == marks
    assert format_sections(marks) == "0:intro,10.8:verse,32:chorus,61.25:pre-chorus 2"
    assert parse_sections(format_sections(marks)) == marks


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("0:intro,32:chorus,10.8:verse", "verse at 10.8 s does not come after 32 s"),
        ("0:intro,10:verse,10:chorus", "does not come after"),
        ("-2:intro,10:verse", "must be 0 or more"),
        ("5:intro,10:verse", "must start at 0"),
        ("0 intro, 10 verse", "cannot read"),
        ("0:intro;10:verse", "not a section label"),
        ("0:intro,ten:verse", "'ten' is not a start time"),
        ("0:intro,10:", "has no label"),
        ("0:intro,nan:verse", "0 or more"),
        ("  ", "empty"),
        ("0 intro\nten verse\n", "line 2"),
    ],
)
def test_bad_sections_are_one_clear_error(spec, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_sections(spec)


def test_sections_cover_the_song_with_the_energy_over_each():
    analysis = make_analysis(labels=("intro", "chorus", "verse"), seconds=8.0)  # 24 s
    sections = user_sections([(0.0, "intro"), (4.0, "verse"), (12.0, "hook")], analysis)
    assert [(s["start"], s["end"], s["label"]) for s in sections] == [
        (0.0, 4.0, "intro"),
        (4.0, 12.0, "verse"),
        (12.0, 24.0, "hook"),
    ]
    quiet, loud = analysis["sections"][0]["energy"], analysis["sections"][1]["energy"]
    assert sections[0]["energy"] == pytest.approx(quiet)
    assert sections[1]["energy"] == pytest.approx((quiet + loud) / 2)
    assert sections[2]["energy"] == pytest.approx((loud + 2 * quiet) / 3)  # 4 s loud, 8 quiet
    with pytest.raises(InvalidInputError, match="beyond the end of the song"):
        user_sections([(0.0, "intro"), (30.0, "outro")], analysis)
    with pytest.raises(InvalidInputError, match="lasts 0.50 s"):
        user_sections([(0.0, "intro"), (23.5, "outro")], analysis)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0:intro,12:verse,300:outro", "beyond the end of the song"), ("intro verse", "cannot read")],
)
def test_bad_sections_on_the_command_line_stop_before_work(value, expected, demo_song, tmp_path):
    out = tmp_path / "out.mp4"
    result = sound2sight(
        "make", str(demo_song), "--sections", value, "-o", str(out),
        "--run-dir", str(tmp_path / "run"), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sound2sight: error: --sections"), lines
    assert expected in lines[0]
    assert not out.exists() and not (tmp_path / "run").exists()


def test_the_analysis_node_hands_the_user_s_sections_on(demo_song, tmp_path):
    ctx = Context(run_dir=str(tmp_path / "run"), output=str(tmp_path / "out.mp4"),
                  sections=DEMO_SECTIONS)  # fmt: skip
    graph = build_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke(
        {"song": str(demo_song), "request": ""}, config, context=ctx, interrupt_after=["analyze"]
    )
    analysis = graph.get_state(config).values["analysis"]
    assert [(s["start"], s["label"]) for s in analysis["sections"]] == parse_sections(DEMO_SECTIONS)
    assert json.loads((tmp_path / "run" / "analysis.json").read_text()) == analysis


@pytest.mark.slow
def test_a_made_video_follows_the_sections_and_writes_its_lyrics_beside_it(demo_song, tmp_path):
    sections = tmp_path / "song.sections.txt"
    sections.write_text(DEMO_SECTIONS.replace(":", " ").replace(",", "\n"))
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[00:04.00]Walking through the desert sand\n[00:09.50]Home\n[00:13.25]\n")
    run_dir, out = tmp_path / "run", tmp_path / "clip" / "video.mp4"
    out.parent.mkdir()
    result = sound2sight(
        "make", str(demo_song), "--sections", str(sections), "--lyrics", str(lrc),
        "-o", str(out), "--run-dir", str(run_dir), *SMALL, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    given = parse_sections(DEMO_SECTIONS)
    analysis = json.loads((run_dir / "analysis.json").read_text())
    assert [(s["start"], s["label"]) for s in analysis["sections"]] == given
    assert analysis["sections"][-1]["end"] == analysis["duration"]
    plan = json.loads((run_dir / "plan.json").read_text())
    starts = {round(s["start"], 2) for s in plan["scenes"]}
    for start, label in given:
        assert round(start, 2) in starts, f"no cut at {label} ({start} s)"
    for scene in plan["scenes"]:
        section = analysis["sections"][scene["section"]]
        assert scene["section_label"] == section["label"]
        assert section["start"] <= scene["start"] < scene["end"] <= section["end"]
    run = json.loads((run_dir / "run.json").read_text())
    assert run["sections_from"] == "user"
    assert run["settings"]["sections"] == DEMO_SECTIONS

    lines = json.loads((run_dir / "lyrics.json").read_text())
    assert out.with_suffix(".srt").read_text().startswith("1\n00:00:04,000 --> 00:00:09,500\n")
    back = read_lyrics_file(out.with_suffix(".lrc"), analysis=analysis)
    assert [(x["start"], x["end"], x["text"]) for x in back] == [
        (x["start"], x["end"], x["text"]) for x in lines
    ]


def test_the_chat_agent_hears_the_user_s_sections(demo_song, tmp_path):
    from agent.chat import ChatSession
    from agent.chat_context import ChatContext

    context = ChatContext(workspace=str(tmp_path), settings={"sections": DEMO_SECTIONS})
    session = ChatSession(db=tmp_path / "chat.sqlite", context=context, thread_id="t")
    answer = session.send("what's the tempo?", song=demo_song).answer
    assert "4 sections (intro 0-6 s, verse 6-14 s, chorus 14-25 s, outro 25-32 s)" in answer


def test_chat_and_batch_take_sections(tmp_path):
    from agent.cli_chat import video_settings

    args = build_parser().parse_args(["chat", "song.wav", "--sections", "0:intro, 8:verse"])
    assert video_settings(args, load=False)["sections"] == "0:intro,8:verse"

    for name in ("a.wav", "b.wav"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "a.sections.txt").write_text("0 intro\n12.5 chorus\n")
    songs, ignored = discover(tmp_path)
    assert ignored == []
    settings = {"fps": 8, "sections": "0:verse"}
    assert song_settings(settings, songs["a"])["sections"] == "0:intro,12.5:chorus"
    assert song_settings(settings, songs["b"])["sections"] == "0:verse"


@pytest.fixture
def api(tmp_path):
    store = JobStore(tmp_path / "jobs", executor=LocalExecutor(workers=1))
    with TestClient(create_app(store)) as client:
        yield client, store
    store.executor.shutdown()


def test_the_api_takes_sections_as_text_and_refuses_bad_ones(api, demo_song):
    client, store = api
    assert store.job_settings({"sections": "0 intro\n8 verse\n"})["sections"] == "0:intro,8:verse"
    for sections, expected in [
        ("0:intro,99:outro", "beyond the end of the song"),
        ("0:intro,9:verse,8:chorus", "does not come after"),
        ("/etc/passwd", "cannot read"),  # text only: never a path on the server
        (["0:intro"], "expected text"),
    ]:
        response = client.post(
            "/v1/jobs",
            files={"audio": ("song.wav", demo_song.read_bytes(), "audio/wav")},
            data={"options": json.dumps({"sections": sections})},
        )
        assert response.status_code == 422, response.text
        assert expected in response.json()["detail"]
    assert [p.name for p in store.root.iterdir()] == [".incoming"]


def test_the_api_serves_a_jobs_lyrics_as_lrc_and_srt(api):
    client, store = api
    job_id = "0123456789abcdef" * 2
    folder = store.root / job_id
    (folder / "v1").mkdir(parents=True)
    (folder / "v1" / "video.mp4").write_bytes(b"not really a video")
    now = time.time()
    write_json(
        folder / "job.json",
        {"id": job_id, "status": "done", "progress": 1.0, "error": None, "request": "",
         "settings": {}, "model": "rules", "song": "song.wav", "runs": ["v1"],
         "video": "v1/video.mp4", "messages": [], "created": now, "updated": now},
    )  # fmt: skip
    assert client.get(f"/v1/jobs/{job_id}/lyrics.lrc").status_code == 404
    (folder / "v1" / "video.lrc").write_text("[00:01.00]Hello\n")
    (folder / "v1" / "video.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    lrc = client.get(f"/v1/jobs/{job_id}/lyrics.lrc")
    assert lrc.status_code == 200 and lrc.text == "[00:01.00]Hello\n"
    assert f'filename="{job_id}.lrc"' in lrc.headers["content-disposition"]
    srt = client.get(f"/v1/jobs/{job_id}/lyrics.srt")
    assert srt.status_code == 200 and srt.headers["content-type"].startswith("application/x-subrip")
    assert client.get(f"/v1/jobs/{job_id}/lyrics.txt").status_code == 422
