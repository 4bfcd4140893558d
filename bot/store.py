"""The index store: one class owns the Chroma client, the pointer and manifests, generations, the writer
lock, garbage collection and the files derived from each generation.

Layout, in the embedded store under ``settings.index_dir/chroma`` or in a Chroma server (``chroma_url``):

    bot-pointer        metadata {"format", "generation", "current"}: which generation serves. Tiny, so serving
                       processes can read it every few seconds.
    chunks-<gen>       the chunks of generation <gen> (texts, metadata, vectors). Its collection metadata holds
                       the generation's state ("building" → "live" → "retired", with times) and, once complete,
                       its manifest (embedder, chunk settings, files, domain terms, ...).
    units-<gen>        the answer units (sentences) of <gen>, with vectors from the same embedder.
    bot-writer-lock    Chroma server only: the lock record of the ingest now writing (heartbeat in metadata).

and on the local disk:

    <index_dir>/writer.lock                              embedded store: the writer's file lock (flock)
    <index_dir>/open.lock                                embedded store: held while a client is made (flock)
    <index_dir>/generations/<gen>/<artifact>/            files derived from <gen>, e.g. BM25 postings

**Generations.** An ingest builds a new generation beside the live one and flips the pointer
(:func:`write_manifest`, the single switch that makes a new build live). Readers open what the pointer names
and keep their handles: a replaced generation is marked retired and deleted only ``gc_grace_s`` later, never
while the pointer names it. A build whose writer died (``kill -9``) never served anyone; the next writer
removes it.

**One writer.** Only the holder of the writer lock builds, publishes or collects garbage. The embedded store
uses an OS file lock (released by the kernel when the holder dies); a Chroma server a lock record, created
atomically (a collection name is unique), kept alive by a heartbeat and taken over when its heartbeat is
older than ``ingest_lock_stale_s`` (the holder died). A writer checks it still holds the record before it
publishes.

**Artifacts** (what a serving process would otherwise recompute at start: BM25 postings, the chunk table,
the typo vocabulary) are files under ``<index_dir>/generations/<gen>/``, not blobs in Chroma: they are
derived data that can always be rebuilt from the generation's chunks and manifest, they can be memory-mapped
(a sparse engine's index files), and Chroma would full-text index and copy large documents. "Several
workers, one index" means processes on one machine sharing ``BOT_INDEX_DIR``: the ingest writes the files and
every worker opens them. A worker with another ``index_dir`` (e.g. on another host of the same Chroma server)
builds its own copy once from the store and keeps it for the following starts. Each artifact directory
carries a listing (sizes and SHA-256); a damaged or missing one is rebuilt, with a warning.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .checksum import sha256_file
from .errors import IndexCorruptError, IndexError_, IndexLockedError, IndexMissingError
from .settings import Settings

log = logging.getLogger("bot.store")

POINTER = "bot-pointer"
LOCK_RECORD = "bot-writer-lock"
CHUNKS_PREFIX = "chunks-"
UNITS_PREFIX = "units-"
#: every per-generation collection is named <prefix><generation>
GENERATION_PREFIXES = (CHUNKS_PREFIX, UNITS_PREFIX)
#: 1: manifest inside the pointer, no answer units; 2: generations (manifest in the chunk collection, units)
FORMAT = 2
GENERATIONS_DIR = "generations"
LOCK_FILE = "writer.lock"
OPEN_LOCK_FILE = "open.lock"  # embedded store: held while a client is constructed (see _opening)
ARTIFACT_LISTING = "ARTIFACT.json"


# ---------------------------------------------------------------------------------------------- manifest


class Manifest(BaseModel):
    """What a generation was built from. Checked whenever a manifest is read or written."""

    model_config = ConfigDict(extra="allow")  # fields added by newer code survive a round trip

    format: int = Field(ge=1, le=FORMAT)
    collection: str = Field(min_length=3)
    generation: str | None = None
    units_collection: str | None = None
    units_version: int | None = None
    embedder: str = Field(min_length=1)
    dim: int = Field(ge=1)
    chunk_chars: int = Field(ge=1)
    overlap_chars: int = Field(ge=0)
    built_at: str | None = None
    n_chunks: int = Field(default=0, ge=0)
    n_articles: int = Field(default=0, ge=0)
    files: dict[str, str] = Field(default_factory=dict)
    terms: list[str] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _generation_fields(self) -> Manifest:
        if not self.collection.startswith(CHUNKS_PREFIX):
            raise ValueError(f"collection {self.collection!r} is not a chunk collection")
        if self.format >= 2:
            missing = [k for k in ("generation", "units_collection", "units_version") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"format {self.format} needs {', '.join(missing)}")
            if self.collection != CHUNKS_PREFIX + str(self.generation):
                raise ValueError(f"collection {self.collection!r} does not belong to generation {self.generation!r}")
            if self.units_collection != UNITS_PREFIX + str(self.generation):
                raise ValueError(f"units collection {self.units_collection!r} does not belong to the generation")
        return self


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "manifest"
        return f"{where}: {err.get('msg')}"
    return f"{type(exc).__name__}: {exc}"


def parse_manifest(raw: Any, where: str) -> dict[str, Any]:
    """A manifest (JSON text or dict) checked field by field; :class:`IndexCorruptError` when it is not one."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
        return Manifest.model_validate(data).model_dump(mode="json")
    except (ValueError, TypeError, ValidationError) as exc:  # JSONDecodeError and ValidationError are ValueErrors
        raise IndexCorruptError(f"the index manifest at {where} is damaged ({_problem(exc)})") from exc


