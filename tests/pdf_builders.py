"""Builders of small fixture PDFs, each knowing exactly what it drew.

Every ``build_*`` function takes a target path, writes one PDF there with reportlab's canvas
(so the ruling lines are exactly the ones we ask for) and returns the path. Tables are
described by a :class:`TableLayout` (module constants below); :func:`expected_cells` turns a
layout into the cells ``tables.csv`` must hold, so tests compare the tool's output with what
the builder drew, never with a previous run of the tool.

Japanese text uses reportlab's built-in CID font ``HeiseiKakuGo-W5`` (Adobe-Japan1, not
embedded); pdfplumber extracts it as the original Unicode text (checked in
``test_generic_layer.test_committed_fixtures_match_builders``).

Coordinates in this module are pdfplumber's: PDF points, origin at the top-left of the page,
``top`` growing down; pages are 1-based. Only :func:`_y` converts to reportlab's bottom-left
origin.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_W, PAGE_H = A4
FS = 9.0  # font size of table text; every kanji/kana glyph is exactly FS wide in this font
LEADING = 13.0  # baseline-to-baseline distance inside a cell
PAD = 4.0  # horizontal padding between a ruling line and the text
LINE_WIDTH = 0.75
# Japanese line-breaking rules (kinsoku): these may not start a line. The wrapper refuses
# a text that would need them rather than silently drawing something a human would not.
NO_LINE_START = "、。，．）」』】・ー"

ENCRYPTED_USER_PASSWORD = "secret"
ENCRYPTED_OWNER_PASSWORD = "owner-secret"


# --------------------------------------------------------------------------- layout records


@dataclass(frozen=True)
class CellSpec:
    """One cell as drawn: top-left grid position, spans and text.

    ``text`` is the truth (author's line breaks as ``\\n``); ``lines`` is what is printed,
    one string per printed line, when it differs from ``text.split("\\n")`` (automatic wrap).
    """

    r: int
    c: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    lines: tuple[str, ...] | None = None
    align: str = "left"  # left | center | right
    is_header: bool = False

    @property
    def printed_lines(self) -> tuple[str, ...]:
        return self.lines if self.lines is not None else tuple(self.text.split("\n"))

    def covers(self, r: int, c: int) -> bool:
        return self.r <= r < self.r + self.rowspan and self.c <= c < self.c + self.colspan


@dataclass(frozen=True)
class TablePart:
    """The piece of a table printed on one page.

    ``rows`` lists the grid rows drawn, top to bottom. A header row that was already drawn on
    an earlier page (a repeated header) is listed again here; it is a copy, not a new row.
    """

    page: int
    top: float
    rows: tuple[int, ...]


@dataclass(frozen=True)
class TableLayout:
    """A ruled table: column widths, row heights, cells and where each part is printed."""

    x0: float
    col_widths: tuple[float, ...]
    row_heights: tuple[float, ...]
    cells: tuple[CellSpec, ...]
    parts: tuple[TablePart, ...]

    @property
    def n_rows(self) -> int:
        return len(self.row_heights)

    @property
    def n_cols(self) -> int:
        return len(self.col_widths)

    def cell_at(self, r: int, c: int) -> CellSpec:
        found = [cell for cell in self.cells if cell.covers(r, c)]
        if len(found) != 1:
            raise ValueError(f"layout error: grid position r{r}c{c} is covered by {len(found)} cells")
        return found[0]

    def col_x(self, c: int) -> float:
        return self.x0 + sum(self.col_widths[:c])


@dataclass(frozen=True)
class ExpectedCell:
    """A row ``tables.csv`` must contain for a table drawn from a :class:`TableLayout`.

    ``page`` and the bbox are those of the cell's first printed part (a cell cut by a page
    break is one cell, located where it starts).
    """

    r: int
    c: int
    rowspan: int
    colspan: int
    text: str
    is_header: bool
    page: int
    x0: float
    top: float
    x1: float
    bottom: float


def _part_span(layout: TableLayout, part: TablePart, cell: CellSpec) -> tuple[float, float] | None:
    """Top and bottom of the piece of ``cell`` printed in ``part`` (None if not in it)."""
    y = part.top
    top = bottom = None
    for r in part.rows:
        h = layout.row_heights[r]
        if cell.r <= r < cell.r + cell.rowspan:
            if top is None:
                top = y
            elif bottom != y:
                raise ValueError(f"layout error: cell r{cell.r}c{cell.c} is not contiguous on page {part.page}")
            bottom = y + h
        y += h
    return None if top is None or bottom is None else (top, bottom)


def expected_cells(layout: TableLayout) -> list[ExpectedCell]:
    """The cells of ``layout`` as ``tables.csv`` must report them, sorted by (r, c)."""
    out = []
    for cell in sorted(layout.cells, key=lambda cell: (cell.r, cell.c)):
        first = next(p for p in layout.parts if _part_span(layout, p, cell) is not None)
        span = _part_span(layout, first, cell)
        assert span is not None
        out.append(ExpectedCell(
            r=cell.r, c=cell.c, rowspan=cell.rowspan, colspan=cell.colspan, text=cell.text,
            is_header=cell.is_header, page=first.page,
            x0=layout.col_x(cell.c), top=span[0],
            x1=layout.col_x(cell.c + cell.colspan), bottom=span[1],
        ))
    return out


# --------------------------------------------------------------------------- text helpers


def text_width(text: str, size: float = FS) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap_to_width(text: str, width: float, size: float = FS) -> tuple[str, ...]:
    """Break ``text`` the way a word processor does: each line filled up to ``width``.

    Raises ValueError if a line would start with a character that kinsoku forbids there,
    so a fixture never contains a wrap that no real document would have.
    """
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and text_width(current + ch, size) > width + 0.01:
            lines.append(current)
            current = ""
        current += ch
    if current:
        lines.append(current)
    for line in lines[1:]:
        if line[0] in NO_LINE_START:
            raise ValueError(f"wrapping {text!r} at {width}pt puts {line[0]!r} at a line start")
    return tuple(lines)


def _y(top: float) -> float:
    """pdfplumber ``top`` -> reportlab y (origin bottom-left)."""
    return PAGE_H - top


def _new_canvas(path: Path, **kwargs: object) -> canvas.Canvas:
    path.parent.mkdir(parents=True, exist_ok=True)
    # invariant=1: no timestamps or random ids, so rebuilding gives the same bytes
    return canvas.Canvas(str(path), pagesize=A4, invariant=1, **kwargs)


def _draw_text(c: canvas.Canvas, x: float, top: float, text: str, size: float) -> None:
    """Draw one line whose glyph box starts at ``top`` (pdfplumber coordinates)."""
    c.setFont(FONT, size)
    c.drawString(x, _y(top + size * 0.88), text)


def _draw_paragraph(c: canvas.Canvas, x: float, top: float, width: float, text: str,
                    size: float = 10.5, leading: float = 18.0) -> float:
    """Draw ``text`` wrapped to ``width``; return the top of the next line."""
    for line in wrap_to_width(text, width, size):
        _draw_text(c, x, top, line, size)
        top += leading
    return top


def _draw_footer(c: canvas.Canvas, page: int) -> None:
    label = f"- {page} -"
    _draw_text(c, (PAGE_W - text_width(label, 9)) / 2, PAGE_H - 36, label, 9)


# --------------------------------------------------------------------------- table drawing


def _merge_runs(units: Sequence[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Merge collinear unit segments (fixed, start, end) that touch into maximal lines."""
    merged: list[tuple[float, float, float]] = []
    for fixed, a, b in sorted(units):
        if merged and merged[-1][0] == fixed and abs(merged[-1][2] - a) < 1e-6:
            merged[-1] = (fixed, merged[-1][1], b)
        else:
            merged.append((fixed, a, b))
    return merged


