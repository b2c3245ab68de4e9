"""The panel over years: each record followed from year to year, checked against what the two
truth files (tests/data/corpus, copies of ../shared/corpus) imply, never against a typed list."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dxextract.cli import _run_panels, main
from dxextract.output.compare import read_output
from dxextract.output.panel import YearFrames, follow, years_to_panel

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "data" / "corpus"
NORMALIZED = REPO / "normalized"
INPUTS = ("status_items.csv", "kpis.csv", "initiatives.csv", "figures.csv")


def _truth(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def truths() -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = _truth("kasama_dx_r5"), _truth("kasama_dx_r6")
    assert new["derived_from"] == old["id"], "r6 is derived from r5: its rows and items follow r5's"
    return old, new


@pytest.fixture(scope="module")
def panel() -> dict[str, pd.DataFrame]:
    years = []
    for folder in ("082163_2023", "082163_2024"):
        fy = json.loads((NORMALIZED / folder / "manifest.json").read_text(encoding="utf-8"))["report_fy"]
        years.append(YearFrames(fy, read_output(NORMALIZED / folder, INPUTS)))
    return years_to_panel(years[::-1])  # any order in, oldest first out


def _changes(new: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in new["synthetic_changes"] if c["kind"] == kind]


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def test_status_panel_is_what_the_two_truths_imply(truths, panel) -> None:
    old, new = truths
    fy_old, fy_new = old["report_fy"], new["report_fy"]
    renamed = {(c["strategy_no"], c["measure_no"], c["from"]): c["to"] for c in _changes(new, "item_reworded")}
    expected: dict[tuple[int, int, str], dict[int, str | None]] = {}
    for it in old["status_items"]:
        key = (it["strategy_no"], it["measure_no"], it["item"])
        expected[(key[0], key[1], renamed.get(key, it["item"]))] = {fy_old: it["status"][str(fy_old)], fy_new: None}
    for it in new["status_items"]:
        row = expected.setdefault((it["strategy_no"], it["measure_no"], it["item"]), {fy_old: None, fy_new: None})
        row[fy_new] = it["status"][str(fy_new)]
    got = {(r.strategy_no, r.measure_no, r.item): {fy_old: _none(getattr(r, f"status_{fy_old}")),
                                                 fy_new: _none(getattr(r, f"status_{fy_new}"))}
           for r in panel["status_panel.csv"].itertuples(index=False)}
    assert got == expected
    status = panel["status_panel.csv"].set_index(["strategy_no", "measure_no", "item_no"])
    for c in _changes(new, "item_reworded"):
        row = status.loc[(c["strategy_no"], c["measure_no"], c["item_no"])]
        assert (row[f"item_{fy_old}"], row["item"], bool(row["reworded"])) == (c["from"], c["to"], True)
    assert status[f"page_{fy_new}"].notna().all(), "every row says where its status was printed"


def _kpi_rows(truth: dict[str, Any]) -> dict[tuple[int, str, int], float | None]:
    out: dict[tuple[int, str, int], float | None] = {}
    for k in truth["kpis"]:
        seen: Counter[str] = Counter()
        for f in k["figures"] or [{"unit": "", "value": None}]:
            out[(k["no"], f["unit"], seen[f["unit"]])] = f["value"]
            seen[f["unit"]] += 1
    return out


def test_kpi_panel_is_what_the_two_truths_imply(truths, panel) -> None:
    old, new = truths
    fy_old, fy_new = old["report_fy"], new["report_fy"]
    a, b = _kpi_rows(old), _kpi_rows(new)
    expected = Counter((no, unit, a.get((no, unit, n)), b.get((no, unit, n))) for no, unit, n in a.keys() | b.keys())
    got = Counter((r.kpi_no, _none(r.unit) or "", _none(getattr(r, f"value_{fy_old}")),
                   _none(getattr(r, f"value_{fy_new}"))) for r in panel["kpi_panel.csv"].itertuples(index=False))
    assert got == expected
    assert panel["kpi_panel.csv"][f"page_{fy_new}"].notna().all()


def _rows_by_measure(truth: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    """Detail rows by (table, the truth's seq), with the contract's seq (within the measure)."""
    seen: Counter[tuple[str, int]] = Counter()
    out = {}
    for ini in truth["initiatives"]:
        seen[(ini["table_id"], ini["measure_no"])] += 1
        out[(ini["table_id"], ini["seq"])] = {**ini, "seq_in_measure": seen[(ini["table_id"], ini["measure_no"])]}
    return out


def _figure_pairs(old: dict[str, Any], new: dict[str, Any]):
    """(row, unit, old value, new value) of figures the truths pair by label (the renamed
    department applied), and the figures they leave unpaired: (row, unit, year, value)."""
    renames = [(c["from"], c["to"]) for c in _changes(new, "department_renamed")]
    a, b = _rows_by_measure(old), _rows_by_measure(new)
    pairs, alone = [], []
    for key in a.keys() | b.keys():
        row = b.get(key) or a[key]
        where = (row["strategy_no"], row["measure_no"], row["seq_in_measure"])
        olds = {}
        for f in a.get(key, {}).get("figures", []):
            label = f["label"]
            for frm, to in renames:
                label = label.replace(frm, to)
            olds[(label, f["unit"])] = f["value"]
        for f in b.get(key, {}).get("figures", []):
            if (f["label"], f["unit"]) in olds:
                pairs.append((where, f["unit"], olds.pop((f["label"], f["unit"])), f["value"]))
            else:
                alone.append((where, f["unit"], new["report_fy"], f["value"]))
        alone += [(where, unit, old["report_fy"], v) for (_label, unit), v in olds.items()]
    return pairs, alone


def test_figures_panel_follows_each_row_and_label(truths, panel) -> None:
    old, new = truths
    fy_old, fy_new = old["report_fy"], new["report_fy"]
    figures = panel["figures_panel.csv"]
    got = Counter(((r.strategy_no, r.measure_no, r.seq), r.unit, _none(getattr(r, f"value_{fy_old}")),
                   _none(getattr(r, f"value_{fy_new}"))) for r in figures.itertuples(index=False))
    pairs, alone = _figure_pairs(old, new)
    assert pairs and alone, "the truths pair most figures by label and leave a few relabelled or dropped"
    missing = Counter(pairs) - got
    assert not missing, f"figures the truths pair that the panel does not: {missing}"
    for where, unit, fy, value in alone:
        in_year = figures[(figures.strategy_no == where[0]) & (figures.measure_no == where[1])
                          & (figures.seq == where[2]) & (figures.unit == unit)][f"value_{fy}"]
        assert value in set(in_year), (where, unit, fy, value)
    n_old = sum(len(i["figures"]) for i in old["initiatives"])
    n_new = sum(len(i["figures"]) for i in new["initiatives"])
    assert figures[f"value_{fy_old}"].notna().sum() == n_old and figures[f"value_{fy_new}"].notna().sum() == n_new
    renamed = figures[figures[f"label_{fy_old}"] == "健康医療政策課"].iloc[0]
    assert (renamed["label"], bool(renamed["relabelled"])) == ("健康増進課", True), "a renamed department is one row"
    assert figures[f"page_{fy_new}"].dropna().between(1, 9).all()


def test_leftovers_are_paired_by_order_only_when_as_many_on_each_side() -> None:
    def year(labels: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"unit": ["人"] * len(labels), "label": labels, "pos": range(len(labels))})

    same = follow([(2023, year(["対象者", "甲課"])), (2024, year(["対象者", "乙係"]))], ("unit",), "label", "pos",
                  0.6, by_order=True)
    assert sorted(len(t.rows) for t in same) == [2, 2]
    fewer = follow([(2023, year(["対象者", "甲課", "丙"])), (2024, year(["対象者", "乙係"]))], ("unit",), "label",
                   "pos", 0.6, by_order=True)
    assert sorted(len(t.rows) for t in fewer) == [1, 1, 1, 2], "two left against one: nothing guessed"


def _copy_years(tmp_path: Path) -> Path:
    base = tmp_path / "normalized"
    for folder in ("082163_2023", "082163_2024"):
        shutil.copytree(NORMALIZED / folder, base / folder)
    return base


def test_panel_cli_writes_the_three_files(tmp_path: Path) -> None:
    base = _copy_years(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.run([sys.executable, "-m", "dxextract", "panel", str(base / "082163_2024"),
                           str(base / "082163_2023")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = base / "panel_082163"
    assert sorted(p.name for p in out.iterdir()) == ["figures_panel.csv", "kpi_panel.csv", "manifest.json",
                                                   "status_panel.csv"]
    status = pd.read_csv(out / "status_panel.csv")
    assert {"strategy", "measure", "status_2023", "status_2024", "page_2023", "page_2024"} <= set(status.columns)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["years"] == [2023, 2024]
    twice = subprocess.run([sys.executable, "-m", "dxextract", "panel", str(base / "082163_2024"),
                            str(base / "082163_2024"), "--out", str(tmp_path / "p")],
                           env=env, capture_output=True, text=True, timeout=120)
    assert twice.returncode == 2 and "the same year twice" in twice.stderr and not (tmp_path / "p").exists()


def test_run_writes_the_panel_and_never_replaces_a_folder_it_did_not_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _copy_years(tmp_path)
    assert _run_panels(base) == 0
    first = (base / "panel_082163" / "status_panel.csv").read_bytes()
    assert _run_panels(base) == 0, "a panel of the tool's own is replaced"
    assert (base / "panel_082163" / "status_panel.csv").read_bytes() == first
    shutil.rmtree(base / "panel_082163")
    (base / "panel_082163").mkdir()
    (base / "panel_082163" / "notes.txt").write_text("mine", encoding="utf-8")
    assert _run_panels(base) == 2
    assert "is not a panel folder" in capsys.readouterr().err
    assert [p.name for p in (base / "panel_082163").iterdir()] == ["notes.txt"]


def test_panel_needs_two_folders(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["panel", str(NORMALIZED / "082163_2024")]) == 2
    assert "at least two years" in capsys.readouterr().err


def _retitled(src: Path, dest: Path, title: str, sha: str) -> None:
    shutil.copytree(src, dest)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(title=title, sha256=sha)
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_run_keeps_two_series_of_one_town_apart_and_warns_on_a_year_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _copy_years(tmp_path)
    for folder, fy in (("082163_2023", "令和5年度"), ("082163_2024", "令和6年度")):
        _retitled(NORMALIZED / folder, base / f"other_{folder}", f"笠間市第3次DX推進計画 {fy}実績報告", "0" * 63 + fy[2])
    assert _run_panels(base) == 0
    panels = sorted(p.name for p in base.iterdir() if p.name.startswith("panel_"))
    assert len(panels) == 2 and all(re.fullmatch(r"panel_082163_[0-9a-f]{8}", p) for p in panels), panels
    _retitled(NORMALIZED / "082163_2024", base / "again_2024", "笠間市第3次DX推進計画 令和6年度実績報告", "f" * 64)
    assert _run_panels(base) == 0, "a series with a year twice gets a warning, not a failed run"
    assert "no panel written" in capsys.readouterr().err
