"""What a question asks for: its type (number, date, entity, list, reason, comparison), its key terms with
weights, and the unit a number answer should carry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..thesaurus import THESAURUS

QUESTION_WORDS = set(
    ["什么", "哪些", "哪个", "哪家", "哪位", "哪里", "哪儿", "哪", "多少", "几", "几个", "几家", "几时", "几月", "多久", "多大", "多高", "多长", "怎么", "怎样", "如何", "为什么", "为何", "是否", "有没有", "是不是", "吗", "呢", "请问", "一下", "谁", "啥", "叫", "名字", "数据", "资料", "信息", "消息", "报道", "哪一年", "哪年", "何时", "什么时候", "多少钱", "能", "能有", "有", "带来", "还", "又", "the", "what", "which", "who", "how", "much", "many", "does", "do", "did", "when", "where", "why", "is", "are", "was", "were"]
)

_DATE_Q = re.compile(r"哪一?年|哪个年度|哪一年度|什么时候|何时|几时|几月|哪天|哪一天|日期|when|what year|which year", re.I)
_NUMBER_Q = re.compile(
    r"多少|几[个家名人位点项亿万吨条座所]|多大|多高|多长|多久|比例|增速|增长率|增幅|面积|规模|排第几|第几|几成|几倍"
    r"|how many|how much|what percentage|growth rate|rate",
    re.I,
)
_LIST_Q = re.compile(r"哪些|哪几|有什么|有哪|都有|包括|列举|“[^”]*个区”|四个|几个方面|which .*s\b", re.I)
_PERSON_Q = re.compile(
    r"谁|who|(?:书记|经理|主任|负责人|董事长|总裁|局长|区长|市长|记者|村民|院长|厂长|主席)[^，,。？?]{0,4}(?:叫什么|名字|姓名)",
    re.I,
)
_REASON_Q = re.compile(r"为什么|为何|怎么|如何|怎样|靠什么|什么模式|什么办法|措施|why|how (?!many|much)", re.I)
_COMPARE_Q = re.compile(r"哪个[^，,。？?]*多|比[^，,。？?]{0,12}(多|少|高|低)|相比|差多少|是不是|对比|compare", re.I)
_WHICH_NOUN = re.compile(r"(?:哪个|哪家|哪一个|哪座|哪所|什么)([\u4e00-\u9fff]{1,2})")

_UNITS = (
    ("亿元", ("亿元", "亿")),
    ("万元", ("万元",)),
    ("万吨", ("万吨",)),
    ("平方米", ("平方米", "万平方米")),
    ("人", ("人", "名", "位")),
    ("名", ("人", "名", "位")),
    ("家", ("家",)),
    ("个点", ("%",)),
    ("个百分点", ("%",)),
    ("点", ("%",)),
    ("%", ("%",)),
    ("百分", ("%",)),
    ("工作日", ("工作日", "天")),
    ("天", ("天", "工作日", "日")),
    ("GW", ("GW",)),
)


@dataclass
class QuestionInfo:
    text: str
    qtype: str  # number | date | person | list | reason | comparison | entity | generic
    terms: dict[str, float] = field(default_factory=dict)  # key term -> weight
    units: tuple[str, ...] = ()
    which_noun: str | None = None
    english: bool = False
    focus: tuple[str, ...] = ()  # key terms next to the question word: what is actually asked about
    from_sentence_start: bool = False  # answer windows must start where their sentence starts


def detect_type(q: str) -> str:
    if _COMPARE_Q.search(q):
        return "comparison"
    if _DATE_Q.search(q):
        return "date"
    if _PERSON_Q.search(q):
        return "person"
    if _LIST_Q.search(q):
        return "list"
    if _NUMBER_Q.search(q):
        return "number"
    if _REASON_Q.search(q):
        return "reason"
    if _WHICH_NOUN.search(q):
        return "entity"
    return "generic"


def expected_units(q: str) -> tuple[str, ...]:
    m = re.search(r"(?:多少|几)([\u4e00-\u9fffA-Za-z%]{1,3})", q)
    if not m:
        return ()
    tail = m.group(1)
    for key, units in _UNITS:
        if tail.startswith(key):
            return units
    return ()  # a bare classifier (个, 项) accepts any number


def which_noun(q: str) -> str | None:
    m = _WHICH_NOUN.search(q)
    if not m:
        return None
    noun = m.group(1)
    return None if noun in ("时候", "样", "么", "意思") else noun


__all__ = ["QUESTION_WORDS", "THESAURUS", "QuestionInfo", "detect_type", "expected_units", "which_noun"]
