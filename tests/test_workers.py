"""Issue 11, items 4 and 5: ``run --workers N`` and ``run --executor dask --scheduler ADDRESS``.

Through the real entry point (``dxextract.cli.main``, in-process): the same folders, byte for
byte, however the documents were read; one document's failure or time-out named and the others
written; collisions refused as with one worker, a late one named with both files.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import RAW, names, snapshot
from dxextract.cli import _Folders, main
from dxextract.errors import SettingsError
from dxextract.executors import ExecutorSettings, LocalExecutor
from dxextract.pipeline import IngestSettings
from pdf_builders import build_horizontal_merge, build_mediabox_cycle


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample reports read one after another: what every other way must reproduce."""
    out = tmp_path_factory.mktemp("one") / "out"
    assert main(["run", "--raw", str(RAW), "--out", str(out), "--no-validate", "--workers", "1"]) == 0
    assert names(out) == ["082163_2023", "082163_2024", "panel_082163"], "two years of one series: a panel too"
    return out


def test_two_workers_write_the_same_folders(tmp_path: Path, one_worker: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", "--raw", str(RAW), "--out", str(out), "--no-validate", "--workers", "2"]) == 0
    assert snapshot(out) == snapshot(one_worker)


def test_a_failing_document_is_named_and_the_others_are_written(
        tmp_path: Path, table_pdf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    shutil.copy(table_pdf, raw / "good.pdf")
    build_mediabox_cycle(raw / "loop.pdf")
    assert main(["run", "--raw", str(raw), "--out", str(out), "--no-validate", "--workers", "3",
                 "--timeout", "3"]) == 2
    err = capsys.readouterr().err
    assert f"dxextract: error: {raw / 'broken.pdf'}: " in err
    assert f"dxextract: error: {raw / 'loop.pdf'}: not read within 3 s (--timeout)" in err
    assert names(out) == ["good"]


def test_stopping_the_run_kills_the_workers_still_reading(
        table_pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while a looping document is read: the run stops now, not after --timeout."""
    import dxextract.worker as worker

    killed: list[int] = []
    real_kill = worker._kill
    monkeypatch.setattr(worker, "_kill", lambda proc: (killed.append(proc.pid), real_kill(proc)))
    loop = build_mediabox_cycle(tmp_path / "loop.pdf")
    results = LocalExecutor(ExecutorSettings(workers=2, timeout=120)).results(
        [table_pdf, loop], IngestSettings(validate=False))
    pdf, _ = next(results)
    assert pdf == table_pdf
    started = time.monotonic()
    results.close()  # what a KeyboardInterrupt in the caller does
    assert time.monotonic() - started < 10
    assert len(killed) == 2


def outputs(name: str) -> Any:
    return SimpleNamespace(folder_name=name)


def folders(pending: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[_Folders, list[str]]:
    written: list[str] = []
    f = _Folders(Path("out"), [Path(p) for p in pending], SimpleNamespace(force=False, debug=False))
    monkeypatch.setattr(f, "_write", lambda name, pdf, digest, out: written.append(f"{name}<-{pdf}"))
    return f, written


def test_a_folder_waits_while_a_pending_file_of_that_name_may_claim_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    f, written = folders(["a/table.pdf", "b/table.pdf", "third.pdf"], monkeypatch)
    f.finished(Path("a/table.pdf"), "1", outputs("table"))
    f.finished(Path("third.pdf"), "3", outputs("third"))
    assert written == ["third<-third.pdf"], "table waits for b/table.pdf"
    f.finished(Path("b/table.pdf"), "2", outputs("table"))
    assert f.close() == 2 and written == ["third<-third.pdf"]
    assert "a/table.pdf, b/table.pdf: all map to the output folder table; nothing was written for them" \
        in capsys.readouterr().err


def test_a_late_collision_refuses_the_late_file_naming_both(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder name from the content (lg_code_year): known only after the second file is read."""
    f, written = folders(["r5.pdf", "r5_revised.pdf", "copy.pdf"], monkeypatch)
    f.finished(Path("r5.pdf"), "1", outputs("082163_2023"))
    assert written == ["082163_2023<-r5.pdf"], "written as soon as it is read"
    f.finished(Path("copy.pdf"), "1", outputs("082163_2023"))
    f.finished(Path("r5_revised.pdf"), "2", outputs("082163_2023"))
    assert f.close() == 2 and written == ["082163_2023<-r5.pdf"]
    err = capsys.readouterr().err
    assert "copy.pdf: same file as r5.pdf (sha256 matches), written once" in err
    assert ("dxextract: error: r5.pdf, r5_revised.pdf: all map to the output folder 082163_2023; r5.pdf was "
            "read first and written; nothing was written for r5_revised.pdf") in err


def test_a_failed_document_releases_the_folder_it_might_have_claimed(monkeypatch: pytest.MonkeyPatch) -> None:
    from dxextract.errors import InputError

    f, written = folders(["a/table.pdf", "b/table.pdf"], monkeypatch)
    f.finished(Path("a/table.pdf"), "1", outputs("table"))
    assert written == []
    f.failed(Path("b/table.pdf"), InputError("b/table.pdf: not a PDF"))
    assert written == ["table<-a/table.pdf"]
    assert f.close() == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["--workers", "0"], "--workers: 0 must be a whole number >= 1"),
    (["--executor", "dask"], "--executor dask needs --scheduler ADDRESS"),
    (["--scheduler", "tcp://x:8786"], "--scheduler tcp://x:8786: only used with --executor dask"),
    (["--timeout", "-1"], "--timeout: -1.0 must be a number of seconds >= 0"),
])
def test_run_settings_are_checked_before_the_work(tmp_path: Path, argv: list[str], message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--raw", str(RAW), "--out", str(tmp_path / "out"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_dask_missing_is_exit_2_with_the_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    assert main(["run", "--raw", str(RAW), "--out", str(tmp_path / "out"), "--executor", "dask",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--executor dask: dask.distributed is not installed; pip install 'dxextract[dask]'" \
        in capsys.readouterr().err


def test_settings_are_validated_in_the_record() -> None:
    with pytest.raises(SettingsError, match=r"--executor: 'spark' is not one of local, dask"):
        ExecutorSettings(executor="spark")


# --------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def cluster() -> Any:
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed: pip install 'dxextract[dask]'")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


def test_dask_writes_the_same_folders_as_the_local_run(tmp_path: Path, one_worker: Path, cluster: Any) -> None:
    out = tmp_path / "out"
    assert main(["run", "--raw", str(RAW), "--out", str(out), "--no-validate", "--executor", "dask",
                 "--scheduler", cluster.scheduler_address]) == 0
    assert snapshot(out) == snapshot(one_worker), "every CSV and manifest.json, byte for byte"


def test_dask_with_validation_writes_the_same_folders(tmp_path: Path, cluster: Any) -> None:
    """The expectation suites run on the worker; validation.csv and the manifest's record match."""
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert main(["run", "--raw", str(RAW), "--out", str(local), "--workers", "1"]) == 0
    assert main(["run", "--raw", str(RAW), "--out", str(dask), "--executor", "dask",
                 "--scheduler", cluster.scheduler_address]) == 0
    assert snapshot(dask) == snapshot(local)


def test_dask_names_the_clients_file_and_goes_on(tmp_path: Path, table_pdf: Path, cluster: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    shutil.copy(table_pdf, raw / "good.pdf")
    build_horizontal_merge(raw / "other.pdf")
    assert main(["run", "--raw", str(raw), "--out", str(out), "--no-validate", "--executor", "dask",
                 "--scheduler", cluster.scheduler_address]) == 2
    err = capsys.readouterr().err
    assert f"dxextract: error: {raw / 'broken.pdf'}: " in err
    assert "dxextract-" not in err, "messages name the client's file, not the worker's temporary copy"
    assert names(out) == ["good", "other"]
    assert (out / "good" / "manifest.json").read_text(encoding="utf-8").count('"source": "good.pdf"') == 1


def test_dask_time_out_cancels_and_goes_on(tmp_path: Path, table_pdf: Path, cluster: Any,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    build_mediabox_cycle(raw / "loop.pdf")
    shutil.copy(table_pdf, raw / "good.pdf")
    assert main(["run", "--raw", str(raw), "--out", str(out), "--no-validate", "--executor", "dask",
                 "--scheduler", cluster.scheduler_address, "--timeout", "5"]) == 2
    assert f"dxextract: error: {raw / 'loop.pdf'}: not read within 5 s (--timeout)" in capsys.readouterr().err
    assert names(out) == ["good"]
