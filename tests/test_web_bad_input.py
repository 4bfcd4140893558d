"""Every bad input we try at the web door, in one table, and what must come back.

Rules checked for every row, on both /api/ask and /api/ask/stream:
  * never a 5xx, never a traceback; errors are JSON with a Chinese ``detail`` message;
  * accepted inputs give a valid Answer (JSON, or SSE ending in one ``answer`` event);
  * markup is only ever returned inside JSON (inert), and the HTML the chat renders escapes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.guard import EMPTY_QUESTION_MESSAGE
from bot.schema import Answer
from bot.settings import Settings
from bot.web import create_app, render

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

Q = "海创尚纬的注册资本是多少?"
TOO_LONG = "问题太长"
NOT_TEXT = "question 必须是文字"
BAD_HISTORY = "history 必须是"
BAD_JSON = "不是有效的 JSON"
NOT_OBJECT = "必须是 JSON 对象"
CONTENT_TYPE = "Content-Type: application/json"
TOO_BIG = "请求内容太大"
MARKUP = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[点我](javascript:alert(1)) **粗体** ![x](http://evil.example/x.png) <a href=javascript:alert(1)>x</a>",
)


@dataclass(frozen=True)
class Case:
    name: str
    body: Any = None  # sent as JSON unless raw is set
    raw: bytes | None = None
    content_type: str = "application/json"
    status: int = 200
    detail: str | None = None  # expected substring of the error message


CASES: list[Case] = [
    Case("empty", {"question": ""}, status=422, detail=EMPTY_QUESTION_MESSAGE),
    Case("whitespace", {"question": "  \n\t　 "}, status=422, detail=EMPTY_QUESTION_MESSAGE),
    Case("null", {"question": None}, status=422, detail=EMPTY_QUESTION_MESSAGE),
    Case("missing question", {"history": []}, status=422, detail=EMPTY_QUESTION_MESSAGE),
    Case("only control chars", {"question": "\x00\x07\u200b\u202e"}, status=422, detail=EMPTY_QUESTION_MESSAGE),
    Case("number", {"question": 42}, status=422, detail=NOT_TEXT),
    Case("bool", {"question": True}, status=422, detail=NOT_TEXT),
    Case("list", {"question": [Q]}, status=422, detail=NOT_TEXT),
    Case("object", {"question": {"q": Q}}, status=422, detail=NOT_TEXT),
    Case("501 chars", {"question": "海" * 501}, status=422, detail=TOO_LONG),
    Case("100k chars", {"question": "问" * 100_000}, status=422, detail=TOO_LONG),
    Case("500 chars is fine", {"question": (Q * 40)[:500]}),
    Case("control chars inside", {"question": "\x00海创尚纬\u200b的注册资本\x1b[31m是多少?\r\n"}),
    Case("emoji", {"question": "🏭🏭 海创尚纬的注册资本是多少？😀👍🏽"}),
    Case("mixed scripts", {"question": "What is 海创尚纬's registered capital? Регистрация ＡＢＣ ١٢٣"}),
    Case("rtl override", {"question": "\u202e海创尚纬的注册资本是多少?"}),
    Case("script tag", {"question": MARKUP[0]}),
    Case("img onerror", {"question": MARKUP[1]}),
    Case("svg attr break", {"question": MARKUP[2]}),
    Case("markdown injection", {"question": MARKUP[3]}),
    Case("sql-ish", {"question": "海创尚纬'; DROP TABLE chunks; -- 注册资本 OR 1=1"}),
    Case("extra fields ignored", {"question": Q, "k": 999, "admin": True}),
    Case("history: string", {"question": Q, "history": "之前的问题"}, status=422, detail=BAD_HISTORY),
    Case("history: numbers", {"question": Q, "history": [1, 2]}, status=422, detail=BAD_HISTORY),
    Case("history: object", {"question": Q, "history": {"a": "b"}}, status=422, detail=BAD_HISTORY),
    Case("history: nested", {"question": Q, "history": [["a"]]}, status=422, detail=BAD_HISTORY),
    Case("history: null", {"question": Q, "history": None}),
    Case("history: huge (trimmed)", {"question": Q, "history": ["乐山高新区有哪些企业？"] * 5000}),
    Case("history: long items (trimmed)", {"question": Q, "history": ["长" * 50_000, "<script>x</script>"]}),
    Case("body: malformed JSON", raw=b'{"question": "abc"', status=422, detail=BAD_JSON),
    Case("body: not JSON at all", raw=b"question=abc", status=422, detail=BAD_JSON),
    Case("body: empty", raw=b"", status=422, detail=NOT_OBJECT),
    Case("body: JSON list", [Q], status=422, detail=NOT_OBJECT),
    Case("body: JSON string", Q, status=422, detail=NOT_OBJECT),
    Case("body: invalid UTF-8", raw=b'{"question": "\xff\xfe"}', status=422, detail=BAD_JSON),
    Case("content type: text/plain", raw=json.dumps({"question": Q}).encode(), content_type="text/plain",
         status=422, detail=CONTENT_TYPE),
    Case("content type: form", raw=b"question=abc", content_type="application/x-www-form-urlencoded",
         status=422, detail=CONTENT_TYPE),
    Case("body: over 1 MB", raw=json.dumps({"question": Q, "history": ["x" * 1000] * 1200}).encode(),
         status=413, detail=TOO_BIG),
]


@pytest.fixture(scope="module")
def client(corpus_bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("bad_input")
    settings = Settings(data_dir=tmp / "data", index_dir=tmp / "index", rate_limit_per_min=10_000)
    with TestClient(create_app(corpus_bot, settings), raise_server_exceptions=False) as c:
        yield c


def send(client: TestClient, path: str, case: Case) -> Any:
    if case.raw is not None:
        return client.post(path, content=case.raw, headers={"Content-Type": case.content_type})
    return client.post(path, content=json.dumps(case.body, ensure_ascii=False).encode(),
                       headers={"Content-Type": case.content_type})


def sse_events(text: str) -> list[tuple[str, Any]]:
    out = []
    for block in filter(str.strip, text.split("\n\n")):
        lines = block.split("\n")
        name = next(x[6:].strip() for x in lines if x.startswith("event:"))
        data = json.loads("".join(x[5:].strip() for x in lines if x.startswith("data:")))
        out.append((name, data))
    return out


def test_every_bad_input_at_the_api_door(client: TestClient) -> None:
    problems: list[str] = []
    for case in CASES:
        for path in ("/api/ask", "/api/ask/stream"):
            r = send(client, path, case)
            where = f"{case.name} @ {path}: {r.status_code} {r.text[:160]!r}"
            if r.status_code >= 500 or "Traceback" in r.text:
                problems.append(f"server error: {where}")
                continue
            if r.status_code != case.status:
                problems.append(f"expected {case.status}: {where}")
                continue
            if case.status != 200:
                if not r.headers["content-type"].startswith("application/json"):
                    problems.append(f"error not JSON: {where}")
                    continue
                detail = r.json().get("detail")
                if not isinstance(detail, str) or (case.detail and case.detail not in detail):
                    problems.append(f"expected detail containing {case.detail!r}: {where}")
                if len(r.content) > 4000:  # the input is never echoed back
                    problems.append(f"error body too large ({len(r.content)} bytes): {case.name}")
                continue
            if path == "/api/ask":
                if not r.headers["content-type"].startswith("application/json"):
                    problems.append(f"answer not JSON: {where}")
                    continue
                Answer.model_validate(r.json())
            else:
                events = sse_events(r.text)
                if not events or events[-1][0] != "answer":
                    problems.append(f"stream did not end with an answer: {where}")
                    continue
                Answer.model_validate(events[-1][1])
    assert not problems, "\n".join(problems)


def test_wrong_method_and_unknown_api_path_are_4xx(client: TestClient) -> None:
    assert client.get("/api/ask").status_code == 405
    assert client.put("/api/ask", json={"question": Q}).status_code == 405
    nope = client.post("/api/nope", json={})
    assert nope.status_code == 404 and nope.json()["detail"] == "没有这个接口。"


# -- the HTML side: what the chat renders must stay inert -----------------------------------------------
ALLOWED_TAGS = {"div", "span", "a", "ul", "li", "br", "mark", "details", "summary", "b", "i"}
ALLOWED_ATTRS = {"class", "href", "data-cite-key", "data-src-key", "data-turn", "title", "id", "open", "role", "aria-label", "aria-hidden"}


class TagAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRS:
                self.bad.append(f"{tag}[{name}]")
            if name == "href" and not (value or "").startswith("#src-"):
                self.bad.append(f"{tag}[href={value}]")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def audit(html_text: str) -> TagAudit:
    parser = TagAudit()
    parser.feed(html_text)
    parser.close()
    return parser


@pytest.mark.parametrize("evil", [*MARKUP, "</div></details><script>x</script>", "a\" onclick=\"alert(1)"])
def test_chat_html_escapes_user_and_corpus_text(evil: str) -> None:
    text = f"前文{evil}后文"
    answer = {
        "question": evil,
        "answer": f"{evil}[1] 以及 [2]{evil}",
        "notice": evil,
        "refused": False,
        "citations": [
            {"n": 1, "title": evil, "source": evil, "file": evil, "date": evil, "byline": evil, "text": text, "span": [0, 4]},
            {"n": 2, "title": "t", "source": "s", "file": "s.txt", "date": None, "text": evil, "span": [1, 3]},
        ],
        "retrieved": [],
    }
    passage = {"title": evil, "source": evil, "text": evil, "byline": evil, "publisher": evil, "section": evil, "date": evil}
    refused = {**answer, "refused": True, "retrieved": [passage]}
    pieces = [
        render.question_html(evil),
        render.streaming_html(evil),
        render.notice_html(evil, evil),
        render.answer_html(answer, 0),
        render.answer_html(refused, 1),
        render.sources_html([{"question": evil, "answer": answer}, {"question": evil, "answer": refused}]),
    ]
    for piece in pieces:
        result = audit(piece)
        assert not result.bad, (result.bad, piece)
    # and the text still reads literally
    assert evil in "".join(audit(render.question_html(evil)).text)
    assert evil in "".join(audit(render.answer_html(answer, 0)).text)


def test_embed_pages_are_static(client: TestClient, tmp_path: Path) -> None:
    # nothing from the request is reflected into the embed page or the widget
    for path in ("/embed?q=<script>x</script>", "/widget.js?<img src=x onerror=1>"):
        r = client.get(path)
        assert r.status_code == 200
        assert "<script>x" not in r.text and "onerror=1" not in r.text
