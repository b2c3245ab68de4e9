"""The pipeline: ties the stages together. Nothing else does.

``process_pdf`` is a pure function of the PDF (bytes in, frames and manifest out, no writes),
so it can run in a worker process or on a cluster; ``ingest`` adds the folder handling.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from dxextract import __version__
from dxextract.errors import DxextractError, NoTablesError, OutputError, SettingsError
from dxextract.families import FAMILIES, FamilyOutput, ReportFamily, choose_family
from dxextract.model import Page, Table, Warning_
from dxextract.output.emit import (
    check_writable,
    frame_to_csv,
    recover_target,
    safe_folder_name,
    sha256_file,
    target_lock,
    write_folder,
)
from dxextract.output.lgcode import government_in
from dxextract.pdf.extract import ExtractSettings, page_count, pdf_to_pages
from dxextract.pdf.raster import RasterSettings, image_segments, page_is_image_only
from dxextract.tables.reconstruct import PageTables, ReconstructSettings, pages_to_tables
from dxextract.text.normalize import check_cid, mixed_script_words, title_lines

if TYPE_CHECKING:
    from dxextract.output.validate import Validation

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class IngestSettings:
    """What one ingest does; each stage's own settings ride along."""

    #: the profile of the family that uses one (``schemas/profiles/<profile>.json``)
    profile: str = "dx_report"
    #: the report family (``--family``); None: the one that claims the document's tables
    family: str | None = None
    validate: bool = True
    ocr: bool = False
    #: also build Great Expectations Data Docs here (an optional output, not committed)
    docs_dir: Path | None = None
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    raster: RasterSettings = field(default_factory=RasterSettings)
    reconstruct: ReconstructSettings = field(default_factory=ReconstructSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.profile, str) or not self.profile:
            raise SettingsError(f"IngestSettings.profile: a profile name is needed, got {self.profile!r}")
        if self.family is not None and self.family not in FAMILIES:
            raise SettingsError(f"IngestSettings.family: no report family {self.family!r} "
                                f"(known: {', '.join(sorted(FAMILIES))}); check --family")
        for key in ("validate", "ocr"):
            if not isinstance(getattr(self, key), bool):
                raise SettingsError(f"IngestSettings.{key}: expected true or false, got {getattr(self, key)!r}")
        if self.docs_dir is not None and not isinstance(self.docs_dir, Path):
            raise SettingsError(f"IngestSettings.docs_dir: expected a folder path, got {self.docs_dir!r}")


@dataclass
class Outputs:
    """What ``process_pdf`` hands back: every output file as a DataFrame, and the manifest."""

    frames: dict[str, pd.DataFrame]
    manifest: dict[str, Any]
    #: the family's records (the DX family: an ``interpret.Report``; else its FamilyOutput)
    report: Any
    failures: pd.DataFrame
    warnings: list[Warning_]
    #: the name of the report family that read the document
    family: str = ""

    @property
    def records_lost(self) -> list[int]:
        """Pages whose content could not be read in full: their records are probably missing."""
        return list(self.manifest.get("pages_damaged", []))

    @property
    def folder_name(self) -> str:
        """``<lg_code>_<report_fy>``, or the file's stem; always one safe, visible folder name."""
        m = self.manifest
        if m.get("lg_code") or m.get("report_fy"):
            return safe_folder_name(f"{m.get('lg_code') or 'unknown'}_{m.get('report_fy') or 'unknown'}")
        return safe_folder_name(Path(m["source"]).stem)


