"""Plain-text tables for the terminal."""

from __future__ import annotations

from typing import Any

SUMMARY_ROWS: list[tuple[str, str]] = [
    ("n_items", "questions"),
    ("pass_rate", "pass rate"),
    ("key_fact_acc", "key-fact accuracy (answerable)"),
    ("refusal_acc", "refusal accuracy (must refuse)"),
    ("false_refusal_rate", "false refusal rate (answerable)"),
    ("hit_at_k", "hit@k (evidence in top-k)"),
    ("mrr_at_10", "MRR@10"),
    ("evidence_in_1200", "evidence in first 1,200 chars"),
    ("citation_precision", "citation precision"),
    ("groundedness", "groundedness"),
    ("answer_chars_median", "answer chars, median"),
    ("answer_chars_p90", "answer chars, p90"),
    ("latency_ms_p50", "latency ms, p50"),
    ("latency_ms_p95", "latency ms, p95"),
    ("errors", "errors"),
]

TYPE_COLUMNS: list[tuple[str, str]] = [
    ("n_items", "n"),
    ("pass_rate", "pass"),
    ("key_fact_acc", "facts"),
    ("refusal_acc", "refuse"),
    ("false_refusal_rate", "f.ref"),
    ("hit_at_k", "hit@k"),
    ("mrr_at_10", "mrr"),
    ("evidence_in_1200", "ev1200"),
    ("citation_precision", "cite.p"),
    ("groundedness", "ground"),
    ("latency_ms_p50", "p50ms"),
]


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 100 or (abs(value) > 1 and value.is_integer()):
            return f"{value:.0f}"
        return f"{value:.3f}"
    return str(value)


def summary_table(report: dict[str, Any]) -> str:
    s = report["summary"]
    width = max(len(label) for _, label in SUMMARY_ROWS)
    lines = [f"{label:<{width}}  {fmt(s.get(key))}" for key, label in SUMMARY_ROWS]
    if s.get("k") is not None:
        lines.insert(1, f"{'k (passages per answer)':<{width}}  {s['k']}")
    return "\n".join(lines)


def type_table(report: dict[str, Any], name: str = "type") -> str:
    types = report.get("by_type", {}) if name == "type" else report.get("by", {}).get(name, {})
    tw = max([len(name), *(len(t) for t in types)])
    head = f"{name:<{tw}}" + "".join(f" {label:>7}" for _, label in TYPE_COLUMNS)
    rows = [head, "-" * len(head)]
    for t, s in types.items():
        rows.append(f"{t:<{tw}}" + "".join(f" {fmt(s.get(key)):>7}" for key, _ in TYPE_COLUMNS))
    return "\n".join(rows)


def failures_list(report: dict[str, Any], limit: int = 50) -> str:
    bad = [it for it in report["items"] if not it["pass"]]
    lines = [f"{it['id']:<8} {it['type']:<13} {it['why']}" for it in bad[:limit]]
    if len(bad) > limit:
        lines.append(f"... and {len(bad) - limit} more")
    return "\n".join(lines)


def render_text(report: dict[str, Any]) -> str:
    parts = [summary_table(report), "", type_table(report)]
    for name in report.get("by", {}):
        if name != "type":
            parts += ["", type_table(report, name)]
    fails = failures_list(report)
    if fails:
        parts += ["", "failing items:", fails]
    return "\n".join(parts)


__all__ = ["fmt", "render_text", "summary_table", "type_table"]
