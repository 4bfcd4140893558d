"""Follow-up questions: "它有多少员工?" after a question about a company is searched with that company.

Offline rewrite: when the question leans on the conversation (a pronoun, or no name of its own), the names
and nouns of the latest earlier question are put in front of it. With an LLM configured the chain asks the
LLM to condense instead, and falls back to this rewrite on failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from ..lang.words import is_content

_ANAPHORA = re.compile(r"它|其|该|这家|这个|那个|这些|那些|他们|她们|此|上述|前者|后者|^那|^这|^还有|^再|^另外")
_ENTITY_POS = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "eng", "vn")


class _Stats(Protocol):
    def entities_in(self, text: str) -> set[str]: ...

    def tagged(self, text: str) -> list[tuple[str, str]]: ...


class FollowUpRewriter:
    def __init__(self, stats: _Stats) -> None:
        self._stats = stats

    def _names_in(self, text: str) -> list[str]:
        """The corpus's names in ``text``, longest first (ties in a fixed order, so runs agree)."""
        return sorted(self._stats.entities_in(text), key=lambda t: (-len(t), t))

    def entities(self, text: str, verbs: bool = False) -> list[str]:
        """Names (corpus lexicon first, longest first) and nouns of ``text``; with ``verbs``, its verbs too
        (加氢 of 有几座加氢站, which the segmenter cuts into the verb 加氢 and 站)."""
        found: list[str] = []
        for t in self._names_in(text):
            if not any(t in f for f in found):
                found.append(t)
        kept = (*_ENTITY_POS, "v") if verbs else _ENTITY_POS
        for word, flag in self._stats.tagged(text):
            if len(word) >= 2 and flag in kept and is_content(word) and not any(word in f for f in found):
                found.append(word)
        return found

    def needs_anaphora(self, question: str) -> bool:
        """The question points back (它, 该, 这家 …) to something it does not name."""
        return bool(_ANAPHORA.search(question))

    def needs_context(self, question: str) -> bool:
        if _ANAPHORA.search(question):
            return True
        return not self._names_in(question) and len(self.entities(question)) <= 1

    def rewrite(self, question: str, history: Sequence[str]) -> str:
        if not history or not self.needs_context(question):
            return question
        for prev in reversed(history):
            ents = [e for e in self.entities(prev, verbs=True) if e not in question]
            if ents:
                return f"{' '.join(ents)} {question}"
        return question


__all__ = ["FollowUpRewriter"]
