"""Cell text in reading order: the author's line breaks kept, automatic wrapping removed.

A cell's characters are grouped into printed lines; two printed lines are joined when the
first was ended by the word processor (the next line's first word would not have fitted in
what the first line left free), and kept apart when the author began a new line: the next
line begins with a bullet or marker (■ ・ ※ 【 ① (1) …), or the first line ends well short of
the cell's width.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dxextract.model import BBox, Char

#: a line that begins with one of these was begun by the author
_MARKER = re.compile(
    r"^(?:[■□◆◇●◎・･※＊*►▶▸➢→【〔［《〈]"
    r"|[\u2460-\u2473\u2474-\u2487\u2776-\u277f\u24ea]"  # ① … ⑳, ⑴ … ⒇, ❶ …
    r"|[(（][0-9０-９一二三四五六七八九十]{1,3}[)）]"  # (1) （２） (三)
    r"|-{2,}|－{2,}|ー{3,}|—|―"  # ----- separators
    r"|[0-9０-９]{1,2}[.．、](?![0-9０-９])"  # 1. ２．
    r"|[A-Za-zＡ-Ｚａ-ｚ][.．)](?=\s)"
    r")"
)
#: characters that may not begin a line (kinsoku): the line breaker moves one more char down
_NO_START = set("、。，．,.)）」』】〕］}｝〉》ー～〜ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ・：；:;!?！？%％")
#: characters that may not end a line: they are pushed to the next line with what follows
_NO_END = set("(（「『【〔［{｛〈《")
#: a running page number: 「12」, 「- 3 -」, 「（3）」, 「p. 4」, 「5 / 12」
PAGE_NUMBER = re.compile(r"^[-–—−‐ー\s(（\[［〔]*(?:p\.?|page|ページ)?\s*[0-9０-９]+\s*(?:/\s*[0-9０-９]+)?"
                         r"[-–—−‐ー\s)）\]］〕]*$", re.IGNORECASE)
_SENTENCE_END = ("。", "！", "？", "!", "?")
_LATIN = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９.,%'\-/:]")


@dataclass(frozen=True)
class TextSettings:
    """Tolerances of line grouping and wrap detection, in units of the font size."""

    #: chars whose vertical centres differ by less than this × size share a line
    line_tolerance: float = 0.45
    #: a gap wider than this × size between two chars is a space the PDF did not draw
    space_gap: float = 0.28
    #: slack (× size) when deciding whether the next word would have fitted
    fit_slack: float = 0.35
    #: where no cell shows its padding (no left-aligned lines of different lengths), the smallest
    #: left margin is taken as the padding, up to this (pt): centred text's margin is not padding
    max_guessed_pad: float = 6.0


@dataclass(frozen=True)
class Line:
    """One printed line of a cell."""

    chars: tuple[Char, ...]
    text: str

    @property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars if c.text.strip())

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars if c.text.strip())

    @property
    def size(self) -> float:
        sizes = sorted(c.size for c in self.chars)
        return sizes[len(sizes) // 2]


def chars_to_lines(chars: Sequence[Char], settings: TextSettings | None = None) -> list[Line]:
    """Group chars into printed lines, top to bottom, each sorted left to right."""
    settings = settings or TextSettings()
    visible = [c for c in chars if c.upright or c.text.strip()]
    if not visible:
        return []
    ordered = sorted(visible, key=lambda c: (c.yc, c.x0))
    groups: list[list[Char]] = []
    for ch in ordered:
        if groups:
            g = groups[-1]
            ref = sum(c.yc for c in g) / len(g)
            if abs(ch.yc - ref) <= settings.line_tolerance * max(ch.size, g[0].size):
                g.append(ch)
                continue
        groups.append([ch])
    lines = []
    for g in groups:
        g.sort(key=lambda c: c.x0)
        text = _join_chars(g, settings)
        if text.strip():
            lines.append(Line(tuple(g), text))
    return lines


def _is_cjk(text: str) -> bool:
    return any(0x3000 <= ord(ch) <= 0x9FFF or 0xF900 <= ord(ch) <= 0xFAFF or 0xFF00 <= ord(ch) <= 0xFFEF
               for ch in text)


def _distributed(chars: list[Char], settings: TextSettings) -> bool:
    """Is the line set with 均等割付 (characters spread evenly across the cell)?

    Such a line has several even gaps beside its Japanese characters; they are layout, not
    spaces (Japanese does not separate words with spaces).
    """
    gaps = [b.x0 - a.x1 for a, b in zip(chars, chars[1:], strict=False)
            if (_is_cjk(a.text) or _is_cjk(b.text)) and b.x0 - a.x1 > settings.space_gap * max(a.size, b.size)]
    if len(gaps) < 2:
        return False
    mean = sum(gaps) / len(gaps)
    return all(abs(g - mean) <= 0.25 * mean + 0.5 for g in gaps) and len(gaps) * 2 >= len(chars) - 1


def _join_chars(chars: list[Char], settings: TextSettings) -> str:
    parts: list[str] = []
    prev: Char | None = None
    spread = _distributed(chars, settings)
    for ch in chars:
        if prev is not None and ch.text != " " and prev.text != " ":
            gap = ch.x0 - prev.x1
            if gap > settings.space_gap * max(ch.size, prev.size) and not (
                    spread and (_is_cjk(ch.text) or _is_cjk(prev.text))):
                parts.append(" ")
        parts.append(ch.text)
        prev = ch
    return "".join(parts)


def begins_with_marker(text: str) -> bool:
    """Does ``text`` begin with a bullet or numbering marker (an entry the author began)?"""
    return bool(_MARKER.match(text.lstrip()))


def _first_unit_width(line: Line, kinsoku: bool = True) -> float:
    """Width of what the line breaker had to move as one piece to begin ``line``."""
    chars = [c for c in line.chars if c.text.strip()]
    if not chars:
        return 0.0
    first = chars[0]
    if _LATIN.match(first.text):
        # a Latin word or a number wraps as a whole
        end = first.x1
        prev = first
        for c in chars[1:]:
            if not _LATIN.match(c.text) or c.x0 - prev.x1 > 0.2 * c.size:
                break
            end, prev = c.x1, c
        width = end - first.x0
    else:
        width = first.x1 - first.x0
    if kinsoku and len(chars) > 1 and (first.text in _NO_END or chars[1].text in _NO_START):
        width += chars[1].x1 - chars[1].x0
    return width


def is_wrapped(line: Line, nxt: Line, inner: BBox, settings: TextSettings | None = None) -> bool:
    """True when ``nxt`` continues ``line`` only because the cell was too narrow."""
    settings = settings or TextSettings()
    if _MARKER.match(nxt.text.lstrip()):
        return False
    room = inner.width - (line.x1 - line.x0)
    if line.text.rstrip().endswith(_SENTENCE_END) and nxt.text.lstrip()[:1] not in _NO_START:
        # A line that ends a sentence is taken as the author's break: geometry cannot tell a
        # typed break after a line that happens to be full from wrapping, and in these reports
        # a sentence end at the very end of a wrapped line is far rarer than a typed break.
        return False
    return room < _first_unit_width(nxt) + settings.fit_slack * line.size


def _joiner(left: str, right: str) -> str:
    """Wrapped Japanese joins with no space; wrapped Latin words keep one."""
    if left.endswith(" ") or right.startswith(" "):
        return " "
    a, b = left[-1:], right[:1]
    if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
        return " "
    return ""


def lines_to_text(lines: Sequence[Line], inner: BBox, settings: TextSettings | None = None) -> str:
    """Join printed lines into the cell text: ``\\n`` where the author broke the line."""
    settings = settings or TextSettings()
    if not lines:
        return ""
    out = lines[0].text
    for prev, nxt in zip(lines, lines[1:], strict=False):
        if is_wrapped(prev, nxt, inner, settings):
            out = out.rstrip(" ") + _joiner(prev.text, nxt.text) + nxt.text.lstrip(" ")
        else:
            out = out.rstrip(" ") + "\n" + nxt.text.lstrip(" ")
    return "\n".join(part.strip() for part in out.split("\n"))


def cell_padding(cell: BBox, lines: Sequence[Line]) -> float | None:
    """The smallest left margin of a cell's lines (left-aligned text touches the padding)."""
    if not lines:
        return None
    return min(line.x0 - cell.x0 for line in lines)


