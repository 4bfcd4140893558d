from __future__ import annotations

from pathlib import Path

import click

from ._common import echo_json, index_option, load_settings


@click.command()
@click.argument("query")
@click.option("--k", "k", type=click.IntRange(1, 50), default=None, help="how many passages")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@index_option
def search(query: str, k: int | None, as_json: bool, index_dir: Path | None, embedder: str | None) -> None:
    """Show the passages retrieved for QUERY, best first."""
    from ..guard import clean_question
    from ..service import Bot

    settings = load_settings(index_dir=index_dir, embedder=embedder)
    clean_question(query, settings)
    bot = Bot.open(settings)
    passages = bot.search(query, k)
    if as_json:
        echo_json([p.model_dump() for p in passages])
        return
    for i, p in enumerate(passages, 1):
        where = f"{p.title} · {p.section}" if p.section else p.title
        click.echo(f"[{i}] {p.score:.4f}  {p.source}  {where}")
        click.echo("    " + p.text.replace("\n", " ")[:300])
