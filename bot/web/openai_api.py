"""The OpenAI-compatible door under /v1, so chat frontends, bridges and SDKs that speak the OpenAI chat API can
use the bot unchanged (base URL ``http://HOST:PORT/v1``).

    POST /v1/chat/completions   OpenAI chat-completions request -> ``chat.completion`` (or SSE chunks)
    GET  /v1/models             the one model, ``settings.openai_model_id`` (default ``park-qa``)
    GET  /v1/models/{id}        that model, or 404

How a request becomes a question: the last ``user`` message is the question, earlier ``user`` messages are the
history (``guard.clean_question`` / ``clean_history``: the same limits as /api/ask). System, developer, assistant
and tool messages are read for their shape only and never reach the answerer, so they cannot change the refusal
rules or the citations. ``content`` may be a string or OpenAI's list of ``{"type": "text"}`` parts; an image,
audio or file part in the question is refused with a clear 400 (in earlier turns only their text parts count).

The reply's ``choices[0].message.content`` is the answer with its ``[n]`` markers and a short numbered source
list; the full :class:`~bot.schema.Citation` objects are in the extra top-level field ``citations``.
``usage`` counts Unicode characters, not tokens (the bot has no tokenizer): prompt = the question and the earlier
questions used, completion = ``content``.

Streaming (``"stream": true``): the role chunk is sent at once, then, when the answer is complete and its
citations validated, its text in ``chat.completion.chunk`` deltas, a last chunk with ``finish_reason`` and
``citations``, an optional usage chunk (``stream_options.include_usage``) and ``data: [DONE]``; the streamed
text is exactly the non-streamed ``content``. While an answer is computed, ``: keep-alive`` comments are sent.

Access: with ``BOT_API_KEYS`` set, every /v1 request needs ``Authorization: Bearer <one of the keys>``
(constant-time comparison; keys are never logged or echoed); with no keys, only loopback clients are served.
Errors have OpenAI's shape ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import InputError
from ..guard import clean_history, clean_question
from ..schema import Answer, Citation
from ..settings import Settings
from .runtime import BotRunner
from .security import RATE_LIMIT_MESSAGE, BodySizeLimitMiddleware, RateLimitMiddleware, TokenBucketLimiter

log = logging.getLogger("bot.web")

V1_PREFIX = "/v1/"
#: seconds between ``: keep-alive`` comments while a streamed answer is being computed
KEEPALIVE_S = 10.0
#: characters per streamed content delta
DELTA_CHARS = 16

INVALID_REQUEST = "invalid_request_error"
INTERNAL_ERROR_MESSAGE = "内部错误，请稍后再试 (internal error, please retry later)"
TIMEOUT_MESSAGE = "回答超时，请稍后再试 (the answer took too long, please retry later)"
BAD_KEY_MESSAGE = (
    "API 密钥无效或缺失 (incorrect or missing API key: send the header Authorization: Bearer <key>)"
)
LOOPBACK_ONLY_MESSAGE = (
    "服务器未配置 API 密钥，只接受本机访问 (no API keys are configured on this server, so only clients on the "
    "same machine may call /v1; the operator can set BOT_API_KEYS)"
)
BAD_JSON_MESSAGE = "请求体不是有效的 JSON (the request body is not valid JSON)"
BAD_CONTENT_TYPE_MESSAGE = "请以 JSON 发送请求 (send the body as JSON with Content-Type: application/json)"
NO_MESSAGES_MESSAGE = "messages 不能为空 (messages must contain at least one message with role 'user')"
NO_USER_MESSAGE = "messages 中没有 user 消息 (messages must contain at least one message with role 'user')"
NOT_FOUND_MESSAGE = "没有这个接口 (unknown URL: this server has /v1/chat/completions and /v1/models)"
METHOD_MESSAGE = "该接口不支持这种请求方法 (method not allowed on this URL)"
KNOWN_PART_TYPES = frozenset({"image_url", "input_audio", "file", "refusal", "audio", "video", "image"})


# -- request / response models (they are what /docs shows) -------------------------------------------------------


class ContentPart(BaseModel):
    """One part of a message's content. Only ``{"type": "text", "text": ...}`` is answerable."""

    model_config = ConfigDict(extra="allow")

    type: StrictStr = Field(description='"text" (other types such as "image_url" are refused in the question)')
    text: StrictStr | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: StrictStr | list[ContentPart] | None = Field(
        default=None, description="text, or a list of text parts; only user messages are used"
    )
    name: StrictStr | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool | None = Field(default=None, description="send a last chunk with usage")


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: StrictStr = Field(description='only "text" is supported')


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat-completions request. Sampling parameters are accepted and ignored (answers are quoted
    from the articles, not sampled); ``max_tokens`` does not cut answers (a cut answer could lose its citation)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"model": "park-qa", "messages": [{"role": "user", "content": "园区有哪些企业？"}]}]
        },
    )

    model: StrictStr = Field(description="the model id listed by GET /v1/models (default park-qa)")
    messages: list[ChatMessage] = Field(description="the conversation; the last user message is the question")
    stream: StrictBool | None = Field(default=False, description="answer as server-sent chat.completion.chunk events")
    stream_options: StreamOptions | None = None
    n: StrictInt | None = Field(default=None, description="must be 1 (or absent)")
    response_format: ResponseFormat | None = None
    temperature: float | None = Field(default=None, description="accepted, ignored")
    top_p: float | None = Field(default=None, description="accepted, ignored")
    max_tokens: StrictInt | None = Field(default=None, description="accepted, ignored")
    max_completion_tokens: StrictInt | None = Field(default=None, description="accepted, ignored")
    user: StrictStr | None = Field(default=None, description="accepted, ignored (never stored)")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="the answer with its [n] markers, then a numbered source list")
    refusal: None = None


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Counted in Unicode characters, not tokens."""

    prompt_tokens: int = Field(description="characters of the question and of the earlier questions used")
    completion_tokens: int = Field(description="characters of the content")
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    system_fingerprint: None = None
    citations: list[Citation] = Field(
        default_factory=list, description="the passages the [n] markers point to (the same as /api/ask)"
    )
    refused: bool = Field(default=False, description="true when the articles hold no answer (content says so)")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One ``data:`` line of the stream. The last chunk (``finish_reason: "stop"``) carries ``citations``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    citations: list[Citation] | None = None
    refused: bool | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "park-qa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


# -- errors ------------------------------------------------------------------------------------------------------


class OpenAIError(Exception):
    """An error to answer in OpenAI's shape (raised inside the /v1 routes)."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = INVALID_REQUEST,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.code, self.param)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers or None)


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


