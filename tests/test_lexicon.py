"""The domain dictionary drawn from articles (bot/lexicon.py), on invented text: company names and their
short forms, places before 乡/村/县/区, quoted names and 以下简称 aliases.

The trade names here (翠岭, 锦鳞, 蓝溪 …) and the small places (青禾乡, 石桥村 …) are invented; the
provinces and 岳阳 are ordinary geography.
"""

from __future__ import annotations

import pytest

from bot.lexicon import extract_terms, place_terms

COMPANY = "湖南翠岭生物制药有限公司"


def test_a_company_full_name_and_its_short_forms() -> None:
    terms = set(extract_terms([f"{COMPANY}新建的车间已经投产。"]))
    assert COMPANY in terms
    assert "翠岭" in terms  # the trade name
    assert "翠岭生物" in terms  # trade name + its first industry word
    assert "翠岭生物制药" in terms  # the name without its province
    assert not any(t.startswith("湖南") and t != COMPANY for t in terms), sorted(terms)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("四川锦鳞新材料科技有限公司", {"锦鳞", "锦鳞新材料", "锦鳞新材料科技"}),
        ("江西蓝溪智能装备股份有限公司", {"蓝溪"}),
        ("中国湖南翠岭生物制药有限责任公司", {"翠岭", "翠岭生物"}),
    ],
)
def test_company_suffixes_and_provinces(name: str, short: set[str]) -> None:
    terms = set(extract_terms([f"据了解，{name}计划扩大产能。"]))
    assert name in terms or name.removeprefix("中国") in terms, sorted(terms)
    assert short <= terms, sorted(terms)


def test_a_leading_place_the_text_marks_as_a_place_is_stripped() -> None:
    text = f"岳阳市近日出台新政策。岳阳{COMPANY.removeprefix('湖南')}获得首批奖励。"
    terms = set(extract_terms([text]))
    assert "岳阳" in terms and "岳阳市" in terms  # the text itself calls 岳阳 a place
    assert {"翠岭", "翠岭生物", "翠岭生物制药"} <= terms, sorted(terms)
    assert not any(t.startswith("岳阳翠岭") and not t.endswith("公司") for t in terms), sorted(terms)


def test_a_leading_word_is_kept_when_the_text_does_not_call_it_a_place() -> None:
    # without 岳阳市 (or another 岳阳+suffix) in the text, nothing says 岳阳 is a place
    terms = set(extract_terms([f"岳阳{COMPANY.removeprefix('湖南')}获得首批奖励。"]))
    assert f"岳阳{COMPANY.removeprefix('湖南')}" in terms
    assert "翠岭" not in terms


@pytest.mark.parametrize("verb", ["走进", "来到", "入驻"])
def test_a_leading_verb_is_dropped_from_a_company_name(verb: str) -> None:
    terms = set(extract_terms([f"{verb}{COMPANY}，机器轰鸣。"]))
    assert COMPANY in terms
    assert not any(t.startswith(verb) for t in terms), sorted(terms)


def test_places_before_township_village_county_and_district() -> None:
    text = "青禾乡和石桥村的农户，白沙县、云溪区的商户都来赶集。"
    places = place_terms([text])
    for name, suffix in (("青禾", "乡"), ("石桥", "村"), ("白沙", "县"), ("云溪", "区")):
        assert name in places and name + suffix in places, sorted(places)
    assert places <= set(extract_terms([text]))


@pytest.mark.parametrize(
    "text",
    [
        "这个工业园区建成了先进制造业集聚区，还申报了国家级示范区，物流园区也在扩建。",
        "科技园区、产业园区和文旅示范区同步推进，新材料产业集聚区初具规模。",
        "示范区内，园区企业在集聚区落户，社区和景区也在改造。",
    ],
)
def test_common_words_before_district_are_not_places(text: str) -> None:
    places = place_terms([text])
    for word in ("园区", "示范区", "集聚区", "社区", "景区", "园", "示范", "集聚", "工业", "产业", "国家级"):
        assert word not in places, sorted(places)


def test_words_that_say_all_or_local_are_not_places() -> None:
    places = place_terms(["全市各区县的企业和本地乡村都参加了，全县上下一起行动。"])
    for word in ("全市", "全县", "本地", "乡村", "各区"):
        assert word not in places, sorted(places)


def test_quoted_names_and_aliases_are_kept() -> None:
    text = f"镇上推出“云上办”平台和「邻里帮」小程序，{COMPANY}（以下简称“翠岭药业”）表示将扩产。"
    terms = set(extract_terms([text]))
    assert {"云上办", "邻里帮", "翠岭药业", COMPANY} <= terms, sorted(terms)


def test_extract_terms_is_sorted_unique_and_bounded() -> None:
    texts = [f"{COMPANY}在青禾乡投产。", f"{COMPANY}（以下简称“翠岭药业”）扩产。", ""]
    terms = extract_terms(texts)
    assert terms == sorted(set(terms))
    assert all(2 <= len(t) <= 30 for t in terms)
    assert extract_terms([]) == [] and extract_terms([""]) == []


def test_a_company_named_without_its_legal_form() -> None:
    terms = set(extract_terms(["同日签约的还有锦鳞精密制造公司，产品远销海外。"]))
    assert "锦鳞精密制造公司" in terms
    assert {"锦鳞", "锦鳞精密"} <= terms, sorted(terms)


@pytest.mark.parametrize(
    "text", ["该公司注册资本2亿元。", "一家新能源公司落户园区。", "引进龙头制造公司。", "成立合资公司。", "项目公司已注册。"]
)
def test_a_phrase_about_some_company_is_not_a_name(text: str) -> None:
    assert not any(t.endswith("公司") for t in extract_terms([text])), extract_terms([text])


def test_a_short_form_never_ends_inside_an_industry_word() -> None:
    terms = set(extract_terms(["翠岭新材料有限公司今年投产。"]))
    assert "翠岭" in terms
    assert "翠岭新" not in terms, sorted(terms)
