from __future__ import annotations

from pathlib import Path

import click

from ._common import echo_json, index_option, load_settings


@click.command()
@click.argument("question")
@click.option("--history", "history", multiple=True, help="an earlier question of the conversation (repeatable)")
@click.option("--json", "as_json", is_flag=True, help="print the Answer as JSON")
@index_option
def ask(question: str, history: tuple[str, ...], as_json: bool, index_dir: Path | None, embedder: str | None) -> None:
    """Answer QUESTION from the articles, with citations."""
    from ..guard import clean_question
    from ..service import Bot

    settings = load_settings(index_dir=index_dir, embedder=embedder)
    clean_question(question, settings)  # a bad question is refused before any index work
    bot = Bot.open(settings, build_if_missing=True)
    answer = bot.ask(question, list(history))
    if as_json:
        echo_json(answer.model_dump(mode="json"))
        return
    click.echo(answer.answer)
    if answer.notice:
        click.echo(f"({answer.notice})")
    for c in answer.citations:
        s, e = c.span
        where = ", ".join(dict.fromkeys(x for x in (c.source, c.date, c.file) if x))  # the file last, once
        click.echo(f"[{c.n}] {c.title} ({where}): {c.text[s:e]}")
    if answer.refused and answer.retrieved:
        click.echo("最接近的段落:")
        for p in answer.retrieved[:3]:
            click.echo(f"  - {p.title}: {p.text[:80]}…")
