"""Which reader handles which file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from .structure import Parsed

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")

Reader = Callable[[bytes, str], Parsed]


def reader_for(path: PurePath) -> Reader | None:
    """The reader for ``path``'s suffix (case-insensitive), or None when the type is not supported."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        from .newspaper import read_text

        return read_text
    if suffix in (".md", ".markdown"):
        from .markdown import read_markdown

        return read_markdown
    if suffix in (".html", ".htm"):
        from .htmlpage import read_html

        return read_html
    if suffix == ".docx":
        from .worddoc import read_docx

        return read_docx
    if suffix == ".pdf":
        from .pdfdoc import read_pdf

        return read_pdf
    return None


def is_supported(path: PurePath) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES
