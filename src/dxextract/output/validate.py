"""Validate stage: the output frames against their Great Expectations suites.

One suite per output CSV lives in ``schemas/suites/<name>.json`` (written by
``scripts/build_suites.py``; the JSON is the source of truth). Failures are data: one row per
failing value, with the row index and the printed page, so they can be written beside the
outputs and summarized on the terminal (pandera's model, STYLE.md 8).

GX evaluates column-wise rules natively (vocabularies, ranges, regexes, not-null, compound
uniqueness). Row rules that GX can only express on SQL/Spark (numbering without gaps, keys
that must exist in another file, a figure's raw text inside its cell) are computed here as
boolean helper columns ``_chk_<name>`` described by ``meta.helper`` in the suite, and the suite
expects them to be ``[True]`` (CONVENTIONS.md). Cross-file helpers that need a file the caller
did not pass are True: they cannot be checked, which is not a failure.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from dxextract.errors import SuiteLoadError

FAILURE_COLUMNS = ["file", "expectation", "column", "value", "row", "page", "message"]
HELPER_PREFIX = "_chk_"
_GX_LOGGER = "great_expectations"
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


# --- suites ---------------------------------------------------------------------------------

def default_suites_dir() -> Path:
    """``schemas/suites`` of the installed package or of the repository."""
    from dxextract.profile import schemas_dir

    return schemas_dir() / "suites"


@contextmanager
def _quiet_gx(level: int = logging.WARNING) -> Iterator[None]:
    """GX logs at INFO from import on, its temp folder at INFO (on a module logger whose level
    it sets to INFO itself), and tracebacks of dropped expectations at ERROR."""
    top = logging.getLogger(_GX_LOGGER)
    saved = {top: top.level}
    top.setLevel(level)
    try:
        import great_expectations  # noqa: F401 - creates the module loggers quieted below

        for name, lg in list(logging.Logger.manager.loggerDict.items()):
            if (name.startswith(_GX_LOGGER + ".") and isinstance(lg, logging.Logger)
                    and lg.level and lg.level < level):
                saved[lg] = lg.level
                lg.setLevel(level)
        yield
    finally:
        for lg, lvl in saved.items():
            lg.setLevel(lvl)


def _resolve_value_sets(data: dict[str, Any], suites_dir: Path) -> None:
    """Fill ``value_set`` from a vocabulary file named in ``meta.value_set_from``.

    ``mode: extend`` adds the file's list to the suite's own (the suite keeps a fallback list
    so that validation works without the vocabulary file).
    """
    for e in data.get("expectations", []):
        src = e.get("meta", {}).get("value_set_from")
        if not src:
            continue
        path = suites_dir.parent / src["file"]
        if not path.exists():
            continue
        try:
            values = json.loads(path.read_text(encoding="utf-8"))[src["key"]]
        except (ValueError, KeyError) as exc:
            raise SuiteLoadError(f"{path}: cannot read the list {src['key']!r} named by suite "
                                 f"{data.get('name')!r} ({exc})") from exc
        own = list(e["kwargs"].get("value_set", []))
        e["kwargs"]["value_set"] = (own + [v for v in values if v not in own]
                                    if src.get("mode", "extend") == "extend" else list(values))


def load_suite(path: Path) -> Any:
    """Load one suite JSON as ``gx.ExpectationSuite`` and insist that nothing was dropped.

    GX logs and silently drops an expectation whose type it does not know; a suite that
    quietly checks less than it says is worse than no suite, so this raises instead.
    """
    import great_expectations as gx

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuiteLoadError(f"{path}: cannot read the suite ({exc})") from exc
    _resolve_value_sets(data, path.parent)
    written = data.get("expectations", [])
    with _quiet_gx(logging.CRITICAL):
        suite = gx.ExpectationSuite(**data)
    if len(suite.expectations) != len(written):
        known = {e.expectation_type for e in suite.expectations}
        lost = sorted({e.get("type", "?") for e in written if e.get("type") not in known})
        raise SuiteLoadError(
            f"{path}: GX loaded {len(suite.expectations)} of {len(written)} expectations; "
            f"unknown or invalid: {', '.join(lost) or '(a known type with bad kwargs)'}. "
            "Fix the type name or kwargs (see scripts/build_suites.py).")
    return suite


def load_suites(suites_dir: Path | None = None) -> dict[str, Any]:
    """All suites of a folder, keyed by the CSV they check (``status_items.csv``)."""
    folder = suites_dir or default_suites_dir()
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise SuiteLoadError(f"{folder}: no expectation suites (*.json) found")
    return {f"{p.stem}.csv": load_suite(p) for p in paths}


# --- helper columns -------------------------------------------------------------------------

Frames = dict[str, pd.DataFrame]
Helper = Callable[[pd.DataFrame, dict[str, Any], Frames], "pd.Series[bool] | None"]


def _is_null(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _as_number(v: Any) -> float | None:
    if _is_null(v) or isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v))
    except ValueError:
        return None


def _key(text: Any) -> str:
    """Comparison form of text: NFKC, no whitespace."""
    return "" if _is_null(text) else _SPACE.sub("", unicodedata.normalize("NFKC", str(text)))


def _norm_key(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Key values comparable across files (2 == 2.0 == '2')."""
    out: list[Any] = []
    for v in values:
        n = _as_number(v)
        out.append(n if n is not None else _key(v))
    return tuple(out)


