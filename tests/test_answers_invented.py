"""Answers on an invented article with two companies (names, figures and park are made up), with the real
default embedder and the packaged answerer: a figure stated for one company, or for another attribute,
is never given as the answer about the other one; the articles' own abbreviations and month-only dates
are understood, and so are acronyms the articles spell out (GDP).

This is the case the question sets can only sample: the company asked about is named in the articles, the
attribute asked for is stated, but for a different company (its sentence says 该公司, and the company is
named one sentence before), or the company's only figure is of another kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_settings

pytestmark = pytest.mark.slow

ARTICLE = """星河新材料项目签约落户示范区

本报讯 近日，星河新材料有限公司年产5万吨电池隔膜项目在示范区正式签约。该公司注册资本2亿元，主要从事锂电池隔膜的研发和生产。

据介绍，项目总投资12亿元，分两期建设，一期计划于2025年6月投产。

同日签约的还有蓝海精密制造公司。蓝海精密2024年实现营业收入8亿元，同比增长15%，产品远销东南亚。示范区管委会主任表示，将为企业提供全程代办服务。
"""


REPORT = """青川经开区一季度经济运行稳中向好

本报讯 4月12日，记者从青川经济技术开发区管委会获悉，一季度全区实现地区生产总值152.6亿元，同比增长6.8%；规模以上工业增加值46.3亿元，同比增长9.1%；完成固定资产投资38亿元，同比增长12.4%。

截至3月底，园区共有规上工业企业126家，其中高新技术企业58家。

重点项目方面，总投资50亿元的鼎森动力电池项目于2月18日开工建设，预计2026年底建成投产。翰墨光电显示模组项目已完成主体厂房建设，计划6月试生产。
"""


def open_bot(tmp_path_factory: pytest.TempPathFactory, name: str, files: dict[str, str], site: str | None = None):
    """A Bot over a corpus of ``files`` (name → text) in a fresh tmp dir, with ``site`` as its site.toml."""
    from bot import Bot

    tmp: Path = tmp_path_factory.mktemp(name)
    corpus = tmp / "corpus"
    corpus.mkdir()
    for file_name, text in files.items():
        (corpus / file_name).write_text(text, encoding="utf-8")
    extra = {}
    if site is not None:
        (corpus / "site.toml").write_text(site, encoding="utf-8")
        extra["site_file"] = corpus / "site.toml"
    return Bot.open(make_settings(tmp, corpus_dir=corpus, **extra), build_if_missing=True)


@pytest.fixture(scope="module")
def invented_bot(tmp_path_factory: pytest.TempPathFactory):
    return open_bot(tmp_path_factory, "invented", {"a.txt": ARTICLE, "b.txt": REPORT})


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("星河新材料的注册资本是多少？", "2亿元"),
        ("蓝海精密营业收入多少？", "8亿元"),
        ("星河新材料项目总投资多少？", "12亿元"),
        # 规上 is the articles' own abbreviation of 规模以上, which the answering sentence spells out
        ("一季度规上工业增加值是多少？", "46.3亿元"),
        ("翰墨光电项目什么时候试生产？", "6月"),  # a month alone is a date
        # 高企 is written nowhere: the articles spell it out (高新技术企业)
        ("现在有几家高企？", "58家"),
        # GDP is written nowhere: CC-CEDICT spells the acronym out (国内生产总值, 生产总值)
        ("青川经开区一季度GDP是多少？", "152.6亿元"),
        ("鼎森动力电池项目什么时候开工？", "2月18日"),
    ],
)
def test_a_stated_figure_is_answered_with_its_citation(invented_bot, question: str, fact: str) -> None:
    a = invented_bot.ask(question, [])
    assert not a.refused and fact in a.answer, a.answer
    assert a.citations


def test_a_message_of_two_questions_gets_both_answers(invented_bot) -> None:
    # the two figures stand in two sentences: the best unit for the message answers one part only
    a = invented_bot.ask("青川经开区一季度地区生产总值多少？规上工业企业有几家？", [])
    assert not a.refused and "152.6亿元" in a.answer and "126家" in a.answer, a.answer
    assert all(any(f in c.text for c in a.citations) for f in ("152.6亿元", "126家"))


def test_a_message_whose_first_part_the_articles_do_not_answer_gets_its_other_part(invented_bot) -> None:
    # no head count is stated for 星河新材料: the message as a whole looks unanswerable, its second part is not
    a = invented_bot.ask("星河新材料有多少员工？注册资本多少？", [])
    assert not a.refused and "2亿元" in a.answer, a.answer
    assert "8亿元" not in a.answer  # 蓝海精密's revenue


@pytest.mark.parametrize(
    ("question", "not_its"),
    [
        ("蓝海精密的注册资本是多少？", ("2亿元", "8亿元")),  # 2亿元 is the other company's; 8亿元 is revenue
        ("蓝海精密什么时候投产？", ("2025年6月", "2024年")),  # the other company's start; a revenue year
        # the articles name 翰墨光电 but give no investment for it: 50亿元 is 鼎森's, in the sentence before
        ("翰墨光电项目总投资多少？", ("50亿元", "12亿元")),  # 12亿元 is 星河's, said of 项目 in its own article
        # ... and asked beside a part the articles answer (试生产): the answered part brings no figure along
        ("翰墨光电项目总投资多少？什么时候试生产？", ("50亿元", "12亿元")),
        # the articles date 翰墨光电's trial production, and 鼎森's start of work in the next sentence: a date of
        # another event, or of another project's start, is no answer to 什么时候开工
        ("翰墨光电项目什么时候开工？", ("6月", "2月18日")),
    ],
)
def test_a_figure_of_another_company_or_attribute_is_never_the_answer(
    invented_bot, question: str, not_its: tuple[str, ...]
) -> None:
    a = invented_bot.ask(question, [])
    assert a.refused or not any(x in a.answer for x in not_its), a.answer


#: two companies' figures for one attribute, in articles of their own (two passages); one company is named more
#: often than the other, so its name weighs less in a question naming both
PAIR = (
    """云帆电子二期项目开工

