"""Audit stage: recompute what the report derives from its own figures.

Three kinds of arithmetic are printed in this report family, and each is checked from the
figures of ``figures.csv`` (and the KPI panel of ``kpis.csv``):

1. rates from their counts (利用率 = オンライン予約件数 / 総予約数 x 100, and the complement
   form 正しい対応をした職員の割合 = (職員 - 閲覧した職員) / 職員);
2. hours saved from a count and minutes per item (件数 x 1件当たり10分 / 60 = 業務時間の削減);
3. totals from parts: a KPI against the detail rows it summarizes (削減された業務時間 against
   every 業務時間の削減, スマホ教室 against its organisers, ...) and a row's 参加者 against the
   per-organiser figures of the same row.

Which labels form a relation, and which KPI sums which rows, is data in
``schemas/audit_rules.json`` (label and text patterns, never row numbers).

Tolerance: a printed figure is rounded to the precision it is printed with, so it is wrong
only if ``|printed - recomputed| > 0.5 * 10**-decimals`` (plus a float epsilon); for a sum of
rounded parts the parts' rounding adds up. Severity ``error`` = wrong beyond rounding with
exact inputs; ``warning`` = off, but the inputs are approximate (約, 以上, ...) or the
report does not say which of several counts it used (unverifiable, not wrong).

以上 on a KPI total ("8,411時間以上") states a lower bound: the true saving is at least the
printed number, because some savings were not quantified (削減時間は不明). The itemized
figures are the report's only support for the bound, so a printed bound ABOVE their sum
claims savings the report cannot show: error. A bound BELOW their sum is still true but not
the sum the report meant to print (a part was probably added after the KPI was computed):
warning.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from dxextract.errors import SettingsError

AUDIT_COLUMNS = ["check", "severity", "strategy_no", "measure_no", "seq", "printed", "expected",
                 "message", "page", "kpi_no", "row_label", "raw"]
EPSILON = 1e-9
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_BULLET = re.compile(r"^[\s■□●○◆◇・\-－]+")
_TRAILING_PAREN = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


# --- rules ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditRules:
    """``schemas/audit_rules.json``, loaded as is (patterns compiled on use)."""

    data: dict[str, Any]
    #: where the rules were read from (named in every error)
    source: str = "audit rules"

    def __post_init__(self) -> None:
        path, data = self.source, self.data
        for key in ("rates", "hours_saved", "row_totals", "kpi_rules"):
            if key not in data:
                raise SettingsError(f"{path}: audit rules need the key {key!r}")
        for group in ("rates", "row_totals", "kpi_rules"):
            if not isinstance(data[group], list):
                raise SettingsError(f"{path}: audit rules key {group!r}: expected a list of rules")
            for rule in data[group]:
                _check_patterns(path, group, rule)

    @property
    def approximate(self) -> tuple[str, ...]:
        return tuple(self.data.get("approximate_qualifiers", []))

    def same_unit(self, a: str, b: str) -> bool:
        if a == b:
            return True
        return any(a in group and b in group for group in self.data.get("equivalent_units", []))


def default_rules_path() -> Path:
    """``schemas/audit_rules.json`` of the installed package or of the repository."""
    from dxextract.profile import schemas_dir

    return schemas_dir() / "audit_rules.json"


@cache
def _load_rules_cached(path: str) -> AuditRules:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{path}: cannot read the audit rules ({exc})") from exc
    return AuditRules(data, path)


def _check_patterns(path: str, group: str, rule: Any) -> None:
    """Every pattern of one rule compiles; an error names the rule and the key."""
    if not isinstance(rule, dict):
        raise SettingsError(f"{path}: {group}: a rule must be an object, got {rule!r}")
    for k, v in rule.items():
        if k.endswith(("_label", "_exclude", "_text")) and isinstance(v, str):
            try:
                re.compile(v)
            except re.error as exc:
                raise SettingsError(f"{path}: {group} rule {rule.get('name')!r}, key {k!r}: "
                                    f"bad pattern {v!r} ({exc})") from exc


def load_audit_rules(path: Path | None = None) -> AuditRules:
    """Load (and cache) the audit rules; ``SettingsError`` names a bad key or pattern."""
    return _load_rules_cached(str(path or default_rules_path()))


def _has(pattern: str | None, text: str) -> bool:
    return bool(pattern) and re.search(pattern, text) is not None  # type: ignore[arg-type]


# --- figures --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Fig:
    """One figure as the audit sees it."""

    label: str
    value: float
    unit: str
    qualifier: str
    raw: str
    column: str
    page: int | None
    decimals: int


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return unicodedata.normalize("NFKC", str(v)).strip()


def _float_or_none(v: Any) -> float | None:
    if v is None or v is pd.NA or isinstance(v, bool):
        return None
    try:
        n = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(n) else n


def _int_or_none(v: Any) -> int | None:
    n = _float_or_none(v)
    return None if n is None else int(n)


def _row_key(rec: dict[str, Any]) -> tuple[int, int, int] | None:
    """(strategy_no, measure_no, seq) of a record, or None when one is missing."""
    s, m, q = (_int_or_none(rec.get(c)) for c in ("strategy_no", "measure_no", "seq"))
    return None if s is None or m is None or q is None else (s, m, q)


def printed_decimals(value: float, raw: str = "") -> int:
    """Decimals the figure was printed with: from ``raw`` when it shows the number, else value."""
    for m in _NUMBER.findall(unicodedata.normalize("NFKC", raw or "")):
        s = m.replace(",", "")
        if abs(float(s) - value) < EPSILON:
            return len(s.split(".")[1]) if "." in s else 0
    if float(value).is_integer():
        return 0
    return min(len(repr(float(value)).split(".")[1]), 6)


def tolerance(decimals: int) -> float:
    """Half a unit of the last printed digit: 25.4 -> 0.05, 467 -> 0.5."""
    return 0.5 * 10.0 ** (-decimals)


def judge(printed: float, recomputed: float, decimals: int, *, approximate: bool = False,
          extra_tolerance: float = 0.0) -> str | None:
    """Severity of a printed figure against its recomputation, or None when consistent.

    Consistent when ``|printed - recomputed| <= 0.5 * 10**-decimals (+ extra) + epsilon``;
    beyond that ``error``, or ``warning`` when an input is approximate (約, 以上, ...).
    """
    limit = tolerance(decimals) + extra_tolerance + EPSILON * max(1.0, abs(printed))
    if abs(printed - recomputed) <= limit:
        return None
    return "warning" if approximate else "error"


def _round(value: float, decimals: int) -> float:
    """Half-up rounding, the way the report's authors round (Excel)."""
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _fig_fmt(f: _Fig) -> str:
    return f"{_fmt(f.value, f.decimals)}{f.unit}"