_REQUEST_FIELDS = frozenset(
    name
    for model in (ChatCompletionRequest, ChatMessage, ContentPart, StreamOptions, ResponseFormat)
    for name in model.model_fields
)


def _param(loc: Sequence[Any]) -> str | None:
    """``("body", "messages", 0, "content", "str")`` → ``messages[0].content`` (union-member tags dropped)."""
    out = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part in _REQUEST_FIELDS:
            out += f".{part}" if out else part
        else:
            break
    return out or None


def _validation_error(exc: RequestValidationError, content_type: str) -> OpenAIError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    param = _param(first.get("loc", ()))
    if kind == "json_invalid":
        return OpenAIError(400, BAD_JSON_MESSAGE)
    if "json" not in content_type.lower():  # FastAPI reads a body as JSON only when it is declared so
        return OpenAIError(400, BAD_CONTENT_TYPE_MESSAGE)
    if param is None:
        return OpenAIError(400, "请求体必须是 JSON 对象 (the request body must be a JSON object)")
    if kind == "missing":
        return OpenAIError(400, f"缺少参数 {param} (missing required parameter: '{param}')", param=param)
    if param.endswith(".content") or ".content[" in param:
        return OpenAIError(
            400,
            f"{param} 必须是文字或文字部分的列表 (content must be a string or a list of "
            '{"type": "text", "text": "..."} parts)',
            param=param,
        )
    msg = str(first.get("msg", "invalid value"))  # pydantic's text never contains the input itself
    return OpenAIError(400, f"参数 {param} 不正确 (invalid value for '{param}': {msg})", param=param)


