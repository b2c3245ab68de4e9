"""Stage 7 — emit: records -> contract CSVs and manifest, written atomically.

Public entry points: :func:`report_to_frames` (records -> one DataFrame per output file, in the
contract's column order, rows in a stable order) and :func:`write_folder` (frames -> a
folder, through a temporary sibling folder renamed into place, so a failed run never leaves a
half-written folder and never destroys earlier output).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import OutputExistsError
from .interpret import Report

COLUMNS: dict[str, list[str]] = {
    "tables.csv": ["table_id", "kind", "r", "c", "rowspan", "colspan", "text", "is_header", "page",
                   "x0", "top", "x1", "bottom", "caption", "ocr"],
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


def _bbox(d: dict[str, Any]) -> dict[str, Any]:
    box = d.pop("bbox")
    return {**d, "x0": box["x0"], "top": box["top"], "x1": box["x1"], "bottom": box["bottom"]}


def report_to_frames(report: Report, ocr_pages: set[int] | frozenset[int] = frozenset()
                     ) -> dict[str, pd.DataFrame]:
    """One DataFrame per contract file (audit.csv is added by the audit stage).

    Every row says ``ocr``: whether the page it was read from got its text from OCR.
    """
    table_rows = []
    for t in report.tables:
        for cell in t.cells:
            table_rows.append({
                "table_id": t.table_id, "kind": t.kind, "r": cell.r, "c": cell.c,
                "rowspan": cell.rowspan, "colspan": cell.colspan, "text": cell.text,
                "is_header": cell.is_header, "page": cell.page, "x0": cell.bbox.x0, "top": cell.bbox.top,
                "x1": cell.bbox.x1, "bottom": cell.bbox.bottom, "caption": t.caption})
    kpis = [_bbox(asdict(k)) for k in report.kpis]
    initiatives = []
    for ini in report.initiatives:
        d = asdict(ini)
        d.pop("cells")
        d["departments"] = ";".join(ini.departments)
        initiatives.append(d)
    figures = [_bbox(asdict(f)) for f in report.figures]
    status = [asdict(s) for s in report.status_items]
    frames = {
        "tables.csv": table_rows, "status_items.csv": status, "kpis.csv": kpis,
        "initiatives.csv": initiatives, "figures.csv": figures,
    }
    for rows in frames.values():
        for row in rows:
            row["ocr"] = row["page"] in ocr_pages
    return {name: _frame(rows, COLUMNS[name]) for name, rows in frames.items()}


#: columns where an empty string means "no value" (written as an empty cell, read as null)
_OPTIONAL = ("unit", "qualifier", "value", "label", "departments")


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    rows = [{k: (None if k in _OPTIONAL and v == "" else v) for k, v in r.items()} for r in rows]
    df = pd.DataFrame(rows)
    for col in columns:
        if col not in df.columns:
            df[col] = pd.Series(dtype="object")
    extra = [c for c in df.columns if c not in columns]
    return df[columns + extra]


def _cell(value: Any) -> str:
    """One CSV cell: numbers plain (no 8411.0, no thousands separators), None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    return str(value)


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """Deterministic CSV bytes: UTF-8, ``\\n`` line ends, minimal quoting."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


#: longest folder name we derive (bytes of UTF-8); file systems stop at 255
_MAX_NAME_BYTES = 120


def safe_folder_name(text: str) -> str:
    """A folder name made from ``text`` (a file stem or values read from the PDF) that stays one
    visible folder inside its parent.

    Why: a file named ``..pdf`` has the stem ``.``; used as a folder name it made ``run`` write
    into ``--out`` itself and wipe every year folder there. So: no separators, no ``.``/``..``,
    no leading dot (hidden folders are the tool's own temp folders), never empty, not too long.
    """
    name = re.sub(r"[^\w.-]+", "_", text)  # separators, spaces, control characters
    name = re.sub(r"^[.]+", lambda m: "_" * len(m.group()), name)
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name or "_"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_writable(out: Path, force: bool) -> None:
    """Refuse early, before any work, to overwrite an existing folder without ``force``.

    ``.``, ``..`` and ``/`` are never replaced, even with ``force``: replacing them would
    remove the folder the user stands in, or its parent.
    """
    if out.name in ("", ".", ".."):
        raise OutputExistsError(f"{out}: not a folder dxextract may create or replace; "
                                "name a new folder for --out")
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: exists and is not a folder; choose another --out")
    if out.exists() and any(out.iterdir()) and not force:
        raise OutputExistsError(f"{out}: output folder exists; pass --force to replace it "
                                "(nothing was changed)")


def write_folder(out: Path, files: Mapping[str, bytes], manifest: dict[str, Any], force: bool) -> None:
    """Write ``files`` and ``manifest.json`` into ``out`` atomically.

    Everything goes to a temporary sibling folder first; only a complete folder is renamed
    into place. An existing ``out`` is replaced only with ``force``, and only after the new
    folder is complete, so a failure leaves the previous output intact.
    """
    check_writable(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        outputs = {}
        for name, data in sorted(files.items()):
            (tmp / name).write_bytes(data)
            outputs[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        manifest = {**manifest, "outputs": outputs}
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.rename(out, old / "previous")
            try:
                os.rename(tmp, out)
            except OSError:
                os.rename(old / "previous", out)  # put the user's folder back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
