"""The offline answerer: quotes the units of the retrieved passages that answer the question, each cited.

It never writes a fact of its own: every answer sentence is a verbatim unit of a cited passage (the
citation's ``span``); the only words of its own are fixed framing (the refusal text, a note when the
passage is about another place than the site's park, a note for English questions).

1. Every answer unit of the passages gets features (:mod:`bot.answer.features`) and a probability of
   holding the answer from the fitted model (:mod:`bot.answer.model`).
2. A second fitted model reads the ranked units (how sure the best is, whether the asked-for attribute
   and the thing asked about occur anywhere, what the question asks) and gives the probability that
   quoting them answers the question; below the model's ``answer_threshold`` the answer is the refusal,
   with the closest passages.
3. Further units join when they reach ``extra_threshold`` and bring something the first lacks (another
   asked-for item, the rest of a list or comparison), within the length budget and from articles of the
   same kind (never the park mixed with another place). A quotation brings its speaker; a unit that opens
   with a pronoun (该项目…) brings the sentence before it, so the answer names what it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..lang.numbers import ATTRIBUTION_RE, ROLE_WORDS, numbers_in
from ..lang.question import CHANGE_RE, asks_for_change, is_task_request, question_parts, question_stem
from ..lang.words import fold
from ..retrieve import CorpusStats
from ..schema import Answer, Citation, Passage, citation_for
from ..settings import Settings
from ..text import answer_units
from .features import (
    LIST_SEP,
    Candidate,
    Question,
    VectorSource,
    abbreviation_pattern,
    analyze,
    candidates,
    question_features,
)
from .model import AnswerModel
from .texts import EMPTY_QUESTION_TEXT, REFUSAL_SUFFIX, REFUSAL_TEXT, english_note, off_site_note

_MAX_UNITS = 3
_CONTEXT_UNIT_CHARS = 120  # a sentence brought in for a speaker or a subject is at most this long


@dataclass(frozen=True)
class Ranked:
    """A question's analysis, its candidates best first, and the probability that answering from them is
    right (what fitting and answering share)."""

    question: Question
    candidates: list[Candidate]
    answer_prob: float = 0.0


#: a part of a message ranked on its own, by (part, passage ids, unit model id, question model id)
_PartRanks = dict[tuple[str, tuple[str, ...], int, int], Ranked]


class ExtractiveAnswerer:
    def __init__(
        self,
        stats: CorpusStats,
        vectors: VectorSource,
        settings: Settings,
        model: AnswerModel | None = None,
        *,
        part_ranks: _PartRanks | None = None,
    ) -> None:
        self.stats = stats
        self.vectors = vectors
        self.settings = settings
        self.model = model or AnswerModel.load()
        # the ranked units of each part of a several-question message, kept by whoever answers the same
        # questions over and over with one model (the fit's grid of thresholds); None: not kept
        self._part_ranks = part_ranks

    def rank(self, query: str, passages: Sequence[Passage], original: str | None = None) -> Ranked:
        q = analyze(query, self.stats, original=original)
        cands = candidates(q, passages, self.stats, self.vectors) if q.has_content else []
        return score(q, cands, self.model)

    def answer(
        self, question: str, query: str, passages: list[Passage], *, ranked: Ranked | None = None
    ) -> tuple[Answer, float]:
        """(Answer, support): support is the model's probability that the answer is right."""
        if is_task_request(question):  # 帮我写一首诗: nothing to quote, whatever the passages say
            return self._refusal(question, passages), 0.0
        r = ranked or self.rank(query, passages, original=question)
        q = r.question
        if not q.has_content or (not q.english_words and all(t.site for t in q.terms)):
            # nothing asked (今天几号), or only the park named (介绍一下这个园区): ask what about it
            return self._refusal(question, passages, EMPTY_QUESTION_TEXT.format(about=self.stats.site.about)), 0.0
        eligible = _eligible(r.candidates)
        # the parts of a several-question message, each ranked once for this answer (in the fit, once per model)
        parts = _sub_questions(q)
        memo: _PartRanks = self._part_ranks if self._part_ranks is not None else {}
        prob = r.answer_prob
        if not eligible or prob < self.model.answer_threshold:
            # not answerable as a whole; a message asking several things may still be in one of its parts
            part = self._answerable_part(parts, passages, memo)
            if part is None:
                return self._refusal(question, passages), r.answer_prob
            eligible, prob = part
        r = Ranked(r.question, eligible, prob)
        chosen = self._choose(r, passages, parts, memo)
        text, citations = _compose(chosen, passages)
        primary = chosen[0]
        note = ""
        if r.question.names_site and self.stats.about_site(primary.article_id) is False:
            note = off_site_note(passages[primary.passage].title, self.stats.site.about)
        if r.question.english:
            note = english_note() + note
        answer = Answer(
            question=question, answer=note + text, refused=False, citations=citations, retrieved=passages
        )
        return answer, r.answer_prob

    # -- choosing units ----------------------------------------------------------------------------------
    def _choose(self, r: Ranked, passages: list[Passage], parts: list[str], memo: _PartRanks) -> list[Candidate]:
        q = r.question
        primary = r.candidates[0]
        chosen = [primary]
        covered = set(primary.matched)
        wide = q.ask.kind in ("list", "reason", "comparison") or q.multi_part or len(parts) > 1
        budget = self.settings.max_answer_chars * (2.0 if wide else self.model.extra_budget)
        used = len(primary.text)
        site_kind = self.stats.about_site(primary.article_id)

        def fits(c: Candidate) -> bool:
            """Within the length budget, from an article of the primary's kind, repeating no chosen unit."""
            return (used + len(c.text) <= budget and self.stats.about_site(c.article_id) == site_kind
                    and not any(_overlaps(c, o, passages) for o in chosen))

        if q.ask.kind == "comparison" or q.multi_part:
            # each side first: a comparison or a two-part question names several things, and the best unit
            # naming one not yet quoted joins before more units on a thing already quoted
            for term in (t for t in q.terms if t.subject and not t.site):
                if term.text in covered or len(chosen) >= _MAX_UNITS:
                    continue
                side = next((c for c in r.candidates[1:] if term.text in c.matched
                             and _side_ok(q, c, self.model.extra_threshold) and fits(c)), None)
                if side is not None:
                    chosen.append(side)
                    covered |= side.matched
                    used += len(side.text)
        if len(parts) > 1:
            # a message asking several things (厂房建了几栋？何时竣工？): the best unit for each part joins, each part
            # asked on its own about the message's subject, when that part alone would be answered and the model
            # holds the unit an answer
            for sub in parts:
                if len(chosen) >= _MAX_UNITS:
                    break
                rp = self._rank_part(sub, passages, memo)
                if rp.answer_prob < self.model.answer_threshold:
                    continue  # a part that asked alone would be refused adds nothing
                ranked = _eligible(rp.candidates)
                here = {(c.passage, c.start) for c in chosen}
                if any((c.passage, c.start) in here
                       and (c.prob >= self.model.extra_threshold or c.features.get("focus_clause")) for c in ranked):
                    # a unit already quoted answers this part too: the model holds it an answer, or it says the
                    # part's attribute and an answer of its kind in one clause (建成N栋、于某月竣工 in one sentence)
                    continue
                best = ranked[0] if ranked else None
                if best is None or best.prob < self.model.extra_threshold or not fits(best):
                    continue
                chosen.append(best)
                covered |= best.matched
                used += len(best.text)
        for c in r.candidates[1:]:
            if c in chosen:
                continue
            if len(chosen) >= _MAX_UNITS or c.prob < self.model.extra_threshold:
                break
            if not wide and primary.prob - c.prob > self.model.extra_gap:
                break  # the model can tell them apart: the best unit alone answers
            if not wide and all(c.passage != o.passage for o in chosen):
                continue  # a single fact: more of its own passage, never another citation
            if not fits(c):
                continue
            chosen.append(c)
            covered |= c.matched
            used += len(c.text)
        chosen = _in_reading_order(chosen, passages)
        return with_context(chosen, passages, leads=q.ask.kind in ("reason", "list"))

    def _answerable_part(
        self, parts: list[str], passages: list[Passage], memo: _PartRanks
    ) -> tuple[list[Candidate], float] | None:
        """For a message asking several things (``parts``, from :func:`_sub_questions`) that is not answerable as a
        whole: the ranked units of its part the model holds most surely answerable, when that one is (its probability); else None."""
        best: tuple[list[Candidate], float] | None = None
        for sub in parts:
            rp = self._rank_part(sub, passages, memo)
            eligible = _eligible(rp.candidates)
            if eligible and rp.answer_prob >= self.model.answer_threshold and (best is None or rp.answer_prob > best[1]):
                best = (eligible, rp.answer_prob)
        return best

    def _rank_part(self, query: str, passages: list[Passage], memo: _PartRanks) -> Ranked:
        """A part of a message ranked on its own, once per model (the refusal fallback and the composer ask
        for the same parts)."""
        key = (query, tuple(p.id for p in passages), id(self.model.unit), id(self.model.question))
        if key not in memo:
            memo[key] = self.rank(query, passages)
        return memo[key]

    def _refusal(self, question: str, passages: list[Passage], text: str | None = None) -> Answer:
        body = text or f"{REFUSAL_TEXT}{REFUSAL_SUFFIX if passages else ''}"
        return Answer(question=question, answer=body, refused=True, citations=[], retrieved=passages)


