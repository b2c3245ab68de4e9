#!/usr/bin/env python3
# Vendored from ../shared/eval/score.py (the project's scorer, kept beside the repository) so that
# a clone without ../shared can check what the README claims. Unmodified below this header: refresh
# it with `cp ../shared/eval/score.py` and put these lines back; tests/test_shared_copies.py fails
# when ../shared is present and its scorer differs from this one beyond the header.
# -- end of vendoring header --
"""Score one `dxextract ingest` output folder against a ground-truth report spec.

    python ../shared/eval/score.py --truth ../shared/corpus/kasama_dx_r5.json --out normalized/082163_2023

The output folder follows ../shared/CONTRACT.md; the truth follows ../shared/corpus/SCHEMA.md.
Both sides are compared after the same light normalization (NFKC, look-alike characters,
no whitespace), so the figures measure extraction, not cosmetic choices. Standard library only.

Metrics (each 0..1, higher is better):
  status      (item, fiscal year) status cells with the right symbol / truth cells
  items       plan items whose strategy, measure and item texts all match exactly
  kpi_f1      F1 over KPI figures keyed (kpi_no, value, unit)
  figures_f1  F1 over detail figures keyed (strategy_no, measure_no, value, unit)
  rows        detail rows found under the right (strategy_no, measure_no, seq)
  text        mean similarity of the activity/result/next_plan texts of those rows
  lines       share of those texts whose line breaks are exactly the author's (wrapping removed)
  grid_f1     F1 over table cells keyed (r, c, rowspan, colspan, text), per truth table
  audit       known arithmetic inconsistencies reported with severity error / known ones
Also reported: audit_false_alarms (error findings that match no known inconsistency).
`--nonempty` drops the cells whose normalized text is empty from both sides before grid_f1 /
grid_min (for truths that list only non-empty cells, e.g. ICDAR 2013); a truth table left with
no cells is then not scored. Other metrics unchanged.

Prints one line per metric, then a final line `score: k=v ...`. `--min k=v` makes the exit
status 1 when a metric is below its bar; `--json FILE` writes the metrics.
"""
from __future__ import annotations

import argparse
import csv
import difflib
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

# CJK Radicals Supplement look-alikes have no NFKC mapping; the common ones in Japanese PDFs.
_RADICALS = str.maketrans({
    "⺁": "厂", "⺅": "亻", "⺇": "几", "⺌": "小", "⺍": "小", "⺎": "兀", "⺏": "尢", "⺐": "尣",
    "⺒": "巳", "⺓": "幺", "⺔": "彑", "⺖": "忄", "⺗": "心", "⺘": "扌", "⺙": "攵", "⺛": "旡",
    "⺟": "母", "⺠": "民", "⺡": "氵", "⺢": "氺", "⺣": "灬", "⺤": "爫", "⺥": "爫", "⺦": "丬",
    "⺨": "犭", "⺩": "王", "⺪": "疋", "⺫": "罒", "⺬": "示", "⺭": "礻", "⺮": "竹", "⺯": "糸",
    "⺰": "纟", "⺱": "罓", "⺲": "罒", "⺳": "网", "⺴": "罓", "⺵": "罓", "⺶": "羊", "⺷": "羊",
    "⺸": "羊", "⺹": "耂", "⺺": "肀", "⺻": "聿", "⺼": "肉", "⺽": "臼", "⺾": "艹", "⺿": "艹",
    "⻀": "艹", "⻁": "虎", "⻂": "衤", "⻃": "覀", "⻄": "西", "⻅": "见", "⻆": "角", "⻇": "角",
    "⻈": "讠", "⻉": "贝", "⻊": "足", "⻋": "车", "⻌": "辶", "⻍": "辶", "⻎": "辶", "⻏": "阝",
    "⻐": "钅", "⻑": "長", "⻒": "镸", "⻓": "长", "⻔": "门", "⻕": "阝", "⻖": "阝", "⻗": "雨",
    "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞", "⻝": "食", "⻞": "飠", "⻟": "飠",
    "⻠": "饣", "⻡": "首", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼", "⻦": "鸟", "⻧": "卤",
    "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "斉", "⻬": "齐", "⻭": "歯", "⻮": "齿", "⻯": "竜",
    "⻰": "龙", "⻱": "亀", "⻲": "亀", "⻳": "龟",
    # symbols that PDF fonts spell in several ways
    "〇": "○", "◯": "○", "✕": "×", "✖": "×", "―": "—", "─": "—", "－": "—", "〜": "~",
})
_SPACE = re.compile(r"\s+")


