"""A fake OpenAI-compatible server for tests: scripted replies, recorded requests, loopback only.

`openai` >= 3 has its own HTTP stack, so instead of patching a transport the tests point
`OPENAI_BASE_URL` at this server. tests/conftest.py registers this module as a pytest plugin
(`pytest_plugins`), so any test takes the `fake_openai` fixture as an argument without importing
it. Replies are queued per path and played back in order::

    def test_something(fake_openai):
        fake_openai.enqueue("/v1/chat/completions", '{"title": "..."}')  # a chat completion
        fake_openai.enqueue("/v1/chat/completions", error_reply(429, "slow down"))
        ...
        assert fake_openai.requests[0].json["model"] == "gpt-4.1-mini"

A path with nothing queued answers 501 (the test sees an error, the client does not retry),
unless a responder is routed to a prefix of it: `fake.route(VIDEOS, VideoJobs(clips))` answers
any number of video jobs, however many scenes a whole run renders.
"""

import base64
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHAT = "/v1/chat/completions"
VIDEOS = "/v1/videos"
IMAGES = "/v1/images/generations"


@dataclass
class Reply:
    """One scripted HTTP answer: a JSON body (dict or list), text or bytes; `headers` may
    override the content type."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)


@dataclass
class Upload:
    """A file sent in a multipart form."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str | Upload]:
        """The fields of a multipart/form-data body: text, or an Upload for a file."""
        head = f"content-type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        fields: dict[str, str | Upload] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            filename = part.get_filename()
            if filename is None:
                fields[name] = data.decode()
            else:
                fields[name] = Upload(filename, part.get_content_type(), data)
        return fields


def chat_reply(content: str, *, finish_reason: str = "stop", model: str = "fake") -> Reply:
    """A chat completion whose one choice says `content`."""
    return Reply(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )


def error_reply(
    status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """An error in OpenAI's shape: {"error": {"message", "type", "code"}}."""
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return Reply(status=status, body=body, headers=headers or {})


def video_job_reply(
    video_id: str = "video_1",
    status: str = "queued",
    *,
    progress: int = 0,
    model: str = "sora-2",
    seconds: str = "4",
    size: str = "1280x720",
    error: dict[str, str] | None = None,
) -> Reply:
    """A video job of the OpenAI video API as `videos.create` and `videos.retrieve` return it;
    `error` ({"code", "message"}) goes with status "failed"."""
    body = {
        "id": video_id,
        "object": "video",
        "created_at": int(time.time()),
        "model": model,
        "progress": progress,
        "seconds": seconds,
        "size": size,
        "status": status,
        "error": error,
    }
    return Reply(body=body)


def image_reply(png: bytes) -> Reply:
    """An images.generate answer carrying one base64 image, as the GPT image models send it."""
    data = [{"b64_json": base64.b64encode(png).decode()}]
    return Reply(body={"created": int(time.time()), "data": data})


class VideoJobs:
    """A responder for `route(VIDEOS, …)` that runs any number of video jobs.

    POST /v1/videos makes a job; each GET of it advances queued -> in_progress -> completed,
    `polls` GETs in all (0: created completed, so nothing polls); GET …/content answers the
    clip for the requested seconds from `clips` ({"4": mp4 bytes, …}).
    """

    def __init__(self, clips: dict[str, bytes], *, polls: int = 2) -> None:
        self.clips = clips
        self.polls = polls
        self.created: list[dict[str, str | Upload]] = []  # the form of each create request
        self._left: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, request: Recorded) -> Reply:
        with self._lock:
            if request.method == "POST" and request.path == VIDEOS:
                self.created.append(request.form)
                video_id = f"video_{len(self.created)}"
                self._left[video_id] = self.polls
                return self._job(video_id)
            video_id, _, rest = request.path.removeprefix(VIDEOS + "/").partition("/")
            if video_id not in self._left:
                return error_reply(404, f"no video {video_id!r}")
            if rest == "content":
                return Reply(body=self.clips[self._form(video_id)["seconds"]])
            self._left[video_id] = max(0, self._left[video_id] - 1)
            return self._job(video_id)

    def _form(self, video_id: str) -> dict[str, str | Upload]:
        return self.created[int(video_id.removeprefix("video_")) - 1]

    def _job(self, video_id: str) -> Reply:
        left, form = self._left[video_id], self._form(video_id)
        status = "completed" if left == 0 else "queued" if left == self.polls else "in_progress"
        progress = round(100 * (self.polls - left) / max(self.polls, 1))
        return video_job_reply(
            video_id,
            status,
            progress=progress,
            model=form.get("model", "sora-2"),
            seconds=form.get("seconds", "4"),
            size=form.get("size", "720x1280"),
        )


class FakeOpenAI:
    """A threaded HTTP server on 127.0.0.1 (random port) that plays back queued replies."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queues: dict[str, deque[Reply]] = defaultdict(deque)
        self._routes: dict[str, Callable[[Recorded], Reply]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def enqueue(self, path: str, reply: Reply | str | dict | list) -> None:
        """Queue the next answer for `path`: a Reply, a chat completion's text (str) or a JSON
        body for a 200 (dict or list)."""
        if isinstance(reply, str):
            reply = chat_reply(reply)
        elif not isinstance(reply, Reply):
            reply = Reply(body=reply)
        with self._lock:
            self._queues[path].append(reply)

    def route(self, prefix: str, responder: Callable[[Recorded], Reply]) -> None:
        """Answer requests under `prefix` that have nothing queued with `responder(request)`."""
        with self._lock:
            self._routes[prefix] = responder

    def pending(self, path: str | None = None) -> int:
        """How many queued replies have not been played (for `path`, or for all paths)."""
        with self._lock:
            if path is not None:
                return len(self._queues[path])
            return sum(len(queue) for queue in self._queues.values())

    def bodies(self, path: str = CHAT) -> list[Any]:
        """The JSON bodies of the requests received on `path`, in order."""
        return [request.json for request in self.requests if request.path == path]

    def _answer(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            queue = self._queues[request.path]
            if queue:
                return queue.popleft()
            prefixes = sorted(self._routes, key=len, reverse=True)
            responder = next(
                (self._routes[p] for p in prefixes if request.path.startswith(p)), None
            )
        if responder is not None:
            return responder(request)
        message = f"fake server: nothing queued for {request.method} {request.path}"
        return Reply(status=501, body={"error": {"message": message}}, headers=_NO_RETRY)


_NO_RETRY = {"x-should-retry": "false"}


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Recorded(
                method=self.command,
                path=self.path.split("?", 1)[0],
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            reply = fake._answer(request)
            time.sleep(reply.delay)
            payload, content_type = _encoded(reply.body)
            headers = {"content-type": content_type, "content-length": str(len(payload))}
            headers |= {key.lower(): value for key, value in reply.headers.items()}
            try:
                self.send_response(reply.status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _encoded(body: Any) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch):
    """A running FakeOpenAI with OPENAI_BASE_URL and OPENAI_API_KEY pointing at it."""
    fake = FakeOpenAI().start()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    yield fake
    fake.stop()
