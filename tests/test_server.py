"""The HTTP API end to end: a real `sound2sight serve` (uvicorn) on 127.0.0.1, jobs in worker
processes, revisions answered by a tool-calling model (the fake OpenAI-compatible server)."""

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf
from fake_openai import FakeOpenAI, chat_reply
from fastapi.testclient import TestClient
from openai_tools import tool_call_reply
from serving import follow, start_server

from agent.cli import main
from agent.executor import LocalExecutor
from agent.jobs import JobStore
from agent.server import create_app
from tools.ffmpeg import video_info

SMALL = ["--resolution", "96x54", "--fps", "8"]
CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def fake_llm():
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def api(tmp_path_factory, fake_llm):
    """A server with two workers, small videos, an 8 MB upload limit and revisions by the fake
    tool-calling model."""
    root = tmp_path_factory.mktemp("serve")
    env = {"OPENAI_BASE_URL": fake_llm.base_url, "OPENAI_API_KEY": "test"}
    server = start_server(
        "--jobs-dir", str(root / "jobs"), "--jobs", "2", "--max-upload-mb", "8",
        "--model", "openai:fake-model", *SMALL, cwd=root, env=env,
    )  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client, root / "jobs"
    server.stop()


def _create(client, song: Path, request: str = "", options: dict | None = None):
    with open(song, "rb") as audio:
        return client.post(
            "/v1/jobs",
            files={"audio": ("my song.wav", audio, "audio/wav")},
            data={"request": request, "options": json.dumps(options or {})},
        )


@pytest.fixture(scope="module")
def two_jobs(api, demo_song):
    """Two jobs submitted at once, each followed to its end."""
    client, _ = api
    ids = [
        _create(client, demo_song, "a melancholic video with a singer").json()["id"],
        _create(client, demo_song, "an energetic neon video with two dancers").json()["id"],
    ]
    with ThreadPoolExecutor(2) as pool:
        follows = list(pool.map(lambda job_id: follow(client, job_id), ids))
    return ids, follows


def test_docs_and_page_are_served(api):
    client, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/events"} <= set(paths)
    assert {"/v1/jobs/{job_id}/video", "/v1/jobs/{job_id}/messages"} <= set(paths)
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and 'id="audio"' in page.text and "<video" in page.text


def test_concurrent_jobs_finish_in_their_own_folders(api, two_jobs):
    client, jobs = api
    ids, follows = two_jobs
    assert ids[0] != ids[1]
    for job_id, (events, end, _) in zip(ids, follows, strict=True):
        assert end == {"status": "done", "progress": 1.0, "error": None}
        progress = [e["progress"] for e in events if "progress" in e]
        assert progress == sorted(progress) and progress[-1] == 1.0
        assert any(e["stage"] == "generate" for e in events)
        assert all(str(jobs) not in e.get("message", "") for e in events)  # no server paths
        job = client.get(f"/v1/jobs/{job_id}").json()
        assert job["status"] == "done" and job["runs"] == ["v1"] and job["video"] is True
        assert (jobs / job_id / "v1" / "video.mp4").exists()
        assert (jobs / job_id / "song.wav").exists()  # the name comes from the content
    plans = [json.loads((jobs / i / "v1" / "plan.json").read_text()) for i in ids]
    assert plans[0]["bible"]["mood"] == "melancholic" and plans[1]["bible"]["mood"] == "energetic"


def test_video_downloads_as_mp4(api, two_jobs, tmp_path):
    client, _ = api
    job_id = two_jobs[0][0]
    video = client.get(f"/v1/jobs/{job_id}/video")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    path = tmp_path / "v.mp4"
    path.write_bytes(video.content)
    info = video_info(str(path))
    assert (info.width, info.height) == (96, 54)


def test_revision_message_rerenders_only_what_it_must(api, two_jobs, fake_llm):
    client, jobs = api
    job_id, (_, _, last) = two_jobs[0][0], two_jobs[1][0]
    before = client.get(f"/v1/jobs/{job_id}/video").content
    fake_llm.enqueue(
        CHAT, tool_call_reply("revise_scene", {"scenes": ["chorus"], "brightness": "brighter"})
    )
    fake_llm.enqueue(CHAT, chat_reply("The chorus is brighter now."))
    sent = client.post(f"/v1/jobs/{job_id}/messages", json={"text": "make the chorus brighter"})
    assert sent.status_code == 202 and sent.json()["status"] == "queued"
    events, end, _ = follow(client, job_id, after=last)
    assert end["status"] == "done", end
    assert any("revise_scene(" in e["message"] for e in events if e["stage"] == "tool")
    job = client.get(f"/v1/jobs/{job_id}").json()
    assert job["runs"] == ["v1", "v2"]
    assert job["messages"][-1] == {"role": "agent", "text": "The chorus is brighter now."}
    assert client.get(f"/v1/jobs/{job_id}/video").content != before
    plan = json.loads((jobs / job_id / "v2" / "plan.json").read_text())
    choruses = {s["id"] for s in plan["scenes"] if s["section_label"] == "chorus"}
    for scene in json.loads((jobs / job_id / "v2" / "run.json").read_text())["scenes"]:
        clip = Path(scene["attempts"][0]["path"])
        reused = os.path.samefile(clip, jobs / job_id / "v1" / "clips" / clip.name)
        assert reused == (scene["id"] not in choruses)


