"""👍/👎 feedback, appended as one JSON object per line to ``settings.data_dir / "feedback.jsonl"``.

A line holds what is needed to review an answer and nothing about the user (no IP, no cookies)::

    {"timestamp": "2024-06-21T08:00:00+00:00", "rating": "up", "question": "...", "answer": "...",
     "citations": [{"n": 1, "title": "...", "source": "...", "date": "...", "file": "..."}], "door": "chat"}
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Rating = Literal["up", "down"]

MAX_FIELD_CHARS = 4000
MAX_CITATIONS = 20


class FeedbackCitation(BaseModel):
    n: int = Field(ge=0, le=1000)
    title: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=500)
    date: str | None = Field(default=None, max_length=50)
    file: str | None = Field(default=None, max_length=500)


class FeedbackIn(BaseModel):
    """Body of ``POST /api/feedback``."""

    question: str = Field(max_length=MAX_FIELD_CHARS)
    answer: str = Field(max_length=MAX_FIELD_CHARS)
    rating: Rating
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=MAX_CITATIONS)


class FeedbackStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "feedback.jsonl"
        self._lock = threading.Lock()

    def record(
        self,
        *,
        question: str,
        answer: str,
        rating: Rating,
        citations: list[dict[str, Any]],
        door: str,
    ) -> dict[str, Any]:
        line = {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": rating,
            "question": question[:MAX_FIELD_CHARS],
            "answer": answer[:MAX_FIELD_CHARS],
            "citations": [
                {k: c.get(k) for k in ("n", "title", "source", "date", "file")} for c in citations[:MAX_CITATIONS]
            ],
            "door": door,
        }
        data = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(data)
        return line


__all__ = ["FeedbackCitation", "FeedbackIn", "FeedbackStore", "Rating"]
