"""Debug pictures: the detected ruling lines, cells and tables drawn on the page images.

Modelled on pdfplumber's ``debug_tablefinder``: what the reconstruct stage saw is drawn over
what the PDF shows, so a wrong split or a missed merge is visible at a glance.

* thin red: every ruling line after :func:`~dxextract.tables.reconstruct.merge_segments`;
* blue: every reconstructed cell, inset by a few pixels so that two neighbouring cells show as
  two boxes with the (red) rule between them;
* translucent orange with a label ``r{r}c{c} {rs}x{cs}``: merged cells (rowspan/colspan > 1);
* green: each table's extent, with a label ``t01 status_matrix`` at its top-left; the id is
  the stitched one (the same as in ``tables.csv``), the kind is what the interpret stage says.

Public entry point: :func:`inspect_pdf`. Coordinates: PDF points, top-left origin (as
everywhere in dxextract), scaled by ``resolution / 72`` to pixels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from dxextract.errors import InputError, NoTextLayerError
from dxextract.families import choose_family
from dxextract.model import BBox, Page, Segment, Table
from dxextract.pdf.extract import page_count, pdf_to_pages
from dxextract.pdf.raster import image_segments, page_is_image_only
from dxextract.tables.reconstruct import PageTables, ReconstructSettings, merge_segments, pages_to_tables

RULE = (255, 0, 0, 255)
CELL = (0, 0, 255, 255)
MERGED_FILL = (255, 160, 0, 70)
MERGED_TEXT = (140, 0, 140, 255)
LABEL_BG = (255, 255, 255, 190)
TABLE = (0, 150, 0, 255)
TABLE_LABEL_BG = (0, 110, 0, 230)
WHITE = (255, 255, 255, 255)

#: pixels between a cell's box and its rules, so both stay visible
CELL_INSET = 2
#: pixels between a table's outline and its outer rules
TABLE_OUTSET = 4


@dataclass(frozen=True)
class _PageDrawing:
    """What is drawn on one page: its rules and its tables with their stitched id and kind."""

    number: int
    rules: tuple[Segment, ...]
    tables: tuple[tuple[Table, str], ...]  # (per-page table, label)


def _labels(tables: list[Table], per_page: list[PageTables], family: str | None = None
            ) -> dict[tuple[int, int], str]:
    """Label of every per-page table, keyed by (page, index on the page).

    The kinds are those of the family ``family`` (default: the one that claims the tables).
    A per-page table is matched to its stitched table through its cells' (page, bbox): stitching
    keeps cells unchanged except for their row numbers, so this works across page breaks (a
    repeated header that stitching dropped simply does not vote).
    """
    owner: dict[tuple[int, BBox], int] = {}
    for i, t in enumerate(tables):
        for cell in t.cells:
            owner[(cell.page, cell.bbox)] = i
    kinds = choose_family(tables, [], family).table_kinds(tables)  # the family the pipeline would choose
    out: dict[tuple[int, int], str] = {}
    for pt in per_page:
        for k, part in enumerate(pt.tables):
            votes = Counter(owner[key] for key in ((c.page, c.bbox) for c in part.cells) if key in owner)
            if not votes:
                out[(pt.number, k)] = f"{part.table_id} ?"  # never stitched: show the provisional id
                continue
            i = votes.most_common(1)[0][0]
            t = tables[i]
            cont = " (cont.)" if t.pages and pt.number != t.pages[0] else ""
            out[(pt.number, k)] = f"{t.table_id} {kinds[i]}{cont}"
    return out


def _analyse(pdf: Path, settings: ReconstructSettings) -> dict[int, _PageDrawing]:
    """Reconstruct the whole document (ids and kinds depend on all pages); keep only what is drawn.

    The characters of each page are dropped once its tables are built, so memory grows with the
    number of cells and rules, not with the text.
    """
    rules: dict[int, tuple[Segment, ...]] = {}

    def pages() -> Iterator[Page]:
        for page in pdf_to_pages(pdf):
            if page.chars and page_is_image_only(page):
                # a scan with an OCR text layer: its rules are in the image, as the pipeline reads them
                page = replace(page, segments=tuple(image_segments(pdf, page.number, chars=page.chars)))
            rules[page.number] = tuple(merge_segments(page.segments, settings))
            yield page

    tables, per_page = pages_to_tables(pages(), settings)
    labels = _labels(tables, per_page)
    return {pt.number: _PageDrawing(
        pt.number, rules.get(pt.number, ()),
        tuple((t, labels[(pt.number, k)]) for k, t in enumerate(pt.tables)))
        for pt in per_page}


def _font(size: int) -> Any:
    """PIL's bundled font at ``size`` px (labels are ASCII); the bitmap font if FreeType is absent."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError):  # an old Pillow or one built without FreeType
        return ImageFont.load_default()


