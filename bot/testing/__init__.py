"""Test doubles shipped with the library (like ``httpx.MockTransport``): usable by any test suite.

Nothing is imported eagerly; use ``from bot.testing.fake_openai import ScriptedOpenAIServer, Reply``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fake_openai import RecordedRequest, Reply, ScriptedOpenAIServer, unused_port

__all__ = ["RecordedRequest", "Reply", "ScriptedOpenAIServer", "unused_port"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import fake_openai

        return getattr(fake_openai, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
