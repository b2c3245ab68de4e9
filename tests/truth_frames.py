"""Build the CONTRACT.md output frames from a ground-truth report JSON (tests/data/corpus).

The truth describes what was printed; the pipeline's outputs describe it in CONTRACT.md's
columns. This helper bridges the two so that validation, audit and comparison can be
developed and tested against known-good data:

    frames = truth_frames(load_truth("kasama_dx_r5"))
    frames["initiatives.csv"], frames["figures.csv"], frames["kpis.csv"], ...

Conventions it applies (the same as the scorer, tests/scoring.py):
- ``seq`` counts the rows of one measure within one detail table (the truth counts the table);
- text columns get the normalization the contract asks for that matters here (full-width digits
  and the full-width comma between digits become ASCII); ``raw`` stays as printed;
- ``page`` is looked up in the sample PDF of the same name in raw/ (the corpus PDF, byte for
  byte; document order, a cursor that only moves forward); without the PDF every page is 1;
- table cells have no printed position in the truth: their bbox is a synthetic grid
  (10 points per row/column), good enough for shape checks, not for geometry.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import pandas as pd

from conftest import RAW, REPO

_FW_DIGITS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)})
_FW_COMMA_IN_NUMBER = re.compile(r"(?<=\d)，(?=\d)")
_SPACE = re.compile(r"\s+")


def fold_digits(text: str | None) -> str | None:
    """Full-width digits and the full-width comma inside numbers -> ASCII (contract text)."""
    if text is None:
        return None
    return _FW_COMMA_IN_NUMBER.sub(",", text.translate(_FW_DIGITS))


def _key(text: str) -> str:
    """Search form: NFKC, no whitespace (the PDF text layer wraps and spaces freely)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=8)
def _page_texts(pdf_path: str) -> tuple[str, ...]:
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - pdfplumber is a runtime dependency
        return ()
    try:
        with pdfplumber.open(pdf_path) as pdf:
            return tuple(_key(p.extract_text() or "") for p in pdf.pages)
    except Exception:  # noqa: BLE001 - a missing/broken PDF only costs us the page numbers
        return ()


class _PageFinder:
    """Finds the page of successive snippets, moving forward through the document."""

    def __init__(self, pages: tuple[str, ...]) -> None:
        self.pages = pages
        self.cursor = 0

    def find(self, text: str | None, *, length: int = 8) -> int:
        if not self.pages:
            return 1
        # first line only: a cell's later lines may wrap onto the next page
        probe = _key((text or "").split("\n")[0])[:length]
        if probe:
            for i in range(self.cursor, len(self.pages)):
                if probe in self.pages[i]:
                    self.cursor = i
                    break
        return self.cursor + 1

    def seek(self, text: str) -> None:
        self.find(text)


def _finder(spec: dict[str, Any]) -> _PageFinder:
    pdf = RAW / f"{spec['id']}.pdf"
    return _PageFinder(_page_texts(str(pdf)) if pdf.exists() else ())


def status_items_frame(spec: dict[str, Any]) -> pd.DataFrame:
    """status_items.csv: one row per plan item x fiscal year."""
    codes = {e["symbol"]: e["code"] for e in spec["status_legend"]}
    finder = _finder(spec)
    finder.seek("計画体系と各項目の実施状況")
    rows = []
    for it in spec["status_items"]:
        page = finder.find(it["item"], length=6)
        for fy, sym in it["status"].items():
            rows.append({
                "report_fy": spec["report_fy"], "strategy_no": it["strategy_no"],
                "strategy": fold_digits(it["strategy"]), "measure_no": it["measure_no"],
                "measure": fold_digits(it["measure"]), "item_no": it["item_no"],
                "item": fold_digits(it["item"]), "fy": int(fy), "status_symbol": sym,
                "status_code": codes[sym], "page": page,
            })
    return pd.DataFrame(rows)


def _initiative_rows(spec: dict[str, Any]) -> list[tuple[dict[str, Any], int, int]]:
    """(truth initiative, contract seq, page) in document order."""
    counter: Counter[tuple[str, int, int]] = Counter()
    finder = _finder(spec)
    finder.seek("各項目の取り組み内容")
    out = []
    for ini in spec["initiatives"]:
        k = (ini["table_id"], ini["strategy_no"], ini["measure_no"])
        counter[k] += 1
        out.append((ini, counter[k], finder.find(ini["activity"])))
    return out


