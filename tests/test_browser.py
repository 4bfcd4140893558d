"""End to end in headless Debian Chromium (Playwright): the chat at "/", the embed page, the widget on another
origin (allowed and not), the API docs offline, and XSS.

Loopback servers: the app (real bot over the bundled corpus), the same bot behind a slow network and a slow
answer, one with a tiny rate limit, and a static "park website" on another port (another origin) whose pages
carry the one-line widget snippet or a plain iframe; the app allows that origin, not ``localhost:PORT``.

Set BOT_SCREENSHOTS=1 to (re)write docs/screenshots/chat.png, chat-mobile.png, widget.png and widget-refused.png.
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from bot.guard import EMPTY_QUESTION_MESSAGE
from bot.settings import Settings
from bot.web import create_app
from bot.web.security import RATE_LIMIT_MESSAGE
from bot.web.server import ServerThread, free_port

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "docs" / "screenshots"
Q = "海创尚纬的注册资本是多少？"
Q_LONG_ANSWER = "乐山高新区在营商环境上有哪些做法？"
Q_REFUSED = "今天天气怎么样？"
FAIL = "故障测试"  # the slow test bot raises on questions containing this
XSS = ('<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 60_000
NETWORK_DELAY_S = 1.5  # added to every Gradio queue request of the slow app, like a slow mobile network
ANSWER_DELAY_S = 1.5  # and the slow bot thinks this long before its first token
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian Chromium at /usr/bin/chromium (apt-get install chromium)"),
]

HOST_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>乐山高新区管委会</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ margin: 0; font-family: system-ui, "WenQuanYi Micro Hei", sans-serif; color: #1e293b; background: #f1f5f9; }}
header {{ background: #1e3a8a; color: #fff; padding: 18px 32px; font-size: 22px; font-weight: 600; }}
nav {{ background: #1d4ed8; padding: 8px 32px; }} nav a {{ color: #dbeafe; margin-right: 22px; text-decoration: none; }}
main {{ max-width: 900px; margin: 24px auto; background: #fff; padding: 24px 32px; border-radius: 8px; line-height: 1.9; }}
</style></head>
<body>
<header>乐山高新技术产业开发区管理委员会</header>
<nav><a href="#">首页</a><a href="#">园区概况</a><a href="#">招商引资</a><a href="#">政务公开</a><a href="#">联系我们</a></nav>
<main>
<h2>园区动态</h2>
<p>乐山高新区是全省8个国家高新区之一，锚定千亿产业园区建设目标，全力打造创新发展示范区。</p>
<p>有问题？点击右下角的“园区问答”，根据园区新闻报道为您解答，并给出原文出处。</p>
<p><a id="host-link" href="#">页面上的链接</a></p>
</main>
<script src="{app}/widget.js" async></script>
</body></html>
"""

