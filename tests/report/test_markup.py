"""Every page of the fixture corpus: self-contained (no script, no external asset), accessible markup.

Checked on all of fixtures/ctgov, so an unusual record (no arms, no criteria, 30 arms, hostile text) cannot
break the structure unnoticed.
"""

from __future__ import annotations

import itertools

import pytest

from fhir_adapter.report import write_reports
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV
from tests.report.pages import PageReader, read_page

ASSET_TAGS = {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"}


@pytest.fixture(scope="module")
def corpus_pages(tmp_path_factory: pytest.TempPathFactory, terms: Terms) -> dict[str, PageReader]:
    out = tmp_path_factory.mktemp("corpus")
    results = list(write_reports([CTGOV], out, terms))
    assert all(r.outcome != "failed" for r in results), [r.error for r in results if r.error]
    return {p.name: read_page(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.html"))}


def test_every_record_has_a_page_and_the_index_links_each(corpus_pages: dict[str, PageReader]) -> None:
    index = corpus_pages["index.html"]
    links = {attrs["href"] for tag, attrs in index.tags if tag == "a" and not attrs["href"].startswith("#")}
    assert links == set(corpus_pages) - {"index.html"}
    assert len(links) == len(list(CTGOV.glob("*.json")))


def test_pages_load_nothing_from_outside(corpus_pages: dict[str, PageReader]) -> None:
    for name, page in corpus_pages.items():
        tags = [tag for tag, _ in page.tags]
        assert not ASSET_TAGS & set(tags), name
        assert tags.count("style") == 1, name
        for tag, attrs in page.tags:
            assert "src" not in attrs and "style" not in attrs, (name, tag)
            href = attrs.get("href", "")
            assert tag == "a" or not href, (name, tag)
            assert href.startswith(("#", "https://clinicaltrials.gov/", "NCT", "index.html")) or not href


def test_pages_are_accessible_markup(corpus_pages: dict[str, PageReader]) -> None:
    for name, page in corpus_pages.items():
        tags = [tag for tag, _ in page.tags]
        html_attrs = next(attrs for tag, attrs in page.tags if tag == "html")
        assert html_attrs.get("lang") == "en", name
        assert tags.count("h1") == 1 and tags.count("title") == 1 and "main" in tags, name
        headings = [int(tag[1]) for tag in tags if tag in ("h1", "h2", "h3", "h4")]
        assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), name  # no level skipped
        for table in page.tables:
            assert table.caption.strip(), name
            cells = [cell for row in table.rows for cell in row]
            assert all(c.attrs.get("scope") in ("col", "row") for c in cells if c.tag == "th"), name
            assert all(c.tag == "th" and c.attrs["scope"] == "col" for c in table.rows[0]), name
            if "findings" not in table.classes:  # a finding has no short name to head its row
                assert all(row[0].tag == "th" for row in table.rows), name
