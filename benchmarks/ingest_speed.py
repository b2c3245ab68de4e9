"""Speed and memory of `process_pdf`, printed as figures (not a test: numbers vary by machine).

    .venv/bin/python benchmarks/ingest_speed.py [PDF ...] [--no-validate]

Without arguments: the sample PDFs in raw/ and, when ../shared is beside the repo, the
612-page budget book in ../shared/realworld/. Each PDF runs in a fresh process so the peak
resident memory (ru_maxrss) is that PDF's own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(pdf: Path, validate: bool) -> dict[str, float | int | str]:
    from dxextract.pipeline import IngestSettings, process_pdf

    t0 = time.perf_counter()
    out = process_pdf(pdf, IngestSettings(validate=validate))
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pages = int(out.manifest["pages"])
    return {"pdf": pdf.name, "pages": pages, "seconds": round(seconds, 2),
            "pages_per_second": round(pages / seconds, 1), "peak_mib": round(peak_kb / 1024, 1),
            "cells": len(out.frames["tables.csv"])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, not args.no_validate)))
        return 0
    pdfs = args.pdfs or sorted((REPO / "raw").glob("*.pdf"))
    book = REPO.parent / "shared" / "realworld" / "fuji-r6-budget-book.pdf"
    if not args.pdfs and book.exists():
        pdfs.append(book)
    print(f"{'pdf':40s} {'pages':>6s} {'seconds':>8s} {'pages/s':>8s} {'peak MiB':>9s} {'cells':>7s}")
    for pdf in pdfs:
        cmd = [sys.executable, __file__, "--one", str(pdf)] + (["--no-validate"] if args.no_validate else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            print(f"{pdf.name:40s} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{r['pdf']:40s} {r['pages']:6d} {r['seconds']:8.2f} {r['pages_per_second']:8.1f} "
              f"{r['peak_mib']:9.1f} {r['cells']:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
