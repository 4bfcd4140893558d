"""The web door: Gradio chat at "/", embeddable chat at /embed + /widget.js, JSON/SSE API at /api, docs at /docs
and /redoc (their assets served from this app, so they work offline).

    from bot.web import create_app
    app = create_app(bot, settings)        # a FastAPI app; serve it with uvicorn
    serve(settings)                        # open the bot (build the index if missing) and run uvicorn

Importing this package does no work; gradio/fastapi are imported when ``create_app`` is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..settings import Settings
    from .runtime import BotLike


def create_app(bot: BotLike, settings: Settings) -> FastAPI:
    """Build the whole web app around one shared ``bot`` (created once per process by the caller)."""
    import contextlib
    from collections.abc import AsyncIterator

    import gradio as gr
    from fastapi import FastAPI

    from .api import build_api_router, install_error_handlers
    from .docs import install_docs
    from .embed import build_embed_router
    from .feedback import FeedbackStore
    from .openai_api import add_openai_api
    from .runtime import BotRunner
    from .security import (
        ApiCORSMiddleware,
        BodySizeLimitMiddleware,
        RateLimitMiddleware,
        SecurityHeadersMiddleware,
        TokenBucketLimiter,
        validate_origins,
    )
    from .ui import build_ui, page_assets

    site = bot.site
    origins = validate_origins(settings.allowed_origins)
    runner = BotRunner(bot, settings.concurrency_limit)
    limiter = TokenBucketLimiter(settings.rate_limit_per_min)
    feedback = FeedbackStore(settings.data_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        runner.close()

    app = FastAPI(
        title=site.page_title,
        description=(
            f"根据新闻报道回答关于{site.about}的问题，每个事实都附引用的原文。"
            "聊天页面在 /，可嵌入的聊天在 /embed 与 /widget.js；OpenAI 兼容的 chat completions 在 /v1"
            "（base URL http://HOST:PORT/v1；GET /v1/models 给出模型名）。"
        ),
        version="1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.bot = bot
    app.state.settings = settings
    app.state.runner = runner
    app.state.limiter = limiter
    app.state.feedback = feedback

    install_error_handlers(app)
    app.include_router(build_api_router(runner, settings, feedback))
    app.include_router(build_embed_router(settings, origins, site))
    add_openai_api(app, runner, settings, limiter)  # /v1: OpenAI-compatible chat completions
    install_docs(app)

    # outermost last: headers → CORS (/api only) → rate limit (/api only) → body size (/api only) → routes
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    app.add_middleware(ApiCORSMiddleware, origins=origins)
    app.add_middleware(SecurityHeadersMiddleware, origins=origins)

    demo = build_ui(runner, settings, limiter, feedback)
    assets = page_assets()
    app = gr.mount_gradio_app(
        app,
        demo,
        path="/",
        server_name=settings.host,
        server_port=settings.port,
        footer_links=[],  # no English footer; the header links to /docs
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        show_error=False,
        theme=assets.theme,
        css=assets.css,
        js=assets.js,
        i18n=assets.i18n,
    )
    return app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Open the bot (building the index on first run) and serve the app with uvicorn until interrupted."""
    import logging
    import sys

    import uvicorn

    from ..service import Bot

    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    host, port = settings.host, settings.port
    bot_log = logging.getLogger("bot")
    if not bot_log.handlers:  # index switches and problems of this process go to stderr with uvicorn's lines
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        bot_log.addHandler(handler)
        bot_log.setLevel(logging.INFO)
    print("园区问答: opening the index (built from the corpus on first run, this can take a minute)…", file=sys.stderr)
    bot = Bot.open(settings, build_if_missing=True)  # built here, once, before serving; never per request
    bot.warm_up()
    bot.watch()  # new index generations (bot ingest) are picked up without a restart
    app = create_app(bot, settings)
    print(f"园区问答: chat at http://{host}:{port}/  ·  API docs at http://{host}:{port}/docs", file=sys.stderr)
    access = f"{len(settings.api_keys)} API key(s)" if settings.api_keys else "no BOT_API_KEYS: this machine only"
    print(f"园区问答: OpenAI-compatible base URL http://{host}:{port}/v1 ({access})", file=sys.stderr)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
    finally:
        bot.close()


__all__ = ["create_app", "serve"]
