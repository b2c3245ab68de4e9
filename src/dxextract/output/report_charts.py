"""Charts of the auditor's report as inline SVG, drawn here so the report works offline.

Public entry points: :func:`status_counts` (status items -> counts per 基本戦略, year and
symbol), :func:`status_chart` and :func:`kpi_chart` (frames -> an ``<svg>`` string). Every
drawn mark carries its numbers in ``data-*`` attributes (``data-strategy``, ``data-fy``,
``data-status``, ``data-count``; ``data-kpi-no``, ``data-unit``, ``data-old``, ``data-new``),
so a test (or an auditor's script) reads what the picture shows without reading pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd

from dxextract.errors import SettingsError

#: the status vocabulary in the order bars are stacked (CONTRACT.md), with its colours
STATUS_ORDER = ("○", "▲", "×", "取り下げ", "—")
STATUS_COLOURS = {"○": "#2e7d32", "▲": "#f9a825", "×": "#c62828", "取り下げ": "#616161", "—": "#cfd8dc"}
STATUS_WORDS = {"○": "進行中", "▲": "遅れ", "×": "未達成", "取り下げ": "取り下げ", "—": "未評価"}
#: fills too light for a white count on them
LIGHT = frozenset({"—"})
OLD_COLOUR, NEW_COLOUR = "#90a4ae", "#1565c0"


@dataclass(frozen=True)
class ChartSettings:
    """Sizes of the charts, in CSS pixels."""

    #: whole chart width; the report's column is 1100 px wide
    width: int = 1060
    #: room for the label left of the bars: 「基本戦略4 デジタル社会の基盤づくり… 2023年度」, 26
    #: characters at 12 px
    label_width: int = 340
    #: height of one bar, and the gap below it
    bar: int = 18
    gap: int = 6
    #: a count is written inside its segment only when the segment is at least this wide
    min_text_width: int = 22

    def __post_init__(self) -> None:
        for key in ("width", "label_width", "bar", "min_text_width"):
            if getattr(self, key) <= 0:
                raise SettingsError(f"ChartSettings.{key}: {getattr(self, key)!r} must be > 0")
        if self.label_width >= self.width:
            raise SettingsError(f"ChartSettings.label_width: {self.label_width} must be below width {self.width}")


def status_counts(items: pd.DataFrame, own_year_only: bool) -> pd.DataFrame:
    """Plan items per (基本戦略, fiscal year, symbol): every year column of the matrix, or
    (``own_year_only``) each report's status for its own year."""
    if own_year_only:
        items = items[items["fy"] == items["report_fy"]]
    names = items.groupby("strategy_no")["strategy"].last()
    counts = (items.groupby(["strategy_no", "fy", "status_symbol"]).size()
              .rename("count").reset_index())
    counts["strategy"] = counts["strategy_no"].map(names)
    return counts.sort_values(["strategy_no", "fy"], kind="stable").reset_index(drop=True)


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"' + (f' class="{cls}"' if cls else "")
            + f">{escape(text)}</text>")


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _legend(y: float) -> str:
    parts, x = [], 0.0
    for sym in STATUS_ORDER:
        parts.append(f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="12" height="12" fill="{STATUS_COLOURS[sym]}"/>')
        parts.append(_text(x + 16, y, sym if STATUS_WORDS[sym] == sym else f"{sym} {STATUS_WORDS[sym]}"))
        x += 110
    return "".join(parts)


def status_chart(counts: pd.DataFrame, settings: ChartSettings | None = None) -> str:
    """Stacked bars: one per (基本戦略, year), a segment per status symbol."""
    s = settings or ChartSettings()
    totals = counts.groupby(["strategy_no", "fy"])["count"].sum()
    scale = (s.width - s.label_width - 40) / max(int(totals.max()) if len(totals) else 1, 1)
    parts, y = [_legend(14)], 30.0
    for (no, fy), group in counts.groupby(["strategy_no", "fy"], sort=True):
        name = str(group["strategy"].iloc[0])
        parts.append(_text(s.label_width - 8, y + s.bar - 5, f"基本戦略{no} {_short(name, 13)} {fy}年度",
                           anchor="end"))
        x = float(s.label_width)
        by_symbol = dict(zip(group["status_symbol"], group["count"], strict=True))
        for sym in [*STATUS_ORDER, *sorted(set(by_symbol) - set(STATUS_ORDER))]:
            n = int(by_symbol.get(sym, 0))
            if not n:
                continue
            w = n * scale
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{s.bar}" '
                         f'fill="{STATUS_COLOURS.get(sym, "#8d6e63")}" data-strategy="{no}" data-fy="{fy}" '
                         f'data-status="{escape(sym)}" data-count="{n}"><title>{escape(f"{fy} {sym} {n}")}</title></rect>')
            if w >= s.min_text_width:
                parts.append(_text(x + w / 2, y + s.bar - 5, str(n), "in-dark" if sym in LIGHT else "in", "middle"))
            x += w
        parts.append(_text(x + 4, y + s.bar - 5, f"計{int(totals[(no, fy)])}"))
        y += s.bar + s.gap
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="status-chart" width="{s.width}" '
            f'height="{y + 4:.0f}" viewBox="0 0 {s.width} {y + 4:.0f}">' + "".join(parts) + "</svg>")


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):  # type: ignore[arg-type]
        return None
    return float(value)  # type: ignore[arg-type]


