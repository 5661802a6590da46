"""The Slack bot: songs in, music videos out, revisions in plain words (slack_bolt).

A user shares a song (an audio file) in a channel or a direct message where the bot is, with
the request in the same message or in a message before it in the thread. The bot answers at
once in a thread, updates one progress message there as the stages pass (`chat.update`),
then uploads the video into the thread (`files_upload_v2`: files.getUploadURLExternal, the
upload, files.completeUploadExternal). Any later message in the thread ("make the chorus
brighter", "redo scene 3") is a revision of its current video: each thread is a conversation.
In a channel the bot reads top-level messages only when they carry a song or mention it.

Slack calls the bot over HTTP (the Events API): every request is checked against the signing
secret (bolt's request verification, which also answers Slack's url_verification challenge),
and events Slack sends again (a retry) are answered once. The work is agent/bots.py's, shared
with the Telegram bot: a song becomes a job of the job store, checked as `serve` checks
uploads; which job is each thread's is kept in `<jobs>/slack.json`, so conversations survive a
restart. The bot token and signing secret never reach the output (`bots.Redacting`).
"""

import asyncio
import logging
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from agent.bots import MB, BotCore, BotLimits, log_to_stderr
from agent.jobs import JobStore
from tools.errors import BackendUnavailableError, InvalidInputError

TOKEN_ENV = "SLACK_BOT_TOKEN"
SECRET_ENV = "SLACK_SIGNING_SECRET"
FILE_MB = 1024  # the largest file Slack takes
TEXT_CHARS = 4000  # Slack truncates longer message texts
MENTION = re.compile(r"<@[A-Z0-9]+>\s*")
HELP = (
    "Share a song (an audio file) with me and I make a music video for it. Say what you want "
    "in the same message, or in the thread before the song: “a melancholic video with a lone "
    "astronaut”. Then ask for changes in the thread: “make the chorus brighter”, “redo scene "
    "3”, “make it neon”, “show the plan”."
)

log = logging.getLogger("sound2sight.slack")


class SlackReply:
    """A request's progress message in a Slack thread (`bots.Reply`)."""

    def __init__(self, client: AsyncWebClient, channel: str, thread: str, ts: str) -> None:
        self.client, self.channel, self.thread, self.ts = client, channel, thread, ts

    @classmethod
    async def post(
        cls, client: AsyncWebClient, channel: str, thread: str, text: str
    ) -> "SlackReply":
        """Post the progress message in the thread."""
        sent = await client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        return cls(client, channel, thread, sent["ts"])

    async def edit(self, text: str) -> None:
        await self.client.chat_update(channel=self.channel, ts=self.ts, text=text[:TEXT_CHARS])

    async def reply(self, text: str) -> None:
        await self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread, text=text[:TEXT_CHARS]
        )

    async def send_video(self, video: Path, answer: str) -> None:
        size = video.stat().st_size
        if size > FILE_MB * MB:
            raise InvalidInputError(f"it is {size / MB:.0f} MB, over Slack's {FILE_MB} MB")
        await self.edit("Done: uploading the video…")
        await self.client.files_upload_v2(
            channel=self.channel,
            thread_ts=self.thread,
            file=str(video),
            filename="video.mp4",
            title="sound2sight video",
            initial_comment=answer[:TEXT_CHARS],
        )