def _frame_figs(figures: pd.DataFrame) -> dict[tuple[int, int, int], list[_Fig]]:
    rows: dict[tuple[int, int, int], list[_Fig]] = {}
    for rec in figures.to_dict("records"):
        key = _row_key(rec)
        value = _float_or_none(rec.get("value"))
        if value is None or key is None:
            continue
        raw = _text(rec.get("raw"))
        rows.setdefault(key, []).append(_Fig(
            label=_text(rec.get("label")), value=value, unit=_text(rec.get("unit")),
            qualifier=_text(rec.get("qualifier")), raw=raw, column=_text(rec.get("column")),
            page=_int_or_none(rec.get("page")), decimals=printed_decimals(value, raw)))
    return rows


def row_label(activity: str, limit: int = 24) -> str:
    """A short name for a detail row: the first line of its activity, without bullet and
    trailing department ("■健診Web予約システム (健康医療政策課)" -> "健診Web予約システム")."""
    first = next((ln for ln in (activity or "").split("\n") if ln.strip()), "")
    name = _TRAILING_PAREN.sub("", _BULLET.sub("", first)).strip()
    return name if len(name) <= limit else name[: limit - 4] + "…"


@dataclass(frozen=True)
class _Row:
    key: tuple[int, int, int]
    label: str
    text: str
    page: int | None
    activity: str = ""

    def label_near(self, raw: str) -> str:
        """The row's name for a figure: the ■ heading above the line that prints ``raw``.

        A detail row often lists several initiatives (■ GIS, ■ テレワーク, ...); naming the
        one whose numbers are in question is what a reader needs.
        """
        probe = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))
        lines = self.activity.split("\n")
        for i, line in enumerate(lines):
            if probe and probe in re.sub(r"\s+", "", unicodedata.normalize("NFKC", line)):
                for head in reversed(lines[: i + 1]):
                    if head.lstrip().startswith(("■", "□", "●", "◆")):
                        return row_label(head)
                break
        return self.label

    @property
    def where(self) -> str:
        s, m, q = self.key
        page = f"page {self.page}, " if self.page is not None else ""
        return f"{page}strategy {s} measure {m} row {q}"


