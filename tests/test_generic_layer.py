"""The generic table layer, through the CLI: ``python -m dxextract ingest`` -> ``tables.csv``.

Expected values come from the builders' own layouts (what they drew), never from an earlier
run of the tool. Each fixture is built fresh in a temporary folder and ingested once per module.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from conftest import cli_env
from pdf_builders import (
    CASES,
    ENCRYPTED_USER_PASSWORD,
    HORIZONTAL_MERGE,
    MIXED_TEXT,
    PAGE_BREAK,
    PAGE_BREAK_CUT_CELL,
    TYPED_TEXT,
    VERTICAL_MERGE,
    WRAP_VS_BREAKS,
    WRAPPED_LINES,
    WRAPPED_SENTENCE,
    TableLayout,
    expected_cells,
)

PDF_DIR = Path(__file__).resolve().parent / "pdfs"

TABLES_COLUMNS = ("table_id", "kind", "r", "c", "rowspan", "colspan", "text", "is_header",
                  "page", "x0", "top", "x1", "bottom")
KINDS = {"kpi_panel", "status_legend", "status_matrix", "detail", "other"}
BBOX_TOLERANCE = 2.0  # points: ruling lines are 0.75 pt wide; a tool may use their edge or centre

TABLE_CASES: dict[str, TableLayout] = {
    "vertical_merge": VERTICAL_MERGE,
    "horizontal_merge": HORIZONTAL_MERGE,
    "wrap_vs_breaks": WRAP_VS_BREAKS,
    "page_break_header": PAGE_BREAK,
}

Row = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def run_ingest(pdf: Path, out: Path, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real entry point, ``python -m dxextract ingest``, on the working tree's src/."""
    env = cli_env()
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "dxextract", "ingest", str(pdf), "--out", str(out), *extra],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace",
        timeout=300,
    )


def parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in {"true", "1", "yes"}:
        return True
    if v in {"false", "0", "no", ""}:
        return False
    raise AssertionError(f"is_header: cannot read {value!r} as a boolean")


