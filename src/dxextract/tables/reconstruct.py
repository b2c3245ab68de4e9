"""Stage 2 — reconstruct: ruling lines and chars -> tables of cells with spans, stitched over pages.

The chain, each step inspectable:
``segments_to_clusters`` (ruling lines that touch, one cluster per table) ->
``cluster_to_grid`` (the table's column and row boundaries) ->
``grid_to_cells`` (elementary cells merged where no rule separates them: rowspan/colspan) ->
``page_to_tables`` (cells filled with text, captions) ->
``stitch_tables`` (a table that continues on the next page becomes one table).

Public entry point: :func:`pages_to_tables`.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dxextract.model import BBox, Cell, Char, Page, Segment, Table, Warning_
from dxextract.tables.align import (
    AlignSettings,
    ColumnHint,
    Region,
    hrule_tables,
    region_to_cells,
    table_hint,
)
from dxextract.tables.celltext import (
    PAGE_NUMBER,
    Line,
    TextSettings,
    aligned_padding,
    begins_with_marker,
    cell_padding,
    chars_to_cell_text,
    chars_to_lines,
    figure_rows,
    last_line_full,
    wrap_edge,
)
from dxextract.tables.textalign import TextTableSettings, text_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconstructSettings:
    """Tolerances of table reconstruction, in PDF points unless said otherwise."""

    #: coordinates closer than this are one grid line
    snap: float = 2.0
    #: collinear segments with a gap up to this are one rule
    join_gap: float = 2.5
    #: pieces up to ``dash_max`` long are dashes of one border: they join over ``dash_gap``
    dash_max: float = 6.0
    dash_gap: float = 4.5
    #: a joined rule shorter than this is a dot or tick, not a rule
    min_rule: float = 3.0
    #: a rule counts as a border between two cells when it covers this share of their edge
    cover: float = 0.6
    #: a gap wider than this × font size separates two cells' text in a row no rule divides
    #: (a word space is about a quarter to a third of an em; a column gutter is wider than one)
    column_gap: float = 1.0
    #: rows rules running on this far (pt) past a table's outermost vertical rule, in most rows,
    #: mark a column outside the box (a wide rule, not a stray overhang of a point or two)
    wider_rules: float = 6.0
    #: a ruled band splits into one row per text line when a column holds at least this many
    #: lines, each one number (two figures stacked may be a value and its unit line)
    split_rows_min_lines: int = 2
    #: a table needs at least this many columns and rows
    min_cols: int = 1
    min_rows: int = 1
    #: top/bottom share of a page treated as running header/footer when stitching
    margin_share: float = 0.045
    text: TextSettings = field(default_factory=TextSettings)
    #: tables ruled only horizontally; None turns that path off
    align: AlignSettings | None = field(default_factory=AlignSettings)
    #: tables without rules (rows and columns from text alignment); None turns that path off
    text_tables: TextTableSettings | None = field(default_factory=TextTableSettings)
    #: strategies that read what the ruled grid left, in order (names in ``STRATEGIES``)
    strategies: tuple[str, ...] = ("hrules", "text")

    def __post_init__(self) -> None:
        from dxextract.errors import SettingsError

        for key in ("snap", "join_gap", "cover", "margin_share"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or value < 0:
                raise SettingsError(f"ReconstructSettings.{key}: expected a number >= 0, got {value!r}")
        if not 0 < self.cover <= 1:
            raise SettingsError(f"ReconstructSettings.cover: expected 0 < cover <= 1, got {self.cover!r}")
        unknown = [n for n in self.strategies if n not in STRATEGIES]
        if unknown:
            raise SettingsError(f"ReconstructSettings.strategies: unknown {unknown!r}; known: {sorted(STRATEGIES)}")


@dataclass(frozen=True)
class Grid:
    """Column x-boundaries and row y-boundaries of one table on one page, with its rules."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    h: tuple[Segment, ...]
    v: tuple[Segment, ...]

    @property
    def bbox(self) -> BBox:
        return BBox(self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])


@dataclass(frozen=True)
class PageTables:
    """The tables found on one page and the page's text lines outside them."""

    number: int
    width: float
    height: float
    tables: tuple[Table, ...]
    free_lines: tuple[tuple[float, float, str], ...]  # (top, bottom, text) outside tables
    #: what went wrong inside one table or strategy on this page (the rest of the page stands)
    warnings: tuple[Warning_, ...] = ()


def _unexpected(where: str, e: Exception, page: int | None, table: str | None = None) -> Warning_:
    """A warning for an unexpected failure inside one table or page: the document goes on."""
    log.debug("%s", where, exc_info=e)
    return Warning_(f"{where}: skipped after an internal error ({type(e).__name__}: {e}); "
                    "the rest of the document was read; rerun with --debug for the traceback", page, table)


# --- ruling lines -> clusters -----------------------------------------------------------------


