"""Citations a person can read: title, byline or publisher, date when known; the file name only as a last resort.

Where the facts come from: front matter / HTML meta, the site profile's per-file entries (applied at ingest),
and a conservative dateline parser (no date rather than a wrong one). A changed profile fact re-ingests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import CORPUS, FILE_000, FILE_001, copy_corpus, hash_settings

from bot.corpus import apply_file_facts, dateline_date, load_corpus, normalize_date
from bot.schema import Article, Passage, citation_for, source_label
from bot.site import FileFacts, SiteProfile, load_site_profile
from bot.web import render
from bot.web.embed import embed_page, widget_script

REPO = Path(__file__).resolve().parents[1]


# -- dates from the text: only an explicit full date where the article's own dateline is -------------------
@pytest.mark.parametrize(
    ("first", "byline", "want"),
    [
        ("本报讯（记者 张三 通讯员 李四）2024年3月5日上午，会议召开。", None, "2024-03-05"),
        ("本报讯 2024年12月19日，区里召开推进会。", None, "2024-12-19"),
        ("（记者 张三）２０２４年１２月１９日，全角数字的日期。", None, "2024-12-19"),
        ("新华社北京2024年12月19日电 某项目开工。", None, "2024-12-19"),
        ("2024年12月19日电 某项目开工。", None, "2024-12-19"),
        ("项目开工。", "记者 张三 2025年1月10日", "2025-01-10"),
        # a paragraph that merely opens with a date tells of an event (maybe months before the article)
        ("2024年11月22日，一纸协议让园区的配套版图补上了关键一块。", None, None),
        ("2025-01-10 消息：某项目开工。", None, None),
        # never guessed: no year, relative, a year alone, a date later in the text, an impossible date
        ("6月21日上午，新闻发布会举行。", None, None),
        ("近日，记者从园区获悉，项目进展顺利。", None, None),
        ("2024年，园区向“新”奋进，产业加快发展。2024年12月18日，项目投产。", None, None),
        ("园区的发展在2024年12月18日迎来新阶段。", None, None),
        ("2024年2月30日，不存在的日期。", None, None),
        ("1800年1月1日，太早的年份。", None, None),
        ("", None, None),
    ],
)
def test_dateline_date_is_conservative(first: str, byline: str | None, want: str | None) -> None:
    assert dateline_date(first, byline) == want


def test_declared_dates_are_normalised_or_kept() -> None:
    assert normalize_date("2025-01-10") == "2025-01-10"
    assert normalize_date("2025/1/9") == "2025-01-09"
    assert normalize_date("2025-01-10T08:00:00+08:00") == "2025-01-10"
    assert normalize_date("2025年1月9日") == "2025-01-09"
    assert normalize_date("2025年1月") == "2025年1月"  # not a full date: shown as declared
    assert normalize_date("  ") is None and normalize_date(None) is None


def test_bundled_corpus_bylines_and_no_guessed_dates() -> None:
    articles = load_corpus([CORPUS]).articles
    by_file: dict[str, list[Article]] = {}
    for a in articles:
        by_file.setdefault(a.source, []).append(a)
    review = by_file[FILE_001][0]
    assert review.byline and "叶伟" in review.byline
    assert review.date is None  # the text has event dates, but no dateline: no date rather than a wrong one
    press = by_file[FILE_000][0]
    assert press.byline and "甘国江" in press.byline
    assert press.date is None  # "6月21日" has no year


def test_front_matter_source_is_the_publisher(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: 一篇文章\ndate: 2025-01-10\nsource: 某某日报\n---\n\n园区新建厂房三栋，年内投产。\n", encoding="utf-8"
    )
    [article] = load_corpus([tmp_path]).articles
    assert (article.title, article.date, article.publisher) == ("一篇文章", "2025-01-10", "某某日报")


# -- the site profile's per-file facts ---------------------------------------------------------------------
def _article(source: str, part: int, title: str, byline: str | None = None) -> Article:
    return Article(title=title, text="正文。", source=source, part=part, byline=byline)


def test_file_facts_rules() -> None:
    one = _article("one.txt", 0, "原标题", "记者 甲")
    many = [_article("many.txt", 0, "第一篇", "记者 乙"), _article("many.txt", 1, "第二篇", None)]
    other = _article("other.txt", 0, "别的")
    site = SiteProfile(
        files={
            "one.txt": FileFacts(title="新标题", byline="本报记者 丙", date="2025/1/9", source="某某日报", url="https://example.org/1"),
            "many.txt": FileFacts(title="整版标题", byline="本报记者 丁", date="2024-06-22", source="某某晚报"),
        }
    )
    out = apply_file_facts([one, *many, other], site)
    assert out[0].title == "新标题" and out[0].byline == "本报记者 丙"  # a single-article file: replaced
    assert (out[0].date, out[0].publisher, out[0].url) == ("2025-01-09", "某某日报", "https://example.org/1")
    assert out[1].title == "第一篇" and out[1].byline == "记者 乙"  # several articles: their own names stay
    assert out[2].title == "第二篇" and out[2].byline == "本报记者 丁"  # ... a missing byline is filled in
    assert {a.date for a in out[1:3]} == {"2024-06-22"} and {a.publisher for a in out[1:3]} == {"某某晚报"}
    assert out[3] == other  # no entry: untouched
    assert one.title == "原标题"  # the input is not changed
    assert apply_file_facts([one], SiteProfile()) == [one]


# -- what a citation shows -----------------------------------------------------------------------------------
def _passage(**kw: object) -> Passage:
    base: dict[str, object] = {"id": "p1", "text": "园区新建厂房三栋。", "source": "001_abc.txt", "title": "园区动态"}
    base.update(kw)
    return Passage.model_validate(base)


def test_citation_for_maps_passage_facts() -> None:
    c = citation_for(_passage(byline="本报记者 张三", publisher="某某日报", date="2025-01-10"), 2, (0, 4))
    assert (c.n, c.title, c.file, c.date, c.byline, c.span) == (2, "园区动态", "001_abc.txt", "2025-01-10", "本报记者 张三", (0, 4))
    assert c.source == "某某日报 · 本报记者 张三" and c.passage_id == "p1"
    assert citation_for(_passage(byline="本报记者 张三"), 1, (0, 1)).source == "本报记者 张三"
    assert citation_for(_passage(), 1, (0, 1)).source == "001_abc.txt"  # the file only when nothing else is known
    assert source_label("某某日报", "某某日报记者 张三", "f.txt") == "某某日报记者 张三"


def test_rendered_citation_puts_the_file_in_small_print() -> None:
    c = citation_for(_passage(byline="本报记者 张三", date="2025-01-10"), 1, (0, 4)).model_dump(mode="json")
    bubble = render.answer_html({"answer": "园区新建厂房三栋[1]。", "citations": [c]}, 0)
    assert "园区动态" in bubble and "本报记者 张三 · 2025年1月10日" in bubble and "001_abc.txt" not in bubble
    panel = render.sources_html([{"question": "问", "answer": {"citations": [c]}}])
    assert re.search(r'<div class="src-meta">本报记者 张三 · 2025年1月10日</div>', panel)
    assert '<div class="src-file" title="文件名">001_abc.txt</div>' in panel
    bare = citation_for(_passage(), 1, (0, 4)).model_dump(mode="json")
    assert render.attribution(bare) == ""  # the file name is not repeated as the "source"
    assert "001_abc.txt" in render.plain_answer({"answer": "x[1]", "citations": [bare]})


def test_source_panel_has_one_group_per_turn() -> None:
    c = citation_for(_passage(), 1, (0, 4)).model_dump(mode="json")
    turns = [
        {"question": "同一个问题", "answer": {"citations": [c]}},
        {"question": "同一个问题", "answer": {"citations": [c]}},
        {"question": "没有原文的问题", "answer": {"refused": True, "citations": [], "retrieved": []}},
    ]
    panel = render.sources_html(turns)
    assert panel.count('<details class="turn"') == 3
    assert [int(t) for t in re.findall(r'data-turn="(\d+)"', panel)] == [2, 1, 0]
    assert "第1问" in panel and "第3问" in panel and 'data-src-key="0-1"' in panel and 'data-src-key="1-1"' in panel


# -- end to end on the bundled corpus, and a changed fact re-ingests ----------------------------------------
def test_api_citation_names_its_source_in_words(tmp_path: Path) -> None:
    from bot import Bot

    bot = Bot.open(hash_settings(tmp_path), build_if_missing=True)
    answer = bot.ask("海创尚纬的注册资本是多少？")
    cite = next(c for c in answer.citations if "5亿元" in c.text)
    assert cite.file == FILE_001
    assert cite.source != cite.file and "叶伟" in cite.source and cite.byline and "叶伟" in cite.byline
    assert cite.title and cite.date is None


def test_changed_profile_fact_reingests_without_reembedding(tmp_path: Path) -> None:
    from bot import Bot
    from bot.ingest import ingest_paths

    corpus = copy_corpus(tmp_path / "corpus")
    site_file = corpus / "site.toml"
    original = site_file.read_text(encoding="utf-8")

    def write_facts(date: str) -> None:
        site_file.write_text(
            original + f'\n[files."{FILE_001}"]\ndate = "{date}"\nsource = "某某日报"\n', encoding="utf-8"
        )

    settings = hash_settings(tmp_path, corpus)
    write_facts("2025-01-10")
    first = ingest_paths(settings, progress=None)
    assert not first.up_to_date
    same = ingest_paths(settings, progress=None)
    assert same.up_to_date

    write_facts("2025-01-11")
    changed = ingest_paths(settings, progress=None)
    assert not changed.up_to_date and changed.embedded == 0 and changed.reused == changed.chunks
    bot = Bot.open(settings)
    hits = [p for p in bot.search("海创尚纬 注册资本", 20) if p.source == FILE_001]
    assert hits and {p.date for p in hits} == {"2025-01-11"} and {p.publisher for p in hits} == {"某某日报"}
    cite = next(c for c in bot.ask("海创尚纬的注册资本是多少？").citations if c.file == FILE_001)
    assert cite.date == "2025-01-11" and cite.source.startswith("某某日报 · ") and "叶伟" in cite.source


# -- the web layer takes its texts from the profile, escaped, and names no park itself ----------------------
def test_embed_and_widget_take_profile_texts_escaped(tmp_path: Path) -> None:
    evil = '<img src=x onerror="alert(1)">'
    site = SiteProfile(name=f"园{evil}", welcome=f"欢迎{evil}", placeholder=f"问{evil}", examples=[f"例{evil}"])
    page = embed_page(hash_settings(tmp_path), site)
    assert "<img" not in page and "&lt;img src=x" in page and page.count('class="example"') == 1
    script = widget_script(site, ["https://www.example.org"])
    config = re.search(r"var CONFIG = (\{.*?\});", script)
    assert config is not None
    parsed = json.loads(config.group(1))
    assert parsed == {"title": site.page_title, "allowed": ["https://www.example.org"]}
    assert "<img" not in config.group(1)  # non-ASCII and markup arrive as JSON escapes


def test_web_layer_names_no_park() -> None:
    profile = load_site_profile(REPO / "corpus" / "site.toml")
    words = [profile.name, *profile.aliases, profile.title, profile.welcome, profile.placeholder, *profile.examples]
    words = [w for w in words if w]
    assert words, "the bundled profile should name its park"
    files = [p for p in (REPO / "bot" / "web").rglob("*") if p.is_file() and p.suffix in {".py", ".js", ".html", ".css"}]
    files.append(REPO / "bot" / "guard.py")
    found = [f"{p.relative_to(REPO)}: {w}" for p in files for w in words if w in p.read_text(encoding="utf-8")]
    assert not found, found
