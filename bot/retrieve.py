"""Hybrid retrieval: dense (Chroma) + BM25 over jieba tokens, fused by reciprocal rank, deduplicated.

The keyword side uses jieba's search mode with the index's domain dictionary loaded into a private
tokenizer (no global jieba state), so company and place names stay whole and their parts still match.

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
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .chunk_table import ChunkTable, UnitVectors
from .index import Index, StoredChunk
from .lang.thesaurus import ACRONYM_IN_TEXT, Thesaurus, general_thesaurus
from .lang.words import STOP_WORDS, separate_question_words
from .query import TypoFixer, english_phrases, normalize_query
from .schema import Passage
from .settings import Settings
from .site import SiteProfile
from .text import strip_ws

if TYPE_CHECKING:
    import jieba.posseg

_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
#: question words the keyword side drops (they say what is asked, not what about)
_QUERY_NOISE = frozenset({"什么", "哪些", "哪个", "哪", "多少", "几", "怎么", "怎样", "如何", "为什么", "是否", "有没有", "请问", "谁", "啥"})


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
        self._general = freq  # jieba's own dictionary, before the corpus's words
        for t in terms:
            self._jieba.add_word(t, freq=max(2000, 500 * len(t)))
        self._pos: jieba.posseg.POSTokenizer | None = None  # made on first use: search never tags
        self._pos_lock = threading.Lock()

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

    def is_general_word(self, word: str) -> bool:
        """A word of jieba's general dictionary (not one the corpus taught it)."""
        return self._general.get(word, 0) > 0

    def tokens(self, text: str) -> list[str]:
        out = []
        for tok in self._jieba.cut_for_search(text, HMM=True):
            tok = tok.strip().lower()
            if tok and _TOKEN_OK.search(tok) and tok not in STOP_WORDS and tok not in _QUERY_NOISE:
                out.append(tok)
        return out

    def words(self, text: str, hmm: bool = True) -> list[str]:
        """Plain (non-search) segmentation."""
        return [w for w in self._jieba.cut(text, HMM=hmm) if w.strip()]

    def tagged(self, text: str, hmm: bool = False) -> list[tuple[str, str]]:
        """Words with their part of speech (jieba's tags: nr person, ns place, nt organisation, nz other name …).
        Without HMM a word jieba does not know comes out as single characters (callers may join them)."""
        with self._pos_lock:  # jieba's POS tokenizer keeps per-call state
            if self._pos is None:
                self._pos = self._pos_tokenizer()
            return [(p.word, p.flag) for p in self._pos.cut(text, HMM=hmm) if p.word.strip()]

    def _pos_tokenizer(self) -> jieba.posseg.POSTokenizer:
        """A POS tokenizer over this tokenizer's dictionary, sharing jieba's word-tag table (read once per
        process when ``jieba.posseg`` is imported; ``POSTokenizer(...)`` would parse it again, about a second,
        for every index generation). Corpus words are added without tags, so the table is only read."""
        import jieba.posseg

        pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
        pos.tokenizer = self._jieba
        pos.word_tag_tab = jieba.posseg.dt.word_tag_tab
        return pos


class SparseScorer(Protocol):
    """The keyword side as :class:`HybridSearcher` sees it. Today :class:`BM25`; another engine (bm25s,
    tantivy, SQLite FTS5) can stand behind the same four members and save itself with the generation."""

    @property
    def idf(self) -> Mapping[str, float]: ...

    def vocabulary(self) -> Iterable[str]: ...

    def top(self, query_tokens: Sequence[str] | Mapping[str, float], n: int) -> list[tuple[int, float]]: ...

    def save(self, directory: Path) -> None: ...


