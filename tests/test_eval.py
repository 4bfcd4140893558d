"""Evaluation: dataset validation, metrics on hand-made answers, reports, CLI, and agreement with the
independent scorer (scripts/score_report.py) on a real run over the bundled corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.errors import InputError
from bot.evaluate.compare import compare_reports, render_compare
from bot.evaluate.dataset import DatasetError, check_quotes, load_items
from bot.evaluate.metrics import (
    NUMBER_RE,
    evidence_in_window,
    first_rank,
    key_facts,
    percentile,
    ungrounded_facts,
)
from bot.evaluate.ragas_export import ragas_rows
from bot.evaluate.report_html import render_html
from bot.evaluate.runner import check_thresholds, parse_thresholds, run_eval
from bot.schema import Answer, Citation, Passage
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "evals" / "dev.jsonl"
SCORER = REPO / "scripts" / "score_report.py"

QUOTE = "2023年,该区“一区五园”营业收入1780亿元,增长7.9%"
FILLER = "乐山高新区持续优化营商环境。"


def P(text: str, i: int = 0) -> Passage:
    return Passage(id=f"p{i}", text=text, source="000.txt", title="t", score=1.0 / (i + 1))


def C(n: int, text: str) -> Citation:
    return Citation(n=n, title="t", source="000.txt", text=text, span=(0, len(text)))


class FakeBot:
    """Answers from a dict question → Answer; records the history it was given."""

    def __init__(self, answers: dict[str, Answer], k: int = 3) -> None:
        self.settings = Settings(k=k, embedder="hash", llm_api_key="sk-secret")
        self.answers = answers
        self.histories: dict[str, list[str]] = {}

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer:
        self.histories[question] = list(history or [])
        if question == "boom":
            raise InputError("问题太长")
        return self.answers[question]

    def info(self) -> dict[str, Any]:
        return {"chunks": 3}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# ---------------------------------------------------------------- dataset


def test_dev_set_is_valid_and_quotes_are_in_corpus() -> None:
    items = load_items(DEV)
    assert len(items) == 38
    assert {i.type for i in items} >= {"fact_number", "unanswerable", "out_of_scope", "follow_up"}
    assert all(i.history for i in items if i.type == "follow_up")
    assert check_quotes(items, REPO / "corpus") == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"id": "a", "type": "fact_number"}', "'question' is required"),
        ('{"id": "a", "type": "nope", "question": "q", "must_include": ["x"]}', "unknown type 'nope'"),
        ('{"id": "a", "type": "unanswerable", "question": "q", "must_include": ["x"]}', "must be refused"),
        ('{"id": "a", "type": "fact_number", "question": "q", "must_include": "x"}', "must_include"),
        ('{"id": "a", "type": "follow_up", "question": "q", "must_include": ["x"]}', "needs 'history'"),
        ('{"id": "a", "type": "list", "question": "q", "evidence": [{"doc": "d"}]}', "evidence[0]"),
        ('{"id": "a", "type": "list", "question": "q", "must_include": ["x"], "colour": {"r": 1}}', "extra field"),
    ],
)
def test_dataset_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "qs.jsonl"
    f.write_text(
        '{"id": "ok", "type": "fact_number", "question": "q", "must_include": ["x"]}\n\n' + line + "\n"
    )
    with pytest.raises(DatasetError) as exc:
        load_items(f)
    assert str(exc.value).startswith("qs.jsonl:3: ")
    assert message in str(exc.value)


def test_dataset_duplicate_ids_and_empty_file(tmp_path: Path) -> None:
    row = {"id": "a", "type": "fact_number", "question": "q", "must_include": ["x"]}
    with pytest.raises(DatasetError, match=r"qs.jsonl:2: duplicate id 'a' \(first on line 1\)"):
        load_items(write_jsonl(tmp_path / "qs.jsonl", [row, row]))
    (tmp_path / "empty.jsonl").write_text("# only a comment\n")
    with pytest.raises(DatasetError, match="no questions"):
        load_items(tmp_path / "empty.jsonl")
    with pytest.raises(DatasetError, match="no such question file"):
        load_items(tmp_path / "missing.jsonl")


# ---------------------------------------------------------------- metric functions


def test_ranks_windows_and_percentiles() -> None:
    texts = [FILLER, "前文。" + QUOTE.replace(",", ", ") + "。后文", QUOTE]
    assert first_rank([QUOTE], texts) == 2  # whitespace inside the passage is ignored
    assert first_rank(["不存在的引文"], texts) is None
    assert first_rank([QUOTE], [FILLER] * 10 + [QUOTE]) is None  # beyond depth 10
    assert evidence_in_window([QUOTE], [FILLER * 10, QUOTE])
    assert not evidence_in_window([QUOTE], ["填" * 1190, QUOTE])  # starts inside, ends outside 1200
    assert evidence_in_window([QUOTE[:5]], ["填" * 1190, QUOTE])
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([], 50) is None


def test_key_facts_and_grounding() -> None:
    assert NUMBER_RE.findall("营收1780亿元,增长7.9%,约500人,5.5万吨,50多名,2024年12月19日,第一") == [
        "1780亿元",
        "7.9%",
        "500人",
        "5.5万吨",
        "50多名",
        "2024年",
        "12月",
        "19日",
    ]
    assert key_facts("直管区聚集高新技术企业41家。", ["高新技术企业"]) == ["高新技术企业", "41家"]
    assert ungrounded_facts("营收1780亿元,增长8.9%。", [], [QUOTE]) == ["8.9%"]
    assert ungrounded_facts("营收1780亿元,增长7.9%。", [], [FILLER, QUOTE]) == []
    assert ungrounded_facts("营收1780亿元。", [], []) == ["1780亿元"]


# ---------------------------------------------------------------- items scored through the runner

ITEMS = [
    {
        "id": "ok",
        "type": "fact_number",
        "question": "营收多少",
        "answer": "1780亿元",
        "must_include": ["1780亿元"],
        "evidence": [{"doc": "000.txt", "quote": QUOTE}],
    },
    {
        "id": "falseref",
        "type": "fact_number",
        "question": "增长多少",
        "must_include": ["7.9%"],
        "evidence": [{"doc": "000.txt", "quote": QUOTE}],
    },
    {
        "id": "missing",
        "type": "list",
        "question": "哪些",
        "must_include": ["1780亿元", "41家"],
        "evidence": [{"doc": "000.txt", "quote": "根本没检索到的引文"}],
    },
    {"id": "ungrounded", "type": "fact_number", "question": "利润", "must_include": ["2亿元"]},
    {"id": "refused", "type": "unanswerable", "question": "GDP总量"},
    {"id": "answered", "type": "out_of_scope", "question": "天气"},
    {
        "id": "fu",
        "type": "follow_up",
        "question": "它呢",
        "history": ["先前的问题"],
        "must_include": ["7.9%"],
        "evidence": [{"doc": "000.txt", "quote": QUOTE}],
    },
    {"id": "err", "type": "fact_entity", "question": "boom", "must_include": ["x"]},
]


def fake_answers() -> dict[str, Answer]:
    return {
        "营收多少": Answer(
            question="q",
            answer="营收 1780亿元[1]。",
            citations=[C(1, QUOTE), C(2, FILLER)],
            retrieved=[P(FILLER, 0), P(QUOTE, 1), P(FILLER, 2)],
        ),
        "增长多少": Answer(
            question="q", answer="抱歉,资料中没有找到。", refused=True, retrieved=[P(QUOTE, 0)]
        ),
        "哪些": Answer(question="q", answer="1780亿元[1]", citations=[C(1, QUOTE)], retrieved=[P(FILLER, 0)]),
        "利润": Answer(question="q", answer="利润2亿元,缴税3亿元[1]", citations=[C(1, "销售利润约2亿元")]),
        "GDP总量": Answer(question="q", answer="抱歉", refused=True),
        "天气": Answer(question="q", answer="明天晴,降雨概率30%[1]", citations=[C(1, FILLER)]),
        "它呢": Answer(
            question="q",
            answer="增长7.9%[1]",
            citations=[C(1, QUOTE)],
            retrieved=[P(FILLER, i) for i in range(3)] + [P(QUOTE, 3)],
        ),
    }


@pytest.fixture
def fake_report(tmp_path: Path) -> tuple[dict[str, Any], Path, FakeBot]:
    qs = write_jsonl(tmp_path / "qs.jsonl", ITEMS)
    bot = FakeBot(fake_answers(), k=3)
    report = run_eval(bot, load_items(qs), questions_path=qs)
    return report, qs, bot


def test_checks_on_hand_made_answers(fake_report: tuple[dict[str, Any], Path, FakeBot]) -> None:
    report, _, bot = fake_report
    it = {i["id"]: i for i in report["items"]}
    assert (
        it["ok"]["pass"]
        and it["ok"]["checks"]["rank"] == 2
        and it["ok"]["checks"]["citation_precision"] == 0.5
    )
    assert it["ok"]["checks"]["grounded"] is True
    assert not it["falseref"]["pass"] and it["falseref"]["checks"]["false_refusal"] is True
    assert "refused an answerable question" in it["falseref"]["why"]
    assert it["falseref"]["checks"]["grounded"] is None  # refusals are not scored for groundedness
    assert it["missing"]["checks"]["missing"] == ["41家"] and "'41家'" in it["missing"]["why"]
    assert it["missing"]["checks"]["hit_at_k"] is False and it["missing"]["checks"]["reciprocal_rank"] == 0.0
    assert it["ungrounded"]["pass"] and it["ungrounded"]["checks"]["ungrounded"] == ["3亿元"]
    assert it["ungrounded"]["checks"]["hit_at_k"] is None  # no evidence → no retrieval metrics
    assert it["refused"]["pass"] and it["refused"]["checks"]["refusal"] is True
    assert not it["answered"]["pass"] and "must be refused" in it["answered"]["why"]
    assert it["fu"]["checks"]["rank"] == 4 and it["fu"]["checks"]["hit_at_k"] is False  # k=3
    assert bot.histories["它呢"] == ["先前的问题"]
    assert not it["err"]["pass"] and "InputError" in it["err"]["checks"]["error"]

    s = report["summary"]
    assert s["n_items"] == 8 and s["n_answerable"] == 6 and s["n_refuse"] == 2
    assert s["refusal_acc"] == 0.5
    assert s["false_refusal_rate"] == pytest.approx(1 / 6)
    assert s["key_fact_acc"] == pytest.approx(3 / 6)  # ok, ungrounded, fu
    assert s["hit_at_k"] == pytest.approx(2 / 4)  # ok, falseref hit; missing, fu miss
    assert s["mrr_at_10"] == pytest.approx((0.5 + 1 + 0 + 0.25) / 4)
    assert s["groundedness"] == pytest.approx(3 / 5)  # ok, missing, fu grounded; ungrounded, answered not
    # a citation holding a must_include string counts as precise
    assert s["citation_precision"] == pytest.approx((0.5 + 1 + 1 + 1) / 4)
    assert s["errors"] == 1
    assert report["by_type"]["unanswerable"]["refusal_acc"] == 1.0
    assert report["by_type"]["out_of_scope"]["refusal_acc"] == 0.0
    assert "llm_api_key" not in report["config"]["settings"]
    assert "sk-secret" not in json.dumps(report)
    assert len(report["config"]["questions_sha256"]) == 64


def run_scorer(qs: Path, report: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    rp = tmp_path / "report.json"
    rp.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(SCORER), str(qs), str(rp), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def assert_same(summary: dict[str, Any], independent: dict[str, Any]) -> None:
    for name in (
        "key_fact_acc",
        "refusal_acc",
        "false_refusal_rate",
        "hit_at_k",
        "mrr_at_10",
        "evidence_in_1200",
    ):
        assert independent[name] == pytest.approx(summary[name]), name


def test_independent_scorer_agrees_on_fake_run(
    fake_report: tuple[dict[str, Any], Path, FakeBot], tmp_path: Path
) -> None:
    report, qs, _ = fake_report
    assert_same(report["summary"], run_scorer(qs, report, tmp_path))
    # a tampered summary is caught by --check
    report["summary"]["hit_at_k"] = 0.99
    rp = tmp_path / "bad.json"
    rp.write_text(json.dumps(report), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(SCORER), str(qs), str(rp), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "hit_at_k" in json.loads(proc.stdout)["mismatches"]


def test_html_compare_ragas_and_thresholds(fake_report: tuple[dict[str, Any], Path, FakeBot]) -> None:
    report, _, _ = fake_report
    report["items"][5]["answer"] = "<script>alert(1)</script>&"
    page = render_html(report)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert page.count("<svg") >= 2 and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "answer lacks must_include" in page and "GDP总量" not in page  # only failing items are listed

    b = json.loads(json.dumps(report))
    b["items"][0]["pass"] = False
    b["items"][1]["pass"] = True
    b["summary"]["key_fact_acc"] = 0.75
    diff = compare_reports(report, b)
    assert [x["id"] for x in diff["pass_to_fail"]] == ["ok"] and diff["fail_to_pass"] == ["falseref"]
    assert diff["metrics"]["key_fact_acc"]["delta"] == pytest.approx(0.25)
    assert "pass → fail (1)" in render_compare(diff)

    rows = ragas_rows(report)
    assert set(rows[0]) == {"question", "answer", "contexts", "ground_truth"}
    assert rows[0]["contexts"][1] == QUOTE and rows[0]["ground_truth"] == "1780亿元"

    th = parse_thresholds(["key_fact_acc=0.9", "false_refusal_rate=0.1", "refusal_acc=0.5"])
    lines = check_thresholds(report["summary"], th)
    assert len(lines) == 2 and "key_fact_acc" in lines[0] and "above the maximum" in lines[1]
    with pytest.raises(InputError, match="unknown metric"):
        parse_thresholds(["nope=1"])


# ---------------------------------------------------------------- CLI (bot.open patched to the fake)


def test_cli_eval_writes_reports_and_fails_under(
    fake_report: tuple[dict[str, Any], Path, FakeBot],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main
    from bot.service import Bot

    _, qs, _ = fake_report
    seen: dict[str, Settings] = {}

    def fake_open(settings: Settings, **kw: Any) -> FakeBot:
        seen["s"] = settings
        bot = FakeBot(fake_answers())
        bot.settings = settings
        return bot

    monkeypatch.setattr(Bot, "open", staticmethod(fake_open))
    out, html, ragas = tmp_path / "r.json", tmp_path / "r.html", tmp_path / "r.jsonl"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "eval",
                str(qs),
                "--out",
                str(out),
                "--html",
                str(html),
                "--ragas",
                str(ragas),
                "-q",
                "--set",
                "k=5",
                "--set",
                "embedder=hash",
                "--index-dir",
                str(tmp_path / "i"),
                "--fail-under",
                "key_fact_acc=0.9",
                "--fail-under",
                "refusal_acc=0.1",
            ]
        )
    assert exc.value.code == 1
    err = capsys.readouterr()
    assert "key-fact accuracy" in err.out and "fact_number" in err.out
    assert [line for line in err.err.splitlines() if line.startswith("FAIL")] == [
        "FAIL key_fact_acc = 0.5 is below the minimum 0.9"
    ]
    assert seen["s"].k == 5 and seen["s"].embedder == "hash" and seen["s"].index_dir == tmp_path / "i"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["k"] == 5 and html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert len(ragas.read_text(encoding="utf-8").splitlines()) == len(ITEMS)

    main(["eval", str(qs), "--out", str(tmp_path / "b.json"), "-q"])  # no thresholds → returns normally
    capsys.readouterr()
    main(["eval", "--compare", str(out), str(tmp_path / "b.json")])
    assert "mrr_at_10" in capsys.readouterr().out

    for argv, msg in (
        (["eval", str(qs), "--set", "kk=5"], "unknown setting 'kk'"),
        (["eval", str(qs), "--set", "k=abc"], "invalid setting k"),
        (["eval", str(tmp_path / "none.jsonl")], "no such question file"),
        (["eval", "--compare", str(qs), str(out)], "not"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and msg in lines[0], lines


# ---------------------------------------------------------------- real chain over the bundled corpus


@pytest.mark.slow
def test_real_run_matches_independent_scorer(corpus_bot: Any, tmp_path: Path) -> None:
    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    pick = {"q001", "q012", "q022", "q047", "q061", "q074", "q084", "m001"}
    rows = [r for r in dev if r["id"] in pick]
    # plus one generated item: a sentence taken verbatim from the corpus
    body = (REPO / "corpus" / "001_ae9b3629b205d340.txt").read_text(encoding="utf-8")
    sentence = next(s for s in body.replace("\n", "。").split("。") if "注册资本" in s)
    rows.append(
        {
            "id": "gen1",
            "type": "fact_number",
            "question": "四川海创尚纬的注册资本是多少?",
            "must_include": ["5亿元"],
            "evidence": [{"doc": "001_ae9b3629b205d340.txt", "quote": sentence}],
        }
    )
    qs = write_jsonl(tmp_path / "small.jsonl", rows)
    report = run_eval(corpus_bot, load_items(qs), questions_path=qs)
    assert report["summary"]["n_items"] == len(rows) and report["summary"]["errors"] == 0
    assert all(isinstance(it["latency_ms"], float) for it in report["items"])
    assert_same(report["summary"], run_scorer(qs, report, tmp_path))


def test_extra_fields_are_kept_and_break_metrics_down(tmp_path: Path) -> None:
    from bot.evaluate.metrics import by_field, field_value

    f = tmp_path / "qs.jsonl"
    f.write_text(
        '{"id": "a", "type": "fact_number", "question": "q", "must_include": ["x"], "tag": "synonym"}\n'
        '{"id": "b", "type": "fact_number", "question": "q", "must_include": ["y"], "tag": "plain"}\n'
        '{"id": "c", "type": "unanswerable", "question": "q"}\n',
        encoding="utf-8",
    )
    items = load_items(f)
    assert dict(items[0].extra) == {"tag": "synonym"} and items[0].to_json()["tag"] == "synonym"
    records = [
        {"id": it.id, "type": it.type, "extra": dict(it.extra), "pass": ok, "answer": "x", "latency_ms": 1.0,
         "checks": {"key_facts": ok if not it.should_refuse else None, "refusal": ok if it.should_refuse else None,
                    "false_refusal": None, "hit_at_k": None, "reciprocal_rank": None, "evidence_in_1200": None,
                    "citation_precision": None, "grounded": None, "error": None}}
        for it, ok in zip(items, [True, False, True], strict=True)
    ]
    groups = by_field(records, "tag", k=8)
    assert set(groups) == {"synonym", "plain", "-"}
    assert groups["synonym"]["key_fact_acc"] == 1.0 and groups["plain"]["key_fact_acc"] == 0.0
    assert field_value(records[2], "tag") == "-" and field_value(records[0], "type") == "fact_number"
