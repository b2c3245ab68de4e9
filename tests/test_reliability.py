"""Issue 12: output folders that must never be lost, and documents whose content must not vanish
silently. Each test reproduces one reported case through the real entry point
(``dxextract.cli.main``, in-process) and fails on the code before the fix.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import cli_env, names, snapshot
from dxextract.cli import main
from pdf_builders import (
    build_corrupted_page,
    build_horizontal_merge,
    build_mediabox_cycle,
    build_turned,
    build_with_blank_page,
)


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
    from dxextract.output.emit import safe_folder_name

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


# --------------------------------------------------------------------------- 2. silent replacement


@pytest.fixture(scope="module")
def other_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_horizontal_merge(tmp_path_factory.mktemp("pdf") / "other.pdf")


def run(raw: Path, out: Path, *extra: str) -> int:
    return main(["run", "--raw", str(raw), "--out", str(out), "--no-validate", *extra])


def test_two_inputs_for_one_folder_are_refused(tmp_path: Path, table_pdf: Path, other_pdf: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    for sub, pdf in (("a", table_pdf), ("b", other_pdf)):
        (raw / sub).mkdir(parents=True)
        shutil.copy(pdf, raw / sub / "table.pdf")  # both named table: one folder "table"
    shutil.copy(other_pdf, raw / "third.pdf")

    assert run(raw, out) == 2
    err = capsys.readouterr().err
    assert f"{raw / 'a' / 'table.pdf'}, {raw / 'b' / 'table.pdf'}: all map to the output folder table" in err
    assert names(out) == ["third"], "nothing for the contested folder; the other document is written"
    assert run(raw, out, "--force") == 2, "--force cannot tell which of the two belongs there"


def test_existing_folder_of_another_file_is_refused_without_force(
        tmp_path: Path, table_pdf: Path, other_pdf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(table_pdf, raw / "table.pdf")
    assert run(raw, out) == 0
    before = snapshot(out / "table")
    (raw / "table.pdf").unlink()
    (raw / "new").mkdir()
    shutil.copy(other_pdf, raw / "new" / "table.pdf")
    capsys.readouterr()

    assert run(raw, out) == 2
    err = capsys.readouterr().err
    assert f"{raw / 'new' / 'table.pdf'}: its output folder {out / 'table'} already holds table.pdf" in err
    assert "pass --force" in err
    assert snapshot(out / "table") == before and names(out) == ["table"]

    assert run(raw, out) == 2, "still refused: a refusal is not remembered as done"
    assert run(raw, out, "--force") == 0
    assert snapshot(out / "table") != before
    assert run(raw, out) == 0 and "skipped" in capsys.readouterr().err


# --------------------------------------------------------------------------- 3. crash-safe swap


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_kill_between_the_two_renames_is_recovered(tmp_path: Path, table_pdf: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The state a SIGKILL between the swap's renames left (before the fix): the target gone, the
    old data only in ``.<name>.<token>.old/previous`` and a finished temp folder whose manifest
    made the next ``run`` skip the file."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(table_pdf, raw / "table.pdf")
    assert main(["run", "--raw", str(raw), "--out", str(out), "--no-validate"]) == 0
    previous = snapshot(out / "table")
    (out / ".table.k2j4x9ab.old").mkdir()
    (out / "table").rename(out / ".table.k2j4x9ab.old" / "previous")
    shutil.copytree(out / ".table.k2j4x9ab.old" / "previous", out / ".table.q8w7e6r5.tmp")
    capsys.readouterr()

    assert main(["run", "--raw", str(raw), "--out", str(out), "--no-validate"]) == 0

    err = capsys.readouterr().err
    assert "restored the previous folder" in err and "removed .table.q8w7e6r5.tmp" in err, err
    assert "skipped" in err, "the restored folder holds this source: nothing to redo"
    assert snapshot(out / "table") == previous
    assert names(out) == ["table"]


def test_killed_swap_in_a_subprocess_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL right after the first rename of the swap, then the next writer recovers."""
    import subprocess
    import sys

    out = tmp_path / "target"
    from dxextract.output.emit import write_folder

    write_folder(out, {"a.csv": b"old\n"}, {"sha256": "1"}, force=False)
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "import dxextract.output.emit as emit\n"
        "real = os.rename\n"
        "def rename(a, b):\n"
        "    real(a, b)\n"
        "    if str(b).endswith('.old'): os.kill(os.getpid(), signal.SIGKILL)\n"
        "emit.os.rename = rename\n"
        "emit.write_folder(Path(sys.argv[1]), {'a.csv': b'new\\n'}, {'sha256': '2'}, force=True)\n")
    env = cli_env()
    proc = subprocess.run([sys.executable, "-c", code, str(out)], env=env, capture_output=True)
    assert proc.returncode == -9, proc.stderr
    assert not out.exists() and len(hidden(tmp_path)) >= 2  # the moment the issue describes

    from dxextract.output.emit import recover_folder

    notes = recover_folder(tmp_path)
    assert any("restored" in n for n in notes), notes
    assert (out / "a.csv").read_bytes() == b"old\n"
    assert names(tmp_path) == ["target"]