def _snap_values(values: Iterable[float], tol: float) -> list[float]:
    """Cluster 1-D coordinates; each cluster is represented by its mean."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _collinear_groups(segs: Sequence[Segment], pos: Callable[[Segment], float], tol: float
                      ) -> list[tuple[float, list[Segment]]]:
    """Segments on one line, each in exactly one group, with the group's position.

    Positions closer than ``tol`` chain into one group (a double or thick rule); a chain
    wider than two ``tol`` (a rule among the strokes of text drawn as outlines) is cut at its
    widest gap until none is, and placed where its length lies (the rule, not the strokes).
    """
    order = sorted(segs, key=pos)
    chains: list[list[Segment]] = []
    for sg in order:
        if chains and pos(sg) - pos(chains[-1][-1]) <= tol:
            chains[-1].append(sg)
        else:
            chains.append([sg])
    out: list[tuple[float, list[Segment]]] = []
    while chains:
        chain = chains.pop()
        if pos(chain[-1]) - pos(chain[0]) <= 2 * tol:
            if len(chain) > 1 and pos(chain[-1]) - pos(chain[0]) > tol:
                weight = [max(sg.x1 - sg.x0, sg.bottom - sg.top) for sg in chain]
                out.append((sum(pos(sg) * w for sg, w in zip(chain, weight, strict=True)) / max(sum(weight), 1e-9), chain))
            else:
                out.append((sum(pos(sg) for sg in chain) / len(chain), chain))
            continue
        cut = max(range(1, len(chain)), key=lambda i: pos(chain[i]) - pos(chain[i - 1]))
        chains += [chain[:cut], chain[cut:]]
    return sorted(out, key=lambda g: g[0])


def merge_segments(segments: Sequence[Segment], settings: ReconstructSettings) -> list[Segment]:
    """Join collinear, touching or overlapping segments into maximal rules."""
    out: list[Segment] = []
    for orient in ("h", "v"):
        segs = [s for s in segments if s.orientation == orient]
        pos = (lambda s: s.top) if orient == "h" else (lambda s: s.x0)
        for p, line in _collinear_groups(segs, pos, settings.snap):
            spans = sorted(((s.x0, s.x1) if orient == "h" else (s.top, s.bottom)) for s in line)
            merged: list[list[float]] = []
            last_piece = 0.0
            for a, b in spans:
                # dashes and dots of one border join over their gaps; longer rules only over
                # a hairline gap, so that deliberately interrupted rules stay apart
                gap = settings.dash_gap if max(last_piece, b - a) <= settings.dash_max else settings.join_gap
                if merged and a <= merged[-1][1] + gap:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
                last_piece = b - a
            for a, b in merged:
                if b - a < settings.min_rule:
                    continue  # a lone dot or tick, not a rule
                out.append(Segment("h", a, p, b, p) if orient == "h" else Segment("v", p, a, p, b))
    return out


def _touch(a: Segment, b: Segment, tol: float) -> bool:
    if a.orientation == b.orientation:
        if a.orientation == "h":
            return abs(a.top - b.top) <= tol and a.x0 <= b.x1 + tol and b.x0 <= a.x1 + tol
        return abs(a.x0 - b.x0) <= tol and a.top <= b.bottom + tol and b.top <= a.bottom + tol
    h, v = (a, b) if a.orientation == "h" else (b, a)
    return h.x0 - tol <= v.x0 <= h.x1 + tol and v.top - tol <= h.top <= v.bottom + tol


def segments_to_clusters(segments: Sequence[Segment], settings: ReconstructSettings) -> list[list[Segment]]:
    """Group rules into connected clusters (one per ruled table), top to bottom."""
    segs = list(segments)
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = settings.snap + 0.5
    for i in range(len(segs)):
        for j in range(i + 1, len(segs)):
            if _touch(segs[i], segs[j], tol):
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[ri] = rj
    groups: dict[int, list[Segment]] = {}
    for i, s in enumerate(segs):
        groups.setdefault(find(i), []).append(s)
    clusters = [g for g in groups.values()
                if sum(s.orientation == "h" for s in g) >= 2 and sum(s.orientation == "v" for s in g) >= 2]
    clusters.sort(key=lambda g: (min(s.top for s in g), min(s.x0 for s in g)))
    return clusters


# --- cluster -> grid -> cells -----------------------------------------------------------------


def cluster_to_grid(cluster: Sequence[Segment], settings: ReconstructSettings) -> Grid | None:
    """Column and row boundaries of one table from its rules."""
    h = tuple(s for s in cluster if s.orientation == "h")
    v = tuple(s for s in cluster if s.orientation == "v")
    xs = _snap_values([s.x0 for s in v], settings.snap)
    ys = _snap_values([s.top for s in h], settings.snap)
    if len(xs) < settings.min_cols + 1 or len(ys) < settings.min_rows + 1:
        return None
    ys = _open_ends(ys, v, settings)
    xs = _rules_run_wider(xs, h, settings)
    return Grid(tuple(xs), tuple(ys), h, v)


def _rules_run_wider(xs: list[float], h: Sequence[Segment], settings: ReconstructSettings) -> list[float]:
    """Add a column on a side where most of the table's rows rules run on past its boxed part.

    A statistics layout boxes some columns and rules the rows across the whole table: the
    label column and the last column stand outside every vertical rule, between the rules'
    ends and the box. Their edges are where the rules end.
    """
    out = list(xs)
    lefts = [s.x0 for s in h if s.x0 < xs[0] - settings.wider_rules]
    if lefts and len(lefts) * 2 >= len(h):
        out.insert(0, min(lefts))
    rights = [s.x1 for s in h if s.x1 > xs[-1] + settings.wider_rules]
    if rights and len(rights) * 2 >= len(h):
        out.append(max(rights))
    return out


def _open_ends(ys: list[float], v: Sequence[Segment], settings: ReconstructSettings) -> list[float]:
    """Add a row the column rules draw but no horizontal rule closes.

    Some producers leave a row that a page break cut open at the bottom (or top): the column
    rules run on past the last horizontal rule. When most column rules do, that is a row.
    """
    out = list(ys)
    reach = 2 * settings.snap
    below = [s.bottom for s in v if s.bottom > ys[-1] + reach]
    if len(below) * 2 > len(v):
        out.append(min(below))
    above = [s.top for s in v if s.top < ys[0] - reach]
    if len(above) * 2 > len(v):
        out.insert(0, max(above))
    return out


def split_unruled_rows(grid: Grid, chars: Sequence[Char], settings: ReconstructSettings) -> Grid:
    """Rows nobody ruled inside one ruled band: a statistics table boxed by columns only.

    A band splits into one row per text line when its lines fall into slots shared by every
    column and some column holds one number per line (``1,530 / 1,253 / 2,783`` beside
    ``3-year-olds / 4-year-olds / Total``): figures stacked in one cell are not one value.
    The new boundaries get rules of their own, so the rest of the chain sees ruled rows.
    """
    new_ys: list[float] = []
    for r in range(len(grid.ys) - 1):
        band = [ch for ch in chars if grid.ys[r] <= ch.yc <= grid.ys[r + 1] and ch.text.strip()]
        new_ys.extend(figure_rows(band, grid.xs, settings.split_rows_min_lines, settings.text))
    if not new_ys:
        return grid
    rules = tuple(Segment("h", grid.xs[0], y, grid.xs[-1], y) for y in new_ys)
    return Grid(grid.xs, tuple(sorted(grid.ys + tuple(new_ys))), grid.h + rules, grid.v)


def _covered(segs: Sequence[Segment], pos: float, a: float, b: float, orient: str,
             settings: ReconstructSettings) -> bool:
    """Is the interval [a, b] on the line at ``pos`` drawn by a rule?"""
    need = (b - a) * settings.cover
    got = 0.0
    for s in segs:
        if orient == "v":
            if abs(s.x0 - pos) <= settings.snap:
                got += max(0.0, min(b, s.bottom) - max(a, s.top))
        elif abs(s.top - pos) <= settings.snap:
            got += max(0.0, min(b, s.x1) - max(a, s.x0))
    return got >= need


def _mostly_unruled(grid: Grid, c: int, settings: ReconstructSettings) -> bool:
    """Is the column boundary ``xs[c]`` drawn in fewer than half of the rows it crosses?

    Such a boundary comes from rules elsewhere in the table (a boxed header over a body whose
    columns nobody ruled, rows separated by white lines or shading): in the rows without a
    rule, the text tells whether the boundary is there.
    """
    ruled = sum(_covered(grid.v, grid.xs[c], grid.ys[r], grid.ys[r + 1], "v", settings)
                for r in range(len(grid.ys) - 1))
    return ruled * 2 < len(grid.ys) - 1


def _text_apart(chars: Sequence[Char], xs: tuple[float, float, float], top: float, bottom: float,
                settings: ReconstructSettings) -> bool:
    """Does text stand in both elementary cells ``xs[0]..xs[1]`` and ``xs[1]..xs[2]`` of the band
    [top, bottom], with no run of text (words a word space apart) across ``xs[1]``? Then
    ``xs[1]`` separates two cells, ruled or not."""
    band = [ch for ch in chars if top <= ch.yc <= bottom and ch.text.strip()]
    x = xs[1]
    if not any(xs[0] <= ch.xc < x for ch in band) or not any(x < ch.xc <= xs[2] for ch in band):
        return False
    for line in chars_to_lines(band, settings.text):
        run: list[Char] = []
        for ch in sorted(line.chars, key=lambda k: k.x0):
            if run and ch.x0 - run[-1].x1 > settings.column_gap * max(ch.size, run[-1].size):
                run = []
            run.append(ch)
            if run[0].x0 < x < run[-1].x1:
                return False
    return True


def grid_to_spans(grid: Grid, settings: ReconstructSettings,
                  chars: Sequence[Char] = ()) -> list[tuple[int, int, int, int]]:
    """Merged cells as (r, c, rowspan, colspan): elementary cells with no rule between them join.

    A column boundary that the table's rules draw in fewer than half of its rows is judged by
    the text in the others (``chars``): it stands where text sits on both sides of it and no
    word runs across it.

    A merged cell is always a rectangle. A region that is not one (a tree-like layout: a 款
    row spanning two columns over a 項 row indented below it; or a rule missing by accident)
    is cut into rectangles row by row from its top-left, so no cell swallows another's text.
    """
    nr, nc = len(grid.ys) - 1, len(grid.xs) - 1
    owner = [[(r, c) for c in range(nc)] for r in range(nr)]

    def find(rc: tuple[int, int]) -> tuple[int, int]:
        r, c = rc
        while owner[r][c] != (r, c):
            owner[r][c] = owner[owner[r][c][0]][owner[r][c][1]]
            r, c = owner[r][c]
        return (r, c)

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            keep, drop = min(ra, rb), max(ra, rb)
            owner[drop[0]][drop[1]] = keep

    unruled = {c for c in range(1, nc) if chars and _mostly_unruled(grid, c, settings)}
    for r in range(nr):
        for c in range(nc - 1):
            if _covered(grid.v, grid.xs[c + 1], grid.ys[r], grid.ys[r + 1], "v", settings):
                continue
            if c + 1 in unruled and _text_apart(chars, (grid.xs[c], grid.xs[c + 1], grid.xs[c + 2]),
                                                grid.ys[r], grid.ys[r + 1], settings):
                continue
            union((r, c), (r, c + 1))
    for r in range(nr - 1):
        for c in range(nc):
            if not _covered(grid.h, grid.ys[r + 1], grid.xs[c], grid.xs[c + 1], "h", settings):
                union((r, c), (r + 1, c))
    regions: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            regions.setdefault(find((r, c)), set()).add((r, c))
    spans: list[tuple[int, int, int, int]] = []
    for region in regions.values():
        spans.extend(_rectangles(region))
    return sorted(spans)


def _rectangles(region: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cut a set of elementary cells into rectangles: from the top-left, as wide as its row run,
    as tall as every row below holds that whole run."""
    left = set(region)
    out = []
    while left:
        r0, c0 = min(left)
        c1 = c0
        while (r0, c1 + 1) in left:
            c1 += 1
        r1 = r0
        while all((r1 + 1, c) in left for c in range(c0, c1 + 1)):
            r1 += 1
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                left.discard((r, c))
        out.append((r0, c0, r1 - r0 + 1, c1 - c0 + 1))
    return out


