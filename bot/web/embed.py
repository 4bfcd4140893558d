"""The embeddable chat: ``GET /embed`` (standalone page for an iframe) and ``GET /widget.js`` (floating button).

The page is static HTML + ``/embed.js`` + ``/embed.css`` calling ``/api/ask/stream`` of the same origin; it holds
no secret (no API key, no LLM URL). ``/embed`` carries a strict CSP whose ``frame-ancestors`` lists 'self' and the
configured ``BOT_ALLOWED_ORIGINS``. The page's texts (title, welcome, input hint, examples) come from the site
profile, escaped.

``/widget.js`` is told the same allowed origins: on a page whose origin is not among them it does not open a
frame the browser would refuse to show, but says so in Chinese (and how staff allow the site).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from ..settings import Settings
from ..site import SiteProfile
from .security import embed_csp

STATIC = Path(__file__).parent / "static"
JS_TYPE = "application/javascript; charset=utf-8"
CSS_TYPE = "text/css; charset=utf-8"


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def embed_page(settings: Settings, site: SiteProfile) -> str:
    examples = "".join(f'<button type="button" class="example">{_esc(q)}</button>' for q in site.examples)
    fields = {
        "{{TITLE}}": _esc(site.page_title),
        "{{ABOUT}}": _esc(site.name),
        "{{WELCOME}}": _esc(site.welcome_text),
        "{{PLACEHOLDER}}": _esc(site.placeholder_text),
        "{{EXAMPLES}}": examples,
        "{{MAX_CHARS}}": str(int(settings.max_question_chars)),
    }
    # one pass, so a profile text that happens to contain "{{…}}" is left as it is
    return re.sub(r"\{\{[A-Z_]+\}\}", lambda m: fields.get(m.group(0), m.group(0)), _read("embed.html"))


def widget_script(site: SiteProfile, origins: list[str]) -> str:
    """widget.js with its settings: the frame's title and the origins allowed to show the chat."""
    config = json.dumps({"title": site.page_title, "allowed": origins}, ensure_ascii=True)
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _read("widget.js").replace("/*{{CONFIG}}*/{}", config)


def build_embed_router(settings: Settings, origins: list[str], site: SiteProfile) -> APIRouter:
    page = embed_page(settings, site)
    embed_js = _read("embed.js")
    embed_css = _read("embed.css")
    widget_js = widget_script(site, origins)
    csp = embed_csp(origins)
    cache = {"Cache-Control": "public, max-age=300"}

    router = APIRouter(tags=["embed"])

    @router.get("/embed", response_class=HTMLResponse, summary="可放进 iframe 的精简聊天页")
    def embed() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})

    @router.get("/embed.js", include_in_schema=False)
    def embed_script() -> Response:
        return Response(embed_js, media_type=JS_TYPE, headers=cache)

    @router.get("/embed.css", include_in_schema=False)
    def embed_style() -> Response:
        return Response(embed_css, media_type=CSS_TYPE, headers=cache)

    @router.get("/widget.js", summary="一行代码的挂件：<script src=\"https://HOST/widget.js\" async></script>")
    def widget() -> Response:
        return Response(
            widget_js, media_type=JS_TYPE, headers={**cache, "Cross-Origin-Resource-Policy": "cross-origin"}
        )

    return router


__all__ = ["build_embed_router", "embed_page", "widget_script"]
