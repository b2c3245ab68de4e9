"""raster: ruling lines read from page images (scans) match the rules that were drawn.

Each fixture is drawn with reportlab's canvas, so the rules are known exactly, then rasterized
to an image-only PDF (pypdfium2 + Pillow: the page is one grayscale image, as from a scanner).
Coordinates: pdfplumber's, PDF points, top-left origin.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

pytest.importorskip("cv2")
pytest.importorskip("reportlab")

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from dxextract.errors import SettingsError  # noqa: E402
from dxextract.model import Page, Segment  # noqa: E402
from dxextract.pdf.extract import pdf_to_pages  # noqa: E402
from dxextract.pdf.raster import (  # noqa: E402
    RasterSettings,
    image_segments,
    merge_collinear,
    page_is_image_only,
)

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PAGE_W, PAGE_H = A4
TOL = 1.5

# a 4-column, 5-row table; the second column's rows 1-2 are one merged cell (no rule between)
XS = (60.0, 170.0, 300.0, 420.0, 530.0)
YS = (100.0, 122.0, 150.0, 178.0, 206.0, 234.0)
MERGED_GAP = (XS[1], XS[2])  # the rule at YS[2] skips this column


def drawn_rules() -> list[Segment]:
    """The rules :func:`draw_table` draws, one Segment per continuous rule."""
    segs = [Segment("v", x, YS[0], x, YS[-1]) for x in XS]
    for y in YS:
        if y == YS[2]:
            segs.append(Segment("h", XS[0], y, MERGED_GAP[0], y))
            segs.append(Segment("h", MERGED_GAP[1], y, XS[-1], y))
        else:
            segs.append(Segment("h", XS[0], y, XS[-1], y))
    return segs


def _y(top: float) -> float:
    return PAGE_H - top


def draw_table(c: canvas.Canvas) -> None:
    """A ruled table with a shaded header, Japanese text and figures, and a title above it."""
    c.setFillGray(0.8)  # header shading: a filled box, not a rule (extract ignores it too)
    c.rect(XS[0], _y(YS[1]), XS[-1] - XS[0], YS[1] - YS[0], stroke=0, fill=1)
    c.setFillGray(0)
    c.setLineWidth(0.75)
    for s in drawn_rules():
        c.line(s.x0, _y(s.top), s.x1, _y(s.bottom))
    c.setFont(FONT, 18)
    c.drawString(XS[0], _y(70), "令和５年度　事業一覧（田畑・工事）")
    c.setFont(FONT, 9)
    heads = ("施策", "取組", "令和５年度", "状況")
    for i, h in enumerate(heads):
        c.drawString(XS[i] + 4, _y(YS[0] + 15), h)
    for r in range(1, len(YS) - 1):
        c.drawString(XS[0] + 4, _y(YS[r] + 15), f"基本戦略{r}．市役所の実現")
        c.drawString(XS[2] + 4, _y(YS[r] + 15), "オンライン申請―――")
        c.drawRightString(XS[4] - 4, _y(YS[r] + 15), f"{r * 1234:,}件")


def draw_text_only(c: canvas.Canvas) -> None:
    """Headings and body text, long vowel marks and dashes, but no rules."""
    c.setFont(FONT, 24)
    c.drawString(60, _y(80), "第１章　計画の基本的な考え方（十田口工）")
    c.setFont(FONT, 10.5)
    lines = ["本市では、デジタル技術を活用した行政サービスの向上を図ります。",
             "データの一元化―――ワンストップサービスの推進",
             "ー" * 6 + "　一二三　十一　工事　エレベーター",
             "1,234件 ／ 5,678件（21.7％）"]
    for i, text in enumerate(lines * 8):
        c.drawString(60, _y(130 + i * 18), text)


def vector_pdf(path: Path, draw: Callable[[canvas.Canvas], None], rotate: int = 0,
               cropbox: tuple[float, float, float, float] | None = None) -> Path:
    """A one-page A4 PDF drawn by ``draw``; /Rotate and /CropBox set afterwards (pypdfium2)."""
    c = canvas.Canvas(str(path), pagesize=A4)
    draw(c)
    c.showPage()
    c.save()
    if rotate or cropbox:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(path.read_bytes())
        page = doc[0]
        if rotate:
            page.set_rotation(rotate)
        if cropbox:
            page.set_cropbox(*cropbox)
        page.close()
        doc.save(str(path))
        doc.close()
    return path


def image_only_pdf(src: Path, dst: Path, dpi: int = 200, skew: float = 0.0) -> Path:
    """``src`` rasterized to grayscale, one image per page, no text layer (a scan)."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(str(src))
    try:
        images = []
        for i in range(len(doc)):
            page = doc[i]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            if skew:
                img = img.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
            images.append(img)
            page.close()
    finally:
        doc.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    dst.write_bytes(buf.getvalue())
    return dst