def aligned_padding(cell: BBox, lines: Sequence[Line]) -> float | None:
    """The left padding a cell shows for certain: lines of different lengths that begin at one x
    (left-aligned or justified text). Centred lines begin at different x and say nothing about
    the padding; neither does a single line."""
    if len(lines) < 2:
        return None
    starts = [ln.x0 for ln in lines]
    ends = [ln.x1 for ln in lines]
    if max(starts) - min(starts) > 0.5 or max(ends) - min(ends) <= 0.5:
        return None
    return min(starts) - cell.x0


def cell_inner_box(cell: BBox, lines: Sequence[Line], pad: float | None = None,
                   right: float | None = None) -> BBox:
    """The part of the cell text can occupy: the cell less its padding.

    The padding is not in the PDF. ``pad`` is best measured over a whole table (the smallest
    left margin of any cell: left-aligned text touches it, centred text does not); without it,
    this cell's own lines are used. ``right`` is where the column's wrapped lines end (see
    :func:`wrap_edge`); without it the right padding is taken equal to the left.
    """
    if not lines:
        return cell
    if pad is None:  # a guess from this cell alone: within the usual padding
        pad = min(cell_padding(cell, lines) or 0.0, TextSettings().max_guessed_pad)
    # a quarter of the cell at most (text centred in a wide cell leaves more: not padding)
    pad = min(max(pad, 0.5), 0.25 * cell.width)
    x1 = cell.x1 - pad
    size = sorted(ln.size for ln in lines)[len(lines) // 2]
    if right is not None and cell.x0 + pad < right and x1 - right >= size:
        # the wrapped lines stop a character or more short of the symmetric guess: the
        # producer pads the right more than the left; lines end within half a glyph of it
        x1 = right + 0.5 * size
    return BBox(cell.x0 + pad, cell.top, max(cell.x0 + pad + 1.0, x1), cell.bottom)


#: punctuation a line breaker may hang past the right edge (ぶら下げ): not where lines end
_HANGING = set("、。，．,.")


def _line_end(line: Line) -> float:
    """Where the line's text ends, a hanging punctuation mark left out."""
    chars = [c for c in line.chars if c.text.strip()]
    while len(chars) > 1 and chars[-1].text in _HANGING:
        chars.pop()
    return max(c.x1 for c in chars)


def wrap_edge(cells_lines: Sequence[Sequence[Line]], tolerance: float = 0.5, min_lines: int = 3) -> float | None:
    """Where a column's automatic wrapping ends its lines, read from the lines themselves.

    Lines the producer wrapped stop at the same right edge (its padding, whatever it is: 3 pt
    left and 11 pt right, or none), give or take less than a character. The edge is the
    furthest end of a line that another line follows in its cell, when at least ``min_lines``
    lines of different text, each followed by another, end within ``tolerance`` × the font
    size of it (one or two could end there by chance, or repeat one phrase); otherwise None
    (no evidence: the column never wrapped, or its lines end anywhere).
    """
    ends = sorted(((_line_end(ln), ln.size, ln.text.strip()) for lines in cells_lines for ln in lines[:-1]),
                  reverse=True)
    if not ends:
        return None
    edge, size, _ = ends[0]
    near = {text for end, _, text in ends if end >= edge - tolerance * size}
    return edge if len(near) >= min_lines else None


def last_line_full(chars: Sequence[Char], cell: BBox, settings: TextSettings | None = None,
                   pad: float | None = None, right: float | None = None) -> bool:
    """Does the cell's last printed line fill its width (no room for another character)?"""
    settings = settings or TextSettings()
    lines = chars_to_lines(chars, settings)
    if not lines:
        return False
    last = lines[-1]
    inner = cell_inner_box(cell, lines, pad, right)
    return inner.width - (last.x1 - last.x0) < (1.0 + settings.fit_slack) * last.size


def chars_to_cell_text(chars: Sequence[Char], cell: BBox, settings: TextSettings | None = None,
                       pad: float | None = None, right: float | None = None) -> str:
    """The text of one cell from the chars printed inside it (``pad``, ``right``: see cell_inner_box)."""
    lines = chars_to_lines(chars, settings)
    return lines_to_text(lines, cell_inner_box(cell, lines, pad, right), settings)


_NUMBER = re.compile(r"^[-+−–(（]?[$€£¥]?\s?[0-9０-９][0-9０-９,，.．\s]*[%％)）]?$")


def line_slots(chars: Sequence[Char], xs: Sequence[float], settings: TextSettings | None = None
               ) -> tuple[list[tuple[float, float]], list[list[tuple[int, str]]]] | None:
    """The band's text lines as slots (top, bottom) shared by its columns, and per column the
    slot and text of each of its lines; None when two lines of one column fall into one slot
    (lines closer than the others': not a row structure).

    Slots are the lines' vertical centres, clustered within ``settings.line_tolerance`` ×
    the font size (line boxes of tightly set text overlap; their centres do not).
    """
    settings = settings or TextSettings()
    per_col: list[list[tuple[float, float, float, str]]] = []
    for c in range(len(xs) - 1):
        in_col = [ch for ch in chars if xs[c] <= ch.xc <= xs[c + 1]]
        per_col.append([(min(ch.top for ch in ln.chars), max(ch.bottom for ch in ln.chars), ln.size,
                         ln.text.strip()) for ln in chars_to_lines(in_col, settings)])
    centres = sorted(((a + b) / 2, size) for lines in per_col for a, b, size, _ in lines)
    groups: list[list[float]] = []
    tol = settings.line_tolerance
    for yc, size in centres:
        if groups and yc - sum(groups[-1]) / len(groups[-1]) <= tol * size:
            groups[-1].append(yc)
        else:
            groups.append([yc])
    mids = [sum(g) / len(g) for g in groups]
    spans: list[list[float]] = [[m, m] for m in mids]
    placed: list[list[tuple[int, str]]] = []
    for lines in per_col:
        seen: list[tuple[int, str]] = []
        for a, b, _, text in lines:
            k = min(range(len(mids)), key=lambda i: abs(mids[i] - (a + b) / 2))
            if seen and seen[-1][0] == k:
                return None  # two lines of one column in one slot: not a row structure
            spans[k] = [min(spans[k][0], a), max(spans[k][1], b)]
            seen.append((k, text))
        placed.append(seen)
    return [(a, b) for a, b in spans], placed


def figure_rows(chars: Sequence[Char], xs: Sequence[float], min_lines: int = 2,
                settings: TextSettings | None = None) -> list[float]:
    """Row boundaries inside one band nobody ruled between its rows, or [] when it is one row.

    The band is rows when its lines fall into slots shared by every column and some column
    holds at least ``min_lines`` lines that are one number each, two thirds of its lines or more (``1,530 / 1,253 / 2,783`` beside
    ``3-year-olds / 4-year-olds / Total``): figures stacked in one cell are not one value.
    A boundary lies midway between two slots' centres (tightly set lines' boxes overlap).
    """
    found = line_slots(chars, xs, settings) if chars else None
    if found is None or len(found[0]) < min_lines:
        return []
    slots, placed = found
    def stacked(col: list[tuple[int, str]]) -> bool:
        numbers = sum(1 for _, t in col if _NUMBER.match(t))
        return numbers >= min_lines and 3 * numbers >= 2 * len(col)  # a header line above is fine

    if not any(stacked(col) for col in placed):
        return []
    return [(sum(slots[i]) + sum(slots[i + 1])) / 4 for i in range(len(slots) - 1)]