def _chars_in(chars: Sequence[Char], box: BBox) -> list[Char]:
    return [c for c in chars if box.x0 <= c.xc <= box.x1 and box.top <= c.yc <= box.bottom]


def grid_to_cells(grid: Grid, page: Page, chars: Sequence[Char], settings: ReconstructSettings) -> list[Cell]:
    """Cells with spans, bbox and text, for one grid on one page."""
    placed = []
    table_pads: list[float] = []
    pads: dict[tuple[int, int], list[float]] = {}
    columns: dict[tuple[int, int], list[list[Line]]] = {}
    for r, c, rs, cs in grid_to_spans(grid, settings, chars):
        box = BBox(grid.xs[c], grid.ys[r], grid.xs[c + cs], grid.ys[r + rs])
        inside = _chars_in(chars, box)
        placed.append((r, c, rs, cs, box, inside))
        lines = chars_to_lines(inside, settings.text)
        columns.setdefault((c, cs), []).append(lines)
        pad = cell_padding(box, lines)
        if pad is not None and pad >= 0:
            table_pads.append(pad)
        shown = aligned_padding(box, lines)
        if shown is not None and shown >= 0:
            pads.setdefault((c, cs), []).append(shown)
    # the left padding per column where its own left-aligned lines show it; elsewhere the
    # table's smallest left margin, within the usual padding (a column of centred text does
    # not show its padding); the right edge of wrapping per column, from where its wrapped
    # lines end (producers pad right and left apart)
    table_pad = min(min(table_pads), settings.text.max_guessed_pad) if table_pads else None
    col_pad = {key: min(ps) for key, ps in pads.items()}
    edges = {key: wrap_edge(cells) for key, cells in columns.items()}
    return [Cell(r=r, c=c, rowspan=rs, colspan=cs, page=page.number, bbox=box,
                 text=chars_to_cell_text(inside, box, settings.text, col_pad.get((c, cs), table_pad),
                                         edges[(c, cs)]),
                 text_bottom=max((ch.bottom for ch in inside if ch.text.strip()), default=None),
                 last_line_full=last_line_full(inside, box, settings.text, col_pad.get((c, cs), table_pad),
                                               edges[(c, cs)]))
            for r, c, rs, cs, box, inside in placed]


