"""Inputs that cannot be used, and output folders that must not be harmed, through the CLI.

Contract: exit 2 means "the input could not be used (the message says why; no output folder is
left behind)". The message is one line on stderr, names the file and the reason, and is never a
traceback. The patterns below pin the reason loosely (case-insensitive), not the exact wording.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import cli_env, snapshot
from pdf_builders import build_encrypted, build_image_only, build_prose_only, build_vertical_merge


def run_ingest(pdf: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real entry point, ``python -m dxextract ingest PDF ARGS``, on the working tree's src/."""
    env = cli_env()
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "dxextract", "ingest", str(pdf), *args],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace",
        timeout=300,
    )


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


def assert_one_line_error(proc: subprocess.CompletedProcess[str], name: str, *patterns: str) -> str:
    """Exit 2; stderr is one line, no traceback, naming ``name`` and matching every pattern."""
    assert proc.returncode == 2, describe(proc)
    assert "Traceback" not in proc.stderr, describe(proc)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"stderr must be one line, got {len(lines)}:\n{proc.stderr}"
    message = lines[0]
    assert name in message, f"message does not name {name!r}: {message}"
    for pattern in patterns:
        assert re.search(pattern, message, re.IGNORECASE), f"message does not match {pattern!r}: {message}"
    return message


def listing(folder: Path) -> list[str]:
    """Every path under ``folder``, relative, sorted (hidden temp folders included)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --------------------------------------------------------------------------- unusable inputs


def _truncated(folder: Path) -> Path:
    whole = build_vertical_merge(folder / "whole.tmp").read_bytes()
    (folder / "whole.tmp").unlink()
    path = folder / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return make


@dataclass(frozen=True)
class BadInput:
    make: Callable[[Path], Path]
    reason: str  # regex the one-line message must match


BAD_INPUTS: dict[str, BadInput] = {
    "zero_bytes": BadInput(_write("empty.pdf", b""), r"empty|0 bytes|not a PDF"),
    "truncated": BadInput(_truncated, r"truncated|damaged|corrupt|not a (valid )?PDF"),
    "random_bytes": BadInput(_write("noise.pdf", random.Random(20240401).randbytes(4096)),
                             r"not a (valid )?PDF|damaged|corrupt"),
    "text_file": BadInput(_write("memo.pdf", "会議資料は別途配布します。\nこれはPDFではありません。\n".encode()),
                          r"not a (valid )?PDF"),
    "encrypted": BadInput(lambda folder: build_encrypted(folder / "locked.pdf"), r"password|encrypted"),
    "image_only": BadInput(lambda folder: build_image_only(folder / "scan.pdf"), r"no text layer.*--ocr"),
    "missing": BadInput(lambda folder: folder / "missing.pdf", r"not found|does not exist|no such file"),
    "prose_only": BadInput(lambda folder: build_prose_only(folder / "prose.pdf"), r"no tables?\b"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_unusable_input_exits_2_and_leaves_nothing(case: str, tmp_path: Path) -> None:
    bad = BAD_INPUTS[case]
    inbox = tmp_path / "in"
    inbox.mkdir()
    pdf = bad.make(inbox)
    inputs_before = snapshot(inbox)
    work = tmp_path / "work"  # cwd and parent of --out: must stay empty (no output, no temp folder)
    work.mkdir()

    proc = run_ingest(pdf, "--out", str(work / "result"), cwd=work)

    assert_one_line_error(proc, pdf.name, bad.reason)
    assert listing(work) == [], "output or temp folder left behind"
    assert snapshot(inbox) == inputs_before, "the input folder was changed"


def test_unusable_input_without_out_leaves_no_default_folder(tmp_path: Path) -> None:
    pdf = build_image_only(tmp_path / "scan.pdf")
    work = tmp_path / "work"
    work.mkdir()
    proc = run_ingest(pdf, cwd=work)
    assert_one_line_error(proc, pdf.name, BAD_INPUTS["image_only"].reason)
    assert listing(work) == [], "a default normalized/ folder was left behind"


# --------------------------------------------------------------------------- existing output folders


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_existing_output_is_refused_without_force(work: Path, tmp_path: Path) -> None:
    out = work / "kasama_out"
    out.mkdir()
    (out / "notes.txt").write_text("利用者のメモ: 消さないでください\n", encoding="utf-8")
    before = snapshot(out)
    pdf = build_vertical_merge(tmp_path / "table.pdf")

    proc = run_ingest(pdf, "--out", str(out), cwd=work)

    assert_one_line_error(proc, out.name, r"exists", r"--force")
    assert snapshot(out) == before, "the user's folder was changed"
    assert listing(work) == ["kasama_out", "kasama_out/notes.txt"], "temp folder left behind"


def test_force_replaces_existing_output(work: Path, tmp_path: Path) -> None:
    out = work / "kasama_out"
    out.mkdir()
    (out / "notes.txt").write_text("古い出力\n", encoding="utf-8")
    pdf = build_vertical_merge(tmp_path / "table.pdf")

    proc = run_ingest(pdf, "--out", str(out), "--force", cwd=work)

    assert proc.returncode in (0, 1), describe(proc)
    assert "Traceback" not in proc.stderr
    assert not (out / "notes.txt").exists(), "--force must replace the folder, not merge into it"
    assert (out / "tables.csv").is_file()
    assert [p.name for p in work.iterdir()] == ["kasama_out"], "temp or backup folder left behind"


def test_failed_run_keeps_previous_output(work: Path, tmp_path: Path) -> None:
    out = work / "kasama_out"
    good = build_vertical_merge(tmp_path / "table.pdf")
    first = run_ingest(good, "--out", str(out), cwd=work)
    assert first.returncode in (0, 1), describe(first)
    previous = snapshot(out)
    assert "tables.csv" in previous

    broken = _truncated(tmp_path)
    proc = run_ingest(broken, "--out", str(out), "--force", cwd=work)
    assert_one_line_error(proc, broken.name, BAD_INPUTS["truncated"].reason)
    assert snapshot(out) == previous, "a failed --force run damaged the previous output"
    assert [p.name for p in work.iterdir()] == ["kasama_out"], "temp or backup folder left behind"

    # without --force a bad input is refused too (for either reason) and changes nothing
    proc = run_ingest(broken, "--out", str(out), cwd=work)
    assert proc.returncode == 2, describe(proc)
    assert "Traceback" not in proc.stderr
    assert snapshot(out) == previous
    assert [p.name for p in work.iterdir()] == ["kasama_out"]
