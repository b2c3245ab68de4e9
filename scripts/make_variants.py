#!/usr/bin/env python3
"""Render ground-truth report JSON into PDFs made "by other tools".

The corpus PDFs were all drawn one way (Excel -> LibreOffice Calc, IPAexGothic, full grid).
Real municipalities publish the same content through other pipelines; this script produces
those variants from the truth JSON (../shared/corpus/SCHEMA.md) so the extractor can be
scored on them:

  platypus  reportlab platypus, full GRID, CID font HeiseiKakuGo-W5 (not embedded), JIS B5
            portrait + landscape pages for the detail tables, header rows repeated.
  hrules    reportlab platypus, tables ruled with horizontal lines only (no vertical lines,
            no box, no shading), HeiseiMin-W3, US Letter, other column widths.
  writer    HTML (<table> with rowspan/colspan, <thead>) converted by LibreOffice Writer
            (soffice --headless), Noto Sans CJK JP.
  radicals  the platypus layout with an embedded TrueType font whose text layer yields
            Kangxi radicals / CJK radical supplement code points (用 -> U+2F64 ⽤, 長 -> U+2ED1 ⻑)
            while the page shows the ordinary ideographs.
  scan      the platypus (or original) PDF rasterised to grayscale images, one per page,
            wrapped in an image-only PDF (no text layer).
  calc      the corpus's own way with other widths and font: an openpyxl workbook (sheets 概要 |
            実施状況 | one landscape sheet per detail table; merged ranges, wrap_text, thin
            borders on every table cell, header rows as print titles, "\n" in values, explicit
            row heights) printed by LibreOffice Calc, Noto Sans CJK JP, 取り組み column about a
            third narrower than the corpus's.
  docx      a python-docx document (headings, paragraphs, 'Table Grid' tables merged with
            cell.merge, w:tblHeader on header rows, typed breaks as <w:br/> in some cells and as
            separate paragraphs in others, a landscape section for the detail tables) printed by
            LibreOffice Writer; rows may break across pages, as Word's default allows.

  random    (--random --seed N ...) reportlab platypus in one imaginary producer's conventions,
            sampled from random.Random(N) by `random_style` (per document, a few per table):
            cell padding 0-12 pt per side (left != right, top != bottom); 7-12 pt cell text in
            Mincho or Gothic (CID HeiseiMin-W3 / HeiseiKakuGo-W5, or the TrueType font of
            find_ttf_font() when present); body text left / centre / justified, short header
            cells centred, left or spread evenly (均等割付); rule layouts grid | frame (box and
            header rule) | hrules (every row, broken at merged cells) | header_bottom |
            booktabs | zebra (shaded bands, no rules), solid / dashed / dotted, hairlines
            (0.1-0.3 pt) or 0.4-1.2 pt, sometimes drawn as filled thin rectangles; rule colour
            black or grey per table; column widths of a preset jittered +-15%; table gaps 0-30
            pt; captions on or off; header rows repeated on continued pages or not; A4 / A3 / B5
            / Letter, portrait or landscape, detail tables on landscape pages or not; margins
            10-25 mm. Cells are Paragraphs: wrapping happens inside the cell, typed breaks stay
            <br/>. With --scan (every seed) or --scan-share F (that share of seeds) the page is
            rasterised like a scanner by `rasterize_like_a_scanner`: 150-300 dpi, skew +-1.5 deg,
            grey JPEG quality 50-95, speckles, paper/ink grey, slight blur, page shifted up to
            4 mm. Writes <id>__random-<N>.pdf and <id>__random-<N>.style.json (the sampled
            conventions, to read a failing seed). The same seed gives the same bytes.
            benchmarks/variants.py ingests and scores a range of seeds.

Output: <out>/<id>__<route>.pdf for every truth file and route.

    .venv/bin/python scripts/make_variants.py \
        --truth tests/data/corpus/kasama_dx_r5.json --truth tests/data/corpus/kasama_dx_r6.json \
        --out /tmp/variants [--routes platypus hrules writer radicals scan calc docx]
    .venv/bin/python scripts/make_variants.py --random --seed 0-9 [--scan | --scan-share 0.2] \
        --truth tests/data/corpus/kasama_dx_r5.json --out /tmp/random

Needs: reportlab (dev extra), pypdfium2 + Pillow (runtime deps); for `writer`
LibreOffice Writer (Debian: libreoffice-writer-nogui) and Noto Sans CJK (fonts-noto-cjk);
for `radicals` a TrueType Japanese font (Debian: fonts-vlgothic or fonts-ipafont-gothic);
for `calc` openpyxl and LibreOffice Calc (Debian: libreoffice-calc-nogui); for `docx`
python-docx (pip install python-docx) and LibreOffice Writer.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

ROUTES = ("platypus", "hrules", "writer", "radicals", "scan", "calc", "docx")

# Fixed timestamp for metadata where the producing library lets us set it.
FIXED_DATE = "D:20240401000000+09'00'"


class RouteUnavailable(RuntimeError):
    """A route cannot run on this machine (missing program or font)."""


# --------------------------------------------------------------------------------------
# Truth JSON -> ordered document blocks
# --------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "title" | "right" | "heading" | "para" | "caption" | "table" | "landscape"
    text: str = ""
    table: dict | None = None


def _family(kind: str) -> str:
    return "status" if kind.startswith("status") else kind


def document_blocks(truth: dict) -> list[Block]:
    """Order title, sections and tables the way the report prints them.

    Sections with paragraphs come first (the running text of pp. 1); sections that are only a
    heading ("(2) 計画全体の実施状況", "②各項目の取り組み内容") open the second and later
    groups of tables (kpi panel | legend + status matrix | detail tables).  A table with an
    empty caption (the legend) is printed after the caption of the following table, as in
    the original, where 「① 計画体系と各項目の実施状況」 stands above the legend box.
    """
    blocks: list[Block] = [Block("title", truth["title"])]
    sections = list(truth.get("sections", []))
    heading_only = [s for s in sections if not s.get("paragraphs")]
    for s in sections:
        if not s.get("paragraphs"):
            continue
        if s.get("heading"):
            blocks.append(Block("heading", s["heading"]))
            for p in s["paragraphs"]:
                blocks.append(Block("para", p))
        else:  # heading-less line under the title: 計画期間：…
            for p in s["paragraphs"]:
                blocks.append(Block("right", p))
    tables = list(truth.get("tables", []))
    prev_family = None
    pending_heads = list(heading_only)
    caption_done: set[int] = set()
    for i, t in enumerate(tables):
        fam = _family(t.get("kind", ""))
        if prev_family is not None and fam != prev_family:
            if fam == "detail":
                blocks.append(Block("landscape"))
            if pending_heads:
                blocks.append(Block("heading", pending_heads.pop(0)["heading"]))
        prev_family = fam
        cap = t.get("caption") or ""
        if not cap and i + 1 < len(tables) and _family(tables[i + 1].get("kind", "")) == fam:
            nxt = tables[i + 1].get("caption") or ""
            if nxt:
                blocks.append(Block("caption", nxt))
                caption_done.add(i + 1)
        elif cap and i not in caption_done:
            blocks.append(Block("caption", cap))
        blocks.append(Block("table", table=t))
    for s in pending_heads:  # any left over: print at the end rather than lose them
        blocks.append(Block("heading", s["heading"]))
    return blocks


def grid_of(table: dict) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """Return (rows x cols text grid with text at span anchors, spans as (c0, r0, c1, r1))."""
    n_rows, n_cols = table["n_rows"], table["n_cols"]
    grid = [["" for _ in range(n_cols)] for _ in range(n_rows)]
    spans = []
    for cell in table["cells"]:
        r, c, rs, cs = cell["r"], cell["c"], cell.get("rs", 1), cell.get("cs", 1)
        grid[r][c] = cell.get("text", "")
        if rs > 1 or cs > 1:
            spans.append((c, r, c + cs - 1, r + rs - 1))
    return grid, spans


def column_fractions(table: dict, style: str) -> list[float]:
    """Column widths as fractions of the frame; deliberately unlike the original workbook."""
    n = table["n_cols"]
    kind = table.get("kind", "")
    presets = {
        "platypus": {
            ("kpi_panel", 5): [0.24, 0.19, 0.19, 0.19, 0.19],
            ("status_legend", 3): [0.12, 0.62, 0.26],
            ("status_matrix", 6): [0.19, 0.18, 0.39, 0.08, 0.08, 0.08],
            ("detail", 4): [0.15, 0.41, 0.24, 0.20],
        },
        "hrules": {
            ("kpi_panel", 5): [0.2, 0.2, 0.2, 0.2, 0.2],
            ("status_legend", 3): [0.15, 0.65, 0.20],
            ("status_matrix", 6): [0.16, 0.21, 0.42, 0.07, 0.07, 0.07],
            ("detail", 4): [0.18, 0.37, 0.23, 0.22],
        },
        "writer": {
            ("kpi_panel", 5): [0.22, 0.18, 0.2, 0.2, 0.2],
            ("status_legend", 3): [0.14, 0.66, 0.20],
            ("status_matrix", 6): [0.2, 0.2, 0.36, 0.08, 0.08, 0.08],
            ("detail", 4): [0.14, 0.44, 0.22, 0.20],
        },
    }
    frac = presets.get(style, presets["platypus"]).get((kind, n))
    return frac if frac else [1.0 / n] * n


def center_columns(table: dict) -> set[int]:
    kind = table.get("kind", "")
    if kind == "kpi_panel":
        return set(range(table["n_cols"]))
    if kind == "status_matrix":
        return {c for c in range(table["n_cols"]) if c >= 3}
    if kind == "status_legend":
        return {0, table["n_cols"] - 1}
    return set()


# --------------------------------------------------------------------------------------
# Kangxi radical look-alikes
# --------------------------------------------------------------------------------------

# CJK Radicals Supplement code points that real "radical" text layers produce for Japanese
# forms that have no (or another) Kangxi radical.  They have no NFKC decomposition.
RADICAL_SUPPLEMENT = {
    "長": "\u2ed1",  # ⻑ CJK RADICAL LONG ONE (also Kangxi ⾧; the supplement form wins)
    "青": "\u2ed8",  # ⻘ CJK RADICAL BLUE
    "食": "\u2edd",  # ⻝ CJK RADICAL EAT ONE
    "麦": "\u2ee8",  # ⻨ CJK RADICAL SIMPLIFIED WHEAT
    "黄": "\u2ee9",  # ⻩ CJK RADICAL SIMPLIFIED YELLOW
    "歯": "\u2eed",  # ⻭ CJK RADICAL J-SIMPLIFIED TOOTH
    "竜": "\u2eef",  # ⻯ CJK RADICAL J-SIMPLIFIED DRAGON
    "亀": "\u2ef2",  # ⻲ CJK RADICAL J-SIMPLIFIED TURTLE
}


def radical_table() -> dict[str, str]:
    """Unified ideograph -> radical look-alike, from unicodedata plus the supplement."""
    table: dict[str, str] = {}
    for cp in range(0x2F00, 0x2FD6):
        rad = chr(cp)
        uni = unicodedata.normalize("NFKC", rad)
        if len(uni) == 1 and uni != rad:
            table[uni] = rad
    table.update(RADICAL_SUPPLEMENT)
    return table


_RAD = radical_table()
_UNRAD = {v: k for k, v in _RAD.items()}
_RAD_TRANS = str.maketrans(_RAD)
_UNRAD_TRANS = str.maketrans(_UNRAD)


def to_radicals(text: str) -> str:
    return text.translate(_RAD_TRANS)


def from_radicals(text: str) -> str:
    """Undo to_radicals (NFKC alone does not undo the CJK Radicals Supplement forms)."""
    return text.translate(_UNRAD_TRANS)


# --------------------------------------------------------------------------------------
# reportlab routes (platypus, hrules, radicals)
# --------------------------------------------------------------------------------------

JIS_B5 = (182 * 72 / 25.4, 257 * 72 / 25.4)

TTF_CANDIDATES = (
    "/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf",
    "/usr/share/fonts/truetype/vlgothic/VL-Gothic-Regular.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
)


def find_ttf_font() -> str | None:
    env = os.environ.get("DXEXTRACT_VARIANT_TTF")
    for cand in ([env] if env else []) + list(TTF_CANDIDATES):
        if cand and Path(cand).is_file():
            return cand
    return None


@dataclass
class RLStyle:
    name: str
    font: str
    pagesize: tuple[float, float]
    grid: bool  # full grid (True) or horizontal rules only (False)
    shade_header: bool
    cell_size: float = 7.5
    body_size: float = 9.5
    page_label: Callable[[int], str] = field(default=lambda n: f"- {n} -")
    text: Callable[[str], str] = field(default=lambda s: s)
    widths: str = "platypus"


def _register_cid(name: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _register_radical_ttf() -> str:
    """Embed a TrueType Japanese font whose radical code points draw the ideograph glyphs.

    That is what a word processor's PDF export does with fonts that share one glyph between
    用 and ⽤: the page shows 用, the ToUnicode map says U+2F64.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "VariantRadicalGothic"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    path = find_ttf_font()
    if path is None:
        raise RouteUnavailable(
            "no TrueType Japanese font found (apt-get install fonts-vlgothic, or set "
            "DXEXTRACT_VARIANT_TTF=/path/to/font.ttf)"
        )
    font = TTFont(name, path)
    c2g = font.face.charToGlyph
    for uni, rad in _RAD.items():
        if ord(uni) in c2g:
            c2g[ord(rad)] = c2g[ord(uni)]
    pdfmetrics.registerFont(font)
    return name


