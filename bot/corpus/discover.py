"""Which files a list of corpus paths stands for."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .formats import is_supported


@dataclass(frozen=True)
class Candidate:
    path: Path
    source: str  # relative to the directory argument (posix), or the bare name of a file argument
    explicit: bool  # named directly (so an unsupported type is worth a problem line)


def candidates(paths: Sequence[Path | str], problems: list[str]) -> Iterator[Candidate]:
    """Files to read, in order: directories walked recursively (sorted, hidden entries skipped)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path)
        elif path.exists():
            yield Candidate(path, path.name, explicit=True)
        else:
            problems.append(f"skipped {path.as_posix()}: no such file or directory")


def _walk(root: Path) -> Iterator[Candidate]:
    found: list[tuple[tuple[str, ...], Path]] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(current) / name
            if _ignored(name) or not is_supported(path):
                continue
            found.append((path.relative_to(root).parts, path))
    for parts, path in sorted(found):
        yield Candidate(path, "/".join(parts), explicit=False)


def _ignored(name: str) -> bool:
    """Hidden files and editor/Office lock files (``~$report.docx``)."""
    return name.startswith((".", "~$"))
