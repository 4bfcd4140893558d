"""The LangChain runnable: ``{"question", "history"} → Answer`` with ``invoke``, ``stream`` and ``batch``.

Composed of named runnables, so callbacks, tracing and ``astream_events`` see every step::

    condense   {"question", "history"} → standalone question (LLM when configured, else the offline rewrite,
               then a subject named by a description asked about by its name: bot.answer.described)
    normalize  standalone → the search string (simplified script, years, typos, English glosses): done once
    retrieve   search string → passages (the hybrid searcher behind a LangChain ``BaseRetriever``)
    answer     → Answer: the extractive answer; with an LLM configured the LLM reads the passages and the
               standalone question and answers or refuses itself (the extractive answer is its fallback)

``stream`` yields text deltas (str) and finally the Answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
)

from .answer.described import resolve as resolve_description
from .answer.extractive import ExtractiveAnswerer
from .answer.followup import FollowUpRewriter
from .answer.model import AnswerModel
from .errors import LLMError
from .langchain_retriever import ParkRetriever
from .retrieve import HybridSearcher
from .schema import Answer, Passage
from .settings import Settings

log = logging.getLogger(__name__)

#: shown with an answer when the LLM could not condense a follow-up and the offline rewrite was used
CONDENSE_FALLBACK_NOTICE = "大模型暂时无法理解上下文，已按前文关键词补全问题。"
#: shown with an answer to a question that named its subject by a description (给某某供货的那家公司)
DESCRIBED_NOTICE = "“{description}”按文章理解为{name}。"


class ChainSteps:
    """The step functions; each is wrapped in a named runnable by :func:`build_chain`."""

    def __init__(self, searcher: HybridSearcher, settings: Settings, model: AnswerModel | None) -> None:
        self.searcher = searcher
        self.settings = settings
        self.extractive = ExtractiveAnswerer(
            searcher.stats, searcher, settings, model or AnswerModel.load(settings.answer_model_file)
        )
        self.followups = FollowUpRewriter(searcher.stats)
        self.llm: Any = None
        if settings.llm_enabled:
            from .answer.llm import LLMAnswerer

            self.llm = LLMAnswerer(settings, about=searcher.site.about)

    def condense(self, inputs: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        question = str(inputs["question"])
        history = [str(h) for h in inputs.get("history") or []]
        standalone, notice = question, None
        if history:
            if self.llm is not None:
                try:
                    standalone = str(self.llm.condense(question, history))
                except LLMError as exc:
                    log.warning("LLM condense failed, using the offline rewrite: %s", exc.one_line())
                    standalone = self.followups.rewrite(question, history)
                    notice = CONDENSE_FALLBACK_NOTICE
            else:
                standalone = self.followups.rewrite(question, history)
        if self.llm is None:  # (an LLM reads the description in the passages itself)
            stats = self.searcher.stats
            found = resolve_description(standalone, self.searcher, stats, sorted(stats.site.names))
            if found is not None:
                standalone = found.question
                notice = notice or DESCRIBED_NOTICE.format(description=found.description, name=found.name)
        return {"standalone": standalone, "notice": notice, "t_condense": time.perf_counter() - t0}

    def normalize(self, inputs: dict[str, Any]) -> str:
        return self.searcher.normalize(str(inputs["condensed"]["standalone"]))

    @staticmethod
    def to_passages(docs: list[Any]) -> list[Passage]:
        return [Passage(text=d.page_content, **d.metadata) for d in docs]


class _AnswerStep(Runnable[dict[str, Any], Any]):
    """The last step: streams the answer text (str deltas), then yields the Answer; ``invoke`` returns just the
    Answer. (Its output type is ``Any`` because a stream mixes text deltas with the final Answer.)"""

    def __init__(self, steps: ChainSteps) -> None:
        self.steps = steps

    # a run of its own in every mode, so callbacks and astream_events see the step
    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return self._call_with_config(self._invoke, input, config, run_type="chain")

    def transform(
        self, input: Iterator[dict[str, Any]], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from self._transform_stream_with_config(input, self._transform, config, run_type="chain")

    def stream(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        yield from self.transform(iter([input]), config, **kwargs)

    def _invoke(self, inputs: dict[str, Any]) -> Answer:
        final: Answer | None = None
        for item in self._run(inputs):
            if isinstance(item, Answer):
                final = item
        if final is None:  # _run always ends with an Answer; this guards against a future edit
            raise RuntimeError("the answer step produced no Answer")
        return final

    def _transform(self, chunks: Iterator[dict[str, Any]]) -> Iterator[str | Answer]:
        merged: dict[str, Any] = {}
        for chunk in chunks:
            merged.update(chunk)
        yield from self._run(merged)

    def _run(self, inputs: dict[str, Any]) -> Iterator[str | Answer]:
        s = self.steps
        t0 = time.perf_counter()
        question = str(inputs["question"])
        condensed = inputs["condensed"]
        query = str(inputs["query"])
        passages: list[Passage] = inputs["found"]["passages"]
        t_retrieve = float(inputs["found"]["t_retrieve"])
        extractive, _support = s.extractive.answer(question, query, passages)
        t1 = time.perf_counter()
        extractive.search_query = query
        extractive.notice = condensed.get("notice")
        timings = {
            "rewrite": round(float(condensed.get("t_condense", 0.0)) * 1000, 2),
            "retrieve": round(t_retrieve * 1000, 2),
            "answer": round((t1 - t0) * 1000, 2),
        }
        extractive.timings_ms = {**timings, "total": round(sum(timings.values()), 2)}
        if s.llm is None:
            yield from _chunks(extractive.answer)
            yield extractive
            return
        # the LLM decides for itself: it reads the passages with the condensed question (not the search string)
        asked = str(condensed.get("standalone") or question)
        for item in s.llm.stream_answer(asked, passages, extractive):
            if isinstance(item, Answer):
                item.search_query = query
                item.notice = item.notice or extractive.notice
                item.timings_ms = {**extractive.timings_ms, **item.timings_ms}
                item.timings_ms["total"] = round(
                    extractive.timings_ms["total"] + (time.perf_counter() - t1) * 1000, 2
                )
            yield item


def _chunks(text: str, size: int = 8) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def build_chain(
    searcher: HybridSearcher, settings: Settings, model: AnswerModel | None = None
) -> Runnable[dict[str, Any], Answer]:
    """``condense | normalize | retrieve | answer`` as one LangChain runnable named ``park_qa``."""
    steps = ChainSteps(searcher, settings, model)
    retriever = ParkRetriever(searcher=searcher, k=settings.k, normalized=True)

    def retrieve(inputs: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        t0 = time.perf_counter()
        docs = retriever.invoke(str(inputs["query"]), config=config)  # a child run: callbacks see the retriever
        return {"passages": steps.to_passages(docs), "t_retrieve": time.perf_counter() - t0}

    chain = (
        _assign("condensed", RunnableLambda(steps.condense).with_config(run_name="condense"))
        | _assign("query", RunnableLambda(steps.normalize).with_config(run_name="normalize"))
        | _assign("found", RunnableLambda(retrieve).with_config(run_name="retrieve"))
        | _AnswerStep(steps).with_config(run_name="answer")
    )
    return chain.with_config(run_name="park_qa")


def _assign(key: str, step: Runnable[dict[str, Any], Any]) -> Runnable[dict[str, Any], dict[str, Any]]:
    """Like ``RunnablePassthrough.assign(key=step)``, but run in the calling thread: ``assign`` runs its one
    step through a thread pool made for every call (a new thread per step and request, and GIL contention
    under load). ``step`` is still a child run (callbacks and ``astream_events`` see it by its name)."""

    def run(inputs: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        return {**inputs, key: step.invoke(inputs, config=config)}

    return RunnableLambda(run).with_config(run_name=f"assign_{key}")


def stream_events(chain: Runnable, inputs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Chain stream → ``{"type": "token", "text"}`` events and one final ``{"type": "answer", "answer"}``."""
    for item in chain.stream(inputs):
        if isinstance(item, Answer):
            yield {"type": "answer", "answer": item}
        else:
            yield {"type": "token", "text": str(item)}


__all__ = ["CONDENSE_FALLBACK_NOTICE", "ChainSteps", "build_chain", "stream_events"]
