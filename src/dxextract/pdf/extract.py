"""Stage 1 — extract: PDF file -> positioned characters and ruling lines, page by page.

Public entry point: :func:`pdf_to_pages`. It checks the input first (:func:`check_pdf`) so
that a bad file fails with one clear message naming it, and yields one :class:`Page` at a
time, closing pdfplumber's page caches as it goes so a 600-page book stays in bounded memory.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxextract.errors import InputError, NoTextLayerError
from dxextract.model import Char, Page, Segment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractSettings:
    """How ruling lines are read from the drawing operators."""

    #: a filled rectangle or shape thinner than this (pt) is a rule, not a shaded background
    thin_rect: float = 2.5
    #: count the edges of shaded (filled, not white) boxes as rules. Off: measured on the real
    #: PDFs (benchmarks/realworld.py) it cuts page backgrounds and zebra bands into false
    #: grids (ICDAR mean 0.87 -> 0.69); the text decides unruled boundaries instead
    shading_edges: bool = False
    #: pieces shorter than this (pt) are dropped; short ones are kept because a dotted or
    #: dashed border may be drawn dot by dot (reconstruct joins them and drops lone dots)
    min_segment: float = 0.3
    #: drop a char that repeats the same glyph at (almost) the same place (fake bold)
    dedupe_tolerance: float = 1.0
    #: drop chars that leave no ink on the rendered page (clipped away, white on white)
    drop_invisible: bool = True
    #: resolution (dpi) of the page image the ink check looks at
    ink_dpi: float = 100.0
    #: a glyph shows when its box holds this much contrast (0-255) on the page image
    ink_contrast: int = 30
    #: a page whose text layer (pdfminer's) holds more than this share of (cid:N) codes,
    #: radicals or private-use characters is read by pdfium too, and the better reading kept
    implausible_share: float = 0.02
    #: a glyph without ink at ``ink_dpi`` is looked at again at this resolution before it is
    #: dropped (thin strokes in small print; only pages with such glyphs are rendered twice)
    ink_recheck_dpi: float = 300.0
    #: a ruling line's ink is left out of a glyph's box only when the line is longer than this
    #: × the glyph's size (shorter strokes are text drawn as outlines, e.g. a title's glyphs)
    ink_rule_span: float = 2.0
    #: a stroke shorter than this × the size of a glyph it lies on is part of that glyph (text
    #: drawn as outlines over its own text, fake bold), not a ruling line
    glyph_stroke_span: float = 2.0


def check_pdf(path: Path) -> None:
    """Fail with :class:`InputError` when ``path`` is not a readable PDF file."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a PDF file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: empty file (0 bytes), not a PDF")
    with path.open("rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - 2048))
        tail = f.read()
    if b"%PDF-" not in head:
        raise InputError(f"{path}: not a PDF (no %PDF- header)")
    if b"%%EOF" not in tail and b"startxref" not in tail:
        raise InputError(f"{path}: truncated or damaged PDF (no end-of-file marker)")


def _open(path: Path) -> Any:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path)
        _ = pdf.pages  # forces the page tree to be read
    except Exception as e:  # pdfplumber wraps pdfminer's errors in PdfminerException
        if _is_encryption_error(e) or _declares_encryption(path):
            raise InputError(f"{path}: encrypted PDF (password protected); "
                             "remove the password and retry") from e
        if isinstance(e, PDFSyntaxError) or isinstance(e.__cause__, PDFSyntaxError):
            raise InputError(f"{path}: damaged PDF, cannot be parsed ({e})") from e
        detail = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        raise InputError(f"{path}: damaged PDF, cannot be parsed ({detail})") from e
    return pdf


def _is_encryption_error(e: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    seen: BaseException | None = e
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, (PDFPasswordIncorrect, PDFEncryptionError)) or any(
                isinstance(a, (PDFPasswordIncorrect, PDFEncryptionError)) for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _declares_encryption(path: Path) -> bool:
    """The trailer names an /Encrypt dictionary (read only when opening failed)."""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 4096))
        return b"/Encrypt" in f.read()


