"""Stage — panel: the ingest outputs of several years of one report series -> one row per plan
item, KPI figure and detail-table figure, one column per fiscal year.

Public entry point: :func:`years_to_panel` (each year's frames in, ``status_panel.csv``,
``kpi_panel.csv`` and ``figures_panel.csv`` frames out). Records are followed from year to
year with compare's :func:`~dxextract.output.compare.match_items`, so a plan item that was reworded
or renumbered stays one row: each year's rows are matched against the latest wording of every
row followed so far, within the same measure. A KPI is followed by its number; a detail row by
its heading line within its measure, and its figures by their label within the same unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dxextract.output.compare import MIN_SIMILARITY, match_items, own_year

#: a detail row's heading (「■…」, its first line) is short and carries the year's news, so it
#: changes more than a plan item: the r5 -> r6 corpus pairs go down to 0.52 (「■窓口での放課後児童
#: クラブ入退所申請を…」 -> 「■放課後児童クラブ入退所申請を…」) while other rows of one measure
#: stay below 0.47 of each other
INITIATIVE_SIMILARITY = 0.5
#: figure labels are matched within one unit of one detail row: 「テストに同意した人数」 and
#: 「同意した人数」 (0.75) are one figure; the plan items' threshold serves
FIGURE_SIMILARITY = MIN_SIMILARITY

PANEL_FILES = ("status_panel.csv", "kpi_panel.csv", "figures_panel.csv")


@dataclass(frozen=True)
class YearFrames:
    """One year of the series: its report year and its ingest folder's frames."""

    report_fy: int
    frames: dict[str, pd.DataFrame]


@dataclass
class _Track:
    """One record followed across years: its row in each year that has it."""

    rows: dict[int, pd.Series] = field(default_factory=dict)

    def latest(self) -> pd.Series:
        return self.rows[max(self.rows)]


def _key(row: pd.Series, group: Sequence[str]) -> tuple:
    return tuple(row[g] for g in group)


def _pairs(latest: pd.DataFrame, rows: pd.DataFrame, text: str, number: str, min_similarity: float,
           by_order: bool) -> list[tuple[int | None, int | None, float]]:
    """compare's matching; with ``by_order``, what it leaves unmatched on both sides, when as
    many on each side, is paired in order (a row printing as many figures of one unit as the
    year before lists the same measurements: 「健康医療政策課」 -> 「健康増進課」, 0.43, is one)."""
    if latest.empty:
        return [(None, j, 0.0) for j in range(len(rows))]
    pairs = match_items(latest, rows, text, number, min_similarity)
    olds = [i for i, j, _ in pairs if j is None and i is not None]
    news = [j for i, j, _ in pairs if i is None and j is not None]
    if not by_order or not olds or len(olds) != len(news):
        return pairs
    kept = [p for p in pairs if p[0] is not None and p[1] is not None]
    return kept + [(i, j, 0.0) for i, j in zip(sorted(olds), sorted(news), strict=True)]


def follow(years: Sequence[tuple[int, pd.DataFrame]], group: Sequence[str], text: str, number: str,
           min_similarity: float, by_order: bool = False) -> list[_Track]:
    """Records of every year, followed: within each ``group`` key, a year's rows are matched by
    ``text`` (``number`` breaks ties) to the latest row of the tracks of that key (see
    :func:`_pairs` for ``by_order``)."""
    tracks: list[_Track] = []
    for fy, frame in years:
        if frame.empty:
            continue
        for key, rows in frame.groupby(list(group), sort=True, dropna=False):
            rows = rows.reset_index(drop=True)
            key = key if isinstance(key, tuple) else (key,)
            mine = [t for t in tracks if _key(t.latest(), group) == key]
            latest = pd.DataFrame([t.latest() for t in mine]).reset_index(drop=True)
            for i, j, _sim in _pairs(latest, rows, text, number, min_similarity, by_order):
                if j is None:
                    continue
                if i is None:
                    tracks.append(_Track({fy: rows.iloc[j]}))
                else:
                    mine[i].rows[fy] = rows.iloc[j]
    return tracks


def _get(track: _Track, fy: int, column: str) -> object:
    row = track.rows.get(fy)
    if row is None or column not in row or pd.isna(row[column]):
        return None
    value = row[column]
    return value.item() if hasattr(value, "item") else value


def _per_year(track: _Track, fys: Sequence[int], columns: Sequence[str]) -> dict[str, object]:
    """``<column>_<fy>`` for every column and year, grouped by column."""
    return {f"{col}_{fy}": _get(track, fy, col) for col in columns for fy in fys}


def _strategy_names(years: Sequence[YearFrames]) -> dict[int, str]:
    """基本戦略 number -> its name, the latest year's wording (only status items carry it)."""
    names: dict[int, str] = {}
    for year in years:
        items = year.frames["status_items.csv"]
        for no, name in zip(items.get("strategy_no", []), items.get("strategy", []), strict=False):
            if pd.notna(no) and pd.notna(name):
                names[int(no)] = str(name)
    return names


