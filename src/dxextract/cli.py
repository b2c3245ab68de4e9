"""The command line: a thin layer over :mod:`dxextract.pipeline`.

Exit codes (CONTRACT.md): 0 written and validated; 1 written but an expectation failed;
2 the input could not be used (nothing written).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxextract import __version__
from dxextract.errors import DxextractError

log = logging.getLogger("dxextract")


def _progress(desc: str, unit: str = "page"):
    """A tqdm progress bar on stderr when it is a terminal; silent otherwise."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _error(e: DxextractError, args: argparse.Namespace) -> None:
    """One line naming the file; with --debug, the traceback (a worker's too)."""
    if getattr(args, "debug", False):
        detail = getattr(e, "detail", "")
        if detail:
            _say(detail.rstrip())
        else:
            traceback.print_exception(e)
    _say(f"dxextract: error: {e}")


def _summary(target: Path, outputs) -> None:
    from dxextract.families import FAMILIES
    from dxextract.families.base import counts_summary

    counts = outputs.manifest["row_counts"]
    n_tables = len(outputs.manifest["tables"])
    kinds = sorted({t["kind"] for t in outputs.manifest["tables"].values()} - {"other"})
    # the family says what it wrote (one registered only in another process: the plain counts)
    family = FAMILIES.get(outputs.family)
    what = family().summary(counts) if family is not None else counts_summary(counts)
    _say(f"{outputs.manifest['source']} -> {target}: {n_tables} tables ({counts['tables.csv']} cells"
         + (f"; {', '.join(kinds)}" if kinds else "") + f"), {what}"
         + ("" if outputs.family in ("dx_report", "") else f" [family {outputs.family}]"))
    for w in outputs.warnings[:20]:
        _say(f"warning: {w.message}")
    if len(outputs.warnings) > 20:
        _say(f"warning: … {len(outputs.warnings) - 20} more in manifest.json")
    audit = outputs.frames.get("audit.csv")
    if audit is not None and len(audit):
        errors = audit[audit["severity"] == "error"]
        _say(f"audit: {len(errors)} error(s), {len(audit) - len(errors)} warning(s) in audit.csv")
        for msg in errors["message"].head(10):
            _say(f"  audit: {msg}")
    if outputs.records_lost:
        _say(f"warning: page(s) {', '.join(map(str, outputs.records_lost))} could not be read in full: "
             "records from them are probably missing (exit 1)")
    fails = outputs.failures
    if len(fails):
        _say(f"validation: {len(fails)} failed expectation row(s), listed in validation.csv")
        for row in fails.head(10).itertuples(index=False):
            _say(f"  {row.file}: {row.expectation} column={row.column} row={row.row}: {row.message}")


def _exit_code(outputs: Any) -> int:
    """1 when something is written but not right: a failed expectation or probably lost records."""
    return 1 if len(outputs.failures) or outputs.records_lost else 0


def _reader(args: argparse.Namespace):
    """process_pdf in a worker process, stopped after ``--timeout`` seconds."""
    from dxextract.worker import WorkerSettings, process_pdf_limited

    worker = WorkerSettings(timeout=args.timeout)
    # the expectation suites take most of a short report's time: they get their own bar
    checking = _progress("validation", unit="expectation")
    return functools.partial(process_pdf_limited, worker=worker, validation_progress=checking)


def cmd_ingest(args: argparse.Namespace) -> int:
    from dxextract.pipeline import IngestSettings, ingest

    pdf = Path(args.pdf)
    settings = IngestSettings(validate=not args.no_validate, ocr=args.ocr, family=args.family,
                              docs_dir=Path(args.docs) if args.docs else None)
    target, outputs = ingest(pdf, Path(args.out) if args.out else None, base=Path(args.base),
                             force=args.force, settings=settings, progress=_progress(Path(args.pdf).name),
                             on_note=lambda note: _say(f"dxextract: {note}"), reader=_reader(args))
    _summary(target, outputs)
    return _exit_code(outputs)