def _sub_questions(q: Question) -> list[str]:
    """The questions a message asks, each as a question of its own (厂房建了几栋？何时竣工？); [] for a message
    asking one thing."""
    parts = question_parts(q.text)
    return _part_queries(q, parts) if len(parts) > 1 else []


def _part_queries(q: Question, parts: Sequence[str]) -> list[str]:
    """Each part of a message as a question of its own: a part that names no subject of the message gets its
    subjects (its names, else the first part's words before its question word), and one without the
    message's year gets it."""
    subjects = [t.text for t in q.terms if t.subject and not t.site]
    out = []
    for i, part in enumerate(parts):
        low = fold(part)
        about = "" if any(s in low for s in subjects) else "".join(subjects)
        if not subjects and i > 0:
            about = question_stem(parts[0])
        years = "".join(f"{y}年" for y in q.years if y not in about + part)
        out.append(f"{years}{about}{part}")
    return out


def _side_ok(q: Question, c: Candidate, extra_threshold: float) -> bool:
    """A unit on one side of a comparison states the kind of thing compared (a number of the asked unit); a
    part of a two-part question is held to the bar of any further unit."""
    if q.ask.kind == "comparison":
        return bool(c.features.get("type_strict"))
    return c.prob >= extra_threshold


def _about_another(c: Candidate) -> bool:
    """The unit is about another named thing than the one asked about (neither it nor its context names the
    question's subject, and it names something else): never an answer, whatever its score."""
    return bool(c.features.get("conflict"))


