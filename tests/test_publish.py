"""`dxextract publish` (issue 10): the open-data package, its encodings and its refusals; and the
fixes that came with it (no `<NA>` text in any CSV, folders that follow the umask, national
municipality codes). Runs on the committed ingest outputs under normalized/, not on ../shared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dxextract.errors import PublishInputError, SettingsError, UnencodableError, UnknownLgCodeError
from dxextract.output.emit import frame_to_csv, write_folder
from dxextract.output.lgcode import check_digit, government_in, lookup_code, national_table
from dxextract.output.publish import PublishSettings, load_publish_spec, publish
from dxextract.text.era import fiscal_year_label

REPO = Path(__file__).resolve().parents[1]
YEARS = [REPO / "normalized" / "082163_2023", REPO / "normalized" / "082163_2024"]
NULL_TEXTS = {"<NA>", "nan", "NaN", "None", "NaT"}
URL = "https://www.city.kasama.lg.jp/example.pdf"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The two sample years published once per encoding."""
    base = tmp_path_factory.mktemp("published")
    return {enc: publish(YEARS, base / enc, settings=PublishSettings(encoding=enc, source_urls=(URL,))).out
            for enc in ("utf-8", "utf-8-sig", "cp932")}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "dxextract", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def _copy_year(tmp_path: Path, year: Path = YEARS[0]) -> Path:
    folder = tmp_path / "in" / year.name
    shutil.copytree(year, folder)
    return folder


def _edit_csv(folder: Path, name: str, edit: Callable[[str], str]) -> None:
    """Change one CSV of an ingest folder and keep its manifest consistent (bytes)."""
    path = folder / name
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    man["outputs"][name]["bytes"] = path.stat().st_size
    (folder / "manifest.json").write_text(json.dumps(man, ensure_ascii=False), encoding="utf-8")


def _tree(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob("*")) if base.exists() else []


