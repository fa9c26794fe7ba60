"""Reading a report page without a browser: its tables (caption, cells, text, marks) via html.parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    """One th/td: its tag, attributes, text, and the classes and <mark> texts inside it."""

    tag: str
    attrs: dict[str, str]
    text: str = ""
    classes: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)


@dataclass
class Table:
    classes: list[str]
    caption: str = ""
    rows: list[list[Cell]] = field(default_factory=list)

    def row(self, header: str) -> list[Cell]:
        """Return the row whose first cell's text starts with `header`."""
        return next(r for r in self.rows if r and r[0].text.startswith(header))

    def rows_starting(self, header: str) -> list[list[Cell]]:
        return [r for r in self.rows if r and r[0].text.startswith(header)]


class PageReader(HTMLParser):
    """Collects every table of a page, the text of the page, and the tags seen (to find <script>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._cell: Cell | None = None
        self._in_caption = False
        self._in_mark = False
        self._mark = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "table":
            self.tables.append(Table(values.get("class", "").split()))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("th", "td") and self.tables and self.tables[-1].rows:
            self._cell = Cell(tag, values)
            self.tables[-1].rows[-1].append(self._cell)
        elif tag == "caption":
            self._in_caption = True
        elif tag == "mark":
            self._in_mark, self._mark = True, ""
        if self._cell is not None and "class" in values and tag not in ("th", "td"):
            self._cell.classes.extend(values["class"].split())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._cell = None
        elif tag == "caption":
            self._in_caption = False
        elif tag == "mark" and self._cell is not None:
            self._cell.marks.append(self._mark)
            self._in_mark = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.text += data
        if self._in_caption and self.tables:
            self.tables[-1].caption += data
        if self._in_mark:
            self._mark += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


def table_with_caption(page: PageReader, words: str) -> Table:
    return next(t for t in page.tables if words in t.caption)
