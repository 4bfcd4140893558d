"""LangChain at the edge: the hybrid searcher exposed as a ``BaseRetriever``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .retrieve import HybridSearcher


class ParkRetriever(BaseRetriever):
    """``ParkRetriever(searcher=..., k=8).invoke("问题")`` → Documents with passage metadata and score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Any
    k: int = 8
    #: the query is already normalised (the chain's normalize step): don't normalise it twice
    normalized: bool = False

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        searcher: HybridSearcher = self.searcher
        return [
            Document(page_content=p.text, metadata=p.model_dump(exclude={"text"}), id=p.id)
            for p in searcher.search(query, self.k, normalized=self.normalized)
        ]


__all__ = ["ParkRetriever"]
