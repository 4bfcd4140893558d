"""One generation of the index, open for reading: its chunk collection, answer units and artifacts.

The store (:mod:`bot.store`) owns the layout: a ``bot-pointer`` names the live generation; each generation
has a ``chunks-<gen>`` collection (texts, metadata, vectors; its manifest in the collection metadata), a
``units-<gen>`` collection (sentence vectors for the answerer) and artifact files. A generation never changes
once published, so an open :class:`Index` stays valid until garbage collection, ``gc_grace_s`` after it was
replaced. Chroma's default embedding function is never used: vectors come from our embedders.
Similarity = 1 - cosine distance, converted here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from .embeddings import embedder_dim, embedder_info, embedder_name
from .errors import EmbedderMismatchError, IndexMissingError
from .schema import Chunk
from .settings import Settings
from .store import (
    CHUNKS_PREFIX,
    FORMAT,
    POINTER,
    Store,
    make_client,
    unreachable,
    where,
    write_manifest,
)

_PAGE = 2000


def check_compatible(manifest: dict[str, Any], embedder: Embeddings, settings: Settings, place: str) -> None:
    want = (embedder_name(embedder), embedder_dim(embedder), settings.chunk_chars, settings.overlap_chars)
    have = (manifest.get("embedder"), manifest.get("dim"), manifest.get("chunk_chars"), manifest.get("overlap_chars"))
    if want != have:
        raise EmbedderMismatchError(
            f"the index at {place} was built with embedder '{have[0]}' ({have[1]} dims, chunk_chars={have[2]}, "
            f"overlap_chars={have[3]}), but the settings ask for '{want[0]}' ({want[1]} dims, "
            f"chunk_chars={want[2]}, overlap_chars={want[3]})",
            hint="rebuild it with: bot ingest --rebuild (or set BOT_EMBEDDER / BOT_CHUNK_CHARS to match)",
        )
    built_sha = manifest.get("model_sha256")
    if built_sha:
        now_sha = embedder_info(embedder).get("model_sha256")
        if now_sha and now_sha != built_sha:
            raise EmbedderMismatchError(
                f"the index at {place} was built with embedder '{have[0]}' whose model had sha256 "
                f"{str(built_sha)[:16]}…, but the model loaded now has {str(now_sha)[:16]}… (other weights)",
                hint="rebuild it with: bot ingest --rebuild",
            )


def chunk_metadata(chunk: Chunk, file_sha: str) -> dict[str, Any]:
    return {
        "title": chunk.title,
        "section": chunk.section,
        "source": chunk.source,
        "article_id": chunk.article_id,
        "start": chunk.start,
        "end": chunk.end,
        "date": chunk.date or "",
        "byline": chunk.byline or "",
        "publisher": chunk.publisher or "",
        "url": chunk.url or "",
        "file_sha": file_sha,
    }


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    meta: dict[str, Any]


class Index:
    """One open generation: its chunk collection, its answer units and its manifest."""

    def __init__(self, settings: Settings, embedder: Embeddings, store: Store, manifest: dict[str, Any]) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.client = store.client
        self.manifest = manifest
        self.generation: str = manifest.get("generation") or str(manifest["collection"])[len(CHUNKS_PREFIX) :]
        self.collection = store.get_collection(manifest["collection"])
        units = manifest.get("units_collection")
        self.units = store.get_collection(units) if units else None  # format 1 has no answer units
        self._size: int | None = None

    @classmethod
    def open(cls, settings: Settings, embedder: Embeddings, *, store: Store | None = None) -> Index:
        """The generation the pointer names now."""
        store = store or Store.open(settings)
        manifest = store.read_manifest()
        if manifest is None:
            raise IndexMissingError(f"no index at {where(settings)}")
        check_compatible(manifest, embedder, settings, where(settings))
        return cls(settings, embedder, store, manifest)

    @property
    def terms(self) -> list[str]:
        return list(self.manifest.get("terms", []))

    def count(self) -> int:
        """Chunks in the store (asks the store: a liveness check too)."""
        try:
            return int(self.collection.count())
        except Exception as exc:
            raise unreachable(self.settings, exc) from exc

    @property
    def size(self) -> int:
        """Chunks in this generation (it never changes, so asked once)."""
        if self._size is None:
            self._size = self.count()
        return self._size

    def iter_chunks(self) -> Iterator[StoredChunk]:
        offset = 0
        while True:
            page = self.collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            for cid, doc, meta in zip(ids, page["documents"] or [], page["metadatas"] or [], strict=False):
                yield StoredChunk(cid, doc or "", dict(meta or {}))
            offset += len(ids)

    def dense_search(self, query: str, n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first."""
        return self.dense_search_vector(self.embedder.embed_query(query), n)

    def dense_search_vector(self, vec: Sequence[float] | Any, n: int) -> list[tuple[str, float]]:
        """Like :meth:`dense_search` for a query already embedded (by this index's embedder)."""
        if n <= 0 or self.size == 0:
            return []
        res = self.collection.query(
            query_embeddings=[list(map(float, vec))], n_results=min(n, self.size), include=["distances"]
        )
        ids = res["ids"][0]
        dists = (res.get("distances") or [[1.0] * len(ids)])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=False)]

    def unit_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of answer units (ids from :func:`bot.text.unit_id`); ids not stored are absent.

        One lookup by id in the generation's units collection: cheap for the few dozen units of a request,
        and nothing is held in memory between calls."""
        if self.units is None or not ids:
            return {}
        wanted = list(dict.fromkeys(ids))
        try:
            got = self.units.get(ids=wanted, include=["embeddings"])
        except Exception as exc:
            raise unreachable(self.settings, exc) from exc
        vecs = got.get("embeddings")
        if vecs is None:
            return {}
        return {uid: np.asarray(v, dtype=np.float32) for uid, v in zip(got["ids"], vecs, strict=True)}

    def unit_count(self) -> int:
        if self.units is None:
            return 0
        try:
            return int(self.units.count())
        except Exception as exc:
            raise unreachable(self.settings, exc) from exc

    def artifact(self, name: str, build: Callable[[Path], None]) -> Path:
        """Directory of this generation's artifact ``name``; ``build(directory)`` makes it when it is missing."""
        return self.store.artifact(self.generation, name, build)

    def describe(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "where": where(self.settings),
            "generation": self.generation,
            "collection": m.get("collection"),
            "embedder": m.get("embedder"),
            "engine": m.get("engine"),
            "model": m.get("model"),
            "model_sha256": m.get("model_sha256"),
            "dim": m.get("dim"),
            "chunk_chars": m.get("chunk_chars"),
            "overlap_chars": m.get("overlap_chars"),
            "chunks": self.count(),
            "units": self.unit_count(),
            "files": len(m.get("files", {})),
            "articles": m.get("n_articles"),
            "terms": len(m.get("terms", [])),
            "built_at": m.get("built_at"),
            "format": m.get("format"),
        }


__all__ = [
    "CHUNKS_PREFIX",
    "FORMAT",
    "POINTER",
    "Index",
    "StoredChunk",
    "check_compatible",
    "chunk_metadata",
    "make_client",
    "write_manifest",
]