本报讯 云帆电子科技有限公司是示范区培育的芯片设计企业，云帆电子二期项目已于今年3月开工。2024年，云帆电子实现营业收入23.5亿元，同比增长18%，其车规级芯片已进入星海汽车有限公司等整车企业的供应链。
""",
    """青松生物疫苗车间投用

本报讯 青松生物医药有限公司（以下简称青松生物）新建的疫苗车间已投入使用，带动就业600人。2024年，青松生物实现营业收入31.2亿元，同比增长12%。
""",
    """云帆电子获评省级专精特新企业

本报讯 近日，省经信厅公布新一批专精特新企业名单，云帆电子位列其中。云帆电子负责人表示，将继续加大研发投入。
""",
)


@pytest.fixture(scope="module")
def pair_bot(tmp_path_factory: pytest.TempPathFactory):
    files = {f"pair{i}.txt": text for i, text in enumerate(PAIR)}
    return open_bot(tmp_path_factory, "pair", {**files, "b.txt": REPORT})


@pytest.mark.parametrize("question", ["云帆电子和青松生物，谁的营收更高？", "青松生物和云帆电子去年营业收入哪个多？"])
def test_a_comparison_quotes_the_figure_of_each_side(pair_bot, question: str) -> None:
    # a sentence on one of the two compared companies is about the question, not about "another company"
    a = pair_bot.ask(question, [])
    assert not a.refused, a.answer
    assert "23.5亿元" in a.answer and "31.2亿元" in a.answer, a.answer


def test_a_one_company_question_still_never_takes_the_other_ones_figure(pair_bot) -> None:
    a = pair_bot.ask("云帆电子的营业收入是多少？", [])
    assert not a.refused and "23.5亿元" in a.answer and "31.2亿元" not in a.answer, a.answer


@pytest.mark.parametrize(("question", "word"), [("园区2024年产值多少？", "产值"), ("2023年销售额是多少？", "销售额")])
def test_a_year_is_not_glued_to_the_word_after_it(invented_bot, question: str, word: str) -> None:
    """2024年产值 is the output of 2024: the attribute asked for is 产值, not 年产值 (annual output), which a
    sentence saying 2024年…实现产值 does not hold."""
    from bot.answer.features import analyze

    words = {t.text for t in analyze(question, invented_bot.searcher.stats).terms}
    assert word in words and "年" + word not in words, words


def test_a_follow_up_carries_the_verb_its_topic_was_cut_into(invented_bot) -> None:
    """有几座加氢站 is cut into the verb 加氢 and 站: the follow-up 到2027年要建到多少座 must still search for
    加氢, or it asks about nothing."""
    from bot.answer.followup import FollowUpRewriter

    rewritten = FollowUpRewriter(invented_bot.searcher.stats).rewrite("到2027年要建到多少座？", ["园区现在有几座加氢站？"])
    assert "加氢" in rewritten and rewritten.endswith("到2027年要建到多少座？"), rewritten


SITE_REPORT = """青川经开区一季度经济运行稳中向好

