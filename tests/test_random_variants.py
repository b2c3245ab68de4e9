"""scripts/make_variants.py --random: producers sampled per seed, deterministic, over wide ranges.

Accuracy against the issue's bars is benchmarks/variants.py's business; here only that the
generator is deterministic, that its sampled conventions cover the ranges, and that a handful of
seeds ingest without an internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import REPO, load_truth, truth_path
from truth_frames import load_make_variants

pytest.importorskip("reportlab", reason="reportlab (dev extra) draws the random variants")

TRUTH = truth_path("kasama_dx_r5")
#: a fixed handful: horizontal rules on A4, a dashed grid on landscape Letter, a grid on A3
HANDFUL = (0, 5, 10)

mv = load_make_variants()


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth("kasama_dx_r5")


@pytest.fixture(scope="module")
def styles() -> list:
    return [mv.random_style(seed) for seed in range(200)]


def test_a_seed_samples_the_same_style_every_time() -> None:
    assert mv.random_style(17) == mv.random_style(17)
    assert mv.random_style(17) != mv.random_style(18)


def test_the_scan_flag_changes_only_whether_it_is_a_scan() -> None:
    from dataclasses import replace

    plain, scanned = mv.random_style(4), mv.random_style(4, scan=True)
    assert plain.scan is None and scanned.scan is not None
    assert replace(scanned, scan=None) == plain
    shared = [mv.random_style(s, scan_share=0.5).scan is not None for s in range(100)]
    assert 25 < sum(shared) < 75


def test_sampled_styles_cover_the_ranges(styles: list) -> None:
    assert set(mv.RULE_LAYOUTS) == {s.rules for s in styles}
    assert set(mv.RULE_DASHES) == {s.rule_dash for s in styles}
    assert set(mv.PAGE_SIZES) == {s.page for s in styles}
    assert {(s.page, s.landscape) for s in styles} >= {(p, o) for p in mv.PAGE_SIZES for o in (False, True)}
    assert set(mv.FONT_CHOICES) == {s.font for s in styles}
    assert {"left", "centre", "justify"} == {s.text_align for s in styles}
    assert {"centre", "left", "distributed"} == {s.header_align for s in styles}
    assert any(s.rule_rects for s in styles) and not all(s.rule_rects for s in styles)
    assert any(s.rule_weight <= 0.3 for s in styles), "hairlines"
    assert any(s.rule_weight >= 1.0 for s in styles)
    assert {True, False} == {s.captions for s in styles} == {s.repeat_header for s in styles}
    assert any(g > 0 for s in styles for g in s.rule_grey) and any(g == 0 for s in styles for g in s.rule_grey)
    sizes = [s.cell_size for s in styles]
    assert min(sizes) == 7 and max(sizes) == 12
    gaps = [s.table_gap for s in styles]
    assert min(gaps) < 3 and max(gaps) > 27
    for side in ("pad_left", "pad_right", "pad_top", "pad_bottom"):
        values = [getattr(s, side) for s in styles]
        assert min(values) < 1 and max(values) > 11, side
        assert all(0 <= v <= 12 for v in values), side
    assert all(s.pad_left != s.pad_right and s.pad_top != s.pad_bottom for s in styles), "asymmetric"


def test_scan_conventions_cover_the_ranges() -> None:
    scans = [mv.random_style(seed, scan=True).scan for seed in range(200)]
    assert {150, 300} <= {s["dpi"] for s in scans}
    assert all(150 <= s["dpi"] <= 300 and abs(s["skew"]) <= 1.5 and 50 <= s["quality"] <= 95 for s in scans)
    assert min(s["skew"] for s in scans) < -1.2 and max(s["skew"] for s in scans) > 1.2
    assert all(max(abs(v) for v in s["shift_mm"]) <= 4 for s in scans)


def _render(seed: int, folder: Path) -> Path:
    """Render one seed in its own process: reportlab keeps font and document state per process,
    and a render here must neither see nor leave any for the other variant tests."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_variants.py"), "--random", "--seed", str(seed),
                    "--truth", str(TRUTH), "--out", str(folder)], check=True, capture_output=True, timeout=300)
    return folder / f"kasama_dx_r5__random-{seed}.pdf"


def test_a_seed_renders_the_same_pdf_twice(truth: dict, tmp_path: Path) -> None:
    pdfs = []
    for run in ("a", "b"):
        pdf = _render(3, tmp_path / run)
        sidecar = pdf.with_suffix(".style.json")
        assert pdf.name == "kasama_dx_r5__random-3.pdf"
        assert json.loads(sidecar.read_text(encoding="utf-8"))["seed"] == 3
        pdfs.append(pdf.read_bytes())
    assert pdfs[0] == pdfs[1]


@pytest.mark.parametrize("seed", HANDFUL)
def test_a_handful_of_seeds_ingest_without_an_internal_error(truth: dict, tmp_path: Path, seed: int) -> None:
    from dxextract.pipeline import IngestSettings, process_pdf

    pdf = _render(seed, tmp_path)
    out = process_pdf(pdf, IngestSettings(validate=False))
    assert len(out.frames["status_items.csv"]) > 0, "status rows"
