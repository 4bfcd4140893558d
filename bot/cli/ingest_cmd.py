from __future__ import annotations

from pathlib import Path

import click

from ._common import index_option, load_settings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="re-embed everything (e.g. after changing the embedder)")
@click.option("--chunk-chars", type=int, default=None, help="chunk size in characters")
@click.option("--overlap-chars", type=int, default=None, help="overlap in characters")
@click.option("--quiet", is_flag=True, help="no progress bar")
@click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="the articles (and their site.toml) to index; same as BOT_CORPUS_DIR",
)
@index_option
def ingest(paths: tuple[Path, ...], rebuild: bool, chunk_chars: int | None, overlap_chars: int | None,
           quiet: bool, corpus_dir: Path | None, index_dir: Path | None, embedder: str | None) -> None:
    """Build or update the index from PATHS (default: the corpus directory).

    Safe while the chat is serving: a new index generation is built beside the live one and switched to
    when complete; serving processes pick it up within BOT_RELOAD_CHECK_S. One ingest at a time: a second
    one waits for the first (up to BOT_INGEST_LOCK_TIMEOUT_S)."""
    from ..ingest import _tqdm_progress, ingest_paths

    settings = load_settings(index_dir=index_dir, embedder=embedder, chunk_chars=chunk_chars,
                             overlap_chars=overlap_chars, corpus_dir=corpus_dir)
    report = ingest_paths(
        settings,
        list(paths) or None,
        rebuild=rebuild,
        progress=None if quiet else _tqdm_progress,
        on_wait=lambda message: click.echo(f"note: {message}", err=True),
    )
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(report.summary())