def page_count(path: Path) -> int:
    """Number of pages, after the same checks as :func:`pdf_to_pages`."""
    check_pdf(path)
    pdf = _open(path)
    try:
        return len(pdf.pages)
    finally:
        pdf.close()


def _segments(page: Any, settings: ExtractSettings) -> list[Segment]:
    out: list[Segment] = []

    def add(x0: float, top: float, x1: float, bottom: float) -> None:
        if abs(bottom - top) <= abs(x1 - x0):
            y = (top + bottom) / 2
            if x1 - x0 >= settings.min_segment:
                out.append(Segment("h", min(x0, x1), y, max(x0, x1), y))
        else:
            x = (x0 + x1) / 2
            if bottom - top >= settings.min_segment:
                out.append(Segment("v", x, min(top, bottom), x, max(top, bottom)))

    for ln in page.lines:
        if _invisible(ln.get("stroking_color")):
            continue  # a white line on the white page: drawn, but no one sees it
        pts = ln.get("pts") or [(ln["x0"], ln["top"]), (ln["x1"], ln["bottom"])]
        for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
            # pdfplumber gives pts with the top-left origin already
            if abs(ax - bx) < 1.0 or abs(ay - by) < 1.0:
                add(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
    for rc in page.rects:
        w, h = rc["x1"] - rc["x0"], rc["bottom"] - rc["top"]
        stroked = bool(rc.get("stroke")) and not _invisible(rc.get("stroking_color"))
        filled = bool(rc.get("fill")) and not _invisible(rc.get("non_stroking_color"))
        if min(w, h) <= settings.thin_rect:
            if stroked or filled:
                add(rc["x0"], rc["top"], rc["x1"], rc["bottom"])  # a rule drawn as a thin box
        elif stroked or (filled and settings.shading_edges):
            # a box's border; or a shaded cell's edge, which the eye reads as a boundary even
            # where no rule is drawn (label columns shaded grey, zebra rows, header bands)
            add(rc["x0"], rc["top"], rc["x1"], rc["top"])
            add(rc["x0"], rc["bottom"], rc["x1"], rc["bottom"])
            add(rc["x0"], rc["top"], rc["x0"], rc["bottom"])
            add(rc["x1"], rc["top"], rc["x1"], rc["bottom"])
    for cv in page.curves:
        pts = cv.get("pts") or []
        if cv.get("fill") and not _invisible(cv.get("non_stroking_color")) \
                and min(cv["x1"] - cv["x0"], cv["bottom"] - cv["top"]) <= settings.thin_rect:
            add(cv["x0"], cv["top"], cv["x1"], cv["bottom"])  # a rule drawn as a thin filled shape
            continue
        if not cv.get("stroke", True) or _invisible(cv.get("stroking_color")):
            continue
        for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
            if abs(ax - bx) < 1.0 or abs(ay - by) < 1.0:
                add(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
    return out


def _invisible(color: Any) -> bool:
    """Is a paint colour the page's own white (gray 1, RGB 1 1 1, CMYK 0 0 0 0)?

    White strokes and fills do not show on the white page; where they separate shaded
    cells, the shading's own edges carry the boundary.
    """
    if color is None:
        return False
    values = list(color) if isinstance(color, (tuple, list)) else [color]
    try:
        nums = [float(v) for v in values]
    except (TypeError, ValueError):
        return False  # a pattern or a named colour: assume it shows
    if not nums:
        return False
    if len(nums) == 4:
        return all(v <= 0.02 for v in nums)
    return all(v >= 0.98 for v in nums)


def _chars(page: Any, settings: ExtractSettings) -> list[Char]:
    chars: list[Char] = []
    seen: dict[tuple[str, int, int], bool] = {}
    tol = settings.dedupe_tolerance
    for ch in page.chars:
        text = ch.get("text", "")
        if not text:
            continue
        key = (text, int(ch["x0"] / tol), int(ch["top"] / tol))
        if key in seen:
            continue  # fake bold: the same glyph drawn twice at one place
        seen[key] = True
        chars.append(Char(
            text=text, x0=float(ch["x0"]), top=float(ch["top"]), x1=float(ch["x1"]),
            bottom=float(ch["bottom"]), size=float(ch.get("size") or (ch["bottom"] - ch["top"])),
            upright=bool(ch.get("upright", True)),
        ))
    return chars


def _implausible(chars: Sequence[Char]) -> float:
    """Share of glyphs a text layer should not hold: ``(cid:N)`` codes, radicals, private use."""
    if not chars:
        return 0.0
    bad = sum(1 for c in chars if c.text.startswith("(cid:")
              or any(0x2E80 <= ord(t) <= 0x2FDF or 0xE000 <= ord(t) <= 0xF8FF for t in c.text))
    return bad / len(chars)


def _plausible_text(path: Path, page_number: int, chars: list[Char], settings: ExtractSettings) -> list[Char]:
    """pdfminer's chars, or pdfium's where pdfminer's are implausible and pdfium's are not."""
    share = _implausible(chars)
    if share <= settings.implausible_share:
        return chars
    from dxextract.pdf.raster import pdfium_chars

    try:
        other = pdfium_chars(path, page_number)
    except Exception as e:  # pdfium cannot help: keep pdfminer's reading (normalize maps radicals)
        log.info("%s: page %d: pdfium text unavailable (%s)", path, page_number, e)
        return chars
    if other and _implausible(other) < share / 2:
        log.warning("%s: page %d: %.0f%% of the text layer pdfminer reads is (cid:N), radicals or "
                    "private-use codes; pdfium's reading is used for this page", path, page_number, 100 * share)
        return other
    return chars


def visible_chars(path: Path, page_number: int, chars: list[Char], settings: ExtractSettings,
                  segments: Sequence[Segment] = ()) -> list[Char]:
    """The chars that leave ink on the rendered page.

    PDF text layers hold text a reader never sees: LibreOffice Calc draws a merged cell's text
    again on the next page outside a clipping rectangle when a page break cuts the cell;
    producers leave white text on white. pdfplumber ignores clipping, so the page image is
    asked: a glyph that shows has contrast inside its box. (An OCR text layer is invisible
    by design but lies over the scanned ink, so it is kept.) The page's ruling lines
    (``segments``) are left out of each glyph's box: a rule through an invisible glyph is
    ink, but not the glyph's. A glyph that shows no ink at ``ink_dpi`` is looked at again at
    ``ink_recheck_dpi`` before it is dropped: a thin digit in small print (a full-width 「１」
    in 7.7 pt red on grey) leaves too little contrast at a coarse resolution.
    """
    from dxextract.pdf.raster import render_page

    unseen = [i for i, ok in enumerate(_ink(render_page(path, page_number, dpi=settings.ink_dpi),
                                            chars, segments, settings)) if not ok]
    if unseen and settings.ink_recheck_dpi > settings.ink_dpi:
        image = render_page(path, page_number, dpi=settings.ink_recheck_dpi)
        again = _ink(image, [chars[i] for i in unseen], segments, settings)
        unseen = [i for i, ok in zip(unseen, again, strict=True) if not ok]
    drop = set(unseen)
    return [ch for i, ch in enumerate(chars) if i not in drop]


def _ink(image: Any, chars: Sequence[Char], segments: Sequence[Segment], settings: ExtractSettings) -> list[bool]:
    """Per char: does its box on ``image`` hold contrast of its own (rules through it left out)?"""
    import numpy as np

    a, b, c, d, e, f = image.affine  # pixel -> points; invert it
    det = a * d - b * c
    if abs(det) < 1e-12:
        return [True] * len(chars)
    gray = image.gray
    h_px, w_px = gray.shape

    def to_px(x: float, y: float) -> tuple[float, float]:
        x, y = x - e, y - f
        return (d * x - c * y) / det, (-b * x + a * y) / det

    # rules as arrays: (position, start, end) of horizontal and vertical ones
    h = np.array([(sg.top, sg.x0, sg.x1) for sg in segments if sg.orientation == "h"], dtype=float).reshape(-1, 3)
    v = np.array([(sg.x0, sg.top, sg.bottom) for sg in segments if sg.orientation == "v"], dtype=float).reshape(-1, 3)
    out = []
    for ch in chars:
        if not ch.text.strip():
            out.append(True)
            continue
        # the whole glyph box: punctuation (、。) sits in one corner of it
        (px0, py0), (px1, py1) = to_px(ch.x0, ch.top), to_px(ch.x1, ch.bottom)
        i0, i1 = sorted((int(py0), int(np.ceil(py1))))
        j0, j1 = sorted((int(px0), int(np.ceil(px1))))
        i0, j0, i1, j1 = max(i0, 0), max(j0, 0), min(max(i1, i0 + 1), h_px), min(max(j1, j0 + 1), w_px)
        if i1 <= i0 or j1 <= j0:
            out.append(True)  # outside the rendered page: nothing to judge by, keep it
            continue
        box = gray[i0:i1, j0:j1]
        if int(box.max()) - int(box.min()) < settings.ink_contrast:
            out.append(False)  # not a mark in its box: invisible
            continue
        rows = np.ones(i1 - i0, dtype=bool)
        cols = np.ones(j1 - j0, dtype=bool)
        # only rules much longer than the glyph: short strokes are other glyphs drawn as paths
        long_h = (h[:, 2] - h[:, 1]) > settings.ink_rule_span * ch.size
        long_v = (v[:, 2] - v[:, 1]) > settings.ink_rule_span * ch.size
        crossing = long_h & (h[:, 0] >= ch.top - 1) & (h[:, 0] <= ch.bottom + 1) & (h[:, 1] < ch.x1) & (h[:, 2] > ch.x0)
        for y_pt in h[crossing, 0]:
            y = to_px((ch.x0 + ch.x1) / 2, float(y_pt))[1]
            rows[max(0, int(y) - 2 - i0):max(0, int(y) + 3 - i0)] = False
        crossing = long_v & (v[:, 0] >= ch.x0 - 1) & (v[:, 0] <= ch.x1 + 1) & (v[:, 1] < ch.bottom) & (v[:, 2] > ch.top)
        for x_pt in v[crossing, 0]:
            x = to_px(float(x_pt), (ch.top + ch.bottom) / 2)[0]
            cols[max(0, int(x) - 2 - j0):max(0, int(x) + 3 - j0)] = False
        if rows.all() and cols.all():
            out.append(True)  # no rule through it: its contrast is its own
            continue
        box = box[rows][:, cols]
        out.append(box.size == 0 or int(box.max()) - int(box.min()) >= settings.ink_contrast)
    return out


class _Capture(logging.Handler):
    """Collects what pdfminer logs (WARNING and up) while one page is read."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _captured() -> Iterator[list[str]]:
    """pdfminer's log warnings and Python warnings raised inside the block, as messages.

    Why: pdfminer reads a corrupted content stream as far as it can and only *logs*
    "Data-loss while decompressing corrupted data"; the page then comes out empty. Those
    messages are the only sign that records were lost, so they go to the manifest.
    """
    handler = _Capture()
    miner = logging.getLogger("pdfminer")
    level, propagate = miner.level, miner.propagate
    miner.addHandler(handler)
    miner.propagate = False  # collected for the manifest, not printed as they come
    if miner.getEffectiveLevel() > logging.WARNING:
        miner.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield handler.messages
            handler.messages.extend(str(w.message) for w in caught)
    finally:
        miner.removeHandler(handler)
        miner.setLevel(level)
        miner.propagate = propagate


#: pdfminer messages that mean content was lost, not just oddly encoded
_LOSS = re.compile(r"data-loss|corrupt|damaged|truncat|cannot|could not|error|invalid|unexpected", re.I)


def _read_page(path: Path, raw: Any, index: int, settings: ExtractSettings, ocr: bool) -> Page:
    """One page, never raising for its content: a part that fails is a problem on the page."""
    chars: list[Char] = []
    segments: list[Segment] = []
    n_images = 0
    problems: list[str] = []
    damaged = False
    with _captured() as logged:
        try:
            chars = _chars(raw, settings)
            chars = _plausible_text(path, index + 1, chars, settings)
            segments = _segments(raw, settings)
            n_images = len(raw.images)
        except Exception as e:  # pdfminer's errors on a damaged content stream: this page only
            problems.append(f"page {index + 1}: content cannot be parsed ({type(e).__name__}: {e}); "
                            "records on this page are probably missing")
            damaged = True
        if settings.drop_invisible and chars:
            chars = _visible_or_all(path, index + 1, chars, settings, segments, problems)
        segments = _without_glyph_strokes(segments, chars, settings)
    for msg in dict.fromkeys(logged):
        problems.append(f"page {index + 1}: pdfminer: {msg}")
        # "Data-loss while decompressing": the page is cut, whatever was left of it
        damaged = damaged or "data-loss" in msg.lower() or (bool(_LOSS.search(msg)) and not chars)
    if damaged and not any("probably missing" in p for p in problems):
        problems.append(f"page {index + 1}: content damaged; records on this page are probably missing")
    width, height = float(raw.width), float(raw.height)
    turned = 0
    turned = _text_turn(raw.chars) if chars and not ocr else 0
    if turned:  # upright pages keep pdfplumber's coordinates exactly
        chars, segments, width, height = _upright(chars, segments, _display_frame(raw), turned)
    return Page(number=index + 1, width=width, height=height, chars=tuple(chars),
                segments=tuple(segments), n_images=n_images, ocr=ocr, turned=turned,
                problems=tuple(problems), damaged=damaged,
                # strategies that re-read the file see it as stored: only for pages not turned
                source="" if turned else str(path))


def _without_glyph_strokes(segments: list[Segment], chars: Sequence[Char], settings: ExtractSettings
                           ) -> list[Segment]:
    """The segments that are not strokes of a glyph: a short stroke whose middle lies in a
    glyph's box is the glyph drawn as outlines (titles, bold), not a rule."""
    if not chars or not segments:
        return segments
    rows: dict[int, list[Char]] = {}
    for ch in chars:
        if ch.text.strip():
            for k in range(int(ch.top // 10), int(ch.bottom // 10) + 1):
                rows.setdefault(k, []).append(ch)
    kept = []
    for sg in segments:
        x, y = (sg.x0 + sg.x1) / 2, (sg.top + sg.bottom) / 2
        length = max(sg.x1 - sg.x0, sg.bottom - sg.top)
        on = [ch for ch in rows.get(int(y // 10), ()) if ch.x0 <= x <= ch.x1 and ch.top <= y <= ch.bottom]
        if not any(length < settings.glyph_stroke_span * ch.size for ch in on):
            kept.append(sg)
    return kept


def _visible_or_all(path: Path, number: int, chars: list[Char], settings: ExtractSettings,
                    segments: list[Segment], problems: list[str]) -> list[Char]:
    """The ink check; when the page cannot be rendered every char is kept, with a warning."""
    try:
        seen = len(chars)
        kept = visible_chars(path, number, chars, settings, segments)
    except Exception as e:  # pdfium cannot render this page: better all text than none
        problems.append(f"page {number}: cannot be rendered for the ink check ({type(e).__name__}: {e}); "
                        "all its text kept, hidden text included")
        return chars
    if len(kept) < seen:
        log.info("%s: page %d: %d invisible char(s) dropped", path, number, seen - len(kept))
    return kept


# --- turning a page upright ------------------------------------------------------------------
# pdfplumber applies /Rotate to coordinates (0.11), but 90/270 frames are offset and a page
# whose content is itself drawn rotated (or upside down) reads backwards. Every page is put in
# one frame: its displayed box with origin at the top-left, then turned so text runs left to
# right. Coordinates stay pdfplumber's (points, top-left origin) in that upright frame.


def _display_frame(raw: Any) -> tuple[float, float, float, float]:
    """The displayed page (MediaBox after /Rotate) in pdfplumber's coordinates."""
    from dxextract.pdf.raster import _apply, _user_to_plumber

    x0, y0, x1, y1 = (float(v) for v in raw.mediabox)
    to_plumber = _user_to_plumber((x0, y0, x1, y1), int(raw.rotation or 0))
    pts = [_apply(to_plumber, x, y) for x in (x0, x1) for y in (y0, y1)]
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


def _text_turn(chars: Sequence[dict[str, Any]]) -> int:
    """Clockwise degrees that make most of the page's text run left to right (0, 90, 180, 270).

    A char's advance direction is the first row of its text matrix (y up in the matrix, down
    in pdfplumber's frame). Needs a clear majority (60%) of the visible-text chars.
    """
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    for ch in chars:
        a, b = (ch.get("matrix") or (1, 0, 0, 1, 0, 0))[:2]
        dx, dy = float(a), -float(b)
        if abs(dx) >= abs(dy):
            votes[0 if dx > 0 else 180] += 1
        else:  # text running down the page is read after turning it 90° counter-clockwise
            votes[270 if dy > 0 else 90] += 1
    best = max(votes, key=lambda k: votes[k])
    return best if best and votes[best] >= 0.6 * max(1, sum(votes.values())) else 0


def _turn_box(box: tuple[float, float, float, float], w: float, h: float, turned: int
              ) -> tuple[float, float, float, float]:
    """A box (x0, top, x1, bottom) in a w × h frame, turned clockwise by ``turned`` degrees."""
    x0, top, x1, bottom = box
    if turned == 180:
        return w - x1, h - bottom, w - x0, h - top
    if turned == 90:  # text ran upward: its left is the page's bottom
        return h - bottom, x0, h - top, x1
    if turned == 270:  # text ran downward: its left is the page's top
        return top, w - x1, bottom, w - x0
    return box


def _upright(chars: list[Char], segments: list[Segment], frame: tuple[float, float, float, float],
             turned: int) -> tuple[list[Char], list[Segment], float, float]:
    """Chars and segments in the displayed frame, turned so text reads left to right."""
    fx, ft, fx1, fb = frame
    w, h = fx1 - fx, fb - ft
    new_chars = []
    for ch in chars:
        x0, top, x1, bottom = _turn_box((ch.x0 - fx, ch.top - ft, ch.x1 - fx, ch.bottom - ft), w, h, turned)
        new_chars.append(Char(ch.text, x0, top, x1, bottom, ch.size, upright=True if turned else ch.upright))
    new_segments = []
    for sg in segments:
        x0, top, x1, bottom = _turn_box((sg.x0 - fx, sg.top - ft, sg.x1 - fx, sg.bottom - ft), w, h, turned)
        orientation = sg.orientation if turned in (0, 180) else ("v" if sg.orientation == "h" else "h")
        new_segments.append(Segment(orientation, x0, top, x1, bottom))
    if turned in (90, 270):
        w, h = h, w
    return new_chars, new_segments, w, h


def pdf_to_pages(path: Path, settings: ExtractSettings | None = None,
                 ocr_pages: frozenset[int] = frozenset()) -> Iterator[Page]:
    """Yield each page of ``path`` as a :class:`Page` of chars and ruling-line segments.

    ``ocr_pages``: pages whose text layer OCR made (their Page says ``ocr``). A page whose
    content cannot be read is yielded empty and ``damaged``, with the reason in ``problems``:
    one bad page does not lose the others. Pages are turned upright (``turned``).
    Raises :class:`InputError` for a file that cannot be used and
    :class:`NoTextLayerError` when no page has text but pages carry images (a scan).
    """
    settings = settings or ExtractSettings()
    check_pdf(path)
    pdf = _open(path)
    try:
        n_text = 0
        n_image_pages = 0
        damaged: list[str] = []
        pending_blank: list[Page] = []
        for index, raw in enumerate(pdf.pages):
            page = _read_page(path, raw, index, settings, ocr=index + 1 in ocr_pages)
            raw.close()  # drop pdfplumber's per-page caches: bounded memory on long books
            if page.damaged:
                damaged.extend(page.problems)
            if page.chars:
                n_text += 1
                # pages seen before the first text page are yielded now, in order
                yield from pending_blank
                pending_blank = []
                yield page
            else:
                if page.n_images:
                    n_image_pages += 1
                if n_text:
                    yield page
                else:
                    pending_blank.append(page)
        if n_text == 0:
            if damaged:
                raise InputError(f"{path}: damaged PDF, no page could be read ({damaged[0]})")
            if n_image_pages:
                raise NoTextLayerError(
                    f"{path}: no text layer ({n_image_pages} image-only page(s), a scan); "
                    "rerun with --ocr to add one")
            raise InputError(f"{path}: no text on any page")
    finally:
        pdf.close()