def _styles(st: RLStyle):
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=st.font, fontSize=st.body_size,
                          leading=st.body_size * 1.45, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=13.5, leading=19, alignment=TA_CENTER,
                                spaceAfter=6),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=base, fontSize=st.body_size + 1.5,
                                  leading=(st.body_size + 1.5) * 1.5, spaceBefore=8, spaceAfter=3,
                                  keepWithNext=1),
        "para": ParagraphStyle("para", parent=base, firstLineIndent=st.body_size, leftIndent=8,
                               spaceAfter=4),
        "caption": ParagraphStyle("caption", parent=base, fontSize=st.body_size + 0.5,
                                  leading=(st.body_size + 0.5) * 1.5, spaceBefore=6, spaceAfter=3,
                                  keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=base, fontSize=st.cell_size, leading=st.cell_size * 1.3,
                               alignment=TA_LEFT),
        "cell_c": ParagraphStyle("cell_c", parent=base, fontSize=st.cell_size,
                                 leading=st.cell_size * 1.3, alignment=TA_CENTER),
    }


def _para(text: str, style, st: RLStyle):
    from reportlab.platypus import Paragraph

    return Paragraph(xml_escape(st.text(text)).replace("\n", "<br/>"), style)


def _covered_boundary(spans: Iterable[tuple[int, int, int, int]], row: int, col: int) -> bool:
    """True if the boundary above `row` at column `col` lies inside a row span."""
    return any(c0 <= col <= c1 and r0 < row <= r1 for (c0, r0, c1, r1) in spans)


def _paged_table_class():
    from reportlab.platypus import PageBreak, Table

    class PagedTable(Table):
        """A Table whose continuation always starts a new page.

        reportlab prefers split points outside row spans; the rest would then be split again
        into the space left on the same page, repeating the header row mid-page.
        """

        def split(self, availWidth, availHeight):
            parts = super().split(availWidth, availHeight)
            # reportlab gives up when the first split point falls inside a row it cannot split
            # (e.g. too little room for a line in every cell); an earlier point may still work.
            h = availHeight
            while not parts and h > 40:
                h -= 12
                parts = super().split(availWidth, h)
            if len(parts) < 2:
                return parts
            out = [parts[0]]
            for p in parts[1:]:
                out += [PageBreak(), p]
            return out

    return PagedTable


def _rl_table(table: dict, frame_width: float, st: RLStyle, styles):
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    grid, spans = grid_of(table)
    n_rows, n_cols = table["n_rows"], table["n_cols"]
    centre = center_columns(table)
    hdr = table.get("header_rows", 0)
    width_scale = 0.55 if table.get("kind") == "status_legend" else 1.0
    widths = [f * frame_width * width_scale for f in column_fractions(table, st.widths)]
    data = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            sty = styles["cell_c"] if (c in centre or r < hdr) else styles["cell"]
            row.append(_para(grid[r][c], sty, st) if grid[r][c] else "")
        data.append(row)
    cmds: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE" if table.get("kind") != "detail" else "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if table.get("kind") == "detail":
        cmds.append(("VALIGN", (0, 0), (-1, hdr - 1 if hdr else 0), "MIDDLE"))
    for (c0, r0, c1, r1) in spans:
        cmds.append(("SPAN", (c0, r0), (c1, r1)))
    if st.grid:
        cmds.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
        if st.shade_header and hdr:
            cmds.append(("BACKGROUND", (0, 0), (-1, hdr - 1), colors.Color(0.85, 0.85, 0.85)))
    else:
        # Horizontal rules only: top and bottom of the table, and each row boundary except
        # where it runs through a merged cell (as a word processor draws cell borders).
        cmds.append(("LINEABOVE", (0, 0), (-1, 0), 1.0, colors.black))
        cmds.append(("LINEBELOW", (0, n_rows - 1), (-1, n_rows - 1), 1.0, colors.black))
        for r in range(1, n_rows):
            weight = 0.8 if (hdr and r == hdr) else 0.4
            run_start = None
            for c in range(n_cols + 1):
                open_ = c < n_cols and not _covered_boundary(spans, r, c)
                if open_ and run_start is None:
                    run_start = c
                elif not open_ and run_start is not None:
                    cmds.append(("LINEABOVE", (run_start, r), (c - 1, r), weight, colors.black))
                    run_start = None
    t = _paged_table_class()(data, colWidths=widths, repeatRows=hdr or 0, style=TableStyle(cmds), splitInRow=1,
              hAlign="RIGHT" if table.get("kind") == "status_legend" else "CENTER")
    return t


