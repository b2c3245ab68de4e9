"""The one exception hierarchy of dxextract.

Messages quote the value and the place (file, page, table, cell) and, where there is one,
the fix. The CLI turns a :class:`DxextractError` into a one-line message and exit code 2.
"""

from __future__ import annotations


class DxextractError(Exception):
    """Base class: a problem the user can act on, shown without a traceback."""

    exit_code = 2


class InputError(DxextractError):
    """The input file cannot be used (missing, empty, not a PDF, truncated, encrypted)."""


class NoTextLayerError(InputError):
    """The PDF has pages with images but no text layer (a scan); rerun with --ocr."""


class NoTablesError(InputError):
    """The PDF has a text layer but no table could be reconstructed on any page."""


class GarbledTextError(InputError):
    """The text layer yields (cid:N) codes: a font without a ToUnicode map."""


class OutputExistsError(DxextractError):
    """The output folder exists and --force was not given; nothing was overwritten."""


class DocumentTimeoutError(InputError):
    """Reading one document took longer than --timeout (a damaged file looping, or a huge one)."""


class InternalError(DxextractError):
    """An unexpected error inside dxextract while reading one document; the others go on."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        #: the worker's traceback, shown with --debug
        self.detail = detail

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (str(self), self.detail))


class OutputError(DxextractError):
    """The output folder cannot be written (read-only disk, no space, permissions); the input is fine."""


class OutputBusyError(OutputError):
    """Another dxextract process holds the lock of the same output folder."""


class CollisionError(OutputError):
    """Two inputs map to the same output folder; which one belongs there is the user's call."""


class SettingsError(DxextractError):
    """A settings dataclass got a bad value; the message names the key."""


class ProfileError(SettingsError):
    """A report-family profile under schemas/profiles cannot be used as written; the message names the file and key."""


class UnknownFamilyError(SettingsError):
    """``--family`` (or ``IngestSettings.family``) names no registered report family."""


class OcrError(DxextractError):
    """OCR was requested but the engine is missing or failed."""


class SuiteLoadError(SettingsError):
    """An expectation suite under schemas/suites cannot be loaded as written (none may be dropped)."""


class UnknownLgCodeError(InputError):
    """A 全国地方公共団体コード that is malformed, fails its check digit, or is not in 総務省's table."""


class PublishInputError(InputError):
    """A folder given to ``publish`` is not a complete ingest folder (no manifest, a file missing)."""


class UnencodableError(InputError):
    """A cell holds a character the chosen --encoding cannot hold and no explicit mapping covers."""


class PackageInvalidError(DxextractError):
    """The package publish made did not pass Frictionless validation (a bug: report it); nothing was written."""

class SeriesError(InputError):
    """Ingest folders that are not years of one report series (other municipality or family, a year twice, wrong order)."""