def status_panel(years: Sequence[YearFrames]) -> pd.DataFrame:
    """One row per plan item: each report's status for its own year, with the item followed
    across rewording and renumbering (``reworded``: the wording differs between years)."""
    fys = [y.report_fy for y in years]
    own = [(y.report_fy, own_year(y.frames["status_items.csv"])) for y in years]
    tracks = follow(own, ("strategy_no", "measure_no"), "item", "item_no", MIN_SIMILARITY)
    rows = []
    for t in tracks:
        last = t.latest()
        texts = {str(r["item"]) for r in t.rows.values()}
        rows.append({"strategy_no": int(last["strategy_no"]), "strategy": last.get("strategy"),
                     "measure_no": int(last["measure_no"]), "measure": last.get("measure"),
                     "item_no": int(last["item_no"]), "item": last["item"], "reworded": len(texts) > 1,
                     **_per_year(t, fys, ("status", "page", "item_no", "item"))})
    cols = (["strategy_no", "strategy", "measure_no", "measure", "item_no", "item", "reworded"]
            + [f"{c}_{fy}" for c in ("status", "page", "item_no", "item") for fy in fys])
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["strategy_no", "measure_no", "item_no"], kind="stable").reset_index(drop=True)


def _with_status(items: pd.DataFrame) -> pd.DataFrame:
    return items.assign(status=items["status_symbol"]) if "status_symbol" in items else items


def _numbered(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``unit`` empty rather than missing, and ``pos``: the row's place among the rows of ``by``
    (the tie-breaker between two figures of one unit)."""
    out = frame.assign(unit=frame["unit"].fillna("").astype(str))
    return out.assign(pos=out.groupby(list(by), dropna=False).cumcount())


def kpi_panel(years: Sequence[YearFrames]) -> pd.DataFrame:
    """One row per KPI figure (KPI number and unit; a KPI without a figure: one row), its
    value, printed text and page in each year."""
    fys = [y.report_fy for y in years]
    per_year = [(y.report_fy, _numbered(y.frames["kpis.csv"], ["kpi_no", "unit"])) for y in years]
    tracks = follow(per_year, ("kpi_no", "unit"), "label", "pos", 0.0)
    rows = []
    for t in tracks:
        last = t.latest()
        rows.append({"kpi_no": int(last["kpi_no"]), "label": last["label"], "unit": last["unit"] or None,
                     **_per_year(t, fys, ("value", "qualifier", "raw", "page", "label")), "_pos": last["pos"]})
    cols = (["kpi_no", "label", "unit"]
            + [f"{c}_{fy}" for c in ("value", "qualifier", "raw", "page", "label") for fy in fys])
    df = pd.DataFrame(rows, columns=[*cols, "_pos"])
    return df.sort_values(["kpi_no", "_pos", "unit"], kind="stable").drop(columns="_pos").reset_index(drop=True)


def _heading(activity: object) -> str:
    """A detail row's first line (「■放課後児童クラブ…」): what the row is about."""
    return str(activity).split("\n", 1)[0] if pd.notna(activity) else ""


def initiative_tracks(years: Sequence[YearFrames]) -> list[_Track]:
    """Detail-table rows followed across years within their measure, by their heading line."""
    per_year = []
    for y in years:
        ini = y.frames["initiatives.csv"]
        per_year.append((y.report_fy, ini.assign(heading=[_heading(a) for a in ini["activity"]])))
    return follow(per_year, ("strategy_no", "measure_no"), "heading", "seq", INITIATIVE_SIMILARITY)


def _figures_of(track: _Track, years: Sequence[YearFrames]) -> list[tuple[int, pd.DataFrame]]:
    """Each year's figures of one followed detail row, numbered within their unit."""
    out = []
    for y in years:
        row = track.rows.get(y.report_fy)
        if row is None:
            continue
        fig = y.frames["figures.csv"]
        mine = fig[(fig.strategy_no == row["strategy_no"]) & (fig.measure_no == row["measure_no"])
                   & (fig.seq == row["seq"])].reset_index(drop=True)
        out.append((y.report_fy, _numbered(mine, ["unit"]).assign(order=range(len(mine)))))
    return out


def figures_panel(years: Sequence[YearFrames]) -> pd.DataFrame:
    """One row per figure of a detail row: the same row (by heading) and label (within its
    unit) across years; value, printed text, page and seq in each year."""
    fys = [y.report_fy for y in years]
    names = _strategy_names(years)
    rows = []
    for ini in initiative_tracks(years):
        head = ini.latest()
        for t in follow(_figures_of(ini, years), ("unit",), "label", "pos", FIGURE_SIMILARITY, by_order=True):
            last = t.latest()
            labels = {str(r["label"]) for r in t.rows.values()}
            rows.append({"strategy_no": int(head["strategy_no"]), "strategy": names.get(int(head["strategy_no"])),
                         "measure_no": int(head["measure_no"]), "measure": head["measure"],
                         "seq": int(head["seq"]), "initiative": head["heading"], "column": last["column"],
                         "label": last["label"], "unit": last["unit"] or None, "relabelled": len(labels) > 1,
                         **_per_year(t, fys, ("value", "qualifier", "raw", "page", "seq", "label")),
                         "_order": last["order"]})
    cols = (["strategy_no", "strategy", "measure_no", "measure", "seq", "initiative", "column", "label", "unit",
             "relabelled"] + [f"{c}_{fy}" for c in ("value", "qualifier", "raw", "page", "seq", "label") for fy in fys])
    df = pd.DataFrame(rows, columns=[*cols, "_order"])
    return (df.sort_values(["strategy_no", "measure_no", "seq", "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def years_to_panel(years: Sequence[YearFrames]) -> dict[str, pd.DataFrame]:
    """The three panel files for years of one series (sorted here, oldest first)."""
    ordered = sorted(years, key=lambda y: y.report_fy)
    ordered = [YearFrames(y.report_fy, {**y.frames,
                                        "status_items.csv": _with_status(y.frames["status_items.csv"])})
               for y in ordered]
    return {"status_panel.csv": status_panel(ordered), "kpi_panel.csv": kpi_panel(ordered),
            "figures_panel.csv": figures_panel(ordered)}
