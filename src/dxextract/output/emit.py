"""Stage 7 — emit: frames -> contract CSVs and manifest, written atomically.

Public entry points: :func:`records_to_frame` (records -> one DataFrame in the contract's
column order; each report family says which files and columns, see
:mod:`dxextract.families`), :func:`frame_to_csv` and :func:`write_folder` (frames -> a
folder, through a temporary sibling folder renamed into place, so a failed run never leaves a
half-written folder and never destroys earlier output).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dxextract.errors import OutputBusyError, OutputError, OutputExistsError, SettingsError

#: columns where an empty string means "no value" (written as an empty cell, read as null)
_OPTIONAL = ("unit", "qualifier", "value", "label", "departments")


def records_to_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows (dicts) -> a DataFrame with ``columns`` first, in that order (missing ones empty),
    any other keys after them; an empty string in an optional column becomes a missing value."""
    rows = [{k: (None if k in _OPTIONAL and v == "" else v) for k, v in r.items()} for r in rows]
    df = pd.DataFrame(rows)
    for col in columns:
        if col not in df.columns:
            df[col] = pd.Series(dtype="object")
    extra = [c for c in df.columns if c not in columns]
    return df[columns + extra]


def _cell(value: Any) -> str:
    """One CSV cell: numbers plain (no 8411.0, no thousands separators), every missing value empty.

    Why ``pd.NA``/``pd.NaT`` by name: a nullable ``Int64`` column (audit's ``kpi_no``) hands
    ``pd.NA`` over, and ``str(pd.NA)`` wrote the text ``<NA>`` into audit.csv.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    return str(value)


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """Deterministic CSV bytes: UTF-8, ``\\n`` line ends, minimal quoting."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


#: longest folder name we derive (bytes of UTF-8); file systems stop at 255
_MAX_NAME_BYTES = 120


def safe_folder_name(text: str) -> str:
    """A folder name made from ``text`` (a file stem or values read from the PDF) that stays one
    visible folder inside its parent.

    Why: a file named ``..pdf`` has the stem ``.``; used as a folder name it made ``run`` write
    into ``--out`` itself and wipe every year folder there. So: no separators, no ``.``/``..``,
    no leading dot (hidden folders are the tool's own temp folders), never empty, not too long.
    """
    name = re.sub(r"[^\w.-]+", "_", text)  # separators, spaces, control characters
    name = re.sub(r"^[.]+", lambda m: "_" * len(m.group()), name)
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name or "_"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_writable(out: Path, force: bool) -> None:
    """Refuse early, before any work, to overwrite an existing folder without ``force``.

    ``.``, ``..`` and ``/`` are never replaced, even with ``force``: replacing them would
    remove the folder the user stands in, or its parent.
    """
    if out.name in ("", ".", ".."):
        raise OutputExistsError(f"{out}: not a folder dxextract may create or replace; "
                                "name a new folder for --out")
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: exists and is not a folder; choose another --out")
    if out.exists() and any(out.iterdir()) and not force:
        raise OutputExistsError(f"{out}: output folder exists; pass --force to replace it "
                                "(nothing was changed)")


@dataclass(frozen=True)
class WriteSettings:
    """How long a writer waits for another process writing the same folder."""

    #: seconds to wait for the lock of a target another dxextract process is writing
    lock_wait: float = 60.0

    def __post_init__(self) -> None:
        if not (isinstance(self.lock_wait, int | float) and self.lock_wait >= 0):
            raise SettingsError(f"WriteSettings.lock_wait: {self.lock_wait!r} must be a number of seconds >= 0")


#: the tool's own hidden siblings of a target: ``.<name>.<token>.tmp`` (being written) and
#: ``.<name>.<token>.old`` (the previous folder during the swap); mkdtemp's tokens included
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<token>[a-z0-9_]{8})\.(?P<kind>tmp|old)$")
_LOCK = re.compile(r"^\.(?P<name>.+)\.lock$")


