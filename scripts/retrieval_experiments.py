#!/usr/bin/env python
"""Retrieval experiments: how often does retrieval put the evidence in front of the answerer?

    .venv/bin/python scripts/retrieval_experiments.py                       # all configs, evals/dev.jsonl
    .venv/bin/python scripts/retrieval_experiments.py --configs 'hybrid-*' --out reports/retrieval.json

Every configuration is measured on the *answerable* items of the question set (those with ``evidence``):

* ``evidence_in_1200`` - fraction of items where some evidence quote (whitespace removed) is a substring of
  the first 1,200 characters of the ranked top-10 passages' texts, concatenated in rank order with all
  whitespace removed. This is the budget-fair number: a config with big chunks only gets ~1 chunk.
* ``mrr@10`` - mean of 1/rank of the first passage (top 10) that on its own contains an evidence quote
  (whitespace-removed substring), 0 when none does.
* ``hit@5`` - fraction of items where one of the top 5 passages on its own contains an evidence quote.
* ``ceiling`` - fraction of items where at least one chunk of the index contains a quote whole: the upper
  bound for ``mrr@10`` and ``hit@5`` (a quote cut by a chunk boundary can never be a per-passage hit).

Follow-up items (those with ``history``) are searched with ``" ".join(history + [question])``: the earlier
questions prepended to the current one, a simple stand-in for query rewriting.

Configurations: {dense, bm25, hybrid (rrf)} x chunk_chars {200, 300, 500} (overlap 20 %) with the e5
embedder; hybrid with sentence-transformers:all-MiniLM-L6-v2 at the default chunk size; and a naive
baseline (LangChain RecursiveCharacterTextSplitter(1000, 200) over the raw files + MiniLM, dense only,
plain numpy cosine). Each (embedder, chunk size) is ingested once into its own temporary index directory
and shared by the fusion modes. Other retrieval knobs (rrf_k, weights) come from ``Settings()``, so
``BOT_*`` variables apply; the effective values are written to the JSON.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.settings import Settings  # noqa: E402
from bot.text import strip_ws  # noqa: E402

K = 10
BUDGET_CHARS = 1200
HIT_AT = 5
E5 = "e5"
MINILM = "sentence-transformers:all-MiniLM-L6-v2"
RAW_SUFFIXES = {".txt", ".md", ".markdown"}


@dataclass(frozen=True)
class Config:
    name: str
    kind: str  # "bot" (our pipeline) or "naive"
    embedder: str
    fusion: str = "rrf"
    chunk_chars: int = 300
    overlap_chars: int = 60

    @property
    def build_key(self) -> tuple[str, str, int, int]:
        return (self.kind, self.embedder, self.chunk_chars, self.overlap_chars)


def all_configs(default_chunk: int) -> list[Config]:
    labels = {"dense": "dense", "bm25": "bm25", "rrf": "hybrid"}
    out: list[Config] = []
    for chunk in (200, 300, 500):
        for fusion in ("dense", "bm25", "rrf"):
            out.append(Config(f"{labels[fusion]}-e5-c{chunk}", "bot", E5, fusion, chunk, round(chunk * 0.2)))
    out.append(Config(f"hybrid-minilm-c{default_chunk}", "bot", MINILM, "rrf", default_chunk, round(default_chunk * 0.2)))
    out.append(Config("naive-langchain-minilm-c1000", "naive", MINILM, "dense", 1000, 200))
    return out


def select(configs: list[Config], patterns: str | None) -> list[Config]:
    if not patterns:
        return configs
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    chosen = [
        c for c in configs
        if any(fnmatch.fnmatch(c.name, p) if any(ch in p for ch in "*?[") else p in c.name for p in pats)
    ]
    if not chosen:
        names = ", ".join(c.name for c in configs)
        raise SystemExit(f"--configs {patterns!r} matches none of: {names}")
    return chosen


# ---------------------------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    query: str
    quotes: tuple[str, ...]  # whitespace removed


def load_items(path: Path) -> tuple[list[Item], int]:
    """Answerable items (with evidence) and the total number of rows."""
    items: list[Item] = []
    total = 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        total += 1
        row = json.loads(line)
        quotes = tuple(q for q in (strip_ws(e.get("quote", "")) for e in row.get("evidence") or []) if q)
        if not quotes:
            continue
        history = [str(h) for h in row.get("history") or []]
        query = " ".join([*history, str(row["question"])])
        items.append(Item(str(row.get("id", f"line{lineno}")), str(row.get("type", "")), query, quotes))
    return items, total


# ---------------------------------------------------------------------------------------------- metrics


def score_item(item: Item, texts: list[str]) -> dict[str, Any]:
    stripped = [strip_ws(t) for t in texts[:K]]
    window = "".join(stripped)[:BUDGET_CHARS]
    in_budget = any(q in window for q in item.quotes)
    rank = next((i + 1 for i, t in enumerate(stripped) if any(q in t for q in item.quotes)), None)
    return {
        "id": item.id,
        "type": item.type,
        "evidence_in_1200": in_budget,
        "rank": rank,
        "rr": 1.0 / rank if rank else 0.0,
        "hit@5": bool(rank and rank <= HIT_AT),
    }


def aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    n = len(rows) or 1
    return {
        "evidence_in_1200": sum(r["evidence_in_1200"] for r in rows) / n,
        "mrr@10": sum(r["rr"] for r in rows) / n,
        "hit@5": sum(r["hit@5"] for r in rows) / n,
    }


def ceiling(items: list[Item], chunk_texts: list[str]) -> float:
    stripped = [strip_ws(t) for t in chunk_texts]
    ok = sum(any(q in t for t in stripped for q in it.quotes) for it in items)
    return ok / (len(items) or 1)


# ---------------------------------------------------------------------------------------------- builds


@dataclass
class Build:
    """One ingested index (or naive vector store), shared by every fusion mode over it."""

    make_search: Callable[[Config], Callable[[str], list[str]]]
    chunk_texts: list[str]
    n_chunks: int
    build_s: float
    info: dict[str, Any]


def build_bot(cfg: Config, corpus: Path, tmp: Path, base: Settings) -> Build:
    from bot.embeddings import get_embedder
    from bot.index import Index
    from bot.ingest import ingest_paths
    from bot.retrieve import HybridSearcher

    t0 = time.perf_counter()
    emb = get_embedder(cfg.embedder)
    load_s = time.perf_counter() - t0
    settings = base.model_copy(
        update={
            "index_dir": tmp / f"{cfg.embedder.replace(':', '_').replace('/', '_')}-c{cfg.chunk_chars}",
            "corpus_dir": corpus,
            "embedder": cfg.embedder,
            "chunk_chars": cfg.chunk_chars,
            "overlap_chars": cfg.overlap_chars,
            "chroma_url": None,
            "k": K,
        }
    )
    t1 = time.perf_counter()
    report = ingest_paths(settings, [corpus], embedder=emb, progress=None)
    ingest_s = time.perf_counter() - t1
    index = Index.open(settings, emb)
    chunk_texts = [c.text for c in index.iter_chunks()]

    def make_search(c: Config) -> Callable[[str], list[str]]:
        searcher = HybridSearcher.from_index(index, settings.model_copy(update={"fusion": c.fusion}))
        return lambda q: [p.text for p in searcher.search(q, K)]

    info = {
        "embedder_load_s": round(load_s, 3),
        "ingest_s": round(ingest_s, 3),
        "files": report.files,
        "articles": report.articles,
        "problems": report.problems,
    }
    return Build(make_search, chunk_texts, len(chunk_texts), load_s + ingest_s, info)


def raw_files(corpus: Path) -> list[Path]:
    files = [corpus] if corpus.is_file() else sorted(p for p in corpus.rglob("*") if p.is_file())
    return [p for p in files if p.suffix.lower() in RAW_SUFFIXES]


def build_naive(cfg: Config, corpus: Path) -> Build:
    """LangChain's textbook recipe: default RecursiveCharacterTextSplitter over raw text, MiniLM, cosine."""
    import numpy as np
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from bot.embeddings import get_embedder

    t0 = time.perf_counter()
    emb = get_embedder(cfg.embedder)
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=cfg.chunk_chars, chunk_overlap=cfg.overlap_chars)
    files = raw_files(corpus)
    chunks: list[str] = []
    for f in files:
        chunks.extend(splitter.split_text(f.read_text(encoding="utf-8", errors="replace")))
    mat = np.asarray(emb.embed_documents(chunks), dtype=np.float32)
    mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    ingest_s = time.perf_counter() - t1

    def make_search(_c: Config) -> Callable[[str], list[str]]:
        def search(q: str) -> list[str]:
            v = np.asarray(emb.embed_query(q), dtype=np.float32)
            v /= max(float(np.linalg.norm(v)), 1e-12)
            order = np.argsort(-(mat @ v), kind="stable")[:K]
            return [chunks[i] for i in order]

        return search

    info = {"embedder_load_s": round(load_s, 3), "ingest_s": round(ingest_s, 3), "files": len(files)}
    return Build(make_search, chunks, len(chunks), load_s + ingest_s, info)