class SlackSongBot:
    """The event handlers: Slack messages to `BotCore`; a thread is a conversation."""

    def __init__(self, limits: BotLimits, *, client: AsyncWebClient) -> None:
        self.core = BotCore(
            limits, book_name="slack.json", platform_errors=(SlackClientError, aiohttp.ClientError)
        )
        self.client = client
        self.bot_user: str | None = None
        self.seen: deque[str] = deque(maxlen=1000)  # the latest event ids: Slack sends an
        # event again when it is unsure the bot got it
        self.one_at_a_time = asyncio.Lock()  # events are handled in turn (a handler only
        # starts work: watchers run beside it), so a user's limit counts every request

    async def on_message(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        """A message: a song starts a conversation in its thread; text in a thread the bot
        knows revises its video, or is the request for a song to come."""
        async with self.one_at_a_time:
            try:
                await self._handle(body, event, client)
            except Exception:  # a bug, or Slack failing: in the log, and the user is told
                log.exception("while handling a message event")
                thread = event.get("thread_ts") or event.get("ts")
                await client.chat_postMessage(
                    channel=event["channel"],
                    thread_ts=thread,
                    text="Sorry, something went wrong on my side.",
                )

    async def _handle(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        if body.get("event_id") in self.seen:
            return
        self.seen.append(body.get("event_id"))
        if (
            event.get("bot_id")
            or event.get("user") == self.bot_user
            or event.get("subtype") not in (None, "file_share")
        ):
            return  # the bot's own messages and videos, edits, joins…
        channel, user = event["channel"], event.get("user")
        thread = event.get("thread_ts") or event["ts"]
        key = f"{channel}/{thread}"
        text = MENTION.sub("", event.get("text") or "").strip()
        known = self.core.book.get(key)
        addressed = (
            event.get("files")
            or known
            or event.get("channel_type") == "im"
            or (self.bot_user and f"<@{self.bot_user}>" in (event.get("text") or ""))
        )
        if not addressed:
            return
        if not self.core.limits.allows(user, channel):
            log.warning("refused a message from user %s in channel %s", user, channel)
            await client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text=f"This bot answers only the people it was set up for. Your user id is "
                f"{user}, this channel's id is {channel}: its owner can add either.",
            )
            return
        if event.get("files"):
            await self._song(key, user, event["files"][0]["id"], text or known.get("request"))
        elif not text:
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=HELP)
        elif "job" not in known:
            self.core.book.set(key, request=text)
            await client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text="Noted. Now share the song in this thread: an audio file.",
            )
        elif await self._has_room(client, channel, thread, user):
            out = await SlackReply.post(client, channel, thread, f"On it: “{text}”…")
            await self.core.revise(key, user, text, out)

    async def _song(self, key: str, user: str, file_id: str, request: str | None) -> None:
        channel, thread = key.split("/")
        client = self.client
        if not await self._has_room(client, channel, thread, user):
            return
        try:
            info = (await client.files_info(file=file_id))["file"]
        except SlackApiError as err:
            text = f"I could not read that file: {err.response.get('error')}"
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
            return
        name = info.get("name") or "your file"
        duration = info.get("duration_ms")
        refusal = self.core.refusal(
            name, size=info.get("size"), seconds=duration / 1000 if duration else None
        )
        if refusal:
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=refusal)
            return
        request = request or ""
        what = f"“{request}”" if request else "a video that fits the music"
        out = await SlackReply.post(
            client, channel, thread, f"Got {name}: making {what}. Checking the song…"
        )
        try:
            upload = await self._download(info["url_private_download"])
        except (aiohttp.ClientError, InvalidInputError) as err:
            await out.edit(f"I could not download {name}: {err}")
            return
        await self.core.start_song(key, user, upload, name=name, request=request, out=out)

    async def _has_room(self, client: AsyncWebClient, channel: str, thread: str, user: str) -> bool:
        why = self.core.busy(user)
        if why:
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=why)
        return why is None

    async def _download(self, url: str) -> Path:
        """A file of Slack's (its private URL, read with the bot token) in a private temporary
        file under the jobs folder; at most the upload limit is read."""
        limit = int(self.core.limits.upload_mb * MB)
        fd, name = tempfile.mkstemp(dir=self.core.incoming(), suffix=".part")
        try:
            headers = {"Authorization": f"Bearer {self.client.token}"}
            async with (
                aiohttp.ClientSession(raise_for_status=True) as session,
                session.get(url, headers=headers) as response,
            ):
                got = 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    got += len(chunk)
                    if got > limit:
                        raise InvalidInputError(f"it is over {self.core.limits.upload_mb:g} MB")
                    os.write(fd, chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
        return Path(name)


def build_app(bot: SlackSongBot, *, signing_secret: str) -> AsyncApp:
    """The bolt app with the bot's listeners (events acknowledged before they are handled)."""
    app = AsyncApp(client=bot.client, signing_secret=signing_secret, logger=log)
    app.event("message")(bot.on_message)

    async def ignore() -> None:  # the file's message event carries the song
        return None

    app.event("file_shared")(ignore)
    return app


def run_bot(
    open_store: Callable[[], JobStore],
    limits: BotLimits,
    *,
    token: str,
    signing_secret: str,
    host: str,
    port: int,
    path: str = "/slack/events",
    api_url: str | None = None,
) -> None:
    """Serve Slack's events on http://host:port/path until interrupted (SIGINT or SIGTERM).
    The job store (and its workers) is opened by `open_store` once Slack has accepted the
    token, and its executor is shut down at the end."""
    log_to_stderr("sound2sight slack", [token, signing_secret])
    base = {"base_url": api_url.rstrip("/") + "/"} if api_url else {}
    bot = SlackSongBot(limits, client=AsyncWebClient(token=token, **base))
    app = build_app(bot, signing_secret=signing_secret)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def ready(_: web.Application) -> None:
        try:
            me = await bot.client.auth_test()
        except SlackApiError as err:
            raise BackendUnavailableError(
                f"Slack refused the bot token ({TOKEN_ENV} or [slack] bot_token): "
                f"{err.response.get('error')}"
            ) from None
        except (SlackClientError, aiohttp.ClientError) as err:
            raise BackendUnavailableError(
                f"cannot reach the Slack Web API: {str(err).replace(token, '<secret>')}"
            ) from None
        bot.bot_user = me.get("user_id")
        bot.core.open(await asyncio.to_thread(open_store))
        log.info(
            "@%s is listening on http://%s:%s%s (allow-list: %s)",
            me.get("user"), host, port, path, limits.who(),
        )  # fmt: skip

    web_app = web.Application()
    web_app.router.add_post(path, events)
    web_app.on_startup.append(ready)
    web_app.on_shutdown.append(bot.core.stop_watching)
    try:
        web.run_app(web_app, host=host, port=port, print=None, access_log=None)
    finally:
        if bot.core.store is not None:
            bot.core.store.executor.shutdown(cancel=True)
