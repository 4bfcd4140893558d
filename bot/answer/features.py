"""What a question asks, and the evidence each candidate answer unit holds for it.

A candidate is one answer unit (:func:`bot.text.answer_units`: a sentence, or a part of an over-long one)
of a retrieved passage. Its features are signals that carry to any corpus:

- meaning: cosine of question and unit under the index's own embedder, as a z-score among the question's
  candidates (and the gap to the best unit), so the weights carry from one embedder to another;
- words: IDF-weighted coverage of the question's terms in the unit, and in the unit with its context
  (the passage's title and the text just before it), with synonyms from general resources;
- the thing asked about: the question's subject terms (names the lexicon drew from the corpus, names by
  part of speech, or a run of nouns ending in an institution's head noun: 某某邻里中心) found in the unit or its
  context, and whether the unit is about another named thing;
- the attribute asked for: the focus terms next to the question word;
- answer type: a number of the asked unit family, a date, a person, a place, a list;
- the year asked about, found or contradicted;
- the passage's retrieval rank and score; the unit's length; a leading pronoun.

The weights that combine them are fitted on data (:mod:`bot.answer.model`), never set here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..lang.numbers import DATE_RE, PERSON_RE, RANK_RE, UNIT_FAMILIES, numbers_in
from ..lang.question import KINDS, Ask, classify, describes_its_subject
from ..lang.words import INSTITUTION_HEADS, QUESTION_WORDS, fold, is_content, separate_question_words
from ..retrieve import CorpusStats
from ..schema import Passage
from ..text import answer_units, is_mostly_english, unit_id


class VectorSource(Protocol):
    """Embeddings by the index's own embedder (implemented by :class:`bot.retrieve.HybridSearcher`)."""

    def query_vector(self, text: str) -> np.ndarray: ...

    def unit_vectors(self, units: Sequence[tuple[str, str]]) -> np.ndarray: ...


#: the features, in the order of the fitted weights. ``year_conflict``, ``stage_conflict``, ``focus_unbound``,
#: ``event_unbound`` and ``subject_absent`` are
#: computed too but are not model inputs: ``extractive.can_answer`` vetoes every unit that has them, so no ranked
#: unit does
FEATURES: tuple[str, ...] = (
    "dense",
    "dense_gap",
    "cov",
    "cov_ctx",
    "focus",
    "has_focus",
    "subj",
    "subj_ctx",
    "has_subj",
    "conflict",
    "other_entities",
    "type_fit",
    "type_strict",
    "has_number",
    "year_ok",
    "rank",
    "score",
    "length",
    "pronoun",
    "english_dense",
    "list_items",
    "focus_ctx",
    "subj_focus",
    "type_focus",
    "dense_rank",
    "cov_rank",
    "focus_dense",
    "min_aspect",
    "focus_near",
    "subj_near",
    "attr_cov",
    "joint_sty",
    "joint_all",
    "complete",
    "known_miss",
    "focus_clause",
)

#: question-level features (of the ranked candidates): is the best unit an answer at all?
QUESTION_FEATURES: tuple[str, ...] = (
    "p1",
    "top_focus",
    "top_joint_all",
    "top_dense",
    "max_cos",
    "top_dense_en",
    "max_focus",
    "max_joint_all",
    "max_attr_conflict",
    "top_complete",
    "max_complete",
    "top_type_strict",
    "top_subj_ctx",
    "top_known_miss",
    "min_known_miss",
    "asks_year",
    "top_focus_ctx",
    "top_attr_cov",
    "asks_focus",
    "single_known_miss",
    "top_focus_clause",
    "oov",
    "english",
    "no_evidence",
    *(f"kind_{k}" for k in KINDS),
)

#: what more of a question feature can only mean for "the articles answer it": +1 more likely, -1 less likely
#: (features left out, such as the kind of question, may weigh either way). The question model's fit may hold
#: its weights to these signs (``scripts/fit_answerer.py --question-signs prior``): many of these signals
#: overlap (the best unit's focus and the best focus of all), and a free fit trades them against each other
#: with weights of either sign that move between refits
QUESTION_FEATURE_SIGNS: dict[str, int] = {
    **dict.fromkeys(
        ("p1", "top_focus", "top_joint_all", "top_dense", "max_cos", "top_dense_en", "max_focus", "max_joint_all",
         "top_complete", "max_complete", "top_type_strict", "top_subj_ctx", "top_focus_ctx", "top_attr_cov",
         "top_focus_clause"),
        1,
    ),
    **dict.fromkeys(
        ("max_attr_conflict", "top_known_miss", "min_known_miss", "single_known_miss", "no_evidence", "oov"), -1
    ),
}

#: the same for the unit features and "this unit holds the answer" (``--unit-signs prior``)
UNIT_FEATURE_SIGNS: dict[str, int] = {
    **dict.fromkeys(
        ("dense", "cov", "cov_ctx", "focus", "subj", "subj_ctx", "type_fit", "type_strict", "year_ok", "english_dense",
         "focus_ctx", "subj_focus", "type_focus", "focus_dense", "min_aspect", "focus_near", "subj_near", "attr_cov",
         "joint_sty", "joint_all", "complete", "focus_clause"),
        1,
    ),
    **dict.fromkeys(("conflict", "other_entities", "known_miss"), -1),
}

