"""The saved search tables at scale (issue 13): the chunk table read on demand, the memory-mapped BM25, the
cheap artifact check at open, the per-generation result cache, and a reopened generation answering exactly
like one built in memory. Properties only; the speed is measured by ``bot bench`` and
``scripts/sparse_engines.py``. Hash embedder, private corpus copies."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import copy_corpus, hash_settings

from bot import Bot
from bot.chunk_table import ChunkTable, write_chunk_table
from bot.index import StoredChunk
from bot.ingest import ingest_paths
from bot.query import TypoFixer
from bot.retrieve import BM25, HybridSearcher, corpus_order, search_artifact_name
from bot.store import GENERATIONS_DIR, verify_artifact, write_listing

QUERIES = ["海创尚纬的注册资本是多少", "2023年营业收入增长", "坝坝会 移风易俗", "创智古孵化器几时开园", "不存在的词汇xyz"]


@pytest.fixture
def settings(tmp_path: Path):
    return hash_settings(tmp_path, copy_corpus(tmp_path / "corpus"))


@pytest.fixture
def bot(settings) -> Bot:
    ingest_paths(settings, None, progress=None)
    return Bot.open(settings)


def _tables(settings, bot: Bot) -> Path:
    return settings.index_dir / GENERATIONS_DIR / bot.generation / search_artifact_name()


def test_chunk_table_gives_back_what_was_written(tmp_path: Path) -> None:
    chunks = [
        StoredChunk(f"c{i}", f"第{i}段文字", {"article_id": f"a{i % 3}", "start": 10 * i, "end": 10 * i + 5, "title": "标题"})
        for i in range(2500)  # more than one page and more than one batch of SQL parameters
    ]
    path = tmp_path / "chunks.sqlite"
    assert write_chunk_table(path, chunks) == len(chunks)
    table = ChunkTable(path)
    assert len(table) == len(chunks)
    assert list(table) == chunks
    assert table[7] == chunks[7] and table[-1] == chunks[-1] and table[2:5] == chunks[2:5]
    picks = [2400, 3, 3, 1000]
    assert table.rows(picks) == [chunks[i] for i in picks]
    assert table.positions(["c5", "nope", "c2499"]) == {"c5": 5, "c2499": 2499}
    assert table.by_id["c42"] == 42 and "c42" in table.by_id and "nope" not in table.by_id
    spans = table.article_spans("a1")
    assert spans == tuple(sorted((c.meta["start"], c.meta["end"], c.text) for c in chunks if c.meta["article_id"] == "a1"))
    assert table.articles_naming(["第7段"]) == {"a1"}
    assert table.n_articles() == 3
    with pytest.raises(IndexError):
        table[len(chunks)]


def test_reopened_generation_searches_like_one_built_in_memory(settings, bot: Bot) -> None:
    """The saved tables (SQLite chunk table, memory-mapped postings, saved facts) against a searcher built
    from the chunks in memory the way the tables are built."""
    saved = bot.searcher
    chunks = sorted(bot.index.iter_chunks(), key=corpus_order)
    fresh_bm25 = BM25.from_docs([saved.tokenizer.tokens(HybridSearcher.keyword_text(c)) for c in chunks])
    fixer = TypoFixer(set(bot.index.terms) | {t for t in fresh_bm25.vocabulary() if len(t) >= 3})
    fresh = HybridSearcher(bot.index, settings, chunks, fresh_bm25, fixer, bot.site)
    assert isinstance(saved.chunks, ChunkTable)
    assert saved.corpus_chars == fresh.corpus_chars
    assert saved.stats.n_articles == fresh.stats.n_articles
    for q in QUERIES:
        assert saved.normalize(q) == fresh.normalize(q), q
        got, want = saved.search(q, 8), fresh.search(q, 8)
        assert [(p.id, p.text, p.title, p.start) for p in got] == [(p.id, p.text, p.title, p.start) for p in want], q
        assert [p.score for p in got] == pytest.approx([p.score for p in want]), q
    for c in chunks[:20]:
        a = str(c.meta["article_id"])
        for at in (int(c.meta["start"]), int(c.meta["end"])):
            assert saved.stats.text_before(a, at, 80) == fresh.stats.text_before(a, at, 80)
        assert saved.stats.about_site(a) == fresh.stats.about_site(a)


def test_a_generation_searches_the_same_however_it_was_built(tmp_path: Path) -> None:
    """An index that was built with another article and then re-ingested without it (vectors copied from
    the generation before, written in another order) searches exactly like a fresh build: ties in the
    ranks break by place in the corpus, not by the store's order."""
    fresh_settings = hash_settings(tmp_path / "fresh", copy_corpus(tmp_path / "fresh" / "corpus"))
    ingest_paths(fresh_settings, None, progress=None)
    fresh = Bot.open(fresh_settings)

    corpus = copy_corpus(tmp_path / "grown" / "corpus")
    grown_settings = hash_settings(tmp_path / "grown", corpus)
    extra = corpus / "zz_extra.txt"
    extra.write_text("示范区新闻\n\n本报讯 示范区今年新签约项目12个，总投资35亿元。营业收入增长明显。\n", encoding="utf-8")
    ingest_paths(grown_settings, None, progress=None)
    extra.unlink()
    report = ingest_paths(grown_settings, None, progress=None)
    assert report.removed > 0 and not report.up_to_date
    again = Bot.open(grown_settings)

    assert [c.id for c in again.searcher.chunks] == [c.id for c in fresh.searcher.chunks]
    for q in QUERIES:
        got, want = again.searcher.search(q, 8), fresh.searcher.search(q, 8)
        assert [p.id for p in got] == [p.id for p in want], q
        assert [p.score for p in got] == pytest.approx([p.score for p in want]), q


