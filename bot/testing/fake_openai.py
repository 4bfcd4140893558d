"""A scripted, real-HTTP stand-in for an OpenAI-compatible chat endpoint.

    with ScriptedOpenAIServer([Reply("园区成立于2012年[1]。", per_token_delay_s=0.01)]) as srv:
        llm = ChatOpenAI(base_url=srv.base_url, model="fake", api_key="k")
        ...
        srv.requests[0].messages   # what the client sent

It listens on 127.0.0.1 (a free port picked by the OS) in a background thread and serves

* ``POST /v1/chat/completions`` — a JSON ``chat.completion`` or, when the request says ``"stream": true``,
  server-sent ``chat.completion.chunk`` events ending with ``data: [DONE]``;
* ``GET /v1/models`` — one model.

Replies come from a script: a sequence (consumed one per chat request) or a callable
``request_json -> Reply | str``. A :class:`Reply` can delay the first byte, pace the tokens, answer an HTTP
error status or a garbage body. Every request is recorded. The server stops on ``__exit__``/``close()``;
delays are interruptible, so a stalled reply never outlives the server.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["RecordedRequest", "Reply", "ScriptedOpenAIServer", "unused_port"]

_TOKEN_RE = re.compile(r"\[\d+\]|［\d+］|【\d+】|[A-Za-z]+|\d+(?:\.\d+)?|\s+|.", re.S)


@dataclass
class Reply:
    """One scripted answer to a chat-completions request."""

    text: str = ""
    delay_s: float = 0.0  # before the first byte (status line) is sent
    per_token_delay_s: float = 0.0  # between streamed chunks (stream) / ignored for JSON replies
    status: int = 200  # e.g. 500, 429: answered with an OpenAI-style error body
    malformed: bool = False  # a body that is not valid JSON (or not valid SSE data)
    chunks: list[str] | None = None  # explicit stream deltas; default: ``text`` split into small tokens
    stream: bool | None = None  # force SSE (True) / JSON (False); None follows the request
    finish_reason: str = "stop"
    error_message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)

    def tokens(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return _TOKEN_RE.findall(self.text)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None  # parsed JSON body (None when absent or not JSON)
    raw: bytes = b""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def stream(self) -> bool:
        return bool((self.body or {}).get("stream"))


Script = Iterable["Reply | str"] | Callable[[dict[str, Any]], "Reply | str"]


def unused_port() -> int:
    """A loopback port nobody listens on right now (for "connection refused" tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class _Aborted(Exception):
    """The server is closing or the client went away: stop writing."""


class ScriptedOpenAIServer:
    """A real loopback HTTP server answering chat completions from a script. Use as a context manager."""

    def __init__(
        self,
        script: Script | None = None,
        *,
        model: str = "scripted-model",
        default: Reply | str | None = None,
    ) -> None:
        self.model = model
        self.default = default
        self._fn: Callable[[dict[str, Any]], Reply | str] | None = None
        self._queue: deque[Reply | str] = deque()
        if callable(script):
            self._fn = script
        elif script is not None:
            self._queue.extend(script)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> ScriptedOpenAIServer:
        if self._server is not None:
            return self
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-openai", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedOpenAIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- public state ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started: use `with ScriptedOpenAIServer(...) as srv:`")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (any path), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def last_messages(self) -> list[dict[str, Any]]:
        chats = self.chat_requests
        if not chats:
            raise AssertionError("no chat request received")
        return chats[-1].messages

    def push(self, *replies: Reply | str) -> None:
        """Append replies to the script queue."""
        with self._lock:
            self._queue.extend(replies)

    # -- internals -------------------------------------------------------------------------------------

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        if self._fn is not None:
            reply: Reply | str | None = self._fn(body)
        else:
            with self._lock:
                reply = self._queue.popleft() if self._queue else self.default
        if reply is None:
            return Reply(status=500, error_message="ScriptedOpenAIServer: script exhausted")
        return Reply(reply) if isinstance(reply, str) else reply

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._closing.wait(seconds):
            raise _Aborted

    def _completion_id(self) -> str:
        return f"chatcmpl-scripted-{next(self._ids)}"


def _make_handler(owner: ScriptedOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ScriptedOpenAI/1.0"
        protocol_version = "HTTP/1.0"  # one response per connection; streams end when the socket closes

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr
            return

        # -- routing ---------------------------------------------------------------------------------

        def do_GET(self) -> None:
            owner._record(RecordedRequest("GET", self.path, dict(self.headers.items()), None))
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {"id": owner.model, "object": "model", "created": 0, "owned_by": "scripted"}
                        ],
                    },
                )
            else:
                self._send_error_json(404, "not found", "not_found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            parsed = body if isinstance(body, dict) else None
            owner._record(RecordedRequest("POST", self.path, dict(self.headers.items()), parsed, raw))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_error_json(404, "not found", "not_found")
                return
            if parsed is None:
                self._send_error_json(400, "request body is not a JSON object", "invalid_request_error")
                return
            try:
                self._answer(parsed)
            except (_Aborted, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True

        # -- replies ---------------------------------------------------------------------------------

        def _answer(self, body: dict[str, Any]) -> None:
            reply = owner._next_reply(body)
            owner._sleep(reply.delay_s)
            if reply.status >= 400:
                self._send_error_json(reply.status, reply.error_message, "scripted_error", reply.headers)
                return
            stream = bool(body.get("stream")) if reply.stream is None else reply.stream
            model = str(body.get("model") or owner.model)
            cid = owner._completion_id()
            if not stream:
                if reply.malformed:
                    self._send_raw(reply.status, b'{"id": "chatcmpl-broken", "choices": [ {{{', reply.headers)
                    return
                self._send_json(reply.status, _completion(cid, model, reply), reply.headers)
                return
            self._stream(cid, model, reply, body)

        def _stream(self, cid: str, model: str, reply: Reply, body: dict[str, Any]) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.end_headers()
            if reply.malformed:
                self._write(b"data: {this is not json\n\n")
                self._write(b"data: [DONE]\n\n")
                return
            self._event(_chunk(cid, model, {"role": "assistant", "content": ""}))
            for i, token in enumerate(reply.tokens()):
                if i:
                    owner._sleep(reply.per_token_delay_s)
                self._event(_chunk(cid, model, {"content": token}))
            self._event(_chunk(cid, model, {}, reply.finish_reason))
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = _usage(reply.text or "".join(reply.tokens()))
                self._event({**_chunk(cid, model, {}), "choices": [], "usage": usage})
            self._write(b"data: [DONE]\n\n")

        # -- low level -------------------------------------------------------------------------------

        def _event(self, obj: dict[str, Any]) -> None:
            self._write(b"data: " + json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n\n")

        def _write(self, data: bytes) -> None:
            if owner._closing.is_set():
                raise _Aborted
            self.wfile.write(data)
            self.wfile.flush()

        def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self._write(data)

        def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), headers)

        def _send_error_json(
            self, status: int, message: str, kind: str, headers: dict[str, str] | None = None
        ) -> None:
            err = {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
            self._send_json(status, err, headers)

    return Handler


def _usage(text: str) -> dict[str, int]:
    n = len(text)
    return {"prompt_tokens": 0, "completion_tokens": n, "total_tokens": n}


def _completion(cid: str, model: str, reply: Reply) -> dict[str, Any]:
    text = reply.text if reply.chunks is None else "".join(reply.chunks)
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": _usage(text),
    }


def _chunk(cid: str, model: str, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