def _known_sources(base: Path) -> dict[str, Path]:
    """sha256 of the source -> its output folder, for the skip decision of ``run``.

    Only visible folders ``<base>/<name>/manifest.json`` count, and only complete ones (every
    output the manifest lists is there, at its size): a hidden temp or backup folder of an
    interrupted run must never make ``run`` skip a file.
    """
    known: dict[str, Path] = {}
    if not base.is_dir():
        return known
    for folder in sorted(base.iterdir()):
        if folder.name.startswith(".") or not (folder / "manifest.json").is_file():
            continue
        try:
            man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            complete = all((folder / name).is_file() and (folder / name).stat().st_size == out["bytes"]
                           for name, out in man.get("outputs", {}).items())
            if complete:
                known[man["sha256"]] = folder
        except (ValueError, KeyError, TypeError, AttributeError, OSError):
            continue
    return known


def _source_guard(pdf: Path, digest: str, force: bool):
    """A check made under the target's lock just before it is replaced: without ``--force``, an
    existing folder made from another file (another sha256) is that file's output, not ours."""
    from dxextract.errors import CollisionError

    def guard(out: Path) -> None:
        if force or not out.exists():
            return
        try:
            man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            theirs, source = str(man["sha256"]), str(man.get("source", "?"))
        except (OSError, ValueError, KeyError, TypeError):
            theirs, source = "", "files not made by dxextract run"
        if theirs != digest:
            raise CollisionError(
                f"{pdf}: its output folder {out} already holds {source} (sha256 {theirs[:12] or 'unknown'}, "
                f"this file {digest[:12]}); nothing was written for {pdf.name}; pass --force to replace it")

    return guard