def test_postings_are_memory_mapped(settings, bot: Bot) -> None:
    bm25 = bot.searcher.bm25
    assert isinstance(bm25, BM25)
    assert isinstance(bm25.doc_ids, np.memmap) and isinstance(bm25.weights, np.memmap)
    facts = json.loads((_tables(settings, bot) / "facts.json").read_text(encoding="utf-8"))
    assert facts["n_chunks"] == len(bot.searcher.chunks) == bot.index.size


def test_cached_results_are_copies(bot: Bot) -> None:
    first = bot.search("海创尚纬的注册资本是多少", 5)
    first[0].text = "changed by a caller"
    again = bot.search("海创尚纬的注册资本是多少", 5)
    assert again[0].text != "changed by a caller"
    bot.searcher.forget_results()
    assert [p.id for p in bot.search("海创尚纬的注册资本是多少", 5)] == [p.id for p in again]


def test_open_checks_sizes_and_ends_and_a_full_check_every_byte(tmp_path: Path) -> None:
    d = tmp_path / "artifact"
    d.mkdir()
    big = d / "big.bin"
    big.write_bytes(bytes(range(256)) * (3 * 2**20 // 256))  # 3 MiB: checked by its ends at open
    (d / "small.json").write_text("{}", encoding="utf-8")
    write_listing(d)
    assert verify_artifact(d) is None and verify_artifact(d, full=True) is None

    def flip(at: int) -> None:
        data = bytearray(big.read_bytes())
        data[at] ^= 0xFF
        big.write_bytes(bytes(data))

    flip(len(big.read_bytes()) // 2)  # the middle: only the full check reads it
    assert verify_artifact(d) is None
    assert "checksum" in (verify_artifact(d, full=True) or "")
    flip(len(big.read_bytes()) // 2)
    flip(-1)
    assert "checksum" in (verify_artifact(d) or "")
    flip(-1)
    big.write_bytes(big.read_bytes()[:-1])
    assert "size" in (verify_artifact(d) or "")


def test_site_articles_are_saved_for_the_profile_of_the_ingest(settings, bot: Bot) -> None:
    """The articles naming the site are saved with the tables, with the names they were found by (a profile
    edited later is answered from the chunk table, :meth:`ChunkTable.articles_naming`, which agrees)."""
    searcher = bot.searcher
    names = sorted(searcher.site.names)
    facts = json.loads((_tables(settings, bot) / "facts.json").read_text(encoding="utf-8"))
    assert facts["site_names"] == names
    table = searcher.chunks
    assert isinstance(table, ChunkTable)
    assert set(facts["site_articles"]) == table.articles_naming(names)


def test_saved_unit_vectors_are_the_stored_ones(bot: Bot) -> None:
    """The answerer reads unit vectors from the generation's memory-mapped copy, not from Chroma."""
    saved = bot.searcher.saved_units
    assert saved is not None and len(saved) == bot.index.unit_count() > 0
    ids = bot.index.units.get(limit=9)["ids"]
    from_chroma = bot.index.unit_vectors([*ids, "no-such-unit"])
    got = saved.get([*ids, "no-such-unit"])
    assert got.keys() == from_chroma.keys() == set(ids)
    for uid in ids:
        want = from_chroma[uid] / np.linalg.norm(from_chroma[uid])
        assert np.allclose(got[uid], want, atol=1e-6)
    vecs = bot.searcher.unit_vectors([(uid, "") for uid in ids])
    assert vecs.shape == (len(ids), len(want)) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_entities_in_finds_what_a_scan_finds(bot: Bot) -> None:
    stats = bot.searcher.stats
    assert stats.entities
    for c in list(bot.searcher.chunks)[:30]:
        for text in (c.text, c.text[5:40], str(c.meta.get("title", ""))):
            assert stats.entities_in(text) == {e for e in stats.entities if e in text}
