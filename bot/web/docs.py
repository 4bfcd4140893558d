"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) with every asset served by this app, so they work offline.

The files come from the ``fastapi-offline`` package (it ships Swagger UI's and ReDoc's standalone bundles);
FastAPI's own pages would load them from a CDN and show a blank page without internet. Nothing on the pages
points to another host: no CDN, no web font, no favicon elsewhere, no Swagger validator badge. A
Content-Security-Policy allowing only this origin keeps it so: ReDoc's bundle has a logo hard-wired to its CDN,
which the browser then does not even request (ReDoc hides the broken image).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
_COMMON_CSP = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
#: Swagger UI: FastAPI's page starts it with an inline script; it injects styles
SWAGGER_CSP = f"{_COMMON_CSP}; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
#: ReDoc: styles injected at run time, JSON-schema code compiled at run time, a search worker from a blob
REDOC_CSP = (
    f"{_COMMON_CSP}; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
)


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and their assets under ``/docs-assets`` (the app must have docs_url=None)."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} · 接口文档"
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
        )
        page.headers["Content-Security-Policy"] = SWAGGER_CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = REDOC_CSP
        return page


__all__ = ["ASSETS_PATH", "REDOC_CSP", "SWAGGER_CSP", "assets_dir", "install_docs"]
