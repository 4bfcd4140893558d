"""The chunk table of an index generation: one SQLite file written with the generation's search tables.

A serving process opens it in milliseconds (nothing is read until asked) and reads only the rows a request
needs: the passages it returns, the chunks of one article around an answer. Many workers share the file
through the page cache instead of each holding every chunk's text and metadata as Python objects.

Rows are addressed by *position* (0 … n-1, the order the sparse index numbers its documents) or by chunk id.
The file is never written after it is built, so it is opened read-only and ``immutable`` (no locking).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from .index import StoredChunk

CHUNKS_FILE = "chunks.sqlite"
_PAGE = 2000
_SQL_VARS = 900  # below SQLite's smallest limit on bound parameters
#: articles whose chunk spans a table keeps in memory
SPANS_CACHED_ARTICLES = 256


def write_chunk_table(path: Path, chunks: Iterable[StoredChunk]) -> int:
    """Write ``chunks`` (positions in iteration order) to a new SQLite file; returns how many."""
    if path.exists():
        path.unlink()
    con = sqlite3.connect(str(path))
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute(
            "CREATE TABLE chunks (pos INTEGER PRIMARY KEY, id TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL,"
            " article_id TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL)"
        )
        n = 0
        rows: list[tuple[int, str, str, str, str, int, int]] = []
        for c in chunks:
            m = c.meta
            rows.append(
                (n, c.id, c.text, json.dumps(m, ensure_ascii=False), str(m.get("article_id", "")),
                 int(m.get("start", 0)), int(m.get("end", 0)))
            )
            n += 1
            if len(rows) >= _PAGE:
                con.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?)", rows)
                rows = []
        con.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?)", rows)
        con.execute("CREATE UNIQUE INDEX chunks_id ON chunks(id)")
        con.execute("CREATE INDEX chunks_article ON chunks(article_id, start)")
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    return n


class _ReadOnlyDB:
    """A read-only, immutable SQLite file with one connection per thread (connections are not shared across
    threads; the file never changes once its generation is written)."""

    def __init__(self, path: Path) -> None:
        self._uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        self._local = threading.local()

    def con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            self._local.con = con
        return con


class ChunkTable(Sequence[StoredChunk]):
    """Read-only rows of a chunk table; thread-safe (one SQLite connection per thread)."""

    def __init__(self, path: Path, size: int | None = None) -> None:
        self.path = path
        self._db = _ReadOnlyDB(path)
        self._size = size if size is not None else int(self._db.con().execute("SELECT count(*) FROM chunks").fetchone()[0])
        self.by_id: Mapping[str, int] = _IdMap(self)
        self._spans: OrderedDict[str, tuple[tuple[int, int, str], ...]] = OrderedDict()
        self._spans_lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, i: int) -> StoredChunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[StoredChunk]: ...

    def __getitem__(self, i: int | slice) -> StoredChunk | list[StoredChunk]:
        if isinstance(i, slice):
            return self.rows(range(*i.indices(self._size)))
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(i)
        return self.rows([i])[0]

    def __iter__(self) -> Iterator[StoredChunk]:
        for lo in range(0, self._size, _PAGE):
            yield from self.rows(range(lo, min(lo + _PAGE, self._size)))

    def rows(self, positions: Sequence[int]) -> list[StoredChunk]:
        """The chunks at ``positions``, in that order."""
        got: dict[int, StoredChunk] = {}
        for pos, cid, text, meta in _select_in(self._db.con(), "SELECT pos, id, text, meta FROM chunks", "pos", positions):
            got[int(pos)] = StoredChunk(cid, text, json.loads(meta))
        missing = [p for p in positions if p not in got]
        if missing:
            raise IndexError(f"no chunk at positions {missing[:5]}")
        return [got[p] for p in positions]

    def texts(self, positions: Sequence[int]) -> dict[int, str]:
        """Position → text for ``positions`` (only the text column is read)."""
        return dict(_select_in(self._db.con(), "SELECT pos, text FROM chunks", "pos", positions))

    def positions(self, ids: Sequence[str]) -> dict[str, int]:
        """Chunk id → position, for the ids this table has."""
        return dict(_select_in(self._db.con(), "SELECT id, pos FROM chunks", "id", ids))

    def article_spans(self, article_id: str) -> tuple[tuple[int, int, str], ...]:
        """(start, end, text) of the chunks of one article, in article order (the recently asked articles are
        kept: an answer asks for the same few articles once per candidate sentence)."""
        with self._spans_lock:
            got = self._spans.get(article_id)
            if got is not None:
                self._spans.move_to_end(article_id)
                return got
        rows = self._db.con().execute(
            "SELECT start, stop, text FROM chunks WHERE article_id = ? ORDER BY start, stop", (article_id,)
        ).fetchall()
        spans = tuple((int(s), int(e), str(t)) for s, e, t in rows)
        with self._spans_lock:
            self._spans[article_id] = spans
            while len(self._spans) > SPANS_CACHED_ARTICLES:
                self._spans.popitem(last=False)
        return spans

    def articles_naming(self, names: Sequence[str]) -> set[str]:
        """Articles with a chunk whose text or title contains one of ``names``."""
        if not names:
            return set()
        cond = " OR ".join("instr(text, ?) > 0 OR instr(json_extract(meta, '$.title'), ?) > 0" for _ in names)
        args = [x for n in names for x in (n, n)]
        return {str(a) for (a,) in self._db.con().execute(f"SELECT DISTINCT article_id FROM chunks WHERE {cond}", args)}

    def n_articles(self) -> int:
        return int(self._db.con().execute("SELECT count(DISTINCT article_id) FROM chunks").fetchone()[0])


class _IdMap(Mapping[str, int]):
    """Chunk id → position, read from the table on demand."""

    def __init__(self, table: ChunkTable) -> None:
        self._table = table

    def __getitem__(self, cid: str) -> int:
        got = self._table.positions([cid])
        if cid not in got:
            raise KeyError(cid)
        return got[cid]

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, str) and cid in self._table.positions([cid])

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self) -> Iterator[str]:
        return (c.id for c in self._table)

    def get_many(self, ids: Sequence[str]) -> dict[str, int]:
        return self._table.positions(ids)


UNITS_FILE = "units.sqlite"
UNIT_VECTORS_FILE = "unit_vectors.npy"


def write_unit_vectors(directory: Path, pages: Iterable[tuple[Sequence[str], np.ndarray]]) -> int:
    """Save answer-unit vectors (normalised rows, float32) as one ``.npy`` and their ids in SQLite (id → row).
    ``pages``: (ids, vectors) in any order. Returns how many."""
    ids: list[str] = []
    mats: list[np.ndarray] = []
    for page_ids, vecs in pages:
        m = np.asarray(vecs, dtype=np.float32).reshape(len(page_ids), -1)
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        mats.append(m / np.where(norms > 0, norms, 1.0))
        ids.extend(page_ids)
    dim = mats[0].shape[1] if mats else 0
    np.save(directory / UNIT_VECTORS_FILE, np.concatenate(mats) if mats else np.zeros((0, dim), dtype=np.float32))
    path = directory / UNITS_FILE
    if path.exists():
        path.unlink()
    con = sqlite3.connect(str(path))
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("CREATE TABLE units (id TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")
        con.executemany("INSERT INTO units VALUES (?, ?)", ((uid, i) for i, uid in enumerate(ids)))
        con.commit()
    finally:
        con.close()
    return len(ids)


class UnitVectors:
    """Answer-unit vectors of a generation, memory-mapped: a request reads the rows of its few dozen units
    (Chroma would load the whole units collection's vector index into every worker to return them)."""

    def __init__(self, directory: Path) -> None:
        self._vectors = np.load(directory / UNIT_VECTORS_FILE, mmap_mode="r")
        self._db = _ReadOnlyDB(directory / UNITS_FILE)

    def __len__(self) -> int:
        return int(self._vectors.shape[0])

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """id → normalised vector, for the ids stored (others are absent)."""
        rows: dict[str, int] = dict(_select_in(self._db.con(), "SELECT id, row FROM units", "id", ids))
        return {uid: np.array(self._vectors[r], dtype=np.float32) for uid, r in rows.items()}


def _select_in(con: sqlite3.Connection, select: str, column: str, keys: Sequence[Any]) -> Iterator[Any]:
    """The rows of ``select WHERE column IN keys`` (keys once each), asked in batches of at most
    :data:`_SQL_VARS` values (SQLite's limit on bound variables)."""
    unique = list(dict.fromkeys(keys))
    for lo in range(0, len(unique), _SQL_VARS):
        part = unique[lo : lo + _SQL_VARS]
        yield from con.execute(f"{select} WHERE {column} IN ({','.join('?' * len(part))})", part)


__all__ = ["CHUNKS_FILE", "UNITS_FILE", "UNIT_VECTORS_FILE", "ChunkTable", "UnitVectors", "write_chunk_table", "write_unit_vectors"]
