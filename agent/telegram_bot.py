"""The Telegram bot: songs in, music videos out, revisions in plain words (python-telegram-bot).

A user sends a song (an audio, voice or document message), with the request in its caption or
in a message before it. The bot answers at once with one message that it edits as the stages
pass, then sends the video. Any later message ("make the chorus brighter", "redo scene 3") is a
revision of the chat's current video; a new song starts a new conversation.

The work is the job store's of `sound2sight serve` (agent/jobs.py), through agent/bots.py
(shared with the Slack bot): a song becomes a job, checked as the API checks uploads (size,
audio, duration) and made by the executor (local worker processes or Ray); a revision is
`JobStore.message`, answered by the job's chat agent (agent/chat.py), whose conversation is
checkpointed in the job's folder. Which job is each chat's current one is kept in
`<jobs>/telegram.json`, so conversations survive a restart.

Telegram's limits: a bot downloads files of at most 20 MB and sends at most 50 MB (a local
Bot API server, `--api-url`, lifts both). A video over the limit is encoded again at the
bitrate that fits, and at a smaller size where that bitrate would be too thin for the frame;
the caption says so, and the full video stays in the job's folder.

Who may use it: the user or chat ids of the allow-list (or everyone, when asked); each user
has at most `jobs_per_user` videos in the making at once. The token never reaches the output:
every log line is formatted through `bots.Redacting`.
"""

import asyncio
import logging
import math
import os
import subprocess
import tempfile
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

from agent.bots import MB, BotCore, BotLimits, log_to_stderr
from agent.jobs import JobStore
from tools.errors import BackendUnavailableError, GenerationFailedError, InvalidInputError
from tools.ffmpeg import ffmpeg_exe, video_info
from tools.files import atomic_path

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
CLOUD_DOWNLOAD_MB = 20  # the largest file a bot may download from Telegram's servers
CLOUD_VIDEO_MB = 50  # the largest file a bot may send through Telegram's servers
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


# ---------------------------------------------------------------------------- the bot


class TelegramReply:
    """A request's progress message in a Telegram chat (`bots.Reply`)."""

    def __init__(self, status: Message, video_mb: float) -> None:
        self.status = status
        self.video_mb = video_mb

    async def edit(self, text: str) -> None:
        """Edit the progress message; an edit that changes nothing is not an error."""
        try:
            await self.status.edit_text(text[:TEXT_CHARS])
        except BadRequest as err:
            if "not modified" not in str(err):
                raise

    async def reply(self, text: str) -> None:
        await self.status.reply_text(text[:TEXT_CHARS])

    async def send_video(self, video: Path, answer: str) -> None:
        """The video, encoded again first when it is over the limit."""
        limit = int(self.video_mb * MB)
        fitting = video.stat().st_size > limit
        await self.edit(
            f"Done: encoding it again to fit Telegram's {self.video_mb:g} MB…"
            if fitting
            else "Done: sending the video…"
        )
        await self.status.get_bot().send_chat_action(self.status.chat_id, ChatAction.UPLOAD_VIDEO)
        sent, note = await asyncio.to_thread(fit_video, video, limit_bytes=limit)
        info = await asyncio.to_thread(video_info, str(sent))
        caption = "\n\n".join(filter(None, [answer, note]))
        with open(sent, "rb") as data:
            await self.status.reply_video(
                data,
                caption=caption[:CAPTION_CHARS],
                width=info.width,
                height=info.height,
                duration=round(info.frames / info.fps),
                supports_streaming=True,
            )


class SongBot:
    """The handlers: Telegram's messages to `BotCore` (songs become jobs, messages revisions);
    a chat is a conversation."""

    def __init__(self, limits: BotLimits) -> None:
        self.core = BotCore(limits, book_name="telegram.json", platform_errors=(TelegramError,))

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
        refusal = self.core.refusal(
            name, size=media.file_size, seconds=getattr(media, "duration", None)
        )
        if refusal:
            await message.reply_text(refusal)
            return
        request = message.caption or self.core.book.get(message.chat_id).get("request") or ""
        what = f"“{request}”" if request else "a video that fits the music"
        status = await message.reply_text(f"Got {name}: making {what}. Checking the song…")
        out = TelegramReply(status, self.core.limits.video_mb)
        try:
            upload = await self._download(media, context)
        except TelegramError as err:
            await out.edit(f"I could not download {name}: {err}")
            return
        await self.core.start_song(
            message.chat_id, update.effective_user.id, upload, name=name, request=request, out=out
        )

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message: a revision of the chat's current video, or the request for a song to come."""
        message = update.effective_message
        if not await self._admitted(update):
            return
        if self.core.book.get(message.chat_id).get("job") is None:
            self.core.book.set(message.chat_id, request=message.text)
            await message.reply_text(
                "Noted. Now send me the song: an audio file, a voice message or a file."
            )
            return
        if not await self._has_room(update):
            return
        status = await message.reply_text(f"On it: “{message.text}”…")
        out = TelegramReply(status, self.core.limits.video_mb)
        await self.core.revise(message.chat_id, update.effective_user.id, message.text, out)

    async def _admitted(self, update: Update) -> bool:
        user = update.effective_user
        chat_id = update.effective_chat.id
        if self.core.limits.allows(user.id if user else None, chat_id):
            return True
        log.warning("refused a message from user %s in chat %s", user and user.id, chat_id)
        await update.effective_message.reply_text(
            f"This bot answers only the people it was set up for. Your user id is "
            f"{user.id if user else '?'}, this chat's id is {chat_id}: its owner can add either."
        )
        return False

    async def _has_room(self, update: Update) -> bool:
        why = self.core.busy(update.effective_user.id)
        if why:
            await update.effective_message.reply_text(why)
        return why is None

    async def _download(self, media, context: ContextTypes.DEFAULT_TYPE) -> Path:
        """The file of `media`, in a private temporary file under the jobs folder."""
        fd, name = tempfile.mkstemp(dir=self.core.incoming(), suffix=".part")
        os.close(fd)
        try:
            file = await context.bot.get_file(media.file_id)
            await file.download_to_drive(custom_path=name)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)


# ---------------------------------------------------------------------------- running it


def build_application(bot: SongBot, *, token: str, api_url: str | None = None) -> Application:
    """The python-telegram-bot application with the bot's handlers (updates one at a time:
    a handler only starts work, watchers run beside it)."""
    builder: ApplicationBuilder = (
        Application.builder()
        .token(token)
        .media_write_timeout(300)
        .post_stop(bot.core.stop_watching)
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
    log_to_stderr("sound2sight telegram", [token])
    bot = SongBot(limits)
    app = build_application(bot, token=token, api_url=api_url)

    async def ready(application: Application) -> None:
        bot.core.open(await asyncio.to_thread(open_store))
        me = application.bot.username
        log.info("@%s is listening (allow-list: %s)", me, limits.who())

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
        if bot.core.store is not None:
            bot.core.store.executor.shutdown(cancel=True)
