"""Bytes → text: BOMs, UTF-8, GB18030/GBK, then charset-normalizer's best guess; binary is refused."""

from __future__ import annotations

import codecs
import unicodedata

from .failures import ReadFailure

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\n\r\t\f\v")
MAX_JUNK_RATIO = 0.02


def decode_bytes(data: bytes) -> str:
    """Decode a text file. Raises :class:`ReadFailure` for binary or undecodable content.

    Order: a byte-order mark; strict UTF-8; strict GB18030 (covers GBK/GB2312); charset-normalizer's
    best guess. A decoding that is mostly control/unassigned characters is not accepted.
    """
    bom = _by_bom(data)
    if bom is not None:
        return _checked(bom)
    if b"\x00" in data:
        raise ReadFailure("binary file (contains NUL bytes)")
    for codec in ("utf-8", "gb18030"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _junk_ratio(text) <= MAX_JUNK_RATIO:
            return text
    return _checked(_guess(data))


def _checked(text: str) -> str:
    if _junk_ratio(text) > MAX_JUNK_RATIO:
        raise ReadFailure("not a text file (mostly control or unprintable characters)")
    return text


def _by_bom(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ReadFailure(f"invalid {codec} text after its byte-order mark") from exc
    return None


def _guess(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadFailure("not a text file (no encoding fits)")
    return str(best)


def _junk_ratio(text: str) -> float:
    if not text:
        return 0.0
    junk = sum(1 for ch in text if _is_junk(ch))
    return junk / len(text)


def _is_junk(ch: str) -> bool:
    if ch in _ALLOWED_CONTROLS:
        return False
    if ch == "\ufffd":
        return True
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
