"""The seeded bad-input corpus (``badinput.py``) through the real entry point.

Every case is ingested with ``--force`` over an earlier, good output folder, from a working
folder that holds nothing else. For each: exit code 0, 1 or 2; no traceback; no internal-error
fallback; nothing left behind (no hidden temp folder, no lock file); nothing outside ``--out``
touched; after exit 2 the earlier folder is byte for byte as it was, after 0/1 the new folder
is complete (every output its manifest lists, with that sha256). Cases run in-process through
``dxextract.cli.main`` (each document still in its worker process); the hang in a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from badinput import ODD_NAMES, Case, build_cases
from conftest import cli_env
from dxextract.cli import main
from pdf_builders import build_vertical_merge

FORBIDDEN = ("Traceback", "cannot process (", "internal error")


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (hidden ones included) and the bytes of the files."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def complete(folder: Path) -> bool:
    """A finished output folder: every output its manifest lists is there with its sha256."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    outputs = manifest.get("outputs") or {}
    return bool(outputs) and all(
        (folder / name).is_file() and hashlib.sha256((folder / name).read_bytes()).hexdigest() == o["sha256"]
        for name, o in outputs.items())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return build_cases(tmp_path_factory.mktemp("badinput"))


@pytest.fixture(scope="module")
def old_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good output folder, as an earlier run left it."""
    folder = tmp_path_factory.mktemp("old")
    pdf = build_vertical_merge(folder / "good.pdf")
    assert main(["ingest", str(pdf), "--out", str(folder / "result"), "--no-validate"]) == 0
    return folder / "result"


def _check(case: Case, work: Path, code: int, err: str, before: dict[str, bytes | None],
           inbox_before: dict[str, bytes | None]) -> list[str]:
    problems = []
    if code not in (0, 1, 2):
        problems.append(f"exit {code}")
    problems += [f"{word!r} in stderr" for word in FORBIDDEN if word in err]
    if "not read within" in err:
        problems.append("hang (time-out)")
    if code == 2:
        if snapshot(work) != before:
            problems.append("refused or failed, but the earlier output or its folder changed")
    elif sorted(p.name for p in work.iterdir()) != ["out"] or sorted(
            p.name for p in (work / "out").iterdir()) != ["result"]:
        problems.append(f"left behind: {sorted(str(p.relative_to(work)) for p in work.rglob('*'))[:6]}")
    elif not complete(work / "out" / "result"):
        problems.append("written folder incomplete")
    if snapshot(case.path.parent) != inbox_before:
        problems.append("the input folder was changed")
    return problems


#: what the built cases must give: (exit code, a phrase stderr must hold)
EXPECT = {
    "corrupted_page": (1, "records from them are probably missing"),
    "blank_page": (0, "page 2: no text while other pages have text"),
    "rotate_90": (0, "read turned by 270°"), "rotate_180": (0, "read turned by 180°"),
    "rotate_270": (0, "read turned by 90°"), "drawn_180": (0, "read turned by 180°"),
    "encrypted": (2, "encrypted"), "image_only": (2, "--ocr"), "prose_only": (2, "no tables"),
    "tiny_segments": (0, "tables (15 cells)"),
}


def _ingest_over_old(case: Case, work: Path, old_output: Path) -> tuple[list[str], Path]:
    """``--out`` is an earlier output folder, replaced with --force."""
    shutil.copytree(old_output, work / "out" / "result")
    return ["ingest", str(case.path), "--out", str(work / "out" / "result"), "--force"], work / "out" / "result"


def _ingest_into_base(case: Case, work: Path, old_output: Path) -> tuple[list[str], Path]:
    """The default folder under ``--base``, beside an earlier year's folder (``..pdf`` wiped it)."""
    shutil.copytree(old_output, work / "out" / "082163_2023")
    return ["ingest", str(case.path), "--base", str(work / "out"), "--force"], work / "out" / "082163_2023"


def _check_base_mode(work: Path, code: int, before: dict[str, bytes | None]) -> list[str]:
    year = {k: v for k, v in snapshot(work).items() if k.startswith("out/082163_2023")}
    if year != {k: v for k, v in before.items() if k.startswith("out/082163_2023")}:
        return ["the earlier year's folder beside the target changed"]
    made = sorted(p.name for p in (work / "out").iterdir() if p.name != "082163_2023")
    if code == 2 and made:
        return [f"exit 2 but {made} written"]
    if code != 2 and (len(made) != 1 or made[0].startswith(".") or not complete(work / "out" / made[0])):
        return [f"expected one complete visible folder beside the year folder, got {made}"]
    return []