def assert_rules_match(found: Sequence[Segment], expected: Sequence[Segment], tol: float) -> None:
    """Same number of rules, each expected one matched by a found one within ``tol`` at both ends."""
    assert len(found) == len(expected), (sorted(found, key=lambda s: (s.orientation, s.top, s.x0)),
                                         expected)
    unused = list(found)
    for e in expected:
        near = [f for f in unused if f.orientation == e.orientation
                and all(abs(a - b) <= tol for a, b in ((f.x0, e.x0), (f.top, e.top),
                                                       (f.x1, e.x1), (f.bottom, e.bottom)))]
        assert near, f"no rule found within {tol} pt of {e}; found {sorted(found, key=str)}"
        unused.remove(near[0])


@pytest.fixture(scope="module")
def table_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("raster")
    return vector_pdf(d / "ruled_table.pdf", draw_table)


@pytest.fixture(scope="module")
def table_scan(table_pdf: Path) -> Path:
    return image_only_pdf(table_pdf, table_pdf.with_name("ruled_table_scan.pdf"))


def test_scan_rules_match_drawn_ones(table_scan: Path) -> None:
    found = image_segments(table_scan, 1)
    assert_rules_match(found, drawn_rules(), TOL)


def test_scan_at_150_dpi(table_pdf: Path, tmp_path: Path) -> None:
    scan = image_only_pdf(table_pdf, tmp_path / "scan150.pdf", dpi=150)
    found = image_segments(scan, 1, RasterSettings(dpi=150))
    assert_rules_match(found, drawn_rules(), TOL)


def test_shading_edges_are_not_rules(table_scan: Path) -> None:
    # the header's shaded box ends at YS[1], where there is a rule; no line at its other edges
    found = image_segments(table_scan, 1)
    assert not [s for s in found if s.orientation == "h" and YS[0] + 2 < s.top < YS[1] - 2]


def test_skewed_scan_still_finds_the_rules(table_pdf: Path, tmp_path: Path) -> None:
    # 0.3 degrees about the page centre moves this table's corners by up to ~1.6 pt
    scan = image_only_pdf(table_pdf, tmp_path / "skewed.pdf", skew=0.3)
    found = image_segments(scan, 1)
    assert_rules_match(found, drawn_rules(), 2.5)


def test_vector_page_rendered_matches_extract(table_pdf: Path) -> None:
    # a born-digital page renders its vector rules: the image path agrees with extract
    page = next(iter(pdf_to_pages(table_pdf)))
    expected = merge_collinear(page.segments, snap=0.5, join_gap=1.0)
    assert_rules_match(image_segments(table_pdf, 1), expected, TOL)


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_page_in_pdfplumber_frame(tmp_path: Path, rotate: int) -> None:
    # pdf_to_pages turns a /Rotate page's text upright; the image path works in pdfplumber's
    # own frame (OCR'd pages are not turned), so it is compared with pdfplumber's segments
    import pdfplumber

    from dxextract.pdf.extract import ExtractSettings, _segments

    pdf = vector_pdf(tmp_path / f"rot{rotate}.pdf", draw_table, rotate=rotate)
    with pdfplumber.open(pdf) as doc:
        segments = _segments(doc.pages[0], ExtractSettings())
    expected = merge_collinear(segments, snap=0.5, join_gap=1.0)
    assert_rules_match(image_segments(pdf, 1), expected, TOL)