# --- page -> tables ---------------------------------------------------------------------------


def page_to_tables(page: Page, settings: ReconstructSettings | None = None,
                   hints: Sequence[ColumnHint] = ()) -> PageTables:
    """The tables of one page (table ids are provisional: ``p<page>-<n>``): the ruled grids
    first, then each of ``settings.strategies`` (see :data:`STRATEGIES`) on what is left.

    ``hints``: columns of tables ruled only horizontally found on other pages (see
    :func:`pages_to_tables`).
    """
    settings = settings or ReconstructSettings()
    segments = merge_segments(page.segments, settings)
    tables: list[Table] = []
    boxes: list[BBox] = []
    warnings: list[Warning_] = []
    for n, cluster in enumerate(segments_to_clusters(segments, settings), 1):
        try:
            found = _cluster_to_table(cluster, page, settings)
        except Exception as e:  # one damaged table must not cost the document
            warnings.append(_unexpected(f"page {page.number}, ruled table {n}", e, page.number))
            continue
        if found is not None:
            tables.append(replace(found[0], table_id=f"p{page.number}-{len(tables) + 1}"))
            boxes.append(found[1])
    for name in settings.strategies:
        what, find = STRATEGIES[name]
        try:
            found_s = find(page, boxes, settings, hints)
        except Exception as e:
            warnings.append(_unexpected(f"page {page.number}, {what}", e, page.number))
            found_s = []
        for box, cells, n_rows, n_cols in found_s:
            tables.append(Table(table_id="", cells=tuple(cells), n_rows=n_rows, n_cols=n_cols,
                                header_rows=0, pages=(page.number,)))
            boxes.append(box)
    if boxes:
        order = sorted(range(len(tables)), key=lambda i: (boxes[i].top, boxes[i].x0))
        tables = [replace(tables[i], table_id=f"p{page.number}-{n + 1}") for n, i in enumerate(order)]
        boxes = [boxes[i] for i in order]
    outside = [c for c in page.chars
               if not any(b.x0 <= c.xc <= b.x1 and b.top <= c.yc <= b.bottom for b in boxes)]
    free = tuple((min(ch.top for ch in ln.chars), max(ch.bottom for ch in ln.chars), ln.text.strip())
                 for ln in _free_lines(outside, settings))
    tables = [replace(t, caption=_caption(t, free)) for t in tables]
    return PageTables(number=page.number, width=page.width, height=page.height,
                      tables=tuple(tables), free_lines=free, warnings=tuple(warnings))


Found = list[tuple[BBox, list[Cell], int, int]]
StrategyFn = Callable[[Page, Sequence[BBox], "ReconstructSettings", Sequence[ColumnHint]], Found]


def _hrules_strategy(page: Page, taken: Sequence[BBox], settings: ReconstructSettings,
                     hints: Sequence[ColumnHint]) -> Found:
    """Word processors, booktabs: rows from horizontal rules, columns from text alignment."""
    return hrule_tables(page, taken, settings.align, hints) if settings.align is not None else []


