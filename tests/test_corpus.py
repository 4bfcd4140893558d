"""The corpus loader: the real seed files, every format, encodings and the ways a file can be bad.

Every generated file lives under ``tmp_path``; nothing is written into the repository.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from pathlib import Path

import pytest

from bot.corpus import SUPPORTED_SUFFIXES, CorpusLoad, load_corpus, read_file
from bot.errors import UnreadableFileError
from bot.schema import Article

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEV_SET = REPO / "evals" / "dev.jsonl"
FILE_000 = "000_0feb0f1d8f072487.txt"
FILE_001 = "001_ae9b3629b205d340.txt"

TITLE_000_A = "加快发展新质生产力 打造千亿级产业园区"
TITLE_000_B = "金口河:家门口的“坝坝会” 摆好文明“龙门阵”"
TITLE_001 = "乐山高新区在追“高”攀“新”中加速蝶变"

BODY = (
    "乐山高新区2023年“一区五园”营业收入1780亿元,增长7.9%。"
    "直管区聚集高新技术企业41家、各类创新平台67个,发展新质生产力有基础和承载。"
)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def by_source(load: CorpusLoad, source: str) -> list[Article]:
    return [a for a in load.articles if a.source == source]


@pytest.fixture(scope="module")
def seed() -> CorpusLoad:
    return load_corpus([CORPUS])


@pytest.fixture(scope="module")
def seed_000(seed: CorpusLoad) -> list[Article]:
    return by_source(seed, FILE_000)


@pytest.fixture(scope="module")
def seed_001(seed: CorpusLoad) -> Article:
    (article,) = by_source(seed, FILE_001)
    return article


# --- the real seed files -------------------------------------------------------------------------


def test_seed_load_is_clean(seed: CorpusLoad) -> None:
    assert seed.problems == []
    assert set(seed.files) == {FILE_000, FILE_001}
    for source, digest in seed.files.items():
        assert digest == hashlib.sha256((CORPUS / source).read_bytes()).hexdigest()
    assert [a.article_id for a in seed.articles] == [f"{FILE_000}#0", f"{FILE_000}#1", f"{FILE_001}#0"]


def test_file_000_holds_two_articles_with_kickers(seed_000: list[Article]) -> None:
    assert [a.title for a in seed_000] == [TITLE_000_A, TITLE_000_B]
    assert [a.part for a in seed_000] == [0, 1]
    first, second = seed_000
    assert first.kicker == ("发展新质生产力 推动高质量发展", "乐山高新区——")
    assert second.kicker == ("文明你我他", "道德评议+村规民约")
    assert "金口河" not in first.text
    assert "乐山高新区" not in second.text
    assert second.text.startswith("“各位村民乡亲")


def test_file_001_title_is_its_first_short_line(seed_001: Article) -> None:
    assert seed_001.title == TITLE_001
    assert seed_001.kicker == ()
    assert TITLE_001 not in seed_001.text
    assert seed_001.text.startswith("2024年,乐山高新区向“新”奋进")


def test_page_breaks_are_joined(seed_000: list[Article], seed_001: Article) -> None:
    text = "\n".join(a.text for a in seed_000)
    for whole in (
        "积极承接",
        "头号工程",
        "合民心",
        "生活习惯",
        "“方言土语”,将文明新风",
        "新能源智能制造构建起",
    ):
        assert whole in text, whole
    for whole in ("企业将加速推进", "推动产业链价值链向中高端迈进"):
        assert whole in seed_001.text, whole
    assert "积\n" not in text and "工\n程" not in text


def test_scraping_gap_keeps_both_sides(seed_001: Article) -> None:
    assert "四川越成科技有限公" in seed_001.text
    assert "了全产业链关键材料自主可控。" in seed_001.text


def test_paragraphs_are_single_newline_separated(seed: CorpusLoad) -> None:
    for article in seed.articles:
        assert "\n\n" not in article.text
        assert article.text == article.text.strip()
        assert all(line == line.strip() and line for line in article.text.split("\n"))


def test_captions_are_not_text(seed_000: list[Article], seed_001: Article) -> None:
    first, second = seed_000
    assert "俯瞰乐山高新区" in first.captions
    assert {"别开生面的“坝坝会”", "村民仔细阅读精美手册"} <= set(second.captions)
    assert {"乐山高新区", "四川伟力得能源股份有限公司厂房", "四川海创尚纬新能源科技有限公司"} <= set(
        seed_001.captions
    )
    paragraphs = {p for a in [*seed_000, seed_001] for p in a.text.split("\n")}
    for article in [*seed_000, seed_001]:
        for caption in article.captions:
            assert caption not in paragraphs, caption
    assert "俯瞰乐山高新区" not in first.text
    assert "村民仔细阅读精美手册" not in second.text
    assert "四川伟力得能源股份有限公司厂房" not in seed_001.text


def test_bylines(seed_000: list[Article], seed_001: Article) -> None:
    first, second = seed_000
    assert first.byline is not None and "甘国江" in first.byline
    assert second.byline is not None and "吴竟楠" in second.byline and "祝贺" in second.byline
    assert seed_001.byline is not None and "胡代军" in seed_001.byline and "叶伟" in seed_001.byline
    for article, name in ((first, "甘国江"), (second, "吴竟楠"), (seed_001, "胡代军")):
        assert name not in article.text
        assert "■" not in article.text and "▶" not in article.text


def _section_checks(article: Article, expected: dict[str, str]) -> None:
    names = [s.name for s in article.sections]
    assert names == list(expected)
    starts = [s.start for s in article.sections]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for section in article.sections:
        assert section.start == 0 or article.text[section.start - 1] == "\n"
        assert article.text[section.start :].startswith(expected[section.name]), section.name
        assert section.name not in article.text.split("\n")


def test_sections(seed_000: list[Article], seed_001: Article) -> None:
    _section_checks(
        seed_000[0],
        {
            "构建以先进制造业为骨干的现代化产业体系": "先进制造业既彰显",
            "培育新质生产力发展的科技创新策源地": "新质生产力的发展,要根植于",
            "以高品质服务推进高水平对外开放合作": "营商环境是经济发展软实力。乐山高新区在服务上",
            "以全要素保障加快推动高质量发展": "近年来,乐山高新区依托PPP项目",
        },
    )
    _section_checks(
        seed_000[1],
        {"贴近群众 院落议事树新风": "“不搞人情攀比", "多维施策 文明新风进万家": "近年来,金口河区持续深入"},
    )
    _section_checks(
        seed_001,
        {
            "产业链攀向中高端": "2024年12月18日,四川海创尚纬",
            "科技创新热潮涌动": "产业是高质量发展的强引擎",
            "营商环境持续优化": "营商环境是经济发展软实力。2024年",
        },
    )
    assert seed_001.section_at(0) == ""
    assert seed_001.section_at(len(seed_001.text) - 1) == "营商环境持续优化"


def test_trailing_slogan_is_dropped(seed: CorpusLoad) -> None:
    for article in seed.articles:
        assert "乐山是我家" not in article.text
        assert "乐山是我家 文明靠大家" not in article.kicker
        assert article.title != "乐山是我家 文明靠大家"


def test_body_text_is_verbatim(seed: CorpusLoad) -> None:
    """Every character of text comes from the source, in order: only whitespace differs."""
    for source in (FILE_000, FILE_001):
        raw = squash((CORPUS / source).read_text("utf-8"))
        for article in by_source(seed, source):
            for paragraph in article.text.split("\n"):
                assert squash(paragraph) in raw


def test_repeated_paragraph_is_kept(seed_001: Article) -> None:
    assert seed_001.text.count("新质生产力加快培育发展:一座座标准厂房鳞次栉比") == 2


def test_every_dev_evidence_quote_is_in_its_document(seed: CorpusLoad) -> None:
    texts: dict[str, str] = {}
    for article in seed.articles:
        texts[article.source] = texts.get(article.source, "") + squash(article.text)
    checked = 0
    for line in DEV_SET.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        for evidence in json.loads(line).get("evidence", []):
            assert squash(evidence["quote"]) in texts[evidence["doc"]], evidence
            checked += 1
    assert checked > 0


def test_read_file_matches_load(seed_001: Article) -> None:
    (article,) = read_file(CORPUS / FILE_001, FILE_001)
    assert article == seed_001


# --- encodings and bad files ---------------------------------------------------------------------


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


NEWS = f"# 乐山高新区新闻\n\n{BODY}\n\n### 下一步\n\n园区将持续优化营商环境。\n"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16", "utf-8"])
def test_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    write(tmp_path / "news.txt", NEWS, encoding)
    load = load_corpus([tmp_path])
    assert load.problems == []
    (article,) = load.articles
    assert article.title == "乐山高新区新闻"
    assert BODY in article.text
    assert "\ufeff" not in article.text
    assert [s.name for s in article.sections] == ["下一步"]


def test_bad_files_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    write(tmp_path / "a_empty.txt", "")
    write(tmp_path / "b_blank.md", "  \n\n\t\n")
    write(tmp_path / "c_junk.txt", bytes(range(256)) * 8)
    write(tmp_path / "d_noise.txt", random.Random(7).randbytes(4000).replace(b"\x00", b"\x01"))
    write(tmp_path / "e_bad.pdf", b"%PDF-1.4\nthis is not really a pdf\n")
    write(tmp_path / "f_bad.docx", b"PK\x03\x04 not a zip")
    write(tmp_path / "g_good.txt", NEWS)
    write(tmp_path / "notes.csv", "a,b\n")  # unsupported inside a directory: silently ignored
    load = load_corpus([tmp_path])
    assert [a.source for a in load.articles] == ["g_good.txt"]
    assert list(load.files) == ["g_good.txt"]
    problems = "\n".join(load.problems)
    assert len(load.problems) == 6, problems
    for name in ("a_empty.txt", "b_blank.md", "c_junk.txt", "d_noise.txt", "e_bad.pdf", "f_bad.docx"):
        (line,) = [p for p in load.problems if name in p]
        assert line.startswith(f"skipped {(tmp_path / name).as_posix()}: ")
    assert "empty file" in next(p for p in load.problems if "a_empty" in p)
    assert "empty file" in next(p for p in load.problems if "b_blank" in p)
    assert "PDF" in next(p for p in load.problems if "e_bad.pdf" in p)
    assert "DOCX" in next(p for p in load.problems if "f_bad.docx" in p)
    assert "notes.csv" not in problems


def test_read_file_raises_unreadable(tmp_path: Path) -> None:
    junk = write(tmp_path / "junk.txt", b"\x00\x01\x02binary\x00")
    with pytest.raises(UnreadableFileError, match=r"^cannot read .*junk\.txt: "):
        read_file(junk, "junk.txt")
    with pytest.raises(UnreadableFileError, match="empty file"):
        read_file(write(tmp_path / "empty.txt", ""), "empty.txt")
    with pytest.raises(UnreadableFileError, match="unsupported"):
        read_file(write(tmp_path / "x.rtf", "{\\rtf1}"), "x.rtf")


def test_explicit_paths(tmp_path: Path) -> None:
    good = write(tmp_path / "sub" / "news.txt", NEWS)
    csv = write(tmp_path / "table.csv", "a,b\n")
    load = load_corpus([good, csv, tmp_path / "missing.txt"])
    assert [a.source for a in load.articles] == ["news.txt"]  # a file given directly: its name
    assert any("table.csv" in p and "unsupported" in p for p in load.problems)
    assert any("missing.txt" in p for p in load.problems)


def test_directory_walk_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    write(tmp_path / "b" / "two.txt", NEWS.replace("乐山高新区新闻", "二号"))
    write(tmp_path / "a.txt", NEWS.replace("乐山高新区新闻", "一号").replace("41家", "42家"))
    write(tmp_path / ".hidden.txt", NEWS.replace("41家", "43家"))
    write(tmp_path / ".git" / "x.txt", NEWS.replace("41家", "44家"))
    write(tmp_path / "b" / "c" / "three.md", NEWS.replace("41家", "45家"))
    load = load_corpus([tmp_path])
    assert [a.source for a in load.articles] == ["a.txt", "b/c/three.md", "b/two.txt"]
    assert load.problems == []


def test_duplicate_article_is_skipped(tmp_path: Path) -> None:
    shutil.copy(CORPUS / FILE_001, tmp_path / "001.txt")
    write(tmp_path / "002_copy.txt", (CORPUS / FILE_001).read_text("utf-8").replace("\n\n", "\n\n\n"))
    load = load_corpus([tmp_path])
    assert [a.source for a in load.articles] == ["001.txt"]
    assert list(load.files) == ["001.txt"]
    (problem,) = load.problems
    assert "duplicate" in problem and "002_copy.txt" in problem and "001.txt#0" in problem


# --- formats -------------------------------------------------------------------------------------


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    md = (
        "---\ntitle: 前置标题\ndate: 2024-06-21\nurl: https://example.org/news/1\nsource: 乐山日报\n---\n\n"
        "# 文中的标题\n\n"
        "乐山高新区**积极推动**产业链价值链向中高端迈进,详见[发布会](https://example.org/x)。\n\n"
        "## 产业发展\n\n"
        "- 光伏及电子信息\n- 新能源新材料\n\n"
        "![园区俯瞰](a.jpg)\n\n"
        "园区营业收入`1780`亿元,增长7.9%。\n"
    )
    (article,) = read_file(write(tmp_path / "news.md", md), "news.md")
    assert article.title == "前置标题"
    assert article.date == "2024-06-21"
    assert article.url == "https://example.org/news/1"
    assert "乐山高新区积极推动产业链价值链向中高端迈进,详见发布会。" in article.text
    assert "光伏及电子信息\n新能源新材料" in article.text
    assert "园区营业收入1780亿元,增长7.9%。" in article.text
    assert not re.search(r"[*`\[\]#]|https?:", article.text)
    assert "园区俯瞰" in article.captions
    assert [s.name for s in article.sections] == ["产业发展"]
    assert article.text[article.sections[0].start :].startswith("光伏及电子信息")


def test_front_matter_in_txt_keeps_detected_titles_of_several_articles(tmp_path: Path) -> None:
    text = f"---\ndate: 2024-06-21\n---\n\n# 甲\n\n{BODY}\n\n# 乙\n\n园区将持续优化营商环境。\n"
    articles = read_file(write(tmp_path / "two.txt", text), "two.txt")
    assert [(a.title, a.part, a.date) for a in articles] == [("甲", 0, "2024-06-21"), ("乙", 1, "2024-06-21")]


HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>园区新闻 - 乐山网</title>
<meta property="og:title" content="乐山高新区加速蝶变">
<meta property="article:published_time" content="2025-01-10T08:00:00+08:00">
<script>var secret = "SCRIPT_SECRET_TEXT";</script><style>.x{color:red}</style></head>
<body><nav><a href="/">首页</a> <a href="/news">新闻</a></nav>
<article><h1>乐山高新区加速蝶变</h1>
PARAS
<h2>营商环境持续优化</h2>
<p>营商环境是经济发展软实力。乐山高新区全面推行“拿地即开工+开工一件事”集成服务。</p>
<script>document.write("INLINE_SCRIPT_TEXT")</script>
</article><footer>版权所有 乐山网</footer></body></html>
"""


