"""A fake Slack for the Slack bot's tests: the Web API on 127.0.0.1, and Slack's side of the
Events API (events POSTed to the bot, signed with the app's signing secret).

The Web API is spoken as slack_sdk calls it (`<url>/api/<method>`, a Bearer token, form, query
or JSON parameters, `{"ok": …}` answers) for the methods the bot uses: auth.test, files.info
and the file download (`url_private_download`, which needs the bot token as Slack's does),
chat.postMessage, chat.update, files.getUploadURLExternal, the upload to the URL it gave and
files.completeUploadExternal. A wrong token gets `invalid_auth`, an upload that is not the
announced length is refused, a file is shared in a thread only after its upload completed.
Every call is recorded; uploaded files are kept in `uploads/`.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BOT_USER, TEAM = "UBOT0001", "T0000001"


@dataclass
class Call:
    method: str
    params: dict[str, str]
    result: dict = field(default_factory=dict)  # what the server answered


class FakeSlack:
    """The fake: `share`/`say` post events as Slack does when a user writes, `calls` says what
    the bot did."""

    def __init__(
        self,
        folder: Path,
        *,
        token: str = "xoxb-1-TEST-token-never-shown",
        signing_secret: str = "TEST-signing-secret-never-shown",
    ) -> None:
        self.folder = folder
        self.token = token
        self.signing_secret = signing_secret
        self.calls: list[Call] = []
        self._files: dict[str, dict] = {}  # id -> file object (+ "path" or "data")
        self._pending: dict[str, dict] = {}  # upload file id -> {"filename", "length", "data"}
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)
        self._changed = threading.Condition()
        (folder / "uploads").mkdir(parents=True, exist_ok=True)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def start(self) -> "FakeSlack":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------------ a user's side

    def ts(self) -> str:
        return f"{1_700_000_000 + next(self._clock)}.000100"

    def say(
        self, bot: str, channel: str, user: str, text: str, *, thread: str | None = None
    ) -> tuple[int, str]:
        """A message in `channel` (in the thread `thread`), sent to the bot at `bot` as the
        Events API sends it: (the bot's HTTP status, the message's ts)."""
        ts = self.ts()
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                 "channel_type": "im" if channel.startswith("D") else "channel"}  # fmt: skip
        if thread:
            event["thread_ts"] = thread
        return self.post_event(bot, event), ts

    def share(
        self, bot: str, channel: str, user: str, path: Path, *, text: str = "",
        thread: str | None = None, mimetype: str = "audio/wav",
    ) -> tuple[int, str]:  # fmt: skip
        """A message sharing the file at `path`, as `say`."""
        file_id = f"F{next(self._ids):07d}"
        self._files[file_id] = {
            "id": file_id,
            "name": path.name,
            "title": path.name,
            "mimetype": mimetype,
            "filetype": path.suffix.lstrip("."),
            "size": path.stat().st_size,
            "user": user,
            "url_private_download": f"{self.url}/files-pri/{TEAM}-{file_id}/download/{path.name}",
            "path": path,
        }
        ts = self.ts()
        event = {
            "type": "message", "subtype": "file_share", "channel": channel, "user": user,
            "text": text, "ts": ts, "files": [self._public(file_id)],
            "channel_type": "im" if channel.startswith("D") else "channel",
        }  # fmt: skip
        if thread:
            event["thread_ts"] = thread
        return self.post_event(bot, event), ts

    def post_event(self, bot: str, event: dict, *, sign: bool = True) -> int:
        """POST an event_callback to the bot's Request URL, signed as Slack signs it."""
        body = {
            "token": "deprecated-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0000001",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
        return self.post(bot, json.dumps(body), sign=sign)[0]

    def post(self, bot: str, body: str, *, sign: bool = True) -> tuple[int, str]:
        """POST `body` to the bot: (status, answer)."""
        headers = {"Content-Type": "application/json"}
        if sign:
            stamp = str(int(time.time()))
            digest = hmac.new(
                self.signing_secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256
            ).hexdigest()
            headers |= {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}
        request = urllib.request.Request(bot, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 60, **params: str) -> Call:
        """The `count`-th call of `method` (with these parameters), once it happened."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.of(method, **params)
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    done = [f"{c.method} {c.params}" for c in self.calls]
                    raise AssertionError(f"no {method} {params} after {timeout} s; calls: {done}")
                self._changed.wait(left)

    def of(self, method: str, **params: str) -> list[Call]:
        return [
            c
            for c in list(self.calls)
            if c.method == method and all(c.params.get(k) == v for k, v in params.items())
        ]

    # ------------------------------------------------------------------------ the bot's side

    def answer(self, method: str, params: dict[str, str], token: str | None) -> dict:
        """The answer to one Web API call, recorded."""
        if token != self.token:
            result = {"ok": False, "error": "invalid_auth"}
        else:
            result = self._answer(method, params)
        with self._changed:
            self.calls.append(Call(method, params, result))
            self._changed.notify_all()
        return result

    def _answer(self, method: str, params: dict[str, str]) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://band.slack.com/", "team": "band",
                    "user": "sound2sight", "team_id": TEAM, "user_id": BOT_USER,
                    "bot_id": "B0000001"}  # fmt: skip
        if method == "files.info":
            if params.get("file") not in self._files:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": self._public(params["file"])}
        if method == "chat.postMessage":
            if not params.get("channel") or not params.get("text"):
                return {"ok": False, "error": "no_text"}
            ts = self.ts()
            message = {"type": "message", "user": BOT_USER, "text": params["text"], "ts": ts}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}
        if method == "chat.update":
            sent = {
                (c.params.get("channel"), c.result.get("ts")) for c in self.of("chat.postMessage")
            }
            if (params.get("channel"), params.get("ts")) not in sent:
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": params["channel"], "ts": params["ts"],
                    "text": params.get("text", "")}  # fmt: skip
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not params.get("length", "").isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ids):07d}"
            self._pending[file_id] = {"filename": params["filename"],
                                      "length": int(params["length"]), "data": None}  # fmt: skip
            return {"ok": True, "upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files", "[]"))
            done = []
            for item in files:
                pending = self._pending.get(item.get("id"))
                if pending is None or pending["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
                n = len(self.of("files.completeUploadExternal"))
                (self.folder / "uploads" / f"{n}-{pending['filename']}").write_bytes(
                    pending["data"]
                )
                done.append({"id": item["id"], "name": pending["filename"],
                             "title": item.get("title"), "size": pending["length"]})  # fmt: skip
            return {"ok": True, "files": done}
        return {"ok": False, "error": "unknown_method"}

    def upload(self, file_id: str, data: bytes) -> int:
        pending = self._pending.get(file_id)
        if pending is None:
            return 404
        if len(data) != pending["length"]:
            return 400
        pending["data"] = data
        return 200

    def download(self, path: str, token: str | None) -> bytes | None:
        if token != self.token:
            return None
        for file in self._files.values():
            if urlsplit(file["url_private_download"]).path == path:
                return file["path"].read_bytes()
        return None

    def _public(self, file_id: str) -> dict:
        return {k: v for k, v in self._files[file_id].items() if k != "path"}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _token(self) -> str | None:
            value = self.headers.get("Authorization", "")
            return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path.startswith("/api/"):
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                self._json(fake.answer(url.path.removeprefix("/api/"), params, self._token()))
                return
            data = fake.download(url.path, self._token())
            if data is None:  # Slack answers a file request without the token with a page
                self._send(404, b"not found", "text/html")
                return
            self._send(200, data, "application/octet-stream")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            url = urlsplit(self.path)
            if url.path.startswith("/upload/v1/"):
                status = fake.upload(url.path.removeprefix("/upload/v1/"), body)
                self._send(status, b"OK - %d" % len(body), "text/plain")
                return
            if not url.path.startswith("/api/"):
                self._send(404, b"not found", "text/plain")
                return
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/json"):
                data = json.loads(body or b"{}")
                params |= {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
            else:
                params |= {k: v[0] for k, v in parse_qs(body.decode()).items()}
            token = self._token() or params.pop("token", None)
            self._json(fake.answer(url.path.removeprefix("/api/"), params, token))

        def _json(self, payload: dict) -> None:
            self._send(200, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, data: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
