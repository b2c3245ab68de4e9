"""Stage — report: ingest folders -> one self-contained, offline HTML page for an auditor.

Public entry points: :func:`load_year` (an ingest folder, its frames and its verified source
PDF) and :func:`build_report` (one year, or two years compared -> the HTML text). Nothing is
fetched at view time: crops and page images are base64 PNGs rendered here with pypdfium2,
charts are inline SVG (:mod:`~dxextract.output.report_charts`), the style names local Japanese fonts
(Noto Sans CJK JP, IPAexGothic, VL Gothic), there is no script.

Coordinates are dxextract's everywhere: PDF points, top-left origin of the unrotated page.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from dxextract import __version__
from dxextract.errors import InputError, SettingsError
from dxextract.model import BBox
from dxextract.output.compare import compare_frames, read_output
from dxextract.output.emit import sha256_file
from dxextract.output.report_charts import (
    STATUS_ORDER,
    ChartSettings,
    kpi_chart,
    plain,
    status_chart,
    status_counts,
)

#: what the report reads from an ingest folder
REPORT_INPUTS = ("status_items.csv", "kpis.csv", "figures.csv", "audit.csv", "tables.csv", "initiatives.csv")
#: marks a file as a report of this tool: only such a file is replaced without --force
GENERATOR = "dxextract report"
#: local Japanese fonts, most likely first (fonts-noto-cjk, fonts-ipaexfont, fonts-vlgothic)
JAPANESE_FONTS = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "VL Gothic")


@dataclass(frozen=True)
class ReportSettings:
    """How the report renders the PDF."""

    #: crops at 144 dpi: the digits of a 9-pt figure stay legible
    crop_scale: float = 2.0
    #: page views at 90 dpi: a 9-page report adds about 1 MB
    page_scale: float = 1.25
    #: points of page kept around the cited row in a crop
    crop_margin: float = 14.0
    charts: ChartSettings = field(default_factory=ChartSettings)

    def __post_init__(self) -> None:
        for key in ("crop_scale", "page_scale"):
            if not getattr(self, key) > 0:
                raise SettingsError(f"ReportSettings.{key}: {getattr(self, key)!r} must be > 0")
        if self.crop_margin < 0:
            raise SettingsError(f"ReportSettings.crop_margin: {self.crop_margin!r} must be >= 0")


@dataclass(frozen=True)
class Year:
    """One ingest folder with what the report needs: manifest, frames, the source PDF."""

    folder: Path
    manifest: dict[str, Any]
    frames: dict[str, pd.DataFrame]
    pdf: Path

    @property
    def fy(self) -> int:
        return int(self.manifest.get("report_fy") or 0)


def find_source(folder: Path, manifest: dict[str, Any], pdf: Path | None, search: Sequence[Path]) -> Path:
    """The PDF the folder was read from: ``pdf`` if given, else a file under ``search`` with
    the manifest's sha256 (its own name tried first). A different file would put every crop in
    the wrong place, so the sha256 must match."""
    want = str(manifest.get("sha256", ""))
    if pdf is not None:
        if sha256_file(pdf) != want:
            raise InputError(f"{pdf}: not the source of {folder} (sha256 {sha256_file(pdf)[:12]}, the manifest "
                             f"says {want[:12]}); pass the PDF that folder was read from")
        return pdf
    name = str(manifest.get("source", ""))
    for root in search:
        if not root.is_dir():
            continue
        candidates = sorted(root.rglob("*"), key=lambda p: (p.name != name, str(p)))
        for path in candidates:
            if path.suffix.lower() == ".pdf" and path.is_file() and sha256_file(path) == want:
                return path
    where = ", ".join(str(r) for r in search) or "nowhere"
    raise InputError(f"{folder}: its source {name} (sha256 {want[:12]}) is not under {where}; "
                     "pass --pdf PATH (or --raw FOLDER) so the report can show the cited cells")


def load_year(folder: Path, pdf: Path | None = None, search: Sequence[Path] = (Path("raw"),)) -> Year:
    """An ingest folder as a :class:`Year` (its source PDF found and verified)."""
    frames = read_output(folder, REPORT_INPUTS)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    validation = folder / "validation.csv"
    if validation.is_file():
        frames["validation.csv"] = pd.read_csv(validation, dtype=str)
    return Year(folder, manifest, frames, find_source(folder, manifest, pdf, search))


class _Pages:
    """Page images of one PDF (rendered once per scale) and where a text sits on a page."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.images: dict[tuple[int, float], Any] = {}

    def image(self, number: int, scale: float) -> Any:
        if (number, scale) not in self.images:
            page = self.doc[number - 1]
            try:
                page.set_rotation(0)  # dxextract's coordinates are those of the unrotated page
                self.images[(number, scale)] = page.render(scale=scale).to_pil().convert("RGB")
            finally:
                page.close()
        return self.images[(number, scale)]

    def size(self, number: int) -> tuple[float, float]:
        width, height = self.doc.get_page_size(number - 1)
        return float(width), float(height)

    def find(self, number: int, texts: Sequence[str], inside: BBox) -> list[BBox]:
        """The character boxes of the first of ``texts`` printed inside ``inside``."""
        page = self.doc[number - 1]
        try:
            height = page.get_size()[1]
            textpage = page.get_textpage()
            for text in texts:
                search = textpage.search(text, match_case=True)
                while (hit := search.get_next()) is not None:
                    start, count = hit
                    boxes = [textpage.get_charbox(k) for k in range(start, start + count)]
                    found = [BBox(b[0], height - b[3], b[2], height - b[1]) for b in boxes]
                    if found and all(_inside(b, inside) for b in found):
                        return found
        finally:
            page.close()
        return []


