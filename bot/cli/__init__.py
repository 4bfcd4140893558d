"""The ``bot`` command. Each subcommand lives in its own module and is imported only when used."""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import BotError

# name -> (module, attribute, short help). Modules are imported lazily so `bot --help` stays fast.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ingest": ("bot.cli.ingest_cmd", "ingest", "Build or update the index from corpus files."),
    "search": ("bot.cli.search_cmd", "search", "Show the passages retrieved for a query."),
    "info": ("bot.cli.info_cmd", "info", "Describe the index and settings."),
    "ask": ("bot.cli.ask_cmd", "ask", "Answer a question with citations."),
    "serve": ("bot.cli.serve_cmd", "serve", "Start the chat, widget and HTTP API."),
    "eval": ("bot.cli.eval_cmd", "eval_", "Evaluate on a JSONL question set."),
    "bench": ("bot.cli.bench_cmd", "bench", "Benchmark ingest, search, answers and HTTP load."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
def cli() -> None:
    """园区问答: answers questions about the park of the corpus (its site profile says which) from its articles."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 2, never a traceback."""
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except BotError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
