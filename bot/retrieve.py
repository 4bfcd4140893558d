"""Hybrid retrieval: dense (Chroma) + BM25 over jieba tokens, fused by reciprocal rank, deduplicated.

The keyword side uses jieba's search mode with the index's domain dictionary loaded into a private
tokenizer (no global jieba state), so names like 海创尚纬 stay whole and their parts still match.

What would cost every serving process tens of seconds at start (tokenising every chunk for BM25, the typo
table, the chunk table) is computed once per index generation and saved with it (:func:`prepare_search`,
an artifact of the generation); :meth:`HybridSearcher.from_index` only loads it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

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
    _base: tuple[dict[str, int], int] | None = None  # jieba's default dictionary, loaded once per process

    def __init__(self, terms: Iterable[str] = ()) -> None:
        import jieba

        self._jieba = jieba.Tokenizer()
        freq, total = self._base_dictionary()
        # a private copy of the default dictionary (a new index generation gets a new tokenizer: copying
        # the loaded dictionary takes milliseconds, loading it again from disk seconds)
        self._jieba.FREQ, self._jieba.total, self._jieba.initialized = dict(freq), total, True
        for t in terms:
            self._jieba.add_word(t, freq=max(2000, 500 * len(t)))

    @classmethod
    def _base_dictionary(cls) -> tuple[dict[str, int], int]:
        import jieba

        with cls._init_lock:
            if cls._base is None:
                jieba.setLogLevel(logging.WARNING)
                base = jieba.Tokenizer()
                base.initialize()
                cls._base = (base.FREQ, base.total)
            return cls._base

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


class SparseScorer(Protocol):
    """The keyword side as :class:`HybridSearcher` sees it. Today :class:`BM25`; another engine (bm25s,
    tantivy, SQLite FTS5) can stand behind the same four members and save itself with the generation."""

    @property
    def idf(self) -> Mapping[str, float]: ...

    def vocabulary(self) -> Iterable[str]: ...

    def top(self, query_tokens: Sequence[str], n: int) -> list[tuple[int, float]]: ...

    def save(self, directory: Path) -> None: ...


class BM25:
    """Okapi BM25 over compressed postings (numpy, one row per term): built at ingest, saved with the
    generation, loaded by every serving process in milliseconds."""

    def __init__(
        self,
        vocab: Sequence[str],
        lengths: np.ndarray,
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        tfs: np.ndarray,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.k1, self.b = k1, b
        self.vocab = list(vocab)
        self.lengths = lengths.astype(np.float64)
        self.indptr, self.doc_ids, self.tfs = indptr, doc_ids, tfs
        self.n = len(lengths)
        self.avgdl = float(self.lengths.sum() / self.n) if self.n else 1.0
        self._tid = {t: i for i, t in enumerate(self.vocab)}
        dfs = np.diff(indptr).tolist()
        self._idf_list = [math.log(1 + (self.n - df + 0.5) / (df + 0.5)) for df in dfs]
        self.idf: dict[str, float] = dict(zip(self.vocab, self._idf_list, strict=True))

    @classmethod
    def from_docs(cls, docs: Sequence[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        tid: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[int] = []
        for i, d in enumerate(docs):
            for tok, tf in Counter(d).items():
                rows.append(tid.setdefault(tok, len(tid)))
                cols.append(i)
                vals.append(tf)
        vocab = sorted(tid)
        remap = np.empty(len(tid), dtype=np.int64)
        for new, tok in enumerate(vocab):
            remap[tid[tok]] = new
        r = remap[np.asarray(rows, dtype=np.int64)] if rows else np.zeros(0, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int32)
        v = np.asarray(vals, dtype=np.int32)
        order = np.lexsort((c, r))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=len(vocab)), out=indptr[1:])
        lengths = np.asarray([len(d) for d in docs], dtype=np.int32)
        return cls(vocab, lengths, indptr, c[order], v[order], k1, b)

    # -- persisted with the generation ---------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "lengths.npy", self.lengths.astype(np.int32))
        np.save(directory / "indptr.npy", self.indptr)
        np.save(directory / "doc_ids.npy", self.doc_ids)
        np.save(directory / "tfs.npy", self.tfs)
        params = {"k1": self.k1, "b": self.b, "vocab": self.vocab}
        (directory / "bm25.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25:
        params = json.loads((directory / "bm25.json").read_text(encoding="utf-8"))
        lengths, indptr, doc_ids, tfs = (
            np.load(directory / f"{n}.npy", allow_pickle=False) for n in ("lengths", "indptr", "doc_ids", "tfs")
        )
        return cls(params["vocab"], lengths, indptr, doc_ids, tfs, k1=float(params["k1"]), b=float(params["b"]))

    # -- scoring ------------------------------------------------------------------------------------
    def vocabulary(self) -> Iterable[str]:
        return self.vocab

    def _accumulate(self, query_tokens: Iterable[str]) -> np.ndarray:
        acc = np.zeros(self.n, dtype=np.float64)
        k1, b = self.k1, self.b
        for tok in dict.fromkeys(query_tokens):
            t = self._tid.get(tok)
            if t is None:
                continue
            lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
            docs = self.doc_ids[lo:hi]
            tf = self.tfs[lo:hi].astype(np.float64)
            norm = tf + k1 * (1 - b + b * self.lengths[docs] / self.avgdl)
            acc[docs] += self._idf_list[t] * tf * (k1 + 1) / norm
        return acc

    def top(self, query_tokens: Sequence[str], n: int) -> list[tuple[int, float]]:
        """The ``n`` best (chunk position, score), best first; only chunks sharing a token with the query."""
        acc = self._accumulate(query_tokens)
        hits = np.flatnonzero(acc)
        if n < len(hits):
            hits = hits[np.argpartition(-acc[hits], n - 1)[:n]]
        hits = hits[np.lexsort((hits, -acc[hits]))]
        return [(int(i), float(acc[i])) for i in hits]

    def scores(self, query_tokens: Iterable[str]) -> dict[int, float]:
        """Every chunk sharing a token with the query → its score."""
        acc = self._accumulate(query_tokens)
        return {int(i): float(acc[i]) for i in np.flatnonzero(acc)}


def _search_fingerprint() -> str:
    """What the saved search tables depend on besides the generation: tokenizer and scorer code, stop words,
    the thesaurus keys (jieba dictionary entries). A change builds fresh tables instead of reusing stale ones."""
    import jieba

    key = json.dumps(
        [SEARCH_TABLES_VERSION, jieba.__version__, sorted(STOPWORDS), sorted(THESAURUS)], ensure_ascii=False
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


#: bump when the saved search tables change shape or meaning
SEARCH_TABLES_VERSION = 1


def search_artifact_name() -> str:
    return f"search-{_search_fingerprint()}"


def build_search_tables(index: Index, directory: Path) -> None:
    """Everything a searcher needs besides the Chroma collection, computed once per generation: the chunk
    table, BM25 postings over jieba tokens and the typo-repair table."""
    chunks = list(index.iter_chunks())
    tokenizer = Tokenizer([*index.terms, *THESAURUS])
    bm25 = BM25.from_docs([tokenizer.tokens(HybridSearcher.keyword_text(c)) for c in chunks])
    bm25.save(directory / "bm25")
    fixer = TypoFixer(set(index.terms) | {t for t in bm25.vocabulary() if len(t) >= 3})
    table = {"ids": [c.id for c in chunks], "texts": [c.text for c in chunks], "metas": [c.meta for c in chunks]}
    (directory / "chunks.json").write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    (directory / "typo.json").write_text(json.dumps(fixer.to_table(), ensure_ascii=False), encoding="utf-8")


def prepare_search(index: Index) -> str:
    """Build the search tables of ``index``'s generation (ingest does this before publishing it)."""
    name = search_artifact_name()
    index.artifact(name, lambda d: build_search_tables(index, d))
    return name