class OpenAIRoute(APIRoute):
    """Routes whose every failure (validation, HTTP errors, bugs) is answered in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except OpenAIError as exc:
                return exc.response()
            except RequestValidationError as exc:
                return _validation_error(exc, request.headers.get("content-type", "")).response()
            except InputError as exc:
                return OpenAIError(400, str(exc)).response()
            except StarletteHTTPException as exc:
                if exc.status_code == 400 and "parsing the body" in str(exc.detail):
                    return OpenAIError(400, BAD_JSON_MESSAGE).response()
                return OpenAIError(exc.status_code, str(exc.detail), code=None).response()
            except Exception:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return OpenAIError(500, INTERNAL_ERROR_MESSAGE, "server_error", "internal_error").response()

        return route


# -- access ------------------------------------------------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _bearer(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return bytes(token.strip())
            return None
    return None


class OpenAIAuthMiddleware:
    """/v1/*: a configured Bearer key (401 otherwise), or, when no key is configured, a loopback client (403)."""

    def __init__(self, app: ASGIApp, keys: Sequence[SecretStr], prefix: str = V1_PREFIX) -> None:
        self.app = app
        self.prefix = prefix
        self._keys = [k.get_secret_value().encode("utf-8") for k in keys]

    def key_ok(self, token: bytes | None) -> bool:
        if token is None:
            return False
        ok = False
        for key in self._keys:  # no early exit: the time taken does not tell which key nearly matched
            ok |= hmac.compare_digest(token, key)
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if self._keys:
            if not self.key_ok(_bearer(scope)):
                err = OpenAIError(401, BAD_KEY_MESSAGE, code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
                await err.response()(scope, receive, send)
                return
        else:
            client = scope.get("client")
            if not is_loopback(client[0] if client else None):
                await OpenAIError(403, LOOPBACK_ONLY_MESSAGE, "permission_error", "loopback_only").response()(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


# -- answers -----------------------------------------------------------------------------------------------------


def _text_of(content: str | list[ContentPart] | None, where: str, strict: bool) -> str:
    """The message's text. ``strict``: a non-text part is an error (the question); else it is skipped."""
    if content is None or isinstance(content, str):
        return content or ""
    texts: list[str] = []
    for j, part in enumerate(content):
        if part.type == "text":
            if part.text is None:
                raise OpenAIError(
                    400, f"{where}[{j}] 缺少 text (a text part needs a 'text' string)", param=f"{where}[{j}].text"
                )
            texts.append(part.text)
        elif strict:
            kind = f"'{part.type}'" if part.type in KNOWN_PART_TYPES else "this kind of"
            raise OpenAIError(
                400,
                f"只能回答文字问题，不支持图片、音频或文件 (only text content is supported: {kind} content parts "
                "cannot be answered, this model answers from text articles)",
                code="unsupported_content",
                param=f"{where}[{j}]",
            )
    return "\n".join(texts)


def conversation(req: ChatCompletionRequest, settings: Settings) -> tuple[str, list[str]]:
    """messages → (question, history): the last user message, and the earlier user messages (oldest first)."""
    if not req.messages:
        raise OpenAIError(400, NO_MESSAGES_MESSAGE, param="messages")
    users = [i for i, m in enumerate(req.messages) if m.role == "user"]
    if not users:
        raise OpenAIError(400, NO_USER_MESSAGE, param="messages")
    last = users[-1]
    where = f"messages[{last}].content"
    raw = _text_of(req.messages[last].content, where, strict=True)
    try:
        question = clean_question(raw, settings)
    except InputError as exc:
        code = "context_length_exceeded" if len(raw) > settings.max_question_chars else "invalid_value"
        raise OpenAIError(400, str(exc), code=code, param=where) from None
    keep = settings.max_history_turns
    earlier_idx = users[:-1][-keep:] if keep else []  # clean_history keeps the same last turns
    earlier = [_text_of(req.messages[i].content, f"messages[{i}].content", strict=False) for i in earlier_idx]
    return question, clean_history(earlier, settings)


def completion_text(answer: Answer) -> str:
    """What a chat frontend shows: notice, the answer with [n] markers, then "来源：" and one line per source."""
    parts = []
    if answer.notice:
        parts.append(f"（{answer.notice}）")
    parts.append(answer.answer)
    if answer.citations:
        lines = ["来源："]
        for c in answer.citations:
            cite = c.model_dump(mode="json")
            label = cite.get("title") or cite.get("source") or ""
            date = f"（{cite['date']}）" if cite.get("date") else ""
            lines.append(f"- [{c.n}] {label}{date}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _usage(question: str, history: Sequence[str], content: str) -> dict[str, int]:
    prompt = len(question) + sum(len(h) for h in history)
    return {"prompt_tokens": prompt, "completion_tokens": len(content), "total_tokens": prompt + len(content)}


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined (for a non-JSON response in the OpenAPI document)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return dict(resolve(schema))


def _sse(data: Mapping[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "invalid_request_error (bad messages, too long, image parts …)"},
    401: {"model": ErrorResponse, "description": "invalid_api_key (BOT_API_KEYS set, key missing or wrong)"},
    403: {"model": ErrorResponse, "description": "loopback_only (no keys configured, client not on this machine)"},
    404: {"model": ErrorResponse, "description": "model_not_found"},
    413: {"model": ErrorResponse, "description": "request body over 1 MB"},
    429: {"model": ErrorResponse, "description": "rate_limit_exceeded (with Retry-After)"},
    500: {"model": ErrorResponse, "description": "server_error"},
    503: {"model": ErrorResponse, "description": "the answer timed out"},
}


def build_openai_router(runner: BotRunner, settings: Settings) -> APIRouter:
    """The /v1 routes. Add :func:`add_openai_middleware` to the app too (access, rate limit, body size)."""
    router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)
    model_id = settings.openai_model_id
    created = int(time.time())
    card = ModelCard(id=model_id, created=created)

    def check_model(name: str) -> None:
        if name != model_id:
            raise OpenAIError(
                404,
                f"没有这个模型 (the model does not exist: this server answers as '{model_id}')",
                code="model_not_found",
                param="model",
            )

    @router.get("/models", response_model=ModelList, summary="List the model (one: park-qa)", responses=ERROR_RESPONSES)
    def list_models() -> ModelList:
        return ModelList(data=[card])

    @router.get("/models/{model}", response_model=ModelCard, summary="Describe the model", responses=ERROR_RESPONSES)
    def get_model(model: str) -> ModelCard:
        check_model(model)
        return card

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        summary="Answer the last user message with citations (OpenAI chat-completions protocol)",
        responses={
            200: {
                "description": "chat.completion; with stream: true, text/event-stream of chat.completion.chunk "
                "lines ending with data: [DONE]",
                "content": {"text/event-stream": {"schema": _inline_schema(ChatCompletionChunk)}},
            },
            **ERROR_RESPONSES,
        },
    )
    async def chat_completions(req: ChatCompletionRequest) -> Any:
        check_model(req.model)
        if req.n not in (None, 1):
            raise OpenAIError(400, "n 只能为 1 (only n=1 is supported)", param="n", code="unsupported_value")
        if req.response_format is not None and req.response_format.type != "text":
            raise OpenAIError(
                400,
                "只支持文字回答 (only response_format {'type': 'text'} is supported)",
                param="response_format",
                code="unsupported_value",
            )
        question, history = conversation(req, settings)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        now = int(time.time())
        if req.stream:
            include_usage = bool(req.stream_options and req.stream_options.include_usage)
            return StreamingResponse(
                _stream(runner, question, history, completion_id, now, model_id, include_usage),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        try:
            answer = await runner.ask_async(question, history)
        except TimeoutError:
            raise OpenAIError(503, TIMEOUT_MESSAGE, "server_error", "timeout", headers={"Retry-After": "10"}) from None
        content = completion_text(answer)
        return ChatCompletion(
            id=completion_id,
            created=now,
            model=model_id,
            choices=[Choice(message=AssistantMessage(content=content))],
            usage=Usage(**_usage(question, history, content)),
            citations=answer.citations,
            refused=answer.refused,
        )

    # every other /v1 path: OpenAI-shaped 404/405 instead of the chat page mounted at "/"
    known = {route.path for route in router.routes if isinstance(route, APIRoute)}

    @router.api_route(
        "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], include_in_schema=False
    )
    def v1_fallback(rest: str) -> JSONResponse:
        if f"/v1/{rest}" in known:
            return OpenAIError(405, METHOD_MESSAGE, code="method_not_allowed").response()
        return OpenAIError(404, NOT_FOUND_MESSAGE, code="unknown_url").response()

    return router


async def _stream(
    runner: BotRunner,
    question: str,
    history: list[str],
    completion_id: str,
    created: int,
    model_id: str,
    include_usage: bool,
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model_id,
            "system_fingerprint": None,
            "choices": [choice],
            **extra,
        }
        return _sse(body)

    yield chunk({"role": "assistant", "content": ""})
    task = asyncio.ensure_future(runner.ask_async(question, history))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=KEEPALIVE_S)
            if done:
                break
            yield ": keep-alive\n\n"
        answer = task.result()
    except TimeoutError:
        yield _sse(error_body(TIMEOUT_MESSAGE, "server_error", "timeout"))
        yield "data: [DONE]\n\n"
        return
    except InputError as exc:
        yield _sse(error_body(str(exc), INVALID_REQUEST))
        yield "data: [DONE]\n\n"
        return
    except Exception:
        log.exception("streamed answer failed")
        yield _sse(error_body(INTERNAL_ERROR_MESSAGE, "server_error", "internal_error"))
        yield "data: [DONE]\n\n"
        return
    finally:
        if not task.done():  # the client went away: do not wait for an answer nobody reads
            task.cancel()
    content = completion_text(answer)
    for i in range(0, len(content), DELTA_CHARS):
        yield chunk({"content": content[i : i + DELTA_CHARS]})
    citations = [c.model_dump(mode="json") for c in answer.citations]
    yield chunk({}, "stop", citations=citations, refused=answer.refused)
    if include_usage:
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model_id,
            "system_fingerprint": None,
            "choices": [],
            "usage": _usage(question, history, content),
        }
        yield _sse(body)
    yield "data: [DONE]\n\n"


def add_openai_api(app: FastAPI, runner: BotRunner, settings: Settings, limiter: TokenBucketLimiter) -> None:
    """Mount /v1 on ``app``: the routes, then (outer → inner) rate limit → access → body size, all answering in
    OpenAI's error shape. The rate limiter is the app's one limiter, so a client has one budget for all doors."""
    app.include_router(build_openai_router(runner, settings))
    app.add_middleware(
        BodySizeLimitMiddleware,
        prefix=V1_PREFIX,
        error_body=lambda message: error_body(message, INVALID_REQUEST, "request_too_large"),
    )
    app.add_middleware(OpenAIAuthMiddleware, keys=list(settings.api_keys))
    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        prefix=V1_PREFIX,
        exempt=frozenset(),
        error_body=error_body(RATE_LIMIT_MESSAGE, "requests", "rate_limit_exceeded"),
    )


__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "OpenAIAuthMiddleware",
    "add_openai_api",
    "build_openai_router",
    "completion_text",
    "conversation",
    "is_loopback",
]
