"""Stage — compare: two ingest outputs of consecutive years -> year-over-year tables.

Public entry points: :func:`compare_frames` (frames in, ``yoy_status.csv`` and ``yoy_kpis.csv``
frames out) and :func:`read_output` (an ingest folder as frames). Plan items are matched
within each measure by their text, so an item that was reworded or renumbered is still the
same item; the numbering only breaks ties.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from .errors import InputError

#: × < ▲ < ○; a move to or from 取り下げ or — is a change without a direction
_RANK = {"×": 0, "▲": 1, "○": 2}
#: two item texts below this similarity are different items
MIN_SIMILARITY = 0.6

YOY_STATUS = ["strategy_no", "measure_no", "item_no", "item_no_old", "item_old", "item_new",
              "status_old", "status_new", "change", "reworded", "similarity", "fy_old", "fy_new"]
YOY_KPIS = ["kpi_no", "label_old", "label_new", "unit", "value_old", "value_new", "delta"]


def read_output(folder: Path) -> dict[str, pd.DataFrame]:
    """The CSVs of one ``dxextract ingest`` folder."""
    if not (folder / "manifest.json").exists():
        raise InputError(f"{folder}: not a dxextract output folder (no manifest.json)")
    frames = {}
    for name in ("status_items.csv", "kpis.csv"):
        path = folder / name
        if not path.exists():
            raise InputError(f"{folder}: {name} missing")
        frames[name] = pd.read_csv(path, dtype={"item": "string", "label": "string"}, keep_default_na=True)
    return frames


def change_of(old: str | None, new: str | None) -> str:
    """unchanged, improved, worsened, changed, added or removed."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old == new:
        return "unchanged"
    if old in _RANK and new in _RANK:
        return "improved" if _RANK[new] > _RANK[old] else "worsened"
    return "changed"


def _own_year(items: pd.DataFrame) -> pd.DataFrame:
    """One row per plan item: its status for the report's own fiscal year."""
    if items.empty:
        return items
    own = items[items["fy"] == items["report_fy"]]
    return own.drop_duplicates(["strategy_no", "measure_no", "item_no"])


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def match_items(old: pd.DataFrame, new: pd.DataFrame) -> list[tuple[int | None, int | None, float]]:
    """Pairs of row positions (old, new) of the same plan item within one measure, by text.

    Greedy on similarity, with the same item number as a tie-breaker; unmatched rows pair
    with None (removed or added).
    """
    scores = []
    for i, o in enumerate(old.itertuples(index=False)):
        for j, n in enumerate(new.itertuples(index=False)):
            sim = _similarity(str(o.item), str(n.item))  # itertuples: a field, not Series.item
            if sim >= MIN_SIMILARITY:
                scores.append((sim + (0.05 if o.item_no == n.item_no else 0.0), sim, i, j))
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


def compare_status(old_items: pd.DataFrame, new_items: pd.DataFrame) -> pd.DataFrame:
    old, new = _own_year(old_items), _own_year(new_items)
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
            rows.append({
                "strategy_no": s_no, "measure_no": m_no,
                "item_no": int(nrow.item_no) if nrow is not None else int(orow.item_no),  # type: ignore[union-attr]
                "item_no_old": int(orow.item_no) if orow is not None else None,
                "item_old": orow["item"] if orow is not None else None,
                "item_new": nrow["item"] if nrow is not None else None,
                "status_old": s_old, "status_new": s_new, "change": change_of(s_old, s_new),
                "reworded": bool(orow is not None and nrow is not None and orow["item"] != nrow["item"]),
                "similarity": round(sim, 3) if orow is not None and nrow is not None else None,
                "fy_old": int(orow.fy) if orow is not None else None,
                "fy_new": int(nrow.fy) if nrow is not None else None,
            })
    df = pd.DataFrame(rows, columns=YOY_STATUS)
    return df.sort_values(["strategy_no", "measure_no", "item_no", "item_no_old"], na_position="last",
                          kind="stable").reset_index(drop=True)


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
                         "value_old": v_old, "value_new": v_new, "delta": delta})
    return pd.DataFrame(rows, columns=YOY_KPIS)


def compare_frames(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``yoy_status.csv`` and ``yoy_kpis.csv`` for two consecutive years' outputs."""
    return {
        "yoy_status.csv": compare_status(old["status_items.csv"], new["status_items.csv"]),
        "yoy_kpis.csv": compare_kpis(old["kpis.csv"], new["kpis.csv"]),
    }
