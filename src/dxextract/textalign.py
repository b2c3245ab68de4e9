"""Tables without rules: rows and columns from text alignment (camelot's stream/network parsers).

A page whose text, outside the tables its rules already explain, holds lines that break into
several runs at the same places is a page with a table nobody ruled (government statistics,
booktabs without rules, shaded rows). camelot's text parsers are the measured better tool for
finding such a table's rows and columns (``benchmarks/realworld.py``); this module asks them
for the grid only. The cells are filled from dxextract's own characters (visible text only, the
author's line breaks), and text that runs across a column boundary makes one cell with a
``colspan``: merged cells come out as spans, whatever the strategy.

Public entry point: :func:`text_tables`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .celltext import TextSettings, chars_to_cell_text, chars_to_lines, figure_rows
from .model import BBox, Cell, Char, Page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextTableSettings:
    """When a page is asked for tables without rules, and which of them are kept."""

    #: camelot parser that gives rows and columns. Measured on ../shared/realworld/dev
    #: (benchmarks/realworld.py): stream finds the rows of statistics tables that network merges.
    parser: str = "stream"
    #: a gap wider than this × font size between two glyphs on one line separates two cells' text
    #: (a word space is about 0.25–0.35 em; a column gutter is wider than one em)
    run_gap: float = 1.0
    #: a table needs at least this many text lines that break into two runs or more: fewer
    #: is a label beside a value, not a table
    min_lines: int = 3
    #: lines broken into runs count together while each is within this many line heights of
    #: the one before (a table's rows, a wrapped cell or a section row between them)
    block_gap: float = 3.0
    #: a camelot table needs at least this many columns and rows
    min_cols: int = 2
    min_rows: int = 2
    #: a candidate overlapping an already-found table by more than this share of its own
    #: area repeats that table
    overlap: float = 0.2
    #: at most this share of a candidate's cells empty: more is scattered text (a chart's
    #: labels, a form's captions) cut into a grid
    max_empty: float = 0.75
    #: two printed lines are one cell's when the gap between them is within this × the font
    #: size of the table's line gap (rows are further apart: the cells' padding)
    row_gap_em: float = 0.35
    #: lines whose runs are all wider than this share of the table are running text set in
    #: columns (a two-column article), not a table
    max_run_share: float = 0.4
    #: two text rows overlapping by more than this share of the font size are one row: a cell
    #: centred beside another cell's two lines (tight leading overlaps by a tenth or so)
    same_row_overlap: float = 0.25

    def __post_init__(self) -> None:
        from .errors import SettingsError

        if self.parser not in ("stream", "network"):
            raise SettingsError(f"TextTableSettings.parser: expected 'stream' or 'network', got {self.parser!r}")
        for key in ("run_gap", "overlap", "max_empty", "max_run_share", "block_gap", "same_row_overlap"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or value < 0:
                raise SettingsError(f"TextTableSettings.{key}: expected a number >= 0, got {value!r}")
        for key in ("min_lines", "min_cols", "min_rows"):
            value = getattr(self, key)
            if not isinstance(value, int) or value < 1:
                raise SettingsError(f"TextTableSettings.{key}: expected an integer >= 1, got {value!r}")


def _runs(chars: Sequence[Char], gap: float) -> list[list[Char]]:
    """A line's glyphs cut where the gap between two is wider than ``gap`` × their size."""
    runs: list[list[Char]] = []
    for ch in sorted((c for c in chars if c.text.strip()), key=lambda c: c.x0):
        if runs and ch.x0 - runs[-1][-1].x1 <= gap * max(ch.size, runs[-1][-1].size):
            runs[-1].append(ch)
        else:
            runs.append([ch])
    return runs


def _outside(chars: Sequence[Char], taken: Sequence[BBox]) -> list[Char]:
    return [c for c in chars if c.upright
            and not any(b.x0 <= c.xc <= b.x1 and b.top <= c.yc <= b.bottom for b in taken)]


