"""The domain dictionary: names drawn from the corpus (companies, parks, platforms, policies).

It keeps names whole when jieba tokenises (海创尚纬, 阳昇质结, 宝德大数据产业园, 拿地即开工) and gives the
typo corrector its vocabulary. Built from the articles at index time; stored with the index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_CJK = r"\u4e00-\u9fff"
_PLACE_PREFIXES = ("四川", "中国", "乐山", "成都", "重庆", "福建", "浙江", "江苏", "广东", "北京", "上海")
_COMPANY_RE = re.compile(rf"[{_CJK}]{{2,30}}?(?:股份有限公司|有限责任公司|有限公司)")
_COMPANY_TAIL_WORDS = ("新能源", "能源", "科技", "电子", "控股", "创业", "材料", "股份", "集团", "实业", "发展")
_QUOTED_RE = re.compile(rf"[“\"「]([{_CJK}A-Za-z0-9·+]{{2,12}})[”\"」]")
_ALIAS_RE = re.compile(rf"以下简称[“\"「]([{_CJK}A-Za-z0-9]{{2,16}})[”\"」]")
_DOT_NAME_RE = re.compile(rf"([{_CJK}]{{2,6}})·([{_CJK}]{{2,8}})")
_SUFFIXES = (
    "产业园", "示范园", "园区", "孵化器", "基地", "平台", "中心", "研究院", "研院", "集团", "产业带", "示范区",
    "试点", "新区", "高新区", "开发区", "大会", "工程", "行动", "机制",
)
_SPLIT_RE = re.compile(rf"[^{_CJK}A-Za-z0-9·]+")


def _company_names(text: str) -> set[str]:
    names: set[str] = set()
    for run in _SPLIT_RE.split(text):
        for piece in re.split("(?:[与和及、的在为是由系]|有(?!限))", run):
            m = re.search(r"(股份有限公司|有限责任公司|有限公司)", piece)
            if not m:
                continue
            piece = piece[: m.end()]
            cut = max((piece.rfind(p) for p in _PLACE_PREFIXES), default=-1)
            full = piece[cut:] if cut > 0 else piece
            if len(full) < 6:
                continue
            names.add(full)
            short = full[: m.start() - (len(piece) - len(full))] if cut > 0 else full[: m.start()]
            for p in _PLACE_PREFIXES:
                if short.startswith(p) and len(short) - len(p) >= 2:
                    short = short[len(p) :]
                    break
            changed = True
            while changed:
                changed = False
                for tail in _COMPANY_TAIL_WORDS:
                    if short.endswith(tail) and len(short) - len(tail) >= 2:
                        short = short[: -len(tail)]
                        names.add(short)  # e.g. 海螺创业 then 海螺
                        changed = True
            if len(short) >= 2:
                names.add(short)
    return names


def _list_items(text: str) -> set[str]:
    items: set[str] = set()
    for m in re.finditer(rf"(?:[{_CJK}A-Za-z0-9]{{2,10}}、){{2,}}[{_CJK}A-Za-z0-9]{{2,12}}", text):
        parts = m.group(0).split("、")
        for part in parts[1:-1]:
            if 2 <= len(part) <= 8:
                items.add(part)
        last = re.sub(r"(等.*|及.*)$", "", parts[-1])
        if 2 <= len(last) <= 8:
            items.add(last)
    return items


def _suffix_terms(text: str) -> set[str]:
    import jieba

    terms: set[str] = set()
    for run in _SPLIT_RE.split(text):
        if not any(s in run for s in _SUFFIXES):
            continue
        words = list(jieba.cut(run, HMM=False))
        for i, w in enumerate(words):
            for suf in _SUFFIXES:
                if w.endswith(suf) or w == suf:
                    if w != suf and len(w) >= 4:
                        terms.add(w)
                    if i >= 1 and all(len(x) >= 2 for x in words[max(0, i - 2) : i]):
                        prev2 = "".join(words[max(0, i - 2) : i]) + w
                        prev1 = words[i - 1] + w
                        for t in (prev1, prev2):
                            if 4 <= len(t) <= 12 and re.fullmatch(rf"[{_CJK}A-Za-z0-9]+", t):
                                terms.add(t)
                    break
    return terms


def extract_terms(texts: Iterable[str]) -> list[str]:
    """Names worth keeping whole, found in ``texts`` (article titles and bodies)."""
    found: Counter[str] = Counter()
    for text in texts:
        for name in _company_names(text):
            found[name] += 1
        for m in _QUOTED_RE.finditer(text):
            found[m.group(1)] += 1
        for m in _ALIAS_RE.finditer(text):
            found[m.group(1)] += 1
        for m in _DOT_NAME_RE.finditer(text):
            found[m.group(2)] += 1
            found[m.group(1) + m.group(2)] += 1
        for item in _list_items(text):
            found[item] += 1
        for term in _suffix_terms(text):
            found[term] += 1
    return sorted(t for t in found if 2 <= len(t) <= 30)


__all__ = ["extract_terms"]
