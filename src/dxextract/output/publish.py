"""Publish: ingest folders -> an open-data package in ``published/<lg_code>/``.

Public entry point: :func:`publish`. One or more ingest folders of one municipality (the
output of ``dxextract ingest``/``run``) become CSVs in the form of the 自治体標準オープンデータセット
(first columns 全国地方公共団体コード, ID, 地方公共団体名; Japanese headers; the Western fiscal year
beside its 和暦 name; a 備考 column where a number is missing or qualified) and a Frictionless
``datapackage.json`` (Japanese titles, types, units, missing values, the licence with the
「…を加工して作成」 attribution, each source's URL and sha256). What goes where is data:
``schemas/publish.json``.

Encodings: UTF-8 (the contract's and portals' default), UTF-8 with a BOM (Excel opens it
without a wizard), or CP932. For CP932 the characters it cannot hold are mapped by an explicit
table (— U+2014 -> ― U+2015, ...) and every mapping used is listed in the package; any other
such character is refused, naming the file, row and column. The package is checked with
Frictionless before it replaces the folder (written to a hidden sibling and swapped in, as the
ingest folders are), so a failure never leaves a half-written ``published/`` folder.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from dxextract import __version__
from dxextract.errors import (
    PackageInvalidError,
    PublishInputError,
    SettingsError,
    UnencodableError,
    UnknownLgCodeError,
)
from dxextract.output.emit import escape_formula, write_folder
from dxextract.output.lgcode import LocalGovernment, lookup_code
from dxextract.profile import schemas_dir
from dxextract.text.era import fiscal_year_label

#: ``--encoding`` choices, and the name each is given in ``datapackage.json``
ENCODINGS: dict[str, str] = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp932": "cp932"}
#: files every ingest folder must hold for publish (the rest of the contract is not published)
_NEEDED = ("manifest.json", "status_items.csv", "kpis.csv", "initiatives.csv", "figures.csv")


@dataclass(frozen=True)
class PublishSettings:
    """What one publish does."""

    #: ``utf-8`` (default: the open-data norm), ``utf-8-sig`` (a BOM for Excel), ``cp932``
    encoding: str = "utf-8"
    #: 全国地方公共団体コード to use instead of the one the manifests give (or lack)
    lg_code: str | None = None
    #: the source reports' URLs, in the order of the folders (for the attribution)
    source_urls: tuple[str, ...] = ()
    #: prefix text cells a spreadsheet would run as formulas with ``'`` (Excel-facing output)
    escape_formulas: bool = True

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise SettingsError(f"--encoding {self.encoding!r}: choose one of {', '.join(ENCODINGS)}")
        bad = [u for u in self.source_urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise SettingsError(f"--source-url {bad[0]!r}: give the report's http(s) address")


@dataclass(frozen=True)
class IngestFolder:
    """One ingest folder as publish reads it: the manifest and the contract CSVs, as text."""

    folder: Path
    manifest: dict[str, Any]
    frames: dict[str, pd.DataFrame] = field(repr=False)

    @property
    def report_fy(self) -> int:
        return int(self.manifest["report_fy"])


@dataclass(frozen=True)
class Published:
    """What :func:`publish` wrote: the folder, the government, rows per file, mappings used."""

    out: Path
    government: LocalGovernment
    row_counts: dict[str, int]
    #: (character, replacement) -> cells changed, for CP932
    mappings: dict[tuple[str, str], int]
    notes: list[str]


@cache
def load_publish_spec() -> dict[str, Any]:
    """``schemas/publish.json``: resources, fields, licences, the CP932 mapping."""
    path = schemas_dir() / "publish.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise SettingsError(f"{path}: cannot read the publication spec ({e}); reinstall dxextract") from e


# --- reading ingest folders ------------------------------------------------------------------


def read_ingest_folder(folder: Path) -> IngestFolder:
    """An ingest folder's manifest and CSVs (every cell as text, empty for no value).

    Raises :class:`PublishInputError` naming the file when ``folder`` is not a complete ingest
    folder: no manifest, a CSV missing or not the size the manifest says, no report year.
    """
    if not folder.is_dir():
        raise PublishInputError(f"{folder}: not a folder; give an ingest folder such as normalized/082163_2023")
    man_path = folder / "manifest.json"
    try:
        manifest = json.loads(man_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishInputError(f"{man_path}: missing; {folder} is not an ingest folder "
                                "(run `dxextract ingest PDF` first)") from None
    except (OSError, ValueError) as e:
        raise PublishInputError(f"{man_path}: cannot read it as a dxextract manifest ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("tool") != "dxextract" or "outputs" not in manifest:
        raise PublishInputError(f"{man_path}: not a manifest written by `dxextract ingest`")
    _check_outputs(folder, manifest)
    if not manifest.get("report_fy"):
        raise PublishInputError(f"{man_path}: no report_fy (the report's year was not read); "
                                "this folder cannot be published")
    frames = {name: _read_csv(folder / name) for name in _NEEDED if name.endswith(".csv")}
    return IngestFolder(folder, manifest, frames)


def _check_outputs(folder: Path, manifest: dict[str, Any]) -> None:
    outputs = manifest["outputs"]
    for name in _NEEDED[1:]:
        info = outputs.get(name)
        path = folder / name
        if info is None or not path.is_file():
            raise PublishInputError(f"{path}: missing; {folder} is not a complete ingest folder (ingest it again)")
        if path.stat().st_size != info.get("bytes"):
            raise PublishInputError(f"{path}: {path.stat().st_size} bytes, the manifest says {info.get('bytes')}; "
                                    "the folder was changed after ingest (ingest it again)")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, OSError) as e:
        raise PublishInputError(f"{path}: cannot read it as an ingest CSV ({e})") from e


# --- the municipality ------------------------------------------------------------------------


def resolve_government(ingests: list[IngestFolder], lg_code: str | None) -> LocalGovernment:
    """The one municipality every folder belongs to: ``lg_code`` when given, else the manifests'.

    Raises :class:`UnknownLgCodeError` naming the folder when a manifest names no code the
    national table knows, or when the folders belong to different municipalities.
    """
    if lg_code:
        return lookup_code(lg_code)
    codes: dict[str, Path] = {}
    for ing in ingests:
        code = str(ing.manifest.get("lg_code") or "")
        if not code:
            raise UnknownLgCodeError(f"{ing.folder / 'manifest.json'}: the report names no municipality "
                                     "known to 総務省's table; give --lg-code (e.g. --lg-code 082163)")
        codes.setdefault(code, ing.folder)
    if len(codes) > 1:
        shown = ", ".join(f"{folder} is {code}" for code, folder in codes.items())
        raise UnknownLgCodeError(f"one package holds one municipality, but {shown}; publish them apart")
    try:
        return lookup_code(next(iter(codes)))
    except UnknownLgCodeError as e:
        raise UnknownLgCodeError(f"{ingests[0].folder / 'manifest.json'}: {e}") from None


def _check_years(ingests: list[IngestFolder]) -> None:
    seen: dict[int, Path] = {}
    for ing in ingests:
        if ing.report_fy in seen:
            raise PublishInputError(f"{seen[ing.report_fy]}, {ing.folder}: both hold report year "
                                    f"{ing.report_fy}; publish one folder per year")
        seen[ing.report_fy] = ing.folder


# --- building the published tables -----------------------------------------------------------


def _notes(kind: str, row: pd.Series) -> str:
    """The 備考 of one row: the meaning a symbol or an empty number carries, in words."""
    words = load_publish_spec()["notes"][kind]
    if kind == "status":
        return str(words.get(row.get("status_code", ""), ""))
    if not row.get("value", ""):
        return str(words["no_value"])
    if row.get("qualifier", ""):
        return str(words["qualified"]).format(raw=row.get("raw", ""), qualifier=row["qualifier"])
    return ""


def _column(spec: dict[str, Any], df: pd.DataFrame, escape: bool) -> list[str]:
    """One published column from the ingest frame, as text cells."""
    if "era_of" in spec:
        return [fiscal_year_label(int(v)) if v else "" for v in df[spec["era_of"]]]
    if "notes" in spec:
        return [_notes(spec["notes"], row) for _, row in df.iterrows()]
    values = [str(v) for v in df[spec["source"]]]
    if "values" in spec:
        return [spec["values"].get(v, v) for v in values]
    if spec["type"] == "string" and escape:
        return [escape_formula(v) for v in values]
    return values


def ingest_to_table(ing: IngestFolder, resource: dict[str, Any], gov: LocalGovernment,
                    escape: bool) -> pd.DataFrame:
    """One ingest file -> the rows of one published table (every cell text, ``""`` missing)."""
    df = ing.frames[resource["source"]]
    n = len(df)
    out: dict[str, list[str]] = {
        "全国地方公共団体コード": [gov.code] * n,
        "ID": [f"{ing.report_fy}-{i:04d}" for i in range(1, n + 1)],
        "地方公共団体名": [gov.label] * n,
    }
    spec = load_publish_spec()
    for f in spec["leading_fields"][3:] + resource["fields"]:
        out[f["name"]] = _column(f, df, escape)
    return pd.DataFrame(out, dtype=object)


def build_tables(ingests: list[IngestFolder], gov: LocalGovernment, escape: bool) -> dict[str, pd.DataFrame]:
    """Every published file's rows, the years in order."""
    tables = {}
    for resource in load_publish_spec()["resources"]:
        parts = [ingest_to_table(ing, resource, gov, escape) for ing in sorted(ingests, key=lambda i: i.report_fy)]
        tables[resource["file"]] = pd.concat(parts, ignore_index=True)
    return tables


