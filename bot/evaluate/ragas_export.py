"""RAGAS-style JSONL: one row per item with ``question``, ``answer``, ``contexts``, ``ground_truth``.

Load it with ``datasets.Dataset.from_json(path)`` (or pandas) and hand it to ``ragas.evaluate``.
``contexts`` are the retrieved passage texts in rank order; ``ground_truth`` is the gold answer
(empty for questions that must be refused).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def ragas_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "question": it["question"],
            "answer": it["answer"],
            "contexts": [p["text"] for p in it.get("retrieved", [])],
            "ground_truth": it.get("gold_answer", ""),
        }
        for it in report["items"]
    ]


def write_ragas(report: dict[str, Any], path: str | Path) -> int:
    rows = ragas_rows(report)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


__all__ = ["ragas_rows", "write_ragas"]