class _RunProgress:
    """One tqdm bar over the run's documents on a terminal (silent otherwise); a document being
    read counts by its share of pages done. Fed from the reading threads, hence the lock."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self.lock = threading.RLock()
        self.share: dict[Path, float] = {}
        self.bar = tqdm(total=total, desc="documents", unit="doc", file=sys.stderr, disable=None, leave=False,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} [{elapsed}<{remaining}]")

    def pages(self, pdf: Path, done: int, total: int) -> None:
        with self.lock:
            self.share[pdf] = min(done / max(total, 1), 0.99)
            self._show()

    def finished(self, pdf: Path) -> None:
        with self.lock:
            self.share[pdf] = 1.0
            self._show()

    def _show(self) -> None:
        self.bar.n = sum(self.share.values())
        self.bar.refresh()

    @contextlib.contextmanager
    def quiet(self):
        """Messages printed inside are not drawn over by the bar."""
        with self.lock:
            self.bar.clear()
            try:
                yield
            finally:
                self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


@dataclass
class _Claim:
    """The finished documents that claim one output folder, and what became of the claim."""

    #: (pdf, sha256, its Outputs while not yet written; None after)
    docs: list[tuple[Path, str, Any]]
    #: "held" (a pending document may still claim it), "written", "refused"
    state: str = "held"


class _Folders:
    """Writes each finished document's folder as soon as that is safe (``run``).

    Two different files for one folder are refused by name (which one belongs there is the
    user's call; ``--force`` does not decide it); byte-identical copies are written once.
    A folder's name is known only once its document is read: a finished document waits while a
    pending one could still claim the folder by its file name (the folder name of a report
    that names no municipality and year); a claim that only a document's content makes and
    that arrives after the folder was written (a *late collision*) refuses the late file,
    naming both, and the first file's folder stays written.
    """

    def __init__(self, base: Path, pending: Sequence[Path], args: argparse.Namespace) -> None:
        from dxextract.output.emit import safe_folder_name

        self.base, self.args, self.worst = base, args, 0
        self.claims: dict[str, _Claim] = {}
        self.pending_names = Counter(safe_folder_name(pdf.stem) for pdf in pending)

    def failed(self, pdf: Path, e: DxextractError) -> None:
        _error(e, self.args)
        self.worst = max(self.worst, e.exit_code)
        self._not_pending(pdf)

    def finished(self, pdf: Path, digest: str, outputs: Any) -> None:
        try:
            self._claim(pdf, digest, outputs)
        finally:  # only now: its own claim first, then what it no longer blocks
            self._not_pending(pdf)

    def _claim(self, pdf: Path, digest: str, outputs: Any) -> None:
        name = outputs.folder_name
        claim = self.claims.get(name)
        if claim is None:
            self.claims[name] = _Claim([(pdf, digest, outputs)])
        elif claim.state == "refused":
            files = ", ".join(str(p) for p, _, _ in claim.docs)
            claim.docs.append((pdf, digest, None))
            self._refuse(f"{pdf}: maps to the output folder {name} too, refused for {files}; "
                         "nothing was written for it (move all but one out of the raw folder)")
        elif claim.state == "written":
            first, first_digest, _ = claim.docs[0]
            if digest == first_digest:
                _say(f"{pdf.name}: same file as {first.name} (sha256 matches), written once")
            else:
                self._refuse(f"{first}, {pdf}: all map to the output folder {name}; {first.name} was read "
                             f"first and written; nothing was written for {pdf} (move all but one out of "
                             "the raw folder and rerun)")
        else:
            claim.docs.append((pdf, digest, outputs))
            if len({d for _, d, _ in claim.docs}) > 1:
                claim.state = "refused"
                claim.docs = sorted((p, d, None) for p, d, _ in claim.docs)  # the outputs are not kept
                files = ", ".join(str(p) for p, _, _ in claim.docs)
                self._refuse(f"{files}: all map to the output folder {name}; nothing was written for them "
                             "(move all but one out of the raw folder)")

    def close(self) -> int:
        """After the last document: write what still waited; the worst exit code of the run."""
        self.pending_names.clear()
        self._write_ready()
        return self.worst

    def _not_pending(self, pdf: Path) -> None:
        from dxextract.output.emit import safe_folder_name

        self.pending_names[safe_folder_name(pdf.stem)] -= 1
        self._write_ready()

    def _refuse(self, message: str) -> None:
        _say(f"dxextract: error: {message}")
        self.worst = 2

    def _write_ready(self) -> None:
        for name in sorted(self.claims):
            claim = self.claims[name]
            if claim.state == "held" and self.pending_names[name] <= 0:
                claim.state = "written"
                claim.docs.sort(key=lambda doc: doc[0])
                self._write(name, *claim.docs[0])
                for pdf, _, _ in claim.docs[1:]:
                    _say(f"{pdf.name}: same file as {claim.docs[0][0].name} (sha256 matches), written once")
                claim.docs = [(p, d, None) for p, d, _ in claim.docs[:1]]  # a national run: memory stays flat

    def _write(self, name: str, pdf: Path, digest: str, outputs: Any) -> None:
        from dxextract.output.emit import write_folder
        from dxextract.pipeline import outputs_to_files

        target = self.base / name
        try:
            notes = write_folder(target, outputs_to_files(outputs), outputs.manifest, force=True,
                                 guard=_source_guard(pdf, digest, self.args.force))
        except DxextractError as e:
            _error(e, self.args)
            self.worst = max(self.worst, e.exit_code)
            return
        for note in notes:
            _say(f"dxextract: {note}")
        _summary(target, outputs)
        self.worst = max(self.worst, _exit_code(outputs))


def _executor_settings(args: argparse.Namespace):
    from dxextract.executors import ExecutorSettings

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    return ExecutorSettings(executor=args.executor, workers=workers, timeout=args.timeout,
                            scheduler=args.scheduler)


def cmd_run(args: argparse.Namespace) -> int:
    """Every PDF under ``raw/`` into ``normalized/<lg_code>_<report_fy>/``, skipping unchanged ones.

    ``--workers`` documents are read at once (``--executor dask``: on a cluster); each folder
    is written as soon as its document is read and no other can claim it (:class:`_Folders`).
    Two inputs for one folder, or a folder holding another file's output (without
    ``--force``), are refused (exit 2) and the rest still proceed.
    """
    from dxextract.executors import make_executor
    from dxextract.output.emit import check_base, recover_folder, sha256_file
    from dxextract.pipeline import IngestSettings
    from dxextract.worker import internal_error

    raw, base = Path(args.raw), Path(args.out)
    settings = IngestSettings(validate=not args.no_validate, family=args.family)  # a bad --family first
    check_base(base)  # refuse before the work, not after it
    executor = make_executor(_executor_settings(args))  # and a missing dask, a bad --workers
    pdfs = sorted(p for p in raw.rglob("*") if p.suffix.lower() == ".pdf")
    if not pdfs:
        raise DxextractError(f"{raw}: no PDF files found")
    for note in recover_folder(base):
        _say(f"dxextract: {note}")
    known = _known_sources(base)
    worst = 0
    digests: dict[Path, str] = {}
    for pdf in pdfs:
        try:
            digest = sha256_file(pdf)
        except Exception as e:  # one file's surprise must not abort the folder
            _error(e if isinstance(e, DxextractError) else internal_error(pdf, e), args)
            worst = 2
            continue
        if digest in known and not args.force:
            _say(f"{pdf.name}: unchanged (sha256 matches {known[digest]}), skipped")
            continue
        digests[pdf] = digest
    folders = _Folders(base, list(digests), args)
    progress = _RunProgress(len(digests))
    try:
        for pdf, result in executor.results(list(digests), settings,
                                            progress.pages):
            progress.finished(pdf)
            with progress.quiet():
                if isinstance(result, DxextractError):
                    folders.failed(pdf, result)
                else:
                    folders.finished(pdf, digests[pdf], result)
        with progress.quiet():
            worst = max(worst, folders.close())
    finally:
        progress.close()
    return max(worst, _run_panels(base))


def cmd_compare(args: argparse.Namespace) -> int:
    """Two consecutive years' ingest folders -> yoy_status.csv and yoy_kpis.csv.

    Refused (exit 2) unless they are two years of one report series, older first: same
    municipality and family, two different years (``--force`` goes on, with a warning).
    """
    from dxextract.output.compare import check_series, family_of, read_edition, read_output
    from dxextract.output.emit import frame_to_csv, write_folder

    old, new = Path(args.old), Path(args.new)
    editions = [read_edition(old), read_edition(new)]
    for problem in check_series(editions, args.force, "compare"):
        _say(f"dxextract: warning: compare: {problem} (--force)")
    family = family_of(editions[-1])  # the family that read them says how two years compare
    out = Path(args.out) if args.out else new.parent / f"yoy_{old.name}_{new.name}"
    frames = family.compare(read_output(old, family.compared_files), read_output(new, family.compared_files))
    manifest = {"tool": "dxextract", "version": __version__, "command": "compare",
                "old": old.name, "new": new.name,
                "row_counts": {name: len(df) for name, df in frames.items()}}
    write_folder(out, {name: frame_to_csv(df) for name, df in frames.items()}, manifest, args.force)
    status = frames["yoy_status.csv"]
    counts = status["change"].value_counts().to_dict()
    _say(f"{old.name} -> {new.name}: {out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
         + f"; reworded {int(status['reworded'].sum())}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Ingest folders of one municipality -> published/<lg_code>/ (CSVs and datapackage.json)."""
    from dxextract.output.publish import PublishSettings, publish

    settings = PublishSettings(encoding=args.encoding, lg_code=args.lg_code,
                               source_urls=tuple(args.source_url or ()))
    done = publish([Path(f) for f in args.folders], Path(args.out) if args.out else None,
                   base=Path(args.base), force=args.force, settings=settings)
    for note in done.notes:
        _say(f"dxextract: {note}")
    rows = ", ".join(f"{name} {n} rows" for name, n in done.row_counts.items())
    _say(f"published {done.government.code} {done.government.label} -> {done.out} ({args.encoding}): "
         f"{rows}, datapackage.json (frictionless: valid)")
    for (a, b), n in sorted(done.mappings.items()):
        _say(f"  {args.encoding}: {a} U+{ord(a):04X} -> {b} U+{ord(b):04X} in {n} cell(s) (listed in datapackage.json)")
    return 0


