"""Small frozen records for the data that flows between stages.

Coordinates: PDF points, top-left origin (pdfplumber's ``x0, top, x1, bottom``); pages 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BBox:
    """A rectangle on one page."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: BBox) -> BBox:
        return BBox(min(self.x0, other.x0), min(self.top, other.top),
                    max(self.x1, other.x1), max(self.bottom, other.bottom))


@dataclass(frozen=True)
class Char:
    """One glyph of the text layer, as pdfplumber reports it."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    upright: bool = True

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Segment:
    """A ruling line: horizontal (``top == bottom``) or vertical (``x0 == x1``)."""

    orientation: str  # "h" or "v"
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class Page:
    """What the extract stage hands on for one page."""

    number: int
    width: float
    height: float
    chars: tuple[Char, ...]
    segments: tuple[Segment, ...]
    n_images: int = 0
    ocr: bool = False
    #: the PDF the page was read from (strategies that re-read the page need it)
    source: str = ""
    #: degrees (clockwise) the page was turned so that its text reads left to right, top down
    turned: int = 0
    #: what went wrong reading the page (parser errors, pdfminer/pdfium warnings), for the manifest
    problems: tuple[str, ...] = ()
    #: the page's content could not be read in full: records from it are probably missing
    damaged: bool = False


@dataclass(frozen=True)
class Cell:
    """One cell of a reconstructed table; a merged cell is one Cell with spans.

    ``page``/``bbox`` say where the cell (its first part, for a cell continued over a page
    break) was printed.
    """

    r: int
    c: int
    rowspan: int
    colspan: int
    text: str
    page: int
    bbox: BBox
    is_header: bool = False
    #: bottom of the cell's last text line (None: no text); tells a cut cell from a finished one
    text_bottom: float | None = field(default=None, compare=False)
    #: whether the last text line fills the cell's width (text cut there was wrapping, not a break)
    last_line_full: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Table:
    """A table as the reconstruct stage gives it: a grid of cells, possibly over pages."""

    table_id: str
    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int
    header_rows: int
    pages: tuple[int, ...]
    kind: str = "other"
    caption: str = ""

    def cell_at(self, r: int, c: int) -> Cell | None:
        """The cell covering grid position (r, c)."""
        for cell in self.cells:
            if cell.r <= r < cell.r + cell.rowspan and cell.c <= c < cell.c + cell.colspan:
                return cell
        return None

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, left to right."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in sorted(self.cells, key=lambda k: (k.r, k.c)):
            out[cell.r].append(cell)
        return out


@dataclass(frozen=True)
class Figure:
    """A measured figure read from a text: 「8,411時間以上」 -> 8411, 時間, 以上.

    ``start``/``end`` are offsets of ``raw`` in the text it was parsed from.
    """

    value: float
    unit: str
    qualifier: str
    raw: str
    label: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Warning_:
    """A recoverable problem, named by page (and table/cell where known)."""

    message: str
    page: int | None = None
    table_id: str | None = None
