"""The index in a Chroma server (``chroma run``) instead of the embedded store: ingest, ask, search, and a
second worker seeing the same index. Skipped when the server cannot start here within 30 s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    FILE_000,
    FILE_001,
    chroma_server,
    chunk_collections,
    copy_corpus,
    free_port,
    hash_settings,
)

from bot import Bot
from bot.errors import BotError, IndexMissingError
from bot.ingest import ingest_paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def test_ingest_ask_and_search_against_a_chroma_server(chroma_url: str, tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    settings = hash_settings(tmp_path, corpus, chroma_url=chroma_url)
    with pytest.raises(IndexMissingError):
        Bot.open(settings)

    report = ingest_paths(settings, progress=None)
    assert report.embedded == report.chunks > 0 and report.problems == []
    assert not (settings.index_dir / "chroma").exists(), "with a Chroma server the vectors live in the server"
    assert [p.name for p in settings.index_dir.iterdir()] == ["generations"], "only the generation's artifacts"

    worker_a = Bot.open(settings)
    assert worker_a.info()["where"] == chroma_url
    assert worker_a.index.manifest["collection"] == report.collection
    answer = worker_a.ask("海创尚纬的注册资本是多少?")
    assert not answer.refused and "5亿元" in answer.answer, answer.answer
    passages = worker_a.search("坝坝会", 5)
    assert passages and passages[0].source == FILE_000
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)

    # another worker (its own Bot, same server) sees the same index
    worker_b = Bot.open(settings)
    assert worker_b.index.manifest["collection"] == report.collection
    assert worker_b.index.count() == worker_a.index.count() == report.chunks
    assert [p.id for p in worker_b.search("坝坝会", 5)] == [p.id for p in passages]

    assert ingest_paths(settings, progress=None).up_to_date

    # an incremental update made through the server is what a newly opened worker serves
    (corpus / FILE_000).unlink()
    update = ingest_paths(settings, progress=None)
    assert update.removed > 0 and update.embedded == 0
    worker_c = Bot.open(settings)
    assert worker_c.index.manifest["collection"] == update.collection
    assert all(p.source == FILE_001 for p in worker_c.search("坝坝会", 10))
    assert chunk_collections(settings) == sorted([report.collection, update.collection]), (
        "the replaced generation stays for its grace period"
    )


def test_unreachable_server_is_a_one_line_error(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BotError) as err:
        Bot.open(settings)
    line = err.value.one_line()
    assert "\n" not in line and "chroma run" in line and settings.chroma_url in line


def test_malformed_server_url_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(BotError) as err:
        Bot.open(hash_settings(tmp_path, chroma_url="localhost-8000"))
    assert "BOT_CHROMA_URL" in err.value.one_line()
