"""Check an LLM answer's citation markers against the passages it was given, repair or drop what fails.

    text, citations = validate_citations("园区有企业120家[1]。其他说法[9]。", passages)

Rules, sentence by sentence (a sentence ends at 。！？!?;； a newline, or an English ". "; markers written
right after the end mark still belong to it):

1. markers ``[n]`` / ``［n］`` / ``【n】`` (also ``[1,2]``) pointing outside ``1..len(passages)`` are dropped;
2. a sentence left without a valid marker gets the passage sharing the most character bigrams with it, if
   that passage covers at least :data:`MIN_OVERLAP` of the sentence's bigrams; otherwise it is dropped;
3. every number in the sentence (digits, with a magnitude such as 万/亿/% and a unit such as 元/家/个) must
   appear in one of its cited passages (title, date or text); if not, a passage that contains it is cited
   (and cited passages that back none of the sentence's numbers and share little text with it are
   uncited); if no passage contains it, the sentence is dropped;
4. citations are per sentence: the surviving markers are written together at the end of the sentence,
   before its end mark, as ASCII ``[n]``, renumbered 1, 2, … in order of first appearance.

Pure functions: no I/O, no state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..schema import Citation, Passage, citation_for

__all__ = [
    "MARKER_RE",
    "MIN_OVERLAP",
    "Number",
    "bigram_overlap",
    "bigrams",
    "extract_numbers",
    "split_sentences",
    "strip_markers",
    "validate_citations",
]

MIN_OVERLAP = 0.5

_MARKER = r"[\[［【]\s*\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\s*[\]］】]"
MARKER_RE = re.compile(_MARKER)
_DIGITS_RE = re.compile(r"\d+")

_TERMS = "。！？!?;；"
_CLOSERS = "”’」』）)\"'"
# end of a sentence: end marks (+ closing quotes) or an English period before space/end/marker/closer,
# then markers written after the end mark, then whitespace; or a bare newline run.
_BOUNDARY_RE = re.compile(
    rf"(?:[{_TERMS}]+|\.(?=\s|$|[\[［【{_CLOSERS}]))[{_CLOSERS}]*(?:[ \t]*{_MARKER})*\s*|\n\s*"
)
# the tail of a sentence: markers, an end mark (+ closers), markers, whitespace — all optional.
_TAIL_RE = re.compile(
    rf"(?:[ \t]*{_MARKER})*[ \t]*(?P<term>(?:[{_TERMS}]+|\.)[{_CLOSERS}]*)?(?:[ \t]*{_MARKER})*(?P<ws>\s*)$"
)

_SCALES = ("万亿", "千亿", "百亿", "十亿", "亿", "千万", "百万", "十万", "万", "千", "百", "%", "‰")
_UNITS = (
    "平方公里", "平方米", "公里", "千瓦时", "千瓦", "美元", "元", "吨", "个", "家", "年", "月", "日",
    "人", "名", "位", "项", "亩", "户", "座", "条", "所", "次", "倍", "期", "台", "套", "件", "栋", "宗",
    "米", "公顷", "辆", "届", "批", "块", "间", "层", "天", "小时", "分钟",
)  # fmt: skip
_SCALE_ALT = "|".join(re.escape(s) for s in _SCALES)
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_NUMBER_RE = re.compile(
    rf"(?<![\d.])(?P<value>\d+(?:\.\d+)?)(?!\.?\d)\s*(?:余|多)?\s*(?P<scale>{_SCALE_ALT})?\s*(?P<unit>{_UNIT_ALT})?"
)


@dataclass(frozen=True)
class Number:
    """A number as written: value digits (no thousands separators), magnitude (万/亿/%…) and unit (元/家…)."""

    value: str
    scale: str | None = None
    unit: str | None = None

    def __str__(self) -> str:
        return f"{self.value}{self.scale or ''}{self.unit or ''}"


def _norm(text: str) -> str:
    """NFKC (full-width digits/brackets/％ → ASCII) and no thousands separators."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def extract_numbers(text: str) -> list[Number]:
    """Numbers written with digits, in order, without duplicates."""
    out: list[Number] = []
    for m in _NUMBER_RE.finditer(_norm(strip_markers(text))):
        n = Number(m["value"], m["scale"], m["unit"])
        if n not in out:
            out.append(n)
    return out


def _contains_number(text: str | Sequence[Number], number: Number) -> bool:
    """Does ``text`` (or its extracted numbers) state ``number``: same value, same magnitude, no conflicting
    unit?"""
    for n in extract_numbers(text) if isinstance(text, str) else text:
        if n.value != number.value and _as_float(n.value) != _as_float(number.value):
            continue
        if n.scale != number.scale:
            continue
        if number.unit and n.unit and n.unit != number.unit:
            continue
        return True
    return False


def _as_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # pragma: no cover - the regex only yields digits
        return float("nan")


def strip_markers(text: str) -> str:
    return MARKER_RE.sub("", text)


def _marker_numbers(marker: str) -> list[int]:
    return [int(unicodedata.normalize("NFKC", d)) for d in _DIGITS_RE.findall(marker)]


def bigrams(text: str) -> set[str]:
    """Character bigrams over letters/digits/CJK only (punctuation, spaces and markers ignored)."""
    chars = [c for c in unicodedata.normalize("NFKC", strip_markers(text)).lower() if c.isalnum()]
    return {chars[i] + chars[i + 1] for i in range(len(chars) - 1)}


