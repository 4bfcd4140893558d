"""LLM answering over real loopback HTTP (ScriptedOpenAIServer) + the citation validator's unit tests."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Generator
from typing import cast

import pytest

from bot.answer.citations import (
    bigram_overlap,
    bigrams,
    extract_numbers,
    split_sentences,
    strip_markers,
    validate_citations,
)
from bot.answer.llm import FALLBACK_NOTICE, LLMAnswerer, build_chat_model, leaks_prompt
from bot.answer.prompts import DATA_BEGIN, DATA_END, REFUSAL_TEXT, SYSTEM_PROMPT, build_answer_messages
from bot.errors import LLMError
from bot.schema import Answer, Citation, Passage, citation_for
from bot.testing.fake_openai import Reply, ScriptedOpenAIServer, unused_port

pytestmark = pytest.mark.timeout(20)

KEY = "sk-test-SECRET-key-0123456789"

P1 = Passage(
    id="intro.md#0:0",
    title="乐山高新区简介",
    source="intro.md",
    date="2024-03-01",
    text="乐山高新区成立于2012年，是四川省首批国家级高新区之一。园区现有规模以上工业企业120余家。",
)
P2 = Passage(
    id="economy.md#0:0",
    title="2023年经济运行情况",
    source="economy.md",
    date="2024-01-15",
    text="2023年，乐山高新区实现地区生产总值185.6亿元，同比增长8.5%。全年新签约项目32个，协议投资额达210亿元。",
)
P3 = Passage(
    id="company.md#0:0",
    title="企业风采",
    source="company.md",
    text="海创尚纬新材料公司注册资本为5000万元，主要生产光伏电池材料。公司位于乐山高新区。",
)
PASSAGES = [P1, P2, P3]


def _fallback(question: str = "乐山高新区是哪一年成立的？") -> Answer:
    cite = citation_for(P1, 1, (0, 26))
    return Answer(
        question=question,
        answer="乐山高新区成立于2012年，是四川省首批国家级高新区之一[1]。",
        citations=[cite],
        retrieved=PASSAGES,
        timings_ms={"retrieve": 1.0},
        search_query=question,
    )


@pytest.fixture
def llm_settings(settings_factory):
    def make(base_url: str, timeout: float = 5.0, **kw):
        return settings_factory(
            llm_base_url=base_url, llm_model="scripted-model", llm_api_key=KEY, llm_timeout_s=timeout, **kw
        )

    return make


def _run(llm: LLMAnswerer, question: str = "乐山高新区是哪一年成立的？") -> tuple[list[str], Answer]:
    deltas: list[str] = []
    final: Answer | None = None
    for item in llm.stream_answer(question, PASSAGES, _fallback(question)):
        assert final is None, "nothing may follow the final Answer"
        if isinstance(item, Answer):
            final = item
        else:
            assert isinstance(item, str)
            deltas.append(item)
    assert final is not None
    return deltas, final


def _assert_fallback(answer: Answer) -> None:
    fb = _fallback()
    assert answer.mode == "llm-fallback"
    assert answer.notice == FALLBACK_NOTICE
    assert answer.answer == fb.answer
    assert answer.citations == fb.citations
    assert answer.retrieved == PASSAGES
    assert not answer.refused
    assert "llm" in answer.timings_ms and answer.timings_ms["retrieve"] == 1.0


# -- the happy paths ------------------------------------------------------------------------------------


def test_non_stream_answer_with_valid_markers(llm_settings):
    with ScriptedOpenAIServer(["乐山高新区成立于2012年[1]。"]) as srv:
        settings = llm_settings(srv.base_url)
        llm = LLMAnswerer(settings, chat_model=build_chat_model(settings, streaming=False))
        answer = llm.answer("乐山高新区是哪一年成立的？", PASSAGES, _fallback())
    req = srv.chat_requests[0]
    assert req.stream is False
    assert req.body is not None and req.body["model"] == "scripted-model" and req.body["temperature"] == 0
    assert answer.mode == "llm" and not answer.refused and answer.notice is None
    assert answer.answer == "乐山高新区成立于2012年[1]。"
    assert [c.n for c in answer.citations] == [1]
    c = answer.citations[0]
    assert (c.passage_id, c.title, c.file, c.date, c.text) == (P1.id, P1.title, P1.source, P1.date, P1.text)
    assert P1.text[c.span[0] : c.span[1]] == "乐山高新区成立于2012年，是四川省首批国家级高新区之一。"
    assert answer.retrieved == PASSAGES
    assert answer.question == "乐山高新区是哪一年成立的？" and answer.search_query == answer.question
    assert answer.timings_ms["llm"] >= 0 and answer.timings_ms["retrieve"] == 1.0


def test_streaming_tokens_arrive_incrementally(llm_settings):
    text = "2023年乐山高新区地区生产总值185.6亿元[2]。园区成立于2012年[1]。"
    with ScriptedOpenAIServer([Reply(text, per_token_delay_s=0.03)]) as srv:
        llm = LLMAnswerer(llm_settings(srv.base_url))
        stamps: list[tuple[float, str | Answer]] = []
        t0 = time.monotonic()
        for item in llm.stream_answer("园区经济情况如何？", PASSAGES, _fallback("园区经济情况如何？")):
            stamps.append((time.monotonic() - t0, item))
    assert srv.chat_requests[0].stream is True
    deltas = [(t, x) for t, x in stamps if isinstance(x, str)]
    final_t, final = stamps[-1]
    assert isinstance(final, Answer) and all(isinstance(x, str) for _, x in stamps[:-1])
    assert len(deltas) >= 5
    assert "".join(x for _, x in deltas) == text  # markers included, nothing lost
    assert final_t - deltas[0][0] > 0.3  # the first delta came long before the end
    assert final.mode == "llm"
    assert final.answer == "2023年乐山高新区地区生产总值185.6亿元[1]。园区成立于2012年[2]。"
    assert [c.passage_id for c in final.citations] == [P2.id, P1.id]  # renumbered by first appearance


def test_answer_consumes_the_stream(llm_settings):
    with ScriptedOpenAIServer(["海创尚纬新材料公司注册资本为5000万元[3]。"]) as srv:
        answer = LLMAnswerer(llm_settings(srv.base_url)).answer("海创尚纬注册资本？", PASSAGES, _fallback())
    assert answer.answer == "海创尚纬新材料公司注册资本为5000万元[1]。"
    assert answer.citations[0].passage_id == P3.id


# -- failures fall back to the extractive answer --------------------------------------------------------


def test_timeout_before_first_byte_falls_back_within_budget(llm_settings):
    with ScriptedOpenAIServer([Reply("乐山高新区成立于2012年[1]。", delay_s=10)]) as srv:
        llm = LLMAnswerer(llm_settings(srv.base_url, timeout=1))
        t0 = time.monotonic()
        deltas, answer = _run(llm)
        elapsed = time.monotonic() - t0
    assert elapsed < 2.5
    assert deltas == []
    _assert_fallback(answer)
    assert 900 <= answer.timings_ms["llm"] < 2500


def test_stalled_stream_counts_against_the_total_budget(llm_settings):
    # every gap is shorter than the client's read timeout, but the whole answer would take ~4 s
    text = "园区现有规模以上工业企业120余家，是四川省首批国家级高新区之一[1]。"
    with ScriptedOpenAIServer([Reply(text, per_token_delay_s=0.25)]) as srv:
        llm = LLMAnswerer(llm_settings(srv.base_url, timeout=1))
        t0 = time.monotonic()
        deltas, answer = _run(llm)
        elapsed = time.monotonic() - t0
    assert elapsed < 2.0
    assert deltas, "some text was streamed before the budget ran out"
    _assert_fallback(answer)  # the final answer replaces the partial deltas


@pytest.mark.parametrize("status", [500, 429, 401])
def test_http_error_falls_back(llm_settings, status):
    with ScriptedOpenAIServer([Reply(status=status, error_message="boom")]) as srv:
        deltas, answer = _run(LLMAnswerer(llm_settings(srv.base_url)))
    assert len(srv.chat_requests) == 1  # max_retries=0
    assert deltas == []
    _assert_fallback(answer)


def test_connection_refused_falls_back(llm_settings):
    llm = LLMAnswerer(llm_settings(f"http://127.0.0.1:{unused_port()}/v1"))
    t0 = time.monotonic()
    _, answer = _run(llm)
    assert time.monotonic() - t0 < 3
    _assert_fallback(answer)


@pytest.mark.parametrize("streaming", [True, False])
def test_malformed_body_falls_back(llm_settings, streaming):
    with ScriptedOpenAIServer([Reply(malformed=True)]) as srv:
        settings = llm_settings(srv.base_url)
        llm = LLMAnswerer(settings, chat_model=build_chat_model(settings, streaming=streaming))
        _, answer = _run(llm)
    _assert_fallback(answer)


def test_empty_model_output_falls_back(llm_settings):
    with ScriptedOpenAIServer([Reply("")]) as srv:
        _, answer = _run(LLMAnswerer(llm_settings(srv.base_url)))
    _assert_fallback(answer)


def test_consumer_may_stop_early_without_hanging(llm_settings):
    with ScriptedOpenAIServer([Reply("乐山高新区成立于2012年[1]。" * 5, per_token_delay_s=0.05)]) as srv:
        gen = cast(
            Generator[str | Answer, None, None],
            LLMAnswerer(llm_settings(srv.base_url)).stream_answer("q", PASSAGES, _fallback()),
        )
        first = next(gen)
        gen.close()
    assert isinstance(first, str)


# -- validation of what the model wrote -----------------------------------------------------------------


def test_out_of_range_and_missing_markers_are_repaired_or_dropped(llm_settings):
    text = (
        "乐山高新区成立于2012年[9]。"  # [9] with 3 passages: repaired by overlap with passage 1
        "园区现有规模以上工业企业120余家。"  # no marker, verbatim from passage 1: repaired
        "园区环境优美，交通便利[7]。"  # no valid marker and no support: dropped
        "协议投资额达210亿元[2]。"
    )
    with ScriptedOpenAIServer([text]) as srv:
        _, answer = _run(LLMAnswerer(llm_settings(srv.base_url)))
    assert answer.mode == "llm" and not answer.refused
    assert (
        answer.answer
        == "乐山高新区成立于2012年[1]。园区现有规模以上工业企业120余家[1]。协议投资额达210亿元[2]。"
    )
    assert [c.passage_id for c in answer.citations] == [P1.id, P2.id]
    assert "交通便利" not in answer.answer


def test_number_not_in_cited_passage_is_repaired_or_dropped(llm_settings):
    text = (
        "乐山高新区地区生产总值185.6亿元[1]。"  # number is in passage 2, not 1: re-cited to 2
        "全年新签约项目45个[2]。"  # 45 appears nowhere: dropped
        "乐山高新区成立于2012年[1]。"
    )
    with ScriptedOpenAIServer([text]) as srv:
        _, answer = _run(LLMAnswerer(llm_settings(srv.base_url)))
    assert answer.answer == "乐山高新区地区生产总值185.6亿元[1]。乐山高新区成立于2012年[2]。"
    assert [c.passage_id for c in answer.citations] == [P2.id, P1.id]
    assert "45" not in answer.answer


def test_model_refusal_gives_refused_answer_with_passages_kept(llm_settings):
    with ScriptedOpenAIServer([REFUSAL_TEXT]) as srv:
        _, answer = _run(LLMAnswerer(llm_settings(srv.base_url)))
    assert answer.refused and answer.mode == "llm"
    assert answer.answer == REFUSAL_TEXT
    assert answer.citations == []
    assert answer.retrieved == PASSAGES
    assert answer.notice is None


def test_nothing_surviving_validation_is_a_refusal(llm_settings):
    with ScriptedOpenAIServer(["园区环境优美，交通便利。"]) as srv:
        _, answer = _run(LLMAnswerer(llm_settings(srv.base_url)))
    assert answer.refused and answer.answer == REFUSAL_TEXT and answer.mode == "llm"


def test_no_passages_refuses_without_calling_the_model(llm_settings):
    with ScriptedOpenAIServer(["乐山高新区成立于2012年[1]。"]) as srv:
        answer = LLMAnswerer(llm_settings(srv.base_url)).answer("q", [], _fallback())
    assert answer.refused and srv.chat_requests == []


# -- condense -------------------------------------------------------------------------------------------


def test_condense_sends_history_and_returns_standalone_question(llm_settings):
    history = ["海创尚纬是做什么的？", "它在哪里？"]
    with ScriptedOpenAIServer(["独立问题：“海创尚纬的注册资本是多少？”"]) as srv:
        out = LLMAnswerer(llm_settings(srv.base_url)).condense("它的注册资本是多少？", history)
    assert out == "海创尚纬的注册资本是多少？"
    req = srv.chat_requests[0]
    assert req.stream is False
    system, user = req.messages
    assert system["role"] == "system" and user["role"] == "user"
    for h in history:
        assert h in user["content"]
    assert user["content"].index(history[0]) < user["content"].index(history[1])
    assert user["content"].index(history[1]) < user["content"].index("它的注册资本是多少？")


def test_condense_without_history_makes_no_call(llm_settings):
    with ScriptedOpenAIServer([]) as srv:
        assert LLMAnswerer(llm_settings(srv.base_url)).condense("园区GDP多少？", []) == "园区GDP多少？"
    assert srv.requests == []


@pytest.mark.parametrize(
    "reply",
    [Reply(status=500), Reply("", delay_s=10), Reply("   "), Reply(malformed=True)],
    ids=["http-500", "timeout", "blank", "malformed"],
)
def test_condense_failures_raise_llm_error(llm_settings, reply):
    with ScriptedOpenAIServer([reply]) as srv:
        llm = LLMAnswerer(llm_settings(srv.base_url, timeout=1))
        t0 = time.monotonic()
        with pytest.raises(LLMError):
            llm.condense("它的注册资本是多少？", ["海创尚纬是做什么的？"])
        assert time.monotonic() - t0 < 2.5


def test_condense_connection_refused_raises_llm_error(llm_settings):
    llm = LLMAnswerer(llm_settings(f"http://127.0.0.1:{unused_port()}/v1"))
    with pytest.raises(LLMError):
        llm.condense("它在哪？", ["海创尚纬是做什么的？"])


# -- secrets --------------------------------------------------------------------------------------------


def test_api_key_never_appears_in_answers_or_logs(llm_settings, caplog):
    caplog.set_level(logging.DEBUG)
    script: list[Reply | str] = [
        "乐山高新区成立于2012年[1]。",
        Reply(status=401, error_message=f"invalid api key {KEY}"),  # even if the server echoes it
        REFUSAL_TEXT,
        Reply(malformed=True),
    ]
    with ScriptedOpenAIServer(script) as srv:
        llm = LLMAnswerer(llm_settings(srv.base_url))
        answers = [_run(llm)[1] for _ in script]
    assert [a.mode for a in answers] == ["llm", "llm-fallback", "llm", "llm-fallback"]
    # the key was really sent to the endpoint...
    auth = {k.lower(): v for k, v in srv.chat_requests[0].headers.items()}["authorization"]
    assert auth == f"Bearer {KEY}"
    # ...and is nowhere else
    for a in answers:
        assert KEY not in a.model_dump_json()
        assert KEY not in json.dumps(a.model_dump(mode="json"), ensure_ascii=False)
    assert KEY not in caplog.text
    assert KEY not in repr(llm)


def test_missing_api_key_sends_placeholder(settings_factory):
    with ScriptedOpenAIServer(["乐山高新区成立于2012年[1]。"]) as srv:
        settings = settings_factory(llm_base_url=srv.base_url, llm_model="m", llm_api_key=None)
        answer = LLMAnswerer(settings).answer("q", PASSAGES, _fallback())
    assert answer.mode == "llm"
    headers = {k.lower(): v for k, v in srv.chat_requests[0].headers.items()}
    assert headers["authorization"] == "Bearer not-needed"


def test_build_chat_model_requires_configuration(settings_factory):
    with pytest.raises(LLMError):
        build_chat_model(settings_factory(llm_base_url=None, llm_model=None))


def test_unconfigured_answerer_falls_back_instead_of_raising(settings_factory):
    llm = LLMAnswerer(settings_factory(llm_base_url=None, llm_model=None))
    _assert_fallback(llm.answer("q", PASSAGES, _fallback()))
    with pytest.raises(LLMError):
        llm.condense("它呢？", ["海创尚纬是做什么的？"])


def test_no_work_at_construction(settings_factory):
    llm = LLMAnswerer(settings_factory(llm_base_url="http://127.0.0.1:9/v1", llm_model="m"))
    assert llm._chat_model is None


# -- the scripted server itself -------------------------------------------------------------------------


def test_scripted_server_models_callable_script_and_shutdown():
    import httpx

    seen: list[dict] = []

    def script(body: dict) -> Reply | str:
        seen.append(body)
        return "echo:" + body["messages"][-1]["content"]

    with ScriptedOpenAIServer(script, model="m1") as srv:
        base = srv.base_url
        models = httpx.get(f"{base}/models", timeout=5).json()
        assert models["data"][0]["id"] == "m1"
        r = httpx.post(
            f"{base}/chat/completions", json={"model": "m1", "messages": [{"role": "user", "content": "hi"}]}
        )
        assert r.json()["choices"][0]["message"]["content"] == "echo:hi"
        body = {"model": "m1", "stream": True, "messages": [{"role": "user", "content": "ab"}]}
        with httpx.stream("POST", f"{base}/chat/completions", json=body, timeout=5) as resp:
            lines = [ln for ln in resp.iter_lines() if ln.startswith("data: ")]
        assert lines[-1] == "data: [DONE]"
        chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
        assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "echo:ab"
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        assert len(srv.chat_requests) == 2 and srv.last_messages[-1]["content"] == "ab"
    assert len(seen) == 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/models", timeout=2)


def test_scripted_server_exhausted_script_answers_500_and_close_interrupts_delays():
    import httpx

    with ScriptedOpenAIServer([]) as srv:
        r = httpx.post(f"{srv.base_url}/chat/completions", json={"messages": []}, timeout=5)
        assert r.status_code == 500 and "exhausted" in r.json()["error"]["message"]
    t0 = time.monotonic()
    with ScriptedOpenAIServer([Reply("x", delay_s=30)]) as srv:
        import threading

        th = threading.Thread(
            target=lambda: _ignore(
                lambda: httpx.post(f"{srv.base_url}/chat/completions", json={}, timeout=10)
            )
        )
        th.start()
        time.sleep(0.2)
    th.join(5)
    assert time.monotonic() - t0 < 5 and not th.is_alive()


def _ignore(fn) -> None:
    with contextlib.suppress(Exception):
        fn()


# -- validate_citations and helpers (pure) --------------------------------------------------------------


def _v(text: str, passages: list[Passage] | None = None) -> tuple[str, list[Citation]]:
    return validate_citations(text, PASSAGES if passages is None else passages)


def test_valid_markers_kept_and_renumbered_by_first_appearance():
    text, cits = _v("新签约项目32个[2]。乐山高新区成立于2012年[1]。协议投资额达210亿元[2]。")
    assert text == "新签约项目32个[1]。乐山高新区成立于2012年[2]。协议投资额达210亿元[1]。"
    assert [(c.n, c.passage_id) for c in cits] == [(1, P2.id), (2, P1.id)]


def test_full_width_and_lenticular_markers_and_lists():
    text, cits = _v("乐山高新区成立于2012年［1］。新签约项目32个【2】。注册资本为5000万元[3,1]。")
    # [3,1]: both point to existing passages and 5000万元 is in passage 3, so both stay (no repair needed)
    assert text == "乐山高新区成立于2012年[1]。新签约项目32个[2]。注册资本为5000万元[3][1]。"
    assert [c.passage_id for c in cits] == [P1.id, P2.id, P3.id]


def test_marker_after_end_mark_belongs_to_previous_sentence():
    text, _ = _v("乐山高新区成立于2012年。[1]新签约项目32个。[2]")
    assert text == "乐山高新区成立于2012年[1]。新签约项目32个[2]。"


def test_duplicate_and_inline_markers_collapse_to_sentence_end():
    text, cits = _v("乐山高新区成立于2012年[1][1]，现有企业120余家[1]。")
    assert text == "乐山高新区成立于2012年，现有企业120余家[1]。"
    assert len(cits) == 1


def test_out_of_range_marker_dropped_sentence_without_support_dropped():
    text, cits = _v("园区风景很好，适合旅游[4]。新签约项目32个[0]。")
    assert text == "新签约项目32个[1]。"  # [0] invalid; overlap repair finds passage 2
    assert cits[0].passage_id == P2.id


def test_markerless_sentence_low_overlap_dropped_high_overlap_repaired():
    assert _v("乐山是一座历史文化名城。") == ("", [])
    text, cits = _v("海创尚纬新材料公司主要生产光伏电池材料。")
    assert text == "海创尚纬新材料公司主要生产光伏电池材料[1]。"
    assert cits[0].passage_id == P3.id


def test_numbers_must_appear_in_a_cited_passage():
    # wrong number → dropped even though the marker is valid
    assert _v("乐山高新区成立于2015年[1]。")[0] == ""
    # same digits, different magnitude or unit → not the same number
    assert _v("协议投资额达210万元[2]。")[0] == ""
    assert _v("新签约项目32家[2]。")[0] == ""
    assert _v("同比增长8.5亿元[2]。")[0] == ""
    # qualifiers (余/多) and thousands separators / full-width digits do not matter
    assert _v("园区有规模以上工业企业120家[1]。")[0] == "园区有规模以上工业企业120家[1]。"
    assert _v("注册资本为５,000万元[3]。")[0] == "注册资本为５,000万元[1]。"
    assert _v("同比增长8.5％[2]。")[0] == "同比增长8.5％[1]。"


def test_number_repair_replaces_a_wrong_citation():
    text, cits = _v("协议投资额达210亿元[3]。")
    assert text == "协议投资额达210亿元[1]。"
    assert [c.passage_id for c in cits] == [P2.id]


def test_number_repair_keeps_a_citation_that_backs_another_number():
    text, cits = _v("乐山高新区成立于2012年，新签约项目32个[1]。")
    assert text == "乐山高新区成立于2012年，新签约项目32个[1][2]。"
    assert [c.passage_id for c in cits] == [P1.id, P2.id]


def test_numbers_from_title_and_date_count():
    text, _ = _v("这是2023年经济运行情况[2]。")
    assert text == "这是2023年经济运行情况[1]。"


def test_citation_span_points_at_best_matching_passage_sentence():
    _, cits = _v("全年新签约项目32个[2]。")
    c = cits[0]
    assert P2.text[c.span[0] : c.span[1]] == "全年新签约项目32个，协议投资额达210亿元。"
    _, cits = _v("地区生产总值185.6亿元[2]。新签约项目32个[2]。")
    assert len(cits) == 1 and cits[0].text == P2.text
    assert P2.text[cits[0].span[0] : cits[0].span[1]] in {
        "2023年，乐山高新区实现地区生产总值185.6亿元，同比增长8.5%。",
        "全年新签约项目32个，协议投资额达210亿元。",
    }


def test_english_sentences_and_newlines():
    text, cits = _v("The zone was founded in 2012 [1]. It signed 32 projects [2].\nUnrelated claim.")
    assert text == "The zone was founded in 2012[1]. It signed 32 projects[2]."
    assert len(cits) == 2
    text, _ = _v("乐山高新区成立于2012年[1]\n新签约项目32个[2]")
    assert text == "乐山高新区成立于2012年[1]\n新签约项目32个[2]"


def test_empty_and_punctuation_only_input():
    assert _v("") == ("", [])
    assert _v("。[1]！") == ("", [])
    assert _v("乐山高新区成立于2012年[1]。", passages=[]) == ("", [])


def test_helpers():
    assert strip_markers("a[1]b［2］c【3】d[1, 2]") == "abcd"
    assert bigrams("乐山,高新[1]") == {"乐山", "山高", "高新"}
    assert bigram_overlap("乐山高新", "乐山高") == pytest.approx(2 / 3)
    assert bigram_overlap("。", "乐山") == 0.0
    nums = [str(n) for n in extract_numbers("增长１２％，投资2,000万元，5万吨，2023年5月，3.5亿")]
    assert nums == ["12%", "2000万元", "5万吨", "2023年", "5月", "3.5亿"]
    text = "第一句。第二句！[1]  第三句\n第四句"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["第一句。", "第二句！[1]", "第三句", "第四句"]


def test_leak_detection_helper():
    assert leaks_prompt("好的：" + SYSTEM_PROMPT[40:80], SYSTEM_PROMPT)
    assert leaks_prompt(" ".join(SYSTEM_PROMPT[100:140]), SYSTEM_PROMPT)  # whitespace does not hide it
    assert not leaks_prompt(SYSTEM_PROMPT[40:69], SYSTEM_PROMPT)
    assert not leaks_prompt("乐山高新区成立于2012年[1]。", SYSTEM_PROMPT)


def test_answer_messages_shape():
    messages = build_answer_messages("问题？", PASSAGES)
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    data = user[user.index(DATA_BEGIN) : user.index(DATA_END)]
    for i, p in enumerate(PASSAGES, 1):
        assert f"[{i}] 标题：{p.title}" in data and p.text in data
    assert "日期：2024-03-01" in data
