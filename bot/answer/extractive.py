"""The offline answerer: picks and trims the sentences that answer the question, and cites each one.

It never writes a word of its own except fixed framing (refusal text, a note when the passage is about
another place). Every answer sentence is a verbatim window of a retrieved passage, so every fact in an
answer lies in a cited passage.

Refusal is decided by evidence: the best window must cover enough of the question's weighted key terms and
hold the kind of thing asked for (a number with the asked unit, a date, a name ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Answer, Citation, Passage, citation_for
from ..settings import Settings
from ..text import clause_spans, full_sentence_spans, is_mostly_english, sentence_spans
from .question import QUESTION_WORDS, THESAURUS, QuestionInfo, detect_type, expected_units, which_noun

REFUSAL_TEXT = "抱歉，现有文章中没有找到这个问题的答案。"
REFUSAL_SUFFIX = "以下是最接近的段落，供参考。"
EMPTY_TERMS_TEXT = "请具体说说您想了解乐山高新区的哪方面情况，例如产业、项目、企业或营商环境。"

NUM_RE = re.compile(r"\d+(?:\.\d+)?(?:多)?(?:万|亿|千|百)?(?:%|‰|[\u4e00-\u9fffA-Za-z/]{0,4})")
DATE_RE = re.compile(
    r"\d{4}年(?:度)?(?:\d{1,2}月)?(?:\d{1,2}日)?|\d{1,2}月(?:\d{1,2}日)?(?:[上下]午)?|\d{1,2}月[初底中]|\d{4}-\d{1,2}"
)
PERSON_RE = re.compile(
    r"(?:书记|经理|主任|董事长|负责人|记者|村民|区长|市长|局长|主席|院长|厂长|总裁|主任)([\u4e00-\u9fff]{2,3}?)(?=表示|说|介绍|指出|称|在|认为|,|，)"
)
ATTRIBUTION_RE = re.compile(r"表示|说|称|介绍|指出")


@dataclass
class Window:
    passage: int  # index into the passage list
    start: int  # span inside the passage text
    end: int
    text: str
    coverage: float
    type_ok: bool
    matched: frozenset[str]
    score: float
    article_id: str
    local: float = 0.0  # coverage by the window's own words, without credit from its passage or title


class ExtractiveAnswerer:
    """``answer(question, passages)`` → Answer. Needs the searcher's tokenizer and IDF for key-term weights."""

    def __init__(self, searcher: object, settings: Settings) -> None:
        self.searcher = searcher
        self.settings = settings
        self.tokenizer = searcher.tokenizer  # type: ignore[attr-defined]
        idf_table: dict[str, float] = searcher.bm25.idf  # type: ignore[attr-defined]
        self._idf = idf_table
        self._idf_max = max(idf_table.values()) if idf_table else 1.0
        self._park_articles = self._articles_mentioning(searcher, "高新区")

    @staticmethod
    def _articles_mentioning(searcher: object, word: str) -> set[str]:
        found: set[str] = set()
        for c in getattr(searcher, "chunks", []):
            if word in c.text or word in str(c.meta.get("title", "")):
                found.add(str(c.meta.get("article_id", "")))
        return found

    # ---------------------------------------------------------------- question
    def analyze(self, query: str, original: str | None = None) -> QuestionInfo:
        english = is_mostly_english(original if original is not None else query)
        words = [w.lower() for w in self.tokenizer.words(query, hmm=False)]
        terms: dict[str, float] = {}
        for w in words:
            if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", w) or w in QUESTION_WORDS:
                continue
            if w in _STOP or (english and re.fullmatch(r"[a-z\-']+", w)):
                continue
            idf = self._idf.get(w)
            weight = idf if idf is not None else 0.6 * self._idf_max
            if len(w) == 1 and w not in THESAURUS:
                weight *= 0.3
            terms[w] = max(terms.get(w, 0.0), weight)
        focus = [f for f in _focus_terms(words, terms) if terms[f] >= 1.0 and not _is_unit(f)]
        for f in focus:
            terms[f] *= 2.0
        return QuestionInfo(
            text=query,
            qtype=detect_type(query),
            terms=terms,
            units=expected_units(query),
            which_noun=which_noun(query),
            english=english,
            focus=tuple(focus),
        )

    # ---------------------------------------------------------------- scoring
    def _credit(self, term: str, text: str) -> float:
        if term in text:
            return 1.0
        for alt in THESAURUS.get(term, ()):
            if alt in text:
                return 0.9
        if len(term) >= 3:
            grams = {term[i : i + 2] for i in range(len(term) - 1)}
            hit = sum(1 for g in grams if g in text)
            return 0.6 * hit / len(grams)
        return 0.0

    def _type_ok(self, info: QuestionInfo, text: str, question: str) -> bool:
        t = info.qtype
        if t == "number" or (t == "comparison" and NUM_RE.search(question)):
            nums = [m.group(0) for m in NUM_RE.finditer(text) if not DATE_RE.fullmatch(m.group(0))]
            nums = [n for n in nums if not re.fullmatch(r"\d{4}年.*", n)]
            if not nums:
                return False
            if info.units:
                return any(any(u in n for u in info.units) for n in nums)
            return True
        if t == "date":
            return bool(DATE_RE.search(text))
        if t == "person":
            return bool(PERSON_RE.search(text))
        if t == "entity" and info.which_noun in _PLACE_NOUNS:  # 哪个村 → a named village, not "村里"
            noun = info.which_noun
            rx = rf"(?:[省市县区乡镇]|街道)([\u4e00-\u9fff]{{1,4}}{noun})"
            return any(m.group(1) not in question for m in re.finditer(rx, text))
        if t == "list":
            return ("、" in text) or text.count("；") + text.count(";") >= 1 or text.count("，") + text.count(",") >= 2
        return True

    def _score(
        self, info: QuestionInfo, text: str, context: str, rank: int, passage_text: str = ""
    ) -> tuple[float, float, float, bool, frozenset[str]]:
        """(score, coverage, local coverage without passage/title credit, type satisfied, matched terms)"""
        total = sum(info.terms.values()) or 1.0
        got = 0.0
        own = 0.0
        matched = set()
        for term, w in info.terms.items():
            c = self._credit(term, text)
            own += w * c
            if c < 1.0:  # the subject is often named earlier in the passage ("该项目") or in its title
                c = max(c, 0.4 * self._credit(term, passage_text), 0.3 * self._credit(term, context))
            if c >= 0.6:
                matched.add(term)
            got += w * c
        coverage = got / total
        type_ok = self._type_ok(info, text, info.text)
        length_cost = 0.0 if info.qtype in ("list", "reason") else 0.0008 * len(text)
        if info.qtype in ("list", "reason"):  # enumerations: the whole run of items, not the first few
            items = text.count("、") + text.count("；") + text.count(";") + text.count("，") + text.count(",")
            length_cost = -0.02 * min(6, items) - 0.0005 * len(text)
        score = coverage + (0.25 if type_ok else 0.0) + 0.06 / (1 + rank) - length_cost
        return score, coverage, own / total, type_ok, frozenset(matched)

    def _windows(self, info: QuestionInfo, passages: list[Passage]) -> list[Window]:
        """The best clause window of every sentence of every passage."""
        out: list[Window] = []
        max_chars = self.settings.max_answer_chars
        seen: set[str] = set()
        for pi, p in enumerate(passages):
            text = p.text
            context = f"{p.title} {p.section}"
            units = sentence_spans(text)
            if info.qtype in ("list", "reason"):  # whole 。-sentences too: enumerations run across ；
                units = units + [
                    (s, e) for s, e in full_sentence_spans(text) if e - s <= 200 and (s, e) not in units
                ]
            for s, e in units:
                key = text[s:e]
                if key in seen:
                    continue
                seen.add(key)
                clauses = clause_spans(text, s, e) or [(s, e)]
                best: Window | None = None
                for i in range(1 if info.from_sentence_start else len(clauses)):
                    for j in range(i, min(len(clauses), i + (14 if info.qtype in ("list", "reason") else 6))):
                        ws, we = clauses[i][0], clauses[j][1]
                        if we - ws > (200 if info.qtype in ("list", "reason") else max_chars):
                            break
                        wtext = text[ws:we]
                        score, cov, local, tok, matched = self._score(info, wtext, context, pi, text)
                        if best is None or score > best.score:
                            best = Window(pi, ws, we, wtext, cov, tok, matched, score, p.article_id, local)
                if best is not None:
                    out.append(best)
        out.sort(key=lambda w: -w.score)
        return out

    # ---------------------------------------------------------------- answer
    def answer(
        self, question: str, query: str, passages: list[Passage], *, unresolved_reference: bool = False
    ) -> tuple[Answer, float]:
        """(Answer, support) where support in [0, 1] is the evidence strength used for refusal.

        ``unresolved_reference``: the question says 它/该… and no conversation tells what it is; answers then
        start at the beginning of their sentence so they name what they are about instead of guessing."""
        info = self.analyze(query, original=question)
        info.from_sentence_start = unresolved_reference
        if not info.terms:
            return self._refusal(question, passages, text=EMPTY_TERMS_TEXT), 0.0
        windows = self._windows(info, passages)
        threshold = self.settings.refusal_threshold
        total = sum(info.terms.values()) or 1.0
        primary = next((w for w in windows if w.type_ok and self._local_ok(info, w)), None)
        if primary is None:
            return self._refusal(question, passages), 0.0
        chosen = [primary]
        covered = set(primary.matched)
        park_q = "高新区" in query
        primary_in_park = primary.article_id in self._park_articles
        budget = self.settings.max_answer_chars - len(primary.text)
        multi = info.qtype in ("list", "reason", "comparison", "generic", "entity") or _multi_part(query)
        for w in windows:
            if w is primary or budget <= 0 or len(chosen) >= (3 if multi else 2):
                continue
            if (w.article_id in self._park_articles) != primary_in_park:
                continue  # never mix the park with unrelated articles
            gain = sum(info.terms[t] for t in w.matched - covered) / total
            if gain >= 0.12 and w.local >= threshold * 0.7 and len(w.text) <= budget:
                if any(_overlaps(w, c, passages) for c in chosen):
                    continue
                chosen.append(w)
                covered |= w.matched
                budget -= len(w.text)
        support = sum(info.terms[t] for t in covered) / total
        support = max(support, primary.coverage)
        if support < threshold:
            return self._refusal(question, passages), support
        if not multi and len(chosen) > 1 and not _multi_part(query):
            chosen = chosen[:1] if primary.coverage >= threshold else chosen
        if info.qtype in ("reason", "list") and len(primary.text) < 30:
            chosen = self._elaborate(chosen, passages)
        chosen = self._with_attribution(chosen, passages, info)
        text, citations = _compose(chosen, passages)
        note = ""
        if park_q and not primary_in_park:
            title = passages[primary.passage].title
            note = f"注意：这部分内容出自《{title}》，并非关于乐山高新区。"
        if info.english:
            note = "According to the (Chinese) articles: " + note
        return (
            Answer(question=question, answer=note + text, refused=False, citations=citations, retrieved=passages),
            primary.coverage,
        )

    def _local_ok(self, info: QuestionInfo, w: Window) -> bool:
        """The thing asked about must be named in the answer window itself (not only around it)."""
        if not info.focus:
            return w.coverage > 0
        total = sum(info.terms[f] for f in info.focus)
        present = sum(info.terms[f] for f in info.focus if self._credit(f, w.text) >= 0.6)
        return present >= 0.5 * total

    def _elaborate(self, chosen: list[Window], passages: list[Passage]) -> list[Window]:
        """A short topic sentence ("发展源于改造提升传统产业。") is followed by the sentence that explains it."""
        first = chosen[0]
        text = passages[first.passage].text
        nxt = [(s, e) for s, e in full_sentence_spans(text) if s >= first.end]
        if nxt:
            s, e = nxt[0]
            if e - s <= self.settings.max_answer_chars:
                extra = Window(first.passage, s, e, text[s:e], 0, True, frozenset(), 0, first.article_id)
                rest = [w for w in chosen[1:] if not _overlaps(w, extra, passages)]
                return [first, extra, *rest][:3]
        return chosen

    def _with_attribution(self, chosen: list[Window], passages: list[Passage], info: QuestionInfo) -> list[Window]:
        """A quoted sentence gets its speaker: the following clauses up to 表示/说 (journalistic attribution)."""
        out = list(chosen)
        first = chosen[0]
        p = passages[first.passage]
        text = p.text
        if not text[first.start : first.end].lstrip().startswith("“"):
            return out
        end = first.end
        if end < len(text) and text[end] == "”":
            end += 1
        clauses = clause_spans(text, end, min(len(text), end + 120))
        for i, (s, e) in enumerate(clauses):
            if ATTRIBUTION_RE.search(text[s:e]):
                ws, we = clauses[0][0], e
                out.insert(1, Window(first.passage, ws, we, text[ws:we], 0, True, frozenset(), 0, first.article_id))
                break
            if i >= 2:
                break
        return out

    def _refusal(self, question: str, passages: list[Passage], text: str | None = None) -> Answer:
        body = text or f"{REFUSAL_TEXT}{REFUSAL_SUFFIX if passages else ''}"
        return Answer(question=question, answer=body, refused=True, citations=[], retrieved=passages)