def _text_strategy(page: Page, taken: Sequence[BBox], settings: ReconstructSettings,
                   hints: Sequence[ColumnHint]) -> Found:
    """Nobody ruled it: rows and columns from text alignment alone (camelot's stream parser)."""
    if settings.text_tables is None or not page.source:
        return []
    return text_tables(Path(page.source), page, taken, settings.text_tables, settings.text)


#: Table strategies after the ruled grid (lattice), by name, in the order they read a page:
#: each is handed the areas the ones before explained (``taken``) and reads only the rest.
#: A new strategy is one function here and its name in ``ReconstructSettings.strategies``.
STRATEGIES: dict[str, tuple[str, StrategyFn]] = {
    "hrules": ("tables ruled only horizontally", _hrules_strategy),
    "text": ("tables without rules", _text_strategy),
}


def _cluster_to_table(cluster: Sequence[Segment], page: Page, settings: ReconstructSettings
                      ) -> tuple[Table, BBox] | None:
    """One cluster of rules as a table (and its box), or None when it is not a table."""
    grid = cluster_to_grid(cluster, settings)
    if grid is None:
        return None
    box = grid.bbox
    inside = _chars_in(page.chars, box)
    if len(grid.xs) == 2:
        framed = _framed_columns(grid, page, inside, settings)
        if framed is not None:
            return framed, box
    if _finer_than_text(grid, inside):
        return None  # strokes of letters drawn as outlines, an icon, hatching: not a table
    grid = split_unruled_rows(grid, inside, settings)
    cells = grid_to_cells(grid, page, inside, settings)
    if not any(c.text.strip() for c in cells):
        return None  # no text at all: a frame, a highlight, a chart's plot area
    if len(cells) == 1:
        return None  # a framed paragraph is not a table
    return Table(table_id="", cells=tuple(cells), n_rows=len(grid.ys) - 1, n_cols=len(grid.xs) - 1,
                 header_rows=0, pages=(page.number,)), box


