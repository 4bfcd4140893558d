"""Query understanding before search: traditional → simplified, colloquial years, homophone typos of names,
and Chinese words for English questions.

Typos are repaired only toward the corpus vocabulary (domain terms and frequent words of ≥3 characters),
one character per word, and only when the two characters sound the same in pinyin (the usual input-method
slip). English questions get the Chinese words their English words gloss in CC-CEDICT, kept only when the
corpus uses them (the English stays for the embedder).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable
from functools import lru_cache

from .text import is_mostly_english, to_simplified


@lru_cache(maxsize=65536)
def _pinyin(ch: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch)[0]


class TypoFixer:
    """Repairs one-character homophone slips toward a vocabulary of corpus words."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._by_len: dict[int, dict[str, list[str]]] = {}
        self._vocab = {w for w in vocabulary if 3 <= len(w) <= 12 and re.fullmatch(r"[\u4e00-\u9fff]+", w)}
        for w in self._vocab:
            key = "|".join(_pinyin(c) for c in w)
            self._by_len.setdefault(len(w), {}).setdefault(key, []).append(w)

    def to_table(self) -> dict[str, dict[str, list[str]]]:
        """The pinyin table (JSON-safe), saved with an index generation so opening it skips the pinyin pass."""
        return {str(n): {k: sorted(ws) for k, ws in t.items()} for n, t in sorted(self._by_len.items())}

    @classmethod
    def from_table(cls, table: dict[str, dict[str, list[str]]]) -> TypoFixer:
        fixer = cls(())
        fixer._by_len = {int(n): t for n, t in table.items()}  # the caller's table (fresh from JSON) is kept
        fixer._vocab = {w for t in fixer._by_len.values() for ws in t.values() for w in ws}
        return fixer

    def fix(self, text: str) -> str:
        if not self._vocab:
            return text
        out = text
        for n in sorted(self._by_len, reverse=True):
            table = self._by_len[n]
            i = 0
            while i + n <= len(out):
                window = out[i : i + n]
                if window in self._vocab or not re.fullmatch(r"[\u4e00-\u9fff]+", window):
                    i += 1
                    continue
                cands = table.get("|".join(_pinyin(c) for c in window))
                if cands:
                    best = [w for w in cands if sum(a != b for a, b in zip(w, window, strict=True)) == 1]
                    if len(best) == 1:
                        out = out[:i] + best[0] + out[i + n :]
                        i += n
                        continue
                i += 1
        return out


_SHORT_YEAR = re.compile(r"(?<![\d.])(1[5-9]|2[1-9]|3[0-5])年(?!代)")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z\-']+")


def english_phrases(text: str, max_words: int = 3) -> list[str]:
    """Word n-grams (longest first) of the English words in ``text``."""
    words = [w.lower() for w in _EN_WORD.findall(text)]
    out: list[str] = []
    for n in range(max_words, 0, -1):
        for i in range(len(words) - n + 1):
            out.append(" ".join(words[i : i + n]))
    return out


def simplify_keeping(text: str, keep: Container[str] = ()) -> str:
    """Traditional → simplified, except characters in ``keep`` (those the corpus itself writes: a name
    written with 崑 must not become 昆 when the articles spell it 崑)."""
    simple = to_simplified(text)
    if len(simple) != len(text):
        return simple
    return "".join(o if o in keep else n for o, n in zip(text, simple, strict=True))


def normalize_query(
    question: str,
    fixer: TypoFixer | None = None,
    english_terms: Callable[[str], Iterable[str]] | None = None,
    corpus_chars: Container[str] = (),
) -> str:
    """The question as searched. ``english_terms(question)`` gives Chinese words for an English question;
    characters in ``corpus_chars`` are never converted to simplified forms."""
    q = simplify_keeping(question, corpus_chars)
    q = _SHORT_YEAR.sub(r"20\1年", q)  # colloquial years: 23年 → 2023年
    if english_terms is not None and is_mostly_english(q):
        extra = [t for t in english_terms(q) if t not in q]
        if extra:
            q = f"{q} {' '.join(extra)}"
    if fixer is not None:
        q = fixer.fix(q)
    return q


__all__ = ["TypoFixer", "english_phrases", "normalize_query", "simplify_keeping"]
