"""Compare sparse (keyword) engines on a built index: the same jieba tokens, the same dev questions.

    PYTHONPATH=. python scripts/sparse_engines.py --index-dir /tmp/syn30k/index --embedder hash

Engines:
  saved       the saved BM25 of the generation: numpy postings with each posting's term score precomputed at
              ingest (float64), memory-mapped; a query adds one slice per term (the reference: exact BM25)
  tf-at-query the same postings scored at query time from tf and document length (the engine before)
  postings32  the precomputed scores as float32
  bm25s       bm25s (scipy CSC matrix, saved and memory-mapped), lucene BM25; no query-term weights
  fts5        SQLite FTS5 over the pre-tokenised text (space-joined jieba tokens), ranked by bm25(); OR query

For each: build and open time, query latency (top 50) and overlap@8 with the reference top 8 (``postings``,
which is exactly today's BM25). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from bot.bench import load_questions
from bot.embeddings import get_embedder
from bot.index import Index
from bot.retrieve import BM25, HybridSearcher, best_positions, search_artifact_name
from bot.settings import Settings

Query = Mapping[str, float]
DEPTH = 50


def _pct(ms: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(ms), p)) if ms else float("nan")


def _time(fn: Callable[[Query], list[int]], queries: Sequence[Query], rounds: int) -> tuple[list[float], list[list[int]]]:
    tops = [fn(q) for q in queries]  # warm
    ms: list[float] = []
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            ms.append((time.perf_counter() - t0) * 1000)
    return ms, tops


class Postings32:
    """BM25 postings with every posting's weight precomputed: a query is a weighted sum of slices."""

    def __init__(self, bm: BM25, directory: Path) -> None:
        lengths = np.asarray(bm.lengths, dtype=np.float64)
        tfs = np.asarray(bm.tfs, dtype=np.float64)
        doc_ids = np.asarray(bm.doc_ids)
        dl = lengths[doc_ids]
        per_term_idf = np.repeat(np.asarray(bm._idf_list), np.diff(np.asarray(bm.indptr)))
        w = per_term_idf * tfs * (bm.k1 + 1) / (tfs + bm.k1 * (1 - bm.b + bm.b * dl / bm.avgdl))
        np.save(directory / "weights.npy", w.astype(np.float32))
        self.w = np.load(directory / "weights.npy", mmap_mode="r")
        self.bm = bm

    def top(self, q: Query, n: int) -> list[int]:
        bm = self.bm
        acc = np.zeros(bm.n, dtype=np.float32)
        for tok, weight in q.items():
            t = bm._tid.get(tok)
            if t is None:
                continue
            lo, hi = int(bm.indptr[t]), int(bm.indptr[t + 1])
            acc[bm.doc_ids[lo:hi]] += np.float32(weight) * self.w[lo:hi]
        return best_positions(acc, n)


