"""Answers on the real corpus (e5 ``corpus_bot``): the shape of every dev-set answer (citations, grounded
numbers, length), the LangChain chain (invoke / stream / batch / named steps), follow-ups, topic separation,
JSON, bad input.

The dev set is a check that no weight was fitted on; how well the bot answers unseen questions (dev and a
park it never saw) is measured in tests/test_heldout.py.
"""

from __future__ import annotations

import json
import re
import statistics

import pytest
from helpers import DEV_SET, squash

from bot.corpus import load_corpus
from bot.errors import InputError
from bot.schema import Answer

pytestmark = pytest.mark.slow

MARKER = re.compile(r"\[(\d+)\]")
# a number followed by a unit: 1780亿元, 7.9%, 41家, 1万平方米, 5.5万吨, 3个工作日, 2024年7月 ...
NUM_UNIT = re.compile(
    r"\d+(?:\.\d+)?(?:多|余)?(?:万|亿|千|百)?"
    r"(?:%|‰|平方米|万吨|工作日|年度|元|家|个|人|名|吨|亩|GW|MW|年|月|日|次|项|倍|天|小时|公里|米)"
)


def dev_items() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def dev_answers(corpus_bot) -> dict[str, tuple[dict, Answer]]:
    return {it["id"]: (it, corpus_bot.ask(it["question"], it.get("history", []))) for it in dev_items()}


def plain(answer: Answer) -> str:
    return MARKER.sub("", answer.answer)


def has_facts(answer: Answer, facts: list[str]) -> bool:
    text = squash(plain(answer))
    return all(squash(f) in text for f in facts)


# --- dev set --------------------------------------------------------------------------------------


def test_citations_are_well_formed(dev_answers) -> None:
    problems = []
    for qid, (_, a) in dev_answers.items():
        if a.refused:
            continue
        if not a.citations:
            problems.append(f"{qid}: answer without citations")
        ids = {p.id: p for p in a.retrieved}
        markers = {int(m) for m in MARKER.findall(a.answer)}
        if markers != {c.n for c in a.citations}:
            problems.append(f"{qid}: markers {sorted(markers)} vs citations {[c.n for c in a.citations]}")
        for c in a.citations:
            s, e = c.span
            if not (0 <= s < e <= len(c.text)):
                problems.append(f"{qid}: span {c.span} outside text of {len(c.text)} chars")
                continue
            quoted = c.text[s:e].strip().rstrip(",，、;；:：。")
            if squash(quoted) not in squash(plain(a)):
                problems.append(f"{qid}: cited span {quoted[:30]!r} is not in the answer")
            p = ids.get(c.passage_id)
            if p is None or p.text != c.text or p.title != c.title or p.source != c.file:
                problems.append(f"{qid}: citation {c.n} does not match a retrieved passage")
    assert not problems, f"{len(problems)} citation problems: {problems[:8]}"


def test_numbers_in_answers_are_grounded_in_citations(dev_answers) -> None:
    checked = 0
    ungrounded = []
    for qid, (_, a) in dev_answers.items():
        if a.refused:
            continue
        cited = squash(" ".join(c.text + c.title for c in a.citations))
        for tok in NUM_UNIT.findall(plain(a)):
            checked += 1
            if tok not in cited:
                ungrounded.append(f"{qid}:{tok}")
    assert checked >= 30, f"only {checked} number tokens checked"
    assert not ungrounded, f"{len(ungrounded)}/{checked} number tokens not in any cited passage: {ungrounded}"


def test_answers_are_short(dev_answers) -> None:
    lengths = [len(plain(a)) for _, a in dev_answers.values()]
    med = statistics.median(lengths)
    assert med <= 150, f"median answer length {med} chars (max {max(lengths)})"
    assert max(lengths) <= 400, f"longest answer {max(lengths)} chars"


# --- the chain ------------------------------------------------------------------------------------


def test_chain_invoke(corpus_bot) -> None:
    a = corpus_bot.chain.invoke({"question": "海创尚纬的注册资本是多少?", "history": []})
    assert isinstance(a, Answer) and not a.refused and "5亿元" in a.answer
    assert a.mode == "extractive" and a.search_query
    assert a.timings_ms["total"] >= a.timings_ms["retrieve"] >= 0


def test_chain_stream_yields_deltas_then_the_answer(corpus_bot) -> None:
    items = list(corpus_bot.chain.stream({"question": "创智谷孵化器的面积有多大?", "history": []}))
    *deltas, final = items
    assert isinstance(final, Answer)
    assert deltas and all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas) == final.answer
    assert "1万平方米" in final.answer
    events = list(corpus_bot.stream("创智谷孵化器的面积有多大?"))
    assert [e["type"] for e in events[:-1]] == ["token"] * (len(events) - 1) and events[-1][
        "type"
    ] == "answer"
    assert "".join(e["text"] for e in events[:-1]) == events[-1]["answer"].answer


