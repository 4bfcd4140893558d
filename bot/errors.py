"""The exception tree. Every error a user can cause is a :class:`BotError` with a one-line message.

BotError
├── InputError            bad question / history / arguments (HTTP 4xx, CLI exit 2)
├── CorpusError           a corpus file or directory cannot be used
│   └── UnreadableFileError   one file cannot be read (ingest reports it and goes on)
├── IndexError_           the index cannot be used
│   ├── IndexMissingError     no index built yet
│   ├── IndexCorruptError     the index on disk cannot be opened
│   ├── EmbedderMismatchError the index was built with another embedder / chunk settings
│   └── IndexLockedError      another ingest is writing the index
├── EmbedderError         unknown embedder name or a backend that cannot load
└── LLMError              the LLM endpoint failed (the chain falls back to extractive answers)
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose."""

    hint: str | None = None

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        msg = str(self)
        return f"{msg} ({self.hint})" if self.hint else msg


class InputError(BotError):
    """The user's question, history or arguments are not acceptable."""


class CorpusError(BotError):
    """A corpus path cannot be used."""


class UnreadableFileError(CorpusError):
    """One corpus file cannot be read; ingest skips it and goes on."""


class IndexError_(BotError):
    """The index cannot be used."""


class IndexMissingError(IndexError_):
    hint = "build it with: bot ingest"


class IndexCorruptError(IndexError_):
    hint = "rebuild it with: bot ingest --rebuild"


class EmbedderMismatchError(IndexError_):
    hint = "rebuild it with: bot ingest --rebuild"


class IndexLockedError(IndexError_):
    """Another ingest holds the writer lock of this index (or this one lost it)."""

    hint = "try again when the other ingest has finished"


class EmbedderError(BotError):
    """Unknown embedder name, or a backend whose package is missing."""


class LLMError(BotError):
    """The LLM endpoint failed or answered something unusable."""


__all__ = [
    "BotError",
    "CorpusError",
    "EmbedderError",
    "EmbedderMismatchError",
    "IndexCorruptError",
    "IndexError_",
    "IndexLockedError",
    "IndexMissingError",
    "InputError",
    "LLMError",
    "UnreadableFileError",
]
