"""The Gradio 6 chat page mounted at "/".

Layout: header, chat (streaming answers with clickable [n] markers, 👍/👎 on each answer), a notice line, input +
example questions + "新对话", and a source panel (gr.HTML) with one group per turn that lists the cited passages
with the supporting sentence highlighted. Clicking a marker opens its passage in the panel (``static/ui.js``; no
server round trip). Texts (title, welcome, input hint, examples) come from the site profile (``bot.site``).

Asking is one chain of events:

1. in the browser (``static/ui.js``, no round trip): the question appears as a bubble with a typing indicator,
   the box empties, and asking is locked (Enter, 发送, examples and 新对话 do nothing) until the answer is in;
2. on the server (:func:`respond`): the question is checked and answered, streaming; the chat is re-drawn from
   the turns kept on the server, so no question is lost or replaced, and the source panel has one group per turn;
   a refusal of the *question* (empty, too long, rate limit, timeout, internal error) is a notice in its own line
   under the chat, never a bubble: the optimistic bubble goes away and the question goes back into the box;
3. in the browser again: asking is unlocked.

Gradio API (for ``gradio_client``), both rate limited like /api/*:

    client.predict("您的问题", [], api_name="/chat")  -> str  (answer + "来源：" lines)
    client.predict("您的问题", [], api_name="/ask")   -> dict (the Answer JSON of /api/ask)

The second argument is the list of earlier questions of the conversation (may be omitted).
"""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import InputError
from ..guard import clean_history, clean_question
from ..settings import Settings
from ..site import SiteProfile
from . import render
from .feedback import FeedbackStore, Rating
from .i18n import gradio_i18n
from .runtime import INTERNAL_ERROR_MESSAGE, TIMEOUT_MESSAGE, BotRunner, Notice
from .security import RATE_LIMIT_MESSAGE, TokenBucketLimiter

log = logging.getLogger("bot.web")

STATIC = Path(__file__).parent / "static"
CHAT_API_NAME = "chat"
ASK_API_NAME = "ask"
THANKS_MESSAGE = "谢谢您的反馈！"


@dataclass(frozen=True)
class PageAssets:
    """What Gradio 6 takes at mount time rather than in ``gr.Blocks(...)``."""

    css: str
    js: str
    theme: gr.themes.Base
    i18n: gr.I18n


def page_assets() -> PageAssets:
    font = ["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"]
    theme = gr.themes.Soft(primary_hue="teal", font=font, font_mono=["ui-monospace", "monospace"])
    return PageAssets(
        css=(STATIC / "ui.css").read_text(encoding="utf-8"),
        js=(STATIC / "ui.js").read_text(encoding="utf-8"),
        theme=theme,
        i18n=gradio_i18n(),
    )


def header_html(site: SiteProfile) -> str:
    return (
        f'<div class="park-header"><h1>{render.esc(site.page_title)}</h1>'
        f"<p>根据新闻报道回答关于{render.esc(site.about)}的问题；回答中的 [1] 等标记可点击，查看原文出处。"
        '<a class="api-link" href="/docs" target="_blank" rel="noopener">接口文档</a></p></div>'
    )


def _client_key(request: gr.Request | None) -> str:
    client = getattr(request, "client", None) if request is not None else None
    return str(getattr(client, "host", None) or "unknown")


def _user(html: str) -> dict[str, Any]:
    return {"role": "user", "content": html}


def _bot(html: str) -> dict[str, Any]:
    return {"role": "assistant", "content": html}


def chat_messages(turns: Sequence[dict[str, Any]], pending: str | None = None, partial: str = "") -> list[dict[str, Any]]:
    """The whole chat, drawn from the turns: question and answer of each, then the question being answered.

    Turn ``t``'s answer is message ``2t + 1`` (what 👍/👎 report as the index)."""
    msgs: list[dict[str, Any]] = []
    for t, record in enumerate(turns):
        msgs.append(_user(render.question_html(str(record["question"]))))
        msgs.append(_bot(render.answer_html(record["answer"], t)))
    if pending is not None:
        msgs.append(_user(render.question_html(pending)))
        msgs.append(_bot(render.streaming_html(partial)))
    return msgs


def _start_js(settings: Settings, *, example: bool) -> str:
    """The browser half of step 1 (see the module doc); ``window.parkQa`` is defined by static/ui.js."""
    opts = json.dumps({"max": int(settings.max_question_chars), "typing": render.TYPING_HTML}, ensure_ascii=False)
    if example:
        args, call = "(q, text, chat)", "q, text, chat"
    else:
        args, call = "(text, chat)", "text, text, chat"
    return f"{args} => window.parkQa ? window.parkQa.start({call}, {opts}) : [text, chat, {{q: {call.split(',')[0]}}}]"


END_JS = "(outcome, text) => window.parkQa ? window.parkQa.end(outcome, text) : [text]"