def lg_code_of(texts: list[str]) -> tuple[str, str]:
    """(municipality name, 6-digit 全国地方公共団体コード) named in the report's first lines,
    looked up in 総務省's national table (:mod:`dxextract.output.lgcode`); ``("", "")`` when none is."""
    found = government_in("".join(texts[:20]))
    return (found.label, found.code) if found is not None else ("", "")


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("pdfplumber", "pdfminer.six", "pandas", "great_expectations", "mojimoji", "jaconv"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = ""
    return out


def _pages_without_text(pdf: Path) -> set[int]:
    """Pages with no text layer: what OCR will fill in (ocrmypdf --skip-text leaves the rest)."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        empty = set()
        for page in doc.pages:
            if not page.chars:
                empty.add(page.page_number)
            page.close()
        return empty


def process_pdf(pdf: Path, settings: IngestSettings | None = None,
                progress: ProgressFn | None = None, *,
                validation_progress: ProgressFn | None = None) -> Outputs:
    """Read one PDF into the contract's frames and a manifest. Writes nothing.

    ``progress(pages_done, pages)``; ``validation_progress(expectations_done, expectations)``.

    With ``settings.ocr``, image-only pages get a text layer first (a temporary copy; the
    manifest still describes ``pdf``), and every row read from such a page says ``ocr``.
    """
    settings = settings or IngestSettings()
    if not settings.ocr:
        return _process(pdf, pdf, settings, progress, set(), validation_progress)
    from dxextract.pdf.ocr import ocr_pdf

    page_count(pdf)  # the usual checks and messages, on the user's file
    ocr_pages = _pages_without_text(pdf)
    text_pdf = ocr_pdf(pdf)
    try:
        return _process(pdf, text_pdf, settings, progress, ocr_pages, validation_progress)
    except DxextractError as e:
        # messages name the user's file, not the temporary OCR copy
        raise type(e)(str(e).replace(str(text_pdf), str(pdf))) from e
    finally:
        text_pdf.unlink(missing_ok=True)


def _process(pdf: Path, text_pdf: Path, settings: IngestSettings, progress: ProgressFn | None,
             ocr_pages: set[int], validation_progress: ProgressFn | None = None) -> Outputs:
    n_pages = page_count(text_pdf)
    seen: list[Page] = []

    def pages():
        for page in pdf_to_pages(text_pdf, settings.extract, ocr_pages=frozenset(ocr_pages)):
            seen.append(replace(page, chars=page.chars[:1], segments=()))  # what the manifest needs
            if page.ocr and page_is_image_only(page):
                # a scan's rules are in the image: read them from it (OCR'd copy: deskewed)
                segments = image_segments(text_pdf, page.number, settings.raster, chars=page.chars)
                page = replace(page, segments=tuple(segments))
            if progress:
                progress(page.number, n_pages)
            yield page

    tables, per_page = pages_to_tables(pages(), settings.reconstruct)
    if ocr_pages:
        tables, per_page = despace_ocr(tables, per_page, ocr_pages)
        tables = ocr_blank_cells(text_pdf, tables, ocr_pages)
    if not tables:
        raise NoTablesError(f"{pdf}: no tables found on any of {n_pages} page(s) "
                            "(dxextract reads ruled tables; is this the right file?)")
    text_warnings: list[Warning_] = []
    for t in tables:
        for cell in t.cells:
            where = f"{pdf.name}: page {cell.page}, table {t.table_id}, r{cell.r}c{cell.c}"
            check_cid(cell.text, where)
            for word in mixed_script_words(cell.text):
                text_warnings.append(Warning_(
                    f"page {cell.page}, table {t.table_id}, r{cell.r}c{cell.c}: {word!r} mixes Japanese "
                    "with Cyrillic/Greek letters (a text-layer look-alike?); kept as printed",
                    cell.page, t.table_id))
    first_lines = title_lines([ln for pt in per_page[:2] for ln in pt.free_lines])
    family = choose_family(tables, first_lines, settings.family, settings.profile)
    report = family.read(tables, first_lines, frozenset(ocr_pages))
    frames = report.frames
    _audit(family, report, frozenset(ocr_pages))
    municipality, lg_code = lg_code_of(first_lines)
    warnings = (page_warnings(seen) + [w for pt in per_page for w in pt.warnings] + text_warnings
                + list(report.warnings))
    if ocr_pages:
        warnings.insert(0, Warning_(f"pages {sorted(ocr_pages)} were read by OCR: every row from them "
                                    "has ocr=true; check figures against the page images"))
    manifest: dict[str, Any] = {
        "source": pdf.name,
        "sha256": sha256_file(pdf),
        "pages": n_pages,
        "tool": "dxextract",
        "version": __version__,
        "dependencies": _versions(),
        "profile": family.manifest_name,
        "title": report.title,
        "municipality": municipality,
        "lg_code": lg_code,
        "report_fy": report.report_fy,
        "ocr": settings.ocr,
        "ocr_pages": sorted(ocr_pages),
        "tables": {t.table_id: {"kind": t.kind, "pages": list(t.pages), "rows": t.n_rows,
                                "cols": t.n_cols, "caption": t.caption} for t in report.tables},
        "row_counts": {name: len(df) for name, df in frames.items()},
        "warnings": [w.message for w in warnings],
        **_page_lists(seen),
    }
    validation = (_validate(frames, settings.docs_dir, validation_progress, family)
                  if settings.validate else None)
    failures = validation.failures if validation is not None else pd.DataFrame()
    manifest["validation_failures"] = len(failures)
    manifest["validation"] = validation.summary() if validation is not None else {"ran": False}
    return Outputs(frames, manifest, report.records if report.records is not None else report,
                   failures, warnings, family.name)


def _page_lists(pages: list[Page]) -> dict[str, Any]:
    """The manifest's lists of pages whose records may be missing or were read turned."""
    return {"pages_damaged": [p.number for p in pages if p.damaged],
            "pages_without_text": [p.number for p in pages if not p.chars],
            "pages_turned": {str(p.number): p.turned for p in pages if p.turned}}


def page_warnings(pages: list[Page]) -> list[Warning_]:
    """What the reader must know about pages whose content may be missing from the records.

    Why: a page whose content stream is corrupted came out empty with exit 0 and no word;
    every such page now says so, and a page without text among pages with text is named.
    """
    out: list[Warning_] = []
    with_text = any(p.chars for p in pages)
    for p in pages:
        out += [Warning_(msg, p.number) for msg in p.problems]
        if with_text and not p.chars and not p.damaged:
            what = "an image without a text layer (rerun with --ocr)" if p.n_images else "blank"
            out.append(Warning_(f"page {p.number}: no text while other pages have text ({what}?); "
                                "nothing was read from it", p.number))
        if p.turned:
            out.append(Warning_(f"page {p.number}: its text was not upright; read turned by {p.turned}°",
                                p.number))
    return out


def ocr_blank_cells(text_pdf: Path, tables: list[Table], ocr_pages: set[int]) -> list[Table]:
    """Read, one by one, the cells of OCR'd pages that page-level OCR left blank or nearly so.

    Page-level OCR drops isolated marks or reads them as noise (▲ as 人人, — as =); a cell of
    at most three characters is read again on its own, where a lone mark is told by its shape.
    """
    from dxextract.pdf.ocr import ocr_cells

    found: dict[tuple[str, int, int], str] = {}
    for page_no in sorted(ocr_pages):
        boxes = {(t.table_id, c.r, c.c): (c.bbox.x0, c.bbox.top, c.bbox.x1, c.bbox.bottom)
                 for t in tables for c in t.cells
                 if c.page == page_no and len(re.sub(r"\s+", "", c.text)) <= 3}
        found.update(ocr_cells(text_pdf, page_no, boxes))
    if not found:
        return tables
    return [replace(t, cells=tuple(replace(c, text=found.get((t.table_id, c.r, c.c), c.text)) for c in t.cells))
            for t in tables]


def despace_ocr(tables: list[Table], per_page: list[PageTables], ocr_pages: set[int]
                ) -> tuple[list[Table], list[PageTables]]:
    """Take out the spaces tesseract puts between Japanese characters, on OCR'd pages only."""
    from dxextract.pdf.ocr import despace_ocr_text

    tables = [replace(t, cells=tuple(replace(c, text=despace_ocr_text(c.text)) if c.page in ocr_pages else c
                                     for c in t.cells),
                      caption=despace_ocr_text(t.caption) if t.pages[0] in ocr_pages else t.caption)
              for t in tables]
    per_page = [replace(pt, free_lines=tuple((a, b, despace_ocr_text(x)) for a, b, x in pt.free_lines))
                if pt.number in ocr_pages else pt for pt in per_page]
    return tables, per_page


def _audit(family: ReportFamily, read: FamilyOutput, ocr_pages: frozenset[int]) -> None:
    """The family's audit file added to ``read.frames``; after an internal error an empty one
    and a warning (the records stand without their audit)."""
    name = family.audit_file
    if name is None:
        return
    try:
        read.frames[name] = family.audit(read.frames, ocr_pages)
    except Exception as e:
        read.frames[name] = pd.DataFrame(columns=family.columns().get(name, []))
        read.warnings.append(Warning_(f"audit skipped after an internal error ({type(e).__name__}: {e}); "
                                      f"{name} is empty; rerun with --debug"))


def _validate(frames: dict[str, pd.DataFrame], docs_dir: Path | None = None,
              progress: ProgressFn | None = None, family: ReportFamily | None = None) -> Validation:
    from dxextract.output.validate import validate_frames  # imports Great Expectations on first use only

    suites_dir = family.suites_dir() if family is not None else None
    return validate_frames(frames, suites_dir=suites_dir, docs_dir=docs_dir, progress=progress)


def outputs_to_files(outputs: Outputs) -> dict[str, bytes]:
    files = {name: frame_to_csv(df) for name, df in outputs.frames.items()}
    if len(outputs.failures):
        files["validation.csv"] = frame_to_csv(outputs.failures)
    return files


def _recover_early(out: Path, on_note: Callable[[str], None] | None) -> None:
    """An interrupted run's backup of ``out`` comes back before ``out`` is checked."""
    try:
        with target_lock(out):
            notes = recover_target(out)
    except OSError as e:
        raise OutputError(f"{out}: cannot recover what an interrupted run left beside it "
                          f"({e.strerror or e}); check the output folder") from e
    for note in notes:
        if on_note:
            on_note(note)


def ingest(pdf: Path, out: Path | None = None, *, base: Path = Path("normalized"), force: bool = False,
           settings: IngestSettings | None = None, progress: ProgressFn | None = None,
           on_note: Callable[[str], None] | None = None,
           reader: Callable[[Path, IngestSettings | None, ProgressFn | None], Outputs] | None = None,
           validation_progress: ProgressFn | None = None) -> tuple[Path, Outputs]:
    """Process ``pdf`` and write its folder (``out``, or ``base/<lg_code>_<report_fy>``).

    ``on_note`` hears what an earlier, interrupted run left behind and how it was recovered;
    ``reader`` replaces :func:`process_pdf` (the CLI runs it in a worker with a time limit);
    ``validation_progress`` hears the expectation suites' progress (in-process reading only).
    """
    if out is not None:
        if out.parent.is_dir():
            _recover_early(out, on_note)
        check_writable(out, force)  # fail before the work, not after
    if reader is not None:
        outputs = reader(pdf, settings, progress)
    else:
        outputs = process_pdf(pdf, settings, progress, validation_progress=validation_progress)
    target = out if out is not None else base / outputs.folder_name
    for note in write_folder(target, outputs_to_files(outputs), outputs.manifest, force):
        if on_note:
            on_note(note)
    return target, outputs