class BM25:
    """Okapi BM25 over compressed postings (numpy, one row per term) with each posting's term score
    precomputed: built at ingest, saved with the generation, memory-mapped by every serving process (shared
    through the page cache). A query adds up one slice per query term (scripts/sparse_engines.py compares it
    with bm25s and SQLite FTS5)."""

    def __init__(
        self,
        vocab: Sequence[str],
        lengths: np.ndarray,
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        tfs: np.ndarray,
        k1: float = 1.2,
        b: float = 0.75,
        weights: np.ndarray | None = None,
    ) -> None:
        """``weights``: each posting's BM25 term score (idf x saturated, length-normalised tf), computed here
        when not given (saved with the generation, so a query only adds up slices of it)."""
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
        if weights is None:
            tf = np.asarray(tfs, dtype=np.float64)
            norm = tf + k1 * (1 - b + b * self.lengths[np.asarray(doc_ids)] / self.avgdl)
            idf_per_posting = np.repeat(np.asarray(self._idf_list, dtype=np.float64), np.diff(np.asarray(indptr)))
            weights = idf_per_posting * tf * (k1 + 1) / norm
        self.weights = weights

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
        np.save(directory / "weights.npy", np.asarray(self.weights, dtype=np.float64))
        params = {"k1": self.k1, "b": self.b, "vocab": self.vocab}
        (directory / "bm25.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25:
        params = json.loads((directory / "bm25.json").read_text(encoding="utf-8"))
        # memory-mapped: opening maps the postings, the pages are read (and shared between workers) as used
        lengths, indptr, doc_ids, tfs, weights = (
            np.load(directory / f"{n}.npy", mmap_mode="r", allow_pickle=False)
            for n in ("lengths", "indptr", "doc_ids", "tfs", "weights")
        )
        return cls(
            params["vocab"], lengths, indptr, doc_ids, tfs, k1=float(params["k1"]), b=float(params["b"]), weights=weights
        )

    # -- scoring ------------------------------------------------------------------------------------
    def vocabulary(self) -> Iterable[str]:
        return self.vocab

    def _accumulate(self, query_tokens: Iterable[str] | Mapping[str, float]) -> np.ndarray:
        """BM25 of every document; ``query_tokens`` may weight the tokens (a mapping token → weight)."""
        weights = dict(query_tokens) if isinstance(query_tokens, Mapping) else dict.fromkeys(query_tokens, 1.0)
        acc = np.zeros(self.n, dtype=np.float64)
        for tok, weight in weights.items():
            t = self._tid.get(tok)
            if t is None:
                continue
            lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
            acc[self.doc_ids[lo:hi]] += weight * self.weights[lo:hi]  # a term's postings name each chunk once
        return acc

    def top(self, query_tokens: Sequence[str] | Mapping[str, float], n: int) -> list[tuple[int, float]]:
        """The ``n`` best (chunk position, score), best first; only chunks sharing a token with the query."""
        acc = self._accumulate(query_tokens)
        return [(i, float(acc[i])) for i in best_positions(acc, n)]

    def scores(self, query_tokens: Iterable[str] | Mapping[str, float]) -> dict[int, float]:
        """Every chunk sharing a token with the query → its score."""
        acc = self._accumulate(query_tokens)
        return {int(i): float(acc[i]) for i in np.flatnonzero(acc)}


def best_positions(acc: np.ndarray, n: int) -> list[int]:
    """The ``n`` positions of the highest non-zero scores in ``acc``, best first (ties: lower position first)."""
    hits = np.flatnonzero(acc)
    if n < len(hits):
        hits = hits[np.argpartition(-acc[hits], n - 1)[:n]]
    return [int(i) for i in hits[np.lexsort((hits, -acc[hits]))]]


def _search_fingerprint() -> str:
    """What the saved search tables depend on besides the generation: tokenizer and scorer code, stop words.
    A change builds fresh tables instead of reusing stale ones."""
    import jieba

    key = json.dumps(
        [SEARCH_TABLES_VERSION, jieba.__version__, sorted(STOP_WORDS), sorted(_QUERY_NOISE)], ensure_ascii=False
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


#: searches whose passages a searcher keeps (per generation)
RESULTS_CACHED = 1024

#: bump when the saved search tables change shape or meaning
SEARCH_TABLES_VERSION = 5


def search_artifact_name() -> str:
    return f"search-{_search_fingerprint()}"


def build_search_tables(index: Index, directory: Path) -> None:
    """Everything a searcher needs besides the Chroma collection, computed once per generation: the chunk
    table (SQLite), BM25 postings over jieba tokens, the typo-repair table and the corpus facts the searcher
    would otherwise gather from every chunk at open (its characters, its articles, those naming the site)."""
    from .chunk_table import CHUNKS_FILE, write_chunk_table, write_unit_vectors
    from .site import load_site_profile

    # corpus order, not the store's: Chroma returns a generation's chunks in the order they were written,
    # which differs between a fresh build and one that copied vectors from the generation before, and ranks
    # break ties by position (the same question got other passages after an incremental ingest)
    chunks = sorted(index.iter_chunks(), key=corpus_order)
    tokenizer = Tokenizer(index.terms)
    bm25 = BM25.from_docs([tokenizer.tokens(HybridSearcher.keyword_text(c)) for c in chunks])
    bm25.save(directory / "bm25")
    fixer = TypoFixer(set(index.terms) | {t for t in bm25.vocabulary() if len(t) >= 3})
    write_chunk_table(directory / CHUNKS_FILE, chunks)
    if index.units is not None:
        write_unit_vectors(directory, _unit_pages(index))
    (directory / "typo.json").write_text(json.dumps(fixer.to_table(), ensure_ascii=False), encoding="utf-8")
    site = load_site_profile(index.settings.site_path)
    facts = {
        "n_chunks": len(chunks),
        "n_articles": len({str(c.meta.get("article_id", "")) for c in chunks}),
        "corpus_chars": "".join(sorted(_corpus_chars(chunks))),
        "site_names": sorted(site.names),
        "site_articles": sorted(_articles_naming(chunks, site.names)),
    }
    (directory / "facts.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")


def corpus_order(chunk: StoredChunk) -> tuple[str, str, int, str]:
    """Sort key of a chunk: its file, its article, its place in the article (the id breaks any tie)."""
    meta = chunk.meta
    start = meta.get("start")
    return (str(meta.get("source", "")), str(meta.get("article_id", "")), start if isinstance(start, int) else -1, chunk.id)


def _unit_pages(index: Index, page: int = 5000) -> Iterable[tuple[list[str], np.ndarray]]:
    """The generation's answer-unit vectors, page by page, from its units collection."""
    offset = 0
    while index.units is not None:
        got = index.units.get(include=["embeddings"], limit=page, offset=offset)
        if not got["ids"]:
            return
        yield list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32)
        offset += len(got["ids"])


def _corpus_chars(chunks: Iterable[StoredChunk]) -> frozenset[str]:
    """The CJK characters the corpus writes (a query keeps them as they are, not simplified)."""
    return frozenset(ch for c in chunks for ch in c.text if ord(ch) > 0x2E7F)


def _articles_naming(chunks: Iterable[StoredChunk], names: Iterable[str]) -> set[str]:
    names = list(names)
    return {
        str(c.meta.get("article_id", ""))
        for c in chunks
        if any(n in c.text or n in str(c.meta.get("title", "")) for n in names)
    }


def prepare_search(index: Index) -> str:
    """Build the search tables of ``index``'s generation (ingest does this before publishing it)."""
    name = search_artifact_name()
    index.artifact(name, lambda d: build_search_tables(index, d))
    return name


class CorpusStats:
    """What the answer layer may know of the corpus, read-only: segmentation, term rarity, the names the
    lexicon drew from the articles, synonyms (general thesaurus + the site profile's), and which articles
    are about the site's park."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        bm25: SparseScorer,
        entities: Iterable[str],
        thesaurus: Thesaurus,
        site: SiteProfile,
        site_articles: set[str],
        n_articles: int,
        chunks: Sequence[StoredChunk] = (),
        spans: Callable[[str], Sequence[tuple[int, int, str]]] | None = None,
    ) -> None:
        """``spans(article_id)``: (start, end, text) of an article's chunks in order, read on demand (a chunk
        table); without it they are gathered here from ``chunks``."""
        self._tokenizer = tokenizer
        self._bm25 = bm25
        self._idf_max = max(bm25.idf.values()) if bm25.idf else 1.0
        self.entities: frozenset[str] = frozenset(e for e in entities if len(e) >= 2)
        by_first: dict[str, list[str]] = defaultdict(list)
        for e in self.entities:
            by_first[e[0]].append(e)
        self._entities_by_first = {ch: tuple(es) for ch, es in by_first.items()}
        self._thesaurus = thesaurus
        self.site = site
        self._site_articles = frozenset(site_articles)
        self.n_articles = n_articles
        gathered: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # article → (start, end, text)
        for c in chunks:
            gathered[str(c.meta.get("article_id", ""))].append((int(c.meta.get("start", 0)), int(c.meta.get("end", 0)), c.text))
        for spans_of in gathered.values():
            spans_of.sort()
        self._spans: Callable[[str], Sequence[tuple[int, int, str]]] = spans or (lambda a: gathered.get(a, ()))
        self._site_syn: dict[str, dict[str, float]] = {}
        for key, alts in site.synonyms.items():
            for alt in alts:
                self._site_syn.setdefault(key, {})[alt] = 1.0
                self._site_syn.setdefault(alt, {})[key] = 1.0

    # segmentation
    def tokens(self, text: str) -> list[str]:
        return self._tokenizer.tokens(text)

    def words(self, text: str) -> list[str]:
        return self._tokenizer.words(text, hmm=False)

    def tagged(self, text: str) -> list[tuple[str, str]]:
        return self._tokenizer.tagged(text)

    def entities_in(self, text: str) -> set[str]:
        """The lexicon's names that occur in ``text`` (``{e for e in entities if e in text}``, found by their
        first character: a large corpus has tens of thousands of names and a request asks this per sentence)."""
        found: set[str] = set()
        index = self._entities_by_first
        for i, ch in enumerate(text):
            for e in index.get(ch, ()):
                if text.startswith(e, i):
                    found.add(e)
        return found

    # rarity
    @property
    def max_idf(self) -> float:
        return self._idf_max

    def idf(self, word: str) -> float:
        """IDF of a word over the chunks; a word the corpus never uses counts as rare as the rarest."""
        w = word.lower()
        got = self._bm25.idf.get(w)
        if got is not None:
            return got
        parts = [self._bm25.idf.get(t) for t in self._tokenizer.tokens(w) if t != w]
        known = [p for p in parts if p is not None]
        return sum(known) / len(known) if known else self._idf_max

    def in_corpus(self, word: str) -> bool:
        return word.lower() in self._bm25.idf

    def is_general_word(self, word: str) -> bool:
        """A word of general Chinese (jieba's own dictionary, 词林 or CC-CEDICT)."""
        return self._tokenizer.is_general_word(word) or self._thesaurus.knows(word)

    def is_name(self, word: str) -> bool:
        """A name the corpus uses: drawn by the lexicon, or a word of the articles that general Chinese
        does not have (made-up trade names are exactly the words no dictionary knows)."""
        w = word.lower()
        if w in self.entities:
            return True
        return len(w) >= 2 and self.in_corpus(w) and not self.is_general_word(w) and not w.isascii()

    # knowledge
    def synonyms(self, word: str) -> dict[str, float]:
        out = dict(self._thesaurus.synonyms(word))
        out.update(self._site_syn.get(word, {}))
        return out

    def expansions(self, acronym: str) -> list[str]:
        """The Chinese words an acronym (GDP) stands for in CC-CEDICT (国内生产总值, 生产总值)."""
        return self._thesaurus.expansions(acronym) if acronym.isascii() else []

    def english_terms(self, text: str) -> list[str]:
        """Chinese words of the corpus that the English words of ``text`` gloss (CC-CEDICT)."""
        found: list[str] = []
        covered: set[str] = set()

        def take(words: Iterable[str]) -> bool:
            """Keep the two longest corpus words of ``words`` (ties: not set order); whether there were any."""
            hits = sorted((w for w in words if self.in_corpus(w)), key=lambda w: (-len(w), w))
            found.extend(h for h in hits[:2] if h not in found)
            return bool(hits)

        for acronym in ACRONYM_IN_TEXT.findall(text):  # GDP: too short to gloss as a word
            take(self.expansions(acronym))
        for phrase in english_phrases(text):
            if any(phrase in c for c in covered) or (" " not in phrase and len(phrase) < 6):
                continue  # short single words gloss too many things (run, full, project)
            glossed = self._thesaurus.from_english(phrase)
            if len(glossed) <= 6 and take(glossed):
                covered.add(phrase)
        return found

    def text_before(self, article_id: str, offset: int, chars: int) -> str:
        """Up to ``chars`` characters of the article just before ``offset`` (an offset into the article text),
        stitched from its chunks: what an answer unit's pronoun (该项目, 其) may refer to."""
        lo = max(0, offset - chars)
        pieces: dict[int, str] = {}
        for start, end, text in self._spans(article_id):
            if start >= offset:
                break
            if end <= lo:
                continue
            for i in range(max(start, lo), min(end, offset)):
                pieces.setdefault(i, text[i - start])
        return "".join(pieces[i] for i in sorted(pieces))

    def about_site(self, article_id: str) -> bool | None:
        """Whether the article names the site's park; None when that cannot tell articles apart (no park
        name in the profile, or no article or every article naming it)."""
        if not self.site.names or not self._site_articles or len(self._site_articles) >= self.n_articles:
            return None
        return article_id in self._site_articles


class HybridSearcher:
    """Search over one open index generation. Built once per generation; ``search`` is thread-safe."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        chunks: Sequence[StoredChunk],
        sparse: SparseScorer,
        fixer: TypoFixer,
        site: SiteProfile | None = None,
        thesaurus: Thesaurus | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        """``chunks``: a list, or the generation's :class:`~bot.chunk_table.ChunkTable` (rows read on demand);
        ``facts``: what :func:`build_search_tables` saved about the corpus (else gathered from ``chunks``)."""
        self.index = index
        self.settings = settings
        self.chunks = chunks
        self.site = site or SiteProfile()
        table = chunks if isinstance(chunks, ChunkTable) else None
        self.by_id: Mapping[str, int] = table.by_id if table is not None else {c.id: i for i, c in enumerate(chunks)}
        self.tokenizer = Tokenizer(index.terms)
        self.bm25: SparseScorer = sparse
        self.fixer = fixer
        names = sorted(self.site.names)
        if facts is not None:
            self.corpus_chars = frozenset(str(facts["corpus_chars"]))
            n_articles = int(facts["n_articles"])
            if list(facts.get("site_names", [])) == names:
                site_articles = set(facts.get("site_articles", []))
            else:  # the site profile changed since the ingest
                site_articles = table.articles_naming(names) if table is not None else _articles_naming(chunks, names)
        else:
            self.corpus_chars = _corpus_chars(chunks)
            n_articles = len({str(c.meta.get("article_id", "")) for c in chunks})
            site_articles = _articles_naming(chunks, names)
        self.stats = CorpusStats(
            self.tokenizer,
            sparse,
            index.terms,
            thesaurus or _GeneralThesaurus(settings.cache_dir),
            self.site,
            site_articles,
            n_articles,
            () if table is not None else chunks,
            spans=table.article_spans if table is not None else None,
        )
        self._vec_lock = threading.Lock()
        self._query_vecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._unit_vecs: OrderedDict[str, np.ndarray] = OrderedDict()
        #: the generation's answer-unit vectors saved with its search tables (else asked from the index)
        self.saved_units: UnitVectors | None = None
        #: recent results: a generation never changes, so the same search gives the same passages
        self._results: OrderedDict[tuple[str, int, bool], list[Passage]] = OrderedDict()

    @classmethod
    def from_index(
        cls, index: Index, settings: Settings, site: SiteProfile | None = None, thesaurus: Thesaurus | None = None
    ) -> HybridSearcher:
        """Open the generation's saved search tables (building them once if this generation has none)."""
        from .chunk_table import CHUNKS_FILE, UNIT_VECTORS_FILE, UnitVectors

        name = search_artifact_name()
        path = index.artifact(name, lambda d: build_search_tables(index, d))
        facts = json.loads((path / "facts.json").read_text(encoding="utf-8"))
        chunks = ChunkTable(path / CHUNKS_FILE, size=int(facts["n_chunks"]))
        fixer = TypoFixer.from_table(json.loads((path / "typo.json").read_text(encoding="utf-8")))
        searcher = cls(index, settings, chunks, BM25.load(path / "bm25"), fixer, site, thesaurus, facts)
        if (path / UNIT_VECTORS_FILE).is_file():
            searcher.saved_units = UnitVectors(path)
        return searcher

    # -- vectors (the index's own embedder) ----------------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        """The normalised query embedding of ``text`` (cached: search and answers embed the query once)."""
        with self._vec_lock:
            got = self._query_vecs.get(text)
            if got is not None:
                self._query_vecs.move_to_end(text)
                return got
        vec = _unit(np.asarray(self.index.embedder.embed_query(text), dtype=np.float32))
        with self._vec_lock:
            self._query_vecs[text] = vec
            while len(self._query_vecs) > 512:
                self._query_vecs.popitem(last=False)
        return vec

    def unit_vectors(self, units: Sequence[tuple[str, str]]) -> np.ndarray:
        """Embeddings (rows, normalised) of answer units given as ``(unit_id, text)``: read from the index
        when it stores them, else embedded now and kept in a bounded cache."""
        dim = 0
        found: dict[str, np.ndarray] = {}
        with self._vec_lock:
            for uid, _ in units:
                v = self._unit_vecs.get(uid)
                if v is not None:
                    found[uid] = v
        missing = [(uid, t) for uid, t in units if uid not in found]
        stored = self.saved_units.get if self.saved_units is not None else getattr(self.index, "unit_vectors", None)
        if missing and callable(stored):
            for uid, v in stored([uid for uid, _ in missing]).items():
                found[uid] = _unit(np.asarray(v, dtype=np.float32))
            missing = [(uid, t) for uid, t in missing if uid not in found]
        if missing:
            vecs = self.index.embedder.embed_documents([t for _, t in missing])
            for (uid, _), row in zip(missing, vecs, strict=True):
                found[uid] = _unit(np.asarray(row, dtype=np.float32))
        with self._vec_lock:
            for uid, v in found.items():
                self._unit_vecs[uid] = v
                self._unit_vecs.move_to_end(uid)
            while len(self._unit_vecs) > 20000:
                self._unit_vecs.popitem(last=False)
        if not units:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([found[uid] for uid, _ in units])

    @staticmethod
    def keyword_text(c: StoredChunk) -> str:
        return f"{c.meta.get('title', '')} {c.meta.get('section', '')}\n{c.text}"

    def normalize(self, query: str) -> str:
        return normalize_query(query, self.fixer, self.stats.english_terms, self.corpus_chars)

    def _passage(self, i: int, score: float, dense: float | None, bm: float | None) -> Passage:
        return self._passage_of(self.chunks[i], score, dense, bm)

    def _rows(self, positions: Sequence[int]) -> list[StoredChunk]:
        """The chunks at ``positions`` (one read of the chunk table)."""
        if isinstance(self.chunks, ChunkTable):
            return self.chunks.rows(positions)
        return [self.chunks[i] for i in positions]

    def _positions(self, ids: Sequence[str]) -> dict[str, int]:
        if isinstance(self.chunks, ChunkTable):
            return self.chunks.positions(ids)
        return {cid: self.by_id[cid] for cid in ids if cid in self.by_id}

    @staticmethod
    def _passage_of(c: StoredChunk, score: float, dense: float | None, bm: float | None) -> Passage:
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

    def search(
        self, query: str, k: int | None = None, *, normalized: bool = False, vector: np.ndarray | None = None
    ) -> list[Passage]:
        """Top ``k`` passages for ``query``; ``score`` is the fused score (higher is better). ``vector``: the
        query's embedding when the caller has it already."""
        k = k or self.settings.k
        if not self.chunks:
            return []
        key = (query, k, normalized)
        if vector is None:
            with self._vec_lock:
                got = self._results.get(key)
                if got is not None:
                    self._results.move_to_end(key)
                    return [p.model_copy() for p in got]
        out = self._search(query, k, normalized, vector)
        with self._vec_lock:
            self._results[key] = [p.model_copy() for p in out]
            while len(self._results) > RESULTS_CACHED:
                self._results.popitem(last=False)
        return out

    def load_resources(self) -> None:
        """Load what the searcher and answerer load on first use (the general thesaurus, jieba's POS tagger),
        so that a warm-up pays for it, not the first user."""
        self.stats.synonyms("园区")
        self.tokenizer.tagged("园区企业")

    def forget_results(self) -> None:
        """Drop the recent search results (a benchmark of search itself calls this before each search)."""
        with self._vec_lock:
            self._results.clear()

    def _search(self, query: str, k: int, normalized: bool, vector: np.ndarray | None) -> list[Passage]:
        q = query if normalized else self.normalize(query)
        depth = max(50, 4 * k)
        fusion = self.settings.fusion
        dense: list[tuple[int, float]] = []
        if fusion in ("rrf", "dense"):
            vec = vector if vector is not None else self.query_vector(q)
            hits = self.index.dense_search_vector(vec, depth)
            where = self._positions([cid for cid, _ in hits])
            dense = [(where[cid], s) for cid, s in hits if cid in where]
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
        chosen: list[tuple[int, float]] = []
        seen: list[str] = []
        batch = 3 * k  # rows are read in batches: enough for k distinct texts unless many are duplicates
        for lo in range(0, len(ranked), batch):
            part = ranked[lo : lo + batch]
            rows = self._rows([i for i, _ in part])
            for (i, s), c in zip(part, rows, strict=True):
                body = strip_ws(c.text)
                if any(body in other for other in seen):
                    continue  # same text already ranked higher
                seen.append(body)
                chosen.append((i, s))
                if len(chosen) >= k:
                    break
            if len(chosen) >= k:
                break
        rows = self._rows([i for i, _ in chosen])
        return [self._passage_of(c, s, dense_map.get(i), bm_scores.get(i)) for (i, s), c in zip(chosen, rows, strict=True)]

    def query_tokens(self, query: str) -> dict[str, float]:
        """Weighted keyword tokens of a query. Each word of the question counts once: its search-mode parts
        (某某高新区 → 某某, 高新, 高新区 …) share its weight, so a long name does not outweigh the rest of the
        question. A word the corpus never uses brings its synonyms that it does use (员工 → 职工), from the
        general thesaurus and the site profile, at half weight."""
        weights: dict[str, float] = defaultdict(float)
        for word in self.tokenizer.words(separate_question_words(query)):
            parts = self.tokenizer.tokens(word)
            if not parts:
                continue
            for t in parts:
                weights[t] += 1.0 / len(parts)
            if self.stats.in_corpus(word) and word not in self.site.synonyms:
                continue
            alts = sorted(self.stats.synonyms(word).items(), key=lambda kv: -kv[1])
            for alt in [a for a, _ in alts if self.stats.in_corpus(a)][:3]:
                alt_parts = self.tokenizer.tokens(alt)
                for t in alt_parts:
                    weights[t] += 0.5 / len(alt_parts)
        return dict(weights)


class _GeneralThesaurus(Thesaurus):
    """The process-wide :func:`general_thesaurus`, loaded when first asked (about a second: opening an index
    generation does not wait for it, and a search needs it only for a word the corpus does not use)."""

    def __init__(self, cache_dir: Path) -> None:  # no super().__init__: every use goes to the loaded one
        self._cache_dir = cache_dir

    def _loaded(self) -> Thesaurus:
        return general_thesaurus(self._cache_dir)

    def synonyms(self, word: str) -> dict[str, float]:
        return self._loaded().synonyms(word)

    def from_english(self, phrase: str) -> set[str]:
        return self._loaded().from_english(phrase)

    def expansions(self, acronym: str) -> list[str]:
        return self._loaded().expansions(acronym)

    def knows(self, word: str) -> bool:
        return self._loaded().knows(word)

    def glosses(self, word: str) -> set[str]:
        return self._loaded().glosses(word)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


__all__ = ["BM25", "CorpusStats", "HybridSearcher", "SparseScorer", "Tokenizer", "prepare_search", "search_artifact_name"]