def _inside(box: BBox, outer: BBox, slack: float = 1.0) -> bool:
    return (box.x0 >= outer.x0 - slack and box.x1 <= outer.x1 + slack
            and box.top >= outer.top - slack and box.bottom <= outer.bottom + slack)


@contextmanager
def _opened(pdf: Path) -> Iterator[_Pages]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        yield _Pages(doc)
    finally:
        doc.close()


def _png(image: Any) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


@dataclass(frozen=True)
class Citation:
    """Where an audit finding's figure was printed: its page, its cell, the table row around it
    and the texts that may spell the figure in the page's text layer."""

    page: int
    cell: BBox | None
    row: BBox | None
    texts: tuple[str, ...]


def _box(row: Any) -> BBox | None:
    values = [getattr(row, k, None) for k in ("x0", "top", "x1", "bottom")]
    if any(v is None or pd.isna(v) for v in values):
        return None
    return BBox(*(float(v) for v in values))  # type: ignore[arg-type]


def _spellings(raw: object) -> tuple[str, ...]:
    """The printed figure, without its spaces, and its leading number (「2,682 h」 is 「2,682」 then)."""

    text = "" if raw is None or pd.isna(raw) else str(raw)  # type: ignore[arg-type]
    number = re.match(r"[0-9０-９][0-9０-９,，.．]*", text.strip())
    return tuple(dict.fromkeys(t for t in (text, text.replace(" ", ""), number.group() if number else "") if t))


def _row_box(tables: pd.DataFrame, table_id: object, r: object) -> BBox | None:
    """The extent of one table row's own cells (a merged cell spanning other rows left out)."""
    cells = tables[(tables.table_id == table_id) & (tables.r == r) & (tables.rowspan == 1)]
    boxes = [b for b in (_box(c) for c in cells.itertuples(index=False)) if b is not None]
    if not boxes:
        return None
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


def cite(year: Year, finding: Any) -> Citation:
    """The cell an audit finding cites: its figure in figures.csv (by row and raw text, then by
    value), else the KPI, else the page alone."""
    figures, tables = year.frames["figures.csv"], year.frames["tables.csv"]
    page = int(finding.page) if pd.notna(finding.page) else 1
    texts = _spellings(getattr(finding, "raw", None))
    same_row = figures[(figures.strategy_no == finding.strategy_no) & (figures.measure_no == finding.measure_no)
                       & (figures.seq == finding.seq)]
    hit = same_row[same_row.raw == getattr(finding, "raw", None)]
    if hit.empty:
        hit = same_row[same_row.value == finding.printed]
    if not hit.empty:
        fig = hit.iloc[0]
        cell = _box(fig)
        return Citation(int(fig["page"]), cell, _row_box(tables, fig["table_id"], fig["r"]) or cell, texts)
    kpis = year.frames["kpis.csv"]
    kpi_no = getattr(finding, "kpi_no", None)
    kpi = kpis[kpis.kpi_no == kpi_no] if kpi_no is not None and pd.notna(kpi_no) else kpis.iloc[0:0]
    if not kpi.empty:
        cell = _box(kpi.iloc[0])
        return Citation(int(kpi.iloc[0]["page"]), cell, cell, texts)
    return Citation(page, None, None, texts)


