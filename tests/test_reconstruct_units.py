"""Unit tests of the transforms on small hand-made inputs (no PDF): cell text, grid spans, stitching."""

from __future__ import annotations

import pytest

from dxextract.errors import SettingsError
from dxextract.model import BBox, Cell, Char, Segment, Table
from dxextract.tables.celltext import TextSettings, chars_to_cell_text, chars_to_lines
from dxextract.tables.reconstruct import (
    Grid,
    ReconstructSettings,
    _join,
    cluster_to_grid,
    grid_to_spans,
    merge_segments,
    segments_to_clusters,
)

SIZE = 10.0


def line_chars(text: str, x0: float, top: float, size: float = SIZE) -> list[Char]:
    """Monospaced chars: full-width glyphs one em wide, ASCII half."""
    out, x = [], x0
    for ch in text:
        w = size if ord(ch) > 0x2000 else size / 2
        out.append(Char(ch, x, top, x + w, top + size, size))
        x += w
    return out


def cell_of(lines: list[str], width_em: float) -> tuple[list[Char], BBox]:
    box = BBox(0.0, 0.0, width_em * SIZE + 2.0, 14.0 * len(lines) + 4)
    chars: list[Char] = []
    for i, text in enumerate(lines):
        chars += line_chars(text, 1.0, 2.0 + 14.0 * i)
    return chars, box


# --- cell text ----------------------------------------------------------------------------------


def test_wrapped_japanese_joins_without_space() -> None:
    chars, box = cell_of(["市民サービスの向上につながる", "取り組みを強化"], 14)
    assert chars_to_cell_text(chars, box) == "市民サービスの向上につながる取り組みを強化"


def test_short_line_keeps_the_authors_break() -> None:
    chars, box = cell_of(["継続実施", "平均点の向上"], 14)
    assert chars_to_cell_text(chars, box) == "継続実施\n平均点の向上"


@pytest.mark.parametrize("marker", ["■", "・", "※", "【", "①", "(1)", "（２）", "-----"])
def test_a_marker_begins_a_new_line_even_after_a_full_line(marker: str) -> None:
    chars, box = cell_of(["あいうえおかきくけこさしすせ", f"{marker}そたち"], 14)
    assert chars_to_cell_text(chars, box) == f"あいうえおかきくけこさしすせ\n{marker}そたち"


def test_kinsoku_a_line_short_by_one_char_before_punctuation_is_wrapped() -> None:
    # 「す、」 cannot be split: the breaker moved す down with the 、 that may not begin a line,
    # leaving 1.5 em free — more than す alone needs, less than 「す、」
    chars, box = cell_of(["あいうえおかきくけこさし", "す、せそ"], 13.5)
    assert chars_to_cell_text(chars, box) == "あいうえおかきくけこさしす、せそ"


def test_a_latin_word_that_did_not_fit_wraps_with_a_space() -> None:
    chars, box = cell_of(["オンライン予約 Web", "reservation system"], 14)
    text = chars_to_cell_text(chars, box)
    assert text == "オンライン予約 Web reservation system"


def test_full_line_ending_a_sentence_is_an_authors_break() -> None:
    chars, box = cell_of(["データの一元化を進めた。", "かさママサロン"], 12)
    assert chars_to_cell_text(chars, box) == "データの一元化を進めた。\nかさママサロン"


def test_lines_group_by_baseline_not_by_order() -> None:
    chars = line_chars("二行目", 1, 20) + line_chars("一行目", 1, 2)
    assert [ln.text for ln in chars_to_lines(chars, TextSettings())] == ["一行目", "二行目"]


# --- grid and spans --------------------------------------------------------------------------------


def h(y: float, x0: float, x1: float) -> Segment:
    return Segment("h", x0, y, x1, y)


def v(x: float, t: float, b: float) -> Segment:
    return Segment("v", x, t, x, b)


def test_vertical_merge_is_one_cell_with_rowspan() -> None:
    # 2 columns x 3 rows; column 0 has no rules between its rows
    segs = [h(0, 0, 200), h(100, 100, 200), h(200, 100, 200), h(300, 0, 200),
            v(0, 0, 300), v(100, 0, 300), v(200, 0, 300)]
    s = ReconstructSettings()
    (cluster,) = segments_to_clusters(merge_segments(segs, s), s)
    grid = cluster_to_grid(cluster, s)
    assert grid is not None
    assert grid_to_spans(grid, s) == [(0, 0, 3, 1), (0, 1, 1, 1), (1, 1, 1, 1), (2, 1, 1, 1)]


