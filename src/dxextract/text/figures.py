"""Read measured figures (value, unit, qualifier) out of Japanese report text.

Entry point: :func:`parse_figures`. What counts as a figure is data, not code:
``schemas/figure_vocabulary.json`` lists the units and their aliases, the qualifiers, the
markers of per-unit rates and ordinals, the range marks and the patterns of numbers that are
not figures (era years and dates, item numbers, ages, 公民館3館 …).

How a text is read:

1. A *view* of the text is made character by character with the same length (full-width
   digits and ASCII → ASCII, 〜 → ～, ideographic space → space, radicals → ideographs), so
   every offset in the view is an offset in the text and ``raw`` is always ``text[start:end]``.
2. Spans matching a non-figure pattern are masked.
3. Each number outside the masks is a figure when a unit follows it (spaces allowed:
   「69 h」), unless an ordinal (第3回, 3回目) or the denominator of a rate (「1件当たり」).
   「15～25分」 gives two figures sharing one ``raw``. A qualifier printed against the
   figure (約, 前年比, 延べ before it; 以上, 未満 … after it) is part of ``raw``.
4. The label is the words naming the figure in the same line: before it (back to the line
   start, a clause mark or the previous figure), else the words after it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from dxextract.model import Figure
from dxextract.text.era import ERA_ALTERNATION
from dxextract.text.normalize import normalize_text, radical_table

__all__ = ["FigureVocabulary", "load_vocabulary", "parse_figures", "text_view"]

_VOCAB_FILE = "figure_vocabulary.json"
_SPACES = " "  # in the view every kind of space is an ASCII space
_MAX_GAP = 2  # spaces allowed between a number and its unit or around a range mark


# --- vocabulary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureVocabulary:
    """The figure vocabulary of one report family, as loaded from JSON."""

    units: tuple[str, ...]  # printed forms (canonical units and aliases), longest first
    canonical: dict[str, str]  # printed form -> unit written in Figure.unit
    needs_context: dict[str, re.Pattern[str]]
    multipliers: dict[str, float]
    prefix_qualifiers: tuple[str, ...]
    suffix_qualifiers: tuple[str, ...]
    suffix_before_non_kanji: frozenset[str]
    qualifier_separator: str
    rate_markers: tuple[str, ...]
    ordinal_prefixes: tuple[str, ...]
    ordinal_suffixes: tuple[str, ...]
    range_marks: tuple[str, ...]
    sign_marks: frozenset[str]
    sign_marks_after_ratio: frozenset[str]
    non_figure: tuple[re.Pattern[str], ...]
    label_drop: tuple[re.Pattern[str], ...]
    label_bullets: str
    label_delimiters: str
    label_case_particles: str
    label_trailing_particles: tuple[str, ...]
    label_connectors: frozenset[str]
    time_units: frozenset[str]


def _vocab_path() -> Path:
    # Installed wheel: schemas/ is force-included as dxextract/schemas; source tree: repo root.
    packaged = resources.files("dxextract").joinpath("schemas", _VOCAB_FILE)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "schemas" / _VOCAB_FILE


def _longest_first(items: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(items), key=len, reverse=True))


def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex.replace("{era}", ERA_ALTERNATION), re.MULTILINE)


def vocabulary_from_dict(data: dict[str, Any]) -> FigureVocabulary:
    """Build a vocabulary from the JSON structure of ``schemas/figure_vocabulary.json``."""
    canonical = {u: u for u in data["units"]}
    canonical.update(data.get("unit_aliases", {}))
    needs = {k: re.compile(v) for k, v in data.get("unit_needs_context", {}).items()
             if not k.startswith("_")}
    return FigureVocabulary(
        units=_longest_first(list(canonical)),
        canonical=canonical,
        needs_context=needs,
        multipliers={k: float(v) for k, v in data.get("multipliers", {}).items()},
        prefix_qualifiers=_longest_first(data.get("prefix_qualifiers", [])),
        suffix_qualifiers=_longest_first(data.get("suffix_qualifiers", [])),
        suffix_before_non_kanji=frozenset(data.get("suffix_qualifiers_before_non_kanji", [])),
        qualifier_separator=data.get("qualifier_separator", ";"),
        rate_markers=_longest_first(data.get("rate_markers", [])),
        ordinal_prefixes=_longest_first(data.get("ordinal_prefixes", [])),
        ordinal_suffixes=_longest_first(data.get("ordinal_suffixes", [])),
        range_marks=_longest_first(data.get("range_marks", [])),
        sign_marks=frozenset(data.get("sign_marks", [])),
        sign_marks_after_ratio=frozenset(data.get("sign_marks_after_ratio", [])),
        non_figure=tuple(_compile(p["regex"]) for p in data.get("non_figure_patterns", [])),
        label_drop=tuple(_compile(p) for p in data.get("label_drop_patterns", [])),
        label_bullets=data.get("label_bullets", ""),
        label_delimiters=data.get("label_clause_delimiters", ""),
        label_case_particles=data.get("label_case_particles", ""),
        label_trailing_particles=_longest_first(data.get("label_trailing_particles", [])),
        label_connectors=frozenset(data.get("label_connectors", [])),
        time_units=frozenset(data.get("time_units", [])),
    )


@lru_cache(maxsize=1)
def load_vocabulary() -> FigureVocabulary:
    """The vocabulary shipped in ``schemas/figure_vocabulary.json`` (loaded once)."""
    with _vocab_path().open(encoding="utf-8") as fh:
        return vocabulary_from_dict(json.load(fh))


# --- the view -----------------------------------------------------------------------------

_FOLD_EXPLICIT = {"〜": "～", "∼": "～", "～": "～", "−": "-", "\u3000": " ", "\t": " ", "\u00a0": " "}


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character of the view: always exactly one character."""
    if ch in _FOLD_EXPLICIT:
        return _FOLD_EXPLICIT[ch]
    cp = ord(ch)
    if 0xFF01 <= cp <= 0xFF5E:
        return chr(cp - 0xFEE0)
    if 0x2000 <= cp <= 0x200A:
        return " "
    radical = radical_table().get(ch)
    if radical is not None:
        return radical
    if 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F:
        folded = unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    return ch


