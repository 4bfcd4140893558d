"""Query understanding before search: traditional → simplified, English glossary, typo repair of names.

Typos are repaired only toward the corpus vocabulary (domain terms and frequent words of ≥3 characters),
one character per word, and only when the two characters sound the same in pinyin (the usual input-method
slip: 海创尚伟 → 海创尚纬, 创智古 → 创智谷, 高薪区 → 高新区).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .text import is_mostly_english, to_simplified

# A small product glossary so English questions reach Chinese passages through the keyword side too.
GLOSSARY: dict[str, str] = {
    r"leshan": "乐山",
    r"hi-?tech zones?|high-?tech (?:industrial )?(?:zone|park|development zone)s?": "高新区",
    r"gdp|gross (?:domestic|regional) product": "地区生产总值",
    r"growth|grew|increase[ds]?": "增长",
    r"growth rate": "增速",
    r"revenue|operating income|sales": "营业收入",
    r"registered capital": "注册资本",
    r"compan(?:y|ies)|enterprises?|firms?": "企业 公司",
    r"high-?tech enterprises?": "高新技术企业",
    r"startups?|start-ups?": "初创企业 创业",
    r"rent": "租金",
    r"subsid(?:y|ies|ize)": "补贴",
    r"incubators?": "孵化器",
    r"area|square met(?:er|re)s?": "面积",
    r"jobs?|employment": "就业岗位",
    r"profits?": "利润",
    r"tax(?:es)?": "缴税",
    r"fixed[- ]asset investment": "固定资产投资",
    r"investment": "投资",
    r"projects?": "项目",
    r"photovoltaics?|solar": "光伏",
    r"batter(?:y|ies)": "电池",
    r"energy storage": "储能",
    r"anode": "负极材料",
    r"cathode": "正极材料",
    r"heterojunction": "异质结",
    r"parks?": "园区",
    r"polic(?:y|ies)": "政策",
    r"talents?": "人才",
    r"business environment": "营商环境",
    r"approvals?|permits?": "审批",
    r"innovation platforms?": "创新平台",
    r"party secretary|secretary": "党委书记",
    r"honou?rs?|awards?": "荣誉",
    r"budget revenue": "一般公共预算收入",
    r"target|goal": "目标",
    r"capacity": "产能",
    r"village": "村",
    r"weather": "天气",
}
_GLOSSARY_RE = [(re.compile(rf"\b(?:{k})\b", re.IGNORECASE), v) for k, v in GLOSSARY.items()]


def expand_english(question: str) -> str:
    """Append the Chinese glossary terms of an English question (the English stays for the embedder)."""
    if not is_mostly_english(question):
        return question
    extra = []
    for rx, zh in _GLOSSARY_RE:
        if rx.search(question):
            extra.append(zh)
    return f"{question} {' '.join(extra)}" if extra else question


@lru_cache(maxsize=65536)
def _pinyin(ch: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch)[0]


class TypoFixer:
    """Repairs one-character homophone slips toward a vocabulary of corpus words."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._by_len: dict[int, dict[str, list[str]]] = {}
        self._vocab = {w for w in vocabulary if 3 <= len(w) <= 12 and re.fullmatch(r"[\u4e00-\u9fff]+", w)}
        for w in self._vocab:
            key = "|".join(_pinyin(c) for c in w)
            self._by_len.setdefault(len(w), {}).setdefault(key, []).append(w)

    def to_table(self) -> dict[str, dict[str, list[str]]]:
        """The pinyin table (JSON-safe), saved with an index generation so opening it skips the pinyin pass."""
        return {str(n): {k: sorted(ws) for k, ws in t.items()} for n, t in sorted(self._by_len.items())}

    @classmethod
    def from_table(cls, table: dict[str, dict[str, list[str]]]) -> TypoFixer:
        fixer = cls(())
        fixer._by_len = {int(n): {k: list(ws) for k, ws in t.items()} for n, t in table.items()}
        fixer._vocab = {w for t in fixer._by_len.values() for ws in t.values() for w in ws}
        return fixer

    def fix(self, text: str) -> str:
        if not self._vocab:
            return text
        out = text
        for n in sorted(self._by_len, reverse=True):
            table = self._by_len[n]
            i = 0
            while i + n <= len(out):
                window = out[i : i + n]
                if window in self._vocab or not re.fullmatch(r"[\u4e00-\u9fff]+", window):
                    i += 1
                    continue
                cands = table.get("|".join(_pinyin(c) for c in window))
                if cands:
                    best = [w for w in cands if sum(a != b for a, b in zip(w, window, strict=True)) == 1]
                    if len(best) == 1:
                        out = out[:i] + best[0] + out[i + n :]
                        i += n
                        continue
                i += 1
        return out


_SHORT_YEAR = re.compile(r"(?<![\d.])(1[5-9]|2[1-9]|3[0-5])年(?!代)")


def normalize_query(question: str, fixer: TypoFixer | None = None) -> str:
    q = to_simplified(question)
    q = _SHORT_YEAR.sub(r"20\1年", q)  # colloquial years: 23年 → 2023年
    q = expand_english(q)
    if fixer is not None:
        q = fixer.fix(q)
    return q


__all__ = ["GLOSSARY", "TypoFixer", "expand_english", "normalize_query"]
