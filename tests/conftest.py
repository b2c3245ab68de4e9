"""Paths, truth, the scorer and the once-per-session fixtures every test module shares.

Everything the tests need to check what the README claims is in the repository: the sample PDFs
in ``raw/`` (the corpus PDFs, byte for byte), their ground truth in ``tests/data/corpus/``
(copies of ``../shared/corpus/*.json``), the scorer in ``tests/scoring.py`` (vendored from
``../shared/eval/score.py``), golden CSVs in ``tests/golden/`` and fixture PDFs in ``tests/pdfs/``.

``../shared`` beside the clone (or the folder ``$DXEXTRACT_SHARED`` names) adds the extra
evaluation: the real-world PDFs and a check that the copies here still match their originals.
Only those tests skip without it. ``shared_dir()`` is the one place that looks for it; point
``DXEXTRACT_SHARED`` at a folder that does not exist to run the suite as a bare clone would.

Test modules import the names below with ``from conftest import ...`` (``tests/`` is on
``sys.path`` under pytest's default import mode, as for ``truth_frames`` and ``pdf_builders``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dxextract.pipeline import Outputs

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
RAW = REPO / "raw"
NORMALIZED = REPO / "normalized"
TESTS = REPO / "tests"
GOLDEN = TESTS / "golden"
PDFS = TESTS / "pdfs"
#: ground truth of the corpus, copied from ../shared/corpus (identical bytes)
CORPUS = TESTS / "data" / "corpus"
#: the project's scorer, vendored from ../shared/eval/score.py
SCORER = TESTS / "scoring.py"

#: corpus report id -> the folder ``dxextract run`` writes for it under normalized/
SAMPLES = {"kasama_dx_r5": "082163_2023", "kasama_dx_r6": "082163_2024"}
YEARS = list(SAMPLES)

#: overrides where ../shared is looked for
SHARED_ENV = "DXEXTRACT_SHARED"

#: the issues' bars for a corpus report, as score.py --min arguments
CORPUS_BARS = ["status=1", "items=1", "rows=1", "text=0.995", "lines=0.98", "grid_f1=0.98",
               "grid_min=0.95", "kpi_f1=1", "figures_f1=0.98", "audit=1"]


# --------------------------------------------------------------------------- ../shared


def shared_dir() -> Path | None:
    """``$DXEXTRACT_SHARED`` when set, else ``../shared`` beside the repository; None when that
    folder does not exist (a bare clone)."""
    override = os.environ.get(SHARED_ENV)
    path = Path(override) if override else REPO.parent / "shared"
    return path if path.is_dir() else None


def shared_path(*parts: str) -> Path | None:
    """A file or folder under the shared dir, or None when it (or the shared dir) is absent."""
    base = shared_dir()
    if base is None:
        return None
    path = base.joinpath(*parts)
    return path if path.exists() else None


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Skip mark for a test that needs ``parts`` under the shared dir."""
    where = "/".join(("shared", *parts))
    return pytest.mark.skipif(shared_path(*parts) is None,
                              reason=f"../{where} not beside the repo (or set ${SHARED_ENV})")


def shared_pdfs(*parts: str, recursive: bool = False) -> list[Path]:
    """The PDFs in a folder under the shared dir, sorted; [] when it is absent."""
    folder = shared_path(*parts)
    if folder is None or not folder.is_dir():
        return []
    return sorted(folder.rglob("*.pdf") if recursive else folder.glob("*.pdf"))


# --------------------------------------------------------------------------- truth and scorer


def truth_path(report_id: str) -> Path:
    """The truth JSON of a corpus report such as ``kasama_dx_r5`` (in the repository)."""
    return CORPUS / f"{report_id}.json"


def load_truth(report_id: str) -> dict[str, Any]:
    """The parsed truth JSON of a corpus report (a fresh dict on every call)."""
    return json.loads(truth_path(report_id).read_text(encoding="utf-8"))


def score(truth: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the scorer on an output folder, as a user would: ``scoring.py --truth T --out O``."""
    return subprocess.run([sys.executable, str(SCORER), "--truth", str(truth), "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=300)


def write_frames(out: Outputs, folder: Path) -> Path:
    """The frames of a ``process_pdf`` result as contract CSVs in ``folder`` (for the scorer)."""
    from dxextract.output.emit import frame_to_csv

    folder.mkdir(parents=True)
    for name, df in out.frames.items():
        (folder / name).write_bytes(frame_to_csv(df))
    return folder


# --------------------------------------------------------------------------- the real entry point


def cli_env() -> dict[str, str]:
    """The environment for ``python -m dxextract`` in a subprocess, on this working tree's src/."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return env


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def names(folder: Path) -> list[str]:
    """The names in ``folder``, sorted."""
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- session fixtures


@pytest.fixture(scope="session")
def sample_outputs() -> dict[str, Outputs]:
    """Each sample report in raw/ read once per session, with validation, as ``dxextract run``."""
    from dxextract.pipeline import process_pdf

    return {name: process_pdf(RAW / f"{name}.pdf") for name in SAMPLES}


@pytest.fixture(scope="session")
def table_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small ruled table (no lg_code, no report year: its folder is named after the stem)."""
    from pdf_builders import build_vertical_merge

    return build_vertical_merge(tmp_path_factory.mktemp("pdf") / "table.pdf")
