from __future__ import annotations

from pathlib import Path

import click

from ._common import echo_json, index_option, load_settings


@click.command()
@index_option
def info(index_dir: Path | None, embedder: str | None) -> None:
    """Describe the index (embedder, chunk settings, counts) and the settings in force."""
    from ..embeddings import get_embedder
    from ..index import Index

    settings = load_settings(index_dir=index_dir, embedder=embedder)
    index = Index.open(settings, get_embedder(settings.embedder, settings.cache_dir))
    data = index.describe()
    data["settings"] = settings.model_dump(mode="json", exclude={"llm_api_key"})
    echo_json(data)
