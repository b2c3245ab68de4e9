"""Year-over-year comparison: the same plan item matched across years even when reworded."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import NORMALIZED, REPO, SAMPLES, cli_env, load_truth
from dxextract.output.compare import change_of, compare_frames, read_output

CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}


@pytest.mark.parametrize(("old", "new", "change"), [
    ("▲", "○", "improved"), ("×", "▲", "improved"), ("○", "×", "worsened"), ("○", "○", "unchanged"),
    ("○", "取り下げ", "changed"), ("—", "○", "changed"), (None, "○", "added"), ("▲", None, "removed"),
])
def test_change_follows_the_order_of_symbols(old: str | None, new: str | None, change: str) -> None:
    assert change_of(old, new) == change


def _items(fy: int, texts: list[str], symbols: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"report_fy": fy, "strategy_no": 1, "measure_no": 1, "item_no": i + 1, "item": t,
                          "fy": fy, "status_symbol": s} for i, (t, s) in enumerate(zip(texts, symbols, strict=True))])


def test_a_renumbered_item_is_matched_by_its_text() -> None:
    kpis = pd.DataFrame(columns=["kpi_no", "label", "unit", "value"])
    old = {"status_items.csv": _items(2023, ["窓口のオンライン化", "電子契約の推進"], ["▲", "○"]), "kpis.csv": kpis}
    new = {"status_items.csv": _items(2024, ["キャッシュレス決済の導入", "窓口のオンライン化の拡大", "電子契約の推進"],
                                      ["○", "○", "○"]), "kpis.csv": kpis}
    yoy = compare_frames(old, new)["yoy_status.csv"].set_index("item_no")
    assert yoy.loc[1, "change"] == "added"
    assert (yoy.loc[2, "item_no_old"], yoy.loc[2, "change"], bool(yoy.loc[2, "reworded"])) == (1, "improved", True)
    assert (yoy.loc[3, "item_no_old"], yoy.loc[3, "change"]) == (2, "unchanged")


def test_the_synthetic_year_reports_every_planted_change() -> None:
    truth = load_truth("kasama_dx_r6")
    yoy = compare_frames(read_output(NORMALIZED / SAMPLES["kasama_dx_r5"]),
                         read_output(NORMALIZED / SAMPLES["kasama_dx_r6"]))["yoy_status.csv"]
    key = yoy.set_index(["strategy_no", "measure_no", "item_no"])
    expected_moves = {}
    for change in truth["synthetic_changes"]:
        if change["kind"] == "item_added":
            row = key.loc[(change["strategy_no"], change["measure_no"], change["item_no"])]
            assert row["change"] == "added" and row["item_new"] == change["item"]
        elif change["kind"] == "item_reworded":
            row = key.loc[(change["strategy_no"], change["measure_no"], change["item_no"])]
            assert bool(row["reworded"]) and row["item_old"] == change["from"] and row["item_new"] == change["to"]
            assert row["change"] == "unchanged"
        elif change["kind"] == "status_2024":
            for s, m, i, a, b in re.findall(r"S(\d)\((\d)\)([①-⑳]) (\S+?)->(\S+?)[,;]", change["note"]):
                expected_moves[(int(s), int(m), CIRCLED[i])] = change_of(a, b)
    assert expected_moves, "the truth lists status moves"
    moved = {k: v for k, v in key["change"].items() if v not in ("unchanged", "added")}
    assert moved == expected_moves


def test_compare_cli_writes_the_contract_files(tmp_path: Path) -> None:
    env = cli_env()
    out = tmp_path / "yoy"
    proc = subprocess.run([sys.executable, "-m", "dxextract", "compare", str(NORMALIZED / SAMPLES["kasama_dx_r5"]),
                           str(NORMALIZED / SAMPLES["kasama_dx_r6"]), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    status = pd.read_csv(out / "yoy_status.csv")
    kpis = pd.read_csv(out / "yoy_kpis.csv")
    assert {"strategy_no", "measure_no", "item_no", "item_old", "item_new", "status_old", "status_new", "change",
            "reworded"} <= set(status.columns)
    assert list(kpis.columns[:7]) == ["kpi_no", "label_old", "label_new", "unit", "value_old", "value_new", "delta"]
    hours = kpis[kpis.kpi_no == 2].iloc[0]
    assert (hours.value_old, hours.value_new, hours.delta) == (8411, 10241, 1830)
    bad = subprocess.run([sys.executable, "-m", "dxextract", "compare", str(tmp_path), str(out)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "manifest.json" in bad.stderr and "Traceback" not in bad.stderr


def _edited_copy(src: Path, dest: Path, **changes: object) -> Path:
    """An ingest folder copied with manifest fields changed (another town, family or year)."""
    shutil.copytree(src, dest)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    (dest / "manifest.json").write_text(json.dumps({**manifest, **changes}, ensure_ascii=False), encoding="utf-8")
    return dest


OLD, NEW = REPO / "normalized" / "082163_2023", REPO / "normalized" / "082163_2024"


@pytest.mark.parametrize(("case", "changes", "message"), [
    ("other municipality", {"lg_code": "082015", "municipality": "水戸市"},
     "different municipalities (082163_2023: 笠間市 082163; new: 水戸市 082015)"),
    ("other family", {"title": "笠間市 公共施設等総合管理計画 令和6年度実績報告"}, "different report families"),
    ("other profile", {"profile": "budget_book"}, "different report families (082163_2023: dx_report"),
    ("same year", {"report_fy": 2023}, "the same year twice (2023: 082163_2023, new)"),
])
def test_compare_refuses_folders_of_two_series(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
                                                changes: dict[str, object], message: str) -> None:
    from dxextract.cli import main

    new = _edited_copy(NEW, tmp_path / "new", **changes)
    assert main(["compare", str(OLD), str(new), "--out", str(tmp_path / "yoy")]) == 2, case
    err = capsys.readouterr().err
    assert message in err and "pass --force" in err and "Traceback" not in err, err
    assert not (tmp_path / "yoy").exists(), "nothing written"
    assert main(["compare", str(OLD), str(new), "--out", str(tmp_path / "yoy"), "--force"]) == 0
    assert "warning: compare:" in capsys.readouterr().err
    assert (tmp_path / "yoy" / "yoy_status.csv").is_file()


def test_compare_refuses_years_in_the_wrong_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from dxextract.cli import main

    assert main(["compare", str(NEW), str(OLD), "--out", str(tmp_path / "yoy")]) == 2
    assert ("years in the wrong order (082163_2024: 2024 -> 082163_2023: 2023; give the older year first)"
            in capsys.readouterr().err)


def test_the_year_in_the_title_does_not_make_another_family() -> None:
    from dxextract.output.compare import read_edition, series_problems

    assert series_problems([read_edition(OLD), read_edition(NEW)]) == []


def test_yoy_rows_name_the_strategy_and_measure_and_their_pages() -> None:
    yoy = compare_frames(read_output(OLD), read_output(NEW))
    status, kpis = yoy["yoy_status.csv"], yoy["yoy_kpis.csv"]
    items = read_output(NEW)["status_items.csv"]
    names = dict(zip(zip(items.strategy_no, items.measure_no, strict=True),
                     zip(items.strategy, items.measure, strict=True), strict=False))
    for row in status.itertuples(index=False):
        assert (row.strategy, row.measure) == names[(row.strategy_no, row.measure_no)]
    pages = dict(zip(zip(items.strategy_no, items.measure_no, items.item_no, strict=True), items.page, strict=False))
    assert [pages[k] for k in zip(status.strategy_no, status.measure_no, status.item_no, strict=True)] \
        == list(status.page_new)
    assert status.page_old.notna().sum() == (status.change != "added").sum()
    assert set(kpis.page_new) == {1}
