"""``bot serve``: the chat (/), embeddable widget (/embed, /widget.js) and HTTP API (/api, docs at /docs)."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default=None, help="Interface to listen on [default: BOT_HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port [default: BOT_PORT or 7860].")
def serve(host: str | None, port: int | None) -> None:
    """Start the chat, widget and HTTP API (builds the index first if it is missing)."""
    from ..settings import Settings
    from ..web import serve as run

    run(Settings(), host=host, port=port)
