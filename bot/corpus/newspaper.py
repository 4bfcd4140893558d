"""Scraped newspaper text (.txt): optional front matter, ``#``/``##``/``###`` headings, one paragraph
per line, blank-line gaps that tell captions from headings. The layout rules live in
:mod:`.layout`, :mod:`.structure` and :mod:`.assemble`; this module only turns bytes into lines.

Choices worth knowing:

* Body text is never rewritten: only whitespace changes (NFC aside), so quotes taken from the source
  stay exact substrings of ``Article.text`` once whitespace is removed.
* A paragraph that does not end a sentence is glued to the next body paragraph (page breaks such as
  ``积\n\n极承接``). A scraping gap (``有限公\n\n了全产业链``) is glued the same way: both sides are kept.
* Repeated paragraphs inside an article are kept as they are in the source (no de-duplication below
  the article level); whole duplicate articles are skipped by :func:`bot.corpus.load_corpus`.
"""

from __future__ import annotations

from pathlib import PurePath

from .encoding import decode_bytes
from .failures import ReadFailure
from .frontmatter import FrontMatter, split_front_matter
from .lines import Line, text_lines
from .normalize import normalize_text
from .structure import DocMeta, Parsed, build_articles


def decode_document(data: bytes) -> tuple[FrontMatter, str]:
    """Decode, normalise and split off the front matter. Raises :class:`ReadFailure` for an empty file."""
    text = normalize_text(decode_bytes(data))
    if not text.strip():
        raise ReadFailure("empty file")
    return split_front_matter(text)


def meta_for(front: FrontMatter, name: str) -> DocMeta:
    return DocMeta(
        title=front.title, fallback_title=PurePath(name).stem, date=front.date, url=front.url, publisher=front.source
    )


def parse_lines(lines: list[Line], front: FrontMatter, source: str) -> Parsed:
    return build_articles(lines, source=source, meta=meta_for(front, source), infer=True)


def read_text(data: bytes, source: str) -> Parsed:
    front, text = decode_document(data)
    return parse_lines(text_lines(text), front, source)