def _tf_at_query_time(bm: BM25, q: Query, n: int) -> list[int]:
    """The previous engine's scoring: BM25 computed from tf and document length for every posting touched."""
    acc = np.zeros(bm.n, dtype=np.float64)
    for tok, weight in q.items():
        t = bm._tid.get(tok)
        if t is None:
            continue
        lo, hi = int(bm.indptr[t]), int(bm.indptr[t + 1])
        docs = bm.doc_ids[lo:hi]
        tf = bm.tfs[lo:hi].astype(np.float64)
        norm = tf + bm.k1 * (1 - bm.b + bm.b * bm.lengths[docs] / bm.avgdl)
        acc[docs] += weight * bm._idf_list[t] * tf * (bm.k1 + 1) / norm
    return best_positions(acc, n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--embedder", default="hash")
    ap.add_argument("--questions", type=Path, default=Path("evals/dev.jsonl"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    settings = Settings(index_dir=args.index_dir, embedder=args.embedder)
    index = Index.open(settings, get_embedder(args.embedder))
    searcher = HybridSearcher.from_index(index, settings)
    art = index.artifact(search_artifact_name(), lambda d: None)
    qs = [searcher.query_tokens(searcher.normalize(q)) for q, _ in load_questions(args.questions, None)]
    rows: list[dict[str, object]] = []

    t0 = time.perf_counter()
    ref = BM25.load(art / "bm25")
    open_ms = (time.perf_counter() - t0) * 1000
    ms, ref_tops = _time(lambda q: [i for i, _ in ref.top(q, DEPTH)], qs, args.rounds)
    rows.append({"engine": "postings + precomputed term scores, float64, mmap (kept)", "build_s": None,
                 "open_ms": open_ms, "ms": ms, "tops": ref_tops})
    ms, tops = _time(lambda q: _tf_at_query_time(ref, q, DEPTH), qs, args.rounds)
    rows.append({"engine": "postings, tf and length norm at query time (before)", "build_s": None,
                 "open_ms": open_ms, "ms": ms, "tops": tops})

    t0 = time.perf_counter()
    docs = [searcher.tokenizer.tokens(HybridSearcher.keyword_text(c)) for c in searcher.chunks]
    tokenise_s = time.perf_counter() - t0
    print(f"tokenised {len(docs)} chunks in {tokenise_s:.1f} s")

    with tempfile.TemporaryDirectory(prefix="sparse-engines-") as tmp_s:
        tmp = Path(tmp_s)
        t0 = time.perf_counter()
        p32 = Postings32(ref, tmp)
        build = time.perf_counter() - t0
        ms, tops = _time(lambda q: p32.top(q, DEPTH), qs, args.rounds)
        rows.append({"engine": "postings + precomputed term scores, float32", "build_s": build, "open_ms": open_ms, "ms": ms, "tops": tops})

        import bm25s

        t0 = time.perf_counter()
        model = bm25s.BM25(k1=ref.k1, b=ref.b, method="lucene")
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in d] for d in docs]
        model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        model.save(str(tmp / "bm25s"))
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        model = bm25s.BM25.load(str(tmp / "bm25s"), mmap=True)
        bopen = (time.perf_counter() - t0) * 1000
        bvocab = model.vocab_dict

        def bm25s_top(q: Query) -> list[int]:
            toks = [bvocab[t] for t in q if t in bvocab]
            if not toks:
                return []
            scores = model.get_scores(toks)
            top = np.argpartition(-scores, DEPTH)[:DEPTH] if len(scores) > DEPTH else np.arange(len(scores))
            top = top[np.lexsort((top, -scores[top]))]
            return [int(i) for i in top if scores[i] > 0]

        ms, tops = _time(bm25s_top, qs, args.rounds)
        rows.append({"engine": "bm25s 0.3 (scipy CSC, mmap; unweighted query)", "build_s": build, "open_ms": bopen, "ms": ms, "tops": tops})

        t0 = time.perf_counter()
        db = tmp / "fts.sqlite"
        con = sqlite3.connect(str(db))
        con.execute("CREATE VIRTUAL TABLE f USING fts5(body, tokenize='unicode61 remove_diacritics 0')")
        con.executemany("INSERT INTO f(rowid, body) VALUES (?, ?)", ((i, " ".join(d)) for i, d in enumerate(docs)))
        con.commit()
        con.close()
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        ro = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        fopen = (time.perf_counter() - t0) * 1000

        def fts_top(q: Query) -> list[int]:
            terms = [t for t in q if t.strip()]
            if not terms:
                return []
            match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            rows_ = ro.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY rank LIMIT ?", (match, DEPTH)).fetchall()
            return [int(r) for (r,) in rows_]

        ms, tops = _time(fts_top, qs, args.rounds)
        rows.append({"engine": "SQLite FTS5 (pre-tokenised, bm25(), OR; unweighted)", "build_s": build, "open_ms": fopen, "ms": ms, "tops": tops})

    lines = [
        f"{len(docs)} chunks, {len(qs)} dev questions x {args.rounds} rounds, top {DEPTH}; overlap@8 with the reference top 8",
        "",
        "| engine | build s | open ms | p50 ms | p95 ms | overlap@8 |",
        "|---|---|---|---|---|---|",
    ]
    summary = []
    for r in rows:
        tops = r["tops"]
        assert isinstance(tops, list)
        ov = [len(set(a[:8]) & set(b[:8])) / max(1, min(8, len(a))) for a, b in zip(ref_tops, tops, strict=True) if a]
        ms = r["ms"]
        assert isinstance(ms, list)
        b = r["build_s"]
        lines.append(
            f"| {r['engine']} | {'(ingest)' if b is None else f'{b:.1f}'} | {r['open_ms']:.1f} | {_pct(ms, 50):.2f} | "
            f"{_pct(ms, 95):.2f} | {sum(ov) / len(ov):.3f} |"
        )
        summary.append({"engine": r["engine"], "build_s": b, "open_ms": r["open_ms"], "p50_ms": _pct(ms, 50),
                        "p95_ms": _pct(ms, 95), "overlap_at_8": sum(ov) / len(ov)})
    print("\n".join(lines))
    if args.out:
        args.out.write_text(json.dumps({"chunks": len(docs), "engines": summary}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