_PERSON_POS = {"nr", "nrfg", "nrt"}
_NAME_POS = {"nr", "nrfg", "nrt", "ns", "nt", "nz", "nrf"}
_PRONOUN_START = re.compile(r"^[“\"‘「]?(?:该|其|此|这|它|他|她|上述|前者|后者)")
_YEAR = re.compile(r"(?:19|20)\d{2}(?=年)")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,6}(?:省|市|县|区|乡|镇|村|街道|园区|基地)")
_REASON = re.compile(r"通过|依托|实施|推行|推进|推动|加强|加快|围绕|聚焦|坚持|以[\u4e00-\u9fff]{1,8}为|因为|由于|得益于|开展|建立|打造|采取")
LIST_SEP = re.compile(r"[、；;]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FOCUS_REACH = 2
_QUESTION_REACH = 5  # the best units the question model looks at for one that holds every aspect

#: what comes before a year a unit compares with (较2023年, 比2022年底): not the year it speaks of
_BASE_YEAR_BEFORE = re.compile(r"(?:比|较|与|同|相比|相较于?|对比|超过|高于|低于)$")


def unit_years(unit: str, both: str) -> set[str]:
    """The years a unit speaks of: its own when it names one (2025年…力争 after a paragraph on 2024
    is a target for 2025), else those of its context and itself (``both``); a year it compares with (较2023年)
    is not its own."""
    own: set[str] = set()
    base: set[str] = set()
    for m in _YEAR.finditer(unit):
        (base if _BASE_YEAR_BEFORE.search(unit, 0, m.start()) else own).add(m.group(0))
    return own or set(_YEAR.findall(both)) - base


#: a stage of something: its round, phase, edition, prize or batch (A轮, 二期, 第三届, 一等奖, 首批); not 哪一轮, 下一届
_STAGE = re.compile(r"(?<![哪这那每上下本各同新几多])(?:第)?([a-d]\+?|[一二三四五六七八九十首]|\d{1,2})(轮|期|届|等奖|批)")


def _stages(text: str) -> dict[str, set[str]]:
    """The stages ``text`` names, by what they are stages of (轮, 期, …): {"期": {"一", "二"}}."""
    out: dict[str, set[str]] = {}
    for m in _STAGE.finditer(fold(text)):
        out.setdefault(m.group(2), set()).add("一" if m.group(1) == "首" else m.group(1))
    return out


def stage_conflict(asked: dict[str, set[str]], unit: str, context: str) -> bool:
    """The question asks about a stage (二期) and the unit speaks of another one of the same kind (一期) while
    neither it nor its context names the one asked about: a near miss, not an answer."""
    here = _stages(unit)
    around = _stages(context)
    return any(
        kind in here and not (here[kind] & wanted) and not (around.get(kind, set()) & wanted)
        for kind, wanted in asked.items()
    )


@dataclass(frozen=True)
class Term:
    text: str
    weight: float  # IDF over the chunks
    subject: bool  # names a thing: the answer must be about it
    focus: bool  # next to the question word: the attribute asked for
    site: bool  # one of the site's names for its park
    parts: tuple[str, ...] = ()  # the segmenter's shorter words inside a compound (新兴产业 → 新兴, 产业)
    name: bool = False  # a name the question put together from the segmenter's words (某某生命科学研究院)
    spelled: tuple[str, ...] = ()  # the words an acronym stands for (GDP → 国内生产总值, 生产总值)


@dataclass(frozen=True)
class Question:
    text: str  # the standalone question as searched
    ask: Ask
    terms: tuple[Term, ...]
    english: bool
    names_site: bool
    years: tuple[str, ...]
    multi_part: bool
    oov: float = 0.0  # weight share of the terms the corpus never uses
    english_words: int = 0  # content words of an English question (matched by meaning only)
    described: bool = False  # names its subject by a description or pronoun (那家公司), not by its name

    @property
    def has_content(self) -> bool:
        return bool(self.terms) or self.english_words > 0

    @property
    def single_topic(self) -> bool:
        """About one named thing and one attribute: its words should meet in one unit (with its context).
        Comparisons, lists and two-part questions spread them over several units by nature, and a subject
        named by a description (给某某牵线的那家公司) is not named where the answer is."""
        return (
            not self.multi_part
            and self.ask.kind not in ("comparison", "list")
            and sum(1 for t in self.terms if t.subject) <= 2
            and not self.described
        )


@dataclass
class Candidate:
    passage: int  # index into the passage list
    start: int  # span of the unit inside the passage text
    end: int
    text: str
    uid: str
    article_id: str
    features: dict[str, float] = field(default_factory=dict)
    matched: frozenset[str] = frozenset()  # question terms found in the unit itself
    prob: float = 0.0  # filled in by the model

    def vector(self) -> list[float]:
        return [self.features[f] for f in FEATURES]


def analyze(query: str, stats: CorpusStats, original: str | None = None) -> Question:
    """Terms, subject, focus and kind of a (normalised, standalone) question."""
    english = is_mostly_english(original if original is not None else query)
    ask = classify(query)
    site_names = stats.site.names
    # a year ends a word: 2024年产值 is the output of 2024, not an annual output (年产值)
    spaced = _YEAR_END.sub(r"\1 ", separate_question_words(query))
    tagged = _merge_singles(stats.tagged(spaced), stats.in_corpus)
    words = [w for w, _ in tagged]
    qword_at = [i for i, w in enumerate(words) if w in QUESTION_WORDS or any(w.startswith(q) for q in ("多少", "哪", "几"))]
    terms: dict[str, Term] = {}
    for i, (w, pos) in enumerate(tagged):
        wl = w.lower()
        if not is_content(wl) or (english and re.fullmatch(r"[a-z\-']+", wl)):
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if _YEAR.match(wl) or (re.fullmatch(r"(?:19|20)\d{2}", wl) and nxt.startswith("年")) or wl in ("年", "年度"):
            continue  # years are matched on their own (Question.years)
        if len(wl) == 1 and not _CJK.match(wl):
            continue
        site = _in_site_name(wl, site_names) and len(wl) >= 2
        # a name: the corpus's (lexicon, or a word no general dictionary has), or one jieba tags as a name
        # without knowing it (a company the articles never mention is still the thing asked about)
        entity = stats.is_name(wl) or (pos in _NAME_POS and not stats.is_general_word(wl))
        # X的Y: the possessor is the thing asked about (孵化器的注册资本), whatever kind of word it is
        possessor = i + 1 < len(words) and words[i + 1] == "的" and not pos.startswith((*_NOT_FOCUS_POS, "v", "a"))
        subject = (entity or possessor) and not site and len(wl) >= 2 and pos not in ("m", "t")
        focus = (
            any(0 < abs(i - j) <= _FOCUS_REACH for j in qword_at)
            and not site
            and len(wl) >= 2
            and _can_be_focus(wl, pos, ask.kind)
        )
        weight = stats.idf(wl)
        if len(wl) == 1:
            weight *= 0.3
        prev = terms.get(wl)
        terms[wl] = Term(
            wl,
            max(weight, prev.weight if prev else 0.0),
            subject or bool(prev and prev.subject),
            focus or bool(prev and prev.focus),
            site,
            tuple(x for x in stats.tokens(wl) if len(x) >= 2 and x != wl),
            spelled=tuple(stats.expansions(wl)),
        )
    # a name the segmenter split (某某生命科学研究院 → 某某 / 生命科学 / 研究院): the whole of it is the thing
    # asked about, so a unit naming only its head word (研究院) or its modifier is not about it
    for name, parts in _institution_names(tagged, site_names):
        if name not in terms:
            terms[name] = Term(name, max(stats.idf(p) for p in parts), True, False, False, parts, name=True)
    for extra in stats.english_terms(query) if english else []:
        terms.setdefault(extra, Term(extra, stats.idf(extra), extra in stats.entities, False, False))
    years = tuple(dict.fromkeys(_YEAR.findall(query)))
    multi = len(re.findall(r"[？?]", query)) >= 2 or bool(re.search(r"还有|以及|分别|同时|和.{0,8}(?:分别|各)", query))
    names_site = any(n in query for n in site_names)
    total = sum(t.weight for t in terms.values()) or 1.0
    oov = sum(t.weight for t in terms.values() if not stats.in_corpus(t.text)) / total
    n_english = len([w for w in re.findall(r"[A-Za-z][A-Za-z\-']+", original or query) if is_content(w)]) if english else 0
    described = describes_its_subject(query)
    return Question(query, ask, tuple(terms.values()), english, names_site, years, multi, oov, n_english, described)


_YEAR_END = re.compile(r"((?<!\d)(?:19|20)\d{2}年度?)")


def _in_site_name(word: str, site_names: Sequence[str]) -> bool:
    """``word`` is one of the site's names for its park, or part of one."""
    return any(word in n for n in site_names)


#: parts of speech of the words inside a name (nouns, names, noun-like verbs, distinguishing words, joined runs)
_NAME_PART_POS = ("n", "vn", "b", "j", "l", "x", "an")
#: words before a name that are not part of it (the park itself, said generically)
_NOT_NAME_LEAD = frozenset(["园区", "区里", "园里", "本地", "当地", "全区", "全市"])


def _institution_names(tagged: Sequence[tuple[str, str]], site_names: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Runs of two or more noun-like words ending in an institution's head noun (:data:`INSTITUTION_HEADS`),
    without a leading site name or generic place word: the name of one thing, split by the segmenter."""
    out: list[tuple[str, tuple[str, ...]]] = []
    run: list[str] = []

    def close() -> None:
        while run and (run[0] in _NOT_NAME_LEAD or _in_site_name(run[0], site_names)):
            run.pop(0)
        if len(run) >= 2 and run[-1].endswith(INSTITUTION_HEADS) and len("".join(run)) >= 4:
            out.append(("".join(run).lower(), tuple(w.lower() for w in run)))
        run.clear()

    for w, pos in tagged:
        if _CJK.match(w) and pos.startswith(_NAME_PART_POS) and w not in QUESTION_WORDS and is_content(w):
            run.append(w)
            if w.endswith(INSTITUTION_HEADS):
                close()  # a name ends at its head: 某某中心 / 主任 are two things
        else:
            close()
    close()
    return out


_NOT_FOCUS_POS = ("m", "mq", "q", "t", "r", "p", "c", "u", "d", "f", "y", "e", "o", "z")
#: verbs that carry no attribute (做什么, 打造哪些): the thing asked for is elsewhere
_LIGHT_VERBS = frozenset(["做", "搞", "干", "弄", "是", "有", "要", "想", "能", "会", "去", "来", "叫", "算", "成", "变成", "当成", "进行", "开展", "实现", "打造", "推进", "推动", "属于", "包括", "需要", "可以", "计划", "主要", "达到"])
_UNIT_WORDS = frozenset(u for us in UNIT_FAMILIES.values() for u in us) | {"亿", "万", "千", "百"}


def _can_be_focus(word: str, pos: str, kind: str) -> bool:
    """A word next to the question word that names the attribute asked for: a noun (产值多大), or for
    questions about time and manner an event (什么时候开园): not a number, unit, pronoun or light verb."""
    if pos.startswith(_NOT_FOCUS_POS) or re.search(r"\d", word) or word in _LIGHT_VERBS:
        return False
    if word in _UNIT_WORDS or any(word.endswith(u) and word[: -len(u)] in ("亿", "万", "千", "百", "") for u in _UNIT_WORDS):
        return False
    if pos.startswith("v") and pos != "vn":
        return kind in ("date", "reason", "yesno", "place", "person")
    return True


#: grammatical characters, and time/position words (后, 年, 内), that never belong to a word split apart by the
#: segmenter
_PARTICLES = frozenset("的了是在和与及或也都就把被将对为以于之其这那该吗呢吧啊么有个些我你他它她们还又再很最更从到由让给向往得地着过前后年月日时中内外")


#: parts of speech of a single character that stands as a word of its own in colloquial speech (要, 能, 搞,
#: 里, 上): never part of a word the segmenter split apart, unless the corpus writes the joined form
_SINGLE_WORD_POS = ("v", "f", "d", "r", "q", "m", "p", "c", "u", "y")


def _merge_singles(tagged: list[tuple[str, str]], in_corpus: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Join runs of single content characters (营/收, 恒/拓): the segmenter split a word it did not know.
    A run the corpus does not write as one word is split again at its verbs, localizers and adverbs
    (区/要, 能/产, 村/搞 stay apart)."""
    out: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []

    def emit(part: list[tuple[str, str]]) -> None:
        if len(part) >= 2:
            out.append(("".join(w for w, _ in part), "x"))
        elif part:
            out.append((part[0][0], "x"))

    def flush() -> None:
        joined = "".join(w for w, _ in run)
        if len(run) < 2 or in_corpus(joined):
            emit(run)
        else:
            part: list[tuple[str, str]] = []
            for w, pos in run:
                if pos.startswith(_SINGLE_WORD_POS):
                    emit(part)
                    part = []
                    out.append((w, pos))
                else:
                    part.append((w, pos))
            emit(part)
        run.clear()

    for w, pos in tagged:
        if len(w) == 1 and _CJK.match(w) and w not in _PARTICLES and w not in QUESTION_WORDS:
            run.append((w, pos))
            continue
        flush()
        out.append((w, pos))
    flush()
    return out


def _standardised(x: np.ndarray) -> np.ndarray:
    """``x`` as z-scores over its own values (zeros when they do not vary)."""
    if len(x) < 2:
        return np.zeros(len(x))
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros(len(x))


def _positions(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Where each of ``needles`` (lower case) occurs in ``text``, Latin capitals folded."""
    text = fold(text)
    out = []
    for n in needles:
        start = text.find(n)
        while start >= 0:
            out.append((start, start + len(n)))
            start = text.find(n, start + 1)
    return out


def _gap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> float | None:
    """Characters between the nearest spans of ``a`` and ``b`` (0 when they touch or overlap)."""
    best: float | None = None
    for s1, e1 in a:
        for s2, e2 in b:
            d = max(0, max(s1, s2) - min(e1, e2))
            if best is None or d < best:
                best = d
    return best


_CLAUSE_END = re.compile(r"[，,；;。！？!?：:]")


def _same_clause(text: str, a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> bool:
    """Some span of ``a`` and some span of ``b`` lie in one clause of ``text`` (no comma or stop between)."""
    return any(not _CLAUSE_END.search(text, min(s1, s2), max(e1, e2)) for s1, e1 in a for s2, e2 in b)


def _closeness(d: float | None, scale: float) -> float:
    return 0.0 if d is None else math.exp(-d / scale)


def abbreviation_pattern(word: str) -> re.Pattern[str]:
    """An abbreviation as the articles may spell it out: its characters in order, at most three other Chinese
    characters apart (营收 in 营业收入, 规上 in 规模以上, 高企 in 高新技术企业)."""
    return re.compile(r"[\u4e00-\u9fff]{0,3}".join(map(re.escape, word)))


class Matcher:
    """How much of a term a text holds: verbatim 1; a synonym its similarity; an abbreviation's expansion
    (营收 → 营业收入, characters in order within a short span) 0.7; else the head word of a compound the articles
    never write (主导产业 → 产业) or shared character pairs, at most 0.5."""

    def __init__(self, question: Question, stats: CorpusStats) -> None:
        self._alts: dict[str, list[tuple[str, float]]] = {}
        self._abbrev: dict[str, re.Pattern[str] | None] = {}
        #: a compound the articles never write, by its head word (主导产业 → 产业): half credit, like a part
        self._head: dict[str, str] = {}
        for t in question.terms:
            if t.parts and len(t.parts[-1]) >= 2 and t.text.endswith(t.parts[-1]) and not stats.in_corpus(t.text):
                self._head[t.text] = t.parts[-1]
            syn = stats.synonyms(t.text)
            self._alts[t.text] = sorted(((fold(a), s) for a, s in syn.items() if len(a) >= 2), key=lambda x: -x[1])[:40]
            # an abbreviation is a word general Chinese does not have (营收, 规上): the articles may use it and
            # still spell it out elsewhere (规模以上); a dictionary word (工业) is never read as one (工商业)
            abbreviation = not stats.in_corpus(t.text) or not stats.is_general_word(t.text)
            if 2 <= len(t.text) <= 4 and _CJK.match(t.text) and abbreviation:
                self._abbrev[t.text] = abbreviation_pattern(t.text)
            elif t.name and not stats.in_corpus(t.text):
                # a name the question put together from words (某某研究院): the articles may say its words with
                # a few words, an alias or a bracket between them (某某X研究院 for 某某研究院, 某某(别名)科技企业孵化器),
                # in the same order and the same clause
                self._abbrev[t.text] = re.compile(r"[^，。；！？,;!?\s]{0,10}".join(map(re.escape, t.parts)))
            else:
                self._abbrev[t.text] = None

    def forms(self, term: str) -> list[str]:
        """The term and its synonyms (what :meth:`credit` looks for verbatim)."""
        return [term, *(a for a, s in self._alts.get(term, ()) if s >= 0.7)]

    def credit(self, term: str, text: str, partial: bool = True) -> float:
        """Credit of the (lower-case) ``term`` in ``text``, read with its Latin capitals folded."""
        text = fold(text)
        if term in text:
            return 1.0
        best = 0.0
        for alt, sim in self._alts.get(term, ()):
            if sim > best and alt in text:
                best = sim
        rx = self._abbrev.get(term)
        if rx is not None and best < 0.7:
            m = rx.search(text)
            if m and len(m.group(0)) <= 3 * len(term):
                best = 0.7
        head = self._head.get(term)
        if partial and best < 0.5 and head is not None and head in text:
            best = 0.5
        if partial and best < 0.5 and len(term) >= 3:
            grams = {term[i : i + 2] for i in range(len(term) - 1)}
            best = max(best, 0.5 * sum(1 for g in grams if g in text) / len(grams))
        return best


def _coverage(terms: Sequence[Term], text: str, matcher: Matcher, partial: bool = True) -> float:
    total = sum(t.weight for t in terms)
    if total <= 0:
        return 0.0
    return sum(t.weight * matcher.credit(t.text, text, partial) for t in terms) / total


def _type_fit(ask: Ask, text: str) -> tuple[float, float]:
    """(fit, strict fit): the unit holds the kind of thing asked for."""
    kind = ask.kind
    if kind in ("number", "comparison"):
        nums = numbers_in(text)
        if not nums and not RANK_RE.search(text):
            return (0.0, 0.0) if kind == "number" else (0.5, 0.0)
        if ask.families:
            ok = any(n.family in ask.families for n in nums)
            return (1.0, 1.0) if ok else (0.4, 0.0)
        return 1.0, 1.0 if nums else 0.5
    if kind == "date":
        return (1.0, 1.0) if DATE_RE.search(text) else (0.0, 0.0)
    if kind == "person":
        return (1.0, 1.0) if PERSON_RE.search(text) else (0.0, 0.0)
    if kind == "place":
        return (1.0, 1.0) if _PLACE.search(text) else (0.0, 0.0)
    if kind == "list":
        n = len(LIST_SEP.findall(text))
        return min(1.0, n / 3), 1.0 if n >= 2 else 0.0
    if kind == "reason":
        return (1.0, 0.0) if _REASON.search(text) else (0.3, 0.0)
    if kind == "entity" and ask.which_noun:
        noun = ask.which_noun[-1]
        return (1.0, 1.0) if re.search(rf"[\u4e00-\u9fff“”]{{2,}}{re.escape(noun)}", text) else (0.3, 0.0)
    return 1.0, 0.0


def _entities_in(text: str, stats: CorpusStats) -> set[str]:
    found = stats.entities_in(text)
    return {e for e in found if not any(e != o and e in o for o in found)}


def _other_names(text: str, question_terms: set[str], stats: CorpusStats) -> set[str]:
    """The names in ``text`` that are neither a word of the question nor one of the site's names for its park."""
    return {
        e
        for e in _entities_in(text, stats)
        if not any(e in q or q in e for q in question_terms) and not any(e in n or n in e for n in stats.site.names)
    }


def candidates(question: Question, passages: Sequence[Passage], stats: CorpusStats, vectors: VectorSource) -> list[Candidate]:
    """Every answer unit of ``passages`` (each sentence once, at its best-ranked passage), with features."""
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for pi, p in enumerate(passages):
        for s, e in answer_units(p.text):
            text = p.text[s:e]
            if len(_CJK.findall(text)) + len(re.findall(r"[A-Za-z0-9]", text)) < 4:
                continue
            key = (p.article_id or p.id, p.start + s)
            if key in seen:
                continue
            seen.add(key)
            out.append(Candidate(pi, s, e, text, unit_id(p.article_id or p.id, p.start + s, text), p.article_id))
    if not out:
        return out
    matcher = Matcher(question, stats)
    qvec = vectors.query_vector(question.text)
    uvecs = vectors.unit_vectors([(c.uid, c.text) for c in out])
    raw_cos = uvecs @ qvec if len(uvecs) else np.zeros(0)
    focus_terms = [t.text for t in question.terms if t.focus]
    if focus_terms and len(uvecs):
        fvecs = np.stack([vectors.query_vector(t) for t in focus_terms])
        focus_dense = _standardised((uvecs @ fvecs.T).max(axis=1))
    else:
        focus_dense = np.zeros(len(out))
    # cosines are read relative to this question's candidates: how far a unit stands out is what carries from
    # one embedder to another (e5, a local sentence-transformers model, the test double), not the raw cosine
    dense = _standardised(raw_cos)
    best_dense = float(dense.max()) if len(dense) else 0.0
    top_score = max((p.score for p in passages), default=1.0) or 1.0
    terms = question.terms
    focus = [t for t in terms if t.focus]
    subjects = [t for t in terms if t.subject]
    subject_texts = {t.text for t in subjects}
    # the names the lexicon drew from the articles (某某科技), not possessors (X的Y) or words only the articles use
    named = [t for t in subjects if t.text in stats.entities]
    attributes = [t for t in terms if not t.subject and not t.site]
    question_terms = {t.text for t in terms}
    # the words of the thing asked about and of the attribute that the articles do use somewhere: a unit that
    # answers is expected to carry them (a colloquial word the corpus never uses says nothing either way)
    known = [t for t in terms if (t.subject or t.focus) and not t.site and stats.in_corpus(t.text)]
    known_weight = sum(t.weight for t in known)
    known_focus = [t for t in focus if not t.site and not t.subject and stats.in_corpus(t.text)]
    # the events a one-part when-question asks about (开工, 签约), as a unit may write them (a focus word is
    # never a light verb: _can_be_focus)
    event_forms = [f_ for t in known_focus if t.text not in _TIME_WORDS and _is_event(t.text, stats)
                   for f_ in matcher.forms(t.text)] if question.ask.kind == "date" and not question.multi_part else []
    # the words the corpus uses for the one thing a one-topic question asks about: a unit that answers
    # names it, here or in its context (二等奖 asked, only 一等奖 said: a near miss, not an answer)
    known_subjects = [t for t in subjects if not t.site and stats.in_corpus(t.text)] if question.single_topic else []
    asked_stages = _stages(question.text)
    for c, d, fd, rc in zip(out, dense, focus_dense, raw_cos, strict=True):
        p = passages[c.passage]
        context = f"{p.title} {p.section} {_context_before(c, p, stats)}"
        if _QUOTE_START.match(c.text):  # “……”某某表示: a quotation's speaker follows it
            context += " " + p.text[c.end : c.end + _CONTEXT_AFTER_QUOTE]
        both = f"{context} {c.text}"
        subj_u = _coverage(subjects, c.text, matcher, partial=False) if subjects else 1.0
        subj_c = _coverage(subjects, both, matcher, partial=False) if subjects else 1.0
        others = _other_names(c.text, question_terms, stats)
        # the thing asked about is missing here: its name when the lexicon knows one, else its words
        if len(named) > 1 and (question.ask.kind == "comparison" or question.multi_part):
            # a comparison or a two-part question asks about each of its named things in turn: a unit on
            # one of them is about the question, not about another thing
            absent = all(matcher.credit(t.text, both, partial=False) < 0.5 for t in named)
        else:
            absent = (_coverage(named, both, matcher, partial=False) if named else subj_c) < 0.5
        if not others and named and absent:
            # a unit naming no one (董事长某某说) speaks of what its context names: when that is another
            # named thing and the name asked about is in neither, it is the other one's attribute
            others = _other_names(context, question_terms, stats)
        fit, strict = _type_fit(question.ask, c.text)
        years_here = unit_years(c.text, both)
        year_ok = 1.0 if not question.years or any(y in years_here for y in question.years) else 0.0
        year_conflict = 1.0 if question.years and years_here and not year_ok else 0.0
        c.matched = frozenset(t.text for t in terms if matcher.credit(t.text, c.text, partial=False) >= 0.7)
        f = c.features
        f["dense"] = float(d)
        f["cos"] = float(rc)  # raw: how close the question's meaning comes at all (a question model feature)
        f["dense_gap"] = float(d) - best_dense
        f["known_miss"] = (
            sum(t.weight for t in known if matcher.credit(t.text, both, partial=False) < 0.5) / known_weight
            if known_weight > 0
            else 0.0
        )
        f["cov"] = _coverage(terms, c.text, matcher)
        f["cov_ctx"] = _coverage(terms, both, matcher)
        f["focus"] = _coverage(focus, c.text, matcher) if focus else 0.0
        f["has_focus"] = 1.0 if focus else 0.0
        f["subj"] = subj_u if subjects else 0.0
        f["subj_ctx"] = subj_c if subjects else 0.0
        f["has_subj"] = 1.0 if subjects else 0.0
        f["conflict"] = 1.0 if subjects and absent and others else 0.0
        f["other_entities"] = min(3, len(others - subject_texts)) / 3
        f["type_fit"] = fit
        f["type_strict"] = strict
        f["has_number"] = 1.0 if numbers_in(c.text) else 0.0
        f["year_ok"] = year_ok
        f["stage_conflict"] = 1.0 if asked_stages and stage_conflict(asked_stages, c.text, both) else 0.0
        f["year_conflict"] = year_conflict
        f["rank"] = 1.0 / (1 + c.passage)
        f["score"] = p.score / top_score
        f["length"] = math.log1p(len(c.text)) / 5.0
        f["pronoun"] = 1.0 if _PRONOUN_START.match(c.text) else 0.0
        f["english_dense"] = float(d) if question.english else 0.0
        f["list_items"] = min(6, len(LIST_SEP.findall(c.text))) / 6
        f["focus_ctx"] = _coverage(focus, both, matcher) if focus else 0.0
        f["subject_absent"] = float(any(matcher.credit(t.text, both, partial=False) < 0.5 for t in known_subjects))
        f["subj_focus"] = (subj_c if subjects else 1.0) * (f["focus"] if focus else 1.0)
        f["type_focus"] = strict * (f["focus"] if focus else 1.0)
        f["focus_dense"] = float(fd)
        focus_at = _positions(c.text, [f_ for t in focus for f_ in matcher.forms(t.text)])
        if question.ask.kind in ("number", "comparison"):
            answer_at = [(n.start, n.end) for n in numbers_in(c.text)
                         if not question.ask.families or n.family in question.ask.families]
        elif question.ask.kind == "date":
            answer_at = [(m.start(), m.end()) for m in DATE_RE.finditer(c.text)]
        elif question.ask.kind == "person":
            answer_at = [(m.start(1), m.end(1)) for m in PERSON_RE.finditer(c.text)]
        else:
            answer_at = []
        f["focus_near"] = _closeness(_gap(focus_at, answer_at), 12.0)
        # the attribute asked for and the answer in one clause (营业收入 N 亿元 answers 营业收入, not 注册资本;
        # 于某月某日签约 dates a signing, not a start of work)
        f["focus_clause"] = 1.0 if _same_clause(c.text, focus_at, answer_at) else 0.0
        # ... and when the articles use the attribute's word somewhere, a number said of another
        # attribute here (营业收入 N 亿元 for a question on 注册资本) is a near miss, not an answer
        known_at = _positions(c.text, [f_ for t in known_focus for f_ in matcher.forms(t.text)])
        f["focus_unbound"] = (
            1.0
            if question.ask.kind == "number" and not question.multi_part and known_focus and answer_at
            and not _same_clause(c.text, known_at, answer_at + [(m.start(), m.end()) for m in RANK_RE.finditer(c.text)])
            else 0.0
        )
        # a when-question on an event the articles speak of (开工, 签约, 成立): a date in a unit that never
        # names that event dates another one (于某月某日签约 for 什么时候开工)
        f["event_unbound"] = 1.0 if event_forms and answer_at and not _positions(c.text, event_forms) else 0.0
        subj_at = _positions(c.text, [f_ for t in subjects for f_ in matcher.forms(t.text)])
        f["subj_near"] = _closeness(_gap(subj_at, focus_at or answer_at), 25.0)
        f["attr_cov"] = _coverage(attributes, both, matcher) if attributes else 1.0
        strict_kind = question.ask.kind in ("number", "date", "person", "place")
        f["joint_sty"] = min(subj_c if subjects else 1.0, strict if strict_kind else 1.0, year_ok)
        f["joint_all"] = min(f["joint_sty"], f["attr_cov"])
        f["min_aspect"] = min(subj_c if subjects else 1.0, f["focus_ctx"] if focus else 1.0, year_ok)
        # every aspect of the question at once: the thing asked about (here or just before), the attribute
        # asked for, the kind of answer, the year
        f["complete"] = float(
            (not subjects or subj_c >= 0.5)
            and (not focus or f["focus_ctx"] >= 0.5)
            and (strict >= 1.0 or not strict_kind)
            and year_ok >= 1.0
        )
    for name, feature in (("dense_rank", "dense"), ("cov_rank", "cov")):
        values = [c.features[feature] for c in out]
        order = sorted(range(len(out)), key=values.__getitem__, reverse=True)
        for r, i in enumerate(order):
            out[i].features[name] = 1.0 / (1 + r)
    return out


#: words for time itself (什么时间, 哪个日子) and for how something happens (开始, 正式, 预计; 计划 is a light
#: verb): no event of their own
_TIME_WORDS = frozenset(["时间", "日期", "时候", "日子", "年份", "月份", "时间点", "节点", "时段", "开始", "正式", "预计"])


def _is_event(word: str, stats: CorpusStats) -> bool:
    """A word for something that happens (开工, 签约, 投产): the segmenter reads it as one verb."""
    tagged = stats.tagged(word)
    return len(tagged) == 1 and tagged[0][1] in ("v", "vn", "vi")


_CONTEXT_CHARS = 200
_CONTEXT_AFTER_QUOTE = 80  # what follows a quotation: the sentence naming who said it
_QUOTE_START = re.compile(r"^[“\"「『]")
_LEAD_CHARS = 120  # a paragraph's opening sentence names its topic (该项目/其 later in it point back to it)
_PARAGRAPH_REACH = 520  # how far back a unit's paragraph opening is looked for


def _context_before(c: Candidate, p: Passage, stats: CorpusStats) -> str:
    """The text before a unit that may name its subject: the same paragraph up to the unit (its opening and
    the last :data:`_CONTEXT_CHARS` before the unit), and the end of the paragraph before when the unit
    opens with a pronoun."""
    at = p.start + c.start
    before = stats.text_before(p.article_id, at, _PARAGRAPH_REACH) if p.article_id else p.text[: c.start]
    if not before:
        before = p.text[max(0, c.start - _PARAGRAPH_REACH) : c.start]
    para = before.rsplit("\n", 1)
    if len(para) == 1 and len(before) >= _PARAGRAPH_REACH:
        return before[-_CONTEXT_CHARS:]  # a paragraph longer than the reach: its opening is out of sight
    here = para[-1]
    if len(here) > _LEAD_CHARS + _CONTEXT_CHARS:
        here = here[:_LEAD_CHARS] + " " + here[-_CONTEXT_CHARS:]
    if len(para) == 2 and not _PRONOUN_START.match(c.text):
        return here
    if len(para) == 2:
        prev_para = para[0].rsplit("\n", 1)[-1]
        return prev_para[-80:] + here
    return here


def question_features(question: Question, ranked: Sequence[Candidate]) -> dict[str, float]:
    """Features of a question and its candidates ranked best first (``prob`` filled in)."""
    f: dict[str, float] = dict.fromkeys(QUESTION_FEATURES, 0.0)
    f["english"] = 1.0 if question.english else 0.0
    f["oov"] = question.oov
    f[f"kind_{question.ask.kind}"] = 1.0
    # not one term of the question (but the site's own name) is in any unit, verbatim or as a synonym
    named = {t for c in ranked for t in c.matched}
    f["no_evidence"] = 0.0 if any(t.text in named for t in question.terms if not t.site) else 1.0
    if not ranked:
        return f
    top = ranked[0].features
    f["p1"] = ranked[0].prob
    f["p2"] = ranked[1].prob if len(ranked) > 1 else 0.0
    f["gap"] = f["p1"] - f["p2"]
    f["top_focus"] = top["focus"]
    f["top_joint_all"] = top["joint_all"]
    # the meaning signal differs by language: an English question is never close to Chinese text
    f["top_dense"] = 0.0 if question.english else top["dense"]
    f["top_dense_en"] = top["dense"] if question.english else 0.0
    # the meaning of the question at all in these passages (off-topic questions come no closer than the
    # park's news allows), in the embedder's raw cosine
    f["max_cos"] = 0.0 if question.english else max(c.features["cos"] for c in ranked)
    f["max_focus"] = max(c.features["focus"] for c in ranked)
    f["max_joint_all"] = max(c.features["joint_all"] for c in ranked)
    # the asked-for attribute is there, but said of another named thing (another company's 注册资本)
    f["max_attr_conflict"] = max(min(c.features["attr_cov"], c.features["conflict"]) for c in ranked)
    f["top_complete"] = top["complete"]
    f["max_complete"] = max(c.features["complete"] for c in ranked[:_QUESTION_REACH])
    f["top_type_strict"] = top["type_strict"]
    f["top_subj_ctx"] = top["subj_ctx"] if top["has_subj"] else 1.0
    f["top_known_miss"] = top["known_miss"]
    f["min_known_miss"] = min(c.features["known_miss"] for c in ranked[:_QUESTION_REACH])
    # the question names a year and the best unit (with its context) speaks of another one
    f["asks_year"] = 1.0 if question.years else 0.0
    # the attribute asked for (the words next to the question word) in the best unit or its context
    f["asks_focus"] = top["has_focus"]
    f["top_focus_ctx"] = top["focus_ctx"] if top["has_focus"] else 1.0
    f["top_attr_cov"] = top["attr_cov"]
    # a question about one thing and one attribute should find its corpus words in one unit (and context);
    # comparisons, lists and two-part questions spread them over several units by nature
    single = question.single_topic
    f["single_known_miss"] = top["known_miss"] if single else 0.0
    strict_kind = question.ask.kind in ("number", "date", "person")
    f["top_focus_clause"] = top["focus_clause"] if top["has_focus"] and strict_kind else 1.0
    return f


__all__ = ["FEATURES", "LIST_SEP", "QUESTION_FEATURES", "QUESTION_FEATURE_SIGNS", "UNIT_FEATURE_SIGNS", "Candidate", "Matcher", "Question", "Term", "VectorSource", "analyze", "candidates", "question_features", "stage_conflict", "unit_years"]