def crop(pages: _Pages, citation: Citation, settings: ReportSettings) -> Any:
    """The page around the cited row; the cell outlined orange, the figure's characters boxed red."""
    from PIL import ImageDraw

    k = settings.crop_scale
    image = pages.image(citation.page, k).copy()
    if citation.row is None or citation.cell is None:
        return image
    m = settings.crop_margin
    area = citation.row.union(citation.cell)
    left, top = max(area.x0 - m, 0) * k, max(area.top - m, 0) * k
    right, bottom = min((area.x1 + m) * k, image.width), min((area.bottom + m) * k, image.height)
    draw = ImageDraw.Draw(image, "RGBA")
    c = citation.cell
    draw.rectangle((c.x0 * k, c.top * k, c.x1 * k, c.bottom * k), outline=(245, 124, 0, 255), width=3)
    found = pages.find(citation.page, citation.texts, c)
    if found:
        f = found[0]
        for b in found[1:]:
            f = f.union(b)
        draw.rectangle(((f.x0 - 2) * k, (f.top - 2) * k, (f.x1 + 2) * k, (f.bottom + 2) * k),
                       fill=(255, 235, 59, 90), outline=(211, 47, 47, 255), width=3)
    return image.crop((int(left), int(top), int(right), int(bottom)))


def _e(value: object) -> str:
    """A value as escaped HTML text; missing values empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, float):
        return escape(plain(value))
    return escape(str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """An HTML table; ``rows`` hold HTML already escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _page_link(fy: int, page: object, target: str | None = None) -> str:
    if page is None or pd.isna(page):  # type: ignore[arg-type]
        return ""
    n = int(page)  # type: ignore[call-overload]
    return f'<a href="#{target or f"page-{fy}-{n}"}">{fy} p.{n}</a>'


def _audit_section(years: Sequence[Year], pages: dict[int, _Pages], settings: ReportSettings) -> str:
    parts = ["<h2 id=\"audit\">監査所見 Audit findings</h2>"]
    for y in years:
        audit = y.frames["audit.csv"]
        parts.append(f"<h3>{y.fy}年度: {len(audit)} finding(s) "
                     f"({int((audit['severity'] == 'error').sum()) if len(audit) else 0} error)</h3>")
        if audit.empty:
            parts.append("<p>No arithmetic finding: every checked figure agrees with its components.</p>")
        for finding in audit.itertuples(index=False):
            where = cite(y, finding)
            image = _png(crop(pages[y.fy], where, settings))
            parts.append(
                f'<section class="finding {_e(finding.severity)}" data-fy="{y.fy}" data-check="{_e(finding.check)}" '
                f'data-severity="{_e(finding.severity)}" data-page="{where.page}">'
                f'<h4><span class="badge">{_e(finding.severity)}</span> {_e(finding.check)}: '
                f"printed {_e(finding.printed)}, expected {_e(finding.expected)} — "
                f"{_page_link(y.fy, where.page)}</h4><p>{_e(finding.message)}</p>"
                f'<img class="crop" data-fy="{y.fy}" data-page="{where.page}" alt="page {where.page}, the cited cell" '
                f'src="data:image/png;base64,{image}"></section>')
    return "".join(parts)


def _validation_section(years: Sequence[Year]) -> str:
    rows = []
    for y in years:
        v = y.manifest.get("validation", {})
        rows.append([str(y.fy), _e(y.manifest.get("source")), "yes" if v.get("ran") else "no",
                     _e(v.get("expectations")), _e(v.get("failed")), _e(y.manifest.get("validation_failures")),
                     _e(len(y.manifest.get("warnings", []))),
                     _e(", ".join(map(str, y.manifest.get("pages_damaged", []))) or "none")])
    parts = ["<h2 id=\"validation\">検証 Validation</h2>",
             _table(["年度", "source", "ran", "expectations", "failed", "failing rows", "warnings", "damaged pages"],
                    rows, "validation")]
    for y in years:
        for w in y.manifest.get("warnings", [])[:50]:
            parts.append(f"<p class=\"warning\">{y.fy}: {_e(w.get('message') if isinstance(w, dict) else w)}</p>")
        failures = y.frames.get("validation.csv")
        if failures is not None and len(failures):
            parts.append(f"<h3>{y.fy}年度: failed expectations</h3>")
            parts.append(_table(list(failures.columns), [[_e(v) for v in r] for r in
                                                         failures.head(200).itertuples(index=False)]))
    return "".join(parts)