#: what the panel reads from each ingest folder
_PANEL_INPUTS = ("status_items.csv", "kpis.csv", "initiatives.csv", "figures.csv")


def _panel_guard(out: Path) -> None:
    """A folder replaced by a panel must be a panel: never a user's folder of the same name."""
    from dxextract.errors import OutputExistsError

    if not out.exists():
        return
    try:
        command = json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("command")
    except (OSError, ValueError, AttributeError):
        command = None
    if command != "panel":
        raise OutputExistsError(f"{out}: exists and is not a panel folder written by dxextract; "
                                "move it away or name another --out (nothing was changed)")


def write_panel(folders: Sequence[Path], out: Path | None, force: bool, replace_panel: bool = False) -> Path:
    """The panel files of ``folders`` (years of one series, any order) written into ``out``
    (default: ``panel_<lg_code>`` beside the newest year); returns the folder written."""
    from dxextract.output.compare import check_series, read_edition, read_output
    from dxextract.output.emit import frame_to_csv, safe_folder_name, write_folder
    from dxextract.output.panel import YearFrames, years_to_panel

    editions = sorted((read_edition(f) for f in folders), key=lambda e: e.report_fy or 0)
    for problem in check_series(editions, force, "panel", ordered=False):
        _say(f"dxextract: warning: panel: {problem} (--force)")
    years = [YearFrames(e.report_fy or 0, read_output(e.folder, _PANEL_INPUTS)) for e in editions]
    frames = years_to_panel(years)
    target = out or editions[-1].folder.parent / safe_folder_name(f"panel_{editions[-1].lg_code or 'unknown'}")
    manifest = {"tool": "dxextract", "version": __version__, "command": "panel",
                "years": [e.report_fy for e in editions], "lg_code": editions[-1].lg_code,
                "municipality": editions[-1].municipality, "profile": editions[-1].family,
                "inputs": [{"folder": e.folder.name, "report_fy": e.report_fy, "source": e.source,
                            "sha256": e.sha256} for e in editions],
                "row_counts": {name: len(df) for name, df in frames.items()}}
    write_folder(target, {name: frame_to_csv(df) for name, df in frames.items()}, manifest,
                 force or replace_panel, guard=_panel_guard if replace_panel and not force else None)
    status = frames["status_panel.csv"]
    _say(f"panel {', '.join(str(e.report_fy) for e in editions)} -> {target}: {len(status)} plan items "
         f"({int(status['reworded'].sum())} reworded), {len(frames['kpi_panel.csv'])} KPI figures, "
         f"{len(frames['figures_panel.csv'])} detail figures")
    return target


