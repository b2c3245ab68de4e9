"""Audit: the report's own arithmetic, recomputed with the printed precision as tolerance."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

import pandas as pd
import pytest

from conftest import YEARS, load_truth
from dxextract.families.audit import (
    AUDIT_COLUMNS,
    audit_report,
    judge,
    load_audit_rules,
    printed_decimals,
    row_label,
    tolerance,
)
from truth_frames import figures_frame, initiatives_frame, kpis_frame


def _audit(spec: dict[str, Any]) -> pd.DataFrame:
    return audit_report(initiatives_frame(spec), figures_frame(spec), kpis_frame(spec))


def _contract_key(spec: dict[str, Any], table_id: str, table_seq: int) -> tuple[int, int, int]:
    """Truth (table_id, seq over the table) -> CONTRACT (strategy_no, measure_no, seq in measure)."""
    counter: Counter[tuple[str, int, int]] = Counter()
    for ini in spec["initiatives"]:
        k = (ini["table_id"], ini["strategy_no"], ini["measure_no"])
        counter[k] += 1
        if ini["table_id"] == table_id and ini["seq"] == table_seq:
            return ini["strategy_no"], ini["measure_no"], counter[k]
    raise KeyError((table_id, table_seq))


def _printed(raw: str) -> float:
    m = re.search(r"\d[\d,.]*", unicodedata.normalize("NFKC", raw))
    assert m
    return float(m.group().replace(",", ""))


# --- both years -----------------------------------------------------------------------------

@pytest.mark.parametrize("report_id", YEARS)
def test_exactly_the_known_inconsistencies_are_errors(report_id: str) -> None:
    spec = load_truth(report_id)
    known = (spec.get("known_inconsistencies") or []) + (spec.get("planted_inconsistencies") or [])
    assert known
    audit = _audit(spec)
    assert list(audit.columns) == AUDIT_COLUMNS
    errors = audit[audit["severity"] == "error"]
    want = sorted((*_contract_key(spec, k["table_id"], k["seq"]), _printed(k["raw"])) for k in known)
    got = sorted((int(r.strategy_no), int(r.measure_no), int(r.seq), float(r.printed))
                 for r in errors.itertuples())
    assert got == want, "\n".join(errors["message"])


@pytest.mark.parametrize("report_id", YEARS)
def test_unverifiable_figures_are_never_errors(report_id: str) -> None:
    spec = load_truth(report_id)
    audit = _audit(spec)
    for u in spec.get("unverifiable_figures") or []:
        s, m, q = _contract_key(spec, u["table_id"], u["seq"])
        here = audit[(audit["strategy_no"] == s) & (audit["measure_no"] == m) & (audit["seq"] == q)
                     & (audit["printed"] == _printed(u["raw"]))]
        assert (here["severity"] != "error").all(), here["message"].tolist()


def test_known_error_message_is_pinned() -> None:
    audit = _audit(load_truth("kasama_dx_r5"))
    row = audit[audit["severity"] == "error"].iloc[0]
    assert row["message"] == ("健診Web予約システム (page 6, strategy 2 measure 1 row 8): printed 利用率 25.4%, "
                              "but オンライン予約件数/総予約数 = 2,802/11,473 = 24.4%")
    assert (row["check"], row["printed"], row["expected"], row["page"]) == ("rate", 25.4, 24.4, 6)
    assert row["row_label"] == "健診Web予約システム" and row["raw"] == "25.4%"


def test_planted_error_message_is_pinned() -> None:
    audit = _audit(load_truth("kasama_dx_r6"))
    row = audit[audit["severity"] == "error"].iloc[0]
    assert row["message"] == ("地域交流センターWeb予約システム (page 6, strategy 2 measure 1 row 13): printed "
                              "利用率 51.3%, but オンライン利用件数/総件数 = 3,127/5,884 = 53.1%")


def test_gis_hours_basis_is_a_warning_naming_the_count() -> None:
    audit = _audit(load_truth("kasama_dx_r5"))
    gis = audit[audit["printed"] == 2327]
    assert gis["severity"].tolist() == ["warning"]
    assert gis["message"].iloc[0].startswith(
        "GISデータの更新 (page 8, strategy 4 measure 3 row 1): printed 業務時間の削減 2,327時間 = "
        "ページ訪問回数 6,981回 x 20分 / 60 = 2,327時間, but the row prints 2 counts")


@pytest.mark.parametrize(("raw", "new", "check"), [
    ("59回", 60, "kpi_total"),            # ⑦ スマホ教室 回 = 46 + 10 + 3
    ("317人", 300, "kpi_total"),          # ⑦ スマホ教室 人 = 176 + 100 + 41
    ("14,769回", 14000, "kpi_total"),     # ④ = 13,266講座 + 1503回
    ("8,411時間以上", 8500, "kpi_total"),  # ② bound above the itemized sum
    ("98.1%", 97.5, "kpi_same_figure"),   # ⑥ = 公民館 利用率
    ("2,994人", 3000, "kpi_same_figure"),  # ⑧ = テレワーク ログイン数 (人 ~ 名)
])
def test_each_kpi_rule_is_live(raw: str, new: float, check: str) -> None:
    spec = load_truth("kasama_dx_r5")
    kpis = kpis_frame(spec)
    kpis.loc[kpis["raw"] == raw, "value"] = new
    audit = audit_report(initiatives_frame(spec), figures_frame(spec), kpis)
    found = audit[(audit["check"] == check) & (audit["severity"] == "error")]
    assert found["printed"].tolist() == [new]


def test_hours_total_bound_below_the_sum_is_a_warning() -> None:
    spec = load_truth("kasama_dx_r5")
    kpis = kpis_frame(spec)
    kpis.loc[kpis["raw"] == "8,411時間以上", "value"] = 8300
    audit = audit_report(initiatives_frame(spec), figures_frame(spec), kpis)
    row = audit[audit["check"] == "kpi_total"]
    assert row["severity"].tolist() == ["warning"]
    assert "a lower bound below the sum of its 10 detail figures" in row["message"].iloc[0]


# --- hand-made frames -----------------------------------------------------------------------

def _figs(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """(seq, column, label, value, unit, raw[, qualifier]) for strategy 2, measure 1, page 5."""
    recs = []
    for r in rows:
        seq, column, label, value, unit, raw = r[:6]
        recs.append({"report_fy": 2023, "strategy_no": 2, "measure_no": 1, "seq": seq, "column": column,
                     "label": label, "value": float(value), "unit": unit,
                     "qualifier": r[6] if len(r) > 6 else None, "raw": raw, "page": 5})
    return pd.DataFrame(recs)


def _rows(*activities: str) -> pd.DataFrame:
    return pd.DataFrame([{"report_fy": 2023, "strategy_no": 2, "measure_no": 1, "measure": "m",
                          "seq": i, "activity": a, "departments": "", "result": "", "next_plan": "",
                          "page": 5} for i, a in enumerate(activities, start=1)])


NO_KPIS = pd.DataFrame(columns=["report_fy", "kpi_no", "label", "value", "unit", "qualifier", "raw", "page"])


def test_tolerance_is_half_the_last_printed_digit() -> None:
    assert tolerance(1) == pytest.approx(0.05) and tolerance(0) == 0.5
    assert judge(24.4, 2802 / 11473 * 100, 1) is None          # 24.42 -> 24.4
    assert judge(25.4, 2802 / 11473 * 100, 1) == "error"       # off by 0.98
    assert judge(24.5, 24.45, 1) is None                       # exactly half a digit: rounding
    assert judge(24.5, 24.449, 1) == "error"                   # just beyond
    assert judge(24.5, 24.449, 1, approximate=True) == "warning"
    assert judge(30, 29.5, 0) is None and judge(10, 6799 / 67991 * 100, 0) is None
    assert judge(8411, 8409, 0, extra_tolerance=5.0) is None   # parts' rounding adds up


def test_printed_decimals_come_from_raw() -> None:
    assert printed_decimals(25.0, "25.0%") == 1
    assert printed_decimals(10.0, "10%") == 0
    assert printed_decimals(8763.0, "８，７６３件") == 0
    assert printed_decimals(25.4) == 1 and printed_decimals(467.0) == 0


@pytest.mark.parametrize(("numerator", "denominator"), [
    ("オンライン利用件数", "総件数"),
    ("利用件数", "総件数"),
    ("オンライン予約件数", "総予約数"),
    ("利用回数", "転入転出総件数"),
    ("オンライン利用件数", "対象者"),
])
def test_rate_pairs_are_inferred_from_labels(numerator: str, denominator: str) -> None:
    figs = _figs((1, "activity", numerator, 354, "件", "354件"),
                 (1, "activity", denominator, 680, "件", "680件"),
                 (1, "result", "利用率", 51.2, "%", "51.2%"))
    audit = audit_report(_rows("■子育て相談Web予約システム (こども政策課)"), figs, NO_KPIS)
    assert audit["message"].tolist() == [
        f"子育て相談Web予約システム (page 5, strategy 2 measure 1 row 1): printed 利用率 51.2%, "
        f"but {numerator}/{denominator} = 354/680 = 52.1%"]
    assert audit["severity"].tolist() == ["error"]
    figs.loc[2, "value"], figs.loc[2, "raw"] = 52.1, "52.1%"
    assert audit_report(_rows("x"), figs, NO_KPIS).empty


def test_rate_needs_its_pair_in_the_same_row() -> None:
    figs = _figs((1, "activity", "オンライン利用件数", 20, "件", "20件"),
                 (1, "activity", "総件数", 59, "件", "59件"),
                 (2, "result", "利用率", 12.0, "%", "12%"))
    assert audit_report(_rows("a", "b"), figs, NO_KPIS).empty


def test_a_reduction_rate_is_not_a_usage_rate() -> None:
    # 郵便料 45% with 対象者500人 / 371人 in the row: no printed base, not checkable
    figs = _figs((1, "activity", "対象者", 500, "人", "500人"),
                 (1, "activity", "テストに同意した人数", 371, "人", "371人"),
                 (1, "result", "郵便料の削減率", 45, "%", "45%"))
    assert audit_report(_rows("a"), figs, NO_KPIS).empty


def test_ambiguous_pairs_give_a_warning_not_an_error() -> None:
    figs = _figs((1, "activity", "オンライン予約件数", 300, "件", "300件"),
                 (1, "activity", "オンライン利用件数", 200, "件", "200件"),
                 (1, "activity", "総件数", 1000, "件", "1,000件"),
                 (1, "result", "利用率", 25.0, "%", "25.0%"))
    audit = audit_report(_rows("a"), figs, NO_KPIS)
    assert audit["severity"].tolist() == ["warning"]
    assert "one of 2 possible count pairs; none matches" in audit["message"].iloc[0]


def test_complement_rate() -> None:
    figs = _figs((1, "activity", "職員", 933, "名", "933名"),
                 (1, "activity", "攻撃メールを閲覧した", 24, "名", "24名"),
                 (1, "result", "正しい対応をした職員の割合", 97.0, "%", "97.0%"))
    audit = audit_report(_rows("■標的型攻撃メール訓練"), figs, NO_KPIS)
    assert audit["message"].tolist() == [
        "標的型攻撃メール訓練 (page 5, strategy 2 measure 1 row 1): printed 正しい対応をした職員の割合 97.0%, "
        "but (職員 - 攻撃メールを閲覧した)/職員 = (933 - 24)/933 = 97.4%"]


def test_hours_from_count_and_minutes() -> None:
    figs = _figs((1, "activity", "オンライン予約件数", 2802, "件", "2,802件"),
                 (1, "activity", "総予約数", 11473, "件", "11,473件"),
                 (1, "activity", "1件当たり削減時間", 10, "分", "10分"),
                 (1, "result", "利用率", 24.4, "%", "24.4%"),
                 (1, "result", "業務時間の削減", 500, "時間", "500 h"))
    audit = audit_report(_rows("■健診Web予約システム (健康医療政策課)"), figs, NO_KPIS)
    assert audit["message"].tolist() == [
        "健診Web予約システム (page 5, strategy 2 measure 1 row 1): printed 業務時間の削減 500時間, "
        "but オンライン予約件数 2,802件 x 10分 / 60 = 467時間"]
    figs.loc[4, "value"] = 467
    assert audit_report(_rows("x"), figs, NO_KPIS).empty


def test_hours_sum_the_counts_of_a_row_without_a_rate() -> None:
    figs = _figs((1, "activity", "住民異動申請", 1639, "件", "1,639件"),
                 (1, "activity", "マイナンバー関係申請", 2212, "件", "2,212件"),
                 (1, "activity", "1件当たり削減時間", 5, "分", "5分"),
                 (1, "result", "業務時間の削減", 321, "時間", "321 h"))
    assert audit_report(_rows("x"), figs, NO_KPIS).empty       # (1639 + 2212) x 5 / 60 = 320.9


def test_hours_without_minutes_are_not_checked() -> None:
    figs = _figs((1, "activity", "手入力を省略した枠", 1137674, "枠", "1,137,674枠"),
                 (1, "result", "業務時間の削減", 3160, "時間", "3,160h"))
    assert audit_report(_rows("x"), figs, NO_KPIS).empty


def test_kpi_lower_bound() -> None:
    figs = _figs((1, "result", "業務時間の削減", 100, "時間", "100 h"),
                 (2, "result", "業務時間の削減", 200, "時間", "200 h"))

    def kpi(value: float) -> pd.DataFrame:
        return pd.DataFrame([{"report_fy": 2023, "kpi_no": 2, "label": "デジタル化・DX化で削減された業務時間",
                              "value": value, "unit": "時間", "qualifier": "以上",
                              "raw": f"{value:,.0f}時間以上", "page": 1}])
    rows = _rows("a", "b")
    assert audit_report(rows, figs, kpi(300)).empty
    assert audit_report(rows, figs, kpi(301)).empty             # within the parts' rounding (0.5 + 2 x 0.5)
    high = audit_report(rows, figs, kpi(350))
    assert high["severity"].tolist() == ["error"]
    assert high["message"].iloc[0] == (
        "KPI ② デジタル化・DX化で削減された業務時間 (page 1): printed 350時間以上, but its 2 detail "
        "figures 100 + 200 = 300時間; the bound claims more than the itemized figures show")
    assert audit_report(rows, figs, kpi(250))["severity"].tolist() == ["warning"]


def test_row_label() -> None:
    assert row_label("■健診Web予約システム (健康医療政策課)\n来庁者に") == "健診Web予約システム"
    assert row_label("・オンライン移住相談（企業誘致・移住推進課）") == "オンライン移住相談"
    assert row_label("引越しワンストップサービスを活用し、転入・転出者の来庁手続きを簡略化") == \
        "引越しワンストップサービスを活用し、転入…"


def test_rules_load_with_every_section() -> None:
    rules = load_audit_rules()
    assert {r["name"] for r in rules.data["kpi_rules"]} >= {"hours_total", "smartphone_class"}
    assert rules.same_unit("人", "名") and not rules.same_unit("人", "件")


def test_bad_rule_pattern_names_the_rule_and_key(tmp_path: Any) -> None:
    from dxextract.errors import SettingsError

    path = tmp_path / "rules.json"
    path.write_text('{"rates": [{"name": "usage_rate", "rate_label": "利用率("}], "hours_saved": {}, '
                    '"row_totals": [], "kpi_rules": []}', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"rates rule 'usage_rate', key 'rate_label': bad pattern"):
        load_audit_rules(path)