def _html_page() -> str:
    paras = "\n".join(f"<p>第{i}段:{BODY}</p>" for i in range(6))
    return HTML.replace("PARAS", paras)


def _check_html(article: Article) -> None:
    assert article.title == "乐山高新区加速蝶变"
    assert article.date == "2025-01-10"
    assert "第0段:" + BODY in article.text
    assert "营商环境是经济发展软实力。" in article.text
    for junk in ("SCRIPT_SECRET_TEXT", "INLINE_SCRIPT_TEXT", "color:red", "版权所有", "首页"):
        assert junk not in article.text


def test_html(tmp_path: Path) -> None:
    (article,) = read_file(write(tmp_path / "page.html", _html_page()), "page.html")
    _check_html(article)


def test_html_without_trafilatura(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.corpus import htmlpage

    monkeypatch.setattr(htmlpage, "_trafilatura_lines", lambda html: None)
    (article,) = read_file(write(tmp_path / "page.htm", _html_page(), "gb18030"), "page.htm")
    _check_html(article)
    assert [s.name for s in article.sections] == ["营商环境持续优化"]
    assert article.text[article.sections[0].start :].startswith("营商环境是经济发展软实力")


def test_when_trafilatura_fails_the_page_is_still_read_and_the_failure_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    trafilatura = pytest.importorskip("trafilatura")

    def broken(*args: object, **kwargs: object) -> str:
        raise ValueError("cannot parse")

    monkeypatch.setattr(trafilatura, "extract", broken)
    with caplog.at_level("INFO", logger="bot.corpus.htmlpage"):
        (article,) = read_file(write(tmp_path / "page.html", _html_page()), "page.html")
    _check_html(article)
    assert any("trafilatura failed (ValueError: cannot parse)" in r.getMessage() for r in caplog.records)


def test_html_with_trafilatura(tmp_path: Path) -> None:
    try:
        import trafilatura  # noqa: F401
    except ImportError as exc:  # e.g. lxml_html_clean missing: the loader falls back to its lxml walk
        pytest.skip(f"trafilatura unusable here: {exc}")
    from bot.corpus import htmlpage

    assert htmlpage._trafilatura_lines(_html_page()) is not None
    (article,) = read_file(write(tmp_path / "page.html", _html_page()), "page.html")
    _check_html(article)


def test_docx(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("乐山高新区年度报告", style="Title")
    document.add_paragraph(BODY)
    document.add_paragraph("■ 记者 甘国江")
    document.add_heading("产业链攀向中高端", level=1)
    document.add_paragraph("重大项目是经济稳定增长的“压舱石”。")
    document.add_heading("营商环境", level=2)
    document.add_paragraph("一窗受理", style="List Bullet")
    document.add_paragraph("全程代办", style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "营业收入"
    table.rows[0].cells[1].text = "1780亿元"
    path = tmp_path / "report.docx"
    document.save(str(path))
    (article,) = read_file(path, "report.docx")
    assert article.title == "乐山高新区年度报告"
    assert article.text.startswith(BODY)
    assert article.byline == "记者 甘国江"
    assert [s.name for s in article.sections] == ["产业链攀向中高端", "营商环境"]
    assert article.text[article.sections[0].start :].startswith("重大项目是经济稳定增长")
    assert "一窗受理\n全程代办" in article.text
    assert "营业收入 1780亿元" in article.text
    assert "乐山高新区年度报告" not in article.text


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF whose text extracts through a ToUnicode map (so CJK works without a real font)."""
    chars = sorted({c for page in pages for line in page for c in line})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n"
        + "\n".join(f"<{cid[c]:04X}> <{ord(c):04X}>" for c in chars)
        + "\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )

    def stream(data: str) -> str:
        return f"<< /Length {len(data.encode())} >>\nstream\n{data}\nendstream"

    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",  # pages, filled below
        stream(cmap),
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (Identity) /Supplement 0 >> /FontDescriptor << /Type /FontDescriptor /FontName /Test "
        "/Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 "
        "/StemV 80 >> /DW 1000 >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H "
        "/DescendantFonts [4 0 R] /ToUnicode 3 0 R >>",
    ]
    kids = []
    for page in pages:
        ops = [
            "BT /F1 12 Tf 14 TL 50 780 Td",
            *("<{}> Tj T*".format("".join(f"{cid[c]:04X}" for c in ln)) for ln in page),
            "ET",
        ]
        objects.append(stream("\n".join(ops)))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
            f"/Contents {len(objects)} 0 R >>"
        )
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_chinese_lines_are_joined_without_spaces(tmp_path: Path) -> None:
    pages = [
        [
            "乐山高新区年度报告",
            "乐山高新区2023年营业收入1780亿元,增长7.9%,聚集高新技",
            "术企业41家。",
            "园区持续优化营商环境,推行拿地即开工,提供开工一",
            "件事集成",
        ],
        ["服务。第二页的正文内容也在这里,这是一个完整的句子。", "2"],
    ]
    (article,) = read_file(write(tmp_path / "report.pdf", make_pdf(pages)), "report.pdf")
    assert article.title == "乐山高新区年度报告"
    assert "聚集高新技术企业41家。" in article.text
    assert "提供开工一件事集成服务。第二页" in article.text
    assert " " not in article.text
    assert not article.text.endswith("2")


def test_pdf_ascii(tmp_path: Path) -> None:
    pages = [["Leshan High-tech Zone", "The park grew 7.9% in 2023 and now hosts 41 high-tech firms."]]
    (article,) = read_file(write(tmp_path / "en.pdf", make_pdf(pages)), "en.pdf")
    assert article.title == "Leshan High-tech Zone"
    assert article.text == "The park grew 7.9% in 2023 and now hosts 41 high-tech firms."


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")


def test_file_without_article_text_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "slogan.txt", "## 乐山是我家 文明靠大家\n")
    write(tmp_path / "title_only.txt", "# 只有标题\n\n## 口号\n")
    load = load_corpus([str(tmp_path)])
    assert load.articles == [] and load.files == {}
    assert len(load.problems) == 2
    assert all(p.startswith("skipped ") for p in load.problems)
    assert any("slogan.txt" in p and "no article text" in p for p in load.problems)
    assert any("title_only.txt" in p and "只有标题" in p for p in load.problems)


def test_same_name_from_two_places_is_not_loaded_twice(tmp_path: Path) -> None:
    one = write(tmp_path / "x" / "news.txt", NEWS)
    two = write(tmp_path / "y" / "news.txt", NEWS.replace("41家", "46家"))
    load = load_corpus([one, two, one])
    assert [a.source for a in load.articles] == ["news.txt"]
    (problem,) = load.problems
    assert two.as_posix() in problem and "already used" in problem


def test_layout_without_blank_lines_and_crlf(tmp_path: Path) -> None:
    text = "乐山高新区简讯\r\n本报记者 张三\r\n乐山高新区今年营收增长。\r\n项目建设\r\n重点项目稳步推进,园区新增企业十家。\r\n园区夜景\r\n"
    (article,) = read_file(write(tmp_path / "brief.txt", text), "brief.txt")
    assert article.title == "乐山高新区简讯"
    assert article.byline == "本报记者 张三"
    assert article.text == "乐山高新区今年营收增长。\n重点项目稳步推进,园区新增企业十家。"
    assert [(s.name, s.start) for s in article.sections] == [("项目建设", len("乐山高新区今年营收增长。\n"))]
    assert article.captions == ("园区夜景",)


def test_markdown_headings_and_english_wrapping(tmp_path: Path) -> None:
    md = (
        "# Title\n\nThis is a *wrapped* paragraph that goes on\nfor two lines of **text**.\n\n"
        "## Part one\n\n### Detail\n\nShort line.\n\nSetext heading\n--------------\n\nMore text.\n\n"
        "## Closing slogan\n"
    )
    (article,) = read_file(write(tmp_path / "en.md", md), "en.md")
    assert article.title == "Title"
    assert article.text == (
        "This is a wrapped paragraph that goes on for two lines of text.\nShort line.\nMore text."
    )
    assert [s.name for s in article.sections] == ["Part one", "Detail", "Setext heading"]
    assert "Closing slogan" not in article.text


def test_photo_captions_with_punctuation_and_long_headlines(tmp_path: Path) -> None:
    """A caption closed by its photographer's credit is a caption even with a comma or a full stop in it (a label
    has none), and a headline longer than a label right above the byline is the title, not the file name."""
    text = (
        "青石镇2024年工业产值增长12.5% 今年力争突破八十亿元大关\n\n"
        "本报记者 林小舟 通讯员 韩冬\n\n"
        "1月10日，青石镇召开年度工作会议，通报全年主要经济指标。\n\n"
        "图为1月10日，青石镇年度工作会议现场。 记者 林小舟 摄\n\n"
        "会议指出，全镇工业产值达到72亿元。\n\n"
        "图为工人在车间检查产品 通讯员 韩冬 摄\n\n"
        "镇里将继续推进项目建设。\n"
    )
    (tmp_path / "news.txt").write_text(text, encoding="utf-8")
    (article,) = load_corpus([tmp_path]).articles
    assert article.title == "青石镇2024年工业产值增长12.5% 今年力争突破八十亿元大关"
    assert article.byline is not None and "林小舟" in article.byline and "摄" not in article.byline
    assert set(article.captions) == {"图为1月10日，青石镇年度工作会议现场。 记者 林小舟 摄", "图为工人在车间检查产品 通讯员 韩冬 摄"}
    assert "摄" not in article.text and "会议现场" not in article.text
    assert "全镇工业产值达到72亿元" in article.text