def cmd_panel(args: argparse.Namespace) -> int:
    """Ingest folders of several years of one series -> status/kpi/figures panels."""
    folders = [Path(f) for f in args.folders]
    if len(folders) < 2:
        raise DxextractError("panel: give the ingest folders of at least two years")
    write_panel(folders, Path(args.out) if args.out else None, args.force)
    return 0


def _run_panels(base: Path) -> int:
    """After ``run``: a panel for every report series (municipality, family, title without its
    years) with two years or more in ``base``: ``panel_<lg_code>`` (with a short hash of the
    series when one municipality has several), replaced each run. A series with a year in two
    folders gets no panel and a warning; 2 if a panel folder could not be written."""
    import hashlib

    from dxextract.errors import SeriesError
    from dxextract.output.compare import read_edition

    groups: dict[tuple[str, str, str], list[Path]] = {}
    for folder in sorted(set(_known_sources(base).values())):
        e = read_edition(folder)
        if e.lg_code:
            groups.setdefault((e.lg_code, e.family, e.series), []).append(folder)
    per_town = Counter(lg_code for lg_code, _, _ in groups)
    worst = 0
    for (lg_code, family, series), folders in sorted(groups.items()):
        if len(folders) < 2:
            continue
        tag = hashlib.sha1(f"{family} {series}".encode()).hexdigest()[:8]
        name = f"panel_{lg_code}" if per_town[lg_code] == 1 else f"panel_{lg_code}_{tag}"
        try:
            write_panel(folders, base / name, force=False, replace_panel=True)
        except SeriesError as e:
            _say(f"dxextract: warning: no panel written: {e}")
        except DxextractError as e:
            _say(f"dxextract: error: {e}")
            worst = 2
    return worst