def plain(value: float | None) -> str:
    """A figure as printed in tables: no trailing .0, thousands separated."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def _change(old: float | None, new: float | None) -> str:
    if old is None or new is None:
        return ""
    delta = new - old
    rate = f" ({delta / old:+.1%})" if old else ""
    return ("+" if delta > 0 else "") + plain(delta) + rate


def kpi_chart(yoy_kpis: pd.DataFrame, fy_old: int, fy_new: int, settings: ChartSettings | None = None) -> str:
    """Per KPI figure two bars, old and new year, scaled to the larger of the two (the units
    differ between KPIs, so no common axis), with the change written beside them."""
    s = settings or ChartSettings()
    room = s.width - s.label_width - 190
    parts = [f'<rect x="0" y="3" width="12" height="12" fill="{OLD_COLOUR}"/>', _text(16, 14, f"{fy_old}年度"),
             f'<rect x="90" y="3" width="12" height="12" fill="{NEW_COLOUR}"/>', _text(106, 14, f"{fy_new}年度")]
    y = 26.0
    for row in yoy_kpis.itertuples(index=False):
        old, new = _number(row.value_old), _number(row.value_new)
        if old is None and new is None:
            continue
        unit = "" if pd.isna(row.unit) else str(row.unit)
        label = str(row.label_new if not pd.isna(row.label_new) else row.label_old)
        top = max(abs(old or 0), abs(new or 0)) or 1.0
        parts.append(f'<g class="kpi" data-kpi-no="{int(row.kpi_no)}" data-unit="{escape(unit)}" '
                     f'data-old="{"" if old is None else repr(old)}" data-new="{"" if new is None else repr(new)}">')
        parts.append(_text(s.label_width - 8, y + s.bar + 2, f"{int(row.kpi_no)}. {_short(label, 20)}（{unit}）",
                           anchor="end"))
        for k, (value, colour) in enumerate(((old, OLD_COLOUR), (new, NEW_COLOUR))):
            w = room * abs(value) / top if value is not None else 0
            yy = y + k * (s.bar / 2 + 3)
            parts.append(f'<rect x="{s.label_width}" y="{yy:.1f}" width="{w:.1f}" height="{s.bar / 2 + 2:.0f}" '
                         f'fill="{colour}"/>')
            parts.append(_text(s.label_width + w + 4, yy + s.bar / 2, plain(value), "small"))
        parts.append(_text(s.width - 4, y + s.bar + 2, _change(old, new), "delta", "end"))
        parts.append("</g>")
        y += s.bar + 3 + s.gap + 6
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="kpi-chart" width="{s.width}" '
            f'height="{y + 4:.0f}" viewBox="0 0 {s.width} {y + 4:.0f}">' + "".join(parts) + "</svg>")