# --- encoding --------------------------------------------------------------------------------


def _fits(text: str, encoding: str) -> bool:
    """Whether ``text`` survives ``encoding`` unchanged (cp932 quietly turns − into －)."""
    try:
        return text.encode(encoding).decode(encoding) == text
    except UnicodeEncodeError:
        return False


def _map_cell(text: str, encoding: str, mapping: dict[str, str], used: Counter[tuple[str, str]],
              where: str) -> str:
    if _fits(text, encoding):
        return text
    out = []
    for ch in text:
        if _fits(ch, encoding):
            out.append(ch)
        elif ch in mapping:
            out.append(mapping[ch])
            used[(ch, mapping[ch])] += 1
        else:
            raise UnencodableError(
                f"{where}: {ch!r} (U+{ord(ch):04X}) cannot be written in {encoding} and has no mapping "
                "in schemas/publish.json (cp932_map); publish with --encoding utf-8 or utf-8-sig "
                "(nothing was written)")
    return "".join(out)


def table_to_csv(df: pd.DataFrame, file: str, encoding: str,
                 used: Counter[tuple[str, str]] | None = None) -> bytes:
    """CSV bytes of a published table: header row, ``\\r\\n`` line ends (RFC 4180, what Excel and
    portals write), minimal quoting. For cp932 the mapping table applies; others refused."""
    used = used if used is not None else Counter()
    mapping = load_publish_spec()["cp932_map"] if encoding == "cp932" else {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_map_cell(c, encoding, mapping, used, f"{file} header, column {c}") for c in df.columns])
    for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
        w.writerow([_map_cell(str(v), encoding, mapping, used, f"{file} row {i}, column {col}")
                    for col, v in zip(df.columns, row, strict=True)])
    return buf.getvalue().encode(encoding)