# --- the package -------------------------------------------------------------------------------


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "cp932"])
def test_frictionless_validate_passes(packages: dict[str, Path], enc: str) -> None:
    from frictionless import Package

    report = Package(str(packages[enc] / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    cli = Path(sys.executable).parent / "frictionless"
    if cli.exists():  # the command line the issue names, too
        proc = subprocess.run([str(cli), "validate", str(packages[enc] / "datapackage.json")],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:]


def test_csvs_start_with_the_standard_columns_and_carry_both_years(packages: dict[str, Path]) -> None:
    for resource in load_publish_spec()["resources"]:
        df = pd.read_csv(packages["utf-8"] / resource["file"], dtype=str, keep_default_na=False)
        assert list(df.columns[:3]) == ["全国地方公共団体コード", "ID", "地方公共団体名"]
        assert set(df["全国地方公共団体コード"]) == {"082163"} and set(df["地方公共団体名"]) == {"笠間市"}
        assert df["ID"].is_unique
        assert set(zip(df["報告年度"], df["報告年度（和暦）"], strict=True)) == {("2023", "令和5年度"),
                                                                               ("2024", "令和6年度")}
    kpis = pd.read_csv(packages["utf-8"] / "dx_kpis.csv", dtype=str, keep_default_na=False)
    hours = kpis[(kpis["報告年度"] == "2023") & (kpis["KPI番号"] == "2")].iloc[0]
    assert (hours["値"], hours["単位"], hours["値の修飾"]) == ("8411", "時間", "以上")
    assert "8,411時間以上" in hours["備考"]
    empty = kpis[kpis["値"] == ""]
    assert len(empty) and (empty["備考"] == "報告書に数値の記載なし").all(), "an empty number says why"
    status = pd.read_csv(packages["utf-8"] / "dx_plan_status.csv", dtype=str, keep_default_na=False)
    future = status[status["進捗記号"] == "—"]
    assert len(future) and set(future["進捗"]) == {"未評価"} and future["備考"].str.contains("未評価").all()


def test_datapackage_metadata(packages: dict[str, Path]) -> None:
    pkg = json.loads((packages["utf-8"] / "datapackage.json").read_text(encoding="utf-8"))
    assert [lic["name"] for lic in pkg["licenses"]] == ["CC-BY-4.0", "PDL-1.0"]
    assert pkg["attribution"][0] == ("「笠間市第2次デジタル・トランスフォーメーション（DX）推進計画 令和5年度実績報告」"
                                     f"（笠間市）（{URL}）を加工して作成")
    r5 = json.loads((YEARS[0] / "manifest.json").read_text(encoding="utf-8"))
    assert pkg["sources"][0]["sha256"] == r5["sha256"] and pkg["sources"][0]["path"] == URL
    assert "path" not in pkg["sources"][1], "no URL given for the second year: none invented"
    kpis = next(r for r in pkg["resources"] if r["name"] == "dx_kpis")
    fields = {f["name"]: f for f in kpis["schema"]["fields"]}
    assert kpis["schema"]["missingValues"] == [""]
    assert fields["値"]["type"] == "number" and fields["値"]["unitColumn"] == "単位"
    assert fields["報告年度"]["type"] == "integer" and fields["報告年度"]["unit"] == "年度"
    assert fields["全国地方公共団体コード"]["type"] == "string", "a leading 0 must survive (013005)"
    assert all(f.get("title") for f in fields.values())


def test_utf8_and_cp932_read_the_same_values(packages: dict[str, Path]) -> None:
    """The same values through both encodings; cp932 differs only by its listed mappings."""
    mapping = str.maketrans(load_publish_spec()["cp932_map"])
    pkg = json.loads((packages["cp932"] / "datapackage.json").read_text(encoding="utf-8"))
    assert any("U+2014" in note and "U+2015" in note for note in pkg["notes"]), pkg["notes"]
    for resource in load_publish_spec()["resources"]:
        utf8 = pd.read_csv(packages["utf-8"] / resource["file"], dtype=str, keep_default_na=False, encoding="utf-8")
        sjis = pd.read_csv(packages["cp932"] / resource["file"], dtype=str, keep_default_na=False, encoding="cp932")
        bom = pd.read_csv(packages["utf-8-sig"] / resource["file"], dtype=str, keep_default_na=False,
                          encoding="utf-8-sig")
        pd.testing.assert_frame_equal(utf8.map(lambda v: v.translate(mapping)), sjis)
        pd.testing.assert_frame_equal(utf8, bom)
        assert (packages["utf-8-sig"] / resource["file"]).read_bytes().startswith(b"\xef\xbb\xbf")
        assert not (packages["utf-8"] / resource["file"]).read_bytes().startswith(b"\xef\xbb\xbf")


def test_two_publishes_are_byte_identical(packages: dict[str, Path], tmp_path: Path) -> None:
    again = publish(YEARS, tmp_path / "again", settings=PublishSettings(source_urls=(URL,))).out
    for name in sorted(os.listdir(packages["utf-8"])):
        assert (again / name).read_bytes() == (packages["utf-8"] / name).read_bytes(), name


# --- no missing value written as text ----------------------------------------------------------


def test_no_null_text_in_any_output(packages: dict[str, Path]) -> None:
    folders = [*YEARS, *packages.values()]
    for folder in folders:
        for csv in sorted(folder.glob("*.csv")):
            enc = "cp932" if folder == packages["cp932"] else "utf-8-sig"
            df = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding=enc)
            found = {(c, v) for c in df.columns for v in df[c] if v.strip() in NULL_TEXTS}
            assert not found, f"{csv}: {sorted(found)[:5]}"


def test_frame_to_csv_writes_pandas_na_as_an_empty_cell() -> None:
    df = pd.DataFrame({"kpi_no": pd.array([pd.NA, 2], dtype="Int64"), "x": [None, float("nan")]})
    assert frame_to_csv(df).decode() == "kpi_no,x\n,\n2,\n"


def test_suites_catch_missing_values_spelt_as_text() -> None:
    from dxextract.output.validate import validate_frames

    audit = pd.read_csv(YEARS[0] / "audit.csv")
    audit["kpi_no"] = audit["kpi_no"].astype(object)
    audit.loc[0, "kpi_no"] = "<NA>"
    audit.loc[1, "row_label"] = "nan"
    failures = validate_frames({"audit.csv": audit}).failures
    hits = failures[failures["expectation"].eq("expect_column_values_to_be_in_set")
                    & failures["message"].str.contains("missing value spelt as text")]
    assert list(hits["row"]) == [0, 1]
    assert "kpi_no='<NA>'" in hits["message"].iloc[0] and "row_label='nan'" in hits["message"].iloc[1]


# --- refusals: exit 2, one line naming the file, nothing written -------------------------------


def test_not_an_ingest_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    proc = _cli("publish", "notes", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "dxextract: error: notes/manifest.json: missing; notes is not an ingest folder "
        "(run `dxextract ingest PDF` first)"]
    assert not (tmp_path / "published").exists()


def test_a_changed_ingest_folder_is_refused(tmp_path: Path) -> None:
    folder = _copy_year(tmp_path)
    (folder / "kpis.csv").write_text("report_fy\n2023\n", encoding="utf-8")
    with pytest.raises(PublishInputError, match=r"kpis\.csv: \d+ bytes, the manifest says \d+"):
        publish([folder], tmp_path / "out")
    other = _copy_year(tmp_path / "b")
    (other / "figures.csv").unlink()
    with pytest.raises(PublishInputError, match=r"figures\.csv: missing; .* is not a complete ingest folder"):
        publish([other], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unknown_lg_code_is_refused(tmp_path: Path) -> None:
    proc = _cli("publish", str(YEARS[0]), "--lg-code", "999997", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "999997" in proc.stderr and "not in 総務省's table" in proc.stderr
    assert _tree(tmp_path) == []
    with pytest.raises(UnknownLgCodeError, match=r"wrong check digit .* did you mean 082163"):
        publish(YEARS, tmp_path / "out", settings=PublishSettings(lg_code="082160"))


def test_a_report_without_a_code_needs_lg_code(tmp_path: Path) -> None:
    folder = _copy_year(tmp_path)
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**man, "lg_code": "", "municipality": ""}), encoding="utf-8")
    with pytest.raises(UnknownLgCodeError, match=r"manifest.json: the report names no municipality .* --lg-code"):
        publish([folder], base=tmp_path / "published")
    done = publish([folder], base=tmp_path / "published", settings=PublishSettings(lg_code="08216"))
    assert done.out == tmp_path / "published" / "082163" and done.government.label == "笠間市"