def build_ui(
    runner: BotRunner,
    settings: Settings,
    limiter: TokenBucketLimiter,
    feedback: FeedbackStore,
) -> gr.Blocks:
    site: SiteProfile = runner.bot.site

    def respond(
        pending: dict[str, Any] | None,
        turns: list[dict[str, Any]] | None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        # outputs: chatbot, sources, turns, notice, outcome
        ticket = dict(pending or {})
        if ticket.get("skip"):  # asked while an answer was streaming (the page prevents it): nothing happens
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        past = list(turns or [])
        raw = ticket.get("q")
        outcome: dict[str, Any] = {"id": ticket.get("id")}

        def refused(notice: Notice) -> tuple[Any, ...]:
            """Not an answer: the chat as it was (the question's bubble goes), the notice, the question back."""
            return chat_messages(past), gr.skip(), gr.skip(), render.notice_html(notice.message), {**outcome, "restore": raw}

        try:
            question = clean_question(raw, settings)
            history = clean_history([t["question"] for t in past], settings)
        except InputError as exc:
            yield refused(Notice.from_exception(exc))
            return
        if limiter.take(_client_key(request)) > 0:
            yield refused(Notice("rate_limit", RATE_LIMIT_MESSAGE))
            return
        yield chat_messages(past, question), gr.skip(), gr.skip(), "", gr.skip()
        partial = ""
        try:
            for ev in runner.stream(question, history):
                if ev.kind == "token":
                    partial += ev.text
                    yield chat_messages(past, question, partial), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                elif ev.kind == "answer" and ev.answer is not None:
                    past = [*past, {"question": question, "answer": ev.answer.model_dump(mode="json")}]
                    yield chat_messages(past), render.sources_html(past), past, "", outcome
                    return
                else:
                    yield refused(ev.notice or Notice("internal", INTERNAL_ERROR_MESSAGE))
                    return
        except Exception:  # never leave the page locked: whatever happened, end with an outcome
            log.exception("chat: answer failed")
            yield refused(Notice("internal", INTERNAL_ERROR_MESSAGE))
            return
        yield refused(Notice("internal", INTERNAL_ERROR_MESSAGE))  # the stream ended without an answer

    def on_like(turns: list[dict[str, Any]] | None, data: gr.LikeData) -> Any:
        rating: Rating
        if data.liked is True:
            rating = "up"
        elif data.liked is False:
            rating = "down"
        else:  # un-liked: nothing to record
            return gr.skip()
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        records = list(turns or [])
        if not isinstance(index, int) or index % 2 != 1 or index // 2 >= len(records):
            return gr.skip()
        record = records[index // 2]
        answer = record["answer"]
        feedback.record(
            question=record["question"],
            answer=str(answer.get("answer", "")),
            rating=rating,
            citations=list(answer.get("citations") or []),
            door="chat",
        )
        return render.notice_html(THANKS_MESSAGE, "ok")

    def new_chat() -> tuple[Any, ...]:  # box, chatbot, sources, turns, notice
        return "", [], render.PANEL_EMPTY, [], ""

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
        """Answer a question from the articles: the answer with [n] markers, then a "来源：" list."""
        return render.plain_answer(_answer(question, history, request))

    def ask(
        question: str, history: list[str] | None = None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Answer a question from the articles: the full Answer JSON (same as POST /api/ask)."""
        return _answer(question, history, request)

    with gr.Blocks(title=site.page_title, analytics_enabled=False, fill_width=False) as demo:
        turns = gr.State([])
        pending = gr.JSON(visible=False)  # {"q", "id"} from the browser (step 1)
        outcome = gr.JSON(visible=False)  # {"id", "restore"} to the browser (step 3)
        gr.HTML(header_html(site), elem_id="park-header")
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
                    placeholder=render.esc(site.welcome_text),
                )
                notice = gr.HTML("", elem_id="notice")
                with gr.Row(elem_id="ask-row"):
                    box = gr.Textbox(
                        label="问题",
                        placeholder=site.placeholder_text,
                        show_label=False,
                        container=False,
                        max_lines=4,
                        scale=6,
                        elem_id="ask-box",
                        autofocus=True,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="ask-send")
                example_btns: list[gr.Button] = []
                if site.examples:
                    with gr.Row(elem_id="examples-row"):
                        example_btns = [
                            gr.Button(q, size="sm", variant="secondary", elem_classes=["example-q"])
                            for q in site.examples
                        ]
                new_btn = gr.Button("＋ 新对话", size="sm", variant="secondary", elem_id="new-chat")
            with gr.Column(scale=2, min_width=300, elem_id="source-col"):
                gr.HTML('<h3 class="src-heading">原文出处</h3>')
                sources = gr.HTML(render.PANEL_EMPTY, elem_id="sources")

        private: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
        answer_outputs = [chatbot, sources, turns, notice, outcome]

        def chain(started: Any) -> None:
            started.then(respond, [pending, turns], answer_outputs, **private).then(
                None, [outcome, box], [box], js=END_JS, queue=False, **private
            )

        chain(
            gr.on(
                [box.submit, send.click],
                None,
                [box, chatbot],
                [box, chatbot, pending],
                js=_start_js(settings, example=False),
                queue=False,
                **private,
            )
        )
        for btn in example_btns:
            chain(btn.click(None, [btn, box, chatbot], [box, chatbot, pending], js=_start_js(settings, example=True),
                            queue=False, **private))
        new_btn.click(new_chat, None, [box, chatbot, sources, turns, notice], queue=False, **private)
        chatbot.like(on_like, [turns], [notice], queue=False, **private)
        chatbot.clear(new_chat, None, [box, chatbot, sources, turns, notice], queue=False, **private)

        for fn, name in ((chat, CHAT_API_NAME), (ask, ASK_API_NAME)):
            # resolve the postponed (string) annotations so the API page shows real types
            fn.__annotations__ = typing.get_type_hints(fn)
            gr.api(fn, api_name=name)

    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.concurrency_limit * 16)
    return demo


__all__ = ["ASK_API_NAME", "CHAT_API_NAME", "PageAssets", "build_ui", "chat_messages", "header_html", "page_assets"]
