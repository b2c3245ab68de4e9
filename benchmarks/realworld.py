"""grid_f1 on real PDFs with truth: dxextract against each out-of-the-box peer, file by file.

    .venv/bin/python benchmarks/realworld.py [--dev DIR] [--jobs 2] [--only eu-001,us-012]
                                            [--refresh-peers] [--json FILE]

For every ``*.json`` truth under ``--dev`` (default ``../shared/realworld/dev``) beside a PDF of
the same name (``eu-009b.json`` is the other acceptable reading of ``eu-009a.pdf``: a file's
score is the better of its readings), it runs ``dxextract ingest --no-validate``, then
``../shared/eval/peers.py`` (pdfplumber lines and text, camelot lattice, stream, hybrid), and
scores every output with ``score.py --nonempty``. Peer outputs are cached under
``benchmarks/.cache/peers`` (they never change); ``--refresh-peers`` redoes them.

Prints one line per file (dxextract, every peer, the best peer, and whether dxextract is at or
above it), then the means per folder and overall, the share of files at or above the best peer,
and the internal errors (a traceback, or «cannot process») seen in dxextract's output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PEERS = ("pdfplumber", "pdfplumber-text", "camelot-lattice", "camelot-stream", "camelot-hybrid")
CACHE = REPO / "benchmarks" / ".cache" / "peers"
#: a score this close to the best peer's counts as a tie (the scorer's own rounding)
TIE = 0.005


def cases(dev: Path, only: set[str]) -> list[tuple[Path, list[Path]]]:
    """(pdf, truths) per PDF: ``x.pdf`` with ``x.json``, and ``xb.json`` beside ``xa.pdf``."""
    out = []
    for pdf in sorted(dev.rglob("*.pdf")):
        if only and pdf.stem not in only:
            continue
        truths = [pdf.with_suffix(".json")]
        if pdf.stem.endswith("a"):
            truths.append(pdf.with_name(pdf.stem[:-1] + "b.json"))
        truths = [t for t in truths if t.exists()]
        if truths:
            out.append((pdf, truths))
    return out


def score(truths: list[Path], folder: Path) -> float:
    """The better grid_f1 (non-empty cells) over the acceptable readings; 0 when nothing came out."""
    best = 0.0
    if not (folder / "tables.csv").exists():
        return 0.0
    for truth in truths:
        with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
            proc = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--truth", str(truth),
                                   "--out", str(folder), "--nonempty", "--json", tmp.name],
                                  capture_output=True, text=True)
            if proc.returncode == 0:
                best = max(best, json.loads(Path(tmp.name).read_text())["grid_f1"])
    return best


def run_dxextract(pdf: Path, work: Path) -> tuple[Path, str, int]:
    out = work / "dx" / pdf.stem
    proc = subprocess.run([sys.executable, "-m", "dxextract", "ingest", str(pdf), "--out", str(out),
                           "--no-validate", "--force"], capture_output=True, text=True, timeout=600)
    return out, proc.stderr, proc.returncode


def run_peers(pdf: Path, refresh: bool) -> Path:
    folder = CACHE / pdf.parent.name / pdf.stem
    if refresh or not all((folder / tool).exists() or (folder / f"{tool}.failed").exists() for tool in PEERS):
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, str(SHARED / "eval" / "peers.py"), str(pdf), str(folder)],
                              capture_output=True, text=True, timeout=1800)
        for tool in PEERS:
            if not (folder / tool).exists():
                (folder / f"{tool}.failed").write_text(proc.stdout + proc.stderr)
    return folder


def one(pdf: Path, truths: list[Path], work: Path, refresh: bool) -> dict:
    out, log, rc = run_dxextract(pdf, work)
    internal = "Traceback" in log or "cannot process" in log
    peers = run_peers(pdf, refresh)
    row = {"file": f"{pdf.parent.name}/{pdf.stem}", "exit": rc, "internal_error": internal,
           "dxextract": score(truths, out)}
    for tool in PEERS:
        row[tool] = score(truths, peers / tool)
    row["best_peer"] = max(row[t] for t in PEERS)
    row["at_or_above"] = row["dxextract"] >= row["best_peer"] - TIE
    if internal:
        row["log"] = log.strip().splitlines()[-1:]
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=SHARED / "realworld" / "dev")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated PDF stems")
    ap.add_argument("--refresh-peers", action="store_true")
    ap.add_argument("--json", type=Path, help="write the per-file rows here")
    args = ap.parse_args(argv)
    todo = cases(args.dev, {s for s in args.only.split(",") if s})
    if not todo:
        print(f"no PDFs with truth under {args.dev}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda c: one(c[0], c[1], Path(tmp), args.refresh_peers), todo))
    short = {"pdfplumber": "plumb", "pdfplumber-text": "plumbT", "camelot-lattice": "latt",
             "camelot-stream": "strm", "camelot-hybrid": "hybr"}
    print(f"{'file':34s} {'dx':>6s} " + " ".join(f"{short[t]:>6s}" for t in PEERS) + f" {'best':>6s}  ok")
    for r in rows:
        print(f"{r['file']:34s} {r['dxextract']:6.3f} " + " ".join(f"{r[t]:6.3f}" for t in PEERS)
              + f" {r['best_peer']:6.3f}  {'yes' if r['at_or_above'] else 'NO'}"
              + ("  INTERNAL ERROR " + str(r.get("log")) if r["internal_error"] else ""))
    print()
    for group in sorted({r["file"].split("/")[0] for r in rows}) + ["all"]:
        sel = [r for r in rows if group == "all" or r["file"].startswith(group + "/")]
        means = {k: sum(r[k] for r in sel) / len(sel) for k in ("dxextract", *PEERS, "best_peer")}
        share = sum(r["at_or_above"] for r in sel) / len(sel)
        print(f"mean {group:10s} n={len(sel):2d}  dxextract {means['dxextract']:.3f}  "
              + "  ".join(f"{short[t]} {means[t]:.3f}" for t in PEERS)
              + f"  best-peer {means['best_peer']:.3f}  at/above best peer {share:.0%}")
    errors = sum(r["internal_error"] for r in rows)
    print(f"internal errors: {errors} of {len(rows)} files")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