PLAIN_IFRAME_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>嵌入</title></head>
<body><iframe id="plain" src="{app}/embed" title="园区问答" style="width:380px;height:600px;border:0"></iframe></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class SlowBot:
    """The real bot, thinking ``delay`` seconds before its first token; raises on questions containing FAIL."""

    def __init__(self, bot: Any, delay: float) -> None:
        self.bot = bot
        self.site = bot.site
        self.delay = delay

    def ask(self, question: str, history: Sequence[str] | None = None) -> Any:
        return self.bot.ask(question, history)

    def stream(self, question: str, history: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        if FAIL in question:
            raise RuntimeError("secret internal detail")
        time.sleep(self.delay)
        yield from self.bot.stream(question, history)

    def info(self) -> dict[str, Any]:
        return dict(self.bot.info())


def slow_network(app: Any, seconds: float) -> Any:
    """The app behind a slow network: every request of Gradio's queue waits ``seconds`` before it is served."""

    async def delayed(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/gradio_api/queue/"):
            await asyncio.sleep(seconds)
        await app(scope, receive, send)

    return delayed


@pytest.fixture(scope="module")
def servers(corpus_bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("browser")
    site_port = free_port()
    site = f"http://127.0.0.1:{site_port}"
    settings = Settings(data_dir=tmp / "data", index_dir=tmp / "index", allowed_origins=[site], rate_limit_per_min=600)
    limited = Settings(data_dir=tmp / "data2", index_dir=tmp / "index", allowed_origins=[site], rate_limit_per_min=2)
    apps = [
        ServerThread(create_app(corpus_bot, settings)),
        ServerThread(slow_network(create_app(SlowBot(corpus_bot, ANSWER_DELAY_S), settings), NETWORK_DELAY_S)),
        ServerThread(create_app(corpus_bot, limited)),
    ]
    app_url, slow_url, limited_url = (a.start() for a in apps)
    docroot = tmp / "site"
    docroot.mkdir()
    (docroot / "index.html").write_text(HOST_PAGE.format(app=app_url), encoding="utf-8")
    (docroot / "plain.html").write_text(PLAIN_IFRAME_PAGE.format(app=app_url), encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", site_port), functools.partial(_Quiet, directory=str(docroot)))
    site_thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    site_thread.start()
    try:
        yield {
            "app": app_url,
            "slow": slow_url,
            "limited": limited_url,
            "site": site,
            "site_other": f"http://localhost:{site_port}",
            "feedback": str(settings.data_dir / "feedback.jsonl"),
        }
    finally:
        httpd.shutdown()
        httpd.server_close()
        site_thread.join(10)
        for a in apps:
            a.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def new_page(browser: Any, viewport: dict[str, int] | None = None, locale: str = "zh-CN") -> Any:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860}, locale=locale)
    pg = context.new_page()
    pg.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    return pg


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    pg = new_page(browser)
    try:
        yield pg
    finally:
        pg.context.close()


@pytest.fixture(scope="module")
def expected(corpus_bot: Any) -> dict[str, str]:
    """The supporting sentence the panel must highlight, and the citation's facts (from the same bot)."""
    answer = corpus_bot.ask(Q)
    cite = next(c for c in answer.citations if "5亿元" in c.text)
    a, b = cite.span
    return {"sentence": cite.text[a:b], "title": cite.title, "n": str(cite.n), "source": cite.source, "file": cite.file}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def shoot(target: Any, name: str) -> None:
    if os.environ.get("BOT_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SHOTS / name))


def open_chat(page: Any, url: str) -> None:
    page.goto(url + "/")
    page.wait_for_selector("#ask-box textarea", timeout=WAIT_MS)
    page.wait_for_function("() => !!window.parkQa", timeout=WAIT_MS)


def wait_idle(page: Any) -> None:
    page.wait_for_function("() => window.parkQa && !window.parkQa.busy", timeout=WAIT_MS)


def wait_answers(page: Any, n_bot: int) -> Any:
    """Wait until the n-th bot message is final (not streaming) and asking is unlocked."""
    page.wait_for_function(
        """n => document.querySelectorAll('#chat .a-text:not(.streaming)').length >= n
               && !document.querySelector('#chat .streaming') && !window.parkQa.busy""",
        arg=n_bot,
        timeout=WAIT_MS,
    )
    return page.locator("#chat .a-text:not(.streaming)").nth(n_bot - 1)


def chat_ask(page: Any, question: str, n_bot: int) -> Any:
    """Ask in the Gradio chat and wait until the n-th bot message is final (not streaming)."""
    page.locator("#ask-box textarea").fill(question)
    page.locator("#ask-send").click()
    return wait_answers(page, n_bot)


def notice_text(page: Any) -> str:
    page.wait_for_selector("#notice .park-notice", timeout=WAIT_MS)
    return str(page.locator("#notice .park-notice").inner_text()).strip()


# -- the chat ------------------------------------------------------------------------------------------------
def test_chat_answer_marker_opens_highlighted_source(page: Any, servers: dict[str, str], expected: dict[str, str]) -> None:
    open_chat(page, servers["app"])
    assert page.title() == "园区问答 · 乐山高新区"
    answer = chat_ask(page, Q, 1)
    assert "5亿元" in answer.inner_text()
    marker = answer.locator("a.cite-ref").first
    assert re.fullmatch(r"\[\d+\]", marker.inner_text())
    marker.click()
    entry = page.locator("#sources details.src.active")
    entry.wait_for(state="visible", timeout=10_000)
    assert entry.get_attribute("open") is not None
    assert expected["title"] in entry.locator(".src-title").inner_text()
    mark = entry.locator("mark")
    assert norm(mark.inner_text()) == norm(expected["sentence"])
    assert "5亿元" in entry.locator(".src-text").inner_text()
    # the source in words a person reads; the file name only in small print
    assert expected["source"] != expected["file"]
    assert expected["source"] in entry.locator(".src-meta").inner_text()
    assert entry.locator(".src-file").inner_text() == expected["file"]
    small = page.evaluate(
        """() => { const e = document.querySelector('#sources details.src.active');
                   const px = (s) => parseFloat(getComputedStyle(e.querySelector(s)).fontSize);
                   return [px('.src-file'), px('.src-text')]; }"""
    )
    assert small[0] < small[1]
    assert expected["file"] not in page.locator("#chat").inner_text()
    shoot(page, "chat.png")

    # the same page on a phone: columns stack, the marker scrolls the panel into view
    if os.environ.get("BOT_SCREENSHOTS") == "1":
        page.set_viewport_size(PHONE)
        page.locator("#chat .a-text a.cite-ref").first.click()
        page.wait_for_timeout(800)
        shoot(page, "chat-mobile.png")
        page.set_viewport_size({"width": 1280, "height": 860})

    # 👍 on the answer is appended to data_dir/feedback.jsonl, and the page says thank you
    page.locator('#chat button[aria-label="有帮助"]').last.click()
    assert notice_text(page) == "谢谢您的反馈！"
    feedback = Path(servers["feedback"])
    for _ in range(50):
        if feedback.exists() and feedback.read_text(encoding="utf-8").strip():
            break
        page.wait_for_timeout(100)
    record = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "up" and record["door"] == "chat" and record["question"] == Q
    assert "5亿元" in record["answer"] and record["citations"]

    # 新对话 empties the chat and the source panel
    page.locator("#new-chat").click()
    page.wait_for_function("() => !document.querySelector('#chat .a-text') && !!document.querySelector('#sources .src-empty')")


def test_question_shows_at_once_and_asking_waits(browser: Any, servers: dict[str, str]) -> None:
    """Slow network + slow answer: the bubble and typing indicator show at once, nothing is lost or replaced."""
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, servers["slow"])
        box = page.locator("#ask-box textarea")
        box.fill(Q)
        started = time.monotonic()
        box.press("Enter")
        page.wait_for_selector("#chat .typing", timeout=1000)
        shown_s = time.monotonic() - started
        assert shown_s < NETWORK_DELAY_S, shown_s  # before the server could even have heard of the question
        assert page.locator("#chat .q-text").last.inner_text() == Q and box.input_value() == ""
        assert page.locator("#chat .a-text:not(.streaming)").count() == 0

        # while it streams: Enter, 发送 and the examples do not ask; what was typed stays in the box
        follow_up = "它是哪两家公司合资成立的？"
        box.fill(follow_up)
        box.press("Enter")
        page.locator("#ask-send").dispatch_event("click")
        page.locator(".example-q").first.dispatch_event("click")
        page.wait_for_timeout(500)
        assert page.locator("#chat .q-text").count() == 1 and box.input_value() == follow_up
        wait_idle(page)
        assert page.locator("#chat .q-text").count() == 1 and page.locator("#chat .a-text").count() == 1
        assert "5亿元" in page.locator("#chat .a-text").first.inner_text()
        assert page.locator("#sources details.turn").count() == 1
        assert box.input_value() == follow_up

        # the follow-up, then the same question twice: one chat turn and one source group each, in order
        box.press("Enter")
        page.wait_for_selector("#chat .typing", timeout=1000)
        wait_answers(page, 2)
        for n in (3, 4):
            box.fill(Q)
            box.press("Enter")
            wait_answers(page, n)
        questions = [q.inner_text() for q in page.locator("#chat .q-text").all()]
        assert questions == [Q, follow_up, Q, Q]
        assert page.locator("#chat .a-text").count() == 4 and page.locator("#chat .typing").count() == 0
        groups = page.locator("#sources summary.turn-q")
        assert groups.count() == 4
        want = [norm(f"第{i}问{q}") for i, q in zip((4, 3, 2, 1), questions[::-1], strict=True)]
        assert [norm(g.inner_text()) for g in groups.all()] == want
        # each answer's marker opens its own turn's passage
        page.locator("#chat .a-text").nth(3).locator("a.cite-ref").first.click()
        active = page.locator("#sources details.src.active")
        active.wait_for(state="visible", timeout=10_000)
        assert (active.get_attribute("data-src-key") or "").startswith("3-")

        # the embed page: the same at once, and asking again waits there too
        page.goto(servers["slow"] + "/embed")
        page.locator("#q").fill(Q)
        page.locator("#q").press("Enter")
        page.wait_for_selector(".msg.bot .typing", timeout=1000)
        assert page.locator(".msg.user").count() == 1 and page.locator("#q").input_value() == ""
        page.locator("#q").fill(follow_up)
        page.locator("#q").press("Enter")
        page.locator(".example").first.dispatch_event("click")
        page.locator(".msg.bot .feedback").wait_for(timeout=WAIT_MS)
        assert page.locator(".msg.user").count() == 1 and page.locator("#q").input_value() == follow_up
    finally:
        page.context.close()


def test_notices_apart_from_answers(browser: Any, servers: dict[str, str]) -> None:
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, servers["app"])
        answer = chat_ask(page, Q, 1)
        before = answer.inner_text()
        box = page.locator("#ask-box textarea")
        long_q = "请问" + "园区发展的情况" * 90  # > 500 characters, pasted
        assert len(long_q) > 500
        box.fill(long_q)
        box.press("Enter")
        too_long = notice_text(page)
        assert too_long.startswith("问题太长")
        wait_idle(page)
        assert box.input_value() == long_q  # nothing to retype
        assert page.locator("#chat .q-text").count() == 1 and page.locator("#chat .a-text").count() == 1
        assert page.locator("#chat .a-text").first.inner_text() == before  # not merged into the earlier answer
        assert "问题太长" not in page.locator("#chat").inner_text()
        assert page.locator("#notice button").count() == 0  # no 👍/👎 under a notice
        assert page.evaluate("() => !document.querySelector('#chat').contains(document.querySelector('#notice'))")

        box.fill("   ")
        box.press("Enter")
        page.wait_for_function("t => document.querySelector('#notice').innerText.trim() === t", arg=EMPTY_QUESTION_MESSAGE)
        wait_idle(page)
        assert page.locator("#chat .q-text").count() == 1

        # the next good question clears the notice
        chat_ask(page, Q_REFUSED, 2)
        assert page.locator("#notice .park-notice").count() == 0

        # the embed page says the same, keeps the text, and shows no bubble and no feedback buttons for it
        page.goto(servers["app"] + "/embed")
        page.locator("#q").fill(long_q)
        page.locator("#send").click()
        page.locator("#notice").wait_for(state="visible", timeout=WAIT_MS)
        assert page.locator("#notice").inner_text().strip() == too_long
        assert page.locator("#q").input_value() == long_q
        assert page.locator(".msg").count() == 0 and page.locator(".fb").count() == 0
        page.locator("#q").fill(Q)
        page.locator("#send").click()
        page.locator(".msg.bot .feedback").wait_for(timeout=WAIT_MS)
        assert page.locator("#notice").is_hidden() and page.locator(".msg.bot").count() == 1
    finally:
        page.context.close()


def test_failed_answer_is_a_notice_and_the_question_comes_back(browser: Any, servers: dict[str, str]) -> None:
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, servers["slow"])
        box = page.locator("#ask-box textarea")
        question = f"{FAIL}：园区有哪些企业？"
        box.fill(question)
        box.press("Enter")
        page.wait_for_selector("#chat .typing", timeout=1000)  # shown at once ...
        assert notice_text(page) == "内部错误，请稍后再试"
        wait_idle(page)
        assert page.locator("#chat .q-text").count() == 0 and page.locator("#chat .a-text").count() == 0  # ... gone
        assert box.input_value() == question
        assert "secret" not in page.content()

        page.goto(servers["slow"] + "/embed")
        page.locator("#q").fill(question)
        page.locator("#send").click()
        page.locator("#notice").wait_for(state="visible", timeout=WAIT_MS)
        assert page.locator("#notice").inner_text().strip() == "内部错误，请稍后再试"
        page.wait_for_function("() => !document.querySelector('.msg')", timeout=WAIT_MS)
        assert page.locator("#q").input_value() == question
    finally:
        page.context.close()