def text_view(text: str) -> str:
    """The text folded one character for one character (same length, same offsets)."""
    return "".join(_fold_char(ch) for ch in text)


# --- reading figures ----------------------------------------------------------------------

_NUM = re.compile(r"(?<![0-9.,])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?(?![0-9])")


@dataclass(frozen=True)
class _Unit:
    unit: str  # canonical
    end: int  # view offset after the printed unit
    factor: float  # multiplier (万, 億) between number and unit, else 1


@dataclass(frozen=True)
class _Hit:
    """One figure or range found in the view, before labelling."""

    values: tuple[float, ...]
    unit: str
    qualifier: str
    start: int
    end: int
    rate_phrase: str  # 「1件当たり」 when the figure is a per-unit rate, else ""


def _skip_spaces(view: str, pos: int, limit: int = _MAX_GAP) -> int:
    end = pos
    while end < len(view) and end - pos < limit and view[end] in _SPACES:
        end += 1
    return end


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _unit_at(view: str, pos: int, voc: FigureVocabulary) -> _Unit | None:
    """The unit printed at ``pos`` (after up to two spaces), with an optional 万/億 factor."""
    start = _skip_spaces(view, pos)
    factor = 1.0
    unit = _match_unit(view, start, voc)
    if unit is None and start < len(view) and view[start] in voc.multipliers:
        factor = voc.multipliers[view[start]]
        unit = _match_unit(view, start + 1, voc)
    if unit is None:
        return None
    return _Unit(voc.canonical[unit[0]], unit[1], factor)


