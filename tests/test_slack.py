"""The Slack bot end to end: `sound2sight slack` as a user runs it, its Web API calls going to
the fake Slack on 127.0.0.1 (tests/fake_slack.py), which POSTs signed events to the bot's
Events endpoint as Slack does. One scenario runs once (requests not signed by Slack, the
url_verification challenge, a stranger, uploads refused, a song with its request, a busy user,
a revision in the thread, a restart that resumes the conversation); the tests read what the
fake saw."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_slack import BOT_USER, FakeSlack
from serving import free_port
from subprocess_guard import assert_stayed_local, guarded_env

from tools.ffmpeg import video_info

OWNER, STRANGER, BAND = "U0000111", "U0000999", "C000BAND"
OWNER_DM, STRANGER_DM = "D0000111", "D0000999"
SMALL = ["--resolution", "96x54", "--fps", "8"]
MB = 1024 * 1024


class Bot:
    """A `sound2sight slack` process serving the Events API on a free loopback port."""

    def __init__(self, fake: FakeSlack, folder: Path) -> None:
        self.log = folder / f"bot-{time.monotonic_ns()}.log"
        self.url = f"http://127.0.0.1:{free_port()}/slack/events"
        env = guarded_env(folder) | {
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": fake.signing_secret,
        }
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "agent.cli", "slack", "--api-url", fake.api_url,
                 "--port", self.url.split(":")[2].split("/")[0], "--allow", OWNER,
                 "--allow", BAND, "--jobs-dir", str(folder / "jobs"), "--jobs", "2",
                 "--max-upload-mb", "8", *SMALL],
                cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while "is listening" not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def _thread_texts(fake: FakeSlack, channel: str, thread: str) -> list[str]:
    """Every text the bot showed in a thread: its messages, then its updates."""
    posted = fake.of("chat.postMessage", channel=channel, thread_ts=thread)
    ts = {c.result["ts"] for c in posted}
    updates = [c for c in fake.of("chat.update", channel=channel) if c.params["ts"] in ts]
    return [c.params["text"] for c in posted + updates]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, demo_song):
    folder = tmp_path_factory.mktemp("slack")
    fake = FakeSlack(folder).start()
    notes = folder / "notes.txt"
    notes.write_text("not a song\n" * 100)
    big = folder / "big.wav"
    with open(big, "wb") as out:
        out.truncate(9 * MB)
    bot = Bot(fake, folder)
    challenge = json.dumps({"token": "x", "challenge": "c-42", "type": "url_verification"})
    try:
        checks = {
            "challenge": fake.post(bot.url, challenge),
            "unsigned": fake.post(bot.url, challenge, sign=False),
            "forged": FakeSlack(folder, signing_secret="not-the-secret").post(bot.url, challenge),
        }
        _, stranger = fake.say(bot.url, STRANGER_DM, STRANGER, "make a video")
        _, chatter = fake.say(bot.url, BAND, OWNER, "lunch at noon?")  # not for the bot
        _, notes_ts = fake.share(bot.url, OWNER_DM, OWNER, notes, mimetype="text/plain")
        _, big_ts = fake.share(bot.url, OWNER_DM, OWNER, big)
        fake.wait_for("chat.postMessage", thread_ts=big_ts)
        status, song = fake.share(
            bot.url, BAND, OWNER, demo_song,
            text=f"<@{BOT_USER}> make a melancholic video for this track",
        )  # fmt: skip
        fake.wait_for("chat.postMessage", thread_ts=song)
        _, second = fake.share(bot.url, OWNER_DM, OWNER, demo_song)
        first = fake.wait_for("files.completeUploadExternal", thread_ts=song, timeout=240)
        fake.wait_for("chat.update", ts=fake.of("chat.postMessage", thread_ts=song)[0].result["ts"],
                      text="Done. Ask for changes, e.g. “make the chorus brighter”.")  # fmt: skip
        fake.say(bot.url, BAND, OWNER, "make the chorus brighter", thread=song)
        revised = fake.wait_for(
            "files.completeUploadExternal", thread_ts=song, count=2, timeout=240
        )
        time.sleep(0.5)  # the last update after the video
    finally:
        code = bot.stop()
    restarted = Bot(fake, folder)
    try:
        before = len(fake.of("chat.postMessage", thread_ts=song))
        fake.say(restarted.url, BAND, OWNER, "show the plan", thread=song)
        plan = fake.wait_for("chat.postMessage", thread_ts=song, count=before + 2, timeout=240)
    finally:
        restarted.stop()
        fake.stop()
    logs = bot.log.read_text() + restarted.log.read_text()
    yield {"fake": fake, "folder": folder, "checks": checks, "status": status, "song": song,
           "second": second, "stranger": stranger, "chatter": chatter, "notes": notes_ts,
           "big": big_ts, "first": first, "revised": revised, "plan": plan, "code": code,
           "logs": logs}  # fmt: skip


def test_only_requests_signed_by_slack_are_answered_and_the_challenge_is(scenario):
    checks = scenario["checks"]
    assert checks["challenge"][0] == 200 and json.loads(checks["challenge"][1]) == {
        "challenge": "c-42"
    }
    assert checks["unsigned"][0] == 401 and checks["forged"][0] == 401


def test_a_song_gets_an_answer_in_its_thread_progress_updates_and_its_video(scenario):
    fake, song = scenario["fake"], scenario["song"]
    assert scenario["status"] == 200
    answer = fake.of("chat.postMessage", channel=BAND, thread_ts=song)[0]
    assert answer.params["text"] == (
        "Got demo_song.wav: making “make a melancholic video for this track”. Checking the song…"
    )
    updates = [c.params["text"] for c in fake.of("chat.update", ts=answer.result["ts"])]
    progress = [u for u in updates if u.startswith("Working… ")]
    assert progress and all(p.split("\n")[1] for p in progress)
    percents = [int(p.split("%")[0].removeprefix("Working… ")) for p in progress]
    assert percents == sorted(percents)
    assert "Done: uploading the video…" in updates
    assert updates[-1].startswith("Done. Ask for changes")
    first = scenario["first"]
    assert first.params["channel_id"] == BAND
    assert (
        first.params["initial_comment"].startswith("“")
        and "scenes" in first.params["initial_comment"]
    )
    (uploaded,) = json.loads(first.params["files"])
    video = scenario["folder"] / "uploads" / "0-video.mp4"
    assert uploaded["id"] == first.result["files"][0]["id"]
    made = next((scenario["folder"] / "jobs").glob("*/v1/video.mp4"))
    assert video.read_bytes() == made.read_bytes()
    assert (video_info(str(video)).width, video_info(str(video)).height) == (96, 54)


def test_a_follow_up_in_the_thread_revises_the_last_video(scenario):
    revised = scenario["revised"]
    comment = revised.params["initial_comment"]
    assert comment.startswith("Rendered ") and "reassembled the video" in comment
    (job,) = [p.parent for p in (scenario["folder"] / "jobs").glob("*/v2")]
    assert (scenario["folder"] / "uploads" / "1-video.mp4").read_bytes() == (
        job / "v2" / "video.mp4"
    ).read_bytes()
    texts = _thread_texts(scenario["fake"], BAND, scenario["song"])
    assert "On it: “make the chorus brighter”…" in texts


def test_the_conversation_resumes_after_a_restart(scenario):
    assert scenario["code"] == 0  # stopped cleanly by SIGTERM
    plan = scenario["plan"].params["text"]
    assert plan.startswith("“") and "s01" in plan and "chorus" in plan


def test_uploads_are_checked_as_serve_checks_them(scenario):
    fake = scenario["fake"]
    notes = _thread_texts(fake, OWNER_DM, scenario["notes"])
    assert any(t.startswith("I cannot use notes.txt: ") and "not audio" in t for t in notes)
    assert _thread_texts(fake, OWNER_DM, scenario["big"]) == [
        "big.wav is 9.0 MB: I take songs of up to 8 MB."
    ]
    assert len(list((scenario["folder"] / "jobs").glob("*/job.json"))) == 1


def test_strangers_busy_users_and_chatter_are_handled(scenario):
    fake = scenario["fake"]
    (refusal,) = _thread_texts(fake, STRANGER_DM, scenario["stranger"])
    assert refusal.startswith("This bot answers only") and STRANGER in refusal
    (busy,) = _thread_texts(fake, OWNER_DM, scenario["second"])
    assert busy.startswith("You have 1 video(s) in the making already")
    assert not fake.of("chat.postMessage", thread_ts=scenario["chatter"])


def test_the_secrets_are_never_printed_and_nothing_left_the_machine(scenario):
    fake, logs = scenario["fake"], scenario["logs"]
    assert "is listening" in logs
    assert_stayed_local(logs)
    assert fake.token not in logs and fake.signing_secret not in logs


def test_a_refused_token_is_one_clear_line(tmp_path):
    fake = FakeSlack(tmp_path).start()
    try:
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_SIGNING_SECRET": "s"}
        done = subprocess.run(
            [sys.executable, "-m", "agent.cli", "slack", "--api-url", fake.api_url,
             "--port", str(free_port()), "--allow", OWNER, "--jobs-dir", str(tmp_path / "jobs")],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
    finally:
        fake.stop()
    assert done.returncode != 0
    assert "Slack refused the bot token" in done.stderr and "invalid_auth" in done.stderr
    assert "xoxb-wrong" not in done.stderr + done.stdout
