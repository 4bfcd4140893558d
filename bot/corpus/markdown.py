"""Markdown (.md/.markdown): the newspaper layout rules plus removal of inline markup.

``#``/``##``/``###`` headings and setext headings drive the structure as in .txt; emphasis, links,
images, code spans, HTML tags, block quotes, list bullets and table pipes are removed, their text kept.
"""

from __future__ import annotations

import re

from .lines import Hint, Line, heading_hint, parse_atx
from .newspaper import decode_document, parse_lines
from .structure import Parsed

_FENCE = re.compile(r"^(`{3,}|~{3,})")
_RULE = re.compile(r"^([-*_])(\s*\1){2,}$")
_SETEXT = re.compile(r"^(=+|-+)$")
_QUOTE = re.compile(r"^(>\s?)+")
_BULLET = re.compile(r"^[-*+]\s+")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_IMAGE_ONLY = re.compile(r"^!\[([^\]]*)\]\([^)]*\)$")

_INLINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<!--.*?-->"), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"(?<![*\\])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?!\*)"), r"\1"),
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"), ""),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),
)


def strip_inline(text: str) -> str:
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def read_markdown(data: bytes, source: str) -> Parsed:
    front, text = decode_document(data)
    return parse_lines(markdown_lines(text), front, source)


def markdown_lines(text: str) -> list[Line]:
    out: list[Line] = []
    blanks = 0
    fence: str | None = None
    for raw in text.split("\n"):
        if fence is not None:
            if raw.startswith(fence):
                fence = None
            elif raw:
                out.append(Line(raw, blanks, "item"))
                blanks = 0
            continue
        if not raw:
            blanks += 1
            continue
        opened = _FENCE.match(raw)
        if opened:
            fence = opened.group(1)
            continue
        line = _convert(raw, blanks, out)
        if line is not None:
            out.append(line)
            blanks = 0
    return out


def _convert(raw: str, blanks: int, out: list[Line]) -> Line | None:
    """One markdown source line → a :class:`Line` (None when it is pure markup)."""
    if _SETEXT.match(raw) and blanks == 0 and out and out[-1].hint is None:
        last = out.pop()
        out.append(Line(last.text, last.blank_before, "title" if raw[0] == "=" else "kicker"))
        return None
    if _RULE.match(raw) or _TABLE_RULE.match(raw):
        return None
    raw = _QUOTE.sub("", raw).strip()
    heading = parse_atx(raw)
    if heading is not None:
        text = strip_inline(heading[1])
        return Line(text, blanks, heading_hint(heading[0])) if text else None
    image = _IMAGE_ONLY.match(raw)
    if image:
        alt = strip_inline(image.group(1))
        return Line(alt, blanks, "caption") if alt else None
    hint: Hint | None = None
    if _BULLET.match(raw):
        raw, hint = _BULLET.sub("", raw), "item"
    elif _NUMBERED.match(raw) or raw.startswith("|"):
        hint = "item"
    if raw.startswith("|"):
        raw = " ".join(cell.strip() for cell in raw.strip("|").split("|"))
    text = strip_inline(raw)
    return Line(text, blanks, hint) if text else None
