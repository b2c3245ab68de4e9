"""The knowledge of a report family, loaded from data under ``schemas/``.

Header words, column roles, numbering patterns and status vocabulary live in
``schemas/profiles/<name>.json``; this module only loads and compiles them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import SettingsError


def schemas_dir() -> Path:
    """The ``schemas/`` folder: inside the installed package, or the repository's own."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parents[1] / "schemas"):
        if candidate.is_dir():
            return candidate
    raise SettingsError(f"schemas folder not found beside {here} (reinstall dxextract)")


@dataclass(frozen=True)
class Profile:
    """A compiled report-family profile."""

    name: str
    raw: dict[str, Any]
    year_header: re.Pattern[str]
    detail_columns: dict[str, tuple[re.Pattern[str], ...]]
    matrix_columns: dict[str, re.Pattern[str]]
    number_prefix: dict[str, re.Pattern[str]]
    caption_strategy: re.Pattern[str]
    kpi_label: re.Pattern[str]
    department_suffixes: tuple[str, ...]
    department_words: tuple[str, ...]

    def kind_setting(self, kind: str, key: str, default: Any = None) -> Any:
        return self.raw.get("kinds", {}).get(kind, {}).get(key, default)


@cache
def load_profile(name: str = "dx_report") -> Profile:
    """Load and compile ``schemas/profiles/<name>.json``."""
    path = schemas_dir() / "profiles" / f"{name}.json"
    if not path.exists():
        raise SettingsError(f"profile {name!r}: no file {path}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        return Profile(
            name=raw["name"],
            raw=raw,
            year_header=re.compile(raw["kinds"]["status_matrix"]["year_header"]),
            detail_columns={role: tuple(re.compile(p) for p in pats)
                            for role, pats in raw["detail_columns"].items()},
            matrix_columns={k: re.compile(v) for k, v in raw["matrix_columns"].items()},
            number_prefix={k: re.compile(v) for k, v in raw["number_prefix"].items()},
            caption_strategy=re.compile(raw["caption_strategy"]),
            kpi_label=re.compile(raw["kinds"]["kpi_panel"]["label_marker"]),
            department_suffixes=tuple(raw.get("department_suffixes", [])),
            department_words=tuple(raw.get("department_words", [])),
        )
    except KeyError as e:
        raise SettingsError(f"profile {path}: missing key {e}") from e
    except re.error as e:
        raise SettingsError(f"profile {path}: bad pattern: {e}") from e
