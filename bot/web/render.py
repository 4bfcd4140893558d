"""HTML for the Gradio chat: answers with clickable citation markers, and the source panel.

Every piece of user or corpus text goes through :func:`esc` (``html.escape``) before it is placed in markup;
the only tags in the output are the ones written here. Markers link a chat bubble to the panel through
``data-cite-key="T-N"`` (turn T, citation N) ↔ ``data-src-key="T-N"``; the page script (``static/ui.js``)
opens the matching entry when a marker is clicked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

MARKER_RE = re.compile(r"[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]")
CLOSEST_SHOWN = 3

PANEL_EMPTY = (
    '<div class="src-empty">点击回答中的引用标记（如 <b>[1]</b>）即可在这里查看原文段落，'
    "支持该回答的句子会被高亮。</div>"
)


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def esc_lines(text: object) -> str:
    return esc(text).replace("\n", "<br>")


def highlight(text: str, span: Sequence[int] | None) -> str:
    """The passage escaped, with the supporting sentence ``text[span[0]:span[1]]`` wrapped in ``<mark>``."""
    if not span or len(span) != 2:
        return esc_lines(text)
    a, b = max(0, int(span[0])), min(len(text), int(span[1]))
    if a >= b:
        return esc_lines(text)
    return f"{esc_lines(text[:a])}<mark>{esc_lines(text[a:b])}</mark>{esc_lines(text[b:])}"


def _cite_link(turn: int, n: int, label: str | None = None) -> str:
    return (
        f'<a class="cite-ref" href="#src-{turn}-{n}" data-cite-key="{turn}-{n}" '
        f'title="查看来源 [{n}]">{esc(label or f"[{n}]")}</a>'
    )


def link_markers(text: str, turn: int, known: set[int]) -> str:
    """Escape ``text`` and turn each ``[n]`` (n a known citation) into a marker link."""
    out: list[str] = []
    pos = 0
    for m in MARKER_RE.finditer(text):
        nums = [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1))]
        if not all(n in known for n in nums):
            continue
        out.append(esc_lines(text[pos : m.start()]))
        out.append("".join(_cite_link(turn, n) for n in nums))
        pos = m.end()
    out.append(esc_lines(text[pos:]))
    return "".join(out)


def question_html(question: str) -> str:
    return f'<div class="q-text">{esc_lines(question)}</div>'


def streaming_html(partial: str) -> str:
    body = esc_lines(partial) if partial else '<span class="thinking">正在检索资料…</span>'
    return f'<div class="a-text streaming">{body}<span class="cursor">▍</span></div>'


def message_html(text: str, kind: str = "info") -> str:
    return f'<div class="a-text {esc(kind)}">{esc_lines(text)}</div>'


def _date(d: object) -> str:
    return f"（{esc(d)}）" if d else ""


def _passage_label(p: Mapping[str, Any]) -> str:
    title = str(p.get("title") or p.get("source") or "")
    return f"{title} · {p['section']}" if p.get("section") else title


def answer_html(answer: Mapping[str, Any], turn: int) -> str:
    """The chat bubble for a final answer: notice, text with markers, a compact source list (or closest passages)."""
    parts: list[str] = []
    if answer.get("notice"):
        parts.append(f'<div class="notice">⚠️ {esc(answer["notice"])}</div>')
    citations = list(answer.get("citations") or [])
    known = {int(c["n"]) for c in citations}
    parts.append(f'<div class="a-text">{link_markers(str(answer.get("answer", "")), turn, known)}</div>')
    if citations and not answer.get("refused"):
        items = "".join(
            f"<li>{_cite_link(turn, int(c['n']))} {esc(c.get('title') or c.get('source'))}{_date(c.get('date'))}</li>"
            for c in citations
        )
        parts.append(f'<div class="a-sources"><span>来源：</span><ul>{items}</ul></div>')
    if answer.get("refused"):
        closest = list(answer.get("retrieved") or [])[:CLOSEST_SHOWN]
        if closest:
            items = "".join(
                f"<li>{_cite_link(turn, 100 + i, '原文')} {esc(_passage_label(p))}{_date(p.get('date'))}</li>"
                for i, p in enumerate(closest, 1)
            )
            parts.append(f'<div class="a-sources closest"><span>最接近的段落：</span><ul>{items}</ul></div>')
    return "".join(parts)


def _entry(key: str, n_label: str, title: object, date: object, source: object, body_html: str, open_: bool) -> str:
    meta = " · ".join(x for x in (esc(date) if date else "", esc(source) if source else "") if x)
    return (
        f'<details class="src" data-src-key="{key}" id="src-{key}"{" open" if open_ else ""}>'
        f'<summary><span class="src-n">{esc(n_label)}</span> <span class="src-title">{esc(title)}</span></summary>'
        f'<div class="src-meta">{meta}</div>'
        f'<div class="src-text">{body_html}</div></details>'
    )


def sources_html(turns: Sequence[Mapping[str, Any]]) -> str:
    """The source panel: one group per answered question, newest first; the newest group is expanded."""
    if not turns:
        return PANEL_EMPTY
    groups: list[str] = []
    last = len(turns) - 1
    for t in range(last, -1, -1):
        turn = turns[t]
        answer = turn.get("answer") or {}
        entries: list[str] = []
        for c in answer.get("citations") or []:
            n = int(c["n"])
            entries.append(
                _entry(
                    f"{t}-{n}",
                    f"[{n}]",
                    c.get("title") or c.get("source"),
                    c.get("date"),
                    c.get("source"),
                    highlight(str(c.get("text", "")), c.get("span")),
                    False,
                )
            )
        if answer.get("refused"):
            for i, p in enumerate(list(answer.get("retrieved") or [])[:CLOSEST_SHOWN], 1):
                entries.append(
                    _entry(
                        f"{t}-{100 + i}",
                        "最接近",
                        _passage_label(p),
                        p.get("date"),
                        p.get("source"),
                        esc_lines(p.get("text", "")),
                        False,
                    )
                )
        if not entries:
            continue
        groups.append(
            f'<details class="turn" data-turn="{t}"{" open" if t == last else ""}>'
            f'<summary class="turn-q">问：{esc(turn.get("question", ""))}</summary>{"".join(entries)}</details>'
        )
    if not groups:
        return PANEL_EMPTY
    return f'<div class="src-hint">点击引用标记查看原文，高亮为支持回答的句子。</div>{"".join(groups)}'


def plain_answer(answer: Mapping[str, Any]) -> str:
    """Plain text (for the Gradio API): answer, then the sources as "[n] title (date)" lines."""
    lines = [str(answer.get("answer", ""))]
    if answer.get("notice"):
        lines.insert(0, f"（{answer['notice']}）")
    cites = answer.get("citations") or []
    if cites:
        lines.append("")
        lines.append("来源：")
        for c in cites:
            date = f"（{c['date']}）" if c.get("date") else ""
            lines.append(f"[{c['n']}] {c.get('title') or c.get('source')}{date}")
    return "\n".join(lines)


__all__ = [
    "MARKER_RE",
    "answer_html",
    "esc",
    "highlight",
    "link_markers",
    "message_html",
    "plain_answer",
    "question_html",
    "sources_html",
    "streaming_html",
]