def _draw_table_part(c: canvas.Canvas, layout: TableLayout, part: TablePart) -> None:
    """Ruling lines only where two different cells meet, and the text of cells starting here."""
    rows = part.rows
    tops = [part.top]
    for r in rows:
        tops.append(tops[-1] + layout.row_heights[r])
    xs = [layout.col_x(j) for j in range(layout.n_cols + 1)]

    def owner(k: int, j: int) -> CellSpec | None:
        if 0 <= k < len(rows) and 0 <= j < layout.n_cols:
            return layout.cell_at(rows[k], j)
        return None

    horizontal = [(tops[k], xs[j], xs[j + 1])
                  for k in range(len(rows) + 1) for j in range(layout.n_cols)
                  if owner(k - 1, j) is None or owner(k, j) is None or owner(k - 1, j) != owner(k, j)]
    vertical = [(xs[j], tops[k], tops[k + 1])
                for j in range(layout.n_cols + 1) for k in range(len(rows))
                if owner(k, j - 1) is None or owner(k, j) is None or owner(k, j - 1) != owner(k, j)]
    c.setLineWidth(LINE_WIDTH)
    for top, a, b in _merge_runs(horizontal):
        c.line(a, _y(top), b, _y(top))
    for x, a, b in _merge_runs(vertical):
        c.line(x, _y(a), x, _y(b))

    for cell in layout.cells:
        if cell.r not in rows:  # not started here: a continued cell is an empty box
            continue
        span = _part_span(layout, part, cell)
        assert span is not None
        top, bottom = span
        x0, x1 = layout.col_x(cell.c), layout.col_x(cell.c + cell.colspan)
        lines = cell.printed_lines
        block = len(lines) * LEADING
        if block > bottom - top - 2:
            raise ValueError(f"layout error: text of r{cell.r}c{cell.c} does not fit its row height")
        line_top = top + (bottom - top - block) / 2 + (LEADING - FS) / 2
        for line in lines:
            w = text_width(line)
            if w > x1 - x0 - 2 * PAD + 0.01:
                raise ValueError(f"layout error: {line!r} is wider than cell r{cell.r}c{cell.c}")
            x = {"left": x0 + PAD, "center": (x0 + x1 - w) / 2, "right": x1 - PAD - w}[cell.align]
            _draw_text(c, x, line_top, line, FS)
            line_top += LEADING


