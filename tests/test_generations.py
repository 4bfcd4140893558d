"""Index generations in one process: the switch, garbage collection with grace, the writer lock, the manifest
checks, the saved search tables and the answer units. Embedded store, hash embedder, private corpus copies.
(Several processes, a Chroma server, live HTTP workers: tests/test_live_update.py.)"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from helpers import (
    CORPUS,
    FILE_000,
    FILE_001,
    chunk_collections,
    cli_env,
    copy_corpus,
    hash_settings,
    start_cli,
)

from bot import Bot
from bot.embeddings import get_embedder
from bot.errors import BotError, IndexCorruptError, IndexError_, IndexLockedError
from bot.index import Index
from bot.ingest import article_units, ingest_paths
from bot.retrieve import HybridSearcher, Tokenizer, search_artifact_name
from bot.store import GENERATIONS_DIR, POINTER, Store
from bot.text import answer_units, unit_id

QUESTION_000 = "坝坝会在哪个村开的"  # answered only by FILE_000


def ingest(settings, paths=None, **kw):
    return ingest_paths(settings, paths, progress=None, **kw)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path: Path, corpus: Path):
    return hash_settings(tmp_path, corpus)


def generation_dirs(settings) -> list[str]:
    root = settings.index_dir / GENERATIONS_DIR
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


# --- switching and garbage collection ----------------------------------------------------------------


def test_replaced_generation_is_kept_for_its_grace_period_then_removed(settings, corpus: Path) -> None:
    first = ingest(settings)
    (corpus / FILE_000).unlink()
    second = ingest(settings)
    assert second.generation != first.generation
    assert chunk_collections(settings) == sorted([first.collection, second.collection])
    assert generation_dirs(settings) == sorted([first.generation, second.generation])

    store = Store.open(settings)
    meta = store.client.get_collection(first.collection).metadata
    assert meta["state"] == "retired" and meta["retired_at"] > 0
    with store.writer() as w:
        assert w.collect_garbage(now=meta["retired_at"] + settings.gc_grace_s - 1) == []
        assert len(chunk_collections(settings)) == 2, "still inside its grace period"
        assert w.collect_garbage(now=meta["retired_at"] + settings.gc_grace_s + 1) == [first.generation]
    assert chunk_collections(settings) == [second.collection]
    assert generation_dirs(settings) == [second.generation], "its artifact files go with it"
    names = {c.name for c in store.client.list_collections()}
    assert names == {POINTER, second.collection, f"units-{second.generation}"}


def test_the_live_generation_is_never_collected(settings) -> None:
    zero = settings.model_copy(update={"gc_grace_s": 0})
    for _ in range(3):
        last = ingest(zero, rebuild=True)
        assert chunk_collections(zero) == [last.collection]
    with Store.open(zero).writer() as w:
        assert w.collect_garbage(now=time.time() + 10**9) == []
    assert Bot.open(zero).generation == last.generation


def test_worker_follows_the_pointer_and_keeps_the_old_generation_for_requests_in_flight(
    settings, corpus: Path
) -> None:
    ingest(settings)
    bot = Bot.open(settings)
    old_generation = bot.generation
    assert any(p.source == FILE_000 for p in bot.search(QUESTION_000, 3))
    assert bot.refresh() is False, "nothing new yet"

    # a request that has started (its dense search is running) when the new generation goes live
    in_flight, switched = threading.Event(), threading.Event()
    old_index = bot.index
    real_dense = old_index.dense_search_vector

    def slow_dense(vec, n: int):
        in_flight.set()
        assert switched.wait(60)
        return real_dense(vec, n)

    old_index.dense_search_vector = slow_dense  # type: ignore[method-assign]
    result: dict = {}
    t = threading.Thread(target=lambda: result.update(answer=bot.ask(QUESTION_000 + "?")))
    t.start()
    assert in_flight.wait(60)
    (corpus / FILE_000).unlink()
    report = ingest(settings)
    assert bot.refresh() is True
    assert bot.generation == report.generation != old_generation
    switched.set()
    t.join(60)

    answer = result["answer"]
    assert {p.source for p in answer.retrieved} >= {FILE_000}, "the request finished on its own generation"
    assert all(p.source != FILE_000 for p in bot.search(QUESTION_000, 10)), "new requests use the new one"
    assert all(c.source != FILE_000 for c in bot.ask(QUESTION_000 + "?").citations)


def test_watch_switches_in_the_background(settings, corpus: Path) -> None:
    fast = settings.model_copy(update={"reload_check_s": 0.2})
    ingest(fast)
    bot = Bot.open(fast)
    bot.watch()
    try:
        (corpus / FILE_000).unlink()
        report = ingest(fast)
        deadline = time.monotonic() + 30
        while bot.generation != report.generation and time.monotonic() < deadline:
            time.sleep(0.1)
        assert bot.generation == report.generation
    finally:
        bot.close()


def test_a_generation_that_cannot_be_opened_keeps_the_current_one(settings) -> None:
    ingest(settings)
    bot = Bot.open(settings)
    current = bot.generation
    other = hash_settings(settings.index_dir.parent, settings.corpus_dir, embedder="hash:64")
    ingest(other, rebuild=True)  # a new generation with another embedder: this worker cannot serve it
    with pytest.raises(BotError) as err:
        bot.refresh()
    assert "hash:64" in err.value.one_line()
    assert bot.generation == current and bot.search("注册资本", 1)
    assert bot.refresh() is False, "not retried at every check"


# --- one writer ------------------------------------------------------------------------------------


def test_second_writer_waits_for_the_first_and_then_sees_its_generation(settings, corpus: Path) -> None:
    first = ingest(settings)
    store = Store.open(settings)
    messages: list[str] = []
    done: dict = {}
    with store.writer():
        t = threading.Thread(
            target=lambda: done.update(report=ingest(settings, on_wait=messages.append)), daemon=True
        )
        t.start()
        time.sleep(1.0)
        assert t.is_alive() and "report" not in done, "the second ingest waits for the lock"
        assert messages and "another ingest is writing" in messages[0] and "waiting up to" in messages[0]
        (corpus / "new.md").write_text("# 新文章\n\n园区新建的中试基地今年投用，首批入驻企业9家。\n", encoding="utf-8")
    t.join(60)
    report = done["report"]
    assert not report.up_to_date and report.generation != first.generation
    assert report.embedded > 0 and report.reused == first.chunks, "it built on the first ingest's generation"
    assert any(p.source == "new.md" for p in Bot.open(settings).search("中试基地首批入驻企业", 3))


def test_second_writer_gives_up_with_a_clear_message(settings) -> None:
    first = ingest(settings)
    impatient = settings.model_copy(update={"ingest_lock_timeout_s": 0})
    with Store.open(settings).writer(), pytest.raises(IndexLockedError) as err:
        ingest(impatient, rebuild=True)
    line = err.value.one_line()
    assert "another ingest is writing the index" in line and "pid" in line and "nothing was changed" in line
    assert "\n" not in line
    assert Bot.open(settings).generation == first.generation
    assert chunk_collections(settings) == [first.collection]


def test_several_processes_starting_at_once_build_the_index_once(settings) -> None:
    """Three ``bot ask`` processes (they build a missing index first) started together on an empty index."""
    env = cli_env(settings.index_dir.parent, BOT_CORPUS_DIR=str(settings.corpus_dir))
    procs = [start_cli(["ask", "--json", "海创尚纬的注册资本是多少?"], env, settings.index_dir.parent) for _ in range(3)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert "5亿元" in json.loads(out)["answer"]
    assert len(chunk_collections(settings)) == 1, "built once; the others waited for it or found it built"


_OPEN_STORE = """
import sys
from pathlib import Path
from bot.settings import Settings
from bot.store import make_client
make_client(Settings(index_dir=Path(sys.argv[1])), create=True).heartbeat()
"""


def test_processes_opening_a_new_embedded_store_at_once_all_succeed(tmp_path: Path) -> None:
    """chromadb creates its database in the client's constructor; done by several processes at once on a new
    store, one used to fail ("table collections already exists") about once in 30 without the open lock."""
    import subprocess
    import sys

    for trial in range(3):
        index_dir = tmp_path / f"index{trial}"
        procs = [
            subprocess.Popen([sys.executable, "-c", _OPEN_STORE, str(index_dir)], stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, [e[-500:] for e in errors if e]


# --- no silent failures ----------------------------------------------------------------------------


def _damage_manifest(settings, change) -> None:
    store = Store.open(settings)
    pointer = store.read_pointer()
    col = store.client.get_collection(pointer.collection)
    meta = dict(col.metadata)
    manifest = json.loads(meta["manifest"])
    change(manifest)
    meta["manifest"] = json.dumps(manifest)
    col.modify(metadata=meta)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda m: m.pop("embedder"), "embedder"),
        (lambda m: m.update(dim="many"), "dim"),
        (lambda m: m.update(files=["a"]), "files"),
        (lambda m: m.update(units_collection=None), "units_collection"),
        (lambda m: m.update(collection="chunks-elsewhere"), "generation"),
    ],
)
def test_damaged_manifest_is_a_one_line_error_naming_the_problem(settings, change, field: str) -> None:
    ingest(settings)
    _damage_manifest(settings, change)
    with pytest.raises(IndexCorruptError) as err:
        Bot.open(settings)
    line = err.value.one_line()
    assert "manifest" in line and field in line and "bot ingest --rebuild" in line and "\n" not in line
    assert ingest(settings, rebuild=True).chunks > 0
    assert Bot.open(settings).search("注册资本", 1)


def test_unreachable_live_generation_is_an_error_not_a_full_reembed(settings, monkeypatch) -> None:
    first = ingest(settings)
    real = Store.get_collection

    def flaky(self, name: str):
        if name == first.collection:
            raise IndexError_("cannot reach the Chroma server at http://127.0.0.1:1: ConnectError")
        return real(self, name)

    monkeypatch.setattr(Store, "get_collection", flaky)
    with pytest.raises(IndexError_) as err:
        ingest(settings, rebuild=False)
    assert "cannot reach" in err.value.one_line()
    monkeypatch.undo()
    assert chunk_collections(settings) == [first.collection], "nothing was built or switched"


def test_missing_live_collection_asks_for_rebuild(settings) -> None:
    first = ingest(settings)
    Store.open(settings).client.delete_collection(first.collection)
    with pytest.raises(IndexCorruptError) as err:
        ingest(settings)
    assert first.collection in err.value.one_line() and "--rebuild" in err.value.one_line()
    again = ingest(settings, rebuild=True)
    assert again.embedded == again.chunks


# --- saved search tables ---------------------------------------------------------------------------


def test_opening_uses_the_saved_tables_instead_of_tokenising_the_corpus(settings, monkeypatch) -> None:
    ingest(settings)
    expected = [p.id for p in Bot.open(settings).search("海创尚纬注册资本", 5)]
    calls = Counter[str]()
    real = Tokenizer.tokens

    def counting(self, text: str):
        calls[text] += 1
        return real(self, text)

    monkeypatch.setattr(Tokenizer, "tokens", counting)
    bot = Bot.open(settings)
    assert sum(calls.values()) == 0, "no chunk was tokenised to open the index"
    assert [p.id for p in bot.search("海创尚纬注册资本", 5)] == expected


def test_damaged_tables_are_rebuilt_with_a_warning(settings, caplog) -> None:
    ingest(settings)
    before = Bot.open(settings)
    queries = ["海创尚纬注册资本", "坝坝会", "一区五园营业收入", "高薪区"]
    expected = {q: [p.id for p in before.search(q, 8)] for q in queries}
    table = settings.index_dir / GENERATIONS_DIR / before.generation / search_artifact_name() / "bm25" / "tfs.npy"
    table.write_bytes(table.read_bytes()[:-8])
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        after = Bot.open(settings)
    assert any("damaged" in r.message for r in caplog.records)
    assert {q: [p.id for p in after.search(q, 8)] for q in queries} == expected


def _reference_bm25(
    docs: list[list[str]], query: dict[str, float], k1: float = 1.2, b: float = 0.75
) -> dict[int, float]:
    """Okapi BM25 written out plainly (the pure-Python scorer the saved tables replaced), with query weights."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, d in enumerate(docs):
        for tok, tf in Counter(d).items():
            postings[tok].append((i, tf))
    acc: dict[int, float] = defaultdict(float)
    for tok, weight in query.items():
        if tok not in postings:
            continue
        idf = math.log(1 + (n - len(postings[tok]) + 0.5) / (len(postings[tok]) + 0.5))
        for i, tf in postings[tok]:
            acc[i] += weight * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(docs[i]) / avgdl))
    return dict(acc)