def test_cropped_page_in_pdfplumber_frame(tmp_path: Path) -> None:
    # pdfium renders the CropBox; pdfplumber measures from the MediaBox: the offset is undone.
    # The cropped page is short, so the vertical kernel is too: the title's glyph strokes
    # survive it, and the text layer tells them from rules.
    pdf = vector_pdf(tmp_path / "crop.pdf", draw_table, cropbox=(30, 400, 570, 800))
    page = next(iter(pdf_to_pages(pdf)))
    expected = merge_collinear(page.segments, snap=0.5, join_gap=1.0)
    assert_rules_match(image_segments(pdf, 1, chars=page.chars), expected, TOL)


@pytest.fixture(scope="module")
def text_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vector_pdf(tmp_path_factory.mktemp("raster") / "text_only.pdf", draw_text_only)


def test_text_only_page_has_no_long_segments(text_pdf: Path) -> None:
    # body text (10.5 pt, with ーーー and ―――) leaves nothing; the 24 pt heading's strokes
    # (十, 田, 工) are as long as a short rule, but no longer than a few glyphs
    scan = image_only_pdf(text_pdf, text_pdf.with_name("text_only_scan.pdf"))
    found = image_segments(scan, 1)
    assert all(s.top < 90 and s.bottom < 90 for s in found), found  # the heading only
    assert all(max(s.x1 - s.x0, s.bottom - s.top) < 50 for s in found), found


def test_text_only_page_with_text_layer_has_no_segments(text_pdf: Path) -> None:
    # the text layer (here the vector original's, standing in for OCR's) covers the strokes
    scan = image_only_pdf(text_pdf, text_pdf.with_name("text_only_scan2.pdf"))
    chars = next(iter(pdf_to_pages(text_pdf))).chars
    assert image_segments(scan, 1, chars=chars) == []


def test_text_layer_keeps_the_table_rules(table_pdf: Path, table_scan: Path) -> None:
    chars = next(iter(pdf_to_pages(table_pdf))).chars
    assert_rules_match(image_segments(table_scan, 1, chars=chars), drawn_rules(), TOL)


def test_missing_page_names_the_page(table_scan: Path) -> None:
    from dxextract.errors import InputError

    with pytest.raises(InputError, match=r"no page 3 \(the file has 1 page"):
        image_segments(table_scan, 3)


def test_merge_collinear_joins_pieces_and_keeps_parallels() -> None:
    pieces = [Segment("h", 10, 50.0, 40, 50.0), Segment("h", 42, 50.6, 90, 50.6),
              Segment("h", 10, 54.0, 90, 54.0), Segment("v", 10, 0, 10, 20)]
    merged = merge_collinear(pieces, snap=1.0, join_gap=3.0)
    hs = sorted((s for s in merged if s.orientation == "h"), key=lambda s: s.top)
    assert [(round(s.x0), round(s.x1)) for s in hs] == [(10, 90), (10, 90)]
    assert hs[0].top == pytest.approx(50.0 + 0.6 * 48 / 78)  # length-weighted
    assert len(merged) == 3


def _page(segments: tuple[Segment, ...], n_images: int) -> Page:
    return Page(number=1, width=595, height=842, chars=(), segments=segments, n_images=n_images)


def test_page_is_image_only() -> None:
    rule = Segment("h", 0, 10, 100, 10)
    assert page_is_image_only(_page((), 1))
    assert not page_is_image_only(_page((rule,), 1))
    assert not page_is_image_only(_page((), 0))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dpi": 0}, r"RasterSettings\.dpi: expected a number > 0, got 0"),
    ({"dpi": 1200}, r"RasterSettings\.dpi: expected 36\.\.600"),
    ({"line_scale": -1}, r"RasterSettings\.line_scale: expected a number > 0"),
    ({"min_length": -5}, r"RasterSettings\.min_length: expected a number >= 0, got -5"),
    ({"snap": "1"}, r"RasterSettings\.snap: expected a number >= 0, got '1'"),
    ({"edge_margin": float("nan")}, r"RasterSettings\.edge_margin"),
    ({"min_contrast": 0}, r"RasterSettings\.min_contrast: expected an integer 1\.\.254, got 0"),
    ({"min_contrast": 10.5}, r"RasterSettings\.min_contrast"),
    ({"text_cover": 0}, r"RasterSettings\.text_cover: expected 0 < text_cover <= 1, got 0"),
])
def test_settings_validation_names_the_key(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        RasterSettings(**kwargs)  # type: ignore[arg-type]
