"""The Telegram bot: songs in, music videos out, revisions in plain words (python-telegram-bot).

A user sends a song (an audio, voice or document message), with the request in its caption or
in a message before it. The bot answers at once with one message that it edits as the stages
pass, then sends the video. Any later message ("make the chorus brighter", "redo scene 3") is a
revision of the chat's current video; a new song starts a new conversation.

The work is the job store's of `sound2sight serve` (agent/jobs.py): a song becomes a job,
checked as the API checks uploads (size, audio, duration) and made by the executor (local
worker processes or Ray); a revision is `JobStore.message`, answered by the job's chat agent
(agent/chat.py), whose conversation is checkpointed in the job's folder. Which job is each
chat's current one is kept in `<jobs>/telegram.json`, so conversations survive a restart.

Telegram's limits: a bot downloads files of at most 20 MB and sends at most 50 MB (a local
Bot API server, `--api-url`, lifts both). A video over the limit is encoded again at the
bitrate that fits, and at a smaller size where that bitrate would be too thin for the frame;
the caption says so, and the full video stays in the job's folder.

Who may use it: the user or chat ids of the allow-list (or everyone, when asked); each user
has at most `jobs_per_user` videos in the making at once. The token never reaches the output:
every log line is formatted through `Redacting`.
"""

import asyncio
import json
import logging
import math
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from agent.jobs import BUSY, JobBusy, JobFolder, JobStore
from tools.audio.loading import MAX_DURATION
from tools.errors import BackendUnavailableError, GenerationFailedError, InvalidInputError
from tools.ffmpeg import ffmpeg_exe, video_info
from tools.files import atomic_path, write_json

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
MB = 1024 * 1024
CLOUD_DOWNLOAD_MB = 20  # the largest file a bot may download from Telegram's servers
CLOUD_VIDEO_MB = 50  # the largest file a bot may send through Telegram's servers
EDIT_SECONDS = 2.0  # at most one progress edit this often (Telegram throttles edits)
POLL_SECONDS = 0.5  # how often a job's events are read
FILL = 0.95  # of the size limit a fitted video aims at (the rest: container, rate control)
MIN_BITS_PER_PIXEL = 0.05  # H.264 below this looks broken: the frame is made smaller instead
CAPTION_CHARS = 1024
TEXT_CHARS = 4096
HELP = (
    "Send me a song (an audio file, a voice message or a file) and I make a music video for "
    "it. Say what you want in the caption, or in a message before the song: “a melancholic "
    "video with a lone astronaut”. Then ask for changes: “make the chorus brighter”, “redo "
    "scene 3”, “make it neon”, “show the plan”."
)

log = logging.getLogger("sound2sight.telegram")


@dataclass(frozen=True, kw_only=True)
class BotLimits:
    """Who may use the bot and how much."""

    allow: frozenset[int]  # user or chat ids; empty with `everyone`
    everyone: bool = False
    jobs_per_user: int = 1
    upload_mb: float = CLOUD_DOWNLOAD_MB  # the largest song accepted
    video_mb: float = CLOUD_VIDEO_MB  # the largest video sent

    def __post_init__(self) -> None:
        if not self.allow and not self.everyone:
            raise InvalidInputError(
                "the bot answers nobody: give user or chat ids with --allow (or allow = [...] "
                "under [telegram] in the config file), or --allow-everyone"
            )
        if self.jobs_per_user < 1:
            raise InvalidInputError("--jobs-per-user must be 1 or more")
        if self.video_mb <= 0:
            raise InvalidInputError("--max-video-mb must be more than 0")

    def allows(self, user_id: int | None, chat_id: int) -> bool:
        return self.everyone or chat_id in self.allow or user_id in self.allow


# ---------------------------------------------------------------------------- fitting the video


@dataclass(frozen=True)
class Fit:
    width: int
    height: int
    video_bps: int
    audio_bps: int


