"""The Gradio 6 chat page mounted at "/".

Layout: header, chat (streaming answers with clickable [n] markers, 👍/👎 on each answer), input + example
questions + "新对话", and a source panel (gr.HTML) that lists the cited passages with the supporting sentence
highlighted. Clicking a marker opens its passage in the panel (``static/ui.js``; no server round trip).

Gradio API (for ``gradio_client``), both rate limited like /api/*:

    client.predict("海创尚纬的注册资本是多少？", [], api_name="/chat")  -> str  (answer + "来源：" lines)
    client.predict("海创尚纬的注册资本是多少？", [], api_name="/ask")   -> dict (the Answer JSON of /api/ask)

The second argument is the list of earlier questions of the conversation (may be omitted).
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import InputError
from ..guard import clean_history, clean_question
from ..settings import Settings
from . import render
from .feedback import FeedbackStore, Rating
from .runtime import BotRunner
from .security import RATE_LIMIT_MESSAGE, TokenBucketLimiter

log = logging.getLogger("bot.web")

STATIC = Path(__file__).parent / "static"
TITLE = "园区问答 · 乐山高新区"
EXAMPLES = (
    "海创尚纬的注册资本是多少？",
    "2023年“一区五园”营业收入是多少？",
    "高新·创智谷孵化器什么时候开园？",
)
CHAT_API_NAME = "chat"
ASK_API_NAME = "ask"
INTERNAL_ERROR_MESSAGE = "内部错误，请稍后再试"
TIMEOUT_MESSAGE = "回答超时，请稍后再试。"

HEADER_HTML = (
    '<div class="park-header"><h1>园区问答 · 乐山高新区</h1>'
    "<p>根据乐山高新区的新闻报道回答问题；回答中的 [1] 等标记可点击，查看原文出处。</p></div>"
)


@dataclass(frozen=True)
class PageAssets:
    """What Gradio 6 takes at mount time rather than in ``gr.Blocks(...)``."""

    css: str
    js: str
    theme: gr.themes.Base


def page_assets() -> PageAssets:
    font = ["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"]
    theme = gr.themes.Soft(primary_hue="teal", font=font, font_mono=["ui-monospace", "monospace"])
    return PageAssets(
        css=(STATIC / "ui.css").read_text(encoding="utf-8"),
        js=(STATIC / "ui.js").read_text(encoding="utf-8"),
        theme=theme,
    )


def _client_key(request: gr.Request | None) -> str:
    client = getattr(request, "client", None) if request is not None else None
    return str(getattr(client, "host", None) or "unknown")


def build_ui(
    runner: BotRunner,
    settings: Settings,
    limiter: TokenBucketLimiter,
    feedback: FeedbackStore,
) -> gr.Blocks:
    def user_msg(html: str) -> dict[str, Any]:
        return {"role": "user", "content": html}

    def bot_msg(html: str) -> dict[str, Any]:
        return {"role": "assistant", "content": html}

    def respond(
        message: str | None,
        messages: list[dict[str, Any]] | None,
        turns: list[dict[str, Any]] | None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        msgs = list(messages or [])
        past = list(turns or [])
        try:
            question = clean_question(message, settings)
        except InputError as exc:
            yield "", [*msgs, bot_msg(render.message_html(str(exc), "warn"))], gr.skip(), past
            return
        msgs.append(user_msg(render.question_html(question)))
        if limiter.take(_client_key(request)) > 0:
            yield "", [*msgs, bot_msg(render.message_html(RATE_LIMIT_MESSAGE, "warn"))], gr.skip(), past
            return
        history = clean_history([t["question"] for t in past], settings)
        msgs.append(bot_msg(render.streaming_html("")))
        yield "", msgs, gr.skip(), past
        partial = ""
        try:
            for ev in runner.stream(question, history):
                if ev.kind == "token":
                    partial += ev.text
                    msgs[-1] = bot_msg(render.streaming_html(partial))
                    yield "", msgs, gr.skip(), past
                elif ev.kind == "answer" and ev.answer is not None:
                    answer = ev.answer.model_dump(mode="json")
                    record = {"question": question, "answer": answer, "msg_index": len(msgs) - 1}
                    past = [*past, record]
                    msgs[-1] = bot_msg(render.answer_html(answer, len(past) - 1))
                    yield "", msgs, render.sources_html(past), past
                else:
                    if isinstance(ev.error, InputError):
                        text = str(ev.error)
                    else:
                        log.error("chat: answer failed", exc_info=ev.error)
                        text = INTERNAL_ERROR_MESSAGE
                    msgs[-1] = bot_msg(render.message_html(text, "warn"))
                    yield "", msgs, gr.skip(), past
        except TimeoutError:
            msgs[-1] = bot_msg(render.message_html(TIMEOUT_MESSAGE, "warn"))
            yield "", msgs, gr.skip(), past

    def on_like(turns: list[dict[str, Any]] | None, data: gr.LikeData) -> None:
        rating: Rating
        if data.liked is True:
            rating = "up"
        elif data.liked is False:
            rating = "down"
        else:  # un-liked: nothing to record
            return
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        for record in turns or []:
            if record.get("msg_index") == index:
                answer = record["answer"]
                feedback.record(
                    question=record["question"],
                    answer=str(answer.get("answer", "")),
                    rating=rating,
                    citations=list(answer.get("citations") or []),
                    door="chat",
                )
                gr.Info("谢谢您的反馈！")
                return

    def new_chat() -> tuple[Any, ...]:  # same order as `outputs`: box, chatbot, sources, turns
        return "", [], render.PANEL_EMPTY, []

    # -- API endpoints for gradio_client -------------------------------------------------------------------
    def _answer(question: str, history: list[str] | None, request: gr.Request | None) -> dict[str, Any]:
        try:
            q = clean_question(question, settings)
            h = clean_history(history, settings)
        except InputError as exc:
            raise gr.Error(str(exc)) from None
        if limiter.take(_client_key(request)) > 0:
            raise gr.Error(RATE_LIMIT_MESSAGE)
        try:
            return runner.ask(q, h).model_dump(mode="json")
        except TimeoutError:
            raise gr.Error(TIMEOUT_MESSAGE) from None
        except InputError as exc:
            raise gr.Error(str(exc)) from None
        except Exception:
            log.exception("gradio api: answer failed")
            raise gr.Error(INTERNAL_ERROR_MESSAGE) from None

    def chat(question: str, history: list[str] | None = None, request: gr.Request | None = None) -> str:
        """Answer a question about 乐山高新区: the answer with [n] markers, then a "来源：" list."""
        return render.plain_answer(_answer(question, history, request))

    def ask(
        question: str, history: list[str] | None = None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Answer a question about 乐山高新区: the full Answer JSON (same as POST /api/ask)."""
        return _answer(question, history, request)

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=False) as demo:
        turns = gr.State([])
        gr.HTML(HEADER_HTML, elem_id="park-header")
        with gr.Row(elem_id="park-main", equal_height=False):
            with gr.Column(scale=3, min_width=320, elem_id="chat-col"):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="对话",
                    show_label=False,
                    height=540,
                    render_markdown=False,  # we send escaped HTML; nothing is re-interpreted as markdown
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                    placeholder="您好！我可以回答关于乐山高新区的问题，例如企业、项目、产业数据和园区动态。",
                )
                with gr.Row(elem_id="ask-row"):
                    box = gr.Textbox(
                        placeholder="请输入关于乐山高新区的问题…",
                        show_label=False,
                        container=False,
                        max_lines=4,
                        scale=6,
                        elem_id="ask-box",
                        autofocus=True,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="ask-send")
                with gr.Row(elem_id="examples-row"):
                    example_btns = [
                        gr.Button(q, size="sm", variant="secondary", elem_classes=["example-q"]) for q in EXAMPLES
                    ]
                new_btn = gr.Button("＋ 新对话", size="sm", variant="secondary", elem_id="new-chat")
            with gr.Column(scale=2, min_width=300, elem_id="source-col"):
                gr.HTML('<h3 class="src-heading">原文出处</h3>')
                sources = gr.HTML(render.PANEL_EMPTY, elem_id="sources")

        outputs = [box, chatbot, sources, turns]
        common: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
        box.submit(respond, [box, chatbot, turns], outputs, **common)
        send.click(respond, [box, chatbot, turns], outputs, **common)
        for btn in example_btns:
            btn.click(respond, [btn, chatbot, turns], outputs, **common)
        new_btn.click(new_chat, None, outputs, queue=False, **common)
        chatbot.like(on_like, [turns], None, queue=False, **common)
        chatbot.clear(new_chat, None, outputs, queue=False, **common)

        for fn, name in ((chat, CHAT_API_NAME), (ask, ASK_API_NAME)):
            # resolve the postponed (string) annotations so the API page shows real types
            fn.__annotations__ = typing.get_type_hints(fn)
            gr.api(fn, api_name=name)

    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.concurrency_limit * 16)
    return demo


__all__ = ["ASK_API_NAME", "CHAT_API_NAME", "EXAMPLES", "TITLE", "PageAssets", "build_ui", "page_assets"]