# ---------------------------------------------------------------------------------------------- run


def code_version() -> dict[str, Any]:
    """The commit measured, and any uncommitted changes under bot/ (results move with the code)."""

    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--", "bot").splitlines() if line.strip()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or "unknown", "bot_uncommitted": dirty}


def check_quotes(items: list[Item], corpus: Path) -> list[str]:
    """Items whose quotes appear nowhere in the raw corpus files: no config can score on them."""
    blob = "".join(strip_ws(p.read_text(encoding="utf-8", errors="replace")) for p in raw_files(corpus))
    return [it.id for it in items if not any(q in blob for q in it.quotes)]


def run(args: argparse.Namespace) -> dict[str, Any]:
    base = Settings()
    configs = select(all_configs(base.chunk_chars), args.configs)
    items, total = load_items(args.questions)
    if not items:
        raise SystemExit(f"{args.questions} has no items with evidence")
    missing = check_quotes(items, args.corpus)
    if missing:
        print(f"warning: evidence of {', '.join(missing)} not found in the raw files of {args.corpus}",
              file=sys.stderr)

    builds: dict[tuple[str, str, int, int], Build] = {}
    results: list[dict[str, Any]] = []
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="retrieval-exp-") as tmpdir:
        for cfg in configs:
            build = builds.get(cfg.build_key)
            reused = build is not None
            if build is None:
                print(f"[{cfg.name}] building index ({cfg.embedder}, chunk_chars={cfg.chunk_chars}, "
                      f"overlap={cfg.overlap_chars})", file=sys.stderr)
                build = (build_naive(cfg, args.corpus) if cfg.kind == "naive"
                         else build_bot(cfg, args.corpus, Path(tmpdir), base))
                builds[cfg.build_key] = build
            t0 = time.perf_counter()
            search = build.make_search(cfg)
            setup_s = time.perf_counter() - t0
            rows = []
            t1 = time.perf_counter()
            for it in items:
                texts = search(it.query)
                rows.append({**score_item(it, texts), "query": it.query})
            search_s = time.perf_counter() - t1
            agg = aggregate(rows)
            res = {
                "config": cfg.name,
                "kind": cfg.kind,
                "embedder": cfg.embedder,
                "fusion": cfg.fusion,
                "chunk_chars": cfg.chunk_chars,
                "overlap_chars": cfg.overlap_chars,
                "n_chunks": build.n_chunks,
                **{m: round(v, 4) for m, v in agg.items()},
                "ceiling": round(ceiling(items, build.chunk_texts), 4),
                "build_s": 0.0 if reused else round(build.build_s, 3),
                "build_reused": reused,
                "build_info": build.info,
                "searcher_setup_s": round(setup_s, 3),
                "ms_per_query": round(1000 * search_s / len(items), 2),
                "items": rows,
            }
            results.append(res)
            print(f"[{cfg.name}] evidence_in_1200={agg['evidence_in_1200']:.3f} mrr@10={agg['mrr@10']:.3f} "
                  f"hit@5={agg['hit@5']:.3f} ({res['ms_per_query']} ms/query)", file=sys.stderr)
    return {
        "questions": str(args.questions),
        "corpus": str(args.corpus),
        "n_rows": total,
        "n_answerable": len(items),
        "quotes_missing_from_corpus": missing,
        "k": K,
        "budget_chars": BUDGET_CHARS,
        "follow_up_query": '" ".join(history + [question])',
        "retrieval_settings": {"rrf_k": base.rrf_k, "dense_weight": base.dense_weight,
                               "bm25_weight": base.bm25_weight},
        "code": code_version(),
        "python": platform.python_version(),
        "total_s": round(time.perf_counter() - t_all, 2),
        "results": results,
    }


