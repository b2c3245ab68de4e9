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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dxextract.model import BBox, Cell, Char, Page, Segment
from dxextract.tables.celltext import TextSettings, chars_to_cell_text, chars_to_lines, figure_rows

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
        from dxextract.errors import SettingsError

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


def _two_rhythms(chars: Sequence[Char], ys: Sequence[float], settings: TextTableSettings
                 ) -> float | None:
    """The gap between a cell's own lines when the table's rows stand further apart than that
    (cells of several lines, set off by their padding), or None for one rhythm (a line a row)."""
    rows = [r for r in _rows_of(chars, ys) if r]
    if len(rows) < 3:
        return None
    gaps = sorted(min(c.top for c in b) - max(c.bottom for c in a) for a, b in zip(rows, rows[1:], strict=False))
    sizes = sorted(c.size for r in rows for c in r)
    size = sizes[len(sizes) // 2]
    leading = max(0.0, gaps[len(gaps) // 4])
    return leading if gaps[-1] - leading >= settings.row_gap_em * size else None


def block_cells(page: Page, chars: Sequence[Char], xs: Sequence[float], ys: Sequence[float],
                settings: TextTableSettings, text: TextSettings | None = None
                ) -> tuple[list[Cell], int, int] | None:
    """Cells of a table whose cells hold several lines each, rows and spans from text blocks.

    Each column's lines at the table's own leading are one cell's text (a block); the rows
    stand between blocks (the same code as a band nobody ruled between two rules:
    :func:`dxextract.tables.align.band_to_subrows`), and a block with empty rows beside it is a
    merged cell (see :func:`_place_spans`). The columns are the text's own (camelot's stream
    cuts CJK lines set less than an em apart). None when the table has one rhythm (one line
    a row, or figures stacked one a line): camelot's rows stand as they are.
    """
    from dxextract.tables.align import AlignSettings, Region, _spans, band_to_subrows, region_to_columns

    leading = _two_rhythms(chars, ys, settings)
    if leading is None or figure_rows(list(chars), xs, 2, text):
        return None
    align = AlignSettings(text=text or TextSettings(), row_gap_em=settings.row_gap_em)
    frame = (Segment("h", xs[0], ys[0], xs[-1], ys[0]), Segment("h", xs[0], ys[-1], xs[-1], ys[-1]))
    gaps = region_to_columns(Region(xs[0], xs[-1], frame), list(chars), align)
    if len(gaps) + 1 >= settings.min_cols:
        xs = [xs[0], *(g.boundary for g in gaps), xs[-1]]
    seps, separated = band_to_subrows(list(chars), xs, ys[0], ys[-1], leading, align)
    if not seps:
        return None
    bounds = [ys[0], *seps, ys[-1]]
    nr, nc = len(bounds) - 1, len(xs) - 1

    def col_of(x: float) -> int:
        return max(0, min(nc - 1, sum(1 for b in xs[1:-1] if x >= b)))

    _merged_rows(chars, col_of, bounds, nc, separated)
    sep_v = _apart(chars, col_of, bounds, nc, align.min_gap_em, text)
    cells = []
    for r, c, rs, cs in _spans(separated, sep_v, nr, nc):
        box = BBox(xs[c], bounds[r], xs[c + cs], bounds[r + rs])
        inside = [ch for ch in chars if box.top <= ch.yc < box.bottom and c <= col_of(ch.xc) < c + cs]
        cells.append(Cell(r=r, c=c, rowspan=rs, colspan=cs, page=page.number, bbox=box,
                          text=chars_to_cell_text(inside, box, text),
                          text_bottom=max((ch.bottom for ch in inside if ch.text.strip()), default=None)))
    return cells, nr, nc


def _merged_rows(chars: Sequence[Char], col_of: Callable[[float], int], bounds: Sequence[float], nc: int,
                 separated: list[list[bool]]) -> None:
    """Set ``separated[k][c]`` (False: one cell across row boundary k) column by column from
    the right, each merged cell ending where the finer cells beside it end."""
    nr = len(bounds) - 1
    by_col: list[list[Char]] = [[] for _ in range(nc)]
    for ch in chars:
        if ch.text.strip():
            by_col[col_of(ch.xc)].append(ch)
    allowed = set(range(nr + 1))
    for c in reversed(range(nc)):
        beside = [ch for k in range(c + 1, nc) for ch in by_col[k]]
        tops = [min((ch.top for ch in beside if bounds[r] <= ch.yc < bounds[r + 1]), default=bounds[r])
                for r in range(nr)]
        starts = _place_spans(by_col[c], bounds, [row[c] for row in separated], allowed, tops)
        for k in range(nr - 1):
            separated[k][c] = k + 1 in starts
        ordered = sorted(starts)
        if any(b - a > 1 for a, b in zip(ordered, ordered[1:], strict=False)):
            allowed = starts


def _apart(chars: Sequence[Char], col_of: Callable[[float], int], bounds: Sequence[float], nc: int,
           gap_em: float, text: TextSettings | None) -> list[list[bool]]:
    """Per row, per column boundary: do the row's cells stand apart there (False: a colspan)?

    A cell's lines stand close to the next column's (padding under an em): only text set
    without a word space's gap runs across a boundary, and not where it reaches the x at which
    the next column's own lines begin (a line running on into the next cell).
    """
    nr = len(bounds) - 1
    lines = [(r, line) for r in range(nr)
             for line in chars_to_lines([c for c in chars if bounds[r] <= c.yc < bounds[r + 1]], text)]
    begins = Counter(round(run[0].x0) for _r, line in lines for run in _runs(line.chars, gap_em))
    edges = [x for x, n in begins.items() if n >= 2]
    sep_v = [[True] * (nc - 1) for _ in range(nr)]
    for r, line in lines:
        for run in _runs(line.chars, gap_em):
            for piece in _cut_at(run, edges):
                for c in range(col_of(piece[0].xc), col_of(piece[-1].xc)):
                    sep_v[r][c] = False
    return sep_v


def _place_spans(chars: Sequence[Char], bounds: Sequence[float], separated: Sequence[bool],
                 allowed: set[int], tops: Sequence[float]) -> set[int]:
    """The rows at which one column's cells begin (and ``len(bounds) - 1``, its end).

    Each text block of the column (its lines, joined where ``separated`` says the rows are
    one cell) takes a run of rows: its own and the empty ones around it, ending where the
    column to its right has a cell end (``allowed``). The runs are chosen so that each block
    begins where the text of its run's first row begins beside it (``tops``: top-aligned
    cells) or stands in its run's middle (centred: a merged cell over five rows has empty
    rows above its text too), whichever fits it better; empty rows above the first block
    that it does not take stay cells of their own (a header's).
    """
    nr = len(bounds) - 1
    rows = [[ch for ch in chars if bounds[r] <= ch.yc < bounds[r + 1]] for r in range(nr)]
    blocks: list[list[int]] = []
    for r in range(nr):
        if not rows[r]:
            continue
        if blocks and not any(separated[k] for k in range(blocks[-1][1], r)):
            blocks[-1][1] = r
        else:
            blocks.append([r, r])
    if not blocks:
        return set(range(nr + 1))
    ext = [(min(ch.top for r in range(a, b + 1) for ch in rows[r]),
            max(ch.bottom for r in range(a, b + 1) for ch in rows[r])) for a, b in blocks]

    def cost(i: int, a: int, b: int) -> float:  # block i over rows a..b-1
        top, bottom = ext[i]
        return min(abs(top - tops[a]), abs((top + bottom) - (bounds[a] + bounds[b])) / 2)

    out = _best_runs(blocks, cost, allowed, nr)
    # rows left outside every run are cells of their own
    out.update(r for r in range(nr) if not any(a <= r < e for a, e in _runs_of(sorted(out), blocks)))
    return out


def _best_runs(blocks: Sequence[Sequence[int]], cost: Callable[[int, int, int], float], allowed: set[int],
               nr: int) -> set[int]:
    """The starts of the runs of rows (one per block, each after the one before, the last to
    the table's end) of the least total ``cost(block, first row, end row)``."""
    # best[i][b]: the least cost of blocks 0..i with block i ending before row b, and its start
    best: list[dict[int, tuple[float, int]]] = []
    for i, (first, last) in enumerate(blocks):
        # the runs follow each other to the table's end: a column's empty rows below its
        # last text are that cell's (a merged cell reaching the bottom, or a blank under it)
        nxt = blocks[i + 1][0] if i + 1 < len(blocks) else nr
        ends = [b for b in range(last + 1, nxt + 1) if b in allowed or b == last + 1] if i + 1 < len(blocks) else [nr]
        starts = [a for a in range(0, first + 1) if a in allowed or a == first] if i == 0 else \
            [a for a in best[i - 1] if a <= first]
        here: dict[int, tuple[float, int]] = {}
        for b in ends:
            # within half a point, the longer run: a centred cell's text is as centred on
            # rows 2-4 as on rows 1-5, and it is the rows beside it that it stands for
            options = [(round(2 * ((best[i - 1][a][0] if i else 0.0) + cost(i, a, b))) / 2, a) for a in starts]
            if options:
                here[b] = min(options)
        best.append(here)
    b = nr
    out = {nr}
    for i in reversed(range(len(blocks))):
        b = best[i][b][1]
        out.add(b)
    return out


def _runs_of(starts: Sequence[int], blocks: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """(first row, end row) of the run holding each block, from the sorted run starts."""
    out = []
    for first, _last in blocks:
        a = max(s for s in starts if s <= first)
        e = min(s for s in starts if s > first)
        out.append((a, e))
    return out


def _cut_at(run: list[Char], edges: Sequence[float], tol: float = 0.75) -> list[list[Char]]:
    """A run cut before each glyph that begins where other lines of the table begin."""
    pieces = [[run[0]]]
    for ch in run[1:]:
        if any(abs(ch.x0 - e) <= tol for e in edges):
            pieces.append([ch])
        else:
            pieces[-1].append(ch)
    return pieces


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
        found = _read_grid(page, chars, box, xs, ys, settings, text)
        if found is not None:
            out.append(found)
            kept.append(found[0])
    return out


def _read_grid(page: Page, chars: Sequence[Char], box: BBox, xs: Sequence[float], ys: Sequence[float],
               settings: TextTableSettings, text: TextSettings | None
               ) -> tuple[BBox, list[Cell], int, int] | None:
    """The table camelot's grid (``box``, ``xs``, ``ys``) outlines, or None when its text is
    not a table (too few lines in columns, mostly empty cells, running text)."""
    inside = [c for c in chars if box.x0 - 1 <= c.xc <= box.x1 + 1 and box.top - 1 <= c.yc <= box.bottom + 1]
    lines = chars_to_lines(inside, text)
    if sum(1 for ln in lines if len(_runs(ln.chars, settings.run_gap)) >= 2) < settings.min_lines:
        return None
    ys = _without_prose_row(chars, inside, ys, box, text)
    if len(ys) - 1 < settings.min_rows:
        return None
    box = BBox(box.x0, max(box.top, ys[0]), box.x1, box.bottom)
    inside = [c for c in inside if c.yc >= ys[0]]
    blocks = block_cells(page, inside, xs, ys, settings, text)
    if blocks is not None:
        cells, n_rows, n_cols = blocks
    else:
        ys = merge_wrapped_rows(inside, xs, ys, settings, text)
        cells, n_rows, n_cols = grid_to_text_cells(page, inside, xs, ys, settings, text), len(ys) - 1, len(xs) - 1
    empty = sum(1 for c in cells if not c.text.strip()) / max(1, len(cells))
    if empty > settings.max_empty or _running_text(cells, box, settings):
        return None
    return box, cells, n_rows, n_cols