def columnar_lines(page: Page, taken: Sequence[BBox], settings: TextTableSettings,
                   text: TextSettings | None = None) -> int:
    """How many text lines outside ``taken``, standing together, break into two runs or more:
    the evidence that the page may hold a table without rules (cheap: no camelot)."""
    lines = chars_to_lines(_outside(page.chars, taken), text)
    rows = sorted((min(c.top for c in ln.chars), max(c.bottom for c in ln.chars)) for ln in lines
                  if len(_runs(ln.chars, settings.run_gap)) >= 2)
    # the largest block of them, each within a few line heights of the one before: a table's
    # rows stand together; a label and its value here and there on a page do not make one
    best = run = 0
    for i, (top, bottom) in enumerate(rows):
        near = i > 0 and top - rows[i - 1][1] <= settings.block_gap * (bottom - top)
        run = run + 1 if near else 1
        best = max(best, run)
    return best


def _camelot_grids(pdf: Path, page: Page, settings: TextTableSettings
                   ) -> list[tuple[BBox, list[float], list[float]]]:
    """(bbox, column x boundaries, row y boundaries) of each table camelot finds, top-left origin."""
    import camelot

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            tempfile.TemporaryDirectory(prefix="dxextract-page-") as tmp:
        warnings.simplefilter("ignore")
        # camelot opens the whole file to count its pages on every call: hand it the one page
        # (a 612-page book costs ~40 ms a call otherwise); its page box and coordinates stay
        one = Path(tmp) / "page.pdf"
        _one_page(pdf, page.number, one)
        found = camelot.read_pdf(str(one), pages="1", flavor=settings.parser)
    out = []
    for t in found:
        if not t.cols or not t.rows:
            continue
        xs = [t.cols[0][0]] + [c[1] for c in t.cols]
        ys = [page.height - t.rows[0][0]] + [page.height - r[1] for r in t.rows]
        x0, y0, x1, y1 = t._bbox
        out.append((BBox(x0, page.height - y1, x1, page.height - y0), xs, ys))
    return out


def _one_page(pdf: Path, number: int, out: Path) -> None:
    """Page ``number`` of ``pdf`` alone in a new PDF (pdfium copies the page and its resources)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(pdf))
    try:
        new = pdfium.PdfDocument.new()
        try:
            new.import_pages(src, [number - 1])
            new.save(str(out))
        finally:
            new.close()
    finally:
        src.close()


def _area(b: BBox) -> float:
    return max(0.0, b.width) * max(0.0, b.height)


def _overlap_share(a: BBox, b: BBox) -> float:
    """The share of ``a``'s area that ``b`` covers."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    return (w * h) / _area(a) if w > 0 and h > 0 and _area(a) > 0 else 0.0


def grid_to_text_cells(page: Page, chars: Sequence[Char], xs: Sequence[float], ys: Sequence[float],
                       settings: TextTableSettings, text: TextSettings | None = None) -> list[Cell]:
    """Cells of a grid without rules, filled from ``chars``; a run of text across a column
    boundary joins the columns it covers into one cell (colspan)."""
    nr, nc = len(ys) - 1, len(xs) - 1

    def col_of(x: float) -> int:
        return max(0, min(nc - 1, sum(1 for b in xs[1:-1] if x >= b)))

    def row_of(y: float) -> int:
        return max(0, min(nr - 1, sum(1 for b in ys[1:-1] if y >= b)))

    by_row: dict[int, list[Char]] = {}
    for ch in chars:
        by_row.setdefault(row_of(ch.yc), []).append(ch)
    cells: list[Cell] = []
    for r in range(nr):
        joined = list(range(nc))  # joined[c]: first column of the cell holding column c
        for line in chars_to_lines(by_row.get(r, []), text):
            for run in _runs(line.chars, settings.run_gap):
                first, last = col_of(run[0].xc), col_of(run[-1].xc)
                for c in range(first + 1, last + 1):
                    joined[c] = joined[first]
        c = 0
        while c < nc:
            c1 = c
            while c1 + 1 < nc and joined[c1 + 1] == joined[c]:
                c1 += 1
            box = BBox(xs[c], ys[r], xs[c1 + 1], ys[r + 1])
            inside = [ch for ch in by_row.get(r, []) if c <= col_of(ch.xc) <= c1]
            cells.append(Cell(r=r, c=c, rowspan=1, colspan=c1 - c + 1, page=page.number, bbox=box,
                              text=chars_to_cell_text(inside, box, text),
                              text_bottom=max((ch.bottom for ch in inside if ch.text.strip()), default=None)))
            c = c1 + 1
    return cells


