"""Ingest: corpus files → articles → chunks and answer units → vectors → a new index generation.

The store (:mod:`bot.store`) does the rest: the writer lock (one ingest at a time per store; a second one
waits up to ``ingest_lock_timeout_s``, then gives up with a clear message), a new generation built beside the
live one, published by one switch only when complete, and garbage collection of replaced generations after
``gc_grace_s``.

Re-ingest is incremental: chunk and unit ids are content hashes, so unchanged chunks and units keep their
vectors (copied from the live generation, not re-embedded), changed files are re-embedded and removed files
disappear.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .chunks import chunk_article, embedding_text
from .embeddings import embedder_dim, embedder_info, embedder_name, get_embedder
from .errors import CorpusError, EmbedderMismatchError, IndexCorruptError
from .index import Index, check_compatible, chunk_metadata
from .lexicon import extract_terms
from .schema import Article, Chunk
from .settings import Settings
from .store import FORMAT, Generation, Store, Writer, make_client, unreachable, where
from .text import UNITS_VERSION, answer_units, unit_id

log = logging.getLogger("bot.ingest")

_BATCH = 64  # texts per embedder call
_ADD_BATCH = 512  # rows per Chroma add


@dataclass
class IngestReport:
    files: int = 0
    articles: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0
    units: int = 0
    units_embedded: int = 0
    units_reused: int = 0
    up_to_date: bool = False
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    collection: str = ""
    generation: str = ""
    collected: list[str] = field(default_factory=list)  # old generations removed by garbage collection

    def summary(self) -> str:
        if self.up_to_date:
            return f"index up to date: {self.chunks} chunks from {self.articles} articles in {self.files} files"
        return (
            f"indexed {self.chunks} chunks from {self.articles} articles in {self.files} files "
            f"({self.embedded} embedded, {self.reused} reused, {self.removed} removed) and {self.units} answer "
            f"units ({self.units_embedded} embedded) in {self.seconds:.1f}s"
        )


ProgressFactory = Callable[[int, str], Any]


def _tqdm_progress(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk" if desc == "embedding" else "unit", file=sys.stderr,
                disable=total == 0)


@dataclass(frozen=True)
class Unit:
    id: str
    text: str
    article_id: str
    start: int
    end: int


def article_units(articles: Sequence[Article]) -> list[Unit]:
    """The answer units of every article (:func:`bot.text.answer_units`), ids by :func:`bot.text.unit_id`."""
    out: dict[str, Unit] = {}
    for art in articles:
        for s, e in answer_units(art.text):
            text = art.text[s:e]
            uid = unit_id(art.article_id, s, text)
            out.setdefault(uid, Unit(uid, text, art.article_id, s, e))
    return list(out.values())


def _load(settings: Settings, paths: Sequence[Path]) -> tuple[list[Chunk], Any]:
    from .corpus import apply_file_facts, load_corpus
    from .site import load_site_profile

    load = load_corpus(list(paths))
    load.articles = apply_file_facts(load.articles, load_site_profile(settings.site_path))
    unique: dict[str, Chunk] = {}  # identical ids (identical text at identical place) once
    for art in load.articles:
        for c in chunk_article(art, settings.chunk_chars, settings.overlap_chars):
            unique.setdefault(c.id, c)
    return list(unique.values()), load


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path | str] | None = None,
    *,
    embedder: Embeddings | None = None,
    rebuild: bool = False,
    progress: ProgressFactory | None = _tqdm_progress,
    if_missing: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> IngestReport:
    """Make the index mirror the articles under ``paths`` (default: ``settings.corpus_dir``).

    ``if_missing``: build only when no index exists yet (several workers starting at once: the first builds,
    the others wait for it and then use its index). ``on_wait`` gets the message shown while another ingest
    holds the writer lock."""
    t0 = time.perf_counter()
    emb = embedder or get_embedder(settings.embedder, settings.cache_dir)
    path_list = [Path(p) for p in (paths or [settings.corpus_dir])]
    for p in path_list:
        if not p.exists():
            raise CorpusError(f"corpus path '{p}' does not exist")
    store = Store(settings, create=True)  # the embedded store is opened under the lock (it may be set aside)
    with store.writer(on_wait=on_wait) as writer:
        try:
            old = store.read_manifest()
        except IndexCorruptError:
            if not rebuild:
                raise
            if not settings.chroma_url:
                store.use_client(_set_aside_damaged_store(settings))
            old = None  # a Chroma server with a damaged pointer: the new generation replaces it
        if if_missing and old is not None:
            report = IngestReport(up_to_date=True, chunks=int(old.get("n_chunks", 0)),
                                  articles=int(old.get("n_articles", 0)), files=len(old.get("files", {})))
            report.collection, report.generation = str(old["collection"]), str(old.get("generation", ""))
            return report
        return _ingest_locked(settings, store, writer, path_list, emb, old, rebuild, progress, t0)


def _previous(store: Store, old: dict[str, Any] | None, emb: Embeddings, settings: Settings,
              rebuild: bool) -> tuple[Any, Any]:
    """The live generation's chunk and unit collections, to copy unchanged vectors from (None, None: none)."""
    if old is None:
        return None, None
    try:
        check_compatible(old, emb, settings, where(settings))
    except EmbedderMismatchError:
        if not rebuild:
            raise
        return None, None
    if rebuild:
        return None, None
    chunks = store.get_collection(old["collection"])  # missing: IndexCorruptError; unreachable: IndexError_
    units = None
    if old.get("units_collection") and old.get("units_version") == UNITS_VERSION:
        units = store.get_collection(old["units_collection"])
    return chunks, units


