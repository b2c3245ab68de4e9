"""Ruling lines read from the page image, for scans whose table rules exist only as pixels.

After OCR (ocrmypdf adds an invisible text layer, no vector lines) a scanned page has chars but
no :class:`~dxextract.model.Segment`; the reconstruct stage needs the rules. The chain, each
step a small function with an inspectable result (camelot's lattice approach):

``render_page`` (pypdfium2, grayscale, ``dpi``) ->
``image_to_masks`` (local-contrast binarization that keeps thin dark lines but not the edges
of shaded cells; morphological opening with a long thin kernel per direction: text strokes
are shorter than the kernel and vanish) ->
``masks_to_pixel_lines`` (one line per connected component, at its centroid) ->
``pixel_lines_to_segments`` (PDF points in pdfplumber's frame, collinear pieces merged,
short and isolated pieces dropped).

Public entry point: :func:`image_segments`. :func:`page_is_image_only` says which pages need it.

Coordinates: PDF points, top-left origin, in pdfplumber's frame (``page.width``/``height`` and
object coordinates after the page's /Rotate, relative to its MediaBox), so the segments sit on
the chars that :func:`dxextract.pdf.extract.pdf_to_pages` reads from the same page.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dxextract.errors import InputError, SettingsError
from dxextract.model import Char, Page, Segment

Gray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class RasterSettings:
    """How rules are found in a page image. Lengths in PDF points unless said otherwise."""

    #: rendering resolution; 150-200 keeps a 0.5 pt rule at least one pixel wide
    dpi: float = 200.0
    #: the opening kernel is the page's width (height, for vertical rules) divided by this;
    #: camelot's ``line_scale``. Larger finds shorter rules, and more text strokes.
    line_scale: float = 40.0
    #: rules shorter than this are dropped (a kanji stroke, a dash in a cell)
    min_length: float = 10.0
    #: a rule touching no rule of the other direction must be at least this long: a ruled
    #: table's rules meet, a lone short stroke (「―」 in a cell, an underline) is not a rule
    min_isolated_length: float = 40.0
    #: pieces this close across the rule (pt) are one line; covers a slightly skewed scan
    snap: float = 1.5
    #: collinear pieces with a gap up to this (pt) are one rule (a broken scanned line)
    join_gap: float = 3.0
    #: rules this close (pt) to the page's edge are the scanner's border or shadow
    edge_margin: float = 5.0
    #: a segment this much of whose length runs through chars of the text layer is a stroke
    #: of a (large) glyph, not a rule: 「田」 in a 24 pt heading is a small ruled grid
    text_cover: float = 0.8
    #: rules up to this thick (pt) are found; a darker band that is wider (a shaded header,
    #: a black box) is a background, whose edges are not rules -- as in extract
    max_rule_width: float = 3.0
    #: a rule is at least this much darker (0-255) than the paper on both sides of it
    min_contrast: int = 48

    def __post_init__(self) -> None:
        for key in ("dpi", "line_scale"):
            value = getattr(self, key)
            if not _is_number(value) or value <= 0:
                raise SettingsError(f"RasterSettings.{key}: expected a number > 0, got {value!r}")
        if not 36 <= self.dpi <= 600:
            raise SettingsError(f"RasterSettings.dpi: expected 36..600 (150-200 is usual), "
                                f"got {self.dpi!r}")
        for key in ("min_length", "min_isolated_length", "snap", "join_gap", "max_rule_width",
                    "edge_margin"):
            value = getattr(self, key)
            if not _is_number(value) or value < 0:
                raise SettingsError(f"RasterSettings.{key}: expected a number >= 0, got {value!r}")
        if not _is_number(self.text_cover) or not 0 < self.text_cover <= 1:
            raise SettingsError(f"RasterSettings.text_cover: expected 0 < text_cover <= 1, "
                                f"got {self.text_cover!r}")
        if (not isinstance(self.min_contrast, int) or isinstance(self.min_contrast, bool)
                or not 1 <= self.min_contrast <= 254):
            raise SettingsError(f"RasterSettings.min_contrast: expected an integer 1..254, "
                                f"got {self.min_contrast!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(np.isfinite(value))


@dataclass(frozen=True)
class PageImage:
    """A rendered page and the map from its pixels to PDF points (pdfplumber's frame).

    ``affine`` is ``(a, b, c, d, e, f)``: ``x = a*px + c*py + e``, ``top = b*px + d*py + f``,
    for continuous pixel coordinates (pixel ``i`` spans ``[i, i+1)``).
    """

    gray: Gray
    affine: tuple[float, float, float, float, float, float]
    #: the page in pdfplumber's frame: ``(x0, top, x1, bottom)`` of its MediaBox, after rotation
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class PixelLine:
    """One line component in the image: ``pos`` across the line, ``start..end`` along it."""

    orientation: str  # "h" or "v"
    pos: float
    start: float
    end: float
    thickness: float


# --- page -> image --------------------------------------------------------------------------


def page_is_image_only(page: Page) -> bool:
    """True when the page carries images but no vector rules: a scan, even after OCR."""
    return page.n_images > 0 and not page.segments


def render_page(pdf: Path, page_number: int, dpi: float = 200.0) -> PageImage:
    """Render page ``page_number`` (1-based) of ``pdf`` to grayscale at ``dpi``.

    pdfium renders the CropBox after the page's /Rotate; the returned affine maps those pixels
    to pdfplumber's frame, whose origin is the MediaBox's top-left after rotation.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        doc = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as e:
        raise InputError(f"{pdf}: cannot be rendered ({e})") from e
    try:
        if not 1 <= page_number <= len(doc):
            raise InputError(f"{pdf}: no page {page_number} (the file has {len(doc)} page(s))")
        page = doc[page_number - 1]
        try:
            scale = dpi / 72.0
            bitmap = page.render(scale=scale, grayscale=True)
            img = np.asarray(bitmap.to_pil().convert("L"), dtype=np.uint8).copy()
            h_px, w_px = img.shape
            to_user = _device_to_user(pdfium_c, page, w_px, h_px)
            to_plumber = _user_to_plumber(page.get_mediabox(), page.get_rotation())
            affine = _compose(to_plumber, to_user)
            bbox = _plumber_boxes(page.get_mediabox(), page.get_rotation())
        finally:
            page.close()
    finally:
        doc.close()
    return PageImage(gray=img, affine=affine, bbox=bbox)


Affine = tuple[float, float, float, float, float, float]


def _device_to_user(pdfium_c: Any, page: Any, w_px: int, h_px: int) -> Affine:
    """Pixel -> PDF user space, as pdfium rendered it, from three mapped corners."""
    k = 1000  # device coordinates are ints: map a large multiple for precision

    def one(dx: int, dy: int) -> tuple[float, float]:
        x, y = ctypes.c_double(), ctypes.c_double()
        ok = pdfium_c.FPDF_DeviceToPage(page.raw, 0, 0, w_px * k, h_px * k, 0, dx, dy,
                                        ctypes.byref(x), ctypes.byref(y))
        if not ok:
            raise InputError("pdfium cannot map the page's pixels to points")
        return x.value, y.value

    ox, oy = one(0, 0)
    ax, ay = one(w_px * k, 0)
    bx, by = one(0, h_px * k)
    a, b = (ax - ox) / w_px, (ay - oy) / w_px   # per pixel along x
    c, d = (bx - ox) / h_px, (by - oy) / h_px   # per pixel along y
    return (a, b, c, d, ox, oy)


def _plumber_boxes(mediabox: Sequence[float], rotation: int) -> tuple[float, float, float, float]:
    """pdfplumber's ``page.mediabox`` (top-left origin, after rotation)."""
    x0, x1 = sorted((mediabox[0], mediabox[2]))
    y0, y1 = sorted((mediabox[1], mediabox[3]))
    if rotation % 360 in (90, 270):
        x0, y0, x1, y1 = y0, x0, y1, x1
    mb_height = y1 - y0
    return (x0, mb_height - y1, x1, mb_height - y0)


def _user_to_plumber(mediabox: Sequence[float], rotation: int) -> Affine:
    """PDF user space -> pdfplumber (x, top): pdfminer's page CTM, then pdfplumber's flip."""
    x0, x1 = sorted((mediabox[0], mediabox[2]))
    y0, y1 = sorted((mediabox[1], mediabox[3]))
    r = rotation % 360
    # pdfminer.pdfinterp.PDFPageInterpreter.process_page
    if r == 90:
        ctm: Affine = (0, -1, 1, 0, -y0, x1)
    elif r == 180:
        ctm = (-1, 0, 0, -1, x1, y1)
    elif r == 270:
        ctm = (0, 1, -1, 0, y1, -x0)
    else:
        ctm = (1, 0, 0, 1, -x0, -y0)
    mb_x0, mb_top, _, mb_bottom = _plumber_boxes(mediabox, r)
    height = mb_bottom - mb_top
    # pdfplumber.page.Page.process_object: x += mb_x0; top = height - y + mb_top
    flip: Affine = (1, 0, 0, -1, mb_x0, height + mb_top)
    return _compose(flip, ctm)


def _compose(outer: Affine, inner: Affine) -> Affine:
    """The affine ``outer(inner(p))``; both as ``(a, b, c, d, e, f)`` like PDF matrices."""
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a2 * a1 + c2 * b1, b2 * a1 + d2 * b1,
            a2 * c1 + c2 * d1, b2 * c1 + d2 * d1,
            a2 * e1 + c2 * f1 + e2, b2 * e1 + d2 * f1 + f2)


