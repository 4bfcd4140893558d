"""Helpers shared by the index, CLI, fault and Chroma-server tests. Everything they write goes under tmp dirs."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bot.web.server import free_port  # noqa: F401  (re-exported for the tests)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEV_SET = REPO / "evals" / "dev.jsonl"
FILE_000 = "000_0feb0f1d8f072487.txt"  # the park press-conference article + the 金口河 article
FILE_001 = "001_ae9b3629b205d340.txt"  # the 2024 park review (海创尚纬, 创智谷, ...)

CLI = [sys.executable, "-c", "from bot.cli import main; main()"]


def squash(text: str) -> str:
    """Text without any whitespace (quotes in evals/dev.jsonl are compared this way)."""
    return re.sub(r"\s+", "", text)


def copy_corpus(dest: Path) -> Path:
    """A private copy of the bundled corpus that a test may edit."""
    shutil.copytree(CORPUS, dest)
    return dest


def hash_settings(tmp: Path, corpus: Path | None = None, **overrides):
    """Settings with the fast 'hash' embedder and every path under ``tmp``."""
    from bot import Settings

    base = dict(corpus_dir=corpus or CORPUS, index_dir=tmp / "index", data_dir=tmp / "data", embedder="hash")
    base.update(overrides)
    return Settings(**base)


def chunk_ids(settings, paths) -> dict[str, str]:
    """chunk id -> source, exactly as ingest would chunk ``paths`` with ``settings``."""
    from bot.chunks import chunk_article
    from bot.corpus import load_corpus

    out: dict[str, str] = {}
    for art in load_corpus(list(paths)).articles:
        for c in chunk_article(art, settings.chunk_chars, settings.overlap_chars):
            out.setdefault(c.id, c.source)
    return out


def chunk_collections(settings) -> list[str]:
    """Names of the chunk collections present in the store (live one and strays)."""
    from bot.index import CHUNKS_PREFIX, make_client

    client = make_client(settings)
    names = [c.name if hasattr(c, "name") else str(c) for c in client.list_collections()]
    return sorted(n for n in names if n.startswith(CHUNKS_PREFIX))


def cli_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``bot`` subprocess: hash embedder, index and data under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_INDEX_DIR=str(tmp / "index"),
        BOT_DATA_DIR=str(tmp / "data"),
        BOT_CORPUS_DIR=str(CORPUS),
        BOT_EMBEDDER="hash",
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def start_cli(args: list[str], env: dict[str, str], cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


_POOL = "园区企业项目投资产业创新发展建设科技制造新能源材料电池光伏数字经济平台服务人才政策营商环境改革开放合作基地工厂产能销售利润就业"


def synthetic_corpus(dest: Path, n_files: int, seed: int = 7) -> Path:
    """``n_files`` newspaper-style articles (≈5 chunks each at the default settings), all distinct."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        paras = []
        for p in range(5):
            sents = []
            for s in range(4):
                body = "".join(rng.choice(_POOL) for _ in range(rng.randint(20, 50)))
                sents.append(f"第{i}号合成文章第{p}段第{s}句{body}{rng.randint(1, 999)}亿元。")
            paras.append("".join(sents))
        text = f"# 合成测试文章{i}\n\n" + "\n\n".join(paras) + "\n"
        (dest / f"syn_{i:04d}.txt").write_text(text, encoding="utf-8")
    return dest