def _match_unit(view: str, pos: int, voc: FigureVocabulary) -> tuple[str, int] | None:
    for printed in voc.units:
        if not view.startswith(printed, pos):
            continue
        end = pos + len(printed)
        # Latin units are whole words: 「69 h」 yes, 「5 http」 no.
        if _is_ascii_letter(printed[-1]) and end < len(view) and _is_ascii_letter(view[end]):
            continue
        context = voc.needs_context.get(printed)
        # Slice, not match(view, end): a pattern's ^ must mean "right after the unit".
        if context is not None and context.match(view[end:end + 8]):
            continue
        return printed, end
    return None


def _starts_with_any(view: str, pos: int, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if view.startswith(w, pos)), None)


def _masked_spans(view: str, voc: FigureVocabulary) -> list[bool]:
    mask = [False] * len(view)
    for pattern in voc.non_figure:
        for m in pattern.finditer(view):
            for i in range(m.start(), m.end()):
                mask[i] = True
    return mask


def _is_ordinal(view: str, num: re.Match[str], unit_end: int, voc: FigureVocabulary) -> bool:
    before = view[: num.start()].rstrip(_SPACES)
    if any(before.endswith(p) for p in voc.ordinal_prefixes):
        return True
    return _starts_with_any(view, unit_end, voc.ordinal_suffixes) is not None


def _range_tail(view: str, pos: int, first_unit: _Unit | None, mask: list[bool],
                voc: FigureVocabulary) -> tuple[re.Match[str], _Unit] | None:
    """The upper end of a range starting at ``pos`` (「～25分」), if there is one."""
    at = _skip_spaces(view, pos)
    mark = _starts_with_any(view, at, voc.range_marks)
    if mark is None:
        return None
    num = _NUM.match(view, _skip_spaces(view, at + len(mark)))
    if num is None or any(mask[num.start():num.end()]):
        return None
    unit = _unit_at(view, num.end(), voc)
    if unit is None:
        return None
    # A hyphen joins many things (codes, dates): only 「15-25分」 or 「15分-25分」 is a range.
    if mark == "-" and first_unit is not None and first_unit.unit != unit.unit:
        return None
    return num, unit


def _value(num: re.Match[str], factor: float) -> float:
    return float(num.group(0).replace(",", "")) * factor


def _prefix(view: str, start: int, voc: FigureVocabulary) -> tuple[int, str, float]:
    """Start offset including sign and prefix qualifier, the qualifier, and the sign."""
    sign, pos = 1.0, start
    if pos > 0 and view[pos - 1] in voc.sign_marks | voc.sign_marks_after_ratio:
        mark, before = view[pos - 1], view[: pos - 1].rstrip(_SPACES)
        ratio = before.endswith("比")
        plain = mark in voc.sign_marks and not (before and before[-1].isalnum())
        if ratio or plain:
            sign = -1.0 if mark != "+" else 1.0
            pos -= 1
    head = view[:pos].rstrip(_SPACES)
    qualifier = next((q for q in voc.prefix_qualifiers if head.endswith(q)), "")
    if qualifier:
        pos = len(head) - len(qualifier)
    return pos, qualifier, sign


def _suffix(view: str, end: int, voc: FigureVocabulary) -> tuple[int, str]:
    q = _starts_with_any(view, end, voc.suffix_qualifiers)
    if q is None:
        return end, ""
    after = view[end + len(q): end + len(q) + 1]
    # 「100件超」 yes, 「5%増加」 no: a one-character qualifier must end the word.
    if q in voc.suffix_before_non_kanji and after and _is_kanji(after):
        return end, ""
    return end + len(q), q


def _is_kanji(ch: str) -> bool:
    return "CJK UNIFIED IDEOGRAPH" in unicodedata.name(ch, "") or ch in "々〆"


