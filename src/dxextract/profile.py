"""The knowledge of a report family, loaded from data under ``schemas/``.

Header words, column roles, numbering patterns and status vocabulary live in
``schemas/profiles/<name>.json``; this module loads them once into frozen, typed settings
(:class:`Profile` and one dataclass per table kind) and checks them, so that a mistake in the
file is one :class:`~dxextract.errors.ProfileError` naming the file and the key, not a
``KeyError`` deep inside the interpret stage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from dxextract.errors import ProfileError, SettingsError
from dxextract.text.normalize import STATUS_CODES

T = TypeVar("T")

#: × < ▲ < ○; 取り下げ and — have no direction
DEFAULT_STATUS_RANK = {"×": 0, "▲": 1, "○": 2}
#: the fiscal year a report covers, from its title (…令和5年度実績報告): group 1 is the year
DEFAULT_REPORT_YEAR = r"((?:令和|平成|R)\s*[0-9元]+|20[0-9]{2})\s*年度\s*(?:の)?\s*(?:実績|報告|取り?組)"


def schemas_dir() -> Path:
    """The ``schemas/`` folder: inside the installed package, or the repository's own."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parents[1] / "schemas"):
        if candidate.is_dir():
            return candidate
    raise SettingsError(f"schemas folder not found beside {here} (reinstall dxextract)")


def _need(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ProfileError(f"profile key {key!r}: {message}")


@dataclass(frozen=True)
class LegendSettings:
    """``kinds.status_legend``: a legend names 凡例 and shows a few status symbols in a narrow table."""

    any_cell: tuple[re.Pattern[str], ...]
    min_symbol_cells: int = 2
    max_cols: int = 4

    def __post_init__(self) -> None:
        _need(bool(self.any_cell), "kinds.status_legend.any_cell", "needs at least one pattern")
        _need(self.min_symbol_cells >= 1, "kinds.status_legend.min_symbol_cells",
              f"must be >= 1, got {self.min_symbol_cells!r}")
        _need(self.max_cols >= 1, "kinds.status_legend.max_cols", f"must be >= 1, got {self.max_cols!r}")


@dataclass(frozen=True)
class MatrixSettings:
    """``kinds.status_matrix``: ≥ ``min_year_columns`` 年度 headers over mostly status symbols."""

    year_header: re.Pattern[str]
    min_year_columns: int = 2
    min_symbol_share: float = 0.6

    def __post_init__(self) -> None:
        _need(self.min_year_columns >= 1, "kinds.status_matrix.min_year_columns",
              f"must be >= 1, got {self.min_year_columns!r}")
        _need(0.0 <= self.min_symbol_share <= 1.0, "kinds.status_matrix.min_symbol_share",
              f"must be between 0 and 1, got {self.min_symbol_share!r}")


@dataclass(frozen=True)
class DetailSettings:
    """``kinds.detail``: the column roles a header row must name."""

    header_roles_required: tuple[str, ...] = ("measure", "activity", "result")

    def __post_init__(self) -> None:
        _need(bool(self.header_roles_required), "kinds.detail.header_roles_required", "must name a role")


@dataclass(frozen=True)
class KpiSettings:
    """``kinds.kpi_panel``: numbered labels (``label_marker``) with their values below."""

    label_marker: re.Pattern[str]
    min_labels: int = 3

    def __post_init__(self) -> None:
        _need(self.min_labels >= 1, "kinds.kpi_panel.min_labels", f"must be >= 1, got {self.min_labels!r}")


@dataclass(frozen=True)
class Profile:
    """A compiled report-family profile: every header word, pattern and threshold, typed."""

    name: str
    legend: LegendSettings
    matrix: MatrixSettings
    detail: DetailSettings
    kpi: KpiSettings
    detail_columns: Mapping[str, tuple[re.Pattern[str], ...]]
    matrix_columns: Mapping[str, re.Pattern[str]]
    number_prefix: Mapping[str, re.Pattern[str]]
    caption_strategy: re.Pattern[str]
    report_year: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_REPORT_YEAR))
    department_suffixes: tuple[str, ...] = ()
    department_words: tuple[str, ...] = ()
    #: status symbol -> its order for year-over-year change (×▲○: worse to better)
    status_rank: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_STATUS_RANK))
    #: status symbol (as normalize.fold_status gives it) -> the contract's status code
    status_codes: Mapping[str, str] = field(default_factory=lambda: dict(STATUS_CODES))
    description: str = ""

    def __post_init__(self) -> None:
        _need(bool(self.name), "name", "must not be empty")
        for role in self.detail.header_roles_required:
            _need(role in self.detail_columns, "kinds.detail.header_roles_required",
                  f"role {role!r} has no patterns under 'detail_columns'")
        for key in ("strategy", "measure", "item"):
            _need(key in self.matrix_columns, f"matrix_columns.{key}", "is required")
        for key in ("strategy", "measure", "item", "kpi"):
            _need(key in self.number_prefix, f"number_prefix.{key}", "is required")
        _need(self.report_year.groups >= 1, "report_year", "needs a group around the year")
        unknown = sorted(set(self.status_codes) - set(STATUS_CODES))
        _need(not unknown, "status_codes", f"symbols {unknown} are not status symbols ({' '.join(STATUS_CODES)})")
        _need(set(self.status_rank) <= set(self.status_codes), "status_rank",
              f"ranks symbols without a status code: {sorted(set(self.status_rank) - set(self.status_codes))}")

    @property
    def year_header(self) -> re.Pattern[str]:
        """A status-matrix header cell that names a 年度."""
        return self.matrix.year_header

    @property
    def kpi_label(self) -> re.Pattern[str]:
        """A KPI panel's numbered label."""
        return self.kpi.label_marker


