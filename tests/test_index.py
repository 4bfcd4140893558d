"""The persistent index: incremental ingest, removals, embedder checks, rebuild, bad corpora, the manifest.

All with the fast 'hash' embedder (the model does not matter here) on private copies of the corpus.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from helpers import CORPUS, FILE_000, FILE_001, chunk_collections, chunk_ids, copy_corpus, hash_settings

from bot import Bot
from bot.errors import BotError, CorpusError, EmbedderMismatchError
from bot.index import Index
from bot.ingest import ingest_paths

EDIT_OLD = "注册资本5亿元"
EDIT_NEW = "注册资本7亿元"


def ingest(settings, paths=None, **kw):
    return ingest_paths(settings, paths, progress=None, **kw)


def stored(settings) -> dict[str, dict]:
    """chunk id -> metadata of the live collection."""
    from bot.embeddings import get_embedder

    index = Index.open(settings, get_embedder(settings.embedder))
    return {c.id: c.meta | {"text": c.text} for c in index.iter_chunks()}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path: Path, corpus: Path):
    return hash_settings(tmp_path, corpus)


def test_first_ingest_indexes_every_chunk(settings, corpus: Path) -> None:
    expected = chunk_ids(settings, [corpus])
    report = ingest(settings)
    assert not report.up_to_date and report.problems == []
    assert (report.files, report.articles) == (2, 3)
    assert report.chunks == report.embedded == len(expected) and report.reused == report.removed == 0
    assert set(stored(settings)) == set(expected)
    assert chunk_collections(settings) == [report.collection]


def test_reingest_is_idempotent(settings) -> None:
    first = ingest(settings)
    again = ingest(settings)
    assert again.up_to_date, again.summary()
    assert again.embedded == 0 and again.removed == 0
    assert again.collection == first.collection
    assert again.chunks == first.chunks
    assert Index.open(settings, _hash()).manifest["collection"] == first.collection
    assert chunk_collections(settings) == [first.collection]
    assert "up to date" in again.summary()


def _hash():
    from bot.embeddings import get_embedder

    return get_embedder("hash")


def test_changed_file_reembeds_only_its_changed_chunks(settings, corpus: Path) -> None:
    ingest(settings)
    before = chunk_ids(settings, [corpus])
    path = corpus / FILE_001
    text = path.read_text(encoding="utf-8")
    assert text.count(EDIT_OLD) == 1
    path.write_text(text.replace(EDIT_OLD, EDIT_NEW), encoding="utf-8")
    after = chunk_ids(settings, [corpus])
    fresh, gone = set(after) - set(before), set(before) - set(after)
    assert fresh and all(after[i] == FILE_001 for i in fresh)

    report = ingest(settings)
    assert not report.up_to_date
    assert report.embedded == len(fresh), (report.summary(), len(fresh))
    assert report.reused == len(after) - len(fresh)
    assert report.removed == len(gone)
    n_000 = sum(1 for s in after.values() if s == FILE_000)
    n_001 = len(after) - n_000
    assert report.reused >= n_000 and report.embedded <= n_001, (
        "the untouched file is reused, not re-embedded"
    )

    live = stored(settings)
    assert set(live) == set(after)
    texts = "".join(m["text"] for m in live.values())
    assert EDIT_NEW in texts and EDIT_OLD not in texts
    assert {m["file_sha"] for m in live.values() if m["source"] == FILE_001} == {
        hashlib.sha256(path.read_bytes()).hexdigest()
    }
    bot = Bot.open(settings)
    top = bot.search("海创尚纬注册资本", 3)
    assert any(EDIT_NEW in p.text for p in top)
    assert len(chunk_collections(settings)) == 2, "the replaced generation stays for its grace period"


def test_removed_file_disappears_from_index_and_search(settings, corpus: Path) -> None:
    ingest(settings)
    before = chunk_ids(settings, [corpus])
    (corpus / FILE_000).unlink()
    report = ingest(settings)
    lost = sum(1 for s in before.values() if s == FILE_000)
    assert report.removed == lost > 0
    assert report.embedded == 0 and report.files == 1
    assert {m["source"] for m in stored(settings).values()} == {FILE_001}
    bot = Bot.open(settings)
    for q in [
        "坝坝会在哪个村开的",
        "一区五园营业收入1780亿元",
        "金口河区移风易俗",
        "高新技术企业41家",
        "海创尚纬",
    ]:
        assert all(p.source != FILE_000 for p in bot.search(q, 50)), q
    assert FILE_000 not in Index.open(settings, _hash()).manifest["files"]


@pytest.mark.slow  # loads the e5 model
def test_index_opened_with_another_embedder_is_refused(settings) -> None:
    ingest(settings)
    e5 = hash_settings(settings.index_dir.parent, settings.corpus_dir, embedder="e5")
    with pytest.raises(EmbedderMismatchError) as err:
        Bot.open(e5)
    line = err.value.one_line()
    assert "'hash'" in line and "'e5'" in line and "bot ingest --rebuild" in line
    assert "\n" not in line


def test_ingest_with_another_embedder_needs_rebuild(settings) -> None:
    first = ingest(settings)
    other = hash_settings(settings.index_dir.parent, settings.corpus_dir, embedder="hash:64")
    with pytest.raises(EmbedderMismatchError):
        ingest(other)
    assert Index.open(settings, _hash()).manifest["collection"] == first.collection, (
        "the old index still serves"
    )

    rebuilt = ingest(other, rebuild=True)
    assert rebuilt.embedded == rebuilt.chunks == first.chunks and rebuilt.reused == 0
    assert rebuilt.collection != first.collection
    manifest = Bot.open(other).index.manifest
    assert (manifest["embedder"], manifest["dim"]) == ("hash:64", 64)
    with pytest.raises(EmbedderMismatchError):
        Bot.open(settings)
    assert chunk_collections(other) == sorted([first.collection, rebuilt.collection])


def test_rebuild_with_same_embedder_reembeds_everything(settings) -> None:
    first = ingest(settings)
    again = ingest(settings, rebuild=True)
    assert not again.up_to_date
    assert again.embedded == again.chunks == first.chunks and again.reused == 0
    assert again.collection != first.collection
    assert chunk_collections(settings) == sorted([first.collection, again.collection])
    assert Bot.open(settings).search("注册资本", 1)


def test_changed_chunk_settings_are_refused(settings) -> None:
    ingest(settings)
    smaller = hash_settings(settings.index_dir.parent, settings.corpus_dir, chunk_chars=150)
    with pytest.raises(EmbedderMismatchError) as err:
        Bot.open(smaller)
    assert "chunk_chars" in str(err.value)


def test_empty_corpus_is_an_error_and_the_old_index_keeps_serving(settings, tmp_path: Path) -> None:
    first = ingest(settings)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.xyz").write_text("not a corpus file", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        ingest(settings, [empty])
    assert str(empty) in str(err.value)
    bot = Bot.open(settings)
    assert bot.index.manifest["collection"] == first.collection
    assert bot.index.count() == first.chunks
    assert any("5亿元" in p.text for p in bot.search("海创尚纬注册资本", 3))


def test_missing_corpus_path_is_an_error(settings, tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as err:
        ingest(settings, [tmp_path / "nope"])
    assert "nope" in str(err.value)
    assert not (settings.index_dir / "chroma").exists() or chunk_collections(settings) == []


def test_unreadable_files_are_reported_and_the_rest_indexed(settings, corpus: Path) -> None:
    (corpus / "broken.pdf").write_bytes(b"\x00\x01garbage" + os.urandom(2000))
    (corpus / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x00" + os.urandom(2000))
    report = ingest(settings)
    assert report.files == 2 and report.articles == 3
    assert any("broken.pdf" in p for p in report.problems), report.problems
    assert any("binary.txt" in p for p in report.problems), report.problems
    assert {m["source"] for m in stored(settings).values()} == {FILE_000, FILE_001}
    assert Bot.open(settings).search("注册资本", 1)


def test_manifest_records_embedder_and_chunk_settings(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path, CORPUS, chunk_chars=200, overlap_chars=40)
    report = ingest(settings)
    bot = Bot.open(settings)
    m = bot.index.manifest
    assert (m["embedder"], m["dim"]) == ("hash", 256)
    assert (m["chunk_chars"], m["overlap_chars"]) == (200, 40)
    assert m["collection"] == report.collection
    assert m["n_chunks"] == report.chunks == bot.index.count() == len(chunk_ids(settings, [CORPUS]))
    assert m["n_articles"] == 3
    assert m["files"] == {
        name: hashlib.sha256((CORPUS / name).read_bytes()).hexdigest() for name in (FILE_000, FILE_001)
    }
    info = bot.info()
    assert (info["embedder"], info["chunk_chars"], info["chunks"], info["files"]) == (
        "hash",
        200,
        report.chunks,
        2,
    )
    assert all(len(c.text) <= 200 for c in bot.index.iter_chunks())


def test_missing_index_is_not_created_by_open(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path)
    with pytest.raises(BotError) as err:
        Bot.open(settings)
    assert "bot ingest" in err.value.one_line()
    assert not settings.index_dir.exists()
