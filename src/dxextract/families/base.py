"""The report-family interface and its registry (camelot's ``PARSERS`` + ``BaseParser``).

A report family is everything dxextract knows about one kind of document: how to recognise its
tables, how to read them into typed records, which files and columns it writes, how its
records are audited and validated, and how two years are compared. The generic layer
(pipeline, emit's writing, validate, cli) asks the family and knows none of this itself.

A new family is a subclass of :class:`ReportFamily` registered with :func:`register_family`;
nothing else changes. When no family is named, :func:`choose_family` asks each registered
family how strongly it claims the document's tables and takes the strongest; a document no
family claims goes to :data:`DEFAULT_FAMILY` (``tables``: every table as a wide CSV).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from dxextract.errors import UnknownFamilyError
from dxextract.model import Table, Warning_

#: the family for documents that no family claims
DEFAULT_FAMILY = "tables"


@dataclass
class FamilyOutput:
    """What a family read from one document: its output frames and what the manifest needs."""

    #: output file name -> frame (``tables.csv`` included; audit files are added by the pipeline)
    frames: dict[str, pd.DataFrame]
    #: the tables as the family classified them (``kind`` and ``header_rows`` set)
    tables: list[Table]
    title: str = ""
    report_fy: int | None = None
    warnings: list[Warning_] = field(default_factory=list)
    #: the family's own records (the DX family: an :class:`~dxextract.families.interpret.Report`)
    records: Any = None


class ReportFamily(ABC):
    """One kind of report: recognise, read, write, audit, validate, compare."""

    #: the registry name (``--family NAME``), also written as the manifest's ``profile``
    name: ClassVar[str] = ""
    #: one line for ``--help`` and the docs
    description: ClassVar[str] = ""
    #: the output file the family's audit writes (None: no audit)
    audit_file: ClassVar[str | None] = None
    #: the files two years' folders are compared on (empty: the family does not compare)
    compared_files: ClassVar[tuple[str, ...]] = ()

    def __init__(self, profile: str | None = None) -> None:
        """``profile``: the family's layout data under ``schemas/profiles`` (a family without
        one ignores it)."""
        self.profile_name = self.name

    @property
    def manifest_name(self) -> str:
        """What the manifest's ``profile`` says: the family (and profile) that read the document."""
        return self.profile_name

    @abstractmethod
    def claim(self, tables: Sequence[Table], free_lines: Sequence[str]) -> float:
        """How strongly this family claims the document, from 0 (not at all) to 1 (certainly)."""

    @abstractmethod
    def read(self, tables: Sequence[Table], free_lines: Sequence[str],
             ocr_pages: frozenset[int] = frozenset()) -> FamilyOutput:
        """The document's tables (and its first text lines) -> the family's frames."""

    def table_kinds(self, tables: Sequence[Table]) -> list[str]:
        """The kind of each table as this family sees it (``inspect`` labels tables with it)."""
        return [t.kind for t in self.read(tables, []).tables]

    def columns(self) -> dict[str, list[str]]:
        """Output file -> its contract columns, for the files every document gets."""
        return {}

    def audit(self, frames: dict[str, pd.DataFrame], ocr_pages: frozenset[int]) -> pd.DataFrame:
        """The family's arithmetic checks, as the frame of :attr:`audit_file`."""
        raise NotImplementedError(f"family {self.name!r} has no audit")

    def suites_dir(self) -> Path | None:
        """Where the family's expectation suites are (one per output file; None: ``schemas/suites``)."""
        return None

    def summary(self, counts: dict[str, int]) -> str:
        """The terminal's count of what was written (after the table count)."""
        return counts_summary(counts)

    def compare(self, old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Two consecutive years' frames (:attr:`compared_files`) -> the comparison's frames."""
        raise UnknownFamilyError(f"family {self.name!r} does not compare two years; "
                                 "compare folders read by a family that does (dx_report)")


def counts_summary(counts: dict[str, int]) -> str:
    """Rows per file, ``tables.csv`` left out (the terminal names it with the tables)."""
    return ", ".join(f"{n} rows in {name}" for name, n in sorted(counts.items()) if name != "tables.csv")


#: name -> family class, in registration order (ties in :func:`choose_family` go to the first)
FAMILIES: dict[str, type[ReportFamily]] = {}


def register_family(cls: type[ReportFamily]) -> type[ReportFamily]:
    """Register ``cls`` under ``cls.name`` (a class decorator); a later one of the same name wins."""
    if not cls.name:
        raise UnknownFamilyError(f"{cls.__qualname__}: a report family needs a name")
    FAMILIES[cls.name] = cls
    return cls


def unregister_family(name: str) -> None:
    """Take a family out of the registry (tests register made-up families and remove them)."""
    FAMILIES.pop(name, None)


def get_family(name: str, profile: str | None = None) -> ReportFamily:
    """The registered family ``name``, reading with ``profile`` (default: its own)."""
    try:
        cls = FAMILIES[name]
    except KeyError:
        raise UnknownFamilyError(f"no report family {name!r} (known: {', '.join(sorted(FAMILIES))}); "
                                 "check --family") from None
    return cls(profile)


def choose_family(tables: Sequence[Table], free_lines: Sequence[str], name: str | None = None,
                  profile: str | None = None) -> ReportFamily:
    """The family named, else the one that claims the document most strongly, else ``tables``.

    ``profile`` goes to every family (those without a profile ignore it).
    """
    if name is not None:
        return get_family(name, profile)
    best: ReportFamily | None = None
    best_claim = 0.0
    for fam_name in FAMILIES:
        if fam_name == DEFAULT_FAMILY:
            continue
        family = get_family(fam_name, profile)
        strength = family.claim(tables, free_lines)
        if strength > best_claim:
            best, best_claim = family, strength
    return best if best is not None else get_family(DEFAULT_FAMILY, profile)