class HybridSearcher:
    """Search over one open index generation. Built once per generation; ``search`` is thread-safe."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        chunks: list[StoredChunk],
        sparse: SparseScorer,
        fixer: TypoFixer,
    ) -> None:
        self.index = index
        self.settings = settings
        self.chunks = chunks
        self.by_id = {c.id: i for i, c in enumerate(chunks)}
        self.tokenizer = Tokenizer([*index.terms, *THESAURUS])
        self.bm25: SparseScorer = sparse
        self.fixer = fixer

    @classmethod
    def from_index(cls, index: Index, settings: Settings) -> HybridSearcher:
        """Open the generation's saved search tables (building them once if this generation has none)."""
        name = search_artifact_name()
        path = index.artifact(name, lambda d: build_search_tables(index, d))
        table = json.loads((path / "chunks.json").read_text(encoding="utf-8"))
        chunks = [
            StoredChunk(cid, text, meta)
            for cid, text, meta in zip(table["ids"], table["texts"], table["metas"], strict=True)
        ]
        fixer = TypoFixer.from_table(json.loads((path / "typo.json").read_text(encoding="utf-8")))
        return cls(index, settings, chunks, BM25.load(path / "bm25"), fixer)

    @staticmethod
    def keyword_text(c: StoredChunk) -> str:
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
        bm_ranked: list[tuple[int, float]] = []
        if fusion in ("rrf", "bm25"):
            bm_ranked = self.bm25.top(self.query_tokens(q), depth)
        bm_scores = dict(bm_ranked)
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


__all__ = ["BM25", "HybridSearcher", "SparseScorer", "Tokenizer", "prepare_search", "search_artifact_name"]