def _finer_than_text(grid: Grid, inside: Sequence[Char]) -> bool:
    """Are most of the grid's rows or columns narrower than the text it holds?

    A table's cells hold lines of text; rules closer together than the letters between
    them are a drawing (text drawn as outlines over its own invisible text, an icon).
    """
    sizes = sorted(c.size for c in inside if c.text.strip())
    if not sizes:
        return False
    size = sizes[len(sizes) // 2]
    heights = sorted(b - a for a, b in zip(grid.ys, grid.ys[1:], strict=False))
    widths = sorted(b - a for a, b in zip(grid.xs, grid.xs[1:], strict=False))
    return heights[len(heights) // 2] < size or widths[len(widths) // 2] < size


def _framed_columns(grid: Grid, page: Page, inside: Sequence[Char], settings: ReconstructSettings
                    ) -> Table | None:
    """A box (with rules across it, but none down it) whose text stands in columns: the
    columns from text alignment, the rows from its rules and text (as for tables ruled only
    horizontally), or None when its text is prose (a framed paragraph)."""
    if settings.align is None or not any(c.text.strip() for c in inside):
        return None
    x0, x1 = grid.xs
    rules = tuple(Segment("h", x0, y, x1, y) for y in grid.ys)
    found = region_to_cells(Region(x0, x1, rules), page, [c for c in inside if c.upright], settings.align)
    if found is None:
        return None
    cells, n_rows, n_cols = found
    return Table(table_id="", cells=tuple(cells), n_rows=n_rows, n_cols=n_cols, header_rows=0,
                 pages=(page.number,))


def _page_to_tables_safe(page: Page, settings: ReconstructSettings, hints: Sequence[ColumnHint] = ()
                         ) -> PageTables:
    """:func:`page_to_tables`, with an unexpected failure turned into a warning and an empty page."""
    try:
        return page_to_tables(page, settings, hints)
    except Exception as e:
        return PageTables(number=page.number, width=page.width, height=page.height, tables=(),
                          free_lines=(), warnings=(_unexpected(f"page {page.number}", e, page.number),))


def _free_lines(chars: Sequence[Char], settings: ReconstructSettings) -> list:
    """Text lines outside tables; chars far apart on one baseline are separate lines."""
    lines = chars_to_lines(chars, settings.text)
    out = []
    for ln in lines:
        group: list[Char] = []
        for ch in ln.chars:
            if group and ch.x0 - group[-1].x1 > 3 * ch.size:
                out.extend(chars_to_lines(group, settings.text)[:1])  # none when only blanks
                group = []
            group.append(ch)
        if group:
            out.extend(chars_to_lines(group, settings.text)[:1])
    return out


def _caption(table: Table, free: Sequence[tuple[float, float, str]]) -> str:
    """The text line printed just above the table (its heading), if any."""
    top = min(c.bbox.top for c in table.cells)
    above = [ln for ln in free if ln[1] <= top + 1 and top - ln[1] < 60]
    if not above:
        return ""
    return max(above, key=lambda ln: ln[1])[2]


# --- stitching over pages ---------------------------------------------------------------------


def _col_widths(t: Table) -> list[float]:
    """Relative column widths of a table (from the cells of colspan 1)."""
    widths: dict[int, float] = {}
    for cell in t.cells:
        if cell.colspan == 1 and cell.page == t.pages[-1]:
            widths.setdefault(cell.c, cell.bbox.width)
    total = sum(widths.values()) or 1.0
    return [widths.get(c, 0.0) / total for c in range(t.n_cols)]




def _is_running(line: tuple[float, float, str], height: float, margin: float, where: str) -> bool:
    """A running header/footer line: in the page margin, or a page number near the edge."""
    top, bottom, text = line
    if where == "foot":
        return top > height * (1 - margin) or (top > height * 0.75 and bool(PAGE_NUMBER.match(text)))
    return bottom < height * margin or (bottom < height * 0.25 and bool(PAGE_NUMBER.match(text)))


def _last_on_page(pt: PageTables, t: Table, margin: float) -> bool:
    """Nothing but a running footer follows ``t`` on its page."""
    bottom = max(c.bbox.bottom for c in t.cells if c.page == pt.number)
    return not any(ln[0] > bottom and not _is_running(ln, pt.height, margin, "foot") for ln in pt.free_lines) \
        and not any(min(c.bbox.top for c in o.cells) > bottom for o in pt.tables if o.table_id != t.table_id)


_CONTINUED = re.compile(r"[(（]?\s*(続き?|つづき|続く|continued|cont\.?)\s*[)）]?\s*$", re.IGNORECASE)


def _repeats_caption(text: str, caption: str) -> bool:
    """A heading printed again over a continued table: the caption itself, or 「（続き）」."""
    bare = _CONTINUED.sub("", text).strip()
    if not bare:
        return True  # 「（続き）」 alone
    if not caption:
        return False
    squeeze = re.compile(r"\s+")
    ratio = difflib.SequenceMatcher(None, squeeze.sub("", bare), squeeze.sub("", caption), autojunk=False).ratio()
    return ratio >= 0.85


def _first_on_page(pt: PageTables, t: Table, margin: float, caption: str = "") -> bool:
    """Nothing but a running header, or the table's own heading printed again, precedes ``t``."""
    top = min(c.bbox.top for c in t.cells)
    return t.table_id == pt.tables[0].table_id and not any(
        ln[1] < top and not _is_running(ln, pt.height, margin, "head") and not _repeats_caption(ln[2], caption)
        for ln in pt.free_lines)


def _continues(prev: PageTables, a: Table, nxt: PageTables, b: Table, settings: ReconstructSettings,
               caption: str = "") -> bool:
    """Is ``b`` (first on its page) the continuation of ``a`` (last on the page before)?"""
    if nxt.number != prev.number + 1 or a.n_cols != b.n_cols:
        return False
    if not (_last_on_page(prev, a, settings.margin_share)
            and _first_on_page(nxt, b, settings.margin_share, caption)):
        return False
    covered = {k for c in b.cells for k in range(c.c, c.c + c.colspan)}
    if len(covered) < b.n_cols:
        return True  # put on a's columns by their positions (see _on_columns_of)
    wa, wb = _col_widths(a), _col_widths(b)
    return all(abs(x - y) < 0.03 for x, y in zip(wa, wb, strict=True))


def _boundaries(t: Table, page: int) -> list[float]:
    """The table's column boundaries (x) on one of its pages, from its cells."""
    xs: list[float] = []
    for x in sorted(v for c in t.cells if c.page == page for v in (c.bbox.x0, c.bbox.x1)):
        if not xs or x - xs[-1] > 1e-6:
            xs.append(x)
    return xs


def _on_columns_of(a: Table, b: Table, settings: ReconstructSettings) -> Table | None:
    """``b`` on ``a``'s columns, when ``b``'s column boundaries are some of ``a``'s.

    A continued part may lack a column boundary of the part before (a merged cell runs over
    the page break, so the rule that divides its columns never shows on the new page), or a
    whole outer column (the merged cell's box is not drawn again): its cells then span the
    columns of ``a`` they cover, and :func:`_join` carries the merged cell on. None when a
    boundary of ``b`` has no match in ``a``; ``b`` itself when nothing needs mapping.
    """
    if a.n_cols == b.n_cols:
        return b
    xa, xb = _boundaries(a, a.pages[-1]), _boundaries(b, b.pages[0])
    tol = 2 * settings.snap

    def index(x: float) -> int | None:
        near = [i for i, v in enumerate(xa) if abs(v - x) <= tol]
        return near[0] if near else None

    if len(xa) != a.n_cols + 1 or len(xb) != b.n_cols + 1 or len(xb) > len(xa):
        return None
    where = [index(x) for x in xb]
    if any(i is None for i in where) or (where[0] != 0 or where[-1] != len(xa) - 1) and len(xb) < 3:
        return None  # a part that lacks outer columns (a merged cell going on) must match 3 boundaries
    cols = [int(i) for i in where if i is not None]
    cells = tuple(replace(c, c=cols[c.c], colspan=cols[c.c + c.colspan] - cols[c.c]) for c in b.cells)
    return replace(b, cells=cells, n_cols=a.n_cols)


def _row_texts(t: Table, r: int) -> list[str]:
    return [c.text for c in sorted(t.cells, key=lambda c: c.c) if c.r == r]


def _header_block(t: Table, k: int) -> dict[tuple[int, int, int, int], str] | None:
    """The cells of the first ``k`` rows, or None when a cell crosses row ``k`` (no clean cut)."""
    block = {}
    for c in t.cells:
        if c.r < k:
            if c.r + c.rowspan > k:
                return None
            block[(c.r, c.c, c.rowspan, c.colspan)] = re.sub(r"\s+", "", c.text)
    return block


def _same_header(a: dict[tuple[int, int, int, int], str], b: dict[tuple[int, int, int, int], str]) -> bool:
    """The same header block: the same cells, texts equal but for spacing and line breaks,
    or nearly equal (OCR reads a repeated header a little differently on each page)."""
    if a.keys() != b.keys():
        return False
    for key, ta in a.items():
        tb = b[key]
        if ta == tb:
            continue
        na, nb = _NOISE.sub("", ta), _NOISE.sub("", tb)
        if na == nb and na:
            continue  # stray strokes OCR added (|, _)
        # nearly equal text, but never rows that differ in a number (項目1 / 項目2)
        if not na or not nb or re.findall(r"\d+", na) != re.findall(r"\d+", nb):
            return False
        if difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio() < 0.8:
            return False
    return True


_NOISE = re.compile(r"[|¦!_:;.,'\"`\s]")


def _repeated_header_rows(a: Table, b: Table) -> int:
    """How many leading rows of ``b`` repeat the leading rows of ``a`` (a repeated header).

    The header is compared as a block, so multi-row headers with merged cells are found too.
    """
    best = 0
    for k in range(1, min(a.n_rows, b.n_rows)):
        ha, hb = _header_block(a, k), _header_block(b, k)
        if ha is None or hb is None:
            continue
        if not _same_header(ha, hb):
            break
        if any(hb.values()):
            best = k
    return best


def _split_row(a: Table, b: Table, skip: int) -> bool:
    """Does ``b``'s first body row continue ``a``'s last row (a row cut by the page break)?

    Word processors split a tall row over pages; each part is drawn as a full row. The
    continuation shows it: on the new page, most of the row's own cells are blank where
    the cells above are filled (their text ended on the first page), and some are not.
    """
    last = a.n_rows - 1
    own = [c for c in b.cells if c.r == skip and c.rowspan == 1]
    if not own or skip >= b.n_rows:
        return False
    if any(a.cell_at(last, c.c) is None for c in own):
        return False
    if _breaks_numbering(a, own):
        return True
    blank = [c for c in own if not c.text.strip()]
    filled = [c for c in own if c.text.strip()]
    if not filled or len(blank) * 2 < len(own):
        return False
    for c in blank:
        above = a.cell_at(last, c.c)
        if above is None or above.r + above.rowspan - 1 != last or not above.text.strip():
            return False
    return True


def _breaks_numbering(a: Table, own: Sequence[Cell]) -> bool:
    """Is there a column whose every entry so far begins with a numbering mark (①, (1), ■),
    and whose cell in the new page's first row does not? Then that row goes on the one above.
    """
    for cell in own:
        if not cell.text.strip() or begins_with_marker(cell.text):
            continue
        column = [c for c in a.cells if c.c == cell.c and c.colspan == cell.colspan and c.rowspan == 1
                  and c.text.strip() and c.r >= a.header_rows]
        if len(column) >= 4 and all(begins_with_marker(c.text) for c in column):
            return True
    return False


def _peel_header(a: Table, b: Table) -> Table | None:
    """``b`` with a repeated header removed from its first row, when no rule separates them.

    A producer that splits a row over pages may print the repeated header and the row's
    continuation in one ruled band: each first-row cell then reads «header» or «header\n
    continuation». The header text is peeled off; what is left is ``b``'s first body row.
    """
    if a.n_rows < 2:
        return None
    header = {c.c: c for c in a.cells if c.r == 0 and c.rowspan == 1}
    first = [c for c in b.cells if c.r == 0]
    if not header or not first:
        return None
    peeled: dict[int, str] = {}
    for cell in first:
        h = header.get(cell.c)
        if h is None or h.colspan != cell.colspan or not h.text.strip():
            return None
        if cell.text == h.text:
            peeled[cell.c] = ""
        elif cell.text.startswith(h.text + "\n"):
            peeled[cell.c] = cell.text[len(h.text) + 1:]
        else:
            return None
    if not any(peeled.values()):
        return None  # a plain repeated header: the ordinary path handles it
    cells = tuple(replace(c, text=peeled[c.c]) if c.r == 0 else c for c in b.cells)
    return replace(b, cells=cells)


def _cut_text(above: Cell, cell: Cell) -> bool:
    """Was ``above``'s text cut by the page break and carried on in ``cell``?

    Only for merged cells (a span of rows on either side), when the first part's text runs
    to the bottom of its box (a finished text leaves room below it) and the carried part
    does not begin a new entry with a marker.
    """
    if not (above.rowspan > 1 or cell.rowspan > 1) or not above.text.strip() or not cell.text.strip():
        return False
    if above.text_bottom is None or above.bbox.bottom - above.text_bottom > 12.0:
        return False
    return not begins_with_marker(cell.text)


def _carry_joiner(above: Cell, right: str) -> str:
    """How text carried over a page break joins the part above it.

    Like a wrapped line when the part above ended on a full line (the page cut a paragraph),
    with the author's break when that line ended short, a sentence ended, or the carried
    part begins with a marker.
    """
    if begins_with_marker(right) or above.text.rstrip().endswith(("。", "！", "？")):
        return "\n"
    return "" if above.last_line_full else "\n"


def _join(a: Table, b: Table) -> Table:
    """Append ``b`` (a continuation on the next page) to ``a``."""
    peeled = _peel_header(a, b)
    if peeled is not None:
        b = peeled
    skip = _repeated_header_rows(a, b)
    header_rows = max(a.header_rows, skip)
    split = _split_row(a, b, skip)
    offset = a.n_rows - skip - (1 if split else 0)
    cells = list(a.cells)
    last_row = a.n_rows - 1
    grow: dict[int, int] = {}  # index in ``cells`` -> rows to add
    new_cells: list[Cell] = []
    for cell in b.cells:
        if cell.r < skip:
            continue
        moved = replace(cell, r=cell.r + offset)
        if cell.r == skip:
            above_i = next((i for i, k in enumerate(cells) if k.r + k.rowspan - 1 == last_row
                            and k.c == cell.c and k.colspan == cell.colspan), None)
            if above_i is not None and split:
                # the rest of a row cut by the page break: its text joins the part above
                above = cells[above_i]
                if cell.text.strip():
                    sep = _carry_joiner(above, cell.text) if above.text.strip() else ""
                    cells[above_i] = replace(above, text=above.text + sep + cell.text)
                grow[above_i] = cell.rowspan - 1
                continue
            if (above_i is not None and not cell.text.strip() and cells[above_i].text.strip()
                    and (cells[above_i].rowspan > 1 or cell.rowspan > 1)):
                # an empty box at the top of a continuation: the rest of a merged cell cut
                # by the page break
                grow[above_i] = cell.rowspan
                continue
            if above_i is not None and _cut_text(cells[above_i], cell):
                # a merged cell whose text a word processor carried over the page break
                above = cells[above_i]
                cells[above_i] = replace(above, text=above.text + _carry_joiner(above, cell.text)
                                         + cell.text)
                grow[above_i] = cell.rowspan
                continue
        new_cells.append(moved)
    for i, extra in grow.items():
        cells[i] = replace(cells[i], rowspan=cells[i].rowspan + extra)
    n_rows = a.n_rows + b.n_rows - skip - (1 if split else 0)
    missing = set(range(a.n_cols)) - {k for c in b.cells for k in range(c.c, c.c + c.colspan)}
    for i, k in enumerate(cells):
        if k.r + k.rowspan == a.n_rows and k.c in missing and k.rowspan + (n_rows - a.n_rows) > k.rowspan:
            # a column the new page does not draw: the merged cell above goes on beside it
            cells[i] = replace(k, rowspan=n_rows - k.r)
    return replace(a, cells=tuple(cells + new_cells), n_rows=n_rows,
                   header_rows=header_rows, pages=a.pages + tuple(p for p in b.pages if p not in a.pages))


def stitch_tables(pages: Sequence[PageTables], settings: ReconstructSettings | None = None,
                  warnings: list[Warning_] | None = None) -> list[Table]:
    """All tables of the document in order, continuations joined, ids ``t01``, ``t02``, …

    A join that fails unexpectedly keeps the two parts as two tables, with a warning in
    ``warnings``.
    """
    settings = settings or ReconstructSettings()
    out: list[Table] = []
    prev_pt: PageTables | None = None
    for pt in pages:
        for i, t in enumerate(pt.tables):
            if i == 0 and out and prev_pt is not None and prev_pt.tables:
                a = out[-1]
                last_part = prev_pt.tables[-1]
                fitted = _on_columns_of(last_part, t, settings)
                if fitted is not None and a.pages[-1] == prev_pt.number \
                        and _continues(prev_pt, last_part, pt, fitted, settings, a.caption):
                    try:
                        out[-1] = _join(a, fitted)
                        continue
                    except Exception as e:  # kept as two tables rather than lost
                        w = _unexpected(f"page {pt.number}, joining the table continued from page "
                                        f"{prev_pt.number}", e, pt.number)
                        if warnings is not None:
                            warnings.append(w)
            out.append(t)
        prev_pt = pt
    width = max(2, len(str(len(out))))
    return [replace(t, table_id=f"t{i + 1:0{width}d}",
                    cells=tuple(sorted(t.cells, key=lambda c: (c.r, c.c)))) for i, t in enumerate(out)]


def mark_header_rows(table: Table, header_rows: int) -> Table:
    """Set ``is_header`` on the cells of the first ``header_rows`` rows."""
    cells = tuple(replace(c, is_header=c.r < header_rows) for c in table.cells)
    return replace(table, cells=cells, header_rows=header_rows)


def _free_rules(page: Page, settings: ReconstructSettings) -> int:
    """Long horizontal rules that no vertical rule touches: the stuff of hrules-only tables."""
    merged = merge_segments(page.segments, settings)
    verticals = [s for s in merged if s.orientation == "v"]
    tol = settings.snap + 0.5
    return sum(1 for s in merged if s.orientation == "h" and s.x1 - s.x0 > 0.2 * page.width
               and not any(_touch(s, v, tol) for v in verticals))


def pages_to_tables(pages: Iterable[Page], settings: ReconstructSettings | None = None
                    ) -> tuple[list[Table], list[PageTables]]:
    """Reconstruct every page, then stitch; returns the tables and the per-page results.

    Tables ruled only horizontally take their columns from the text alignment, which a short
    fragment on one page may not show. Their columns found on each page are handed to the
    other pages as hints (the same table's part on the page before or after, or a table with
    the same header) and those pages are done again, until the hints no longer change.
    """
    settings = settings or ReconstructSettings()
    align = settings.align
    per_page: list[PageTables] = []
    # Only pages that may hold a table ruled horizontally are kept for the hint rounds; the
    # others' characters are dropped as soon as they are done (bounded memory on long books).
    kept: dict[int, Page] = {}
    for p in pages:
        per_page.append(_page_to_tables_safe(p, settings))
        if align is not None and _free_rules(p, settings) >= 2:
            kept[p.number] = p
    if align is not None and kept:
        hints: list[ColumnHint] = []
        for _round in range(3):
            new = [h for pt in per_page if pt.number in kept for i, t in enumerate(pt.tables)
                   if (h := table_hint(kept[pt.number], t.cells, i == 0, i == len(pt.tables) - 1, align))
                   is not None]
            if new == hints:
                break
            hints = new
            near = {h.page + d for h in hints for d in (-1, 0, 1)}
            per_page = [_page_to_tables_safe(kept[pt.number], settings, hints)
                        if pt.number in near and pt.number in kept else pt for pt in per_page]
    stitch_warnings: list[Warning_] = []
    tables = stitch_tables(per_page, settings, stitch_warnings)
    for w in stitch_warnings:
        per_page = [replace(pt, warnings=pt.warnings + (w,)) if pt.number == w.page else pt for pt in per_page]
    tables = [mark_header_rows(t, t.header_rows) for t in tables]
    return tables, per_page
