"""HTTP API, embed routes and web hardening, on the real bot over the bundled corpus (FastAPI TestClient).

A few tests use a tiny duck-typed bot where the real one cannot show the behaviour (an internal error, how
many answers run at once)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.guard import EMPTY_QUESTION_MESSAGE, clean_history, clean_question
from bot.schema import Answer, Citation
from bot.settings import Settings
from bot.site import SiteProfile
from bot.web import create_app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

QUESTION = "海创尚纬的注册资本是多少?"
ALLOWED = "https://www.lsgxq.example.cn"
OTHER = "https://evil.example.com"
LLM_KEY = "sk-test-DO-NOT-LEAK-0123456789"
LLM_URL = "http://llm.internal.example:9999/v1"


def web_settings(tmp: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {"data_dir": tmp / "data", "index_dir": tmp / "index", "allowed_origins": [ALLOWED]}
    base.update(overrides)
    return Settings(**base)


def parse_sse(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        events.append((name, json.loads("\n".join(data))))
    return events


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web")


@pytest.fixture(scope="module")
def client(corpus_bot: Any, data_dir: Path) -> Iterator[TestClient]:
    settings = web_settings(data_dir, llm_base_url=LLM_URL, llm_model="m", llm_api_key=LLM_KEY)
    app = create_app(corpus_bot, settings)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def asked(client: TestClient) -> dict[str, Any]:
    r = client.post("/api/ask", json={"question": QUESTION, "history": []})
    assert r.status_code == 200, r.text
    return r.json()


def test_ask_answers_with_a_supporting_citation(asked: dict[str, Any]) -> None:
    answer = Answer.model_validate(asked)
    assert "5亿元" in answer.answer
    assert not answer.refused
    cited = [c for c in answer.citations if "5亿元" in c.text]
    assert cited, answer.citations
    a, b = cited[0].span
    assert 0 <= a < b <= len(cited[0].text)
    assert f"[{cited[0].n}]" in answer.answer


def test_stream_yields_tokens_then_the_same_answer(client: TestClient, asked: dict[str, Any]) -> None:
    with client.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = parse_sse(body)
    names = [name for name, _ in events]
    assert names[-1] == "answer" and names.count("answer") == 1, names
    assert names[0] == "token" and set(names[:-1]) == {"token"}, names
    final = events[-1][1]
    assert "".join(d["text"] for n, d in events if n == "token").strip()
    assert "5亿元" in final["answer"]
    assert final["citations"] == asked["citations"]


def test_follow_up_with_history_is_answered(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "它的注册资本是多少?", "history": ["海创尚纬是做什么的?"]})
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["answer"], str)


def test_health_and_docs(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["index"]["chunks"] > 0
    assert "where" not in body["index"]  # no server paths or URLs
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/ask/stream", "/api/health", "/api/feedback"} <= set(spec["paths"])


def test_chat_page_is_served_at_root(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    config = client.get("/config").json()
    assert config["title"] == "园区问答 · 乐山高新区"
    api_names = {d.get("api_name") for d in config["dependencies"]}
    assert {"chat", "ask"} <= api_names
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]


def test_cors_only_for_allowed_origins(client: TestClient) -> None:
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/api/ask", headers={"Origin": ALLOWED, **pre})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED
    bad = client.options("/api/ask", headers={"Origin": OTHER, **pre})
    assert bad.status_code == 400
    assert "access-control-allow-origin" not in bad.headers

    simple_ok = client.post("/api/ask", json={"question": ""}, headers={"Origin": ALLOWED})
    assert simple_ok.headers["access-control-allow-origin"] == ALLOWED
    simple_bad = client.post("/api/ask", json={"question": ""}, headers={"Origin": OTHER})
    assert "access-control-allow-origin" not in simple_bad.headers
    # CORS is for the API only
    assert "access-control-allow-origin" not in client.get("/embed", headers={"Origin": ALLOWED}).headers


def test_embed_page_frame_ancestors_and_no_secrets(client: TestClient) -> None:
    r = client.get("/embed")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    csp = r.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {ALLOWED}" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert OTHER not in csp
    assert '<script src="/embed.js"' in r.text
    assert "/api/ask/stream" in client.get("/embed.js").text
    for path in ("/embed", "/embed.js", "/widget.js", "/", "/config", "/api/health", "/openapi.json"):
        body = client.get(path).text
        assert LLM_KEY not in body and LLM_URL not in body, path


def test_embed_default_is_self_only(corpus_bot: Any, tmp_path: Path) -> None:
    app = create_app(corpus_bot, web_settings(tmp_path, allowed_origins=[]))
    with TestClient(app) as c:
        csp = c.get("/embed").headers["content-security-policy"]
        assert csp.endswith("frame-ancestors 'self'")
        pre = {"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
        assert "access-control-allow-origin" not in c.options("/api/ask", headers=pre).headers


def test_bad_allowed_origin_is_refused_with_a_clear_message(corpus_bot: Any, tmp_path: Path) -> None:
    from bot.errors import BotError

    with pytest.raises(BotError, match="not an origin"):
        create_app(corpus_bot, web_settings(tmp_path, allowed_origins=["https://a.example; script-src *"]))


def test_widget_js(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert "/embed" in r.text and "currentScript" in r.text


def test_feedback_is_appended_as_jsonl(client: TestClient, asked: dict[str, Any], data_dir: Path) -> None:
    cites = [{k: c[k] for k in ("n", "title", "source", "date", "file")} for c in asked["citations"]]
    body = {"question": QUESTION, "answer": asked["answer"], "rating": "up", "citations": cites}
    assert client.post("/api/feedback", json=body).json() == {"status": "ok"}
    assert client.post("/api/feedback", json={**body, "rating": "down"}).status_code == 200
    bad = client.post("/api/feedback", json={**body, "rating": "meh"})
    assert bad.status_code == 422 and "rating" in bad.json()["detail"]
    lines = (data_dir / "data" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(x) for x in lines]
    assert [r["rating"] for r in records[-2:]] == ["up", "down"]
    last = records[-1]
    assert {"timestamp", "question", "answer", "citations", "rating"} <= set(last)
    assert last["question"] == QUESTION and last["citations"][0]["title"] == asked["citations"][0]["title"]
    assert last["citations"][0]["file"] == asked["citations"][0]["file"]  # the reviewer can find the article


def test_rate_limit_per_client(corpus_bot: Any, tmp_path: Path) -> None:
    app = create_app(corpus_bot, web_settings(tmp_path, rate_limit_per_min=3))
    with TestClient(app) as c:
        codes = [c.post("/api/ask", json={"question": ""}).status_code for _ in range(3)]
        assert codes == [422, 422, 422]
        r = c.post("/api/ask", json={"question": QUESTION})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["detail"] == "请求太频繁，请稍后再试。"
        assert c.get("/api/health").status_code == 200  # health is not limited
        assert c.get("/embed").status_code == 200  # pages are not limited


# -- behaviour the real bot cannot show: a tiny duck-typed bot -----------------------------------------------
class SlowBot:
    """Answers after ``delay`` seconds and records how many answers ran at once; ``boom`` raises."""

    def __init__(self, settings: Settings, delay: float = 0.2) -> None:
        self.settings = settings
        self.site = SiteProfile()
        self.delay = delay
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def _answer(self, question: str) -> Answer:
        if "boom" in question:
            raise RuntimeError("secret internal detail /srv/index")
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.delay)
        with self._lock:
            self.running -= 1
        text = "注册资本5亿元。"
        return Answer(
            question=question,
            answer="注册资本5亿元[1]。",
            citations=[Citation(n=1, title="t", source="s", file="s.txt", text=text, span=(0, len(text)))],
        )

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer:
        return self._answer(clean_question(question, self.settings))

    def stream(self, question: str, history: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        q = clean_question(question, self.settings)
        clean_history(history, self.settings)
        yield {"type": "token", "text": "注册"}
        yield {"type": "answer", "answer": self._answer(q)}

    def info(self) -> dict[str, Any]:
        return {"chunks": 1}


def fake_app(tmp: Path, **overrides: Any) -> tuple[FastAPI, SlowBot]:
    settings = web_settings(tmp, **overrides)
    bot = SlowBot(settings)
    return create_app(bot, settings), bot


def test_internal_errors_are_generic_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app, _ = fake_app(tmp_path)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/ask", json={"question": "boom"})
        assert r.status_code == 500
        assert r.json() == {"detail": "内部错误，请稍后再试"}
        assert "secret" not in r.text and "Traceback" not in r.text
        s = c.post("/api/ask/stream", json={"question": "boom"})
        assert s.status_code == 200
        assert parse_sse(s.text)[-1] == ("error", {"message": "内部错误，请稍后再试", "kind": "internal"})
        empty = c.post("/api/ask/stream", json={"question": " "})
        assert empty.status_code == 422 and empty.json()["detail"] == EMPTY_QUESTION_MESSAGE
    assert "secret internal detail" in caplog.text  # the trace stays in the server log


def test_concurrency_is_bounded_by_settings(tmp_path: Path) -> None:
    app, bot = fake_app(tmp_path, concurrency_limit=2, rate_limit_per_min=100)
    results: list[int] = []
    with TestClient(app) as c:

        def one(i: int) -> None:
            path = "/api/ask" if i % 2 else "/api/ask/stream"
            results.append(c.post(path, json={"question": f"问题{i}"}).status_code)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - started
    assert results == [200] * 8
    assert bot.peak == 2  # never more than concurrency_limit answers at once, across both endpoints
    assert elapsed >= 4 * bot.delay * 0.9  # 8 answers, 2 at a time


def test_runner_turns_failures_into_typed_notices(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.errors import InputError
    from bot.web.runtime import BotRunner

    class Failing(SlowBot):
        def stream(self, question: str, history: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
            yield {"type": "token", "text": "部分"}
            if "input" in question:
                raise InputError("问题不行")
            raise RuntimeError("secret internal detail")

    runner = BotRunner(Failing(web_settings(tmp_path)), 1)
    try:
        bad = list(runner.stream("input", []))
        assert [e.kind for e in bad] == ["token", "notice"]
        assert bad[-1].notice is not None and (bad[-1].notice.kind, bad[-1].notice.message) == ("input", "问题不行")
        broken = list(runner.stream("boom", []))
        assert broken[-1].notice is not None and broken[-1].notice.kind == "internal"
        assert "secret" not in broken[-1].notice.message and broken[-1].answer is None
    finally:
        runner.close()
    assert "secret internal detail" in caplog.text  # logged once, with its traceback, by the runner
