"""The table core's decisions from a document's own geometry, on small hand-made inputs:
partly ruled tables, rows nobody ruled, wrap edges of asymmetric padding, tables without rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import RAW
from dxextract.errors import SettingsError
from dxextract.model import BBox, Char, Page, Segment
from dxextract.tables.celltext import chars_to_cell_text, chars_to_lines, wrap_edge
from dxextract.tables.reconstruct import (
    Grid,
    ReconstructSettings,
    grid_to_spans,
    page_to_tables,
    split_unruled_rows,
)
from dxextract.tables.textalign import TextTableSettings, columnar_lines, grid_to_text_cells

SIZE = 10.0


def words(text: str, x0: float, top: float, size: float = SIZE) -> list[Char]:
    """Latin text, each glyph half an em wide; a space is a gap, not a glyph."""
    out, x = [], x0
    for ch in text:
        if ch != " ":
            out.append(Char(ch, x, top, x + size / 2, top + size, size))
        x += size / 2
    return out


def box_grid(xs: list[float], ys: list[float], v_rows: set[int] | None = None) -> Grid:
    """A grid with every row rule; column rules only in the rows ``v_rows`` (None: all)."""
    h = tuple(Segment("h", xs[0], y, xs[-1], y) for y in ys)
    v = []
    for r in range(len(ys) - 1):
        if v_rows is None or r in v_rows:
            v += [Segment("v", x, ys[r], x, ys[r + 1]) for x in xs]
    v += [Segment("v", x, ys[0], x, ys[-1]) for x in (xs[0], xs[-1])]
    return Grid(tuple(xs), tuple(ys), h, tuple(v))


# --- partly ruled: a boxed header over a body whose columns nobody ruled ---------------------------

XS = [0.0, 100.0, 200.0, 300.0]
YS = [0.0, 20.0, 40.0, 60.0, 80.0]


def _partly_ruled_chars(last_row: str = "Total EU spanning all") -> list[Char]:
    chars = words("Country", 5, 5) + words("Rate", 105, 5) + words("Count", 205, 5)
    chars += words("Austria", 5, 25) + words("92.9", 150, 25) + words("5,821", 250, 25)
    chars += words("Belgium", 5, 45) + words("0", 170, 45) + words("906", 260, 45)
    chars += words(last_row, 70, 65)
    return chars


def test_unruled_body_columns_stand_where_text_sits_apart() -> None:
    spans = grid_to_spans(box_grid(XS, YS, v_rows={0}), ReconstructSettings(), _partly_ruled_chars())
    assert (1, 0, 1, 1) in spans and (1, 1, 1, 1) in spans and (1, 2, 1, 1) in spans
    assert (2, 0, 1, 1) in spans


def test_a_phrase_across_an_unruled_boundary_stays_one_cell() -> None:
    spans = grid_to_spans(box_grid(XS, YS, v_rows={0}), ReconstructSettings(), _partly_ruled_chars())
    assert (3, 0, 1, 3) in spans or (3, 0, 1, 2) in spans  # "Total EU spanning all" runs across x=100


def test_mostly_ruled_boundary_is_judged_by_rules_only() -> None:
    # every row ruled but the last: the last row is a merged cell even with text on both sides
    chars = _partly_ruled_chars("Left") + words("Right", 210, 65)
    spans = grid_to_spans(box_grid(XS, YS, v_rows={0, 1, 2}), ReconstructSettings(), chars)
    assert (3, 0, 1, 3) in spans


# --- rows nobody ruled inside one band ------------------------------------------------------------


def test_stacked_figures_beside_stacked_labels_become_rows() -> None:
    xs, ys = [0.0, 100.0, 200.0], [0.0, 20.0, 80.0]
    chars = words("Group", 5, 5) + words("Count", 105, 5)
    for i, (label, value) in enumerate([("3-year-olds", "1,530"), ("4-year-olds", "1,253"), ("Total", "2,783")]):
        chars += words(label, 5, 25 + 18 * i) + words(value, 150, 25 + 18 * i)
    grid = split_unruled_rows(box_grid(xs, ys), chars, ReconstructSettings())
    assert len(grid.ys) - 1 == 4
    spans = grid_to_spans(grid, ReconstructSettings(), chars)
    assert len(spans) == 8


def test_a_multi_line_text_cell_is_not_split() -> None:
    xs, ys = [0.0, 100.0, 200.0], [0.0, 60.0]
    chars = words("Rule text", 5, 5) + words("goes on", 5, 23) + words("and on", 5, 41)
    chars += words("one more", 105, 5) + words("paragraph", 105, 23)
    grid = split_unruled_rows(box_grid(xs, ys), chars, ReconstructSettings())
    assert grid.ys == (0.0, 60.0)


# --- where wrapped lines end ------------------------------------------------------------------------


def _jp(text: str, x0: float, top: float) -> list[Char]:
    return [Char(ch, x0 + i * SIZE, top, x0 + (i + 1) * SIZE, top + SIZE, SIZE) for i, ch in enumerate(text)]


def test_asymmetric_padding_wrapping_is_joined() -> None:
    # a cell 3 pt padded left and 20 pt right: 13 glyphs fit where the symmetric guess allows 14
    box = BBox(0.0, 0.0, 3 + 130 + 20, 60.0)
    cells = [
        _jp("あいうえおかきくけこさしす", 3, 2) + _jp("せそ", 3, 16),
        _jp("たちつてとなにぬねのはひふ", 3, 2) + _jp("へほ", 3, 16),
        _jp("まみむめもやゆよらりるれろ", 3, 2) + _jp("わを", 3, 16),
    ]
    edge = wrap_edge([chars_to_lines(c) for c in cells])
    assert edge == pytest.approx(133.0)
    assert chars_to_cell_text(cells[0], box, pad=3.0, right=edge) == "あいうえおかきくけこさしすせそ"
    assert chars_to_cell_text(cells[0], box, pad=3.0) == "あいうえおかきくけこさしす\nせそ"  # the old guess


def test_no_wrap_evidence_from_repeated_short_lines() -> None:
    cells = [_jp("継続実施", 3, 2) + _jp("平均点の向上", 3, 16), _jp("継続実施", 3, 2) + _jp("受講者の増大", 3, 16)]
    assert wrap_edge([chars_to_lines(c) for c in cells]) is None


# --- tables without rules ------------------------------------------------------------------------


def test_text_run_across_a_column_boundary_is_a_colspan() -> None:
    page = Page(1, 600, 800, (), ())
    chars = words("Threshold for releases", 110, 5)
    chars += words("air", 110, 25) + words("water", 210, 25) + words("land", 310, 25)
    cells = grid_to_text_cells(page, chars, [100.0, 200.0, 300.0, 400.0], [0.0, 20.0, 40.0],
                               TextTableSettings())
    top = [(c.c, c.colspan, c.text) for c in cells if c.r == 0]
    assert top == [(0, 2, "Threshold for releases"), (2, 1, "")]
    assert [(c.c, c.text) for c in cells if c.r == 1] == [(0, "air"), (1, "water"), (2, "land")]


def test_columnar_evidence_counts_lines_broken_into_runs() -> None:
    chars = []
    for i in range(4):
        chars += words(f"Item {i}", 50, 100 + 14 * i) + words(str(10 * i), 300, 100 + 14 * i)
    chars += words("A paragraph of running text without gaps", 50, 200)
    page = Page(1, 600, 800, tuple(chars), ())
    assert columnar_lines(page, [], TextTableSettings()) == 4
    assert columnar_lines(page, [BBox(0, 90, 600, 160)], TextTableSettings()) == 0


def test_text_table_settings_validate() -> None:
    with pytest.raises(SettingsError, match="parser"):
        TextTableSettings(parser="magic")
    with pytest.raises(SettingsError, match="min_lines"):
        TextTableSettings(min_lines=0)


def test_a_pdf_table_without_rules_is_found(tmp_path: Path) -> None:
    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    pdf = tmp_path / "no-rules.pdf"
    c = reportlab.Canvas(str(pdf))
    c.setFont("Helvetica", 10)
    c.drawString(72, 800, "Table 1. Notifications by country")
    rows = [("Country", "Cases", "Rate"), ("Austria", "5,821", "92.9"), ("Belgium", "5,906", "0.0"),
            ("Bulgaria", "38", "100.0"), ("Cyprus", "17", "7.1"), ("Denmark", "3,470", "12.1")]
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            c.drawString(72 + 150 * j, 770 - 16 * i, text)
    c.drawString(72, 600, "Running text below the table, one sentence long, with no gaps in it.")
    c.save()
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        p = doc.pages[0]
        chars = tuple(Char(ch["text"], ch["x0"], ch["top"], ch["x1"], ch["bottom"], ch["size"]) for ch in p.chars)
        page = Page(1, float(p.width), float(p.height), chars, (), source=str(pdf))
    found = page_to_tables(page, ReconstructSettings())
    assert len(found.tables) == 1
    t = found.tables[0]
    assert t.n_cols == 3
    head = next(c.r for c in t.cells if c.text == "Country")
    got = {(c.r - head, c.c, c.text) for c in t.cells}
    assert got >= {(0, 0, "Country"), (0, 2, "Rate"), (1, 1, "5,821"), (5, 0, "Denmark"), (5, 2, "12.1")}
    assert not any("Running text" in c.text for c in t.cells)


# --- which strokes are rules; which glyphs show -------------------------------------------------------


def test_white_strokes_are_not_rules_and_thin_filled_shapes_are() -> None:
    from dxextract.pdf.extract import ExtractSettings, _invisible, _segments

    class FakePage:
        lines = [{"x0": 10, "top": 50, "x1": 200, "bottom": 50, "stroking_color": (1.0,)},
                 {"x0": 10, "top": 80, "x1": 200, "bottom": 80, "stroking_color": (0.0,)}]
        rects = [{"x0": 10, "top": 100, "x1": 200, "bottom": 100.5, "fill": True, "stroke": False,
                  "non_stroking_color": (1.0, 1.0, 1.0)}]
        curves = [{"x0": 50, "top": 10, "x1": 51, "bottom": 300, "fill": True, "stroke": False,
                   "non_stroking_color": (0.2, 0.2, 0.2), "pts": []}]

    segs = _segments(FakePage(), ExtractSettings())
    assert [(s.orientation, round(s.top)) for s in segs if s.orientation == "h"] == [("h", 80)]
    assert [(s.orientation, round(s.x0)) for s in segs if s.orientation == "v"] == [("v", 50)]
    assert _invisible((0, 0, 0, 0)) and _invisible(1.0) and not _invisible((0.9, 0.1, 0.1)) and not _invisible(None)


def test_pdfium_reads_the_same_text_where_pdfminer_lies() -> None:
    import pdfplumber

    from dxextract.pdf.extract import ExtractSettings, _chars, _plausible_text
    from dxextract.pdf.raster import pdfium_chars

    pdf = RAW / "kasama_dx_r5.pdf"
    with pdfplumber.open(pdf) as doc:
        plumber = _chars(doc.pages[0], ExtractSettings())
    pdfium = pdfium_chars(pdf, 1)
    assert "".join(c.text for c in pdfium if c.text.strip()) == "".join(c.text for c in plumber if c.text.strip())
    # same places: centres within a point across, a quarter of the size down (ascent models differ)
    for a, b in zip([c for c in plumber if c.text.strip()], [c for c in pdfium if c.text.strip()], strict=True):
        assert abs(a.xc - b.xc) < 1.0 and abs(a.yc - b.yc) < 0.25 * a.size, (a, b)
    # a text layer of (cid:N) codes is replaced by pdfium's reading of the page
    lying = [Char("(cid:12)", c.x0, c.top, c.x1, c.bottom, c.size) for c in plumber]
    assert _plausible_text(pdf, 1, lying, ExtractSettings()) == pdfium
    assert _plausible_text(pdf, 1, plumber, ExtractSettings()) is plumber


@pytest.mark.parametrize("text", ["12", "- 3 -", "（3）", "(4)", "p. 5", "5 / 12", "［6］"])
def test_running_page_numbers(text: str) -> None:
    from dxextract.tables.celltext import PAGE_NUMBER

    assert PAGE_NUMBER.match(text)


@pytest.mark.parametrize("text", ["（3）取り組みの状況", "2023年度", "Table 4"])
def test_not_page_numbers(text: str) -> None:
    from dxextract.tables.celltext import PAGE_NUMBER

    assert not PAGE_NUMBER.match(text)


def test_header_standing_on_the_first_rule_makes_a_region() -> None:
    from dxextract.tables.align import AlignSettings, rules_to_regions

    # rules under the header (y=40) and at the bottom (y=120); none above the header
    rules = [Segment("h", 0, 40, 300, 40), Segment("h", 0, 120, 300, 120)]
    chars = words("Name", 5, 28) + words("Count", 150, 28) + words("Rate", 250, 28)
    for i, (a, b, c) in enumerate([("Austria", "12", "0.5"), ("Belgium", "7", "0.1"), ("Cyprus", "3", "0.9")]):
        chars += words(a, 5, 50 + 20 * i) + words(b, 150, 50 + 20 * i) + words(c, 250, 50 + 20 * i)
    regions = rules_to_regions(rules, chars, AlignSettings())
    assert len(regions) == 1
    assert min(r.top for r in regions[0].rules) < 28  # the header band is inside
    # a sentence standing on the first rule is no header
    head = len(words("Name", 5, 28) + words("Count", 150, 28) + words("Rate", 250, 28))
    prose = _jp("これは表の見出しではない文章です", 5, 28)
    assert rules_to_regions(rules, prose + chars[head:], AlignSettings()) == []


def test_a_cells_own_lines_join_where_rows_are_further_apart() -> None:
    from dxextract.tables.textalign import merge_wrapped_rows

    # two rows, 30 pt apart; the first row's left cell has three lines at a 2 pt gap
    chars = _jp("あいうえお", 0, 0) + _jp("かきくけこ", 0, 12) + _jp("さしす", 0, 24) + _jp("〇", 100, 12)
    chars += _jp("たちつ", 0, 64) + _jp("▲", 100, 64)
    ys = [-1.0, 11.0, 23.0, 50.0, 80.0]
    assert merge_wrapped_rows(chars, [0.0, 90.0, 120.0], ys, TextTableSettings()) == [-1.0, 49.0, 80.0]


def test_stacked_figures_keep_every_line_a_row() -> None:
    from dxextract.tables.textalign import merge_wrapped_rows

    chars = []
    for i, (a, b) in enumerate([("A", "1,530"), ("B", "1,253"), ("C", "2,783")]):
        chars += words(a, 0, 12 * i) + words(b, 100, 12 * i)
    ys = [-1.0, 11.0, 23.0, 40.0]
    assert merge_wrapped_rows(chars, [0.0, 90.0, 160.0], ys, TextTableSettings()) == ys


def test_a_continuation_without_the_merged_column_goes_on_its_columns() -> None:
    from dxextract.model import Cell, Table
    from dxextract.tables.reconstruct import PageTables, stitch_tables

    def cell(page: int, r: int, c: int, x0: float, x1: float, text: str, rs: int = 1) -> Cell:
        top = 100.0 + 20 * r
        return Cell(r=r, c=c, rowspan=rs, colspan=1, text=text, page=page, bbox=BBox(x0, top, x1, top + 20 * rs))

    xs = [40.0, 150.0, 420.0, 600.0]
    a = Table("p1-1", (cell(1, 0, 0, xs[0], xs[1], "施策", 2), cell(1, 0, 1, xs[1], xs[2], "取り組み1"),
                       cell(1, 0, 2, xs[2], xs[3], "状況1"), cell(1, 1, 1, xs[1], xs[2], "取り組み2"),
                       cell(1, 1, 2, xs[2], xs[3], "状況2")), 2, 3, 0, (1,))
    # the new page draws no box for the merged 施策 cell: its table starts at the second column
    b = Table("p2-1", (cell(2, 0, 0, xs[1], xs[2], "取り組み3"), cell(2, 0, 1, xs[2], xs[3], "状況3")),
              1, 2, 0, (2,))
    pages = [PageTables(1, 600, 800, (a,), ()), PageTables(2, 600, 800, (b,), ())]
    [t] = stitch_tables(pages, ReconstructSettings())
    assert (t.n_rows, t.n_cols) == (3, 3)
    assert {(c.r, c.c, c.rowspan, c.text) for c in t.cells} == {
        (0, 0, 3, "施策"), (0, 1, 1, "取り組み1"), (0, 2, 1, "状況1"), (1, 1, 1, "取り組み2"),
        (1, 2, 1, "状況2"), (2, 1, 1, "取り組み3"), (2, 2, 1, "状況3")}


def test_wide_left_padding_is_the_producers_not_a_fitted_cap() -> None:
    # 8.3 pt padded left and right: the last glyph of a wrapped line leaves less than one glyph
    box = BBox(0.0, 0.0, 8.3 + 135 + 8.3, 40.0)
    chars = _jp("あいうえおかきくけこさしすせ", 8.3, 2)[:13] + _jp("そ", 8.3, 16)
    assert chars_to_cell_text(chars, box, pad=8.3) == "あいうえおかきくけこさしすそ"


def test_rows_rules_running_past_the_box_add_the_outer_columns() -> None:
    from dxextract.tables.reconstruct import cluster_to_grid

    # rows ruled from x=0 to 400; only the middle columns (100..300) boxed
    h = [Segment("h", 0, y, 400, y) for y in (0, 20, 40, 60)]
    v = [Segment("v", x, 0, x, 60) for x in (100, 200, 300)]
    grid = cluster_to_grid(h + v, ReconstructSettings())
    assert grid is not None and grid.xs == (0, 100, 200, 300, 400)
    # a rule overhanging by a point or two is no column
    h2 = [Segment("h", 98, y, 302, y) for y in (0, 20, 40, 60)]
    grid2 = cluster_to_grid(h2 + v, ReconstructSettings())
    assert grid2 is not None and grid2.xs == (100, 200, 300)


def test_strategies_are_named_settings_and_pluggable(monkeypatch) -> None:
    from dxextract.tables import reconstruct

    with pytest.raises(SettingsError, match="unknown"):
        ReconstructSettings(strategies=("hrules", "magic"))
    seen = []

    def one_cell(page, taken, settings, hints):
        seen.append(list(taken))
        box = BBox(10, 10, 100, 30)
        return [(box, [reconstruct.Cell(r=0, c=0, rowspan=1, colspan=1, text="x", page=page.number, bbox=box)], 1, 1)]

    monkeypatch.setitem(reconstruct.STRATEGIES, "one", ("a made-up strategy", one_cell))
    page = Page(1, 600, 800, tuple(words("hello", 20, 15)), ())
    found = page_to_tables(page, ReconstructSettings(strategies=("one",)))
    assert [t.n_cols for t in found.tables] == [1] and seen == [[]]
    assert page_to_tables(page, ReconstructSettings(strategies=())).tables == ()


def test_columnar_evidence_needs_lines_standing_together() -> None:
    chars = []
    for i, y in enumerate((100, 300, 500)):  # a label and its value here and there on the page
        chars += words(f"Label {i}", 50, y) + words(str(i), 300, y)
    page = Page(1, 600, 800, tuple(chars), ())
    assert columnar_lines(page, [], TextTableSettings()) == 1


def test_a_cell_centred_beside_two_lines_is_one_row() -> None:
    from dxextract.tables.textalign import merge_wrapped_rows

    # 'Investigative Matters / Received by AUSAs' with its figures printed between the two
    # lines (overlapping both), then a one-line row: three text rows from the parser, two rows
    chars = words("Investigative Matters", 0, 0) + words("426", 150, 6) + words("Received by", 0, 12)
    chars += words("Defendants", 0, 40) + words("290", 150, 40)
    ys = [-1.0, 5.0, 11.5, 30.0, 52.0]
    out = merge_wrapped_rows(chars, [0.0, 140.0, 180.0], ys, TextTableSettings())
    assert out == [-1.0, 30.0, 52.0]


def test_rows_set_apart_are_not_joined_as_side_by_side() -> None:
    from dxextract.tables.textalign import merge_wrapped_rows

    chars = []
    for i, (a, b) in enumerate([("A", "1,530"), ("B", "1,253"), ("C", "2,783")]):
        chars += words(a, 0, 11 * i) + words(b, 100, 11 * i)  # tight: boxes touch, never overlap
    ys = [-1.0, 10.5, 21.5, 40.0]
    assert merge_wrapped_rows(chars, [0.0, 90.0, 160.0], ys, TextTableSettings()) == ys


def test_the_last_line_of_the_paragraph_above_is_not_the_first_row() -> None:
    from dxextract.tables.textalign import _without_prose_row

    prose = words("received no prison term and six received", 20, 0) + words("sentences of more", 20, 15)
    table = words("District", 20, 50) + words("FY 2007", 150, 50) + words("FY 2008", 220, 50)
    table += words("Cases", 20, 70) + words("217", 150, 70) + words("197", 220, 70)
    ys = [14.0, 45.0, 65.0, 85.0]
    box = BBox(15.0, 14.0, 280.0, 85.0)
    inside = [c for c in prose + table if c.top >= 14]
    assert _without_prose_row(prose + table, inside, ys, box, None) == [45.0, 65.0, 85.0]
    # a title row with nothing above it at the paragraph's leading stays
    assert _without_prose_row(table + words("Table 3", 20, 15), [c for c in table] + words("Table 3", 20, 15),
                              ys, box, None) == ys


def test_a_box_with_a_header_rule_reads_its_columns_from_the_text() -> None:
    # a frame and a rule under the header, no rule down the table: columns from alignment
    xs, ys = [0.0, 300.0], [0.0, 20.0, 100.0]
    segs = [Segment("h", 0.0, y, 300.0, y) for y in ys] + [Segment("v", x, 0.0, x, 100.0) for x in xs]
    chars = words("Name", 5, 5) + words("Count", 150, 5) + words("Rate", 230, 5)
    for i, (a, b, c) in enumerate([("Austria", "5,821", "92.9"), ("Belgium", "906", "0.4"), ("Cyprus", "12", "7.0")]):
        chars += words(a, 5, 25 + 25 * i) + words(b, 150, 25 + 25 * i) + words(c, 230, 25 + 25 * i)
    page = Page(number=1, width=400, height=200, chars=tuple(chars), segments=tuple(segs))
    [t] = page_to_tables(page, ReconstructSettings(strategies=())).tables
    assert (t.n_rows, t.n_cols) == (4, 3)
    assert {(c.r, c.c, c.text) for c in t.cells} >= {(0, 0, "Name"), (1, 1, "5,821"), (3, 2, "7.0")}


def test_a_framed_paragraph_is_still_not_a_table() -> None:
    segs = [Segment("h", 0.0, y, 300.0, y) for y in (0.0, 60.0)] + [Segment("v", x, 0.0, x, 60.0) for x in (0.0, 300.0)]
    chars = words("A framed note that runs over", 5, 5) + words("two lines of plain prose.", 5, 20)
    page = Page(number=1, width=400, height=200, chars=tuple(chars), segments=tuple(segs))
    assert page_to_tables(page, ReconstructSettings(strategies=())).tables == ()


# --- rules among the strokes of text drawn as outlines ---------------------------------------------


def test_a_rule_among_glyph_strokes_is_not_lost_when_merging() -> None:
    from dxextract.tables.reconstruct import merge_segments

    # strokes of outlined letters every 0.8 pt from x=141 to x=149 chain into one group
    # wider than the snap; the long column rule at 148.5 must come out, near its own place
    strokes = [Segment("v", 141.0 + 0.8 * i, 250.0, 141.0 + 0.8 * i, 252.0) for i in range(11)]
    rule = Segment("v", 148.5, 278.0, 148.5, 523.0)
    merged = merge_segments([*strokes, rule], ReconstructSettings())
    longs = [s for s in merged if s.bottom - s.top > 100]
    assert len(longs) == 1 and abs(longs[0].x0 - 148.5) < 1.0 and (longs[0].top, longs[0].bottom) == (278.0, 523.0)


def test_strokes_inside_a_glyph_box_are_not_rules() -> None:
    from dxextract.pdf.extract import ExtractSettings, _without_glyph_strokes

    glyph = Char("認", 100.0, 60.0, 116.0, 76.0, 16.0)
    stroke = Segment("h", 102.0, 66.0, 112.0, 66.0)  # 10 pt inside a 16 pt glyph
    rule = Segment("h", 50.0, 70.0, 400.0, 70.0)  # struck through the text: a rule
    elsewhere = Segment("v", 300.0, 60.0, 300.0, 66.0)  # short, but on no glyph
    kept = _without_glyph_strokes([stroke, rule, elsewhere], [glyph], ExtractSettings())
    assert kept == [rule, elsewhere]


def test_a_grid_finer_than_its_text_is_a_drawing_not_a_table() -> None:
    xs = [100.0 + 3 * i for i in range(6)]
    ys = [60.0 + 3 * i for i in range(6)]
    segs = [Segment("h", xs[0], y, xs[-1], y) for y in ys] + [Segment("v", x, ys[0], x, ys[-1]) for x in xs]
    page = Page(number=1, width=400, height=200, chars=(Char("認", 100.0, 60.0, 115.0, 75.0, 15.0),),
                segments=tuple(segs))
    assert page_to_tables(page, ReconstructSettings(strategies=())).tables == ()


# --- tables ruled only horizontally: hints and crossing lines -----------------------------------


def test_a_table_with_its_own_header_takes_no_columns_from_the_table_ending_the_page_before() -> None:
    from dxextract.tables.align import AlignSettings, ColumnHint, Region, _header_key, _hints_for

    chars = words("Item", 5, 5) + words("Status", 200, 5)
    header = _header_key(chars, 0.0, 300.0, 0.0, 20.0)
    rules = tuple(Segment("h", 0.0, y, 300.0, y) for y in (0.0, 20.0, 60.0))
    region = Region(0.0, 300.0, rules)
    page = Page(number=5, width=400, height=800, chars=tuple(chars), segments=rules)
    before = ColumnHint(4, 0.0, 300.0, (100.0, 250.0), "other header", first=True, last=True)
    same = ColumnHint(8, 0.0, 300.0, (190.0,), header, first=True, last=True)
    # the status matrix ending page 4 is another table: only the one with this header lends
    assert _hints_for(region, True, False, page, chars, [before, same], AlignSettings()) == [same]
    # a fragment beginning with rows, not a known header, is the part of the table before
    rows = words("Austria", 5, 5) + words("5,821", 200, 5)
    assert _hints_for(region, True, False, page, rows, [before, same], AlignSettings()) == [before]


def test_a_line_crossing_a_column_gap_does_not_merge_a_row_whose_lines_break_there() -> None:
    from dxextract.tables.align import AlignSettings, Region, region_to_cells

    chars = words("Activity", 5, 5) + words("Status", 160, 5)
    # row 1: two lines break at the gap; the third runs on into the status column (overflow)
    chars += words("Line one of it", 5, 25) + words("Good", 160, 25)
    chars += words("Line two of it", 5, 37) + words("Fine", 160, 37)
    chars += words("anoverflowinglinethatrunsintothenextcolumn", 5, 49)
    # row 2: an ordinary row
    chars += words("Other row", 5, 71) + words("Done", 160, 71)
    chars += words("and its end", 5, 83) + words("Late", 160, 83)
    rules = tuple(Segment("h", 0.0, y, 300.0, y) for y in (0.0, 20.0, 66.0, 100.0))
    page = Page(number=1, width=400, height=200, chars=tuple(chars), segments=rules)
    found = region_to_cells(Region(0.0, 300.0, rules), page, list(chars), AlignSettings())
    assert found is not None
    cells, _nr, nc = found
    assert nc == 2
    assert all(c.colspan == 1 for c in cells)
    assert any(c.text.startswith("Good") for c in cells)


def test_cells_of_several_lines_without_rules_become_rows_with_a_merged_cell() -> None:
    from dxextract.tables.textalign import TextTableSettings, block_cells

    # three columns set 6 pt apart (under an em): a measure merged over two items, each item
    # two lines at a 3 pt leading, rows 16 pt apart (the cells' padding), a status per item
    chars = _jp("施策名の", 0, 0) + _jp("ながい文", 0, 13)
    chars += _jp("取り組みの一つ目", 46, 0) + _jp("その続き", 46, 13) + _jp("○", 132, 6)
    chars += _jp("取り組みの二つ目", 46, 42) + _jp("その続き", 46, 55) + _jp("▲", 132, 48)
    chars += _jp("次の施策", 0, 84) + _jp("取り組みの三つ目", 46, 84) + _jp("×", 132, 84)
    # a text parser cut the table at every printed line, and its columns across the words
    ys = [-1.0, 11.5, 24.5, 40.0, 53.5, 66.5, 82.0, 96.0]
    xs = [-1.0, 30.0, 128.0, 145.0]
    page = Page(number=1, width=400, height=200, chars=tuple(chars), segments=())
    found = block_cells(page, chars, xs, ys, TextTableSettings())
    assert found is not None
    cells, n_rows, n_cols = found
    assert (n_rows, n_cols) == (3, 3)
    got = {(c.r, c.c, c.rowspan): c.text.replace("\n", "") for c in cells if c.text.strip()}
    assert got == {(0, 0, 2): "施策名のながい文", (0, 1, 1): "取り組みの一つ目その続き", (0, 2, 1): "○",
                   (1, 1, 1): "取り組みの二つ目その続き", (1, 2, 1): "▲",
                   (2, 0, 1): "次の施策", (2, 1, 1): "取り組みの三つ目", (2, 2, 1): "×"}


def test_one_line_a_row_keeps_the_parsers_rows() -> None:
    from dxextract.tables.textalign import TextTableSettings, block_cells

    chars = []
    for i, (a, b) in enumerate([("Austria", "X"), ("Belgium", "Y"), ("Cyprus", "Z")]):
        chars += words(a, 0, 14 * i) + words(b, 100, 14 * i)
    page = Page(number=1, width=400, height=200, chars=tuple(chars), segments=())
    assert block_cells(page, chars, [-1.0, 90.0, 120.0], [-1.0, 12.0, 26.0, 40.0], TextTableSettings()) is None