def _stored_ids(collection: Any, settings: Settings) -> set[str]:
    try:
        return set(collection.get(include=[])["ids"])
    except Exception as exc:
        raise unreachable(settings, exc) from exc


def _ingest_locked(
    settings: Settings,
    store: Store,
    writer: Writer,
    path_list: list[Path],
    emb: Embeddings,
    old: dict[str, Any] | None,
    rebuild: bool,
    progress: ProgressFactory | None,
    t0: float,
) -> IngestReport:
    report = IngestReport()
    if old is not None:  # leftovers of killed ingests, generations past their grace (nothing to keep otherwise)
        report.collected += writer.collect_garbage()
    chunks, load = _load(settings, path_list)  # read under the lock: the corpus as it is now
    report.files, report.articles, report.problems = len(load.files), len(load.articles), list(load.problems)
    if not chunks:
        raise CorpusError(
            f"no readable articles in {', '.join(str(p) for p in path_list)}; the index was left as it was",
            hint="add .txt/.md/.html/.docx/.pdf files",
        )
    units = article_units(load.articles)
    report.chunks, report.units = len(chunks), len(units)
    old_chunks, old_units = _previous(store, old, emb, settings, rebuild)
    terms = extract_terms(
        [a.title for a in load.articles] + [a.text for a in load.articles] + [c for a in load.articles for c in a.captions]
    )
    files: dict[str, str] = load.files
    old_ids = _stored_ids(old_chunks, settings) if old_chunks is not None else set()
    old_unit_ids = _stored_ids(old_units, settings) if old_units is not None else set()
    if (
        old is not None
        and old_chunks is not None
        and old_ids == {c.id for c in chunks}
        and old_unit_ids == {u.id for u in units}
        and old.get("terms") == terms
        and old.get("files") == files
        and old.get("format") == FORMAT
        and old.get("meta_sha") == _meta_sha(chunks, files)
    ):
        from .retrieve import prepare_search

        prepare_search(Index(settings, emb, store, old))  # tables for this code version, if it has none yet
        report.up_to_date = True
        report.collection, report.generation = str(old["collection"]), str(old.get("generation", ""))
        report.seconds = time.perf_counter() - t0
        return report

    gen = writer.begin()
    try:
        _fill_chunks(gen, chunks, files, old_chunks, old_ids, emb, report, progress, settings)
        _fill_units(gen, units, old_units, old_unit_ids, emb, report, progress, settings)
        report.removed = len(old_ids - {c.id for c in chunks})
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "generation": gen.id,
            "collection": gen.collection,
            "units_collection": gen.units_collection,
            "units_version": UNITS_VERSION,
            "embedder": embedder_name(emb),
            "dim": embedder_dim(emb),
            **{k: embedder_info(emb).get(k) for k in ("engine", "model", "model_sha256")},
            "chunk_chars": settings.chunk_chars,
            "overlap_chars": settings.overlap_chars,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "n_chunks": len(chunks),
            "n_units": len(units),
            "n_articles": len(load.articles),
            "files": files,
            "terms": terms,
            "meta_sha": _meta_sha(chunks, files),
        }
        from .retrieve import prepare_search

        manifest["artifacts"] = [prepare_search(Index(settings, emb, store, manifest))]
        writer.publish(gen, manifest)  # the switch: from here on the new generation serves
    except BaseException:
        writer.abandon(gen)
        raise
    report.collected += writer.collect_garbage()
    report.collection, report.generation = gen.collection, gen.id
    report.seconds = time.perf_counter() - t0
    return report


def _copy_vectors(source: Any, ids: list[str], settings: Settings) -> dict[str, list[float]]:
    try:
        got = source.get(ids=ids, include=["embeddings"])
    except Exception as exc:
        raise unreachable(settings, exc) from exc
    return {i: list(map(float, v)) for i, v in zip(got["ids"], got["embeddings"], strict=True)}


