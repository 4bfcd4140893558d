"""The optional LLM step: grounded answers with validated citations, and follow-up condensing.

    llm = LLMAnswerer(settings)                      # the chat model is built on first use
    for item in llm.stream_answer(question, passages, fallback=extractive_answer):
        if isinstance(item, str): show(item)         # text deltas, markers included, as they arrive
        else: final = item                           # one Answer, always last; it replaces the deltas

Every call has one total time budget, ``settings.llm_timeout_s``, which includes a stream that stalls
half-way: the model is driven from a daemon thread and the caller stops waiting when the budget is spent.
Whatever goes wrong with the endpoint (timeout, HTTP error, connection refused, malformed or empty
response) ``stream_answer`` ends with the extractive ``fallback`` marked ``mode="llm-fallback"`` and
:data:`FALLBACK_NOTICE`; ``condense`` raises :class:`~bot.errors.LLMError` so the caller can use its own
rewrite. The API key is never logged and never put into an :class:`~bot.schema.Answer`.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import LLMError
from ..schema import Answer, Passage
from .citations import split_sentences, validate_citations
from .prompts import (
    CONDENSE_SYSTEM_PROMPT,
    REFUSAL_TEXT,
    build_answer_messages,
    build_condense_messages,
    build_system_prompt,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ..settings import Settings

__all__ = ["FALLBACK_NOTICE", "LEAK_MIN_CHARS", "LLMAnswerer", "build_chat_model", "leaks_prompt"]

log = logging.getLogger(__name__)

FALLBACK_NOTICE = "大模型暂时不可用，以下为基于原文的摘录回答。"
LEAK_MIN_CHARS = 30  # this many consecutive characters of a prompt in the output = a prompt leak

_WS_RE = re.compile(r"\s+")
_REFUSAL_CORE = "现有文章中没有找到这个问题的答案"
_CONDENSE_PREFIX_RE = re.compile(r"^(?:改写后的)?(?:独立)?问题\s*[:：]\s*|^standalone question\s*:\s*", re.I)
_QUOTES = "\"'“”‘’「」『』《》"


def model_spec(settings: Settings) -> tuple[str, str]:
    """(provider, model) of ``BOT_LLM_MODEL``: ``provider:model`` the LangChain way (``openai:gpt-4o-mini``,
    ``deepseek:deepseek-chat``, ``ollama:qwen2.5``); a bare model name is an OpenAI-compatible endpoint's."""
    raw = str(settings.llm_model or "").strip()
    provider, sep, model = raw.partition(":")
    if not sep or not provider or not model or "/" in provider:
        return "openai", raw
    return provider.strip().lower(), model.strip()


def build_chat_model(settings: Settings, *, streaming: bool = True) -> BaseChatModel:
    """Any LangChain chat model, chosen with ``init_chat_model`` (no retries, temperature 0); with
    ``BOT_LLM_BASE_URL`` the request goes to that OpenAI-compatible endpoint (DeepSeek, DashScope, vLLM …)."""
    if not settings.llm_enabled:
        raise LLMError("no LLM configured", hint="set BOT_LLM_MODEL (provider:model) and, for an OpenAI-compatible "
                       "endpoint, BOT_LLM_BASE_URL")
    from langchain.chat_models import init_chat_model
    from pydantic import SecretStr

    provider, model = model_spec(settings)
    kwargs: dict[str, Any] = {"timeout": settings.llm_timeout_s, "max_retries": 0, "temperature": 0}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    key = settings.llm_api_key or (SecretStr("not-needed") if settings.llm_base_url else None)
    if key is not None:
        kwargs["api_key"] = key
    if provider == "openai":
        kwargs["streaming"] = streaming
    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise LLMError(
            f"the chat model provider '{provider}' needs its LangChain package",
            hint=f"pip install langchain-{provider}",
        ) from exc
    except ValueError as exc:  # unknown provider, bad arguments
        raise LLMError(f"cannot build the chat model '{settings.llm_model}': {exc}") from exc


# -- prompt-leak guard ----------------------------------------------------------------------------------


def _compact(text: str) -> str:
    return _WS_RE.sub("", text)