def _rows_of(chars: Sequence[Char], ys: Sequence[float]) -> list[list[Char]]:
    rows: list[list[Char]] = [[] for _ in range(len(ys) - 1)]
    for ch in chars:
        if ch.text.strip():
            rows[max(0, min(len(rows) - 1, sum(1 for b in ys[1:-1] if ch.yc >= b)))].append(ch)
    return rows


def _side_by_side(chars: Sequence[Char], ys: Sequence[float], settings: TextTableSettings) -> list[float]:
    """Row boundaries without those between rows whose text overlaps: a cell centred beside
    another cell's two lines is printed between them, one row, not three."""
    rows = _rows_of(chars, ys)
    filled = [i for i, row in enumerate(rows) if row]
    if len(filled) < 2:
        return list(ys)
    keep = [ys[0]]
    for i, j in zip(filled, filled[1:], strict=False):
        size = min(sorted(c.size for c in rows[i])[len(rows[i]) // 2], sorted(c.size for c in rows[j])[len(rows[j]) // 2])
        gap = min(c.top for c in rows[j]) - max(c.bottom for c in rows[i])
        if gap >= -settings.same_row_overlap * size:
            keep.append(ys[j])
    keep.append(ys[-1])
    return keep


def merge_wrapped_rows(chars: Sequence[Char], xs: Sequence[float], ys: Sequence[float],
                       settings: TextTableSettings, text: TextSettings | None = None) -> list[float]:
    """Row boundaries with a cell's own lines put back together.

    A text parser makes a row of every printed line; a cell of three lines becomes three rows.
    Rows whose text overlaps stand side by side: one row. Then the table's own rhythm tells
    the rest apart: lines of one cell follow each other at the leading, rows are further apart
    by the cell padding. Two rows join when the gap between their text is within
    ``row_gap_em`` × the font size of the table's smallest gaps, and a column holds text in
    both (the cell goes on). A table that stacks one figure per line (statistics set at a
    paragraph's leading) keeps every line a row.
    """
    ys = _side_by_side(chars, ys, settings) if len(ys) >= 3 else list(ys)
    if len(ys) < 3 or figure_rows(list(chars), xs, 2, text):
        return list(ys)
    rows = _rows_of(chars, ys)
    filled = [i for i, row in enumerate(rows) if row]
    if len(filled) < 3:
        return list(ys)
    size = sorted(c.size for row in rows for c in row)[sum(len(r) for r in rows) // 2]
    gaps = {i: min(c.top for c in rows[j]) - max(c.bottom for c in rows[i]) for i, j in zip(filled, filled[1:], strict=False)}
    leading = sorted(gaps.values())[len(gaps) // 4]
    if max(gaps.values()) - leading < settings.row_gap_em * size:
        return list(ys)  # one rhythm only: every line a row

    def cols(row: list[Char]) -> set[int]:
        return {max(0, min(len(xs) - 2, sum(1 for b in xs[1:-1] if c.xc >= b))) for c in row}

    keep = [ys[0]]
    for i, j in zip(filled, filled[1:], strict=False):
        if gaps[i] <= leading + settings.row_gap_em * size and cols(rows[i]) & cols(rows[j]):
            continue  # the same cell goes on: no boundary between these two lines
        keep.append((max(c.bottom for c in rows[i]) + min(c.top for c in rows[j])) / 2)
    keep.append(ys[-1])
    return keep


def _without_prose_row(chars: Sequence[Char], inside: Sequence[Char], ys: Sequence[float], box: BBox,
                       text: TextSettings | None) -> list[float]:
    """Row boundaries without a first row that is the last line of the paragraph above.

    A text parser may take in the line just above a table: one run of text, set on the
    paragraph's left edge and leading, going on from a line outside the table.
    """
    top_chars = [c for c in inside if c.text.strip() and ys[0] - 1 <= c.yc < ys[1]]
    lines = chars_to_lines(top_chars, text)
    if len(ys) < 3 or len(lines) != 1 or len(_runs(lines[0].chars, 1.0)) != 1:
        return list(ys)
    first = lines[0]
    top, x0 = min(c.top for c in first.chars), min(c.x0 for c in first.chars)
    height = max(c.bottom for c in first.chars) - top
    above = [c for c in chars if c.text.strip() and c.bottom <= top + 0.5 and top - c.bottom <= height
             and box.x0 - height <= c.xc <= box.x1 + height]
    if not above:
        return list(ys)
    prev = max(chars_to_lines(above, text), key=lambda ln: max(c.bottom for c in ln.chars))
    if abs(min(c.x0 for c in prev.chars) - x0) > 0.5 * height:
        return list(ys)
    return list(ys[1:])


def _running_text(cells: Sequence[Cell], table: BBox, settings: TextTableSettings) -> bool:
    """Every filled cell as wide as running text: columns of an article, not a table."""
    filled = [c for c in cells if c.text.strip()]
    return bool(filled) and all(c.bbox.width > settings.max_run_share * table.width for c in filled)


def text_tables(pdf: Path, page: Page, taken: Sequence[BBox], settings: TextTableSettings | None = None,
                text: TextSettings | None = None) -> list[tuple[BBox, list[Cell], int, int]]:
    """Tables without rules on ``page`` outside ``taken``: (bbox, cells, n_rows, n_cols) each."""
    settings = settings or TextTableSettings()
    if columnar_lines(page, taken, settings, text) < settings.min_lines:
        return []
    chars = _outside(page.chars, taken)
    out: list[tuple[BBox, list[Cell], int, int]] = []
    kept: list[BBox] = list(taken)
    grids = sorted(_camelot_grids(pdf, page, settings), key=lambda g: -_area(g[0]))
    for box, xs, ys in grids:
        if len(xs) - 1 < settings.min_cols or len(ys) - 1 < settings.min_rows:
            continue
        if any(_overlap_share(box, k) > settings.overlap or _overlap_share(k, box) > settings.overlap
               for k in kept):
            continue
        inside = [c for c in chars if box.x0 - 1 <= c.xc <= box.x1 + 1 and box.top - 1 <= c.yc <= box.bottom + 1]
        lines = chars_to_lines(inside, text)
        if sum(1 for ln in lines if len(_runs(ln.chars, settings.run_gap)) >= 2) < settings.min_lines:
            continue
        ys = merge_wrapped_rows(inside, xs, ys, settings, text)
        ys = _without_prose_row(chars, inside, ys, box, text)
        if len(ys) - 1 < settings.min_rows:
            continue
        box = BBox(box.x0, max(box.top, ys[0]), box.x1, box.bottom)
        inside = [c for c in inside if c.yc >= ys[0]]
        cells = grid_to_text_cells(page, inside, xs, ys, settings, text)
        empty = sum(1 for c in cells if not c.text.strip()) / max(1, len(cells))
        if empty > settings.max_empty or _running_text(cells, box, settings):
            continue
        out.append((box, cells, len(ys) - 1, len(xs) - 1))
        kept.append(box)
    return out
