"""The auditor's report: one offline HTML per year and per comparison, its charts checked
against the CSVs through their data-* attributes, its look checked in headless Chromium."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dxextract.cli import main
from dxextract.output.report_html import JAPANESE_FONTS, build_report, load_year

REPO = Path(__file__).resolve().parents[1]
NORMALIZED = REPO / "normalized"
OLD, NEW = NORMALIZED / "082163_2023", NORMALIZED / "082163_2024"
TRUTH_R6 = REPO / "tests" / "data" / "corpus" / "kasama_dx_r6.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the tags open around it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.found.append((tag, a, tuple(self.stack)))
        if tag not in ("img", "meta", "br"):  # void elements: no end tag follows
            self.stack.append(f"{tag}#{a.get('id', '')}.{a.get('class', '')}")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].startswith(f"{tag}#"):
                del self.stack[i:]
                break

    def tags(self, tag: str) -> list[tuple[dict[str, str], tuple[str, ...]]]:
        return [(a, around) for t, a, around in self.found if t == tag]


def _parse(html: str) -> _Elements:
    p = _Elements()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def year_html() -> str:
    return build_report([load_year(NEW, REPO / "raw" / "kasama_dx_r6.pdf")])


@pytest.fixture(scope="module")
def yoy_html() -> str:
    return build_report([load_year(NEW, search=[REPO / "raw"]), load_year(OLD, search=[REPO / "raw"])])


def _png(src: str) -> Image.Image:
    assert src.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")


def _has_colour(image: Image.Image, rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    return bool((np.abs(pixels - np.array(rgb)) <= tolerance).all(axis=2).any())


def test_every_audit_finding_shows_its_crop_and_the_planted_error_is_there(year_html: str) -> None:
    audit = pd.read_csv(NEW / "audit.csv")
    findings = [a for a, _ in _parse(year_html).tags("section") if "finding" in a.get("class", "")]
    assert len(findings) == len(audit)
    assert Counter(f["data-severity"] for f in findings) == Counter(audit["severity"])
    crops = [(a, _png(a["src"])) for a, _ in _parse(year_html).tags("img") if "crop" in a.get("class", "")]
    assert len(crops) == len(audit)
    for attrs, image in crops:
        assert image.width > 300 and 40 < image.height < 600, (attrs["data-page"], image.size)
        assert _has_colour(image, (211, 47, 47)), "the figure's characters are boxed in red"
        assert _has_colour(image, (245, 124, 0)), "the cell is outlined in orange"
    truth = json.loads(TRUTH_R6.read_text(encoding="utf-8"))
    for planted in truth["planted_inconsistencies"]:
        assert planted["raw"] in year_html, planted
        printed = float(re.match(r"[\d.]+", planted["raw"]).group())  # type: ignore[union-attr]
        errors = audit[(audit.severity == "error") & (audit.printed == printed)]
        assert len(errors) == 1, planted
        assert any(f["data-severity"] == "error" and f["data-page"] == str(int(errors.page.iloc[0]))
                   for f in findings)


def _status_rects(html: str) -> Counter[tuple[int, int, str]]:
    out: Counter[tuple[int, int, str]] = Counter()
    for a, _ in _parse(html).tags("rect"):
        if "data-status" in a:
            out[(int(a["data-strategy"]), int(a["data-fy"]), a["data-status"])] += int(a["data-count"])
    return out


def test_the_status_chart_counts_what_the_csv_holds(year_html: str, yoy_html: str) -> None:
    items = pd.read_csv(NEW / "status_items.csv")
    every_year = Counter({k: int(v) for k, v in items.groupby(["strategy_no", "fy", "status_symbol"]).size().items()})
    assert _status_rects(year_html) == every_year
    own: Counter[tuple[int, int, str]] = Counter()
    for folder in (OLD, NEW):
        df = pd.read_csv(folder / "status_items.csv")
        df = df[df.fy == df.report_fy]
        own.update({k: int(v) for k, v in df.groupby(["strategy_no", "fy", "status_symbol"]).size().items()})
    assert _status_rects(yoy_html) == own


def test_the_kpi_chart_shows_both_years_values(yoy_html: str) -> None:
    def values(folder: Path) -> dict[tuple[int, str], float]:
        k = pd.read_csv(folder / "kpis.csv").dropna(subset=["value"])
        return {(int(r.kpi_no), str(r.unit)): float(r.value) for r in k.itertuples(index=False)}

    old, new = values(OLD), values(NEW)
    bars = {(int(a["data-kpi-no"]), a["data-unit"]): (a["data-old"], a["data-new"])
            for a, _ in _parse(yoy_html).tags("g") if "data-kpi-no" in a}
    assert set(bars) == set(old) | set(new)
    for key, (o, n) in bars.items():
        assert (float(o) if o else None, float(n) if n else None) == (old.get(key), new.get(key)), key


def test_every_figure_links_to_its_cell_on_its_page(year_html: str) -> None:
    parsed = _parse(year_html)
    links = {a["href"] for a, _ in parsed.tags("a")}
    rects = {a["id"]: around for a, around in parsed.tags("rect") if a.get("id", "").startswith("fig-")}
    for prefix, name in (("f", "figures.csv"), ("k", "kpis.csv")):
        frame = pd.read_csv(NEW / name)
        for i, row in enumerate(frame.itertuples(index=False)):
            target = f"fig-2024-{prefix}{i}"
            assert f"#{target}" in links, target
            assert any(s.startswith(f"figure#page-2024-{int(row.page)}.") for s in rects[target]), target


def test_the_yoy_section_lists_every_change(yoy_html: str) -> None:
    from dxextract.output.compare import compare_frames, read_output

    status = compare_frames(read_output(OLD), read_output(NEW))["yoy_status.csv"]
    moved = status[status.change != "unchanged"]
    section = yoy_html.split('id="yoy"', 1)[1].split('id="figures"', 1)[0]
    assert section.count("<tr>") - 1 == len(moved) + int((status.reworded & (status.change == "unchanged")).sum())
    for change in moved.change:
        assert f'class="{change}"' in section


def test_the_report_is_offline_and_names_a_local_japanese_font(year_html: str) -> None:
    parsed = _parse(year_html)
    assert not parsed.tags("script") and not parsed.tags("link")
    for tag in ("img", "image", "a"):
        for a, _ in parsed.tags(tag):
            ref = a.get("src") or a.get("href") or ""
            assert ref.startswith(("data:", "#")), (tag, ref[:80])
    assert "url(" not in year_html.split("</style>")[0], "no font or image fetched by the style"
    assert all(f'local("{f}")' in year_html for f in JAPANESE_FONTS)
    fc_list = shutil.which("fc-list")
    if fc_list:
        installed = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True).stdout
        assert any(f in installed for f in JAPANESE_FONTS), f"no Japanese font the report names is installed: {installed}"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian: apt-get install chromium)")
def test_headless_chromium_draws_the_report(tmp_path: Path, year_html: str) -> None:
    page = tmp_path / "report.html"
    page.write_text(year_html, encoding="utf-8")
    shot = tmp_path / "report.png"
    proc = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                           "--window-size=1200,2600", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2600)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 500, "text, crops and charts make many colours; a blank or broken page does not"
    white = max(count for count, rgb in colours if rgb == (255, 255, 255))
    assert white < 0.9 * image.width * image.height
    assert _has_colour(image.crop((0, 0, 1200, 1600)), (46, 125, 50), 10), "the status chart's ○ bars"
    assert _has_colour(image.crop((0, 0, 1200, 900)), (198, 40, 40), 10), "the error badge"


def test_report_cli_writes_replaces_its_own_file_and_refuses_others(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r6.html"
    argv = ["report", str(NEW), "--raw", str(REPO / "raw"), "--out", str(out)]
    assert main(argv) == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(argv) == 0, "a report of the tool's own is replaced"
    foreign = tmp_path / "notes.html"
    foreign.write_text("mine", encoding="utf-8")
    assert main(["report", str(NEW), "--raw", str(REPO / "raw"), "--out", str(foreign)]) == 2
    assert "is not a report written by dxextract" in capsys.readouterr().err
    assert foreign.read_text(encoding="utf-8") == "mine"
    assert main(["report", str(NEW), "--raw", str(tmp_path), "--out", str(tmp_path / "x.html")]) == 2
    assert "pass --pdf PATH" in capsys.readouterr().err
    assert main(["report", str(NEW), str(OLD), "--raw", str(REPO / "raw"), "--out", str(tmp_path / "y.html")]) == 2
    assert "years in the wrong order" in capsys.readouterr().err and not (tmp_path / "y.html").exists()
    assert main(["report", str(NEW), "--pdf", str(REPO / "raw" / "kasama_dx_r5.pdf"),
                 "--out", str(tmp_path / "z.html")]) == 2
    assert "not the source of" in capsys.readouterr().err


def test_two_builds_are_byte_identical(year_html: str) -> None:
    """No timestamp, no random id: a report can be diffed and committed beside its data."""
    assert build_report([load_year(NEW, search=[REPO / "raw"])]) == year_html
