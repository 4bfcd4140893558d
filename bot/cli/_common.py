"""Helpers shared by CLI commands: settings with overrides, opening the bot, printing JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from ..errors import InputError
from ..settings import Settings


def load_settings(**overrides: Any) -> Settings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err.get("loc", ())) or "settings"
        raise InputError(f"invalid setting {field}={err.get('input')!r}: {err.get('msg')}") from exc


def index_option(f: Any) -> Any:
    f = click.option("--index-dir", type=click.Path(path_type=Path), default=None, help="index directory")(f)
    f = click.option("--embedder", default=None, help="embedder name, e.g. e5")(f)
    return f


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
