"""Split a file's lines into articles and build them.

* Every ``title`` line (``# `` heading) starts an article. The ``## `` lines and short plain lines
  stacked right above it (one usual gap apart) are its kicker.
* Lines before the first title form an article of their own only if they hold body text.
* A file without titles is one article; its title is its first short line (``## `` lines before it
  are the kicker), or a longer first line right above a byline, unless the front matter gives one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.schema import Article

from .assemble import Draft, to_article
from .layout import Gaps, is_bodyish, is_byline
from .lines import Line
from .textutil import ends_sentence, is_label


@dataclass(frozen=True)
class DocMeta:
    title: str | None = None  # replaces the detected title when the file holds a single article
    fallback_title: str = ""  # used when no title is found (usually the file name)
    date: str | None = None
    url: str | None = None
    publisher: str | None = None


@dataclass
class Parsed:
    articles: list[Article] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # articles left out, e.g. a title without text


def build_articles(lines: Sequence[Line], *, source: str, meta: DocMeta, infer: bool) -> Parsed:
    gaps = Gaps.of(lines)
    drafts = split_drafts(lines, gaps, infer=infer, detect_title=meta.title is None)
    parsed = Parsed()
    for draft in drafts:
        article = to_article(
            draft,
            gaps,
            source=source,
            part=len(parsed.articles),
            date=meta.date,
            url=meta.url,
            infer=infer,
            publisher=meta.publisher,
        )
        if article.text:
            parsed.articles.append(article)
        elif draft.title:
            parsed.notes.append(f"article “{draft.title}” has no body text")
    _fix_titles(parsed.articles, meta)
    return parsed


def _fix_titles(articles: list[Article], meta: DocMeta) -> None:
    if meta.title and len(articles) == 1:
        articles[0] = replace(articles[0], title=meta.title)
    for i, article in enumerate(articles):
        if not article.title:
            articles[i] = replace(article, title=meta.title or meta.fallback_title)


def split_drafts(lines: Sequence[Line], gaps: Gaps, *, infer: bool, detect_title: bool) -> list[Draft]:
    titles = [i for i, line in enumerate(lines) if line.hint == "title"]
    if not titles:
        return [headingless(lines, infer=infer, detect_title=detect_title)]
    floors = [-1, *titles[:-1]]
    starts = [_kicker_start(lines, t, f, gaps, infer=infer) for t, f in zip(titles, floors, strict=True)]
    drafts: list[Draft] = []
    preamble = lines[: starts[0]]
    if any(is_bodyish(line, infer=infer) for line in preamble):
        drafts.append(headingless(preamble, infer=infer, detect_title=True))
    ends = [*starts[1:], len(lines)]
    for title_at, start, end in zip(titles, starts, ends, strict=True):
        kicker = tuple(line.text for line in lines[start:title_at])
        drafts.append(Draft(lines[title_at].text, lines[title_at + 1 : end], kicker))
    return drafts


def _kicker_start(lines: Sequence[Line], title_at: int, floor: int, gaps: Gaps, *, infer: bool) -> int:
    """Index of the first kicker line stacked right above the title at ``title_at``."""
    start = title_at
    while start - 1 > floor and _header_line(lines[start - 1], infer=infer) and not gaps.wide(lines[start]):
        start -= 1
    return start


def _header_line(line: Line, *, infer: bool) -> bool:
    if line.hint == "kicker":
        return True
    return infer and line.hint is None and is_label(line.text) and not is_byline(line.text)


#: a headline may be longer than a label (a main line and its subtitle on one line) and hold a comma
MAX_HEADLINE_CHARS = 60


def _headline_over_byline(lines: Sequence[Line]) -> bool:
    """The first line is a headline too long for a label when a byline follows it (``本报记者 某某``)."""
    first = lines[0]
    return (len(lines) > 2 and first.hint is None and 0 < len(first.text) <= MAX_HEADLINE_CHARS
            and not ends_sentence(first.text) and is_byline(lines[1].text))


def headingless(lines: Sequence[Line], *, infer: bool, detect_title: bool) -> Draft:
    """A draft for lines without a title line: the first short line (after any ``## ``) is the title."""
    if not detect_title:
        return Draft(None, lines)
    lead = 0
    while lead < len(lines) and _header_line(lines[lead], infer=infer):
        lead += 1
    if lead == 0 and infer and _headline_over_byline(lines):
        return Draft(lines[0].text, lines[1:])
    if lead == 0 or lead == len(lines):
        return Draft(None, lines)
    plain = [i for i in range(lead) if lines[i].hint is None]
    title_at = plain[0] if plain else lead - 1
    kicker = tuple(line.text for line in lines[:title_at])
    return Draft(lines[title_at].text, lines[title_at + 1 :], kicker)