def test_folders_follow_the_umask(tmp_path: Path) -> None:
    import os

    from dxextract.output.emit import write_folder

    old = os.umask(0o022)
    try:
        write_folder(tmp_path / "t", {"a.csv": b"x\n"}, {}, force=False)
    finally:
        os.umask(old)
    assert (tmp_path / "t").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "t" / "a.csv").stat().st_mode & 0o777 == 0o644


def test_a_second_writer_of_the_same_folder_refuses(tmp_path: Path) -> None:
    from dxextract.errors import OutputBusyError
    from dxextract.output.emit import WriteSettings, target_lock, write_folder

    out = tmp_path / "t"
    with target_lock(out), pytest.raises(OutputBusyError, match=r"t: another dxextract process is writing"):
        write_folder(out, {"a.csv": b"x\n"}, {}, force=True, settings=WriteSettings(lock_wait=0.2))
    assert names(tmp_path) == []
    write_folder(out, {"a.csv": b"x\n"}, {}, force=True)
    assert names(tmp_path) == ["t"], "the lock file is removed with the lock"


def test_write_settings_are_validated() -> None:
    from dxextract.errors import SettingsError
    from dxextract.output.emit import WriteSettings

    with pytest.raises(SettingsError, match="lock_wait"):
        WriteSettings(lock_wait=-1)


# --------------------------------------------------------------------------- 4. lost content