def initiatives_frame(spec: dict[str, Any]) -> pd.DataFrame:
    """initiatives.csv: one row per detail-table row; ``seq`` counted within the measure."""
    rows = [{
        "report_fy": spec["report_fy"], "strategy_no": ini["strategy_no"],
        "measure_no": ini["measure_no"], "measure": fold_digits(ini["measure"]), "seq": seq,
        "activity": fold_digits(ini["activity"]), "departments": ";".join(ini["departments"]),
        "result": fold_digits(ini["result"]), "next_plan": fold_digits(ini["next_plan"]),
        "page": page,
    } for ini, seq, page in _initiative_rows(spec)]
    return pd.DataFrame(rows)


def _figure_column(ini: dict[str, Any], raw: str) -> str:
    """The detail column whose text holds the figure's printed substring."""
    probe = _key(raw)
    for col in ("activity", "result", "next_plan"):
        if probe in _key(ini.get(col) or ""):
            return col
    return "result"


def figures_frame(spec: dict[str, Any]) -> pd.DataFrame:
    """figures.csv: one row per measured figure inside a detail-table cell."""
    rows = []
    for ini, seq, page in _initiative_rows(spec):
        for f in ini["figures"]:
            rows.append({
                "report_fy": spec["report_fy"], "strategy_no": ini["strategy_no"],
                "measure_no": ini["measure_no"], "seq": seq,
                "column": _figure_column(ini, f["raw"]), "label": f["label"],
                "value": float(f["value"]), "unit": f["unit"], "qualifier": f["qualifier"],
                "raw": f["raw"], "page": page,
            })
    return pd.DataFrame(rows, columns=["report_fy", "strategy_no", "measure_no", "seq", "column",
                                       "label", "value", "unit", "qualifier", "raw", "page"])


def kpis_frame(spec: dict[str, Any]) -> pd.DataFrame:
    """kpis.csv: one row per KPI figure; a KPI without a figure is one row with no value."""
    finder = _finder(spec)
    page = finder.find(spec["kpis"][0]["label"]) if spec["kpis"] else 1
    rows = []
    for k in spec["kpis"]:
        for f in k["figures"] or [None]:
            rows.append({
                "report_fy": spec["report_fy"], "kpi_no": k["no"], "label": k["label"],
                "value": float(f["value"]) if f else float("nan"),
                "unit": f["unit"] if f else None, "qualifier": f["qualifier"] if f else None,
                "raw": f["raw"] if f else None, "page": page,
            })
    return pd.DataFrame(rows)


def tables_frame(spec: dict[str, Any]) -> pd.DataFrame:
    """tables.csv: one row per cell, ``t01``... in document order; synthetic bbox."""
    finder = _finder(spec)
    rows = []
    for n, table in enumerate(spec["tables"], start=1):
        for cell in sorted(table["cells"], key=lambda c: (c["r"], c["c"])):
            page = finder.find(cell["text"]) if cell["text"].strip() else finder.cursor + 1
            rows.append({
                "table_id": f"t{n:02d}", "kind": table["kind"], "r": cell["r"], "c": cell["c"],
                "rowspan": cell["rs"], "colspan": cell["cs"], "text": fold_digits(cell["text"]),
                "is_header": cell["r"] < table["header_rows"], "page": page,
                "x0": 10.0 * cell["c"], "top": 10.0 * cell["r"],
                "x1": 10.0 * (cell["c"] + cell["cs"]), "bottom": 10.0 * (cell["r"] + cell["rs"]),
            })
    return pd.DataFrame(rows)


def truth_frames(spec: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """All contract frames derivable from a truth JSON, keyed by output file name."""
    return {
        "tables.csv": tables_frame(spec),
        "status_items.csv": status_items_frame(spec),
        "kpis.csv": kpis_frame(spec),
        "initiatives.csv": initiatives_frame(spec),
        "figures.csv": figures_frame(spec),
    }


def load_make_variants():
    """``scripts/make_variants.py`` as a module (one instance per test process, shared by the
    variant tests)."""
    import importlib.util
    import sys

    if "make_variants" in sys.modules:
        return sys.modules["make_variants"]
    script = REPO / "scripts" / "make_variants.py"
    spec = importlib.util.spec_from_file_location("make_variants", script)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_variants"] = mod
    spec.loader.exec_module(mod)
    return mod