def bigram_overlap(sentence: str | set[str], passage: str | set[str]) -> float:
    """Share of the sentence's bigrams found in the passage (0 when the sentence has none)."""
    s = bigrams(sentence) if isinstance(sentence, str) else sentence
    p = bigrams(passage) if isinstance(passage, str) else passage
    return len(s & p) / len(s) if s else 0.0


def _pieces(text: str) -> list[tuple[int, int]]:
    """Raw sentence pieces covering ``text`` (each with its end mark, trailing markers and whitespace)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence of ``text`` in order: end exclusive, end mark and markers written
    after it included, surrounding whitespace excluded, whitespace-only pieces skipped."""
    out = []
    for a, b in _pieces(text):
        seg = text[a:b]
        if seg.strip():
            out.append((a + len(seg) - len(seg.lstrip()), a + len(seg.rstrip())))
    return out


# -- the validator --------------------------------------------------------------------------------------


@dataclass
class _Sentence:
    content: str  # the sentence without markers and without its end mark
    cited: list[int] = field(default_factory=list)  # 0-based passage indices, in marker order
    term: str = ""  # end mark (+ closing quotes)
    ws: str = ""  # whitespace after it (newlines are kept)

    def cite(self, idx: int) -> None:
        if idx not in self.cited:
            self.cited.append(idx)


def _parse(segment: str, n_passages: int) -> _Sentence:
    tail_m = _TAIL_RE.search(segment)
    assert tail_m is not None  # every piece matches (all parts optional)
    s = _Sentence(
        content=strip_markers(segment[: tail_m.start()]).strip(),
        term=tail_m["term"] or "",
        ws=tail_m["ws"] or "",
    )
    for m in MARKER_RE.finditer(segment):
        for n in _marker_numbers(m.group()):
            if 1 <= n <= n_passages:
                s.cite(n - 1)
    return s


def _best_passage(sb: set[str], pbs: Sequence[set[str]], among: Sequence[int]) -> tuple[int, float]:
    best, score = -1, -1.0
    for i in among:
        ov = bigram_overlap(sb, pbs[i])
        if ov > score:
            best, score = i, ov
    return best, score


def _support(p: Passage) -> str:
    """What the model saw of a passage: title, date and text (a number may come from any of them)."""
    return "\n".join(x for x in (p.title, p.date or "", p.text) if x)


def _check(s: _Sentence, pnums: Sequence[list[Number]], pbs: Sequence[set[str]]) -> bool:
    """Validate/repair one sentence in place; False when it must be dropped."""
    if not any(c.isalnum() for c in s.content):
        return False
    sb = bigrams(s.content)
    if not s.cited:
        best, score = _best_passage(sb, pbs, range(len(pbs)))
        if best < 0 or score < MIN_OVERLAP:
            return False
        s.cite(best)
    numbers = extract_numbers(s.content)
    repaired = False
    for number in numbers:
        if any(_contains_number(pnums[i], number) for i in s.cited):
            continue
        holders = [i for i, nums in enumerate(pnums) if _contains_number(nums, number)]
        if not holders:
            return False
        s.cite(_best_passage(sb, pbs, holders)[0])
        repaired = True
    if repaired:
        # the model cited the wrong passage: drop cited passages that back none of the numbers and
        # share little text with the sentence, so the repaired marker is not shown next to a wrong one.
        s.cited = [
            i
            for i in s.cited
            if any(_contains_number(pnums[i], n) for n in numbers)
            or bigram_overlap(sb, pbs[i]) >= MIN_OVERLAP
        ]
    return True


def _best_span(passage_text: str, sentence: str) -> tuple[tuple[int, int], float]:
    sb = bigrams(sentence)
    numbers = extract_numbers(sentence)
    best: tuple[int, int] = (0, len(passage_text))
    best_score = -1.0
    for a, b in split_sentences(passage_text) or [(0, len(passage_text))]:
        piece = passage_text[a:b]
        score = bigram_overlap(sb, piece)
        if numbers:
            score += 0.5 * sum(_contains_number(piece, n) for n in numbers) / len(numbers)
        if score > best_score:
            best, best_score = (a, b), score
    return best, best_score


def _render(s: _Sentence, renumber: dict[int, int]) -> str:
    marks = "".join(f"[{renumber[i]}]" for i in s.cited)
    return f"{s.content}{marks}{s.term}{s.ws}"


def validate_citations(answer_text: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """Keep only supported sentences of ``answer_text``; return ``(clean_text, citations)``.

    ``citations[k].n == k + 1``, in order of first appearance in ``clean_text``; each carries the whole
    passage text and ``span``, the passage sentence that best matches the citing answer sentence.
    """
    supports = [_support(p) for p in passages]
    pbs = [bigrams(t) for t in supports]
    pnums = [extract_numbers(t) for t in supports]
    kept: list[_Sentence] = []
    for a, b in _pieces(answer_text):
        s = _parse(answer_text[a:b], len(passages))
        if _check(s, pnums, pbs):
            kept.append(s)

    order: list[int] = []
    for s in kept:
        for i in s.cited:
            if i not in order:
                order.append(i)
    renumber = {idx: n for n, idx in enumerate(order, 1)}

    text = "".join(_render(s, renumber) for s in kept)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()

    citations: list[Citation] = []
    for idx in order:
        p = passages[idx]
        best: tuple[int, int] = (0, len(p.text))
        best_score = -1.0
        for s in kept:
            if idx in s.cited:
                span, score = _best_span(p.text, s.content)
                if score > best_score:
                    best, best_score = span, score
        citations.append(citation_for(p, renumber[idx], best))
    return text, citations