def leaks_prompt(output: str, prompt: str, min_chars: int = LEAK_MIN_CHARS) -> bool:
    """Does ``output`` contain ``min_chars`` consecutive characters of ``prompt`` (whitespace ignored)?"""
    out, secret = _compact(output), _compact(prompt)
    return any(out[i : i + min_chars] in secret for i in range(len(out) - min_chars + 1))


class _LeakGuard:
    """Passes streamed text through, holding back any tail that could be the start of a prompt leak."""

    def __init__(self, prompts: Sequence[str], min_chars: int = LEAK_MIN_CHARS) -> None:
        self._secrets = [_compact(p) for p in prompts]
        self._n = min_chars
        self.text = ""
        self._sent = 0
        self.leaked = False

    def _in_secret(self, piece: str) -> bool:
        c = _compact(piece)
        return bool(c) and any(c in s for s in self._secrets)

    def feed(self, delta: str) -> str:
        """Add ``delta``; return what is safe to show now ("" once a leak is seen)."""
        if self.leaked:
            return ""
        self.text += delta
        if any(
            leaks_prompt(self.text[max(0, self._sent - 2 * self._n) :], s, self._n) for s in self._secrets
        ):
            self.leaked = True
            return ""
        hold = 0
        for k in range(min(len(self.text) - self._sent, 2 * self._n), 0, -1):
            if self._in_secret(self.text[-k:]):
                hold = k
                break
        out = self.text[self._sent : len(self.text) - hold]
        self._sent += len(out)
        return out

    def flush(self) -> str:
        if self.leaked:
            return ""
        out = self.text[self._sent :]
        self._sent = len(self.text)
        return out


# -- running the model against a deadline ---------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    """A short, key-free reason for a failed call."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "cannot connect to the endpoint"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, ValueError | KeyError | TypeError | openai.APIResponseValidationError):
        return f"malformed response ({type(exc).__name__})"
    return type(exc).__name__


