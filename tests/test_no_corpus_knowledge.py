"""The park is data, not code: nothing in ``bot/`` may name a park, company, place or phrase of any corpus
or question set. What is specific to a deployment lives in its site profile (``corpus/site.toml``).

The names are not listed here either: they are drawn from every corpus in the repository by the lexicon
(the same extraction the index uses), plus each site profile's park names, and every ``bot/**/*.py`` is
searched for them. General vocabulary that the lexicon also keeps (供应链, 大数据 …) is told apart by
jieba's general dictionary: a name jieba does not know is corpus knowledge.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.corpus import load_corpus
from bot.lexicon import extract_terms
from bot.site import load_site_profile

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [
    ROOT / "corpus",
    *sorted((ROOT / "evals" / "parks").glob("*/corpus")),
    ROOT / "evals" / "portability" / "corpus",
    *sorted((ROOT / "evals" / "blind").glob("*/corpus")),
    *sorted((ROOT / "evals" / "fresh").glob("*/corpus")),
]
QUESTION_SETS = [ROOT / "evals" / "dev.jsonl", ROOT / "evals" / "train.jsonl", *sorted((ROOT / "evals").rglob("questions.jsonl"))]
CODE = sorted((ROOT / "bot").rglob("*.py"))


def _general_words() -> set[str]:
    import jieba

    jieba.initialize()
    return {w for w, f in jieba.dt.FREQ.items() if f > 0}


@pytest.fixture(scope="module")
def corpus_names() -> set[str]:
    """Names of exactly one corpus: a word the articles of several parks use (高新区, 孵化器) is the domain's
    vocabulary, not one park's knowledge."""
    general = _general_words()
    names: set[str] = set()
    joined: list[str] = []
    for corpus in CORPORA:
        load = load_corpus([corpus])
        texts = [a.title for a in load.articles] + [a.text for a in load.articles]
        texts += [c for a in load.articles for c in a.captions]
        joined.append("\n".join(texts))
        names |= {t for t in extract_terms(texts) if len(t) >= 2 and t not in general}
        names |= {n for n in load_site_profile(corpus / "site.toml").names if len(n) >= 2}
    return {n for n in names if sum(n in text for text in joined) <= 1}


@pytest.fixture(scope="module")
def code_text() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in CODE}


def test_the_lexicon_finds_names_to_check(corpus_names: set[str]) -> None:
    # if extraction broke, the test below would pass vacuously
    assert len(corpus_names) >= 100, sorted(corpus_names)[:20]


def test_no_corpus_name_in_the_code(corpus_names: set[str], code_text: dict[Path, str]) -> None:
    hits = [
        f"{p.relative_to(ROOT)}: {name}"
        for p, text in code_text.items()
        for name in sorted(corpus_names)
        if name in text
    ]
    assert not hits, "corpus knowledge in bot/ (move it to the site profile): " + "; ".join(hits[:30])


def test_no_question_text_in_the_code(code_text: dict[Path, str]) -> None:
    """No phrase of any question set (6+ characters of Chinese) is written into the code."""
    cjk = re.compile(r"[\u4e00-\u9fff]{6,}")
    phrases: set[str] = set()
    for path in QUESTION_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                phrases.update(cjk.findall(json.loads(line)["question"]))
    hits = [f"{p.relative_to(ROOT)}: {ph}" for p, text in code_text.items() for ph in sorted(phrases) if ph in text]
    assert not hits, "question wording in bot/: " + "; ".join(hits[:30])
