"""Era and fiscal-year conversion (facts in ../shared/CONVENTIONS.md)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxextract.text.era import era_year_to_western, fiscal_year_of, parse_era_date, parse_fiscal_year


@pytest.mark.parametrize(
    ("era", "n", "year"),
    [
        ("令和", 1, 2019), ("令和", "元", 2019), ("令和", 5, 2023), ("令和", "５", 2023),
        ("R", 6, 2024), ("r", "6", 2024), ("平成", 31, 2019), ("平成", "元", 1989),
        ("H", 30, 2018), ("昭和", 64, 1989), ("昭和", 1, 1926), ("S", 50, 1975),
    ],
)
def test_era_year_to_western(era: str, n: int | str, year: int) -> None:
    assert era_year_to_western(era, n) == year


@pytest.mark.parametrize(("era", "n", "match"), [
    ("天平", 1, "unknown era '天平'"),
    ("令和", 0, "1 or more"),
    ("令和", "①", "cannot read '①'"),
])
def test_era_year_to_western_rejects(era: str, n: int | str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        era_year_to_western(era, n)


@pytest.mark.parametrize(
    ("text", "fy"),
    [
        ("令和5年度", 2023), ("令和５年度実績報告", 2023), ("R5年度", 2023), ("Ｒ６年度", 2024),
        ("2023年度", 2023), ("２０２４年度", 2024), ("令和元年度", 2019), ("平成30年度", 2018),
        ("令和 6 年度", 2024), ("FY2025", 2025), ("第2次計画 令和5年度～令和7年度", 2023),
        ("令和5年", None), ("5年度", None), ("①", None), ("", None), ("HR5年度", None),
    ],
)
def test_parse_fiscal_year(text: str, fy: int | None) -> None:
    assert parse_fiscal_year(text) == fy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和6年3月末", date(2024, 3, 31)), ("令和6年4月1日", date(2024, 4, 1)),
        ("令和６年２月末", date(2024, 2, 29)), ("令和5年2月末", date(2023, 2, 28)),
        ("令和8年1月", date(2026, 1, 1)), ("申請率81.7%（令和7年3月末）", date(2025, 3, 31)),
        ("平成31年4月30日", date(2019, 4, 30)), ("令和元年5月1日", date(2019, 5, 1)),
        ("2024年3月31日", date(2024, 3, 31)), ("R6年10月15日", date(2024, 10, 15)),
        ("令和6年2月30日", None), ("令和6年13月", None), ("令和6年度", None), ("3月末", None),
    ],
)
def test_parse_era_date(text: str, expected: date | None) -> None:
    assert parse_era_date(text) == expected


@pytest.mark.parametrize(
    ("d", "fy"),
    [(date(2024, 3, 31), 2023), (date(2024, 4, 1), 2024), (date(2023, 4, 1), 2023),
     (date(2023, 12, 31), 2023), (date(2024, 1, 1), 2023)],
)
def test_fiscal_year_of(d: date, fy: int) -> None:
    assert fiscal_year_of(d) == fy


def test_march_end_falls_in_the_named_fiscal_year() -> None:
    # 「令和6年3月末」 closes FY令和5 (2023), as the report for 令和5年度 prints it.
    end = parse_era_date("令和6年3月末")
    assert end is not None
    assert fiscal_year_of(end) == parse_fiscal_year("令和5年度")


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    parse_fiscal_year(text)
    parse_era_date(text)


@given(st.integers(min_value=1, max_value=99))
def test_reiwa_round_trip(n: int) -> None:
    assert parse_fiscal_year(f"令和{n}年度") == 2018 + n
    assert parse_fiscal_year(f"R{n}年度") == 2018 + n
