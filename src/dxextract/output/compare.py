"""Stage — compare: two ingest outputs of consecutive years -> year-over-year tables.

Public entry points: :func:`compare_frames` (frames in, ``yoy_status.csv`` and ``yoy_kpis.csv``
frames out), :func:`read_output` (an ingest folder as frames) and :func:`check_series` (the
folders are years of one report series, in order). Plan items are matched within each measure
by their text, so an item that was reworded or renumbered is still the same item; the
numbering only breaks ties (:func:`match_items`, reused by the panel across many years).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dxextract.errors import InputError, SeriesError
from dxextract.text.era import without_fiscal_years

if TYPE_CHECKING:
    from dxextract.families import ReportFamily

#: × < ▲ < ○; a move to or from 取り下げ or — is a change without a direction (the DX profile's
#: ``status_rank``; the default when none is given)
_RANK: Mapping[str, int] = {"×": 0, "▲": 1, "○": 2}
#: two item texts below this similarity are different items
MIN_SIMILARITY = 0.6

YOY_STATUS = ["strategy_no", "strategy", "measure_no", "measure", "item_no", "item_no_old", "item_old",
              "item_new", "status_old", "status_new", "change", "reworded", "similarity", "fy_old", "fy_new",
              "page_old", "page_new"]
YOY_KPIS = ["kpi_no", "label_old", "label_new", "unit", "value_old", "value_new", "delta", "page_old", "page_new"]

#: the files compare reads; the panel and the report read the others too
COMPARED = ("status_items.csv", "kpis.csv")
#: text columns that must stay text even when a year's cells all look like numbers
_TEXT = {"item": "string", "label": "string", "strategy": "string", "measure": "string", "activity": "string",
         "raw": "string", "qualifier": "string", "unit": "string", "message": "string"}


def read_output(folder: Path, names: Sequence[str] = COMPARED) -> dict[str, pd.DataFrame]:
    """The CSVs ``names`` of one ``dxextract ingest`` folder."""
    if not (folder / "manifest.json").exists():
        raise InputError(f"{folder}: not a dxextract output folder (no manifest.json)")
    frames = {}
    for name in names:
        path = folder / name
        if not path.exists():
            raise InputError(f"{folder}: {name} missing")
        frames[name] = pd.read_csv(path, dtype=_TEXT, keep_default_na=True)
    return frames


@dataclass(frozen=True)
class Edition:
    """One ingest folder as one year of a report series, from its manifest."""

    folder: Path
    lg_code: str
    municipality: str
    #: the profile that read it (the report family)
    family: str
    #: the title without its fiscal years: the same for every year of one series
    series: str
    report_fy: int | None
    #: the source PDF's name and sha256 (what the folder was read from)
    source: str = ""
    sha256: str = ""


def read_edition(folder: Path) -> Edition:
    """The manifest of ``folder`` as an :class:`Edition`."""
    path = folder / "manifest.json"
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{folder}: not a dxextract output folder (no manifest.json)") from None
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read the manifest ({e})") from e
    fy = man.get("report_fy")
    return Edition(folder=folder, lg_code=str(man.get("lg_code") or ""),
                   municipality=str(man.get("municipality") or ""), family=str(man.get("profile") or ""),
                   series="".join(without_fiscal_years(str(man.get("title") or "")).split()),
                   report_fy=int(fy) if fy is not None else None, source=str(man.get("source") or ""),
                   sha256=str(man.get("sha256") or ""))


def family_of(edition: Edition) -> ReportFamily:
    """The report family that read ``edition`` (its manifest's ``profile``); any other name is
    a profile of the DX family (what every folder read before families were named holds), and
    one that is not installed here falls back to the DX family's own."""
    from dxextract.errors import ProfileError
    from dxextract.families import FAMILIES, get_family

    if edition.family in FAMILIES:
        return get_family(edition.family)
    try:
        return get_family("dx_report", edition.family or None)
    except ProfileError:
        return get_family("dx_report")


def _differ(editions: Sequence[Edition], what: str, key: Callable[[Edition], str]) -> list[str]:
    values = list(dict.fromkeys(key(e) for e in editions))
    if len(values) <= 1:
        return []
    return [f"different {what} (" + "; ".join(f"{e.folder.name}: {key(e)}" for e in editions) + ")"]


def series_problems(editions: Sequence[Edition], ordered: bool = True) -> list[str]:
    """Why ``editions`` are not successive years of one report series (empty: they are).

    Other municipalities, other report families (profile, or title without its years), a
    year named twice or not at all, and (``ordered``) years not rising in the order given.
    """
    problems = _differ(editions, "municipalities", lambda e: f"{e.municipality} {e.lg_code}".strip() or "unknown")
    problems += _differ(editions, "report families", lambda e: f"{e.family} 「{e.series}」")
    years = [e.report_fy for e in editions]
    missing = [e.folder.name for e in editions if e.report_fy is None]
    if missing:
        problems.append(f"no report year in the manifest of {', '.join(missing)}")
    twice = sorted({y for y in years if y is not None and years.count(y) > 1})
    if twice:
        problems.append("the same year twice (" + ", ".join(
            f"{y}: {', '.join(e.folder.name for e in editions if e.report_fy == y)}" for y in twice) + ")")
    known = [y for y in years if y is not None]
    if ordered and not twice and known != sorted(known):
        problems.append("years in the wrong order (" + " -> ".join(
            f"{e.folder.name}: {e.report_fy}" for e in editions) + "; give the older year first)")
    return problems


def check_series(editions: Sequence[Edition], force: bool, doing: str, ordered: bool = True) -> list[str]:
    """Refuse (:class:`SeriesError`, exit 2) folders that are not years of one series in order;
    with ``force``, the problems come back as warnings instead."""
    problems = series_problems(editions, ordered)
    if problems and not force:
        raise SeriesError(f"{doing}: " + "; ".join(problems) + f"; {doing} needs years of one report series "
                          "(nothing was written; pass --force to go on anyway)")
    return problems


def change_of(old: str | None, new: str | None, rank: Mapping[str, int] = _RANK) -> str:
    """unchanged, improved, worsened, changed, added or removed (``rank``: status -> order)."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old == new:
        return "unchanged"
    if old in rank and new in rank:
        return "improved" if rank[new] > rank[old] else "worsened"
    return "changed"


def own_year(items: pd.DataFrame) -> pd.DataFrame:
    """One row per plan item: its status for the report's own fiscal year."""
    if items.empty:
        return items
    own = items[items["fy"] == items["report_fy"]]
    return own.drop_duplicates(["strategy_no", "measure_no", "item_no"])


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def match_items(old: pd.DataFrame, new: pd.DataFrame, text: str = "item", number: str = "item_no",
                min_similarity: float = MIN_SIMILARITY) -> list[tuple[int | None, int | None, float]]:
    """Pairs of row positions (old, new) of the same plan item within one measure, by text.

    Greedy on similarity, with the same item number as a tie-breaker; unmatched rows pair
    with None (removed or added). ``text`` and ``number`` name the columns, so detail rows
    (their heading line and ``seq``) and figures (their label) are matched the same way.
    """
    scores = []
    old_texts, new_texts = [str(t) for t in old[text]], [str(t) for t in new[text]]
    old_nos, new_nos = list(old[number]), list(new[number])
    for i, o in enumerate(old_texts):
        for j, n in enumerate(new_texts):
            sim = _similarity(o, n)
            if sim >= min_similarity:
                scores.append((sim + (0.05 if old_nos[i] == new_nos[j] else 0.0), sim, i, j))
    scores.sort(key=lambda t: (-t[0], t[2], t[3]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[int | None, int | None, float]] = []
    for _score, sim, i, j in scores:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((i, j, sim))
    pairs += [(i, None, 0.0) for i in range(len(old)) if i not in used_old]
    pairs += [(None, j, 0.0) for j in range(len(new)) if j not in used_new]
    return pairs


def _text(row: pd.Series | None, column: str) -> str | None:
    """A text field of a record, None when the record or the column is missing."""
    if row is None or column not in row or pd.isna(row[column]):
        return None
    return str(row[column])


def _page(row: pd.Series | None) -> int | None:
    """The 1-based page a record was printed on, if it says."""
    if row is None or "page" not in row or pd.isna(row["page"]):
        return None
    return int(row["page"])


def compare_status(old_items: pd.DataFrame, new_items: pd.DataFrame,
                   rank: Mapping[str, int] = _RANK) -> pd.DataFrame:
    old, new = own_year(old_items), own_year(new_items)
    rows = []
    keys = sorted({(s, m) for s, m in zip(old.get("strategy_no", []), old.get("measure_no", []), strict=False)}
                  | {(s, m) for s, m in zip(new.get("strategy_no", []), new.get("measure_no", []), strict=False)})
    for s_no, m_no in keys:
        o = old[(old.strategy_no == s_no) & (old.measure_no == m_no)].sort_values("item_no").reset_index(drop=True)
        n = new[(new.strategy_no == s_no) & (new.measure_no == m_no)].sort_values("item_no").reset_index(drop=True)
        for i, j, sim in match_items(o, n):
            orow = o.iloc[i] if i is not None else None
            nrow = n.iloc[j] if j is not None else None
            s_old = orow.status_symbol if orow is not None else None
            s_new = nrow.status_symbol if nrow is not None else None
            named = nrow if nrow is not None else orow
            rows.append({
                "strategy_no": s_no, "strategy": _text(named, "strategy"),
                "measure_no": m_no, "measure": _text(named, "measure"),
                "item_no": int(nrow.item_no) if nrow is not None else int(orow.item_no),  # type: ignore[union-attr]
                "item_no_old": int(orow.item_no) if orow is not None else None,
                "item_old": orow["item"] if orow is not None else None,
                "item_new": nrow["item"] if nrow is not None else None,
                "status_old": s_old, "status_new": s_new, "change": change_of(s_old, s_new, rank),
                "reworded": bool(orow is not None and nrow is not None and orow["item"] != nrow["item"]),
                "similarity": round(sim, 3) if orow is not None and nrow is not None else None,
                "fy_old": int(orow.fy) if orow is not None else None,
                "fy_new": int(nrow.fy) if nrow is not None else None,
                "page_old": _page(orow), "page_new": _page(nrow),
            })
    df = pd.DataFrame(rows, columns=YOY_STATUS)
    return df.sort_values(["strategy_no", "measure_no", "item_no", "item_no_old"], na_position="last",
                          kind="stable").reset_index(drop=True)


def _first_page(rows: pd.DataFrame) -> int | None:
    if "page" not in rows:
        return None
    pages = rows["page"].dropna()
    return int(pages.iloc[0]) if len(pages) else None


def compare_kpis(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """KPIs by number, figures paired by unit (⑦ 59回 317人 gives two rows)."""
    rows = []
    for no in sorted(set(old.kpi_no.dropna()) | set(new.kpi_no.dropna())):
        o = old[old.kpi_no == no]
        n = new[new.kpi_no == no]
        label_old = o.label.iloc[0] if len(o) else None
        label_new = n.label.iloc[0] if len(n) else None
        units = list(dict.fromkeys([*o.unit.dropna(), *n.unit.dropna()]))
        for unit in units or [None]:
            ov = o[o.unit == unit].value if unit is not None else o.value
            nv = n[n.unit == unit].value if unit is not None else n.value
            v_old = float(ov.iloc[0]) if len(ov) and pd.notna(ov.iloc[0]) else None
            v_new = float(nv.iloc[0]) if len(nv) and pd.notna(nv.iloc[0]) else None
            delta = round(v_new - v_old, 6) if v_old is not None and v_new is not None else None
            rows.append({"kpi_no": int(no), "label_old": label_old, "label_new": label_new, "unit": unit,
                         "value_old": v_old, "value_new": v_new, "delta": delta,
                         "page_old": _first_page(o), "page_new": _first_page(n)})
    return pd.DataFrame(rows, columns=YOY_KPIS)


def compare_frames(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame],
                   rank: Mapping[str, int] = _RANK) -> dict[str, pd.DataFrame]:
    """``yoy_status.csv`` and ``yoy_kpis.csv`` for two consecutive years' outputs."""
    return {
        "yoy_status.csv": compare_status(old["status_items.csv"], new["status_items.csv"], rank),
        "yoy_kpis.csv": compare_kpis(old["kpis.csv"], new["kpis.csv"]),
    }
