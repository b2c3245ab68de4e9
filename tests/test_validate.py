"""Expectation suites: pass on the ground truth, fail naming the row on broken copies."""

from __future__ import annotations

import json
import logging
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dxextract.output.validate as validate_mod
from conftest import YEARS, cli_env, load_truth
from dxextract.errors import SuiteLoadError
from dxextract.families.audit import audit_report
from dxextract.output.validate import (
    FAILURE_COLUMNS,
    default_suites_dir,
    load_suite,
    load_suites,
    validate_frames,
    validate_outputs,
)
from truth_frames import truth_frames


@pytest.fixture(scope="module")
def truth() -> dict[str, dict[str, pd.DataFrame]]:
    out = {}
    for report_id in YEARS:
        frames = truth_frames(load_truth(report_id))
        frames["audit.csv"] = audit_report(frames["initiatives.csv"], frames["figures.csv"],
                                           frames["kpis.csv"])
        out[report_id] = frames
    return out


def _copy(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in frames.items()}


# --- suites as files ------------------------------------------------------------------------

def test_every_suite_loads_in_full() -> None:
    suites = load_suites()
    assert set(suites) == {"tables.csv", "status_items.csv", "kpis.csv", "initiatives.csv",
                           "figures.csv", "audit.csv"}
    for name, suite in suites.items():
        written = json.loads((default_suites_dir() / name.replace(".csv", ".json")).read_text("utf-8"))
        assert len(suite.expectations) == len(written["expectations"]) > 10


def test_unknown_expectation_type_is_an_error_not_a_silent_drop(tmp_path: Path) -> None:
    path = tmp_path / "kpis.json"
    path.write_text(json.dumps({"name": "kpis", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "kpi_no"}},
        {"type": "expect_column_values_to_be_purple", "kwargs": {"column": "kpi_no"}},
    ]}), encoding="utf-8")
    with pytest.raises(SuiteLoadError, match=r"loaded 1 of 2 expectations; unknown or invalid: "
                                             r"expect_column_values_to_be_purple"):
        load_suite(path)


def test_no_suites_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteLoadError, match="no expectation suites"):
        validate_outputs({}, suites_dir=tmp_path)


def test_unit_vocabulary_file_extends_the_suite_list(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "kpis.json").write_text(json.dumps({"name": "kpis", "expectations": [
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "unit", "value_set": ["件"]},
         "meta": {"value_set_from": {"file": "vocab.json", "key": "units", "mode": "extend"}}},
    ]}), encoding="utf-8")
    (tmp_path / "vocab.json").write_text(json.dumps({"units": ["人", "件"]}), encoding="utf-8")
    assert load_suite(suites / "kpis.json").expectations[0].value_set == ["件", "人"]
    frame = pd.DataFrame({"unit": ["件", "人", "匹"], "page": [1, 1, 2]})
    failures = validate_outputs({"kpis.csv": frame}, suites_dir=suites)
    assert failures[["column", "value", "row", "page"]].values.tolist() == [["unit", "匹", 2, 2]]


# --- the ground truth passes ------------------------------------------------------------------

@pytest.mark.parametrize("report_id", YEARS)
def test_truth_frames_pass_every_suite(truth: dict[str, dict[str, pd.DataFrame]], report_id: str) -> None:
    failures = validate_outputs(truth[report_id])
    assert list(failures.columns) == FAILURE_COLUMNS
    assert failures.empty, "\n".join(failures["message"])


# --- broken copies fail, naming the row -------------------------------------------------------

