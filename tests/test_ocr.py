"""OCR of image-only pages (ocrmypdf + tesseract jpn) and the despacing of tesseract's output."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import RAW
from dxextract.errors import InputError, OcrError
from dxextract.pdf.ocr import despace_ocr_text, ocr_available, ocr_pdf

R5 = RAW / "kasama_dx_r5.pdf"

needs_ocr = pytest.mark.skipif(ocr_available() is not None, reason=f"OCR unavailable: {ocr_available()}")


# --- despace_ocr_text -------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("市 民 サ ービス の 向上", "市民サービスの向上"),
    ("令 和 5 年 度 実績 報告", "令和5年度実績報告"),
    ("8,411 時 間 以上", "8,411時間以上"),
    ("第 2 次 計画", "第2次計画"),
    ("① 市 民", "①市民"),
    ("取り組み 、 計画 。", "取り組み、計画。"),
    ("（ DX ） 推進", "（DX）推進"),  # full-width brackets are CJK
    ("１ ２ 件", "１２件"),  # full-width digits too
])
def test_despace_joins_japanese(raw: str, expected: str) -> None:
    assert despace_ocr_text(raw) == expected


@pytest.mark.parametrize("text", [
    "Web site", "open data 2024", "8 411", "Phase 2", "AI and IoT",
    "DX 推進",    # Latin next to CJK: the space may be the author's; left alone
    "市民\u3000会議",  # an ideographic space is the author's
    "市民\n会議",   # line breaks are structure
    "",
])
def test_despace_keeps_other_spaces(text: str) -> None:
    assert despace_ocr_text(text) == text


@pytest.mark.parametrize("text", ["市 民 の DX 推 進 2 0 2 4 年", "a  b", " 市  民 ", "令 和 5 年 度"])
def test_despace_is_idempotent(text: str) -> None:
    once = despace_ocr_text(text)
    assert despace_ocr_text(once) == once


# a mix that makes every rule fire: kana, kanji, punctuation, digits, Latin, spaces
_ALPHABET = st.sampled_from(list("市民の令和年度5０１DXab ()（）、。①△○\u3000\t\n"))


@given(st.text(alphabet=_ALPHABET, max_size=40) | st.text(max_size=40))
def test_despace_properties(text: str) -> None:
    once = despace_ocr_text(text)
    assert despace_ocr_text(once) == once  # idempotent
    assert once.replace(" ", "").replace("\t", "") == text.replace(" ", "").replace("\t", "")  # only spaces go


# --- ocr_pdf ----------------------------------------------------------------------------------


def test_ocr_of_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.pdf: no such file"):
        ocr_pdf(tmp_path / "nope.pdf")


def test_missing_engine_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ocrmypdf, no tesseract
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(OcrError, match=r"scan\.pdf: cannot OCR: ocrmypdf not installed: apt-get install ocrmypdf"):
        ocr_pdf(pdf)


def image_only_pdf(target: Path, page: int = 1, dpi: int = 200) -> Path:
    """A scan stand-in: one page of R5 rendered to pixels and saved as an image-only PDF."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(R5)
    try:
        image = doc[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    image.save(target, format="PDF", resolution=dpi)
    return target


@needs_ocr
@pytest.mark.skipif(not R5.exists(), reason=f"{R5} not present")
def test_ocr_adds_a_text_layer(tmp_path: Path) -> None:
    import pdfplumber

    scan = image_only_pdf(tmp_path / "scan.pdf")
    with pdfplumber.open(scan) as pdf:
        assert not pdf.pages[0].chars  # really no text before
    started = time.perf_counter()
    out = ocr_pdf(scan, tmp_path / "scan-ocr.pdf")
    print(f"OCR of one page at 200 dpi: {time.perf_counter() - started:.1f} s")
    assert out == tmp_path / "scan-ocr.pdf"
    with pdfplumber.open(out) as pdf:
        text = despace_ocr_text(pdf.pages[0].extract_text() or "")
    assert "実施状況" in text or "市民" in text, text[:300]
    assert "令和5年度" in text, text[:300]


@needs_ocr
def test_ocr_to_a_temporary_file_keeps_text_pages(tmp_path: Path) -> None:
    import pdfplumber

    if not R5.exists():
        pytest.skip(f"{R5} not present")
    out = ocr_pdf(R5)  # every page has text: --skip-text copies them
    try:
        assert out.exists() and out != R5 and out.name.startswith("kasama_dx_r5-ocr-")
        with pdfplumber.open(out) as pdf, pdfplumber.open(R5) as orig:
            assert pdf.pages[1].extract_text() == orig.pages[1].extract_text()
    finally:
        out.unlink(missing_ok=True)


@needs_ocr
def test_ocr_failure_is_an_ocr_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    with pytest.raises(OcrError, match=r"broken\.pdf: OCR failed"):
        ocr_pdf(bad, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()