def read_tables_csv(path: Path) -> list[Row]:
    """Read tables.csv with the csv module; check the contract columns; type the values."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in TABLES_COLUMNS if c not in (reader.fieldnames or [])]
        assert not missing, f"{path.name} lacks contract columns {missing}; has {reader.fieldnames}"
        rows: list[Row] = []
        for raw in reader:
            row: Row = dict(raw)
            for key in ("r", "c", "rowspan", "colspan", "page"):
                row[key] = int(raw[key])
            for key in ("x0", "top", "x1", "bottom"):
                row[key] = float(raw[key])
            row["is_header"] = parse_bool(raw["is_header"])
            rows.append(row)
    return rows


def assert_grid_partition(rows: Iterable[Row]) -> None:
    """Every grid position of every table is covered by exactly one cell (spans >= 1)."""
    by_table: dict[object, list[Row]] = defaultdict(list)
    for row in rows:
        by_table[row["table_id"]].append(row)
    problems: list[str] = []
    for table_id, cells in by_table.items():
        cover: Counter[tuple[int, int]] = Counter()
        for cell in cells:
            r, c, rs, cs = (int(cell[k]) for k in ("r", "c", "rowspan", "colspan"))
            if r < 0 or c < 0 or rs < 1 or cs < 1:
                problems.append(f"{table_id} r{r}c{c}: bad position/spans rowspan={rs} colspan={cs}")
                continue
            for i in range(r, r + rs):
                for j in range(c, c + cs):
                    cover[(i, j)] += 1
        if not cover:
            continue
        n_rows = max(i for i, _ in cover) + 1
        n_cols = max(j for _, j in cover) + 1
        for i in range(n_rows):
            for j in range(n_cols):
                if cover[(i, j)] != 1:
                    problems.append(f"{table_id} r{i}c{j}: covered by {cover[(i, j)]} cells")
    assert not problems, "grid is not a partition:\n" + "\n".join(problems)


def only_table(rows: list[Row]) -> list[Row]:
    """The rows of the one table a fixture holds (each table fixture draws exactly one)."""
    ids = sorted({str(row["table_id"]) for row in rows})
    assert len(ids) == 1, f"expected one table, got table_ids {ids}"
    return rows


def cell_at(rows: list[Row], r: int, c: int) -> Row:
    found = [row for row in rows if row["r"] == r and row["c"] == c]
    assert len(found) == 1, f"expected one cell with top-left r{r}c{c}, got {len(found)}: {found}"
    return found[0]


def structure(cells: Iterable[Row]) -> list[tuple[int, int, int, int, str]]:
    """(r, c, rowspan, colspan, text), sorted: the comparable skeleton of a table."""
    return sorted((int(x["r"]), int(x["c"]), int(x["rowspan"]), int(x["colspan"]), str(x["text"])) for x in cells)


@pytest.fixture(scope="module")
def ingest(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[Row]]:
    """Build fixture ``case`` fresh, ingest it once, return its tables.csv rows."""
    cache: dict[str, list[Row]] = {}

    def run(case: str) -> list[Row]:
        if case not in cache:
            base = tmp_path_factory.mktemp(case)
            pdf = CASES[case](base / f"{case}.pdf")
            out = base / "out"
            proc = run_ingest(pdf, out, cwd=base)
            assert proc.returncode in (0, 1), (
                f"ingest {case}.pdf exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
            cache[case] = read_tables_csv(out / "tables.csv")
        return cache[case]

    return run


# --------------------------------------------------------------------------- the builders themselves


@pytest.mark.parametrize("case", TABLE_CASES)
def test_builder_layouts_are_grid_partitions(case: str) -> None:
    # guards the fixtures (and assert_grid_partition) independently of the tool
    rows = [{"table_id": "t01", **vars(cell)} for cell in expected_cells(TABLE_CASES[case])]
    assert_grid_partition(rows)


def test_assert_grid_partition_catches_gaps_and_overlaps() -> None:
    base = {"table_id": "t01", "colspan": 1}
    with pytest.raises(AssertionError, match="r1c0: covered by 0"):
        assert_grid_partition([{**base, "r": 0, "c": 0, "rowspan": 1}, {**base, "r": 2, "c": 0, "rowspan": 1}])
    with pytest.raises(AssertionError, match="r1c0: covered by 2"):
        assert_grid_partition([{**base, "r": 0, "c": 0, "rowspan": 2}, {**base, "r": 1, "c": 0, "rowspan": 1}])


def _page_texts(path: Path) -> list[tuple[str, int]]:
    password = ENCRYPTED_USER_PASSWORD if path.stem == "encrypted" else None
    with pdfplumber.open(path, password=password) as pdf:
        return [(page.extract_text(), len(page.images)) for page in pdf.pages]


@pytest.mark.parametrize("case", CASES)
def test_committed_fixtures_match_builders(case: str, tmp_path: Path) -> None:
    committed = PDF_DIR / f"{case}.pdf"
    assert committed.exists(), f"{committed} missing: run .venv/bin/python tests/make_fixtures.py"
    fresh = CASES[case](tmp_path / f"{case}.pdf")
    assert _page_texts(committed) == _page_texts(fresh), (
        f"{committed.name} is stale: run .venv/bin/python tests/make_fixtures.py")


def test_builder_japanese_text_survives_extraction(tmp_path: Path) -> None:
    # the CID font route only works if pdfplumber gives back the Unicode we drew
    pdf = CASES["wrap_vs_breaks"](tmp_path / "w.pdf")
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    for line in (*WRAPPED_LINES, *TYPED_TEXT.split("\n")):
        assert line in text


# --------------------------------------------------------------------------- every table fixture


@pytest.mark.parametrize("case", TABLE_CASES)
def test_tables_csv_follows_contract(case: str, ingest: Callable[[str], list[Row]]) -> None:
    rows = ingest(case)
    assert rows, "tables.csv has no rows"
    for row in rows:
        assert re.fullmatch(r"t\d{2,}", str(row["table_id"])), row["table_id"]
        assert row["kind"] in KINDS, row["kind"]
    assert len({(row["table_id"], row["kind"]) for row in rows}) == len({row["table_id"] for row in rows}), (
        "one table_id has several kinds")
    only_table(rows)


@pytest.mark.parametrize("case", TABLE_CASES)
def test_grid_is_partition(case: str, ingest: Callable[[str], list[Row]]) -> None:
    assert_grid_partition(ingest(case))


@pytest.mark.parametrize("case", TABLE_CASES)
def test_cells_match_what_was_drawn(case: str, ingest: Callable[[str], list[Row]]) -> None:
    assert structure(ingest(case)) == structure(vars(cell) for cell in expected_cells(TABLE_CASES[case]))


@pytest.mark.parametrize("case", TABLE_CASES)
def test_page_and_bbox_say_where_each_cell_was_printed(case: str, ingest: Callable[[str], list[Row]]) -> None:
    rows = ingest(case)
    wrong = []
    for exp in expected_cells(TABLE_CASES[case]):
        got = cell_at(rows, exp.r, exp.c)
        if got["page"] != exp.page:
            wrong.append(f"r{exp.r}c{exp.c}: page {got['page']}, drawn on page {exp.page}")
        for key in ("x0", "top", "x1", "bottom"):
            if abs(float(got[key]) - getattr(exp, key)) > BBOX_TOLERANCE:
                wrong.append(f"r{exp.r}c{exp.c}: {key}={got[key]}, drawn at {getattr(exp, key):.1f}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- merges


def test_vertical_merge_is_one_cell_with_rowspan(ingest: Callable[[str], list[Row]]) -> None:
    rows = only_table(ingest("vertical_merge"))
    strategy1 = [row for row in rows if row["text"] == "基本戦略1"]
    assert len(strategy1) == 1, f"merged cell must be one row, never copies: {strategy1}"
    assert (strategy1[0]["r"], strategy1[0]["c"], strategy1[0]["rowspan"], strategy1[0]["colspan"]) == (1, 0, 3, 1)
    strategy2 = cell_at(rows, 4, 0)
    assert (strategy2["text"], strategy2["rowspan"]) == ("基本戦略2", 2)
    # nothing else starts inside the merged cells
    assert not [row for row in rows if row["c"] == 0 and row["r"] in (2, 3, 5)]
    assert_grid_partition(rows)


def test_horizontal_merge_header_spans_two_columns(ingest: Callable[[str], list[Row]]) -> None:
    rows = only_table(ingest("horizontal_merge"))
    for c, year in ((1, "令和5年度"), (3, "令和6年度")):
        cell = cell_at(rows, 0, c)
        assert (cell["text"], cell["rowspan"], cell["colspan"]) == (year, 1, 2)
        assert [row["text"] for row in rows].count(year) == 1
    assert not [row for row in rows if row["r"] == 0 and row["c"] in (2, 4)]
    label = cell_at(rows, 0, 0)
    assert (label["text"], label["rowspan"], label["colspan"]) == ("指標名", 2, 1)
    assert [cell_at(rows, 1, c)["text"] for c in range(1, 5)] == ["目標", "実績", "目標", "実績"]
    assert_grid_partition(rows)


# --------------------------------------------------------------------------- wrapping vs typed breaks


def test_automatic_wrap_is_joined_without_space(ingest: Callable[[str], list[Row]]) -> None:
    assert len(WRAPPED_LINES) > 3  # the builder really wrapped it
    cell = cell_at(ingest("wrap_vs_breaks"), 1, 1)
    assert "\n" not in str(cell["text"])
    assert cell["text"] == WRAPPED_SENTENCE


def test_typed_breaks_are_kept(ingest: Callable[[str], list[Row]]) -> None:
    cell = cell_at(ingest("wrap_vs_breaks"), 2, 1)
    assert str(cell["text"]).split("\n") == TYPED_TEXT.split("\n")


def test_wrapped_bullets_keep_only_typed_breaks(ingest: Callable[[str], list[Row]]) -> None:
    cell = cell_at(ingest("wrap_vs_breaks"), 3, 1)
    assert str(cell["text"]).split("\n") == MIXED_TEXT.split("\n")


# --------------------------------------------------------------------------- a table over a page break


def test_page_break_is_one_table(ingest: Callable[[str], list[Row]]) -> None:
    rows = ingest("page_break_header")
    assert {row["page"] for row in rows} == {1, 2}
    only_table(rows)


def test_page_break_repeated_header_appears_once(ingest: Callable[[str], list[Row]]) -> None:
    rows = only_table(ingest("page_break_header"))
    texts = Counter(str(row["text"]) for row in rows)
    header = [cell.text for cell in PAGE_BREAK.cells if cell.is_header]
    assert {t: texts[t] for t in header} == dict.fromkeys(header, 1)
    assert sorted(str(row["text"]) for row in rows if row["is_header"]) == sorted(header)
    assert {row["page"] for row in rows if row["is_header"]} == {1}


def test_page_break_rows_keep_counting(ingest: Callable[[str], list[Row]]) -> None:
    rows = only_table(ingest("page_break_header"))
    assert sorted({int(row["r"]) for row in rows}) == list(range(PAGE_BREAK.n_rows))
    page2_rows = PAGE_BREAK.parts[1].rows[1:]  # after the repeated header
    for r in page2_rows:
        assert cell_at(rows, r, 1)["page"] == 2


def test_page_break_cut_cell_spans_both_pages(ingest: Callable[[str], list[Row]]) -> None:
    rows = only_table(ingest("page_break_header"))
    r, c = PAGE_BREAK_CUT_CELL
    cell = cell_at(rows, r, c)
    drawn = next(x for x in PAGE_BREAK.cells if (x.r, x.c) == PAGE_BREAK_CUT_CELL)
    assert (cell["text"], cell["rowspan"], cell["page"]) == (drawn.text, drawn.rowspan, 1)
    assert set(range(r, r + drawn.rowspan)) & set(PAGE_BREAK.parts[1].rows), "fixture: the cell must be cut"
    # the empty box at the top of page 2 is part of that cell, not a cell of its own
    assert not [row for row in rows if row["c"] == 0 and row["page"] == 2 and row["text"] == ""]
    assert_grid_partition(rows)
