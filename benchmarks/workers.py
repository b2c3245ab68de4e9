"""Wall time of reading a folder of PDFs with ``run --workers 1`` and ``--workers N`` (and Dask).

    PYTHONPATH=src .venv/bin/python benchmarks/workers.py [--copies 4] [--workers 2] [--validate] [--dask]

The folder is ``--copies`` copies of each sample PDF in raw/ under other names. Copies of one
report map to one output folder, and ``run`` would refuse them as a collision, so this times
the executor that ``run`` uses (``executors.make_executor(...).results``: the same worker
processes, time limit and progress), not the folder writes (milliseconds per document).
Figures vary with the machine and with what else runs on it: say which when quoting them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def folder(copies: int, into: Path) -> list[Path]:
    pdfs = []
    for src in sorted((REPO / "raw").glob("*.pdf")):
        for i in range(copies):
            pdfs.append(into / f"{src.stem}_copy{i}.pdf")
            shutil.copy(src, pdfs[-1])
    return pdfs


def timed(settings, pdfs: list[Path], validate: bool) -> tuple[float, int]:
    from dxextract.errors import DxextractError
    from dxextract.executors import make_executor
    from dxextract.pipeline import IngestSettings

    started = time.perf_counter()
    pages = 0
    for pdf, result in make_executor(settings).results(pdfs, IngestSettings(validate=validate)):
        if isinstance(result, DxextractError):
            raise SystemExit(f"{pdf}: {result}")
        pages += int(result.manifest["pages"])
    return time.perf_counter() - started, pages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4, help="copies of each raw/*.pdf (default 4: 8 documents)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="N to compare with 1 (default: cores)")
    ap.add_argument("--validate", action="store_true", help="run the expectation suites too")
    ap.add_argument("--dask", action="store_true", help="also a LocalCluster of N single-thread worker processes")
    args = ap.parse_args()

    from dxextract.executors import ExecutorSettings

    with tempfile.TemporaryDirectory(prefix="dxextract-bench-") as tmp:
        pdfs = folder(args.copies, Path(tmp))
        print(f"{len(pdfs)} documents, {os.cpu_count()} cores, load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        rows = []
        for workers in (1, args.workers):
            seconds, pages = timed(ExecutorSettings(workers=workers), pdfs, args.validate)
            rows.append((f"local --workers {workers}", seconds, pages))
            print(f"{rows[-1][0]:28s} {seconds:7.2f} s  {pages / seconds:6.1f} pages/s  "
                  f"{seconds / pages:.3f} s/page", flush=True)
        if args.dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                seconds, pages = timed(ExecutorSettings(executor="dask", scheduler=cluster.scheduler_address),
                                       pdfs, args.validate)
            rows.append((f"dask LocalCluster {args.workers}x1", seconds, pages))
            print(f"{rows[-1][0]:28s} {seconds:7.2f} s  {pages / seconds:6.1f} pages/s", flush=True)
        base = rows[0][1]
        for name, seconds, _ in rows[1:]:
            print(f"speed-up of {name} over --workers 1: {base / seconds:.2f}x")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
