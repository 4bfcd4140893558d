"""HTML pages (.html/.htm): main text via trafilatura, or a plain lxml walk when it is unavailable.

The title is og:title, else the first <h1>, else <title>. Scripts, styles and other non-content
elements never reach the text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from .encoding import decode_bytes
from .failures import ReadFailure
from .lines import Hint, Line
from .normalize import normalize_line
from .structure import DocMeta, Parsed, build_articles

log = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "svg", "canvas", "head", "nav", "footer",
        "aside", "form", "button", "select", "input", "textarea", "object", "embed", "map",
    }
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "dd", "details", "div", "dl", "dt", "fieldset", "figure",
        "hgroup", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead",
        "tfoot", "tr", "td", "th", "ul", "br", "hr",
    }
)  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_DATE_META = ("article:published_time", "og:published_time", "pubdate", "publishdate", "date", "dc.date")


@dataclass(frozen=True)
class PageMeta:
    og_title: str | None
    html_title: str | None
    h1: str | None
    date: str | None
    url: str | None
    site_name: str | None = None

    @property
    def title(self) -> str | None:
        return self.og_title or self.h1 or self.html_title


def read_html(data: bytes, source: str) -> Parsed:
    html = decode_html(data)
    if not html.strip():
        raise ReadFailure("empty file")
    root = _parse(html)
    page = page_meta(root)
    lines = _trafilatura_lines(html) or walk_lines(root)
    lines = _mark_title(lines, page)
    meta = DocMeta(
        title=page.title,
        fallback_title=PurePath(source).stem,
        date=page.date,
        url=page.url,
        publisher=page.site_name,
    )
    return build_articles(lines, source=source, meta=meta, infer=False)


def decode_html(data: bytes) -> str:
    """Honour a declared ``<meta charset>`` when it decodes cleanly, else detect like plain text."""
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)


def _parse(html: str) -> Any:
    import lxml.html

    try:
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=_parser())
    except Exception as exc:  # lxml raises several types for hopeless input
        raise ReadFailure(f"not a valid HTML page ({type(exc).__name__})") from exc


def _parser() -> Any:
    import lxml.html

    return lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def page_meta(root: Any) -> PageMeta:
    def meta(*names: str) -> str | None:
        for name in names:
            for el in root.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]", n=name):
                content = normalize_line(el.get("content") or "")
                if content:
                    return content
        return None

    titles = [normalize_line(t.text_content()) for t in root.xpath("//title")]
    h1s = [normalize_line(h.text_content()) for h in root.xpath("//body//h1")]
    canonical = [normalize_line(link.get("href") or "") for link in root.xpath("//link[@rel='canonical']")]
    date = meta(*_DATE_META)
    return PageMeta(
        og_title=meta("og:title", "twitter:title"),
        html_title=next((t for t in titles if t), None),
        h1=next((h for h in h1s if h), None),
        date=date[:10] if date else None,
        url=meta("og:url") or next((c for c in canonical if c), None),
        site_name=meta("og:site_name"),
    )


def _mark_title(lines: list[Line], page: PageMeta) -> list[Line]:
    """The first heading equal to a page title (or the first <h1>) is the title line, not a section."""
    wanted = [t for t in (page.og_title, page.h1, page.html_title) if t]
    demoted = [Line(ln.text, ln.blank_before, "section") if ln.hint == "title" else ln for ln in lines]
    for i, line in enumerate(demoted):
        if line.hint == "section" and line.text in wanted:
            demoted[i] = Line(line.text, line.blank_before, "title")
            return demoted
    return _split_leading_title(demoted, wanted)


def _split_leading_title(lines: list[Line], wanted: list[str]) -> list[Line]:
    """Extractors sometimes glue the heading onto the first paragraph ("标题 正文..."): split it off."""
    if not lines:
        return lines
    first = lines[0]
    for title in wanted:
        if first.text.startswith(title + " ") and len(first.text) > len(title) + 1:
            rest = first.text[len(title) + 1 :]
            return [Line(title, 0, "title"), Line(rest, 1, first.hint), *lines[1:]]
    return lines


def _trafilatura_lines(html: str) -> list[Line] | None:
    """Main-content lines from trafilatura's XML output; None if trafilatura is unusable or finds nothing."""
    try:
        import trafilatura
    except ImportError as exc:  # e.g. its lxml.html.clean dependency is missing
        log.info("trafilatura unavailable (%s); reading the page with the plain lxml walk", exc)
        return None
    try:
        xml = trafilatura.extract(
            html, output_format="xml", include_comments=False, include_tables=True, include_images=False
        )
    except Exception as exc:  # trafilatura gives up in many ways; the lxml walk is the fallback
        log.info("trafilatura failed (%s: %s); reading the page with the plain lxml walk", type(exc).__name__, exc)
        return None
    if not xml:
        return None
    import lxml.etree

    main = lxml.etree.fromstring(xml.encode("utf-8")).find("main")
    return _xml_lines(main) if main is not None else None


def _xml_lines(main: Any) -> list[Line]:
    out: list[Line] = []
    for el in main.iter("head", "p", "item", "cell", "quote", "code"):
        if el.tag in ("p", "quote", "code") and el.getparent() is not None and el.getparent().tag == "cell":
            continue
        text = normalize_line(" ".join(el.itertext()))
        if not text:
            continue
        hint: Hint | None = None
        if el.tag == "head":
            hint = "title" if (el.get("rend") or "") == "h1" else "section"
        elif el.tag in ("item", "cell", "code"):
            hint = "item"
        out.append(Line(text, 1, hint or "body"))
    return out


def walk_lines(root: Any) -> list[Line]:
    """Fallback extraction: block-level text of <article>/<main>/<body>, skipping non-content tags."""
    container = next(iter(root.xpath("//article | //main")), None)
    if container is None:
        container = root.find("body") if root.find("body") is not None else root
    walker = _Walker()
    walker.visit(container)
    walker.flush()
    return walker.lines


class _Walker:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buffer: list[str] = []

    def flush(self, hint: Hint = "body") -> None:
        text = "".join(self.buffer)
        self.buffer.clear()
        for part in text.split("\n"):
            line = normalize_line(part)
            if line:
                self.lines.append(Line(line, 1, hint))

    def visit(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS:
            return
        if tag == "header":  # page banners and article headers: keep only their headings
            for heading in el.iter(*_HEADINGS):
                self.visit(heading)
            return
        if tag in _HEADINGS or tag == "figcaption":
            self.flush()
            self.buffer.append(el.text_content())
            self.flush("caption" if tag == "figcaption" else ("title" if tag == "h1" else "section"))
            return
        block = tag in _BLOCK_TAGS
        if block:
            self.flush()
        self.buffer.append(el.text or "")
        for child in el:
            self.visit(child)
            self.buffer.append(child.tail or "")
        if block:
            self.flush("item" if tag in ("li", "td", "th", "dt", "dd") else "body")
