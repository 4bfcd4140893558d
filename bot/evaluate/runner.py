"""Ask every question through :meth:`bot.Bot.ask` (the chain the chat uses) and build the report dict."""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BotError, InputError
from .dataset import EvalItem, file_sha256
from .metrics import LOWER_IS_BETTER, Outcome, by_field, by_type, score_item, summarize

if TYPE_CHECKING:
    from ..schema import Answer
    from ..settings import Settings

# Settings fields never written to a report.
SECRET_FIELDS = frozenset({"llm_api_key"})


class AskingBot(Protocol):
    settings: Settings

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer: ...


def settings_dump(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump(mode="json", exclude=set(SECRET_FIELDS))
    return {k: v for k, v in data.items() if not any(s in k.lower() for s in ("secret", "password", "token"))}


def git_commit(cwd: Path | None = None) -> str | None:
    """HEAD of the repository holding this package (None outside a git checkout)."""
    here = cwd or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def build_config(bot: AskingBot, questions_path: str | Path | None) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "settings": settings_dump(bot.settings),
        "embedder": bot.settings.embedder,
        "llm_enabled": bool(bot.settings.llm_enabled),
        "git_commit": git_commit(),
        "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if questions_path is not None:
        cfg["questions_file"] = str(questions_path)
        cfg["questions_sha256"] = file_sha256(questions_path)
    info = getattr(bot, "info", None)
    if callable(info):
        try:
            cfg["index"] = _json_safe(info())
        except Exception as exc:  # info is descriptive only; never fail an evaluation over it
            cfg["index"] = {"error": f"{type(exc).__name__}: {exc}"}
    return cfg


def _item_record(
    item: EvalItem, ans: Answer | None, latency_ms: float, error: str | None, k: int
) -> dict[str, Any]:
    answer = ans.answer if ans else ""
    refused = bool(ans.refused) if ans else False
    cites = list(ans.citations) if ans else []
    retrieved = list(ans.retrieved) if ans else []
    outcome = Outcome(
        answer=answer,
        refused=refused,
        cited_texts=[c.text for c in cites],
        retrieved_texts=[p.text for p in retrieved],
        error=error,
    )
    checks, ok, why = score_item(item, outcome, k)
    return {
        "id": item.id,
        "type": item.type,
        "question": item.question,
        "history": list(item.history),
        "answer": answer,
        "refused": refused,
        "mode": ans.mode if ans else None,
        "notice": ans.notice if ans else None,
        "search_query": ans.search_query if ans else None,
        "citations": [
            {"n": c.n, "source": c.source, "title": c.title, "date": c.date, "text": c.text} for c in cites
        ],
        "retrieved": [
            {"id": p.id, "source": p.source, "title": p.title, "text": p.text, "score": p.score}
            for p in retrieved
        ],
        "latency_ms": round(latency_ms, 3),
        "timings_ms": dict(ans.timings_ms) if ans else {},
        "gold_answer": item.answer,
        "must_include": list(item.must_include),
        "evidence": [{"doc": e.doc, "quote": e.quote} for e in item.evidence],
        "checks": checks,
        "pass": ok,
        "why": why,
        "extra": dict(item.extra),
    }


def run_eval(
    bot: AskingBot,
    items: Sequence[EvalItem],
    *,
    questions_path: str | Path | None = None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    by: Sequence[str] = (),
) -> dict[str, Any]:
    """Ask every item (with its history) and return ``{"config", "summary", "by_type", "by", "items"}``.

    ``by``: more breakdowns, each by one field of the questions (``tag``, or any extra field); items
    without the field fall in the group ``"-"``.

    A :class:`BotError` raised for one question is recorded on that item (``checks.error``) and the
    run goes on; any other exception is a bug and propagates.
    """
    k = int(bot.settings.k)
    records: list[dict[str, Any]] = []
    for i, item in enumerate(items, start=1):
        ans: Answer | None = None
        error: str | None = None
        t0 = time.perf_counter()
        try:
            ans = bot.ask(item.question, list(item.history))
        except BotError as exc:
            error = f"{type(exc).__name__}: {exc.one_line()}"
        latency = (time.perf_counter() - t0) * 1000.0
        rec = _item_record(item, ans, latency, error, k)
        records.append(rec)
        if progress is not None:
            progress(i, len(items), rec)
    return {
        "config": build_config(bot, questions_path),
        "summary": summarize(records, k),
        "by_type": by_type(records, k),
        "by": {name: by_field(records, name, k) for name in by},
        "items": records,
    }


def parse_thresholds(specs: Sequence[str]) -> dict[str, float]:
    """``["key_fact_acc=0.8", ...]`` → ``{"key_fact_acc": 0.8}``; unknown metrics are an InputError."""
    from .metrics import summarize as _s

    known = set(_s([], 1))
    out: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--fail-under expects metric=value, got '{spec}'")
        if name not in known:
            raise InputError(
                f"--fail-under: unknown metric '{name}'", hint="one of: " + ", ".join(sorted(known))
            )
        try:
            out[name] = float(value)
        except ValueError:
            raise InputError(f"--fail-under {name}: '{value}' is not a number") from None
    return out


def check_thresholds(summary: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """One line per violated threshold. For lower-is-better metrics the threshold is a maximum."""
    failures: list[str] = []
    for name, limit in thresholds.items():
        value = summary.get(name)
        if value is None:
            failures.append(f"FAIL {name}: not measured on this question set (threshold {limit:g})")
        elif name in LOWER_IS_BETTER and value > limit:
            failures.append(f"FAIL {name} = {value:.4g} is above the maximum {limit:g}")
        elif name not in LOWER_IS_BETTER and value < limit:
            failures.append(f"FAIL {name} = {value:.4g} is below the minimum {limit:g}")
    return failures


__all__ = ["build_config", "check_thresholds", "git_commit", "parse_thresholds", "run_eval", "settings_dump"]