def write_manifest(client: Any, manifest: dict[str, Any]) -> None:
    """Make ``manifest``'s generation the live one: the single switch that makes a new build live.

    The manifest goes into the generation's chunk collection first; then one metadata write on the pointer
    flips every reader that looks after it to the new generation."""
    m = Manifest.model_validate(manifest)  # a bad manifest is a bug here: never publish one
    col = client.get_collection(m.collection)
    meta = dict(col.metadata or {})
    meta.update(
        state="live",
        published_at=time.time(),
        manifest=json.dumps(m.model_dump(mode="json"), ensure_ascii=False),
    )
    col.modify(metadata=meta)
    pointer_meta = {"format": m.format, "generation": m.generation or "", "current": m.collection}
    pointer = client.get_or_create_collection(POINTER, embedding_function=None, metadata=pointer_meta)
    pointer.modify(metadata=pointer_meta)  # the switch


# ---------------------------------------------------------------------------------------------- client


#: chromadb keeps one "system" per path or server in a class-level dict without a lock; two threads
#: creating clients at once can see a half-made entry (KeyError). Clients are made one at a time.
_CLIENT_LOCK = threading.Lock()


def make_client(settings: Settings, *, create: bool = False) -> Any:
    """A Chroma client for ``settings``: HTTP when ``chroma_url`` is set, else persistent under index_dir."""
    with _CLIENT_LOCK:
        return _make_client(settings, create)


