"""Optional YAML front matter at the top of a text/markdown file::

---
title: 某某高新区发布年度发展报告
date: 2025-01-10
url: https://example.org/a.html
source: 某某日报
---
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLOCK = re.compile(r"\A\s*---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    date: str | None = None
    url: str | None = None
    source: str | None = None  # the publisher (Article.publisher), never the file identity


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Return the front matter (empty when absent or not a YAML mapping) and the rest of the text.

    A leading ``---`` block that is not a YAML mapping is left in the text (it was not front matter).
    """
    match = _BLOCK.match(text)
    if match is None:
        return FrontMatter(), text
    data = _parse(match.group(1))
    if data is None:
        return FrontMatter(), text
    return (
        FrontMatter(
            title=_field(data, "title"),
            date=_field(data, "date"),
            url=_field(data, "url"),
            source=_field(data, "source"),
        ),
        text[match.end() :],
    )


def _parse(block: str) -> dict[str, object] | None:
    import yaml

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or not data:
        return None
    return {str(k).strip().lower(): v for k, v in data.items()}


def _field(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None