class _Batch:
    """Rows waiting to be added to a collection: Chroma adds ~2x faster in batches of hundreds than of 64."""

    def __init__(self, collection: Any, settings: Settings) -> None:
        self.collection, self.settings = collection, settings
        self.ids: list[str] = []
        self.embeddings: list[list[float]] = []
        self.documents: list[str] = []
        self.metadatas: list[dict[str, Any]] = []

    def add(self, ids: list[str], embeddings: list[list[float]], documents: list[str],
            metadatas: list[dict[str, Any]]) -> None:
        self.ids += ids
        self.embeddings += embeddings
        self.documents += documents
        self.metadatas += metadatas
        if len(self.ids) >= _ADD_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.ids:
            return
        try:
            self.collection.add(ids=self.ids, embeddings=self.embeddings, documents=self.documents,
                                metadatas=self.metadatas)
        except Exception as exc:
            raise unreachable(self.settings, exc) from exc
        self.ids, self.embeddings, self.documents, self.metadatas = [], [], [], []


def _fill(
    collection: Any,
    rows: list[tuple[str, str, str, dict[str, Any]]],
    old: Any,
    old_ids: set[str],
    emb: Embeddings,
    progress: ProgressFactory | None,
    desc: str,
    settings: Settings,
) -> tuple[int, int]:
    """Add ``rows`` (id, text to embed, document, metadata): vectors copied from ``old`` where the id is
    there, else embedded. Returns (embedded, reused)."""
    out = _Batch(collection, settings)
    reused = 0
    reuse = [r for r in rows if r[0] in old_ids]
    fresh = [r for r in rows if r[0] not in old_ids]
    for i in range(0, len(reuse), _ADD_BATCH):
        batch = reuse[i : i + _ADD_BATCH]
        vecs = _copy_vectors(old, [r[0] for r in batch], settings)
        fresh.extend(r for r in batch if r[0] not in vecs)
        kept = [r for r in batch if r[0] in vecs]
        out.add([r[0] for r in kept], [vecs[r[0]] for r in kept], [r[2] for r in kept], [r[3] for r in kept])
        reused += len(kept)
    fresh.sort(key=lambda r: len(r[1]))  # batches of similar length: little padding for a batched encoder
    bar = progress(len(fresh), desc) if progress else None
    for i in range(0, len(fresh), _BATCH):
        batch = fresh[i : i + _BATCH]
        vecs_new = emb.embed_documents([r[1] for r in batch])
        out.add([r[0] for r in batch], vecs_new, [r[2] for r in batch], [r[3] for r in batch])
        if bar is not None:
            bar.update(len(batch))
    out.flush()
    if bar is not None:
        bar.close()
    return len(fresh), reused


def _fill_chunks(gen: Generation, chunks: list[Chunk], files: dict[str, str], old: Any, old_ids: set[str],
                 emb: Embeddings, report: IngestReport, progress: ProgressFactory | None,
                 settings: Settings) -> None:
    rows = [(c.id, embedding_text(c), c.text, chunk_metadata(c, files.get(c.source, ""))) for c in chunks]
    report.embedded, report.reused = _fill(gen.chunks, rows, old, old_ids, emb, progress, "embedding", settings)


def _fill_units(gen: Generation, units: list[Unit], old: Any, old_ids: set[str], emb: Embeddings,
                report: IngestReport, progress: ProgressFactory | None, settings: Settings) -> None:
    """Answer units, with vectors of the same embedder as the chunks (its passage side)."""
    rows = [(u.id, u.text, u.text, {"article_id": u.article_id, "start": u.start, "end": u.end}) for u in units]
    report.units_embedded, report.units_reused = _fill(
        gen.units, rows, old, old_ids, emb, progress, "embedding units", settings
    )


def _meta_sha(chunks: list[Chunk], file_sha: dict[str, str]) -> str:
    """One hash of every chunk's metadata: a changed date, byline or profile fact is a change to ingest."""
    import hashlib
    import json

    rows = sorted((c.id, chunk_metadata(c, file_sha.get(c.source, ""))) for c in chunks)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _set_aside_damaged_store(settings: Settings) -> Any:
    """``--rebuild`` over a damaged local store: keep it aside (for inspection) and start a fresh one."""
    store = settings.index_dir / "chroma"
    aside = settings.index_dir / f"chroma.damaged-{time.strftime('%Y%m%d%H%M%S')}"
    store.rename(aside)
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # chromadb caches one client per path in the process
    print(f"warning: the damaged index was moved to {aside}", file=sys.stderr)
    return make_client(settings, create=True)


__all__ = ["IngestReport", "Unit", "article_units", "ingest_paths"]