def _frame_rows(initiatives: pd.DataFrame) -> dict[tuple[int, int, int], _Row]:
    out: dict[tuple[int, int, int], _Row] = {}
    for rec in initiatives.to_dict("records"):
        key = _row_key(rec)
        if key is None:
            continue
        texts = [_text(rec.get(c)) for c in ("activity", "result", "next_plan")]
        out[key] = _Row(key, row_label(texts[0]), "\n".join(texts), _int_or_none(rec.get("page")),
                        texts[0])
    return out


# --- findings -------------------------------------------------------------------------------

@dataclass
class _Finding:
    check: str
    severity: str
    printed: _Fig
    expected: float
    message: str
    key: tuple[int, int, int] | None = None
    kpi_no: int | None = None
    label: str = ""
    page: int | None = None

    def record(self) -> dict[str, Any]:
        s, m, q = self.key if self.key else (None, None, None)
        return {"check": self.check, "severity": self.severity, "strategy_no": s, "measure_no": m,
                "seq": q, "printed": self.printed.value, "expected": self.expected,
                "message": self.message, "page": self.page if self.page is not None else self.printed.page,
                "kpi_no": self.kpi_no, "row_label": self.label, "raw": self.printed.raw}


def _approx(rules: AuditRules, *figs: _Fig) -> bool:
    return any(q in f.qualifier or q in f.raw for f in figs for q in rules.approximate)


def _row_name(row: _Row | None, key: tuple[int, int, int], raw: str = "") -> tuple[str, str]:
    if row is None:
        s, m, q = key
        return f"row {q}", f"strategy {s} measure {m} row {q}"
    return row.label_near(raw), row.where


# 1. rates ------------------------------------------------------------------------------------

def _rate_operands(rule: dict[str, Any], figs: list[_Fig]) -> list[tuple[_Fig, _Fig]]:
    """(a, b) pairs a rule can compute a rate from: numerator/denominator or part/total."""
    units = set(rule.get("units", []))
    counts = [f for f in figs if f.unit in units]
    if rule.get("formula") == "complement":
        parts = [f for f in counts if _has(rule["part_label"], f.label)]
        totals = [f for f in counts if _has(rule["total_label"], f.label) and f not in parts]
    else:
        totals = [f for f in counts if _has(rule["denominator_label"], f.label)]
        parts = [f for f in counts if _has(rule["numerator_label"], f.label) and f not in totals]
    return [(a, b) for a in parts for b in totals
            if b.value > 0 and a.value <= b.value and a.unit == b.unit]


def _rate_value(rule: dict[str, Any], a: _Fig, b: _Fig) -> float:
    if rule.get("formula") == "complement":
        return (b.value - a.value) / b.value * 100.0
    return a.value / b.value * 100.0


def _rate_formula(rule: dict[str, Any], a: _Fig, b: _Fig) -> str:
    if rule.get("formula") == "complement":
        return (f"({b.label} - {a.label})/{b.label} = ({_fmt(b.value, b.decimals)} - "
                f"{_fmt(a.value, a.decimals)})/{_fmt(b.value, b.decimals)}")
    return f"{a.label}/{b.label} = {_fmt(a.value, a.decimals)}/{_fmt(b.value, b.decimals)}"