def _hits(view: str, voc: FigureVocabulary) -> Iterator[_Hit]:
    mask = _masked_spans(view, voc)
    consumed = 0
    rate_phrase, rate_end = "", -1
    for num in _NUM.finditer(view):
        if num.start() < consumed or any(mask[num.start():num.end()]):
            continue
        if num.start() > 0 and _is_ascii_letter(view[num.start() - 1]):
            continue  # codes and names: A4, COVID-19, Win10
        unit = _unit_at(view, num.end(), voc)
        tail_from = unit.end if unit else num.end()
        if unit is not None and _is_ordinal(view, num, unit.end, voc):
            continue
        if unit is not None:
            marker = _starts_with_any(view, unit.end, voc.rate_markers)
            if marker is not None:
                # 「1件当たり5分削減」: 1件 is the denominator, not a count.
                rate_phrase, rate_end = view[num.start(): unit.end + len(marker)], unit.end + len(marker)
                consumed = rate_end
                continue
        tail = _range_tail(view, tail_from, unit, mask, voc)
        if tail is not None and unit is not None and unit.unit != tail[1].unit:
            tail = None  # 「5分～1時間」: two figures, not one range with one unit
        if unit is None and tail is None:
            continue
        start, pre_q, sign = _prefix(view, num.start(), voc)
        if tail is not None:
            num2, unit2 = tail
            low_unit = unit or unit2
            values: tuple[float, ...] = (sign * _value(num, low_unit.factor), _value(num2, unit2.factor))
            end, the_unit = unit2.end, unit2.unit
        else:
            assert unit is not None
            values, end, the_unit = (sign * _value(num, unit.factor),), unit.end, unit.unit
        end, post_q = _suffix(view, end, voc)
        qualifier = voc.qualifier_separator.join(q for q in (pre_q, post_q) if q)
        is_rate = rate_end >= 0 and view[rate_end:start].strip(_SPACES) == ""
        yield _Hit(values, the_unit, qualifier, start, end, rate_phrase if is_rate else "")
        consumed = end


# --- labels -------------------------------------------------------------------------------


def _strip_unbalanced(s: str) -> str:
    pairs = {"(": ")", "（": "）", "「": "」", "【": "】", "[": "]", "『": "』"}
    closers = {v: k for k, v in pairs.items()}
    changed = True
    while s and changed:
        changed = False
        if s[-1] in pairs or (s[-1] in closers and s.count(closers[s[-1]]) < s.count(s[-1])):
            s, changed = s[:-1], True
        elif s and (s[0] in closers or (s[0] in pairs and s.count(pairs[s[0]]) < s.count(s[0]))):
            s, changed = s[1:], True
    return s


def _strip_edges(s: str, voc: FigureVocabulary) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _strip_unbalanced(s.strip(voc.label_bullets))
    return s


def _after_case_particle(s: str, voc: FigureVocabulary) -> str:
    """The words after the last case particle between two non-hiragana characters."""
    for i in range(len(s) - 2, 0, -1):
        if s[i] in voc.label_case_particles and not _is_hiragana(s[i - 1]) and not _is_hiragana(s[i + 1]):
            return s[i + 1:]
    return s


def _is_hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def _after_open_bracket(s: str) -> str:
    """Text after the last unclosed bracket: 「講座(受講者」 → 受講者."""
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        if s[i] in ")）」】]』":
            depth += 1
        elif s[i] in "(（「【[『":
            if depth == 0:
                return s[i + 1:]
            depth -= 1
    return s


def _clean_clause(s: str, voc: FigureVocabulary) -> str:
    inner = _after_open_bracket(s)
    # 「市内全校(16校)」: nothing inside the bracket before the figure, so the words before it.
    s = inner if inner.strip(voc.label_bullets) else s
    s = _strip_edges(s, voc)
    s = _after_case_particle(s, voc)
    s = s.split()[-1] if s.split() else ""
    return _strip_particles(s, voc)


def _strip_particles(s: str, voc: FigureVocabulary) -> str:
    """「の参加者は」 → 参加者; a lone particle (「を」) is no label at all."""
    if s in voc.label_trailing_particles:
        return ""
    for p in voc.label_trailing_particles:
        if s.endswith(p) and len(s) > len(p):
            s = s[: -len(p)]
            break
    for p in voc.label_trailing_particles:
        if s.startswith(p) and len(s) > len(p) and not _is_hiragana(s[len(p)]):
            s = s[len(p):]
            break
    return _strip_edges(s, voc)