本报讯 4月12日，记者从青川经济技术开发区管委会获悉，一季度全区实现地区生产总值152.6亿元，同比增长6.8%；完成固定资产投资38亿元，同比增长12.4%。

青川经开区位于青川县城南部，规划面积32.5平方公里，建成区面积12.8平方公里，已形成动力电池、光电显示两大主导产业。

重点项目方面，总投资50亿元的鼎森动力电池项目于2月18日开工建设，预计2026年底建成投产。
"""


@pytest.fixture(scope="module")
def site_bot(tmp_path_factory: pytest.TempPathFactory):
    site = '[site]\nname = "青川经开区"\naliases = ["青川经济技术开发区"]\n'
    return open_bot(tmp_path_factory, "invented_site", {"a.txt": SITE_REPORT}, site)


def test_a_how_much_question_about_the_park_itself_reaches_the_model(site_bot) -> None:
    # no word but the park's own name is in the articles (占地 is written nowhere): the unit with an area
    # is still weighed, and ranked first, not refused before the model sees it. Whether the question model then
    # answers sits at its threshold on this one-article corpus (answer probability 0.753 at the ninth
    # session's fit, 0.716 at the tenth's, threshold 0.739 both times), so the answer is the area or a refusal
    # that shows its passage, never another figure
    from bot.answer.extractive import ExtractiveAnswerer

    question = "青川经开区占地总共多大？"
    answerer = ExtractiveAnswerer(site_bot.searcher.stats, site_bot.searcher, site_bot.settings)
    ranked = answerer.rank(question, site_bot.searcher.search(question, site_bot.settings.k), original=question)
    assert ranked.candidates and "32.5平方公里" in ranked.candidates[0].text, [c.text for c in ranked.candidates]
    answer = site_bot.ask(question)
    if answer.refused:
        assert any("32.5平方公里" in p.text for p in answer.retrieved), answer.answer
    else:
        assert "32.5平方公里" in answer.answer and answer.citations, answer.answer


STAFF = """星河新材料与蓝海精密扩产提速

本报讯 在星河新材料有限公司的生产车间，工程师林晓正在调试一条新的隔膜生产线。2024年，星河新材料电池隔膜出货量达到3.2亿平方米，同比增长40%。

蓝海精密制造公司总经理周岩介绍，2024年蓝海精密出货精密结构件900万件，新增客户12家。
"""


@pytest.fixture(scope="module")
def staff_bot(tmp_path_factory: pytest.TempPathFactory):
    return open_bot(tmp_path_factory, "staff", {"a.txt": STAFF})


def test_a_subject_named_by_a_description_is_asked_about_by_its_name(staff_bot) -> None:
    """工程师林晓所在的公司 is 星河新材料: its 出货量, not the other company's, and the reading is shown."""
    a = staff_bot.ask("工程师林晓所在的公司，2024年出货量是多少？", [])
    assert not a.refused and "3.2亿平方米" in a.answer and "900万件" not in a.answer, a.answer
    assert a.notice and "星河新材料" in a.notice, a.notice


def test_a_description_nothing_in_the_articles_says_is_left_as_asked(staff_bot) -> None:
    """No sentence says who 工程师王强 is: the question is not rewritten about some name, and no figure of
    either company is given as the answer about him."""
    a = staff_bot.ask("工程师王强所在的公司，2024年出货量是多少？", [])
    assert not a.notice, a.notice