def fit_plan(*, width: int, height: int, fps: float, seconds: float, limit_bytes: int) -> Fit:
    """The size and bitrates that bring a video of `seconds` under `limit_bytes`: the audio
    gets a quarter of the budget (24 to 128 kbit/s), the picture the rest; where that leaves
    fewer than MIN_BITS_PER_PIXEL a frame, the frame shrinks (aspect kept, even sides)."""
    total = limit_bytes * 8 * FILL / seconds
    audio = int(min(max(total / 4, 24_000), 128_000))
    video = int(total - audio)
    if video < 16_000:
        raise InvalidInputError(
            f"a {seconds:.0f} s video cannot fit in {limit_bytes / MB:.1f} MB: give a shorter song"
        )
    scale = min(1.0, math.sqrt(video / (MIN_BITS_PER_PIXEL * width * height * fps)))
    w, h = (max(16, int(side * scale) // 2 * 2) for side in (width, height))
    return Fit(w, h, video, audio)


def fit_video(path: Path, *, limit_bytes: int) -> tuple[Path, str | None]:
    """`path` when it is small enough, else a copy encoded again to fit beside it
    (`<name>.telegram.mp4`), and a sentence saying what was done."""
    size = path.stat().st_size
    if size <= limit_bytes:
        return path, None
    info = video_info(str(path))
    plan = fit_plan(
        width=info.width,
        height=info.height,
        fps=info.fps,
        seconds=info.frames / info.fps,
        limit_bytes=limit_bytes,
    )
    out = path.with_suffix(".telegram.mp4")
    with atomic_path(out, suffix=".mp4") as tmp:
        cmd = [
            ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(path),
            "-vf", f"scale={plan.width}:{plan.height}", "-c:v", "libx264", "-preset", "veryfast",
            "-b:v", str(plan.video_bps), "-maxrate", str(plan.video_bps),
            "-bufsize", str(plan.video_bps), "-c:a", "aac", "-b:a", str(plan.audio_bps),
            "-movflags", "+faststart", str(tmp),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        if done.returncode != 0:
            raise GenerationFailedError(f"could not encode the video again: {done.stderr[-500:]}")
    if out.stat().st_size > limit_bytes:
        raise GenerationFailedError(
            f"the video is {out.stat().st_size / MB:.1f} MB even at "
            f"{plan.video_bps // 1000} kbit/s, over the {limit_bytes / MB:g} MB Telegram takes"
        )
    note = (
        f"Telegram takes videos of up to {limit_bytes / MB:g} MB from a bot: this one "
        f"({size / MB:.1f} MB at {info.width}x{info.height}) is sent at "
        f"{plan.width}x{plan.height}, {(plan.video_bps + plan.audio_bps) // 1000} kbit/s."
    )
    return out, note


# ---------------------------------------------------------------------------- chats


class ChatBook:
    """Each chat's current job and the request it sent before its song (`telegram.json`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.chats: dict[str, dict] = json.loads(path.read_text())["chats"] if path.exists() else {}

    def get(self, chat_id: int) -> dict:
        return dict(self.chats.get(str(chat_id), {}))

    def set(self, chat_id: int, **values: str | None) -> None:
        entry = {**self.chats.get(str(chat_id), {}), **values}
        self.chats[str(chat_id)] = {k: v for k, v in entry.items() if v is not None}
        write_json(self.path, {"chats": self.chats})


# ---------------------------------------------------------------------------- the bot


class SongBot:
    """The handlers: songs become jobs, messages become revisions; one watcher per request.
    The job store is opened (`open`) once Telegram has accepted the token, before any update."""

    def __init__(self, limits: BotLimits) -> None:
        self.limits = limits
        self.store: JobStore | None = None
        self.book: ChatBook | None = None
        self.active: dict[int, int] = {}  # user id -> requests in the making
        self.watchers: set[asyncio.Task] = set()

    def open(self, store: JobStore) -> None:
        self.store = store
        self.book = ChatBook(store.root / "telegram.json")

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self._admitted(update):
            await update.effective_message.reply_text(HELP)

    async def on_song(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An audio, voice or document message: a new conversation about this song."""
        message = update.effective_message
        if not await self._admitted(update) or not await self._has_room(update):
            return
        media = message.audio or message.voice or message.document
        name = getattr(media, "file_name", None) or "your voice message"
        if media.file_size and media.file_size > self.limits.upload_mb * MB:
            await message.reply_text(
                f"{name} is {media.file_size / MB:.1f} MB: I take songs of up to "
                f"{self.limits.upload_mb:g} MB."
            )
            return
        longest = float(self.store.settings.get("max_duration", MAX_DURATION))
        if getattr(media, "duration", None) and media.duration > longest:
            await message.reply_text(
                f"{name} is {media.duration:g} s long: I take songs of up to {longest:g} s."
            )
            return
        chat = self.book.get(message.chat_id)
        request = message.caption or chat.get("request") or ""
        what = f"“{request}”" if request else "a video that fits the music"
        status = await message.reply_text(f"Got {name}: making {what}. Checking the song…")
        try:
            upload = await self._download(media, context)
        except TelegramError as err:
            await _edit(status, f"I could not download {name}: {err}")
            return
        try:
            job = await asyncio.to_thread(self.store.create, upload, request=request, name=name)
        except InvalidInputError as err:
            await _edit(status, f"I cannot use {name}: {err}")
            return
        self.book.set(message.chat_id, job=job["id"], request=None)
        self._watch(update, JobFolder(self.store.root / job["id"]), status, after=0)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message: a revision of the chat's current video, or the request for a song to come."""
        message = update.effective_message
        if not await self._admitted(update):
            return
        job_id = self.book.get(message.chat_id).get("job")
        if job_id is None:
            self.book.set(message.chat_id, request=message.text)
            await message.reply_text(
                "Noted. Now send me the song: an audio file, a voice message or a file."
            )
            return
        if not await self._has_room(update):
            return
        status = await message.reply_text(f"On it: “{message.text}”…")
        try:
            folder = self.store.folder(job_id)
            after = len(await asyncio.to_thread(folder.events))
            await asyncio.to_thread(self.store.message, job_id, message.text)
        except JobBusy:
            await _edit(status, "I am still working on your last request: wait until it is done.")
            return
        except InvalidInputError as err:
            await _edit(status, f"I cannot do that: {err}")
            return
        self._watch(update, folder, status, after=after)

    async def _admitted(self, update: Update) -> bool:
        user = update.effective_user
        chat_id = update.effective_chat.id
        if self.limits.allows(user.id if user else None, chat_id):
            return True
        log.warning("refused a message from user %s in chat %s", user and user.id, chat_id)
        await update.effective_message.reply_text(
            f"This bot answers only the people it was set up for. Your user id is "
            f"{user.id if user else '?'}, this chat's id is {chat_id}: its owner can add either."
        )
        return False

    async def _has_room(self, update: Update) -> bool:
        busy = self.active.get(update.effective_user.id, 0)
        if busy < self.limits.jobs_per_user:
            return True
        await update.effective_message.reply_text(
            f"You have {busy} video(s) in the making already (at most "
            f"{self.limits.jobs_per_user} at once): wait until one is done."
        )
        return False

    async def _download(self, media, context: ContextTypes.DEFAULT_TYPE) -> Path:
        """The file of `media`, in a private temporary file under the jobs folder."""
        incoming = self.store.root / ".incoming"
        incoming.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, suffix=".part")
        os.close(fd)
        try:
            file = await context.bot.get_file(media.file_id)
            await file.download_to_drive(custom_path=name)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    def _watch(self, update: Update, folder: JobFolder, status: Message, *, after: int) -> None:
        user_id = update.effective_user.id
        self.active[user_id] = self.active.get(user_id, 0) + 1

        async def watch() -> None:
            try:
                await self._follow(folder, status, after=after)
            except TelegramError as err:  # the chat went away, a network failure…
                log.warning("job %s: cannot report to chat %s: %s", folder.id, status.chat_id, err)
            except Exception:  # a bug: in the log, and the user is told
                log.exception("job %s: following it failed", folder.id)
                await _edit(status, "Sorry, something went wrong on my side.")
            finally:
                self.active[user_id] -= 1

        task = asyncio.create_task(watch())
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)

    async def _follow(self, folder: JobFolder, status: Message, *, after: int) -> None:
        """Edit the progress message as the job's events come, then send what it made."""
        before = (await asyncio.to_thread(folder.read))["runs"]
        shown, edited = status.text, 0.0
        while True:
            events = await asyncio.to_thread(folder.events, after=after)
            after += len(events)
            job = await asyncio.to_thread(folder.read)
            if events and time.monotonic() - edited >= EDIT_SECONDS:
                text = progress_text(events[-1])
                if text != shown:
                    await _edit(status, text)
                    shown, edited = text, time.monotonic()
            if not events and job["status"] not in BUSY:
                break
            await asyncio.sleep(POLL_SECONDS)
        if job["status"] == "failed":
            await _edit(status, f"Sorry, that did not work: {job['error']}")
            return
        answer = _answer(job, folder)
        if job["runs"] == before:  # a question or a plan, no new video
            await _edit(status, "Done.")
            await status.reply_text(answer[:TEXT_CHARS] or "Done.")
            return
        video = await asyncio.to_thread(folder.video)
        if video is None:
            await _edit(status, "Sorry, the job ended without a video.")
            return
        limit = int(self.limits.video_mb * MB)
        fitting = video.stat().st_size > limit
        await _edit(
            status,
            f"Done: encoding it again to fit Telegram's {self.limits.video_mb:g} MB…"
            if fitting
            else "Done: sending the video…",
        )
        await status.get_bot().send_chat_action(status.chat_id, ChatAction.UPLOAD_VIDEO)
        try:
            sent, note = await asyncio.to_thread(fit_video, video, limit_bytes=limit)
        except (InvalidInputError, GenerationFailedError) as err:
            await _edit(status, f"The video is made, but I cannot send it: {err}")
            return
        info = await asyncio.to_thread(video_info, str(sent))
        caption = "\n\n".join(filter(None, [answer, note]))
        with open(sent, "rb") as data:
            await status.reply_video(
                data,
                caption=caption[:CAPTION_CHARS],
                width=info.width,
                height=info.height,
                duration=round(info.frames / info.fps),
                supports_streaming=True,
            )
        await _edit(status, "Done. Ask for changes, e.g. “make the chorus brighter”.")

    async def stop_watching(self, application: Application) -> None:
        """At shutdown: stop following jobs (their work goes on or is abandoned by the store)."""
        for task in list(self.watchers):
            task.cancel()
        await asyncio.gather(*self.watchers, return_exceptions=True)


def progress_text(event: dict) -> str:
    """The progress message for the latest event of a job."""
    percent = round(100 * float(event.get("progress", 0.0)))
    return f"Working… {percent}%\n{event.get('message', '')}".strip()


def _answer(job: dict, folder: JobFolder) -> str:
    """What to tell the user about the job's last request: the agent's answer without the path
    line, or for a first video its title."""
    if job["messages"]:
        lines = job["messages"][-1]["text"].splitlines()
        return "\n".join(line for line in lines if line.strip() != job["video"]).strip()
    plan = json.loads((folder.path / job["runs"][-1] / "plan.json").read_text())
    return f"“{plan['title']}”: {len(plan['scenes'])} scenes."


async def _edit(message: Message, text: str) -> None:
    """Edit a progress message; an edit that changes nothing is not an error."""
    try:
        await message.edit_text(text[:TEXT_CHARS])
    except BadRequest as err:
        if "not modified" not in str(err):
            raise


# ---------------------------------------------------------------------------- running it


class Redacting(logging.Formatter):
    """Log lines (and tracebacks) with the bot token blanked out."""

    def __init__(self, token: str, fmt: str) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace(self.token, "<token>")


def build_application(bot: SongBot, *, token: str, api_url: str | None = None) -> Application:
    """The python-telegram-bot application with the bot's handlers (updates one at a time:
    a handler only starts work, watchers run beside it)."""
    builder: ApplicationBuilder = (
        Application.builder().token(token).media_write_timeout(300).post_stop(bot.stop_watching)
    )
    if api_url:
        base = api_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    app = builder.build()
    app.add_handler(CommandHandler(["start", "help"], bot.help))
    app.add_handler(
        MessageHandler(filters.AUDIO | filters.VOICE | filters.Document.ALL, bot.on_song)
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, bot.on_text))
    app.add_error_handler(_report_error)
    return app


