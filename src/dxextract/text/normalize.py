"""Normalize the Japanese text that PDF text layers hand over, and fold status symbols.

Entry point: :func:`normalize_text`, applied to every text the pipeline outputs.

What it does, character by character (see ../shared/CONVENTIONS.md for the measured facts):

* Look-alikes become the ordinary character: Kangxi radicals (U+2F00–2FD5) and CJK
  compatibility ideographs via NFKC of that one character; CJK Radicals Supplement
  (U+2E80–2EFF), which NFKC leaves alone, via Unicode's own Equivalent_Unified_Ideograph data
  (``data/EquivalentUnifiedIdeograph.txt``, UCD 14.0.0, the Unicode version of this Python's
  ``unicodedata``).
* Full-width ASCII (letters, digits, ``%``, ``,``, ``.``, ``:`` …) and U+3000 become half-width.
  Kept as printed because they are Japanese punctuation here: full-width parentheses （）,
  and everything outside the full-width ASCII block (、。「」【】・…). Half-width katakana are
  widened; kana are never halved.
* Meaning-bearing symbols are kept: circled and parenthesized numbers (① ⑳ ⑴ ㈠ …, which
  NFKC would flatten to 1/(1)), ○ ▲ △ × —, Roman numerals.
* Range marks ～ (U+FF5E), 〜 (U+301C) and ∼ (U+223C) all become ``～`` (U+FF5E); ASCII ``~``
  is left alone (URLs).
* Dashes: minus sign − (U+2212), full-width hyphen-minus － (U+FF0D), hyphen ‐ (U+2010) and
  non-breaking hyphen (U+2011) become ASCII ``-``; horizontal bar ― (U+2015) becomes the
  em dash — (U+2014), which stays; the en dash – and ー (katakana long vowel) stay.
* Zero-width characters, BOM, soft hyphen, variation selectors, NUL and other control
  characters are removed; tabs and exotic spaces become one ASCII space each (no collapsing).
  ``\\r\\n`` and ``\\r`` become ``\\n``; newlines are never removed (cells keep author breaks).

The result is then NFC-composed (decomposed kana such as か+゛ from some PDF producers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from dxextract.errors import GarbledTextError

__all__ = [
    "STATUS_CODES",
    "check_cid",
    "fold_lookalike_letters",
    "fold_status",
    "mixed_script_words",
    "normalize_text",
    "radical_table",
    "title_lines",
]

# --- the radical table ------------------------------------------------------------------

_EUI_FILE = "EquivalentUnifiedIdeograph.txt"
# Only radicals are folded: CJK strokes (U+31C0–31EF) appear in stroke-order material,
# where mapping them to 一/丿 would change what the text says.
_RADICAL_BLOCKS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF))


def _read_eui_text() -> str:
    try:
        return resources.files("dxextract").joinpath("data", _EUI_FILE).read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):  # pragma: no cover - source tree
        return (Path(__file__).parents[1] / "data" / _EUI_FILE).read_text("utf-8")


def _parse_eui(text: str) -> dict[str, str]:
    """Parse UCD ``EquivalentUnifiedIdeograph.txt`` lines ``2E8C..2E8D ; 5C0F # ...``."""
    table: dict[str, str] = {}
    for line in text.splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        cps, target = (part.strip() for part in data.split(";"))
        first, _, last = cps.partition("..")
        for cp in range(int(first, 16), int(last or first, 16) + 1):
            table[chr(cp)] = chr(int(target, 16))
    return table


@lru_cache(maxsize=1)
def radical_table() -> dict[str, str]:
    """Radical → equivalent unified ideograph, for every radical Unicode gives one.

    Derived from Unicode's Equivalent_Unified_Ideograph property, restricted to the CJK
    Radicals Supplement and Kangxi Radicals blocks.
    """
    full = _parse_eui(_read_eui_text())
    return {
        k: v for k, v in full.items() if any(lo <= ord(k) <= hi for lo, hi in _RADICAL_BLOCKS)
    }


