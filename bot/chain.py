"""The LangChain runnable: ``{"question", "history"} → Answer`` with ``invoke``, ``stream`` and ``batch``.

Steps: follow-up rewrite (LLM condense when configured, else entity carry-over) → query normalisation →
hybrid retrieval through the LangChain retriever → extractive answer and evidence-based refusal → optional
LLM answer (validated citations; falls back to the extractive answer on any failure).
``stream`` yields text deltas (str) and finally the Answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from .answer.extractive import ExtractiveAnswerer
from .answer.followup import FollowUpRewriter
from .langchain_retriever import ParkRetriever
from .retrieve import HybridSearcher
from .schema import Answer, Passage
from .settings import Settings


class ParkQAChain(Runnable[dict[str, Any], Answer]):
    def __init__(self, searcher: HybridSearcher, settings: Settings) -> None:
        self.searcher = searcher
        self.settings = settings
        self.retriever = ParkRetriever(searcher=searcher, k=settings.k)
        self.extractive = ExtractiveAnswerer(searcher, settings)
        self.followups = FollowUpRewriter(searcher.tokenizer, searcher.index.terms)
        self._llm: Any = None
        if settings.llm_enabled:
            from .answer.llm import LLMAnswerer

            self._llm = LLMAnswerer(settings)

    # -- steps --------------------------------------------------------------
    def _standalone(self, question: str, history: list[str]) -> str:
        if not history:
            return question
        if self._llm is not None:
            try:
                return str(self._llm.condense(question, history))
            except Exception:
                pass  # heuristic rewrite below
        return self.followups.rewrite(question, history)

    def _retrieve(self, query: str, config: RunnableConfig | None) -> list[Passage]:
        docs = self.retriever.invoke(query, config=config)
        return [Passage(text=d.page_content, **d.metadata) for d in docs]

    def _extractive(self, inputs: dict[str, Any], config: RunnableConfig | None) -> Answer:
        t0 = time.perf_counter()
        question = str(inputs["question"])
        history = [str(h) for h in inputs.get("history") or []]
        standalone = self._standalone(question, history)
        query = self.searcher.normalize(standalone)
        t1 = time.perf_counter()
        passages = self._retrieve(query, config)
        t2 = time.perf_counter()
        unresolved = not history and self.followups.needs_anaphora(question)
        answer, _support = self.extractive.answer(question, query, passages, unresolved_reference=unresolved)
        t3 = time.perf_counter()
        answer.search_query = query
        answer.timings_ms = {
            "rewrite": round((t1 - t0) * 1000, 2),
            "retrieve": round((t2 - t1) * 1000, 2),
            "answer": round((t3 - t2) * 1000, 2),
            "total": round((t3 - t0) * 1000, 2),
        }
        return answer

    # -- Runnable -------------------------------------------------------------
    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        final: Answer | None = None
        for item in self.stream(input, config):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        answer = self._extractive(input, config)
        if self._llm is None or answer.refused:
            yield from _chunks(answer.answer)
            yield answer
            return
        t0 = time.perf_counter()
        standalone = answer.search_query or str(input["question"])
        asked = str(input["question"]) if not input.get("history") else standalone
        for item in self._llm.stream_answer(asked, answer.retrieved, answer):
            if isinstance(item, Answer):
                item.search_query = answer.search_query
                item.timings_ms = {**answer.timings_ms, **item.timings_ms}
                item.timings_ms["total"] = round(answer.timings_ms["total"] + (time.perf_counter() - t0) * 1000, 2)
                yield item
            else:
                yield item


def _chunks(text: str, size: int = 8) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def build_chain(searcher: HybridSearcher, settings: Settings) -> ParkQAChain:
    return ParkQAChain(searcher, settings)


def stream_events(chain: Runnable, inputs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Chain stream → ``{"type": "token", "text"}`` events and one final ``{"type": "answer", "answer"}``."""
    for item in chain.stream(inputs):
        if isinstance(item, Answer):
            yield {"type": "answer", "answer": item}
        else:
            yield {"type": "token", "text": str(item)}


__all__ = ["ParkQAChain", "build_chain", "stream_events"]
