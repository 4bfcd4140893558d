"""PDF files via pypdf. Wrapped lines are re-joined into paragraphs (no space between CJK characters),
page numbers dropped; the paragraphs then go through the same layout rules as scraped text."""

from __future__ import annotations

import io
import logging
import re
from pathlib import PurePath
from typing import Any

from .failures import ReadFailure
from .lines import Line
from .normalize import normalize_line
from .structure import DocMeta, Parsed, build_articles
from .textutil import ends_sentence, glue, is_cjk

log = logging.getLogger(__name__)

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—\s]*\d{1,4}[-–—\s]*|第\s*\d+\s*页(?:\s*/?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|page\s*\d+)$", re.I
)
FULL_LINE = 0.8  # a line at least this share of the page's widest line was wrapped, not ended


def read_pdf(data: bytes, source: str) -> Parsed:
    reader = _open(data)
    pages = [_page_text(page) for page in reader.pages]
    paragraphs = [p for page in pages for p in page_paragraphs(page)]
    if not paragraphs:
        raise ReadFailure("no extractable text in the PDF (scanned images?)")
    lines = [Line(p, 1) for p in paragraphs]
    title = _info_title(reader)
    meta = DocMeta(fallback_title=title or PurePath(source).stem)
    return build_articles(lines, source=source, meta=meta, infer=True)


def _open(data: bytes) -> Any:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadFailure("the PDF is encrypted")
        _ = len(reader.pages)
    except ReadFailure:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError ... on damaged files
        raise ReadFailure(f"not a valid PDF ({type(exc).__name__})") from exc
    return reader


def _page_text(page: Any) -> str:
    try:
        return str(page.extract_text() or "")
    except Exception as exc:  # a damaged content stream
        raise ReadFailure(f"cannot extract text from the PDF ({type(exc).__name__})") from exc


def _info_title(reader: Any) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception as exc:  # broken info dictionary: the title is optional
        log.info("PDF info dictionary unreadable (%s: %s); no title from it", type(exc).__name__, exc)
        return None
    return normalize_line(str(title)) if title else None


_CJK_SPACE = re.compile(
    r"(?<=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’]) (?=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’])"
)


def page_paragraphs(text: str) -> list[str]:
    """Re-join one page's wrapped lines: a long line not ending a sentence continues on the next line."""
    lines = [_CJK_SPACE.sub("", normalize_line(raw)) for raw in text.split("\n")]
    widest = max((width(line) for line in lines), default=0)
    paragraphs: list[str] = []
    open_para = False
    for line in lines:
        if not line or _PAGE_NUMBER.match(line):
            open_para = False if not line else open_para
            continue
        if open_para and paragraphs:
            paragraphs[-1] = glue(paragraphs[-1], line)
        else:
            paragraphs.append(line)
        open_para = width(line) >= FULL_LINE * widest and not ends_sentence(line)
    return paragraphs


def width(line: str) -> int:
    """Display width: CJK characters count double, so mixed lines compare fairly."""
    return sum(2 if is_cjk(ch) else 1 for ch in line)
