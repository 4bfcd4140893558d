"""The intermediate form every reader produces: a list of :class:`Line` with layout hints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# title   starts a new article (``# `` heading, Heading 1, <h1>)
# kicker  a ``## `` line: above a title it is the kicker, elsewhere a section heading or page furniture
# section a section heading (``### ``, Heading 2+, <h2>...)
# caption a photo caption (<figcaption>, Caption style, markdown image)
# item    body text that is never joined to its neighbours nor taken for a caption (lists, tables)
# body    body text that is never taken for a caption or heading
Hint = Literal["title", "kicker", "section", "caption", "item", "body"]

_ATX = re.compile(r"^(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")


@dataclass(frozen=True)
class Line:
    text: str
    blank_before: int = 1  # empty lines between this line and the previous non-empty one
    hint: Hint | None = None  # None: let the layout heuristics decide


def heading_hint(level: int) -> Hint:
    if level <= 1:
        return "title"
    return "kicker" if level == 2 else "section"


def parse_atx(line: str) -> tuple[int, str] | None:
    """``"### 标题"`` → ``(3, "标题")``; None when the line is not an ATX heading."""
    match = _ATX.match(line)
    if match is None:
        return None
    return len(match.group(1)), (match.group(2) or "").strip()


def text_lines(text: str) -> list[Line]:
    """Split normalised text into non-empty lines; ``#`` headings become hints (the scraped-text format)."""
    out: list[Line] = []
    blanks = 0
    for raw in text.split("\n"):
        if not raw:
            blanks += 1
            continue
        heading = parse_atx(raw)
        if heading is None:
            out.append(Line(raw, blanks))
        elif heading[1]:
            out.append(Line(heading[1], blanks, heading_hint(heading[0])))
        blanks = 0
    return out
