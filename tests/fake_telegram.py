"""A fake Telegram Bot API server on 127.0.0.1 for the bot's tests.

It speaks the HTTP Bot API as python-telegram-bot calls it (`<base_url><token>/<method>`, form
or multipart parameters, `{"ok": true, "result": …}` answers) for the methods the bot uses:
getMe, deleteWebhook, getUpdates (long polling), getFile and the file download
(`<base_file_url><token>/<file_path>`), sendMessage, editMessageText, sendChatAction and
sendVideo. It keeps Telegram's limits that matter to the bot: a bot downloads files of at most
20 MB and uploads at most 50 MB (both smaller here when a test says so), an edit that changes
nothing is refused, and a wrong token gets 401. Every call is recorded; uploaded videos are
kept in `uploads/`.
"""

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote

BOT = {"id": 4242, "is_bot": True, "first_name": "sound2sight", "username": "sound2sight_bot"}
MB = 1024 * 1024


@dataclass
class Call:
    method: str
    params: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)
    result: object = None  # what the server answered, when it succeeded


class FakeTelegram:
    """The fake server: `send_*` queue updates as a user would, `calls` says what the bot did."""

    def __init__(
        self,
        folder: Path,
        *,
        token: str = "123456:TEST-token-never-shown",
        max_download_bytes: int = 20 * MB,
        max_upload_bytes: int = 50 * MB,
    ) -> None:
        self.folder = folder
        self.token = token
        self.max_download_bytes = max_download_bytes
        self.max_upload_bytes = max_upload_bytes
        self.calls: list[Call] = []
        self._updates: list[dict] = []
        self._files: dict[str, Path] = {}
        self._texts: dict[tuple[int, int], str] = {}  # (chat, message) -> text
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        (folder / "uploads").mkdir(parents=True, exist_ok=True)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        """The server's root: the Bot API is at <url>/bot<token>/, files at <url>/file/bot…"""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeTelegram":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------------ a user's side

    def send_text(self, chat: int, user: int, text: str) -> int:
        return self._incoming(chat, user, {"text": text})

    def send_audio(
        self, chat: int, user: int, path: Path, *, kind: str = "audio", caption: str = "",
        duration: int | None = None,
    ) -> int:  # fmt: skip
        """An audio, voice or document message carrying the file at `path`."""
        file_id = f"file-{next(self._ids)}"
        self._files[file_id] = path
        media: dict = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": path.stat().st_size,
        }
        if kind in ("audio", "voice"):
            media["duration"] = duration if duration is not None else 32
        if kind in ("audio", "document"):
            media |= {"file_name": path.name, "mime_type": "audio/x-wav"}
        content = {kind: media, **({"caption": caption} if caption else {})}
        return self._incoming(chat, user, content)

    def _incoming(self, chat: int, user: int, content: dict) -> int:
        with self._changed:
            message_id = next(self._ids)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private" if chat == user else "group",
                         "title": "band" if chat != user else None},
                "from": {"id": user, "is_bot": False, "first_name": f"user{user}"},
                **content,
            }  # fmt: skip
            message["chat"] = {k: v for k, v in message["chat"].items() if v is not None}
            self._updates.append({"update_id": 1000 + message_id, "message": message})
            self._changed.notify_all()
        return message_id

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
                    done = [
                        f"{c.method} {c.params}" for c in self.calls if c.method != "getUpdates"
                    ]
                    raise AssertionError(f"no {method} {params} after {timeout} s; calls: {done}")
                self._changed.wait(left)

    def of(self, method: str, **params: str) -> list[Call]:
        return [
            c
            for c in list(self.calls)
            if c.method == method and all(c.params.get(k) == v for k, v in params.items())
        ]

    # ------------------------------------------------------------------------ the bot's side

    def answer(self, method: str, params: dict[str, str], files: dict[str, bytes]) -> tuple:
        """(HTTP status, result or error description) for one Bot API call, recorded."""
        call = Call(method, params, files)
        status, result = self._answer(method, params, files)
        with self._changed:
            call.result = result if status == 200 else None
            self.calls.append(call)
            self._changed.notify_all()
        return status, result

    def _answer(self, method: str, params: dict[str, str], files: dict[str, bytes]) -> tuple:
        if method == "getUpdates":
            return 200, self._poll(int(params.get("offset", 0)), float(params.get("timeout", 0)))
        if method == "getMe":
            return 200, BOT
        if method in ("deleteWebhook", "sendChatAction", "close", "logOut"):
            return 200, True
        if method == "getFile":
            path = self._files.get(params["file_id"])
            if path is None:
                return 400, "Bad Request: invalid file_id"
            if path.stat().st_size > self.max_download_bytes:
                return 400, "Bad Request: file is too big"
            return 200, {
                "file_id": params["file_id"],
                "file_unique_id": f"u{params['file_id']}",
                "file_size": path.stat().st_size,
                "file_path": f"music/{params['file_id']}{path.suffix}",
            }
        chat = int(params["chat_id"])
        if method == "sendMessage":
            return 200, self._sent(chat, {"text": params["text"]})
        if method == "editMessageText":
            key = (chat, int(params["message_id"]))
            if key not in self._texts:
                return 400, "Bad Request: message to edit not found"
            if self._texts[key] == params["text"]:
                return 400, "Bad Request: message is not modified"
            self._texts[key] = params["text"]
            return 200, self._message(chat, key[1], {"text": params["text"]})
        if method == "sendVideo":
            video = files.get("video")
            if video is None:
                return 400, "Bad Request: there is no video in the request"
            if len(video) > self.max_upload_bytes:
                return 413, "Request Entity Too Large"
            n = len(self.of("sendVideo"))
            (self.folder / "uploads" / f"video{n}.mp4").write_bytes(video)
            media = {"file_id": f"video-{n}", "file_unique_id": f"uv{n}", "width": 1,
                     "height": 1, "duration": 1}  # fmt: skip
            return 200, self._sent(chat, {"video": media, "caption": params.get("caption", "")})
        return 404, "Not Found: method not found"

    def _poll(self, offset: int, timeout: float) -> list[dict]:
        """The updates from `offset` on; those before it are confirmed, and forgotten."""
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                ready = [u for u in self._updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if ready or left <= 0:
                    return ready
                self._changed.wait(left)

    def _sent(self, chat: int, content: dict) -> dict:
        message_id = next(self._ids)
        if "text" in content:
            self._texts[(chat, message_id)] = content["text"]
        return self._message(chat, message_id, content)

    def _message(self, chat: int, message_id: int, content: dict) -> dict:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": BOT,
            **content,
        }

    def download(self, file_path: str) -> bytes | None:
        file_id = Path(file_path).stem
        path = self._files.get(file_id)
        return path.read_bytes() if path else None


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path, prefix = unquote(self.path), f"/file/bot{fake.token}/"
            data = fake.download(path[len(prefix) :]) if path.startswith(prefix) else None
            if data is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            token, _, method = self.path.removeprefix("/bot").partition("/")
            if token != fake.token:
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            params, files = _parameters(self.headers.get("Content-Type", ""), body)
            status, result = fake.answer(method, params, files)
            if status == 200:
                self._reply(200, {"ok": True, "result": result})
            else:
                self._reply(status, {"ok": False, "error_code": status, "description": result})

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _parameters(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Form fields (as text) and uploaded files of a request."""
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                params[name] = payload.decode()
        return params, files
    if content_type.startswith("application/json"):
        data = json.loads(body or b"{}")
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}, {}
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}, {}