def _header(r: int, texts: Sequence[str]) -> tuple[CellSpec, ...]:
    return tuple(CellSpec(r, j, t, align="center", is_header=True) for j, t in enumerate(texts))


# --------------------------------------------------------------------------- the layouts

TABLE_X0 = 70.0
TABLE_TOP = 90.0

# A vertical merge: 基本戦略 cells in column 0 spanning 3 and 2 rows.
VERTICAL_MERGE_TITLE = "基本戦略と施策の一覧"
VERTICAL_MERGE = TableLayout(
    x0=TABLE_X0,
    col_widths=(100.0, 220.0, 110.0),
    row_heights=(26.0, 30.0, 30.0, 30.0, 30.0, 30.0),
    cells=_header(0, ("基本戦略", "施策", "担当課")) + (
        CellSpec(1, 0, "基本戦略1", rowspan=3),
        CellSpec(1, 1, "①窓口手続のオンライン化"),
        CellSpec(1, 2, "市民課"),
        CellSpec(2, 1, "②キャッシュレス決済の導入"),
        CellSpec(2, 2, "会計課"),
        CellSpec(3, 1, "③電子契約の推進"),
        CellSpec(3, 2, "契約検査課"),
        CellSpec(4, 0, "基本戦略2", rowspan=2),
        CellSpec(4, 1, "①デジタル人材の育成"),
        CellSpec(4, 2, "人事課"),
        CellSpec(5, 1, "②情報セキュリティ対策"),
        CellSpec(5, 2, "情報政策課"),
    ),
    parts=(TablePart(page=1, top=TABLE_TOP, rows=(0, 1, 2, 3, 4, 5)),),
)

# A horizontal merge: a two-row header whose year cells span two columns each.
HORIZONTAL_MERGE_TITLE = "デジタル指標の目標と実績"
HORIZONTAL_MERGE = TableLayout(
    x0=TABLE_X0,
    col_widths=(160.0, 70.0, 70.0, 70.0, 70.0),
    row_heights=(24.0, 24.0, 26.0, 26.0, 26.0),
    cells=(
        CellSpec(0, 0, "指標名", rowspan=2, align="center", is_header=True),
        CellSpec(0, 1, "令和5年度", colspan=2, align="center", is_header=True),
        CellSpec(0, 3, "令和6年度", colspan=2, align="center", is_header=True),
        *_header(1, ("", "目標", "実績", "目標", "実績"))[1:],
        *(CellSpec(r, j, t, align="left" if j == 0 else "right")
          for r, row in enumerate((
              ("電子申請件数", "1200", "1350", "1500", "1620"),
              ("キャッシュレス決済導入施設数", "20", "18", "30", "31"),
              ("オープンデータ公開数", "80", "95", "100", "112"),
          ), start=2)
          for j, t in enumerate(row)),
    ),
    parts=(TablePart(page=1, top=TABLE_TOP, rows=(0, 1, 2, 3, 4)),),
)

