"""HTTP hardening for the web door: origin checks, CORS on /api/*, CSP/frame-ancestors, rate limit, body size.

Everything here is plain ASGI middleware so it also covers the streaming endpoints.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BotError

API_PREFIX = "/api/"
#: paths under /api/ that are not rate limited (cheap, used by load balancers)
RATE_LIMIT_EXEMPT = frozenset({"/api/health"})
#: largest request body accepted on /api/* (a question is ≤ max_question_chars; history is trimmed)
MAX_BODY_BYTES = 1 << 20

_ORIGIN_RE = re.compile(r"^https?://(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$")


def validate_origins(origins: Iterable[str]) -> list[str]:
    """Return the origins normalised (no trailing slash), or raise :class:`BotError` for one that is not an origin.

    They end up in a CSP header and in CORS decisions, so anything that is not ``scheme://host[:port]`` is refused
    (no paths, no wildcards, no spaces or ``;`` that could smuggle extra directives).
    """
    out: list[str] = []
    for raw in origins:
        origin = str(raw).strip().rstrip("/")
        if not _ORIGIN_RE.match(origin):
            raise BotError(
                f"BOT_ALLOWED_ORIGINS: {raw!r} is not an origin",
                hint='use a JSON list like ["https://www.example.gov.cn"]',
            )
        if origin not in out:
            out.append(origin)
    return out


def frame_ancestors(origins: Sequence[str]) -> str:
    return " ".join(["'self'", *origins])


def embed_csp(origins: Sequence[str]) -> str:
    """Strict policy for /embed: only our own script, style and API; framable by 'self' + allowed origins."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {frame_ancestors(origins)}"
    )


def _send_json(status: int, payload: Mapping[str, object], headers: Mapping[str, str] | None = None) -> list[Message]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    for k, v in (headers or {}).items():
        raw.append((k.lower().encode("latin-1"), v.encode("latin-1")))
    return [
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": body},
    ]


class ApiCORSMiddleware:
    """Starlette's CORS, applied to /api/* only and only for the configured origins (no credentials)."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "Accept"],
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds nosniff/referrer headers everywhere and ``frame-ancestors`` to every page.

    /embed gets its own strict CSP (set by the route); other pages (the Gradio chat) only get frame-ancestors,
    because Gradio needs inline scripts and styles.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.frame_csp = f"frame-ancestors {frame_ancestors(origins)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = self.frame_csp
            await send(message)

        await self.app(scope, receive, send_wrapper)


class TokenBucketLimiter:
    """Per-key token bucket: ``per_min`` requests a minute on average, bursts up to ``per_min``. Thread-safe."""

    def __init__(self, per_min: int, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_min)
        self.rate = per_min / 60.0  # tokens per second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``. Returns 0.0 if allowed, else the seconds to wait before retrying."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_keys:
                    self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        # forget clients whose bucket has refilled: they are indistinguishable from new ones
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]


RATE_LIMIT_MESSAGE = "请求太频繁，请稍后再试。"


def too_big_message(max_bytes: int) -> str:
    return f"请求内容太大（上限 {max_bytes // 1024} KB）。"


def client_key(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """429 + Retry-After when a client (IP) exceeds its bucket on /api/* (except health and CORS preflights).

    ``prefix``/``exempt``/``error_body`` let another door (``/v1/``, with its own error shape) share the same
    limiter, so one client has one budget across all doors."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: TokenBucketLimiter,
        prefix: str = API_PREFIX,
        exempt: frozenset[str] = RATE_LIMIT_EXEMPT,
        error_body: Mapping[str, object] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.prefix = prefix
        self.exempt = exempt
        self.error_body = error_body if error_body is not None else {"detail": RATE_LIMIT_MESSAGE}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(self.prefix)
            and scope["path"] not in self.exempt
            and scope["method"] != "OPTIONS"
        ):
            wait = self.limiter.take(client_key(scope))
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                for msg in _send_json(429, self.error_body, {"Retry-After": retry}):
                    await send(msg)
                return
        await self.app(scope, receive, send)


class BodySizeLimitMiddleware:
    """413 for /api/* requests whose body is larger than ``max_bytes`` (declared or actually sent).

    ``prefix`` and ``error_body`` (the message → the JSON body) serve another door with its own error shape."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        prefix: str = API_PREFIX,
        error_body: Callable[[str], Mapping[str, object]] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.error_body = error_body or (lambda message: {"detail": message})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        too_big = self.error_body(too_big_message(self.max_bytes))
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            for msg in _send_json(413, too_big):
                await send(msg)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                for msg in _send_json(413, too_big):
                    await send(msg)


class _BodyTooLarge(Exception):
    pass


__all__ = [
    "MAX_BODY_BYTES",
    "RATE_LIMIT_MESSAGE",
    "ApiCORSMiddleware",
    "BodySizeLimitMiddleware",
    "RateLimitMiddleware",
    "SecurityHeadersMiddleware",
    "TokenBucketLimiter",
    "client_key",
    "embed_csp",
    "frame_ancestors",
    "too_big_message",
    "validate_origins",
]