def test_broken_copy_fails_naming_each_broken_row(truth: dict[str, dict[str, pd.DataFrame]]) -> None:
    frames = _copy(truth["kasama_dx_r5"])
    status = frames["status_items.csv"]
    status.loc[5, "status_symbol"] = "◯"                       # U+25EF, not the vocabulary's ○
    gap = status.index[(status.strategy_no == 2) & (status.measure_no == 1) & (status.item_no == 4)]
    status.loc[gap, "item_no"] = 7                             # items 1,2,3,7: a gap
    frames["status_items.csv"] = pd.concat([status, status.loc[[3]]], ignore_index=True)  # dup key
    dup_row = len(frames["status_items.csv"]) - 1
    ini = frames["initiatives.csv"]
    ini.loc[2, "measure"] = ini.loc[2, "measure"].replace("人", "\u2f08")   # Kangxi radical 人
    figs = frames["figures.csv"]
    orphan = figs.index[figs.raw == "40点"][0]
    figs.loc[orphan, "seq"] = 9                                # no such row in initiatives
    rate = figs.index[figs.raw == "9.7%"][0]
    figs.loc[rate, "value"] = 140.0                            # a rate of 140%

    failures = validate_outputs(frames)
    got = {(f, c, int(r)) for f, c, r in failures[["file", "column", "row"]].itertuples(index=False)}

    def page(file: str, row: int) -> int:
        return int(frames[file].loc[row, "page"])

    expected = {
        ("status_items.csv", "status_symbol", 5),
        ("status_items.csv", "strategy_no,measure_no,item_no,fy", 3),
        ("status_items.csv", "strategy_no,measure_no,item_no,fy", dup_row),
        *{("status_items.csv", "item_no", int(i)) for i in gap},
        ("initiatives.csv", "measure", 2),
        ("figures.csv", "strategy_no,measure_no,seq", int(orphan)),
        ("figures.csv", "value", int(rate)),
    }
    assert expected <= got
    # nothing but the broken rows is reported (consistency checks may name the same rows)
    assert {(f, r) for f, _c, r in got} <= {(f, r) for f, _c, r in expected}

    by = failures.set_index(["file", "column", "row"])
    msg = by.loc[[("status_items.csv", "status_symbol", 5)], "message"].iloc[0]
    assert msg == (f"status_items.csv row 5 (page {page('status_items.csv', 5)}): status_symbol must "
                   "be one of ○ ▲ × 取り下げ —; got status_symbol=◯")
    msg = by.loc[[("initiatives.csv", "measure", 2)], "message"]
    assert msg.str.contains("found '⼈' U\\+2F08").any()
    msg = by.loc[[("figures.csv", "value", int(rate))], "message"]
    assert msg.str.contains("a percentage must lie in 0..100; got value=140").any()
    assert (by.loc[[("figures.csv", "value", int(rate))], "page"] == page("figures.csv", rate)).all()
    msg = by.loc[[("figures.csv", "strategy_no,measure_no,seq", int(orphan))], "message"].iloc[0]
    assert "must exist in initiatives.csv; got strategy_no=1, measure_no=1, seq=9" in msg
    msg = by.loc[[("status_items.csv", "item_no", int(gap[0]))], "message"].iloc[0]
    assert "item_no must run 1..n without gaps within each (strategy_no, measure_no); got item_no=7" in msg


def test_percent_range_applies_only_to_percent(truth: dict[str, dict[str, pd.DataFrame]]) -> None:
    frames = {"figures.csv": truth["kasama_dx_r5"]["figures.csv"].copy()}
    # 45,000枚 and 1,137,674枠 are far above 100: fine, they are not percentages
    assert (frames["figures.csv"]["value"] > 100).sum() > 5
    assert validate_outputs(frames).empty


def test_line_breaks_allowed_only_where_the_contract_keeps_them(
        truth: dict[str, dict[str, pd.DataFrame]]) -> None:
    frames = _copy(truth["kasama_dx_r6"])
    frames = {k: frames[k] for k in ("status_items.csv", "initiatives.csv")}
    frames["status_items.csv"].loc[0, "item"] = "デジタル能力の\n見える化"
    assert "\n" in frames["initiatives.csv"].loc[0, "activity"] + frames["initiatives.csv"].loc[3, "activity"]
    failures = validate_outputs(frames)
    # the one-line rule and the same-item-same-text rule both name that row; nothing else fails
    assert {tuple(r) for r in failures[["file", "column", "row"]].values.tolist()} == {
        ("status_items.csv", "item", 0)}
    assert failures["message"].str.contains("item must be one line").any()


def test_missing_column_is_reported_once(tmp_path: Path) -> None:
    kpis = pd.DataFrame({"report_fy": [2023], "kpi_no": [1], "label": ["x"], "value": [1.0],
                         "unit": ["件"], "qualifier": [None], "raw": ["1件"]})
    failures = validate_outputs({"kpis.csv": kpis})
    assert failures["message"].tolist() == ["kpis.csv: required column 'page' is missing"]


def test_grid_overlap_and_hole_are_named() -> None:
    cells = pd.DataFrame([
        # t01: 2x2 grid; (0,0) spans two columns and overlaps (0,1); row 1 lacks column 1
        ("t01", "other", 0, 0, 1, 2, "a"), ("t01", "other", 0, 1, 1, 1, "b"),
        ("t01", "other", 1, 0, 1, 1, "c"),
    ], columns=["table_id", "kind", "r", "c", "rowspan", "colspan", "text"])
    cells = cells.assign(is_header=False, page=1, x0=0.0, top=0.0, x1=1.0, bottom=1.0)
    failures = validate_outputs({"tables.csv": cells})
    grid = failures[failures["message"].str.contains("exactly one cell")]
    assert sorted(grid["row"].tolist()) == [0, 1, 2]


def test_data_docs_smoke(truth: dict[str, dict[str, pd.DataFrame]], tmp_path: Path) -> None:
    validate_outputs({"kpis.csv": truth["kasama_dx_r5"]["kpis.csv"]}, docs_dir=tmp_path / "docs")
    assert (tmp_path / "docs" / "index.html").exists()