def cmd_report(args: argparse.Namespace) -> int:
    """One ingest folder (a year) or two (older and newer) -> one self-contained HTML report."""
    from dxextract.output.compare import check_series, read_edition
    from dxextract.output.emit import write_file
    from dxextract.output.report_html import build_report, load_year, report_guard

    folders = [Path(f) for f in args.folders]
    if len(folders) > 2:
        raise DxextractError("report: give one ingest folder, or two to compare (for more years: dxextract panel)")
    if len(folders) == 2:
        for problem in check_series([read_edition(f) for f in folders], args.force, "report"):
            _say(f"dxextract: warning: report: {problem} (--force)")
    pdfs = [Path(p) for p in args.pdf or []]
    if pdfs and len(pdfs) != len(folders):
        raise DxextractError(f"report: {len(pdfs)} --pdf for {len(folders)} folder(s); give one per folder, in order")
    search = [Path(args.raw)]
    years = [load_year(f, pdfs[i] if pdfs else None, search) for i, f in enumerate(folders)]
    name = folders[0].name if len(folders) == 1 else f"yoy_{folders[0].name}_{folders[1].name}"
    out = Path(args.out) if args.out else Path("reports") / f"{name}.html"
    html = build_report(years)
    write_file(out, html.encode("utf-8"), guard=None if args.force else report_guard)
    findings = sum(len(y.frames["audit.csv"]) for y in years)
    _say(f"report {', '.join(str(y.fy) for y in years)} -> {out}: {findings} audit finding(s), "
         f"{len(html.encode('utf-8')) // 1024} KiB, offline (no network needed to view it)")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from dxextract.inspect import inspect_pdf

    written = inspect_pdf(Path(args.pdf), Path(args.out), page=args.page, resolution=args.resolution)
    for p in written:
        _say(f"wrote {p}")
    return 0


def _add_publish(sub: Any, common: argparse.ArgumentParser) -> None:
    """``dxextract publish``: its options and a help text that says what comes out."""
    p = sub.add_parser(
        "publish", parents=[common], help="turn ingest folders into an open-data package (CSVs + datapackage.json)",
        description="Turn one or more ingest folders of one municipality (e.g. normalized/082163_2023) into "
                    "published/<lg_code>/: CSVs that start with 全国地方公共団体コード,ID,地方公共団体名, with "
                    "Japanese headers, the Western fiscal year beside its 和暦 name and a 備考 column, and a "
                    "Frictionless datapackage.json (titles, types, units, CC BY 4.0 / PDL1.0 licence, "
                    "attribution, source sha256). Exit 2, with nothing written, for a folder that is not an "
                    "ingest folder, an unknown municipality code or a character the encoding cannot hold.")
    p.add_argument("folders", nargs="+", metavar="FOLDER", help="ingest folder(s), one per report year")
    p.add_argument("--encoding", choices=["utf-8", "utf-8-sig", "cp932"], default="utf-8",
                   help="utf-8 (default), utf-8-sig (with a BOM, for Excel) or cp932 (Shift_JIS for older "
                        "tools: — and a few others mapped, listed in datapackage.json; others refused)")
    p.add_argument("--lg-code", metavar="CODE",
                   help="全国地方公共団体コード to use (6 digits, or 5 without the check digit), e.g. 082163; "
                        "default: the one ingest read from the report")
    p.add_argument("--source-url", action="append", metavar="URL",
                   help="the report's address, for the attribution; once per folder, in the folders' order")
    p.add_argument("--out", metavar="DIR", help="output folder (default: <base>/<lg_code>)")
    p.add_argument("--base", default="published", metavar="DIR",
                   help="parent of the default output folder (default: published)")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.set_defaults(func=cmd_publish)


def _add_panel_and_report(sub: Any, common: argparse.ArgumentParser) -> None:
    """The subcommands over several ingest folders: ``panel`` and ``report``."""
    p = sub.add_parser("panel", parents=[common],
                       help="one table per record kind over several years: status, KPI and figure panels")
    p.add_argument("folders", nargs="+", metavar="FOLDER", help="ingest folders, one per year (any order)")
    p.add_argument("--out", help="output folder (default: beside the newest, panel_<lg_code>)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing output folder; go on with folders of other municipalities or "
                        "families, or a year twice")
    p.set_defaults(func=cmd_panel)

    p = sub.add_parser("report", parents=[common],
                       help="an auditor's HTML report of one year, or of two years compared (offline, one file)")
    p.add_argument("folders", nargs="+", metavar="FOLDER", help="an ingest folder, or two (older, newer)")
    p.add_argument("--out", help="the HTML file (default: reports/<folder>.html, reports/yoy_<old>_<new>.html)")
    p.add_argument("--pdf", action="append", metavar="PDF",
                   help="the source PDF of each folder, in order (default: found under --raw by its sha256)")
    p.add_argument("--raw", default="raw", help="where to look for the source PDFs (default: raw)")
    p.add_argument("--force", action="store_true",
                   help="replace a file not written by dxextract; compare folders of two series or out of order")
    p.set_defaults(func=cmd_report)