# --- character classes ------------------------------------------------------------------

RANGE_MARK = "～"

# Enclosed numbers and letters carry item numbers / meaning: never flattened by NFKC.
_KEEP_RANGES = (
    (0x2460, 0x24FF),  # ① ⑴ ⒈ ⓐ Ⓐ ⓫ ⓵
    (0x2776, 0x2793),  # ❶ ➀ ➊
    (0x3220, 0x3229),  # ㈠ … ㈩
    (0x3244, 0x32FE),  # ㉑ ㊀ ㊤ ㋐ … (circled numbers, ideographs, katakana)
    (0x2150, 0x218F),  # Ⅰ Ⅱ ⅰ ½ (Roman numerals, vulgar fractions)
)
# Blocks where NFKC of one character only removes a presentation difference.
_NFKC_RANGES = (
    (0x2F00, 0x2FDF),  # Kangxi radicals
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
    (0xFF01, 0xFF5E),  # full-width ASCII (exceptions below)
    (0xFFE0, 0xFFEE),  # full-width ￥ ￠ and half-width forms
    (0x3200, 0x32FF),  # ㈱ ㋿ (enclosed numbers excluded by _KEEP_RANGES)
    (0x3300, 0x33FF),  # ㍻ ㌔ ㎏ ㎡ (squared words, era names and units)
    (0xFB00, 0xFB06),  # Latin ligatures ﬁ ﬂ
)
# Full-width forms that are Japanese punctuation here, or the one range mark: kept.
_FULLWIDTH_KEEP = frozenset("（）～")

_EXPLICIT: dict[str, str] = {
    "\u301c": RANGE_MARK,  # 〜 wave dash
    "\u223c": RANGE_MARK,  # ∼ tilde operator
    "\u2212": "-",  # − minus sign
    "\uff0d": "-",  # － full-width hyphen-minus
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\ufe63": "-",  # small hyphen-minus
    "\u2015": "\u2014",  # ― horizontal bar → — em dash (identical in Japanese fonts)
    # U+0336 (combining long stroke overlay) is what some CID fonts (reportlab HeiseiKakuGo)
    # hand back for a printed — : a text layer never means it as a combining mark
    "\u0336": "\u2014",
    "\u3000": " ",  # ideographic space
    "\t": " ",
    "\u00a0": " ",
    "\u202f": " ",
    "\u205f": " ",
}
_SPACE_RANGE = (0x2000, 0x200A)  # en quad … hair space
_REMOVED = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
)


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _is_removed(ch: str) -> bool:
    cp = ord(ch)
    if ch in _REMOVED:
        return True
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors
        return True
    # Controls (Cc) other than the newline; \r is handled before the per-character pass.
    return unicodedata.category(ch) == "Cc" and ch != "\n"


@lru_cache(maxsize=8192)
def _map_char(ch: str) -> str:
    """The normalized form of one character (may be empty or longer, e.g. ㍻ → 平成)."""
    if ch in _EXPLICIT:
        return _EXPLICIT[ch]
    if _is_removed(ch):
        return ""
    cp = ord(ch)
    if _SPACE_RANGE[0] <= cp <= _SPACE_RANGE[1]:
        return " "
    if ch in _FULLWIDTH_KEEP or _in(cp, _KEEP_RANGES):
        return ch
    radical = radical_table().get(ch)
    if radical is not None:
        return radical
    if _in(cp, _NFKC_RANGES):
        return unicodedata.normalize("NFKC", ch)
    return ch


_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")


def _widen_kana(m: re.Match[str]) -> str:
    # NFKC over the whole run composes ｶﾞ (two characters) into ガ.
    return unicodedata.normalize("NFKC", m.group(0))


