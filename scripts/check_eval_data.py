#!/usr/bin/env python
"""Check an evaluation/training question file against the corpus it is about.

    python scripts/check_eval_data.py QUESTIONS.jsonl CORPUS_DIR

The corpus is loaded with ``bot.corpus.load_corpus`` (the bot's own loader), so quotes are checked
against the *cleaned* article text (page breaks joined, bylines and captions removed), with all
whitespace deleted on both sides. Rules: /work/notes/data_rules.md (the data helpers' rules).

Every non-blank line (lines starting with ``#`` are skipped, as the bot's dataset loader does) is
checked for:
  - valid JSON object; required fields (id, type, tag, question, answer, must_include, evidence) with
    the right JSON types; no unknown fields; known type and tag; unique id; no repeated question
    (same question text and history);
  - answerable types: non-empty answer, 1-3 must_include strings, 1-2 evidence quotes of 8-80
    characters; every quote and every must_include verbatim in the cleaned text of the named doc;
    every must_include inside one of the item's own quotes (the cited evidence holds the key fact);
  - refusal types (unanswerable, out_of_scope): empty answer, must_include and evidence;
  - follow_up: a non-empty history of earlier user questions; other types: no history;
  - tag near_miss only on unanswerable items, tag off_topic only on out_of_scope items.

Prints one line per problem (``FILE:LINE id: message``), then a summary with counts by type and tag.
Exit status: 0 no problems, 1 some problem, 2 bad usage or unreadable input.
Standard library plus ``bot.corpus`` only.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

# run from anywhere: the repository root (parent of scripts/) holds the `bot` package
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bot.corpus import load_corpus  # noqa: E402

REFUSE_TYPES = {"unanswerable", "out_of_scope"}
ANSWER_TYPES = {
    "fact_number",
    "fact_entity",
    "fact_date",
    "list",
    "why_how",
    "multi_hop",
    "comparison",
    "distractor",
    "follow_up",
}
KNOWN_TYPES = REFUSE_TYPES | ANSWER_TYPES
KNOWN_TAGS = {
    "plain",
    "colloquial",
    "synonym",
    "abbreviation",
    "short_year",
    "traditional",
    "typo",
    "english",
    "near_miss",
    "off_topic",
}
REQUIRED = ("id", "type", "tag", "question", "answer", "must_include", "evidence")
ALLOWED = set(REQUIRED) | {"history", "notes"}
MUST_MIN, MUST_MAX = 1, 3
EVIDENCE_MIN, EVIDENCE_MAX = 1, 2
QUOTE_MIN, QUOTE_MAX = 8, 80


def squash(text: str) -> str:
    """Delete all whitespace (Unicode-aware, as str.split sees it)."""
    return "".join(text.split())


def load_docs(corpus_dir: Path) -> tuple[dict[str, str], list[str]]:
    """source file name -> cleaned text of all its articles (whitespace removed), plus loader notes."""
    load = load_corpus([corpus_dir])
    parts: dict[str, list[str]] = {}
    for art in load.articles:
        parts.setdefault(Path(art.source).name, []).append(squash(art.text))
    # \x00 between articles of one file: a quote must not straddle two articles
    return {name: "\x00".join(texts) for name, texts in parts.items()}, list(load.problems)


def is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_item(obj: dict, docs: dict[str, str]) -> list[str]:
    """Problems of one decoded item (already known to be a dict)."""
    out: list[str] = []
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        out.append("missing field(s): " + ", ".join(missing))
    unknown = sorted(set(obj) - ALLOWED)
    if unknown:
        out.append("unknown field(s): " + ", ".join(unknown))

    for key in ("id", "type", "tag", "question"):
        if key in obj and (not isinstance(obj[key], str) or not obj[key].strip()):
            out.append(f"'{key}' must be a non-empty string")
    if "answer" in obj and not isinstance(obj["answer"], str):
        out.append("'answer' must be a string")
    if "notes" in obj and not isinstance(obj["notes"], str):
        out.append("'notes' must be a string")

    typ = obj.get("type") if isinstance(obj.get("type"), str) else None
    tag = obj.get("tag") if isinstance(obj.get("tag"), str) else None
    if typ is not None and typ not in KNOWN_TYPES:
        out.append(f"unknown type '{typ}'")
    if tag is not None and tag not in KNOWN_TAGS:
        out.append(f"unknown tag '{tag}'")
    if tag == "near_miss" and typ != "unanswerable":
        out.append(f"tag 'near_miss' on type '{typ}' (only for unanswerable)")
    if tag == "off_topic" and typ != "out_of_scope":
        out.append(f"tag 'off_topic' on type '{typ}' (only for out_of_scope)")

    must = obj.get("must_include", [])
    if not is_str_list(must) or any(not m.strip() for m in must):
        out.append("'must_include' must be a list of non-empty strings")
        must = []
    history = obj.get("history", [])
    if history is None:
        history = []
    if not is_str_list(history) or any(not h.strip() for h in history):
        out.append("'history' must be a list of non-empty strings")
        history = []

    evidence = obj.get("evidence", [])
    quotes: list[tuple[str, str]] = []
    if not isinstance(evidence, list):
        out.append("'evidence' must be a list")
        evidence = []
    for i, ev in enumerate(evidence):
        if (
            not isinstance(ev, dict)
            or set(ev) != {"doc", "quote"}
            or not isinstance(ev.get("doc"), str)
            or not isinstance(ev.get("quote"), str)
        ):
            out.append(f'evidence[{i}] must be {{"doc": str, "quote": str}}')
            continue
        quotes.append((ev["doc"], ev["quote"]))

    answer = obj.get("answer", "")
    if typ in REFUSE_TYPES:
        if must:
            out.append(f"type '{typ}' must be refused: must_include must be []")
        if evidence:
            out.append(f"type '{typ}' must be refused: evidence must be []")
        if isinstance(answer, str) and answer.strip():
            out.append(f"type '{typ}' must be refused: answer must be \"\"")
    elif typ in ANSWER_TYPES:
        if isinstance(answer, str) and not answer.strip():
            out.append("answerable item has an empty answer")
        if not MUST_MIN <= len(must) <= MUST_MAX:
            out.append(f"{len(must)} must_include strings (want {MUST_MIN}-{MUST_MAX})")
        if not EVIDENCE_MIN <= len(evidence) <= EVIDENCE_MAX:
            out.append(f"{len(evidence)} evidence quotes (want {EVIDENCE_MIN}-{EVIDENCE_MAX})")

    for doc, quote in quotes:
        q = squash(quote)
        if not QUOTE_MIN <= len(q) <= QUOTE_MAX:
            out.append(f"quote of {len(q)} chars (want {QUOTE_MIN}-{QUOTE_MAX}): {quote!r}")
        if doc not in docs:
            out.append(f"evidence doc {doc!r} is not a corpus file (have: {', '.join(sorted(docs))})")
        elif q and q not in docs[doc]:
            out.append(f"quote not verbatim in the cleaned text of {doc}: {quote!r}")

    cited_docs = {d for d, _ in quotes if d in docs}
    corpus_all = "\x00".join(docs[d] for d in sorted(docs))
    for m in must:
        s = squash(m)
        if not s:
            continue
        where = [docs[d] for d in cited_docs] if cited_docs else [corpus_all]
        if not any(s in text for text in where):
            named = ", ".join(sorted(cited_docs)) or "any corpus file"
            out.append(f"must_include {m!r} not verbatim in the cleaned text of {named}")
        elif quotes and not any(s in squash(qt) for _, qt in quotes):
            out.append(f"must_include {m!r} is in none of the item's evidence quotes")

    if typ == "follow_up" and not history:
        out.append("follow_up needs a non-empty 'history' (the earlier user questions)")
    if typ is not None and typ != "follow_up" and history:
        out.append(f"type '{typ}' has a history (only follow_up items take one)")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python scripts/check_eval_data.py QUESTIONS.jsonl CORPUS_DIR", file=sys.stderr)
        return 2
    qpath, cdir = Path(argv[1]), Path(argv[2])
    if not cdir.is_dir():
        print(f"{cdir}: not a directory", file=sys.stderr)
        return 2
    try:
        lines = qpath.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{qpath}: cannot read: {exc}", file=sys.stderr)
        return 2

    docs, notes = load_docs(cdir)
    for note in notes:
        print(f"note: corpus: {note}")
    if not docs:
        print(f"{cdir}: the loader found no articles", file=sys.stderr)
        return 2

    problems = 0
    items = 0
    seen_ids: dict[str, int] = {}
    seen_q: dict[tuple[str, tuple[str, ...]], int] = {}
    by_type: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    for no, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        where = f"{qpath}:{no}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            print(f"{where}: invalid JSON: {exc}")
            problems += 1
            continue
        if not isinstance(obj, dict):
            print(f"{where}: expected a JSON object, got {type(obj).__name__}")
            problems += 1
            continue
        items += 1
        raw_id = obj.get("id")
        iid = raw_id if isinstance(raw_id, str) and raw_id.strip() else "?"
        found = check_item(obj, docs)
        if iid != "?":
            if iid in seen_ids:
                found.append(f"duplicate id (first on line {seen_ids[iid]})")
            else:
                seen_ids[iid] = no
        qtext = obj.get("question")
        hist = obj.get("history") or []
        if isinstance(qtext, str) and is_str_list(hist):
            key = (squash(qtext), tuple(squash(h) for h in hist))
            if key in seen_q:
                found.append(f"same question as line {seen_q[key]}")
            else:
                seen_q[key] = no
        for msg in found:
            print(f"{where} {iid}: {msg}")
        problems += len(found)
        by_type[str(obj.get("type"))] += 1
        by_tag[str(obj.get("tag"))] += 1

    print(f"{qpath}: {items} items, {len(docs)} corpus files, {problems} problem(s)")
    print("  by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())))
    print("  by tag:  " + ", ".join(f"{k} {v}" for k, v in sorted(by_tag.items())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