def test_a_failed_job_says_why_and_keeps_its_work(api, two_jobs, fake_llm):
    client, jobs = api
    job_id = two_jobs[0][1]  # nothing is queued for the model: the revision fails
    sent = client.post(f"/v1/jobs/{job_id}/messages", json={"text": "make it neon"})
    assert sent.status_code == 202
    _, end, last = follow(client, job_id, after=two_jobs[1][1][2])
    assert end["status"] == "failed" and "501" in end["error"]
    job = client.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "failed" and job["runs"] == ["v1"]
    assert client.get(f"/v1/jobs/{job_id}/video").status_code == 200

    fake_llm.enqueue(CHAT, tool_call_reply("revise_scene", {"scenes": ["1"], "redo": True}))
    fake_llm.enqueue(CHAT, chat_reply("Scene 1 is a new take."))
    client.post(f"/v1/jobs/{job_id}/messages", json={"text": "then just redo scene 1"})
    _, end, _ = follow(client, job_id, after=last)
    job = client.get(f"/v1/jobs/{job_id}").json()
    assert end["status"] == "done" and job["runs"] == ["v1", "v2"] and job["error"] is None


def test_a_job_busy_with_work_refuses_messages(api, demo_song):
    client, _ = api
    job_id = _create(client, demo_song).json()["id"]
    busy = client.post(f"/v1/jobs/{job_id}/messages", json={"text": "redo scene 1"})
    assert busy.status_code == 409 and "wait" in busy.json()["detail"]
    assert follow(client, job_id)[1]["status"] == "done"


def test_uploads_are_checked_before_a_job_exists(api, demo_song, tmp_path):
    client, jobs = api
    existing = set(os.listdir(jobs)) | {".incoming"}  # uploads are spooled there first
    text = tmp_path / "notes.wav"
    text.write_text("not a song " * 100)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(22050 * 5), 22050)
    big = tmp_path / "big.wav"
    big.write_bytes(b"RIFF" + os.urandom(9 * 1024 * 1024))
    cases = [
        (_create(client, text), 422, "not audio"),
        (_create(client, silent), 422, "silent"),
        (_create(client, big), 413, ""),
        (_create(client, demo_song, options={"resolution": "7680x4320"}), 422, "1920x1080"),
        (_create(client, demo_song, options={"video": "diffusers:/etc"}), 422, "unknown options"),
        (client.post("/v1/jobs", files={"audio": ("a.wav", b"")}, data={"options": "{"}),
         422, "not JSON"),
    ]  # fmt: skip
    for response, status, detail in cases:
        assert response.status_code == status, response.text
        assert detail in response.text
    assert set(os.listdir(jobs)) | {".incoming"} == existing
    assert list((jobs / ".incoming").iterdir()) == []


def test_requests_name_jobs_only_by_id(api):
    client, _ = api
    for path in ("/v1/jobs/abc", "/v1/jobs/..%2F..%2Fetc", "/v1/jobs/" + "0" * 32 + "/video"):
        assert client.get(path).status_code == 404
    assert client.post("/v1/jobs/" + "f" * 32 + "/messages", json={"text": "hi"}).status_code == 404


def test_a_token_guards_the_api(tmp_path):
    store = JobStore(tmp_path / "jobs", executor=LocalExecutor(workers=1))
    with TestClient(create_app(store, token="s3cret")) as client:
        job = f"/v1/jobs/{'0' * 32}"
        assert client.get(job).status_code == 401
        assert client.get(job, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.get(job, headers={"Authorization": "Bearer s3cret"}).status_code == 404
        assert client.post("/v1/jobs").status_code == 401
        assert client.get("/v1/info").json()["auth"] is True
        assert client.get("/").status_code == 200  # the page asks for the token itself
    store.executor.shutdown()


def test_serving_beyond_loopback_needs_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SOUND2SIGHT_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--jobs-dir", str(tmp_path / "jobs")]) == 2
    assert "SOUND2SIGHT_TOKEN" in capsys.readouterr().err
    assert not (tmp_path / "jobs").exists()


def test_lyrics_uploaded_with_the_song_become_its_captions(api, demo_song, tmp_path):
    client, jobs = api
    lrc = b"[00:04.00]Walking through the desert sand\n[00:09.50]Home\n"
    with open(demo_song, "rb") as audio:
        created = client.post(
            "/v1/jobs",
            files={
                "audio": ("song.wav", audio, "audio/wav"),
                "lyrics": ("s.lrc", lrc, "text/plain"),
            },
        )
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    _, end, _ = follow(client, job_id)
    assert end["status"] == "done"
    job = client.get(f"/v1/jobs/{job_id}").json()
    assert job["settings"]["lyrics_file"] == "lyrics.txt", "no server path is shown"
    heard = json.loads(next((jobs / job_id).rglob("lyrics.json")).read_text())
    assert [line["text"] for line in heard] == ["Walking through the desert sand", "Home"]
    lrc = client.get(f"/v1/jobs/{job_id}/lyrics.lrc")  # written beside the video
    assert lrc.status_code == 200
    assert lrc.text.startswith("[00:04.00]Walking through the desert sand\n[00:09.50]Home\n")
    assert "Home" in client.get(f"/v1/jobs/{job_id}/lyrics.srt").text
    empty = client.post(
        "/v1/jobs",
        files={"audio": ("song.wav", demo_song.read_bytes()), "lyrics": ("s.txt", b"  \n")},
    )
    assert empty.status_code == 422 and "empty" in empty.text
    assert list((jobs / ".incoming").iterdir()) == []
