"""Chroma's HNSW query time on a built index: ef_search and batch size, and recall against exact search.

    PYTHONPATH=. python scripts/dense_hnsw.py --index-dir /tmp/syn100k/index_syn --embedder hash

For each ef_search: latency of one query (the searcher asks one at a time), the per-query time of a batch,
and recall@50 against brute force over the stored vectors (the same cosine). Chroma applies a changed
ef_search when it loads the segment, so each setting is measured in a fresh process. The collection's
ef_search is set back to what it was. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bot.bench import load_questions
from bot.embeddings import get_embedder
from bot.index import Index
from bot.settings import Settings

DEPTH = 50


def measure() -> None:
    """In a fresh process (Chroma loads the segment with the collection's ef_search now)."""
    job = json.loads(sys.stdin.read())
    settings = Settings(index_dir=Path(job["index_dir"]), embedder=job["embedder"])
    col = Index.open(settings, get_embedder(job["embedder"])).collection
    qv = job["queries"]
    col.query(query_embeddings=[qv[0]], n_results=DEPTH, include=["distances"])  # load the segment
    one: list[float] = []
    recall: list[float] = []
    for v, kth in zip(qv, job["kth"], strict=True):
        t0 = time.perf_counter()
        res = col.query(query_embeddings=[v], n_results=DEPTH, include=["distances"])
        one.append((time.perf_counter() - t0) * 1000)
        got = [1.0 - float(d) for d in (res["distances"] or [[]])[0]]
        recall.append(sum(g >= kth - 1e-5 for g in got) / DEPTH)
    batch = int(job["batch"])
    t0 = time.perf_counter()
    for lo in range(0, len(qv), batch):
        col.query(query_embeddings=qv[lo : lo + batch], n_results=DEPTH, include=["distances"])
    batch_ms = (time.perf_counter() - t0) * 1000 / len(qv)
    print(json.dumps({"p50_ms": float(np.percentile(one, 50)), "p95_ms": float(np.percentile(one, 95)),
                      "batch_per_query_ms": batch_ms, "recall_at_50": float(np.mean(recall))}))


def main() -> None:
    if "--measure" in sys.argv:
        measure()
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--embedder", default="hash")
    ap.add_argument("--questions", type=Path, default=Path("evals/dev.jsonl"))
    ap.add_argument("--ef", default="20,50,100,200")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    settings = Settings(index_dir=args.index_dir, embedder=args.embedder)
    emb = get_embedder(args.embedder)
    index = Index.open(settings, emb)
    col = index.collection
    qs = [q for q, _ in load_questions(args.questions, None)]
    qv = np.asarray([emb.embed_query(q) for q in qs], dtype=np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)

    # exact neighbours: every stored vector (paged), cosine
    ids: list[str] = []
    vecs: list[np.ndarray] = []
    offset = 0
    while True:
        page = col.get(include=["embeddings"], limit=5000, offset=offset)
        if not page["ids"]:
            break
        ids += page["ids"]
        vecs.append(np.asarray(page["embeddings"], dtype=np.float32))
        offset += len(page["ids"])
    mat = np.concatenate(vecs)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    t0 = time.perf_counter()
    sims = qv @ mat.T
    exact_ms = (time.perf_counter() - t0) * 1000 / len(qs)
    # the synthetic corpus repeats sentences, so many vectors tie: a result counts as found when it is at least
    # as similar as the exact 50th neighbour (not when it is the same id)
    kth = [float(np.sort(row)[-DEPTH]) for row in sims]

    before = (col.configuration_json or {}).get("hnsw", {}) if hasattr(col, "configuration_json") else {}
    rows = []
    for ef in [int(x) for x in args.ef.split(",")]:
        col.modify(configuration={"hnsw": {"ef_search": ef}})
        job = {"index_dir": str(args.index_dir), "embedder": args.embedder, "batch": args.batch,
               "queries": qv.tolist(), "kth": kth}
        proc = subprocess.run([sys.executable, __file__, "--measure"], input=json.dumps(job), capture_output=True,
                              text=True, check=True)
        rows.append({"ef_search": ef, **json.loads(proc.stdout.strip().splitlines()[-1])})
    if before.get("ef_search"):
        col.modify(configuration={"hnsw": {"ef_search": int(before["ef_search"])}})
    lines = [
        f"{len(ids)} vectors, dim {mat.shape[1]}, {len(qs)} queries, top {DEPTH}; exact (numpy, in memory) {exact_ms:.2f} ms/query; "
        f"ef_search before: {before.get('ef_search', 'default')}",
        "",
        f"| ef_search | one query p50 ms | p95 ms | batch of {args.batch}, ms/query | recall@{DEPTH} |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['ef_search']} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['batch_per_query_ms']:.2f} | {r['recall_at_50']:.3f} |")
    print("\n".join(lines))
    if args.out:
        args.out.write_text(json.dumps({"vectors": len(ids), "exact_ms": exact_ms, "rows": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
