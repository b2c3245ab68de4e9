"""Tables ruled with horizontal lines only: structure from the rules and the text alignment.

Word processors and LaTeX-booktabs print tables with no vertical lines and no box: a rule
above and below the table, often one under each row (interrupted where a merged cell runs
across it), sometimes only one under the header. The chain, each step inspectable:

``page_to_rules`` (long horizontal rules outside the areas already taken) ->
``rules_to_regions`` (rules stacked with the same x-extent, one region per table; a rule
that covers only part of the width belongs when it shares an end with the table) ->
``region_to_columns`` (column separators: x ranges that (nearly) no printed line of the
region crosses; a merged header crossing a gap in one line does not kill it) ->
``band_to_subrows`` (one row per band between rules; a band that holds several text rows,
visible as paragraph gaps in some columns, is split at them) ->
``region_to_cells`` (elementary cells merged where no rule or no gap separates them).

Tables over several pages: ``open_bottom`` takes a last row a page break left without its
closing rule; ``split_header`` puts the rule back under a repeated header printed without one;
:class:`ColumnHint` (made by :func:`table_hint`) lends the columns found on one page to a
fragment of the same layout on another (the table's part on the page before or after, or a
table with the same header), whose own rows may be too few to show them.

Public entry point: :func:`hrule_tables`. Coordinates: PDF points, top-left origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dxextract.errors import SettingsError
from dxextract.model import BBox, Cell, Char, Page, Segment
from dxextract.tables.celltext import (
    _NO_START,
    PAGE_NUMBER,
    Line,
    TextSettings,
    cell_padding,
    chars_to_cell_text,
    chars_to_lines,
    figure_rows,
)


@dataclass(frozen=True)
class AlignSettings:
    """Tolerances of the horizontal-rules table finder, in PDF points unless said otherwise."""

    #: a horizontal rule shorter than this is not a table rule (underline of a word, tick)
    min_rule_length: float = 60.0
    #: rule ends closer than this are the same x (the table's left or right edge)
    end_tolerance: float = 3.0
    #: rules whose y differ by less than this are one row boundary (double rules, thick rules)
    snap: float = 3.0
    #: collinear rules with a gap up to this are one rule
    join_gap: float = 2.5
    #: a table needs at least this many rules (top, one inside, bottom)
    min_rules: int = 3
    #: a header standing on a table's first rule with no rule above it has at most these lines
    header_lines: int = 3
    #: a table needs at least this many columns
    min_cols: int = 2
    #: share of the printed lines that may cross a column gap (merged headers, wide text)
    max_cross_share: float = 0.5
    #: a column gap is at least this wide, in font sizes (word spaces are narrower)
    min_gap_em: float = 0.45
    #: a rule separates two cells when it covers this share of their common edge
    cover: float = 0.6
    #: an empty band thinner than this between two rules separates two tables (a spacer)
    spacer_height: float = 9.0
    #: in a band, a gap between a column's lines wider than the usual line gap plus this
    #: (× font size) ends a row (cell padding); the band is then split into several rows
    row_gap_em: float = 0.35
    #: share of the text rows that must have text in at least two columns
    min_multi_share: float = 0.5
    #: a band is one row per line when a column stacks at least this many figures, one a line
    #: (statistics set without row rules at a paragraph's leading)
    split_rows_min_lines: int = 2
    #: areas in ``taken`` are grown by this before rules and chars are ignored
    taken_margin: float = 2.0
    text: TextSettings = field(default_factory=TextSettings)

    def __post_init__(self) -> None:
        for key in ("min_rule_length", "end_tolerance", "snap", "join_gap", "min_gap_em",
                    "spacer_height", "row_gap_em", "taken_margin"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise SettingsError(f"AlignSettings.{key}: expected a number >= 0, got {value!r}")
        for key in ("min_rules", "min_cols"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise SettingsError(f"AlignSettings.{key}: expected an integer >= 2, got {value!r}")
        for key in ("max_cross_share", "cover", "min_multi_share"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise SettingsError(f"AlignSettings.{key}: expected a number in [0, 1], got {value!r}")
        if self.cover == 0:
            raise SettingsError("AlignSettings.cover: expected 0 < cover <= 1, got 0")


@dataclass(frozen=True)
class Region:
    """The rules of one table: its x-extent and its rules (full width or sharing an end)."""

    x0: float
    x1: float
    rules: tuple[Segment, ...]

    @property
    def top(self) -> float:
        return self.rules[0].top

    @property
    def bottom(self) -> float:
        return self.rules[-1].top

    @property
    def bbox(self) -> BBox:
        return BBox(self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class Gap:
    """A column separator: the free x range and the cell boundary chosen inside it."""

    x0: float
    x1: float
    boundary: float


@dataclass(frozen=True)
class ColumnHint:
    """Column boundaries of a table found on some page, lent to a fragment of the same layout.

    A fragment of a table (the part on one page) may hold too few rows to show a column by
    its alignment, or a merged column whose text is printed elsewhere. Another fragment with
    the same x-extent shows the boundaries: the previous or next page's part of the same table
    (``last``/``first``: it ends or begins its page), or a table anywhere with the same header
    (``header``: the first row's glyphs, sorted, so the key does not depend on columns).
    """

    page: int
    x0: float
    x1: float
    boundaries: tuple[float, ...]
    header: str
    first: bool
    last: bool


# --- rules ------------------------------------------------------------------------------------


def _inside(x: float, y: float, box: BBox, margin: float) -> bool:
    return box.x0 - margin <= x <= box.x1 + margin and box.top - margin <= y <= box.bottom + margin


def _overlaps(seg: Segment, box: BBox, margin: float) -> bool:
    return (box.top - margin <= seg.top <= box.bottom + margin
            and seg.x0 < box.x1 + margin and seg.x1 > box.x0 - margin)


def page_to_rules(page: Page, taken: Sequence[BBox], settings: AlignSettings) -> list[Segment]:
    """Long horizontal rules of the page outside ``taken``, collinear pieces joined, top to bottom."""
    segs = [s for s in page.segments if s.orientation == "h"
            and not any(_overlaps(s, b, settings.taken_margin) for b in taken)]
    segs.sort(key=lambda s: (s.top, s.x0))
    rows: list[list[Segment]] = []
    for s in segs:
        if rows and abs(s.top - rows[-1][0].top) <= 0.75:
            rows[-1].append(s)
        else:
            rows.append([s])
    out: list[Segment] = []
    for row in rows:
        y = sum(s.top for s in row) / len(row)
        merged: list[list[float]] = []
        for s in sorted(row, key=lambda s: s.x0):
            if merged and s.x0 <= merged[-1][1] + settings.join_gap:
                merged[-1][1] = max(merged[-1][1], s.x1)
            else:
                merged.append([s.x0, s.x1])
        out += [Segment("h", a, y, b, y) for a, b in merged if b - a >= settings.min_rule_length]
    return out


def _chars_in(chars: Sequence[Char], x0: float, top: float, x1: float, bottom: float) -> list[Char]:
    return [c for c in chars if x0 <= c.xc <= x1 and top <= c.yc <= bottom and c.text.strip()]


def _attaches(rules: list[Segment], x0: float, x1: float, rule: Segment, chars: Sequence[Char],
              taken: Sequence[BBox], settings: AlignSettings) -> bool:
    """May ``rule`` continue the table whose rules so far are ``rules`` (extent x0..x1)?"""
    tol = settings.end_tolerance
    if rule.x0 < x0 - tol or rule.x1 > x1 + tol:
        return False
    if any(b.x0 < x1 and x0 < b.x1 and b.top < rule.top and rules[-1].top < b.bottom for b in taken):
        return False  # a table found otherwise lies between: the rules belong to other things
    left, right = abs(rule.x0 - x0) <= tol, abs(rule.x1 - x1) <= tol
    last = rules[-1].top
    if abs(rule.top - last) <= settings.snap:
        return True  # another piece of the same row boundary
    if not (left or right):
        return False
    band = _chars_in(chars, x0, last, x1, rule.top)
    if not band and rule.top - last < settings.spacer_height:
        return False  # a spacer between two tables
    if left and right:
        return True
    # A rule that covers part of the width is a row boundary interrupted by merged cells: the
    # row above it has text in the ruled part, and no earlier row's text crosses its open end.
    if not _chars_in(chars, rule.x0, last, rule.x1, rule.top):
        return False
    end = rule.x1 if left else rule.x0
    ys = [r.top for r in rules] + [rule.top]
    bands = [(a, b) for a, b in zip(ys, ys[1:], strict=False) if b - a > settings.snap]
    crossed = sum(1 for a, b in bands
                  if any(c.x0 + 0.5 < end < c.x1 - 0.5 for c in _chars_in(chars, x0, a, x1, b)))
    return crossed <= settings.max_cross_share * max(1, len(bands))


def _band_text(chars: Sequence[Char], x0: float, top: float, x1: float, bottom: float) -> str:
    return "".join(c.text for c in sorted(_chars_in(chars, x0, top, x1, bottom), key=lambda c: (c.x0, c.top)))


def _header_repeats(rules: list[Segment], x0: float, x1: float, rule: Segment, chars: Sequence[Char],
                    settings: AlignSettings) -> bool:
    """Does the band ending at ``rule`` repeat the table's first row after a band of other text?

    Tables of one kind printed one after another repeat their header row; the band between
    the previous table's bottom rule and the new header is its caption, not a row.
    """
    ys = sorted({round(r.top, 1) for r in rules})
    if len(ys) < 4 or rule.top - ys[-1] <= settings.snap:
        return False
    first = _band_text(chars, x0, ys[0], x1, ys[1])
    return bool(first) and _band_text(chars, x0, ys[-1], x1, rule.top) == first


def rules_to_regions(rules: Sequence[Segment], chars: Sequence[Char], settings: AlignSettings,
                     taken: Sequence[BBox] = ()) -> list[Region]:
    """Group rules into table regions: stacked rules with the table's x-extent or sharing an end.

    No region runs across an area of ``taken``.
    """
    regions: list[Region] = []
    cur: list[Segment] = []
    x0 = x1 = 0.0

    def close() -> None:
        tol = settings.end_tolerance
        full = [i for i, r in enumerate(cur) if abs(r.x0 - x0) <= tol and abs(r.x1 - x1) <= tol]
        if not full:
            return
        kept = cur
        ys = sorted({r.top for r in kept})
        distinct = [y for i, y in enumerate(ys) if i == 0 or y - ys[i - 1] > settings.snap]
        if len(distinct) == settings.min_rules - 1:
            # a rule under the header and one at the bottom, none above the header: the header
            # band is the text standing on the first rule, when it breaks into columns
            top = _header_above(distinct[0], x0, x1, chars, settings)
            if top is not None:
                kept = [top, *kept]
                distinct = [top.top, *distinct]
        n = len({round(r.top / settings.snap) for r in kept})
        if n >= settings.min_rules and len(distinct) >= settings.min_rules:
            regions.append(Region(x0, x1, tuple(kept)))

    for rule in rules:
        if cur and _attaches(cur, x0, x1, rule, chars, taken, settings):
            if not _header_repeats(cur, x0, x1, rule, chars, settings):
                cur.append(rule)
                continue
            # the band before was the caption of a new table with the same header: the new table
            # begins at the rule above its header
            top = cur[-1].top
            head = [r for r in cur if abs(r.top - top) <= settings.snap]
            cur = [r for r in cur if r not in head]
            close()
            cur = [*head, rule]
            continue
        if cur:
            close()
        cur, x0, x1 = [rule], rule.x0, rule.x1
    if cur:
        close()
    return regions


def _header_above(y: float, x0: float, x1: float, chars: Sequence[Char], settings: AlignSettings
                  ) -> Segment | None:
    """A rule's worth of top for a header printed on the table's first rule without one above it.

    The text lines standing on the rule at ``y`` (each within a line's height of the next, at
    most ``header_lines`` of them) are the header when at least one breaks into two runs or
    more; the returned rule lies just above them.
    """
    above = [c for c in chars if x0 - 1 <= c.xc <= x1 + 1 and c.bottom <= y + 1 and c.text.strip()]
    lines = sorted(chars_to_lines(above, settings.text), key=lambda ln: -max(c.bottom for c in ln.chars))
    taken: list[Line] = []
    edge = y
    for ln in lines[: settings.header_lines]:
        bottom, top = max(c.bottom for c in ln.chars), min(c.top for c in ln.chars)
        if edge - bottom > ln.size:
            break
        taken.append(ln)
        edge = top
    size = _median([c.size for ln in taken for c in ln.chars], 9.0)
    if not any(len(_runs(ln.chars, settings.min_gap_em * size)) >= 2 for ln in taken):
        return None
    return Segment("h", x0, edge - 1.0, x1, edge - 1.0)


# --- columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Chars of one printed line that follow each other closely: a piece of one cell's text."""

    x0: float
    x1: float
    text: str


def _runs(chars: Sequence[Char], min_gap: float) -> list[Run]:
    """Runs of one printed line: chars closer than ``min_gap`` and not overlapping join."""
    out: list[list[Char]] = []
    for c in sorted((c for c in chars if c.text.strip()), key=lambda c: c.x0):
        # glyphs that overlap are two texts colliding (hanging punctuation), not one run
        if out and -1.0 <= c.x0 - max(k.x1 for k in out[-1]) < min_gap:
            out[-1].append(c)
        else:
            out.append([c])
    return [Run(g[0].x0, max(k.x1 for k in g), "".join(k.text for k in g)) for g in out]


def _median(values: Sequence[float], default: float) -> float:
    v = sorted(values)
    return v[len(v) // 2] if v else default


def _intervals(flags: Sequence[bool], x0: float, step: float) -> list[tuple[float, float, int, int]]:
    """Maximal runs of True as (x from, x to, first index, last index)."""
    out = []
    i, n = 0, len(flags)
    while i < n:
        if not flags[i]:
            i += 1
            continue
        j = i
        while j < n and flags[j]:
            j += 1
        out.append((x0 + i * step, x0 + (j - 1) * step, i, j - 1))
        i = j
    return out


def region_to_columns(region: Region, chars: Sequence[Char], settings: AlignSettings,
                      hints: Sequence[ColumnHint] = ()) -> list[Gap]:
    """Column separators of a region from the text alignment of its rows and its rules.

    Each band between two rules covers x ranges with its text. A separator is an x range, at
    least ``min_gap_em`` wide, between text: one that no band covers (a column may hold text in
    a single row: a merged cell), or one that at most ``max_cross_share`` of the bands cover
    (a merged header or a wide text crossing it in a few rows must not remove a column).
    An end of a rule that covers only part of the width is a column boundary too.
    The boundaries of ``hints`` (other fragments of the same layout) are taken where at most
    ``max_cross_share`` of the bands run across them, and replace the boundary chosen inside a
    free range they fall in, so that all fragments share their column widths.
    """
    size = _median([c.size for c in chars], 9.0)
    min_gap = settings.min_gap_em * size
    ys = _rule_ys(region, settings)
    step = 0.5
    n = int((region.x1 - region.x0) / step) + 1
    count = [0] * n
    n_bands = 0
    lines: list[list[Run]] = []
    band_lines: list[list[list[Run]]] = []
    for a, b in zip(ys, ys[1:], strict=False):
        band = _chars_in(chars, region.x0 - 1.0, a, region.x1 + 1.0, b)
        if not band:
            continue
        n_bands += 1
        band_lines.append([])
        hit = [False] * n
        for ln in chars_to_lines(band, settings.text):
            lines.append(_runs(ln.chars, min_gap))
            band_lines[-1].append(lines[-1])
            for run in lines[-1]:
                ra, rb = run.x0, run.x1
                for i in range(max(0, int((ra - region.x0) / step)),
                               min(n, int((rb - region.x0) / step) + 1)):
                    hit[i] = True
        for i, h in enumerate(hit):
            count[i] += h
    if not n_bands:
        return []
    allowed = int(settings.max_cross_share * n_bands)
    pad = max(0.0, min(c.x0 for c in chars) - region.x0)
    ends = sorted({e for r in region.rules for e in (r.x0, r.x1)
                   if region.x0 + settings.end_tolerance < e < region.x1 - settings.end_tolerance})
    candidates: list[tuple[float, float]] = []
    for _g0, _g1, i, j in _intervals([k <= allowed for k in count], region.x0, step):
        # the free margins at both ends are padding, not separators
        zero = [_exact(v0, v1, lines) for v0, v1, a, b in
                _intervals([count[k] == 0 and i <= k <= j for k in range(n)], region.x0, step)
                if a > 0 and b < n - 1]
        zero = [(v0, v1) for v0, v1 in zero if v1 - v0 >= min_gap]
        if zero:
            candidates += zero  # untouched ranges (a column may hold text in one row only)
            continue
        if i == 0 or j == n - 1:
            continue
        # crossed by a few merged cells: the separator is the part the fewest bands cross
        low = min(count[i:j + 1])
        valleys = _intervals([count[k] == low and i <= k <= j for k in range(n)], region.x0, step)
        v0, v1, _a, _b = max(valleys, key=lambda v: v[1] - v[0])
        if v1 - v0 >= min_gap:
            candidates.append((v0, v1))
    found = [(v0, v1) for v0, v1 in candidates if _supported(v0, v1, lines)
             or (n_bands <= 2 and _bounded(v0, v1, lines))]
    # a boundary most rows run across (merged cells over two columns) still stands where the
    # rows that do not show columns lined up on both sides of it
    for _g0, _g1, i, j in _intervals([allowed < k <= n_bands - 2 for k in count], region.x0, step):
        if i == 0 or j == n - 1 or any(i * step <= v0 - region.x0 <= (j + 1) * step for v0, _v in candidates):
            continue
        low = min(count[i:j + 1])
        valleys = _intervals([count[k] == low and i <= k <= j for k in range(n)], region.x0, step)
        v0, v1, _a, _b = max(valleys, key=lambda v: v[1] - v[0])
        free = [runs for runs in lines if not any(r.x0 < v0 and r.x1 > v1 for r in runs)]
        v0, v1 = _exact(v0, v1, free)
        # the rows across it cross it well (merged cells), none ends near it
        clean = all(r.x0 < v0 - 0.5 * size and r.x1 > v1 + 0.5 * size
                    for runs in lines for r in runs if r.x0 < v1 and r.x1 > v0)
        if clean and v1 - v0 >= min_gap and _bounded(v0, v1, free) and _supported(v0, v1, free, both=True):
            found.append((v0, v1))
    gaps: list[Gap] = []
    for g0, g1 in sorted(found):
        inner = [e for e in ends if g0 - 1.5 <= e <= g1 + 1.5]
        boundary = inner[0] if inner else max(g0 + (g1 - g0) / 2, g1 - min(pad, 6.0))
        gaps.append(Gap(g0, g1, boundary))
    for e in ends:
        if not any(g.x0 - 1.5 <= e <= g.x1 + 1.5 for g in gaps):
            gaps.append(Gap(e, e, e))  # a rule end where text runs across: a merged cell
    if hints:
        gaps = _hinted(gaps, hints, band_lines, allowed, size, ends)
    return sorted(gaps, key=lambda g: g.boundary)


def _hinted(gaps: list[Gap], hints: Sequence[ColumnHint], band_lines: Sequence[Sequence[Sequence[Run]]],
            allowed: int, size: float, ends: Sequence[float]) -> list[Gap]:
    """``gaps`` with the boundaries of other fragments of the same layout (see ColumnHint)."""
    # the hints' boundaries, those within 1.5 pt of each other as one (the most frequent value)
    seen: list[list[float]] = []
    for b in sorted(x for h in hints for x in h.boundaries):
        if seen and b - seen[-1][-1] <= 1.5:
            seen[-1].append(b)
        else:
            seen.append([b])
    out = list(gaps)
    for group in seen:
        b = max(group, key=group.count)
        inner = [k for k, g in enumerate(out) if g.x0 - 1.5 <= b <= g.x1 + 1.5]
        if inner:
            k = min(inner, key=lambda k: abs(out[k].boundary - b))
            g = out[k]
            if not any(abs(g.boundary - e) < 0.01 for e in ends):  # a rule end stays where it is
                out[k] = Gap(g.x0, g.x1, b)
            continue
        crossed = 0
        for band in band_lines:
            runs = [r for line in band for r in line if r.x0 < b - 1.0 and r.x1 > b + 1.0
                    and not (r.x1 - b <= size and r.text[-1] in _NO_START)]  # a hanging mark
            if any(not (r.x0 < b - 0.5 * size and r.x1 > b + 0.5 * size) for r in runs):
                crossed = len(band_lines)  # the boundary would cut through a text
                break
            crossed += bool(runs)
        if crossed <= allowed:
            out.append(Gap(b, b, b))
    return out


def _exact(v0: float, v1: float, lines: Sequence[Sequence[Run]]) -> tuple[float, float]:
    """The true edges of a range that no run touches (the scan's grid cuts up to a step off)."""
    left = max((r.x1 for runs in lines for r in runs if r.x1 <= v0 + 0.01), default=v0)
    right = min((r.x0 for runs in lines for r in runs if r.x0 >= v1 - 0.01), default=v1)
    return left, right


def _supported(g0: float, g1: float, lines: Sequence[Sequence[Run]], both: bool = False) -> bool:
    """Does the text beside a free x range line up as a column edge?

    A real column boundary has, in at least two printed lines with different texts, text that
    starts at the same x right of it (left-aligned), ends at the same x left of it
    (right-aligned), or is centred on the same x as the text that bounds the range (centred).
    A range that is free only because some cells hold short text has none of these; one
    text repeated in several rows proves nothing. ``both``: the text on each side must line up.
    """
    starts: list[Run] = []
    ends: list[Run] = []
    for runs in lines:
        if any(r.x0 < g0 + 0.5 and r.x1 > g1 - 0.5 for r in runs):
            continue  # crosses the range (a merged cell)
        right = [r for r in runs if r.x0 >= g1 - 0.5]
        left = [r for r in runs if r.x1 <= g0 + 0.5]
        if right:
            starts.append(min(right, key=lambda r: r.x0))
        if left:
            ends.append(max(left, key=lambda r: r.x1))
    tol = 1.0

    def distinct(runs: list[Run]) -> bool:
        return len({r.text for r in runs}) >= 2

    def centred(side: list[Run], bounding: list[Run]) -> bool:
        return any(distinct([q for q in side if abs((q.x0 + q.x1) / 2 - (r.x0 + r.x1) / 2) <= 1.5])
                   for r in bounding)

    start_side = distinct([r for r in starts if abs(r.x0 - g1) <= tol]) or \
        centred(starts, [r for r in starts if abs(r.x0 - g1) <= 0.75])
    end_side = distinct([r for r in ends if abs(r.x1 - g0) <= tol]) or \
        centred(ends, [r for r in ends if abs(r.x1 - g0) <= 0.75])
    return (start_side and end_side) if both else (start_side or end_side)


def _bounded(g0: float, g1: float, lines: Sequence[Sequence[Run]]) -> bool:
    """Is the free range the space between two texts of one printed line (few rows: no alignment)?"""
    return any(any(abs(r.x1 - g0) <= 1.0 for r in runs) and any(abs(r.x0 - g1) <= 1.0 for r in runs)
               for runs in lines)


def _rule_ys(region: Region, settings: AlignSettings) -> list[float]:
    ys: list[float] = []
    for y in sorted(r.top for r in region.rules):
        if not ys or y - ys[-1] > settings.snap:
            ys.append(y)
    return ys


# --- rows -------------------------------------------------------------------------------------


def _blocks(chars: Sequence[Char], row_gap: float, settings: AlignSettings) -> list[tuple[float, float]]:
    """Vertical extents of a column's text blocks: lines closer than ``row_gap`` are one block."""
    out: list[list[float]] = []
    for ln in chars_to_lines(chars, settings.text):
        top = min(c.top for c in ln.chars)
        bottom = max(c.bottom for c in ln.chars)
        if out and top - out[-1][1] <= row_gap:
            out[-1][1] = max(out[-1][1], bottom)
        else:
            out.append([top, bottom])
    return [(a, b) for a, b in out]


def _line_gap(chars: Sequence[Char], xs: Sequence[float], ys: Sequence[float],
              settings: AlignSettings) -> float | None:
    """The usual gap between consecutive lines of one cell (wrapping), over the region."""
    gaps: list[float] = []
    for a, b in zip(ys, ys[1:], strict=False):
        for c0, c1 in zip(xs, xs[1:], strict=False):
            lines = chars_to_lines(_chars_in(chars, c0, a, c1, b), settings.text)
            for p, q in zip(lines, lines[1:], strict=False):
                gaps.append(min(c.top for c in q.chars) - max(c.bottom for c in p.chars))
    if not gaps:
        return None
    # a band without inner rules may hold only row gaps: a wrapped line is never that far down
    size = _median([c.size for c in chars], 9.0)
    return min(max(0.0, _median(gaps, 0.0)), 0.5 * size)


def band_to_subrows(chars: Sequence[Char], xs: Sequence[float], top: float, bottom: float,
                    line_gap: float, settings: AlignSettings
                    ) -> tuple[list[float], list[list[bool]]]:
    """Split one band between two rules into text rows where rules are missing.

    A column whose text restarts (blocks separated by more than the usual line gap plus the
    cell padding) shows where rows begin. Returns the inner row boundaries and, per boundary,
    per column, whether the column is separated there (False: a merged cell runs across —
    one block that spans the band, a line crossing the boundary, or a column empty below a
    parent value).
    """
    stacked = figure_rows([c for c in chars if c.text.strip()], xs, settings.split_rows_min_lines, settings.text)
    if stacked:
        # rows set at the leading of one paragraph: the figures stacked one per line say so
        return stacked, [[True] * (len(xs) - 1) for _ in stacked]
    size = _median([c.size for c in chars], 9.0)
    row_gap = line_gap + settings.row_gap_em * size
    cols = [_chars_in(chars, c0, top, c1, bottom) for c0, c1 in zip(xs, xs[1:], strict=False)]
    blocks = [_blocks(cc, row_gap, settings) for cc in cols]
    intervals = sorted((b[i][1], b[i + 1][0]) for b in blocks if len(b) >= 2 for i in range(len(b) - 1))
    if not intervals:
        return [], []
    # gaps of several columns at one row boundary overlap: cluster and intersect them
    seps: list[float] = []
    lo, hi = intervals[0]
    for a, b in intervals[1:]:
        if a < hi and max(lo, a) < min(hi, b):
            lo, hi = max(lo, a), min(hi, b)
        else:
            seps.append((lo + hi) / 2)
            lo, hi = a, b
    seps.append((lo + hi) / 2)
    bounds = [top, *seps, bottom]
    n_sub = len(bounds) - 1
    separated: list[list[bool]] = [[True] * len(cols) for _ in seps]
    for c, bl in enumerate(blocks):
        if not bl:
            continue
        if len(bl) == 1:
            a, b = bl[0]
            centre = (a + b) / 2
            # one text for the whole band: top-aligned, centred, or crossing a boundary
            if a < bounds[1] or abs(centre - (top + bottom) / 2) < 0.25 * (bottom - top) or \
                    any(a < s < b for s in seps):
                for k in range(len(seps)):
                    separated[k][c] = False
                continue
        starts = [any(bounds[s] <= a < bounds[s + 1] for a, _b in bl) for s in range(n_sub)]
        seen_text = False
        for s in range(n_sub):
            if s > 0:
                crossing = any(a < bounds[s] < b for a, b in bl)
                if crossing or (seen_text and not starts[s]):
                    separated[s - 1][c] = False  # merged: a line runs across, or empty below a value
            seen_text = seen_text or starts[s]
    return seps, separated


# --- cells ------------------------------------------------------------------------------------


def _rule_covers(rules: Sequence[Segment], y: float, a: float, b: float, settings: AlignSettings) -> bool:
    got = sum(max(0.0, min(b, r.x1) - max(a, r.x0)) for r in rules if abs(r.top - y) <= settings.snap)
    return got >= (b - a) * settings.cover


def _spans(sep_h: list[list[bool]], sep_v: list[list[bool]], nr: int, nc: int) -> list[tuple[int, int, int, int]]:
    """Merged cells (r, c, rowspan, colspan) from the separations; regions grown to rectangles."""
    owner = list(range(nr * nc))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    def union(i: int, j: int) -> bool:
        a, b = find(i), find(j)
        if a == b:
            return False
        owner[max(a, b)] = min(a, b)
        return True

    for r in range(nr):
        for c in range(nc - 1):
            if not sep_v[r][c]:
                union(r * nc + c, r * nc + c + 1)
    for r in range(nr - 1):
        for c in range(nc):
            if not sep_h[r][c]:
                union(r * nc + c, (r + 1) * nc + c)
    changed = True
    while changed:
        changed = False
        boxes: dict[int, list[int]] = {}
        for i in range(nr * nc):
            r, c = divmod(i, nc)
            b = boxes.setdefault(find(i), [r, c, r, c])
            b[0], b[1], b[2], b[3] = min(b[0], r), min(b[1], c), max(b[2], r), max(b[3], c)
        for k, (r0, c0, r1, c1) in boxes.items():
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    changed = union(r * nc + c, k) or changed
    spans: dict[int, list[int]] = {}
    for i in range(nr * nc):
        r, c = divmod(i, nc)
        b = spans.setdefault(find(i), [r, c, r, c])
        b[0], b[1], b[2], b[3] = min(b[0], r), min(b[1], c), max(b[2], r), max(b[3], c)
    return sorted((r0, c0, r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in spans.values())


def region_to_cells(region: Region, page: Page, chars: Sequence[Char], settings: AlignSettings,
                    hints: Sequence[ColumnHint] = (), header: bool = False
                    ) -> tuple[list[Cell], int, int] | None:
    """Cells with spans and text of one region, or None when it does not look like a table.

    ``header``: the first band is a header row (printed again elsewhere), see ``_cut_header``.
    """
    gaps = region_to_columns(region, chars, settings, hints)
    if len(gaps) + 1 < settings.min_cols:
        return None
    xs = [region.x0, *(g.boundary for g in gaps), region.x1]
    rule_ys = _rule_ys(region, settings)
    nc = len(xs) - 1
    line_gap = _line_gap(chars, xs, rule_ys, settings)
    if line_gap is None:
        # no cell with two lines: assume a usual leading of 1.3 font sizes
        line_gap = 0.3 * _median([c.size for c in chars], 9.0)
    # rows: each band between rules, split where its text shows rows the rules left out
    ys: list[float] = [rule_ys[0]]
    sep_h: list[list[bool]] = []
    for a, b in zip(rule_ys, rule_ys[1:], strict=False):
        seps, separated = band_to_subrows(_chars_in(chars, region.x0, a, region.x1, b), xs, a, b,
                                          line_gap, settings)
        if len(ys) > 1:
            sep_h.append([_rule_covers(region.rules, a, xs[c], xs[c + 1], settings) for c in range(nc)])
        for s, row in zip(seps, separated, strict=True):
            ys.append(s)
            sep_h.append(row)
        ys.append(b)
    nr = len(ys) - 1
    if header and len(rule_ys) > 2:
        _cut_header(sep_h, ys, rule_ys, chars, xs)
    # columns: a printed line whose text runs across a gap merges the cells it crosses
    size = _median([c.size for c in chars], 9.0)
    min_gap = settings.min_gap_em * size
    sep_v = [[True] * (nc - 1) for _ in range(nr)]
    multi = 0
    nonempty = 0
    for r in range(nr):
        row_chars = _chars_in(chars, region.x0, ys[r], region.x1, ys[r + 1])
        for j in _crossed_gaps(row_chars, gaps, min_gap, size, settings):
            sep_v[r][j] = False
        filled = {c for c in range(nc) if _chars_in(row_chars, xs[c], ys[r], xs[c + 1], ys[r + 1])}
        nonempty += bool(filled)
        multi += len(filled) >= 2
    if nonempty < 2 or multi < settings.min_multi_share * nonempty:
        return None  # prose between rules, not a table
    _inherit_spans(sep_v, xs, ys, chars, settings)
    chars = _pull_hanging(chars, xs, ys, min_gap, settings)
    placed = []
    pads = []
    for r, c, rs, cs in _spans(sep_h, sep_v, nr, nc):
        box = BBox(xs[c], ys[r], xs[c + cs], ys[r + rs])
        inside = _chars_in(chars, box.x0, box.top, box.x1, box.bottom)
        placed.append((r, c, rs, cs, box, inside))
        pad = cell_padding(box, chars_to_lines(inside, settings.text))
        if pad is not None and pad >= 0:
            pads.append(pad)
    table_pad = min(min(pads), settings.text.max_guessed_pad) if pads else None
    cells = [Cell(r=r, c=c, rowspan=rs, colspan=cs, page=page.number, bbox=box,
                  text=chars_to_cell_text(inside, box, settings.text, table_pad))
             for r, c, rs, cs, box, inside in placed]
    texts = [k.text.strip() for k in cells if k.text.strip()]
    if 2 * sum(len(t) == 1 and t.isalpha() for t in texts) > len(texts):
        return None  # letters spread over a line (均等割り付け), not columns
    return cells, nr, nc


def _crossed_gaps(row_chars: Sequence[Char], gaps: Sequence[Gap], min_gap: float, size: float,
                  settings: AlignSettings) -> set[int]:
    """The column gaps a row's text runs across (a merged cell), unless another line of the
    row breaks at the gap (then the crossing line is one running on into the next cell)."""
    crossed: set[int] = set()
    apart: set[int] = set()
    for ln in chars_to_lines(row_chars, settings.text):
        runs = _runs(ln.chars, min_gap)
        for j, g in enumerate(gaps):
            lo, hi = min(g.x0, g.boundary), max(g.x1, g.boundary)
            # a merged cell's text runs well past the gap on both sides (a hanging
            # punctuation mark reaching into the gap does not)
            if any(run.x0 < lo - 0.5 * size and run.x1 > hi + 0.5 * size for run in runs):
                crossed.add(j)
            elif any(lo - size <= run.x1 <= hi for run in runs) and any(lo <= run.x0 <= hi + size for run in runs):
                apart.add(j)  # this line's own text stops at the gap and goes on after it
    return crossed - apart


def _centre(chars: Sequence[Char], settings: AlignSettings) -> float | None:
    """The x centre of a cell's widest printed line."""
    lines = chars_to_lines(chars, settings.text)
    if not lines:
        return None
    widest = max(lines, key=lambda ln: ln.x1 - ln.x0)
    return (widest.x0 + widest.x1) / 2


def _inherit_spans(sep_v: list[list[bool]], xs: Sequence[float], ys: Sequence[float],
                   chars: Sequence[Char], settings: AlignSettings) -> None:
    """A row whose one text under a merged cell is centred like the merged cell's text spans
    the same columns.

    Without vertical rules a short centred text over several columns crosses no column gap:
    only its centre tells it is merged. When the row above has a merged cell over the same
    columns, with its text centred on the same x, and the other columns are empty, the row
    repeats that merge (a footer band of merged cells, say).
    """
    nc = len(xs) - 1
    for r in range(1, len(ys) - 1):
        a = 0
        while a < nc:
            b = a
            while b < nc - 1 and not sep_v[r - 1][b]:
                b += 1
            if b > a and all(sep_v[r][a:b]):
                filled = [c for c in range(a, b + 1) if _chars_in(chars, xs[c], ys[r], xs[c + 1], ys[r + 1])]
                above = _centre(_chars_in(chars, xs[a], ys[r - 1], xs[b + 1], ys[r]), settings)
                here = _centre(_chars_in(chars, xs[a], ys[r], xs[b + 1], ys[r + 1]), settings)
                if len(filled) == 1 and above is not None and here is not None and abs(above - here) <= 1.5:
                    for k in range(a, b):
                        sep_v[r][k] = False
            a = b + 1


def _cut_header(sep_h: list[list[bool]], ys: Sequence[float], rule_ys: Sequence[float],
                chars: Sequence[Char], xs: Sequence[float]) -> None:
    """Separate a header row from a merged cell continued from the previous page.

    A producer that leaves the rule out across a merged cell leaves it out under the
    repeated header too, where the merged cell goes on from the page before: the header
    cell would swallow the empty continuation. Where the column stays empty below the header
    over two rule bands or more, the header's bottom is a boundary all the same.
    """
    h0 = next((k for k in range(1, len(ys)) if abs(ys[k] - rule_ys[1]) < 0.01), None)
    if h0 is None or h0 >= len(ys) - 1:
        return
    h0 -= 1  # index in sep_h of the boundary under the first band
    for c in range(len(xs) - 1):
        if sep_h[h0][c]:
            continue
        r = h0 + 1
        while r < len(sep_h) and not sep_h[r][c]:
            r += 1
        bottom = ys[r + 1]  # the group below the header ends at boundary r
        rules_crossed = sum(1 for y in rule_ys if ys[h0 + 1] < y < bottom - 0.01)
        if rules_crossed >= 1 and not _chars_in(chars, xs[c], ys[h0 + 1], xs[c + 1], bottom):
            sep_h[h0][c] = True


def _pull_hanging(chars: Sequence[Char], xs: Sequence[float], ys: Sequence[float], min_gap: float,
                  settings: AlignSettings) -> list[Char]:
    """Chars that hang past a column boundary moved back into the column their run begins in.

    Line breakers keep a mark that may not begin a line (、。ー）, kinsoku) on the line even
    when it does not fit: it hangs into the padding and beyond, and by its centre it would
    begin the next cell's text. One or two such marks at the end of a run that begins left of
    the boundary are shifted left to end at it, so the line still reads as full.
    """
    out = list(chars)
    index = {id(c): i for i, c in enumerate(chars)}
    for a, b in zip(ys, ys[1:], strict=False):
        for ln in chars_to_lines(_chars_in(chars, xs[0], a, xs[-1], b), settings.text):
            group: list[Char] = []
            for ch in sorted((c for c in ln.chars if c.text.strip()), key=lambda c: c.x0):
                if group and not -1.0 <= ch.x0 - max(k.x1 for k in group) < min_gap:
                    _pull_run(group, xs, out, index)
                    group = []
                group.append(ch)
            if group:
                _pull_run(group, xs, out, index)
    return out


def _pull_run(run: Sequence[Char], xs: Sequence[float], out: list[Char], index: dict[int, int]) -> None:
    start = next((k for k in range(len(xs) - 1) if xs[k] <= run[0].xc < xs[k + 1]), None)
    if start is None or start + 1 >= len(xs) - 1:
        return
    edge = xs[start + 1]
    over = max(c.x1 for c in run) - edge
    past = [c for c in run if c.xc >= edge - 0.01]
    if over <= 0 or not past or len(past) > 2 or past[0].x0 >= edge \
            or not all(c.text in _NO_START for c in past):
        return
    for c in past:
            moved = Char(c.text, c.x0 - over - 0.01, c.top, c.x1 - over - 0.01, c.bottom, c.size, c.upright)
            out[index[id(c)]] = moved




def _is_footer(top: float, text: str, page: Page) -> bool:
    """A running footer line: in the page's bottom margin, or a page number low on the page."""
    return top > page.height * 0.955 or (top > page.height * 0.75 and bool(PAGE_NUMBER.match(text)))


def _with_rule(region: Region, y: float) -> Region:
    """``region`` with a full-width rule at ``y`` that the producer did not draw."""
    rule = Segment("h", region.x0, y, region.x1, y)
    return Region(region.x0, region.x1, tuple(sorted((*region.rules, rule), key=lambda r: (r.top, r.x0))))


def open_bottom(region: Region, chars: Sequence[Char], page: Page, limit: float,
                settings: AlignSettings, hints: Sequence[ColumnHint] = ()) -> Region:
    """The region grown by a last row that a page break left without its closing rule.

    Producers that split a table over pages may draw no rule under the last row of a page.
    That row is taken when it is the last thing on the page above ``limit`` (the next table
    or area below; running footers aside), begins within three font sizes of the last rule,
    and its printed lines fit the region's columns: text in two columns at least and no run
    across a column boundary (a paragraph after a table crosses them).
    """
    size = _median([c.size for c in chars], 9.0)
    below = [c for c in chars if region.x0 - 1.0 <= c.xc <= region.x1 + 1.0
             and region.bottom < c.yc < limit and c.text.strip()]
    lines = [ln for ln in chars_to_lines(below, settings.text)
             if not _is_footer(min(c.top for c in ln.chars), ln.text.strip(), page)]
    if not lines:
        return region
    tops = [min(c.top for c in ln.chars) for ln in lines]
    bottoms = [max(c.bottom for c in ln.chars) for ln in lines]
    if tops[0] - region.bottom > 3.0 * size:
        return region
    end = 1
    while end < len(lines) and tops[end] - bottoms[end - 1] <= 2.5 * size:
        end += 1
    if end < len(lines):
        return region  # more text follows: the table ended at its last rule
    # nothing else may follow on the page, in any column
    if any(c.yc > bottoms[-1] and c.text.strip() and c.yc < limit
           and not any(_is_footer(min(k.top for k in ln.chars), ln.text.strip(), page)
                       for ln in chars_to_lines([c], settings.text))
           and not (region.x0 - 1.0 <= c.xc <= region.x1 + 1.0) for c in chars):
        return region
    inside = _chars_in(chars, region.x0 - 1.0, region.top, region.x1 + 1.0, region.bottom)
    gaps = region_to_columns(region, inside, settings, hints)
    xs = [region.x0, *(g.boundary for g in gaps), region.x1]
    used: set[int] = set()
    for ln in lines:
        for run in _runs(ln.chars, settings.min_gap_em * size):
            if any(run.x0 < b - 0.5 * size and run.x1 > b + size for b in xs[1:-1]):
                return region
            used |= {k for k in range(len(xs) - 1) if xs[k] <= (run.x0 + run.x1) / 2 < xs[k + 1]}
    if len(used) < 2:
        return region
    y = min(limit, page.height, bottoms[-1] + max(1.0, tops[0] - region.bottom))
    return _with_rule(region, y)


def _header_key(chars: Sequence[Char], x0: float, x1: float, top: float, bottom: float) -> str:
    """The glyphs of a table's first row, sorted: equal for equal headers whatever the columns."""
    return "".join(sorted(c.text for c in _chars_in(chars, x0 - 1.0, top, x1 + 1.0, bottom)))


def table_hint(page: Page, cells: Sequence[Cell], first: bool, last: bool,
               settings: AlignSettings | None = None) -> ColumnHint | None:
    """The column hint of a table found on ``page`` (None: a table with vertical rules).

    ``first``/``last``: the table is the first/last one on its page.
    """
    settings = settings or AlignSettings()
    if not cells:
        return None
    x0, x1 = min(c.bbox.x0 for c in cells), max(c.bbox.x1 for c in cells)
    top, bottom = min(c.bbox.top for c in cells), max(c.bbox.bottom for c in cells)
    if any(s.orientation == "v" and x0 - 1.0 <= s.x0 <= x1 + 1.0 and s.top < bottom - 1.0
           and s.bottom > top + 1.0 for s in page.segments):
        return None
    tol = settings.end_tolerance
    ys = [r.top for r in page_to_rules(page, [], settings)
          if abs(r.x0 - x0) <= tol and abs(r.x1 - x1) <= tol and top + settings.snap < r.top <= bottom + 0.5]
    header = _header_key([c for c in page.chars if c.upright], x0, x1, top, min(ys)) if ys else ""
    bounds = tuple(sorted({round(c.bbox.x0, 2) for c in cells if c.bbox.x0 > x0 + tol}))
    return ColumnHint(page.number, x0, x1, bounds, header, first, last)


def _hints_for(region: Region, first: bool, last: bool, page: Page, chars: Sequence[Char],
               hints: Sequence[ColumnHint], settings: AlignSettings) -> list[ColumnHint]:
    """The hints that describe ``region``: same x-extent, and the same header or the part of
    the table on the page before (when the region begins its page) or after (when it ends it)."""
    tol = settings.end_tolerance
    same = [h for h in hints if abs(h.x0 - region.x0) <= tol and abs(h.x1 - region.x1) <= tol]
    if not same:
        return []
    ys = _rule_ys(region, settings)
    key = _header_key(chars, region.x0, region.x1, ys[0], ys[1])
    # a region that begins with a header some table prints is that table, not the part of
    # whatever table ends the page before
    own_header = len(key) >= 2 and any(h.header == key for h in hints)
    return [h for h in same if (len(key) >= 2 and h.header == key)
            or (not own_header and first and h.last and h.page == page.number - 1)
            or (not own_header and last and h.first and h.page == page.number + 1)]


def split_header(region: Region, chars: Sequence[Char], hints: Sequence[ColumnHint],
                 settings: AlignSettings) -> Region:
    """The region with a rule under a repeated header that was printed without one.

    On a continuation page a producer may leave out the rule between the repeated header and
    the first row (a row continued from the page before, say). When the first band's top
    lines are exactly the header of the same table on another page (``hints``), a rule is
    put under them.
    """
    keys = {h.header for h in hints if len(h.header) >= 2}
    ys = _rule_ys(region, settings)
    if not keys or len(ys) < 2:
        return region
    lines = chars_to_lines(_chars_in(chars, region.x0 - 1.0, ys[0], region.x1 + 1.0, ys[1]), settings.text)
    seen: list[str] = []
    for ln, nxt in zip(lines, lines[1:], strict=False):
        seen += [c.text for c in ln.chars if c.text.strip()]
        if "".join(sorted(seen)) in keys:
            bottom = max(c.bottom for c in ln.chars)
            top = min(c.top for c in nxt.chars)
            if top <= bottom:
                return region
            y = (bottom + top) / 2
            return _with_rule(region, y)
    return region


def hrule_tables(page: Page, taken: Sequence[BBox], settings: AlignSettings | None = None,
                 hints: Sequence[ColumnHint] = ()) -> list[tuple[BBox, list[Cell], int, int]]:
    """Tables of one page ruled with horizontal lines only: (bbox, cells, n_rows, n_cols) each.

    ``taken`` are areas already explained (ruled tables found by reconstruct); their rules and
    chars are ignored, so no table is found twice. ``hints`` (see :func:`table_hint`) lend the
    columns of tables found on other pages to fragments of the same layout. Every grid
    position of a returned table is covered by exactly one cell.
    """
    settings = settings or AlignSettings()
    margin = settings.taken_margin
    chars = [c for c in page.chars if c.upright
             and not any(_inside(c.xc, c.yc, b, margin) for b in taken)]
    rules = page_to_rules(page, taken, settings)
    out: list[tuple[BBox, list[Cell], int, int]] = []
    regions = rules_to_regions(rules, chars, settings, taken)
    for n, region in enumerate(regions):
        later = [r.top for r in regions[n + 1:]] + [b.top for b in taken if b.top >= region.bottom]
        first = n == 0 and not any(b.bottom <= region.top for b in taken)
        used = _hints_for(region, first, not later, page, chars, hints, settings)
        region = split_header(region, chars, used, settings)
        region = open_bottom(region, chars, page, min(later, default=page.height), settings, used)
        inside = _chars_in(chars, region.x0 - 1.0, region.top, region.x1 + 1.0, region.bottom)
        if not inside:
            continue
        ys = _rule_ys(region, settings)
        key = _header_key(chars, region.x0, region.x1, ys[0], ys[1])
        found = region_to_cells(region, page, inside, settings, used,
                                header=len(key) >= 2 and any(h.header == key for h in used))
        if found is None:
            continue
        cells, nr, nc = found
        out.append((region.bbox, cells, nr, nc))
    return out
