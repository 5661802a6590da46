"""The Telegram bot end to end: `sound2sight telegram` as a user runs it, against the fake Bot
API server on 127.0.0.1 (tests/fake_telegram.py). One scenario runs once (uploads refused,
the allow-list, a song with its request, a request then a song in a group, a revision, a
restart that resumes the conversation); the tests read what the fake server saw."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf
from fake_telegram import MB, FakeTelegram
from subprocess_guard import assert_stayed_local, guarded_env

from agent.telegram_bot import fit_plan
from tools.ffmpeg import video_info

OWNER, BAND, BANDMATE, STRANGER = 111, -500, 222, 999
SMALL = ["--resolution", "96x54", "--fps", "8"]
VIDEO_MB = 1  # the bot must fit its 1.5 MB videos under this (the fake server refuses more)


class Bot:
    """A `sound2sight telegram` process talking to the fake server."""

    def __init__(self, fake: FakeTelegram, folder: Path, *extra: str) -> None:
        self.log = folder / f"bot-{time.monotonic_ns()}.log"
        env = guarded_env(folder) | {"TELEGRAM_BOT_TOKEN": fake.token}
        polls = len(fake.of("getUpdates"))
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "agent.cli", "telegram", "--api-url", fake.url,
                 "--allow", str(OWNER), "--allow", str(BAND), "--jobs-dir", str(folder / "jobs"),
                 "--jobs", "2", "--max-upload-mb", "8", "--max-video-mb", str(VIDEO_MB),
                 *SMALL, *extra],
                cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while len(fake.of("getUpdates")) <= polls:  # polling: ready for messages
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, demo_song):
    folder = tmp_path_factory.mktemp("telegram")
    fake = FakeTelegram(folder, max_upload_bytes=VIDEO_MB * MB).start()
    voice = folder / "voice.ogg"  # a voice message's container (Vorbis here, Opus on phones)
    audio, sr = sf.read(demo_song)
    sf.write(voice, audio, sr, format="OGG", subtype="VORBIS")
    notes = folder / "notes.txt"
    notes.write_text("not a song\n" * 100)
    big = folder / "big.wav"
    with open(big, "wb") as out:
        out.truncate(9 * MB)
    bot = Bot(fake, folder)
    try:
        sent = {
            "stranger": fake.send_text(STRANGER, STRANGER, "make a video"),
            "notes": fake.send_audio(OWNER, OWNER, notes, kind="document"),
            "big": fake.send_audio(OWNER, OWNER, big, kind="document"),
            "long": fake.send_audio(OWNER, OWNER, demo_song, duration=4000),
            "song": fake.send_audio(
                OWNER, OWNER, demo_song, caption="make a melancholic video for this track"
            ),
            "second": fake.send_audio(OWNER, OWNER, demo_song),
            "request": fake.send_text(BAND, BANDMATE, "an energetic neon video with two dancers"),
            "voice": fake.send_audio(BAND, BANDMATE, voice, kind="voice"),
        }
        first = fake.wait_for("sendVideo", chat_id=str(OWNER), timeout=240)
        fake.wait_for("sendVideo", chat_id=str(BAND), timeout=240)
        sent["revise"] = fake.send_text(OWNER, OWNER, "make the chorus brighter")
        revised = fake.wait_for("sendVideo", chat_id=str(OWNER), count=2, timeout=240)
        time.sleep(0.5)  # the last edit after the video
    finally:
        code = bot.stop()
    restarted = Bot(fake, folder)
    try:
        before = len(fake.of("sendMessage", chat_id=str(OWNER)))
        sent["plan"] = fake.send_text(OWNER, OWNER, "show the plan")
        plan = fake.wait_for("sendMessage", chat_id=str(OWNER), count=before + 2, timeout=240)
    finally:
        restarted.stop()
        fake.stop()
    logs = bot.log.read_text() + restarted.log.read_text()
    yield {"fake": fake, "folder": folder, "sent": sent, "first": first, "revised": revised,
           "plan": plan, "code": code, "logs": logs}  # fmt: skip


def _replies(fake: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in fake.of("sendMessage", chat_id=str(chat))]


def _said(fake: FakeTelegram, chat: int) -> list[str]:
    """Every text the bot showed in a chat: its messages and their edits."""
    edits = [c.params["text"] for c in fake.of("editMessageText", chat_id=str(chat))]
    return _replies(fake, chat) + edits


def _edits(fake: FakeTelegram, chat: int) -> dict[str, list[str]]:
    """Edited texts by message id."""
    edits: dict[str, list[str]] = {}
    for call in fake.of("editMessageText", chat_id=str(chat)):
        edits.setdefault(call.params["message_id"], []).append(call.params["text"])
    return edits


def test_a_song_gets_an_answer_at_once_progress_edits_and_its_video(scenario):
    fake = scenario["fake"]
    answer = next(
        c for c in fake.of("sendMessage", chat_id=str(OWNER)) if "melancholic" in c.params["text"]
    )
    assert answer.params["text"] == (
        "Got demo_song.wav: making “make a melancholic video for this track”. Checking the song…"
    )
    edits = _edits(fake, OWNER)[str(answer.result["message_id"])]
    progress = [e for e in edits if e.startswith("Working… ")]
    assert progress and all(p.split("\n")[1] for p in progress)
    percents = [int(p.split("%")[0].removeprefix("Working… ")) for p in progress]
    assert percents == sorted(percents)
    assert edits[-1].startswith("Done.")
    first = scenario["first"]
    assert first.params["caption"].startswith("“") and "scenes" in first.params["caption"]
    video = scenario["folder"] / "uploads" / "video0.mp4"
    assert len(first.files["video"]) == video.stat().st_size <= VIDEO_MB * MB
    assert video_info(str(video)).frames > 0


def test_a_video_over_the_limit_is_encoded_again_to_fit_and_the_caption_says_so(scenario):
    caption = scenario["first"].params["caption"]
    assert f"Telegram takes videos of up to {VIDEO_MB} MB from a bot" in caption
    assert f"Done: encoding it again to fit Telegram's {VIDEO_MB} MB…" in _said(
        scenario["fake"], OWNER
    )
    jobs = scenario["folder"] / "jobs"
    made = next(jobs.glob("*/v1/video.mp4"))
    assert made.stat().st_size > VIDEO_MB * MB  # the full video stays on the server
    assert (made.parent / "video.telegram.mp4").stat().st_size <= VIDEO_MB * MB


def test_a_follow_up_revises_the_last_video(scenario):
    caption = scenario["revised"].params["caption"]
    assert caption.startswith("Rendered ") and "reassembled the video" in caption
    jobs = [p.parent for p in (scenario["folder"] / "jobs").glob("*/v2")]
    assert len(jobs) == 1  # only the owner's conversation has a revision
    assert (jobs[0] / "v2" / "video.mp4").is_file()


def test_a_request_before_the_song_and_a_voice_message_in_a_group(scenario):
    fake = scenario["fake"]
    replies = _replies(fake, BAND)
    assert replies[0].startswith("Noted. Now send me the song")
    assert replies[1] == (
        "Got your voice message: making “an energetic neon video with two dancers”. "
        "Checking the song…"
    )
    assert fake.of("sendVideo", chat_id=str(BAND))


def test_the_conversation_resumes_after_a_restart(scenario):
    assert scenario["code"] == 0  # stopped cleanly by SIGTERM
    plan = scenario["plan"].params["text"]
    assert plan.startswith("“") and "s01" in plan and "chorus" in plan


def test_uploads_are_checked_as_serve_checks_them(scenario):
    fake = scenario["fake"]
    replies = _said(fake, OWNER)
    assert any(r.startswith("I cannot use notes.txt: ") and "not audio" in r for r in replies)
    assert "big.wav is 9.0 MB: I take songs of up to 8 MB." in replies
    assert any(r.endswith("is 4000 s long: I take songs of up to 1200 s.") for r in replies)
    downloaded = {c.params["file_id"] for c in fake.of("getFile")}
    assert len(downloaded) == 3  # notes, the song and the voice: not the big or long ones, nor
    # the song refused as one too many for its user


def test_strangers_and_busy_users_are_refused(scenario):
    fake = scenario["fake"]
    (refusal,) = _replies(fake, STRANGER)
    assert refusal.startswith("This bot answers only") and str(STRANGER) in refusal
    assert "You have 1 video(s) in the making already" in " ".join(_replies(fake, OWNER))
    assert len(list((scenario["folder"] / "jobs").glob("*/job.json"))) == 2


def test_the_token_is_never_printed_and_nothing_left_the_machine(scenario):
    token = scenario["fake"].token
    assert "is listening" in scenario["logs"]
    assert_stayed_local(scenario["logs"])
    assert token not in scenario["logs"] and token.split(":")[1] not in scenario["logs"]


def test_a_refused_token_is_one_clear_line(tmp_path):
    fake = FakeTelegram(tmp_path).start()
    try:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": "999:wrong-token"}
        done = subprocess.run(
            [sys.executable, "-m", "agent.cli", "telegram", "--api-url", fake.url,
             "--allow", "1", "--jobs-dir", str(tmp_path / "jobs")],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
    finally:
        fake.stop()
    assert done.returncode != 0
    assert "Telegram refused the bot token" in done.stderr
    assert "wrong-token" not in done.stderr + done.stdout


def test_fit_plan_keeps_the_aspect_and_shrinks_only_a_starved_frame():
    roomy = fit_plan(width=1280, height=720, fps=24, seconds=180, limit_bytes=50 * MB)
    assert (roomy.width, roomy.height) == (1280, 720) and roomy.audio_bps == 128_000
    assert (roomy.video_bps + roomy.audio_bps) * 180 / 8 <= 50 * MB
    starved = fit_plan(width=720, height=1280, fps=24, seconds=1200, limit_bytes=50 * MB)
    assert starved.width < 720 and starved.width % 2 == 0 == starved.height % 2
    assert abs(starved.height / starved.width - 1280 / 720) < 0.02
    with pytest.raises(Exception, match="cannot fit"):
        fit_plan(width=1280, height=720, fps=24, seconds=3600, limit_bytes=MB)
