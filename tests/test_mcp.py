"""`sound2sight mcp` through the MCP SDK's own client over stdio: tools, a job, a revision."""

import json
import os
import shutil
import sys

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

SMALL = ["--resolution", "96x54", "--fps", "8"]


def _data(result) -> dict:
    assert not result.is_error, result.content
    return result.structured_content or json.loads(result.content[0].text)


async def _session(tmp_path, song):
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "agent.cli", "mcp", "--jobs-dir", str(tmp_path / "jobs"),
              "--root", str(tmp_path / "songs"), *SMALL],
        cwd=str(tmp_path),
    )  # fmt: skip
    async with Client(server, read_timeout_seconds=180) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"make_music_video", "get_job", "revise_scene"} <= tools

        outside = await client.call_tool("make_music_video", {"song_path": "/etc/passwd"})
        assert outside.is_error and "outside the folders" in outside.content[0].text
        escape = await client.call_tool("make_music_video", {"song_path": "../songs/../x.wav"})
        assert escape.is_error

        started = _data(
            await client.call_tool(
                "make_music_video", {"song_path": song.name, "request": "a dreamy video"}
            )
        )
        job = started["job_id"]
        assert started["status"] == "queued"
        done = await _wait(client, job)
        assert done["status"] == "done" and done["error"] is None
        first = done["video_path"]
        assert first.endswith("v1/video.mp4") and os.path.exists(first)

        revised = _data(
            await client.call_tool(
                "revise_scene", {"job_id": job, "scene": "3", "instruction": "redo it"}
            )
        )
        assert revised["status"] == "queued"
        done = await _wait(client, job)
        assert done["status"] == "done" and done["video_path"].endswith("v2/video.mp4")
        assert "Rendered s03 again" in done["last_answer"]

        unknown = await client.call_tool("get_job", {"job_id": "nope"})
        assert unknown.is_error and "no job" in unknown.content[0].text


async def _wait(client, job: str) -> dict:
    for _ in range(4):
        result = _data(await client.call_tool("get_job", {"job_id": job, "wait_seconds": 60}))
        if result["status"] in ("done", "failed"):
            return result
    raise AssertionError(f"job {job} did not end: {result}")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_mcp_server_over_stdio(demo_song, tmp_path):
    (tmp_path / "songs").mkdir()
    song = tmp_path / "songs" / "demo.wav"
    shutil.copy(demo_song, song)
    anyio.run(_session, tmp_path, song)
