"""End to end on the sample PDFs: golden CSVs, committed outputs not stale, determinism, score bars."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dxextract.emit import frame_to_csv, sha256_file
from dxextract.pipeline import Outputs, outputs_to_files, process_pdf

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = {"kasama_dx_r5": "082163_2023", "kasama_dx_r6": "082163_2024"}
CSVS = ("tables.csv", "status_items.csv", "kpis.csv", "initiatives.csv", "figures.csv", "audit.csv")


@pytest.fixture(scope="module")
def outputs() -> dict[str, Outputs]:
    return {name: process_pdf(REPO / "raw" / f"{name}.pdf") for name in SAMPLES}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("csv", CSVS)
def test_matches_golden(outputs: dict[str, Outputs], name: str, csv: str) -> None:
    """Compared as DataFrames so a difference reads as a diff of rows and columns."""
    golden = pd.read_csv(REPO / "tests" / "golden" / name / csv, dtype=str, keep_default_na=False)
    fresh = pd.read_csv(pd.io.common.BytesIO(frame_to_csv(outputs[name].frames[csv])), dtype=str,
                        keep_default_na=False)
    pd.testing.assert_frame_equal(fresh, golden)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_outputs_are_not_stale(outputs: dict[str, Outputs], name: str) -> None:
    """normalized/ holds what `dxextract run` makes of raw/ today (rerun it when this fails)."""
    folder = REPO / "normalized" / SAMPLES[name]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == sha256_file(REPO / "raw" / f"{name}.pdf")
    for file, data in outputs_to_files(outputs[name]).items():
        assert (folder / file).read_bytes() == data, f"{folder / file} is stale: run `dxextract run --force`"


def test_two_runs_are_byte_identical(outputs: dict[str, Outputs]) -> None:
    again = process_pdf(REPO / "raw" / "kasama_dx_r5.pdf")
    assert outputs_to_files(again) == outputs_to_files(outputs["kasama_dx_r5"])
    assert again.manifest == outputs["kasama_dx_r5"].manifest


def test_every_output_row_has_a_page(outputs: dict[str, Outputs]) -> None:
    for name, out in outputs.items():
        for csv in CSVS:
            df = out.frames[csv]
            if len(df):
                assert df["page"].notna().all(), f"{name} {csv}: a row without page"


def test_records_read_as_the_report_prints_them(outputs: dict[str, Outputs]) -> None:
    out = outputs["kasama_dx_r5"]
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


def _score(truth: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--truth", str(truth),
                           "--out", str(out), *extra], capture_output=True, text=True)


BARS = ["status=1", "items=1", "rows=1", "text=0.995", "lines=0.98", "grid_f1=0.98", "grid_min=0.95",
        "kpi_f1=1", "figures_f1=0.98", "audit=1"]


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="../shared not beside the repo")
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_corpus_meets_the_bars(name: str) -> None:
    """The issues' bars, measured by the project's scorer on the committed outputs."""
    proc = _score(SHARED / "corpus" / f"{name}.json", REPO / "normalized" / SAMPLES[name],
                  *[f"--min={b}" for b in BARS])
    assert proc.returncode == 0, proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    assert "audit_false_alarms=0.000" in last, last


@pytest.mark.skipif(not (SHARED / "realworld").exists(), reason="../shared not beside the repo")
@pytest.mark.parametrize("nonempty", [False, True])
def test_osaka_merged_cells_match_the_citys_excel(tmp_path: Path, nonempty: bool) -> None:
    out = process_pdf(SHARED / "realworld" / "osaka-higashiyodogawa-aki.pdf")
    folder = tmp_path / "osaka"
    folder.mkdir()
    (folder / "tables.csv").write_bytes(frame_to_csv(out.frames["tables.csv"]))
    extra = ["--nonempty"] if nonempty else []
    proc = _score(SHARED / "realworld" / "osaka-higashiyodogawa-aki.json", folder, "--min=grid_f1=0.98", *extra)
    assert proc.returncode == 0, proc.stdout
