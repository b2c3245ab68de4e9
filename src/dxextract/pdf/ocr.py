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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxextract.errors import OcrError
from dxextract.pdf.extract import check_pdf

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
        # on a busy machine tesseract can pass ocrmypdf's default 180 s; a page it times out
        # on is left without text, silently: allow much longer
        "--tesseract-timeout", "900",
        # absolute paths: a file named "-x.pdf" must not be read as an option of ocrmypdf
        os.path.abspath(src), os.path.abspath(dst),
    ]
    # one thread per tesseract: ocrmypdf already runs pages in parallel (its own advice)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
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


# --- cell by cell -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellOcrSettings:
    """Second OCR pass over cells the page-level pass left blank."""

    #: resolution of the page image the cells are cut from
    dpi: int = 300
    #: the cell's border and padding cut away before reading (pt)
    inset: float = 2.0
    #: a crop with less dark ink than this share of its area is a blank cell
    min_ink: float = 0.004


def _crop_ink(gray: Any, settings: CellOcrSettings) -> Any | None:
    """The binarized crop with ruling-line remnants removed, or None when the cell is blank."""
    import cv2
    import numpy as np

    if gray.size == 0 or int(gray.max()) - int(gray.min()) < 60:
        return None  # one flat tone: blank (shaded or not)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    h, w = ink.shape
    # rules left at the crop's edges are long and thin: open them out and subtract
    for kernel in (np.ones((1, max(3, int(w * 0.8))), np.uint8), np.ones((max(3, int(h * 0.8)), 1), np.uint8)):
        ink = cv2.subtract(ink, cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel))
    if float((ink > 0).mean()) < settings.min_ink:
        return None
    return 255 - ink  # dark text on white, as tesseract likes it


def classify_mark(ink: Any) -> str | None:
    """The table mark a crop holds when it is one isolated shape: ○ ◎ △ ▲ ● × —, else None.

    Tesseract reads isolated marks poorly (▲ as 人人, — as =, ○ as oO); their shapes are
    unambiguous: holes, fill, aspect and whether the shape widens downwards.
    """
    import cv2
    import numpy as np

    mask = (ink < 128).astype(np.uint8)
    total = int(mask.sum())
    if total == 0:
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    parts = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 0.05 * total]
    if len(parts) != 1:
        return None  # text, or several marks: leave it to OCR
    i = parts[0]
    x, y, w, h, area = (int(v) for v in stats[i, :5])
    shape = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
    fill = area / float(w * h)
    aspect = w / float(h)
    if aspect >= 2.5 and fill > 0.5:
        return "—"
    if not 0.6 <= aspect <= 1.7 or min(w, h) < 8:
        return None
    contours, hierarchy = cv2.findContours(shape, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is None:
        return None
    holes = int(sum(1 for hrc in hierarchy[0] if hrc[3] >= 0))
    outer = max((c for c, hrc in zip(contours, hierarchy[0], strict=True) if hrc[3] < 0), key=cv2.contourArea)
    perimeter = cv2.arcLength(outer, True)
    circular = perimeter > 0 and 4 * np.pi * cv2.contourArea(outer) / perimeter**2 > 0.8
    corners = len(cv2.approxPolyDP(outer, 0.05 * perimeter, True))
    widths = shape.sum(axis=1)
    quarter = max(1, h // 4)
    widening = float(widths[-quarter:].mean()) > 1.8 * float(widths[:quarter].mean())
    # a plus-like shape (十) has a full middle row and column; × has neither
    plus = widths.max() >= 0.9 * w and shape.sum(axis=0).max() >= 0.9 * h
    if holes >= 2 and circular:
        return "◎"
    if holes == 1 and circular and 0.8 <= aspect <= 1.25:
        return "○"
    if holes <= 1 and widening and corners == 3:
        return "△" if holes else "▲"
    if holes == 0 and circular and fill > 0.7:
        return "●"
    if holes == 0 and fill < 0.55 and not widening and not plus and 0.75 <= aspect <= 1.33:
        return "×"
    return None


def _ink_bands(ink: Any) -> int:
    """How many horizontal bands of ink (text lines) a binarized crop (dark on white) holds."""
    rows = (ink < 128).sum(axis=1) > 0
    bands, inside, gap = 0, False, 0
    for has_ink in rows:
        if has_ink:
            if not inside:
                bands += 1
                inside = True
            gap = 0
        elif inside:
            gap += 1
            if gap > 2:  # a few blank pixel rows end a line
                inside = False
    return bands


def ocr_cells(pdf: Path, page_number: int, boxes: dict[Any, tuple[float, float, float, float]],
              language: str = "jpn", settings: CellOcrSettings | None = None) -> dict[Any, str]:
    """Read each box (x0, top, x1, bottom in PDF points) of one page on its own.

    Page-level OCR skips isolated marks (○ — ▲ in a status column) and text in shaded header
    cells; reading the cell alone, as one line when it is low, recovers them. A box whose crop
    holds no ink stays out of the result. Keys are the caller's.
    """
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    settings = settings or CellOcrSettings()
    if not boxes:
        return {}
    doc = pdfium.PdfDocument(str(pdf))
    try:
        scale = settings.dpi / 72
        image = doc[page_number - 1].render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    page = np.asarray(image)
    out: dict[Any, str] = {}
    with tempfile.TemporaryDirectory(prefix="dxextract-cells-") as tmp:
        for key, (x0, top, x1, bottom) in boxes.items():
            i = settings.inset
            crop = page[int((top + i) * scale):int((bottom - i) * scale), int((x0 + i) * scale):int((x1 - i) * scale)]
            ink = _crop_ink(crop, settings)
            if ink is None:
                continue
            framed = Image.new("L", (ink.shape[1] + 40, ink.shape[0] + 40), 255)
            framed.paste(Image.fromarray(ink), (20, 20))
            path = Path(tmp) / "cell.png"
            framed.save(path)
            # one band of ink is one line (a mark, a word): tesseract's single-line mode reads
            # isolated marks that its block mode drops; several bands need the block mode
            mark = classify_mark(ink)
            if mark is not None:
                out[key] = mark
                continue
            psm = "7" if _ink_bands(ink) <= 1 else "6"
            try:
                done = subprocess.run(["tesseract", str(path), "-", "--psm", psm, "-l", language],
                                      capture_output=True, text=True, timeout=300, check=False,
                                      env={**os.environ, "OMP_THREAD_LIMIT": "1"})
            except (OSError, subprocess.SubprocessError) as e:
                raise OcrError(f"{pdf}: page {page_number}: cell OCR failed ({e}): {INSTALL_HINT}") from e
            text = despace_ocr_text(done.stdout.strip())
            if text:
                out[key] = text
    return out