def render_reportlab(truth: dict, out: Path, st: RLStyle) -> None:
    from reportlab.lib.pagesizes import landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    styles = _styles(st)
    portrait = st.pagesize
    land = landscape(st.pagesize)
    margin = 15 * mm

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(st.font, 8.5)
        w = canvas._pagesize[0]
        canvas.drawCentredString(w / 2, 8 * mm, st.text(st.page_label(doc.page)))
        canvas.restoreState()

    def frame(size, ident):
        return Frame(margin, margin, size[0] - 2 * margin, size[1] - 2 * margin, id=ident,
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    doc = BaseDocTemplate(
        str(out), pagesize=portrait, leftMargin=margin, rightMargin=margin, topMargin=margin,
        bottomMargin=margin, title=truth["title"], author=f"{truth.get('municipality', '')}",
        subject=f"dxextract variant {st.name}", creator=f"dxextract make_variants ({st.name})",
        invariant=1,
    )
    doc.addPageTemplates([
        PageTemplate(id="portrait", frames=[frame(portrait, "p")], pagesize=portrait, onPage=footer),
        PageTemplate(id="landscape", frames=[frame(land, "l")], pagesize=land, onPage=footer),
    ])
    story: list = []
    frame_w = {"portrait": portrait[0] - 2 * margin, "landscape": land[0] - 2 * margin}
    current = "portrait"
    for b in document_blocks(truth):
        if b.kind == "landscape":
            story += [NextPageTemplate("landscape"), PageBreak()]
            current = "landscape"
        elif b.kind == "table":
            assert b.table is not None
            story.append(_rl_table(b.table, frame_w[current], st, styles))
            story.append(Spacer(1, 6))
        else:
            story.append(Paragraph(xml_escape(st.text(b.text)), styles[b.kind]))
    doc.build(story)


def route_platypus(truth: dict, out: Path) -> None:
    render_reportlab(truth, out, RLStyle("platypus", _register_cid("HeiseiKakuGo-W5"), JIS_B5,
                                         grid=True, shade_header=True))


def route_hrules(truth: dict, out: Path) -> None:
    from reportlab.lib.pagesizes import LETTER

    render_reportlab(truth, out, RLStyle("hrules", _register_cid("HeiseiMin-W3"), LETTER, grid=False,
                                         shade_header=False, cell_size=8, page_label=lambda n: str(n),
                                         widths="hrules"))


def route_radicals(truth: dict, out: Path) -> None:
    render_reportlab(truth, out, RLStyle("radicals", _register_radical_ttf(), JIS_B5, grid=True,
                                         shade_header=True, text=to_radicals))


# --------------------------------------------------------------------------------------
# LibreOffice Writer route
# --------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def truth_to_html(truth: dict, font: str = "Noto Sans CJK JP") -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="ja"><head><meta charset="utf-8">',
        f"<title>{_h(truth['title'])}</title>",
        "<style>",
        "@page { size: 21cm 29.7cm; margin: 1.6cm 1.4cm 1.8cm 1.4cm; }",
        f"body {{ font-family: '{font}'; font-size: 9pt; }}",
        f"h1 {{ font-family: '{font}'; font-size: 14pt; text-align: center; }}",
        f"h2 {{ font-family: '{font}'; font-size: 11pt; }}",
        f"h3 {{ font-family: '{font}'; font-size: 10pt; }}",
        f"td, th {{ font-family: '{font}'; font-size: 8pt; vertical-align: top; }}",
        "th { font-weight: normal; background: #e0e0e0; }",
        "</style></head><body>",
    ]
    for b in document_blocks(truth):
        if b.kind == "title":
            out.append(f"<h1>{_h(b.text)}</h1>")
        elif b.kind == "right":
            out.append(f'<p align="right">{_h(b.text)}</p>')
        elif b.kind == "heading":
            out.append(f"<h2>{_h(b.text)}</h2>")
        elif b.kind == "para":
            out.append(f"<p>{_h(b.text)}</p>")
        elif b.kind == "caption":
            out.append(f"<h3>{_h(b.text)}</h3>")
        elif b.kind == "landscape":
            out.append('<p style="page-break-before: always"></p>')
        elif b.kind == "table":
            assert b.table is not None
            out.append(_html_table(b.table))
    out.append('<div title="footer"><p align="center">- <sdfield type=PAGE subtype=RANDOM format=PAGE>1'
               "</sdfield> -</p></div>")
    out.append("</body></html>")
    return "\n".join(out)