def _split_clauses(segment: str, voc: FigureVocabulary) -> list[str]:
    s = normalize_text(segment)
    for pattern in voc.label_drop:
        s = pattern.sub("", s)
    return re.split(f"[{re.escape(voc.label_delimiters)}]", s)


def _label_before(segment: str, voc: FigureVocabulary) -> str:
    return _clean_clause(_split_clauses(segment, voc)[-1], voc)


def _label_previous_clause(segment: str, voc: FigureVocabulary) -> str:
    """「住民異動申請に利用した。1,639件」: the subject of the clause before the figure."""
    clauses = [c for c in _split_clauses(segment, voc) if c.strip()]
    if not clauses:
        return ""
    s = _strip_edges(clauses[-1], voc)
    for i in range(1, len(s) - 1):
        if s[i] in voc.label_case_particles and not _is_hiragana(s[i - 1]) and not _is_hiragana(s[i + 1]):
            return _strip_edges(s[:i], voc)
    return _clean_clause(s, voc)


def _label_after(segment: str, voc: FigureVocabulary) -> str:
    s = normalize_text(segment)
    cut = re.search(rf"[0-9\s{re.escape(voc.label_delimiters)}]", s)
    s = _strip_edges(s[: cut.start()] if cut else s, voc)
    for p in voc.label_trailing_particles:
        if s.startswith(p) and len(s) > len(p):
            s = s[len(p):]
            break
    return _strip_edges(s, voc)


def _label(text: str, hit: _Hit, prev_end: int, voc: FigureVocabulary) -> str:
    line_start = text.rfind("\n", 0, hit.start) + 1
    line_end = text.find("\n", hit.end)
    line_end = len(text) if line_end < 0 else line_end
    after = _label_after(text[hit.end:line_end], voc)
    if hit.rate_phrase:
        # 「1件当たり5分削減」 → 1件当たり削減時間
        word = after + ("時間" if hit.unit in voc.time_units and "時間" not in after else "")
        return normalize_text(hit.rate_phrase) + word
    segment = text[max(line_start, prev_end):hit.start]
    before = _label_before(segment, voc)
    if before and before not in voc.label_connectors:
        return before
    return after or _label_previous_clause(segment, voc)


def _same_phrase(text: str, prev_end: int, start: int, voc: FigureVocabulary) -> bool:
    """True when only spaces separate two figures (「16日間28人」, 「46回 176人」)."""
    between = text[prev_end:start]
    return prev_end > 0 and not between.strip() and "\n" not in between


# --- entry point --------------------------------------------------------------------------


def parse_figures(text: str) -> list[Figure]:
    """Every measured figure in ``text``, in reading order.

    Pure and never raises. ``text`` may be raw or normalized (full-width digits and commas
    are read: 「８，７６３件」 → 8763 件). Each figure's ``raw`` is ``text[start:end]``; a range
    「15～25分」 gives two figures sharing that ``raw``, labelled ``…(下限)`` and ``…(上限)``.
    Units are written as the vocabulary's canonical form (``h`` → ``時間``, ``％`` → ``%``);
    ``qualifier`` is empty when none was printed.
    """
    return list(_parse(text, load_vocabulary()))


def _parse(text: str, voc: FigureVocabulary) -> Iterator[Figure]:
    view = text_view(text)
    prev_end, prev_label = 0, ""
    for hit in _hits(view, voc):
        raw = text[hit.start:hit.end]
        label = _label(text, hit, prev_end, voc)
        if not label and _same_phrase(text, prev_end, hit.start, voc):
            label = prev_label  # the second figure of 「相談利用16日間28人」 counts the same thing
        prev_end, prev_label = hit.end, label
        if len(hit.values) == 1:
            yield Figure(hit.values[0], hit.unit, hit.qualifier, raw, label, hit.start, hit.end)
            continue
        for value, side in zip(hit.values, ("下限", "上限"), strict=True):
            yield Figure(value, hit.unit, hit.qualifier, raw, f"{label}({side})", hit.start, hit.end)
