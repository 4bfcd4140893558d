"""One self-contained HTML page for a report: inline CSS and SVG, no scripts, no network."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from .metrics import squash
from .text_report import SUMMARY_ROWS, TYPE_COLUMNS, fmt

_CSS = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#1b1f24;line-height:1.5}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f6f8fa}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.chart{flex:1 1 480px}
.item{border:1px solid #d0d7de;border-left:4px solid #cf222e;border-radius:4px;padding:.5rem 1rem;margin:1rem 0}
.why{color:#cf222e;font-weight:600}.meta{color:#57606a;font-size:.9rem}
blockquote{margin:.25rem 0;padding:.25rem .75rem;background:#f6f8fa;border-left:3px solid #8c959f;white-space:pre-wrap}
.ok{color:#1a7f37}.bad{color:#cf222e}code{background:#f6f8fa;padding:0 .2rem}
"""


def _bar_chart(title: str, rows: list[tuple[str, float | None]], value_max: float = 1.0) -> str:
    """Horizontal bars; ``None`` values are drawn as 'n/a'."""
    label_w, bar_w, row_h = 130, 300, 22
    height = row_h * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="14" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 24 + i * row_h
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 6}" fill="#eaeef2"/>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 14}" font-size="11" fill="#57606a">n/a</text>')
            continue
        w = max(0.0, min(1.0, value / value_max)) * bar_w
        color = (
            "#2da44e" if value >= 0.8 * value_max else ("#d4a72c" if value >= 0.5 * value_max else "#cf222e")
        )
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{color}"/>')
        parts.append(
            f'<text x="{label_w + bar_w + 6}" y="{y + 14}" font-size="12">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _summary_table(summary: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(fmt(summary.get(key)))}</td></tr>"
        for key, label in SUMMARY_ROWS
    )
    return f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>"


def _type_table(by_type: dict[str, dict[str, Any]], name: str = "type") -> str:
    head = "".join(f"<th>{escape(label)}</th>" for _, label in TYPE_COLUMNS)
    body = "".join(
        f"<tr><td>{escape(t)}</td>"
        + "".join(f"<td>{escape(fmt(s.get(k)))}</td>" for k, _ in TYPE_COLUMNS)
        + "</tr>"
        for t, s in by_type.items()
    )
    return f"<table><tr><th>{escape(name)}</th>{head}</tr>{body}</table>"


def _item_html(it: dict[str, Any]) -> str:
    answer_sq = squash(it.get("answer") or "")
    out = [
        '<div class="item">',
        f'<div class="meta">{escape(it["id"])} · {escape(it["type"])} · '
        f"{escape(fmt(it.get('latency_ms')))} ms · refused: {escape(fmt(it.get('refused')))}</div>",
        f'<p class="why">{escape(it.get("why") or "")}</p>',
    ]
    if it.get("history"):
        out.append("<p><b>History:</b> " + " → ".join(escape(h) for h in it["history"]) + "</p>")
    out.append(f"<p><b>Question:</b> {escape(it['question'])}</p>")
    out.append(f"<p><b>Answer:</b></p><blockquote>{escape(it.get('answer') or '(empty)')}</blockquote>")
    if it.get("gold_answer"):
        out.append(f"<p><b>Gold answer:</b> {escape(it['gold_answer'])}</p>")
    if it.get("must_include"):
        marks = []
        for m in it["must_include"]:
            ok = squash(m) in answer_sq
            marks.append(
                f'<span class="{"ok" if ok else "bad"}">{"✓" if ok else "✗"} <code>{escape(m)}</code></span>'
            )
        out.append("<p><b>Must include:</b> " + " ".join(marks) + "</p>")
    for ev in it.get("evidence", []):
        out.append(
            f"<p><b>Expected evidence</b> ({escape(ev['doc'])}):</p><blockquote>{escape(ev['quote'])}</blockquote>"
        )
    for c in it.get("citations", []):
        out.append(
            f"<p><b>Citation [{escape(str(c.get('n')))}]</b> {escape(c.get('title') or '')} "
            f"({escape(c.get('source') or '')})</p><blockquote>{escape(c.get('text') or '')}</blockquote>"
        )
    checks = it.get("checks", {})
    facts = ", ".join(f"{k}={fmt(v)}" for k, v in checks.items() if not isinstance(v, list) and v is not None)
    out.append(f'<p class="meta">checks: {escape(facts)}</p>')
    if checks.get("ungrounded"):
        out.append(f'<p class="meta">not in any cited passage: {escape(", ".join(checks["ungrounded"]))}</p>')
    ret = it.get("retrieved", [])
    if ret:
        lis = "".join(
            f"<li>{escape(p.get('source') or '')} · score {escape(fmt(p.get('score')))}: {escape((p.get('text') or '')[:160])}</li>"
            for p in ret
        )
        out.append(f"<details><summary>retrieved passages ({len(ret)})</summary><ol>{lis}</ol></details>")
    out.append("</div>")
    return "".join(out)


def render_html(report: dict[str, Any], title: str = "园区问答 evaluation") -> str:
    s, bt, cfg = report["summary"], report.get("by_type", {}), report.get("config", {})
    overall = [
        (label, s.get(key))
        for key, label in (
            ("pass_rate", "pass rate"),
            ("key_fact_acc", "key facts"),
            ("refusal_acc", "refusal"),
            ("hit_at_k", "hit@k"),
            ("mrr_at_10", "MRR@10"),
            ("evidence_in_1200", "evidence≤1200"),
            ("citation_precision", "citation prec."),
            ("groundedness", "groundedness"),
        )
    ]
    charts = [
        _bar_chart("overall metrics", overall),
        _bar_chart("pass rate per question type", [(t, v.get("pass_rate")) for t, v in bt.items()]),
        _bar_chart("hit@k per question type", [(t, v.get("hit_at_k")) for t, v in bt.items()]),
    ]
    failing = [it for it in report["items"] if not it.get("pass")]
    meta = (
        f"questions: {escape(str(cfg.get('questions_file', '?')))} · embedder: {escape(str(cfg.get('embedder', '?')))}"
        f" · k={escape(str(s.get('k')))} · commit: {escape(str(cfg.get('git_commit') or '?'))[:12]}"
        f" · {escape(str(cfg.get('created_at', '')))}"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class='meta'>{meta}</p>",
        "<h2>Metrics</h2>",
        _summary_table(s),
        "<h2>By question type</h2>",
        _type_table(bt),
        *(
            f"<h2>By {escape(name)}</h2>" + _type_table(groups, name)
            for name, groups in report.get("by", {}).items()
            if name != "type"
        ),
        '<div class="charts">' + "".join(f'<div class="chart">{c}</div>' for c in charts) + "</div>",
        f"<h2>Failing items ({len(failing)} of {len(report['items'])})</h2>",
        "".join(_item_html(it) for it in failing) or "<p>None: every item passed.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_html(report: dict[str, Any], path: str | Path) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_html(report), encoding="utf-8")


__all__ = ["render_html", "write_html"]
