"""Word documents (.docx) via python-docx: Title / first Heading 1 → title, other headings → sections,
Caption style → captions, list paragraphs and table rows → items, everything else → body."""

from __future__ import annotations

import io
import re
from pathlib import PurePath
from typing import Any

from .failures import ReadFailure
from .lines import Hint, Line
from .normalize import normalize_line
from .structure import DocMeta, Parsed, build_articles

_HEADING = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "标题"})
_CAPTION_STYLES = frozenset({"caption", "题注"})


def read_docx(data: bytes, source: str) -> Parsed:
    document = _open(data)
    lines = _title_first(_document_lines(document))
    if not lines:
        raise ReadFailure("no text in the document")
    title = normalize_line(document.core_properties.title or "")
    meta = DocMeta(fallback_title=title or PurePath(source).stem)
    return build_articles(lines, source=source, meta=meta, infer=False)


def _open(data: bytes) -> Any:
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile/KeyError/ValueError/lxml errors for damaged files
        raise ReadFailure(f"not a valid DOCX file ({type(exc).__name__})") from exc


def _document_lines(document: Any) -> list[tuple[Line, str]]:
    """Lines in document order, each with its lower-cased paragraph style name."""
    from docx.table import Table

    out: list[tuple[Line, str]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            out.extend((line, "") for line in _table_lines(block))
            continue
        style = (block.style.name if block.style is not None else "").strip().lower()
        hint = style_hint(style)
        for part in block.text.split("\n"):
            text = normalize_line(part)
            if text:
                out.append((Line(text, 1, hint), style))
    return out


def _table_lines(table: Any) -> list[Line]:
    out: list[Line] = []
    for row in table.rows:
        cells = list(dict.fromkeys(normalize_line(cell.text) for cell in row.cells))
        text = " ".join(c for c in cells if c)
        if text:
            out.append(Line(text, 1, "item"))
    return out


def style_hint(style: str) -> Hint:
    """``Heading 1`` → title (provisionally), other headings → section, Caption → caption ..."""
    name = style.strip().lower()
    if name in _TITLE_STYLES:
        return "title"
    heading = _HEADING.match(name)
    if heading:
        return "title" if heading.group(1) == "1" else "section"
    if name in _CAPTION_STYLES:
        return "caption"
    if name.startswith("list"):
        return "item"
    return "body"


def _title_first(styled: list[tuple[Line, str]]) -> list[Line]:
    """Keep one title line: the first Title-style paragraph, else the first Heading 1; others → sections."""
    titles = [i for i, (line, _) in enumerate(styled) if line.hint == "title"]
    by_style = [i for i in titles if styled[i][1] in _TITLE_STYLES]
    keep = (by_style or titles or [-1])[0]
    return [
        Line(line.text, line.blank_before, "section") if line.hint == "title" and i != keep else line
        for i, (line, _) in enumerate(styled)
    ]