def _make_client(settings: Settings, create: bool) -> Any:
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
            raise unreachable(settings, exc) from exc
    path = settings.index_dir / "chroma"
    if not create and not path.exists():
        raise IndexMissingError(f"no index at {settings.index_dir}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with _opening(settings.index_dir / OPEN_LOCK_FILE):
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise IndexCorruptError(f"the index at {settings.index_dir} cannot be opened: {type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def _opening(lock_path: Path) -> Iterator[None]:
    """Hold ``flock`` on ``lock_path`` while a PersistentClient is made: chromadb creates and migrates its
    SQLite file in the constructor, and two processes doing that at once on a new store collide ("table
    collections already exists"). Held for the constructor only, so readers never wait for an ingest."""
    import fcntl

    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def where(settings: Settings) -> str:
    return settings.chroma_url or str(settings.index_dir)


def unreachable(settings: Settings, exc: BaseException) -> IndexError_:
    if settings.chroma_url:
        return IndexError_(
            f"cannot reach the Chroma server at {settings.chroma_url}: {type(exc).__name__}",
            hint="start it with: chroma run --host 127.0.0.1 --port 8000 --path index/chroma-server",
        )
    return IndexCorruptError(f"the index at {settings.index_dir} cannot be read: {type(exc).__name__}: {exc}")


def is_not_found(exc: BaseException) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError)


def _name(c: Any) -> str:
    return str(c.name if hasattr(c, "name") else c)


# ---------------------------------------------------------------------------------------------- lock


@dataclass(frozen=True)
class LockHolder:
    token: str
    pid: int
    host: str
    since: float
    beat: float = 0.0

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, since {time.strftime('%H:%M:%S', time.localtime(self.since))}"

    def as_meta(self) -> dict[str, Any]:
        return {"token": self.token, "pid": self.pid, "host": self.host, "since": self.since, "beat": self.beat}

    @classmethod
    def from_meta(cls, meta: Any) -> LockHolder | None:
        if not isinstance(meta, dict) or not isinstance(meta.get("token"), str):
            return None
        try:
            return cls(
                token=meta["token"],
                pid=int(meta.get("pid", 0)),
                host=str(meta.get("host", "?")),
                since=float(meta.get("since", 0.0)),
                beat=float(meta.get("beat", 0.0)),
            )
        except (TypeError, ValueError):
            return None

    @classmethod
    def mine(cls) -> LockHolder:
        now = time.time()
        return cls(token=uuid.uuid4().hex, pid=os.getpid(), host=socket.gethostname(), since=now, beat=now)


class WriterLock(Protocol):
    me: LockHolder

    def try_acquire(self) -> bool: ...

    def holder(self) -> LockHolder | None: ...

    def verify(self) -> None: ...

    def release(self) -> None: ...


class FileLock:
    """``flock`` on ``<index_dir>/writer.lock``; the file holds who has it (for the waiting writer's message)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.me = LockHolder.mine()
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(self.me.as_meta()).encode("utf-8"))
        os.fsync(fd)
        self._fd = fd
        return True

    def holder(self) -> LockHolder | None:
        try:
            return LockHolder.from_meta(json.loads(self.path.read_text(encoding="utf-8") or "null"))
        except (OSError, ValueError):
            return None  # being rewritten right now, or gone: the caller simply tries again

    def verify(self) -> None:
        if self._fd is None:
            raise IndexLockedError("this ingest does not hold the writer lock; nothing was published")

    def release(self) -> None:
        import fcntl

        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class RecordLock:
    """A lock record in a Chroma server: the collection ``bot-writer-lock``, created atomically (collection
    names are unique), its metadata naming the holder and a heartbeat renewed every ``stale_s / 6``."""

    def __init__(self, client: Any, stale_s: float) -> None:
        self.client = client
        self.stale_s = stale_s
        self.me = LockHolder.mine()
        self._held = False
        self._lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _meta(self) -> dict[str, Any] | None:
        try:
            return dict(self.client.get_collection(LOCK_RECORD).metadata or {})
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise

    def holder(self) -> LockHolder | None:
        return LockHolder.from_meta(self._meta())

    def try_acquire(self) -> bool:
        now = time.time()
        self.me = LockHolder(self.me.token, self.me.pid, self.me.host, now, now)
        try:
            self.client.create_collection(LOCK_RECORD, embedding_function=None, metadata=self.me.as_meta())
        except Exception as exc:
            meta = self._meta()
            if meta is None:
                if "exist" in str(exc).lower():
                    return False  # released between our create and our look: try again
                raise
            other = LockHolder.from_meta(meta)
            age = now - (other.beat if other else 0.0)
            if other is None or age > self.stale_s:
                who = other.describe() if other else "unreadable holder"
                log.warning("taking over the writer lock of a dead ingest (%s, no heartbeat for %.0f s)", who, age)
                try:
                    self.client.delete_collection(LOCK_RECORD)
                except Exception as exc2:
                    if not is_not_found(exc2):  # NotFound: another writer removed it first
                        raise
            return False
        self._held, self._lost = True, False
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="bot-writer-lock", daemon=True)
        self._thread.start()
        return True

    def _beat(self) -> None:
        while not self._stop.wait(max(0.5, self.stale_s / 6)):
            try:
                meta = self._meta()
                if LockHolder.from_meta(meta) is None or (meta or {}).get("token") != self.me.token:
                    self._lost = True
                    log.error("this ingest lost its writer lock to another writer; it will not publish")
                    return
                self.me = LockHolder(self.me.token, self.me.pid, self.me.host, self.me.since, time.time())
                self.client.get_collection(LOCK_RECORD).modify(metadata=self.me.as_meta())
            except Exception as exc:
                log.warning("writer lock heartbeat failed (%s: %s); retrying", type(exc).__name__, exc)

    def verify(self) -> None:
        meta = self._meta()
        if not self._held or self._lost or (meta or {}).get("token") != self.me.token:
            raise IndexLockedError(
                "this ingest lost its writer lock (its heartbeat stopped for longer than ingest_lock_stale_s); "
                "nothing was published",
                hint="run bot ingest again",
            )

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            if (self._meta() or {}).get("token") == self.me.token:
                self.client.delete_collection(LOCK_RECORD)
        except Exception as exc:
            log.warning("could not remove the writer lock record (%s); it expires by itself", exc)


# ---------------------------------------------------------------------------------------------- store


@dataclass(frozen=True)
class Pointer:
    generation: str
    collection: str
    format: int
    legacy_manifest: str | None = None  # format 1 kept the manifest in the pointer


@dataclass
class Generation:
    """A generation being built by the writer (not visible to readers until published)."""

    id: str
    chunks: Any
    units: Any

    @property
    def collection(self) -> str:
        return CHUNKS_PREFIX + self.id

    @property
    def units_collection(self) -> str:
        return UNITS_PREFIX + self.id


def new_generation_id() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"


class Store:
    """The index store under ``settings`` (embedded or a Chroma server). Cheap to keep; thread-safe reads."""

    def __init__(self, settings: Settings, client: Any | None = None, *, create: bool = False) -> None:
        self.settings = settings
        self._client = client
        self._create = create

    @classmethod
    def open(cls, settings: Settings, *, create: bool = False) -> Store:
        """Connect now (errors now, not at the first read)."""
        return cls(settings, make_client(settings, create=create), create=create)

    @property
    def client(self) -> Any:
        """The Chroma client, connected on first use (the embedded store: under the writer's file lock)."""
        if self._client is None:
            self._client = make_client(self.settings, create=self._create)
        return self._client

    def use_client(self, client: Any) -> None:
        self._client = client

    @property
    def where(self) -> str:
        return where(self.settings)

    # -- reading --------------------------------------------------------------------------------------
    def get_collection(self, name: str) -> Any:
        """A collection by name; :class:`IndexCorruptError` when it is missing, another error when unreachable."""
        try:
            return self.client.get_collection(name)
        except Exception as exc:
            if is_not_found(exc):
                raise IndexCorruptError(f"the index at {self.where} names collection {name} which is missing") from exc
            raise unreachable(self.settings, exc) from exc

    def read_pointer(self) -> Pointer | None:
        """Which generation serves (one small read), or None when nothing was ever published here."""
        try:
            meta = self.client.get_collection(POINTER).metadata or {}
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise unreachable(self.settings, exc) from exc
        current = meta.get("current")
        if not isinstance(current, str) or not current.startswith(CHUNKS_PREFIX):
            raise IndexCorruptError(f"the index pointer at {self.where} is damaged (no live generation named)")
        fmt = meta.get("format", 1)
        if not isinstance(fmt, int) or not 1 <= fmt <= FORMAT:
            raise IndexCorruptError(f"the index pointer at {self.where} has an unknown format {fmt!r}")
        generation = meta.get("generation") or current[len(CHUNKS_PREFIX) :]
        legacy = meta.get("manifest") if fmt == 1 else None
        return Pointer(str(generation), current, fmt, legacy if isinstance(legacy, str) else None)

    def read_manifest(self) -> dict[str, Any] | None:
        """The live generation's manifest, checked; None when nothing was ever built here."""
        pointer = self.read_pointer()
        if pointer is None:
            return None
        if pointer.format == 1:
            return parse_manifest(pointer.legacy_manifest, self.where)
        meta = self.get_collection(pointer.collection).metadata or {}
        manifest = parse_manifest(meta.get("manifest"), self.where)
        if manifest["collection"] != pointer.collection:
            raise IndexCorruptError(f"the index at {self.where}: pointer and manifest name different generations")
        return manifest

    def generations(self) -> dict[str, dict[str, str]]:
        """generation id → {prefix: collection name} for every per-generation collection in the store."""
        try:
            cols = self.client.list_collections()
        except Exception as exc:
            raise unreachable(self.settings, exc) from exc
        out: dict[str, dict[str, str]] = {}
        for c in cols:
            name = _name(c)
            for prefix in GENERATION_PREFIXES:
                if name.startswith(prefix):
                    out.setdefault(name[len(prefix) :], {})[prefix] = name
        return out

    # -- the writer -----------------------------------------------------------------------------------
    def _lock(self) -> WriterLock:
        if self.settings.chroma_url:
            return RecordLock(self.client, self.settings.ingest_lock_stale_s)
        return FileLock(self.settings.index_dir / LOCK_FILE)

    @contextlib.contextmanager
    def writer(
        self, timeout_s: float | None = None, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[Writer]:
        """Hold the writer lock for the block (wait up to ``timeout_s``, default ``ingest_lock_timeout_s``)."""
        lock = self._lock()
        timeout = self.settings.ingest_lock_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        told = False
        while not self._try(lock):
            holder = self._holder(lock)
            who = holder.describe() if holder else "holder unknown"
            if time.monotonic() >= deadline:
                raise IndexLockedError(
                    f"another ingest is writing the index at {self.where} ({who}); nothing was changed"
                    + (f" after waiting {timeout:.0f} s" if timeout > 0 else ""),
                    hint="try again when it has finished, or wait longer with BOT_INGEST_LOCK_TIMEOUT_S",
                )
            if not told:
                told = True
                message = (
                    f"another ingest is writing the index at {self.where} ({who}); "
                    f"waiting up to {timeout:.0f} s for it to finish"
                )
                (on_wait or log.warning)(message)
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        try:
            yield Writer(self, lock)
        finally:
            lock.release()

    def _try(self, lock: WriterLock) -> bool:
        try:
            return lock.try_acquire()
        except (IndexError_, OSError) as exc:
            if isinstance(exc, IndexError_):
                raise
            raise IndexError_(f"cannot take the writer lock at {self.where}: {exc}") from exc
        except Exception as exc:  # the Chroma server failed
            raise unreachable(self.settings, exc) from exc

    def _holder(self, lock: WriterLock) -> LockHolder | None:
        try:
            return lock.holder()
        except Exception as exc:
            raise unreachable(self.settings, exc) from exc

    def try_collect_garbage(self) -> list[str] | None:
        """Collect garbage if no writer is busy (then it collects itself); None when the lock was taken."""
        lock = self._lock()
        if not self._try(lock):
            return None
        try:
            return self._collect_garbage()
        finally:
            lock.release()

    def _set_meta(self, collection: Any, **updates: Any) -> None:
        meta = dict(collection.metadata or {})
        meta.update(updates)
        collection.modify(metadata=meta)

    def _collect_garbage(self, now: float | None = None) -> list[str]:
        now = time.time() if now is None else now
        grace = self.settings.gc_grace_s
        pointer = self.read_pointer()
        current = pointer.generation if pointer else None
        removed: list[str] = []
        alive: set[str] = set()
        for gen, cols in sorted(self.generations().items()):
            alive.add(gen)
            if gen == current:
                continue
            chunks_name = cols.get(CHUNKS_PREFIX)
            meta: dict[str, Any] = {}
            chunks_col = None
            if chunks_name is not None:
                chunks_col = self.get_collection(chunks_name)
                meta = dict(chunks_col.metadata or {})
            state = meta.get("state")
            if chunks_col is not None and state != "building":
                retired_at = meta.get("retired_at")
                if not isinstance(retired_at, int | float) or retired_at <= 0:
                    # replaced (or a format-1 collection): its grace period starts now
                    self._set_meta(chunks_col, state="retired", retired_at=now)
                    continue
                if now - float(retired_at) < grace:
                    continue
                why = f"retired {now - float(retired_at):.0f} s ago"
            else:
                # a build whose writer died: we hold the lock, so nobody is writing it, and no reader ever
                # opened it (readers open only what the pointer names)
                why = "abandoned build" if chunks_col is not None else "incomplete generation"
            for name in cols.values():
                try:
                    self.client.delete_collection(name)
                except Exception as exc:
                    if not is_not_found(exc):
                        raise unreachable(self.settings, exc) from exc
            self._remove_artifacts(gen)
            alive.discard(gen)
            removed.append(gen)
            log.info("removed index generation %s (%s)", gen, why)
        # files of generations that are gone from the store (e.g. collected by a writer on another host)
        root = self.settings.index_dir / GENERATIONS_DIR
        if root.is_dir():
            for d in root.iterdir():
                if d.is_dir() and d.name not in alive and d.name != current:
                    self._remove_artifacts(d.name)
        return removed

    # -- artifacts ------------------------------------------------------------------------------------
    def artifact_dir(self, generation: str, name: str) -> Path:
        return self.settings.index_dir / GENERATIONS_DIR / generation / name

    def _remove_artifacts(self, generation: str) -> None:
        _rmtree(self.settings.index_dir / GENERATIONS_DIR / generation)

    def artifact(self, generation: str, name: str, build: Callable[[Path], None]) -> Path:
        """The directory of artifact ``name`` of ``generation``, built by ``build(directory)`` when it is not
        there yet (or damaged). Built into a private directory and renamed into place, so concurrent
        processes never see half an artifact; the first one to finish wins."""
        final = self.artifact_dir(generation, name)
        if final.is_dir():
            problem = verify_artifact(final)
            if problem is None:
                return final
            log.warning("artifact %s of index generation %s is damaged (%s); rebuilding it", name, generation, problem)
            aside = final.with_name(f".{name}.damaged-{uuid.uuid4().hex[:8]}")
            final.rename(aside)
            _rmtree(aside)
        tmp = final.with_name(f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            tmp.mkdir(parents=True)
        except OSError as exc:
            private = Path(tempfile.mkdtemp(prefix=f"bot-{name}-"))
            atexit.register(_rmtree, private)
            log.warning("cannot write %s (%s); keeping artifact %s in %s for this process", final.parent, exc, name, private)
            build(private)
            write_listing(private)
            return private
        try:
            build(tmp)
            write_listing(tmp)
            try:
                tmp.rename(final)
            except OSError:
                if final.is_dir() and verify_artifact(final) is None:  # another process was faster
                    _rmtree(tmp)
                    return final
                raise
        except BaseException:
            _rmtree(tmp)
            raise
        return final


def _rmtree(path: Path) -> None:
    """Remove a directory; a failure is logged (the next garbage collection tries again)."""
    if not path.exists():
        return
    try:
        shutil.rmtree(path)
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)


#: a file up to this size is checked whole when an artifact is opened; a larger one by its ends
SAMPLE_BYTES = 1 << 20


def _sample_sha256(path: Path) -> str:
    """SHA-256 of the file's first and last :data:`SAMPLE_BYTES` (the whole file when it is small): what an
    open checks, so that opening a generation does not read every byte of its (memory-mapped) artifacts."""
    size = path.stat().st_size
    if size <= 2 * SAMPLE_BYTES:
        return sha256_file(path)
    h = hashlib.sha256()
    with path.open("rb") as f:
        h.update(f.read(SAMPLE_BYTES))
        f.seek(size - SAMPLE_BYTES)
        h.update(f.read(SAMPLE_BYTES))
    return h.hexdigest()


def write_listing(directory: Path) -> None:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != ARTIFACT_LISTING)
    listing = {
        "files": {
            str(p.relative_to(directory)): {
                "bytes": p.stat().st_size, "sha256": sha256_file(p), "sample_sha256": _sample_sha256(p)
            }
            for p in files
        },
        "created_at": time.time(),
    }
    (directory / ARTIFACT_LISTING).write_text(json.dumps(listing, indent=1), encoding="utf-8")


def verify_artifact(directory: Path, *, full: bool = False) -> str | None:
    """None when every file of the listing is there with its size and checksum, else what is wrong.
    ``full``: hash every byte; else a large file is checked by its size and its ends (:func:`_sample_sha256`)."""
    try:
        listing = json.loads((directory / ARTIFACT_LISTING).read_text(encoding="utf-8"))
        files = listing["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"no valid listing: {type(exc).__name__}"
    for rel, want in files.items():
        p = directory / rel
        if not p.is_file():
            return f"{rel} is missing"
        if p.stat().st_size != want.get("bytes"):
            return f"{rel} does not match its size"
        sample = want.get("sample_sha256")
        ok = sha256_file(p) == want.get("sha256") if full or sample is None else _sample_sha256(p) == sample
        if not ok:
            return f"{rel} does not match its checksum"
    return None


class Writer:
    """What the holder of the writer lock may do: build a generation, publish it, collect garbage."""

    def __init__(self, store: Store, lock: WriterLock) -> None:
        self.store = store
        self._lock = lock

    def begin(self) -> Generation:
        gen = new_generation_id()
        meta = {"bot": "chunks", "generation": gen, "state": "building", "created_at": time.time(),
                "writer": self._lock.me.token}
        client = self.store.client
        try:
            chunks = client.create_collection(
                CHUNKS_PREFIX + gen, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}, metadata=meta
            )
            units = client.create_collection(
                UNITS_PREFIX + gen,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"bot": "units", "generation": gen},
            )
        except Exception as exc:
            raise unreachable(self.store.settings, exc) from exc
        return Generation(gen, chunks, units)

    def publish(self, gen: Generation, manifest: dict[str, Any]) -> None:
        """Make ``gen`` live (:func:`write_manifest`) and start the grace period of the one it replaces."""
        self._lock.verify()
        previous = self.store.read_pointer()
        write_manifest(self.store.client, manifest)
        if previous is not None and previous.generation != gen.id:
            try:
                self.store._set_meta(self.store.get_collection(previous.collection), state="retired", retired_at=time.time())
            except IndexError_ as exc:  # the switch is done; the next collection marks it instead
                log.warning("could not mark generation %s retired: %s", previous.generation, exc.one_line())

    def abandon(self, gen: Generation) -> None:
        """Remove a build that will not be published (on error); what fails here the next writer removes."""
        for name in (gen.collection, gen.units_collection):
            try:
                self.store.client.delete_collection(name)
            except Exception as exc:
                if not is_not_found(exc):
                    log.warning("could not remove the unfinished collection %s (%s); the next ingest will", name, exc)
        self.store._remove_artifacts(gen.id)

    def collect_garbage(self, now: float | None = None) -> list[str]:
        """Remove abandoned builds, and replaced generations whose grace period is over at ``now``."""
        return self.store._collect_garbage(now)


__all__ = [
    "CHUNKS_PREFIX",
    "FORMAT",
    "POINTER",
    "UNITS_PREFIX",
    "Generation",
    "Manifest",
    "Pointer",
    "Store",
    "Writer",
    "make_client",
    "parse_manifest",
    "verify_artifact",
    "where",
    "write_manifest",
]
