"""Input checks shared by every door (chat, API, CLI). One place decides what a question may be."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from .errors import InputError
from .settings import Settings

EMPTY_QUESTION_MESSAGE = "请输入您的问题，例如某家企业、某个项目或某项产业数据。"


def _strip_controls(text: str) -> str:
    # keep newlines/tabs as spaces, drop other control and format characters (zero-width, bidi)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def clean_question(question: object, settings: Settings) -> str:
    """Return the question ready to answer, or raise :class:`InputError` with a message for the user."""
    if question is None:
        raise InputError(EMPTY_QUESTION_MESSAGE)
    if not isinstance(question, str):
        raise InputError(f"问题必须是文字 (got {type(question).__name__})")
    if len(question) > settings.max_question_chars:
        raise InputError(
            f"问题太长：{len(question)} 个字符，上限 {settings.max_question_chars} 个字符。请精简后再问。"
        )
    cleaned = _strip_controls(question)
    if not cleaned:
        raise InputError(EMPTY_QUESTION_MESSAGE)
    return cleaned


def clean_history(history: object, settings: Settings) -> list[str]:
    """Earlier user questions, oldest first. Keeps the last ``max_history_turns``; rejects wrong types."""
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence):
        raise InputError("history 必须是先前问题的列表 (a list of earlier questions)")
    kept: list[str] = []
    for item in list(history)[-settings.max_history_turns :] if settings.max_history_turns else []:
        if not isinstance(item, str):
            raise InputError("history 中的每一项都必须是文字 (each history item must be a string)")
        cleaned = _strip_controls(item)[: settings.max_question_chars]
        if cleaned:
            kept.append(cleaned)
    return kept


__all__ = ["EMPTY_QUESTION_MESSAGE", "clean_history", "clean_question"]
