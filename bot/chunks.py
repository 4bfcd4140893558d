"""The chunker: a plain function from an Article to Chunks.

Sizes are counted in characters. Chunks are made of whole sentences (。！？ and closing quotes; ； when a sentence is too long) within one
section, packed up to ``chunk_chars``, and the next chunk repeats the trailing sentences of the previous one
up to ``overlap_chars``. A sentence longer than ``chunk_chars`` is cut at clause punctuation, or hard-cut.
Offsets point into ``Article.text`` so the chat can highlight the passage in its article.
"""

from __future__ import annotations

import hashlib

from .schema import Article, Chunk
from .text import clause_spans, full_sentence_spans, sentence_spans


def _section_bounds(article: Article) -> list[tuple[int, int, str]]:
    starts = [(s.start, s.name) for s in article.sections if 0 <= s.start <= len(article.text)]
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, ""))
    bounds = []
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(article.text)
        if end > start:
            bounds.append((start, end, name))
    return bounds


def _split_long(text: str, s: int, e: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long span at clause punctuation, or hard-cut a clause longer than the limit."""
    units: list[tuple[int, int]] = []
    cur_s = s
    cur_e = s
    for cs, ce in clause_spans(text, s, e):
        if ce - cur_s > max_chars and cur_e > cur_s:
            units.append((cur_s, cur_e))
            cur_s = cs
        while ce - cur_s > max_chars:
            units.append((cur_s, cur_s + max_chars))
            cur_s += max_chars
        cur_e = ce
    if cur_e > cur_s:
        units.append((cur_s, cur_e))
    return units


def _units(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Whole sentences (。！？ with closing quotes). A sentence longer than ``max_chars`` is split at ；,
    then at clause punctuation, then hard. Enumerations joined by ； stay together when they fit."""
    units: list[tuple[int, int]] = []
    for s, e in full_sentence_spans(text, start, end):
        if e - s <= max_chars:
            units.append((s, e))
            continue
        for ss, se in sentence_spans(text, s, e):
            if se - ss <= max_chars:
                units.append((ss, se))
            else:
                units.extend(_split_long(text, ss, se, max_chars))
    return units


def chunk_id(article: Article, section: str, start: int, text: str) -> str:
    key = "\x1f".join([article.source, str(article.part), article.title, section, str(start), text])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def chunk_article(article: Article, chunk_chars: int = 300, overlap_chars: int = 60) -> list[Chunk]:
    """Split one article into overlapping, sentence-aligned chunks of at most ``chunk_chars`` characters."""
    if chunk_chars <= 0:
        raise ValueError("chunk_chars must be positive")
    overlap_chars = max(0, min(overlap_chars, chunk_chars // 2))
    text = article.text
    chunks: list[Chunk] = []
    for sec_start, sec_end, section in _section_bounds(article):
        units = _units(text, sec_start, sec_end, chunk_chars)
        i = 0
        while i < len(units):
            j = i
            while j + 1 < len(units) and units[j + 1][1] - units[i][0] <= chunk_chars:
                j += 1
            start, end = units[i][0], units[j][1]
            body = text[start:end]
            chunks.append(
                Chunk(
                    id=chunk_id(article, section, start, body),
                    text=body,
                    title=article.title,
                    section=section,
                    source=article.source,
                    article_id=article.article_id,
                    start=start,
                    end=end,
                    date=article.date,
                    byline=article.byline,
                    publisher=article.publisher,
                    url=article.url,
                )
            )
            if j + 1 >= len(units):
                break
            # next chunk starts with the trailing sentences that fit in the overlap (but always advances)
            nxt = j + 1
            while (
                nxt - 1 > i
                and end - units[nxt - 1][0] <= overlap_chars
                and units[j + 1][1] - units[nxt - 1][0] <= chunk_chars  # the next chunk must still reach new text
            ):
                nxt -= 1
            i = nxt
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded and keyword-indexed: the passage with its article title and section as context."""
    head = chunk.title if not chunk.section else f"{chunk.title} · {chunk.section}"
    return f"{head}\n{chunk.text}"


__all__ = ["chunk_article", "chunk_id", "embedding_text"]