# Automatic wrapping vs typed line breaks, in one narrow column exactly WRAP_CHARS glyphs wide.
WRAP_CHARS = 16
WRAP_COL_WIDTH = WRAP_CHARS * FS + 2 * PAD
WRAPPED_SENTENCE = (
    "窓口で受け付けている各種の申請手続について、市民が自宅から昼夜を問わず申請できるよう、"
    "電子申請システムで受け付ける手続を順次拡大し、市民の利便性の向上と職員の事務負担の軽減を図った。"
)
WRAPPED_COL_INNER = WRAP_COL_WIDTH - 2 * PAD
WRAPPED_LINES = wrap_to_width(WRAPPED_SENTENCE, WRAPPED_COL_INNER)
# Typed breaks: short lines, and lines starting with markers. The third line fills the cell
# width exactly, so only the marker on the next line says the break is the author's.
TYPED_LINES = (
    "デジタル推進課",
    "情報政策係",
    "■全窓口手続のオンライン化の推進",
    "・電子申請の対象を拡大",
    "※令和6年度から実施",
    "【成果】申請件数が増加",
    "①マイナンバーカード活用",
    "(1)基幹システムの改修",
)
TYPED_TEXT = "\n".join(TYPED_LINES)
# Both at once: typed bullets whose own text wraps.
MIXED_BULLETS = (
    "■行政手続のオンライン化を進め、市役所に来庁せずに申請できる手続を拡大した。",
    "■電子申請の利用方法を周知するため、市報と公式ウェブサイトで特集を組んだ。",
)
MIXED_LINES = tuple(line for b in MIXED_BULLETS for line in wrap_to_width(b, WRAPPED_COL_INNER))
MIXED_TEXT = "\n".join(MIXED_BULLETS)


def _fit(n_lines: int) -> float:
    return n_lines * LEADING + 10.0


WRAP_VS_BREAKS_TITLE = "取組の内容"
WRAP_VS_BREAKS = TableLayout(
    x0=TABLE_X0,
    col_widths=(80.0, WRAP_COL_WIDTH),
    row_heights=(24.0, _fit(len(WRAPPED_LINES)), _fit(len(TYPED_LINES)), _fit(len(MIXED_LINES))),
    cells=_header(0, ("区分", "内容")) + (
        CellSpec(1, 0, "取組内容"),
        CellSpec(1, 1, WRAPPED_SENTENCE, lines=WRAPPED_LINES),
        CellSpec(2, 0, "備考"),
        CellSpec(2, 1, TYPED_TEXT),
        CellSpec(3, 0, "成果"),
        CellSpec(3, 1, MIXED_TEXT, lines=MIXED_LINES),
    ),
    parts=(TablePart(page=1, top=TABLE_TOP, rows=(0, 1, 2, 3)),),
)

# A table continued over a page break: page 2 repeats the header row, and 基本戦略3 (rows
# 8-14) is cut by the break and continues as an empty box at the top of page 2.
PAGE_BREAK_TITLE = "第3章 施策の体系"
PAGE_BREAK_INTRO = (
    "本計画では、四つの基本戦略のもとに施策を位置付け、施策ごとに担当課を定めている。"
    "施策の一覧は次のとおりである。"
)
PAGE_BREAK_NOTE = "※担当課は令和6年4月1日時点の組織による。"
_MEASURES = (
    ("①窓口手続のオンライン化", "市民課"),
    ("②キャッシュレス決済の導入", "会計課"),
    ("③電子契約の推進", "契約検査課"),
    ("①デジタル人材の育成", "人事課"),
    ("②テレワーク環境の整備", "総務課"),
    ("③情報セキュリティ対策", "情報政策課"),
    ("④業務システムの標準化", "情報政策課"),
    ("①オープンデータの公開", "企画課"),
    ("②地域情報の発信", "秘書広聴課"),
    ("③公共施設予約のオンライン化", "生涯学習課"),
    ("④図書館サービスの電子化", "中央図書館"),
    ("⑤防災情報の配信", "危機管理課"),
    ("⑥子育て手続の電子化", "子ども課"),
    ("⑦介護サービス情報の提供", "高齢福祉課"),
    ("①地域ICT人材の確保", "企画課"),
    ("②スマート農業の推進", "農政課"),
)
PAGE_BREAK_TABLE_TOP = 150.0
PAGE_BREAK_ROW_H = 48.0
PAGE_BREAK = TableLayout(
    x0=TABLE_X0,
    col_widths=(100.0, 230.0, 110.0),
    row_heights=(28.0,) + (PAGE_BREAK_ROW_H,) * len(_MEASURES),
    cells=_header(0, ("基本戦略", "施策", "担当課")) + (
        CellSpec(1, 0, "基本戦略1", rowspan=3),
        CellSpec(4, 0, "基本戦略2", rowspan=4),
        CellSpec(8, 0, "基本戦略3", rowspan=7),
        CellSpec(15, 0, "基本戦略4", rowspan=2),
    ) + tuple(cell for r, (measure, dept) in enumerate(_MEASURES, start=1)
              for cell in (CellSpec(r, 1, measure), CellSpec(r, 2, dept))),
    parts=(
        TablePart(page=1, top=PAGE_BREAK_TABLE_TOP, rows=tuple(range(0, 13))),
        TablePart(page=2, top=60.0, rows=(0, *range(13, 17))),  # row 0 again: repeated header
    ),
)
PAGE_BREAK_CUT_CELL = (8, 0)  # (r, c) of the cell that continues on page 2


