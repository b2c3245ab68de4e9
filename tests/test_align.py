"""Tables ruled with horizontal lines only (align.hrule_tables), on small canvas-drawn PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("reportlab")

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from conftest import RAW, shared_pdfs  # noqa: E402
from dxextract.errors import SettingsError  # noqa: E402
from dxextract.model import BBox, Page  # noqa: E402
from dxextract.pdf.extract import pdf_to_pages  # noqa: E402
from dxextract.tables.align import AlignSettings, hrule_tables  # noqa: E402

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
W, H = A4
FS = 9.0
X = (50.0, 150.0, 330.0, 450.0)  # column boundaries of the drawn tables (never drawn)

# (top, bottom) of each row; column 0 of rows 1-3 is one merged cell, vertically centred
HEADER = ("区分", "内容", "件数")
BODY = (("住民票の発行", "120件"), ("印鑑証明", "45件"), ("戸籍謄本", "30件"))


def _text(c: canvas.Canvas, x: float, top: float, s: str) -> None:
    """Draw ``s`` with its glyph box starting at ``top`` (pdfplumber's top-left origin)."""
    c.drawString(x, H - top - FS * 0.88, s)


def _rule(c: canvas.Canvas, x0: float, x1: float, y: float) -> None:
    c.line(x0, H - y, x1, H - y)


def _table(c: canvas.Canvas, top: float, inner_rules: bool, extra_row: bool) -> float:
    """Draw the test table from ``top``; returns its bottom.

    Rows are 20 pt high, text 4 pt below each row top, 3 pt right of the column's left edge.
    With ``inner_rules`` every row boundary is ruled except across the merged column-0 cell
    (a word processor's borders); without, only the top, the header underline and the bottom.
    """
    c.setFont(FONT, FS)
    c.setLineWidth(0.6)
    _rule(c, X[0], X[-1], top)
    for i, s in enumerate(HEADER):
        _text(c, X[i] + 3, top + 4, s)
    y = top + 20
    _rule(c, X[0], X[-1], y)  # header underline
    body_top = y
    for k, (item, count) in enumerate(BODY):
        if k and inner_rules:
            _rule(c, X[1], X[-1], y)  # interrupted under the merged cell
        _text(c, X[1] + 3, y + 4, item)
        _text(c, X[2] + 3, y + 4, count)
        y += 20
    _text(c, X[0] + 3, (body_top + y) / 2 - FS / 2, "窓口")  # centred over the three rows
    if extra_row:
        _rule(c, X[0], X[-1], y)
        _text(c, X[0] + 3, y + 4, "電子")
        _text(c, X[1] + 3, y + 4, "オンライン申請")
        _text(c, X[2] + 3, y + 4, "88件")
        y += 20
    _rule(c, X[0], X[-1], y)
    return y


def _page(path: Path, draw) -> Page:  # type: ignore[no-untyped-def]
    c = canvas.Canvas(str(path), pagesize=A4)
    draw(c)
    c.showPage()
    c.save()
    return next(iter(pdf_to_pages(path)))


def _cells(found: tuple) -> set[tuple[int, int, int, int, str]]:  # type: ignore[type-arg]
    return {(k.r, k.c, k.rowspan, k.colspan, k.text) for k in found[1]}


def _covered_once(found: tuple) -> None:  # type: ignore[type-arg]
    _box, cells, nr, nc = found
    seen = [[0] * nc for _ in range(nr)]
    for k in cells:
        for r in range(k.r, k.r + k.rowspan):
            for c in range(k.c, k.c + k.colspan):
                seen[r][c] += 1
    assert all(v == 1 for row in seen for v in row)


def test_partial_rules_give_rows_and_a_merged_column(tmp_path: Path) -> None:
    page = _page(tmp_path / "hrules_merged.pdf", lambda c: _table(c, 100, True, True))
    found = hrule_tables(page, [])
    assert len(found) == 1
    box, cells, nr, nc = found[0]
    assert (nr, nc) == (5, 3)
    assert box.x0 == pytest.approx(X[0], abs=1) and box.x1 == pytest.approx(X[-1], abs=1)
    assert _cells(found[0]) == {
        (0, 0, 1, 1, "区分"), (0, 1, 1, 1, "内容"), (0, 2, 1, 1, "件数"),
        (1, 0, 3, 1, "窓口"), (1, 1, 1, 1, "住民票の発行"), (1, 2, 1, 1, "120件"),
        (2, 1, 1, 1, "印鑑証明"), (2, 2, 1, 1, "45件"),
        (3, 1, 1, 1, "戸籍謄本"), (3, 2, 1, 1, "30件"),
        (4, 0, 1, 1, "電子"), (4, 1, 1, 1, "オンライン申請"), (4, 2, 1, 1, "88件"),
    }
    _covered_once(found[0])
    assert all(k.page == 1 for k in cells)


def test_header_underline_only_rows_from_text(tmp_path: Path) -> None:
    page = _page(tmp_path / "hrules_header_only.pdf", lambda c: _table(c, 100, False, False))
    found = hrule_tables(page, [])
    assert len(found) == 1
    assert found[0][2:] == (4, 3)
    assert _cells(found[0]) == {
        (0, 0, 1, 1, "区分"), (0, 1, 1, 1, "内容"), (0, 2, 1, 1, "件数"),
        (1, 0, 3, 1, "窓口"), (1, 1, 1, 1, "住民票の発行"), (1, 2, 1, 1, "120件"),
        (2, 1, 1, 1, "印鑑証明"), (2, 2, 1, 1, "45件"),
        (3, 1, 1, 1, "戸籍謄本"), (3, 2, 1, 1, "30件"),
    }
    _covered_once(found[0])


def test_taken_area_is_ignored(tmp_path: Path) -> None:
    page = _page(tmp_path / "hrules_taken.pdf", lambda c: _table(c, 100, True, True))
    assert hrule_tables(page, [BBox(40, 90, 460, 210)]) == []


def _prose(c: canvas.Canvas, n_rules: int) -> None:
    c.setFont(FONT, 14)
    c.drawString(60, H - 80, "令和5年度 デジタル推進計画の実施状況について")
    _rule(c, 60, 420, 86)  # title underline
    c.setFont(FONT, 10.5)
    text = "本市では、行政手続きのオンライン化や窓口のデジタル化を進め、市民サービスの向上に取り組んだ。"
    for i in range(8):
        s = text[i % 5:] + text[: i % 5]
        c.drawString(60, H - 120 - 16 * i, s[:36])
    if n_rules >= 3:
        _rule(c, 60, 420, 260)  # a section separator
        c.drawString(60, H - 290, "以上のとおり報告する。")
    _rule(c, 60, 535, H - 50)  # footer line
    c.setFont(FONT, 9)
    c.drawString(290, 40, "- 1 -")


@pytest.mark.parametrize("n_rules", [2, 3])
def test_prose_page_with_a_few_rules_has_no_table(tmp_path: Path, n_rules: int) -> None:
    page = _page(tmp_path / f"prose_{n_rules}.pdf", lambda c: _prose(c, n_rules))
    assert hrule_tables(page, []) == []


def _ruled_pdfs() -> list[Path]:
    """The sample report, and the real PDFs of ../shared/realworld when it is there."""
    return [RAW / "kasama_dx_r5.pdf", *shared_pdfs("realworld")]


@pytest.mark.parametrize("pdf", _ruled_pdfs(), ids=lambda p: p.name)
def test_ruled_pdfs_give_no_extra_tables(pdf: Path) -> None:
    from dxextract.errors import InputError
    from dxextract.tables.reconstruct import page_to_tables

    try:
        pages = list(pdf_to_pages(pdf))
    except InputError:
        pytest.skip(f"{pdf.name}: not readable without OCR")
    for page in pages[:40]:
        pt = page_to_tables(page)
        taken = [BBox(min(k.bbox.x0 for k in t.cells), min(k.bbox.top for k in t.cells),
                      max(k.bbox.x1 for k in t.cells), max(k.bbox.bottom for k in t.cells))
                 for t in pt.tables]
        found = [box for box, *_rest in hrule_tables(page, taken)]
        assert found == [], f"{pdf.name} p{page.number}: rules-only tables found beside ruled ones"


def test_settings_are_validated() -> None:
    with pytest.raises(SettingsError, match=r"AlignSettings\.max_cross_share"):
        AlignSettings(max_cross_share=1.5)
    with pytest.raises(SettingsError, match=r"AlignSettings\.min_rules"):
        AlignSettings(min_rules=1)
    with pytest.raises(SettingsError, match=r"AlignSettings\.snap"):
        AlignSettings(snap=-1)


def _two_page_table(path: Path) -> list[Page]:
    """A table over two pages; its first column is one merged cell that goes on over the break.

    The header has no text over the first column, and on page 2 the first column is empty
    (the merged cell's continuation) and every rule is drawn in full: page 2 alone shows two
    columns, not three.
    """
    c = canvas.Canvas(str(path), pagesize=A4)
    for page, rows in ((1, (("住民票の発行", "120件"), ("印鑑証明", "45件"), ("戸籍謄本", "30件"))),
                       (2, (("転入届", "18件"), ("転出届", "12件")))):
        c.setFont(FONT, FS)
        c.setLineWidth(0.6)
        top = 100.0 if page == 1 else 60.0
        _rule(c, X[0], X[-1], top)
        _text(c, X[1] + 3, top + 4, "内容")
        _text(c, X[2] + 3, top + 4, "件数")
        y = top + 20
        _rule(c, X[0], X[-1], y)
        body_top = y
        for k, (item, count) in enumerate(rows):
            if k:
                _rule(c, X[1] if page == 1 else X[0], X[-1], y)
            _text(c, X[1] + 3, y + 4, item)
            _text(c, X[2] + 3, y + 4, count)
            y += 20
        if page == 1:
            _text(c, X[0] + 3, (body_top + y) / 2 - FS / 2, "窓口")
        _rule(c, X[0], X[-1], y)
        c.showPage()
    c.save()
    return list(pdf_to_pages(path))


def test_fragment_takes_columns_from_the_page_before(tmp_path: Path) -> None:
    from dxextract.tables.align import table_hint
    from dxextract.tables.reconstruct import pages_to_tables

    p1, p2 = _two_page_table(tmp_path / "hrules_two_pages.pdf")
    alone = hrule_tables(p2, [])
    assert [nc for *_rest, nc in alone] == [2]  # the fragment alone: no sign of the first column
    first = hrule_tables(p1, [])
    hint = table_hint(p1, first[0][1], first=True, last=True)
    assert hint is not None and hint.boundaries == pytest.approx((X[1], X[2]), abs=1.0)
    hinted = hrule_tables(p2, [], hints=[hint])
    assert [nc for *_rest, nc in hinted] == [3]
    assert _cells(hinted[0]) == {
        (0, 0, 1, 1, ""), (0, 1, 1, 1, "内容"), (0, 2, 1, 1, "件数"),
        (1, 0, 1, 1, ""), (1, 1, 1, 1, "転入届"), (1, 2, 1, 1, "18件"),
        (2, 0, 1, 1, ""), (2, 1, 1, 1, "転出届"), (2, 2, 1, 1, "12件"),
    }
    _covered_once(hinted[0])

    tables, _per_page = pages_to_tables([p1, p2])
    assert len(tables) == 1
    t = tables[0]
    assert (t.n_rows, t.n_cols, t.header_rows, t.pages) == (6, 3, 1, (1, 2))
    cells = {(k.r, k.c, k.rowspan, k.colspan, k.text) for k in t.cells}
    assert (1, 0, 4, 1, "窓口") in cells  # the merged cell goes on into page 2's first row
    assert {(4, 1, 1, 1, "転入届"), (5, 2, 1, 1, "12件")} <= cells


def test_ruled_tables_give_no_hint(tmp_path: Path) -> None:
    from dxextract.model import Cell
    from dxextract.tables.align import table_hint

    def draw(c: canvas.Canvas) -> None:
        _table(c, 100, True, False)
        for x in X:
            c.line(x, H - 100, x, H - 180)

    page = _page(tmp_path / "ruled.pdf", draw)
    cell = Cell(r=0, c=0, rowspan=1, colspan=1, text="", page=1, bbox=BBox(X[0], 100, X[-1], 180))
    assert table_hint(page, [cell], first=True, last=True) is None