def _html_table(table: dict) -> str:
    n_rows, n_cols = table["n_rows"], table["n_cols"]
    hdr = table.get("header_rows", 0)
    anchors = {(c["r"], c["c"]): c for c in table["cells"]}
    centre = center_columns(table)
    fr = column_fractions(table, "writer")
    kind = table.get("kind", "")
    width = "55%" if kind == "status_legend" else "100%"
    align = ""  # align="right" would float the legend and squeeze the next table beside it
    parts = [f'<table border="1" cellspacing="0" cellpadding="3" width="{width}"{align}>']
    parts.append("<colgroup>" + "".join(f'<col width="{round(f * 1000)}*">' for f in fr) + "</colgroup>")
    for r in range(n_rows):
        if r == 0 and hdr:
            parts.append("<thead>")
        if r == hdr:
            parts.append("<tbody>")
        cells = []
        for c in range(n_cols):
            cell = anchors.get((r, c))
            if cell is None:
                continue
            tag = "th" if r < hdr else "td"
            attrs = ""
            if cell.get("rs", 1) > 1:
                attrs += f' rowspan="{cell["rs"]}"'
            if cell.get("cs", 1) > 1:
                attrs += f' colspan="{cell["cs"]}"'
            if c in centre or r < hdr:
                attrs += ' align="center"'
            if kind != "detail":
                attrs += ' valign="middle"'
            cells.append(f"<{tag}{attrs}>{_h(cell.get('text', ''))}</{tag}>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
        if hdr and r == hdr - 1:
            parts.append("</thead>")
    parts.append("</tbody></table>" if hdr < n_rows else "</table>")
    return "\n".join(parts) + "\n<p></p>"


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    for p in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"):
        if Path(p).is_file():
            return p
    return None


def route_writer(truth: dict, out: Path) -> None:
    soffice = find_soffice()
    if soffice is None:
        raise RouteUnavailable("LibreOffice not found (apt-get install libreoffice-writer-nogui fonts-noto-cjk)")
    with tempfile.TemporaryDirectory(prefix="dxvar_writer_") as td:
        tdp = Path(td)
        src = tdp / f"{out.stem}.html"
        src.write_text(truth_to_html(truth), encoding="utf-8")
        profile = tdp / "profile"
        cmd = [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--nolockcheck", '--infilter=HTML (StarWriter)', "--convert-to", "pdf:writer_pdf_Export",
            "--outdir", str(tdp), str(src),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
        produced = tdp / f"{out.stem}.pdf"
        if proc.returncode != 0 or not produced.is_file():
            raise RuntimeError(f"soffice failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
        shutil.move(str(produced), out)


# --------------------------------------------------------------------------------------
# LibreOffice routes from office files (calc: openpyxl workbook, docx: python-docx document)
# --------------------------------------------------------------------------------------

CJK_FONT = "Noto Sans CJK JP"


NOTO_CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)


class TextMeasure:
    """Widths of text in Noto Sans CJK JP (Pillow), to size rows the way the author would.

    Without the font file the widths are estimated (wide characters 1 em, others 0.55 em).
    """

    LINE = 1.45  # Noto Sans CJK line height in ems (ascent 1.16 + descent 0.29)

    def __init__(self) -> None:
        self._font = None
        for f in NOTO_CJK_FILES:
            if Path(f).is_file():
                from PIL import ImageFont

                self._font = ImageFont.truetype(f, 1000, index=0)
                break
        self._cache: dict[str, float] = {}

    def em(self, text: str) -> float:
        if text not in self._cache:
            if self._font is not None:
                self._cache[text] = self._font.getlength(text) / 1000
            else:
                self._cache[text] = sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.55
                                        for ch in text)
        return self._cache[text]

    def lines(self, text: str, width_pt: float, size_pt: float) -> int:
        """Lines `text` takes in a column `width_pt` wide: typed breaks plus greedy wrapping.

        Latin words and numbers wrap as a whole, everything else at any character (as
        LibreOffice and Word wrap Japanese); slightly pessimistic by design.
        """
        avail = max(size_pt, width_pt) / size_pt
        n = 0
        for part in text.split("\n"):
            tokens: list[str] = []
            for ch in part:
                if tokens and ch.isascii() and ch.isalnum() and tokens[-1][-1:].isascii() and tokens[-1][-1:].isalnum():
                    tokens[-1] += ch
                else:
                    tokens.append(ch)
            n += 1
            cur = 0.0
            for tok in tokens:
                w = self.em(tok)
                if cur > 0 and cur + w > avail:
                    n += 1
                    cur = 0.0
                cur += w
                while cur > avail:  # a token longer than the line
                    n += 1
                    cur -= avail
        return max(1, n)

    def height(self, text: str, width_pt: float, size_pt: float, pad: float = 4.0) -> float:
        return self.lines(text, width_pt, size_pt) * size_pt * self.LINE + pad


def _soffice_convert(src: Path, out: Path, export_filter: str, tag: str) -> None:
    """Convert an office file to PDF with a throw-away LibreOffice profile; move it to `out`."""
    soffice = find_soffice()
    if soffice is None:
        raise RouteUnavailable("LibreOffice not found (apt-get install libreoffice-writer-nogui "
                               "libreoffice-calc-nogui fonts-noto-cjk)")
    with tempfile.TemporaryDirectory(prefix=f"dxvar_{tag}_") as td:
        tdp = Path(td)
        profile = tdp / "profile"
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", f"pdf:{export_filter}", "--outdir", str(tdp), str(src)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
        produced = tdp / f"{src.stem}.pdf"
        if proc.returncode != 0 or not produced.is_file():
            msg = f"{proc.stdout}\n{proc.stderr}"
            if "no export filter" in msg.lower() or "source file could not be loaded" in msg.lower():
                raise RouteUnavailable(f"soffice cannot convert {src.suffix} here (for .xlsx: apt-get install "
                                       f"libreoffice-calc-nogui): {msg.strip()}")
            raise RuntimeError(f"soffice failed ({proc.returncode}): {msg}")
        shutil.move(str(produced), out)


# Column widths in mm.  The corpus workbook printed the detail tables 施策 12% | 取り組み 47% |
# 状況 22% | 予定 18% in IPAexGothic; here the 取り組み column is a third narrower.
CALC_WIDTHS_MM = {
    "kpi_panel": [44, 34, 34, 34, 34],
    "status_matrix": [30, 32, 82, 12, 12, 12],
    "detail": [36, 86, 73, 72],
}
# One unit of an xlsx column width, printed by LibreOffice when the workbook's default font
# (the Normal style, font 0) is Noto Sans CJK JP 10 pt: measured 1.957 mm (linear, no offset).
# With openpyxl's default Calibri, absent here, LibreOffice's substitute gives 2.469 mm.
CALC_MM_PER_UNIT = 1.957


def _rows_heights(table: dict, widths_pt: list[float], size: float, tm: TextMeasure) -> list[float]:
    """Row heights (pt) that hold every cell's wrapped text, merged cells included.

    LibreOffice 7.4 does not compute optimal heights for rows of an .xlsx without `ht` (they
    print at the default 15 pt and wrapped text spills over): the author sets them, as here.
    """
    n = table["n_rows"]
    h = [size * tm.LINE + 4] * n
    merged = []
    for cd in table["cells"]:
        rs, cs = cd.get("rs", 1), cd.get("cs", 1)
        if not cd.get("text"):
            continue
        need = tm.height(cd["text"], sum(widths_pt[cd["c"]:cd["c"] + cs]) - 6, size)
        if rs == 1:
            h[cd["r"]] = max(h[cd["r"]], need)
        else:
            merged.append((cd["r"], rs, need))
    for r, rs, need in merged:
        have = sum(h[r:r + rs])
        if need > have:
            for rr in range(r, r + rs):
                h[rr] += (need - have) / rs
    return [round(x, 1) for x in h]


def truth_to_workbook(truth: dict, font: str = CJK_FONT):
    """The report as an Excel workbook laid out the way a municipal author does it.

    Sheets: 概要 (title, running text, KPI panel), 実施状況 (legend + status matrix; its header
    row is the print title), and one landscape sheet per detail table (header row = print title).
    Title and paragraphs are rows merged across the sheet; tables are blocks of cells with
    merged ranges, wrap_text and thin borders on every cell; typed breaks are "\n" in values.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    tm = TextMeasure()
    cell_pt = 9.0
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="DCE6F1")
    f_cell = Font(name=font, size=cell_pt)
    f_body = Font(name=font, size=10)
    f_head = Font(name=font, size=11, bold=True)
    f_cap = Font(name=font, size=10.5, bold=True)
    f_title = Font(name=font, size=14, bold=True)

    wb = Workbook()
    wb.remove(wb.active)
    # A Japanese workbook's default font (Normal style) is a Japanese one; it also fixes the
    # unit of the column widths (CALC_MM_PER_UNIT).  openpyxl has no public setter for it.
    wb._fonts[0] = Font(name=font, size=10)  # noqa: SLF001

    def new_sheet(title: str, widths_mm: list[float], landscape: bool):
        ws = wb.create_sheet(title)
        for i, w in enumerate(widths_mm, start=1):
            ws.column_dimensions[get_column_letter(i)].width = round(w / CALC_MM_PER_UNIT, 2)
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_margins = PageMargins(left=14 / 25.4, right=14 / 25.4, top=16 / 25.4, bottom=18 / 25.4,
                                      header=6 / 25.4, footer=8 / 25.4)
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = "- &P -"
        ws.oddFooter.center.font = font
        ws.oddFooter.center.size = 8
        ws.sheet_view.showGridLines = False
        return ws, [w * 72 / 25.4 for w in widths_mm]

    state: dict = {"ws": None, "row": 1, "widths": [], "landscape": False, "seen_table": False}

    def text_row(text: str, fnt, *, align: str = "left", indent: bool = False, gap_before: float = 0.0):
        ws, r, widths = state["ws"], state["row"], state["widths"]
        if gap_before:
            ws.row_dimensions[r].height = gap_before
            r += 1
        value = ("\u3000" + text) if indent else text
        cell = ws.cell(row=r, column=1, value=value)
        cell.font = fnt
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        if len(widths) > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(widths))
        ws.row_dimensions[r].height = round(tm.height(value, sum(widths) - 6, fnt.size, pad=3), 1)
        state["row"] = r + 1

    def table_block(table: dict, widths_pt: list[float], col0: int = 1, print_titles: bool = False):
        ws, r0 = state["ws"], state["row"]
        grid, _ = grid_of(table)
        hdr = table.get("header_rows", 0)
        kind = table.get("kind", "")
        centre = center_columns(table)
        # values and merged ranges first: openpyxl resets the borders of the cells a merge covers
        for cd in table["cells"]:
            r, c, rs, cs = cd["r"], cd["c"], cd.get("rs", 1), cd.get("cs", 1)
            ws.cell(row=r0 + r, column=col0 + c).value = cd.get("text") or None
            if rs > 1 or cs > 1:
                ws.merge_cells(start_row=r0 + r, start_column=col0 + c, end_row=r0 + r + rs - 1,
                               end_column=col0 + c + cs - 1)
        # the KPI panel's tall list of 【新規】… lines reads from the left
        left = {(cd["r"], cd["c"]) for cd in table["cells"] if kind == "kpi_panel" and cd.get("rs", 1) > 2}
        for r in range(table["n_rows"]):
            for c in range(table["n_cols"]):
                cell = ws.cell(row=r0 + r, column=col0 + c)
                cell.border = box
                cell.font = f_cell
                cell.alignment = Alignment(
                    horizontal="center" if ((c in centre or r < hdr) and (r, c) not in left) else "left",
                    vertical="top" if (kind == "detail" and r >= hdr) else "center", wrap_text=True)
                if r < hdr or (kind == "kpi_panel" and _is_kpi_label(grid[r][c])) or (
                        kind == "status_legend" and c == 0):
                    cell.fill = fill
        for r, h in enumerate(_rows_heights(table, widths_pt, cell_pt, tm)):
            ws.row_dimensions[r0 + r].height = h
        if print_titles and hdr:
            ws.print_title_rows = f"{r0}:{r0 + hdr - 1}"
        state["row"] = r0 + table["n_rows"]

    detail_i = 0
    pending_heading: str | None = None
    for b in document_blocks(truth):
        if b.kind == "title":
            ws, w = new_sheet("概要", CALC_WIDTHS_MM["kpi_panel"], False)
            state.update(ws=ws, row=1, widths=w)
            text_row(b.text, f_title, align="center")
        elif b.kind == "right":
            text_row(b.text, f_body, align="right")
        elif b.kind == "heading":
            if state["landscape"] or state["seen_table"]:
                pending_heading = b.text  # opens the next sheet, above its first caption
            else:
                text_row(b.text, f_head, gap_before=6)
        elif b.kind == "para":
            text_row(b.text, f_body, indent=True)
        elif b.kind == "landscape":
            state["landscape"] = True
        elif b.kind == "caption":
            if state["landscape"]:
                detail_i += 1
                ws, w = new_sheet(f"基本戦略{detail_i}", CALC_WIDTHS_MM["detail"], True)
                state.update(ws=ws, row=1, widths=w)
            elif pending_heading:
                ws, w = new_sheet("実施状況", CALC_WIDTHS_MM["status_matrix"], False)
                state.update(ws=ws, row=1, widths=w)
            if pending_heading:
                text_row(pending_heading, f_head)
                pending_heading = None
            text_row(b.text, f_cap, gap_before=4)
        elif b.kind == "table":
            t = b.table
            assert t is not None
            widths = state["widths"]
            state["seen_table"] = True
            if t.get("kind") == "status_legend":
                # the legend box stands over the 施策 | 項目 | 令和5年度 columns of the matrix
                table_block(t, widths[1:4], col0=2)
            else:
                table_block(t, widths, print_titles=t.get("kind") in ("status_matrix", "detail"))
            state["ws"].row_dimensions[state["row"]].height = 9  # a thin blank row after each table
            state["row"] += 1
    return wb


def _is_kpi_label(text: str) -> bool:
    return bool(text) and text[0] in "①②③④⑤⑥⑦⑧⑨⑩"


def route_calc(truth: dict, out: Path) -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError as e:  # pragma: no cover - openpyxl is a dependency
        raise RouteUnavailable(f"openpyxl not installed: {e}") from e
    if find_soffice() is None:
        raise RouteUnavailable("LibreOffice not found (apt-get install libreoffice-calc-nogui fonts-noto-cjk)")
    wb = truth_to_workbook(truth)
    wb.properties.title = truth["title"]
    wb.properties.creator = truth.get("municipality", "")
    with tempfile.TemporaryDirectory(prefix="dxvar_calcsrc_") as td:
        src = Path(td) / f"{out.stem}.xlsx"
        wb.save(src)
        _soffice_convert(src, out, "calc_pdf_Export", "calc")


DOCX_WIDTHS_MM = {
    "kpi_panel": [40, 35, 35, 35, 35],
    "status_legend": [16, 62, 16],
    "status_matrix": [34, 36, 74, 12, 12, 12],
    "detail": [34, 100, 66, 67],
}


def _docx_cell_text(cell, text: str, style, *, as_paragraphs: bool, align=None) -> None:
    """Fill a table cell: typed line breaks as <w:br/> in one paragraph, or one paragraph a line.

    Authors type both (Shift+Enter and Enter); the text layer reads the same either way.
    """
    lines = text.split("\n") if text else [""]
    first = cell.paragraphs[0]
    paras = [first]
    if as_paragraphs:
        first.add_run(lines[0])
        for line in lines[1:]:
            p = cell.add_paragraph()
            p.add_run(line)
            paras.append(p)
    else:
        for i, line in enumerate(lines):
            run = first.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
    for p in paras:
        p.style = style
        if align is not None:
            p.alignment = align


def _docx_set_fonts(style, font: str, size_pt: float, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = font
    style.font.size = Pt(size_pt)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def truth_to_docx(truth: dict, font: str = CJK_FONT):
    """The report as a Word document: headings, paragraphs, 'Table Grid' tables with merged
    cells and repeated header rows, and a landscape section for the detail tables."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    styles = doc.styles
    normal = styles["Normal"]
    _docx_set_fonts(normal, font, 10)
    normal.paragraph_format.space_after = Pt(2)
    normal.paragraph_format.line_spacing = 1.0
    for name, size in (("Heading 1", 11.5), ("Heading 2", 10.5)):
        st = styles[name]
        _docx_set_fonts(st, font, size, bold=True)
        st.font.italic = False
        st.paragraph_format.space_before = Pt(8)
        st.paragraph_format.space_after = Pt(3)
        st.paragraph_format.keep_with_next = True
    body = styles.add_style("本文", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.first_line_indent = Pt(10)
    body.paragraph_format.left_indent = Mm(3)
    cell_st = styles.add_style("表本文", WD_STYLE_TYPE.PARAGRAPH)
    cell_st.base_style = normal
    _docx_set_fonts(cell_st, font, 8.5)
    cell_st.paragraph_format.space_after = Pt(0)
    cell_st.paragraph_format.space_before = Pt(0)

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(15)
    sec.top_margin, sec.bottom_margin = Mm(18), Mm(18)
    sec.footer_distance = Mm(8)
    # footer: - PAGE -
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fp.add_run("- ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    fp._p.append(fld)  # noqa: SLF001
    fp.add_run(" -")

    frame_mm = {"portrait": 180.0, "landscape": 267.0}
    current = "portrait"
    detail_seen = 0
    for b in document_blocks(truth):
        if b.kind == "title":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(b.text)
            run.bold = True
            run.font.size = Pt(14)
            p.paragraph_format.space_after = Pt(6)
        elif b.kind == "right":
            p = doc.add_paragraph(b.text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif b.kind == "heading":
            doc.add_heading(b.text, level=1)
        elif b.kind == "para":
            doc.add_paragraph(b.text, style=body)
        elif b.kind == "caption":
            doc.add_heading(b.text, level=2)
        elif b.kind == "landscape":
            new = doc.add_section(WD_SECTION.NEW_PAGE)
            new.orientation = WD_ORIENT.LANDSCAPE
            new.page_width, new.page_height = Mm(297), Mm(210)
            new.left_margin = new.right_margin = Mm(15)
            new.top_margin, new.bottom_margin = Mm(15), Mm(15)
            current = "landscape"
        elif b.kind == "table":
            t_ = b.table
            assert t_ is not None
            kind = t_.get("kind", "")
            widths = DOCX_WIDTHS_MM.get(kind) or [frame_mm[current] / t_["n_cols"]] * t_["n_cols"]
            if kind == "detail":
                detail_seen += 1
            _docx_table(doc, t_, widths, cell_st, alternate=detail_seen % 2 == 0)
            doc.add_paragraph().paragraph_format.space_after = Pt(4)
    return doc


def _docx_table(doc, table: dict, widths_mm: list[float], cell_style, *, alternate: bool) -> None:
    from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    n_rows, n_cols = table["n_rows"], table["n_cols"]
    hdr = table.get("header_rows", 0)
    kind = table.get("kind", "")
    centre = center_columns(table)
    t = doc.add_table(rows=n_rows, cols=n_cols)
    t.style = doc.styles["Table Grid"]
    t.autofit = False
    t.alignment = WD_TABLE_ALIGNMENT.RIGHT if kind == "status_legend" else WD_TABLE_ALIGNMENT.CENTER
    for c, w in enumerate(widths_mm):
        t.columns[c].width = Mm(w)
        for r in range(n_rows):
            t.cell(r, c).width = Mm(w)
    for r in range(hdr):  # header rows repeat on every page the table continues on
        trpr = t.rows[r]._tr.get_or_add_trPr()  # noqa: SLF001
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        trpr.append(el)
    for cd in table["cells"]:
        r, c, rs, cs = cd["r"], cd["c"], cd.get("rs", 1), cd.get("cs", 1)
        cell = t.cell(r, c)
        if rs > 1 or cs > 1:
            cell = cell.merge(t.cell(r + rs - 1, c + cs - 1))
        centred = c in centre or r < hdr
        if kind == "kpi_panel" and rs > 2:
            centred = False
        # detail tables: every other table types its line breaks as separate paragraphs,
        # the others as Shift+Enter breaks; the KPI panel and the matrix use breaks
        _docx_cell_text(cell, cd.get("text", ""), cell_style,
                        as_paragraphs=(kind == "detail" and (alternate or c == 1)),
                        align=WD_ALIGN_PARAGRAPH.CENTER if centred else None)
        cell.vertical_alignment = (WD_ALIGN_VERTICAL.TOP if (kind == "detail" and r >= hdr)
                                   else WD_ALIGN_VERTICAL.CENTER)
        if r < hdr or (kind == "status_legend" and c == 0):
            shd = OxmlElement("w:shd")
            shd.set(qn("w:val"), "clear")
            shd.set(qn("w:color"), "auto")
            shd.set(qn("w:fill"), "E7E6E6")
            cell._tc.get_or_add_tcPr().append(shd)  # noqa: SLF001


def route_docx(truth: dict, out: Path) -> None:
    try:
        import docx  # noqa: F401
    except ImportError as e:
        raise RouteUnavailable(f"python-docx not installed (pip install python-docx): {e}") from e
    if find_soffice() is None:
        raise RouteUnavailable("LibreOffice not found (apt-get install libreoffice-writer-nogui fonts-noto-cjk)")
    doc = truth_to_docx(truth)
    doc.core_properties.title = truth["title"]
    doc.core_properties.author = truth.get("municipality", "")
    with tempfile.TemporaryDirectory(prefix="dxvar_docxsrc_") as td:
        src = Path(td) / f"{out.stem}.docx"
        doc.save(src)
        _soffice_convert(src, out, "writer_pdf_Export", "docx")


# --------------------------------------------------------------------------------------
# scan route
# --------------------------------------------------------------------------------------


def rasterize_to_image_pdf(src: Path, out: Path, dpi: int = 200, skew: float = 0.0) -> None:
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(str(src))
    images: list[Image.Image] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            img = bitmap.to_pil().convert("L")
            if skew:
                img = img.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
            images.append(img)
            page.close()
    finally:
        pdf.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi),
                   title="scan", creationDate=time.strptime("2024-04-01", "%Y-%m-%d"),
                   modDate=time.strptime("2024-04-01", "%Y-%m-%d"))
    out.write_bytes(buf.getvalue())


def _register_plain_ttf() -> str | None:
    """The TrueType Japanese font, embedded as is (for the scan source), or None."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "VariantScanGothic"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    path = find_ttf_font()
    if path is None:
        return None
    pdfmetrics.registerFont(TTFont(name, path))
    return name


def route_scan(truth: dict, out: Path, source: Path | None = None, dpi: int = 200, skew: float = 0.0) -> None:
    """Rasterise to an image-only PDF.

    The default source is the platypus layout, drawn with an embedded TrueType font when one is
    installed: the CID font of `platypus` is not embedded, and a rasteriser's substitute font
    has other widths, so text would run over cell borders -- a printed-and-scanned page does not.
    """
    with tempfile.TemporaryDirectory(prefix="dxvar_scan_") as td:
        if source is None:
            source = Path(td) / "platypus.pdf"
            font = _register_plain_ttf() or _register_cid("HeiseiKakuGo-W5")
            render_reportlab(truth, source, RLStyle("scan", font, JIS_B5, grid=True, shade_header=True))
        rasterize_to_image_pdf(source, out, dpi=dpi, skew=skew)


# --------------------------------------------------------------------------------------
# random route: one producer's conventions sampled per seed
# --------------------------------------------------------------------------------------

MM = 72 / 25.4
#: page sizes in points, portrait
PAGE_SIZES = {
    "A4": (210 * MM, 297 * MM),
    "A3": (297 * MM, 420 * MM),
    "B5": JIS_B5,
    "Letter": (612.0, 792.0),
}
#: rule layouts a producer may use for its tables
RULE_LAYOUTS = ("grid", "frame", "hrules", "header_bottom", "booktabs", "zebra")
RULE_DASHES = ("solid", "dashed", "dotted")
FONT_CHOICES = ("mincho-cid", "gothic-cid", "gothic-ttf")
CID_FONTS = {"mincho-cid": "HeiseiMin-W3", "gothic-cid": "HeiseiKakuGo-W5"}
#: how many per-table draws are recorded (more than any truth has tables)
PER_TABLE = 16


@dataclass
class RandomStyle:
    """The conventions of one imaginary producer; every field is JSON-serialisable.

    Sampled per document by `random_style(seed)`; the per-table lists are indexed by the
    table's position in the truth (tables beyond the list reuse it cyclically).
    """

    seed: int
    font: str  # one of FONT_CHOICES ("gothic-ttf" falls back to gothic-cid without a TTF)
    cell_size: float  # 7..12 pt
    body_size: float  # 9..12 pt
    leading: float  # line height / font size
    pad_left: float  # 0..12 pt each, left != right, top != bottom
    pad_right: float
    pad_top: float
    pad_bottom: float
    text_align: str  # body cells: left | centre | justify
    header_align: str  # header cells: centre | left | distributed (均等割付 when short)
    mark_align: str  # status marks and KPI values: centre | left
    detail_valign: str  # TOP | MIDDLE
    rules: str  # one of RULE_LAYOUTS
    rule_dash: str  # one of RULE_DASHES
    rule_weight: float  # pt; hairlines are 0.1..0.3
    rule_rects: bool  # rules drawn as filled thin rectangles instead of strokes
    header_shade: float | None  # grey level of header cells, or None
    zebra_grey: float  # the shaded band's grey level (only with rules == "zebra")
    table_gap: float  # 0..30 pt after each table
    captions: bool
    repeat_header: bool
    page: str  # key of PAGE_SIZES
    landscape: bool  # orientation of the running pages
    detail_landscape: bool  # detail tables on landscape pages
    margins_mm: list[float]  # left, right, top, bottom
    table_align: str  # CENTER | LEFT
    legend_scale: float  # legend width / frame width
    widths_base: str  # column-width preset of column_fractions
    widths_jitter: list[float]  # per column factor (renormalised)
    page_label: str  # "- {n} -" | "{n}" | "p. {n}" | "（{n}）"
    rule_grey: list[float] = field(default_factory=list)  # per table: 0 = black, else grey
    scan: dict | None = None  # scan conventions when this seed is a scan


def random_style(seed: int, *, scan_share: float = 0.0, scan: bool = False) -> RandomStyle:
    """Sample one producer's conventions from wide ranges, deterministically from `seed`.

    The order of draws is fixed, and the scan parameters are drawn for every seed: the
    non-scan fields of a seed do not depend on `scan_share` / `scan`.
    """
    import random

    rng = random.Random(seed)

    def pad_pair() -> tuple[float, float]:
        a = round(rng.uniform(0, 12), 1)
        b = round(rng.uniform(0, 12), 1)
        while abs(a - b) < 0.5:
            b = round(rng.uniform(0, 12), 1)
        return a, b

    font = rng.choice(FONT_CHOICES)
    cell_size = rng.choice([7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12])
    body_size = rng.choice([9, 9.5, 10, 10.5, 11, 12])
    leading = round(rng.uniform(1.15, 1.6), 2)
    pad_left, pad_right = pad_pair()
    pad_top, pad_bottom = pad_pair()
    text_align = rng.choice(["left", "left", "justify", "justify", "centre"])
    header_align = rng.choice(["centre", "centre", "left", "distributed"])
    mark_align = rng.choice(["centre", "centre", "centre", "left"])
    detail_valign = rng.choice(["TOP", "MIDDLE"])
    rules = rng.choice(RULE_LAYOUTS)
    rule_dash = rng.choice(["solid", "solid", "dashed", "dotted"])
    hairline = rng.random() < 0.3
    rule_weight = round(rng.uniform(0.1, 0.3) if hairline else rng.uniform(0.4, 1.2), 2)
    rule_rects = rng.random() < 0.25
    header_shade = round(rng.uniform(0.75, 0.95), 2) if rng.random() < 0.5 else None
    zebra_grey = round(rng.uniform(0.82, 0.95), 2)
    table_gap = round(rng.uniform(0, 30), 1)
    captions = rng.random() < 0.7
    repeat_header = rng.random() < 0.6
    page = rng.choice(list(PAGE_SIZES))
    landscape = rng.random() < 0.3
    detail_landscape = rng.random() < 0.5
    margins_mm = [round(rng.uniform(10, 25), 1) for _ in range(4)]
    table_align = rng.choice(["CENTER", "CENTER", "LEFT"])
    legend_scale = round(rng.uniform(0.4, 1.0), 2)
    widths_base = rng.choice(["platypus", "hrules", "writer"])
    widths_jitter = [round(rng.uniform(0.85, 1.15), 3) for _ in range(8)]
    page_label = rng.choice(["- {n} -", "{n}", "p. {n}", "（{n}）"])
    rule_grey = [0.0 if rng.random() < 0.6 else round(rng.uniform(0.3, 0.6), 2) for _ in range(PER_TABLE)]
    scan_params = {
        "dpi": rng.choice([150, 200, 240, 300]),
        "skew": round(rng.uniform(-1.5, 1.5), 2),
        "quality": rng.randint(50, 95),
        "speckles": rng.randint(50, 1500),
        "shift_mm": [round(rng.uniform(-4, 4), 1), round(rng.uniform(-4, 4), 1)],
        "paper": rng.randint(225, 252),
        "ink": rng.randint(0, 50),
        "blur": round(rng.uniform(0, 0.8), 2),
    }
    is_scan = scan or rng.random() < scan_share
    return RandomStyle(
        seed=seed, font=font, cell_size=cell_size, body_size=body_size, leading=leading,
        pad_left=pad_left, pad_right=pad_right, pad_top=pad_top, pad_bottom=pad_bottom,
        text_align=text_align, header_align=header_align, mark_align=mark_align,
        detail_valign=detail_valign, rules=rules, rule_dash=rule_dash, rule_weight=rule_weight,
        rule_rects=rule_rects, header_shade=header_shade, zebra_grey=zebra_grey, table_gap=table_gap,
        captions=captions, repeat_header=repeat_header, page=page, landscape=landscape,
        detail_landscape=detail_landscape, margins_mm=margins_mm, table_align=table_align,
        legend_scale=legend_scale, widths_base=widths_base, widths_jitter=widths_jitter,
        page_label=page_label, rule_grey=rule_grey, scan=scan_params if is_scan else None,
    )


def _random_font(rs: RandomStyle) -> str:
    """Register the sampled font; "gothic-ttf" without a TrueType font falls back to the CID one."""
    if rs.font == "gothic-ttf":
        name = _register_plain_ttf()
        if name:
            return name
        return _register_cid(CID_FONTS["gothic-cid"])
    return _register_cid(CID_FONTS[rs.font])


def _spread_class():
    from reportlab.platypus import Flowable

    class SpreadText(Flowable):
        """One short line spread evenly over the cell's width (均等割付)."""

        def __init__(self, text: str, font: str, size: float, leading: float):
            super().__init__()
            self.text, self.font, self.size, self.leading = text, font, size, leading
            self.width = 0.0

        def wrap(self, availWidth, availHeight):
            self.width = availWidth
            return availWidth, self.leading

        def draw(self):
            from reportlab.pdfbase.pdfmetrics import stringWidth

            chars = list(self.text)
            widths = [stringWidth(ch, self.font, self.size) for ch in chars]
            gap = (self.width - sum(widths)) / (len(chars) - 1) if len(chars) > 1 else 0.0
            x = 0.0 if len(chars) > 1 else (self.width - sum(widths)) / 2
            y = (self.leading - self.size) / 2 + self.size * 0.12
            self.canv.setFont(self.font, self.size)
            for ch, w in zip(chars, widths, strict=True):
                self.canv.drawString(x, y, ch)
                x += w + gap

    return SpreadText


def _random_table_class(rule_rects: bool, frame_height: float, careful_split: bool = True):
    """A PagedTable class; `rule_rects` is a class attribute so that split parts keep it."""
    from reportlab.lib import colors

    base = _paged_table_class()

    class RandomTable(base):
        """A PagedTable that splits between rows when it can and may draw its rules as filled
        thin rectangles.

        reportlab's split inside a row that lies in a row span moves part of the span's text
        above the span (over the header row on the page before); splitting between rows first,
        and inside a row only when no row boundary fits, keeps the page like the truth.
        """

        #: the frame's height: a table that starts on a fresh page must split there
        frame_height = 0.0
        #: split between rows first and around row spans (False: reportlab's own choice)
        careful_split = True

        def _split_once(self, availWidth, availHeight):
            in_row = self.splitInRow
            self.splitInRow = 0
            try:
                parts = super().split(availWidth, availHeight)
            finally:
                self.splitInRow = in_row
            for p in parts:  # the parts inherit the setting: give them back the in-row split
                if hasattr(p, "splitInRow"):
                    p.splitInRow = in_row
            if not parts and in_row:
                parts = super().split(availWidth, availHeight)
            return parts

        def _cut_span_start(self, first) -> int | None:
            """The first row of a row span that the split giving `first` (the part on this
            page) cuts through while its text needs more height than that part gives it."""
            n = len(first._cellvalues)
            heights = first._argH if all(isinstance(h, (int, float)) for h in first._argH or [None]) \
                else self._rowHeights
            for span in (getattr(self, "_spanRanges", None) or {}).values():
                if not span:
                    continue
                sc, sr, ec, er = span
                if not sr < n <= er:
                    continue
                value = self._cellvalues[sr][sc]
                flowables = [v for v in (value if isinstance(value, (list, tuple)) else [value])
                             if hasattr(v, "wrap")]
                if not flowables:
                    continue
                style = self._cellStyles[sr][sc]
                width = sum(self._colWidths[sc:ec + 1]) - style.leftPadding - style.rightPadding
                need = sum(f.wrap(width, 1e6)[1] for f in flowables) + style.topPadding + style.bottomPadding
                if need > sum(heights[sr:n]) + 0.5:
                    return sr
            return None

        def split(self, availWidth, availHeight):
            """Split between rows when one fits, inside a row only when none does; never where
            a row span's text would overflow the part above the cut (reportlab would draw the
            text over the rows above, e.g. over the header): cut before the span instead, or
            move the whole table to the next page."""
            if not self.careful_split:
                return super().split(availWidth, availHeight)
            parts = self._split_once(availWidth, availHeight)
            for _ in range(8):
                if len(parts) < 2 or not hasattr(parts[0], "_cellvalues"):
                    return parts
                start = self._cut_span_start(parts[0])
                if start is None:
                    return parts
                earlier = []
                if start > self.repeatRows:  # more than the header stays on this page
                    earlier = self._split_once(availWidth, sum(self._rowHeights[:start]) + 0.01)
                if len(earlier) >= 2:
                    parts = earlier
                    continue
                # no earlier cut: the table goes to the next page, unless it already starts one
                return parts if availHeight >= self.frame_height - 1 else []
            return parts

        def _prepLine(self, weight, color):
            super()._prepLine(weight, color)
            self._rect_weight = weight
            self._rect_color = color or colors.black

        def _drawLines(self):
            if not self.rule_rects:
                return super()._drawLines()
            canv = self.canv
            table = self

            def rect_line(x0, y0, x1, y1):
                w = getattr(table, "_rect_weight", 0.5) or 0.5
                canv.setFillColor(getattr(table, "_rect_color", colors.black))
                if y0 == y1:
                    canv.rect(min(x0, x1), y0 - w / 2, abs(x1 - x0), w, stroke=0, fill=1)
                else:
                    canv.rect(x0 - w / 2, min(y0, y1), w, abs(y1 - y0), stroke=0, fill=1)

            canv.saveState()
            canv.line = rect_line
            try:
                super()._drawLines()
            finally:
                del canv.line
                canv.restoreState()

    RandomTable.rule_rects = rule_rects
    RandomTable.frame_height = frame_height
    RandomTable.careful_split = careful_split
    return RandomTable


def _random_widths(table: dict, frame_width: float, rs: RandomStyle, scale: float) -> list[float]:
    """Column widths: a preset jittered per document, every column wide enough for two glyphs."""
    frac = column_fractions(table, rs.widths_base)
    frac = [f * rs.widths_jitter[i % len(rs.widths_jitter)] for i, f in enumerate(frac)]
    total = sum(frac)
    widths = [f / total * frame_width * scale for f in frac]
    need = rs.pad_left + rs.pad_right + 2.2 * rs.cell_size
    for i, w in enumerate(widths):
        if w < need:  # a producer widens a column until a mark fits, at the widest one's cost
            j = max(range(len(widths)), key=lambda k: widths[k])
            widths[j] -= need - w
            widths[i] = need
    return widths


def _rl_random_table(table: dict, index: int, frame_width: float, frame_height: float, rs: RandomStyle,
                     font: str, careful_split: bool = True):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import TableStyle

    grid, spans = grid_of(table)
    n_rows, n_cols = table["n_rows"], table["n_cols"]
    kind = table.get("kind", "")
    marks = center_columns(table)
    hdr = table.get("header_rows", 0)
    scale = rs.legend_scale if kind == "status_legend" else 1.0
    widths = _random_widths(table, frame_width, rs, scale)
    size, lead = rs.cell_size, rs.cell_size * rs.leading
    align = {"left": TA_LEFT, "centre": TA_CENTER, "justify": TA_JUSTIFY}
    base = ParagraphStyle(f"rc{rs.seed}", fontName=font, fontSize=size, leading=lead, wordWrap="CJK")
    body = ParagraphStyle(f"rcb{rs.seed}", parent=base, alignment=align[rs.text_align])
    mark = ParagraphStyle(f"rcm{rs.seed}", parent=base, alignment=align[rs.mark_align])
    head = ParagraphStyle(f"rch{rs.seed}", parent=base,
                          alignment=TA_LEFT if rs.header_align == "left" else TA_CENTER)
    spread = _spread_class()
    span_width = {(r0, c0): sum(widths[c0:c1 + 1]) for (c0, r0, c1, r1) in spans}
    data = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            text = grid[r][c]
            if not text:
                row.append("")
                continue
            if r < hdr:
                inner = span_width.get((r, c), widths[c]) - rs.pad_left - rs.pad_right
                if (rs.header_align == "distributed" and "\n" not in text and len(text) <= 8
                        and stringWidth(text, font, size) <= inner):
                    row.append(spread(text, font, size, lead))
                    continue
                row.append(_cell_para(text, head))
            else:
                row.append(_cell_para(text, mark if c in marks else body))
        data.append(row)
    grey = rs.rule_grey[index % len(rs.rule_grey)]
    colour = colors.Color(grey, grey, grey) if grey else colors.black
    dash = {"solid": None, "dashed": (3, 2), "dotted": (0.6, 1.2)}[rs.rule_dash]
    w = rs.rule_weight
    cmds: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE" if kind != "detail" else rs.detail_valign),
        ("LEFTPADDING", (0, 0), (-1, -1), rs.pad_left),
        ("RIGHTPADDING", (0, 0), (-1, -1), rs.pad_right),
        ("TOPPADDING", (0, 0), (-1, -1), rs.pad_top),
        ("BOTTOMPADDING", (0, 0), (-1, -1), rs.pad_bottom),
    ]
    if hdr:
        cmds.append(("VALIGN", (0, 0), (-1, hdr - 1), "MIDDLE"))
    for (c0, r0, c1, r1) in spans:
        cmds.append(("SPAN", (c0, r0), (c1, r1)))

    def line(op, start, stop, weight):
        cmds.append((op, start, stop, weight, colour, None, dash))

    def row_rules(weight_of):
        """A rule above every row, interrupted where it would cross a merged cell."""
        for r in range(1, n_rows):
            run_start = None
            for c in range(n_cols + 1):
                open_ = c < n_cols and not _covered_boundary(spans, r, c)
                if open_ and run_start is None:
                    run_start = c
                elif not open_ and run_start is not None:
                    line("LINEABOVE", (run_start, r), (c - 1, r), weight_of(r))
                    run_start = None

    last = n_rows - 1
    if rs.rules == "grid":
        line("GRID", (0, 0), (-1, -1), w)
    elif rs.rules == "frame":
        line("BOX", (0, 0), (-1, -1), w)
        if hdr:
            line("LINEBELOW", (0, hdr - 1), (-1, hdr - 1), w)
    elif rs.rules == "hrules":
        line("LINEABOVE", (0, 0), (-1, 0), w)
        line("LINEBELOW", (0, last), (-1, last), w)
        row_rules(lambda r: w)
    elif rs.rules == "header_bottom":
        if hdr:
            line("LINEBELOW", (0, hdr - 1), (-1, hdr - 1), w)
        line("LINEBELOW", (0, last), (-1, last), w)
    elif rs.rules == "booktabs":
        thick = max(w * 2.2, 0.8)
        line("LINEABOVE", (0, 0), (-1, 0), thick)
        line("LINEBELOW", (0, last), (-1, last), thick)
        if hdr:
            line("LINEBELOW", (0, hdr - 1), (-1, hdr - 1), w)
    elif rs.rules == "zebra":
        band = colors.Color(rs.zebra_grey, rs.zebra_grey, rs.zebra_grey)
        cmds.append(("ROWBACKGROUNDS", (0, hdr), (-1, -1), [colors.white, band]))
        for (c0, r0, c1, r1) in spans:  # a merged cell takes its first row's fill
            if r1 > r0 and r0 >= hdr:
                fill = colors.white if (r0 - hdr) % 2 == 0 else band
                cmds.append(("BACKGROUND", (c0, r0), (c1, r1), fill))
    if rs.header_shade is not None and hdr:
        g = rs.header_shade
        cmds.append(("BACKGROUND", (0, 0), (-1, hdr - 1), colors.Color(g, g, g)))
    cls = _random_table_class(rs.rule_rects, frame_height, careful_split)
    return cls(data, colWidths=widths, repeatRows=hdr if (hdr and rs.repeat_header) else 0,
               style=TableStyle(cmds), splitInRow=1, hAlign="RIGHT" if kind == "status_legend" else rs.table_align)


def _cell_para(text: str, style):
    """A cell Paragraph: wrapping inside the cell, typed breaks kept as breaks."""
    from reportlab.platypus import Paragraph

    return Paragraph(xml_escape(text).replace("\n", "<br/>"), style)


def render_random(truth: dict, out: Path, rs: RandomStyle) -> tuple[str, str]:
    """The truth drawn with reportlab platypus in the conventions `rs` samples.

    Returns (font used, split mode): tables split between rows and around row spans
    ("careful"); when reportlab then finds no way to lay a continuation out (LayoutError), the
    document is drawn again with reportlab's own split points ("reportlab").
    """
    from reportlab.platypus.doctemplate import LayoutError

    try:
        return _render_random(truth, out, rs, careful_split=True), "careful"
    except LayoutError:
        return _render_random(truth, out, rs, careful_split=False), "reportlab"


def _render_random(truth: dict, out: Path, rs: RandomStyle, *, careful_split: bool) -> str:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    font = _random_font(rs)
    if rs.scan is not None and font.startswith("Heisei") and rs.font == "gothic-cid":
        font = _register_plain_ttf() or font  # a printed page shows the font's own glyphs
    w, h = PAGE_SIZES[rs.page]
    portrait = (w, h)
    land = (h, w)
    first = land if rs.landscape else portrait
    detail = land if rs.detail_landscape else first
    ml, mr, mt, mb = (m * MM for m in rs.margins_mm)
    bs = rs.body_size
    base = ParagraphStyle(f"rb{rs.seed}", fontName=font, fontSize=bs, leading=bs * 1.45, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("t", parent=base, fontSize=bs + 4, leading=(bs + 4) * 1.4,
                                alignment=TA_CENTER, spaceAfter=6),
        "right": ParagraphStyle("r", parent=base, alignment=TA_RIGHT, spaceAfter=8),
        "heading": ParagraphStyle("h", parent=base, fontSize=bs + 1.5, leading=(bs + 1.5) * 1.5,
                                  spaceBefore=8, spaceAfter=3, keepWithNext=1),
        "para": ParagraphStyle("p", parent=base, firstLineIndent=bs, leftIndent=8, spaceAfter=4),
        "caption": ParagraphStyle("c", parent=base, fontSize=bs + 0.5, leading=(bs + 0.5) * 1.5,
                                  spaceBefore=6, spaceAfter=3, keepWithNext=1),
    }

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8.5)
        canvas.drawCentredString(canvas._pagesize[0] / 2, mb / 2, rs.page_label.format(n=doc.page))
        canvas.restoreState()

    def frame(size, ident):
        return Frame(ml, mb, size[0] - ml - mr, size[1] - mt - mb, id=ident,
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    doc = BaseDocTemplate(
        str(out), pagesize=first, leftMargin=ml, rightMargin=mr, topMargin=mt, bottomMargin=mb,
        title=truth["title"], author=f"{truth.get('municipality', '')}",
        subject=f"dxextract variant random-{rs.seed}", creator=f"dxextract make_variants (random-{rs.seed})",
        invariant=1,
    )
    doc.addPageTemplates([
        PageTemplate(id="first", frames=[frame(first, "f")], pagesize=first, onPage=footer),
        PageTemplate(id="detail", frames=[frame(detail, "d")], pagesize=detail, onPage=footer),
    ])
    story: list = []
    frame_w = {"first": first[0] - ml - mr, "detail": detail[0] - ml - mr}
    frame_h = {"first": first[1] - mt - mb, "detail": detail[1] - mt - mb}
    current = "first"
    index = {id(t): i for i, t in enumerate(truth.get("tables", []))}
    for b in document_blocks(truth):
        if b.kind == "landscape":  # the detail tables start a new page, in their orientation
            story += [NextPageTemplate("detail"), PageBreak()]
            current = "detail"
        elif b.kind == "table":
            assert b.table is not None
            story.append(_rl_random_table(b.table, index[id(b.table)], frame_w[current], frame_h[current], rs,
                                          font, careful_split))
            story.append(Spacer(1, rs.table_gap))
        elif b.kind == "caption" and not rs.captions:
            continue
        else:
            story.append(Paragraph(xml_escape(b.text), styles[b.kind]))
    doc.build(story)
    return font


def rasterize_like_a_scanner(src: Path, out: Path, scan: dict, seed: int) -> None:
    """An image-only PDF as people scan: grey JPEG pages at `dpi`, skewed, shifted, speckled.

    `scan` holds dpi, skew (degrees), quality (JPEG), speckles (dots a page), shift_mm
    ([dx, dy]), paper and ink grey levels and blur (px); the noise is drawn from
    random.Random(seed).
    """
    import random

    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(f"scan-{seed}")
    dpi = int(scan["dpi"])
    px_per_mm = dpi / 25.4
    paper, ink = int(scan["paper"]), int(scan["ink"])
    lut = [round(ink + (paper - ink) * v / 255) for v in range(256)]
    pdf = pdfium.PdfDocument(str(src))
    images: list[Image.Image] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            img = img.point(lut)
            dx, dy = (v * px_per_mm for v in scan["shift_mm"])
            img = img.rotate(float(scan["skew"]), resample=Image.Resampling.BICUBIC, expand=False,
                             fillcolor=paper, translate=(dx, dy))
            draw = ImageDraw.Draw(img)
            for _ in range(int(scan["speckles"])):
                x, y = rng.uniform(0, img.width), rng.uniform(0, img.height)
                r = rng.choice((0.5, 0.5, 1.0, 1.5))
                draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(ink, ink + 90))
            if scan["blur"]:
                img = img.filter(ImageFilter.GaussianBlur(float(scan["blur"])))
            images.append(img)
    finally:
        pdf.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi),
                   quality=int(scan["quality"]), title="scan",
                   creationDate=time.strptime("2024-04-01", "%Y-%m-%d"),
                   modDate=time.strptime("2024-04-01", "%Y-%m-%d"))
    out.write_bytes(buf.getvalue())


