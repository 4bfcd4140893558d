"""The site profile: what is specific to one deployment, kept beside the corpus (``corpus/site.toml``).

The code knows no park, company or phrase of any corpus. A deployment says who it is here::

    [site]
    name = "某某高新区"                    # the park the articles are about
    aliases = ["高新区"]                   # other names a question may use for it
    title = "园区问答 · 某某高新区"         # page title
    welcome = "您好！……"                   # first line of the chat
    placeholder = "请输入……"               # input box hint
    examples = ["……？", "……？"]            # example questions under the chat
    warmup = ["它的……?", "……?"]            # a question run at start (last item), after its history (the rest)

    [synonyms]                             # optional, staff-edited: a question's word → the articles' wordings
    "固投" = ["固定资产投资"]

    [files."001_abc.txt"]                  # optional per-file facts that the text does not carry, applied
    title = "……"                           # at ingest (bot.corpus.apply_file_facts; rules there)
    date = "2025-01-10"
    byline = "本报记者 ……"
    source = "某某日报"
    url = "https://……"

Every field is optional: without the file the bot runs as a generic “园区问答” on whatever the corpus holds.
A bad file is an :class:`~bot.errors.CorpusError` with one line naming the file and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import CorpusError

SITE_FILE = "site.toml"
GENERIC_TITLE = "园区问答"

__all__ = ["GENERIC_TITLE", "SITE_FILE", "FileFacts", "SiteProfile", "load_site_profile"]


class FileFacts(BaseModel):
    """Facts about one corpus file that its text may not carry (all optional)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    date: str | None = None
    byline: str | None = None
    source: str | None = None  # the publisher, e.g. a newspaper's name
    url: str | None = None


class SiteProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    aliases: list[str] = Field(default_factory=list)
    title: str = ""
    welcome: str = ""
    placeholder: str = ""
    examples: list[str] = Field(default_factory=list)
    warmup: list[str] = Field(default_factory=list)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    files: dict[str, FileFacts] = Field(default_factory=dict)

    @field_validator("examples", "warmup", "aliases")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        return [s.strip() for s in v if s and s.strip()]

    @field_validator("synonyms")
    @classmethod
    def _clean_synonyms(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, alts in v.items():
            k = key.strip()
            kept = [a.strip() for a in alts if a and a.strip() and a.strip() != k]
            if k and kept:
                out[k] = kept
        return out

    # -- derived texts (generic when the profile leaves them out) ----------------------------------------
    @property
    def names(self) -> list[str]:
        """The park's name and aliases, longest first (what a question may call it)."""
        return sorted({n for n in [self.name, *self.aliases] if n}, key=len, reverse=True)

    @property
    def page_title(self) -> str:
        if self.title:
            return self.title
        return f"{GENERIC_TITLE} · {self.name}" if self.name else GENERIC_TITLE

    @property
    def about(self) -> str:
        """How the UI names what the bot knows: the park, or the articles in general."""
        return self.name or "园区"

    @property
    def welcome_text(self) -> str:
        return self.welcome or f"您好！我可以根据新闻报道回答关于{self.about}的问题，例如企业、项目、产业数据和园区动态。"

    @property
    def placeholder_text(self) -> str:
        return self.placeholder or f"请输入关于{self.about}的问题…"

    @property
    def warmup_turns(self) -> tuple[str, list[str]] | None:
        """(question, history) to run once at start, or None."""
        if not self.warmup:
            return None
        return self.warmup[-1], self.warmup[:-1]

    def facts_for(self, source: str) -> FileFacts | None:
        return self.files.get(source)


def load_site_profile(path: Path | None) -> SiteProfile:
    """Read ``path`` (a site.toml); a missing file gives the generic profile."""
    if path is None or not path.exists():
        return SiteProfile()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read the site profile {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"the site profile {path} is not valid TOML: {exc}") from exc
    data = dict(raw.pop("site", {}) or {})
    for key in ("synonyms", "files"):
        if key in raw:
            data[key] = raw.pop(key)
    if raw:
        unknown = ", ".join(sorted(raw))
        raise CorpusError(f"the site profile {path} has unknown sections: {unknown}",
                          hint="use [site], [synonyms] and [files.\"NAME\"]")
    try:
        return SiteProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise CorpusError(f"the site profile {path} is invalid at '{where}': {first.get('msg')}") from exc
