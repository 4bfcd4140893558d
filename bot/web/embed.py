"""The embeddable chat: ``GET /embed`` (standalone page for an iframe) and ``GET /widget.js`` (floating button).

The page is static HTML + ``/embed.js`` + ``/embed.css`` calling ``/api/ask/stream`` of the same origin; it holds
no secret (no API key, no LLM URL). ``/embed`` carries a strict CSP whose ``frame-ancestors`` lists 'self' and the
configured ``BOT_ALLOWED_ORIGINS``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from ..settings import Settings
from .security import embed_csp

STATIC = Path(__file__).parent / "static"
JS_TYPE = "application/javascript; charset=utf-8"
CSS_TYPE = "text/css; charset=utf-8"


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def build_embed_router(settings: Settings, origins: list[str]) -> APIRouter:
    page = _read("embed.html").replace("{{MAX_CHARS}}", str(int(settings.max_question_chars)))
    embed_js = _read("embed.js")
    embed_css = _read("embed.css")
    widget_js = _read("widget.js")
    csp = embed_csp(origins)
    cache = {"Cache-Control": "public, max-age=300"}

    router = APIRouter(tags=["embed"])

    @router.get("/embed", response_class=HTMLResponse, summary="Compact chat page for an iframe")
    def embed() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})

    @router.get("/embed.js", include_in_schema=False)
    def embed_script() -> Response:
        return Response(embed_js, media_type=JS_TYPE, headers=cache)

    @router.get("/embed.css", include_in_schema=False)
    def embed_style() -> Response:
        return Response(embed_css, media_type=CSS_TYPE, headers=cache)

    @router.get("/widget.js", summary="One-line widget: <script src=\"https://HOST/widget.js\" async></script>")
    def widget() -> Response:
        return Response(
            widget_js, media_type=JS_TYPE, headers={**cache, "Cross-Origin-Resource-Policy": "cross-origin"}
        )

    return router


__all__ = ["build_embed_router"]
