"""The bot's own words: the one refusal text and the fixed notes framing an answer. Nothing else in an
answer is written by the bot (extractive answers quote; LLM answers are checked against the passages)."""

from __future__ import annotations

REFUSAL_TEXT = "抱歉，现有文章中没有找到这个问题的答案。"
REFUSAL_SUFFIX = "以下是最接近的段落，供参考。"
EMPTY_QUESTION_TEXT = "请具体说说您想了解{about}的哪方面情况，例如产业、项目、企业或营商环境。"


def off_site_note(title: str, about: str) -> str:
    """The answer comes from an article that is not about the site's park, though the question names it."""
    return f"注意：这部分内容出自《{title}》，并非关于{about}。"


def english_note() -> str:
    return "According to the (Chinese) articles: "


__all__ = ["EMPTY_QUESTION_TEXT", "REFUSAL_SUFFIX", "REFUSAL_TEXT", "english_note", "off_site_note"]