# --- loading ----------------------------------------------------------------------------------


def _at(raw: Any, key: str) -> Any:
    """``raw``'s value at the dotted ``key``; a missing step names the whole key."""
    value = raw
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ProfileError(f"profile key {key!r}: missing")
        value = value[part]
    return value


def _typed(raw: Any, key: str, kind: Callable[[Any], T], default: T | None = None) -> T:
    try:
        value = _at(raw, key)
    except ProfileError:
        if default is None:
            raise
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):  # type: ignore[arg-type]
        raise ProfileError(f"profile key {key!r}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value  # type: ignore[no-any-return]


def _pattern(text: Any, key: str) -> re.Pattern[str]:
    if not isinstance(text, str):
        raise ProfileError(f"profile key {key!r}: expected a pattern (a string), got {text!r}")
    try:
        return re.compile(text)
    except re.error as e:
        raise ProfileError(f"profile key {key!r}: bad pattern {text!r} ({e})") from e


def _patterns(raw: Any, key: str) -> dict[str, re.Pattern[str]]:
    return {k: _pattern(v, f"{key}.{k}") for k, v in _typed(raw, key, dict).items()}


def _strings(raw: Any, key: str, default: tuple[str, ...] | None = ()) -> tuple[str, ...]:
    """A list of strings at ``key``; missing: ``default`` (None: required)."""
    try:
        values = _at(raw, key)
    except ProfileError:
        if default is None:
            raise
        return default
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProfileError(f"profile key {key!r}: expected a list of strings, got {values!r}")
    return tuple(values)


def _ranks(raw: Any, key: str) -> dict[str, int]:
    values = _typed(raw, key, dict, dict(DEFAULT_STATUS_RANK))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
        raise ProfileError(f"profile key {key!r}: expected symbol -> integer, got {values!r}")
    return dict(values)


def _codes(raw: Any, key: str) -> dict[str, str]:
    values = _typed(raw, key, dict, dict(STATUS_CODES))
    if not all(isinstance(v, str) and v for v in values.values()):
        raise ProfileError(f"profile key {key!r}: expected symbol -> code, got {values!r}")
    return dict(values)


def profile_from_dict(raw: Any) -> Profile:
    """Check and compile a profile's JSON (already parsed); :class:`ProfileError` names the key."""
    k = "kinds.status_legend."
    legend = LegendSettings(tuple(_pattern(p, k + "any_cell") for p in _strings(raw, k + "any_cell", None)),
                            _typed(raw, k + "min_symbol_cells", int, 2), _typed(raw, k + "max_cols", int, 4))
    k = "kinds.status_matrix."
    matrix = MatrixSettings(_pattern(_at(raw, k + "year_header"), k + "year_header"),
                            _typed(raw, k + "min_year_columns", int, 2),
                            _typed(raw, k + "min_symbol_share", float, 0.6))
    detail = DetailSettings(_strings(raw, "kinds.detail.header_roles_required",
                                     DetailSettings.header_roles_required))
    kpi = KpiSettings(_pattern(_at(raw, "kinds.kpi_panel.label_marker"), "kinds.kpi_panel.label_marker"),
                      _typed(raw, "kinds.kpi_panel.min_labels", int, 3))
    detail_columns = {role: tuple(_pattern(p, f"detail_columns.{role}") for p in _strings(raw, f"detail_columns.{role}", None))
                      for role in _typed(raw, "detail_columns", dict)}
    return Profile(
        name=_typed(raw, "name", str), legend=legend, matrix=matrix, detail=detail, kpi=kpi,
        detail_columns=detail_columns, matrix_columns=_patterns(raw, "matrix_columns"),
        number_prefix=_patterns(raw, "number_prefix"),
        caption_strategy=_pattern(_at(raw, "caption_strategy"), "caption_strategy"),
        report_year=_pattern(_typed(raw, "report_year", str, DEFAULT_REPORT_YEAR), "report_year"),
        department_suffixes=_strings(raw, "department_suffixes"),
        department_words=_strings(raw, "department_words"),
        status_rank=_ranks(raw, "status_rank"),
        status_codes=_codes(raw, "status_codes"),
        description=_typed(raw, "description", str, ""),
    )


def load_profile_file(path: Path) -> Profile:
    """Load, check and compile one profile file; every problem names ``path`` and the key."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ProfileError(f"profile {path}: cannot read it ({e.strerror or e})") from e
    except ValueError as e:
        raise ProfileError(f"profile {path}: not valid JSON ({e})") from e
    try:
        return profile_from_dict(raw)
    except ProfileError as e:
        raise ProfileError(f"profile {path}: {e}") from e


@cache
def load_profile(name: str = "dx_report") -> Profile:
    """Load and compile ``schemas/profiles/<name>.json`` (once per process)."""
    path = schemas_dir() / "profiles" / f"{name}.json"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.json"))
        raise ProfileError(f"profile {name!r}: no file {path} (known: {', '.join(known) or 'none'})")
    return load_profile_file(path)