def test_rate_limit_is_a_notice(browser: Any, servers: dict[str, str]) -> None:
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, servers["limited"])
        chat_ask(page, Q, 1)
        chat_ask(page, Q_REFUSED, 2)
        box = page.locator("#ask-box textarea")
        box.fill(Q_LONG_ANSWER)
        box.press("Enter")
        assert notice_text(page) == RATE_LIMIT_MESSAGE
        wait_idle(page)
        assert page.locator("#chat .q-text").count() == 2 and box.input_value() == Q_LONG_ANSWER

        page.goto(servers["limited"] + "/embed")  # the same client's bucket is empty for the API too
        page.locator("#q").fill(Q)
        page.locator("#send").click()
        page.locator("#notice").wait_for(state="visible", timeout=WAIT_MS)
        assert page.locator("#notice").inner_text().strip() == RATE_LIMIT_MESSAGE
        assert page.locator(".msg").count() == 0 and page.locator("#q").input_value() == Q
    finally:
        page.context.close()


GEOMETRY = """() => ['.gradio-container', '#chat-col', '#source-col', '#chat', '#ask-box'].map((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return [s, Math.round(r.x), Math.round(r.width)];
})"""

OVERLAPS = """() => {
    const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
    const box = document.querySelector('#chat [role="log"]').getBoundingClientRect();
    const bubbles = [...document.querySelectorAll('#chat .message')].filter(visible).map((e) => e.getBoundingClientRect())
        .filter((r) => r.bottom > box.top && r.top < box.bottom);
    const out = [];
    document.querySelectorAll('#chat button').forEach((b) => {
        if (!visible(b) || b.closest('.message')) return;
        const r = b.getBoundingClientRect();
        for (const m of bubbles) {
            const w = Math.min(r.right, m.right) - Math.max(r.left, m.left), h = Math.min(r.bottom, m.bottom) - Math.max(r.top, m.top);
            if (w > 1 && h > 1) out.push((b.getAttribute('aria-label') || b.textContent) + ' over a message');
        }
    });
    return out;
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x900", "390x844"])
def test_layout_is_stable(browser: Any, servers: dict[str, str], viewport: dict[str, int]) -> None:
    page = new_page(browser, viewport)
    try:
        open_chat(page, servers["app"])
        first = page.evaluate(GEOMETRY)
        seen = []
        for i, q in enumerate([Q, Q_LONG_ANSWER, Q_REFUSED, "2023年一区五园营业收入是多少？"], 1):
            chat_ask(page, q, i)
            seen.append(page.evaluate(GEOMETRY))
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), q
        assert all(g == first for g in seen), (first, seen)  # columns do not depend on what is shown
        # the chat scrolls: at its bottom and at its top no control sits over a message
        assert page.evaluate(OVERLAPS) == []
        page.evaluate("() => { const log = document.querySelector('#chat [role=\"log\"]'); log.scrollTop = 0; }")
        page.wait_for_timeout(300)
        assert page.evaluate(OVERLAPS) == []
    finally:
        page.context.close()


# English words in what the page itself says (corpus text and the user's own words are left out)
SCAN_ENGLISH = """() => {
    const out = [];
    const content = 'svg, .src-file, #panel-file, .src-text, .a-text, .q-text, #panel-text, .msg.user .bubble';
    const shown = (el) => { for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e); if (s.display === 'none' || s.visibility === 'hidden') return false; } return true; };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walker.nextNode())) {
        const el = n.parentElement, t = n.textContent.trim();
        if (!t || !el || ['SCRIPT', 'STYLE', 'style', 'NOSCRIPT'].includes(el.tagName) || el.closest(content)) continue;
        if (/[A-Za-z]{3,}/.test(t) && shown(el)) out.push('text: ' + t.slice(0, 60));
    }
    document.querySelectorAll('[aria-label], [title], [placeholder], [alt]').forEach((e) => {
        for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
            const v = e.getAttribute(a);
            if (v && /[A-Za-z]{3,}/.test(v) && !e.closest('.src-file')) out.push(a + ': ' + v.slice(0, 60));
        }
    });
    return [...new Set(out)];
}"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_chinese_everywhere(browser: Any, servers: dict[str, str], locale: str) -> None:
    page = new_page(browser, DESKTOP, locale=locale)
    try:
        open_chat(page, servers["app"])
        chat_ask(page, Q, 1)
        chat_ask(page, Q_REFUSED, 2)
        page.locator("#chat .a-text a.cite-ref").first.click()
        page.locator("#chat .message-row").first.hover()
        page.wait_for_timeout(300)
        assert page.evaluate(SCAN_ENGLISH) == []
        assert page.locator("footer").count() == 0 or page.locator("footer").first.is_hidden()
        assert page.locator('a[href="/docs"]').count() == 1  # instead of Gradio's English API page

        page.goto(servers["app"] + "/embed")
        page.locator("#q").fill(Q)
        page.locator("#send").click()
        page.locator(".msg.bot .feedback").wait_for(timeout=WAIT_MS)
        page.locator(".msg.bot button.cite").first.click()
        assert page.evaluate(SCAN_ENGLISH) == []
    finally:
        page.context.close()