def _add_family(p: argparse.ArgumentParser) -> None:
    """``--family NAME`` (``ingest``, ``run``): checked against the registry when the settings
    are made, so that a family registered by a plugin is accepted too."""
    p.add_argument("--family", metavar="NAME", default=None,
                   help="the report family that reads the PDF (default: the one that claims its tables, "
                        "else 'tables': every table as a wide CSV); built in: dx_report, tables")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dxextract", description="Japanese municipal report PDFs to open data.")
    ap.add_argument("--version", action="version", version=f"dxextract {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = ap.add_subparsers(dest="command", required=True)
    # --debug is accepted after the subcommand too; SUPPRESS keeps the top-level value otherwise
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    p = sub.add_parser("ingest", parents=[common], help="read one PDF into the contract's CSVs")
    p.add_argument("pdf")
    p.add_argument("--out", help="output folder (default: normalized/<lg_code>_<report_fy>)")
    p.add_argument("--base", default="normalized", help="parent of the default output folder")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.add_argument("--ocr", action="store_true", help="OCR image-only pages first (ocrmypdf + tesseract jpn)")
    p.add_argument("--no-validate", action="store_true", help="skip the expectation suites")
    p.add_argument("--docs", help="also build Great Expectations Data Docs into this folder")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="stop reading the PDF after this many seconds (exit 2; 0: no limit; default 600)")
    _add_family(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("run", parents=[common], help="ingest every PDF under raw/ into normalized/, skipping unchanged ones")
    p.add_argument("--raw", default="raw")
    p.add_argument("--out", default="normalized")
    p.add_argument("--force", action="store_true", help="re-ingest even when the sha256 matches; replace a folder made from another file")
    p.add_argument("--no-validate", action="store_true", help="skip the expectation suites")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="stop reading one PDF after this many seconds (exit 2 for it; 0: no limit, read in "
                        "this process one at a time; default 600)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help=f"read N documents at once, each in its own process (default: the number of cores, "
                        f"{os.cpu_count() or 1}; --executor local only)")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="where documents are read: worker processes here (local, default) or a Dask cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler for --executor dask, e.g. tcp://scheduler:8786")
    _add_family(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", parents=[common], help="compare two consecutive years' ingest folders")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--out", help="output folder (default: beside NEW, yoy_<old>_<new>)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing output folder; compare folders that are not two years of one "
                        "series in order (other municipality or family, the same year, newer first)")
    p.set_defaults(func=cmd_compare)

    _add_publish(sub, common)
    _add_panel_and_report(sub, common)

    p = sub.add_parser("inspect", parents=[common], help="draw the detected rules, cells and tables on page images")
    p.add_argument("pdf")
    p.add_argument("--page", type=int, help="only this page (1-based)")
    p.add_argument("--out", default="inspect", help="folder for the PNG files")
    p.add_argument("--resolution", type=int, default=100)
    p.set_defaults(func=cmd_inspect)
    return ap


def _dash_file(argv: Sequence[str]) -> str | None:
    """A file named like an option (``-x.pdf``) given before any ``--``."""
    for arg in argv:
        if arg == "--":
            return None
        if arg.startswith("-") and arg.lower().endswith(".pdf") and Path(arg).is_file():
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    dash = _dash_file(argv)
    if dash:
        _say(f"dxextract: error: {dash}: a file name beginning with '-' reads as an option; "
             f"write `dxextract ingest -- {dash}` or ./{dash}")
        return 2
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pdfminer", "great_expectations", "camelot", "PIL"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.ERROR)
    try:
        return int(args.func(args))
    except DxextractError as e:
        _error(e, args)
        return e.exit_code
    except KeyboardInterrupt:
        _say("dxextract: interrupted; no output folder was changed")
        return 130
    except Exception as e:  # never a traceback for the user unless --debug
        if debug:
            traceback.print_exc()
        where = getattr(args, "pdf", None) or getattr(args, "raw", None) or " ".join(getattr(args, "folders", []))
        _say(f"dxextract: error: {where}: cannot process ({type(e).__name__}: {e}); rerun with --debug")
        return 2


if __name__ == "__main__":
    sys.exit(main())
