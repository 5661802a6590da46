"""What every chat-platform bot does the same way (agent/telegram_bot.py, agent/slack_bot.py).

A conversation is a place on the platform (a Telegram chat, a Slack thread) named by a key. A
song there becomes a job of the job store (agent/jobs.py: checked as `serve` checks uploads,
made by the executor); a later message is a revision, `JobStore.message`, answered by the
job's chat agent (agent/chat.py). `BotCore` does that and follows each job: one progress
message edited as the stages pass, then the video or the answer. A platform gives it a
`Reply` (how to edit, answer and send a video there) and the songs it downloaded.

Which job is each conversation's current one is kept in a `ChatBook` file beside the jobs, so
conversations survive a restart. Secrets never reach the log: every line goes through
`Redacting`.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.jobs import BUSY, JobBusy, JobFolder, JobStore
from tools.audio.loading import MAX_DURATION
from tools.errors import GenerationFailedError, InvalidInputError
from tools.files import write_json

MB = 1024 * 1024
EDIT_SECONDS = 2.0  # at most one progress edit this often (platforms throttle edits)
POLL_SECONDS = 0.5  # how often a job's events are read
ASK_FOR_CHANGES = "Done. Ask for changes, e.g. “make the chorus brighter”."

log = logging.getLogger("sound2sight.bots")


@dataclass(frozen=True, kw_only=True)
class BotLimits:
    """Who may use a bot and how much."""

    allow: frozenset[str]  # user, chat or channel ids; empty with `everyone`
    everyone: bool = False
    jobs_per_user: int = 1
    upload_mb: float  # the largest song accepted
    video_mb: float  # the largest video sent

    def __post_init__(self) -> None:
        if not self.allow and not self.everyone:
            raise InvalidInputError(
                "the bot answers nobody: give user or chat ids with --allow (or allow = [...] "
                "in the bot's table of the config file), or --allow-everyone"
            )
        if self.jobs_per_user < 1:
            raise InvalidInputError("--jobs-per-user must be 1 or more")
        if self.video_mb <= 0:
            raise InvalidInputError("--max-video-mb must be more than 0")

    def allows(self, user_id: object, chat_id: object) -> bool:
        return self.everyone or str(chat_id) in self.allow or str(user_id) in self.allow

    def who(self) -> str:
        return "everyone" if self.everyone else ", ".join(sorted(self.allow))


class ChatBook:
    """Each conversation's current job and the request it sent before its song (a JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.chats: dict[str, dict] = json.loads(path.read_text())["chats"] if path.exists() else {}

    def get(self, key: object) -> dict:
        return dict(self.chats.get(str(key), {}))

    def set(self, key: object, **values: str | None) -> None:
        entry = {**self.chats.get(str(key), {}), **values}
        self.chats[str(key)] = {k: v for k, v in entry.items() if v is not None}
        write_json(self.path, {"chats": self.chats})


class Reply(Protocol):
    """Where one request is answered: its progress message, and replies beside it."""

    async def edit(self, text: str) -> None:
        """Replace the progress message's text."""

    async def reply(self, text: str) -> None:
        """A new message beside the progress message."""

    async def send_video(self, video: Path, answer: str) -> None:
        """Send the video with `answer` as its caption. A video the platform cannot take raises
        InvalidInputError or GenerationFailedError, saying why."""