# -- the widget ----------------------------------------------------------------------------------------------
def _embed_frame(page: Any) -> Any:
    """The chat's frame once it has navigated to /embed (the element shows before its document loads)."""
    handle = page.locator("#park-qa-frame").element_handle(timeout=10_000)
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_url("**/embed", timeout=10_000)
    frame.wait_for_load_state("domcontentloaded", timeout=10_000)
    return frame


def test_widget_on_another_origin(page: Any, servers: dict[str, str], expected: dict[str, str]) -> None:
    page.goto(servers["site"] + "/index.html")
    button = page.locator("#park-qa-button")
    button.wait_for(state="visible", timeout=WAIT_MS)
    page.locator("#host-link").focus()
    button.click()
    frame_el = page.locator("#park-qa-frame")
    frame_el.wait_for(state="visible", timeout=10_000)
    assert frame_el.get_attribute("src") == servers["app"] + "/embed"
    frame = page.frame_locator("#park-qa-frame")
    embed = _embed_frame(page)
    # the keyboard focus moved into the chat's box: typing goes there
    embed.wait_for_function("() => document.activeElement && document.activeElement.id === 'q'", timeout=10_000)
    page.keyboard.type(Q)
    assert frame.locator("#q").input_value() == Q
    page.keyboard.press("Enter")
    bubble = frame.locator(".msg.bot .bubble").last
    frame.locator(".msg.bot .bubble .a-text button.cite").first.wait_for(timeout=WAIT_MS)
    assert "5亿元" in bubble.locator(".a-text").inner_text()
    assert expected["source"] in bubble.locator(".sources").inner_text()
    assert expected["file"] not in bubble.inner_text()
    bubble.locator(".a-text button.cite").first.click()
    panel = frame.locator("#panel")
    panel.wait_for(state="visible", timeout=10_000)
    assert expected["title"] in frame.locator("#panel-title").inner_text()
    assert expected["source"] in frame.locator("#panel-meta").inner_text()
    assert frame.locator("#panel-file").inner_text() == expected["file"]
    assert norm(frame.locator("#panel-text mark").inner_text()) == norm(expected["sentence"])
    shoot(page, "widget.png")
    # close (the button, the chat's own ×, or Escape in the chat) and reopen: the conversation is kept and the
    # focus goes back to the button, then into the box again
    frame.locator("#panel-close").click()
    button.click()
    assert not frame_el.is_visible()
    assert page.evaluate("() => document.activeElement.id") == "park-qa-button"
    button.click()
    embed.wait_for_function("() => document.activeElement && document.activeElement.id === 'q'", timeout=10_000)
    assert frame.locator(".msg.bot").count() == 1
    close = frame.locator("#close-widget")
    assert close.is_visible()
    close.click()
    frame_el.wait_for(state="hidden", timeout=5_000)
    assert page.evaluate("() => document.activeElement.id") == "park-qa-button"
    button.click()
    embed.wait_for_function("() => document.activeElement && document.activeElement.id === 'q'", timeout=10_000)
    page.keyboard.press("Escape")
    frame_el.wait_for(state="hidden", timeout=5_000)
    assert page.evaluate("() => document.activeElement.id") == "park-qa-button"
    button.click()
    assert frame.locator(".msg.bot").count() == 1


