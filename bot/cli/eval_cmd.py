"""``bot eval``: ask a JSONL question set through the bot and score it (see docs/evaluation.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _run_compare(a: Path, b: Path, out: Path | None) -> None:
    from ..evaluate.compare import compare_reports, load_report, render_compare

    diff = compare_reports(load_report(a), load_report(b))
    click.echo(f"A = {a}\nB = {b}\n")
    click.echo(render_compare(diff))
    if out:
        _write_json(out, diff)
        click.echo(f"\nwrote {out}", err=True)


@click.command("eval")
@click.argument("questions", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report here.")
@click.option(
    "--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report here."
)
@click.option(
    "--ragas", type=click.Path(dir_okay=False, path_type=Path), help="Write RAGAS-style JSONL here."
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting (repeatable), e.g. --set k=5.",
)
@click.option(
    "--index-dir", type=click.Path(file_okay=False, path_type=Path), help="Same as --set index_dir=DIR."
)
@click.option(
    "--corpus-dir", type=click.Path(file_okay=False, path_type=Path), help="Same as --set corpus_dir=DIR."
)
@click.option(
    "--fail-under",
    multiple=True,
    metavar="METRIC=VALUE",
    help="Exit 1 if METRIC is below VALUE (above it for false_refusal_rate, latency_*, answer_chars_*). Repeatable.",
)
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="A.json B.json",
    help="Compare two reports instead of running an evaluation.",
)
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="FIELD",
    help="Also break the metrics down by FIELD of the questions (e.g. tag; any extra field). Repeatable.",
)
@click.option("--quiet", "-q", is_flag=True, help="No per-question progress on stderr.")
def eval_(
    questions: Path | None,
    out: Path | None,
    html_out: Path | None,
    ragas: Path | None,
    sets: tuple[str, ...],
    index_dir: Path | None,
    corpus_dir: Path | None,
    fail_under: tuple[str, ...],
    compare: tuple[Path, Path] | None,
    by: tuple[str, ...],
    quiet: bool,
) -> None:
    """Evaluate the bot on QUESTIONS (JSONL), or compare two reports with --compare A.json B.json."""
    if compare:
        if questions is not None:
            raise click.UsageError("give either QUESTIONS or --compare A.json B.json, not both")
        _run_compare(compare[0], compare[1], out)
        return
    if questions is None:
        raise click.UsageError("missing QUESTIONS file (or use --compare A.json B.json)")

    from ..evaluate.dataset import check_quotes, load_items
    from ..evaluate.overrides import make_settings, parse_sets
    from ..evaluate.runner import check_thresholds, parse_thresholds, run_eval
    from ..evaluate.text_report import render_text

    thresholds = parse_thresholds(fail_under)
    items = load_items(questions)
    settings = make_settings(parse_sets(sets), index_dir=index_dir, corpus_dir=corpus_dir)
    for warning in check_quotes(items, settings.corpus_dir):
        click.echo(f"warning: {warning}", err=True)

    from ..service import Bot

    if not quiet:
        click.echo(
            f"opening the bot (index {settings.index_dir}, embedder {settings.embedder}) ...", err=True
        )
    bot = Bot.open(settings, build_if_missing=True)

    def progress(i: int, n: int, rec: dict[str, Any]) -> None:
        if not quiet:
            status = "pass" if rec["pass"] else "FAIL"
            click.echo(f"[{i:>3}/{n}] {rec['id']:<8} {status} {rec['latency_ms']:>7.0f} ms", err=True)

    report = run_eval(bot, items, questions_path=questions, progress=progress, by=by)
    if out:
        _write_json(out, report)
    if html_out:
        from ..evaluate.report_html import write_html

        write_html(report, html_out)
    if ragas:
        from ..evaluate.ragas_export import write_ragas

        write_ragas(report, ragas)
    click.echo(render_text(report))
    for path in (out, html_out, ragas):
        if path:
            click.echo(f"wrote {path}", err=True)
    failures = check_thresholds(report["summary"], thresholds)
    for line in failures:
        click.echo(line, err=True)
    if failures:
        sys.exit(1)


__all__ = ["eval_"]
