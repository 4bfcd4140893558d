"""Retrieval quality and shape on the real corpus with the real embedder (e5, the session ``corpus_bot``)."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from helpers import DEV_SET, FILE_000, FILE_001, squash
from langchain_core.documents import Document

from bot.langchain_retriever import ParkRetriever

pytestmark = pytest.mark.slow

TOP_K = 8


def dev_items() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def search_text(item: dict) -> str:
    return " ".join([*item.get("history", []), item["question"]])


def test_evidence_is_retrieved_for_answerable_dev_items(corpus_bot) -> None:
    items = [it for it in dev_items() if it["evidence"]]
    assert len(items) >= 20
    misses = []
    for it in items:
        texts = [squash(p.text) for p in corpus_bot.search(search_text(it), TOP_K)]
        quotes = [squash(e["quote"]) for e in it["evidence"]]
        if not any(q in t for q in quotes for t in texts):
            misses.append(it["id"])
    recall = 1 - len(misses) / len(items)
    assert recall >= 0.90, (
        f"evidence recall@{TOP_K} = {recall:.3f} ({len(items) - len(misses)}/{len(items)}); missed {misses}"
    )


@pytest.mark.parametrize(
    "query",
    [
        "海创尚纬的注册资本是多少?",
        "乐山高新区2023年营业收入",
        "What was the GDP growth rate in 2024?",
        "坝坝会",
        "xyz",
    ],
)
def test_scores_are_descending_and_results_distinct(corpus_bot, query: str) -> None:
    passages = corpus_bot.search(query, TOP_K)
    assert 0 < len(passages) <= TOP_K
    scores = [p.score for p in passages]
    assert all(a >= b for a, b in pairwise(scores)), scores
    assert len({p.id for p in passages}) == len(passages)
    bodies = [squash(p.text) for p in passages]
    for i, b in enumerate(bodies):
        assert not any(b in other for other in bodies[:i]), "a passage contained in a higher one is dropped"


def test_k_is_respected(corpus_bot) -> None:
    for k in (1, 3, 12):
        assert len(corpus_bot.search("乐山高新区", k)) == k


def test_langchain_retriever_returns_documents_with_metadata(corpus_bot) -> None:
    retriever = ParkRetriever(searcher=corpus_bot.searcher, k=5)
    docs = retriever.invoke("海创尚纬的注册资本是多少?")
    assert 0 < len(docs) <= 5
    assert all(isinstance(d, Document) for d in docs)
    for d in docs:
        assert d.metadata["source"] in {FILE_000, FILE_001}
        assert d.metadata["title"] and d.metadata["article_id"].startswith(d.metadata["source"])
        assert isinstance(d.metadata["score"], float)
        assert d.page_content and d.id
    assert "5亿元" in docs[0].page_content
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    batch = retriever.batch(["创智谷孵化器面积", "坝坝会"])
    assert len(batch) == 2 and all(batch)


@pytest.mark.parametrize(
    ("variant", "clean"),
    [
        ("樂山高新區2023年「一區五園」的營業收入是多少?", "乐山高新区2023年“一区五园”的营业收入是多少?"),
        ("海创尚伟的注册资本是多少?", "海创尚纬的注册资本是多少?"),
        ("海創尚緯的註冊資本是多少?", "海创尚纬的注册资本是多少?"),
        ("创智古孵化器的面积有多大?", "创智谷孵化器的面积有多大?"),
        ("高薪区固定资产投资增速", "高新区固定资产投资增速"),
    ],
)
def test_traditional_and_typo_queries_find_the_same_article(corpus_bot, variant: str, clean: str) -> None:
    got = corpus_bot.search(variant, 3)
    want = corpus_bot.search(clean, 3)
    assert got[0].article_id == want[0].article_id, (got[0].title, want[0].title)
    assert got[0].id in {p.id for p in want}, "the best passage of the variant is among the clean top 3"


def test_normalize_repairs_the_variants(corpus_bot) -> None:
    assert "乐山高新区" in corpus_bot.searcher.normalize("樂山高新區")
    assert "海创尚纬" in corpus_bot.searcher.normalize("海创尚伟项目")
