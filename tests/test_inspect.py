"""``inspect_pdf``: page images with the detected rules (red), cells (blue) and tables drawn on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops

from conftest import PDFS, RAW
from dxextract.errors import InputError
from dxextract.inspect import inspect_pdf

R5 = RAW / "kasama_dx_r5.pdf"
IMAGE_ONLY = PDFS / "image_only.pdf"

pytestmark = pytest.mark.skipif(not R5.exists(), reason=f"{R5} not present")


def plain_render(pdf: Path, page: int, resolution: int) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[page - 1].render(scale=resolution / 72).to_pil().convert("RGB")
    finally:
        doc.close()


def count_near(image: Image.Image, rgb: tuple[int, int, int], tol: int = 40) -> int:
    """Pixels within ``tol`` of ``rgb`` on every channel."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(rgb, dtype=np.int16)) <= tol).all(axis=2).sum())


def test_page_image_shows_rules_and_cells(tmp_path: Path) -> None:
    out = tmp_path / "inspect"  # not created beforehand: inspect_pdf creates it
    written = inspect_pdf(R5, out, page=2, resolution=100)
    assert written == [out / "kasama_dx_r5-p002.png"]
    image = Image.open(written[0]).convert("RGB")
    # an A4 page is 595.3 x 841.9 pt; at 100 dpi that is ~827 x 1169 px
    assert abs(image.width - 595.3 * 100 / 72) <= 1.5 and abs(image.height - 841.9 * 100 / 72) <= 1.5
    plain = plain_render(R5, 2, 100)
    assert plain.size == image.size
    assert ImageChops.difference(image, plain).getbbox() is not None
    # the producer prints no pure red or blue on this page; the drawing does
    assert count_near(image, (255, 0, 0)) > 500 > count_near(plain, (255, 0, 0))
    assert count_near(image, (0, 0, 255)) > 500 > count_near(plain, (0, 0, 255))


def test_every_page_when_no_page_given(tmp_path: Path) -> None:
    written = inspect_pdf(R5, tmp_path, resolution=30)
    assert [p.name for p in written][:2] == ["kasama_dx_r5-p001.png", "kasama_dx_r5-p002.png"]
    assert all(p.is_file() for p in written)


@pytest.mark.parametrize("page", [0, 999])
def test_page_out_of_range_names_the_page(tmp_path: Path, page: int) -> None:
    with pytest.raises(InputError, match=rf"kasama_dx_r5\.pdf: page {page} out of range"):
        inspect_pdf(R5, tmp_path, page=page)
    assert not list(tmp_path.iterdir())  # nothing written


def test_scan_still_gets_an_image_with_a_banner(tmp_path: Path) -> None:
    if not IMAGE_ONLY.exists():
        pytest.skip(f"{IMAGE_ONLY} not present")
    written = inspect_pdf(IMAGE_ONLY, tmp_path, page=1, resolution=50)
    image = Image.open(written[0]).convert("RGB")
    assert ImageChops.difference(image, plain_render(IMAGE_ONLY, 1, 50)).getbbox() is not None