def _pump(produce: Callable[[], Iterator[str]], deadline: float, budget_s: float) -> Iterator[str]:
    """Yield what ``produce`` yields (run in a daemon thread) until ``deadline`` (``time.monotonic()``).

    Raises :class:`LLMError` on the producer's error or when the deadline passes; a producer still blocked
    then is abandoned (it stops at its next item, and the HTTP client's own timeout bounds the wait).
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        try:
            for item in produce():
                if stop.is_set():
                    return
                q.put(("item", item))
            q.put(("end", None))
        except BaseException as e:  # handed to the consumer
            q.put(("error", e))

    threading.Thread(target=run, name="llm-call", daemon=True).start()
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                kind, value = q.get(timeout=remaining)
            except queue.Empty:
                raise LLMError(f"LLM gave no complete answer within {budget_s:g}s") from None
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise LLMError(f"LLM call failed: {_describe(value)}") from None
    finally:
        stop.set()


# -- the answerer -------------------------------------------------------------------------------------


class LLMAnswerer:
    """LLM answers over retrieved passages, with citation validation and an extractive fallback."""

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None = None, about: str = "园区") -> None:
        self.settings = settings
        self._chat_model = chat_model
        self._lock = threading.Lock()
        self.system_prompt = build_system_prompt(settings.max_answer_chars, about)

    @property
    def chat_model(self) -> BaseChatModel:
        with self._lock:
            if self._chat_model is None:
                try:
                    self._chat_model = build_chat_model(self.settings)
                except LLMError:
                    raise
                except Exception as e:  # e.g. a client that rejects the configured URL
                    raise LLMError(f"cannot build the chat model: {type(e).__name__}") from None
            return self._chat_model

    def __repr__(self) -> str:  # no key, ever
        return f"LLMAnswerer(model={self.settings.llm_model!r}, base_url={self.settings.llm_base_url!r})"

    # -- condense -------------------------------------------------------------------------------------

    def condense(self, question: str, history: list[str]) -> str:
        """Rewrite ``question`` into a standalone question using the earlier user questions ``history``.

        Returns ``question`` unchanged when there is no history. Raises :class:`LLMError` on any failure
        (timeout, HTTP error, empty/overlong/leaking output).
        """
        earlier = [h for h in history if h and h.strip()]
        if not earlier:
            return question
        model = self.chat_model  # built (and langchain imported) before the clock starts
        budget = self.settings.llm_timeout_s
        deadline = time.monotonic() + budget
        messages = build_condense_messages(question, earlier)

        def produce() -> Iterator[str]:
            yield str(model.invoke(messages, stream=False).text)

        raw = "".join(_pump(produce, deadline, budget))
        out = _clean_condensed(raw)
        if not out:
            raise LLMError("LLM returned an empty rewrite")
        if len(out) > self.settings.max_question_chars:
            raise LLMError("LLM rewrite is too long")
        if leaks_prompt(out, CONDENSE_SYSTEM_PROMPT) or leaks_prompt(out, self.system_prompt):
            raise LLMError("LLM rewrite repeats the prompt")
        return out

    # -- answers --------------------------------------------------------------------------------------

    def stream_answer(
        self, question: str, passages: list[Passage], fallback: Answer
    ) -> Iterator[str | Answer]:
        """Text deltas as the model writes them, then exactly one final :class:`Answer`."""
        t0 = time.perf_counter()
        if not passages:
            yield self._refused(fallback, t0)
            return
        messages = build_answer_messages(question, passages, system_prompt=self.system_prompt)
        guard = _LeakGuard([self.system_prompt, CONDENSE_SYSTEM_PROMPT])
        try:
            model = self.chat_model  # built (and langchain imported) before the clock starts
            budget = self.settings.llm_timeout_s
            deadline = time.monotonic() + budget

            def produce() -> Iterator[str]:
                for chunk in model.stream(messages):
                    yield str(chunk.text)

            for delta in _pump(produce, deadline, budget):
                safe = guard.feed(delta)
                if guard.leaked:
                    break
                if safe:
                    yield safe
        except LLMError as e:
            log.warning("LLM answer unavailable, using the extractive answer: %s", e)
            yield self._fallback(fallback, t0)
            return
        if guard.leaked:
            log.warning("LLM output repeated the system prompt; refused")
            yield self._refused(fallback, t0)
            return
        if rest := guard.flush():
            yield rest
        raw = guard.text
        if not raw.strip():
            log.warning("LLM returned an empty answer, using the extractive answer")
            yield self._fallback(fallback, t0)
            return
        yield self._final(raw, passages, fallback, t0)

    def answer(self, question: str, passages: list[Passage], fallback: Answer) -> Answer:
        """:meth:`stream_answer`, consumed: the final :class:`Answer`."""
        final: Answer | None = None
        for item in self.stream_answer(question, passages, fallback):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    # -- building the final Answer --------------------------------------------------------------------

    def _final(self, raw: str, passages: list[Passage], fallback: Answer, t0: float) -> Answer:
        body = _drop_refusal_sentences(raw)
        if not body.strip():
            return self._refused(fallback, t0)
        text, citations = validate_citations(body, passages)
        if not text or not citations:
            return self._refused(fallback, t0)
        return fallback.model_copy(
            update={
                "answer": text,
                "citations": citations,
                "refused": False,
                "mode": "llm",
                "notice": None,
                "timings_ms": _timings(fallback, t0),
            }
        )

    def _refused(self, fallback: Answer, t0: float) -> Answer:
        return fallback.model_copy(
            update={
                "answer": REFUSAL_TEXT,
                "citations": [],
                "refused": True,
                "mode": "llm",
                "notice": None,
                "timings_ms": _timings(fallback, t0),
            }
        )

    def _fallback(self, fallback: Answer, t0: float) -> Answer:
        return fallback.model_copy(
            update={"mode": "llm-fallback", "notice": FALLBACK_NOTICE, "timings_ms": _timings(fallback, t0)}
        )


def _timings(fallback: Answer, t0: float) -> dict[str, float]:
    return {**fallback.timings_ms, "llm": round((time.perf_counter() - t0) * 1000, 2)}


def _drop_refusal_sentences(text: str) -> str:
    """``text`` without the sentences that say the fixed refusal."""
    out, pos = [], 0
    for a, b in split_sentences(text):
        if _REFUSAL_CORE in _compact(text[a:b]):
            out.append(text[pos:a])
            pos = b
    out.append(text[pos:])
    return "".join(out)


def _clean_condensed(raw: str) -> str:
    lines = [ln.strip() for ln in raw.strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    out = _CONDENSE_PREFIX_RE.sub("", lines[0]).strip()
    return out.strip(_QUOTES).strip()
