"""Stage 4 — interpret: tables of cells -> the report's records.

Recognizes the KPI panel, the status legend, the status matrix and the detail tables by their
content (header words, status symbols, numbering — all from the profile), never by page or
position, and reads them into :class:`StatusItem`, :class:`Kpi`, :class:`Initiative` and
:class:`FigureRow` records. Public entry point: :func:`tables_to_report`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from dxextract.model import BBox, Cell, Table, Warning_
from dxextract.profile import Profile, load_profile
from dxextract.text.era import parse_fiscal_year
from dxextract.text.figures import parse_figures
from dxextract.text.normalize import fold_status, normalize_text
from dxextract.text.normalize import (
    title_lines as title_lines,  # moved to normalize; old imports keep working
)

KINDS = ("kpi_panel", "status_legend", "status_matrix", "detail", "other")


@dataclass(frozen=True)
class StatusItem:
    """One plan item × fiscal year of the status matrix."""

    report_fy: int | None
    strategy_no: int | None
    strategy: str
    measure_no: int | None
    measure: str
    item_no: int | None
    item: str
    fy: int
    status_symbol: str
    status_code: str
    page: int
    table_id: str
    r: int


@dataclass(frozen=True)
class Kpi:
    """One figure of the KPI panel (a KPI without a figure: value None)."""

    report_fy: int | None
    kpi_no: int | None
    label: str
    value: float | None
    unit: str
    qualifier: str
    raw: str
    page: int
    table_id: str
    bbox: BBox


@dataclass(frozen=True)
class Initiative:
    """One row of a detail table."""

    report_fy: int | None
    strategy_no: int | None
    measure_no: int | None
    measure: str
    seq: int
    activity: str
    departments: tuple[str, ...]
    result: str
    next_plan: str
    page: int
    table_id: str
    r: int
    cells: dict[str, Cell] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class FigureRow:
    """A measured figure inside a detail-table cell."""

    report_fy: int | None
    strategy_no: int | None
    measure_no: int | None
    seq: int
    column: str
    label: str
    value: float
    unit: str
    qualifier: str
    raw: str
    page: int
    table_id: str
    r: int
    c: int
    bbox: BBox


@dataclass(frozen=True)
class LegendEntry:
    """One line of the status legend."""

    symbol: str
    meaning: str
    code: str
    page: int


@dataclass
class Report:
    """Everything the interpret stage read from one document."""

    report_fy: int | None = None
    title: str = ""
    tables: list[Table] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    status_items: list[StatusItem] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)
    figures: list[FigureRow] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)


# --- small readers ----------------------------------------------------------------------------

_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}


def read_number(text: str) -> int | None:
    """Integer of a numbering mark: ① -> 1, (2) -> 2, 基本戦略3 -> 3, ３ -> 3."""
    t = normalize_text(text).strip()
    for ch in t:
        if ch in _CIRCLED:
            return _CIRCLED[ch]
    m = re.search(r"[0-9]+", t)
    return int(m.group()) if m else None


def one_line(text: str) -> str:
    """A cell text as one line (the contract forbids breaks in names): breaks join like wrapping."""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    out = ""
    for p in parts:
        if out and out[-1].isascii() and out[-1].isalnum() and p[0].isascii() and p[0].isalnum():
            out += " "
        out += p
    return out


def compact(text: str) -> str:
    """A short cell's text with every break and space removed: 「令和7年\n度」 -> 「令和7年度」.

    Narrow columns wrap even a year header or a status word; for matching they are one token.
    """
    return re.sub(r"\s+", "", normalize_text(text))


def status_of(text: str) -> str | None:
    """The status symbol a matrix cell holds (wrapping and look-alikes folded), or None.

    A status word with stray strokes around it (OCR's 「|6取り下|げ」) still counts: the
    word is tried again without ASCII noise when the whole text is not a status.
    """
    t = compact(text)
    sym = fold_status(t)
    if sym is None and len(t) > 2:
        core = re.sub(r"[|!¦_:;.,'\"`0-9]", "", t)
        if core != t and len(core) >= 2:
            sym = fold_status(core)
    return sym


def strip_prefix(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub("", text, count=1).strip()


def _body_cells(table: Table) -> list[Cell]:
    return [c for c in table.cells if c.r >= table.header_rows]


# --- recognizers --------------------------------------------------------------------------------


def _year_columns(table: Table, profile: Profile) -> tuple[int, dict[int, int]]:
    """(header row index, {column: fiscal year}) of the first row that names ≥2 年度."""
    for r in range(min(table.n_rows, 4)):
        years = {}
        for cell in table.cells:
            if cell.r == r and profile.year_header.search(compact(cell.text)):
                fy = parse_fiscal_year(compact(cell.text))
                if fy is not None:
                    years[cell.c] = fy
        if len(years) >= profile.matrix.min_year_columns:
            return r, {**_years_by_number(table, r, years), **years}
    return -1, {}


def _years_by_number(table: Table, r: int, years: dict[int, int]) -> dict[int, int]:
    """Header cells of row ``r`` that print a year number but that OCR damaged (信和5年度,
    令和5年 with 度 lost): the year follows from the headers that read cleanly, which all
    count years the same way (one offset between printed number and Western year)."""
    offsets = set()
    for c, fy in years.items():
        cell = table.cell_at(r, c)
        m = re.search(r"([0-9]{1,4})年", compact(cell.text)) if cell else None
        if m:
            offsets.add(fy - int(m.group(1)))
    if len(offsets) != 1:
        return {}
    offset = offsets.pop()
    out = {}
    for cell in table.cells:
        if cell.r == r and cell.c not in years:
            m = re.search(r"([0-9]{1,4})年", compact(cell.text))
            if m:
                out[cell.c] = int(m.group(1)) + offset
    return out


def _detail_roles(table: Table, profile: Profile) -> tuple[int, dict[str, int]]:
    """(header row, {role: column}) when a row names the detail-table columns."""
    for r in range(min(table.n_rows, 3)):
        roles: dict[str, int] = {}
        for cell in sorted((c for c in table.cells if c.r == r), key=lambda c: c.c):
            text = one_line(normalize_text(cell.text)).replace(" ", "")
            for role, pats in profile.detail_columns.items():
                if role not in roles and any(p.search(text) for p in pats):
                    roles[role] = cell.c
                    break
        need = profile.detail.header_roles_required
        if all(k in roles for k in need):
            return r, roles
    return -1, {}


def classify_table(table: Table, profile: Profile) -> str:
    """The table's kind, from its content."""
    texts = [normalize_text(c.text).strip() for c in table.cells]
    symbols = [c for c in table.cells if c.text.strip() and status_of(c.text) is not None]
    legend = profile.legend
    if (any(p.search(t) for p in legend.any_cell for t in texts)
            and len(symbols) >= legend.min_symbol_cells and table.n_cols <= legend.max_cols):
        return "status_legend"
    hdr, years = _year_columns(table, profile)
    if years:
        body = [c for c in table.cells if c.r > hdr and c.c in years]
        share = sum(1 for c in body if status_of(c.text) is not None) / max(1, len(body))
        if share >= profile.matrix.min_symbol_share:
            return "status_matrix"
    if _detail_roles(table, profile)[0] >= 0:
        return "detail"
    if _is_kpi_panel(table, profile):
        return "kpi_panel"
    return "other"


def _is_kpi_panel(table: Table, profile: Profile) -> bool:
    """Numbered labels (①…) spread over several columns, most with a value printed under them.

    A list of numbered items stacked in one column (an item list, a matrix without years)
    is not a KPI panel: the cell under each of its labels is the next label.
    """
    labels = [c for c in table.cells if profile.kpi_label.match(normalize_text(c.text).strip())]
    if len(labels) < profile.kpi.min_labels:
        return False
    if len({c.c for c in labels}) < 2:
        return False
    with_value = 0
    for cell in labels:
        below = table.cell_at(cell.r + cell.rowspan, cell.c)
        if below is not None and below.text.strip() and not profile.kpi_label.match(
                normalize_text(below.text).strip()):
            with_value += 1
    return with_value * 2 > len(labels)


# --- readers per kind -----------------------------------------------------------------------------


def read_legend(table: Table, profile: Profile | None = None) -> list[LegendEntry]:
    codes = (profile or load_profile()).status_codes
    out = []
    for row in table.rows():
        for cell in row:
            sym = status_of(cell.text) if cell.text.strip() else None
            if sym is None:
                continue
            meaning = [c for c in row if c is not cell and c.c == cell.c - 1]
            text = one_line(normalize_text(meaning[0].text)) if meaning else ""
            out.append(LegendEntry(sym, text, codes[sym], cell.page))
    return out


def _column_role(table: Table, cols: Sequence[int], profile: Profile, hdr: int) -> dict[str, int]:
    """Which left-hand column holds strategies, measures and items: by numbering marks."""
    roles: dict[str, int] = {}
    for role in ("strategy", "measure", "item"):
        pat = profile.matrix_columns[role]
        best, best_n = None, 0
        for c in cols:
            n = sum(1 for cell in table.cells if cell.c == c and cell.r > hdr
                    and pat.match(normalize_text(cell.text)))
            if n > best_n and c not in roles.values():
                best, best_n = c, n
        if best is not None:
            roles[role] = best
    return roles


def read_status_matrix(table: Table, profile: Profile, report_fy: int | None,
                       warnings: list[Warning_]) -> list[StatusItem]:
    hdr, years = _year_columns(table, profile)
    left = sorted({c.c for c in table.cells if c.c not in years})
    roles = _column_role(table, left, profile, hdr)
    if "item" not in roles:
        warnings.append(Warning_(f"table {table.table_id}: status matrix without an item column "
                                 "(no ①② numbering found)", table.pages[0], table.table_id))
        return []
    out: list[StatusItem] = []
    counters: dict[tuple[int | None, int | None], int] = {}
    numbers = _parent_numbers(table, roles, hdr, warnings)
    for r in range(hdr + 1, table.n_rows):
        item_cell = table.cell_at(r, roles["item"])
        if item_cell is None or item_cell.r != r:
            continue
        if not item_cell.text.strip():
            # an item whose text did not come through (OCR) still holds its place in the
            # numbering when its row carries status marks
            marks = [table.cell_at(r, c) for c in years]
            if not any(m is not None and m.r == r and status_of(m.text) for m in marks):
                continue
            warnings.append(Warning_(f"page {item_cell.page}, table {table.table_id}, r{r}: plan item "
                                     "without text; kept for its status marks", item_cell.page, table.table_id))
        strat = table.cell_at(r, roles["strategy"]) if "strategy" in roles else None
        meas = table.cell_at(r, roles["measure"]) if "measure" in roles else None
        s_text = one_line(normalize_text(strat.text)) if strat else ""
        m_text = one_line(normalize_text(meas.text)) if meas else ""
        i_text = one_line(normalize_text(item_cell.text))
        s_no = numbers.get((strat.r, strat.c)) if strat else None
        m_no = numbers.get((meas.r, meas.c)) if meas else None
        key = (s_no, m_no)
        counters[key] = counters.get(key, 0) + 1
        mark = profile.matrix_columns["item"].match(i_text)
        i_no = read_number(mark.group(1)) if mark else counters[key]
        for c, fy in sorted(years.items()):
            cell = table.cell_at(r, c)
            raw = compact(cell.text) if cell else ""
            sym = status_of(raw) if raw else "—"
            if sym is None:
                warnings.append(Warning_(
                    f"page {cell.page if cell else table.pages[0]}, table {table.table_id}, r{r}c{c}: "
                    f"unknown status symbol {raw!r} (expected ○ ▲ × 取り下げ —)", cell.page if cell else None,
                    table.table_id))
                continue
            out.append(StatusItem(
                report_fy=report_fy, strategy_no=s_no,
                strategy=strip_prefix(s_text, profile.number_prefix["strategy"]),
                measure_no=m_no, measure=strip_prefix(m_text, profile.number_prefix["measure"]),
                item_no=i_no, item=strip_prefix(i_text, profile.number_prefix["item"]),
                fy=fy, status_symbol=sym, status_code=profile.status_codes[sym],
                page=item_cell.page, table_id=table.table_id, r=r))
    return _checked_numbering(out, table, warnings)


def _parent_numbers(table: Table, roles: dict[str, int], hdr: int,
                    warnings: list[Warning_]) -> dict[tuple[int, int], int | None]:
    """The number of each strategy and measure cell (keyed by its (r, c)) of a status matrix.

    As printed (基本戦略3 -> 3, (2) -> 2) when they run 1, 2, 3 … (strategies over the table,
    measures within each strategy); else by order, with a warning: a misread or missing digit
    (OCR) must not merge two measures or put one under another's number.
    """
    out: dict[tuple[int, int], int | None] = {}
    order: dict[str, list[Cell]] = {"strategy": [], "measure": []}
    parent: dict[tuple[int, int], tuple[int, int] | None] = {}
    for r in range(hdr + 1, table.n_rows):
        strat = table.cell_at(r, roles["strategy"]) if "strategy" in roles else None
        meas = table.cell_at(r, roles["measure"]) if "measure" in roles else None
        for role, cell in (("strategy", strat), ("measure", meas)):
            if cell is not None and cell not in order[role]:
                order[role].append(cell)
        if meas is not None:
            parent.setdefault((meas.r, meas.c), (strat.r, strat.c) if strat else None)
    groups: dict[tuple[str, tuple[int, int] | None], list[Cell]] = {}
    for cell in order["strategy"]:
        groups.setdefault(("strategy", None), []).append(cell)
    for cell in order["measure"]:
        groups.setdefault(("measure", parent[(cell.r, cell.c)]), []).append(cell)
    for (role, _), cells in groups.items():
        printed = [read_number(one_line(normalize_text(c.text))) for c in cells]
        if printed == list(range(1, len(cells) + 1)):
            out.update({(c.r, c.c): n for c, n in zip(cells, printed, strict=True)})
            continue
        if all(n is None for n in printed):
            out.update({(c.r, c.c): None for c in cells})  # not numbered at all: leave it so
            continue
        warnings.append(Warning_(f"table {table.table_id}: {role} numbers read as {printed}, not "
                                 f"1..{len(cells)}; numbered by row order instead", table.pages[0], table.table_id))
        out.update({(c.r, c.c): n for n, c in enumerate(cells, start=1)})
    return out


def _checked_numbering(items: list[StatusItem], table: Table, warnings: list[Warning_]) -> list[StatusItem]:
    """Item numbers as printed when they run 1, 2, 3 … within each measure; else counted.

    A misread mark (OCR turns ② into ③, or drops it) would otherwise put an item under
    another's number; the order of the rows is the more reliable witness then.
    """
    rows: dict[tuple[int | None, int | None], dict[int, int | None]] = {}
    for it in items:
        rows.setdefault((it.strategy_no, it.measure_no), {}).setdefault(it.r, it.item_no)
    renumber: dict[int, int] = {}
    for (s_no, m_no), printed in rows.items():
        numbers = list(printed.values())
        if numbers != list(range(1, len(numbers) + 1)):
            warnings.append(Warning_(
                f"table {table.table_id}: strategy {s_no} measure {m_no}: item numbers read as {numbers}, "
                f"not 1..{len(numbers)}; numbered by row order instead", table.pages[0], table.table_id))
            renumber.update({r: n for n, r in enumerate(sorted(printed), start=1)})
    return [replace(it, item_no=renumber[it.r]) if it.r in renumber else it for it in items]


def read_kpi_panel(table: Table, profile: Profile, report_fy: int | None) -> list[Kpi]:
    """Each label cell (①…) with the value cell printed under it."""
    out: list[Kpi] = []
    for cell in table.cells:
        text = normalize_text(cell.text).strip()
        if not profile.kpi_label.match(text):
            continue
        no = read_number(text[:1])
        label = strip_prefix(one_line(text), profile.number_prefix["kpi"])
        below = [c for c in table.cells if c.r == cell.r + cell.rowspan and c.c == cell.c]
        if not below or profile.kpi_label.match(normalize_text(below[0].text).strip()):
            out.append(Kpi(report_fy, no, label, None, "", "", "", cell.page, table.table_id, cell.bbox))
            continue
        vcell = below[0]
        raw_text = normalize_text(vcell.text)
        figs = parse_figures(raw_text)
        if not figs:
            # a KPI printed as words: one row, no value; raw is its text on one line
            out.append(Kpi(report_fy, no, label, None, "", "", one_line(raw_text), vcell.page,
                           table.table_id, vcell.bbox))
        for f in figs:
            out.append(Kpi(report_fy, no, label, f.value, f.unit, f.qualifier, f.raw, vcell.page,
                           table.table_id, vcell.bbox))
    return sorted(out, key=lambda k: (k.kpi_no or 0))


_PAREN = re.compile(r"[（(]([^（）()]+)[）)]")


def departments_of(text: str, profile: Profile) -> tuple[str, ...]:
    """Department names a detail row credits: parenthesized lists of names ending in 課, 室, 署 …"""
    found: list[str] = []
    suffixes = profile.department_suffixes
    for m in _PAREN.finditer(text):
        words = [w for w in re.split(r"[\s・、,，]+", m.group(1)) if w]
        if words and all(w.endswith(suffixes) or w in profile.department_words or
                         re.fullmatch(r".+(館|署)[0-9]+館?", w) for w in words):
            found.extend(words)
    seen: dict[str, None] = {}
    for w in found:
        seen.setdefault(w, None)
    return tuple(seen)


def _known_measure(measure: str, m_no: int | None,
                   measures: dict[str, tuple[int | None, int | None]]) -> tuple[int | None, int | None] | None:
    """(strategy_no, measure_no) of the status matrix's measure this detail row's measure is.

    Exact text first; else the most similar measure text (a reworded measure, or OCR's
    misreadings), required to be clearly similar and, when the row prints a number, to agree
    with it.
    """
    if measure in measures:
        return measures[measure]
    if not measure:
        return None
    best, best_sim = None, 0.0
    for text, (s, m) in measures.items():
        if m_no is not None and m is not None and m != m_no:
            continue
        sim = difflib.SequenceMatcher(None, measure, text, autojunk=False).ratio()
        if sim > best_sim:
            best, best_sim = (s, m), sim
    return best if best_sim >= 0.6 else None


def read_detail(table: Table, profile: Profile, report_fy: int | None,
                strategy_no: int | None, measures: dict[str, tuple[int | None, int | None]]
                ) -> tuple[list[Initiative], list[FigureRow]]:
    hdr, roles = _detail_roles(table, profile)
    rows: list[Initiative] = []
    figures: list[FigureRow] = []
    counters: dict[tuple[int | None, int | None], int] = {}
    for r in range(hdr + 1, table.n_rows):
        starts = {c.c: c for c in table.cells if c.r == r}
        cells = {role: starts.get(col) for role, col in roles.items() if role != "measure"}
        if not any(c is not None and c.text.strip() for c in cells.values()):
            continue
        mcell = table.cell_at(r, roles["measure"])
        m_text = one_line(normalize_text(mcell.text)) if mcell else ""
        m_no = read_number(m_text) if profile.matrix_columns["measure"].match(m_text) else None
        measure = strip_prefix(m_text, profile.number_prefix["measure"])
        s_no = strategy_no
        known = _known_measure(measure, m_no, measures)
        if known is not None:
            s_no = s_no if s_no is not None else known[0]
            m_no = m_no if m_no is not None else known[1]
        key = (s_no, m_no)
        counters[key] = counters.get(key, 0) + 1
        texts = {role: normalize_text(c.text) if c else "" for role, c in cells.items()}
        first = next(c for c in cells.values() if c is not None)
        ini = Initiative(
            report_fy=report_fy, strategy_no=s_no, measure_no=m_no, measure=measure,
            seq=counters[key], activity=texts.get("activity", ""),
            departments=departments_of(texts.get("activity", ""), profile),
            result=texts.get("result", ""), next_plan=texts.get("next_plan", ""),
            page=first.page, table_id=table.table_id, r=r,
            cells={k: v for k, v in cells.items() if v is not None})
        rows.append(ini)
        for role in ("activity", "result", "next_plan"):
            cell = cells.get(role)
            if cell is None:
                continue
            for f in parse_figures(texts[role]):
                figures.append(FigureRow(
                    report_fy, s_no, m_no, ini.seq, role, f.label, f.value, f.unit, f.qualifier,
                    f.raw, cell.page, table.table_id, cell.r, cell.c, cell.bbox))
    return rows, figures


# --- the document -----------------------------------------------------------------------------


def find_report_fy(lines: Sequence[str], profile: Profile | None = None) -> int | None:
    """The fiscal year the report covers, from its title (…令和5年度実績報告): the profile's
    ``report_year`` pattern, group 1 the year."""
    pattern = (profile or load_profile()).report_year
    for text in lines:
        t = normalize_text(text)
        m = pattern.search(t)
        if m:
            return parse_fiscal_year(m.group(1) + "年度")
    return None


def _unexpected_table(t: Table, doing: str, e: Exception) -> Warning_:
    """An unexpected failure inside one table: a warning naming it; the document goes on."""
    return Warning_(f"page {t.pages[0]}, table {t.table_id}: {doing} failed ({type(e).__name__}: {e}); "
                    "its records are missing, its cells are in tables.csv", t.pages[0], t.table_id)


def tables_to_report(tables: Sequence[Table], free_lines: Sequence[str],
                     profile: Profile | None = None) -> Report:
    """Classify every table and read the report's records from those it recognizes."""
    profile = profile or load_profile()
    report = Report()
    report.report_fy = find_report_fy(free_lines, profile)
    report.title = next((normalize_text(t).strip() for t in free_lines if t.strip()), "")
    classified: list[Table] = []
    for t in tables:
        try:
            kind = classify_table(t, profile)
        except Exception as e:  # a table the family cannot read stays in tables.csv as `other`
            report.warnings.append(_unexpected_table(t, "classifying", e))
            kind = "other"
        header_rows = t.header_rows
        if kind == "status_matrix":
            header_rows = _year_columns(t, profile)[0] + 1
        elif kind == "detail":
            header_rows = _detail_roles(t, profile)[0] + 1
        elif kind in ("kpi_panel", "status_legend"):
            header_rows = 0
        # every text the pipeline outputs is normalized (CONTRACT: look-alikes folded)
        cells = tuple(replace(c, is_header=c.r < header_rows, text=normalize_text(c.text)) for c in t.cells)
        classified.append(replace(t, kind=kind, header_rows=header_rows, cells=cells))
    report.tables = classified
    for t in classified:
        try:
            if t.kind == "status_legend":
                report.legend.extend(read_legend(t, profile))
            elif t.kind == "status_matrix":
                report.status_items.extend(read_status_matrix(t, profile, report.report_fy, report.warnings))
            elif t.kind == "kpi_panel":
                report.kpis.extend(read_kpi_panel(t, profile, report.report_fy))
        except Exception as e:
            report.warnings.append(_unexpected_table(t, f"reading the {t.kind}", e))
    measures = {si.measure: (si.strategy_no, si.measure_no) for si in report.status_items}
    for t in classified:
        if t.kind != "detail":
            continue
        m = profile.caption_strategy.search(normalize_text(t.caption))
        s_no = int(normalize_text(m.group(1))) if m else None
        try:
            rows, figs = read_detail(t, profile, report.report_fy, s_no, measures)
        except Exception as e:
            report.warnings.append(_unexpected_table(t, "reading the detail table", e))
            continue
        report.initiatives.extend(rows)
        report.figures.extend(figs)
    for kind in ("kpi_panel", "status_matrix", "detail"):
        if not any(t.kind == kind for t in classified):
            report.warnings.append(Warning_(f"no {kind} table found (not this report's layout?)"))
    return report
