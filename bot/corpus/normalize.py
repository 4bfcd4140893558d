"""Whitespace and Unicode normalisation. Only whitespace is ever changed (plus NFC composition)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = dict.fromkeys(
    [
        0x09,
        0xA0,
        0x1680,
        0x2000,
        0x2001,
        0x2002,
        0x2003,
        0x2004,
        0x2005,
        0x2006,
        0x2007,
        0x2008,
        0x2009,
        0x200A,
        0x202F,
        0x205F,
        0x3000,
    ],
    " ",
)
_NEWLINES = dict.fromkeys([0x0B, 0x0C, 0x85, 0x2028, 0x2029], "\n")
_INVISIBLE = dict.fromkeys([0x200B, 0xFEFF, 0x00AD], None)
_TABLE: dict[int, str | None] = {**_SPACES, **_NEWLINES, **_INVISIBLE}
_RUNS = re.compile(r" {2,}")


def normalize_line(line: str) -> str:
    """NFC, odd spaces → " ", runs of spaces collapsed, both ends stripped."""
    line = unicodedata.normalize("NFC", line).translate(_TABLE)
    return _RUNS.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """Unify newlines and normalise every line (empty lines are kept: blank-line gaps carry layout)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).translate(_TABLE)
    return "\n".join(_RUNS.sub(" ", ln).strip() for ln in text.split("\n"))