def _status_section(years: Sequence[Year], settings: ReportSettings) -> str:
    """Counts per 基本戦略 and year: each report's own year (two years), or every year column
    of the one report's matrix."""
    items = [y.frames["status_items.csv"] for y in years]
    counts = status_counts(pd.concat(items, ignore_index=True), own_year_only=len(years) > 1)
    table = counts.pivot_table(index=["strategy_no", "fy"], columns="status_symbol", values="count",
                               fill_value=0, aggfunc="sum")
    symbols = [s for s in STATUS_ORDER if s in table.columns] + sorted(set(table.columns) - set(STATUS_ORDER))
    rows = [[_e(f"基本戦略{no}"), _e(fy), *[_e(int(table.loc[(no, fy), s])) for s in symbols]]
            for no, fy in table.index]
    note = ("each report's status for its own year" if len(years) > 1
            else "every year column of the status matrix (— : not yet evaluated)")
    return ("<h2 id=\"status\">基本戦略別の実施状況 Status per strategy</h2>"
            f"<p>Plan items per 基本戦略 and 年度: {escape(note)}.</p>"
            + status_chart(counts, settings.charts)
            + _table(["基本戦略", "年度", *symbols], rows, "counts"))


def _figure_link(fy: int, row: Any, target: str) -> str:
    """A link to the figure's cell on its page image; to the page when no cell is known."""
    return _page_link(fy, row.page, target if _box(row) is not None else None)


def _kpi_rows(y: Year) -> list[list[str]]:
    return [[_e(int(k.kpi_no)), _e(k.label), _e(k.value), _e(k.unit), _e(k.qualifier), _e(k.raw)[:80],
             _figure_link(y.fy, k, f"fig-{y.fy}-k{i}")]
            for i, k in enumerate(y.frames["kpis.csv"].itertuples(index=False))]


def _kpi_section(years: Sequence[Year], yoy: dict[str, pd.DataFrame] | None, settings: ReportSettings) -> str:
    parts = ["<h2 id=\"kpis\">主な実施状況 KPIs</h2>"]
    if yoy is not None:
        old, new = years
        kpis = yoy["yoy_kpis.csv"]
        parts.append(f"<p>Each KPI figure in {old.fy} and {new.fy}, bars scaled to the larger of the two "
                     "(the units differ between KPIs).</p>" + kpi_chart(kpis, old.fy, new.fy, settings.charts))
        parts.append(_table(["KPI", "label", "unit", str(old.fy), str(new.fy), "delta", "pages"], [
            [_e(int(r.kpi_no)), _e(r.label_new if pd.notna(r.label_new) else r.label_old), _e(r.unit),
             _e(r.value_old), _e(r.value_new), _e(r.delta),
             f"{_page_link(old.fy, r.page_old)} {_page_link(new.fy, r.page_new)}"]
            for r in kpis.itertuples(index=False)], "kpis"))
    else:
        parts.append("<p>One year: the KPI panel as printed (changes: a report over two years, "
                     "<code>dxextract report OLD NEW</code>).</p>")
    for y in years:
        parts.append(f"<h3>{y.fy}年度</h3>" + _table(["KPI", "label", "value", "unit", "qualifier", "printed",
                                                     "page"], _kpi_rows(y), "kpis"))
    return "".join(parts)


