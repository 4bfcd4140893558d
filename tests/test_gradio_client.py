"""The Gradio API works with gradio_client against the real app served by uvicorn on a free loopback port.

Endpoints (see bot/web/ui.py and docs/embedding.md):
    client.predict(question, history, api_name="/chat")  -> str   answer with [n] markers + "来源：" lines
    client.predict(question, history, api_name="/ask")   -> dict  the Answer JSON (same as POST /api/ask)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.settings import Settings
from bot.web import create_app
from bot.web.server import ServerThread

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

Q = "海创尚纬的注册资本是多少？"


@pytest.fixture(scope="module")
def server_url(corpus_bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("gradio_client")
    settings = Settings(data_dir=tmp / "data", index_dir=tmp / "index")
    server = ServerThread(create_app(corpus_bot, settings), host="127.0.0.1")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def client(server_url: str) -> Any:
    from gradio_client import Client

    return Client(server_url + "/", verbose=False, analytics_enabled=False, download_files=False)


def test_chat_endpoint_answers(client: Any) -> None:
    text = client.predict(Q, [], api_name="/chat")
    assert isinstance(text, str)
    assert "5亿元" in text
    assert "来源：" in text and "[1]" in text


def test_ask_endpoint_returns_answer_json(client: Any) -> None:
    answer = client.predict(Q, api_name="/ask")
    assert "5亿元" in answer["answer"]
    assert any("5亿元" in c["text"] for c in answer["citations"])


def test_api_is_documented_with_names(client: Any) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    assert {"/chat", "/ask"} <= set(info["named_endpoints"])
    # the UI's own events are private: not callable from clients
    assert set(info["unnamed_endpoints"]) == set()


def test_bad_input_is_a_polite_error(client: Any) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="请输入您的问题"):
        client.predict("   ", api_name="/chat")
