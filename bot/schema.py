"""Data that flows through the bot: corpus → chunks → index → retrieve → answer.

``Article`` and ``Chunk`` are plain dataclasses (internal); ``Passage``, ``Citation`` and
``Answer`` are pydantic models because they cross the API, the CLI's ``--json`` and eval reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class Section:
    start: int  # character offset into Article.text where the section begins
    name: str


@dataclass(frozen=True)
class Article:
    """One cleaned article. ``text`` is the answerable body only; paragraphs are separated by "\\n"."""

    title: str
    text: str
    source: str  # file name, relative to the corpus directory
    part: int = 0  # position of the article inside its file (a file may hold several)
    sections: tuple[Section, ...] = ()
    date: str | None = None
    url: str | None = None
    kicker: tuple[str, ...] = ()  # `## ` lines above the title
    byline: str | None = None
    captions: tuple[str, ...] = ()
    publisher: str | None = None  # e.g. a newspaper's name (front matter `source`, site profile, og:site_name)

    @property
    def article_id(self) -> str:
        return f"{self.source}#{self.part}"

    def section_at(self, offset: int) -> str:
        name = ""
        for s in self.sections:
            if s.start <= offset:
                name = s.name
            else:
                break
        return name


@dataclass(frozen=True)
class Chunk:
    """A piece of an article. ``start``/``end`` are offsets into ``Article.text`` (end exclusive)."""

    id: str
    text: str
    title: str
    section: str
    source: str
    article_id: str
    start: int
    end: int
    date: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    byline: str | None = None
    publisher: str | None = None
    url: str | None = None


class Passage(BaseModel):
    """A retrieved chunk with its score (higher is better). ``source`` is the corpus file it comes from."""

    id: str
    text: str
    source: str
    title: str = ""
    section: str = ""
    date: str | None = None
    byline: str | None = None
    publisher: str | None = None
    url: str | None = None
    article_id: str = ""
    start: int = 0
    end: int = 0
    score: float = 0.0
    dense_score: float | None = None
    bm25_score: float | None = None


class Citation(BaseModel):
    n: int = Field(description="marker number as it appears in the answer: [n]")
    title: str = Field(description="the article's title")
    source: str = Field(
        description="where it comes from, for a person: publisher and byline when known, else the file name"
    )
    file: str = Field(default="", description="the corpus file the passage comes from")
    date: str | None = Field(default=None, description="the article's date (YYYY-MM-DD) when known")
    byline: str | None = Field(default=None, description="the article's byline, e.g. 本报记者 …")
    url: str | None = Field(default=None, description="the article's address when known")
    text: str = Field(description="the cited passage")
    span: tuple[int, int] = Field(description="character span of the supporting sentence inside text")
    passage_id: str = ""


def source_label(publisher: str | None, byline: str | None, file: str) -> str:
    """How a person reads where a passage comes from: "publisher · byline", either alone, else the file name."""
    parts = [x.strip() for x in (publisher, byline) if x and x.strip()]
    if publisher and byline and publisher.strip() in byline:
        parts = [byline.strip()]
    return " · ".join(parts) or file


def citation_for(passage: Passage, n: int, span: tuple[int, int]) -> Citation:
    """The citation ``[n]`` of ``passage`` whose supporting sentence is ``passage.text[span[0]:span[1]]``.

    The one place that maps a passage's metadata to what an answer shows: the human ``source`` label,
    the ``file``, ``date``, ``byline`` and ``url``.
    """
    return Citation(
        n=n,
        title=passage.title,
        source=source_label(passage.publisher, passage.byline, passage.source),
        file=passage.source,
        date=passage.date,
        byline=passage.byline,
        url=passage.url,
        text=passage.text,
        span=span,
        passage_id=passage.id,
    )


class Answer(BaseModel):
    question: str
    answer: str
    refused: bool = False
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[Passage] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    mode: str = "extractive"  # "extractive" | "llm" | "llm-fallback"
    notice: str | None = None  # e.g. "LLM unavailable, extractive answer shown"
    search_query: str | None = None  # the (rewritten) query actually searched


__all__ = ["Answer", "Article", "Chunk", "Citation", "Passage", "Section", "citation_for", "source_label"]
