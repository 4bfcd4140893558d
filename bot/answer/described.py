"""A subject named by a description, not by its name: 给某某供货的那家公司，去年营收多少？ or
某某所在的公司，去年营收多少？ asks about a thing the question never names. The offline chain first finds
what the description points at (the retrieved sentence that says most of the description, and the one
corpus name in it that the description does not already hold), then asks the rest of the question about that
name: 甲乙科技去年营收多少？. Without a sentence that says most of the description, or without one
such name in it, the question is left as it is.

No model is read here (only retrieval, term rarity and the lexicon's names), so fitting and answering see
the same rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..lang.words import INSTITUTION_HEADS, is_content
from ..schema import Passage
from .citations import split_sentences

#: the head nouns of a described thing: an institution (公司, 基金, 研究院 …) or a project, a firm, a body
_HEADS = "|".join(re.escape(h) for h in sorted({*INSTITUTION_HEADS, "企业", "机构", "单位", "项目", "园区"}, key=len,
                                                 reverse=True))
#: <description>的那家<head>，<the rest of the question>  /  <description>所在(的)<head>(的)<rest>
_POINTED = re.compile(
    rf"^(?P<desc>.{{4,40}}?)的(?:那|这)一?[家个支座所项只条](?P<head>[\u4e00-\u9fff]{{0,4}}?(?:{_HEADS}))"
    r"的?[，,、\s]*(?P<rest>.+)$"
)
_LOCATED = re.compile(
    rf"^(?P<desc>.{{2,30}}?)所在的?(?P<head>{_HEADS})的?[，,、\s]*(?P<rest>.+)$"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: a name is written in letters and digits, two or more (the lexicon also holds slogans: 某某+某某)
_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,}")
#: how much of the description (by term rarity) the pointing sentence must say
_MIN_COVERAGE = 0.7
#: how many retrieved passages are read for the pointing sentence, and how many for the names' use
_PASSAGES = 3
_COUNTED = 8


class _Searcher(Protocol):
    def normalize(self, query: str) -> str: ...

    def search(self, query: str, k: int | None = None, *, normalized: bool = False) -> list[Passage]: ...


class _Stats(Protocol):
    def words(self, text: str) -> list[str]: ...

    def idf(self, word: str) -> float: ...

    def entities_in(self, text: str) -> set[str]: ...

    def is_general_word(self, word: str) -> bool: ...


@dataclass(frozen=True)
class Resolved:
    question: str  # the question asked about the name
    description: str  # what the user wrote for it (给某某供货的那家公司)
    name: str  # the corpus name it points at


def pointed_parts(question: str) -> tuple[str, str, str] | None:
    """(description, head noun, rest) of a question that names its subject by a description, else None."""
    q = question.strip()
    m = _POINTED.match(q) or _LOCATED.match(q)
    if not m or len(_CJK.findall(m["rest"])) < 2:  # the rest asks something (总经理是谁), not just "?"
        return None
    return m["desc"], m["head"], m["rest"]


#: a firm or a body is named without a place's head noun (某某研发中心, 某某产业园 are where, not who)
_FIRM_HEADS = ("公司", "企业", "单位", "机构")
_INSTITUTIONS_LONGEST_FIRST = tuple(sorted(INSTITUTION_HEADS, key=len, reverse=True))
_FIRM_ENDINGS = ("公司", "集团", "基金", "银行", "资本", "协会", "商会", "联盟")


def _kind_fits(name: str, head: str) -> bool:
    """``name`` could be the ``head`` noun asked about: a firm (公司, 机构) is no centre, park or base; a 基金 or
    研究院 is named so (某某基金); a 项目 or 园区 may be named anyhow."""
    if head.endswith(_FIRM_HEADS):
        return name.endswith(_FIRM_ENDINGS) or not name.endswith(INSTITUTION_HEADS)
    specific = next((h for h in _INSTITUTIONS_LONGEST_FIRST if head.endswith(h)), None)
    return specific is None or name.endswith(specific)


def _common_noun(name: str, stats: _Stats) -> bool:
    """``name`` is general words run together (隔膜材料 = 隔膜 + 材料), not a firm's own name: no
    part of it is a made-up trade name, and it carries no firm's ending."""
    if name.endswith(_FIRM_ENDINGS):
        return False
    ok = [True] + [False] * len(name)  # ok[i]: name[:i] splits into general words of two or more characters
    for i in range(2, len(name) + 1):
        ok[i] = any(ok[j] and stats.is_general_word(name[j:i]) for j in range(0, i - 1))
    return ok[len(name)]


def _terms(words: Sequence[str]) -> set[str]:
    """The description's content words, with a run of single characters joined (王/强 → 王强: a name the
    segmenter does not know is the most telling part of 工程师王强)."""
    out: set[str] = set()
    run = ""
    for w in [*words, ""]:
        if len(w) == 1 and _CJK.match(w) and is_content(w):
            run += w
            continue
        if len(run) >= 2:
            out.add(run)
        run = ""
        if len(w) >= 2 and is_content(w):
            out.add(w)
    return out


def resolve(question: str, searcher: _Searcher, stats: _Stats, site_names: Sequence[str] = ()) -> Resolved | None:
    """The question asked about the corpus name its description points at, or None (see the module)."""
    parts = pointed_parts(question)
    if parts is None:
        return None
    desc, head, rest = parts
    terms = sorted(_terms(stats.words(desc)))  # (sorted: the sums below add up in one order every run)
    weight = sum(stats.idf(t) for t in terms)
    if not terms or weight <= 0:
        return None
    described = {desc, *(n for n in stats.entities_in(desc) if len(n) >= 2)}  # 给某某牵线的: not 某某 itself
    passages = searcher.search(searcher.normalize(f"{desc}{head}"), _COUNTED)
    firm = head.endswith(_FIRM_HEADS)
    best: tuple[float, str] | None = None  # (coverage, name): the first sentence of the highest coverage
    for p in passages[:_PASSAGES]:
        for a, b in split_sentences(p.text):
            sentence = p.text[a:b]
            coverage = sum(stats.idf(t) for t in terms if t in sentence) / weight
            if coverage < _MIN_COVERAGE:
                continue
            names = [n for n in sorted(stats.entities_in(sentence))  # (a set: sorted, so every run agrees)
                     if _NAME.fullmatch(n) and not stats.is_general_word(n) and _kind_fits(n, head)
                     and not (firm and _common_noun(n, stats))  # a product is no firm
                     and not any(n in d or d in n for d in described)
                     and not any(n in s or s in n for s in site_names)]
            if not names and head.endswith("园区"):
                # the park the site is about, when the sentence names it and nothing else (…的那个园区)
                names = [n for n in site_names if n in sentence]
            # one thing only: its names nested in its longest (某某资本 in 某某资本管理有限公司) ...
            longest = max(names, key=len, default="")
            if not names or any(n not in longest for n in names):
                continue
            # ... called by the name of three characters or more the passages use most, the shorter of equals (a
            # firm is named in full once, then by its short name; a two-character piece of a name, 乙丙 of 甲乙丙,
            # may be another firm's), and of two as long the one its full name opens with (甲乙 of
            # 甲乙丙丁有限公司, not 丙丁)
            named = [n for n in names if len(n) >= 3] or [longest]
            name = max(named, key=lambda n: (sum(x.text.count(n) for x in passages), -len(n), longest.startswith(n)))
            if best is None or coverage > best[0]:
                best = (coverage, name)
    if best is None:
        return None
    return Resolved(f"{best[1]}{rest}", f"{desc}的{head}", best[1])


__all__ = ["Resolved", "pointed_parts", "resolve"]