def test_saved_bm25_scores_like_plain_bm25(settings) -> None:
    ingest(settings)
    searcher = Bot.open(settings).searcher
    docs = [searcher.tokenizer.tokens(HybridSearcher.keyword_text(c)) for c in searcher.chunks]
    for q in ["海创尚纬的注册资本是多少", "2023年营业收入增长", "坝坝会 移风易俗", "不存在的词汇xyz"]:
        tokens = searcher.query_tokens(q)
        want = _reference_bm25(docs, tokens)
        got = dict(searcher.bm25.top(tokens, len(docs)))
        assert got.keys() == want.keys(), q
        assert all(math.isclose(got[i], want[i], rel_tol=1e-12) for i in want), q
        assert searcher.bm25.idf.keys() == {t for d in docs for t in d}


# --- answer units ----------------------------------------------------------------------------------


def test_answer_units_are_stored_with_vectors_of_the_index_embedder(settings) -> None:
    report = ingest(settings)
    index = Bot.open(settings).index
    from bot.corpus import load_corpus

    units = article_units(load_corpus([settings.corpus_dir]).articles)
    assert report.units == report.units_embedded == len(units) == index.unit_count() > 0
    assert index.manifest["units_version"] >= 1
    sample = units[:7]
    got = index.unit_vectors([u.id for u in sample] + ["no-such-unit"])
    assert set(got) == {u.id for u in sample}, "unknown ids are simply absent"
    want = get_embedder("hash").embed_documents([u.text for u in sample])
    for u, w in zip(sample, want, strict=True):
        assert got[u.id].shape == (len(w),)
        assert max(abs(a - b) for a, b in zip(got[u.id].tolist(), w, strict=True)) < 1e-6
    rows = index.units.get(ids=[sample[0].id], include=["documents", "metadatas"])
    assert rows["documents"][0] == sample[0].text
    assert rows["metadatas"][0] == {"article_id": sample[0].article_id, "start": sample[0].start, "end": sample[0].end}
    assert index.unit_vectors([]) == {}


