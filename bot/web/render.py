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

from ..schema import source_label

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


#: the typing indicator of a bubble whose answer has not started yet (also built by static/ui.js)
TYPING_HTML = (
    '<div class="a-text streaming"><span class="typing" role="status" aria-label="正在回答">'
    '<i></i><i></i><i></i></span><span class="thinking">正在检索资料…</span></div>'
)


def streaming_html(partial: str) -> str:
    if not partial:
        return TYPING_HTML
    return f'<div class="a-text streaming">{esc_lines(partial)}<span class="cursor" aria-hidden="true">▍</span></div>'


def notice_html(text: str, kind: str = "warn") -> str:
    """A notice shown apart from the answers (input refused, rate limit, timeout, thanks for feedback)."""
    role = "alert" if kind == "warn" else "status"
    return f'<div class="park-notice {esc(kind)}" role="{role}">{esc_lines(text)}</div>'


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def display_date(d: object) -> str:
    """``2024-12-19`` → ``2024年12月19日``; any other declared text as it is."""
    text = "" if d is None else str(d).strip()
    m = _ISO_DATE.match(text)
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日" if m else text


def _file(item: Mapping[str, Any]) -> str:
    return str(item.get("file") or "")


def attribution(item: Mapping[str, Any]) -> str:
    """"source · date" of a citation for a person: the human source label unless it is just the file name."""
    source = str(item.get("source") or "")
    parts = [source if source and source != _file(item) else "", display_date(item.get("date"))]
    return " · ".join(x for x in parts if x)


def _title(item: Mapping[str, Any]) -> str:
    return str(item.get("title") or item.get("source") or _file(item))


def _passage_view(p: Mapping[str, Any]) -> dict[str, Any]:
    """A retrieved passage in the shape of a citation (``source`` → ``file``, the label built the same way)."""
    file = str(p.get("source") or "")
    title = str(p.get("title") or "")
    if p.get("section"):
        title = f"{title} · {p['section']}" if title else str(p["section"])
    return {
        "title": title,
        "source": source_label(p.get("publisher"), p.get("byline"), file),
        "file": file,
        "date": p.get("date"),
        "text": p.get("text", ""),
    }


def _list_item(turn: int, n: int, item: Mapping[str, Any], label: str | None = None) -> str:
    meta = attribution(item)
    meta_html = f' <span class="a-src-meta">— {esc(meta)}</span>' if meta else ""
    return f"<li>{_cite_link(turn, n, label)} {esc(_title(item))}{meta_html}</li>"


def answer_html(answer: Mapping[str, Any], turn: int) -> str:
    """The chat bubble for a final answer: notice, text with markers, a compact source list (or closest passages)."""
    parts: list[str] = []
    if answer.get("notice"):
        parts.append(f'<div class="notice">⚠️ {esc(answer["notice"])}</div>')
    citations = list(answer.get("citations") or [])
    known = {int(c["n"]) for c in citations}
    parts.append(f'<div class="a-text">{link_markers(str(answer.get("answer", "")), turn, known)}</div>')
    if citations and not answer.get("refused"):
        items = "".join(_list_item(turn, int(c["n"]), c) for c in citations)
        parts.append(f'<div class="a-sources"><span>来源：</span><ul>{items}</ul></div>')
    if answer.get("refused"):
        closest = [_passage_view(p) for p in list(answer.get("retrieved") or [])[:CLOSEST_SHOWN]]
        if closest:
            items = "".join(_list_item(turn, 100 + i, p, "原文") for i, p in enumerate(closest, 1))
            parts.append(f'<div class="a-sources closest"><span>最接近的段落：</span><ul>{items}</ul></div>')
    return "".join(parts)


def _entry(key: str, n_label: str, item: Mapping[str, Any], body_html: str) -> str:
    meta = attribution(item)
    file = _file(item)
    file_html = f'<div class="src-file" title="文件名">{esc(file)}</div>' if file else ""
    return (
        f'<details class="src" data-src-key="{key}" id="src-{key}">'
        f'<summary><span class="src-n">{esc(n_label)}</span> <span class="src-title">{esc(_title(item))}</span></summary>'
        f'<div class="src-meta">{esc(meta)}</div>'
        f'<div class="src-text">{body_html}</div>{file_html}</details>'
    )


def sources_html(turns: Sequence[Mapping[str, Any]]) -> str:
    """The source panel: exactly one group per turn of the chat, newest first; the newest group is expanded."""
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
            entries.append(_entry(f"{t}-{n}", f"[{n}]", c, highlight(str(c.get("text", "")), c.get("span"))))
        if answer.get("refused"):
            for i, p in enumerate(list(answer.get("retrieved") or [])[:CLOSEST_SHOWN], 1):
                view = _passage_view(p)
                entries.append(_entry(f"{t}-{100 + i}", "最接近", view, esc_lines(view["text"])))
        body = "".join(entries) or '<div class="src-none">这一问没有可引用的原文。</div>'
        groups.append(
            f'<details class="turn" data-turn="{t}"{" open" if t == last else ""}>'
            f'<summary class="turn-q"><span class="turn-n">第{t + 1}问</span> {esc(turn.get("question", ""))}</summary>'
            f"{body}</details>"
        )
    return f'<div class="src-hint">点击引用标记查看原文，高亮为支持回答的句子。</div>{"".join(groups)}'


def plain_answer(answer: Mapping[str, Any]) -> str:
    """Plain text (for the Gradio API): answer, then the sources as "[n] title — source · date" lines."""
    lines = [str(answer.get("answer", ""))]
    if answer.get("notice"):
        lines.insert(0, f"（{answer['notice']}）")
    cites = answer.get("citations") or []
    if cites:
        lines.append("")
        lines.append("来源：")
        for c in cites:
            meta = attribution(c) or _file(c)  # plain text has no small print: the file when nothing else is known
            lines.append(f"[{c['n']}] {_title(c)}" + (f" — {meta}" if meta else ""))
    return "\n".join(lines)


__all__ = [
    "MARKER_RE",
    "TYPING_HTML",
    "answer_html",
    "attribution",
    "display_date",
    "esc",
    "highlight",
    "link_markers",
    "notice_html",
    "plain_answer",
    "question_html",
    "sources_html",
    "streaming_html",
]
