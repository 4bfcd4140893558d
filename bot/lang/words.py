"""Stop words and question words: the one list every layer uses (retrieval, answers, follow-ups)."""

from __future__ import annotations

import re

#: question words and phrases: they say what is asked, never what it is about
QUESTION_WORDS: frozenset[str] = frozenset(
    ["什么", "哪些", "哪个", "哪家", "哪位", "哪里", "哪儿", "哪", "哪一", "哪一年", "哪年", "哪天", "哪月", "哪一天", "哪几", "哪几个", "多少", "几", "几个", "几家", "几时", "几月", "几号", "多久", "多大", "多高", "多长", "多远", "多重", "多宽", "怎么", "怎样", "怎么样", "如何", "为什么", "为何", "干嘛", "是否", "有没有", "是不是", "对不对", "能不能", "会不会", "吗", "呢", "么", "请问", "谁", "啥", "咋", "何时", "何地", "何", "什么时候", "多少钱", "几成", "几倍", "第几", "呀", "嘛", "吧", "啊", "为啥", "干啥", "啥时候", "啥样", "咋样", "咋办", "怎么办", "老几", "多会儿", "几点", "哪样", "哪种", "哪类", "哪方面", "何种", "什么样", "怎么回事", "啥子"]
)

#: function words and fillers of spoken questions: no content an article could match
STOP_WORDS: frozenset[str] = frozenset(
    ["的", "了", "是", "在", "和", "与", "及", "或", "跟", "同", "也", "都", "就", "而", "并", "被", "把", "将", "对", "为", "以", "于", "之", "其", "这", "那", "该", "个", "些", "我", "你", "您", "他", "它", "她", "们", "我们", "你们", "他们", "它们", "咱们", "自己", "有", "没", "没有", "还", "又", "再", "才", "很", "太", "最", "更", "挺", "蛮", "真", "真的", "到底", "究竟", "大概", "大约", "约", "左右", "差不多", "一共", "总共", "一下", "一些", "有些", "这些", "那些", "这个", "那个", "这种", "那种", "这样", "那样", "这里", "那里", "这边", "那边", "如今", "现在", "目前", "当前", "今天", "明天", "昨天", "后天", "前天", "今日", "明日", "昨日", "已经", "曾经", "之前", "以前", "以后", "之后", "后来", "刚刚", "马上", "主要", "具体", "能", "能够", "可以", "可能", "会", "要", "想", "应该", "需要", "打算", "准备", "知道", "告诉", "说说", "讲讲", "聊聊", "介绍", "了解", "关于", "有关", "方面", "情况", "东西", "事", "事情", "样子", "一点", "点", "时候", "时间", "多", "少", "高", "低", "大", "小", "上", "下", "中", "里", "内", "外", "从", "到", "由", "让", "给", "向", "往", "得", "地", "着", "过", "算", "比较", "比", "达到", "达", "所", "等", "等等", "啥子", "咋样", "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or", "is", "are", "was", "were", "be", "been", "what", "which", "who", "whom", "whose", "how", "much", "many", "does", "do", "did", "when", "where", "why", "it", "its", "by", "with", "from", "that", "this", "these", "those", "there", "their", "they", "as", "about", "any", "some", "tell", "me", "please"]
)

#: head nouns that end the name of an institution, a facility or a body (某某生命科学研究院, 某某邻里中心): a run
#: of nouns ending in one names one thing, whatever its other words
INSTITUTION_HEADS: tuple[str, ...] = (
    "中心", "研究院", "研究所", "实验室", "产业园", "科技园", "示范园", "工业园", "孵化器", "加速器", "基地", "平台",
    "集团", "公司", "医院", "学校", "学院", "大学", "大厦", "广场", "公寓", "变电站", "电站", "工厂", "厂", "馆",
    "基金", "联盟", "协会", "商会", "银行", "园",
)

_CONTENT_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


_QUESTION_SPLIT = re.compile(
    r"(多少钱|多少[个家名位项次条座]?|多大|多久|多长|多高|多远|多重|多宽|什么时候|什么|哪一年|哪年|哪些|哪个|哪家|哪位|哪里|哪儿|几个|几家|几年|几月|几成|几倍|怎么样|怎么|怎样|如何|为什么|为何|为啥|有没有|是不是|是否|谁)"
)


def separate_question_words(text: str) -> str:
    """``text`` with spaces around its question words, so a segmenter cannot glue one to its neighbour
    (多大面积 must not become 多 + 大面积)."""
    return _QUESTION_SPLIT.sub(r" \1 ", text)


def is_content(word: str) -> bool:
    """A word that can carry content: not punctuation, not a stop word, not a question word."""
    w = word.strip().lower()
    return bool(w) and bool(_CONTENT_RE.search(w)) and w not in STOP_WORDS and w not in QUESTION_WORDS


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """``text`` with its Latin capitals in lower case and nothing else changed: the same length and offsets
    (question terms are lower case, so B轮 and PACK are found as b轮 and pack in the original text)."""
    return text.translate(_ASCII_LOWER)


__all__ = ["INSTITUTION_HEADS", "QUESTION_WORDS", "STOP_WORDS", "fold", "is_content", "separate_question_words"]
