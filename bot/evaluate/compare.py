"""Difference between two eval reports: per summary metric (A → B) and items whose pass flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from .metrics import LOWER_IS_BETTER
from .text_report import fmt


def load_report(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: no such report") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a readable JSON report ({exc})") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("summary"), dict)
        or not isinstance(data.get("items"), list)
    ):
        raise InputError(f"{p}: not an eval report (needs 'summary' and 'items')")
    return data


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    metrics: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys([*a["summary"], *b["summary"]]):
        va, vb = a["summary"].get(name), b["summary"].get(name)
        delta = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else None
        better: bool | None = None
        if delta:
            better = (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)
        metrics[name] = {"a": va, "b": vb, "delta": delta, "better": better}
    pa = {it["id"]: bool(it["pass"]) for it in a["items"]}
    pb = {it["id"]: bool(it["pass"]) for it in b["items"]}
    why_b = {it["id"]: it.get("why", "") for it in b["items"]}
    common = [i for i in pa if i in pb]
    return {
        "a": a.get("config", {}).get("questions_file"),
        "b": b.get("config", {}).get("questions_file"),
        "metrics": metrics,
        "pass_to_fail": [{"id": i, "why": why_b[i]} for i in common if pa[i] and not pb[i]],
        "fail_to_pass": [i for i in common if not pa[i] and pb[i]],
        "only_in_a": [i for i in pa if i not in pb],
        "only_in_b": [i for i in pb if i not in pa],
    }


def render_compare(diff: dict[str, Any]) -> str:
    rows = [f"{'metric':<22} {'A':>9} {'B':>9} {'delta':>9}"]
    for name, m in diff["metrics"].items():
        d = m["delta"]
        mark = "" if m["better"] is None else ("  better" if m["better"] else "  worse")
        ds = "-" if d is None else ("0" if d == 0 else (f"{d:+.0f}" if abs(d) >= 100 else f"{d:+.3f}"))
        rows.append(f"{name:<22} {fmt(m['a']):>9} {fmt(m['b']):>9} {ds:>9}{mark}")
    rows.append("")
    rows.append(f"pass → fail ({len(diff['pass_to_fail'])}):")
    rows += [f"  {x['id']}: {x['why']}" for x in diff["pass_to_fail"]] or ["  (none)"]
    rows.append(f"fail → pass ({len(diff['fail_to_pass'])}):")
    rows += [f"  {i}" for i in diff["fail_to_pass"]] or ["  (none)"]
    for key, label in (("only_in_a", "only in A"), ("only_in_b", "only in B")):
        if diff[key]:
            rows.append(f"{label}: {', '.join(diff[key])}")
    return "\n".join(rows)


__all__ = ["compare_reports", "load_report", "render_compare"]