async def _report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        await update.effective_message.reply_text("Sorry, something went wrong on my side.")


def run_bot(
    open_store: Callable[[], JobStore],
    limits: BotLimits,
    *,
    token: str,
    api_url: str | None = None,
) -> None:
    """Poll Telegram for updates until interrupted (SIGINT or SIGTERM). The job store (and its
    workers) is opened by `open_store` once Telegram has accepted the token, and its executor
    is shut down at the end."""
    handler = logging.StreamHandler()
    handler.setFormatter(Redacting(token, "sound2sight telegram: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    log.setLevel(logging.INFO)
    bot = SongBot(limits)
    app = build_application(bot, token=token, api_url=api_url)

    async def ready(application: Application) -> None:
        bot.open(await asyncio.to_thread(open_store))
        me = application.bot.username
        log.info("@%s is listening (allow-list: %s)", me, _who(limits))

    app.post_init = ready
    try:
        app.run_polling(allowed_updates=[Update.MESSAGE], close_loop=False)
    except InvalidToken:
        raise BackendUnavailableError(
            f"Telegram refused the bot token ({TOKEN_ENV} or [telegram] token): check it with "
            "@BotFather"
        ) from None
    except TelegramError as err:
        raise BackendUnavailableError(
            f"cannot reach the Telegram Bot API: {str(err).replace(token, '<token>')}"
        ) from None
    finally:
        if bot.store is not None:
            bot.store.executor.shutdown(cancel=True)


def _who(limits: BotLimits) -> str:
    return "everyone" if limits.everyone else ", ".join(str(i) for i in sorted(limits.allow))
