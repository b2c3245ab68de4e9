"""scripts/make_variants.py renders the r5 truth through every route that can run here."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from conftest import load_truth
from truth_frames import load_make_variants

pytest.importorskip("reportlab")
pdfplumber = pytest.importorskip("pdfplumber")

mv = load_make_variants()


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth("kasama_dx_r5")


@pytest.fixture(scope="module")
def rendered(truth, tmp_path_factory):
    """Render each route once; value is the PDF path, or the reason it could not run."""
    out = tmp_path_factory.mktemp("variants")
    cache: dict[str, Path | str] = {}

    def get(route: str) -> Path:
        if route not in cache:
            try:
                cache[route] = mv.make_variant(truth, route, out)
            except mv.RouteUnavailable as e:
                cache[route] = str(e)
        res = cache[route]
        if isinstance(res, str):
            pytest.skip(f"route {route} unavailable here: {res}")
        return res

    return get


# pdfminer maps two Adobe-Japan1 CIDs of the (non-embedded) Heisei fonts to other code points
# than were drawn: U+2014 EM DASH comes back as U+0336, U+FF5E as U+301C.
_FOLD = str.maketrans({"\u0336": "\u2014", "\u301c": "~", "\uff5e": "~"})


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", mv.from_radicals(text)).translate(_FOLD)
    return "".join(text.split())


def page_texts(pdf_path: Path) -> list[str]:
    with pdfplumber.open(pdf_path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def truth_text(truth: dict) -> str:
    parts = [truth["title"]]
    for s in truth["sections"]:
        parts.append(s.get("heading", ""))
        parts.extend(s.get("paragraphs", []))
    for t in truth["tables"]:
        parts.append(t.get("caption", ""))
        parts.extend(c["text"] for c in t["cells"])
    return "".join(parts)


def short_cells(truth: dict) -> list[str]:
    """Cell texts short enough not to wrap in any route's column widths."""
    out = []
    for t in truth["tables"]:
        for c in t["cells"]:
            if t["kind"] == "status_matrix" and c["c"] != 2:  # narrow columns: 令和5年/度, 取り下/げ
                continue
            text = c["text"]
            if text and "\n" not in text and 2 <= len(text) <= 8 and text not in out:
                out.append(text)
    return out


TEXT_ROUTES = ["platypus", "hrules", "writer", "radicals", "calc", "docx"]


@pytest.mark.parametrize("route", TEXT_ROUTES)
def test_text_layer_has_the_content(route, truth, rendered):
    pdf_path = rendered(route)
    pages = page_texts(pdf_path)
    assert len(pages) >= 3
    raw = "\n".join(pages)
    joined = norm(raw)
    assert norm(truth["title"]) in joined
    lines = {norm(line) for line in raw.splitlines()}
    samples = short_cells(truth)
    assert len(samples) >= 10
    missing = [s for s in samples if not any(norm(s) in line for line in lines)]
    assert not missing, f"{route}: short cells not found on any line: {missing[:10]}"
    # Every printed character of the report is in the text layer (repeats and page numbers only add).
    want = Counter(norm(truth_text(truth)))
    have = Counter(joined)
    short = {ch: n - have[ch] for ch, n in want.items() if have[ch] < n}
    assert not short, f"{route}: characters missing from the text layer: {dict(list(short.items())[:20])}"


def test_radicals_route_yields_radicals(rendered):
    raw = "".join(page_texts(rendered("radicals")))
    kangxi = [ch for ch in raw if 0x2F00 <= ord(ch) <= 0x2FD5]
    assert len(kangxi) > 50
    assert "\u2f64" in raw  # ⽤ for 用
    assert "用" not in raw
    assert mv.to_radicals("長青食用") == "\u2ed1\u2ed8\u2edd\u2f64"
    assert norm(mv.to_radicals("利用者の見直し")) == "利用者の見直し"