def test_two_municipalities_or_one_year_twice_are_refused(tmp_path: Path) -> None:
    other = _copy_year(tmp_path, YEARS[1])
    man = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    (other / "manifest.json").write_text(json.dumps({**man, "lg_code": "082015"}), encoding="utf-8")
    with pytest.raises(UnknownLgCodeError, match="one package holds one municipality"):
        publish([YEARS[0], other], tmp_path / "out")
    with pytest.raises(PublishInputError, match="both hold report year 2023"):
        publish([YEARS[0], _copy_year(tmp_path / "b")], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_character_cp932_cannot_hold_is_refused_naming_the_cell(tmp_path: Path) -> None:
    folder = _copy_year(tmp_path)
    _edit_csv(folder, "kpis.csv", lambda text: text.replace("デジタル化・DX化で削減された業務時間",
                                                             "デジタル化・DX化で削減された𠮷業務時間", 1))
    proc = _cli("publish", str(folder), "--encoding", "cp932", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == ["dxextract: error: dx_kpis.csv row 2, column 指標: '𠮷' (U+20BB7) cannot be written in "
                     "cp932 and has no mapping in schemas/publish.json (cp932_map); publish with --encoding "
                     "utf-8 or utf-8-sig (nothing was written)"]
    assert not (tmp_path / "published").exists()
    with pytest.raises(UnencodableError):
        publish([folder], tmp_path / "out", settings=PublishSettings(encoding="cp932"))
    publish([folder], tmp_path / "out", settings=PublishSettings(encoding="utf-8"))  # UTF-8 holds it


def test_an_existing_package_is_kept_without_force_and_when_publish_fails(tmp_path: Path) -> None:
    out = publish(YEARS, base=tmp_path).out
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(Exception, match="pass --force"):
        publish(YEARS, base=tmp_path)
    bad = _copy_year(tmp_path / "x")
    _edit_csv(bad, "kpis.csv", lambda text: text.replace("業務時間", "𠮷", 1))
    with pytest.raises(UnencodableError):
        publish([bad], base=tmp_path, force=True, settings=PublishSettings(encoding="cp932"))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no temp folder left"


def test_settings_are_checked() -> None:
    with pytest.raises(SettingsError, match="--encoding 'latin-1': choose one of utf-8, utf-8-sig, cp932"):
        PublishSettings(encoding="latin-1")
    with pytest.raises(SettingsError, match="--source-url 'kasama.pdf'"):
        PublishSettings(source_urls=("kasama.pdf",))


def test_publish_help_is_clear(tmp_path: Path) -> None:
    proc = _cli("publish", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    for words in ("FOLDER", "--encoding {utf-8,utf-8-sig,cp932}", "--lg-code CODE", "--source-url URL",
                  "datapackage.json", "全国地方公共団体コード", "BOM"):
        assert words in proc.stdout, words


def test_cli_publishes_and_names_the_mappings(tmp_path: Path) -> None:
    proc = _cli("publish", *map(str, YEARS), "--encoding", "cp932", "--source-url", URL, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "published 082163 笠間市 -> published/082163 (cp932)" in proc.stderr
    assert "— U+2014 -> ― U+2015" in proc.stderr
    assert sorted(os.listdir(tmp_path / "published" / "082163")) == [
        "datapackage.json", "dx_figures.csv", "dx_initiatives.csv", "dx_kpis.csv", "dx_plan_status.csv",
        "manifest.json"]


# --- municipality codes, era labels, umask -----------------------------------------------------


def test_national_table_has_every_municipality_with_valid_check_digits() -> None:
    table = national_table()
    assert len(table) == 47 + 1741
    assert sum(1 for g in table if not g.name) == 47
    assert all(check_digit(g.code[:5]) == int(g.code[5]) for g in table)
    assert lookup_code("082163").label == "笠間市" and lookup_code("08216").code == "082163"
    assert lookup_code("131016").label == "千代田区" and lookup_code("080004").label == "茨城県"


@pytest.mark.parametrize(("text", "code"), [
    ("笠間市第2次デジタル・トランスフォーメーション（DX）推進計画 令和5年度実績報告", "082163"),
    ("音威子府村 DX推進計画", "014702"),
    ("広島県府中市 実績報告", "342084"),
    ("府中市 実績報告", None),  # 東京都 and 広島県 both have one: not guessed
    ("茨城県 DX推進計画", "080004"),
    ("DX推進計画 実績報告", None),
])
def test_government_in_report_title(text: str, code: str | None) -> None:
    found = government_in(text)
    assert (found.code if found else None) == code


def test_fiscal_year_label() -> None:
    assert [fiscal_year_label(y) for y in (2023, 2019, 2018, 1989)] == ["令和5年度", "令和元年度", "平成30年度",
                                                                        "平成元年度"]


def test_output_folders_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_folder(tmp_path / "out", {"a.csv": b"x\n"}, {"tool": "dxextract"}, force=False)
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "out" / "a.csv").stat().st_mode & 0o777 == 0o640


def test_validation_progress_comes_up_from_the_worker_and_the_manifest_records_the_run() -> None:
    from dxextract.worker import WorkerSettings, process_pdf_limited

    heard: list[tuple[int, int]] = []
    out = process_pdf_limited(REPO / "raw" / "kasama_dx_r5.pdf", worker=WorkerSettings(timeout=300),
                              validation_progress=lambda done, total: heard.append((done, total)))
    total = out.manifest["validation"]["expectations"]
    assert heard[0] == (0, total) and heard[-1] == (total, total) and len(heard) == 1 + 6
    assert out.manifest["validation"] == {"ran": True, "expectations": total, "failed": 0}


def test_a_report_naming_no_municipality_gets_an_unknown_folder() -> None:
    from dxextract.pipeline import Outputs, lg_code_of

    assert lg_code_of(["DX推進計画 令和5年度実績報告"]) == ("", "")
    assert lg_code_of(["笠間市第2次DX推進計画"]) == ("笠間市", "082163")
    out = Outputs({}, {"source": "x.pdf", "lg_code": "", "report_fy": 2023}, None, pd.DataFrame(), [])  # type: ignore[arg-type]
    assert out.folder_name == "unknown_2023"


def test_committed_package_is_not_stale(tmp_path: Path) -> None:
    """published/082163 holds what `dxextract publish normalized/082163_2023 normalized/082163_2024`
    makes today (rerun it with --force when this fails)."""
    fresh = publish(YEARS, tmp_path / "082163").out
    committed = REPO / "published" / "082163"
    assert sorted(os.listdir(committed)) == sorted(os.listdir(fresh))
    for name in os.listdir(fresh):
        assert (committed / name).read_bytes() == (fresh / name).read_bytes(), f"{committed / name} is stale"


def test_a_package_frictionless_rejects_is_never_written(packages: dict[str, Path]) -> None:
    from dxextract.errors import PackageInvalidError
    from dxextract.output.publish import check_package

    files = {p.name: p.read_bytes() for p in packages["utf-8"].iterdir() if p.name != "manifest.json"}
    files["dx_kpis.csv"] = files["dx_kpis.csv"].replace(b",8411,", b",8412,", 1)  # no longer its sha256
    with pytest.raises(PackageInvalidError, match="did not pass `frictionless validate`: hash-count: "):
        check_package(files)


def test_publish_says_when_ingest_found_problems(tmp_path: Path) -> None:
    folder = _copy_year(tmp_path)
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**man, "validation_failures": 3, "pages_damaged": [4]}),
                                          encoding="utf-8")
    notes = publish([folder], tmp_path / "out").notes
    assert any("3 failed expectation row(s)" in n for n in notes) and any("page(s) [4]" in n for n in notes)
