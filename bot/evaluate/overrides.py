"""``--set key=value`` overrides applied onto :class:`bot.settings.Settings` (shared by eval and bench)."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from ..settings import Settings


def parse_sets(specs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise InputError(f"--set expects key=value, got '{spec}'")
        out[key] = value.strip()
    return out


def _allows_none(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(
        annotation
    )


def _is_container(annotation: Any) -> bool:
    origins = {typing.get_origin(a) for a in (annotation, *typing.get_args(annotation))}
    return bool(origins & {list, dict, tuple, set})


def make_settings(overrides: Mapping[str, str], **direct: Any) -> Settings:
    """``Settings()`` (which reads ``BOT_*``) with string ``overrides`` and typed ``direct`` values on top."""
    from ..settings import Settings, load_settings

    fields = Settings.model_fields
    values: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in fields:
            raise InputError(f"--set: unknown setting '{key}'", hint="one of: " + ", ".join(sorted(fields)))
        ann = fields[key].annotation
        value: Any = raw
        if raw.lower() in ("", "none", "null") and _allows_none(ann):
            value = None
        elif _is_container(ann):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = [v.strip() for v in raw.split(",") if v.strip()]
        values[key] = value
    values.update({k: v for k, v in direct.items() if v is not None})
    return load_settings(**values)


__all__ = ["make_settings", "parse_sets"]
