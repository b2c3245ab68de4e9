"""Japanese eras and fiscal years, in one place.

Facts (see ../shared/CONVENTIONS.md): 令和N年 = 2018+N (令和元年 = 2019, from 1 May 2019);
平成N年 = 1988+N; 昭和N年 = 1925+N. A 年度 (fiscal year) runs 1 April – 31 March and is
named after the calendar year it starts in: 令和5年度 = FY2023 = 2023-04-01 .. 2024-03-31.

Every parser here accepts full-width digits (令和５年度) and 元 for the first year of an era,
and returns ``None`` rather than raising when the text holds no such expression.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Era:
    """One Japanese era: its name, its one-letter abbreviation and year offset."""

    name: str
    letter: str
    offset: int  # western year = offset + era year
    start: date


# Newest first: the regex alternation and lookups scan in this order.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", 2018, date(2019, 5, 1)),
    Era("平成", "H", 1988, date(1989, 1, 8)),
    Era("昭和", "S", 1925, date(1926, 12, 25)),
    Era("大正", "T", 1911, date(1912, 7, 30)),
    Era("明治", "M", 1867, date(1868, 1, 25)),
)

_BY_KEY: dict[str, Era] = {}
for _era in ERAS:
    _BY_KEY[_era.name] = _era
    _BY_KEY[_era.letter] = _era
    _BY_KEY[_era.letter.lower()] = _era
# Square era ligatures (㋿ ㍻ ㍼ ㍽ ㍾) as PDF text layers sometimes hand them over.
_BY_KEY.update({"㋿": _BY_KEY["令和"], "㍻": _BY_KEY["平成"], "㍼": _BY_KEY["昭和"],
                "㍽": _BY_KEY["大正"], "㍾": _BY_KEY["明治"]})

# Full-width digits only; ① etc. are numbering, never years.
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Full-width ASCII (Ｒ６, ＦＹ) read as ASCII; the same length, so offsets stay valid.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}

#: Regex alternation of every era spelling, longest first (for other modules' patterns).
ERA_ALTERNATION = "|".join(sorted((re.escape(k) for k in _BY_KEY), key=len, reverse=True))
_NUM = r"[0-9０-９]+"
_SP = r"[ \u3000]*"
# The letter forms (R5) must not be the tail of a longer Latin word ("HR5").
_ERA_YEAR = rf"(?<![A-Za-z])(?P<era>{ERA_ALTERNATION}){_SP}(?P<n>{_NUM}|元){_SP}年"
_FY_RE = re.compile(
    rf"{_ERA_YEAR}{_SP}度|(?<![0-9０-９])(?P<western>[0-9０-９]{{4}}){_SP}年{_SP}度"
    rf"|(?<![A-Za-z])FY{_SP}(?P<fy>[0-9０-９]{{4}})(?![0-9０-９])"
)
_DAY_TAIL = rf"(?:(?P<day>{_NUM}){_SP}日|(?P<end>末))?"
_DATE_RE = re.compile(
    rf"(?:{_ERA_YEAR}|(?<![0-9０-９])(?P<western>[0-9０-９]{{4}}){_SP}年)"
    rf"{_SP}(?P<month>{_NUM}){_SP}月{_SP}{_DAY_TAIL}"
)


def _to_int(digits: str) -> int:
    return int(digits.translate(_DIGITS))


def era_year_to_western(era: str, n: int | str) -> int:
    """Western year of year ``n`` of ``era`` (令和/平成/昭和/大正/明治 or R/H/S/T/M).

    ``n`` may be an int, a digit string (full-width allowed) or 元 (= 1).
    Raises ``ValueError`` naming the value for an unknown era or a year below 1.
    """
    info = _BY_KEY.get(era.strip().translate(_WIDTH))
    if info is None:
        raise ValueError(f"unknown era {era!r}: expected one of {', '.join(e.name for e in ERAS)}")
    if isinstance(n, str):
        text = n.strip()
        if text == "元":
            year = 1
        elif text and text.translate(_DIGITS).isascii() and text.translate(_DIGITS).isdigit():
            year = _to_int(text)
        else:
            raise ValueError(f"cannot read {n!r} as an era year (digits or 元)")
    else:
        year = n
    if year < 1:
        raise ValueError(f"era year must be 1 or more, got {n!r}")
    return info.offset + year


def _year_of(m: re.Match[str]) -> int:
    """Western year from a match of a pattern holding either (era, n) or western groups."""
    if m.group("western"):
        return _to_int(m.group("western"))
    return era_year_to_western(m.group("era"), m.group("n"))


def parse_fiscal_year(text: str) -> int | None:
    """The first fiscal year named in ``text``: 「令和5年度」→2023, 「R5年度」→2023, 「2023年度」→2023.

    A bare 「令和5年」 is a calendar year, not a 年度, and gives ``None``.
    """
    m = _FY_RE.search(text.translate(_WIDTH))
    if m is None:
        return None
    if m.group("fy"):
        return _to_int(m.group("fy"))
    return _year_of(m)


def without_fiscal_years(text: str) -> str:
    """``text`` with every fiscal year it names removed: what stays the same in the title of a
    yearly report series (「…推進計画 令和6年度実績報告」 -> 「…推進計画 実績報告」)."""
    return _FY_RE.sub("", text.translate(_WIDTH))


def parse_era_date(text: str) -> date | None:
    """The first date named in ``text``: 「令和6年3月末」→2024-03-31, 「令和6年4月1日」→2024-04-01.

    「…月末」 is the month's last day; a month without a day (「令和8年1月」) is taken as
    the first of that month. Impossible dates (「2月30日」) give ``None``.
    """
    m = _DATE_RE.search(text.translate(_WIDTH))
    if m is None:
        return None
    year, month = _year_of(m), _to_int(m.group("month"))
    if not 1 <= month <= 12:
        return None
    if m.group("end"):
        day = calendar.monthrange(year, month)[1]
    elif m.group("day"):
        day = _to_int(m.group("day"))
    else:
        day = 1
    try:
        return date(year, month, day)
    except ValueError:
        return None


def fiscal_year_of(d: date) -> int:
    """The Japanese fiscal year (April–March) that ``d`` falls in: 2024-03-31 → 2023."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_label(fy: int) -> str:
    """The 和暦 name of Western fiscal year ``fy``: 2023 -> 令和5年度, 2019 -> 令和元年度.

    The era is the one in force during most of the year (2019 is 令和元年度, as the government
    renamed 平成31年度 after 1 May 2019). Raises ``ValueError`` before 明治.
    """
    era = next((e for e in ERAS if e.start.year <= fy), None)
    if era is None:
        raise ValueError(f"fiscal year {fy!r} lies before 明治; no era name for it")
    n = fy - era.offset
    return f"{era.name}{'元' if n == 1 else n}年度"
