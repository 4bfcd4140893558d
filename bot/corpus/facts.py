"""Per-file facts from the site profile (``[files."NAME"]`` in ``site.toml``) applied to the articles read.

Staff write there what a file's text does not carry, or carries wrongly: its date, publisher (``source``),
byline, title and address. They win over what the file says. Applied at ingest, so chunks, passages and
citations carry them; a changed fact changes the chunks' metadata, and ingest rebuilds.

* ``date``, ``source`` (publisher) and ``url`` apply to every article of the file (one newspaper page has one
  date and one paper);
* ``title`` and ``byline`` name one article: they replace the article's own only when the file holds a single
  article, and otherwise only fill in an article that has none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bot.schema import Article
from bot.site import SiteProfile

from .dates import normalize_date

__all__ = ["apply_file_facts"]


def apply_file_facts(articles: Sequence[Article], site: SiteProfile) -> list[Article]:
    """``articles`` with the site profile's per-file facts applied (a new list; the input is not changed)."""
    if not site.files:
        return list(articles)
    per_file = Counter(a.source for a in articles)
    out: list[Article] = []
    for article in articles:
        facts = site.facts_for(article.source)
        if facts is None:
            out.append(article)
            continue
        single = per_file[article.source] == 1
        changes: dict[str, str | None] = {}
        if facts.date:
            changes["date"] = normalize_date(facts.date)
        if facts.source:
            changes["publisher"] = facts.source.strip()
        if facts.url:
            changes["url"] = facts.url.strip()
        if facts.title and (single or not article.title):
            changes["title"] = facts.title.strip()
        if facts.byline and (single or not article.byline):
            changes["byline"] = facts.byline.strip()
        out.append(replace(article, **changes) if changes else article)  # type: ignore[arg-type]
    return out