class BotCore:
    """Songs become jobs, messages become revisions, one watcher follows each request. The job
    store is opened (`open`) once the platform accepted the bot's credentials."""

    def __init__(self, limits: BotLimits, *, book_name: str, platform_errors: tuple) -> None:
        self.limits = limits
        self.book_name = book_name
        self.platform_errors = platform_errors  # a failure to report to the platform: logged
        self.store: JobStore | None = None
        self.book: ChatBook | None = None
        self.active: dict[str, int] = {}  # user id -> requests in the making
        self.watchers: set[asyncio.Task] = set()

    def open(self, store: JobStore) -> None:
        self.store = store
        self.book = ChatBook(store.root / self.book_name)

    def busy(self, user_id: object) -> str | None:
        """Why the user must wait, or None when they may start a request."""
        busy = self.active.get(str(user_id), 0)
        if busy < self.limits.jobs_per_user:
            return None
        return (
            f"You have {busy} video(s) in the making already (at most "
            f"{self.limits.jobs_per_user} at once): wait until one is done."
        )

    def refusal(self, name: str, *, size: int | None, seconds: float | None) -> str | None:
        """Why a song of `size` bytes and `seconds` (as the platform tells them) is refused
        before it is downloaded, or None; the store checks the file itself again."""
        if size and size > self.limits.upload_mb * MB:
            return (
                f"{name} is {size / MB:.1f} MB: I take songs of up to {self.limits.upload_mb:g} MB."
            )
        longest = float(self.store.settings.get("max_duration", MAX_DURATION))
        if seconds and seconds > longest:
            return f"{name} is {seconds:g} s long: I take songs of up to {longest:g} s."
        return None

    def incoming(self) -> Path:
        """The folder for songs being downloaded (private temporary files)."""
        folder = self.store.root / ".incoming"
        folder.mkdir(exist_ok=True)
        return folder

    async def start_song(
        self, key: object, user_id: object, upload: Path, *, name: str, request: str, out: Reply
    ) -> None:
        """A new conversation in `key` about the downloaded song `upload` (now the store's)."""
        try:
            job = await asyncio.to_thread(self.store.create, upload, request=request, name=name)
        except InvalidInputError as err:
            await out.edit(f"I cannot use {name}: {err}")
            return
        self.book.set(key, job=job["id"], request=None)
        self.follow(user_id, JobFolder(self.store.root / job["id"]), out, after=0)

    async def revise(self, key: object, user_id: object, text: str, out: Reply) -> None:
        """`text` as a revision of the current video of `key`, which has a job."""
        try:
            folder = self.store.folder(self.book.get(key)["job"])
            after = len(await asyncio.to_thread(folder.events))
            await asyncio.to_thread(self.store.message, folder.id, text)
        except JobBusy:
            await out.edit("I am still working on your last request: wait until it is done.")
            return
        except InvalidInputError as err:
            await out.edit(f"I cannot do that: {err}")
            return
        self.follow(user_id, folder, out, after=after)

    def follow(self, user_id: object, folder: JobFolder, out: Reply, *, after: int) -> None:
        """Follow the job's request in a task of its own, counted against its user."""
        user = str(user_id)
        self.active[user] = self.active.get(user, 0) + 1
        released = False

        def ended() -> None:  # the job's work is over: the user may start another
            nonlocal released
            if not released:
                released = True
                self.active[user] -= 1

        async def watch() -> None:
            try:
                await follow_job(folder, out, after=after, ended=ended)
            except self.platform_errors as err:  # the chat went away, a network failure…
                log.warning("job %s: cannot report to the chat: %s", folder.id, err)
            except Exception:  # a bug: in the log, and the user is told
                log.exception("job %s: following it failed", folder.id)
                await out.edit("Sorry, something went wrong on my side.")
            finally:
                ended()

        task = asyncio.create_task(watch())
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)

    async def stop_watching(self, *_: object) -> None:
        """At shutdown: stop following jobs (their work goes on or is abandoned by the store)."""
        for task in list(self.watchers):
            task.cancel()
        await asyncio.gather(*self.watchers, return_exceptions=True)


async def follow_job(
    folder: JobFolder, out: Reply, *, after: int, ended: Callable[[], None] = lambda: None
) -> None:
    """Edit the progress message as the job's events come, then send what it made; `ended`
    is called once the job's work is over, before its result is sent."""
    before = (await asyncio.to_thread(folder.read))["runs"]
    shown, edited = None, 0.0
    while True:
        events = await asyncio.to_thread(folder.events, after=after)
        after += len(events)
        job = await asyncio.to_thread(folder.read)
        if events and time.monotonic() - edited >= EDIT_SECONDS:
            text = progress_text(events[-1])
            if text != shown:
                await out.edit(text)
                shown, edited = text, time.monotonic()
        if not events and job["status"] not in BUSY:
            break
        await asyncio.sleep(POLL_SECONDS)
    ended()
    if job["status"] == "failed":
        await out.edit(f"Sorry, that did not work: {job['error']}")
        return
    answer = job_answer(job, folder)
    if job["runs"] == before:  # a question or a plan, no new video
        await out.edit("Done.")
        await out.reply(answer or "Done.")
        return
    video = await asyncio.to_thread(folder.video)
    if video is None:
        await out.edit("Sorry, the job ended without a video.")
        return
    try:
        await out.send_video(video, answer)
    except (InvalidInputError, GenerationFailedError) as err:
        await out.edit(f"The video is made, but I cannot send it: {err}")
        return
    await out.edit(ASK_FOR_CHANGES)


def progress_text(event: dict) -> str:
    """The progress message for the latest event of a job."""
    percent = round(100 * float(event.get("progress", 0.0)))
    return f"Working… {percent}%\n{event.get('message', '')}".strip()


def job_answer(job: dict, folder: JobFolder) -> str:
    """What to tell the user about the job's last request: the agent's answer without the path
    line, or for a first video its title."""
    if job["messages"]:
        lines = job["messages"][-1]["text"].splitlines()
        return "\n".join(line for line in lines if line.strip() != job["video"]).strip()
    plan = json.loads((folder.path / job["runs"][-1] / "plan.json").read_text())
    return f"“{plan['title']}”: {len(plan['scenes'])} scenes."


class Redacting(logging.Formatter):
    """Log lines (and tracebacks) with the bot's secrets blanked out."""

    def __init__(self, secrets: list[str], fmt: str) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, "<secret>")
        return line


def log_to_stderr(name: str, secrets: list[str]) -> None:
    """The bot's log on stderr, `name: message`, with its secrets redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(Redacting(secrets, f"{name}: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("sound2sight").setLevel(logging.INFO)
