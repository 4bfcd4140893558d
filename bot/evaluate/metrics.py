"""Per-item checks and aggregate metrics. Pure functions over strings: no bot, no I/O.

All text matching is verbatim substring matching after removing whitespace (:func:`squash`); no
case folding, width or traditional/simplified normalisation. Exact definitions: docs/evaluation.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dataset import EvalItem

MRR_DEPTH = 10
EVIDENCE_WINDOW = 1200

# A number (digits, optional decimals, optional 多/余) with an optional magnitude and a required unit.
_UNITS = "平方公里|平方米|工作日|GWh|GW|MWh|MW|kWh|元|%|％|个|家|吨|人|名|年|月|日|亩|项|倍|天|户|台|套|次"
NUMBER_RE = re.compile(rf"(?<![\d.])\d+(?:\.\d+)?(?:多|余)?[十百千万亿]*(?:{_UNITS})")

# summary metrics where smaller is better (``--fail-under`` treats the value as a maximum)
LOWER_IS_BETTER = frozenset(
    {
        "false_refusal_rate",
        "latency_ms_p50",
        "latency_ms_p95",
        "answer_chars_median",
        "answer_chars_p90",
        "errors",
    }
)


def squash(text: str) -> str:
    """``text`` without any whitespace (the only normalisation the metrics apply)."""
    return "".join(text.split())


def first_rank(quotes: Iterable[str], texts: Sequence[str], depth: int = MRR_DEPTH) -> int | None:
    """1-based rank of the first of ``texts[:depth]`` containing any of ``quotes``; None if none does."""
    needles = [squash(q) for q in quotes if squash(q)]
    for rank, text in enumerate(texts[:depth], start=1):
        body = squash(text)
        if any(n in body for n in needles):
            return rank
    return None


def hit_at_k(quotes: Iterable[str], texts: Sequence[str], k: int) -> bool:
    """Some quote lies inside one single passage among the top ``k``."""
    return first_rank(quotes, texts, depth=k) is not None


def evidence_in_window(quotes: Iterable[str], texts: Sequence[str], window: int = EVIDENCE_WINDOW) -> bool:
    """Some quote lies inside the first ``window`` characters of the ranked texts concatenated (whitespace removed)."""
    head = "".join(squash(t) for t in texts)[:window]
    return any(squash(q) and squash(q) in head for q in quotes)


def missing_facts(must_include: Iterable[str], answer: str) -> list[str]:
    body = squash(answer)
    return [m for m in must_include if squash(m) not in body]


def key_facts(answer: str, must_include: Iterable[str]) -> list[str]:
    """The facts an answer asserts: the must_include strings it contains plus every number-with-unit token."""
    body = squash(answer)
    facts = [m for m in must_include if squash(m) in body]
    for tok in NUMBER_RE.findall(body):
        if tok not in facts:
            facts.append(tok)
    return facts


def ungrounded_facts(answer: str, must_include: Iterable[str], cited_texts: Sequence[str]) -> list[str]:
    """Key facts of ``answer`` that are in none of the cited passages."""
    bodies = [squash(t) for t in cited_texts]
    return [f for f in key_facts(answer, must_include) if not any(squash(f) in b for b in bodies)]


def citation_precision(cited_texts: Sequence[str], needles: Iterable[str]) -> float | None:
    """Fraction of citations whose passage holds one of ``needles``; None when there are no citations."""
    if not cited_texts:
        return None
    ns = [squash(n) for n in needles if squash(n)]
    good = sum(1 for t in cited_texts if any(n in squash(t) for n in ns))
    return good / len(cited_texts)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method); None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass
class Outcome:
    """What the bot did for one item (input of :func:`score_item`)."""

    answer: str
    refused: bool
    cited_texts: list[str] = field(default_factory=list)
    retrieved_texts: list[str] = field(default_factory=list)
    error: str | None = None


def score_item(item: EvalItem, out: Outcome, k: int) -> tuple[dict[str, Any], bool, str]:
    """Return ``(checks, pass, why)`` for one item. Checks that do not apply are None."""
    answerable = not item.should_refuse
    checks: dict[str, Any] = {
        "key_facts": None,
        "missing": [],
        "refusal": None,
        "false_refusal": None,
        "hit_at_k": None,
        "rank": None,
        "reciprocal_rank": None,
        "evidence_in_1200": None,
        "citation_precision": None,
        "grounded": None,
        "ungrounded": [],
        "error": out.error,
    }
    if answerable:
        missing = missing_facts(item.must_include, out.answer)
        checks["missing"] = missing
        checks["key_facts"] = (not out.refused) and not missing and out.error is None
        checks["false_refusal"] = out.refused
        if item.evidence:
            rank = first_rank(item.quotes, out.retrieved_texts, MRR_DEPTH)
            checks["rank"] = rank
            checks["reciprocal_rank"] = 1.0 / rank if rank else 0.0
            checks["hit_at_k"] = hit_at_k(item.quotes, out.retrieved_texts, k)
            checks["evidence_in_1200"] = evidence_in_window(item.quotes, out.retrieved_texts)
        if not out.refused and out.error is None:
            checks["citation_precision"] = citation_precision(
                out.cited_texts, [*item.quotes, *item.must_include]
            )
    else:
        checks["refusal"] = out.refused and out.error is None
    if not out.refused and out.error is None:
        bad = ungrounded_facts(out.answer, item.must_include, out.cited_texts)
        checks["ungrounded"] = bad
        checks["grounded"] = not bad

    ok = bool(checks["key_facts"] if answerable else checks["refusal"])
    return checks, ok, "" if ok else _why(item, out, checks, k)


def _why(item: EvalItem, out: Outcome, checks: dict[str, Any], k: int) -> str:
    if out.error is not None:
        return f"the bot raised an error: {out.error}"
    if item.should_refuse:
        return f"answered a question that must be refused ({item.type})"
    parts: list[str] = []
    if out.refused:
        parts.append("refused an answerable question")
    elif checks["missing"]:
        parts.append("answer lacks must_include: " + ", ".join(f"'{m}'" for m in checks["missing"]))
    if checks["hit_at_k"] is False:
        parts.append(f"no evidence quote in the top-{k} retrieved passages")
    elif checks["rank"]:
        parts.append(f"evidence was retrieved at rank {checks['rank']}")
    return "; ".join(parts)


def _mean(values: Iterable[Any]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def summarize(items: Sequence[dict[str, Any]], k: int) -> dict[str, Any]:
    """Aggregate report items (dicts with ``checks``, ``pass``, ``answer``, ``latency_ms``)."""
    checks = [it["checks"] for it in items]
    lat = [float(it["latency_ms"]) for it in items if it.get("latency_ms") is not None]
    chars = [float(len(it.get("answer") or "")) for it in items]
    n_refuse = sum(1 for c in checks if c["refusal"] is not None)
    return {
        "n_items": len(items),
        "n_answerable": len(items) - n_refuse,
        "n_refuse": n_refuse,
        "k": k,
        "pass_rate": _mean(bool(it["pass"]) for it in items),
        "key_fact_acc": _mean(c["key_facts"] for c in checks),
        "refusal_acc": _mean(c["refusal"] for c in checks),
        "false_refusal_rate": _mean(c["false_refusal"] for c in checks),
        "hit_at_k": _mean(c["hit_at_k"] for c in checks),
        "mrr_at_10": _mean(c["reciprocal_rank"] for c in checks),
        "evidence_in_1200": _mean(c["evidence_in_1200"] for c in checks),
        "citation_precision": _mean(c["citation_precision"] for c in checks),
        "groundedness": _mean(c["grounded"] for c in checks),
        "answer_chars_median": percentile(chars, 50),
        "answer_chars_p90": percentile(chars, 90),
        "latency_ms_p50": percentile(lat, 50),
        "latency_ms_p95": percentile(lat, 95),
        "errors": sum(1 for c in checks if c.get("error")),
    }


def by_type(items: Sequence[dict[str, Any]], k: int) -> dict[str, dict[str, Any]]:
    return by_field(items, "type", k)


def field_value(item: dict[str, Any], name: str) -> str:
    """A report item's value for ``name``: a field of the item or of its ``extra``; ``"-"`` when absent."""
    value = item.get(name, (item.get("extra") or {}).get(name))
    return "-" if value is None or value == "" else str(value)


def by_field(items: Sequence[dict[str, Any]], name: str, k: int) -> dict[str, dict[str, Any]]:
    """Metrics per value of one field (``type``, ``tag``, …)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for it in items:
        groups.setdefault(field_value(it, name), []).append(it)
    return {t: summarize(g, k) for t, g in sorted(groups.items())}


__all__ = [
    "EVIDENCE_WINDOW",
    "LOWER_IS_BETTER",
    "MRR_DEPTH",
    "NUMBER_RE",
    "Outcome",
    "by_field",
    "by_type",
    "citation_precision",
    "evidence_in_window",
    "field_value",
    "first_rank",
    "hit_at_k",
    "key_facts",
    "missing_facts",
    "percentile",
    "score_item",
    "squash",
    "summarize",
    "ungrounded_facts",
]