# --------------------------------------------------------------------------- builders


def _draw_titled_tables(c: canvas.Canvas, title: str, layout: TableLayout) -> None:
    pages = sorted({p.page for p in layout.parts})
    for page in pages:
        if page == pages[0]:
            _draw_text(c, layout.x0, 50.0, title, 14.0)
        for part in layout.parts:
            if part.page == page:
                _draw_table_part(c, layout, part)
        _draw_footer(c, page)
        c.showPage()


def build_vertical_merge(path: Path) -> Path:
    """One page: a title and a ruled table whose column 0 has cells spanning 3 and 2 rows."""
    c = _new_canvas(path)
    _draw_titled_tables(c, VERTICAL_MERGE_TITLE, VERTICAL_MERGE)
    c.save()
    return path


def build_horizontal_merge(path: Path) -> Path:
    """One page: a table with a two-row header whose year cells span 2 columns."""
    c = _new_canvas(path)
    _draw_titled_tables(c, HORIZONTAL_MERGE_TITLE, HORIZONTAL_MERGE)
    c.save()
    return path


def build_wrap_vs_breaks(path: Path) -> Path:
    """One page: a narrow column with a wrapped sentence, typed breaks, and wrapped bullets."""
    c = _new_canvas(path)
    _draw_titled_tables(c, WRAP_VS_BREAKS_TITLE, WRAP_VS_BREAKS)
    c.save()
    return path


def build_page_break_header(path: Path) -> Path:
    """Two pages: intro prose, then one table continued on page 2 under a repeated header."""
    c = _new_canvas(path)
    layout = PAGE_BREAK
    width = sum(layout.col_widths)
    _draw_text(c, layout.x0, 50.0, PAGE_BREAK_TITLE, 14.0)
    _draw_paragraph(c, layout.x0, 84.0, width, PAGE_BREAK_INTRO)
    _draw_table_part(c, layout, layout.parts[0])
    _draw_footer(c, 1)
    c.showPage()
    _draw_table_part(c, layout, layout.parts[1])
    part2_bottom = layout.parts[1].top + sum(layout.row_heights[r] for r in layout.parts[1].rows)
    _draw_text(c, layout.x0, part2_bottom + 8, PAGE_BREAK_NOTE, FS)
    _draw_footer(c, 2)
    c.showPage()
    c.save()
    return path


PROSE_TITLE = "令和5年度 デジタル化推進の取組について"
PROSE_SECTIONS = (
    ("1 計画の概要",
     "本市では、市民の利便性の向上と行政運営の効率化を目的として、デジタル化推進計画を策定し、"
     "全庁を挙げて取組を進めてきた。本報告は、令和5年度における取組の状況を取りまとめたものである。"),
    ("2 主な取組",
     "窓口手続のオンライン化については、対象手続を拡大し、市民が来庁せずに申請できる環境を整えた。"
     "また、職員の情報リテラシー向上のため、全職員を対象とした研修を実施した。"),
    ("3 今後の方向性",
     "今後も、国の動向を注視しながら、誰一人取り残されないデジタル社会の実現に向けて、"
     "市民や事業者の声を聞きつつ、着実に取組を進めていく。"),
)


