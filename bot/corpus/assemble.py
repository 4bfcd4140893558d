"""Turn classified lines of one article into an :class:`~bot.schema.Article`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.schema import Article, Section

from .dates import dateline_date, normalize_date
from .layout import Gaps, Kind, classify, clean_byline
from .lines import Line
from .textutil import ends_sentence, glue


@dataclass(frozen=True)
class Draft:
    """One article before assembly: its header lines and its body lines."""

    title: str | None
    body: Sequence[Line]
    kicker: tuple[str, ...] = ()


@dataclass
class _Builder:
    join_breaks: bool
    paragraphs: list[str] = field(default_factory=list)
    joinable: bool = False  # may the next body line continue the last paragraph?
    length: int = 0  # len("\n".join(paragraphs)) so far, minus the last paragraph's tail
    pending: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)

    def add(self, kind: Kind, text: str) -> None:
        if kind == "section":
            self.pending.append(text)
            self.joinable = False
        elif kind == "caption":
            self.captions.append(text)
        elif kind == "byline":
            self.bylines.append(clean_byline(text))
        elif kind in ("body", "item"):
            self._paragraph(text, continuable=kind == "body")

    def _paragraph(self, text: str, *, continuable: bool) -> None:
        if continuable and self.joinable and self.paragraphs and not ends_sentence(self.paragraphs[-1]):
            self.paragraphs[-1] = glue(self.paragraphs[-1], text)
            return
        start = self.length + sum(len(p) + 1 for p in self.paragraphs[-1:])
        self.length = start
        self.sections.extend(Section(start=start, name=name) for name in self.pending)
        self.pending.clear()
        self.paragraphs.append(text)
        self.joinable = continuable and self.join_breaks

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Body:
    text: str
    sections: tuple[Section, ...]
    captions: tuple[str, ...]
    byline: str | None


def assemble(draft: Draft, gaps: Gaps, *, infer: bool) -> Body:
    """Body text plus the structured fields (sections, captions, byline) of one draft."""
    kinds = classify(draft.body, gaps, infer=infer)
    builder = _Builder(join_breaks=infer)
    for line, kind in zip(draft.body, kinds, strict=True):
        builder.add(kind, line.text)
    byline = " ".join(dict.fromkeys(b for b in builder.bylines if b))
    return Body(builder.text, tuple(builder.sections), tuple(builder.captions), byline or None)


def to_article(
    draft: Draft,
    gaps: Gaps,
    *,
    source: str,
    part: int,
    date: str | None,
    url: str | None,
    infer: bool,
    publisher: str | None = None,
) -> Article:
    """The article; its date is the declared one, else the one its own dateline states in full (or None)."""
    body = assemble(draft, gaps, infer=infer)
    first_paragraph = body.text.split("\n", 1)[0]
    return Article(
        title=draft.title or "",
        text=body.text,
        source=source,
        part=part,
        sections=body.sections,
        date=normalize_date(date) or dateline_date(first_paragraph, body.byline),
        url=url,
        kicker=draft.kicker,
        byline=body.byline,
        captions=body.captions,
        publisher=publisher,
    )