def test_plain_iframe_shows_no_close_button(page: Any, servers: dict[str, str]) -> None:
    page.goto(servers["site"] + "/plain.html")
    frame = page.frame_locator("#plain")
    frame.locator("#q").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert frame.locator("#close-widget").is_hidden()  # nothing there to close it
    assert frame.locator("#new-chat").is_visible()


def test_widget_on_a_site_not_allowed(page: Any, servers: dict[str, str]) -> None:
    # same static page, but from http://localhost:PORT: another origin, not in BOT_ALLOWED_ORIGINS
    page.goto(servers["site_other"] + "/index.html")
    button = page.locator("#park-qa-button")
    button.click()
    refused = page.locator("#park-qa-refused")
    refused.wait_for(state="visible", timeout=10_000)
    assert "此网站未获授权嵌入问答" in refused.inner_text()
    assert servers["site_other"] in refused.inner_text() and "BOT_ALLOWED_ORIGINS" in refused.inner_text()
    assert page.locator("iframe").count() == 0  # no broken frame
    assert page.evaluate("() => document.activeElement.id") == "park-qa-refused"
    shoot(page, "widget-refused.png")
    page.keyboard.press("Escape")
    refused.wait_for(state="hidden", timeout=5_000)
    assert page.evaluate("() => document.activeElement.id") == "park-qa-button"

    # and the browser still refuses to show the embed page in a frame there (CSP frame-ancestors)
    page.evaluate(
        "url => { const f = document.createElement('iframe'); f.id = 'manual'; f.src = url; document.body.appendChild(f); }",
        servers["app"] + "/embed",
    )
    page.wait_for_timeout(1500)
    frames = [f for f in page.frames if f != page.main_frame]
    assert frames, "the iframe was not created"
    assert all(f.query_selector("#q") is None for f in frames), "the embed page rendered inside an origin that is not allowed"


