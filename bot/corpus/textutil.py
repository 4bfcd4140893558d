"""Small character-level predicates shared by the parsers (Chinese-aware)."""

from __future__ import annotations

import re

# A paragraph ending in one of these (optionally followed by closing quotes/brackets) is complete.
SENTENCE_END = frozenset("。！？!?；;…⋯：:.")
CLOSERS = "”’」』）)】》〕]\"'"
# Any of these inside a short line means it is a sentence, not a caption or heading.
CLAUSE_PUNCT = frozenset("，,。；;！!？?、…")
MAX_LABEL_CHARS = 30

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0x3400, 0x4DBF),  # ext A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3FFFF),  # ext B+
)
_CJK_PUNCT = frozenset("“”‘’…—·")


def is_cjk(ch: str) -> bool:
    """True for CJK ideographs, kana, CJK/full-width punctuation and the curly quotes Chinese text uses."""
    if ch in _CJK_PUNCT:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def ends_sentence(text: str) -> bool:
    """Does ``text`` end a sentence (``。``, ``！``, ``……``, ``。”`` ...)? Bare closing quotes do not count."""
    core = text.rstrip().rstrip(CLOSERS)
    return bool(core) and core[-1] in SENTENCE_END


def is_label(text: str) -> bool:
    """A short standalone line without clause punctuation: a caption, heading, kicker or title candidate."""
    if not 0 < len(text) <= MAX_LABEL_CHARS:
        return False
    if any(c in CLAUSE_PUNCT for c in text):
        return False
    if ends_sentence(text):
        return False
    return any(c.isalnum() for c in text)


def looks_like_continuation(text: str) -> bool:
    """Does ``text`` start mid-sentence, e.g. ``心,这是...`` or ``程”,打好...`` after a page break?"""
    for i, ch in enumerate(text):
        if ch in CLAUSE_PUNCT or ch in CLOSERS or ch in ":：":
            return i <= 1
    return False


def joiner(left: str, right: str) -> str:
    """The separator used when gluing two pieces of one sentence: nothing next to CJK, else a space."""
    if not left or not right:
        return ""
    a, b = left[-1], right[0]
    if is_cjk(a) or is_cjk(b) or a.isspace() or b.isspace():
        return ""
    return " "


def glue(left: str, right: str) -> str:
    return f"{left}{joiner(left, right)}{right}"


_WS = re.compile(r"\s+")


def squash_ws(text: str) -> str:
    """Remove all whitespace (the comparison key for duplicates and for eval quotes)."""
    return _WS.sub("", text)
