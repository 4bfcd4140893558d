"""Hybrid retrieval: dense (Chroma) + BM25 over jieba tokens, fused by reciprocal rank, deduplicated.

The keyword side uses jieba's search mode with the index's domain dictionary loaded into a private
tokenizer (no global jieba state), so names like 海创尚纬 stay whole and their parts still match.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from .index import Index, StoredChunk
from .query import TypoFixer, normalize_query
from .schema import Passage
from .settings import Settings
from .text import strip_ws
from .thesaurus import THESAURUS

STOPWORDS = set(
    ["的", "了", "是", "在", "和", "与", "及", "有", "也", "都", "就", "而", "并", "被", "把", "将", "对", "为", "以", "于", "之", "其", "这", "那", "该", "个", "些", "吗", "呢", "吧", "啊", "么", "什么", "哪些", "哪个", "哪", "多少", "几", "怎么", "怎样", "如何", "为什么", "是否", "有没有", "请问", "一下", "现在", "目前", "可以", "能", "会", "要", "还", "又", "再", "所", "等", "从", "到", "由", "让", "给", "向", "上", "中", "下", "里", "内", "外", "吗", "嘛", "呀", "啥", "谁", "叫", "多", "大", "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or", "is", "are", "was", "were", "what", "which", "who", "how", "much", "many", "does", "do", "did", "when", "where", "why", "it", "its", "by", "with", "from"]
)
_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


class Tokenizer:
    """jieba search-mode tokens, lower-cased, without punctuation and stopwords."""

    _init_lock = threading.Lock()

    def __init__(self, terms: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        with self._init_lock:
            self._jieba.initialize()
        for t in terms:
            self._jieba.add_word(t, freq=max(2000, 500 * len(t)))

    def tokens(self, text: str) -> list[str]:
        out = []
        for tok in self._jieba.cut_for_search(text, HMM=True):
            tok = tok.strip().lower()
            if tok and _TOKEN_OK.search(tok) and tok not in STOPWORDS:
                out.append(tok)
        return out

    def words(self, text: str, hmm: bool = True) -> list[str]:
        """Plain (non-search) segmentation, kept for answer-side matching."""
        return [w for w in self._jieba.cut(text, HMM=hmm) if w.strip()]


class BM25:
    def __init__(self, docs: Sequence[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = [len(d) for d in docs]
        self.avgdl = (sum(self.lengths) / self.n) if self.n else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for tok, tf in Counter(d).items():
                self.postings[tok].append((i, tf))
        self.idf = {
            t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }

    def scores(self, query_tokens: Iterable[str]) -> dict[int, float]:
        acc: dict[int, float] = defaultdict(float)
        for tok in set(query_tokens):
            idf = self.idf.get(tok)
            if idf is None:
                continue
            for i, tf in self.postings[tok]:
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avgdl)
                acc[i] += idf * tf * (self.k1 + 1) / norm
        return acc


class HybridSearcher:
    """Search over one open index. Built once per process; ``search`` is thread-safe."""

    def __init__(self, index: Index, settings: Settings, chunks: list[StoredChunk]) -> None:
        self.index = index
        self.settings = settings
        self.chunks = chunks
        self.by_id = {c.id: i for i, c in enumerate(chunks)}
        self.tokenizer = Tokenizer([*index.terms, *THESAURUS])
        self.bm25 = BM25([self.tokenizer.tokens(self._keyword_text(c)) for c in chunks])
        # typo repair vocabulary: the domain terms plus the corpus words of 3+ characters (already tokenised)
        vocab = set(index.terms) | {t for t in self.bm25.postings if len(t) >= 3}
        self.fixer = TypoFixer(vocab)

    @classmethod
    def from_index(cls, index: Index, settings: Settings) -> HybridSearcher:
        return cls(index, settings, list(index.iter_chunks()))

    @staticmethod
    def _keyword_text(c: StoredChunk) -> str:
        return f"{c.meta.get('title', '')} {c.meta.get('section', '')}\n{c.text}"

    def normalize(self, query: str) -> str:
        return normalize_query(query, self.fixer)

    def _passage(self, i: int, score: float, dense: float | None, bm: float | None) -> Passage:
        c = self.chunks[i]
        m = c.meta
        return Passage(
            id=c.id,
            text=c.text,
            source=str(m.get("source", "")),
            title=str(m.get("title", "")),
            section=str(m.get("section", "")),
            date=(m.get("date") or None),
            byline=(m.get("byline") or None),
            publisher=(m.get("publisher") or None),
            url=(m.get("url") or None),
            article_id=str(m.get("article_id", "")),
            start=int(m.get("start", 0)),
            end=int(m.get("end", 0)),
            score=score,
            dense_score=dense,
            bm25_score=bm,
        )

    def search(self, query: str, k: int | None = None, *, normalized: bool = False) -> list[Passage]:
        """Top ``k`` passages for ``query``; ``score`` is the fused score (higher is better)."""
        k = k or self.settings.k
        if not self.chunks:
            return []
        q = query if normalized else self.normalize(query)
        depth = max(50, 4 * k)
        fusion = self.settings.fusion
        dense: list[tuple[int, float]] = []
        if fusion in ("rrf", "dense"):
            dense = [(self.by_id[cid], s) for cid, s in self.index.dense_search(q, depth) if cid in self.by_id]
        bm_scores: dict[int, float] = {}
        if fusion in ("rrf", "bm25"):
            bm_scores = self.bm25.scores(self.query_tokens(q))
        bm_ranked = sorted(bm_scores.items(), key=lambda kv: -kv[1])[:depth]
        dense_map = dict(dense)
        fused: dict[int, float] = defaultdict(float)
        rk = self.settings.rrf_k
        if fusion == "dense":
            for i, s in dense:
                fused[i] = s
        elif fusion == "bm25":
            for i, s in bm_ranked:
                fused[i] = s
        else:
            for rank, (i, _) in enumerate(dense):
                fused[i] += self.settings.dense_weight / (rk + rank + 1)
            for rank, (i, _) in enumerate(bm_ranked):
                fused[i] += self.settings.bm25_weight / (rk + rank + 1)
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        out: list[Passage] = []
        seen: list[str] = []
        for i, s in ranked:
            body = strip_ws(self.chunks[i].text)
            if any(body in other for other in seen):
                continue  # same text already ranked higher
            seen.append(body)
            out.append(self._passage(i, s, dense_map.get(i), bm_scores.get(i)))
            if len(out) >= k:
                break
        return out

    def query_tokens(self, query: str) -> list[str]:
        """Keyword tokens of a query, with the articles' wordings of colloquial words added (固投 → 固定资产投资)."""
        toks = self.tokenizer.tokens(query)
        extra = [alt for t in toks for alt in THESAURUS.get(t, ())]
        for alt in extra:
            toks.extend(self.tokenizer.tokens(alt))
        return toks


__all__ = ["BM25", "HybridSearcher", "Tokenizer"]
