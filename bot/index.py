"""The persistent Chroma index and its manifest.

Layout: a small ``bot-pointer`` collection whose metadata names the live chunk collection and carries the
manifest (embedder name and dimension, chunk settings, files, domain terms). Ingest builds a new
``chunks-…`` collection and flips the pointer only when it is complete, so a failed or killed ingest leaves
the previous index serving. Chroma's default embedding function is never used: vectors come from our
embedders. Similarity = 1 - cosine distance, converted here and nowhere else.

With ``settings.chroma_url`` the same layout lives in a Chroma server (``chroma run``) instead of
``settings.index_dir``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from .embeddings import embedder_dim, embedder_name
from .errors import EmbedderMismatchError, IndexCorruptError, IndexError_, IndexMissingError
from .schema import Chunk
from .settings import Settings

POINTER = "bot-pointer"
CHUNKS_PREFIX = "chunks-"
FORMAT = 1
_PAGE = 2000


def make_client(settings: Settings, *, create: bool = False) -> Any:
    """A Chroma client for ``settings``: HTTP when ``chroma_url`` is set, else persistent under index_dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise IndexError_(f"BOT_CHROMA_URL '{settings.chroma_url}' is not a URL like http://127.0.0.1:8000")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexError_(
                f"cannot reach the Chroma server at {settings.chroma_url}: {type(exc).__name__}",
                hint="start it with: chroma run --host 127.0.0.1 --port 8000 --path index/chroma-server",
            ) from exc
    path = settings.index_dir / "chroma"
    if not create and not path.exists():
        raise IndexMissingError(f"no index at {settings.index_dir}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise IndexCorruptError(f"the index at {settings.index_dir} cannot be opened: {type(exc).__name__}: {exc}") from exc


def where(settings: Settings) -> str:
    return settings.chroma_url or str(settings.index_dir)


def read_manifest(client: Any) -> dict[str, Any] | None:
    """The live manifest, or None when nothing was ever built here."""
    try:
        names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    except Exception as exc:
        raise IndexCorruptError(f"the index cannot be read: {type(exc).__name__}: {exc}") from exc
    if POINTER not in names:
        return None
    try:
        meta = client.get_collection(POINTER).metadata or {}
        manifest = json.loads(meta["manifest"])
        assert isinstance(manifest, dict) and manifest.get("collection")
        return manifest
    except Exception as exc:
        raise IndexCorruptError(f"the index manifest is damaged: {type(exc).__name__}") from exc


def write_manifest(client: Any, manifest: dict[str, Any]) -> None:
    """Point the index at ``manifest['collection']``: the single switch that makes a new build live."""
    meta = {"current": manifest["collection"], "manifest": json.dumps(manifest, ensure_ascii=False)}
    pointer = client.get_or_create_collection(POINTER, embedding_function=None, metadata=meta)
    pointer.modify(metadata=meta)


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
    """An open, live index: the chunk collection plus its manifest."""

    def __init__(self, settings: Settings, embedder: Embeddings, client: Any, manifest: dict[str, Any]) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client
        self.manifest = manifest
        try:
            self.collection = client.get_collection(manifest["collection"])
        except Exception as exc:
            raise IndexCorruptError(
                f"the index at {where(settings)} names collection {manifest['collection']} which is missing"
            ) from exc

    @classmethod
    def open(cls, settings: Settings, embedder: Embeddings) -> Index:
        client = make_client(settings)
        manifest = read_manifest(client)
        if manifest is None:
            raise IndexMissingError(f"no index at {where(settings)}")
        check_compatible(manifest, embedder, settings, where(settings))
        return cls(settings, embedder, client, manifest)

    @property
    def terms(self) -> list[str]:
        return list(self.manifest.get("terms", []))

    def count(self) -> int:
        return int(self.collection.count())

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
        if n <= 0 or self.count() == 0:
            return []
        vec = self.embedder.embed_query(query)
        res = self.collection.query(query_embeddings=[vec], n_results=min(n, self.count()), include=["distances"])
        ids = res["ids"][0]
        dists = (res.get("distances") or [[1.0] * len(ids)])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=False)]

    def describe(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "where": where(self.settings),
            "collection": m.get("collection"),
            "embedder": m.get("embedder"),
            "dim": m.get("dim"),
            "chunk_chars": m.get("chunk_chars"),
            "overlap_chars": m.get("overlap_chars"),
            "chunks": self.count(),
            "files": len(m.get("files", {})),
            "articles": m.get("n_articles"),
            "terms": len(m.get("terms", [])),
            "built_at": m.get("built_at"),
        }


__all__ = ["Index", "StoredChunk", "check_compatible", "make_client", "read_manifest", "write_manifest"]
