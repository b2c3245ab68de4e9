"""OCR before extraction: give image-only pages (scans) a text layer with ocrmypdf + tesseract.

Runs the ``ocrmypdf`` command (Debian: ``apt-get install ocrmypdf tesseract-ocr
tesseract-ocr-jpn``). The command rather than the Python API, because Debian installs the
package into the system Python, not into a virtual environment; a subprocess also keeps
tesseract's memory out of ours on a long book.

Public entry points: :func:`ocr_pdf` (PDF -> PDF with a text layer), :func:`ocr_available`
(why OCR cannot run here, for tests to skip on) and :func:`despace_ocr_text` (tesseract writes
Japanese as one word per character or two, separated by spaces; this takes them out again).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import OcrError
from .extract import check_pdf

INSTALL_HINT = "apt-get install ocrmypdf tesseract-ocr tesseract-ocr-jpn"

#: ocrmypdf's exit codes (ocrmypdf.ExitCode) -> what to tell the user
_EXIT_REASONS = {
    1: "bad arguments to ocrmypdf",
    2: "ocrmypdf cannot read the input PDF",
    3: f"a program ocrmypdf needs is missing ({INSTALL_HINT})",
    4: "ocrmypdf produced an invalid PDF",
    5: "ocrmypdf cannot read the input or write the output (permissions?)",
    7: "tesseract failed",
    8: "the PDF is encrypted; remove the password and retry",
    9: "ocrmypdf configuration error",
    15: "ocrmypdf failed",
    130: "interrupted",
}


def _tesseract_languages(tesseract: str) -> set[str]:
    """Languages tesseract has a model for (``tesseract --list-langs``)."""
    try:
        done = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return set()
    # the first line is a heading ("List of available languages in ...:")
    return {ln.strip() for ln in (done.stdout + done.stderr).splitlines()[1:] if ln.strip()}


def ocr_available(language: str = "jpn") -> str | None:
    """None when OCR can run here; otherwise the reason, with the fix."""
    if shutil.which("ocrmypdf") is None:
        return f"ocrmypdf not installed: {INSTALL_HINT}"
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return f"tesseract not installed: {INSTALL_HINT}"
    langs = _tesseract_languages(tesseract)
    missing = [lang for lang in language.split("+") if lang not in langs]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return f"tesseract has no model for {'+'.join(missing)}: apt-get install {packages}"
    return None


def ocr_pdf(src: Path, dst: Path | None = None, language: str = "jpn") -> Path:
    """Write ``src`` with a text layer added to its image-only pages; return the written path.

    Pages that already have text are copied unchanged (``--skip-text``), so a born-digital PDF
    passes through. OCR reads ``language`` and English (``-l jpn+eng``: municipal reports mix
    in Latin abbreviations such as DX, ICT). With ``dst`` None the result goes to a temporary
    file, which the caller deletes. Raises :class:`OcrError` when the engine or the language
    model is missing or OCR fails; :class:`~dxextract.errors.InputError` when ``src`` is no PDF.
    """
    check_pdf(src)
    langs = language if "eng" in language.split("+") else f"{language}+eng"
    reason = ocr_available(langs)
    if reason is not None:
        raise OcrError(f"{src}: cannot OCR: {reason}")
    temporary = dst is None
    if dst is None:
        fd, name = tempfile.mkstemp(prefix=f"{src.stem}-ocr-", suffix=".pdf")
        os.close(fd)
        dst = Path(name)
    args = [
        "ocrmypdf", "--quiet",
        "--skip-text",         # keep the pages that already have a text layer
        "-l", langs,
        "--output-type", "pdf",  # not PDF/A: skips the Ghostscript pass, we only need the text
        "--optimize", "0",     # image optimization costs time and changes nothing we read
        "--rotate-pages",      # a scan fed sideways; orientation detection is cheap
        "--deskew",            # straightens the page; ~1 s a page at 200 dpi
        str(src), str(dst),
    ]
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
    except OSError as e:
        _discard(dst, temporary)
        raise OcrError(f"{src}: cannot run ocrmypdf ({e}): {INSTALL_HINT}") from e
    if done.returncode != 0:
        _discard(dst, temporary)
        detail = _last_line(done.stderr)
        reason = _EXIT_REASONS.get(done.returncode, f"ocrmypdf exit code {done.returncode}")
        raise OcrError(f"{src}: OCR failed: {reason}" + (f" ({detail})" if detail else ""))
    return dst


def _discard(path: Path, temporary: bool) -> None:
    """Remove a partial output; the caller's own ``dst`` only if ocrmypdf left something there."""
    if temporary or path.exists():
        path.unlink(missing_ok=True)


def _last_line(text: str) -> str:
    """The last non-empty line of ocrmypdf's stderr: its own one-line reason."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


# --- text ------------------------------------------------------------------------------------

# Japanese script and the full-width forms that go with it: kana, CJK ideographs and
# punctuation, half-width katakana, full-width digits and letters, circled numbers.
_CJK = (
    "\u3000-\u303f"   # CJK symbols and punctuation (、。「」〇〜)
    "\u3040-\u30ff"   # hiragana, katakana
    "\u31f0-\u31ff"   # katakana phonetic extensions
    "\u3400-\u4dbf"   # CJK extension A
    "\u4e00-\u9fff"   # CJK unified ideographs
    "\uf900-\ufaff"   # CJK compatibility ideographs
    "\uff00-\uffef"   # full-width ASCII, half-width katakana
    "\u2460-\u24ff"   # circled numbers ①
    "\u3200-\u33ff"   # enclosed CJK, CJK compatibility (㈱, ㎡)
)
# Japanese punctuation carries its own spacing: a space beside it is never the author's
_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_SPACES = "[ \t]+"  # only what tesseract inserts; an ideographic space (U+3000) is the author's
_DESPACE = re.compile(
    rf"(?<=[{_CJK}]){_SPACES}(?=[{_CJK}0-9])"   # 市 民 -> 市民, 令和 5 -> 令和5
    rf"|(?<=[0-9]){_SPACES}(?=[{_CJK}])"         # 5 年 -> 5年
    rf"|(?<=[{_PUNCT}]){_SPACES}(?=\S)"          # （ DX -> （DX
    rf"|(?<=\S){_SPACES}(?=[{_PUNCT}])"          # DX ） -> DX）
)


def despace_ocr_text(s: str) -> str:
    """Remove the spaces tesseract puts between Japanese characters.

    A space goes when it sits between two CJK characters, between a CJK character and an
    ASCII digit (``令 和 5 年 度`` -> ``令和5年度``), or beside Japanese punctuation
    (``（ DX ）`` -> ``（DX）``). Spaces between Latin words or numbers
    (``Web 予約`` keeps its space before 予, ``8 411`` is left alone), ideographic spaces and
    line breaks stay. Idempotent; never fails.
    """
    return _DESPACE.sub("", s)
