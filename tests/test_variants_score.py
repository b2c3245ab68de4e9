"""The corpus content rendered by other producers scores like the corpus itself.

Each route of scripts/make_variants.py renders the truth JSON; the PDF is ingested and scored
by the project's scorer (tests/scoring.py) with the issues' bars. Routes that need a program or font this
machine lacks are skipped with the reason (CI installs them: scripts/test).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import CORPUS_BARS, load_truth, score, truth_path, write_frames
from dxextract.pipeline import IngestSettings, process_pdf
from truth_frames import load_make_variants

pytest.importorskip("reportlab")

BARS = {
    # the ingest and figures issues' bars
    "default": CORPUS_BARS,
    # the scans' bars (issue: documents from other producers), with --ocr
    "scan": ["status=0.95", "rows=0.95"],
}


def _render(route: str, year: str, tmp: Path) -> Path:
    mv = load_make_variants()
    truth = load_truth(f"kasama_dx_{year}")
    try:
        return mv.make_variant(truth, route, tmp)
    except mv.RouteUnavailable as e:
        pytest.skip(f"route {route} unavailable here: {e}")


def _score(year: str, out: Path, bars: list[str]) -> subprocess.CompletedProcess[str]:
    return score(truth_path(f"kasama_dx_{year}"), out, *[f"--min={b}" for b in bars])


@pytest.mark.parametrize("year", ["r5", "r6"])
@pytest.mark.parametrize("route", ["platypus", "hrules", "writer", "radicals", "calc", "docx"])
def test_variant_meets_the_bars(tmp_path: Path, route: str, year: str) -> None:
    pdf = _render(route, year, tmp_path / "pdf")
    out = process_pdf(pdf, IngestSettings())
    proc = _score(year, write_frames(out, tmp_path / "out"), BARS["default"])
    assert proc.returncode == 0, proc.stdout
    assert len(out.failures) == 0, out.failures.head(10).to_string()


TEXT_COLUMNS = {
    "status_items.csv": ["strategy", "measure", "item", "status_symbol"],
    "initiatives.csv": ["measure", "activity", "result", "next_plan", "departments"],
    "kpis.csv": ["label", "raw", "unit"],
    "figures.csv": ["label", "raw", "unit"],
}


def test_a_text_layer_of_radicals_reads_the_same_as_a_clean_one(tmp_path: Path) -> None:
    """The same page drawn twice, once with a text layer that yields Kangxi radicals and CJK
    Radicals Supplement code points (⽤ for 用, ⻑ for 長): every output text is identical."""
    clean = process_pdf(_render("platypus", "r5", tmp_path / "clean"), IngestSettings(validate=False))
    radical_pdf = _render("radicals", "r5", tmp_path / "radicals")
    import pdfplumber

    with pdfplumber.open(radical_pdf) as pdf:
        layer = "".join(ch["text"] for page in pdf.pages[:3] for ch in page.chars)
    assert any(0x2F00 <= ord(ch) <= 0x2FDF or 0x2E80 <= ord(ch) <= 0x2EFF for ch in layer), \
        "the radicals route must really put radicals into the text layer"
    lookalike = process_pdf(radical_pdf, IngestSettings(validate=False))
    for name, columns in TEXT_COLUMNS.items():
        a = clean.frames[name][columns].astype(str).reset_index(drop=True)
        b = lookalike.frames[name][columns].astype(str).reset_index(drop=True)
        assert a.equals(b), f"{name} differs:\n{a.compare(b).head(10)}"


@pytest.mark.slow
@pytest.mark.parametrize("year", ["r5", "r6"])
def test_a_scan_with_ocr_meets_the_scan_bars(tmp_path: Path, year: str) -> None:
    from dxextract.pdf.ocr import ocr_available

    reason = ocr_available()
    if reason is not None:
        pytest.skip(reason)
    pdf = _render("scan", year, tmp_path / "pdf")
    out = process_pdf(pdf, IngestSettings(ocr=True, validate=False))
    proc = _score(year, write_frames(out, tmp_path / "out"), BARS["scan"])
    assert proc.returncode == 0, proc.stdout
    assert out.frames["status_items.csv"]["ocr"].all(), "every row read by OCR says so"
