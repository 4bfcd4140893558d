"""Typed configuration. Read from the environment (prefix ``BOT_``) only when asked: nothing at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import InputError


class Settings(BaseSettings):
    """All knobs of the bot. Build one with ``Settings()`` (reads ``BOT_*``) and pass it in explicitly."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore", protected_namespaces=())

    # where things live
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    chroma_url: str | None = Field(default=None, description="http://host:port of a Chroma server; embedded store when unset")
    site_file: Path | None = Field(default=None, description="the site profile; default: <corpus_dir>/site.toml")

    # knowledge base
    embedder: str = "e5"
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
    refusal_threshold: float = Field(default=0.45, ge=0, le=1)

    # LLM (optional, any OpenAI-compatible endpoint)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)

    # input limits
    max_question_chars: int = Field(default=500, ge=1)
    max_history_turns: int = Field(default=8, ge=0)

    # serving
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    allowed_origins: list[str] = Field(default_factory=list)
    rate_limit_per_min: int = Field(default=60, ge=1)
    concurrency_limit: int = Field(default=4, ge=1)

    @property
    def site_path(self) -> Path:
        from .site import SITE_FILE

        return self.site_file if self.site_file is not None else self.corpus_dir / SITE_FILE

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def load_settings(**overrides: Any) -> Settings:
    """``Settings()`` (reads ``BOT_*``) with explicit ``overrides`` on top; a bad value is one InputError line."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err.get("loc", ())) or "settings"
        raise InputError(f"invalid setting {field}={err.get('input')!r}: {err.get('msg')}") from exc


__all__ = ["Settings", "load_settings"]
