"""Choosing the chat model (bot/answer/llm.py ``model_spec``, ``build_chat_model``): provider:model the
LangChain way, a bare name for an OpenAI-compatible base URL, a clear error for a provider whose package is
missing, and the API key kept out of every repr. Nothing here opens a connection.
"""

from __future__ import annotations

import sys
from typing import Any, cast

import pytest
from pydantic import SecretStr

from bot.answer.llm import LLMAnswerer, build_chat_model, model_spec
from bot.errors import LLMError
from bot.settings import Settings

KEY = "sk-provider-test-SECRET-0123456789"
SECRET = SecretStr(KEY)
BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: the tests only build clients


def _openai(chat: object) -> Any:
    from langchain_openai import ChatOpenAI

    assert isinstance(chat, ChatOpenAI), type(chat)
    return cast(Any, chat)


def _key(chat: object) -> str:
    key = _openai(chat).openai_api_key
    assert isinstance(key, SecretStr)
    return key.get_secret_value()


@pytest.fixture(autouse=True)
def _no_llm_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the arguments below count: no BOT_LLM_* or provider keys from the environment."""
    for name in ("BOT_LLM_BASE_URL", "BOT_LLM_MODEL", "BOT_LLM_API_KEY", "BOT_LLM_TIMEOUT_S",
                 "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "DEEPSEEK_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("model", "spec"),
    [
        ("openai:gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("deepseek:deepseek-chat", ("deepseek", "deepseek-chat")),
        ("OpenAI: gpt-4o ", ("openai", "gpt-4o")),
        ("ollama:qwen2.5:7b", ("ollama", "qwen2.5:7b")),  # a tag after the model name stays the model's
        ("qwen-plus", ("openai", "qwen-plus")),  # bare: an OpenAI-compatible endpoint's model
        ("Qwen/Qwen2.5-7B-Instruct", ("openai", "Qwen/Qwen2.5-7B-Instruct")),
        ("Qwen/Qwen2.5:7b", ("openai", "Qwen/Qwen2.5:7b")),  # a '/' before ':' is a model path, not a provider
    ],
)
def test_model_spec(model: str, spec: tuple[str, str]) -> None:
    assert model_spec(Settings(llm_model=model)) == spec


def test_openai_provider_builds_chat_openai() -> None:
    settings = Settings(llm_model="openai:gpt-4o-mini", llm_api_key=SECRET, llm_timeout_s=7)
    assert model_spec(settings) == ("openai", "gpt-4o-mini")
    chat = _openai(build_chat_model(settings))
    assert chat.model_name == "gpt-4o-mini"
    assert chat.max_retries == 0
    assert chat.temperature == 0
    assert chat.openai_api_base in (None, "https://api.openai.com/v1")
    assert _key(chat) == KEY


def test_a_bare_name_with_a_base_url_is_an_openai_compatible_endpoint() -> None:
    settings = Settings(llm_model="qwen-plus", llm_base_url=BASE_URL, llm_api_key=SECRET, llm_timeout_s=5)
    chat = _openai(build_chat_model(settings))
    assert chat.openai_api_base == BASE_URL
    assert chat.model_name == "qwen-plus"
    assert chat.max_retries == 0
    assert chat.temperature == 0
    assert chat.request_timeout == 5
    assert chat.streaming is True
    assert _openai(build_chat_model(settings, streaming=False)).streaming is False
    assert _key(chat) == KEY


def test_a_local_endpoint_needs_no_key() -> None:
    chat = build_chat_model(Settings(llm_model="llama3", llm_base_url=BASE_URL))
    assert _key(chat)  # a placeholder the endpoint ignores


def test_a_provider_without_its_package_is_an_llm_error_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # whether or not langchain-deepseek happens to be installed here, import it as missing
    monkeypatch.setitem(sys.modules, "langchain_deepseek", None)
    settings = Settings(llm_model="deepseek:deepseek-chat", llm_api_key=SECRET)
    with pytest.raises(LLMError) as err:
        build_chat_model(settings)
    line = err.value.one_line()
    assert "pip install langchain-deepseek" in line
    assert "deepseek" in str(err.value)
    assert KEY not in line and "\n" not in line


def test_an_unknown_provider_is_an_llm_error() -> None:
    with pytest.raises(LLMError) as err:
        build_chat_model(Settings(llm_model="nosuchprovider:some-model", llm_api_key=SECRET))
    assert KEY not in err.value.one_line()


def test_no_model_is_an_llm_error() -> None:
    settings = Settings(llm_base_url=BASE_URL, llm_api_key=SECRET)
    assert not settings.llm_enabled
    with pytest.raises(LLMError) as err:
        build_chat_model(settings)
    assert "BOT_LLM_MODEL" in err.value.one_line()


def test_llm_enabled_when_only_a_model_is_named() -> None:
    assert Settings(llm_model="openai:gpt-4o-mini").llm_enabled
    assert Settings(llm_model="qwen-plus", llm_base_url=BASE_URL).llm_enabled
    assert not Settings().llm_enabled
    assert not Settings(llm_base_url=BASE_URL).llm_enabled
    assert not Settings(llm_model="").llm_enabled


@pytest.mark.parametrize(
    "kwargs",
    [
        {"llm_model": "openai:gpt-4o-mini"},
        {"llm_model": "qwen-plus", "llm_base_url": BASE_URL},
    ],
)
def test_the_key_never_shows_in_a_repr(kwargs: dict[str, Any]) -> None:
    settings = Settings(llm_api_key=SECRET, **kwargs)
    chat = build_chat_model(settings)
    answerer = LLMAnswerer(settings)
    shown = [repr(chat), str(chat), repr(answerer), str(answerer), repr(settings), str(settings)]
    shown.append(repr(chat.model_dump()))
    assert answerer.chat_model is not None  # built lazily: the repr after building counts too
    shown += [repr(answerer), str(answerer), repr(answerer.chat_model)]
    for text in shown:
        assert KEY not in text
        assert "SECRET" not in text