def read_csv(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8") as f:
        return list(csv.reader(f))


def cells(folder: Path) -> list[tuple[str, ...]]:
    """(r, c, rowspan, colspan, text) of every cell: what must not depend on the page's turn."""
    rows = read_csv(folder / "tables.csv")
    head = rows[0]
    keep = [head.index(k) for k in ("r", "c", "rowspan", "colspan", "text")]
    return [tuple(row[i] for i in keep) for row in rows[1:]]


@pytest.mark.parametrize(("rotate", "drawn"), [(90, 0), (180, 0), (270, 0), (0, 180)])
def test_turned_pages_read_like_upright_ones(tmp_path: Path, table_pdf: Path, rotate: int, drawn: int,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    pdf = build_turned(tmp_path / "turned.pdf", rotate, drawn)
    assert main(["ingest", str(table_pdf), "--out", str(tmp_path / "upright"), "--no-validate"]) == 0
    assert main(["ingest", str(pdf), "--out", str(tmp_path / "turned"), "--no-validate"]) == 0
    want = cells(tmp_path / "upright")
    assert len(want) == 15 and cells(tmp_path / "turned") == want
    assert "its text was not upright; read turned by" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "turned" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pages_turned"] == {"1": {90: 270, 270: 90}.get(rotate, 180)}


def test_corrupted_page_is_a_warning_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = build_corrupted_page(tmp_path / "damaged.pdf")
    out = tmp_path / "out"
    assert main(["ingest", str(pdf), "--out", str(out), "--no-validate"]) == 1
    err = capsys.readouterr().err
    assert "page 2: pdfminer: Data-loss while decompressing corrupted data" in err, err
    assert "page(s) 2 could not be read in full: records from them are probably missing" in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pages_damaged"] == [2]
    assert any(w.startswith("page 2: content damaged") for w in manifest["warnings"])
    assert {row[8] for row in read_csv(out / "tables.csv")[1:]} == {"1"}, "page 1 is still read"


def test_a_page_that_fails_to_parse_does_not_stop_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import dxextract.pdf.extract as extract

    real = extract._segments

    def segments(page, settings):  # pdfminer raising on page 2's content, as on a real damaged file
        if page.page_number == 2:
            raise extract.InputError("simulated") from KeyError("Length")
        return real(page, settings)

    monkeypatch.setattr(extract, "_segments", segments)
    from pdf_builders import build_page_break_header

    pdf = build_page_break_header(tmp_path / "two.pdf")
    out = tmp_path / "out"
    assert main(["ingest", str(pdf), "--out", str(out), "--no-validate", "--timeout", "0"]) == 1
    err = capsys.readouterr().err
    assert "page 2: content cannot be parsed (InputError: simulated); records on this page are probably missing" in err
    assert (out / "tables.csv").is_file()


def test_blank_page_among_text_pages_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = build_with_blank_page(tmp_path / "blank.pdf")
    assert main(["ingest", str(pdf), "--out", str(tmp_path / "out"), "--no-validate"]) == 0
    assert "page 2: no text while other pages have text (blank?)" in capsys.readouterr().err


# --------------------------------------------------------------------------- 5. a hang


def test_a_looping_pdf_times_out_through_the_real_command(tmp_path: Path, table_pdf: Path) -> None:
    import subprocess
    import sys
    import time

    pdf = build_mediabox_cycle(tmp_path / "cycle.pdf")
    assert pdf.stat().st_size < 1024
    env = cli_env()
    work = tmp_path / "work"
    work.mkdir()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dxextract", "ingest", str(pdf), "--out", str(work / "out"),
                           "--no-validate", "--timeout", "3"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (f"dxextract: error: {pdf}: not read within 3 s (--timeout); the file may "
                                   "be damaged (e.g. a reference loop) or very large; nothing was written for it")
    assert time.monotonic() - started < 60
    assert names(work) == []


def test_timeout_kills_the_worker_and_run_goes_on(tmp_path: Path, table_pdf: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import os

    import dxextract.worker as worker

    killed: list[int] = []
    real_kill = worker._kill

    def kill(proc) -> None:
        killed.append(proc.pid)
        real_kill(proc)

    monkeypatch.setattr(worker, "_kill", kill)
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    build_mediabox_cycle(raw / "a_cycle.pdf")
    shutil.copy(table_pdf, raw / "b_table.pdf")

    assert run(raw, out, "--timeout", "2") == 2
    assert "a_cycle.pdf: not read within 2 s (--timeout)" in capsys.readouterr().err
    assert names(out) == ["b_table"]
    assert len(killed) == 2
    for pid in killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_timeout_is_validated(table_pdf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(table_pdf), "--out", str(tmp_path / "o"), "--timeout", "-1"]) == 2
    assert "--timeout: -1.0 must be a number of seconds >= 0" in capsys.readouterr().err


# --------------------------------------------------------------------------- 6. one file aborts the folder


def test_an_unexpected_error_in_one_file_does_not_abort_run(
        tmp_path: Path, table_pdf: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import dxextract.worker as worker

    real = worker.process_pdf

    def process(pdf, settings=None, progress=None):
        if pdf.name == "a.pdf":
            raise ZeroDivisionError("division by zero")
        return real(pdf, settings, progress)

    monkeypatch.setattr(worker, "process_pdf", process)
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for name in ("a.pdf", "b.pdf"):
        shutil.copy(table_pdf, raw / name)
    (raw / "b.pdf").write_bytes((raw / "b.pdf").read_bytes() + b"\n")  # another sha256

    assert run(raw, out, "--timeout", "0") == 2
    err = capsys.readouterr().err
    assert (f"dxextract: error: {raw / 'a.pdf'}: internal error while reading this file (ZeroDivisionError: "
            "division by zero); other files are not affected; rerun with --debug and report it") in err
    assert "Traceback" not in err
    assert names(out) == ["b"]


def test_an_unexpected_error_in_the_worker_names_the_file(table_pdf: Path) -> None:
    from dxextract.errors import InternalError
    from dxextract.pipeline import IngestSettings
    from dxextract.worker import WorkerSettings, process_pdf_limited

    settings = IngestSettings(validate=False, reconstruct="x")  # type: ignore[arg-type]
    with pytest.raises(InternalError, match=r"table.pdf: internal error while reading this file \(AttributeError") as e:
        process_pdf_limited(table_pdf, settings, worker=WorkerSettings(timeout=60))
    assert "Traceback" in e.value.detail, "the worker's traceback, for --debug"


# --------------------------------------------------------------------------- 7. smaller ones


def test_a_file_named_like_an_option(tmp_path: Path, table_pdf: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(table_pdf, tmp_path / "-x.pdf")
    assert main(["ingest", "-x.pdf", "--out", "o", "--no-validate"]) == 2
    assert "-x.pdf: a file name beginning with '-' reads as an option; write `dxextract ingest -- -x.pdf`" \
        in capsys.readouterr().err
    assert main(["ingest", "--out", "o", "--no-validate", "--", "-x.pdf"]) == 0
    (tmp_path / "raw").mkdir()
    shutil.move(tmp_path / "-x.pdf", tmp_path / "raw" / "-x.pdf")
    assert main(["run", "--raw", "raw", "--out", "n", "--no-validate"]) == 0
    assert names(tmp_path / "n") == ["-x"]


def test_ocr_never_passes_a_dash_name_as_an_option(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import subprocess

    import dxextract.pdf.ocr as ocr

    seen: list[list[str]] = []

    def fake_run(args, **kwargs):
        seen.append(list(args))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(ocr, "ocr_available", lambda langs: None)
    monkeypatch.setattr(ocr, "check_pdf", lambda path: None)
    monkeypatch.setattr(ocr.subprocess, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    ocr.ocr_pdf(Path("-x.pdf"), Path("-y.pdf"))
    assert not any(a.startswith("-x") or a.startswith("-y") for a in seen[0])


def test_run_refuses_a_bad_out_before_the_work(tmp_path: Path, table_pdf: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import dxextract.worker as worker

    def never(*args, **kwargs):
        raise AssertionError("the PDF was read before --out was checked")

    monkeypatch.setattr(worker, "process_pdf", never)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(table_pdf, raw / "t.pdf")
    (tmp_path / "file").write_text("not a folder\n")
    assert main(["run", "--raw", str(raw), "--out", str(tmp_path / "file"), "--timeout", "0"]) == 2
    assert "file: exists and is not a folder; choose another --out" in capsys.readouterr().err

    monkeypatch.setattr("os.access", lambda path, mode: False)
    assert main(["run", "--raw", str(raw), "--out", str(tmp_path / "ro"), "--timeout", "0"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'ro'}: cannot write the output folder (permission denied: {tmp_path})" in err


def test_a_read_only_disk_blames_the_output_folder(tmp_path: Path, table_pdf: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import errno
    import os

    import dxextract.output.emit as emit

    def read_only(path: Path, data: bytes) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(emit, "_write_file", read_only)
    out = tmp_path / "out"
    assert main(["ingest", str(table_pdf), "--out", str(out), "--no-validate"]) == 2
    err = capsys.readouterr().err
    assert f"dxextract: error: {out}: cannot write the output folder (Read-only file system: " in err, err
    assert "cannot process" not in err and str(table_pdf) not in err
    assert names(tmp_path) == [], "the temp folder is removed"


@pytest.mark.parametrize(("text", "escaped"), [
    ("=1+2", "'=1+2"), ("+81 29", "'+81 29"), ("-12", "'-12"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=x", "'\t=x"), ("\r=x", "'\r=x"), ("利用率 25.4%", "利用率 25.4%"), ("", ""), ("a=b", "a=b"),
])
def test_escape_formula(text: str, escaped: str) -> None:
    from dxextract.output.emit import escape_formula

    assert escape_formula(text) == escaped


def test_contract_csvs_keep_formula_like_cells_verbatim() -> None:
    """normalized/ is data: a report's "-12" or "=" is kept as printed (README, Outputs)."""
    import pandas as pd

    from dxextract.output.emit import frame_to_csv

    assert frame_to_csv(pd.DataFrame({"text": ["=1+2", "-12"]})) == b"text\n=1+2\n-12\n"
