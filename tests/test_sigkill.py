"""SIGKILL ``dxextract run --force`` at random moments; the next start must leave every output
folder present and complete, and nothing else in ``--out``.

Half the kills fall at a random moment of the run; the other half while the folders are being
written and swapped (a run reads every document first, then writes, in a few milliseconds):
the test watches ``--out`` for the writer's hidden siblings and kills 0-20 ms after the first
shows (lock, temp folder), or as soon as a previous folder is set aside (``.old``), between the
swap's two renames. That window is where a kill used to lose a folder.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import cli_env
from pdf_builders import build_horizontal_merge, build_page_break_header, build_vertical_merge
from test_badinput_corpus import FORBIDDEN, complete

KILLS = 20


def _command(raw: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "dxextract", "run", "--raw", str(raw), "--out", str(out), "--no-validate",
            *extra]


def test_random_sigkills_of_run_force_lose_nothing(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    build_vertical_merge(raw / "vertical.pdf")
    build_horizontal_merge(raw / "horizontal.pdf")
    build_page_break_header(raw / "two_pages.pdf")
    targets = ["horizontal", "two_pages", "vertical"]
    first = subprocess.run(_command(raw, out), env=cli_env(), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    started = time.monotonic()
    subprocess.run(_command(raw, out, "--force"), env=cli_env(), capture_output=True, timeout=300, check=True)
    whole = time.monotonic() - started

    rng = random.Random(12)
    landed = in_writes = recovered = restored = 0
    for i in range(KILLS):
        proc = subprocess.Popen(_command(raw, out, "--force"), env=cli_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        if i % 2:
            time.sleep(whole * rng.uniform(0.05, 1.05))
        elif i % 4 == 0:
            in_writes += _wait_for_writes(proc, out, ".")
            time.sleep(rng.uniform(0, 0.02))
        else:  # the moment between the swap's two renames: the previous folder set aside
            in_writes += _wait_for_writes(proc, out, ".old")
        delay = time.monotonic() - t0
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            landed += 1
        proc.wait(timeout=60)

        after = subprocess.run(_command(raw, out), env=cli_env(), capture_output=True, text=True, timeout=300)
        where = f"kill {i} after {delay:.2f} s of {whole:.2f} s:\n{after.stderr}"
        assert after.returncode == 0, where
        assert not [w for w in FORBIDDEN if w in after.stderr], where
        assert sorted(p.name for p in out.iterdir()) == targets, where
        assert all(complete(out / t) for t in targets), where
        recovered += "restored" in after.stderr or "removed" in after.stderr
        restored += "restored the previous folder" in after.stderr
    print(f"\nSIGKILL test: {KILLS} kills ({landed} while running, {in_writes} during writes; whole run "
          f"{whole:.2f} s), "
          f"{recovered} next starts recovered leftovers ({restored} restored a folder); every target present and complete after each")
    assert landed >= KILLS // 2, "most kills must land while the run is still going"
    assert in_writes >= KILLS // 4, "a good part of the kills must land while folders are written"


def _wait_for_writes(proc: subprocess.Popen[bytes], out: Path, mark: str) -> bool:
    """Until a hidden sibling of a target (a name starting, or for ".old" ending, with ``mark``)
    shows in ``out`` (True), or the run ends (False)."""
    while proc.poll() is None:
        if any(name.startswith(mark) or name.endswith(mark) for name in os.listdir(out)):
            return True
        time.sleep(0.0005)
    return False
