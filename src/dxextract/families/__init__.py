"""Report families: what dxextract knows about each kind of document, behind one interface.

:mod:`.base` holds the interface (:class:`ReportFamily`) and the registry (:data:`FAMILIES`);
:mod:`.dx_report` is the DX推進計画 実績報告 family and :mod:`.tables` the default for any
document no family claims. Importing this package registers both.
"""

from __future__ import annotations

from dxextract.families import dx_report, tables  # noqa: F401 - registers the built-in families
from dxextract.families.base import (
    DEFAULT_FAMILY,
    FAMILIES,
    FamilyOutput,
    ReportFamily,
    choose_family,
    get_family,
    register_family,
    unregister_family,
)

__all__ = ["DEFAULT_FAMILY", "FAMILIES", "FamilyOutput", "ReportFamily", "choose_family", "get_family",
           "register_family", "unregister_family"]