def _series(df: pd.DataFrame, values: list[bool]) -> pd.Series[bool]:
    return pd.Series(values, index=df.index, dtype=bool)


def _h_integer(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    def ok(v: Any) -> bool:
        if _is_null(v):
            return True
        n = _as_number(v)
        return n is not None and math.isfinite(n) and n == int(n)
    return _series(df, [ok(v) for v in df[p["column"]]])


def _h_number(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    def ok(v: Any) -> bool:
        n = _as_number(v)
        return _is_null(v) or (n is not None and math.isfinite(n))
    return _series(df, [ok(v) for v in df[p["column"]]])


def _h_text(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    return _series(df, [_is_null(v) or isinstance(v, str) for v in df[p["column"]]])


#: cell texts that are a program's missing value written out as text, never data: pandas'
#: ``<NA>`` and ``NaT``, float ``nan``, Python's ``None`` (str() of each)
NULL_TEXTS: Final = frozenset({"<NA>", "NaT", "nan", "NaN", "None"})


def null_text_columns(df: pd.DataFrame, idx: Any) -> list[str]:
    """Columns of row ``idx`` whose cell is a missing value spelt as text (``'<NA>'``)."""
    return [str(c) for c in df.columns
            if isinstance(v := df.at[idx, c], str) and v.strip() in NULL_TEXTS]


def _h_no_null_text(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    """A row fails when any of its cells is ``<NA>``, ``nan``, ``None``... as text."""
    return _series(df, [not any(isinstance(v, str) and v.strip() in NULL_TEXTS for v in row)
                        for row in df.itertuples(index=False, name=None)])


def _h_gapless(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    """A row fails when its number lies outside 1..n, n = distinct numbers in its group."""
    col, by = p["column"], list(p.get("by", []))
    nums = [_as_number(v) for v in df[col]]
    keys = [_norm_key(tuple(r)) for r in df[by].itertuples(index=False)] if by else [()] * len(df)
    distinct: dict[tuple[Any, ...], set[float]] = {}
    for k, n in zip(keys, nums, strict=True):
        if n is not None:
            distinct.setdefault(k, set()).add(n)
    return _series(df, [n is None or 1 <= n <= len(distinct[k]) for k, n in zip(keys, nums, strict=True)])


def _h_consistent(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    """Rows whose text differs from the most common text of their group fail."""
    col, by = p["column"], list(p["by"])
    keys = [_norm_key(tuple(r)) for r in df[by].itertuples(index=False)]
    texts = [_key(v) for v in df[col]]
    counts: dict[tuple[Any, ...], dict[str, int]] = {}
    for k, t in zip(keys, texts, strict=True):
        counts.setdefault(k, {}).setdefault(t, 0)
        counts[k][t] += 1
    mode = {k: max(c.items(), key=lambda kv: kv[1])[0] for k, c in counts.items()}
    return _series(df, [t == mode[k] for k, t in zip(keys, texts, strict=True)])


def _h_maps_to(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    mapping = p["mapping"]
    return _series(df, [_is_null(s) or s not in mapping or mapping[s] == t
                        for s, t in zip(df[p["column"]], df[p["target"]], strict=True)])


def _h_near(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    def ok(a: Any, b: Any) -> bool:
        x, y = _as_number(a), _as_number(b)
        return x is None or y is None or abs(x - y) <= p["max_diff"]
    return _series(df, [ok(a, b) for a, b in zip(df[p["column"]], df[p["ref"]], strict=True)])


def _h_required_with(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    return _series(df, [_is_null(w) or not (_is_null(v) or v == "")
                        for v, w in zip(df[p["column"]], df[p["when"]], strict=True)])


def _numbers_in(raw: Any) -> list[float]:
    text = unicodedata.normalize("NFKC", "" if _is_null(raw) else str(raw))
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def _h_value_in_raw(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    def ok(v: Any, raw: Any) -> bool:
        n = _as_number(v)
        if n is None or _is_null(raw):
            return True  # not_null / required_with report the missing half
        return any(abs(n - x) < 1e-9 for x in _numbers_in(raw))
    return _series(df, [ok(v, r) for v, r in zip(df[p["column"]], df[p["raw"]], strict=True)])


def _same_fy(df: pd.DataFrame, p: dict[str, Any], frames: Frames) -> pd.Series[bool]:
    """report_fy equal to the most common report_fy over all frames passed."""
    col = p["column"]
    counts: dict[float, int] = {}
    for other in frames.values():
        if col in other.columns:
            for v in other[col]:
                n = _as_number(v)
                if n is not None:
                    counts[n] = counts.get(n, 0) + 1
    if not counts:
        return _series(df, [True] * len(df))
    mode = max(counts.items(), key=lambda kv: kv[1])[0]
    return _series(df, [_as_number(v) in (None, mode) for v in df[col]])


def _other(frames: Frames, name: str, columns: list[str]) -> pd.DataFrame | None:
    other = frames.get(name)
    if other is None or any(c not in other.columns for c in columns):
        return None
    return other


def _h_exists_in(df: pd.DataFrame, p: dict[str, Any], frames: Frames) -> pd.Series[bool] | None:
    cols = list(p["columns"])
    ref_cols = list(p.get("ref_columns", cols))
    other = _other(frames, p["file"], ref_cols)
    if other is None:
        return _series(df, [True] * len(df))
    known = {_norm_key(tuple(r)) for r in other[ref_cols].itertuples(index=False)}
    rows = [tuple(r) for r in df[cols].itertuples(index=False)]
    return _series(df, [any(_is_null(v) for v in r) or _norm_key(r) in known for r in rows])


def _h_agrees_with(df: pd.DataFrame, p: dict[str, Any], frames: Frames) -> pd.Series[bool] | None:
    col, by = p["column"], list(p["by"])
    other = _other(frames, p["file"], [*by, col])
    if other is None:
        return _series(df, [True] * len(df))
    ref: dict[tuple[Any, ...], set[str]] = {}
    for r in other[[*by, col]].itertuples(index=False):
        ref.setdefault(_norm_key(tuple(r)[:-1]), set()).add(_key(r[-1]))
    out = []
    for r in df[[*by, col]].itertuples(index=False):
        k, t = _norm_key(tuple(r)[:-1]), _key(r[-1])
        out.append(k not in ref or not t or t in ref[k])
    return _series(df, out)


def _h_raw_in_text(df: pd.DataFrame, p: dict[str, Any], frames: Frames) -> pd.Series[bool] | None:
    by = list(p["by"])
    other = _other(frames, p["file"], by)
    if other is None:
        return _series(df, [True] * len(df))
    cells: dict[tuple[Any, ...], dict[str, str]] = {}
    text_cols = [c for c in other.columns if c not in by]
    for rec in other.to_dict("records"):
        cells[_norm_key(tuple(rec[c] for c in by))] = {c: _key(rec[c]) for c in text_cols}
    out = []
    for rec in df[[*by, p["raw"], p["column"]]].to_dict("records"):
        row = cells.get(_norm_key(tuple(rec[c] for c in by)))
        raw, column = _key(rec[p["raw"]]), rec[p["column"]]
        if row is None or not raw or _is_null(column) or column not in row:
            out.append(True)  # the row or column check reports these
        else:
            out.append(raw in row[column])
    return _series(df, out)


def _h_grid_cover(df: pd.DataFrame, p: dict[str, Any], _f: Frames) -> pd.Series[bool]:
    """Cells overlapping another cell fail; a hole fails the first cell of its grid row."""
    ok = pd.Series(True, index=df.index, dtype=bool)
    need = ["table_id", "r", "c", "rowspan", "colspan"]
    for _tid, t in df[need].groupby("table_id", sort=False):
        cover: dict[tuple[int, int], list[Any]] = {}
        try:
            spans = [(idx, int(r), int(c), int(rs), int(cs))
                     for idx, r, c, rs, cs in zip(t.index, t["r"], t["c"], t["rowspan"], t["colspan"],
                                                  strict=True)]
        except (TypeError, ValueError):
            continue  # the integer checks report unreadable positions
        for idx, r, c, rs, cs in spans:
            for rr in range(r, r + max(rs, 1)):
                for cc in range(c, c + max(cs, 1)):
                    cover.setdefault((rr, cc), []).append(idx)
        for idxs in cover.values():
            if len(idxs) > 1:
                ok.loc[idxs] = False
        n_rows = max(rr for rr, _ in cover) + 1 if cover else 0
        n_cols = max(cc for _, cc in cover) + 1 if cover else 0
        for rr in range(n_rows):
            if any((rr, cc) not in cover for cc in range(n_cols)):
                in_row = [s for s in spans if s[1] == rr] or spans
                ok.loc[min(in_row, key=lambda s: s[2])[0]] = False
    return ok


HELPERS: dict[str, Helper] = {
    "integer": _h_integer, "number": _h_number, "text": _h_text, "gapless": _h_gapless,
    "consistent": _h_consistent, "maps_to": _h_maps_to, "near": _h_near,
    "required_with": _h_required_with, "value_in_raw": _h_value_in_raw,
    "same_across_files": _same_fy, "exists_in": _h_exists_in, "agrees_with": _h_agrees_with,
    "raw_in_text": _h_raw_in_text, "grid_cover": _h_grid_cover, "no_null_text": _h_no_null_text,
}
# Columns of the frame itself that a helper reads (cross-file ones are checked separately).
_HELPER_SOURCE = {
    "gapless": ("column", "by"), "consistent": ("column", "by"), "maps_to": ("column", "target"),
    "near": ("column", "ref"), "required_with": ("column", "when"), "value_in_raw": ("column", "raw"),
    "exists_in": ("columns",), "agrees_with": ("column", "by"), "raw_in_text": ("raw", "column", "by"),
    "grid_cover": (), "integer": ("column",), "number": ("column",), "text": ("column",),
    "same_across_files": ("column",),
}


def _helper_sources(h: dict[str, Any]) -> list[str]:
    cols: list[str] = []
    for key in _HELPER_SOURCE.get(h["kind"], ()):
        v = h.get(key)
        cols.extend(v if isinstance(v, list) else [v] if v else [])
    if h["kind"] == "grid_cover":
        cols = ["table_id", "r", "c", "rowspan", "colspan"]
    return cols


def _display_column(cfg_kwargs: dict[str, Any], meta: dict[str, Any]) -> str:
    h = meta.get("helper")
    if h:
        col = h.get("column") or h.get("raw") or ",".join(h.get("columns", [])) or "r,c"
        return str(col)
    if "column" in cfg_kwargs:
        return str(cfg_kwargs["column"])
    if "column_list" in cfg_kwargs:
        return ",".join(cfg_kwargs["column_list"])
    if "column_A" in cfg_kwargs:
        return f"{cfg_kwargs['column_A']},{cfg_kwargs['column_B']}"
    return ""


def _expectation_columns(kwargs: dict[str, Any]) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list", []))


# --- running --------------------------------------------------------------------------------

ProgressFn = Callable[[int, int], None]
_CHECK_FORMAT: Final = "BOOLEAN_ONLY"
_REPORT_FORMAT: Final = "COMPLETE"


class _Engine:
    """Great Expectations paid for once per process: the import, one ephemeral context with one
    pandas data source and one whole-dataframe batch definition, the suites read from JSON, and
    one validation definition per suite (and per set of expectations a frame leaves standing).

    Each document then only runs its frames through definitions that exist already, passing
    the frame as a batch parameter. Building a context and adding suites costs about as much as
    running them, and importing GX (scipy, altair) twice as much (issue 11).
    """

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        # the context logs its temp docs folder at INFO on creation and on config changes
        with _quiet_gx():
            self.context = gx.get_context(mode="ephemeral")
            # tqdm bars on every run are noise on a terminal and in CI logs
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                                      metric_calculations=False)
            self.batch = (self.context.data_sources.add_pandas("dxextract")
                          .add_dataframe_asset("frame").add_batch_definition_whole_dataframe("all"))
        self._suites: dict[tuple[str, int, int], Any] = {}
        self._definitions: dict[tuple[int, tuple[int, ...]], Any] = {}

    def suites(self, suites_dir: Path | None) -> dict[str, Any]:
        """``load_suites`` once per suite file (a file that changes is read again)."""
        folder = suites_dir or default_suites_dir()
        paths = sorted(folder.glob("*.json"))
        if not paths:
            raise SuiteLoadError(f"{folder}: no expectation suites (*.json) found")
        out = {}
        for path in paths:
            st = path.stat()
            key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
            if key not in self._suites:
                self._suites[key] = load_suite(path)
            out[f"{path.stem}.csv"] = self._suites[key]
        return out

    def definition(self, name: str, suite: Any, kept: tuple[int, ...]) -> Any:
        """The validation definition for these expectations of ``suite`` (made on first use)."""
        key = (id(suite), kept)
        if key not in self._definitions:
            gx = self.gx
            # (shallow) copies: the context gives expectations ids; the loaded suite keeps none
            expectations = [suite.expectations[i].copy(update={"id": None}) for i in kept]
            unique = f"{name}-{len(self._definitions)}"
            with _quiet_gx():
                added = self.context.suites.add(gx.ExpectationSuite(name=unique, expectations=expectations))
                self._definitions[key] = self.context.validation_definitions.add(
                    gx.ValidationDefinition(data=self.batch, suite=added, name=unique))
        return self._definitions[key]

    def run(self, name: str, suite: Any, kept: tuple[int, ...], df: pd.DataFrame) -> Any:
        """Check the frame cheaply; only a frame that fails runs again to name its rows.

        ``result_format="COMPLETE"`` makes GX compute, for every expectation, the failing
        values, their index and rows: more than half of the run's cost on a frame that passes.
        Pass/fail does not depend on the result format, so a suite is checked with
        ``BOOLEAN_ONLY`` and run again in full, as before, only when something failed.
        """
        vd = self.definition(name, suite, kept)
        with _quiet_gx():
            vr = vd.run(batch_parameters={"dataframe": df}, result_format=_CHECK_FORMAT)
            if not vr.success:
                vr = vd.run(batch_parameters={"dataframe": df}, result_format=_REPORT_FORMAT)
            # every run stores its results in the context (in memory): ~0.2 MB a document that
            # a `run` over a thousand PDFs would keep; nothing here reads them back
            store = self.context.validation_results_store
            for key in store.list_keys():
                store.remove_key(key)
        return vr


_ENGINE: _Engine | None = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


class _DocsRunner:
    """Data Docs (optional HTML) need a site on a context of their own and the full results
    stored: one fresh context per call, every suite run with ``COMPLETE``, as before."""

    def __init__(self, docs_dir: Path) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        with _quiet_gx():
            self.context = gx.get_context(mode="ephemeral")
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                                      metric_calculations=False)
            self.source = self.context.data_sources.add_pandas("dxextract")
            docs_dir.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(site_name="dxextract", site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })

    def run(self, name: str, suite: Any, kept: tuple[int, ...], df: pd.DataFrame) -> Any:
        gx = self.gx
        expectations = [suite.expectations[i].copy(update={"id": None}) for i in kept]
        with _quiet_gx():
            added = self.context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
            batch = self.source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
            vd = self.context.validation_definitions.add(
                gx.ValidationDefinition(data=batch, suite=added, name=name))
            return vd.run(batch_parameters={"dataframe": df}, result_format=_REPORT_FORMAT)

    def build_docs(self) -> None:
        with _quiet_gx():
            self.context.build_data_docs(site_names=["dxextract"])


def _fmt(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    if isinstance(v, tuple | list):
        return ", ".join(_fmt(x) for x in v)
    if _is_null(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _short(text: str, limit: int = 80) -> str:
    """One line of at most ``limit`` characters, for messages."""
    line = text.split("\n")[0]
    return line if len(line) <= limit and "\n" not in text else line[:limit] + "…"


def _page_of(df: pd.DataFrame, idx: Any) -> int | None:
    if "page" not in df.columns or idx not in df.index:
        return None
    n = _as_number(df.at[idx, "page"])
    return int(n) if n is not None and math.isfinite(n) else None


def _row_value(df: pd.DataFrame, idx: Any, meta: dict[str, Any], fallback: Any) -> str:
    """For a helper failure show the source values of the row, not the helper's False."""
    h = meta.get("helper")
    if not h or idx not in df.index:
        return _fmt(fallback)
    if h["kind"] == "no_null_text":
        return ", ".join(f"{c}={df.at[idx, c]!r}" for c in null_text_columns(df, idx))
    cols = [c for c in _helper_sources(h) if c in df.columns]
    if len(cols) == 1:
        return _fmt(df.at[idx, cols[0]])
    return ", ".join(f"{c}={_fmt(df.at[idx, c])}" for c in cols)


def _failure_rows(file: str, df: pd.DataFrame, vr: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in vr.results:
        if r.success:
            continue
        cfg = r.expectation_config
        meta, kwargs = dict(cfg.meta or {}), dict(cfg.kwargs)
        about = meta.get("about", cfg.type)
        column = _display_column(kwargs, meta)
        base = {"file": file, "expectation": cfg.type, "column": column}
        info = r.exception_info or {}
        exc = info.get("exception_message") if isinstance(info, dict) else None
        if exc is None and isinstance(info, dict):
            exc = next((v.get("exception_message") for v in info.values()
                        if isinstance(v, dict) and v.get("exception_message")), None)
        if exc:
            rows.append({**base, "value": "", "row": None, "page": None,
                         "message": f"{file}: {about}: could not be evaluated ({exc})"})
            continue
        res = r.result or {}
        idxs = res.get("unexpected_index_list")
        if idxs:
            values = res.get("unexpected_list") or [None] * len(idxs)
            for idx, val in zip(idxs, values, strict=False):
                if isinstance(idx, dict):  # GX returns dicts when index columns are named
                    idx = next(iter(idx.values()))
                shown = _row_value(df, idx, meta, val)
                page = _page_of(df, idx)
                where = f"row {idx}" + (f" (page {page})" if page is not None else "")
                got = _short(shown) if "=" in shown else f"{column}={_short(shown)}"
                if cfg.type == "expect_column_values_to_not_match_regex" and isinstance(val, str):
                    found_chars = sorted(set(re.findall(kwargs["regex"], val)))
                    got += " (found " + ", ".join(
                        f"{ch!r} U+{ord(ch):04X}" if len(ch) == 1 else repr(ch) for ch in found_chars) + ")"
                rows.append({**base, "value": shown, "row": idx, "page": page,
                             "message": f"{file} {where}: {about}; got {got}"})
            continue
        observed = res.get("observed_value")
        missing = (res.get("details") or {}).get("mismatched", {}).get("missing")
        if missing:
            for col in missing:
                rows.append({**base, "column": col, "value": "", "row": None, "page": None,
                             "message": f"{file}: required column {col!r} is missing"})
            continue
        rows.append({**base, "value": _fmt(observed), "row": None, "page": None,
                     "message": f"{file}: {about}; observed {_fmt(observed)}"})
    return rows


def _prepare(df: pd.DataFrame, suite: Any, frames: Frames
             ) -> tuple[pd.DataFrame, tuple[int, ...], list[str]]:
    """Add helper columns; keep (by position) the expectations whose columns exist; name
    missing columns."""
    work = df.copy()
    keep: list[int] = []
    missing: set[str] = set()
    for i, e in enumerate(suite.expectations):
        cfg = e.configuration
        meta, kwargs = dict(cfg.meta or {}), dict(cfg.kwargs)
        h = meta.get("helper")
        if h:
            absent = [c for c in _helper_sources(h) if c not in df.columns]
            if absent:
                missing.update(absent)
                continue
            series = HELPERS[h["kind"]](df, h, frames)
            if series is None:
                continue
            work[kwargs["column"]] = series.astype(bool)
            keep.append(i)
            continue
        if cfg.type == "expect_table_columns_to_match_set":
            keep.append(i)
            continue
        absent = [c for c in _expectation_columns(kwargs) if c not in df.columns]
        if absent:
            missing.update(absent)  # expect_table_columns_to_match_set reports them once
            continue
        keep.append(i)
    return work, tuple(keep), sorted(missing)


@dataclass(frozen=True)
class Validation:
    """What one validation found (``failures``, one row per failing value) and what it ran."""

    failures: pd.DataFrame
    #: expectations evaluated, over every suite that had a frame
    expectations: int
    #: expectations that failed (one may fail on many rows)
    failed: int
    seconds: float

    def __post_init__(self) -> None:
        from dxextract.errors import SettingsError

        for key in ("expectations", "failed"):
            if getattr(self, key) < 0:
                raise SettingsError(f"Validation.{key}: must be >= 0, got {getattr(self, key)!r}")
        if self.failed > self.expectations:
            raise SettingsError(f"Validation.failed: {self.failed} failed of only {self.expectations} run")

    def summary(self) -> dict[str, Any]:
        """For the manifest: what ran and what it found (no timing, so reruns stay identical)."""
        return {"ran": True, "expectations": self.expectations, "failed": self.failed}


def validate_outputs(frames: dict[str, pd.DataFrame], *, suites_dir: Path | None = None,
                     docs_dir: Path | None = None, progress: ProgressFn | None = None) -> pd.DataFrame:
    """Run the expectation suites over the output frames; return the failures as rows.

    ``frames`` maps output file names (``"status_items.csv"``) to DataFrames; files without a
    suite are ignored, suites without a frame are skipped, and cross-file rules that need a
    frame that was not passed are not checked. Returns a DataFrame with columns ``file,
    expectation, column, value, row, page, message`` (``row`` is the frame's index label of the
    failing row, ``page`` its printed page); an empty frame means everything passed.
    ``docs_dir``: also build GX Data Docs (HTML) there. ``progress(done, total)`` is called
    with expectations run so far, suite by suite (a CLI turns it into a bar).

    Great Expectations is imported, and its context and suites built, on the first call in a
    process only; later calls reuse them (see :func:`validate_frames` for the counts).

    Raises :class:`SuiteLoadError` when a suite file cannot be loaded in full.
    """
    return validate_frames(frames, suites_dir=suites_dir, docs_dir=docs_dir, progress=progress).failures


def validate_frames(frames: dict[str, pd.DataFrame], *, suites_dir: Path | None = None,
                    docs_dir: Path | None = None, progress: ProgressFn | None = None) -> Validation:
    """:func:`validate_outputs`, also saying how many expectations ran and failed."""
    t0 = time.perf_counter()
    # GX logs at INFO from import on (docs decorators, temp folders): quiet for the whole call;
    # one engine per process, used by one call at a time
    with _ENGINE_LOCK, _quiet_gx():
        out, n_run, n_failed = _validate(frames, suites_dir, docs_dir, progress)
    return Validation(out, n_run, n_failed, time.perf_counter() - t0)


def _validate(frames: Frames, suites_dir: Path | None, docs_dir: Path | None,
              progress: ProgressFn | None) -> tuple[pd.DataFrame, int, int]:
    engine = _engine()
    suites = engine.suites(suites_dir)
    runner: _Engine | _DocsRunner = engine if docs_dir is None else _DocsRunner(docs_dir)
    todo = [(file, suite) for file, suite in suites.items() if file in frames]
    total = sum(len(suite.expectations) for _, suite in todo)
    done = n_run = n_failed = 0
    if progress is not None:
        progress(0, total)
    rows: list[dict[str, Any]] = []
    for file, suite in todo:
        df = frames[file]
        work, kept, missing = _prepare(df, suite, frames)
        vr = runner.run(file.removesuffix(".csv"), suite, kept, work)
        n_run += len(vr.results)
        n_failed += sum(not r.success for r in vr.results)
        found = _failure_rows(file, df, vr)
        reported = {r["column"] for r in found if r["expectation"] == "expect_table_columns_to_match_set"}
        for col in missing:
            if col not in reported:  # a helper's source column that is not a contract column
                found.append({"file": file, "expectation": "expect_table_columns_to_match_set",
                              "column": col, "value": "", "row": None, "page": None,
                              "message": f"{file}: column {col!r} needed by a check is missing"})
        rows.extend(found)
        done += len(suite.expectations)
        if progress is not None:
            progress(done, total)
    if isinstance(runner, _DocsRunner):
        runner.build_docs()
    out = pd.DataFrame(rows, columns=FAILURE_COLUMNS)
    # index labels are ints for frames read from CSV; keep other labels as they are
    if all(isinstance(r, int) or r is None for r in out["row"]):
        out["row"] = out["row"].astype("Int64")
    out["page"] = out["page"].astype("Int64")
    return out, n_run, n_failed


def summarize_failures(failures: pd.DataFrame, limit: int = 20) -> list[str]:
    """Terminal lines: one per failure up to ``limit``, then a count of the rest."""
    lines = [str(m) for m in failures["message"].head(limit)]
    if len(failures) > limit:
        lines.append(f"... and {len(failures) - limit} more (see validation.csv)")
    return lines
