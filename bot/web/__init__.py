"""The web door: Gradio chat at "/", embeddable chat at /embed + /widget.js, JSON/SSE API at /api, docs at /docs.

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
    from .ui import TITLE, build_ui, page_assets

    origins = validate_origins(settings.allowed_origins)
    runner = BotRunner(bot, settings.concurrency_limit)
    limiter = TokenBucketLimiter(settings.rate_limit_per_min)
    feedback = FeedbackStore(settings.data_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        runner.close()

    app = FastAPI(
        title=TITLE,
        description=(
            "园区问答 HTTP API: answers questions about 乐山高新区 with cited passages. "
            "The Gradio chat is at /, the embeddable chat at /embed and /widget.js; OpenAI-compatible "
            "chat completions at /v1 (base URL http://HOST:PORT/v1; GET /v1/models names the model)."
        ),
        version="1.0",
        lifespan=lifespan,
    )
    app.state.bot = bot
    app.state.settings = settings
    app.state.runner = runner
    app.state.limiter = limiter
    app.state.feedback = feedback

    install_error_handlers(app)
    app.include_router(build_api_router(runner, settings, feedback))
    app.include_router(build_embed_router(settings, origins))
    add_openai_api(app, runner, settings, limiter)  # /v1: OpenAI-compatible chat completions

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
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        show_error=False,
        theme=assets.theme,
        css=assets.css,
        js=assets.js,
    )
    return app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Open the bot (building the index on first run) and serve the app with uvicorn until interrupted."""
    import sys

    import uvicorn

    from ..service import Bot

    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    host, port = settings.host, settings.port
    print("园区问答: opening the index (built from the corpus on first run, this can take a minute)…", file=sys.stderr)
    bot = Bot.open(settings, build_if_missing=True)
    bot.warm_up()
    app = create_app(bot, settings)
    print(f"园区问答: chat at http://{host}:{port}/  ·  API docs at http://{host}:{port}/docs", file=sys.stderr)
    access = f"{len(settings.api_keys)} API key(s)" if settings.api_keys else "no BOT_API_KEYS: this machine only"
    print(f"园区问答: OpenAI-compatible base URL http://{host}:{port}/v1 ({access})", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)


__all__ = ["create_app", "serve"]