def test_horizontal_merge_is_one_cell_with_colspan() -> None:
    segs = [h(0, 0, 300), h(50, 0, 300), h(100, 0, 300),
            v(0, 0, 100), v(100, 50, 100), v(200, 0, 100), v(300, 0, 100)]
    s = ReconstructSettings()
    grid = cluster_to_grid(segments_to_clusters(merge_segments(segs, s), s)[0], s)
    assert grid is not None
    assert grid_to_spans(grid, s) == [(0, 0, 1, 2), (0, 2, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1), (1, 2, 1, 1)]


def test_an_l_shaped_region_is_cut_into_rectangles() -> None:
    # a 款 row spanning two columns over an indented 項 row (a tree layout): no rule under
    # column 0, none between the columns on the first row. The cell at r1c1 keeps its own text.
    grid = Grid(xs=(0, 100, 200), ys=(0, 100, 200),
                h=(h(0, 0, 200), h(100, 100, 200), h(200, 0, 200)),
                v=(v(0, 0, 200), v(100, 100, 200), v(200, 0, 200)))
    assert grid_to_spans(grid, ReconstructSettings()) == [(0, 0, 1, 2), (1, 0, 1, 1), (1, 1, 1, 1)]


def test_broken_rules_are_joined_and_double_rules_snapped() -> None:
    s = ReconstructSettings()
    merged = merge_segments([h(10, 0, 50), h(10.5, 51, 100), v(0, 0, 40), v(0.8, 39, 80)], s)
    assert sorted((m.orientation, round(m.x0), round(m.x1), round(m.top), round(m.bottom)) for m in merged) == \
        [("h", 0, 100, 10, 10), ("v", 0, 0, 0, 80)]


def test_column_rules_running_past_the_last_row_make_an_open_row() -> None:
    s = ReconstructSettings()
    segs = [h(0, 0, 200), h(50, 0, 200), v(0, 0, 90), v(100, 0, 90), v(200, 0, 90)]
    grid = cluster_to_grid(segments_to_clusters(merge_segments(segs, s), s)[0], s)
    assert grid is not None and [round(y) for y in grid.ys] == [0, 50, 90]


def test_settings_are_validated_with_the_key_named() -> None:
    with pytest.raises(SettingsError, match="cover"):
        ReconstructSettings(cover=0)


# --- stitching ------------------------------------------------------------------------------------


def cell(r: int, c: int, text: str, rs: int = 1, page: int = 1, bottom: float | None = None) -> Cell:
    box = BBox(c * 100, r * 20, c * 100 + 100, (r + rs) * 20)
    return Cell(r, c, rs, 1, text, page, box, text_bottom=bottom)


def table(cells: list[Cell], n_rows: int, page: int) -> Table:
    return Table("x", tuple(cells), n_rows, 2, 0, (page,))


def test_join_drops_the_repeated_header_and_extends_a_cut_merged_cell() -> None:
    a = table([cell(0, 0, "施策"), cell(0, 1, "状況"), cell(1, 0, "(1) 推進", rs=2), cell(1, 1, "a"),
               cell(2, 1, "b")], 3, 1)
    b = table([cell(0, 0, "施策", page=2), cell(0, 1, "状況", page=2), cell(1, 0, "", rs=2, page=2),
               cell(1, 1, "c", page=2), cell(2, 1, "d", page=2)], 3, 2)
    joined = _join(a, b)
    assert joined.n_rows == 5 and joined.header_rows == 1 and joined.pages == (1, 2)
    assert joined.cell_at(4, 0) == joined.cell_at(1, 0)
    assert joined.cell_at(1, 0).rowspan == 4  # type: ignore[union-attr]
    assert [c.text for c in joined.cells if c.c == 1] == ["状況", "a", "b", "c", "d"]