def test_chain_batch(corpus_bot) -> None:
    questions = ["海创尚纬的注册资本是多少?", "帮我写一首关于春天的诗", "创智谷孵化器什么时候开园的?"]
    answers = corpus_bot.chain.batch([{"question": q, "history": []} for q in questions])
    assert [a.question for a in answers] == questions
    assert "5亿元" in answers[0].answer and answers[1].refused and "2024年7月" in answers[2].answer


def test_chain_steps_are_named_runnables_seen_by_callbacks(corpus_bot) -> None:
    """condense → normalize → retrieve → answer run as child runs: callbacks and astream_events see each."""
    import asyncio

    async def collect() -> list[tuple[str, str]]:
        seen = []
        async for ev in corpus_bot.chain.astream_events({"question": "海创尚纬的注册资本是多少?", "history": []}):
            seen.append((ev["event"], ev["name"]))
        return seen

    events = asyncio.run(collect())
    started = {name for kind, name in events if kind.endswith("_start")}
    assert {"park_qa", "condense", "normalize", "retrieve", "answer"} <= started, started
    assert ("on_retriever_start", "ParkRetriever") in events, events[:12]
    final = [ev for ev in events if ev[0] == "on_chain_end" and ev[1] == "park_qa"]
    assert final


# --- conversation and topics -----------------------------------------------------------------------


def test_follow_up_uses_history(corpus_bot) -> None:
    history = ["四川海创尚纬是哪两家公司合资成立的?"]
    with_history = corpus_bot.ask("它的注册资本是多少?", history)
    assert not with_history.refused and "5亿元" in with_history.answer
    assert "海创尚纬" in (with_history.search_query or ""), with_history.search_query
    bare = corpus_bot.ask("它的注册资本是多少?")
    assert "海创尚纬" not in (bare.search_query or "")


def test_follow_up_without_history_does_not_guess(corpus_bot) -> None:
    """Without the conversation, "它" is unknown: refuse, or name what the answer is about."""
    bare = corpus_bot.ask("它的注册资本是多少?")
    assert bare.refused or "海创尚纬" in bare.answer, bare.answer


def test_follow_up_history_changes_the_search(corpus_bot) -> None:
    history = ["金口河区民主村开的坝坝会是讲什么的?"]
    with_history = corpus_bot.ask("来了多少人?", history)
    assert "民主村" in (with_history.search_query or ""), with_history.search_query
    assert any("民主村" in p.text for p in with_history.retrieved[:3])
    bare = corpus_bot.ask("来了多少人?")
    assert "民主村" not in (bare.search_query or "")


@pytest.fixture(scope="module")
def article_titles() -> dict[str, str]:
    from helpers import CORPUS

    return {a.article_id: a.title for a in load_corpus([CORPUS]).articles}


def cited_articles(answer: Answer) -> list[str]:
    by_id = {p.id: p.article_id for p in answer.retrieved}
    return [by_id[c.passage_id] for c in answer.citations]


@pytest.mark.parametrize(
    "question", ["金口河区是怎样推进移风易俗的?", "金口河区民主村的坝坝会上倡导了哪些移风易俗的做法?"]
)
def test_jinkouhe_question_cites_only_the_jinkouhe_article(corpus_bot, article_titles, question: str) -> None:
    a = corpus_bot.ask(question)
    assert not a.refused and a.citations
    titles = [article_titles[aid] for aid in cited_articles(a)]
    assert all("金口河" in t for t in titles), titles


@pytest.mark.parametrize(
    "question",
    ["乐山高新区2023年营业收入是多少?", "高新区直管区有多少家高新技术企业?", "乐山高新区如何优化营商环境?"],
)
def test_park_question_never_cites_the_jinkouhe_article(corpus_bot, article_titles, question: str) -> None:
    a = corpus_bot.ask(question)
    assert not a.refused and a.citations
    titles = [article_titles[aid] for aid in cited_articles(a)]
    assert all("金口河" not in t for t in titles), titles
    assert all(c.title == article_titles[aid] for c, aid in zip(a.citations, cited_articles(a), strict=True))


def test_english_question_is_answered_from_the_chinese_articles_or_refused(corpus_bot) -> None:
    """English questions are matched by meaning (multilingual e5): an answer says it quotes Chinese articles."""
    a = corpus_bot.ask("What is the registered capital of Sichuan Haichuang Shangwei?")
    if not a.refused:
        assert a.answer.startswith("According to the (Chinese) articles") and a.citations, a.answer
    assert a.retrieved and any("海创尚纬" in p.text for p in a.retrieved[:4])


