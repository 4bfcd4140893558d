"""The JSON / SSE HTTP API under /api (used by the embed page and by other programs).

    POST /api/ask          {"question": "...", "history": ["earlier question", ...]}  -> Answer JSON
    POST /api/ask/stream   same body -> text/event-stream: `event: token` {"text"} ..., then
                           `event: answer` <Answer JSON>, or `event: error` {"message"}
    POST /api/feedback     {"question", "answer", "rating": "up"|"down", "citations": [...]} -> {"status": "ok"}
    GET  /api/health       {"status": "ok", "index": {...}}

Bad input is a 4xx with a Chinese message in ``detail``; anything unexpected is a 500 with
``{"detail": "内部错误，请稍后再试"}`` (the traceback goes to the server log, never to the client).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError
from ..guard import clean_history, clean_question
from ..schema import Answer
from ..settings import Settings
from .feedback import FeedbackIn, FeedbackStore
from .runtime import BotRunner

log = logging.getLogger("bot.web")

INTERNAL_ERROR_MESSAGE = "内部错误，请稍后再试"
TIMEOUT_MESSAGE = "回答超时，请稍后再试。"
BAD_JSON_MESSAGE = "请求体不是有效的 JSON。"
BAD_BODY_MESSAGE = '请求体必须是 JSON 对象，例如 {"question": "海创尚纬的注册资本是多少？"}。'
BAD_QUESTION_MESSAGE = "question 必须是文字（字符串）。"
BAD_HISTORY_MESSAGE = "history 必须是先前问题（字符串）的列表。"
BAD_REQUEST_MESSAGE = "请求格式不正确。"
NOT_FOUND_MESSAGE = "没有这个接口。"
METHOD_MESSAGE = "该接口不支持这种请求方法。"
BAD_CONTENT_TYPE_MESSAGE = "请以 JSON 发送请求（Content-Type: application/json）。"

#: index facts safe to show anyone (no paths, no server URLs)
HEALTH_INDEX_KEYS = ("embedder", "chunks", "files", "articles", "built_at")


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"question": "海创尚纬的注册资本是多少？", "history": []}]},
    )

    question: StrictStr | None = Field(default=None, description="the question, in Chinese")
    history: list[StrictStr] | None = Field(
        default=None, description="earlier user questions of this conversation, oldest first (trimmed)"
    )


class OkResponse(BaseModel):
    status: str = "ok"


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _validation_message(exc: RequestValidationError) -> str:
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        kind = str(err.get("type", ""))
        if kind == "json_invalid":
            return BAD_JSON_MESSAGE
        if "question" in loc:
            return BAD_QUESTION_MESSAGE
        if "history" in loc:
            return BAD_HISTORY_MESSAGE
        if loc == ["body"] or kind in ("model_attributes_type", "dict_type"):
            return BAD_BODY_MESSAGE
        if "rating" in loc:
            return 'rating 必须是 "up" 或 "down"。'
    return BAD_REQUEST_MESSAGE


def install_error_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # never echo the input back (it may be 1 MB, or markup); keep where/what for programs
        errors = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in exc.errors()]
        message = _validation_message(exc)
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in content_type.lower():
            message = BAD_CONTENT_TYPE_MESSAGE
        return JSONResponse({"detail": message, "errors": errors[:10]}, status_code=422)

    async def on_input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own English messages, in the language of the rest of the API
        status, detail = exc.status_code, exc.detail
        if status == 400 and "parsing the body" in str(detail):
            status, detail = 422, BAD_JSON_MESSAGE
        elif status == 404:
            detail = NOT_FOUND_MESSAGE
        elif status == 405:
            detail = METHOD_MESSAGE
        return JSONResponse({"detail": detail}, status_code=status, headers=getattr(exc, "headers", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": INTERNAL_ERROR_MESSAGE}, status_code=500)

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(InputError, on_input_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)


def build_api_router(runner: BotRunner, settings: Settings, feedback: FeedbackStore) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    def checked(req: AskRequest) -> tuple[str, list[str]]:
        return clean_question(req.question, settings), clean_history(req.history, settings)

    @router.post(
        "/ask",
        response_model=Answer,
        summary="Answer a question with citations",
        responses={422: {"description": "bad input (Chinese message in detail)"}, 429: {"description": "rate limited"}},
    )
    async def ask(req: AskRequest) -> Any:
        question, history = checked(req)
        try:
            answer = await runner.ask_async(question, history)
        except TimeoutError:
            return JSONResponse({"detail": TIMEOUT_MESSAGE}, status_code=504)
        return answer.model_dump(mode="json")

    @router.post(
        "/ask/stream",
        summary="Answer a question, streamed as server-sent events",
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "event: token {text} ... then event: answer <Answer> (or event: error {message})",
            },
            422: {"description": "bad input (Chinese message in detail)"},
        },
    )
    async def ask_stream(req: AskRequest) -> StreamingResponse:
        question, history = checked(req)

        async def events() -> AsyncIterator[str]:
            try:
                async for ev in runner.stream_async(question, history):
                    if ev.kind == "token":
                        yield sse("token", {"text": ev.text})
                    elif ev.kind == "answer" and ev.answer is not None:
                        yield sse("answer", ev.answer.model_dump(mode="json"))
                    elif isinstance(ev.error, InputError):
                        yield sse("error", {"message": str(ev.error)})
                    else:
                        log.error("stream failed", exc_info=ev.error)
                        yield sse("error", {"message": INTERNAL_ERROR_MESSAGE})
            except TimeoutError:
                yield sse("error", {"message": TIMEOUT_MESSAGE})

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.post("/feedback", response_model=OkResponse, summary="Record 👍/👎 for an answer")
    def post_feedback(item: FeedbackIn) -> OkResponse:
        feedback.record(
            question=item.question,
            answer=item.answer,
            rating=item.rating,
            citations=[c.model_dump() for c in item.citations],
            door="api",
        )
        return OkResponse()

    @router.get("/health", summary="Liveness and index facts")
    def health() -> Any:
        try:
            info = runner.bot.info()
        except Exception:
            log.exception("health: index info failed")
            return JSONResponse({"status": "degraded", "index": None}, status_code=503)
        return {"status": "ok", "index": {k: info.get(k) for k in HEALTH_INDEX_KEYS if k in info}}

    # Gradio is mounted at "/" and would answer anything else under /api with its own 404 page:
    # keep the whole /api namespace JSON (404 for unknown paths, 405 for a known path with the wrong method).
    known = {route.path for route in router.routes if hasattr(route, "path")}

    @router.api_route(
        "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], include_in_schema=False
    )
    def api_fallback(rest: str) -> JSONResponse:
        if f"/api/{rest}" in known:
            return JSONResponse({"detail": METHOD_MESSAGE}, status_code=405)
        return JSONResponse({"detail": NOT_FOUND_MESSAGE}, status_code=404)

    return router


__all__ = ["AskRequest", "build_api_router", "install_error_handlers", "sse"]