# --- the Frictionless package ----------------------------------------------------------------


def _field(spec: dict[str, Any]) -> Any:
    """A Frictionless field from its spec: Japanese name and title, type, unit, constraints."""
    from frictionless import fields

    kinds = {"string": fields.StringField, "integer": fields.IntegerField, "number": fields.NumberField}
    made = kinds[spec["type"]](name=spec["name"], title=spec.get("title"), description=spec.get("description"),
                               constraints=dict(spec.get("constraints", {})))
    if "unit" in spec:
        made.custom["unit"] = spec["unit"]
    if "unit_column" in spec:
        made.custom["unitColumn"] = spec["unit_column"]
    return made


def _resource(resource: dict[str, Any], data: bytes, encoding: str, rows: int) -> Any:
    import hashlib

    from frictionless import Resource, Schema

    spec = load_publish_spec()
    schema = Schema(fields=[_field(f) for f in spec["leading_fields"] + resource["fields"]],
                    missing_values=list(spec["missing_values"]), primary_key=["ID"])
    return Resource(name=resource["name"], path=resource["file"], title=resource["title"],
                    description=resource["description"], format="csv", mediatype="text/csv",
                    encoding=ENCODINGS[encoding], schema=schema, bytes=len(data),
                    hash=f"sha256:{hashlib.sha256(data).hexdigest()}", rows=rows)