# function words and colloquial fillers of spoken questions: they carry no content the articles could match
_STOP = {
    "的", "了", "是", "在", "和", "与", "及", "也", "都", "就", "而", "并", "被", "把", "将", "对", "为", "以", "于", "之",
    "其", "这", "那", "该", "个", "些", "吗", "呢", "吧", "啊", "么", "我", "你", "他", "它", "她", "们", "起来", "加起来",
    "那几个", "这几个", "那些", "这些", "能", "能有", "带来", "打算", "准备", "主要", "具体", "目前", "现在", "手上", "真", "真的",
    "到底", "大概", "一共", "总共", "加", "比", "还", "已经", "之前", "以前", "以后", "后来", "知道", "告诉", "说说", "介绍", "一下",
    "情况", "这个", "那个", "东西", "事", "事情", "了解", "关于", "有关", "方面", "样子", "建起来", "拿到", "搞", "弄", "做", "干",
    "给", "得", "地", "着", "过", "上", "下", "点", "多", "少", "高", "低", "定", "达到", "能达到", "达", "算", "大约", "左右",
}


_PLACE_NOUNS = {"村", "乡", "镇", "区", "县", "市", "省"}
_FOCUS_MARKERS = ("多少", "几", "哪", "什么", "谁", "怎么", "如何", "多大", "多久", "多高", "多长", "何时", "啥", "怎样")