def _yoy_section(yoy: dict[str, pd.DataFrame], old: Year, new: Year) -> str:
    status = yoy["yoy_status.csv"]
    counts = status["change"].value_counts()
    moved = status[(status.change != "unchanged") | status.reworded.astype(bool)]
    rows = [[_e(f"{r.strategy_no} {r.strategy or ''}"), _e(f"({r.measure_no}) {r.measure or ''}"),
             _e(r.item_no), _e(r.item_old), _e(r.item_new) if r.reworded or pd.isna(r.item_old) else "〃",
             f"{_e(r.status_old) or '—'} → {_e(r.status_new) or '—'}", f'<span class="{_e(r.change)}">'
             f"{_e(r.change)}{' (reworded)' if r.reworded else ''}</span>",
             f"{_page_link(old.fy, r.page_old)} {_page_link(new.fy, r.page_new)}"]
            for r in moved.itertuples(index=False)]
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return (f"<h2 id=\"yoy\">前年度からの変化 Changes {old.fy} → {new.fy}</h2>"
            f"<p>{len(status)} plan items: {escape(summary)}; reworded {int(status.reworded.astype(bool).sum())}. "
            "Items are matched within each measure by their text, so a reworded item is one item.</p>"
            + _table(["基本戦略", "施策", "No.", f"{old.fy} item", f"{new.fy} item", "status", "change", "pages"],
                     rows, "yoy"))


def _figures_section(years: Sequence[Year]) -> str:
    parts = ["<h2 id=\"figures\">数値一覧 Every figure</h2><p>Each page link shows the figure's cell on "
             "the page image below.</p>"]
    for y in years:
        fig = y.frames["figures.csv"]
        rows = [[_e(f"{f.strategy_no}-{f.measure_no}-{f.seq}"), _e(f.column), _e(f.label), _e(f.value), _e(f.unit),
                 _e(f.qualifier), _e(f.raw), _figure_link(y.fy, f, f"fig-{y.fy}-f{i}")]
                for i, f in enumerate(fig.itertuples(index=False))]
        parts.append(f"<h3>{y.fy}年度: {len(fig)} figures in the detail tables</h3>"
                     + _table(["戦略-施策-行", "column", "label", "value", "unit", "qualifier", "printed", "page"],
                              rows, "figures"))
    return "".join(parts)


def _marks(y: Year) -> dict[int, list[str]]:
    """The figure cells drawn over each page image, one ``<rect>`` per figure, named for links."""
    marks: dict[int, list[str]] = {}
    for prefix, frame in (("f", y.frames["figures.csv"]), ("k", y.frames["kpis.csv"])):
        for i, row in enumerate(frame.itertuples(index=False)):
            box = _box(row)
            if box is None or pd.isna(row.page):
                continue
            marks.setdefault(int(row.page), []).append(
                f'<rect id="fig-{y.fy}-{prefix}{i}" class="fig" x="{box.x0:.1f}" y="{box.top:.1f}" '
                f'width="{box.width:.1f}" height="{box.height:.1f}"><title>{_e(row.raw)}</title></rect>')
    return marks


def _pages_section(years: Sequence[Year], pages: dict[int, _Pages], settings: ReportSettings) -> str:
    parts = ["<h2 id=\"pages\">ページ Pages</h2>"]
    for y in years:
        marks = _marks(y)
        for n in range(1, int(y.manifest.get("pages") or 0) + 1):
            w, h = pages[y.fy].size(n)
            image = _png(pages[y.fy].image(n, settings.page_scale))
            parts.append(f'<figure class="page" id="page-{y.fy}-{n}"><figcaption>{y.fy}年度 '
                         f"{_e(y.manifest.get('source'))} p.{n}</figcaption>"
                         f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.1f} {h:.1f}">'
                         f'<image href="data:image/png;base64,{image}" width="{w:.1f}" height="{h:.1f}"/>'
                         + "".join(marks.get(n, [])) + "</svg></figure>")
    return "".join(parts)


