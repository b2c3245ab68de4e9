"""Wall time and peak memory of dxextract beside pdfplumber and camelot, printed as a table.

    .venv/bin/python benchmarks/speed.py [--only corpus|book|big] [--repeat N] [--methods ...]

Targets: the corpus PDFs (``raw/*.pdf``); the 612-page budget book in ``../shared/realworld``
(skipped, with a note, when ../shared is absent); a 2,000-page PDF made once by repeating the
book's pages (``benchmarks/.cache/``, gitignored). Methods, each measured in a fresh process
(its peak resident memory is ``ru_maxrss`` of that process alone):

- ``cli``: ``python -m dxextract ingest PDF --out TMP --force``, validation included: what a
  user waits for, interpreter start-up and imports included;
- ``process``: ``process_pdf`` without validation (time of the call, imports excluded);
- ``validate``: ``validate_outputs`` on the frames of ``process_pdf``: the first call in the
  process (importing Great Expectations, building the context and the suites) and a second
  call (what every further document of a batch pays);
- ``pdfplumber``: bare ``page.extract_tables()`` on every page (default settings);
- ``camelot``: ``camelot.read_pdf(flavor="lattice")`` on the first 40 pages (a per-page figure;
  camelot renders every page to find its rules).

Repeats alternate (every target and method once, then again) so that a machine shared with
other work slows all methods alike; the table gives medians. Ratios: dxextract per page over
pdfplumber per page (what reconstructing spans, stitching, normalizing and interpreting costs
over finding tables), and camelot per page over dxextract per page. ``benchmarks/ingest_speed.py``
remains for a quick look at one PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO.parent / "shared" / "realworld" / "fuji-r6-budget-book.pdf"
CACHE = REPO / "benchmarks" / ".cache"
BIG_PAGES = 2000
CAMELOT_PAGES = 40
METHODS = ("cli", "process", "validate", "pdfplumber", "camelot")


# --- child side: one measurement in this fresh process ---------------------------------------

def _child(method: str, pdf: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if method == "process":
        from dxextract.pipeline import IngestSettings, process_pdf

        t0 = time.perf_counter()
        res = process_pdf(pdf, IngestSettings(validate=False))
        out["seconds"] = time.perf_counter() - t0
        out["pages"] = int(res.manifest["pages"])
    elif method == "validate":
        from dxextract.pipeline import IngestSettings, process_pdf

        frames = process_pdf(pdf, IngestSettings(validate=False)).frames
        from dxextract.output.validate import validate_outputs

        t0 = time.perf_counter()
        first = validate_outputs(frames)
        t1 = time.perf_counter()
        validate_outputs(frames)
        out["seconds"] = t1 - t0
        out["warm_seconds"] = time.perf_counter() - t1
        out["failures"] = len(first)
    elif method == "pdfplumber":
        import pdfplumber

        t0 = time.perf_counter()
        n_tables = 0
        with pdfplumber.open(pdf) as doc:
            for page in doc.pages:
                n_tables += len(page.extract_tables())
                page.close()  # drop the page's cached objects, as a long run would
            out["pages"] = len(doc.pages)
        out["seconds"] = time.perf_counter() - t0
        out["tables"] = n_tables
    elif method == "camelot":
        import camelot
        import pypdfium2

        n = min(CAMELOT_PAGES, len(pypdfium2.PdfDocument(str(pdf))))
        t0 = time.perf_counter()
        tables = camelot.read_pdf(str(pdf), pages=f"1-{n}", flavor="lattice")
        out["seconds"] = time.perf_counter() - t0
        out["pages"] = n
        out["tables"] = len(tables)
    else:
        raise SystemExit(f"unknown method {method!r}")
    return out


# --- parent side ---------------------------------------------------------------------------------

def _run(method: str, pdf: Path, src: Path) -> dict[str, Any]:
    """One measurement in a fresh process: wall time seen from here, peak RSS of that child."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.TemporaryDirectory(prefix="dxbench-") as tmp:
        if method == "cli":
            cmd = [sys.executable, "-m", "dxextract", "ingest", str(pdf), "--out", str(Path(tmp) / "out"),
                   "--force"]
        else:
            cmd = [sys.executable, __file__, "--child", method, str(pdf)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        stdout, stderr = proc.stdout.read() if proc.stdout else "", proc.stderr.read() if proc.stderr else ""
        proc.wait()  # already reaped by wait4; this only closes the pipes
        code = os.waitstatus_to_exitcode(status)
        # the CLI exits 1 when an expectation failed: outputs written, a normal run
        if code not in (0, 1) or (method != "cli" and code):
            tail = (stderr.strip().splitlines() or ["?"])[-1]
            return {"error": f"exit {code}: {tail}"}
        res = json.loads(stdout.strip().splitlines()[-1]) if method != "cli" else {"seconds": wall}
        if method == "cli":
            man = json.loads((Path(tmp) / "out" / "manifest.json").read_text(encoding="utf-8"))
            res["pages"] = man["pages"]
        res["wall"] = wall
        res["peak_mib"] = usage.ru_maxrss / 1024  # kilobytes on Linux
        return res


def _page_count(pdf: Path) -> int:
    import pypdfium2

    return len(pypdfium2.PdfDocument(str(pdf)))


def big_pdf() -> Path | None:
    """The 2,000-page PDF: the book's pages over and over (made once, then reused)."""
    if not BOOK.exists():
        return None
    path = CACHE / f"{BOOK.stem}-x{BIG_PAGES}.pdf"
    if not path.exists():
        import pypdfium2

        CACHE.mkdir(parents=True, exist_ok=True)
        src = pypdfium2.PdfDocument(str(BOOK))
        dst = pypdfium2.PdfDocument.new()
        dst.import_pages(src, [i % len(src) for i in range(BIG_PAGES)])
        tmp = path.with_suffix(".part")
        dst.save(str(tmp))
        tmp.replace(path)
    return path


def targets(only: str | None) -> tuple[list[tuple[str, Path]], list[str]]:
    found: list[tuple[str, Path]] = []
    notes: list[str] = []
    if only in (None, "corpus"):
        found += [("corpus", p) for p in sorted((REPO / "raw").glob("*.pdf"))]
    if only in (None, "book", "big"):
        if not BOOK.exists():
            notes.append(f"{BOOK}: absent (../shared is not beside the repository); book and big skipped")
        else:
            if only in (None, "book"):
                found.append(("book", BOOK))
            if only in (None, "big"):
                big = big_pdf()
                if big is not None:
                    found.append(("big", big))
    return found, notes


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


def report(results: dict[tuple[str, str], list[dict[str, Any]]], pages: dict[str, int],
           methods: list[str]) -> list[str]:
    lines = [f"{'pdf':34s} {'pages':>5s} {'method':10s} {'wall s':>7s} {'work s':>7s} {'ms/page':>8s} "
             f"{'peak MiB':>8s}  note"]
    per_page: dict[tuple[str, str], float] = {}
    for name, n_pages in pages.items():
        for method in methods:
            runs = results.get((name, method), [])
            errors = [r["error"] for r in runs if "error" in r]
            ok = [r for r in runs if "error" not in r]
            if not ok:
                if errors:
                    lines.append(f"{name[:34]:34s} {n_pages:5d} {method:10s} failed: {errors[0]}")
                continue
            work = _median(ok, "seconds")
            counted = int(ok[0].get("pages", n_pages))
            ms = None if work is None or method == "validate" else 1000 * work / counted
            if ms is not None:
                per_page[(name, method)] = ms
            note = f"n={len(ok)}"
            if method == "validate":
                note += (f"; first call (import GX, context, suites) {_fmt(work)} s, "
                         f"warm {_fmt(_median(ok, 'warm_seconds'))} s; {ok[0].get('failures')} failure rows")
            if method == "camelot":
                note += f"; first {counted} pages"
            if method == "cli":
                note += "; start-up and validation included"
            lines.append(f"{name[:34]:34s} {n_pages:5d} {method:10s} {_fmt(_median(ok, 'wall')):>7s} "
                         f"{_fmt(work):>7s} {_fmt(ms, '.1f'):>8s} {_fmt(_median(ok, 'peak_mib'), '.0f'):>8s}  "
                         f"{note}")
    lines.append("")
    for name in pages:
        dx = per_page.get((name, "process"))
        plumb, cam = per_page.get((name, "pdfplumber")), per_page.get((name, "camelot"))
        parts = []
        if dx and plumb:
            parts.append(f"dxextract/pdfplumber per page {dx / plumb:.2f}")
        if dx and cam:
            parts.append(f"camelot/dxextract per page {cam / dx:.2f}")
        if parts:
            lines.append(f"{name[:34]:34s} " + "; ".join(parts))
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["corpus", "book", "big"])
    ap.add_argument("--repeat", type=int, default=3, help="measurements per target and method (median)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help=f"comma-separated subset of {','.join(METHODS)}")
    ap.add_argument("--json", type=Path, help="also write every measurement here")
    ap.add_argument("--src", type=Path, default=REPO / "src",
                    help="the dxextract package to measure (its parent folder; default this tree's src)")
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "PDF"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], Path(args.child[1]))))
        return 0
    methods = [m for m in args.methods.split(",") if m]
    bad = [m for m in methods if m not in METHODS]
    if bad or args.repeat < 1:
        ap.error(f"--methods: unknown {bad}" if bad else "--repeat must be at least 1")
    found, notes = targets(args.only)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not found:
        print("nothing to measure", file=sys.stderr)
        return 2
    pages = {pdf.name: _page_count(pdf) for _, pdf in found}
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rep in range(args.repeat):
        for _kind, pdf in found:
            for method in methods:
                r = _run(method, pdf, args.src.resolve())
                results.setdefault((pdf.name, method), []).append(r)
                shown = r.get("error") or f"{r['wall']:.2f} s wall, {r['peak_mib']:.0f} MiB"
                print(f"[{rep + 1}/{args.repeat}] {pdf.name} {method}: {shown}", file=sys.stderr, flush=True)
    load = os.getloadavg()
    print("\n".join(report(results, pages, methods)))
    print(f"\n{os.cpu_count()} CPUs; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          "(medians of alternating runs; other work on the machine slows every method)")
    if args.json:
        args.json.write_text(json.dumps({f"{k[0]}|{k[1]}": v for k, v in results.items()}, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