def _sources(ingests: list[IngestFolder], gov: LocalGovernment, urls: tuple[str, ...]
             ) -> tuple[list[dict[str, Any]], list[str]]:
    """The package's ``sources`` (title, URL, file name, sha256 of the PDF) and the attribution
    sentences 「（報告書名）」（笠間市）（URL）を加工して作成."""
    template = load_publish_spec()["attribution"]
    sources, attribution = [], []
    url_of = {ing.folder: url for ing, url in zip(ingests, urls, strict=False)}  # urls: the folders' order
    for ing in sorted(ingests, key=lambda x: x.report_fy):
        m = ing.manifest
        url = url_of.get(ing.folder, "")
        title = str(m.get("title") or m.get("source"))
        src: dict[str, Any] = {"title": title, "file": m.get("source"), "sha256": m.get("sha256"),
                               "report_fy": ing.report_fy}
        if url:
            src["path"] = url
        sources.append(src)
        attribution.append(template.format(title=title, municipality=gov.label, url=f"（{url}）" if url else ""))
    return sources, attribution


def _mapping_notes(used: Counter[tuple[str, str]]) -> list[str]:
    return [f"CP932: {a} (U+{ord(a):04X}) は {b} (U+{ord(b):04X}) に置き換え（{n} 箇所）"
            for (a, b), n in sorted(used.items())]


def build_package(ingests: list[IngestFolder], gov: LocalGovernment, files: dict[str, bytes],
                  rows: dict[str, int], settings: PublishSettings, used: Counter[tuple[str, str]]) -> bytes:
    """``datapackage.json`` bytes, made with Frictionless' ``Package``/``Resource``/``Schema``;
    deterministic (no timestamp) so two runs on the same folders are byte-identical."""
    from frictionless import Package

    spec = load_publish_spec()
    years = sorted(i.report_fy for i in ingests)
    sources, attribution = _sources(ingests, gov, settings.source_urls)
    notes = _mapping_notes(used)
    package = Package(
        name=f"dx-report-{gov.code}", title=f"{gov.label} DX推進計画 実績報告 オープンデータ（{years[0]}〜{years[-1]}年度）",
        description="。".join(attribution) + "。dxextract で報告書PDFから表を読み取り、機械判読可能な形に整えたもの。"
        + ("".join(f" {n}。" for n in notes)),
        licenses=[dict(lic) for lic in spec["licenses"]], sources=sources, version=__version__,
        keywords=[gov.label, "DX", "デジタル・トランスフォーメーション", "実績報告"],
        resources=[_resource(r, files[r["file"]], settings.encoding, rows[r["file"]]) for r in spec["resources"]])
    package.custom["attribution"] = attribution
    package.custom["notes"] = notes or [f"文字コード {settings.encoding}: 置き換えた文字はありません"]
    package.custom["municipality"] = {"code": gov.code, "name": gov.label, "prefecture": gov.prefecture}
    text = json.dumps(package.to_descriptor(), ensure_ascii=False, indent=1) + "\n"
    return text.encode("utf-8")


