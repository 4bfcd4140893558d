"""What each line of an article is: body, section heading, caption, byline, or page furniture.

The scraped newspaper text has no markup for captions and plain headings, so (when ``infer`` is on)
a *label* (a short line without clause punctuation, see :func:`~.textutil.is_label`) is judged by
its surroundings:

* after a wide gap (more blank lines than the file's usual paragraph gap) → caption;
* right after a paragraph that stops mid-sentence → the rest of that paragraph (page break);
* followed, at the usual gap, by a body paragraph that does not start mid-sentence → section heading;
* followed by a paragraph that starts mid-sentence → the start of that paragraph;
* otherwise (before a byline, a heading, another label, or at the end) → caption.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .lines import Line
from .textutil import CLAUSE_PUNCT, ends_sentence, is_label, looks_like_continuation

Kind = Literal["body", "item", "section", "caption", "byline", "drop"]

_BYLINE_MARK = re.compile(r"^[■□▶▷►▸●◆◇▲△★☆◎]\s*")
_BYLINE_WORDS = re.compile(r"记者|通讯员|实习生|特约|撰稿|文\s*/\s*图|图\s*/\s*文|摄影?$|编辑")
_BYLINE_LEAD = re.compile(
    r"^(?:本报)?(?:记者|通讯员|实习生)\s|^(?:文|图|摄影|文\s*/\s*图)\s*[:：/]|文\s*/\s*图$|摄$"
)
MAX_BYLINE_CHARS = 40
#: a photo's credit closing its caption: ``图为…现场。 记者 某某 摄``, ``（通讯员 某某 摄）``
_PHOTO_CREDIT = re.compile(r"(?:^|\s|[（(])(?:(?:本报)?(?:记者|通讯员|实习生)\s*)?[\u4e00-\u9fff]{2,4}(?:\s+[\u4e00-\u9fff]{2,4})*\s*摄[)）]?$")
MAX_CAPTION_CHARS = 120


@dataclass(frozen=True)
class Gaps:
    """Which blank-line gaps count as wide (captions sit between wide gaps in the scraped pages)."""

    wide_from: int

    @classmethod
    def of(cls, lines: Sequence[Line]) -> Gaps:
        counts = Counter(line.blank_before for line in lines[1:])
        usual = counts.most_common(1)[0][0] if counts else 1
        return cls(wide_from=max(2, usual + 1))

    def wide(self, line: Line) -> bool:
        return line.blank_before >= self.wide_from


def is_byline(text: str) -> bool:
    """``■ 记者 甘国江 文/图``, ``▶ 胡代军 本报记者 叶伟``, ``本报记者 张三`` ..."""
    if len(text) > MAX_BYLINE_CHARS or any(c in CLAUSE_PUNCT for c in text if c not in "、"):
        return False
    if _BYLINE_MARK.match(text):
        return bool(_BYLINE_WORDS.search(text))
    return bool(_BYLINE_LEAD.search(text))


def is_photo_caption(text: str) -> bool:
    """A short line closed by a photographer's credit (``图为签约现场。 记者 某某 摄``): a caption, whatever its
    punctuation (a body sentence does not end on 摄 after a name set off by a space)."""
    text = text.strip()
    m = _PHOTO_CREDIT.search(text)
    # what the photo shows comes before the credit (a credit alone, 记者 某某 摄, is a byline)
    return len(text) <= MAX_CAPTION_CHARS and m is not None and len(text[: m.start()].strip("▲△■ ")) >= 4


def clean_byline(text: str) -> str:
    return _BYLINE_MARK.sub("", text).strip()


def is_bodyish(line: Line, *, infer: bool) -> bool:
    """Could this line be (the start of) a body paragraph?"""
    if line.hint in ("item", "body"):
        return True
    if line.hint is not None or is_byline(line.text):
        return False
    return not (infer and is_label(line.text))


def classify(lines: Sequence[Line], gaps: Gaps, *, infer: bool) -> list[Kind]:
    """One :data:`Kind` per line of one article body (title and kicker already removed)."""
    body_after = _body_after(lines, infer=infer)
    kinds: list[Kind] = []
    for i, line in enumerate(lines):
        if line.hint == "kicker":  # a `## ` line inside an article: a heading, or a trailing page slogan
            kinds.append("section" if body_after[i] else "drop")
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        prev = lines[i - 1] if i > 0 else None
        prev_kind = kinds[-1] if kinds else None
        kinds.append(_kind(line, prev, prev_kind, nxt, gaps, infer=infer))
    return kinds


def _body_after(lines: Sequence[Line], *, infer: bool) -> list[bool]:
    """``out[i]``: does any line after ``i`` look like body text?"""
    out = [False] * len(lines)
    seen = False
    for i in range(len(lines) - 1, -1, -1):
        out[i] = seen
        seen = seen or is_bodyish(lines[i], infer=infer)
    return out


def _kind(
    line: Line, prev: Line | None, prev_kind: Kind | None, nxt: Line | None, gaps: Gaps, *, infer: bool
) -> Kind:
    hint = line.hint
    if hint in ("section", "title", "kicker"):
        return "section"
    if hint == "caption":
        return "caption"
    if hint == "item":
        return "item"
    if hint is None and is_photo_caption(line.text):
        return "caption"
    if is_byline(line.text):
        return "byline"
    if hint == "body" or not infer or not is_label(line.text):
        return "body"
    return _label_kind(line, prev, prev_kind, nxt, gaps)


def _label_kind(line: Line, prev: Line | None, prev_kind: Kind | None, nxt: Line | None, gaps: Gaps) -> Kind:
    if gaps.wide(line):
        return "caption"
    if prev is not None and prev_kind == "body" and not ends_sentence(prev.text):
        return "body"  # the tail of a paragraph cut by a page break
    if nxt is not None and not gaps.wide(nxt) and is_bodyish(nxt, infer=True):
        return "body" if looks_like_continuation(nxt.text) else "section"
    return "caption"