def check_rates(rules: AuditRules, key: tuple[int, int, int], figs: list[_Fig],
                row: _Row | None) -> tuple[list[_Finding], _Fig | None]:
    """Rates of one row; also returns the numerator a unique usage pair used (for hours)."""
    findings: list[_Finding] = []
    numerator: _Fig | None = None
    done: set[int] = set()
    for rule in rules.data["rates"]:
        rates = [f for f in figs if f.unit == "%" and id(f) not in done
                 and _has(rule["rate_label"], f.label) and not _has(rule.get("rate_exclude"), f.label)]
        pairs = _rate_operands(rule, figs)
        if not rates or not pairs:
            continue
        if rule.get("formula") != "complement" and len(pairs) == 1:
            numerator = pairs[0][0]
        for rate in rates:
            done.add(id(rate))
            results = [(a, b, _rate_value(rule, a, b)) for a, b in pairs]
            verdicts = [judge(rate.value, v, rate.decimals, approximate=_approx(rules, rate, a, b))
                        for a, b, v in results]
            if any(v is None for v in verdicts):
                continue
            a, b, value = results[0]
            name, where = _row_name(row, key, a.raw)
            unique = len(pairs) == 1 and len(rates) == 1
            severity = verdicts[0] if unique else "warning"
            expected = _round(value, rate.decimals)
            msg = (f"{name} ({where}): printed {rate.label} {_fig_fmt(rate)}, but "
                   f"{_rate_formula(rule, a, b)} = {_fmt(expected, rate.decimals)}%")
            if not unique:
                msg += f" (one of {len(pairs)} possible count pairs; none matches)"
            findings.append(_Finding("rate", severity or "warning", rate, expected, msg, key=key,
                                     label=name))
    return findings, numerator


# 2. hours saved ------------------------------------------------------------------------------

def check_hours(rules: AuditRules, key: tuple[int, int, int], figs: list[_Fig], row: _Row | None,
                numerator: _Fig | None) -> list[_Finding]:
    """業務時間の削減 against count x minutes / 60 within one row."""
    h = rules.data["hours_saved"]
    hours = [f for f in figs if f.unit in h["hours_units"] and _has(h["hours_label"], f.label)]
    minutes = [f for f in figs if f.unit in h["minutes_units"] and _has(h["minutes_label"], f.label)]
    if not hours or len(minutes) != 1:
        return []  # no per-item time printed (AI-OCR, 引越し ranges): nothing to recompute
    per = minutes[0]
    denominators = [r["denominator_label"] for r in rules.data["rates"] if r.get("denominator_label")]
    counts = [f for f in figs if f.unit in h["count_units"] and not _has(h.get("count_exclude_label"), f.label)
              and not any(_has(p, f.label) for p in denominators)]
    if numerator is not None:
        basis: list[_Fig] = [numerator]
    elif counts:
        basis = counts
    else:
        return []
    name, where = _row_name(row, key, basis[0].raw)
    findings = []
    for printed in hours:
        total = sum(f.value for f in basis)
        value = total * per.value / 60.0
        approx = _approx(rules, printed, per, *basis)
        verdict = judge(printed.value, value, printed.decimals, approximate=approx)
        if verdict is None:
            continue
        expected = _round(value, printed.decimals)
        basis_text = " + ".join(f"{f.label} {_fig_fmt(f)}" for f in basis)
        if len(basis) > 1:
            basis_text = f"({basis_text})"
        calc = f"{basis_text} x {_fig_fmt(per)} / 60 = {_fmt(expected, printed.decimals)}時間"
        # a single count that explains the printed hours when the chosen basis does not
        alternatives = [f for f in counts if [f] != basis and judge(
            printed.value, f.value * per.value / 60.0, printed.decimals) is None]
        unique = len(basis) == 1 and (numerator is not None or len(counts) == 1)
        if alternatives:
            alt = alternatives[0]
            expected = _round(alt.value * per.value / 60.0, printed.decimals)
            msg = (f"{name} ({where}): printed {printed.label} {_fig_fmt(printed)} = {alt.label} "
                   f"{_fig_fmt(alt)} x {_fig_fmt(per)} / 60 = {_fmt(expected, printed.decimals)}時間, "
                   f"but the row prints {len(counts)} counts and does not say which one was used "
                   f"(all of them: {calc})")
            severity = "warning"
        else:
            msg = f"{name} ({where}): printed {printed.label} {_fig_fmt(printed)}, but {calc}"
            severity = verdict if unique else "warning"
        findings.append(_Finding("hours_saved", severity, printed, expected, msg, key=key, label=name))
    return findings


