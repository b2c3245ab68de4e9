"""The DX family: 笠間市「DX推進計画 実績報告」 and reports laid out like it.

Wraps today's stages: :mod:`dxextract.families.interpret` (KPI panel, status matrix, detail tables ->
records, with the profile ``schemas/profiles/dx_report.json``), the contract CSVs
(:data:`COLUMNS`, suites in ``schemas/suites/``), :mod:`dxextract.families.audit`
(``schemas/audit_rules.json``) and :mod:`dxextract.output.compare` (two years).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import pandas as pd

from dxextract.families.base import FamilyOutput, ReportFamily, register_family
from dxextract.families.interpret import Report, classify_table, tables_to_report
from dxextract.families.tables import CELL_COLUMNS, tables_to_cell_rows
from dxextract.model import Table
from dxextract.output.emit import records_to_frame
from dxextract.profile import Profile, load_profile

COLUMNS: dict[str, list[str]] = {
    "tables.csv": CELL_COLUMNS,
    "status_items.csv": ["report_fy", "strategy_no", "strategy", "measure_no", "measure", "item_no", "item",
                         "fy", "status_symbol", "status_code", "page", "table_id", "r", "ocr"],
    "kpis.csv": ["report_fy", "kpi_no", "label", "value", "unit", "qualifier", "raw", "page",
                 "table_id", "x0", "top", "x1", "bottom", "ocr"],
    "initiatives.csv": ["report_fy", "strategy_no", "measure_no", "measure", "seq", "activity",
                        "departments", "result", "next_plan", "page", "table_id", "r", "ocr"],
    "figures.csv": ["report_fy", "strategy_no", "measure_no", "seq", "column", "label", "value", "unit",
                    "qualifier", "raw", "page", "table_id", "r", "c", "x0", "top", "x1", "bottom", "ocr"],
    "audit.csv": ["check", "severity", "strategy_no", "measure_no", "seq", "printed", "expected",
                  "message", "page"],
}

#: the kinds that make a document this family's (the legend alone does not)
CLAIMING_KINDS = ("kpi_panel", "status_matrix", "detail")


def _bbox(d: dict[str, Any]) -> dict[str, Any]:
    box = d.pop("bbox")
    return {**d, "x0": box["x0"], "top": box["top"], "x1": box["x1"], "bottom": box["bottom"]}


def report_to_frames(report: Report, ocr_pages: set[int] | frozenset[int] = frozenset()
                     ) -> dict[str, pd.DataFrame]:
    """One DataFrame per contract file (audit.csv is added by the audit stage).

    Every row says ``ocr``: whether the page it was read from got its text from OCR.
    """
    kpis = [_bbox(asdict(k)) for k in report.kpis]
    initiatives = []
    for ini in report.initiatives:
        d = asdict(ini)
        d.pop("cells")
        d["departments"] = ";".join(ini.departments)
        initiatives.append(d)
    frames = {
        "tables.csv": tables_to_cell_rows(report.tables), "status_items.csv": [asdict(s) for s in report.status_items],
        "kpis.csv": kpis, "initiatives.csv": initiatives, "figures.csv": [_bbox(asdict(f)) for f in report.figures],
    }
    for rows in frames.values():
        for row in rows:
            row["ocr"] = row["page"] in ocr_pages
    return {name: records_to_frame(rows, COLUMNS[name]) for name, rows in frames.items()}


@register_family
class DxReportFamily(ReportFamily):
    """KPI panel, status legend, status matrix and detail tables of a DX推進計画 実績報告."""

    name = "dx_report"
    description = "DX推進計画 実績報告 (笠間市 family): KPI panel, status matrix, detail tables"
    audit_file = "audit.csv"
    compared_files = ("status_items.csv", "kpis.csv")

    def __init__(self, profile: str | None = None) -> None:
        super().__init__(profile)
        self.profile_name = profile or "dx_report"
        self.profile: Profile = load_profile(self.profile_name)

    def table_kinds(self, tables: Sequence[Table]) -> list[str]:
        """Each table's kind by its content; a table that cannot be classified is ``other``."""
        kinds = []
        for t in tables:
            try:
                kinds.append(classify_table(t, self.profile))
            except Exception:  # a table the family cannot classify claims nothing
                kinds.append("other")
        return kinds

    def claim(self, tables: Sequence[Table], free_lines: Sequence[str]) -> float:
        """The share of the family's kinds (kpi_panel, status_matrix, detail) found among the tables."""
        return len(set(self.table_kinds(tables)) & set(CLAIMING_KINDS)) / len(CLAIMING_KINDS)

    def read(self, tables: Sequence[Table], free_lines: Sequence[str],
             ocr_pages: frozenset[int] = frozenset()) -> FamilyOutput:
        report = tables_to_report(tables, free_lines, self.profile)
        return FamilyOutput(report_to_frames(report, ocr_pages=ocr_pages), report.tables, report.title,
                            report.report_fy, report.warnings, report)

    def columns(self) -> dict[str, list[str]]:
        return COLUMNS

    def audit(self, frames: dict[str, pd.DataFrame], ocr_pages: frozenset[int]) -> pd.DataFrame:
        """The report's arithmetic (audit.py); on OCR'd pages an error is a warning to check."""
        from dxextract.families.audit import audit_report

        df = audit_report(frames["initiatives.csv"], frames["figures.csv"], frames["kpis.csv"])
        if ocr_pages and len(df):
            # a contradiction between figures read by OCR may be a misread digit, not the
            # report's arithmetic: a person checks the page image before calling it an error
            on_ocr = df["page"].isin(sorted(ocr_pages))
            df.loc[on_ocr & (df["severity"] == "error"), "message"] = (
                df.loc[on_ocr & (df["severity"] == "error"), "message"] + " (read by OCR: check the page image)")
            df.loc[on_ocr, "severity"] = "warning"
        cols = COLUMNS["audit.csv"]
        return df[cols + [c for c in df.columns if c not in cols]]

    def summary(self, counts: dict[str, int]) -> str:
        return (f"{counts['status_items.csv']} status items, {counts['kpis.csv']} KPI rows, "
                f"{counts['initiatives.csv']} detail rows, {counts['figures.csv']} figures, "
                f"{counts['audit.csv']} audit findings")

    def compare(self, old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        from dxextract.output.compare import compare_frames

        return compare_frames(old, new, self.profile.status_rank)