def _eligible(cands: Sequence[Candidate]) -> list[Candidate]:
    """The ranked units that may be quoted at all (none about another named thing), in their order."""
    return [c for c in cands if not _about_another(c)]


_ROLES = frozenset(ROLE_WORDS)
#: a unit that is itself a question: it ends in a question mark (inside closing quotes too), or an interview's
#: question (记者：…, 问：…)
_ASKS = re.compile(r"[？?][”’\"」』）)]*\s*$|^\s*(?:记者问?|问)[：:]")


def can_answer(question: Question, c: Candidate) -> bool:
    """A unit that could answer at all: a question asking how many / how much (多少, 几) is never answered by a
    sentence without a number (of the asked unit family, when it names one), a when question never by one
    without a date, a where question never by one without a place, a who-is-the-<role> question never by one
    without that role word (副主任 is not 主任), a by-how-much question never by one stating no change, a
    question about a year never by a unit that speaks of other years only (``features.unit_years``), a question
    on one stage (二期) never by a unit on another (``features.stage_conflict``), a when question on an event the
    articles speak of (开工) never by a unit that does not name it (于某月某日签约; ``event_unbound``), and no
    question by a unit that is itself a question (记者：…？). Applied before the question model reads the ranked
    units, in fitting too."""
    if _ASKS.search(c.text):  # 记者：为什么选在这里？ is the interviewer's question, not its answer
        return False
    if c.features.get("year_conflict"):  # 2023年的营收 is not answered by a sentence about 2024 only
        return False
    if c.features.get("stage_conflict"):  # 二期 asked about: not a sentence on 一期 only
        return False
    if c.features.get("subject_absent"):  # 二等奖 asked about: not a sentence on 一等奖 only
        return False
    if c.features.get("event_unbound"):  # 什么时候开工: not 于某月某日签约
        return False
    if c.features.get("focus_unbound"):  # asked for attribute A: not "B N 亿元" when the articles say A elsewhere
        return False
    if asks_for_change(question.text) and not CHANGE_RE.search(c.text):  # 增长了多少: not the level
        return False
    kind = question.ask.kind
    if kind == "number":  # a number, of the asked unit family when the question names one (多少钱, 几天)
        return bool(c.features.get("type_strict")) if question.ask.families else bool(c.features.get("has_number"))
    if kind == "date":  # 什么时候 is answered by a date
        return bool(c.features.get("type_strict"))
    if kind == "person":  # 董事长是谁 is answered by a sentence naming a 董事长, not another role (副董事长)
        roles = [t.text for t in question.terms if t.focus and t.text in _ROLES]
        return not roles or any(re.search(f"(?<!副){re.escape(r)}", c.text) for r in roles)
    if kind == "place":  # 在哪个村 is answered by a sentence naming a place
        return bool(c.features.get("type_strict"))
    return True