# 3. totals -----------------------------------------------------------------------------------

def _sum_text(parts: list[_Fig]) -> str:
    shown = " + ".join(_fmt(f.value, f.decimals) for f in parts[:8])
    return shown + (" + …" if len(parts) > 8 else "")


def check_row_totals(rules: AuditRules, key: tuple[int, int, int], figs: list[_Fig],
                     row: _Row | None) -> list[_Finding]:
    """A row's total (参加者317人 in 状況) against the same-unit figures of another column."""
    findings = []
    for rule in rules.data["row_totals"]:
        totals = [f for f in figs if f.column == rule["total_column"] and _has(rule["total_label"], f.label)]
        for total in totals:
            parts = [f for f in figs if f.column == rule["parts_column"] and f is not total
                     and rules.same_unit(f.unit, total.unit)]
            if len(parts) < 2:
                continue
            value = sum(f.value for f in parts)
            verdict = judge(total.value, value, total.decimals, approximate=_approx(rules, total, *parts))
            if verdict is None:
                continue
            name, where = _row_name(row, key, parts[0].raw)
            msg = (f"{name} ({where}): printed {total.label} {_fig_fmt(total)}, but the "
                   f"{rule['parts_column']} figures add up to {_sum_text(parts)} = "
                   f"{_fmt(value, total.decimals)}{total.unit}")
            findings.append(_Finding("row_total", verdict, total, value, msg, key=key, label=name))
    return findings


def _kpi_mark(no: int | None) -> str:
    return chr(0x2460 + no - 1) if no is not None and 1 <= no <= 20 else f"#{no}"


def check_kpis(rules: AuditRules, kpis: pd.DataFrame, figs: dict[tuple[int, int, int], list[_Fig]],
               rows: dict[tuple[int, int, int], _Row]) -> list[_Finding]:
    """KPI-panel figures against the detail figures they summarize (kpi_rules)."""
    findings: list[_Finding] = []
    for rec in kpis.to_dict("records"):
        label = _text(rec.get("label"))
        value = _float_or_none(rec.get("value"))
        if value is None:
            continue
        raw = _text(rec.get("raw"))
        kpi = _Fig(label=label, value=value, unit=_text(rec.get("unit")), qualifier=_text(rec.get("qualifier")),
                   raw=raw, column="", page=_int_or_none(rec.get("page")),
                   decimals=printed_decimals(value, raw))
        no = _int_or_none(rec.get("kpi_no"))
        for rule in rules.data["kpi_rules"]:
            if not _has(rule["kpi_label"], label):
                continue
            finding = _check_kpi(rules, rule, kpi, no, figs, rows)
            if finding is not None:
                findings.append(finding)
            break  # one rule per KPI figure: the first whose label matches
    return findings


def _kpi_parts(rules: AuditRules, rule: dict[str, Any], kpi: _Fig,
               figs: dict[tuple[int, int, int], list[_Fig]],
               rows: dict[tuple[int, int, int], _Row]) -> list[tuple[tuple[int, int, int], _Fig]]:
    parts = []
    for key, row_figs in figs.items():
        row = rows.get(key)
        if rule.get("rows_text") and (row is None or not _has(rule["rows_text"], row.text)):
            continue
        for f in row_figs:
            if rule.get("parts_label") and not _has(rule["parts_label"], f.label):
                continue
            if rule.get("parts_column") and f.column != rule["parts_column"]:
                continue
            unit = rule.get("parts_unit")
            if unit == "same" and not rules.same_unit(f.unit, kpi.unit):
                continue
            if unit not in (None, "same") and not rules.same_unit(f.unit, unit):
                continue
            parts.append((key, f))
    return parts