def _is_unit(word: str) -> bool:
    return bool(re.fullmatch(r"(亿|万|千|百)?(元|吨|人|名|个|家|平方米|亩|年|月|日|天|%)", word))


def _focus_terms(words: list[str], terms: dict[str, float]) -> list[str]:
    """Key terms right next to the question word: 利润(能有)多少, 多少个(工作岗位), 哪一年(升级)."""
    focus: list[str] = []
    for i, w in enumerate(words):
        if not any(w.startswith(m) for m in _FOCUS_MARKERS):
            continue
        for step in (-1, 1):
            j = i + step
            hops = 0
            while 0 <= j < len(words) and hops < 3:
                cand = words[j].lower()
                if cand in terms and len(cand) >= 2:
                    if cand not in focus:
                        focus.append(cand)
                    break
                j += step
                hops += 1
    return focus


def _multi_part(q: str) -> bool:
    return len(re.findall(r"[？?]", q)) >= 2 or bool(re.search(r"还有|以及|分别|和.*(分别|各)", q))


def _overlaps(a: Window, b: Window, passages: list[Passage]) -> bool:
    pa, pb = passages[a.passage], passages[b.passage]
    if pa.article_id and pa.article_id == pb.article_id:
        sa, ea = pa.start + a.start, pa.start + a.end
        sb, eb = pb.start + b.start, pb.start + b.end
        if sa < eb and sb < ea:
            return True
    return a.text in b.text or b.text in a.text


def _tidy(window_text: str) -> str:
    t = window_text.strip()
    t = re.sub(r"[，,、：:；;]+$", "", t)
    if not re.search(r"[。！？!?…”’」』）)]$", t):
        t += "。"
    return t


def _compose(chosen: list[Window], passages: list[Passage]) -> tuple[str, list[Citation]]:
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for w in chosen:
        p = passages[w.passage]
        n = numbers.get(w.passage)
        if n is None:
            n = len(numbers) + 1
            numbers[w.passage] = n
            citations.append(citation_for(p, n, (w.start, w.end)))
        parts.append(f"{_tidy(w.text)}[{n}]")
    return "".join(parts), citations


__all__ = ["EMPTY_TERMS_TEXT", "REFUSAL_TEXT", "ExtractiveAnswerer"]
