"""The domain dictionary: names drawn from the corpus (companies, parks, platforms, policies).

It keeps names whole when jieba tokenises (company names and their short forms, quoted names, park and
platform names) and gives the typo corrector its vocabulary. Built from the articles at index time; stored
with the index. The rules are general Chinese news conventions; no name is written here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_CJK = r"\u4e00-\u9fff"
#: China and its provinces: a company name often starts with one (四川…有限公司); general geography only
_PLACE_PREFIXES = tuple(
    ["中国", "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"]
)
_PLACE_SUFFIXES = ("省", "市", "县", "区", "州", "镇", "乡", "村", "街道", "高新区", "开发区", "新区")
#: words that end in 区/村… without being places (园区, 社区 …): general vocabulary
_NOT_PLACES = frozenset(["园区", "社区", "景区", "城区", "新区", "市区", "片区", "辖区", "湾区", "厂区", "库区", "矿区", "专区", "直管区", "示范区", "集聚区", "先行区", "引领区", "样板区", "功能区", "核心区", "建成区", "农村", "乡村", "山村", "渔村"])
_COMPANY_RE = re.compile(rf"[{_CJK}]{{2,30}}?(?:股份有限公司|有限责任公司|有限公司)")
#: industry words that end a company's trade name (甲乙生物制药 → 甲乙生物 → 甲乙): general vocabulary
_COMPANY_TAIL_WORDS = (
    "新能源", "能源", "科技", "电子", "控股", "创业", "材料", "新材料", "股份", "集团", "实业", "发展", "生物", "制药", "药业", "医药",
    "医疗", "器械", "医疗器械", "智能", "装备", "智能装备", "数控", "机床", "数控机床", "农业", "农业装备", "信息", "技术", "网络",
    "云计算", "数据", "软件", "通信", "光电", "电气", "机械", "汽车", "化工", "环保", "食品", "物流", "建设", "投资", "贸易", "文化",
    "制造", "精密制造", "复合材料", "航空", "航天", "储氢", "动力",
)
#: the tail words longest first (数控机床 before 机床), so the longest matching one is stripped first
_TAILS_LONGEST_FIRST = tuple(sorted(_COMPANY_TAIL_WORDS, key=len, reverse=True))
_QUOTED_RE = re.compile(rf"[“\"「]([{_CJK}A-Za-z0-9·+]{{2,12}})[”\"」]")
_ALIAS_RE = re.compile(rf"以下简称[“\"「]([{_CJK}A-Za-z0-9]{{2,16}})[”\"」]")
_DOT_NAME_RE = re.compile(rf"([{_CJK}]{{2,6}})·([{_CJK}]{{2,8}})")
_SUFFIXES = (
    "产业园", "示范园", "园区", "孵化器", "基地", "平台", "中心", "研究院", "研院", "集团", "产业带", "示范区",
    "试点", "新区", "高新区", "开发区", "大会", "工程", "行动", "机制",
)
_SPLIT_RE = re.compile(rf"[^{_CJK}A-Za-z0-9·]+")


def _company_names(text: str, places: set[str]) -> set[str]:
    """Full company names and their short forms: without a leading place (a province, or a place the corpus
    names as such: 某地 when it writes 某地市), then without trailing industry words, one at a time."""
    names: set[str] = set()
    for run in _SPLIT_RE.split(text):
        for piece in re.split("(?:[与和及、的在为是由系]|有(?!限))", run):
            m = re.search(r"(股份有限公司|有限责任公司|有限公司)", piece) or _short_company(piece)
            if not m:
                continue
            piece = piece[: m.end()]
            prefixes = sorted(set(_PLACE_PREFIXES) | places, key=len, reverse=True)
            # the name starts at its last place word (某地高新区四川甲乙…有限公司 → 四川甲乙…有限公司)
            cut = max((piece.rfind(p) for p in prefixes if 0 <= piece.rfind(p) < len(piece) - len(m.group(1)) - 2),
                      default=-1)
            full = _strip_leading_verbs(piece[cut:] if cut > 0 else piece)
            if len(full) < 6:
                continue
            names.add(full)
            core = full[: len(full) - len(m.group(1))]
            for _ in range(2):  # 中国四川… : strip up to two places
                prefix = next((p for p in prefixes if core.startswith(p) and len(core) - len(p) >= 2), None)
                if prefix is None:
                    break
                core = core[len(prefix) :]
                names.add(core)
            changed = True
            while changed:
                changed = False
                tails = [t for t in _TAILS_LONGEST_FIRST
                         if core.endswith(t) and len(core) - len(t) >= 2]
                # every shorter form that ends on a word (甲乙精密制造 → 甲乙精密 as well as 甲乙; 甲乙新材料 → 甲乙,
                # not 甲乙新), then on from the shortest
                names.update(core[: -len(t)] for t in tails
                             if not any(t1 != t and t1.endswith(t) and len(t1) - len(t) < 2 for t1 in tails))
                if tails:
                    core = core[: -len(tails[0])]
                    changed = True
            if len(core) >= 2:
                names.add(core)
    return names


#: words that open a noun phrase about some company rather than its name (该公司, 一家科技公司, 龙头制造公司)
_NOT_TRADE_NAME_HEADS = (
    "该", "这", "那", "此", "本", "其", "各", "每", "一", "两", "二", "三", "几", "数", "多", "某", "子", "母", "分", "总",
    "新", "老", "大", "小", "龙头", "上市", "民营", "国有", "外资", "合资", "本地", "当地", "骨干", "重点", "相关",
    "优质", "知名", "中小", "头部", "链主", "配套", "运营", "项目", "平台", "投资",
)


def _short_company(piece: str) -> re.Match[str] | None:
    """``甲乙精密制造公司`` (公司 without 有限): a name only when an industry word comes before 公司 and a trade
    name of two characters or more before that, not opened by a word that says *which* company (该, 一家 …)."""
    m = re.search(r"(公司)", piece)
    if not m or piece[: m.start()].endswith(("有限", "有限责任", "股份有限")):
        return None
    core = _strip_leading_verbs(piece[: m.start()])
    tail = next((t for t in _TAILS_LONGEST_FIRST if core.endswith(t)), None)
    if tail is None or len(core) - len(tail) < 2 or core.startswith(_NOT_TRADE_NAME_HEADS):
        return None
    if not re.fullmatch(rf"[{_CJK}]+", core):
        return None
    return m


def _strip_leading_verbs(piece: str) -> str:
    """``走进某地甲乙…有限公司`` → ``某地甲乙…有限公司``: drop a leading verb the name was glued to."""
    return re.sub(r"^(?:走进|来到|位于|落户|入驻|引进|支持|推动|推进|成立|组建|签约|投资|新建)", "", piece)


_NOT_PLACE_HEADS = frozenset(["国家", "全国", "全省", "全市", "全区", "全县", "本地", "当地", "各地", "外地", "我国", "本市", "本区", "本县", "该", "各", "每", "城", "乡", "农"])


def place_terms(texts: list[str]) -> set[str]:
    """Places as the corpus writes them: a word followed by 省/市/县/区/乡/镇/村/街道/高新区 … (某某 + 乡,
    某地 + 高新区), both with and without the suffix."""
    import jieba
    import jieba.posseg

    tags = jieba.posseg.dt.word_tag_tab  # the dictionary's part of speech of known words

    def is_place_head(head: str) -> bool:
        """A place name, not a common word: jieba's dictionary calls it a place, or does not know it."""
        if not (2 <= len(head) <= 4 and re.fullmatch(rf"[{_CJK}]+", head)) or head in _NOT_PLACE_HEADS:
            return False
        if head[0] in "年由在是和与及向到从对为将把被于":
            return False
        tag = tags.get(head)
        return tag is None or tag.startswith(("ns", "nr"))

    pairs: Counter[tuple[str, str]] = Counter()
    out: set[str] = set()
    for text in texts:
        for run in _SPLIT_RE.split(text):
            words = list(jieba.cut(run, HMM=True))
            for i, w in enumerate(words):
                if w in _PLACE_SUFFIXES and i > 0:
                    head = words[i - 1]
                    pairs[(head, w)] += 1
                    if is_place_head(head):
                        out.add(head)
                        out.add(head + w)
                elif len(w) >= 3 and w.endswith(_PLACE_SUFFIXES) and w not in _NOT_PLACES:
                    for suf in _PLACE_SUFFIXES:
                        if w.endswith(suf) and len(w) - len(suf) >= 2 and is_place_head(w[: -len(suf)]):
                            out.add(w)
                            out.add(w[: -len(suf)])
                            break
    for (head, suffix), n in pairs.items():  # a common word that the corpus keeps calling a place: 民主 + 村
        if n >= 3 and len(head) >= 2 and re.fullmatch(rf"[{_CJK}]+", head) and head not in _NOT_PLACE_HEADS:
            out.add(head + suffix)
    return {t for t in out if t not in _NOT_PLACES}


def _places(texts: list[str]) -> set[str]:
    """Place names without their suffix (for stripping a company name's leading place: 某地甲乙… → 甲乙…)."""
    return {t for t in place_terms(texts) if not t.endswith(_PLACE_SUFFIXES)}


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
    texts = list(texts)
    places = _places(texts)
    found: Counter[str] = Counter()
    for term in place_terms(texts):
        found[term] += 1
    for text in texts:
        for name in _company_names(text, places):
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
