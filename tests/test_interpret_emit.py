"""Recognizers of the report layer, the emitter's folder handling, `dxextract run`, a long PDF."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import RAW, cli_env
from dxextract.errors import OutputExistsError
from dxextract.families.interpret import classify_table, departments_of, one_line, read_number
from dxextract.model import BBox, Cell, Table
from dxextract.output.emit import frame_to_csv, write_folder
from dxextract.profile import load_profile


@pytest.mark.parametrize(("text", "number"), [
    ("①デジタル能力", 1), ("⑳", 20), ("(2) 行政手続き", 2), ("（３）", 3), ("基本戦略4. デジタル", 4),
    ("基本戦略５", 5), ("なし", None),
])
def test_read_number(text: str, number: int | None) -> None:
    assert read_number(text) == number


def test_one_line_joins_breaks_like_wrapping() -> None:
    assert one_line("③ ITパスポート\n(国家資格)の合格者") == "③ ITパスポート(国家資格)の合格者"
    assert one_line("BPR\nsystem") == "BPR system"


def grid(rows: list[list[str]]) -> Table:
    cells = tuple(Cell(r, c, 1, 1, text, 1, BBox(c * 50, r * 20, c * 50 + 50, r * 20 + 20))
                  for r, row in enumerate(rows) for c, text in enumerate(row))
    return Table("t01", cells, len(rows), len(rows[0]), 0, (1,))


def test_tables_are_recognized_by_content() -> None:
    p = load_profile()
    matrix = grid([["", "", "令和6年度", "令和7年度"], ["(1) 推進", "①項目", "○", "—"], ["", "②項目", "▲", "—"]])
    assert classify_table(matrix, p) == "status_matrix"
    detail = grid([["施策", "令和6年度の取り組み", "状況", "令和7年度の予定"], ["(1) 推進", "a", "b", "c"]])
    assert classify_table(detail, p) == "detail"
    legend = grid([["凡例", "取り組みが進行中の項目", "〇"], ["", "取り組みが遅れている項目", "▲"]])
    assert classify_table(legend, p) == "status_legend"
    panel = grid([["① 削減時間", "② 合格者", "③ 講座"], ["8,411時間以上", "8人", "14,769回"]])
    assert classify_table(panel, p) == "kpi_panel"
    numbered_list = grid([["①窓口", "市民課"], ["②決済", "会計課"], ["③契約", "契約検査課"]])
    assert classify_table(numbered_list, p) == "other"
    # a year header wrapped by a narrow column is still a year header
    wrapped = grid([["", "令和6年\n度", "令和7年\n度"], ["①項目", "取り下\nげ", "—"]])
    assert classify_table(wrapped, p) == "status_matrix"


def test_departments_are_parenthesized_names_of_offices() -> None:
    p = load_profile()
    assert departments_of("一元化を進めた。\n（資源循環課 健康医療政策課 こども政策課）", p) == \
        ("資源循環課", "健康医療政策課", "こども政策課")
    assert departments_of("平均点19.1点（40点満点）", p) == ()


def test_write_folder_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="--force"):
        write_folder(out, {"a.csv": b"x\n"}, {}, force=False)
    assert (out / "notes.txt").read_text() == "mine"
    write_folder(out, {"a.csv": b"x\n"}, {}, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no temporary folder left behind"


def test_csv_numbers_are_plain() -> None:
    import pandas as pd

    df = pd.DataFrame({"value": [8411.0, 9.7, None], "unit": ["時間", "%", None]})
    assert frame_to_csv(df).decode() == "value,unit\n8411,時間\n9.7,%\n,\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = cli_env()
    return subprocess.run([sys.executable, "-m", "dxextract", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_run_ingests_raw_and_skips_unchanged(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "kasama_dx_r5.pdf").write_bytes((RAW / "kasama_dx_r5.pdf").read_bytes())
    first = _cli("run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "normalized" / "082163_2023" / "manifest.json").exists()
    second = _cli("run", cwd=tmp_path)
    assert second.returncode == 0 and "unchanged" in second.stderr


def _long_pdf(path: Path, pages: int) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), invariant=1)
    for p in range(pages):
        for i in range(6):
            c.line(50, 700 - 30 * i, 450, 700 - 30 * i)
        for x in (50, 250, 450):
            c.line(x, 700, x, 550)
        for i in range(5):
            c.drawString(60, 680 - 30 * i, f"row {p}-{i}")
            c.drawString(260, 680 - 30 * i, str(p * 10 + i))
        c.showPage()
    c.save()


def test_a_long_pdf_finishes_in_bounded_memory(tmp_path: Path) -> None:
    """Hundreds of pages: the per-page stages keep no page's characters once it is done."""
    from dxextract.pipeline import IngestSettings, process_pdf

    pdf = tmp_path / "long.pdf"
    _long_pdf(pdf, 300)
    tracemalloc.start()
    out = process_pdf(pdf, IngestSettings(validate=False))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert out.manifest["pages"] == 300
    assert len(out.frames["tables.csv"]) >= 300 * 10
    assert peak < 400 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def _table_pdf(path: Path, texts: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    c = canvas.Canvas(str(path), invariant=1)
    c.setFont("HeiseiKakuGo-W5", 10)
    top, n = 700, len(texts)
    for i in range(n + 1):
        c.line(50, top - 30 * i, 450, top - 30 * i)
    for x in (50, 250, 450):
        c.line(x, top, x, top - 30 * n)
    for i, t in enumerate(texts):
        c.drawString(60, top - 30 * i - 20, t)
        c.drawString(260, top - 30 * i - 20, str(i))
    c.save()


def test_a_word_mixing_japanese_and_cyrillic_is_warned_with_its_page_and_cell(tmp_path: Path) -> None:
    from dxextract.pipeline import IngestSettings, process_pdf

    pdf = tmp_path / "mixed.pdf"
    _table_pdf(pdf, ["デジタルデバйド対策", "市民サービス"])
    out = process_pdf(pdf, IngestSettings(validate=False))
    warned = [w for w in out.manifest["warnings"] if "Cyrillic" in w]
    assert len(warned) == 1 and "page 1" in warned[0] and "r0c0" in warned[0], out.manifest["warnings"]


def test_text_a_reader_cannot_see_is_not_extracted(tmp_path: Path) -> None:
    """Clipped-away text (Calc repeats a cut merged cell's text outside a clip) and white text."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from dxextract.pdf.extract import pdf_to_pages

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    pdf = tmp_path / "hidden.pdf"
    c = canvas.Canvas(str(pdf), invariant=1)
    c.setFont("HeiseiKakuGo-W5", 10)
    c.drawString(60, 700, "見える文字")
    c.saveState()
    clip = c.beginPath()
    clip.rect(50, 600, 200, 30)
    c.clipPath(clip, stroke=0, fill=0)
    c.drawString(60, 660, "隠れた文字")  # outside the clip: never painted
    c.drawString(60, 610, "枠内の文字")  # inside the clip: painted
    c.restoreState()
    c.setFillColorRGB(1, 1, 1)
    c.drawString(60, 560, "白い文字")
    c.save()
    text = "".join(ch.text for page in pdf_to_pages(pdf) for ch in page.chars)
    assert "見える文字" in text and "枠内の文字" in text
    assert "隠れた文字" not in text and "白い文字" not in text


def test_matrix_numbers_misread_by_ocr_fall_back_to_row_order() -> None:
    from dxextract.families.interpret import read_status_matrix

    p = load_profile()
    # an OCR'd matrix: the first year header lost its era, a measure lost its digit, an item
    # mark was misread (③ for ②)
    matrix = grid([["", "", "", "信和5年度", "令和6年度", "令和7年度"],
                   ["基本戦略1. 育成", "(1) 発掘", "①調査", "○", "—", "—"],
                   ["", "", "③研修", "▲", "—", "—"],
                   ["", "(の) 管理", "①進捗", "○", "—", "—"]])
    # merge the strategy cell over the three rows and the first measure over two
    cells = [c for c in matrix.cells if not ((c.c == 0 and c.r in (2, 3)) or (c.c == 1 and c.r == 2))]
    cells = [replace(c, rowspan=3) if (c.r, c.c) == (1, 0) else replace(c, rowspan=2) if (c.r, c.c) == (1, 1)
             else c for c in cells]
    table = replace(matrix, cells=tuple(cells), header_rows=1)
    warnings: list = []
    items = read_status_matrix(table, p, 2023, warnings)
    got = sorted({(i.strategy_no, i.measure_no, i.item_no, i.item) for i in items})
    assert got == [(1, 1, 1, "調査"), (1, 1, 2, "研修"), (1, 2, 1, "進捗")]
    assert {i.fy for i in items} == {2023, 2024, 2025}
    assert any("numbered by row order" in w.message for w in warnings)
