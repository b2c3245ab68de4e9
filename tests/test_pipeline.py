"""End to end on the sample PDFs: golden CSVs, committed outputs not stale, determinism, score bars."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import (
    CORPUS_BARS,
    GOLDEN,
    NORMALIZED,
    RAW,
    SAMPLES,
    needs_shared,
    score,
    shared_path,
    truth_path,
)
from dxextract.output.emit import frame_to_csv, sha256_file
from dxextract.pipeline import Outputs, outputs_to_files, process_pdf

CSVS = ("tables.csv", "status_items.csv", "kpis.csv", "initiatives.csv", "figures.csv", "audit.csv")


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("csv", CSVS)
def test_matches_golden(sample_outputs: dict[str, Outputs], name: str, csv: str) -> None:
    """Compared as DataFrames so a difference reads as a diff of rows and columns."""
    golden = pd.read_csv(GOLDEN / name / csv, dtype=str, keep_default_na=False)
    fresh = pd.read_csv(pd.io.common.BytesIO(frame_to_csv(sample_outputs[name].frames[csv])), dtype=str,
                        keep_default_na=False)
    pd.testing.assert_frame_equal(fresh, golden)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_outputs_are_not_stale(sample_outputs: dict[str, Outputs], name: str) -> None:
    """normalized/ holds what `dxextract run` makes of raw/ today (rerun it when this fails)."""
    folder = NORMALIZED / SAMPLES[name]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == sha256_file(RAW / f"{name}.pdf")
    for file, data in outputs_to_files(sample_outputs[name]).items():
        assert (folder / file).read_bytes() == data, f"{folder / file} is stale: run `dxextract run --force`"


def test_two_runs_are_byte_identical(sample_outputs: dict[str, Outputs]) -> None:
    again = process_pdf(RAW / "kasama_dx_r5.pdf")
    assert outputs_to_files(again) == outputs_to_files(sample_outputs["kasama_dx_r5"])
    assert again.manifest == sample_outputs["kasama_dx_r5"].manifest


def test_every_output_row_has_a_page(sample_outputs: dict[str, Outputs]) -> None:
    for name, out in sample_outputs.items():
        for csv in CSVS:
            df = out.frames[csv]
            if len(df):
                assert df["page"].notna().all(), f"{name} {csv}: a row without page"


def test_records_read_as_the_report_prints_them(sample_outputs: dict[str, Outputs]) -> None:
    out = sample_outputs["kasama_dx_r5"]
    items = out.frames["status_items.csv"]
    first = items[(items.strategy_no == 1) & (items.measure_no == 1) & (items.item_no == 1)]
    assert set(first.fy) == {2023, 2024, 2025}
    assert first[first.fy == 2023].status_code.item() == "in_progress"
    assert first.strategy.iloc[0] == "新たなサービスや価値を生み出せる職員の育成"
    withdrawn = items[items.status_symbol == "取り下げ"]
    assert len(withdrawn) == 1 and withdrawn.fy.item() == 2023
    kpis = out.frames["kpis.csv"]
    hours = kpis[kpis.kpi_no == 2]
    assert (hours.value.item(), hours.unit.item(), hours.qualifier.item()) == (8411, "時間", "以上")
    assert out.manifest["lg_code"] == "082163" and out.manifest["report_fy"] == 2023
    kinds = {t.kind for t in out.report.tables}
    assert kinds == {"kpi_panel", "status_legend", "status_matrix", "detail"}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_corpus_meets_the_bars(name: str) -> None:
    """The issues' bars, measured by the project's scorer on the committed outputs (which
    test_committed_outputs_are_not_stale ties to what the code makes of raw/ today)."""
    proc = score(truth_path(name), NORMALIZED / SAMPLES[name], *[f"--min={b}" for b in CORPUS_BARS])
    assert proc.returncode == 0, proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    assert "audit_false_alarms=0.000" in last, last


OSAKA = "osaka-higashiyodogawa-aki"


@needs_shared("realworld", f"{OSAKA}.json")
@pytest.mark.parametrize("nonempty", [False, True])
def test_osaka_merged_cells_match_the_citys_excel(tmp_path: Path, nonempty: bool) -> None:
    realworld = shared_path("realworld")
    assert realworld is not None
    out = process_pdf(realworld / f"{OSAKA}.pdf")
    folder = tmp_path / "osaka"
    folder.mkdir()
    (folder / "tables.csv").write_bytes(frame_to_csv(out.frames["tables.csv"]))
    extra = ["--nonempty"] if nonempty else []
    proc = score(realworld / f"{OSAKA}.json", folder, "--min=grid_f1=0.98", *extra)
    assert proc.returncode == 0, proc.stdout
