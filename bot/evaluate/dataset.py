"""The evaluation question file: one JSON object per line.

    {"id": "q001", "type": "fact_number", "question": "...", "answer": "gold answer",
     "must_include": ["1780亿元"], "evidence": [{"doc": "000_x.txt", "quote": "..."}],
     "history": ["earlier user question", ...],          # history only for follow-up items
     "tag": "colloquial"}                                 # any other field is kept as it is (``extra``)

Errors name the file and line: ``dev.jsonl:12: 'must_include' must be a list of strings``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import InputError

#: Types whose questions the bot must refuse (nothing in the corpus answers them).
REFUSE_TYPES: frozenset[str] = frozenset({"unanswerable", "out_of_scope"})
#: Types whose questions the corpus answers.
ANSWER_TYPES: frozenset[str] = frozenset(
    {
        "fact_number",
        "fact_entity",
        "fact_date",
        "list",
        "why_how",
        "multi_hop",
        "comparison",
        "distractor",
        "follow_up",
    }
)
KNOWN_TYPES: frozenset[str] = REFUSE_TYPES | ANSWER_TYPES
_FIELDS = {"id", "type", "question", "history", "answer", "must_include", "evidence", "notes"}


class DatasetError(InputError):
    """The question file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Evidence:
    doc: str  # corpus file name the quote comes from
    quote: str  # verbatim text from that file (whitespace is ignored when matching)


@dataclass(frozen=True)
class EvalItem:
    id: str
    type: str
    question: str
    answer: str = ""  # gold answer (used for the RAGAS ground_truth column)
    must_include: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    history: tuple[str, ...] = ()
    line: int = 0
    #: fields the format does not define (``tag``, ``source``, …): carried into the report, usable with ``--by``
    extra: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def should_refuse(self) -> bool:
        return self.type in REFUSE_TYPES

    @property
    def quotes(self) -> list[str]:
        return [e.quote for e in self.evidence]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "question": self.question,
            "history": list(self.history),
            "answer": self.answer,
            "must_include": list(self.must_include),
            "evidence": [{"doc": e.doc, "quote": e.quote} for e in self.evidence],
            **dict(self.extra),
        }


def _str_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DatasetError(f"{where}: '{name}' must be a list of non-empty strings")
    return tuple(value)


def parse_item(obj: Any, where: str, line: int = 0) -> EvalItem:
    """Validate one decoded JSON line. ``where`` prefixes error messages (``file:line``)."""
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    extra = {k: v for k, v in obj.items() if k not in _FIELDS}
    for key, value in extra.items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise DatasetError(f"{where}: extra field '{key}' must be a string, number or boolean")
    for key in ("id", "type", "question"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise DatasetError(f"{where}: '{key}' is required and must be a non-empty string")
    typ = obj["type"]
    if typ not in KNOWN_TYPES:
        raise DatasetError(f"{where}: unknown type '{typ}'; known: {', '.join(sorted(KNOWN_TYPES))}")
    answer = obj.get("answer", "")
    if answer is None:
        answer = ""
    if not isinstance(answer, str):
        raise DatasetError(f"{where}: 'answer' must be a string")
    must = _str_list(obj.get("must_include"), "must_include", where)
    history = _str_list(obj.get("history"), "history", where)
    raw_ev = obj.get("evidence") or []
    if not isinstance(raw_ev, list):
        raise DatasetError(f'{where}: \'evidence\' must be a list of {{"doc", "quote"}} objects')
    evidence: list[Evidence] = []
    for i, ev in enumerate(raw_ev):
        if (
            not isinstance(ev, dict)
            or set(ev) - {"doc", "quote"}
            or not isinstance(ev.get("doc"), str)
            or not isinstance(ev.get("quote"), str)
            or not "".join(ev["quote"].split())
        ):
            raise DatasetError(f'{where}: evidence[{i}] must be {{"doc": str, "quote": non-empty str}}')
        evidence.append(Evidence(doc=ev["doc"], quote=ev["quote"]))
    if typ in REFUSE_TYPES and (must or evidence):
        raise DatasetError(f"{where}: type '{typ}' must be refused, so it takes no must_include or evidence")
    if typ not in REFUSE_TYPES and not (must or evidence):
        raise DatasetError(f"{where}: type '{typ}' is answerable: give must_include and/or evidence")
    if typ == "follow_up" and not history:
        raise DatasetError(f"{where}: type 'follow_up' needs 'history' (the earlier user questions)")
    return EvalItem(
        id=obj["id"],
        type=typ,
        question=obj["question"],
        answer=answer,
        must_include=must,
        evidence=tuple(evidence),
        history=history,
        line=line,
        extra=MappingProxyType(extra),
    )


def load_items(path: str | Path) -> list[EvalItem]:
    """Read and validate a JSONL question file. Blank lines and lines starting with ``#`` are skipped."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(f"{p}: no such question file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{p}: cannot read ({exc})") from None
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        where = f"{p.name}:{n}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        item = parse_item(obj, where, n)
        if item.id in seen:
            raise DatasetError(f"{where}: duplicate id '{item.id}' (first on line {seen[item.id]})")
        seen[item.id] = n
        items.append(item)
    if not items:
        raise DatasetError(f"{p}: no questions in file")
    return items


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_quotes(items: list[EvalItem], corpus_dir: str | Path) -> list[str]:
    """Warnings for evidence quotes that are not in the named corpus file (whitespace ignored).

    A quote that is not verbatim in the corpus can never be retrieved, so retrieval metrics would
    silently read 0 for that item. Missing files are reported too.
    """
    root = Path(corpus_dir)
    cache: dict[str, str | None] = {}
    warnings: list[str] = []
    for item in items:
        for ev in item.evidence:
            if ev.doc not in cache:
                f = root / ev.doc
                try:
                    cache[ev.doc] = "".join(f.read_text(encoding="utf-8", errors="replace").split())
                except OSError:
                    cache[ev.doc] = None
            body = cache[ev.doc]
            if body is None:
                warnings.append(f"line {item.line} ({item.id}): evidence doc '{ev.doc}' not found in {root}")
            elif "".join(ev.quote.split()) not in body:
                warnings.append(
                    f"line {item.line} ({item.id}): quote not found verbatim in {ev.doc}: {ev.quote[:30]}…"
                )
    return warnings


__all__ = [
    "ANSWER_TYPES",
    "KNOWN_TYPES",
    "REFUSE_TYPES",
    "DatasetError",
    "EvalItem",
    "Evidence",
    "check_quotes",
    "file_sha256",
    "load_items",
    "parse_item",
]