def test_join_rejoins_a_row_split_by_the_page_break() -> None:
    a = Table("x", (cell(0, 0, "取り組み"), cell(0, 1, "状況"), cell(0, 2, "予定"),
                    cell(1, 0, "■前半"), cell(1, 1, "向上"), cell(1, 2, "継続")), 2, 3, 0, (1,))
    b = Table("x", (cell(0, 0, "取り組み", page=2), cell(0, 1, "状況", page=2), cell(0, 2, "予定", page=2),
                    cell(1, 0, "・後半", page=2), cell(1, 1, "", page=2), cell(1, 2, "", page=2),
                    cell(2, 0, "■次", page=2), cell(2, 1, "—", page=2), cell(2, 2, "継続", page=2)), 3, 3, 0, (2,))
    joined = _join(a, b)
    assert joined.n_rows == 3
    assert joined.cell_at(1, 0).text == "■前半\n・後半"  # type: ignore[union-attr]
    assert joined.cell_at(2, 0).text == "■次"  # type: ignore[union-attr]


def test_a_border_drawn_dash_by_dash_is_one_rule_and_lone_dots_are_dropped() -> None:
    s = ReconstructSettings()
    dashes = [h(50, x, x + 2) for x in range(0, 200, 4)]  # 2 pt dashes, 2 pt gaps
    merged = merge_segments([*dashes, h(80, 10, 11), v(300, 0, 1)], s)
    assert [(m.orientation, round(m.x0), round(m.x1)) for m in merged] == [("h", 0, 198)]


def test_an_interrupted_rule_stays_interrupted() -> None:
    # two rules with a 4 pt gap (a cmidrule-like break between columns) are not one rule
    merged = merge_segments([h(50, 0, 100), h(50, 104, 200)], ReconstructSettings())
    assert len(merged) == 2


def _two_page_table(path, headings: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    c = canvas.Canvas(str(path), invariant=1)
    for page, heading in enumerate(headings):
        c.setFont("HeiseiKakuGo-W5", 11)
        c.drawString(50, 740, heading)
        top = 720 if page else 720
        rows = 20 if page == 0 else 4  # the first part fills its page
        bottom = top - 30 * rows
        for i in range(rows + 1):
            c.line(50, top - 30 * i, 450, top - 30 * i)
        for x in (50, 250, 450):
            c.line(x, top, x, bottom)
        c.setFont("HeiseiKakuGo-W5", 9)
        for i in range(rows):
            c.drawString(60, top - 30 * i - 18, f"項目{page}-{i}")
            c.drawString(260, top - 30 * i - 18, "継続実施")
        c.showPage()
    c.save()


@pytest.mark.parametrize(("second", "tables"), [
    ("基本戦略2 手の中にある市役所の実現（続き）", 1),
    ("基本戦略2 手の中にある市役所の実現", 1),
    ("（続き）", 1),
    ("基本戦略3 デジタルを活用した効率的な行政運営", 2),
])
def test_a_heading_printed_again_over_a_continued_table(tmp_path, second: str, tables: int) -> None:  # type: ignore[no-untyped-def]
    from dxextract.pdf.extract import pdf_to_pages
    from dxextract.tables.reconstruct import pages_to_tables

    pdf = tmp_path / "two.pdf"
    _two_page_table(pdf, ("基本戦略2 手の中にある市役所の実現", second))
    found, _ = pages_to_tables(pdf_to_pages(pdf))
    assert len(found) == tables
    if tables == 1:
        assert found[0].n_rows == 24 and found[0].pages == (1, 2)


def test_distributed_letter_spacing_is_not_spaces() -> None:
    # 均等割付: 「供 用 開 始 年 月」 spread evenly over a wide cell is the word 供用開始年月
    chars, x = [], 1.0
    for ch in "供用開始年月":
        chars.append(Char(ch, x, 2, x + SIZE, 2 + SIZE, SIZE))
        x += SIZE * 2.2
    box = BBox(0, 0, x + 1, 20)
    assert chars_to_cell_text(chars, box) == "供用開始年月"


def test_a_gap_before_a_number_is_a_space() -> None:
    chars = line_chars("利用率", 1, 2) + line_chars("9.7%", 1 + 3 * SIZE + 4, 2)
    assert chars_to_cell_text(chars, BBox(0, 0, 200, 20)) == "利用率 9.7%"
