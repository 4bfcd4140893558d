"""The chunker: sizes, overlap, offsets, sentence alignment, sections and stable ids.

Checked on articles built here and on the real corpus. Sentence boundaries are recomputed by an independent
splitter in this file (ends at 。！？；!?; plus closing quotes, or a newline).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import pairwise

import pytest
from helpers import CORPUS, REPO

from bot.chunks import chunk_article, embedding_text
from bot.corpus import load_corpus
from bot.schema import Article, Chunk, Section

END = "。！？；!?;"
CLOSE = '”’」』）)】》"'
SETTINGS = [(300, 60), (120, 30), (80, 0), (50, 20), (1000, 200)]


def sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Sentence spans of text[lo:hi], whitespace-trimmed."""
    spans: list[tuple[int, int]] = []

    def add(s: int, e: int) -> None:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))

    start = i = lo
    while i < hi:
        ch = text[i]
        if ch == "\n":
            add(start, i)
            start = i = i + 1
            continue
        if ch in END:
            j = i + 1
            while j < hi and text[j] in END:
                j += 1
            while j < hi and text[j] in CLOSE:
                j += 1
            add(start, j)
            start = i = j
            continue
        i += 1
    add(start, hi)
    return spans


def section_ranges(article: Article) -> list[tuple[int, int, str]]:
    starts = [(0, "")] if not article.sections or article.sections[0].start > 0 else []
    starts += [(s.start, s.name) for s in article.sections]
    out = []
    for i, (s, name) in enumerate(starts):
        e = starts[i + 1][0] if i + 1 < len(starts) else len(article.text)
        if e > s:
            out.append((s, e, name))
    return out


def by_section(article: Article, chunks: list[Chunk]) -> dict[tuple[int, int, str], list[Chunk]]:
    groups: dict[tuple[int, int, str], list[Chunk]] = {r: [] for r in section_ranges(article)}
    for c in chunks:
        (rng,) = [r for r in groups if r[0] <= c.start and c.end <= r[1]]  # exactly one section holds it
        groups[rng].append(c)
    return groups


