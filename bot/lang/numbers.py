"""Numbers with units, dates and names after role words: the shapes of facts in Chinese news text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

#: unit families: a question's expected unit accepts any unit of its family
UNIT_FAMILIES: dict[str, tuple[str, ...]] = {
    "money": ("亿元", "万元", "千元", "元", "亿美元", "万美元", "美元"),
    "percent": ("%", "％", "个百分点", "百分点", "‰"),
    "area": ("平方公里", "平方千米", "万平方米", "平方米", "平方厘米", "亩", "公顷"),
    "weight": ("万吨", "吨", "千克", "公斤", "毫克", "克"),
    "power": ("GWh", "MWh", "kWh", "GW", "MW", "kW", "千瓦时", "千瓦", "兆瓦", "吉瓦", "度"),
    "people": ("人", "名", "位", "人次"),
    "duration": ("个工作日", "工作日", "个月", "天", "日", "个星期", "星期", "周", "年", "个小时", "小时", "个钟头", "分钟"),
    "count": ("个", "家", "项", "座", "所", "条", "台", "套", "次", "批", "户", "栋", "件", "款", "种", "支", "只", "间", "期",
              "辆", "剂", "张", "份", "架", "艘", "颗", "枚", "片", "粒", "瓶", "箱", "部", "根", "块", "株", "笔", "场", "届",
              "轮", "篇"),
    "length": ("公里", "千米", "厘米", "毫米", "米"),
}
_ALL_UNITS = sorted({u for us in UNIT_FAMILIES.values() for u in us}, key=len, reverse=True)
_UNIT_ALT = "|".join(re.escape(u) for u in _ALL_UNITS)
_MAGNITUDE = "[十百千万亿]*"
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"

#: a number, optionally approximate (多/余/近/约), with an optional magnitude and a unit
NUMBER_RE = re.compile(rf"(?<![\d.]){_NUM}(?:多|余)?{_MAGNITUDE}(?P<unit>{_UNIT_ALT})")
#: a bare Arabic number (no unit)
BARE_NUMBER_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
#: dates: 2024年, 2024年12月, 12月18日, 18日, 10月底, 6月, 六月份, 三季度, 上半年, 2024-12-18
DATE_RE = re.compile(
    r"(?:19|20)\d{2}年(?:度)?(?:\d{1,2}月(?:\d{1,2}日)?(?:[初底中旬])?)?|\d{1,2}月\d{1,2}日|\d{1,2}月[初底中]旬?"
    r"|(?:19|20)\d{2}-\d{1,2}(?:-\d{1,2})?"
    r"|(?<![\d.])(?:[12]?\d|3[01])日(?=当天|当日|上午|下午|晚|早上|凌晨|中午|起|在|[，,])"  # 18日下午: a day of this month
    r"|(?<![\d.])(?:1[0-2]|0?[1-9])月份?|(?<![一二三四五六七八九十])(?:十[一二]|[一二三四五六七八九十])月份?"
    r"|(?:第)?[一二三四]季度|[上下]半年"
)
#: ranks and orders: 第一, 第2, 居全省第三, 首位, 榜首
RANK_RE = re.compile(r"第[一二三四五六七八九十\d]+|首位|榜首|首家|首个|前[一二三四五六七八九十\d]+")
ROLE_WORDS = ["党委书记", "党工委书记", "书记", "副书记", "主任", "副主任", "董事长", "副董事长", "董事", "总经理", "副总经理", "常务副总经理", "经理", "总裁", "副总裁", "负责人", "局长", "副局长", "厅长", "副厅长", "区长", "副区长", "市长", "副市长", "省长", "县长", "副县长", "镇长", "乡长", "村长", "主席", "副主席", "院长", "副院长", "校长", "副校长", "厂长", "处长", "科长", "部长", "副部长", "所长", "副所长", "站长", "总监", "总工程师", "工程师", "创始人", "理事长", "秘书长", "会长", "副会长", "社长", "行长", "馆长", "链长", "主编", "首席执行官", "首席科学家", "首席专家", "带头人", "合伙人", "院士", "记者", "通讯员", "村民", "居民", "工作人员", "专家", "教授", "研究员"]
_ROLE_ALT = "|".join(sorted(map(re.escape, ROLE_WORDS), key=len, reverse=True))
#: the commonest Chinese surnames (a name after a role word starts with one; 记者近日, 负责人介绍 do not)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康"
    "施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席"
    "卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝杭洪"
)
#: what follows a name in news text: speech (表示, 说), a comma, or 在; a two-character name may also be followed
#: by a conjunction or the verb of what the person did (韩某和, 马某分管, 许某是, 院士韩某作了报告)
_AFTER_NAME = r"表示|说|介绍|指出|称|认为|强调|透露|告诉|坦言|，|,|、|。|在"
_AFTER_SHORT_NAME = (
    _AFTER_NAME + r"|回忆|解释|感慨|笑着|和|与|及|等|是|为|作|做|对|给|向|把|将|也|还|就|都|带|率|兼|出席|主持|致辞"
    r"|宣布|围绕|分管|参加|陪同|一行|[；;：:（(“”]"
)
#: a person: a role word, then a name of a common surname and one or two more characters, then speech,
#: punctuation or what the person did (新闻体: 党委书记某某表示; 院士某某作了报告; 村民们, 记者近日 are no names)
PERSON_RE = re.compile(
    rf"(?:{_ROLE_ALT})([{SURNAMES}](?:[\u4e00-\u9fff]{{2}}(?={_AFTER_NAME})|[\u4e00-\u9fff]{{1,2}}?(?={_AFTER_SHORT_NAME})))"
)
#: speech verbs of news attribution
ATTRIBUTION_RE = re.compile(r"表示|说|称|介绍|指出|认为|强调|透露|坦言")


_CN_PHASE = re.compile(r"[一二三四五六七八九十]+期")
#: jobs counted with 个: the number right after 岗位 (就业岗位约1200个) or right before it (1200个就业岗位)
_JOBS_BEFORE = re.compile(r"岗位[约近超逾达]{0,2}$")
_JOBS_AFTER = re.compile(r"(?:就业|工作|新)?岗位")


#: a round magnitude said in words (千亿, 百亿级) and the way news text writes it in figures (1000亿)
_ROUND_MAGNITUDE = re.compile(r"^([百千])(万|亿)")


def figure_forms(word: str) -> list[str]:
    """千亿 → 1000亿, 百万 → 100万: a round number said in words, as figures (破千亿 is answered
    by 突破1000亿元)."""
    m = _ROUND_MAGNITUDE.match(word)
    return [f"{_CN_UNITS[m.group(1)]}{m.group(2)}"] if m else []


def cn_to_int(text: str) -> int | None:
    """二十五 → 25, 一百零八 → 108, 两千 → 2000; None when ``text`` is not a Chinese numeral."""
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS for c in text):
        return None
    total, digit = 0, None
    for c in text:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        else:
            total += (digit if digit is not None else 1) * _CN_UNITS[c]
            digit = None
    return total + (digit or 0)


_FAMILY_OF = {u.lower(): fam for fam, us in UNIT_FAMILIES.items() for u in us}


def unit_family(unit: str) -> str | None:
    """The family of a unit, written in any case (a lower-cased question's gwh is GWh)."""
    return _FAMILY_OF.get(unit.lower())


@dataclass(frozen=True)
class NumberMention:
    text: str
    start: int
    end: int
    unit: str
    family: str | None


def numbers_in(text: str) -> list[NumberMention]:
    """Numbers with units in ``text`` that are not parts of dates (2024年 is a date, 3年 a duration)."""
    dates = [(m.start(), m.end()) for m in DATE_RE.finditer(text)]
    out: list[NumberMention] = []
    for m in NUMBER_RE.finditer(text):
        if any(s <= m.start() < e for s, e in dates):
            continue
        unit = m.group("unit")
        family = unit_family(unit)
        if family == "count" and (m.group(0) == "一" + unit or (unit == "期" and _CN_PHASE.fullmatch(m.group(0)))):
            continue  # 是一家企业, 举行了一场: an article, not a quantity; 一期, 二期: a phase's name
        if unit == "个" and (_JOBS_BEFORE.search(text, 0, m.start()) or _JOBS_AFTER.match(text, m.end())):
            family = "people"  # 就业岗位1200个, 1200个就业岗位: jobs are a head count (能招多少人)
        out.append(NumberMention(m.group(0), m.start(), m.end(), unit, family))
    return out


__all__ = [
    "ATTRIBUTION_RE",
    "BARE_NUMBER_RE",
    "DATE_RE",
    "NUMBER_RE",
    "PERSON_RE",
    "RANK_RE",
    "ROLE_WORDS",
    "UNIT_FAMILIES",
    "NumberMention",
    "cn_to_int",
    "figure_forms",
    "numbers_in",
    "unit_family",
]