def normalize_text(s: str) -> str:
    """Normalize one text for output: look-alikes folded, full-width ASCII halved, symbols kept.

    Pure and idempotent; never raises on any ``str``. Line breaks are kept (``\\r\\n`` and
    ``\\r`` become ``\\n``); spaces are not collapsed. See the module docstring for the rules.
    """
    text = s.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(_map_char(ch) for ch in text)
    # Widen before composing: a lone ﾞ widens to a combining mark that NFC then joins to
    # the kana before it; the other order would leave work for a second call.
    text = _HALFWIDTH_KANA.sub(_widen_kana, text)
    text = unicodedata.normalize("NFC", text)
    # NFC can expose characters the per-character pass maps (rare: canonical forms of
    # compatibility ideographs are unified ideographs); one more pass makes idempotence a
    # guarantee rather than an accident.
    return "".join(_map_char(ch) for ch in text)


# --- status symbols -----------------------------------------------------------------------

#: Status symbol (as normalized) → status code of the CONTRACT.
STATUS_CODES: dict[str, str] = {
    "○": "in_progress",
    "▲": "delayed",
    "×": "not_achieved",
    "取り下げ": "withdrawn",
    "—": "not_evaluated",
}

_STATUS_FORMS: dict[str, str] = {}
for _symbol, _forms in {
    "○": "○〇◯⭕⚪◦",
    "▲": "▲▴⯅",
    "×": "×✕✖╳⨯☓✗✘xX",
    # U+0336 is what pdfplumber reads for — in some CID fonts (reportlab HeiseiKakuGo)
    "—": "—-ー―─－–‐−━‒⁃ｰ\u0336",
}.items():
    for _form in _forms:
        _STATUS_FORMS[_form] = _symbol
for _form in ("取り下げ", "取下げ", "取下", "取り下", "取りさげ", "取さげ"):
    _STATUS_FORMS[_form] = "取り下げ"


def fold_status(s: str) -> str | None:
    """Fold a status cell's text to one of ``○ ▲ × 取り下げ —`` (keys of STATUS_CODES).

    〇 ◯ → ○; ✕ ✖ x X → ×; 取下げ → 取り下げ; - ー ― ─ － → —. Whitespace (including line
    breaks from wrapping) is ignored. An empty cell gives ``None``: a blank is not the
    printed "not evaluated" mark, and the caller decides what a blank means. Text that is
    not a status symbol (△ included: it is not in this report family's legend) gives
    ``None`` so the caller can warn.
    """
    text = "".join(normalize_text(s).split())
    if not text:
        return None
    if text in _STATUS_FORMS:
        return _STATUS_FORMS[text]
    if len(text) <= 3 and all(_STATUS_FORMS.get(ch) == "—" for ch in text):
        return "—"  # OCR reads a long dash as two or three short ones (ーー)
    return _OCR_STATUS.get(text)


#: what OCR engines make of status marks standing alone in a cell (a Latin O for ○)
_OCR_STATUS = {"O": "○", "o": "○", "〇": "○", "A": "▲", "x": "×", "X": "×", "メ": "×"}


# --- mixed scripts --------------------------------------------------------------------------

_WORD_RUN = re.compile(r"(?:[^\W\d_]|[ー々〆ヽヾゝゞ])+")


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for script in ("CYRILLIC", "GREEK", "LATIN", "HIRAGANA", "KATAKANA", "CJK"):
        if name.startswith(script) or (script == "CJK" and "IDEOGRAPH" in name):
            return script
    if ch in "ー々〆":
        return "KATAKANA"
    return "OTHER"


_FOREIGN = frozenset({"CYRILLIC", "GREEK"})
_ALPHABETIC = frozenset({"KATAKANA", "LATIN", "CYRILLIC", "GREEK"})


