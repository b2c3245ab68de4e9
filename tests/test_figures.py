"""The figure parser: properties, a table of report-like phrases, and the two truth corpora."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import YEARS, load_truth
from dxextract.text.figures import load_vocabulary, parse_figures, text_view

# --- properties ---------------------------------------------------------------------------

_pieces = st.sampled_from(
    ["件", "人", "名", "回", "時間", "h", " h", "分", "%", "％", "倍", "以上", "約", "前年比", "延べ",
     "～", "〜", "-", "▲", "当たり", "第", "目", "令和", "R", "年度", "年", "月", "日", "末", "歳児",
     "館", "①", "(1)", "、", "。", "\n", " ", "　", ",", "，", ".", "．", "万", "/", "・", "利用率"]
)
_digits = st.text(alphabet="0123456789０１２３４５６７８９", min_size=1, max_size=7)
report_like = st.lists(st.one_of(_pieces, _digits, st.characters()), max_size=30).map("".join)


def _check_offsets(text: str) -> None:
    for f in parse_figures(text):
        assert text[f.start:f.end] == f.raw
        assert f.raw in text
        assert f.unit
        assert f.value == f.value  # not NaN


@given(st.text())
def test_never_raises_and_raw_is_in_text(text: str) -> None:
    _check_offsets(text)


@settings(max_examples=1000)
@given(report_like)
def test_report_like_text_raw_is_in_text(text: str) -> None:
    _check_offsets(text)


@given(st.text())
def test_view_keeps_offsets(text: str) -> None:
    assert len(text_view(text)) == len(text)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["件", "人", "回", "枚", "%"]))
def test_any_count_reads_back(n: int, unit: str) -> None:
    text = f"利用件数{n:,}{unit}"
    (fig,) = parse_figures(text)
    assert (fig.value, fig.unit, fig.raw) == (n, unit, f"{n:,}{unit}")
    wide = text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    (fig_w,) = parse_figures(wide)
    assert fig_w.value == n and wide[fig_w.start:fig_w.end] == fig_w.raw


# --- a table of phrases written like the reports -----------------------------------------

Expected = list[tuple[float, str, str]]

PHRASES: list[tuple[str, Expected]] = [
    # plain counts, units from the vocabulary
    ("利用回数413件", [(413, "件", "")]),
    ("転入転出総件数4,255件", [(4255, "件", "")]),
    ("46名が受講", [(46, "名", "")]),
    ("ITパスポート取得者8名", [(8, "名", "")]),
    ("協議数等 27件", [(27, "件", "")]),
    ("ローコードで内製化したアプリ 45個", [(45, "個", "")]),
    ("各帳票の1,137,674枠内にある文字", [(1137674, "枠", "")]),
    ("45,000枚の紙を削減", [(45000, "枚", "")]),
    ("市内全校(16校)に拡大する。", [(16, "校", "")]),
    ("電子図書館の貸出数(10,073冊)", [(10073, "冊", "")]),
    ("受講した講座数13,266講座", [(13266, "講座", "")]),
    ("・215事業者630契約", [(215, "事業者", ""), (630, "契約", "")]),
    ("・全職員に配布 731アカウント", [(731, "アカウント", "")]),
    ("相談利用16日間28人", [(16, "日間", ""), (28, "人", "")]),
    ("平均点19.1点（40点満点）", [(19.1, "点", ""), (40, "点", "")]),
    ("A4用紙 1,000枚", [(1000, "枚", "")]),
    ("3社と協定を締結", [(3, "社", "")]),
    ("5ヶ所に設置", [(5, "か所", "")]),
    ("2か月で処理", [(2, "か月", "")]),
    ("前年より3.5ポイント上昇", [(3.5, "ポイント", "")]),
    ("予算300万円", [(300, "万円", "")]),
    ("来場者1.2万人", [(12000, "人", "")]),
    # full-width digits and commas
    ("オンライン予約件数８，７６３件", [(8763, "件", "")]),
    ("総予約数６９，２５４件", [(69254, "件", "")]),
    ("ローコードで内製化したアプリ ５８個", [(58, "個", "")]),
    ("利用率１２．５％", [(12.5, "%", "")]),
    # percentages and rates
    ("利用率 9.7%", [(9.7, "%", "")]),
    ("・笠間スポーツコミッション 90.3%", [(90.3, "%", "")]),
    ("特に育児相談は、91.3%がオンライン", [(91.3, "%", "")]),
    ("郵便料45%を削減した。", [(45, "%", "")]),
    ("・電子納付率12.4% 5,683件/45,824件", [(12.4, "%", ""), (5683, "件", ""), (45824, "件", "")]),
    # hours: h is 時間
    ("業務時間の削減 69 h", [(69, "時間", "")]),
    ("業務時間の削減1,329h", [(1329, "時間", "")]),
    ("業務時間の削減 2,327 h", [(2327, "時間", "")]),
    ("作業時間 12 hrs", [(12, "時間", "")]),
    ("8,411時間以上", [(8411, "時間", "以上")]),
    # qualifiers
    ("畜犬関係オンラインが前年比7倍", [(7, "倍", "前年比")]),
    ("前年比1.4倍", [(1.4, "倍", "前年比")]),
    ("前年度比120%", [(120, "%", "前年度比")]),
    ("前年比▲5%", [(-5, "%", "前年比")]),
    ("約3,000人が来場", [(3000, "人", "約")]),
    ("閲覧者延べ3,588人", [(3588, "人", "延べ")]),
    ("ログイン数延べ 2,994名", [(2994, "名", "延べ")]),
    ("100件以上", [(100, "件", "以上")]),
    ("50人未満の教室", [(50, "人", "未満")]),
    ("10時間程度の研修", [(10, "時間", "程度")]),
    ("申請が100件超となった", [(100, "件", "超")]),
    ("問合せが10件増", [(10, "件", "増")]),
    ("利用が5%増加した", [(5, "%", "")]),  # 増加 is a verb here, not the qualifier 増
    # ranges: two figures, one raw
    ("通常15～25分→電子5～15分に短縮", [(15, "分", ""), (25, "分", ""), (5, "分", ""), (15, "分", "")]),
    ("所要時間15〜25分", [(15, "分", ""), (25, "分", "")]),
    ("５〜１０件", [(5, "件", ""), (10, "件", "")]),
    ("待ち時間10分～1時間", [(10, "分", ""), (1, "時間", "")]),
    # several figures in one phrase
    ("59回 317人", [(59, "回", ""), (317, "人", "")]),
    ("・企画政策課(総務省補助事業・事業者連携) 46回 176人", [(46, "回", ""), (176, "人", "")]),
    ("対象者500人中371人がテストに同意", [(500, "人", ""), (371, "人", "")]),
    ("職員933名中24名が攻撃メールを閲覧した。", [(933, "名", ""), (24, "名", "")]),
    # rates: the denominator is not a figure
    ("・1件当たり5分削減", [(5, "分", "")]),
    ("1回当たり20分の削減", [(20, "分", "")]),
    ("・オンライン予約件数2,802件 総予約数11,473件 1件当たり10分削減",
     [(2802, "件", ""), (11473, "件", ""), (10, "分", "")]),
    ("・業務時間の削減 1,329h (12分の削減を想定)", [(1329, "時間", ""), (12, "分", "")]),
    # numbers that are NOT figures
    ("令和6年度から全職員にアカウントを配布する。", []),
    ("令和８年１月の標準準拠システム移行を目指す。", []),
    ("令和6年5月から全校でシステム運用を開始する。", []),
    ("・申請率81.7%（令和6年3月末）", [(81.7, "%", "")]),
    ("・令和5年度閲覧者延べ3,588人 ページ訪問回数6,981回", [(3588, "人", "延べ"), (6981, "回", "")]),
    ("R5年度実績 45件", [(45, "件", "")]),
    ("2024年3月31日時点", []),
    ("4月1日から受付", []),
    ("毎月1日に更新", []),
    ("9時30分から開始", []),
    ("10:00～12:00", []),
    ("①オンライン申請の拡充", []),
    ("(1) 主な実施状況", []),
    ("⑴ 研修 2回", [(2, "回", "")]),
    ("かさママサロンや2歳児キッズクラス", []),
    ("(健康医療政策課・こども政策課・公民館3館)", []),
    ("■キャッシュレス決済の活用 (市民課外3課)", []),
    ("第2回会議", []),
    ("3回目の開催", []),
    ("3分の1を削減", []),
    ("1/2の経費", []),
    ("二次元コード、2次元コード", []),
    ("5分野で実施", []),
    ("電話 0296-77-1101", []),
    ("AI-OCRの活用", []),
    ("Windows 11 端末", []),
    ("第2次デジタル・トランスフォーメーション（DX）推進計画", []),
]


def test_table_has_enough_phrases() -> None:
    assert len(PHRASES) >= 60


@pytest.mark.parametrize(("text", "expected"), PHRASES, ids=[p[0] for p in PHRASES])
def test_phrase(text: str, expected: Expected) -> None:
    got = [(f.value, f.unit, f.qualifier) for f in parse_figures(text)]
    assert got == [(float(v), u, q) for v, u, q in expected]


# --- raw, labels and range details ----------------------------------------------------------


def test_range_shares_raw_and_labels_lower_upper() -> None:
    text = "転入転出手続き時間 通常15～25分→電子5～15分に短縮"
    figs = parse_figures(text)
    assert [f.raw for f in figs] == ["15～25分", "15～25分", "5～15分", "5～15分"]
    assert [f.label for f in figs] == ["通常(下限)", "通常(上限)", "電子(下限)", "電子(上限)"]
    assert figs[0].start == figs[1].start and text[figs[0].start:figs[0].end] == "15～25分"


def test_hours_keep_raw_and_write_unit() -> None:
    (fig,) = parse_figures("業務時間の削減 69 h")
    assert (fig.unit, fig.raw, fig.label) == ("時間", "69 h", "業務時間の削減")


def test_qualifier_is_inside_raw() -> None:
    (fig,) = parse_figures("畜犬関係オンラインが前年比7倍")
    assert (fig.raw, fig.qualifier, fig.label) == ("前年比7倍", "前年比", "畜犬関係オンライン")
    (fig,) = parse_figures("8,411時間以上")
    assert fig.raw == "8,411時間以上"


def test_full_width_raw_is_as_printed() -> None:
    (fig,) = parse_figures("電子図書館の貸出数(１１，９４２冊)")
    assert (fig.value, fig.raw, fig.label) == (11942, "１１，９４２冊", "電子図書館の貸出数")


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("・オンライン予約件数354件 総予約数680件 1件当たり5分削減",
         ["オンライン予約件数", "総予約数", "1件当たり削減時間"]),
        ("平均点19.1点（40点満点）", ["平均点", "満点"]),
        ("正しい対応をした職員の割合97.4%", ["正しい対応をした職員の割合"]),
        ("・令和5年度閲覧者延べ3,588人", ["閲覧者"]),
        ("・ユードミー学習講座(受講者39人 受講した講座数13,266講座)", ["受講者", "受講した講座数"]),
        ("・住民異動申請に利用した。1,639件", ["住民異動申請"]),
        ("相談利用16日間28人", ["相談利用", "相談利用"]),
        ("14,769回視聴", ["視聴"]),
    ],
)
def test_labels(text: str, labels: list[str]) -> None:
    assert [f.label for f in parse_figures(text)] == labels


def test_vocabulary_is_data() -> None:
    voc = load_vocabulary()
    assert voc.canonical["h"] == "時間" and voc.canonical["％"] == "%"
    assert {"件", "人", "名", "回", "分", "%", "講座", "アカウント", "日間"} <= set(voc.canonical.values())
    assert "以上" in voc.suffix_qualifiers and "前年比" in voc.prefix_qualifiers
    assert voc.non_figure  # the era/date/numbering patterns were loaded and compiled


# --- the corpus: both years' truth -------------------------------------------------------------


def _rows(truth: dict[str, Any]) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    rows = [(f"KPI {k['no']}", [k["text"]], k["figures"]) for k in truth["kpis"]]
    rows += [
        (f"S{i['strategy_no']}({i['measure_no']}) seq {i['seq']}",
         [i["activity"], i["result"], i["next_plan"]], i["figures"])
        for i in truth["initiatives"]
    ]
    return rows


@pytest.mark.parametrize("name", YEARS)
def test_corpus_f1(name: str) -> None:
    truth = load_truth(name)
    tp = fp = fn = 0
    misses: list[str] = []
    for row, texts, figures in _rows(truth):
        got = Counter((f.value, f.unit) for text in texts for f in parse_figures(text))
        want = Counter((float(f["value"]), f["unit"]) for f in figures)
        tp += sum((got & want).values())
        fp += sum((got - want).values())
        fn += sum((want - got).values())
        if got != want:
            misses.append(f"{row}: extra {dict(got - want)} missing {dict(want - got)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{name}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f} ({tp + fn} figures)")
    assert tp + fn > 100  # the corpus was read, not skipped row by row
    assert f1 >= 0.98, f"{name}: P={precision:.4f} R={recall:.4f} F1={f1:.4f}\n" + "\n".join(misses)