# -- API docs, offline ---------------------------------------------------------------------------------------
def test_api_docs_work_offline(browser: Any, servers: dict[str, str]) -> None:
    app_host = urlparse(servers["app"]).netloc
    outside: list[str] = []
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")

    def only_here(route: Any) -> None:
        if urlparse(route.request.url).netloc not in ("", app_host):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", only_here)
    page = context.new_page()
    try:
        page.goto(servers["app"] + "/docs")
        op = page.locator(".opblock-post").filter(has=page.locator('[data-path="/api/ask"]')).first
        op.wait_for(timeout=WAIT_MS)
        op.locator(".opblock-summary").first.click()
        op.locator("button.execute").click()  # "try it out" is on; the example body is the profile's question
        status = op.locator(".live-responses-table tr.response .response-col_status").first
        status.wait_for(timeout=WAIT_MS)
        assert status.inner_text().strip() == "200"
        body = json.loads(op.locator(".live-responses-table tr.response .response-col_description pre").first.inner_text())
        assert body["citations"] and body["citations"][0]["source"] != body["citations"][0]["file"]

        page.goto(servers["app"] + "/redoc")
        page.wait_for_selector("h1", timeout=WAIT_MS)
        assert "园区问答" in page.locator("h1").first.inner_text()
        page.locator("h2", has_text="回答问题，附引用的原文").first.wait_for(timeout=WAIT_MS)  # the operation rendered
        assert outside == []
    finally:
        context.close()