def _mixes(prev: str, script: str, nxt: str) -> bool:
    """Whether a Cyrillic/Greek letter between these neighbours' scripts is a mix-up."""
    neighbours = {prev, nxt}
    if neighbours & {"HIRAGANA", "KATAKANA", "LATIN"}:
        return True
    # 「β版」 is ordinary Japanese; Cyrillic has no such use next to kanji.
    return script == "CYRILLIC" and "CJK" in neighbours


def _word_around(run: str, i: int) -> str:
    """The alphabetic word (katakana/Latin/Cyrillic/Greek) holding run[i], else the run."""
    lo = hi = i
    while lo > 0 and _script(run[lo - 1]) in _ALPHABETIC:
        lo -= 1
    while hi + 1 < len(run) and _script(run[hi + 1]) in _ALPHABETIC:
        hi += 1
    word = run[lo:hi + 1]
    return run if all(_script(ch) in _FOREIGN for ch in word) else word


def mixed_script_words(s: str) -> list[str]:
    """Words in which Cyrillic or Greek letters sit inside Japanese or Latin ones.

    Flagged: a Cyrillic/Greek letter next to kana or Latin (「デジタルデバйд」, 「Micrоsoft」
    with Cyrillic о), or a Cyrillic letter next to kanji. Greek next to kanji alone (「β版」)
    is ordinary Japanese and not flagged. Each word is returned once, in order.
    """
    found: list[str] = []
    for m in _WORD_RUN.finditer(s):
        run = m.group(0)
        scripts = [_script(ch) for ch in run]
        for i, script in enumerate(scripts):
            if script not in _FOREIGN:
                continue
            prev = scripts[i - 1] if i > 0 else ""
            nxt = scripts[i + 1] if i + 1 < len(run) else ""
            word = _word_around(run, i)
            if _mixes(prev, script, nxt) and word not in found:
                found.append(word)
    return found


# Cyrillic and Greek letters drawn like Latin ones.
_LOOKALIKE_LATIN = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧον",
    "ABEKMHOPCTXaeopcyxijsdqwABEZHIKMNOPTYXov",
)


def fold_lookalike_letters(s: str) -> str:
    """Replace Cyrillic/Greek look-alikes of Latin letters inside words that contain Latin.

    「Micrоsoft」 (Cyrillic о) → 「Microsoft」. Words without Latin letters are left alone:
    in 「デジタルデバйд」 there is no Latin spelling to restore, only a warning to give.
    """

    def fold(m: re.Match[str]) -> str:
        word = m.group(0)
        if "LATIN" in {_script(ch) for ch in word}:
            return word.translate(_LOOKALIKE_LATIN)
        return word

    return _WORD_RUN.sub(fold, s)


# --- garbled text -------------------------------------------------------------------------

_CID = re.compile(r"\(cid:\d+\)")


def check_cid(s: str, where: str) -> None:
    """Raise ``GarbledTextError`` naming ``where`` if ``s`` holds a ``(cid:N)`` code."""
    m = _CID.search(s)
    if m is not None:
        raise GarbledTextError(
            f"{where}: the text layer gives {m.group(0)!r} instead of characters "
            "(a font without a ToUnicode map); the text cannot be trusted. "
            "Fix: rerun with --ocr, or ask the publisher for a PDF with embedded Unicode text."
        )


def title_lines(lines: Sequence[tuple[float, float, str]]) -> list[str]:
    """The document's first text lines merged where a long title wrapped.

    A wrapped title continues on the next line in the same size with an ordinary line gap;
    the continuation joins it with no space (the wrap is not the author's).
    """
    out: list[str] = []
    prev: tuple[float, float, str] | None = None
    for line in lines:
        top, bottom, text = line
        if prev is not None and out:
            height = prev[1] - prev[0]
            same_size = abs((bottom - top) - height) <= 0.15 * max(height, 1.0)
            if same_size and 0 <= top - prev[1] < 0.8 * height and len(prev[2]) >= 20 and len(out) == 1:
                out[-1] += text.strip()
                prev = line
                continue
        out.append(text.strip())
        prev = line
    return out
