"""Year-over-year comparison: the same plan item matched across years even when reworded."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import NORMALIZED, SAMPLES, cli_env, load_truth
from dxextract.compare import change_of, compare_frames, read_output

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
