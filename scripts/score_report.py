#!/usr/bin/env python3
"""Independent scorer for `bot eval` reports. Standard library only; does not import the bot.

    python scripts/score_report.py QUESTIONS.jsonl REPORT.json [--k K] [--check]

Recomputes key_fact_acc, refusal_acc, false_refusal_rate, hit_at_k, mrr_at_10 and evidence_in_1200
from the raw fields of the report's items (answer, refused, retrieved[].text) and the gold fields of
the question file (type, must_include, evidence), and prints them as JSON. With --check it also
compares them with the report's own summary and exits 1 on any difference.

Definitions (docs/evaluation.md): text is compared after deleting every whitespace character.
  answerable  = type not in {unanswerable, out_of_scope}
  key_fact_acc        answerable items not refused whose answer contains every must_include string
  refusal_acc         unanswerable/out_of_scope items that were refused
  false_refusal_rate  answerable items that were refused
  hit_at_k            answerable items with evidence: some quote inside one of the first k retrieved texts
  mrr_at_10           same items: mean of 1/rank of the first of the first 10 retrieved texts holding a quote (0 if none)
  evidence_in_1200    same items: some quote inside the first 1200 chars of the retrieved texts joined in rank order
"""

from __future__ import annotations

import argparse
import json
import re
import sys

REFUSE = {"unanswerable", "out_of_scope"}
WS = re.compile(r"\s+")


def flat(s: str) -> str:
    return WS.sub("", s or "")


def mean(flags: list[float]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def score(questions: list[dict], report: dict, k: int) -> dict:
    by_id = {it["id"]: it for it in report["items"]}
    key_facts: list[float] = []
    refusals: list[float] = []
    false_ref: list[float] = []
    hits: list[float] = []
    rr: list[float] = []
    window: list[float] = []
    missing_ids = []
    for q in questions:
        it = by_id.get(q["id"])
        if it is None:
            missing_ids.append(q["id"])
            continue
        refused = bool(it.get("refused"))
        errored = bool((it.get("checks") or {}).get("error"))
        if q["type"] in REFUSE:
            refusals.append(1.0 if refused and not errored else 0.0)
            continue
        false_ref.append(1.0 if refused else 0.0)
        answer = flat(it.get("answer", ""))
        ok = not refused and not errored and all(flat(m) in answer for m in q.get("must_include") or [])
        key_facts.append(1.0 if ok else 0.0)
        quotes = [flat(e["quote"]) for e in q.get("evidence") or [] if flat(e["quote"])]
        if not quotes:
            continue
        texts = [flat(p.get("text", "")) for p in it.get("retrieved") or []]
        rank = 0
        for i, t in enumerate(texts[:10]):
            if any(qu in t for qu in quotes):
                rank = i + 1
                break
        rr.append(1.0 / rank if rank else 0.0)
        hits.append(1.0 if any(any(qu in t for qu in quotes) for t in texts[:k]) else 0.0)
        head = "".join(texts)[:1200]
        window.append(1.0 if any(qu in head for qu in quotes) else 0.0)
    return {
        "n_items": len(questions) - len(missing_ids),
        "missing_items": missing_ids,
        "k": k,
        "key_fact_acc": mean(key_facts),
        "refusal_acc": mean(refusals),
        "false_refusal_rate": mean(false_ref),
        "hit_at_k": mean(hits),
        "mrr_at_10": mean(rr),
        "evidence_in_1200": mean(window),
    }


def read_questions(path: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            if line.strip() and not line.lstrip().startswith("#"):
                out.append(json.loads(line))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions")
    ap.add_argument("report")
    ap.add_argument("--k", type=int, default=None, help="top-k for hit@k (default: the report's settings.k)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the report's summary differs")
    args = ap.parse_args(argv)
    with open(args.report, encoding="utf-8") as f:
        report = json.load(f)
    k = args.k or int(report.get("config", {}).get("settings", {}).get("k") or report["summary"]["k"])
    result = score(read_questions(args.questions), report, k)
    if args.check:
        diffs = {}
        for name in (
            "key_fact_acc",
            "refusal_acc",
            "false_refusal_rate",
            "hit_at_k",
            "mrr_at_10",
            "evidence_in_1200",
        ):
            mine, theirs = result[name], report["summary"].get(name)
            if (mine is None) != (theirs is None) or (mine is not None and abs(mine - theirs) > 1e-9):
                diffs[name] = {"report": theirs, "independent": mine}
        result["mismatches"] = diffs
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if args.check and result["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
