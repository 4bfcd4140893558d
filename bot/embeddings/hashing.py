"""A tiny deterministic embedder (character uni/bi-gram hashing). For tests and benchmarks of plumbing:
it needs no model, loads instantly and gives stable vectors. Not for answering real questions."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError
from . import register


class HashEmbeddings(Embeddings):
    engine = "hash"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = "hash" if dim == 256 else f"hash:{dim}"

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self.dim, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        grams = chars + [a + b for a, b in itertools.pairwise(chars)]
        for g in grams:
            h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 63) else -1.0
        n = float(np.linalg.norm(v))
        if n == 0:
            v[0] = 1.0
            n = 1.0
        return (v / n).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


@register("hash")
def _factory(arg: str, cache_dir: Path) -> Embeddings:
    if not arg:
        return HashEmbeddings()
    if not arg.isdigit() or not 8 <= int(arg) <= 4096:
        raise EmbedderError(f"embedder 'hash:{arg}' needs a dimension between 8 and 4096")
    return HashEmbeddings(int(arg))
