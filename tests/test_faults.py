"""Faults: an ingest killed with SIGKILL, a damaged or missing index, non-UTF-8 corpus files.

Indexes are built with the hash embedder under tmp dirs; damaged indexes are damaged copies, opened from a
path this process never opened before (Chroma caches clients per path).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import (
    CLI,
    CORPUS,
    FILE_001,
    chunk_collections,
    cli_env,
    hash_settings,
    run_cli,
    synthetic_corpus,
)

from bot import Bot
from bot.errors import BotError, IndexCorruptError, IndexMissingError
from bot.ingest import ingest_paths

PROGRESS = re.compile(r"embedding:\s*\d+%\|[^|\r\n]*\|\s*(\d+)/(\d+)")


def ingest(settings, paths=None, **kw):
    return ingest_paths(settings, paths, progress=None, **kw)


# --- SIGKILL during ingest -------------------------------------------------------------------------


def test_sigkill_during_ingest_keeps_previous_index(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path)
    first = ingest(settings)

    big = synthetic_corpus(tmp_path / "big", 200)
    for f in CORPUS.iterdir():
        shutil.copy(f, big / f.name)
    err_path = tmp_path / "ingest.err"
    with open(err_path, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [*CLI, "ingest", str(big)],
            env=cli_env(tmp_path),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        done = total = 0
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            seen = [
                (int(a), int(b))
                for a, b in PROGRESS.findall(err_path.read_text(encoding="utf-8", errors="replace"))
            ]
            if seen:
                done, total = max(seen)
                if done >= 64:  # at least one batch written into the new collection
                    break
            time.sleep(0.05)
        assert proc.poll() is None, (
            f"ingest ended (exit {proc.returncode}) before it could be killed: {done}/{total}"
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert 0 < done < total, (done, total)

    cols = chunk_collections(settings)
    assert first.collection in cols and len(cols) == 2, (
        f"expected the live and one half-built collection: {cols}"
    )

    bot = Bot.open(settings)
    assert bot.index.manifest["collection"] == first.collection
    assert bot.index.count() == first.chunks
    hits = bot.search("海创尚纬的注册资本", 5)
    assert hits and all(not p.source.startswith("syn_") for p in hits)
    assert "5亿元" in bot.ask("海创尚纬的注册资本是多少?").answer

    # a fresh process sees the same, untouched index
    out = run_cli(["search", "--json", "--k", "5", "合成测试文章 亿元"], cli_env(tmp_path), tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert all(not r["source"].startswith("syn_") for r in json.loads(out.stdout))

    again = ingest(settings)
    assert again.up_to_date and again.collection == first.collection
    assert chunk_collections(settings) == [first.collection], (
        "the following ingest drops the stray collection"
    )


# --- damaged index ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("built")
    settings = hash_settings(tmp)
    ingest(settings)
    return settings.index_dir


def damage(how: str, db: Path) -> None:
    data = db.read_bytes()
    if how == "garbage":
        db.write_bytes(b"garbage!" * 4096)
    elif how == "zeroed header":
        db.write_bytes(b"\x00" * 100 + data[100:])
    elif how == "truncated to half":
        db.write_bytes(data[: len(data) // 2])
    elif how == "random middle":
        db.write_bytes(data[:8192] + os.urandom(len(data) // 2) + data[8192 + len(data) // 2 :])
    else:
        raise AssertionError(how)


def damaged_copy(built_index: Path, tmp_path: Path, how: str):
    settings = hash_settings(tmp_path)
    shutil.copytree(built_index, settings.index_dir)
    damage(how, settings.index_dir / "chroma" / "chroma.sqlite3")
    return settings


@pytest.mark.parametrize("how", ["garbage", "zeroed header", "truncated to half", "random middle"])
def test_damaged_index_is_a_one_line_corrupt_error(built_index: Path, tmp_path: Path, how: str) -> None:
    settings = damaged_copy(built_index, tmp_path, how)
    with pytest.raises(IndexCorruptError) as err:
        Bot.open(settings)
    line = err.value.one_line()
    assert "\n" not in line and "bot ingest --rebuild" in line and str(settings.index_dir) in line


def test_emptied_index_file_asks_for_ingest(built_index: Path, tmp_path: Path) -> None:
    settings = hash_settings(tmp_path)
    shutil.copytree(built_index, settings.index_dir)
    (settings.index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"")
    with pytest.raises(BotError) as err:
        Bot.open(settings)
    assert isinstance(err.value, (IndexMissingError, IndexCorruptError))
    assert "bot ingest" in err.value.one_line()


def test_cli_search_on_damaged_index(built_index: Path, tmp_path: Path) -> None:
    damaged_copy(built_index, tmp_path, "garbage")
    out = run_cli(["search", "注册资本"], cli_env(tmp_path), tmp_path)
    assert out.returncode == 2, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "bot ingest --rebuild" in lines[0], lines


def test_rebuild_recovers_a_damaged_index(built_index: Path, tmp_path: Path) -> None:
    settings = damaged_copy(built_index, tmp_path, "garbage")
    report = ingest(settings, rebuild=True)
    assert report.chunks > 0
    assert Bot.open(settings).search("注册资本", 1)


def test_missing_index(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path)
    with pytest.raises(IndexMissingError) as err:
        Bot.open(settings)
    assert "bot ingest" in err.value.one_line()
    assert not settings.index_dir.exists()


# --- encodings ---------------------------------------------------------------------------------------

ARTICLE = (
    "# {place}陶瓷产业园新建智能窑炉生产线\n\n"
    "本报讯 近日,位于{place}的陶瓷产业园迎来新进展。园区内的智能窑炉生产线正式点火投产,设计年产能达到{n}万平方米。\n\n"
    "项目负责人介绍,这条生产线采用余热回收技术,每年可节约标准煤约1.5万吨,减少二氧化碳排放约4万吨。\n\n"
    "下一步,园区将继续推进绿色化改造,力争在明年建成省级绿色工厂。\n"
)


def test_gbk_and_other_encodings_ingest_and_search(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / FILE_001, corpus / FILE_001)
    files = {
        "gbk.txt": ("夹江县", 3200, "gbk"),
        "gb18030.txt": ("犍为县", 777, "gb18030"),
        "bom.txt": ("沙湾区", 555, "utf-8-sig"),
        "utf16.txt": ("峨眉山市", 888, "utf-16"),
    }
    for name, (place, n, enc) in files.items():
        (corpus / name).write_bytes(ARTICLE.format(place=place, n=n).encode(enc))
    settings = hash_settings(tmp_path, corpus)
    report = ingest(settings)
    assert report.problems == [] and report.files == 5
    bot = Bot.open(settings)
    for name, (place, n, _) in files.items():
        hits = bot.search(f"{place}智能窑炉生产线年产能", 3)
        assert hits[0].source == name, (name, [h.source for h in hits])
        assert f"{place}" in hits[0].text and f"{n}万平方米" in hits[0].text, hits[0].text
        assert hits[0].title == f"{place}陶瓷产业园新建智能窑炉生产线"
    answer = bot.ask("夹江县的智能窑炉生产线设计年产能是多少?")
    assert "3200万平方米" in answer.answer and answer.citations[0].file == "gbk.txt", answer.answer
