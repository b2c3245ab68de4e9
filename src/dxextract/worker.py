"""One document at a time in a worker process, with a time limit.

Why: a 1 KB PDF whose MediaBox is a reference cycle (``4 0 R`` -> ``5 0 R`` -> ``4 0 R``)
makes pdfminer's ``resolve1`` loop forever; nothing in-process can stop it. ``process_pdf`` is a
pure function of the PDF (frames and manifest out, nothing written), so it runs in a worker
that is killed (with anything it started, e.g. ocrmypdf) when the limit passes. Workers come
from a forkserver that has imported the pipeline once, so each document costs a fork, not
a new interpreter.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dxextract.errors import DocumentTimeoutError, DxextractError, InternalError, SettingsError
from dxextract.pipeline import IngestSettings, Outputs, ProgressFn, process_pdf


@dataclass(frozen=True)
class WorkerSettings:
    """The per-document time limit (``--timeout``)."""

    #: seconds one document may take; 0 reads it in this process, without a limit
    timeout: float = 600.0

    def __post_init__(self) -> None:
        if not (isinstance(self.timeout, int | float) and self.timeout >= 0):
            raise SettingsError(f"--timeout: {self.timeout!r} must be a number of seconds >= 0 (0: no limit)")


def internal_error(pdf: Path, e: BaseException, detail: str = "") -> InternalError:
    """The one message for an unexpected exception while reading ``pdf``."""
    return InternalError(f"{pdf}: internal error while reading this file ({type(e).__name__}: {e}); "
                         "other files are not affected; rerun with --debug and report it",
                         detail or traceback.format_exc())


def timeout_error(pdf: Path, timeout: float) -> DocumentTimeoutError:
    """The one message for a document not read within ``--timeout`` (local worker or cluster)."""
    return DocumentTimeoutError(
        f"{pdf}: not read within {timeout:g} s (--timeout); the file may be damaged "
        "(e.g. a reference loop) or very large; nothing was written for it")


class Cancelled(Exception):
    """The run stopped (Ctrl-C, or an error outside this document) while this document was read."""


def _child(conn: Connection, pdf: Path, settings: IngestSettings, timeout: float, log_level: int) -> None:
    """Runs in the worker: the result, the user-facing error, or the crash, down the pipe."""
    with contextlib.suppress(OSError):
        os.setpgrp()  # its own process group: a time-out kills what it started too
    signal.alarm(int(timeout) + 30)  # dies on its own even if the parent was killed
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pdfminer", "great_expectations", "camelot", "PIL"):
        logging.getLogger(noisy).setLevel(max(log_level, logging.ERROR))
    # what the libraries print (pdfium, C code) goes back to the parent's stderr, in order
    with tempfile.TemporaryFile() as stray:
        os.dup2(stray.fileno(), 2)
        try:
            outputs = process_pdf(pdf, settings, lambda done, total: conn.send(("progress", done, total)),
                                  validation_progress=lambda done, total: conn.send(("validation", done, total)))
            result: tuple[Any, ...] = ("done", outputs)
        except DxextractError as e:
            result = ("error", e)
        except Exception as e:
            result = ("error", internal_error(pdf, e))
        sys.stderr.flush()
        stray.seek(0)
        conn.send(("stderr", stray.read().decode("utf-8", "replace")))
    conn.send(result)
    conn.close()


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["dxextract.pipeline"])
    return ctx


def _kill(proc: Any) -> None:
    """The worker and its process group (ocrmypdf, tesseract), then reap it."""
    if proc.is_alive():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:  # not yet its own group leader
            proc.kill()
    proc.join(10)


def process_pdf_limited(pdf: Path, settings: IngestSettings | None = None, progress: ProgressFn | None = None,
                        worker: WorkerSettings | None = None, cancel: threading.Event | None = None,
                        validation_progress: ProgressFn | None = None) -> Outputs:
    """:func:`dxextract.pipeline.process_pdf` in a worker, stopped after ``worker.timeout`` s.

    ``progress`` hears pages read, ``validation_progress`` expectations run (sent up from the
    worker, so ``ingest`` shows a bar while the suites run, their longest step on a short report).

    Raises what ``process_pdf`` raises; :class:`DocumentTimeoutError` on time-out;
    :class:`InternalError` for any other exception or a worker that died; :class:`Cancelled`
    (the worker killed) as soon as ``cancel`` is set: ``run --workers N`` waits on several
    documents from threads, and Ctrl-C must not wait for each of them to finish.
    """
    settings = settings or IngestSettings()
    worker = worker or WorkerSettings()
    if not worker.timeout:
        try:
            if validation_progress is None:  # the plain call (``run``, and stand-ins in tests)
                return process_pdf(pdf, settings, progress)
            return process_pdf(pdf, settings, progress, validation_progress=validation_progress)
        except DxextractError:
            raise
        except Exception as e:
            raise internal_error(pdf, e) from e
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, pdf, settings, worker.timeout,
                                            logging.getLogger().getEffectiveLevel()), daemon=True)
    proc.start()
    send.close()
    try:
        return _wait(pdf, proc, receive, (progress, validation_progress), time.monotonic() + worker.timeout,
                     worker.timeout, cancel)
    finally:
        _kill(proc)
        receive.close()


def _wait(pdf: Path, proc: Any, receive: Connection,
          listeners: tuple[ProgressFn | None, ProgressFn | None], deadline: float,
          timeout: float, cancel: threading.Event | None = None) -> Outputs:
    """The worker's messages until its result; ``listeners``: (pages, expectations) progress."""
    progress, validation_progress = listeners
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"{pdf}: stopped unfinished")
        left = deadline - time.monotonic()
        if left <= 0:
            raise timeout_error(pdf, timeout)
        if not receive.poll(min(left, 0.5)):
            continue
        try:
            message = receive.recv()
        except EOFError:
            proc.join(1)
            raise InternalError(f"{pdf}: the worker reading this file died (exit code {proc.exitcode}; "
                                "out of memory?); nothing was written for it") from None
        if message[0] == "progress":
            if progress:
                progress(message[1], message[2])
        elif message[0] == "validation":
            if validation_progress:
                validation_progress(message[1], message[2])
        elif message[0] == "stderr":
            sys.stderr.write(message[1])
        elif message[0] == "done":
            return message[1]
        else:
            raise message[1]
