"""The one object every door (CLI, chat, API, eval) talks to.

    bot = Bot.open(Settings(), build_if_missing=True)   # loads index + models once per process
    answer = bot.ask("园区去年的产值有多大?", history=[])
    for event in bot.stream(question, history): ...     # {"type": "token", "text": ...} ... {"type": "answer", "answer": Answer}
    bot.watch()                                         # follow new index generations (a serving process)

``ask`` and ``stream`` validate input (raise :class:`bot.errors.InputError`), are thread-safe and never
raise for an LLM failure (they fall back to the extractive answer and set ``Answer.notice``).

**Live updates.** The bot holds one immutable :class:`GenerationState` (index handle, searcher, chain).
``refresh`` (called every ``reload_check_s`` by the thread ``watch`` starts) reads the index pointer; when a
new generation is live it opens it beside the current one, builds its chain, answers the warm-up question on
it, and only then swaps the state. Every call takes the state once at its start, so a request in flight
finishes on the generation it began with; the old one is released when its last request ends (the store
keeps it ``gc_grace_s`` longer).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .errors import BotError
from .guard import clean_history, clean_question
from .schema import Answer, Passage
from .settings import Settings
from .site import SiteProfile

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.runnables import Runnable

    from .index import Index
    from .retrieve import HybridSearcher

log = logging.getLogger("bot.service")

#: a generation that failed to load is tried again after this long (not at every check)
RETRY_FAILED_S = 30.0
_GENERIC_WARMUP = ("它有多少家企业?", ["园区有哪些企业?"])


class GenerationState:
    """Everything answering needs from one index generation. Never changes; replaced as a whole."""

    def __init__(self, index: Index, searcher: HybridSearcher, settings: Settings) -> None:
        self.index = index
        self.searcher = searcher
        self.settings = settings
        self._chain: Runnable | None = None
        self._lock = threading.Lock()

    @property
    def generation(self) -> str:
        return self.index.generation

    @property
    def chain(self) -> Runnable:
        with self._lock:
            if self._chain is None:
                from .chain import build_chain

                self._chain = build_chain(self.searcher, self.settings)
            return self._chain


class Bot:
    def __init__(
        self, settings: Settings, index: Index, searcher: HybridSearcher, site: SiteProfile | None = None
    ) -> None:
        self.settings = settings
        self.site = site or SiteProfile()
        self._state = GenerationState(index, searcher, settings)
        self._refresh_lock = threading.Lock()
        self._failed: tuple[str, float] | None = None  # generation that failed to load, when to try again
        self._gc_due: float | None = None
        self._problem: str | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        build_if_missing: bool = False,
        embedder: Embeddings | None = None,
    ) -> Bot:
        """Open the index under ``settings`` (building it from ``corpus_dir`` first if asked and missing;
        when several processes start at once, one builds and the others wait for it)."""
        from .embeddings import get_embedder
        from .errors import IndexMissingError
        from .index import Index
        from .retrieve import HybridSearcher
        from .site import load_site_profile

        site = load_site_profile(settings.site_path)
        emb = embedder or get_embedder(settings.embedder, settings.cache_dir)
        try:
            index = Index.open(settings, emb)
        except IndexMissingError:
            if not build_if_missing:
                raise
            from .ingest import ingest_paths

            ingest_paths(settings, [settings.corpus_dir], embedder=emb, if_missing=True)
            index = Index.open(settings, emb)
        return cls(settings, index, HybridSearcher.from_index(index, settings, site), site)

    # -- the current generation ---------------------------------------------------------------------
    @property
    def state(self) -> GenerationState:
        return self._state

    @property
    def index(self) -> Index:
        return self._state.index

    @property
    def searcher(self) -> HybridSearcher:
        return self._state.searcher

    @property
    def generation(self) -> str:
        return self._state.generation

    @property
    def chain(self) -> Runnable:
        """The LangChain runnable ``{"question", "history"} -> Answer`` (``invoke``/``stream``/``batch``)."""
        return self._state.chain

    # -- answering ----------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None) -> list[Passage]:
        return self._state.searcher.search(clean_question(query, self.settings), k or self.settings.k)

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer:
        return self._ask(self._state, question, history)

    def _ask(self, state: GenerationState, question: str, history: Sequence[str] | None) -> Answer:
        q = clean_question(question, self.settings)
        h = clean_history(history, self.settings)
        result = state.chain.invoke({"question": q, "history": h})
        if not isinstance(result, Answer):
            raise TypeError(f"the chain returned {type(result).__name__}, not an Answer")
        return result

    def stream(self, question: str, history: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Token events then one final ``{"type": "answer", "answer": Answer}``."""
        state = self._state  # the whole answer comes from this generation
        q = clean_question(question, self.settings)
        h = clean_history(history, self.settings)
        from .chain import stream_events

        yield from stream_events(state.chain, {"question": q, "history": h})

    def warm_up(self) -> None:
        """Build the chain and run the site profile's warm-up turns (or a generic follow-up), so the first
        user does not pay for lazy loading (jieba's part-of-speech tables, the query embedder)."""
        self._warm(self._state)

    def _warm(self, state: GenerationState) -> None:
        state.searcher.load_resources()
        question, history = self.site.warmup_turns or _GENERIC_WARMUP
        self._ask(state, question, history)

    def info(self) -> dict[str, Any]:
        return self._state.index.describe()

    # -- live updates -------------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Switch to the generation the index pointer names now, if it is another one. True if switched.

        The new generation is opened, its chain built and warmed up while requests keep using the current
        one; then one assignment swaps them. Raises (and keeps the current generation) when it cannot be
        opened; the same generation is tried again after :data:`RETRY_FAILED_S`."""
        from .errors import IndexMissingError
        from .index import Index
        from .retrieve import HybridSearcher

        with self._refresh_lock:
            current = self._state
            store = current.index.store
            pointer = store.read_pointer()
            if pointer is None:
                raise IndexMissingError(f"the index at {store.where} has no live generation any more")
            if pointer.generation == current.generation:
                return False
            if self._failed and self._failed[0] == pointer.generation and time.monotonic() < self._failed[1]:
                return False
            t0 = time.perf_counter()
            try:
                index = Index.open(self.settings, current.index.embedder, store=store)
                state = GenerationState(index, HybridSearcher.from_index(index, self.settings, self.site), self.settings)
                self._warm(state)
            except BaseException:
                self._failed = (pointer.generation, time.monotonic() + RETRY_FAILED_S)
                raise
            self._state = state  # the switch; requests that already took the old state finish on it
            self._failed = None
            self._gc_due = time.monotonic() + self.settings.gc_grace_s + 1.0
            log.info(
                "switched to index generation %s (%d chunks) from %s in %.1f s",
                state.generation, state.index.size, current.generation, time.perf_counter() - t0,
            )
            return True

    def watch(self) -> None:
        """Follow the index: check for a new generation every ``reload_check_s`` in a background thread,
        and collect replaced generations once their grace period is over. No-op when ``reload_check_s`` is 0."""
        if self.settings.reload_check_s <= 0 or (self._watcher is not None and self._watcher.is_alive()):
            return
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch_loop, name="bot-index-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop following the index."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None

    def _watch_loop(self) -> None:
        while not self._stop.wait(self.settings.reload_check_s):
            try:
                self.refresh()
                self._recovered()
            except BotError as exc:
                self._trouble(exc.one_line())
            except Exception as exc:
                self._trouble(f"{type(exc).__name__}: {exc}", exc)
            if self._gc_due is not None and time.monotonic() >= self._gc_due:
                self._gc_due = None
                try:
                    removed = self._state.index.store.try_collect_garbage()
                    if removed:
                        log.info("removed replaced index generations %s", ", ".join(removed))
                except BotError as exc:
                    log.warning("removing replaced index generations failed: %s", exc.one_line())
                except Exception:
                    log.exception("removing replaced index generations failed")

    def _trouble(self, message: str, exc: BaseException | None = None) -> None:
        """Log a problem of the index check once (not every few seconds), keep serving the current generation."""
        if message != self._problem:
            self._problem = message
            log.error("index check failed; still serving generation %s: %s", self.generation, message,
                      exc_info=exc)

    def _recovered(self) -> None:
        if self._problem is not None:
            log.warning("index check works again (serving generation %s)", self.generation)
            self._problem = None


__all__ = ["Bot", "GenerationState"]