def with_context(chosen: list[Candidate], passages: list[Passage], *, leads: bool = False) -> list[Candidate]:
    """A quotation gets its speaker (the unit after it naming who said it); a unit opening with a
    pronoun gets the sentence before it; with ``leads`` (a why, how or which-ones question), a short
    sentence that only opens its paragraph's topic (融资难是企业的普遍难题。) gets the sentence after it."""
    out: list[Candidate] = []
    for c in chosen:
        p = passages[c.passage]
        units = answer_units(p.text)
        at = next((i for i, (s, _) in enumerate(units) if s == c.start), None)
        if at is None:
            out.append(c)
            continue
        if c.features.get("pronoun") and at > 0:
            s, e = units[at - 1]
            if e - s <= _CONTEXT_UNIT_CHARS and not any(o.passage == c.passage and o.start == s for o in out):
                out.append(_unit(c, s, e, p))
        out.append(c)
        if leads and _is_lead(c.text) and at + 1 < len(units):
            s, e = units[at + 1]
            if "\n" not in p.text[c.end : s] and not any(o.passage == c.passage and o.start == s for o in chosen):
                out.append(_unit(c, s, e, p))
                continue
        if c.text.lstrip().startswith("“") and at + 1 < len(units):
            s, e = units[at + 1]
            head = p.text[s : min(e, s + 40)]
            if e - s <= _CONTEXT_UNIT_CHARS and ATTRIBUTION_RE.search(head) and not any(
                o.passage == c.passage and o.start == s for o in chosen
            ):
                out.append(_unit(c, s, e, p))
    return out


_LEAD_UNIT_CHARS = 30  # a sentence this short, with no number and no list, opens a topic rather than answering


def _is_lead(text: str) -> bool:
    t = text.strip()
    return len(t) <= _LEAD_UNIT_CHARS and not numbers_in(t) and not LIST_SEP.search(t)



