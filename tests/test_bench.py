"""``bot bench --quick`` end to end: every section is present and numeric."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.bench import _vary, machine, write_synthetic_corpus

REPO = Path(__file__).resolve().parents[1]


def _numbers(d: dict[str, Any], keys: list[str]) -> None:
    for k in keys:
        assert isinstance(d.get(k), int | float) and not isinstance(d[k], bool), (k, d.get(k))


def test_synthetic_corpus_reaches_the_target(tmp_path: Path) -> None:
    from bot.chunks import chunk_article
    from bot.corpus import load_corpus

    info = write_synthetic_corpus(REPO / "corpus", tmp_path / "syn", 120, 300, 60, seed=1)
    arts = load_corpus([tmp_path / "syn"]).articles
    assert sum(len(chunk_article(a, 300, 60)) for a in arts) == info["expected_chunks"] >= 120
    assert info["files"] == len(arts)  # no article was dropped as a duplicate
    import random

    # the corpus's own names (the lexicon's) are swapped for invented ones, numbers are varied
    varied = _vary("四川甲乙新材注册资本5亿元,可解决约500人就业岗位。", random.Random(3), ["蜀能新材"], ["甲乙新材"])
    assert "甲乙新材" not in varied and "蜀能新材" in varied and "500人" not in varied


def test_machine_description() -> None:
    m = machine()
    _numbers(m, ["logical_cores", "usable_cores", "ram_gb"])
    assert m["python"].count(".") == 2


@pytest.mark.slow
def test_bench_quick_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    out = tmp_path / "bench.json"
    main(
        [
            "bench",
            "--quick",
            "--out",
            str(out),
            "--corpus-dir",
            str(REPO / "corpus"),
            "--questions",
            str(REPO / "evals" / "dev.jsonl"),
        ]
    )
    printed = capsys.readouterr().out
    assert "ingest corpus" in printed and "cold start" in printed
    res = json.loads(out.read_text(encoding="utf-8"))
    for section in (
        "machine",
        "config",
        "ingest_corpus",
        "ingest_synthetic",
        "search",
        "search_synthetic",
        "answer",
        "cold_start",
        "memory",
        "http",
        "phase_seconds",
    ):
        assert section in res, section
    assert res["config"]["quick"] is True and res["config"]["embedder"] == "hash"
    _numbers(res["ingest_corpus"], ["chunks", "seconds", "chunks_per_s"])
    assert res["ingest_corpus"]["chunks"] > 0
    _numbers(res["ingest_synthetic"], ["chunks", "seconds", "chunks_per_s", "target_chunks"])
    assert res["ingest_synthetic"]["chunks"] >= res["ingest_synthetic"]["target_chunks"] == 300
    for key in ("search", "search_synthetic", "answer", "answer_synthetic"):
        _numbers(res[key], ["n", "p50_ms", "p95_ms", "mean_ms"])
        assert res[key]["p50_ms"] <= res[key]["p95_ms"]
    assert res["answer"]["errors"] == 0
    _numbers(res["search_synthetic"], ["open_ms", "open_fresh_ms", "serving_rss_mb", "serving_peak_rss_mb"])
    assert "error" not in res["cold_start"], res["cold_start"]
    _numbers(
        res["cold_start"], ["to_first_answer_ms", "import_ms", "open_ms", "first_answer_ms", "peak_rss_mb"]
    )
    _numbers(res["memory"], ["peak_rss_mb", "rss_now_mb", "serving_process_peak_rss_mb"])
    http = res["http"]
    if http.get("skipped"):  # the web app is optional for this bench
        pytest.skip(f"HTTP section skipped: {http['skipped']}")
    assert [lv["clients"] for lv in http["levels"]] == [1, 8, 32]
    for lv in http["levels"]:
        _numbers(lv, ["requests", "ok", "errors", "throughput_rps", "p50_ms", "p95_ms"])
        assert lv["errors"] == 0 and lv["ok"] == lv["requests"] > 0, lv
