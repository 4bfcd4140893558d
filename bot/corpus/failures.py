"""Why a file could not be read."""

from __future__ import annotations

from bot.errors import UnreadableFileError


class ReadFailure(Exception):
    """Raised by the format readers with a short reason; :func:`bot.corpus.read_file` adds the path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileUnreadable(UnreadableFileError):
    """An :class:`UnreadableFileError` that also keeps the bare reason (for ``CorpusLoad.problems``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read {path}: {reason}")
        self.path = path
        self.reason = reason


def describe(exc: BaseException) -> str:
    """``"ExcType: message"`` on one line, for reasons built from third-party exceptions."""
    msg = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {msg}" if msg else name
