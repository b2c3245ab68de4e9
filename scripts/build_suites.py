#!/usr/bin/env python3
"""Write the Great Expectations suites under ``schemas/suites/`` (one per output CSV).

Run once (and again after editing this file); the JSON it writes is the source of truth that
``dxextract.output.validate`` loads at run time, so a reviewer can read and diff the checks without
reading Python. Each suite is loaded back through ``gx.ExpectationSuite(**json)`` before it is
written, so a typo in an expectation type fails here instead of being dropped at run time.

Expectations whose ``column`` starts with ``_chk_`` test a boolean helper column that
``dxextract.output.validate`` computes from ``meta.helper`` (row-level rules GX cannot express on
pandas: numbering without gaps, cross-file keys, ...); they expect ``[True]``.

    .venv/bin/python scripts/build_suites.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "schemas" / "suites"

# Look-alikes the text layer hands over and normalization must have removed: Kangxi radicals,
# CJK radicals supplement, full-width digits and Latin letters. Full-width punctuation
# （）・ is ordinary Japanese typography and stays.
LOOKALIKES = "[\u2e80-\u2eff\u2f00-\u2fdf\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
STATUS = {"○": "in_progress", "▲": "delayed", "×": "not_achieved", "取り下げ": "withdrawn",
          "—": "not_evaluated"}
KINDS = ["kpi_panel", "status_legend", "status_matrix", "detail", "other"]
COLUMNS = ["activity", "result", "next_plan"]
# Fallback unit vocabulary; schemas/figure_vocabulary.json ("units") extends it when present.
UNITS = ["件", "人", "名", "回", "時間", "分", "秒", "日", "日間", "%", "個", "校", "枚", "冊", "講座",
         "契約", "事業者", "アカウント", "枠", "割合", "点", "倍", "円", "千円", "万円", "課", "所",
         "台", "箇所", "ページ", "本", "部", "世帯", "団体", "館", "か所", "ヶ所", "回線", "件数"]
AUDIT_CHECKS = ["rate", "hours_saved", "kpi_total", "kpi_same_figure", "row_total"]
# GX Condition objects, serialized (string row conditions are deprecated since GX 1.9):
# the 0..100 range applies where unit is % and the figure is not a year-on-year ratio.
PERCENT_RANGE_ROWS = {"type": "and", "conditions": [
    {"type": "comparison", "column": {"name": "unit"}, "operator": "==", "parameter": "%"},
    {"type": "comparison", "column": {"name": "qualifier"}, "operator": "!=", "parameter": "前年比"},
]}

Exp = dict[str, Any]


def exp(type_: str, about: str, **kwargs: Any) -> Exp:
    """One expectation; ``about`` is the sentence a failure message starts with."""
    return {"type": type_, "kwargs": kwargs, "meta": {"about": about}}


def helper(name: str, about: str, kind: str, **params: Any) -> Exp:
    """A row-level rule computed as boolean column ``_chk_<name>`` that must be True."""
    e = exp("expect_column_values_to_be_in_set", about, column=f"_chk_{name}", value_set=[True])
    e["meta"]["helper"] = {"kind": kind, **params}
    return e


def columns_present(columns: list[str]) -> Exp:
    return exp("expect_table_columns_to_match_set", "required columns are present",
               column_set=columns, exact_match=False)


def not_null(columns: list[str]) -> list[Exp]:
    return [exp("expect_column_values_to_not_be_null", f"{c} is required", column=c) for c in columns]


def typed(kind: str, columns: list[str]) -> list[Exp]:
    words = {"integer": "a whole number", "number": "a number", "text": "text"}
    return [helper(f"{kind}_{c}", f"{c} must be {words[kind]}", kind, column=c) for c in columns]


def between(column: str, lo: float | None, hi: float | None, about: str, **extra: Any) -> Exp:
    kw: dict[str, Any] = {"column": column}
    if lo is not None:
        kw["min_value"] = lo
    if hi is not None:
        kw["max_value"] = hi
    return exp("expect_column_values_to_be_between", about, **kw, **extra)


def single_line(columns: list[str]) -> list[Exp]:
    return [exp("expect_column_values_to_not_match_regex",
                f"{c} must be one line (no line breaks)", column=c, regex=r"[\r\n]")
            for c in columns]


def no_lookalikes(columns: list[str]) -> list[Exp]:
    return [exp("expect_column_values_to_not_match_regex",
                f"{c} contains a look-alike character (radical or full-width digit/letter) "
                "that normalization should have mapped", column=c, regex=LOOKALIKES)
            for c in columns]


def in_set(column: str, values: list[Any], about: str, **meta: Any) -> Exp:
    e = exp("expect_column_values_to_be_in_set", about, column=column, value_set=values)
    e["meta"].update(meta)
    return e


def unique(columns: list[str]) -> Exp:
    return exp("expect_compound_columns_to_be_unique",
               f"({', '.join(columns)}) must identify one row", column_list=columns)


def gapless(column: str, by: list[str]) -> Exp:
    where = f" within each ({', '.join(by)})" if by else ""
    return helper(f"gapless_{column}", f"{column} must run 1..n without gaps{where}",
                  "gapless", column=column, by=by)


def report_fy_checks() -> list[Exp]:
    return [
        between("report_fy", 2000, 2100, "report_fy must be a plausible Western fiscal year"),
        helper("same_report_fy", "report_fy must be the same in every file of one report",
               "same_across_files", column="report_fy"),
    ]


def page_checks() -> list[Exp]:
    return [between("page", 1, None, "page is 1-based")]


def no_null_text() -> Exp:
    """Every suite: a missing value is an empty cell, never pandas' ``<NA>``, ``nan`` or ``None``
    written out as text (audit.csv's kpi_no once held ``<NA>``)."""
    return helper("no_null_text", "no cell may hold a missing value spelt as text (<NA>, nan, None, NaT); "
                  "leave it empty", "no_null_text", column="*")


def suite(name: str, expectations: list[Exp], notes: str) -> dict[str, Any]:
    return {"name": name, "expectations": [*expectations, no_null_text()],
            "meta": {"notes": notes, "file": f"{name}.csv"}}


def tables() -> dict[str, Any]:
    req = ["table_id", "kind", "r", "c", "rowspan", "colspan", "text", "is_header", "page",
           "x0", "top", "x1", "bottom"]
    return suite("tables", [
        columns_present(req),
        *not_null([c for c in req if c != "text"]),
        *typed("integer", ["r", "c", "rowspan", "colspan", "page"]),
        *typed("number", ["x0", "top", "x1", "bottom"]),
        *typed("text", ["table_id", "text"]),
        exp("expect_column_values_to_match_regex", "table_id looks like t01, t02, ...",
            column="table_id", regex=r"^t\d{2,}$"),
        in_set("kind", KINDS, "kind must be one of the table kinds"),
        in_set("is_header", [True, False], "is_header must be true or false"),
        between("r", 0, None, "r is 0-based"),
        between("c", 0, None, "c is 0-based"),
        between("rowspan", 1, None, "rowspan is at least 1"),
        between("colspan", 1, None, "colspan is at least 1"),
        *page_checks(),
        exp("expect_column_pair_values_a_to_be_greater_than_b", "a cell's x1 must be right of x0",
            column_A="x1", column_B="x0", or_equal=False),
        exp("expect_column_pair_values_a_to_be_greater_than_b", "a cell's bottom must be below top",
            column_A="bottom", column_B="top", or_equal=False),
        unique(["table_id", "r", "c"]),
        helper("grid_cover", "every grid position of a table is covered by exactly one cell "
               "(overlap, or a hole in this row)", "grid_cover"),
        *single_line(["table_id", "kind"]),
        # text keeps the author's line breaks: no single_line check on it
        *no_lookalikes(["text"]),
    ], "Generic layer: one row per reconstructed cell; merged cells are one row with spans.")


def status_items() -> dict[str, Any]:
    req = ["report_fy", "strategy_no", "strategy", "measure_no", "measure", "item_no", "item",
           "fy", "status_symbol", "status_code", "page"]
    text = ["strategy", "measure", "item", "status_symbol", "status_code"]
    return suite("status_items", [
        columns_present(req),
        *not_null(req),
        *typed("integer", ["report_fy", "strategy_no", "measure_no", "item_no", "fy", "page"]),
        *typed("text", text),
        *report_fy_checks(),
        between("fy", 2000, 2100, "fy must be a plausible Western fiscal year"),
        helper("fy_near_report", "fy must lie within the plan period around the report year "
               "(report_fy - 5 .. report_fy + 5)", "near", column="fy", ref="report_fy", max_diff=5),
        between("strategy_no", 1, 99, "strategy_no is a small positive number"),
        between("measure_no", 1, 99, "measure_no is a small positive number"),
        between("item_no", 1, 99, "item_no is a small positive number"),
        *page_checks(),
        in_set("status_symbol", list(STATUS), "status_symbol must be one of ○ ▲ × 取り下げ —"),
        in_set("status_code", list(STATUS.values()), "status_code must be one of the five codes"),
        helper("status_code_matches", "status_code must be the code of status_symbol", "maps_to",
               column="status_symbol", target="status_code", mapping=STATUS),
        unique(["strategy_no", "measure_no", "item_no", "fy"]),
        gapless("item_no", ["strategy_no", "measure_no"]),
        gapless("measure_no", ["strategy_no"]),
        gapless("strategy_no", []),
        helper("strategy_consistent", "one strategy_no must carry one strategy text", "consistent",
               column="strategy", by=["strategy_no"]),
        helper("measure_consistent", "one (strategy_no, measure_no) must carry one measure text",
               "consistent", column="measure", by=["strategy_no", "measure_no"]),
        helper("item_consistent", "one plan item must carry one item text across fiscal years",
               "consistent", column="item", by=["strategy_no", "measure_no", "item_no"]),
        *single_line(text),
        *no_lookalikes(text),
    ], "One row per plan item x fiscal year of the status matrix.")


def kpis() -> dict[str, Any]:
    req = ["report_fy", "kpi_no", "label", "value", "unit", "qualifier", "raw", "page"]
    return suite("kpis", [
        columns_present(req),
        *not_null(["report_fy", "kpi_no", "label", "page"]),
        *typed("integer", ["report_fy", "kpi_no", "page"]),
        *typed("number", ["value"]),
        *typed("text", ["label", "unit", "qualifier", "raw"]),
        *report_fy_checks(),
        between("kpi_no", 1, 50, "kpi_no is a small positive number"),
        gapless("kpi_no", []),
        *page_checks(),
        between("value", 0, None, "a KPI figure is not negative"),
        between("value", 0, 100, "a percentage must lie in 0..100",
                row_condition=PERCENT_RANGE_ROWS),
        helper("unit_with_value", "a KPI figure needs its unit", "required_with",
               column="unit", when="value"),
        helper("raw_with_value", "a KPI figure needs the raw text it was read from", "required_with",
               column="raw", when="value"),
        helper("value_in_raw", "value must be the number printed in raw", "value_in_raw",
               column="value", raw="raw"),
        in_set("unit", UNITS, "unit must be in the figure vocabulary",
               value_set_from={"file": "figure_vocabulary.json", "key": "units", "mode": "extend"}),
        *single_line(["label", "unit", "qualifier", "raw"]),
        # raw is "as extracted" by contract (it may keep full-width digits): no look-alike check
        *no_lookalikes(["label", "unit", "qualifier"]),
    ], "One row per KPI-panel figure; a KPI without a figure is one row with value empty.")


def initiatives() -> dict[str, Any]:
    req = ["report_fy", "strategy_no", "measure_no", "measure", "seq", "activity", "departments",
           "result", "next_plan", "page"]
    text = ["measure", "activity", "departments", "result", "next_plan"]
    return suite("initiatives", [
        columns_present(req),
        *not_null(["report_fy", "strategy_no", "measure_no", "measure", "seq", "activity", "page"]),
        *typed("integer", ["report_fy", "strategy_no", "measure_no", "seq", "page"]),
        *typed("text", text),
        *report_fy_checks(),
        between("strategy_no", 1, 99, "strategy_no is a small positive number"),
        between("measure_no", 1, 99, "measure_no is a small positive number"),
        between("seq", 1, None, "seq counts from 1"),
        *page_checks(),
        unique(["strategy_no", "measure_no", "seq"]),
        gapless("seq", ["strategy_no", "measure_no"]),
        helper("measure_consistent", "one (strategy_no, measure_no) must carry one measure text",
               "consistent", column="measure", by=["strategy_no", "measure_no"]),
        helper("measure_in_status", "(strategy_no, measure_no) must exist in status_items.csv",
               "exists_in", columns=["strategy_no", "measure_no"], file="status_items.csv"),
        helper("measure_agrees_status", "measure must read as in status_items.csv for the same "
               "(strategy_no, measure_no)", "agrees_with", column="measure",
               by=["strategy_no", "measure_no"], file="status_items.csv"),
        exp("expect_column_values_to_not_match_regex",
            "departments are ';'-separated names without empty parts",
            column="departments", regex=r"^;|;;|;$|[\r\n]"),
        *single_line(["measure"]),
        # activity/result/next_plan keep the author's line breaks by contract
        *no_lookalikes(text),
    ], "One row per detail-table row; seq counts the rows of one measure from 1.")


def figures() -> dict[str, Any]:
    req = ["report_fy", "strategy_no", "measure_no", "seq", "column", "label", "value", "unit",
           "qualifier", "raw", "page"]
    return suite("figures", [
        columns_present(req),
        *not_null(["report_fy", "strategy_no", "measure_no", "seq", "column", "value", "unit",
                   "raw", "page"]),
        *typed("integer", ["report_fy", "strategy_no", "measure_no", "seq", "page"]),
        *typed("number", ["value"]),
        *typed("text", ["column", "label", "unit", "qualifier", "raw"]),
        *report_fy_checks(),
        *page_checks(),
        in_set("column", COLUMNS, "column must be activity, result or next_plan"),
        in_set("unit", UNITS, "unit must be in the figure vocabulary",
               value_set_from={"file": "figure_vocabulary.json", "key": "units", "mode": "extend"}),
        between("value", 0, None, "a measured figure is not negative"),
        between("value", 0, 100, "a percentage must lie in 0..100",
                row_condition=PERCENT_RANGE_ROWS),
        helper("row_exists", "the figure's row (strategy_no, measure_no, seq) must exist in "
               "initiatives.csv", "exists_in", columns=["strategy_no", "measure_no", "seq"],
               file="initiatives.csv"),
        helper("raw_in_cell", "raw must be found in the text of its row's column in initiatives.csv",
               "raw_in_text", raw="raw", column="column", by=["strategy_no", "measure_no", "seq"],
               file="initiatives.csv"),
        helper("value_in_raw", "value must be the number printed in raw", "value_in_raw",
               column="value", raw="raw"),
        *single_line(["column", "label", "unit", "qualifier", "raw"]),
        # raw is "as extracted" by contract (it may keep full-width digits): no look-alike check
        *no_lookalikes(["label", "unit", "qualifier"]),
    ], "One row per measured figure inside a detail-table cell.")


def audit() -> dict[str, Any]:
    req = ["check", "severity", "strategy_no", "measure_no", "seq", "printed", "expected",
           "message", "page"]
    return suite("audit", [
        columns_present(req),
        *not_null(["check", "severity", "printed", "message"]),
        *typed("integer", ["strategy_no", "measure_no", "seq", "page"]),
        *typed("number", ["printed", "expected"]),
        *typed("text", ["check", "severity", "message"]),
        in_set("severity", ["error", "warning"], "severity must be error or warning"),
        in_set("check", AUDIT_CHECKS, "check must be one of the audit's checks"),
        *page_checks(),
        helper("row_exists", "a finding's row (strategy_no, measure_no, seq) must exist in "
               "initiatives.csv", "exists_in", columns=["strategy_no", "measure_no", "seq"],
               file="initiatives.csv"),
        *single_line(["check", "severity", "message"]),
        *no_lookalikes(["message"]),
    ], "One row per arithmetic finding about the report's own figures.")


SUITES = (tables, status_items, kpis, initiatives, figures, audit)


def main() -> int:
    import great_expectations as gx

    OUT.mkdir(parents=True, exist_ok=True)
    for build in SUITES:
        data = build()
        loaded = gx.ExpectationSuite(**json.loads(json.dumps(data)))
        if len(loaded.expectations) != len(data["expectations"]):
            print(f"{data['name']}: GX dropped expectations; fix the types", file=sys.stderr)
            return 1
        path = OUT / f"{data['name']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(data['expectations'])} expectations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