def route_random(truth: dict, out: Path, seed: int, *, scan_share: float = 0.0, scan: bool = False) -> Path:
    """Render `truth` in the conventions of seed `seed` to `out`; write `<out>.style.json` beside.

    Returns the path of the sidecar. A scan seed is drawn first to a temporary PDF, then
    rasterised by `rasterize_like_a_scanner`.
    """
    from dataclasses import asdict

    rs = random_style(seed, scan_share=scan_share, scan=scan)
    record = asdict(rs)
    if rs.scan is not None:
        with tempfile.TemporaryDirectory(prefix="dxvar_random_") as td:
            src = Path(td) / "source.pdf"
            record["font_used"], record["split_mode"] = render_random(truth, src, rs)
            rasterize_like_a_scanner(src, out, rs.scan, seed)
    else:
        record["font_used"], record["split_mode"] = render_random(truth, out, rs)
    sidecar = out.with_suffix(".style.json")
    sidecar.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return sidecar


def random_variant_path(truth: dict, out_dir: Path, seed: int) -> Path:
    return out_dir / f"{truth['id']}__random-{seed}.pdf"


# --------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------


def make_variant(truth: dict, route: str, out_dir: Path, *, scan_source: str = "platypus",
                 truth_path: Path | None = None, dpi: int = 200, skew: float = 0.0) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{truth['id']}__{route}.pdf"
    if route == "platypus":
        route_platypus(truth, out)
    elif route == "hrules":
        route_hrules(truth, out)
    elif route == "radicals":
        route_radicals(truth, out)
    elif route == "writer":
        route_writer(truth, out)
    elif route == "calc":
        route_calc(truth, out)
    elif route == "docx":
        route_docx(truth, out)
    elif route == "scan":
        src = None
        if scan_source == "original":
            if truth_path is None or not truth_path.with_suffix(".pdf").is_file():
                raise RouteUnavailable("--scan-source original needs the PDF beside the truth JSON")
            src = truth_path.with_suffix(".pdf")
        route_scan(truth, out, source=src, dpi=dpi, skew=skew)
    else:
        raise ValueError(f"unknown route {route!r}")
    return out


