"""Report families: the registry, the automatic choice, ``--family``, a made-up third family
registered from here (nothing in the generic layer changes for it), the ``tables`` family's
wide CSVs, and the typed profile's errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest

from conftest import cli_env, needs_shared, shared_path
from dxextract.cli import main
from dxextract.errors import ProfileError, SettingsError, UnknownFamilyError
from dxextract.families import (
    DEFAULT_FAMILY,
    FAMILIES,
    FamilyOutput,
    ReportFamily,
    choose_family,
    get_family,
    register_family,
    unregister_family,
)
from dxextract.families.tables import (
    CELL_COLUMNS,
    combined_header,
    header_rows_of,
    table_to_grid,
    table_to_wide_frame,
    tables_to_cell_rows,
)
from dxextract.model import BBox, Cell, Table
from dxextract.output.emit import records_to_frame
from dxextract.pipeline import IngestSettings, process_pdf
from dxextract.profile import load_profile, load_profile_file, profile_from_dict, schemas_dir


def table(rows: list[list[str]], spans: dict[tuple[int, int], tuple[int, int]] | None = None,
          table_id: str = "t01") -> Table:
    """A table from a grid of texts; ``spans[(r, c)] = (rowspan, colspan)`` merges, and the
    cells a merged cell covers are left out (as reconstruct gives them)."""
    spans = spans or {}
    covered = {(r + i, c + j) for (r, c), (rs, cs) in spans.items() for i in range(rs) for j in range(cs)
               if (i, j) != (0, 0)}
    cells = tuple(Cell(r, c, *spans.get((r, c), (1, 1)), text, 1,
                       BBox(c * 50.0, r * 20.0, c * 50.0 + 50, r * 20.0 + 20))
                  for r, row in enumerate(rows) for c, text in enumerate(row) if (r, c) not in covered)
    return Table(table_id, cells, len(rows), len(rows[0]), 0, (1,))


DX_MATRIX = table([["", "", "令和6年度", "令和7年度"], ["(1) 推進", "①項目", "○", "—"], ["", "②項目", "▲", "—"]])
DX_DETAIL = table([["施策", "令和6年度の取り組み", "状況", "令和7年度の予定"], ["(1) 推進", "a", "b", "c"]], table_id="t02")
#: a two-row header (指標名 over both rows, 令和5年度 over 目標 and 実績) and a merged body cell
STATS = table([["指標名", "令和5年度", "", "区分"],
               ["", "目標", "実績", ""],
               ["電子申請件数", "１，２００", "1,350", "市民課"],
               ["決済施設数", "20", "18", ""]],
              {(0, 0): (2, 1), (0, 1): (1, 2), (0, 3): (2, 1), (2, 3): (2, 1)})


# --- the registry and the automatic choice -------------------------------------------------------


def test_registry_holds_the_built_in_families() -> None:
    assert {"dx_report", "tables"} <= set(FAMILIES)
    assert DEFAULT_FAMILY == "tables"
    assert get_family("dx_report").audit_file == "audit.csv"
    with pytest.raises(UnknownFamilyError, match=r"no report family 'nope' \(known: dx_report, tables"):
        get_family("nope")


def test_the_dx_family_claims_its_kinds_and_anything_else_is_tables() -> None:
    assert choose_family([DX_MATRIX, DX_DETAIL], []).name == "dx_report"
    assert get_family("dx_report").claim([DX_MATRIX, DX_DETAIL], []) == pytest.approx(2 / 3)
    assert choose_family([STATS], []).name == "tables"
    assert choose_family([], []).name == "tables"
    # named, it is taken whatever the tables are
    assert choose_family([DX_MATRIX], [], "tables").name == "tables"


def test_ingest_settings_check_the_family() -> None:
    with pytest.raises(SettingsError, match=r"IngestSettings.family: no report family 'nope'.*--family"):
        IngestSettings(family="nope")
    with pytest.raises(SettingsError, match="IngestSettings.profile"):
        IngestSettings(profile="")


# --- the tables family ---------------------------------------------------------------------------


def test_wide_csv_combines_headers_repeats_merged_values_and_normalizes_numbers() -> None:
    assert header_rows_of(STATS) == 2
    grid = table_to_grid(STATS)
    assert combined_header(grid, 2) == ["指標名", "令和5年度／目標", "令和5年度／実績", "区分"]
    df = table_to_wide_frame(STATS)
    assert df.to_dict("records") == [
        {"指標名": "電子申請件数", "令和5年度／目標": "1200", "令和5年度／実績": "1350", "区分": "市民課"},
        {"指標名": "決済施設数", "令和5年度／目標": "20", "令和5年度／実績": "18", "区分": "市民課"},
    ]


def test_a_group_heading_without_row_spans_still_makes_a_two_row_header() -> None:
    t = table([["", "令和5年度", ""], ["指標", "目標", "実績"], ["件数", "3", "4,000,000"]], {(0, 1): (1, 2)})
    assert header_rows_of(t) == 2
    assert list(table_to_wide_frame(t).columns) == ["指標", "令和5年度／目標", "令和5年度／実績"]
    assert table_to_wide_frame(t).iloc[0].tolist() == ["件数", "3", "4000000"]


def test_text_columns_keep_their_commas_and_unnamed_columns_get_a_name() -> None:
    t = table([["", "備考"], ["a", "1,2,3-trichloro"], ["b", "1,000"]])
    df = table_to_wide_frame(t)
    assert list(df.columns) == ["列1", "備考"]
    assert df["備考"].tolist() == ["1,2,3-trichloro", "1,000"]


def test_tables_family_frames() -> None:
    out = get_family("tables").read([STATS], ["統計表"])
    assert sorted(out.frames) == ["table_t01.csv", "tables.csv"]
    cells = out.frames["tables.csv"]
    assert set(cells["kind"]) == {"other"}
    assert cells.loc[cells["r"] < 2, "is_header"].all() and not cells.loc[cells["r"] >= 2, "is_header"].any()
    assert out.title == "統計表" and out.report_fy is None


def test_a_pdf_no_family_claims_gets_the_tables_family(tmp_path: Path) -> None:
    from pdf_builders import build_horizontal_merge

    pdf = build_horizontal_merge(tmp_path / "horizontal.pdf")
    out = process_pdf(pdf, IngestSettings(validate=False))
    assert out.family == "tables" and out.manifest["profile"] == "tables"
    assert sorted(out.frames) == ["table_t01.csv", "tables.csv"]
    assert not any("no kpi_panel" in w.message for w in out.warnings)
    wide = out.frames["table_t01.csv"]
    assert list(wide.columns) == ["指標名", "令和5年度／目標", "令和5年度／実績", "令和6年度／目標", "令和6年度／実績"]
    assert wide.iloc[0].tolist() == ["電子申請件数", "1200", "1350", "1500", "1620"]


@needs_shared("realworld", "dev", "icdar2013", "eu-001.pdf")
def test_eu_001_gets_wide_csvs_and_no_dx_files(tmp_path: Path) -> None:
    pdf = shared_path("realworld", "dev", "icdar2013", "eu-001.pdf")
    assert pdf is not None
    assert main(["ingest", str(pdf), "--out", str(tmp_path / "eu"), "--timeout", "0"]) == 0
    files = sorted(p.name for p in (tmp_path / "eu").iterdir())
    assert "tables.csv" in files and "status_items.csv" not in files and "kpis.csv" not in files
    assert any(name.startswith("table_t") for name in files)
    manifest = json.loads((tmp_path / "eu" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "tables"
    assert not any("no kpi_panel" in w for w in manifest["warnings"])


# --- --family ------------------------------------------------------------------------------------


def test_family_option_on_ingest_and_run(tmp_path: Path, table_pdf: Path) -> None:
    out = tmp_path / "dx"
    assert main(["ingest", str(table_pdf), "--out", str(out), "--family", "dx_report", "--timeout", "0",
                 "--no-validate"]) == 0
    assert (out / "status_items.csv").exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["profile"] == "dx_report"
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "table.pdf").write_bytes(table_pdf.read_bytes())
    assert main(["run", "--raw", str(raw), "--out", str(tmp_path / "norm"), "--family", "tables",
                 "--timeout", "0", "--workers", "1", "--no-validate"]) == 0
    assert (tmp_path / "norm" / "table" / "table_t01.csv").exists()


def test_unknown_family_is_refused_naming_the_known_ones(tmp_path: Path, table_pdf: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "dxextract", "ingest", str(table_pdf), "--out",
                           str(tmp_path / "x"), "--family", "nope"],
                          capture_output=True, text=True, env=cli_env(), timeout=300)
    assert proc.returncode == 2
    assert "no report family 'nope' (known: dx_report, tables" in proc.stderr + proc.stdout
    assert not (tmp_path / "x").exists()


# --- a third family, registered from here ------------------------------------------------------


class MarkerFamily(ReportFamily):
    """Claims tables whose first row holds the marker word 施策; writes one CSV of their body texts."""

    name = "marker"

    def claim(self, tables: Sequence[Table], free_lines: Sequence[str]) -> float:
        return 1.0 if any("施策" in c.text for t in tables for c in t.cells if c.r == 0) else 0.0

    def read(self, tables: Sequence[Table], free_lines: Sequence[str],
             ocr_pages: frozenset[int] = frozenset()) -> FamilyOutput:
        rows = [{"table_id": t.table_id, "text": c.text, "page": c.page} for t in tables for c in t.cells if c.r > 0]
        frame = records_to_frame(rows, ["table_id", "text", "page"])
        cells = [{**row, "ocr": row["page"] in ocr_pages} for row in tables_to_cell_rows(tables)]
        return FamilyOutput({"tables.csv": records_to_frame(cells, CELL_COLUMNS), "marker.csv": frame}, list(tables))

    def summary(self, counts: dict[str, int]) -> str:
        return f"{counts['marker.csv']} marked cells"


@pytest.fixture
def marker_family() -> Iterator[type[ReportFamily]]:
    register_family(MarkerFamily)
    try:
        yield MarkerFamily
    finally:
        unregister_family("marker")


def test_a_third_family_needs_no_change_to_the_generic_layer(
        marker_family: type[ReportFamily], tmp_path: Path, table_pdf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert choose_family([DX_DETAIL], []).name == "marker"  # it claims more strongly than the DX family
    out = process_pdf(table_pdf, IngestSettings(validate=False))
    assert out.family == "marker" and out.manifest["profile"] == "marker"
    assert sorted(out.frames) == ["marker.csv", "tables.csv"]
    assert "市民課" in set(out.frames["marker.csv"]["text"])
    assert main(["ingest", str(table_pdf), "--out", str(tmp_path / "m"), "--family", "marker",
                 "--timeout", "0"]) == 0
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["manifest.json", "marker.csv", "tables.csv"]
    assert "marked cells [family marker]" in capsys.readouterr().err
    with pytest.raises(UnknownFamilyError, match="does not compare two years"):
        MarkerFamily().compare({}, {})


def test_after_unregistering_the_third_family_is_unknown() -> None:
    assert "marker" not in FAMILIES


# --- the typed profile -----------------------------------------------------------------------------


def _dx_raw() -> dict:
    return json.loads((schemas_dir() / "profiles" / "dx_report.json").read_text(encoding="utf-8"))


def test_profile_is_typed_and_frozen() -> None:
    p = load_profile()
    assert p.matrix.min_year_columns == 2 and p.kpi.min_labels == 3
    assert p.detail.header_roles_required == ("measure", "activity", "result")
    assert p.report_year.search("令和5年度実績報告") is not None
    assert dict(p.status_rank) == {"×": 0, "▲": 1, "○": 2}
    with pytest.raises(AttributeError):
        p.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["kinds"]["status_matrix"].pop("year_header"), r"'kinds.status_matrix.year_header': missing"),
    (lambda d: d["kinds"]["status_matrix"].update(min_symbol_share=2), r"min_symbol_share'.*between 0 and 1"),
    (lambda d: d["kinds"]["kpi_panel"].update(min_labels="3"), r"'kinds.kpi_panel.min_labels': expected int"),
    (lambda d: d["matrix_columns"].update(item="(["), r"'matrix_columns.item': bad pattern"),
    (lambda d: d["detail_columns"].pop("result"), r"role 'result' has no patterns"),
    (lambda d: d["number_prefix"].pop("kpi"), r"'number_prefix.kpi': is required"),
    (lambda d: d.update(report_year="年度"), r"'report_year': needs a group"),
    (lambda d: d["status_codes"].update({"◎": "done"}), r"'status_codes': symbols \['◎'\] are not status symbols"),
    (lambda d: d["status_codes"].pop("▲"), r"'status_rank': ranks symbols without a status code: \['▲'\]"),
])
def test_profile_errors_name_the_key(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    raw = _dx_raw()
    edit(raw)
    with pytest.raises(ProfileError, match=message):
        profile_from_dict(raw)


def test_profile_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "mine.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"mine.json: not valid JSON"):
        load_profile_file(bad)
    raw = _dx_raw()
    del raw["caption_strategy"]
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"mine.json: profile key 'caption_strategy': missing"):
        load_profile_file(bad)
    with pytest.raises(ProfileError, match=r"profile 'nope': no file .*known: dx_report"):
        load_profile("nope")
    assert issubclass(ProfileError, SettingsError)


def test_the_dx_sample_is_read_by_the_dx_family(sample_outputs: dict) -> None:
    for out in sample_outputs.values():
        assert out.family == "dx_report" and out.manifest["profile"] == "dx_report"
        assert isinstance(out.frames["status_items.csv"], pd.DataFrame) and len(out.frames["status_items.csv"])


def test_stage_settings_check_themselves() -> None:
    from dxextract.families.audit import AuditRules
    from dxextract.output.validate import Validation

    with pytest.raises(SettingsError, match=r"mine.json: audit rules need the key 'rates'"):
        AuditRules({}, "mine.json")
    with pytest.raises(SettingsError, match=r"Validation.failed: 3 failed of only 2 run"):
        Validation(pd.DataFrame(), 2, 3, 0.0)