def check_article(article: Article, chunk_chars: int, overlap_chars: int) -> list[Chunk]:
    """Every property that must hold for any article and any settings."""
    chunks = chunk_article(article, chunk_chars, overlap_chars)
    eff_overlap = min(overlap_chars, chunk_chars // 2)
    text = article.text
    assert len({c.id for c in chunks}) == len(chunks), "chunk ids must be unique within an article"
    for c in chunks:
        assert 0 < len(c.text) <= chunk_chars, (len(c.text), chunk_chars, c.text[:40])
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip(), "chunks are trimmed"
        assert (c.title, c.source, c.article_id, c.date) == (
            article.title,
            article.source,
            article.article_id,
            article.date,
        )
    for (lo, hi, name), group in by_section(article, chunks).items():
        sents = sentences(text, lo, hi)
        starts = {s for s, _ in sents}
        ends = {e for _, e in sents}

        def in_long_sentence(pos: int, sents=sents) -> bool:
            return any(s < pos < e and e - s > chunk_chars for s, e in sents)

        for c in group:
            assert c.section == name, (c.section, name)
            assert c.start in starts or in_long_sentence(c.start), (
                f"chunk starts mid-sentence: {c.text[:30]!r}"
            )
            assert c.end in ends or in_long_sentence(c.end), f"chunk ends mid-sentence: {c.text[-30:]!r}"
        # nothing of the section is lost: consecutive chunks overlap or touch (gaps are whitespace only)
        covered = [False] * (hi - lo)
        for c in group:
            for i in range(c.start, c.end):
                covered[i - lo] = True
        lost = "".join(text[lo + i] for i, ok in enumerate(covered) if not ok)
        assert lost.strip() == "", f"text not in any chunk: {lost.strip()[:50]!r}"
        for a, b in pairwise(group):
            assert b.start > a.start, "every chunk advances"
            overlap = a.end - b.start
            assert overlap <= eff_overlap, (overlap, eff_overlap)
    return chunks


# --- hand-built articles ---------------------------------------------------------------------------


def short_sentence_article() -> Article:
    sents_a = [f"第{i}句说园区第{i}个项目已经投产。" for i in range(30)]  # 15-16 chars each
    sents_b = [f"这是第二节的第{i}句话！" for i in range(20)]
    part_a = "".join(sents_a[:15]) + "\n" + "".join(sents_a[15:])
    text = part_a + "\n" + "".join(sents_b)
    return Article(
        title="测试文章",
        text=text,
        source="t.txt",
        sections=(Section(0, "第一节"), Section(len(part_a) + 1, "第二节")),
        date="2024-12-19",
    )


@pytest.mark.parametrize(("chunk_chars", "overlap_chars"), [(100, 40), (60, 20), (200, 60)])
def test_overlap_present_between_consecutive_chunks(chunk_chars: int, overlap_chars: int) -> None:
    art = short_sentence_article()
    chunks = check_article(art, chunk_chars, overlap_chars)
    assert len(chunks) >= 4
    for (_, _, name), group in by_section(art, chunks).items():
        assert len(group) >= 2, name
        for a, b in pairwise(group):
            # every sentence is shorter than the overlap budget, so at least one sentence is repeated
            assert b.start < a.end, f"no overlap between consecutive chunks in {name}"
            assert a.text.endswith(art.text[b.start : a.end])


def test_no_overlap_setting_gives_disjoint_chunks() -> None:
    art = short_sentence_article()
    chunks = check_article(art, 100, 0)
    for a, b in pairwise(chunks):
        assert b.start >= a.end


def test_overlap_is_capped_at_half_a_chunk() -> None:
    art = short_sentence_article()
    chunks = check_article(art, 80, 500)  # check_article asserts overlap <= chunk_chars // 2
    assert len(chunks) > 2


def test_sections_are_carried_and_never_crossed() -> None:
    art = short_sentence_article()
    chunks = check_article(art, 100, 30)
    assert {c.section for c in chunks} == {"第一节", "第二节"}
    boundary = art.sections[1].start
    assert all(c.end <= boundary or c.start >= boundary for c in chunks)
    assert all(c.section == art.section_at(c.start) for c in chunks)


def test_text_before_first_section_gets_empty_section_name() -> None:
    lead = "导语第一句。导语第二句。"
    body = "正文第一句。正文第二句。"
    art = Article(
        title="t", text=lead + "\n" + body, source="s.txt", sections=(Section(len(lead) + 1, "正文"),)
    )
    chunks = check_article(art, 300, 60)
    assert [(c.section, c.text) for c in chunks] == [("", lead), ("正文", body)]


def test_long_sentence_is_cut_at_clauses_then_hard() -> None:
    clauses = "，".join(f"园区第{i}家企业完成技改" for i in range(40)) + "。"  # one sentence, ~500 chars
    wall = "甲" * 430 + "。"  # one sentence without any punctuation inside
    art = Article(title="长句", text=clauses + "\n" + wall, source="long.txt")
    chunks = check_article(art, 100, 20)
    first = [c for c in chunks if c.end <= len(clauses)]
    assert len(first) >= 5
    assert all(c.text[-1] in "，。" for c in first), (
        "a long sentence with commas is cut at clause punctuation"
    )
    second = [c for c in chunks if c.start > len(clauses)]
    assert sum(len(c.text) for c in second) >= len(wall)
    assert max(len(c.text) for c in second) == 100


def test_no_chunk_is_contained_in_its_predecessor(corpus_articles: list[Article]) -> None:
    repro = Article(title="t", text="甲" * 39 + "。乙乙乙乙乙，" + "丙" * 60 + "。", source="s.txt")
    cases = [(repro, 50, 20)] + [(a, cc, ov) for a in corpus_articles for cc, ov in SETTINGS]
    bad = []
    for art, cc, ov in cases:
        chunks = chunk_article(art, cc, ov)
        for a, b in pairwise(chunks):
            if a.section == b.section and b.end <= a.end:
                bad.append(f"{art.source} ({cc},{ov}): {b.text!r} inside {a.text[-30:]!r}")
    assert not bad, f"{len(bad)} redundant chunks, e.g. {bad[:3]}"


def test_sentence_shorter_than_limit_is_never_split() -> None:
    sents = [
        "短句。",
        "这是一个稍微长一些的句子，里面有逗号，但不超过上限。",
        "乐山高新区“一区五园”营业收入1780亿元。”",
        "再来一句？",
    ]
    art = Article(title="t", text="".join(sents * 6), source="x.txt")
    for cc, ov in [(40, 10), (60, 30), (45, 0)]:
        chunks = check_article(art, cc, ov)
        for c in chunks:
            assert c.text.startswith(("短句", "这是", "乐山", "再来")), c.text


def test_empty_and_tiny_articles() -> None:
    assert chunk_article(Article(title="空", text="", source="e.txt")) == []
    (only,) = chunk_article(Article(title="小", text="一句话。", source="s.txt"))
    assert (only.text, only.start, only.end, only.section) == ("一句话。", 0, 4, "")
    with pytest.raises(ValueError):
        chunk_article(Article(title="小", text="一句话。", source="s.txt"), chunk_chars=0)


def test_ids_depend_on_content_and_place() -> None:
    art = short_sentence_article()
    a = chunk_article(art, 100, 30)
    assert [c.id for c in chunk_article(art, 100, 30)] == [c.id for c in a]
    other_source = Article(title=art.title, text=art.text, source="u.txt", sections=art.sections)
    assert not {c.id for c in a} & {c.id for c in chunk_article(other_source, 100, 30)}
    edited = art.text.replace("第29句", "第二十九句")
    changed = chunk_article(
        Article(title=art.title, text=edited, source=art.source, sections=art.sections), 100, 30
    )
    same = {c.id for c in a} & {c.id for c in changed}
    assert same and len(same) < len(a), "an edit late in the article keeps the ids of earlier chunks"


def test_embedding_text_carries_title_and_section() -> None:
    (c,) = chunk_article(
        Article(title="标题", text="一句话。", source="s.txt", sections=(Section(0, "小节"),))
    )
    assert (
        embedding_text(c).startswith("标题") and "小节" in embedding_text(c) and c.text in embedding_text(c)
    )


# --- the real corpus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_articles() -> list[Article]:
    load = load_corpus([CORPUS])
    assert load.articles
    return load.articles


@pytest.mark.parametrize(("chunk_chars", "overlap_chars"), SETTINGS)
def test_corpus_chunks_hold_all_properties(
    corpus_articles: list[Article], chunk_chars: int, overlap_chars: int
) -> None:
    total = 0
    for art in corpus_articles:
        chunks = check_article(art, chunk_chars, overlap_chars)
        total += len(chunks)
        if art.sections:
            assert {c.section for c in chunks} >= {s.name for s in art.sections}
    all_ids = [c.id for art in corpus_articles for c in chunk_article(art, chunk_chars, overlap_chars)]
    assert len(set(all_ids)) == len(all_ids) == total


def test_corpus_default_chunks_mostly_overlap(corpus_articles: list[Article]) -> None:
    pairs = overlapping = 0
    for art in corpus_articles:
        for group in by_section(art, chunk_article(art, 300, 60)).values():
            for a, b in pairwise(group):
                pairs += 1
                overlapping += b.start < a.end
    assert pairs > 5
    # a pair may lack overlap only when the last sentence is longer than 60 chars (common in this corpus)
    assert overlapping >= 1, f"{overlapping}/{pairs} consecutive pairs overlap"


_CHILD = """
import json, sys
from bot.chunks import chunk_article
from bot.corpus import load_corpus
arts = load_corpus([sys.argv[1]]).articles
print(json.dumps([c.id for a in arts for c in chunk_article(a, 300, 60)]))
"""


def test_ids_are_stable_across_processes(corpus_articles: list[Article]) -> None:
    here = [c.id for a in corpus_articles for c in chunk_article(a, 300, 60)]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(CORPUS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == here