def test_gx_says_nothing_below_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    kpis = pd.DataFrame({"report_fy": [2023], "kpi_no": [1], "label": ["x"], "value": [1.0],
                         "unit": ["件"], "qualifier": [None], "raw": ["1件"], "page": [1]})
    assert validate_outputs({"kpis.csv": kpis}).empty
    assert [r.getMessage() for r in caplog.records
            if r.name.startswith("great_expectations") and r.levelno < logging.WARNING] == []


# --- paid for once per process (issue 11) -------------------------------------------------------

def _kpis() -> pd.DataFrame:
    return pd.DataFrame({"report_fy": [2023, 2023], "kpi_no": [1, 2], "label": ["x", "y"],
                         "value": [1.0, 2.0], "unit": ["件", "匹"], "qualifier": [None, None],
                         "raw": ["1件", "2匹"], "page": [1, 2]})


def test_importing_the_pipeline_does_not_import_great_expectations() -> None:
    code = ("import sys, dxextract.cli, dxextract.pipeline, dxextract.output.validate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'great_expectations'))")
    env = cli_env()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_one_context_and_one_definition_per_suite_across_calls() -> None:
    first = validate_frames({"kpis.csv": _kpis()})
    engine = validate_mod._ENGINE
    assert engine is not None
    n_definitions = len(engine.context.validation_definitions.all())
    again = validate_frames({"kpis.csv": _kpis()})
    assert validate_mod._ENGINE is engine
    assert len(engine.context.validation_definitions.all()) == n_definitions
    pd.testing.assert_frame_equal(first.failures, again.failures)
    assert (again.expectations, again.failed) == (first.expectations, first.failed)
    assert engine.context.validation_results_store.list_keys() == []  # nothing piles up over a run


def test_counts_and_progress() -> None:
    calls: list[tuple[int, int]] = []
    run = validate_frames({"kpis.csv": _kpis()}, progress=lambda done, total: calls.append((done, total)))
    written = json.loads((default_suites_dir() / "kpis.json").read_text("utf-8"))["expectations"]
    assert run.expectations == len(written)
    assert run.failed == run.failures["expectation"].nunique() == 1     # 匹 is not a unit
    assert run.summary() == {"ran": True, "expectations": len(written), "failed": 1}
    assert calls == [(0, len(written)), (len(written), len(written))]


def test_a_passing_frame_then_a_failing_one_report_as_if_each_ran_alone(tmp_path: Path) -> None:
    """Cached definitions and the cheap first pass must not change what a failure says."""
    ok = _kpis().iloc[:1]
    bad = _kpis()
    validate_outputs({"kpis.csv": ok})
    after_ok = validate_outputs({"kpis.csv": bad})
    code = ("import pickle, sys, pandas as pd; from dxextract.output.validate import validate_outputs; "
            "sys.stdout.buffer.write(pickle.dumps(validate_outputs({'kpis.csv': pickle.loads(sys.stdin.buffer.read())})))")
    env = cli_env()
    alone = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(bad), capture_output=True,
                           env=env, check=True).stdout
    pd.testing.assert_frame_equal(after_ok, pickle.loads(alone))
    assert after_ok[["column", "value", "row", "page"]].values.tolist() == [["unit", "匹", 1, 2]]


def test_a_suite_file_that_changes_is_read_again(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    path = suites / "kpis.json"

    def write(units: list[str]) -> None:
        path.write_text(json.dumps({"name": "kpis", "expectations": [
            {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "unit", "value_set": units}},
        ]}), encoding="utf-8")

    write(["件"])
    assert len(validate_outputs({"kpis.csv": _kpis()}, suites_dir=suites)) == 1
    write(["件", "匹", "人"])
    assert validate_outputs({"kpis.csv": _kpis()}, suites_dir=suites).empty


def test_missing_columns_use_a_definition_of_their_own() -> None:
    """A frame lacking a column runs fewer expectations; the full suite's definition is untouched."""
    full = validate_frames({"kpis.csv": _kpis()})
    short = validate_frames({"kpis.csv": _kpis().drop(columns=["page"])})
    assert short.expectations < full.expectations
    assert "kpis.csv: required column 'page' is missing" in short.failures["message"].tolist()
    assert validate_frames({"kpis.csv": _kpis()}).expectations == full.expectations


def test_manifest_says_validation_ran_and_what_it_found() -> None:
    from dxextract.pipeline import IngestSettings, process_pdf

    pdf = Path(__file__).parent / "pdfs" / "vertical_merge.pdf"
    out = process_pdf(pdf)
    v = out.manifest["validation"]
    assert v["ran"] is True and v["expectations"] > 30 and v["failed"] == out.failures["expectation"].nunique()
    assert out.manifest["validation_failures"] == len(out.failures)
    skipped = process_pdf(pdf, IngestSettings(validate=False))
    assert skipped.manifest["validation"] == {"ran": False}
    assert skipped.manifest["validation_failures"] == 0