_FONT_STACK = ", ".join(f'"{f}"' for f in JAPANESE_FONTS) + ", sans-serif"
_CSS = """
@font-face { font-family: "dxjp"; src: @LOCAL@; }
body { font-family: "dxjp", @STACK@; margin: 24px auto; max-width: 1100px; color: #212121;
       font-size: 14px; line-height: 1.5; }
svg text { font-family: "dxjp", @STACK@; font-size: 12px; fill: #212121; }
svg text.in { fill: #fff; font-weight: bold; } svg text.in-dark { fill: #37474f; font-weight: bold; } svg text.small { font-size: 11px; }
svg text.delta { font-weight: bold; }
h1 { font-size: 22px; border-bottom: 3px solid #1565c0; } h2 { margin-top: 36px; color: #0d47a1; }
nav a { margin-right: 14px; } table { border-collapse: collapse; margin: 8px 0; width: 100%; }
th, td { border: 1px solid #cfd8dc; padding: 3px 6px; vertical-align: top; font-size: 12px; }
th { background: #eceff1; } .meta td:first-child { width: 180px; background: #f5f5f5; }
.finding { border-left: 6px solid #f9a825; padding: 4px 12px; margin: 12px 0; background: #fffde7; }
.finding.error { border-color: #c62828; background: #ffebee; }
.badge { color: #fff; background: #c62828; padding: 1px 6px; border-radius: 3px; }
.finding.warning .badge { background: #f57f17; } img.crop { max-width: 100%; border: 1px solid #90a4ae; }
.improved { color: #2e7d32; } .worsened { color: #c62828; font-weight: bold; } .added { color: #1565c0; }
.page { margin: 16px 0; } .page svg { width: 100%; height: auto; border: 1px solid #b0bec5; }
rect.fig { fill: transparent; stroke: rgba(21, 101, 192, 0.25); stroke-width: 0.6; }
rect.fig:target { fill: rgba(255, 235, 59, 0.45); stroke: #d32f2f; stroke-width: 2; }
.warning { color: #e65100; } td a, td.nowrap { white-space: nowrap; }
""".replace("@LOCAL@", ", ".join(f'local("{f}")' for f in JAPANESE_FONTS)).replace("@STACK@", _FONT_STACK)


def _meta(years: Sequence[Year]) -> str:
    rows = []
    for y in years:
        m = y.manifest
        rows.append([f"{y.fy}年度", f"{_e(m.get('title'))}<br>{_e(m.get('source'))} (sha256 {_e(str(m.get('sha256'))[:16])}…, "
                     f"{_e(m.get('pages'))} pages), {_e(m.get('municipality'))} {_e(m.get('lg_code'))}, "
                     f"folder {_e(y.folder.name)}, read by dxextract {_e(m.get('version'))}"])
    return _table(["", "source"], rows, "meta")


def build_report(years: Sequence[Year], settings: ReportSettings | None = None) -> str:
    """The auditor's report of one year, or of two years compared (older first)."""
    from contextlib import ExitStack

    settings = settings or ReportSettings()
    if not 1 <= len(years) <= 2:
        raise InputError(f"report: one ingest folder, or two to compare (got {len(years)})")
    years = sorted(years, key=lambda y: y.fy)
    yoy = compare_frames(years[0].frames, years[1].frames) if len(years) == 2 else None
    first = years[-1].manifest
    title = (f"{first.get('municipality', '')} {' → '.join(f'{y.fy}年度' for y in years)} 比較" if yoy is not None
             else str(first.get("title") or years[0].folder.name))
    with ExitStack() as stack:
        pages = {y.fy: stack.enter_context(_opened(y.pdf)) for y in years}
        body = [_meta(years), _audit_section(years, pages, settings), _validation_section(years),
                _status_section(years, settings), _kpi_section(years, yoy, settings)]
        if yoy is not None:
            body.append(_yoy_section(yoy, years[0], years[1]))
        body += [_figures_section(years), _pages_section(years, pages, settings)]
    nav = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in (
        ("audit", "監査所見"), ("validation", "検証"), ("status", "実施状況"), ("kpis", "KPI"),
        *([("yoy", "変化")] if yoy is not None else []), ("figures", "数値一覧"), ("pages", "ページ")))
    return ("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
            f'<meta name="generator" content="{GENERATOR} {__version__}">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><nav>{nav}</nav>" + "".join(body) + "</body></html>\n")


def report_guard(path: Path) -> None:
    """An existing file is replaced only when it is a report of this tool."""
    from dxextract.errors import OutputExistsError

    if not path.exists():
        return
    try:
        head = path.read_bytes()[:2000].decode("utf-8", "replace")
    except OSError:
        head = ""
    if f'name="generator" content="{GENERATOR}' not in head:
        raise OutputExistsError(f"{path}: exists and is not a report written by dxextract; pass --force to "
                                "replace it or name another --out (nothing was changed)")