class _Painter:
    """Draws on one page image; maps PDF points (top-left origin) to pixels."""

    def __init__(self, image: Image.Image, scale: float, dx: float, dy: float) -> None:
        self.overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.overlay)
        self.scale, self.dx, self.dy = scale, dx, dy
        self.small = _font(max(9, round(7 * scale)))
        self.large = _font(max(11, round(10 * scale)))

    def px(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.dx) * self.scale, (y - self.dy) * self.scale

    def box(self, b: BBox, grow: float = 0) -> tuple[float, float, float, float]:
        x0, y0 = self.px(b.x0, b.top)
        x1, y1 = self.px(b.x1, b.bottom)
        return x0 - grow, y0 - grow, max(x0 - grow, x1 + grow), max(y0 - grow, y1 + grow)

    def label(self, xy: tuple[float, float], text: str, font: Any, fg: tuple[int, ...],
              bg: tuple[int, ...], above: bool = False) -> None:
        """Text on a filled box at ``xy`` (its top-left; its bottom-left when ``above``, if it fits)."""
        x0, y0, x1, y1 = self.draw.textbbox((0, 0), text, font=font)
        w, h = x1 - x0 + 4, y1 - y0 + 2
        x, y = xy
        if above:
            y = y - h if y - h >= 0 else y  # no room above the table: put it inside
        self.draw.rectangle((x, y, x + w, y + h), fill=bg)
        self.draw.text((x + 2 - x0, y + 1 - y0), text, font=font, fill=fg)

    def page(self, drawing: _PageDrawing) -> None:
        d = self.draw
        for table, _label in drawing.tables:
            for cell in table.cells:
                x0, y0, x1, y1 = self.box(cell.bbox, grow=-CELL_INSET)
                merged = cell.rowspan > 1 or cell.colspan > 1
                d.rectangle((x0, y0, x1, y1), outline=CELL, fill=MERGED_FILL if merged else None)
        # rules over the cells: they sit between the inset boxes
        for s in drawing.rules:
            d.line([self.px(s.x0, s.top), self.px(s.x1, s.bottom)], fill=RULE, width=1)
        for table, label in drawing.tables:
            for cell in table.cells:
                if cell.rowspan > 1 or cell.colspan > 1:
                    # bottom-left: cell text sits top-left or centred, so this hides least of it
                    x0, _y0, _x1, y1 = self.box(cell.bbox, grow=-CELL_INSET - 1)
                    self.label((x0, y1), f"r{cell.r}c{cell.c} {cell.rowspan}x{cell.colspan}",
                               self.small, MERGED_TEXT, LABEL_BG, above=True)
            extent = BBox(min(c.bbox.x0 for c in table.cells), min(c.bbox.top for c in table.cells),
                          max(c.bbox.x1 for c in table.cells), max(c.bbox.bottom for c in table.cells))
            x0, y0, x1, y1 = self.box(extent, grow=TABLE_OUTSET)
            d.rectangle((x0, y0, x1, y1), outline=TABLE, width=2)
            self.label((x0, y0), label, self.large, WHITE, TABLE_LABEL_BG, above=True)

    def banner(self, text: str) -> None:
        self.label((4, 4), text, self.large, WHITE, (180, 0, 0, 230))

    def compose(self, image: Image.Image) -> Image.Image:
        return Image.alpha_composite(image.convert("RGBA"), self.overlay).convert("RGB")


def inspect_pdf(pdf: Path, out: Path, page: int | None = None, resolution: int = 100) -> list[Path]:
    """Write ``<out>/<pdfstem>-p<NNN>.png`` for every page (or only ``page``, 1-based).

    Each image is the page rendered at ``resolution`` dpi with the detected rules, cells,
    merged cells and tables drawn on it (see the module docstring for the colours). Returns the
    paths written. Raises :class:`InputError` for an unusable file or a page out of range.
    """
    import pypdfium2 as pdfium

    if resolution <= 0:
        raise InputError(f"{pdf}: resolution must be a positive number of dpi, got {resolution}")
    n_pages = page_count(pdf)  # also checks the file, with the same messages as ingest
    if page is not None and not 1 <= page <= n_pages:
        raise InputError(f"{pdf}: page {page} out of range (the file has {n_pages} page(s))")
    settings = ReconstructSettings()
    banner = ""
    try:
        drawings = _analyse(pdf, settings)
    except NoTextLayerError:
        # a scan: nothing was reconstructed, but the page images still help
        drawings, banner = {}, "no text layer (scan): run OCR first (dxextract ingest --ocr)"
    out.mkdir(parents=True, exist_ok=True)
    scale = resolution / 72
    wanted = [page] if page is not None else list(range(1, n_pages + 1))
    written: list[Path] = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for number in wanted:
            written.append(_write_page(doc, number, drawings.get(number), banner, scale,
                                       out / f"{pdf.stem}-p{number:03d}.png"))
    finally:
        doc.close()
    return written


def _write_page(doc: Any, number: int, drawing: _PageDrawing | None, banner: str,
                scale: float, target: Path) -> Path:
    """Render, draw on and write one page; nothing of it is kept (bounded memory)."""
    pg = doc[number - 1]
    try:
        # dxextract's coordinates are pdfplumber's: unrotated, from the media box's top-left;
        # pdfium renders the crop box with /Rotate applied, so undo both
        pg.set_rotation(0)
        ml, _mb, _mr, mt = pg.get_mediabox()
        cl, _cb, _cr, ct = pg.get_cropbox()
        image = pg.render(scale=scale).to_pil()
    finally:
        pg.close()
    painter = _Painter(image, scale, dx=cl - ml, dy=mt - ct)
    if drawing is not None:
        painter.page(drawing)
    if banner:
        painter.banner(banner)
    painter.compose(image).save(target, format="PNG")
    return target
