"""Chinese text helpers shared by chunking, retrieval and answering: sentence spans, script normalisation."""

from __future__ import annotations

import re
from functools import lru_cache

SENTENCE_END = "。！？；!?;"
CLOSERS = "”’」』）)】》\""
CLAUSE_END = "，,：:、"

_SENT_RE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{CLOSERS}]*|\n|$)")
_WS_RE = re.compile(r"\s+")


def _spans(pattern: re.Pattern[str], text: str, start: int, end: int | None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        if m.end() >= end:
            break
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``(s, e)`` of sentences in ``text[start:end]``: ends at 。！？；!?; (with closing quotes) or newline.

    Spans exclude surrounding whitespace and never cross a newline. Offsets are into ``text``.
    """
    return _spans(_SENT_RE, text, start, end)


_FULL_SENT_RE = re.compile(rf"[^。！？!?\n]*(?:[。！？!?…]+[{CLOSERS}]*|\n|$)")


def full_sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Like :func:`sentence_spans` but only 。！？!? (and …) end a sentence: ；-joined enumerations stay whole."""
    return _spans(_FULL_SENT_RE, text, start, end)


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` at clause punctuation (，,：:；;) keeping the punctuation with the clause."""
    spans: list[tuple[int, int]] = []
    s = start
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if ch in "“（(「《【":
            depth += 1
        elif ch in "”）)」》】":
            depth = max(0, depth - 1)
        elif ch in "，,：:；;。！？!?" and depth == 0:
            spans.append((s, i + 1))
            s = i + 1
    if s < end:
        spans.append((s, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


#: answer units longer than this are split at ；/; (then at ，) so one unit stays a quotable answer
UNIT_MAX_CHARS = 160
#: bump when :func:`answer_units` changes: stored sentence vectors of an older version are not reused
UNITS_VERSION = 1


def answer_units(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the units an answer quotes: whole sentences (。！？!?… with closing quotes, or a line), a
    sentence longer than :data:`UNIT_MAX_CHARS` split at ；/; and, if still too long, at ，/, .

    Deterministic and local: the units of a chunk are the units of its article inside the chunk's range
    (chunks are cut at sentence ends), so vectors stored per unit at ingest are found again at answer time
    by :func:`unit_id`."""
    out: list[tuple[int, int]] = []
    for s, e in full_sentence_spans(text, start, end):
        if e - s <= UNIT_MAX_CHARS:
            out.append((s, e))
            continue
        for ss, se in sentence_spans(text, s, e):
            if se - ss <= UNIT_MAX_CHARS:
                out.append((ss, se))
                continue
            cur = ss
            for cs, ce in clause_spans(text, ss, se):
                if ce - cur > UNIT_MAX_CHARS and cs > cur:
                    out.append((cur, cs))
                    cur = cs
            if se > cur:
                out.append((cur, se))
    return out


def unit_id(article_id: str, article_start: int, unit_text: str) -> str:
    """Stable id of one answer unit: its article, its offset in the article and its text."""
    import hashlib

    key = f"{UNITS_VERSION}\x1f{article_id}\x1f{article_start}\x1f{unit_text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def strip_ws(text: str) -> str:
    return _WS_RE.sub("", text)


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (zhconv, character and phrase tables)."""
    import zhconv

    return str(zhconv.convert(text, "zh-cn"))


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_LATIN_RE = re.compile(r"[A-Za-z]")


def is_mostly_english(text: str) -> bool:
    latin = len(_LATIN_RE.findall(text))
    cjk = len(_CJK_RE.findall(text))
    return latin >= 6 and latin > 2 * cjk


__all__ = ["UNITS_VERSION", "UNIT_MAX_CHARS", "answer_units", "clause_spans", "full_sentence_spans", "is_mostly_english", "sentence_spans", "strip_ws", "to_simplified", "unit_id"]