def test_answer_json_round_trips(corpus_bot) -> None:
    for q in ["海创尚纬的注册资本是多少?", "Excel里怎么做数据透视表?"]:
        a = corpus_bot.ask(q)
        again = Answer.model_validate_json(a.model_dump_json())
        assert again == a
        assert json.loads(a.model_dump_json())["question"] == q


@pytest.mark.parametrize("bad", ["", "   \n\t ", "问" * 501, None, 42])
def test_bad_questions_are_input_errors(corpus_bot, bad) -> None:
    with pytest.raises(InputError) as err:
        corpus_bot.ask(bad)
    assert "\n" not in err.value.one_line()


def test_bad_history_is_an_input_error(corpus_bot) -> None:
    with pytest.raises(InputError):
        corpus_bot.ask("注册资本是多少?", "not a list")
    with pytest.raises(InputError):
        corpus_bot.ask("注册资本是多少?", [1, 2])


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("伟力得的注册资本是多少？", "伟力得"),
        ("孵化器的注册资本是多少？", "孵化器"),
        ("宝德大数据产业园的注册资本是多少？", "宝德"),
        ("航达电子的注册资本是多少?", "航达"),
    ],
)
def test_no_answer_states_one_things_attribute_for_another(corpus_bot, question: str, subject: str) -> None:
    """The articles give a registered capital for one company only: asked for another's, the bot must not
    answer with it. Either it refuses, or every answer sentence names (or follows) the thing asked about."""
    a = corpus_bot.ask(question)
    if a.refused:
        return
    for c in a.citations:
        s, _ = c.span
        context = c.text[max(0, s - 200) : c.span[1]]
        assert subject in context or subject in c.title, (a.answer, c.text[s : c.span[1]])


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("阳昇质结的项目总投资是多少钱？", r"\d(?:\.\d+)?[万亿]?元"),  # money, not 10GW or 33%
        ("创智谷孵化器一共有多少平方米？", r"\d(?:\.\d+)?万?平方米"),
        ("海创尚纬的负极材料项目是哪天投产的？", r"\d{1,2}月|\d{4}年"),  # a date, not a tonnage
    ],
)
def test_an_answer_carries_the_kind_of_value_asked_for(corpus_bot, question: str, shape: str) -> None:
    """A how-much-money question is answered with an amount of money, an area question with an area, a
    when question with a date: or refused. Never with a sentence that holds some other number."""
    a = corpus_bot.ask(question)
    assert a.refused or re.search(shape, a.answer), a.answer


@pytest.mark.parametrize("request_text", ["帮我写一段介绍海创尚纬的宣传文案", "请把创智谷孵化器的介绍翻译成英文"])
def test_a_request_to_write_is_refused_even_about_the_corpus(corpus_bot, request_text: str) -> None:
    """The bot quotes articles; writing or translating is not answering, whatever the passages hold."""
    a = corpus_bot.ask(request_text)
    assert a.refused and not a.citations, a.answer


@pytest.mark.parametrize(
    "question", ["乐山高新区哪家奶茶店最好喝？", "高新区周边的酒店一晚多少钱？", "乐山高新区有没有好玩的景点推荐？"]
)
def test_a_question_that_only_shares_the_parks_name_with_the_articles_is_refused(corpus_bot, question: str) -> None:
    """Every passage names the park; none names what is asked about (奶茶店, 酒店, 景点)."""
    a = corpus_bot.ask(question)
    assert a.refused and not a.citations, a.answer


@pytest.mark.parametrize("question", ["高新区有哪些主导产业？", "乐山高新区的主导产业是什么？"])
def test_a_word_the_articles_only_write_in_part_still_finds_its_answer(corpus_bot, question: str) -> None:
    """The articles never write 主导产业, but they list the park's industries (产业): an answer, not a refusal."""
    a = corpus_bot.ask(question)
    assert not a.refused and a.citations, a.answer
    assert "产业" in a.answer


@pytest.mark.parametrize("question", ["乐山高新区怎么样？", "介绍一下高新区"])
def test_a_question_naming_only_the_park_is_asked_to_say_what_about_it(corpus_bot, question: str) -> None:
    from bot.answer.texts import EMPTY_QUESTION_TEXT

    a = corpus_bot.ask(question)
    assert a.refused and a.answer == EMPTY_QUESTION_TEXT.format(about="乐山高新区"), a.answer


def test_a_quotation_belongs_to_the_company_its_speaker_names(corpus_bot) -> None:
    """“……前后只用了3个工作日。” is followed by the 阳昇质结 manager who said it: asked about 阳昇质结 it
    answers, asked about another company it is that company's figure no more."""
    own = corpus_bot.ask("阳昇质结拿证开工前后只用了几个工作日？")
    assert not own.refused and "3个工作日" in own.answer, own.answer
    other = corpus_bot.ask("海创尚纬拿证开工前后只用了几个工作日？")
    assert other.refused or "3个工作日" not in other.answer, other.answer