def norm(text: object) -> str:
    """Comparison form: NFKC, look-alikes folded, all whitespace removed."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_RADICALS)
    return _SPACE.sub("", s)


def norm_symbol(symbol: object) -> str:
    s = norm(symbol)
    if s in {"", "-", "ー", "—"}:
        return "—"
    if s in {"x", "X"}:
        return "×"
    return s.replace("取下げ", "取り下げ")


_UNITS = {"h": "時間", "H": "時間", "hr": "時間", "hrs": "時間"}


def norm_unit(unit: object) -> str:
    u = norm(unit)
    return _UNITS.get(u, u)


def num(value: object) -> float | None:
    s = norm(value).replace(",", "")
    if s == "":
        return None
    try:
        return round(float(s), 6)
    except ValueError:
        return None


def to_int(value: object) -> int | None:
    v = num(value)
    return None if v is None else int(v)


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def f1(truth: Counter, found: Counter) -> tuple[float, float, float]:
    hit = sum((truth & found).values())
    p = hit / sum(found.values()) if found else 0.0
    r = hit / sum(truth.values()) if truth else 1.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


# --- metrics -------------------------------------------------------------------------------

def score_status(spec: dict, out: Path) -> dict[str, float]:
    truth = {}
    names = {}
    for it in spec.get("status_items", []):
        key = (it["strategy_no"], it["measure_no"], it["item_no"])
        names[key] = (norm(it["strategy"]), norm(it["measure"]), norm(it["item"]))
        for fy, sym in it["status"].items():
            truth[key + (int(fy),)] = norm_symbol(sym)
    found, found_names = {}, {}
    for row in read_csv(out, "status_items.csv"):
        key = (to_int(row.get("strategy_no")), to_int(row.get("measure_no")), to_int(row.get("item_no")))
        found[key + (to_int(row.get("fy")),)] = norm_symbol(row.get("status_symbol"))
        found_names.setdefault(key, (norm(row.get("strategy")), norm(row.get("measure")), norm(row.get("item"))))
    right = sum(1 for k, v in truth.items() if found.get(k) == v)
    items = sum(1 for k, v in names.items() if found_names.get(k) == v)
    return {
        "status": right / len(truth) if truth else 1.0,
        "status_extra": float(len(set(found) - set(truth))),
        "items": items / len(names) if names else 1.0,
    }


def score_kpis(spec: dict, out: Path) -> dict[str, float]:
    truth = Counter(
        (k["no"], round(float(f["value"]), 6), norm_unit(f["unit"]))
        for k in spec.get("kpis", []) for f in k.get("figures", [])
    )
    found = Counter(
        (to_int(r.get("kpi_no")), num(r.get("value")), norm_unit(r.get("unit")))
        for r in read_csv(out, "kpis.csv") if num(r.get("value")) is not None
    )
    f, p, r = f1(truth, found)
    return {"kpi_f1": f, "kpi_p": p, "kpi_r": r}


def _truth_rows(spec: dict) -> dict[tuple, dict]:
    """Truth detail rows keyed (strategy_no, measure_no, seq), seq counted per measure per table."""
    rows, counter = {}, Counter()
    for ini in spec.get("initiatives", []):
        k = (ini["table_id"], ini["strategy_no"], ini["measure_no"])
        counter[k] += 1
        rows[(ini["strategy_no"], ini["measure_no"], counter[k])] = ini
    return rows


def _lines(text: object) -> list[str]:
    """The author's lines of a cell: wrapping removed, breaks the author typed kept."""
    return [n for n in (norm(line) for line in str(text or "").split("\n")) if n]


def score_initiatives(spec: dict, out: Path) -> dict[str, float]:
    truth = _truth_rows(spec)
    found = {}
    for r in read_csv(out, "initiatives.csv"):
        key = (to_int(r.get("strategy_no")), to_int(r.get("measure_no")), to_int(r.get("seq")))
        found.setdefault(key, r)
    sims, lines = [], []
    for key, ini in truth.items():
        got = found.get(key)
        for col in ("activity", "result", "next_plan"):
            want = norm(ini.get(col, ""))
            have = norm(got.get(col, "")) if got else None
            lines.append(got is not None and _lines(ini.get(col, "")) == _lines(got.get(col, "")))
            if have is None:
                sims.append(0.0)
            elif want == have:
                sims.append(1.0)
            else:
                sims.append(difflib.SequenceMatcher(None, want, have, autojunk=False).ratio())
    present = sum(1 for k in truth if k in found)
    fig_truth = Counter(
        (ini["strategy_no"], ini["measure_no"], round(float(f["value"]), 6), norm_unit(f["unit"]))
        for ini in truth.values() for f in ini.get("figures", [])
    )
    fig_found = Counter(
        (to_int(r.get("strategy_no")), to_int(r.get("measure_no")), num(r.get("value")), norm_unit(r.get("unit")))
        for r in read_csv(out, "figures.csv") if num(r.get("value")) is not None
    )
    f, p, r = f1(fig_truth, fig_found)
    return {
        "rows": present / len(truth) if truth else 1.0,
        "text": sum(sims) / len(sims) if sims else 1.0,
        "lines": sum(lines) / len(lines) if lines else 1.0,
        "figures_f1": f, "figures_p": p, "figures_r": r,
    }


