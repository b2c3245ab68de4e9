"""Where ``run`` reads its documents: worker processes on this machine, or a Dask cluster.

A strategy behind one interface, chosen by name (``--executor``, :data:`EXECUTORS`): each takes
the PDFs and yields ``(pdf, Outputs or the DxextractError naming it)`` as documents finish, in
any order. None writes anything: the CLI writes every result with the same ``write_folder``,
so a folder is byte for byte the same wherever its document was read.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from dxextract.errors import DxextractError, InputError, SettingsError
from dxextract.pipeline import IngestSettings, Outputs, process_pdf
from dxextract.worker import WorkerSettings, internal_error, process_pdf_limited, timeout_error

#: a document's result: its outputs, or the error that names it (exit code and message)
Result = tuple[Path, Outputs | DxextractError]
#: progress inside one document: (pdf, pages done, pages)
DocProgress = Callable[[Path, int, int], None]

DASK_HINT = "pip install 'dxextract[dask]' (dask and distributed)"


@dataclass(frozen=True)
class ExecutorSettings:
    """``run --executor/--workers/--scheduler/--timeout``."""

    #: "local" (worker processes here) or "dask" (a distributed cluster)
    executor: str = "local"
    #: documents read at once by the local executor; a Dask cluster has its own workers
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: seconds one document may take (0: no limit; local: read in this process, one at a time)
    timeout: float = 600.0
    #: the Dask scheduler's address (``tcp://host:8786``), for ``executor="dask"``
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise SettingsError(f"--executor: {self.executor!r} is not one of {', '.join(EXECUTORS)}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise SettingsError(f"--workers: {self.workers!r} must be a whole number >= 1")
        WorkerSettings(timeout=self.timeout)  # the same check and message as ingest --timeout
        if self.executor == "dask" and not self.scheduler:
            raise SettingsError("--executor dask needs --scheduler ADDRESS (e.g. tcp://scheduler:8786; "
                                "`dask scheduler` prints it)")
        if self.executor != "dask" and self.scheduler:
            raise SettingsError(f"--scheduler {self.scheduler}: only used with --executor dask")


class Executor(ABC):
    """Reads documents somewhere; yields each result as it finishes."""

    def __init__(self, settings: ExecutorSettings) -> None:
        self.settings = settings

    @abstractmethod
    def results(self, pdfs: Sequence[Path], ingest: IngestSettings,
                progress: DocProgress | None = None) -> Iterator[Result]:
        """``(pdf, Outputs | DxextractError)`` for every pdf, in the order they finish."""


def _read_local(pdf: Path, ingest: IngestSettings, worker: WorkerSettings, progress: DocProgress | None,
                cancel: threading.Event | None = None) -> Outputs | DxextractError:
    try:
        return process_pdf_limited(pdf, ingest, partial(progress, pdf) if progress else None, worker, cancel)
    except DxextractError as e:
        return e
    except Exception as e:  # one file's surprise must not abort the folder
        return internal_error(pdf, e)


class LocalExecutor(Executor):
    """``--workers N`` documents at once, each in its own worker process under ``--timeout``.

    The threads only wait: each hands its document to a forked worker (``worker.py``) and
    relays its progress, so N threads keep N processes busy. With one worker, or without a time
    limit (``--timeout 0`` reads in this process), documents are read one after another.
    """

    def results(self, pdfs: Sequence[Path], ingest: IngestSettings,
                progress: DocProgress | None = None) -> Iterator[Result]:
        worker = WorkerSettings(timeout=self.settings.timeout)
        if self.settings.workers == 1 or not worker.timeout or len(pdfs) <= 1:
            for pdf in pdfs:
                yield pdf, _read_local(pdf, ingest, worker, progress)
            return
        cancel = threading.Event()
        pool = ThreadPoolExecutor(max_workers=min(self.settings.workers, len(pdfs)),
                                  thread_name_prefix="dxextract-run")
        try:
            futures = {pool.submit(_read_local, pdf, ingest, worker, progress, cancel): pdf for pdf in pdfs}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:  # Ctrl-C or an error in the caller: kill the workers still reading, then return
            cancel.set()
            pool.shutdown(wait=True, cancel_futures=True)


def read_pdf_bytes(name: str, data: bytes, shown: str, settings: IngestSettings) -> Outputs:
    """On a cluster worker: ``process_pdf`` on a temporary copy of the sent bytes.

    Workers may not share the client's file system, so the bytes travel with the task. The
    copy keeps the file's name (the manifest's ``source``) and its bytes (``sha256``); messages
    that name the copy's path name ``shown``, the client's path, instead.
    """
    with tempfile.TemporaryDirectory(prefix="dxextract-") as tmp:
        pdf = Path(tmp) / name
        pdf.write_bytes(data)
        try:
            return process_pdf(pdf, settings)
        except DxextractError as e:
            raise _renamed(e, str(pdf), shown) from None
        except Exception as e:
            raise internal_error(Path(shown), e) from None


def _renamed(e: DxextractError, old: str, new: str) -> DxextractError:
    renamed = copy.copy(e)
    renamed.args = (str(e).replace(old, new), *e.args[1:])
    return renamed


class DaskExecutor(Executor):
    """Each document is a task on a Dask distributed cluster (``--scheduler ADDRESS``).

    The client submits only as many documents as the cluster has threads, so the bytes in
    flight stay bounded and a document's ``--timeout`` counts from about when it starts. A
    document past its time is cancelled and the worker running it restarted: a Python thread
    cannot be stopped, and a looping PDF would otherwise hold that worker for good.
    """

    def __init__(self, settings: ExecutorSettings) -> None:
        super().__init__(settings)
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise SettingsError(f"--executor dask: dask.distributed is not installed; {DASK_HINT}") from None

    def _client(self) -> Any:
        from distributed import Client

        try:
            return Client(self.settings.scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise SettingsError(f"--scheduler {self.settings.scheduler}: cannot reach the Dask scheduler "
                                f"({type(e).__name__}: {e}); check the address and that `dask scheduler` "
                                "is running") from None

    def results(self, pdfs: Sequence[Path], ingest: IngestSettings,
                progress: DocProgress | None = None) -> Iterator[Result]:
        from distributed import wait

        timeout = self.settings.timeout
        todo = list(reversed(pdfs))
        running: dict[Any, tuple[Path, float]] = {}
        client = self._client()
        try:
            while todo or running:
                slots = max(1, sum(client.nthreads().values()))
                while todo and len(running) < slots:
                    pdf = todo.pop()
                    try:
                        data = pdf.read_bytes()
                    except OSError as e:
                        yield pdf, InputError(f"{pdf}: cannot read the file ({e.strerror or e})")
                        continue
                    future = client.submit(read_pdf_bytes, pdf.name, data, str(pdf), ingest, pure=False)
                    running[future] = (pdf, time.monotonic() + timeout if timeout else math.inf)
                if not running:
                    continue
                left = min(deadline for _, deadline in running.values()) - time.monotonic()
                try:
                    done = wait(list(running), timeout=min(max(left, 0.01), 5.0), return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                for future in done:
                    pdf, _ = running.pop(future)
                    yield pdf, self._result(pdf, future)
                now = time.monotonic()
                for future, (pdf, deadline) in list(running.items()):
                    if now >= deadline:
                        del running[future]
                        self._stop(client, future)
                        yield pdf, timeout_error(pdf, timeout)
        finally:
            with suppress(Exception):
                client.cancel(list(running))
            client.close()

    @staticmethod
    def _result(pdf: Path, future: Any) -> Outputs | DxextractError:
        if future.status == "finished":
            return future.result()
        try:
            e = future.exception()
        except Exception as lost:  # cancelled: the scheduler lost it
            e = lost
        e = e or RuntimeError(f"the task ended {future.status}")
        if isinstance(e, DxextractError):
            return e
        detail = "".join(traceback.format_exception(e)) if isinstance(e, BaseException) else ""
        return internal_error(pdf, e, detail)  # e.g. KilledWorker: the worker died reading it

    @staticmethod
    def _stop(client: Any, future: Any) -> None:
        """Cancel a document past its time and restart the worker still running it."""
        with suppress(Exception):
            who = [w for w, keys in client.processing().items() if future.key in keys]
            future.cancel()
            if who:
                client.restart_workers(who, timeout=60)


#: ``--executor`` name -> strategy
EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor, "dask": DaskExecutor}


def make_executor(settings: ExecutorSettings) -> Executor:
    """The executor ``settings.executor`` names; refuses before any work if it cannot run here."""
    return EXECUTORS[settings.executor](settings)
