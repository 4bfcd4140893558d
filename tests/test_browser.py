"""End to end in headless Debian Chromium (Playwright): the chat at "/", the widget on another origin, and XSS.

Two loopback servers: the app (real bot over the bundled corpus) and a tiny static "park website" on another
port (another origin) whose page carries the one-line widget snippet; the app allows that origin.

Set BOT_SCREENSHOTS=1 to (re)write docs/screenshots/chat.png, chat-mobile.png and widget.png.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from bot.web import create_app
from bot.web.server import ServerThread, free_port

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "docs" / "screenshots"
Q = "海创尚纬的注册资本是多少？"
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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.timeout(150),
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
</main>
<script src="{app}/widget.js" async></script>
</body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def servers(corpus_bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("browser")
    site_port = free_port()
    site = f"http://127.0.0.1:{site_port}"
    settings = Settings(data_dir=tmp / "data", index_dir=tmp / "index", allowed_origins=[site])
    app_server = ServerThread(create_app(corpus_bot, settings))
    app_url = app_server.start()
    docroot = tmp / "site"
    docroot.mkdir()
    (docroot / "index.html").write_text(HOST_PAGE.format(app=app_url), encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", site_port), functools.partial(_Quiet, directory=str(docroot)))
    site_thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    site_thread.start()
    try:
        yield {
            "app": app_url,
            "site": site,
            "site_other": f"http://localhost:{site_port}",
            "feedback": str(settings.data_dir / "feedback.jsonl"),
        }
    finally:
        httpd.shutdown()
        httpd.server_close()
        site_thread.join(10)
        app_server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = context.new_page()
    pg.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="module")
def expected(corpus_bot: Any) -> dict[str, str]:
    """The supporting sentence the panel must highlight (from the same bot)."""
    answer = corpus_bot.ask(Q)
    cite = next(c for c in answer.citations if "5亿元" in c.text)
    a, b = cite.span
    return {"sentence": cite.text[a:b], "title": cite.title, "n": str(cite.n)}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def shoot(target: Any, name: str) -> None:
    if os.environ.get("BOT_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SHOTS / name))


def chat_ask(page: Any, question: str, n_bot: int) -> Any:
    """Ask in the Gradio chat and wait until the n-th bot message is final (not streaming)."""
    box = page.locator("#ask-box textarea")
    box.fill(question)
    page.locator("#ask-send").click()
    page.wait_for_function(
        """n => {
            const bots = document.querySelectorAll('#chat .message-row.bot-row, #chat [data-testid="bot"]');
            const finals = document.querySelectorAll('#chat .a-text:not(.streaming)');
            return finals.length >= n && !document.querySelector('#chat .streaming');
        }""",
        arg=n_bot,
        timeout=WAIT_MS,
    )
    return page.locator("#chat .a-text:not(.streaming)").nth(n_bot - 1)


def test_chat_answer_marker_opens_highlighted_source(page: Any, servers: dict[str, str], expected: dict[str, str]) -> None:
    page.goto(servers["app"] + "/")
    page.wait_for_selector("#ask-box textarea", timeout=WAIT_MS)
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
    shoot(page, "chat.png")

    # the same page on a phone: columns stack, the marker scrolls the panel into view
    if os.environ.get("BOT_SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#chat .a-text a.cite-ref").first.click()
        page.wait_for_timeout(800)
        shoot(page, "chat-mobile.png")
        page.set_viewport_size({"width": 1280, "height": 860})

    # 👍 on the answer is appended to data_dir/feedback.jsonl
    page.locator('#chat button[aria-label="Like"], #chat button[aria-label="赞"]').last.click()  # label is localised
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


def test_widget_on_another_origin(page: Any, servers: dict[str, str], expected: dict[str, str]) -> None:
    page.goto(servers["site"] + "/index.html")
    button = page.locator("#park-qa-button")
    button.wait_for(state="visible", timeout=WAIT_MS)
    button.click()
    frame_el = page.locator("#park-qa-frame")
    frame_el.wait_for(state="visible", timeout=10_000)
    assert frame_el.get_attribute("src") == servers["app"] + "/embed"
    frame = page.frame_locator("#park-qa-frame")
    frame.locator("#q").fill(Q)
    frame.locator("#send").click()
    bubble = frame.locator(".msg.bot .bubble").last
    frame.locator(".msg.bot .bubble .a-text button.cite").first.wait_for(timeout=WAIT_MS)
    assert "5亿元" in bubble.locator(".a-text").inner_text()
    bubble.locator(".a-text button.cite").first.click()
    panel = frame.locator("#panel")
    panel.wait_for(state="visible", timeout=10_000)
    assert expected["title"] in frame.locator("#panel-title").inner_text()
    assert norm(frame.locator("#panel-text mark").inner_text()) == norm(expected["sentence"])
    shoot(page, "widget.png")
    # close (the button, or the chat's own × via postMessage) and reopen: the conversation is kept
    frame.locator("#panel-close").click()
    button.click()
    assert not frame_el.is_visible()
    button.click()
    assert frame.locator(".msg.bot").count() == 1
    frame.locator("#close-widget").click()
    frame_el.wait_for(state="hidden", timeout=5_000)
    button.click()
    assert frame.locator(".msg.bot").count() == 1


def test_embed_refuses_to_be_framed_by_an_unlisted_origin(page: Any, servers: dict[str, str]) -> None:
    # same static page, but from http://localhost:PORT: another origin, not in BOT_ALLOWED_ORIGINS
    page.goto(servers["site_other"] + "/index.html")
    page.locator("#park-qa-button").click()
    page.locator("#park-qa-frame").wait_for(state="attached", timeout=10_000)
    page.wait_for_timeout(1500)
    frames = [f for f in page.frames if f != page.main_frame]
    assert frames, "the iframe was not created"
    blocked = all(f.query_selector("#q") is None for f in frames)
    assert blocked, "the embed page rendered inside an origin that is not allowed"


def test_xss_stays_text_in_chat_and_embed(page: Any, servers: dict[str, str]) -> None:
    # the chat at "/"
    page.goto(servers["app"] + "/")
    page.wait_for_selector("#ask-box textarea", timeout=WAIT_MS)
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
    embed = next(f for f in page.frames if f.url.endswith("/embed"))
    assert embed.evaluate("typeof window.__xss") == "undefined"