def parse_seeds(specs: Iterable[str]) -> list[int]:
    """"0-99", "7", "3,5,9" (and several of them) -> the seeds in order, each once."""
    seeds: list[int] = []
    for spec in specs:
        for part in str(spec).split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part[1:]:
                lo, hi = part.split("-", 1) if not part.startswith("-") else part[1:].split("-", 1)
                seeds += range(int(lo), int(hi) + 1)
            else:
                seeds.append(int(part))
    return list(dict.fromkeys(seeds))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", action="append", required=True, type=Path, help="ground-truth JSON (repeatable)")
    ap.add_argument("--out", required=True, type=Path, help="output folder")
    ap.add_argument("--routes", nargs="+", default=list(ROUTES), choices=ROUTES)
    ap.add_argument("--scan-source", choices=("platypus", "original"), default="platypus",
                    help="what the scan route rasterises (original = the PDF beside the truth JSON)")
    ap.add_argument("--dpi", type=int, default=200, help="scan resolution")
    ap.add_argument("--scan-skew", type=float, default=0.0, help="rotate scanned pages by this many degrees")
    ap.add_argument("--strict", action="store_true", help="fail when a route is unavailable")
    ap.add_argument("--random", action="store_true",
                    help="render one randomly sampled producer per --seed instead of the fixed routes")
    ap.add_argument("--seed", nargs="+", default=["0"], metavar="N",
                    help="seeds for --random: numbers or ranges such as 0-99")
    ap.add_argument("--scan-share", type=float, default=0.0,
                    help="with --random: the share of seeds drawn as scans (decided per seed)")
    ap.add_argument("--scan", action="store_true", help="with --random: every seed is a scan")
    args = ap.parse_args(argv)
    rc = 0
    if args.random:
        for tp in args.truth:
            truth = json.loads(tp.read_text(encoding="utf-8"))
            for seed in parse_seeds(args.seed):
                t0 = time.perf_counter()
                args.out.mkdir(parents=True, exist_ok=True)
                out = random_variant_path(truth, args.out, seed)
                route_random(truth, out, seed, scan_share=args.scan_share, scan=args.scan)
                print(f"{out}  ({time.perf_counter() - t0:.1f} s)")
        return rc
    for tp in args.truth:
        truth = json.loads(tp.read_text(encoding="utf-8"))
        for route in args.routes:
            t0 = time.perf_counter()
            try:
                out = make_variant(truth, route, args.out, scan_source=args.scan_source, truth_path=tp,
                                   dpi=args.dpi, skew=args.scan_skew)
            except RouteUnavailable as e:
                print(f"SKIP {truth['id']} {route}: {e}", file=sys.stderr)
                if args.strict:
                    rc = 2
                continue
            print(f"{out}  ({time.perf_counter() - t0:.1f} s)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