def summary(failures: dict[str, list[str]]) -> str:
    """How many runs showed each kind of problem (the last entry of each list is stderr)."""
    def count(*words: str) -> int:
        return sum(any(w in p for p in v[:-1] for w in words) for v in failures.values())

    return (f"tracebacks {count('Traceback')}, fallbacks {count('cannot process', 'internal error')}, "
            f"hangs {count('hang (time-out)')}, leftovers {count('left behind', 'changed', 'written', 'visible')}, "
            f"failed runs {len(failures)}")


def test_every_bad_input_is_handled(corpus: list[Case], old_output: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    runs = [(c, _ingest_over_old) for c in corpus if not c.hangs]
    runs += [(c, _ingest_into_base) for c in corpus if c.family in ("name", "built", "structure")]
    assert len(runs) >= 300
    failures: dict[str, list[str]] = {}
    codes: Counter[int] = Counter()
    started = time.monotonic()
    for i, (case, mode) in enumerate(runs):
        work = tmp_path / f"w{i}"
        argv, _ = mode(case, work, old_output)
        monkeypatch.chdir(work)
        before, inbox_before = snapshot(work), snapshot(case.path.parent)
        capfd.readouterr()
        code = main([*argv, "--no-validate", "--timeout", "60"])
        err = capfd.readouterr().err
        codes[code] += 1
        if mode is _ingest_over_old:
            problems = _check(case, work, code, err, before, inbox_before)
        else:
            problems = _check_base_mode(work, code, before)
            problems += [f"{w!r} in stderr" for w in FORBIDDEN if w in err]
        want = EXPECT.get(case.name)
        if want and (code != want[0] or want[1] not in err):
            problems.append(f"expected exit {want[0]} and {want[1]!r}")
        if problems:
            failures[f"{mode.__name__}: {case.family}/{case.name}"] = problems + [err.strip()[-300:]]
        shutil.rmtree(work)
    with capfd.disabled():
        print(f"\nbad-input corpus: {len(runs)} runs of {len(corpus) - 1} files in "
              f"{time.monotonic() - started:.0f} s, exit codes {dict(sorted(codes.items()))}; "
              + summary(failures))
    assert not failures, "\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))


def test_run_over_odd_names_stays_inside_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    """``run`` over every odd name at once (each file a little different): folders only inside --out."""
    good = build_vertical_merge(tmp_path / "good.pdf").read_bytes()
    raw, out, cwd = tmp_path / "raw", tmp_path / "out", tmp_path / "cwd"
    for folder in (raw, cwd):
        folder.mkdir()
    for i, name in enumerate(ODD_NAMES):
        (raw / name).write_bytes(good + b"%%%d\n" % i)
    year = out / "082163_2023"
    year.mkdir(parents=True)
    (year / "tables.csv").write_text("keep\n")
    monkeypatch.chdir(cwd)
    code = main(["run", "--raw", str(raw), "--out", str(out), "--no-validate", "--timeout", "60"])
    err = capfd.readouterr().err
    assert code in (0, 1, 2), err
    assert not [w for w in FORBIDDEN if w in err], err
    assert list(cwd.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "good.pdf", "out", "raw"]
    assert (year / "tables.csv").read_text() == "keep\n"
    made = [p for p in out.iterdir() if p != year]
    assert made and all(p.is_dir() and not p.name.startswith(".") and complete(p) for p in made), made
    assert len(made) == len(ODD_NAMES), (sorted(p.name for p in made), err)


def test_the_hang_times_out_in_a_subprocess(corpus: list[Case], old_output: Path, tmp_path: Path) -> None:
    (case,) = [c for c in corpus if c.hangs]
    work = tmp_path / "work"
    shutil.copytree(old_output, work / "out" / "result")
    before = snapshot(work)
    env = cli_env()
    proc = subprocess.run([sys.executable, "-m", "dxextract", "ingest", str(case.path), "--out",
                           str(work / "out" / "result"), "--force", "--no-validate", "--timeout", "3"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "not read within 3 s (--timeout)" in proc.stderr and str(case.path) in proc.stderr
    assert not [w for w in FORBIDDEN if w in proc.stderr]
    assert snapshot(work) == before