def test_units_of_retrieved_passages_are_found_in_the_store(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path, CORPUS)
    ingest(settings)
    bot = Bot.open(settings)
    ids: set[str] = set()
    for c in bot.searcher.chunks:  # every passage the searcher can return
        p = bot.searcher._passage(bot.searcher.by_id[c.id], 0.0, None, None)
        for s, e in answer_units(p.text):
            ids.add(unit_id(p.article_id, p.start + s, p.text[s:e]))
    found = bot.index.unit_vectors(sorted(ids))
    rate = len(found) / len(ids)
    print(f"answer units of the bundled corpus's passages found in the store: {len(found)}/{len(ids)} = {rate:.3f}")
    assert rate >= 0.95, rate


def test_unchanged_units_keep_their_vectors(settings, corpus: Path) -> None:
    first = ingest(settings)
    path = corpus / FILE_001
    path.write_text(path.read_text(encoding="utf-8").replace("注册资本5亿元", "注册资本7亿元"), encoding="utf-8")
    second = ingest(settings)
    assert second.units == first.units
    assert second.units_embedded >= 1 and second.units_reused == second.units - second.units_embedded
    assert second.units_embedded <= 2, "only the edited sentence is embedded again"
    index = Bot.open(settings).index
    assert any("7亿元" in d for d in index.units.get(include=["documents"])["documents"])


def test_wrong_embedder_units_are_not_reused_across_rebuilds(settings) -> None:
    ingest(settings)
    other = hash_settings(settings.index_dir.parent, settings.corpus_dir, embedder="hash:64")
    rebuilt = ingest(other, rebuild=True)
    assert rebuilt.units_reused == 0 and rebuilt.units_embedded == rebuilt.units
    index = Index.open(other, get_embedder("hash:64"))
    some = index.unit_vectors(index.units.get(limit=3)["ids"])
    assert all(v.shape == (64,) for v in some.values()) and len(some) == 3
