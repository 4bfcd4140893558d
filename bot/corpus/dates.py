"""Dates: normalise the ones a file declares, and find one in an article's own dateline.

Conservative on purpose: a citation shows no date rather than a wrong one. From the text only an explicit,
complete, valid date counts, and only in a dateline, where news puts its own date: right after a news lead at
the start of the first paragraph (``本报讯（记者 …）2024年12月19日，……``, ``新华社北京2024年12月19日电``), or in
the byline line. A first paragraph that merely opens with a date (``2024年11月22日，一纸协议……``) tells of an
event, often months before the article: not used. Nor are dates without a year (``6月21日``), relative ones
(``近日``, ``昨天``) and dates later in the text.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["DATELINE_CHARS", "dateline_date", "normalize_date"]

#: how far into the first paragraph a dateline may start
DATELINE_CHARS = 24
MIN_YEAR, MAX_YEAR = 1949, 2100

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DATE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_NUM_DATE = re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
# a dateline's lead before the date: "本报讯", "新华网讯", "新华社北京…电" style agency lead, or a bracketed byline
_LEAD = re.compile(
    r"^(?:[■□▶▷►▸●◆◇▲△★☆◎]\s*)?(?:(?P<agency>[^，。,；;！？!?（(\d]{1,12}讯)\s*)?"
    r"(?P<byline>[（(][^）)]{0,30}(?:记者|通讯员|报道|特约)[^）)]{0,30}[）)])?\s*"
)
# an agency dateline: the date right before 电 ("新华社北京2024年12月19日电")
_AGENCY_PLACE = re.compile(r"^[^，。,；;！？!?（(\d]{1,12}?(?=\d{4}\s*年)")


def _valid(y: int, m: int, d: int) -> str | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _first_date(text: str) -> tuple[int, str] | None:
    """(position, ISO date) of the first complete date in ``text``."""
    text = text.translate(_DIGITS)
    found: list[tuple[int, str]] = []
    for m in _CN_DATE.finditer(text):
        iso = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), iso))
            break
    for m in _NUM_DATE.finditer(text):
        iso = _valid(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if iso:
            found.append((m.start(), iso))
            break
    return min(found) if found else None


def normalize_date(value: str | None) -> str | None:
    """A declared date (front matter, HTML meta, site profile) as ``YYYY-MM-DD`` when it is one; otherwise the
    text as given (trimmed), so a declared ``2025年1月`` is still shown; None for nothing."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    hit = _first_date(text)
    if hit is not None and hit[0] == 0:
        return hit[1]
    return text


def dateline_date(first_paragraph: str, byline: str | None = None) -> str | None:
    """The article's own date when its dateline states it in full, else None (see the module doc)."""
    if byline:
        hit = _first_date(byline)
        if hit is not None:
            return hit[1]
    head = first_paragraph.strip()[: DATELINE_CHARS + 40]
    lead = _LEAD.match(head)
    if lead and (lead.group("agency") or lead.group("byline")) and lead.end() <= DATELINE_CHARS + 24:
        hit = _first_date(head[lead.end() :])
        if hit is not None and hit[0] == 0:
            return hit[1]
    place = _AGENCY_PLACE.match(head)
    start = place.end() if place else 0
    if start <= DATELINE_CHARS:
        m = _CN_DATE.match(head.translate(_DIGITS), start)
        if m and head[m.end() : m.end() + 1] in ("电", "讯"):
            return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None
