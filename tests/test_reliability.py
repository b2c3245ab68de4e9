"""Issue 12: output folders that must never be lost, and documents whose content must not vanish
silently. Each test reproduces one reported case through the real entry point
(``dxextract.cli.main``, in-process) and fails on the code before the fix.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dxextract.cli import main
from pdf_builders import build_vertical_merge


@pytest.fixture(scope="module")
def table_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small ruled table (no lg_code, no report year: its folder is named after the stem)."""
    return build_vertical_merge(tmp_path_factory.mktemp("pdf") / "table.pdf")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def year_folder(base: Path) -> Path:
    """An earlier year's output the user keeps in --out."""
    folder = base / "082163_2023"
    folder.mkdir(parents=True)
    (folder / "tables.csv").write_text("table_id\nt01\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"sha256": "0" * 64, "source": "r5.pdf"}), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- 1. stem "."


def test_run_on_dot_stem_keeps_other_folders(tmp_path: Path, table_pdf: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(table_pdf, raw / "..pdf")
    before = snapshot(year_folder(out))

    code = main(["run", "--raw", str(raw), "--out", str(out), "--no-validate"])

    assert code == 0, capsys.readouterr().err
    assert snapshot(out / "082163_2023") == before, "an earlier year's folder was touched"
    assert names(out) == ["082163_2023", "_"], "the CSVs must go to a folder of their own"
    assert (out / "_" / "tables.csv").is_file()


def test_ingest_dot_stem_force_keeps_base(tmp_path: Path, table_pdf: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "normalized"
    before = snapshot(year_folder(base))
    pdf = tmp_path / "..pdf"
    shutil.copy(table_pdf, pdf)

    code = main(["ingest", str(pdf), "--base", str(base), "--force", "--no-validate"])

    assert code == 0, capsys.readouterr().err
    assert snapshot(base / "082163_2023") == before
    assert names(base) == ["082163_2023", "_"]


@pytest.mark.parametrize("stem", [".", "..", "...", ".hidden", "a/b", "", " ", "x" * 300, "本\x00;`$(rm)"])
def test_safe_folder_name(stem: str) -> None:
    from dxextract.emit import safe_folder_name

    name = safe_folder_name(stem)
    assert name and not name.startswith(".") and "/" not in name and "\x00" not in name
    assert len(name.encode()) <= 120
    assert safe_folder_name(name) == name


@pytest.mark.parametrize("out", [".", ".."])
def test_ingest_never_replaces_dot_out(tmp_path: Path, table_pdf: Path, out: str,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "notes.txt").write_text("keep\n")
    monkeypatch.chdir(cwd)
    assert main(["ingest", str(table_pdf), "--out", out, "--force", "--no-validate"]) == 2
    assert "name a new folder" in capsys.readouterr().err
    assert names(cwd) == ["notes.txt"]
