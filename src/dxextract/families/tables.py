"""The ``tables`` family: the default for any document whose layout no family claims.

Every reconstructed table becomes one wide CSV, ``table_<table_id>.csv``, made machine-readable
after 総務省's rules (自治体標準オープンデータセット, 「機械判読可能なデータの表記方法の統一ルール」):

- one header row: a multi-row header's levels joined top to bottom with 「／」
  (「令和5年度」 over 「実績」 -> 「令和5年度／実績」), a level repeated by a merged cell kept once;
- a merged cell's value repeated in every cell it covers, body and header alike;
- numbers normalised: full-width digits halved (as everywhere), and in a column whose every
  value is a number the thousands separators removed (「１，２３４」 -> 「1234」).

``tables.csv``, the cell list with spans and boxes, is written as for every family.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from dxextract.families.base import FamilyOutput, ReportFamily, register_family
from dxextract.model import Table
from dxextract.output.emit import records_to_frame
from dxextract.text.normalize import normalize_text

#: the columns of ``tables.csv`` (the same for every family)
CELL_COLUMNS = ["table_id", "kind", "r", "c", "rowspan", "colspan", "text", "is_header", "page",
                "x0", "top", "x1", "bottom", "caption", "ocr"]
#: the levels of a combined header
HEADER_JOIN = "／"
#: a header block is at most this many rows (a taller "header" is body rows merged down)
MAX_HEADER_ROWS = 3
_NUMBER = re.compile(r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


def tables_to_cell_rows(tables: Sequence[Table]) -> list[dict[str, Any]]:
    """``tables.csv``'s rows: one per cell, with its table's kind and caption."""
    return [{"table_id": t.table_id, "kind": t.kind, "r": cell.r, "c": cell.c,
             "rowspan": cell.rowspan, "colspan": cell.colspan, "text": cell.text,
             "is_header": cell.is_header, "page": cell.page, "x0": cell.bbox.x0, "top": cell.bbox.top,
             "x1": cell.bbox.x1, "bottom": cell.bbox.bottom, "caption": t.caption}
            for t in tables for cell in t.cells]


def header_rows_of(table: Table) -> int:
    """How many rows the table's header takes: the rows its first row's merged cells reach
    down to, one more under a cell spanning columns (a group heading over its sub-headings),
    at least the reconstructed ``header_rows`` and one, at most :data:`MAX_HEADER_ROWS`.
    """
    limit = max(1, min(MAX_HEADER_ROWS, table.n_rows - 1))
    k = max(1, table.header_rows)
    while k < limit:
        top = [c for c in table.cells if c.r < k]
        reach = max((c.r + c.rowspan for c in top), default=k)
        grouped = any(c.colspan > 1 and c.r == k - 1 and c.r + c.rowspan == k for c in top)
        if reach > k:
            k = min(reach, limit)
        elif grouped and sum(1 for c in table.cells if c.r == k) >= 2:
            k += 1
        else:
            break
    return min(k, max(1, table.n_rows))


def table_to_grid(table: Table) -> list[list[str]]:
    """The table as ``n_rows`` × ``n_cols`` texts, a merged cell's text in every cell it covers."""
    grid = [["" for _ in range(table.n_cols)] for _ in range(table.n_rows)]
    for cell in table.cells:
        text = normalize_text(cell.text).strip()
        for r in range(cell.r, min(cell.r + cell.rowspan, table.n_rows)):
            for c in range(cell.c, min(cell.c + cell.colspan, table.n_cols)):
                grid[r][c] = text
    return grid


def combined_header(grid: list[list[str]], header_rows: int) -> list[str]:
    """One name per column: the header levels top to bottom, a level repeated (a merged cell)
    once, line breaks and empty levels dropped; an unnamed column is 「列N」, a repeated name
    gets 「_2」, 「_3」…"""
    names: list[str] = []
    seen: dict[str, int] = {}
    for c in range(len(grid[0]) if grid else 0):
        levels: list[str] = []
        for r in range(header_rows):
            text = " ".join(grid[r][c].split())
            if text and (not levels or levels[-1] != text):
                levels.append(text)
        name = HEADER_JOIN.join(levels) or f"列{c + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def is_numeric_column(values: Sequence[str]) -> bool:
    """Every non-empty value a number (thousands separators allowed), and at least one."""
    filled = [v for v in values if v]
    return bool(filled) and all(_NUMBER.fullmatch(v) for v in filled)


def table_to_wide_frame(table: Table) -> pd.DataFrame:
    """One table -> its wide frame: one combined header row, merged values repeated, numbers
    without thousands separators in numeric columns."""
    grid = table_to_grid(table)
    header_rows = header_rows_of(table)
    body = grid[header_rows:]
    columns = combined_header(grid, header_rows)
    for c in range(len(columns)):
        if is_numeric_column([row[c] for row in body]):
            for row in body:
                row[c] = row[c].replace(",", "")
    return pd.DataFrame(body, columns=columns, dtype=object)


def wide_file_name(table: Table) -> str:
    """``table_<table_id>.csv``."""
    return f"table_{table.table_id}.csv"


@register_family
class TablesFamily(ReportFamily):
    """Any document: every table as a wide CSV, plus the cell list."""

    name = "tables"
    description = "any document: each table as a wide CSV (table_<id>.csv) and the cell list tables.csv"

    def claim(self, tables: Sequence[Table], free_lines: Sequence[str]) -> float:
        """Never claims: it is what a document no family claims gets."""
        return 0.0

    def read(self, tables: Sequence[Table], free_lines: Sequence[str],
             ocr_pages: frozenset[int] = frozenset()) -> FamilyOutput:
        marked: list[Table] = []
        for t in tables:
            k = header_rows_of(t)
            cells = tuple(replace(c, is_header=c.r < k, text=normalize_text(c.text)) for c in t.cells)
            marked.append(replace(t, kind="other", header_rows=k, cells=cells))
        rows = tables_to_cell_rows(marked)
        for row in rows:
            row["ocr"] = row["page"] in ocr_pages
        frames = {"tables.csv": records_to_frame(rows, CELL_COLUMNS)}
        for t in marked:
            frames[wide_file_name(t)] = table_to_wide_frame(t)
        title = next((normalize_text(t).strip() for t in free_lines if t.strip()), "")
        return FamilyOutput(frames, marked, title, None, [])

    def columns(self) -> dict[str, list[str]]:
        return {"tables.csv": CELL_COLUMNS}

    def summary(self, counts: dict[str, int]) -> str:
        wide = sorted(name for name in counts if name.startswith("table_"))
        return f"{len(wide)} wide table CSV(s) (table_<id>.csv)"