# -- XSS -----------------------------------------------------------------------------------------------------
def test_xss_stays_text_in_chat_and_embed(page: Any, servers: dict[str, str]) -> None:
    # the chat at "/"
    open_chat(page, servers["app"])
    for i, payload in enumerate(XSS, 1):
        chat_ask(page, payload, i)
        users = page.locator("#chat .q-text")
        assert users.nth(i - 1).inner_text().strip() == payload
    chat_html = page.locator("#chat").inner_html()
    assert "<img src=\"x\"" not in chat_html and "<script>window" not in chat_html
    assert html.escape(XSS[1], quote=False) in chat_html
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"

    # the embed page, inside the widget on the other origin
    page.goto(servers["site"] + "/index.html")
    page.locator("#park-qa-button").click()
    frame = page.frame_locator("#park-qa-frame")
    for i, payload in enumerate(XSS, 1):
        frame.locator("#q").fill(payload)
        frame.locator("#send").click()
        frame.locator(".msg.bot .bubble:not(.streaming)").nth(i - 1).locator(".a-text, .feedback").first.wait_for(
            timeout=WAIT_MS
        )
        assert frame.locator(".msg.user .bubble").nth(i - 1).inner_text() == payload
    assert frame.locator("#log img").count() == 0 and frame.locator("#log script").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    embed = _embed_frame(page)
    assert embed.evaluate("typeof window.__xss") == "undefined"