def _names_anything(question: Question, cands: Sequence[Candidate]) -> bool:
    """Some word of the question (two characters or more, or a word inside it: 新兴产业 → 产业) other than the
    site's own names occurs in a unit as it is: without one, the passages are about something else whatever
    their meaning scores say. (Synonyms do not count here: 词林 makes 附近 a synonym of 前后 and 左右; an acronym's
    words do: GDP is 生产总值 spelled short.)"""
    asked = [w for t in question.terms if not t.site for w in (t.text, *t.parts, *t.spelled) if len(w) >= 2]
    if any(a in fold(c.text) for c in cands for a in asked):
        return True
    # ... or an abbreviation of words the units write out (高企 in 高新技术企业, 规上 in 规模以上): its characters in
    # order, a few apart
    short = [abbreviation_pattern(t.text)
             for t in question.terms if not t.site and 2 <= len(t.text) <= 4 and _CJK_ONLY.fullmatch(t.text)]
    return any(rx.search(c.text) for c in cands for rx in short)


_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def score(question: Question, cands: list[Candidate], model: AnswerModel) -> Ranked:
    """Candidates with the model's unit probabilities, best first, and the question's answer probability."""
    # a how-much question about the park itself (园区占地多大) may have no other word the articles use: a unit
    # with a number of the asked unit family is enough to let the model judge
    about_site = question.names_site and question.ask.kind == "number" and bool(question.ask.families) and any(
        c.features.get("type_strict") for c in cands)
    if not question.english and not about_site and not _names_anything(question, cands):
        return Ranked(question, [], 0.0)  # 明天天气怎么样: no word of it (but the park's name) in any passage
    cands = [c for c in cands if can_answer(question, c)]
    if not cands:
        return Ranked(question, [], 0.0)
    for c, p in zip(cands, model.unit_prob([c.vector() for c in cands]), strict=True):
        c.prob = float(p)
    cands.sort(key=lambda c: -c.prob)
    return Ranked(question, cands, model.answer_prob(question_features(question, cands)))


def _unit(like: Candidate, start: int, end: int, p: Passage) -> Candidate:
    return Candidate(like.passage, start, end, p.text[start:end], "", like.article_id, prob=like.prob)


def _in_reading_order(chosen: list[Candidate], passages: list[Passage]) -> list[Candidate]:
    """The primary unit first; the further units after it, those of one article in text order."""
    first, rest = chosen[0], chosen[1:]
    rest.sort(key=lambda c: (c.article_id != first.article_id, c.article_id, passages[c.passage].start + c.start))
    return [first, *rest]


def _overlaps(a: Candidate, b: Candidate, passages: list[Passage]) -> bool:
    pa, pb = passages[a.passage], passages[b.passage]
    if a.article_id and a.article_id == b.article_id:
        sa, ea = pa.start + a.start, pa.start + a.end
        sb, eb = pb.start + b.start, pb.start + b.end
        if sa < eb and sb < ea:
            return True
    return a.text in b.text or b.text in a.text


def _tidy(unit_text: str) -> str:
    t = unit_text.strip()
    t = t.rstrip("，,、：:；;")
    if not t.endswith(("。", "！", "？", "!", "?", "…", "”", "’", "」", "』", "）", ")")):
        t += "。"
    return t


def _compose(chosen: list[Candidate], passages: list[Passage]) -> tuple[str, list[Citation]]:
    numbers: dict[int, int] = {}
    parts: list[str] = []
    best: dict[int, Candidate] = {}
    for c in chosen:
        n = numbers.setdefault(c.passage, len(numbers) + 1)
        if c.passage not in best or c.prob > best[c.passage].prob:
            best[c.passage] = c  # the citation highlights the passage's strongest unit
        parts.append(f"{_tidy(c.text)}[{n}]")
    spans = {pi: (c.start, c.end) for pi, c in best.items()}
    citations = [citation_for(passages[pi], n, spans[pi]) for pi, n in numbers.items()]
    return "".join(parts), citations


__all__ = ["ExtractiveAnswerer", "Ranked", "can_answer", "score"]