def _check_kpi(rules: AuditRules, rule: dict[str, Any], kpi: _Fig, no: int | None,
               figs: dict[tuple[int, int, int], list[_Fig]],
               rows: dict[tuple[int, int, int], _Row]) -> _Finding | None:
    head = f"KPI {_kpi_mark(no)} {kpi.label}" + (f" (page {kpi.page})" if kpi.page is not None else "")
    parts = _kpi_parts(rules, rule, kpi, figs, rows)
    if not parts:
        return _Finding("kpi_total" if rule["op"] == "sum" else "kpi_same_figure", "warning", kpi,
                        float("nan"), f"{head}: printed {_fig_fmt(kpi)}; no detail figure found to "
                        f"verify it (rule {rule.get('name')!r})", kpi_no=no, label=kpi.label)
    approx = _approx(rules, *(f for _, f in parts))
    if rule["op"] == "equal":
        verdicts = [judge(kpi.value, f.value, min(kpi.decimals, f.decimals), approximate=approx)
                    for _, f in parts]
        if any(v is None for v in verdicts):
            return None
        key, f = parts[0]
        name, where = _row_name(rows.get(key), key, f.raw)
        severity = (verdicts[0] or "warning") if len(parts) == 1 else "warning"
        return _Finding("kpi_same_figure", severity, kpi, f.value,
                        f"{head}: printed {_fig_fmt(kpi)}, but the detail row {name} ({where}) prints "
                        f"{f.label} {_fig_fmt(f)}", kpi_no=no, label=kpi.label)
    total = sum(f.value for _, f in parts)
    extra = sum(tolerance(f.decimals) for _, f in parts) if rule.get("parts_rounded") else 0.0
    verdict = judge(kpi.value, total, kpi.decimals, approximate=approx, extra_tolerance=extra)
    if verdict is None:
        return None
    shown = f"{len(parts)} detail figures {_sum_text([f for _, f in parts])} = {_fmt(total, kpi.decimals)}{kpi.unit}"
    bound = rule.get("lower_bound_qualifier")
    if bound and bound in (kpi.qualifier + kpi.raw):
        if kpi.value < total:
            return _Finding("kpi_total", "warning", kpi, total,
                            f"{head}: printed {_fig_fmt(kpi)}{bound}, a lower bound below the sum of its "
                            f"{shown}; true, but not the sum (was a part added later?)",
                            kpi_no=no, label=kpi.label)
        return _Finding("kpi_total", verdict, kpi, total,
                        f"{head}: printed {_fig_fmt(kpi)}{bound}, but its {shown}; the bound claims "
                        "more than the itemized figures show", kpi_no=no, label=kpi.label)
    return _Finding("kpi_total", verdict, kpi, total, f"{head}: printed {_fig_fmt(kpi)}, but its {shown}",
                    kpi_no=no, label=kpi.label)


# --- entry point ----------------------------------------------------------------------------

def audit_report(initiatives: pd.DataFrame, figures: pd.DataFrame, kpis: pd.DataFrame, *,
                 rules: AuditRules | None = None) -> pd.DataFrame:
    """Recompute the report's derived figures; return one row per finding (audit.csv).

    Columns: ``check`` (rate, hours_saved, row_total, kpi_total, kpi_same_figure),
    ``severity`` (error: wrong beyond the printed rounding; warning: approximate inputs or an
    unverifiable basis), ``strategy_no, measure_no, seq`` of the detail row (empty for KPI
    findings), ``printed`` (the printed number), ``expected`` (the recomputation, rounded to
    the printed precision), ``message``, ``page``, plus ``kpi_no``, ``row_label`` and ``raw``.
    An empty frame means every checkable figure agrees with its components.
    """
    rules = rules or load_audit_rules()
    figs = _frame_figs(figures)
    rows = _frame_rows(initiatives)
    findings: list[_Finding] = []
    for key in sorted(figs):
        row = rows.get(key)
        rate_findings, numerator = check_rates(rules, key, figs[key], row)
        findings += rate_findings
        findings += check_hours(rules, key, figs[key], row, numerator)
        findings += check_row_totals(rules, key, figs[key], row)
    findings += check_kpis(rules, kpis, figs, rows)
    out = pd.DataFrame([f.record() for f in findings], columns=AUDIT_COLUMNS)
    for col in ("strategy_no", "measure_no", "seq", "page", "kpi_no"):
        out[col] = out[col].astype("Int64")
    for col in ("printed", "expected"):
        out[col] = out[col].astype("float64")
    return out
