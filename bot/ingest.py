"""Ingest: corpus files → articles → chunks → a new Chroma collection, switched live only when complete.

Re-ingest is incremental: chunk ids are content hashes, so unchanged chunks keep their vectors (copied from
the live collection, not re-embedded), changed files are re-embedded and removed files disappear.
"""

from __future__ import annotations

import contextlib
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .chunks import chunk_article, embedding_text
from .embeddings import embedder_dim, embedder_name, get_embedder
from .errors import CorpusError, EmbedderMismatchError, IndexCorruptError
from .index import (
    CHUNKS_PREFIX,
    FORMAT,
    POINTER,
    check_compatible,
    chunk_metadata,
    make_client,
    read_manifest,
    where,
    write_manifest,
)
from .lexicon import extract_terms
from .schema import Chunk
from .settings import Settings

_BATCH = 64


@dataclass
class IngestReport:
    files: int = 0
    articles: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0
    up_to_date: bool = False
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    collection: str = ""

    def summary(self) -> str:
        if self.up_to_date:
            return f"index up to date: {self.chunks} chunks from {self.articles} articles in {self.files} files"
        return (
            f"indexed {self.chunks} chunks from {self.articles} articles in {self.files} files "
            f"({self.embedded} embedded, {self.reused} reused, {self.removed} removed) in {self.seconds:.1f}s"
        )


ProgressFactory = Callable[[int, str], Any]


def _tqdm_progress(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk", file=sys.stderr, disable=total == 0)


def _chunks_with_files(settings: Settings, paths: Sequence[Path]) -> tuple[list[Chunk], dict[str, str], Any]:
    from .corpus import apply_file_facts, load_corpus
    from .site import load_site_profile

    load = load_corpus(list(paths))
    load.articles = apply_file_facts(load.articles, load_site_profile(settings.site_path))
    chunks: list[Chunk] = []
    for art in load.articles:
        chunks.extend(chunk_article(art, settings.chunk_chars, settings.overlap_chars))
    return chunks, load.files, load


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path | str] | None = None,
    *,
    embedder: Embeddings | None = None,
    rebuild: bool = False,
    progress: ProgressFactory | None = _tqdm_progress,
) -> IngestReport:
    """Make the index mirror the articles under ``paths`` (default: ``settings.corpus_dir``)."""
    t0 = time.perf_counter()
    emb = embedder or get_embedder(settings.embedder)
    path_list = [Path(p) for p in (paths or [settings.corpus_dir])]
    for p in path_list:
        if not p.exists():
            raise CorpusError(f"corpus path '{p}' does not exist")
    chunks, files, load = _chunks_with_files(settings, path_list)
    report = IngestReport(files=len(files), articles=len(load.articles), problems=list(load.problems))
    if not chunks:
        raise CorpusError(
            f"no readable articles in {', '.join(str(p) for p in path_list)}; the index was left as it was",
            hint="add .txt/.md/.html/.docx/.pdf files",
        )
    # deduplicate identical ids (identical text at identical place) defensively
    unique: dict[str, Chunk] = {}
    for c in chunks:
        unique.setdefault(c.id, c)
    chunks = list(unique.values())
    report.chunks = len(chunks)

    try:
        client = make_client(settings, create=True)
        old = read_manifest(client)
    except IndexCorruptError:
        if not rebuild or settings.chroma_url:
            raise
        client, old = _set_aside_damaged_store(settings), None
    old_collection = None
    if old is not None:
        try:
            check_compatible(old, emb, settings, where(settings))
            old_collection = client.get_collection(old["collection"])
        except EmbedderMismatchError:
            if not rebuild:
                raise
        except Exception:
            old_collection = None  # pointer to a missing collection: rebuild from scratch

    terms = extract_terms([a.title for a in load.articles] + [a.text for a in load.articles])
    file_sha = files
    new_ids = [c.id for c in chunks]
    old_ids: set[str] = set()
    if old is not None and old_collection is not None and not rebuild:
        old_ids = set(old_collection.get(include=[])["ids"])
        if (
            old_ids == set(new_ids)
            and old.get("terms") == terms
            and old.get("files") == file_sha
            and old.get("format") == FORMAT
            and old.get("meta_sha") == _meta_sha(chunks, file_sha)
        ):
            report.up_to_date = True
            report.collection = str(old["collection"])
            report.seconds = time.perf_counter() - t0
            _drop_stray_collections(client, keep=report.collection)
            return report

    name = f"{CHUNKS_PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    col = client.create_collection(
        name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}, metadata={"bot": "chunks"}
    )
    try:
        reuse = [c for c in chunks if c.id in old_ids]
        fresh = [c for c in chunks if c.id not in old_ids]
        if reuse and old_collection is not None:
            for i in range(0, len(reuse), 500):
                batch = reuse[i : i + 500]
                got = old_collection.get(ids=[c.id for c in batch], include=["embeddings"])
                vecs = dict(zip(got["ids"], got["embeddings"], strict=False))
                missing = [c for c in batch if c.id not in vecs]
                fresh.extend(missing)
                kept = [c for c in batch if c.id in vecs]
                if kept:
                    col.add(
                        ids=[c.id for c in kept],
                        embeddings=[list(map(float, vecs[c.id])) for c in kept],
                        documents=[c.text for c in kept],
                        metadatas=[chunk_metadata(c, file_sha.get(c.source, "")) for c in kept],
                    )
                report.reused += len(kept)
        bar = progress(len(fresh), "embedding") if progress else None
        for i in range(0, len(fresh), _BATCH):
            batch = fresh[i : i + _BATCH]
            vecs_new = emb.embed_documents([embedding_text(c) for c in batch])
            col.add(
                ids=[c.id for c in batch],
                embeddings=vecs_new,
                documents=[c.text for c in batch],
                metadatas=[chunk_metadata(c, file_sha.get(c.source, "")) for c in batch],
            )
            report.embedded += len(batch)
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
    except BaseException:
        try:
            client.delete_collection(name)
        finally:
            raise
    report.removed = len(old_ids - set(new_ids))
    manifest = {
        "format": FORMAT,
        "collection": name,
        "embedder": embedder_name(emb),
        "dim": embedder_dim(emb),
        "chunk_chars": settings.chunk_chars,
        "overlap_chars": settings.overlap_chars,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "n_chunks": len(chunks),
        "n_articles": len(load.articles),
        "files": file_sha,
        "terms": terms,
        "meta_sha": _meta_sha(chunks, file_sha),
    }
    write_manifest(client, manifest)  # the switch: from here on the new collection serves
    _drop_stray_collections(client, keep=name)
    report.collection = name
    report.seconds = time.perf_counter() - t0
    return report


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


def _drop_stray_collections(client: Any, keep: str) -> None:
    """Remove chunk collections that are not live (the old one, or leftovers of killed ingests)."""
    for c in client.list_collections():
        cname = c.name if hasattr(c, "name") else str(c)
        if cname.startswith(CHUNKS_PREFIX) and cname != keep and cname != POINTER:
            with contextlib.suppress(Exception):
                client.delete_collection(cname)


__all__ = ["IngestReport", "ingest_paths"]