def _hidden(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{secrets.token_hex(4)}.{kind}"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def target_lock(out: Path, settings: WriteSettings | None = None) -> Iterator[None]:
    """Hold ``fcntl.flock`` on ``.<name>.lock`` beside ``out`` so that two processes never
    write (or recover) the same folder at once; the second waits, then refuses.

    The lock file is removed on release. Because a waiter may then hold a lock on a file
    no longer in the folder, a lock counts only when the path still names the locked file.
    """
    settings = settings or WriteSettings()
    path = out.parent / f".{out.name}.lock"
    deadline = time.monotonic() + settings.lock_wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise _output_error(out, e) from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputBusyError(
                    f"{out}: another dxextract process is writing this folder (lock {path.name}); "
                    "retry when it has finished (nothing was changed)") from None
            time.sleep(0.1)
            continue
        if _same_file(fd, path):
            break
        os.close(fd)  # locked a file its holder had already removed: try again
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def recover_target(out: Path) -> list[str]:
    """Undo what an interrupted write left beside ``out``; call with :func:`target_lock` held.

    A kill between the two renames of the swap leaves ``out`` missing and the previous folder
    in ``.<name>.*.old``: it is put back. Every other leftover (a half-written ``.tmp``, an
    ``.old`` whose replacement is in place) is removed. Returns one message per action.
    """
    notes: list[str] = []
    olds: list[Path] = []
    tmps: list[Path] = []
    for entry in sorted(out.parent.iterdir()) if out.parent.is_dir() else []:
        m = _LEFTOVER.match(entry.name)
        if m and m["name"] == out.name:
            (olds if m["kind"] == "old" else tmps).append(entry)
    if olds and not os.path.lexists(out):
        olds.sort(key=lambda p: p.stat().st_mtime)
        saved = olds.pop()
        inner = saved / "previous"  # the layout of versions before 0.2
        os.rename(inner if inner.is_dir() else saved, out)
        if saved.exists():
            saved.rmdir()  # the emptied holder of the old layout
        _fsync_dir(out.parent)
        notes.append(f"{out}: restored the previous folder from {saved.name} "
                     "(an earlier run was interrupted while replacing it)")
    for entry in olds + tmps:
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
            notes.append(f"{out}: removed {entry.name}, left by an interrupted run")
    return notes


def recover_folder(base: Path, settings: WriteSettings | None = None) -> list[str]:
    """Recover every target under ``base`` that an interrupted run left leftovers for."""
    if not base.is_dir():
        return []
    names = set()
    for entry in base.iterdir():
        m = _LEFTOVER.match(entry.name) or _LOCK.match(entry.name)
        if m:
            names.add(m["name"])
    notes: list[str] = []
    for name in sorted(names):
        with target_lock(base / name, settings):
            notes += recover_target(base / name)
    return notes


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fill(tmp: Path, files: Mapping[str, bytes], manifest: dict[str, Any]) -> None:
    """Every file, then the manifest last (a folder with a manifest is complete), all on disk."""
    outputs = {}
    for name, data in sorted(files.items()):
        _write_file(tmp / name, data)
        outputs[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest = {**manifest, "outputs": outputs}
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    _write_file(tmp / "manifest.json", text.encode("utf-8"))
    _fsync_dir(tmp)


def _swap(tmp: Path, out: Path) -> None:
    """Put the complete ``tmp`` in place of ``out``; the previous folder is kept (hidden)
    until the new one is in place, so a kill at any moment loses nothing (see
    :func:`recover_target`)."""
    if not os.path.lexists(out):
        os.rename(tmp, out)
        _fsync_dir(out.parent)
        return
    old = _hidden(out, "old")
    os.rename(out, old)
    _fsync_dir(out.parent)
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(old, out)  # put the user's folder back
        raise
    _fsync_dir(out.parent)
    shutil.rmtree(old, ignore_errors=True)


def write_folder(out: Path, files: Mapping[str, bytes], manifest: dict[str, Any], force: bool,
                 guard: Callable[[Path], None] | None = None,
                 settings: WriteSettings | None = None) -> list[str]:
    """Write ``files`` and ``manifest.json`` into ``out`` atomically; return notes on what an
    earlier, interrupted run left behind and how it was recovered.

    Everything goes to a hidden sibling folder first (made with the umask's permissions),
    fsynced, and only a complete folder replaces ``out``. An existing ``out`` is replaced
    only with ``force`` and after ``guard(out)`` (a last check, e.g. that it holds the same
    source) passed, both under the target's lock.
    """
    check_writable(out, force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with target_lock(out, settings):
            notes = recover_target(out)
            check_writable(out, force)
            if guard is not None:
                guard(out)
            tmp = _hidden(out, "tmp")
            os.mkdir(tmp)
            try:
                _fill(tmp, files, manifest)
                _swap(tmp, out)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
    except OSError as e:
        raise _output_error(out, e) from e
    return notes


def write_file(path: Path, data: bytes, guard: Callable[[Path], None] | None = None,
               settings: WriteSettings | None = None) -> None:
    """Write one file atomically: a hidden ``.<name>.<token>.part`` beside it, fsynced, renamed
    over ``path`` (a reader sees the old file or the new one, never half of one); ``guard(path)``
    is called under the target's lock first and may refuse (e.g. a file the tool did not write)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with target_lock(path, settings):
            if guard is not None:
                guard(path)
            tmp = _hidden(path, "part")
            try:
                _write_file(tmp, data)
                os.replace(tmp, path)
                _fsync_dir(path.parent)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
    except OSError as e:
        raise _output_error(path, e) from e


def _output_error(out: Path, e: OSError) -> OutputError:
    """An OSError while writing blames the output folder, never the input."""
    where = f": {e.filename}" if e.filename else ""
    return OutputError(f"{out}: cannot write the output folder ({e.strerror or e}{where}); "
                       "check the disk and the permissions of the output folder")


def check_base(base: Path) -> None:
    """Before any work: ``base`` (``run --out``) must be a folder, or creatable, and writable."""
    if base.exists() and not base.is_dir():
        raise OutputExistsError(f"{base}: exists and is not a folder; choose another --out (nothing was read)")
    probe = base
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only(probe) else "permission denied"
        raise OutputError(f"{base}: cannot write the output folder ({why}: {probe}); "
                          "check the disk and the permissions of the output folder (nothing was read)")


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


#: characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """``text`` made safe for a spreadsheet: a cell beginning with ``= + - @``, tab or CR gets a
    leading ``'`` (OWASP's advice), so Excel shows it as text instead of running it.

    Not applied to the contract CSVs under ``normalized/``: they are data, read by programs,
    and ``-12`` or ``=`` in a report's text must stay as printed there. Meant for the
    Excel-facing publication path (``dxextract publish``, not built yet).
    """
    return "'" + text if text.startswith(_FORMULA_START) else text