def _cells(rows) -> Counter:
    return Counter((r, c, rs, cs, t) for r, c, rs, cs, t in rows)


def _grid_f1(truth: Counter, found_rows: list[tuple]) -> float:
    best = 0.0
    for dr in range(-3, 4):          # tolerate a caption row kept or dropped above the grid
        for dc in range(-1, 2):
            shifted = _cells((r + dr, c + dc, rs, cs, t) for r, c, rs, cs, t in found_rows)
            best = max(best, f1(truth, shifted)[0])
    return best


def score_grid(spec: dict, out: Path, nonempty: bool = False) -> dict[str, float]:
    by_table: dict[str, list[tuple]] = {}
    kinds: dict[str, str] = {}
    for row in read_csv(out, "tables.csv"):
        tid = row.get("table_id", "")
        kinds[tid] = row.get("kind", "")
        cell = (
            to_int(row.get("r")) or 0, to_int(row.get("c")) or 0,
            to_int(row.get("rowspan")) or 1, to_int(row.get("colspan")) or 1, norm(row.get("text")),
        )
        by_table.setdefault(tid, [])
        if nonempty and not cell[4]:
            continue
        by_table[tid].append(cell)
    scores, used = [], set()
    for table in spec.get("tables", []):
        truth = _cells((c["r"], c["c"], c["rs"], c["cs"], norm(c["text"])) for c in table["cells"]
                       if not (nonempty and not norm(c["text"])))
        if nonempty and not truth:
            continue                 # a table with no text at all: nothing left to compare
        candidates = [t for t in by_table if t not in used and kinds[t] == table["kind"]] or \
                     [t for t in by_table if t not in used]
        best, best_id = 0.0, None
        for tid in candidates:
            s = _grid_f1(truth, by_table[tid])
            if s > best:
                best, best_id = s, tid
        if best_id is not None:
            used.add(best_id)
        scores.append(best)
    return {"grid_f1": sum(scores) / len(scores) if scores else 1.0,
            "grid_min": min(scores) if scores else 1.0}


def score_audit(spec: dict, out: Path) -> dict[str, float]:
    expected = spec.get("known_inconsistencies", []) + spec.get("planted_inconsistencies", [])
    want = Counter()
    for e in expected:
        m = re.search(r"\d[\d,，．.]*", unicodedata.normalize("NFKC", e.get("raw", "")))
        if m:
            want[num(m.group())] += 1
    errors = [r for r in read_csv(out, "audit.csv") if norm(r.get("severity")) == "error"]
    got = Counter(num(r.get("printed")) for r in errors)
    hit = sum((want & got).values())
    return {"audit": hit / sum(want.values()) if want else 1.0,
            "audit_false_alarms": float(sum(got.values()) - hit)}


METRICS = (score_status, score_kpis, score_initiatives, score_grid, score_audit)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", required=True, type=Path, help="ground-truth spec JSON")
    ap.add_argument("--out", required=True, type=Path, help="dxextract output folder")
    ap.add_argument("--min", action="append", default=[], metavar="KEY=VALUE",
                    help="bar for a metric; exit 1 when below (repeatable)")
    ap.add_argument("--json", type=Path, help="write the metrics to this file")
    ap.add_argument("--nonempty", action="store_true",
                    help="grid metric: drop cells whose normalized text is empty from both sides")
    args = ap.parse_args(argv)

    spec = json.loads(args.truth.read_text(encoding="utf-8"))
    if not args.out.is_dir():
        print(f"score: no output folder {args.out}", file=sys.stderr)
        return 2
    metrics: dict[str, float] = {}
    for fn in METRICS:
        if fn is score_grid:
            metrics.update(fn(spec, args.out, nonempty=args.nonempty))
        else:
            metrics.update(fn(spec, args.out))
    for k, v in metrics.items():
        print(f"{k:20s} {v:.4f}")
    if args.json:
        args.json.write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    short = ("status", "items", "kpi_f1", "figures_f1", "rows", "text", "lines", "grid_f1", "audit", "audit_false_alarms")
    failed = []
    for bar in args.min:
        key, _, value = bar.partition("=")
        if metrics.get(key, 0.0) < float(value):
            failed.append(f"{key}<{value}")
    print("score: " + " ".join(f"{k}={metrics[k]:.3f}" for k in short) + (" BELOW: " + ",".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
