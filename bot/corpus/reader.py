"""Read one file into articles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from bot.schema import Article

from .failures import FileUnreadable, ReadFailure, describe
from .formats import SUPPORTED_SUFFIXES, reader_for


@dataclass
class FileRead:
    articles: list[Article]
    sha256: str
    notes: list[str] = field(default_factory=list)  # articles of this file that were left out


def read_file(path: Path, source: str) -> list[Article]:
    """The articles of one file. Raises :class:`~bot.errors.UnreadableFileError` (``"cannot read <path>: <reason>"``)."""
    return read_file_detailed(Path(path), source).articles


def read_file_detailed(path: Path, source: str) -> FileRead:
    shown = path.as_posix()
    try:
        return _read(path, source)
    except ReadFailure as exc:
        raise FileUnreadable(shown, exc.reason) from exc


def _read(path: Path, source: str) -> FileRead:
    reader = reader_for(path)
    if reader is None:
        raise ReadFailure(
            f"unsupported file type '{path.suffix}' (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadFailure(exc.strerror or describe(exc)) from exc
    if not data.strip():
        raise ReadFailure("empty file")
    parsed = reader(data, source)
    if not parsed.articles:
        reason = "; ".join(parsed.notes) if parsed.notes else "no article text found"
        raise ReadFailure(reason)
    return FileRead(parsed.articles, hashlib.sha256(data).hexdigest(), parsed.notes)
