"""Corpus loading: files on disk → cleaned :class:`~bot.schema.Article` objects.

    load = load_corpus([Path("corpus")])
    load.articles   # every article, in file order (duplicates skipped)
    load.files      # source -> sha256 of the bytes, for files that produced articles
    load.problems   # one human line per skipped file or article
    apply_file_facts(load.articles, site)   # the site profile's per-file facts (date, publisher, byline…)

Formats: scraped newspaper text (.txt/.md, see :mod:`bot.corpus.newspaper`), HTML, DOCX and PDF.
Heavy third-party libraries are imported only when a file of that kind is read.
"""

from __future__ import annotations

from .dates import dateline_date, normalize_date
from .facts import apply_file_facts
from .failures import FileUnreadable
from .formats import SUPPORTED_SUFFIXES
from .load import CorpusLoad, load_corpus
from .reader import read_file

__all__ = [
    "SUPPORTED_SUFFIXES",
    "CorpusLoad",
    "FileUnreadable",
    "apply_file_facts",
    "dateline_date",
    "load_corpus",
    "normalize_date",
    "read_file",
]