def check_package(files: dict[str, bytes]) -> None:
    """Frictionless validation of the package before it is written; any error stops publish."""
    from frictionless import Package

    with tempfile.TemporaryDirectory(prefix="dxextract-publish-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        report = Package(str(Path(tmp) / "datapackage.json")).validate()
        if not report.valid:
            errors = report.flatten(["type", "note"])[:3]
            raise PackageInvalidError("the package did not pass `frictionless validate`: "
                                    + "; ".join(f"{t}: {n}" for t, n in errors) + " (nothing was written)")


# --- the entry point -------------------------------------------------------------------------


def publish(folders: list[Path], out: Path | None = None, *, base: Path = Path("published"),
            force: bool = False, settings: PublishSettings | None = None) -> Published:
    """Ingest folders of one municipality -> ``out`` (default ``base/<lg_code>``), atomically.

    Raises :class:`PublishInputError` (not an ingest folder, two folders of one year),
    :class:`UnknownLgCodeError` (no code, an unknown code, two municipalities) and
    :class:`UnencodableError` (a character the encoding cannot hold), all before anything is
    written; :class:`~dxextract.errors.OutputExistsError` when ``out`` exists without ``force``.
    """
    settings = settings or PublishSettings()
    if not folders:
        raise PublishInputError("no ingest folder given; e.g. dxextract publish normalized/082163_2023")
    if len(settings.source_urls) > len(folders):
        raise SettingsError(f"--source-url given {len(settings.source_urls)} times for {len(folders)} folder(s); "
                            "give one URL per folder, in the folders' order")
    ingests = [read_ingest_folder(f) for f in folders]
    _check_years(ingests)
    gov = resolve_government(ingests, settings.lg_code)
    target = out if out is not None else base / gov.code
    tables = build_tables(ingests, gov, settings.escape_formulas)
    used: Counter[tuple[str, str]] = Counter()
    files = {name: table_to_csv(df, name, settings.encoding, used) for name, df in tables.items()}
    rows = {name: len(df) for name, df in tables.items()}
    files["datapackage.json"] = build_package(ingests, gov, files, rows, settings, used)
    check_package(files)
    manifest = {"tool": "dxextract", "version": __version__, "command": "publish", "lg_code": gov.code,
                "municipality": gov.label, "encoding": settings.encoding,
                "sources": [{"folder": i.folder.name, "source": i.manifest.get("source"),
                             "sha256": i.manifest.get("sha256"), "report_fy": i.report_fy}
                            for i in sorted(ingests, key=lambda x: x.report_fy)],
                "row_counts": rows, "character_mappings": _mapping_notes(used)}
    notes = write_folder(target, files, manifest, force) + ingest_warnings(ingests)
    return Published(target, gov, rows, dict(used), notes)


def ingest_warnings(ingests: list[IngestFolder]) -> list[str]:
    """What the ingest manifests say the user should know before trusting the package: failed
    expectations, pages read only in part. Published as read, and said."""
    out = []
    for ing in ingests:
        failed = int(ing.manifest.get("validation_failures") or 0)
        if failed:
            out.append(f"warning: {ing.folder}: ingest recorded {failed} failed expectation row(s) "
                       "(validation.csv there); published as read")
        if not ing.manifest.get("validation", {}).get("ran", True):
            out.append(f"warning: {ing.folder}: ingested with --no-validate; published unchecked")
        damaged = ing.manifest.get("pages_damaged") or []
        if damaged:
            out.append(f"warning: {ing.folder}: page(s) {damaged} could not be read in full; records may be missing")
    return out