def markdown_table(report: dict[str, Any]) -> str:
    head = ("| config | chunks | evidence_in_1200 | MRR@10 | hit@5 | ceiling | build s | ms/query |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|")
    lines = [head]
    for r in report["results"]:
        build = "(reused)" if r["build_reused"] else f"{r['build_s']:.1f}"
        lines.append(
            f"| {r['config']} | {r['n_chunks']} | {r['evidence_in_1200']:.3f} | {r['mrr@10']:.3f} | "
            f"{r['hit@5']:.3f} | {r['ceiling']:.3f} | {build} | {r['ms_per_query']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev.jsonl", help="JSONL question set")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus directory (or file)")
    ap.add_argument("--out", type=Path, help="write the full results (per item too) as JSON here")
    ap.add_argument("--configs", help="comma-separated names, substrings or globs, e.g. 'hybrid-*,naive*'")
    ap.add_argument("--list", action="store_true", help="list the configuration names and exit")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(c.name for c in all_configs(Settings().chunk_chars)))
        return 0
    if not args.corpus.exists():
        raise SystemExit(f"corpus '{args.corpus}' does not exist")
    report = run(args)
    print(f"\n{report['n_answerable']} answerable items of {report['n_rows']} in {report['questions']}; "
          f"k={K}, budget={BUDGET_CHARS} chars, total {report['total_s']:.1f}s")
    code = report["code"]
    dirty = f", uncommitted in bot/: {', '.join(code['bot_uncommitted'])}" if code["bot_uncommitted"] else ""
    print(f"code: commit {code['commit']}{dirty}\n")
    print(markdown_table(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
