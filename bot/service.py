"""The one object every door (CLI, chat, API, eval) talks to.

    bot = Bot.open(Settings(), build_if_missing=True)   # loads index + models once per process
    answer = bot.ask("海创尚纬的注册资本是多少?", history=[])
    for event in bot.stream(question, history): ...     # {"type": "token", "text": ...} ... {"type": "answer", "answer": Answer}

``ask`` and ``stream`` validate input (raise :class:`bot.errors.InputError`), are thread-safe and never
raise for an LLM failure (they fall back to the extractive answer and set ``Answer.notice``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .guard import clean_history, clean_question
from .schema import Answer, Passage
from .settings import Settings
from .site import SiteProfile

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.runnables import Runnable

    from .index import Index
    from .retrieve import HybridSearcher


class Bot:
    def __init__(
        self, settings: Settings, index: Index, searcher: HybridSearcher, site: SiteProfile | None = None
    ) -> None:
        self.settings = settings
        self.index = index
        self.searcher = searcher
        self.site = site or SiteProfile()
        self._chain: Runnable | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        build_if_missing: bool = False,
        embedder: Embeddings | None = None,
    ) -> Bot:
        """Open the index under ``settings`` (building it from ``corpus_dir`` first if asked and missing)."""
        from .embeddings import get_embedder
        from .errors import IndexMissingError
        from .index import Index
        from .retrieve import HybridSearcher
        from .site import load_site_profile

        site = load_site_profile(settings.site_path)
        emb = embedder or get_embedder(settings.embedder)
        try:
            index = Index.open(settings, emb)
        except IndexMissingError:
            if not build_if_missing:
                raise
            from .ingest import ingest_paths

            ingest_paths(settings, [settings.corpus_dir], embedder=emb)
            index = Index.open(settings, emb)
        return cls(settings, index, HybridSearcher.from_index(index, settings), site)

    @property
    def chain(self) -> Runnable:
        """The LangChain runnable ``{"question", "history"} -> Answer`` (``invoke``/``stream``/``batch``)."""
        with self._lock:
            if self._chain is None:
                from .chain import build_chain

                self._chain = build_chain(self.searcher, self.settings)
            return self._chain

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        return self.searcher.search(clean_question(query, self.settings), k or self.settings.k)

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer:
        q = clean_question(question, self.settings)
        h = clean_history(history, self.settings)
        result = self.chain.invoke({"question": q, "history": h})
        assert isinstance(result, Answer)
        return result

    def stream(self, question: str, history: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Token events then one final ``{"type": "answer", "answer": Answer}``."""
        q = clean_question(question, self.settings)
        h = clean_history(history, self.settings)
        from .chain import stream_events

        yield from stream_events(self.chain, {"question": q, "history": h})

    def warm_up(self) -> None:
        """Build the chain and run the site profile's warm-up turns (or a generic follow-up), so the first
        user does not pay for lazy loading (jieba's part-of-speech tables, the query embedder)."""
        question, history = self.site.warmup_turns or ("它有多少家企业?", ["园区有哪些企业?"])
        self.ask(question, history)

    def info(self) -> dict[str, Any]:
        return self.index.describe()


__all__ = ["Bot"]
