"""The JSON / SSE HTTP API under /api (used by the embed page and by other programs).

    POST /api/ask          {"question": "...", "history": ["earlier question", ...]}  -> Answer JSON
    POST /api/ask/stream   same body -> text/event-stream: `event: token` {"text"} ..., then
                           `event: answer` <Answer JSON>, or `event: error` {"message", "kind"} (a notice:
                           kind "input" | "timeout" | "internal")
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

from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError
from ..guard import clean_history, clean_question
from ..schema import Answer
from ..settings import Settings
from .feedback import FeedbackIn, FeedbackStore
from .runtime import INTERNAL_ERROR_MESSAGE, TIMEOUT_MESSAGE, BotRunner

log = logging.getLogger("bot.web")

GENERIC_EXAMPLE = "园区有哪些重点企业？"
BAD_JSON_MESSAGE = "请求体不是有效的 JSON。"
BAD_BODY_MESSAGE = '请求体必须是 JSON 对象，例如 {"question": "您的问题"}。'
BAD_QUESTION_MESSAGE = "question 必须是文字（字符串）。"
BAD_HISTORY_MESSAGE = "history 必须是先前问题（字符串）的列表。"
BAD_REQUEST_MESSAGE = "请求格式不正确。"
NOT_FOUND_MESSAGE = "没有这个接口。"
METHOD_MESSAGE = "该接口不支持这种请求方法。"
BAD_CONTENT_TYPE_MESSAGE = "请以 JSON 发送请求（Content-Type: application/json）。"

#: index facts safe to show anyone (no paths, no server URLs)
HEALTH_INDEX_KEYS = ("embedder", "chunks", "files", "articles", "built_at", "generation")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: StrictStr | None = Field(default=None, description="问题（中文）")
    history: list[StrictStr] | None = Field(default=None, description="本次对话中此前的问题，按时间先后（只用最近几条）")


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
    examples = runner.bot.site.examples or [GENERIC_EXAMPLE]
    body_examples: dict[str, Example] = {
        "first": {"summary": "一个问题", "value": {"question": examples[0], "history": []}},
        "follow-up": {"summary": "追问（带上先前的问题）", "value": {"question": "它是什么时候成立的？", "history": examples[:1]}},
    }

    def checked(req: AskRequest) -> tuple[str, list[str]]:
        return clean_question(req.question, settings), clean_history(req.history, settings)

    @router.post(
        "/ask",
        response_model=Answer,
        summary="回答问题，附引用的原文",
        responses={422: {"description": "输入有误（detail 中为中文说明）"}, 429: {"description": "请求太频繁"}},
    )
    async def ask(req: AskRequest = Body(openapi_examples=body_examples)) -> Any:  # noqa: B008
        question, history = checked(req)
        try:
            answer = await runner.ask_async(question, history)
        except TimeoutError:
            return JSONResponse({"detail": TIMEOUT_MESSAGE}, status_code=504)
        return answer.model_dump(mode="json")

    @router.post(
        "/ask/stream",
        summary="回答问题，以 server-sent events 流式返回",
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "event: token {text} …，然后 event: answer <Answer>（或 event: error {message, kind}）",
            },
            422: {"description": "输入有误（detail 中为中文说明）"},
        },
    )
    async def ask_stream(req: AskRequest = Body(openapi_examples=body_examples)) -> StreamingResponse:  # noqa: B008
        question, history = checked(req)

        async def events() -> AsyncIterator[str]:
            async for ev in runner.stream_async(question, history):
                if ev.kind == "token":
                    yield sse("token", {"text": ev.text})
                elif ev.kind == "answer" and ev.answer is not None:
                    yield sse("answer", ev.answer.model_dump(mode="json"))
                elif ev.notice is not None:
                    yield sse("error", {"message": ev.notice.message, "kind": ev.notice.kind})

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.post("/feedback", response_model=OkResponse, summary="记录对回答的 👍/👎")
    def post_feedback(item: FeedbackIn) -> OkResponse:
        feedback.record(
            question=item.question,
            answer=item.answer,
            rating=item.rating,
            citations=[c.model_dump() for c in item.citations],
            door="api",
        )
        return OkResponse()

    @router.get("/health", summary="服务状态与索引概况")
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