def build_prose_only(path: Path) -> Path:
    """Two pages of headings and paragraphs; no table (one rule under the title, as reports have)."""
    c = _new_canvas(path)
    x, width = 70.0, PAGE_W - 140.0
    _draw_text(c, x, 50.0, PROSE_TITLE, 14.0)
    c.setLineWidth(LINE_WIDTH)
    c.line(x, _y(72.0), x + width, _y(72.0))  # a single rule is decoration, not a table
    top = 90.0
    for i, (heading, body) in enumerate(PROSE_SECTIONS):
        if i == 2:
            _draw_footer(c, 1)
            c.showPage()
            top = 60.0
        _draw_text(c, x, top, heading, 12.0)
        top = _draw_paragraph(c, x + 10.5, top + 24.0, width - 10.5, body) + 12.0
    _draw_footer(c, 2)
    c.showPage()
    c.save()
    return path


def _scan_image() -> ImageReader:
    """A grey page picture with dark boxes, like a scanned table: pixels only, no text."""
    img = Image.new("L", (298, 421), 240)
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 20, 200, 30), fill=40)  # "title"
    for row in range(6):
        for col in range(3):
            draw.rectangle((30 + col * 80, 50 + row * 24, 30 + col * 80 + 80, 50 + row * 24 + 24),
                           outline=30, width=1)
            draw.rectangle((36 + col * 80, 58 + row * 24, 80 + col * 80, 64 + row * 24), fill=90)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return ImageReader(buf)


def build_image_only(path: Path) -> Path:
    """One page holding only an embedded raster image (a scan): no text layer, no vector lines."""
    c = _new_canvas(path)
    c.drawImage(_scan_image(), 0, 0, width=PAGE_W, height=PAGE_H)
    c.showPage()
    c.save()
    return path


def build_encrypted(path: Path) -> Path:
    """The vertical-merge page, encrypted (RC4 128-bit) with user password ENCRYPTED_USER_PASSWORD."""
    c = _new_canvas(path, encrypt=StandardEncryption(
        ENCRYPTED_USER_PASSWORD, ownerPassword=ENCRYPTED_OWNER_PASSWORD, strength=128))
    _draw_titled_tables(c, VERTICAL_MERGE_TITLE, VERTICAL_MERGE)
    c.save()
    return path


CASES: dict[str, Callable[[Path], Path]] = {
    "vertical_merge": build_vertical_merge,
    "horizontal_merge": build_horizontal_merge,
    "wrap_vs_breaks": build_wrap_vs_breaks,
    "page_break_header": build_page_break_header,
    "prose_only": build_prose_only,
    "image_only": build_image_only,
    "encrypted": build_encrypted,
}
"""Fixture name (``tests/pdfs/<name>.pdf``) -> its builder."""


# --------------------------------------------------------------------------- damaged and turned pages


def build_turned(path: Path, rotate: int = 0, drawn: int = 0) -> Path:
    """The vertical-merge table on a page with ``/Rotate rotate``, its content drawn turned by
    ``drawn`` degrees (0 or 180: upside down, as a page fed the wrong way round)."""
    c = _new_canvas(path)
    if rotate:
        c.setPageRotation(rotate)
    if drawn == 180:
        c.translate(PAGE_W, PAGE_H)
        c.rotate(180)
    _draw_titled_tables(c, VERTICAL_MERGE_TITLE, VERTICAL_MERGE)
    c.save()
    return path


def build_corrupted_page(path: Path) -> Path:
    """The two-page table of :func:`build_page_break_header` with page 2's content stream
    damaged in the middle: pdfminer reads page 2 as empty and only logs "Data-loss"."""
    import re

    data = bytearray(build_page_break_header(path).read_bytes())
    contents = [int(m.group(1)) for m in re.finditer(rb"/Contents (\d+) 0 R", data)]
    obj = re.search(rb"\n%d 0 obj" % contents[1], data)
    assert obj is not None
    start = data.index(b"stream", obj.start()) + 7
    for i in range(start + 100, start + 140):
        data[i] = ord("z") if data[i] != ord("z") else ord("y")
    path.write_bytes(bytes(data))
    return path


def build_with_blank_page(path: Path) -> Path:
    """The vertical-merge table, then a page with nothing on it."""
    c = _new_canvas(path)
    _draw_titled_tables(c, VERTICAL_MERGE_TITLE, VERTICAL_MERGE)
    c.showPage()
    c.save()
    return path


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF file of these object bodies (object i+1 is ``objects[i]``), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def build_mediabox_cycle(path: Path) -> Path:
    """A 1 KB PDF whose page's /MediaBox is ``4 0 R``, object 4 is ``5 0 R`` and 5 is ``4 0 R``:
    pdfminer's ``resolve1`` follows the references forever."""
    content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox 4 0 R /Contents 6 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        b"5 0 R",
        b"4 0 R",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]))
    return path
