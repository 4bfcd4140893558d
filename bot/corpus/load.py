"""Load many files: read each, skip what cannot be read (with a problem line) and duplicate articles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import UnreadableFileError
from bot.schema import Article

from .discover import Candidate, candidates
from .failures import FileUnreadable, describe
from .reader import FileRead, read_file_detailed
from .textutil import squash_ws


@dataclass
class CorpusLoad:
    articles: list[Article] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # source -> sha256 of the bytes (files with articles)
    problems: list[str] = field(default_factory=list)  # one line per skipped file or article


def load_corpus(paths: Sequence[Path | str]) -> CorpusLoad:
    """Read every supported file under ``paths``. Never raises for a bad file: see ``problems``."""
    load = CorpusLoad()
    seen_paths: set[Path] = set()
    owners: dict[str, Path] = {}
    texts: dict[str, Article] = {}
    for cand in candidates(paths, load.problems):
        resolved = cand.path.resolve()
        if resolved in seen_paths:
            continue
        seen_paths.add(resolved)
        if cand.source in owners:
            load.problems.append(
                f"skipped {cand.path.as_posix()}: its name {cand.source!r} is already used by "
                f"{owners[cand.source].as_posix()}"
            )
            continue
        read = _read_one(cand, load.problems)
        if read is None:
            continue
        kept = _keep_new(read, cand, texts, load.problems)
        if kept:
            owners[cand.source] = cand.path
            load.articles.extend(kept)
            load.files[cand.source] = read.sha256
    return load


def _read_one(cand: Candidate, problems: list[str]) -> FileRead | None:
    shown = cand.path.as_posix()
    if not cand.explicit and not cand.path.is_file():
        return None
    try:
        read = read_file_detailed(cand.path, cand.source)
    except FileUnreadable as exc:
        problems.append(f"skipped {shown}: {exc.reason}")
        return None
    except UnreadableFileError as exc:
        problems.append(f"skipped {shown}: {exc}")
        return None
    except Exception as exc:  # a parser bug must not stop the whole load; say which file and why
        problems.append(f"skipped {shown}: unexpected error ({describe(exc)})")
        return None
    problems.extend(f"skipped {shown}: {note}" for note in read.notes)
    return read


def _keep_new(
    read: FileRead, cand: Candidate, texts: dict[str, Article], problems: list[str]
) -> list[Article]:
    """The articles of ``read`` whose text was not seen before; duplicates get a problem line."""
    kept: list[Article] = []
    for article in read.articles:
        key = squash_ws(article.text)
        first = texts.get(key)
        if first is not None:
            problems.append(
                f"skipped duplicate article {article.article_id} (“{article.title}”) in "
                f"{cand.path.as_posix()}: same as {first.article_id}"
            )
            continue
        texts[key] = article
        kept.append(article)
    return kept