def _apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


# --- image -> line masks --------------------------------------------------------------------


@dataclass(frozen=True)
class LineMasks:
    """The page's thin dark structures, and the long runs of them kept per direction."""

    horizontal: Gray  # 255 = part of a horizontal rule
    vertical: Gray
    contrast: Gray  # black-hat (0-255): how much darker than the paper around it


def image_to_masks(gray: Gray, dpi: float = 200.0,
                   settings: RasterSettings | None = None) -> LineMasks:
    """Horizontal and vertical rule masks of a grayscale page image.

    Binarize by local contrast: a black-hat (closing minus image) with a square kernel a little
    wider than ``max_rule_width`` marks what is darker than the paper around it and contains
    no dark square of that size -- rules, their crossings, text strokes -- but not a shaded
    cell, nor its edges, which a plain (adaptive) threshold turns into false rules. Then an
    opening with a long thin kernel (camelot's lattice: page width, or height, divided by
    ``line_scale``) keeps only runs at least that long: text strokes are shorter and vanish.
    """
    import cv2

    settings = settings or RasterSettings()
    h_px, w_px = gray.shape
    across = 2 * int(settings.max_rule_width * dpi / 72 / 2) + 3  # odd, wider than a rule
    h_len = max(2, int(w_px / settings.line_scale))
    v_len = max(2, int(h_px / settings.line_scale))
    rect = cv2.MORPH_RECT
    contrast = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT,
                                cv2.getStructuringElement(rect, (across, across)))
    _, binary = cv2.threshold(contrast, settings.min_contrast - 1, 255, cv2.THRESH_BINARY)
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(rect, (h_len, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(rect, (1, v_len)))
    return LineMasks(_u8(horizontal), _u8(vertical), _u8(contrast))


def _u8(a: Any) -> Gray:
    return np.asarray(a, dtype=np.uint8)


def masks_to_pixel_lines(masks: LineMasks) -> list[PixelLine]:
    """One :class:`PixelLine` per connected component of each mask.

    The position across the line is the component's centroid weighted by contrast (sub-pixel,
    and the mean of a slightly skewed line); its extent is the bounding box along the line.
    """
    import cv2

    out: list[PixelLine] = []
    contrast = masks.contrast
    for orientation, mask in (("h", masks.horizontal), ("v", masks.vertical)):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n <= 1:
            continue
        rows, cols = np.nonzero(mask)
        lab = labels[rows, cols]
        weight = contrast[rows, cols].astype(np.float64)
        across = rows if orientation == "h" else cols
        total = np.bincount(lab, weights=weight, minlength=n)
        pos = np.bincount(lab, weights=weight * (across + 0.5), minlength=n) / np.maximum(total, 1e-9)
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if orientation == "h":
                out.append(PixelLine("h", float(pos[i]), float(x), float(x + w), area / max(w, 1)))
            else:
                out.append(PixelLine("v", float(pos[i]), float(y), float(y + h), area / max(h, 1)))
    return out


# --- pixel lines -> segments ----------------------------------------------------------------


def pixel_lines_to_segments(lines: Sequence[PixelLine], image: PageImage,
                            settings: RasterSettings | None = None) -> list[Segment]:
    """Pixel lines -> :class:`Segment` in PDF points; merged, short and isolated ones dropped."""
    settings = settings or RasterSettings()
    segs: list[Segment] = []
    for ln in lines:
        if ln.orientation == "h":
            p, q = (ln.start, ln.pos), (ln.end, ln.pos)
        else:
            p, q = (ln.pos, ln.start), (ln.pos, ln.end)
        (ax, ay), (bx, by) = _apply(image.affine, *p), _apply(image.affine, *q)
        # a page rotated by 90/270 turns the image's rows into the frame's columns
        if abs(bx - ax) >= abs(by - ay):
            y = (ay + by) / 2
            segs.append(Segment("h", min(ax, bx), y, max(ax, bx), y))
        else:
            x = (ax + bx) / 2
            segs.append(Segment("v", x, min(ay, by), x, max(ay, by)))
    merged = merge_collinear(segs, settings.snap, settings.join_gap)
    long_enough = [s for s in merged if _length(s) >= settings.min_length
                   and not _at_edge(s, image.bbox, settings.edge_margin)]
    return drop_isolated(long_enough, settings.min_isolated_length, tol=settings.join_gap)


def _at_edge(s: Segment, bbox: tuple[float, float, float, float], margin: float) -> bool:
    x0, top, x1, bottom = bbox
    if s.orientation == "h":
        return s.top < top + margin or s.top > bottom - margin
    return s.x0 < x0 + margin or s.x0 > x1 - margin


def _length(s: Segment) -> float:
    return s.x1 - s.x0 if s.orientation == "h" else s.bottom - s.top


def merge_collinear(segments: Sequence[Segment], snap: float, join_gap: float) -> list[Segment]:
    """Join segments of one orientation lying within ``snap`` across and ``join_gap`` along.

    A merged segment sits at the length-weighted mean position of its pieces.
    """
    out: list[Segment] = []
    for orientation in ("h", "v"):
        # (pos, start, end) with pos across the line
        items = sorted(
            ((s.top, s.x0, s.x1) if orientation == "h" else (s.x0, s.top, s.bottom))
            for s in segments if s.orientation == orientation)
        # group by position: a chain of positions each within snap of the group's mean
        groups: list[list[tuple[float, float, float]]] = []
        for it in items:
            if groups:
                g = groups[-1]
                mean = sum(p * (e - s) for p, s, e in g) / max(sum(e - s for _, s, e in g), 1e-9)
                if abs(it[0] - mean) <= snap:
                    g.append(it)
                    continue
            groups.append([it])
        for g in groups:
            g.sort(key=lambda t: t[1])
            run: list[tuple[float, float, float]] = [g[0]]
            end = g[0][2]
            for it in g[1:]:
                if it[1] - end <= join_gap:
                    run.append(it)
                    end = max(end, it[2])
                else:
                    out.append(_run_to_segment(orientation, run))
                    run, end = [it], it[2]
            out.append(_run_to_segment(orientation, run))
    return out


def _run_to_segment(orientation: str, run: Sequence[tuple[float, float, float]]) -> Segment:
    weight = sum(max(e - s, 1e-9) for _, s, e in run)
    pos = sum(p * max(e - s, 1e-9) for p, s, e in run) / weight
    start, end = min(s for _, s, _ in run), max(e for _, _, e in run)
    if orientation == "h":
        return Segment("h", start, pos, end, pos)
    return Segment("v", pos, start, pos, end)


def drop_isolated(segments: Sequence[Segment], min_isolated_length: float,
                  tol: float = 3.0) -> list[Segment]:
    """Keep a segment shorter than ``min_isolated_length`` only if a perpendicular one touches it."""
    hs = [s for s in segments if s.orientation == "h"]
    vs = [s for s in segments if s.orientation == "v"]

    def touches(s: Segment, others: Sequence[Segment]) -> bool:
        return any(o.x0 - tol <= s.x1 and s.x0 <= o.x1 + tol
                   and o.top - tol <= s.bottom and s.top <= o.bottom + tol for o in others)

    return [s for s in segments
            if _length(s) >= min_isolated_length
            or touches(s, vs if s.orientation == "h" else hs)]


def drop_text_strokes(segments: Sequence[Segment], chars: Sequence[Char],
                      cover: float = 0.8) -> list[Segment]:
    """Drop segments running through chars for at least ``cover`` of their length.

    A rule runs between text lines, or along a cell's edge; a stroke of a glyph runs inside the
    glyph's box, and a merged run of strokes (「十田」) inside the boxes of neighbouring glyphs.
    """
    out: list[Segment] = []
    for s in segments:
        horizontal = s.orientation == "h"
        pos = s.top if horizontal else s.x0
        start, end = (s.x0, s.x1) if horizontal else (s.top, s.bottom)
        spans: list[tuple[float, float]] = []
        biggest = 0.0
        for c in chars:
            lo, hi = (c.top, c.bottom) if horizontal else (c.x0, c.x1)
            if not lo < pos < hi:
                continue
            a, b = (c.x0, c.x1) if horizontal else (c.top, c.bottom)
            pad = 0.25 * max(c.size, hi - lo)  # the gap between two glyphs of one word
            spans.append((max(start, a - pad), min(end, b + pad)))
            biggest = max(biggest, c.size, hi - lo)
        # a glyph stroke spans a few glyphs at most; OCR's word boxes are loose and may
        # straddle a real rule, so a segment much longer than the glyphs it crosses is kept
        if end - start > 5 * biggest or _union_length(spans) < cover * (end - start):
            out.append(s)
    return out


def _union_length(spans: Sequence[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b <= a:
            continue
        if a > reach:
            total += b - a
            reach = b
        elif b > reach:
            total += b - reach
            reach = b
    return total


# --- entry point ----------------------------------------------------------------------------


def image_segments(pdf: Path, page_number: int, settings: RasterSettings | None = None,
                   chars: Sequence[Char] = ()) -> list[Segment]:
    """Ruling lines of page ``page_number`` (1-based) of ``pdf``, read from its rendered image.

    For scanned pages, whose rules are pixels: the result has the form and frame of
    :attr:`dxextract.model.Page.segments` (PDF points, top-left origin, as pdfplumber reads the
    same page), so it can stand in for them. Vector content is rendered too, so on a
    born-digital page this finds the same rules that extract reads from the drawing operators.

    ``chars``, the page's text layer (after OCR: ``Page.chars``), lets strokes of large glyphs
    (headings) be told from rules; without it the kernel length alone filters text, which is
    enough for body text but not for a heading of 18 pt and more.
    """
    settings = settings or RasterSettings()
    image = render_page(pdf, page_number, settings.dpi)
    masks = image_to_masks(image.gray, settings.dpi, settings)
    lines = masks_to_pixel_lines(masks)
    segs = pixel_lines_to_segments(lines, image, settings)
    if chars:
        segs = drop_text_strokes(segs, chars, settings.text_cover)
        segs = drop_isolated(segs, settings.min_isolated_length, tol=settings.join_gap)
    return sorted(segs, key=lambda s: (s.orientation, s.top, s.x0))


# --- text from pdfium (where pdfminer's is implausible) ---------------------------------------


def pdfium_chars(pdf: Path, page_number: int) -> list[Char]:
    """The page's characters as pdfium reads them, in pdfplumber's frame (top-left origin).

    pdfium and pdfminer decode fonts differently: where one gives ``(cid:N)`` or radicals for
    a font without a usable ToUnicode map, the other may read the ordinary characters.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[page_number - 1]
        try:
            to_plumber = _user_to_plumber(page.get_mediabox(), page.get_rotation())
            text = page.get_textpage()
            out: list[Char] = []
            for i in range(text.count_chars()):
                ch = text.get_text_range(i, 1)
                if not ch or ch in "\r\n\ufffe":
                    continue
                # the loose box spans the font's height, as pdfminer's does (the tight one is ink)
                left, bottom, right, top = text.get_charbox(i, loose=True)
                xa, ya = _apply(to_plumber, left, top)
                xb, yb = _apply(to_plumber, right, bottom)
                size = float(pdfium_c.FPDFText_GetFontSize(text.raw, i)) or abs(yb - ya)
                x0, x1 = sorted((xa, xb))
                t0, t1 = sorted((ya, yb))
                if ch.isspace() and x1 - x0 < 0.01:
                    continue  # spaces pdfium generates between words: not glyphs
                out.append(Char(ch, x0, t0, x1, t1, size))
            text.close()
            return out
        finally:
            page.close()
    finally:
        doc.close()
