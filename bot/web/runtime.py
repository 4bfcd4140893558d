"""One bounded pool of worker threads for every bot call the web door makes (API, embed, Gradio chat).

The bot is CPU-bound and synchronous. All doors submit to the same ``ThreadPoolExecutor`` with
``settings.concurrency_limit`` workers, so at most that many answers are computed at once in this process,
whichever door they came from; extra requests wait in the executor's queue (not in a thread each).

Streaming: a worker runs ``bot.stream`` to completion and pushes events into a sink; the consumer (SSE or
Gradio generator) reads them. If the consumer goes away the worker still finishes its (bounded) work and frees
its slot, so an abandoned stream can never leak capacity.

A stream is ``token``… then exactly one ``answer`` or one ``notice``. An answer is what the bot found (a
refusal included); a :class:`Notice` is everything that is not an answer and that the user must read instead:
bad input, a rate limit, a timeout, an internal error (logged here, with its traceback, once). Every door shows
notices apart from answers (no feedback buttons, never inside an answer).
"""

from __future__ import annotations

import asyncio
import logging
import queue
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..errors import InputError
from ..schema import Answer
from ..site import SiteProfile

log = logging.getLogger("bot.web")

#: longest we wait for one answer (or between two stream events) before giving up on it
ANSWER_TIMEOUT_S = 180.0
INTERNAL_ERROR_MESSAGE = "内部错误，请稍后再试"
TIMEOUT_MESSAGE = "回答超时，请稍后再试。"

NoticeKind = Literal["input", "rate_limit", "timeout", "internal"]


@dataclass(frozen=True)
class Notice:
    """Something the user must read that is not an answer. ``message`` is Chinese and safe to show."""

    kind: NoticeKind
    message: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> Notice:
        if isinstance(exc, InputError):
            return cls("input", str(exc))
        if isinstance(exc, TimeoutError):
            return cls("timeout", TIMEOUT_MESSAGE)
        log.error("answer failed", exc_info=exc)
        return cls("internal", INTERNAL_ERROR_MESSAGE)


class BotLike(Protocol):
    """What the web door needs from :class:`bot.service.Bot` (a fake with these members works in tests)."""

    #: the deployment's profile: page title, welcome line, input hint, example questions
    site: SiteProfile

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer: ...

    def stream(self, question: str, history: Sequence[str] | None = None) -> Iterator[dict[str, Any]]: ...

    def info(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class StreamEvent:
    kind: Literal["token", "answer", "notice"]
    text: str = ""  # token: the new text
    answer: Answer | None = None  # answer: the final Answer
    notice: Notice | None = None  # notice: why there is no answer


class BotRunner:
    def __init__(self, bot: BotLike, concurrency: int) -> None:
        self.bot = bot
        self.concurrency = concurrency
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bot-worker")

    # -- plain answers ---------------------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[str]) -> Answer:
        """Blocking: for callers already on a worker thread of their own (Gradio)."""
        return self._pool.submit(self.bot.ask, question, list(history)).result(timeout=ANSWER_TIMEOUT_S)

    async def ask_async(self, question: str, history: Sequence[str]) -> Answer:
        fut = self._pool.submit(self.bot.ask, question, list(history))
        return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=ANSWER_TIMEOUT_S)

    # -- streaming -------------------------------------------------------------------------------------------
    def _produce(self, question: str, history: list[str], sink: Callable[[StreamEvent], bool]) -> None:
        try:
            for event in self.bot.stream(question, history):
                kind = event.get("type")
                if kind == "token":
                    ok = sink(StreamEvent("token", text=str(event.get("text", ""))))
                elif kind == "answer":
                    ok = sink(StreamEvent("answer", answer=event["answer"]))
                else:
                    continue
                if not ok:  # consumer is gone: stop early
                    return
        except BaseException as exc:  # delivered to the consumer as a notice (internal errors logged once here)
            sink(StreamEvent("notice", notice=Notice.from_exception(exc)))

    def stream(self, question: str, history: Sequence[str]) -> Iterator[StreamEvent]:
        """Blocking iterator of events (token..., then one answer or one notice; a timeout is a notice)."""
        q: queue.Queue[StreamEvent] = queue.Queue()
        closed = False

        def sink(ev: StreamEvent) -> bool:
            q.put(ev)
            return not closed

        self._pool.submit(self._produce, question, list(history), sink)
        try:
            while True:
                try:
                    ev = q.get(timeout=ANSWER_TIMEOUT_S)
                except queue.Empty:
                    yield StreamEvent("notice", notice=Notice("timeout", TIMEOUT_MESSAGE))
                    return
                yield ev
                if ev.kind != "token":
                    return
        finally:
            closed = True

    async def stream_async(self, question: str, history: Sequence[str]) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[StreamEvent] = asyncio.Queue()
        closed = False

        def sink(ev: StreamEvent) -> bool:
            if closed:
                return False
            try:
                loop.call_soon_threadsafe(q.put_nowait, ev)
            except RuntimeError:  # loop closed
                return False
            return True

        self._pool.submit(self._produce, question, list(history), sink)
        try:
            while True:
                try:
                    ev = await asyncio.wait_for(q.get(), timeout=ANSWER_TIMEOUT_S)
                except TimeoutError:
                    yield StreamEvent("notice", notice=Notice("timeout", TIMEOUT_MESSAGE))
                    return
                yield ev
                if ev.kind != "token":
                    return
        finally:
            closed = True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


__all__ = [
    "ANSWER_TIMEOUT_S",
    "INTERNAL_ERROR_MESSAGE",
    "TIMEOUT_MESSAGE",
    "BotLike",
    "BotRunner",
    "Notice",
    "NoticeKind",
    "StreamEvent",
]