def test_platypus_has_grid_and_repeated_header(truth, rendered):
    pdf_path = rendered("platypus")
    with pdfplumber.open(pdf_path) as pdf:
        assert any(e["orientation"] == "v" for p in pdf.pages for e in p.edges)
        texts = [p.extract_text() or "" for p in pdf.pages]
    # the status matrix and the 基本戦略2 detail table continue over pages with their header row
    assert sum("令和6年度の予定" in t for t in texts) >= 6
    assert sum("令和7年" in t for t in texts) >= 2  # the narrow year column wraps 令和7年/度


def test_hrules_has_no_vertical_rules(rendered):
    with pdfplumber.open(rendered("hrules")) as pdf:
        assert len(pdf.pages) >= 3
        n_h = 0
        for page in pdf.pages:
            assert not [e for e in page.edges if e["orientation"] == "v"], f"vertical edge on p.{page.page_number}"
            assert not page.rects
            n_h += sum(1 for e in page.edges if e["orientation"] == "h")
        assert n_h > 50


def test_scan_is_image_only(rendered):
    with pdfplumber.open(rendered("scan")) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            assert not page.chars
            assert len(page.images) == 1


def test_writer_route_or_clear_skip(rendered):
    if mv.find_soffice() is None:
        pytest.skip("soffice (LibreOffice) not installed: apt-get install libreoffice-writer-nogui fonts-noto-cjk")
    with pdfplumber.open(rendered("writer")) as pdf:
        assert len(pdf.pages) >= 3
        assert "LibreOffice" in (pdf.metadata.get("Producer") or "")


def test_document_order(truth):
    kinds = [b.kind for b in mv.document_blocks(truth)]
    assert kinds[0] == "title"
    tables = [b.table["id"] for b in mv.document_blocks(truth) if b.kind == "table"]
    assert tables == [t["id"] for t in truth["tables"]]
    headings = [b.text for b in mv.document_blocks(truth) if b.kind in ("heading", "caption")]
    for s in truth["sections"]:
        if s["heading"]:
            assert s["heading"] in headings
    for t in truth["tables"]:
        if t["caption"]:
            assert t["caption"] in headings


def test_radical_table_from_unicodedata():
    table = mv.radical_table()
    assert table["人"] == "\u2f08" and table["見"] == "\u2f92" and table["方"] == "\u2f45"
    assert table["長"] == "\u2ed1"
    for uni, rad in table.items():
        if 0x2F00 <= ord(rad) <= 0x2FD5:
            assert unicodedata.normalize("NFKC", rad) == uni


# --- office routes: openpyxl workbook -> Calc, python-docx document -> Writer -----------------


def _office_pdf(route: str, rendered) -> Path:
    """The route's PDF, or a skip that names what to install."""
    if mv.find_soffice() is None:
        pytest.skip("soffice (LibreOffice) not installed: apt-get install libreoffice-writer-nogui "
                    "libreoffice-calc-nogui fonts-noto-cjk")
    return rendered(route)


def test_calc_workbook_is_laid_out_like_the_corpus_workbook(truth):
    pytest.importorskip("openpyxl")
    from openpyxl.utils import get_column_letter

    wb = mv.truth_to_workbook(truth)
    names = wb.sheetnames
    assert names[:2] == ["概要", "実施状況"]
    details = [wb[n] for n in names[2:]]
    assert len(details) == sum(t["kind"] == "detail" for t in truth["tables"])
    assert wb["概要"].page_setup.orientation == "portrait"
    for ws in details:
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows  # the header row repeats where the table continues
    assert wb["実施状況"].print_title_rows
    # merged ranges for every span of every table (+ the merged text rows)
    n_spans = sum(1 for t in truth["tables"] for c in t["cells"] if c.get("rs", 1) > 1 or c.get("cs", 1) > 1)
    n_merged = sum(len(ws.merged_cells.ranges) for ws in wb.worksheets)
    assert n_merged >= n_spans
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("\n" in v for v in values)  # typed breaks kept as line feeds in the values
    # every table cell: thin border, wrap_text, Noto Sans CJK JP; rows sized (LibreOffice 7.4
    # does not compute optimal heights for an .xlsx's rows)
    ws = details[1]
    header_row = int(ws.print_title_rows.split(":")[0].lstrip("$"))
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row - 1, max_col=4):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
            assert cell.alignment.wrap_text
            assert cell.font.name == "Noto Sans CJK JP"
        assert ws.row_dimensions[row[0].row].height
    # the 取り組み column is clearly narrower than the corpus's (47% of the table there)
    widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, 5)]
    assert widths[1] / sum(widths) < 0.40


