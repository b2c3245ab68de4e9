"""Text normalizer, status folding, mixed scripts and (cid:N) detection."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxextract.errors import GarbledTextError
from dxextract.text.normalize import (
    STATUS_CODES,
    check_cid,
    fold_lookalike_letters,
    fold_status,
    mixed_script_words,
    normalize_text,
    radical_table,
)

MEANINGFUL = [chr(c) for c in range(0x2460, 0x2474)] + list("⑴⑵⒇○▲△×—")

# Text that looks like the reports' cells, so hypothesis explores the characters that matter.
_interesting = st.sampled_from(
    MEANINGFUL
    + list("０１２３４５６７８９，．％：ＡＺａｚ　（）「」、。・～〜∼－−―ー‐\r\n\t\u200b\ufeff\x00")
    + list("⽤⻑⾒⼈⽇⻄⻘⻝ﾃﾞｼﾞﾀﾙｶﾞﾟﾞ㈱㍻㋿㈠㉑ⅠⅡ﨑神\u3099\u309a\ufe00\U000e0100")
    + list("デジタルデバイドй用長見件人%15")
)
report_like = st.lists(st.one_of(_interesting, st.characters()), max_size=40).map("".join)


@given(st.text())
def test_never_raises_and_is_idempotent_on_any_text(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once


@settings(max_examples=500)
@given(report_like)
def test_idempotent_on_report_like_text(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once


@given(st.lists(st.one_of(st.sampled_from(MEANINGFUL), st.sampled_from(list("件人テスト 計画"))),
                max_size=30).map("".join))
def test_meaning_bearing_symbols_survive(s: str) -> None:
    out = normalize_text(s)
    for symbol in MEANINGFUL:
        assert out.count(symbol) == s.count(symbol)


@given(st.text())
def test_newlines_are_kept(s: str) -> None:
    expected = s.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    assert normalize_text(s).count("\n") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("８，７６３件", "8,763件"),
        ("１２．５％", "12.5%"),
        ("ＩＴパスポート", "ITパスポート"),
        ("利用率：５０％", "利用率:50%"),
        ("全角\u3000空白", "全角 空白"),
        ("（市民課）", "（市民課）"),  # full-width parentheses are Japanese punctuation here
        ("「こども支援情報共有システム」、運用。", "「こども支援情報共有システム」、運用。"),
        ("15〜25分", "15～25分"),
        ("15～25分", "15～25分"),
        ("15∼25分", "15～25分"),
        ("前年比−5%", "前年比-5%"),
        ("－", "-"),
        ("―", "—"),
        ("オンライン", "オンライン"),  # never halve kana
        ("ﾃﾞｼﾞﾀﾙ", "デジタル"),  # half-width kana widened, voiced marks composed
        ("か\u3099", "が"),
        ("①②⑳⑴㈠", "①②⑳⑴㈠"),
        ("○▲△×—", "○▲△×—"),
        ("㈱笠間", "(株)笠間"),
        ("㍻31年", "平成31年"),
        ("㋿6年", "令和6年"),
        ("A\u200bB\ufeffC\x00D\u00adE", "ABCDE"),
        ("一行目\r\n二行目\r三行目\n", "一行目\n二行目\n三行目\n"),
        ("二  つ", "二  つ"),  # spaces are not collapsed
        ("神\ufe00", "神"),  # variation selector dropped
        ("\uf9dc", "\u9686"),  # CJK compatibility ideograph 隆 -> unified 隆
        ("﨑", "﨑"),  # U+FA11 is a unified ideograph, not a compatibility one: kept
    ],
)
def test_examples(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


# --- radicals ---------------------------------------------------------------------------


def test_radical_table_is_unicode_data_not_a_hand_list() -> None:
    table = radical_table()
    supplement = [c for c in table if 0x2E80 <= ord(c) <= 0x2EFF]
    kangxi = [c for c in table if 0x2F00 <= ord(c) <= 0x2FD5]
    assert len(kangxi) == 214  # every Kangxi radical has an equivalent
    assert len(supplement) > 100  # 114 of the 115 assigned supplement radicals in UCD 14
    assert table["\u2ed1"] == "長" and table["\u2f64"] == "用" and table["\u2f92"] == "見"


def test_kangxi_table_agrees_with_nfkc() -> None:
    # Two independent Unicode sources must agree where both speak.
    for radical, ideograph in radical_table().items():
        if 0x2F00 <= ord(radical) <= 0x2FD5:
            assert unicodedata.normalize("NFKC", radical) == ideograph


def test_radical_laden_text_normalizes_like_clean_text() -> None:
    clean = "利用者の見える化と長期計画、市長の意見"
    laden = clean.replace("用", "\u2f64").replace("長", "\u2ed1").replace("見", "\u2f92")
    assert laden != clean
    assert normalize_text(laden) == normalize_text(clean) == clean


def test_every_radical_with_an_equivalent_is_folded() -> None:
    table = radical_table()
    radicals = [c for c in map(chr, [*range(0x2E80, 0x2F00), *range(0x2F00, 0x2FD6)]) if c in table]
    laden = "".join(f"前{r}後" for r in radicals)
    clean = "".join(f"前{table[r]}後" for r in radicals)
    assert normalize_text(laden) == normalize_text(clean)
    assert not any(0x2E80 <= ord(c) <= 0x2FDF for c in normalize_text(laden))


# --- status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "symbol"),
    [
        ("○", "○"), ("〇", "○"), ("◯", "○"), (" ○\n", "○"),
        ("▲", "▲"),
        ("×", "×"), ("✕", "×"), ("✖", "×"), ("x", "×"), ("X", "×"), ("Ｘ", "×"),
        ("取り下げ", "取り下げ"), ("取下げ", "取り下げ"), ("取り\n下げ", "取り下げ"),
        ("—", "—"), ("-", "—"), ("ー", "—"), ("―", "—"), ("─", "—"), ("－", "—"), ("−", "—"),
        ("", None), ("  \n", None), ("△", None), ("済", None), ("①", None),
    ],
)
def test_fold_status(cell: str, symbol: str | None) -> None:
    assert fold_status(cell) == symbol


def test_status_codes_cover_the_folded_vocabulary() -> None:
    assert STATUS_CODES == {"○": "in_progress", "▲": "delayed", "×": "not_achieved",
                            "取り下げ": "withdrawn", "—": "not_evaluated"}


@given(st.text())
def test_fold_status_answers_in_vocabulary(s: str) -> None:
    assert fold_status(s) in {*STATUS_CODES, None}


# --- mixed scripts, look-alikes, cid ------------------------------------------------------


def test_mixed_script_words() -> None:
    text = "デジタルデバйд対策を進めた。β版の運用、Micrоsoft 365、デジタルデバイド対策"
    assert mixed_script_words(text) == ["デジタルデバйд", "Micrоsoft"]
    assert mixed_script_words("対策дを進めた") == ["対策дを進めた"]
    assert mixed_script_words("ITパスポートの合格者") == []


def test_fold_lookalike_letters() -> None:
    assert fold_lookalike_letters("Micrоsoft Еxcel") == "Microsoft Excel"
    assert fold_lookalike_letters("デジタルデバйд") == "デジタルデバйд"


def test_check_cid_names_the_place() -> None:
    check_cid("ふつうの文字", "page 2")
    with pytest.raises(GarbledTextError, match=r"page 3, table t02, r1c4: .*\(cid:12\).*--ocr"):
        check_cid("申請(cid:12)(cid:40)", "page 3, table t02, r1c4")
