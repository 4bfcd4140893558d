"""How the bot answers questions that no weight was fitted on, through the real chain (the default
embedder, Chroma):

- ``evals/dev.jsonl`` on the bundled corpus: the dev set is a check only (scripts/fit_answerer.py refuses it);
- ``evals/portability/``: another park's articles with its own site profile, swapped in with zero code
  change, and 80 questions written for it.

The floors sit below the figures measured at the time of writing (README, "Measured"), so a real regression
fails and run-to-run noise does not. Every failure message carries the measured numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.evaluate.dataset import load_items
from bot.evaluate.runner import run_eval
from bot.site import load_site_profile

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PARK = REPO / "evals" / "portability"


def _summary(report: dict[str, Any]) -> str:
    s = report["summary"]
    keys = ("key_fact_acc", "refusal_acc", "false_refusal_rate", "citation_precision", "answer_chars_median")
    return ", ".join(f"{k}={s[k]:.3f}" if isinstance(s[k], float) else f"{k}={s[k]}" for k in keys)


@pytest.fixture(scope="module")
def park_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from bot import Bot, Settings

    tmp = tmp_path_factory.mktemp("park")
    settings = Settings(
        corpus_dir=PARK / "corpus",
        site_file=PARK / "corpus" / "site.toml",
        index_dir=tmp / "index",
        data_dir=tmp / "data",
    )
    bot = Bot.open(settings, build_if_missing=True)
    return run_eval(bot, load_items(PARK / "questions.jsonl"), questions_path=PARK / "questions.jsonl", by=("tag",))


@pytest.fixture(scope="module")
def dev_report(corpus_bot) -> dict[str, Any]:
    path = REPO / "evals" / "dev.jsonl"
    return run_eval(corpus_bot, load_items(path), questions_path=path)


def test_another_park_is_answered_with_zero_code_change(park_report: dict[str, Any]) -> None:
    s = park_report["summary"]
    assert s["errors"] == 0
    assert s["key_fact_acc"] >= 0.70, _summary(park_report)
    assert s["false_refusal_rate"] <= 0.20, _summary(park_report)
    assert s["refusal_acc"] >= 0.25, _summary(park_report)
    assert s["citation_precision"] >= 0.75, _summary(park_report)
    assert s["answer_chars_median"] <= 150, _summary(park_report)


def test_another_park_knows_nothing_of_the_bundled_park(park_report: dict[str, Any]) -> None:
    """Nothing of the bundled deployment leaks into another park's answers: not its park's name, not its
    site profile's wording (the other park's profile is the one loaded)."""
    from bot.corpus import load_corpus

    bundled = load_site_profile(REPO / "corpus" / "site.toml")
    park_text = "".join(a.title + a.text for a in load_corpus([PARK / "corpus"]).articles)
    foreign = [n for n in bundled.names if n not in park_text]  # names the other park's articles never use
    assert foreign, bundled.names
    leaks = [(it["id"], n) for it in park_report["items"] for n in foreign if n in it["answer"]]
    assert not leaks, leaks


def test_dev_set_untuned(dev_report: dict[str, Any]) -> None:
    s = dev_report["summary"]
    assert s["errors"] == 0
    assert s["key_fact_acc"] >= 0.75, _summary(dev_report)
    assert s["false_refusal_rate"] <= 0.20, _summary(dev_report)
    # 5 questions to refuse: one is 0.2; measured 0.4 at the last fit (README), the floor one question below
    assert s["refusal_acc"] >= 0.2, _summary(dev_report)
    assert s["evidence_in_1200"] >= 0.95, _summary(dev_report)


def test_refusals_carry_no_citations(park_report: dict[str, Any], dev_report: dict[str, Any]) -> None:
    for report in (park_report, dev_report):
        for it in report["items"]:
            if it["refused"]:
                assert it["citations"] == [] and "[" not in it["answer"], it["id"]