def test_calc_route_prints_through_calc(truth, rendered):
    pdf_path = _office_pdf("calc", rendered)
    with pdfplumber.open(pdf_path) as pdf:
        assert "LibreOffice" in (pdf.metadata.get("Producer") or "")
        assert pdf.metadata.get("Creator") == "Calc"
        fonts = {c["fontname"].split("+")[-1] for p in pdf.pages for c in p.chars}
        assert fonts and all(f.startswith("NotoSansCJK") for f in fonts), fonts
        assert any(p.width > p.height for p in pdf.pages)  # landscape detail sheets
        assert any(e["orientation"] == "v" for p in pdf.pages for e in p.edges)
        texts = [p.extract_text() or "" for p in pdf.pages]
    n_detail = sum(t["kind"] == "detail" for t in truth["tables"])
    assert sum("令和6年度の予定" in t for t in texts) > n_detail  # header printed again on continuations
    assert sum("令和7" in t for t in texts) >= 2  # the status matrix's header row repeats


def test_docx_document_marks_headers_and_both_kinds_of_breaks(truth):
    pytest.importorskip("docx")
    from docx.oxml.ns import qn

    doc = mv.truth_to_docx(truth)
    tables = doc.tables
    assert len(tables) == len(truth["tables"])
    assert all(t.style.name == "Table Grid" for t in tables)
    for t, spec in zip(tables, truth["tables"], strict=True):
        for r in range(spec.get("header_rows", 0)):
            assert t.rows[r]._tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    body = doc.element.body
    brs = [br for tc in body.iter(qn("w:tc")) for br in tc.iter(qn("w:br"))]
    multi_para = [tc for tc in body.iter(qn("w:tc")) if len(tc.findall(qn("w:p"))) > 1]
    assert brs and multi_para  # typed breaks as <w:br/> and as separate paragraphs
    assert any(s.orientation == 1 for s in doc.sections)  # WD_ORIENT.LANDSCAPE
    # merged cells: gridSpan for colspans, vMerge for rowspans
    assert any(True for _ in body.iter(qn("w:gridSpan")))
    assert any(True for _ in body.iter(qn("w:vMerge")))


def test_docx_route_prints_through_writer(truth, rendered):
    pytest.importorskip("docx", reason="python-docx not installed: pip install python-docx")
    pdf_path = _office_pdf("docx", rendered)
    with pdfplumber.open(pdf_path) as pdf:
        assert "LibreOffice" in (pdf.metadata.get("Producer") or "")
        assert pdf.metadata.get("Creator") == "Writer"
        assert pdf.pages[0].width < pdf.pages[0].height
        assert any(p.width > p.height for p in pdf.pages)
        portrait = [p.extract_text() or "" for p in pdf.pages if p.width < p.height]
        landscape = [p.extract_text() or "" for p in pdf.pages if p.width > p.height]
    # w:tblHeader repeats the header rows: the status matrix's (its narrow year cells wrap to
    # 令和/7年/度, so look at the first line of the matrix's pages) and the detail tables'
    starts_with_header = [t for t in portrait if t.splitlines()[0].replace(" ", "").startswith("令和令和令和")]
    assert len(starts_with_header) >= 2
    n_detail = sum(t["kind"] == "detail" for t in truth["tables"])
    assert sum(t.count("令和6年度の予定") for t in landscape) > n_detail
