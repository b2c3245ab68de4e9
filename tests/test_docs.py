"""docs/CONTRACT.md and docs/ARCHITECTURE.md stay true against the code, and the README links them.

The column lists of CONTRACT.md are compared with what the code writes (the DX family's COLUMNS, the audit,
validation and compare columns) and with the headers of the committed outputs in normalized/
(which test_pipeline ties to what the code makes of raw/ today); with ../shared present, the
contract columns are also compared with the project's original contract.
"""

from __future__ import annotations

import re

import pytest

from conftest import NORMALIZED, REPO, SAMPLES, SRC, needs_shared, shared_path
from dxextract.families.audit import AUDIT_COLUMNS
from dxextract.families.dx_report import COLUMNS
from dxextract.output.compare import YOY_KPIS, YOY_STATUS
from dxextract.output.validate import FAILURE_COLUMNS
from dxextract.tables.reconstruct import STRATEGIES

DOCS = REPO / "docs"
CONTRACT = DOCS / "CONTRACT.md"
ARCHITECTURE = DOCS / "ARCHITECTURE.md"
_TICKED = re.compile(r"`([^`]+)`")


def table_rows(markdown: str) -> dict[str, list[list[str]]]:
    """Rows of the markdown tables whose first cell is a back-ticked file name: file -> the
    back-ticked names of each further cell."""
    rows: dict[str, list[list[str]]] = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"`[\w.]+\.(csv|json)`", cells[0]):
            rows.setdefault(cells[0].strip("`"), []).append([_TICKED.findall(c) for c in cells[1:]])
    return rows


def contract_columns() -> dict[str, tuple[list[str], list[str]]]:
    """file -> (columns it lists first, columns it lists after them), from the column tables."""
    out = {}
    for file, found in table_rows(CONTRACT.read_text(encoding="utf-8")).items():
        with_columns = [cells for cells in found if len(cells) == 2 and cells[0]]
        assert len(with_columns) <= 1, f"{file}: two column rows in CONTRACT.md"
        if with_columns:
            out[file] = (with_columns[0][0], with_columns[0][1])
    return out


def written_header(file: str) -> list[str]:
    """The header of a committed output (the first sample folder that has the file)."""
    for folder in SAMPLES.values():
        path = NORMALIZED / folder / file
        if path.is_file():
            return path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    raise AssertionError(f"no committed {file} under {NORMALIZED}")


CSV_FILES = [*COLUMNS]


@pytest.mark.parametrize("file", CSV_FILES)
def test_contract_lists_the_columns_the_code_writes(file: str) -> None:
    first, extra = contract_columns()[file]
    code = AUDIT_COLUMNS if file == "audit.csv" else COLUMNS[file]
    assert first + extra == code, f"docs/CONTRACT.md, {file}: {first + extra} but the code writes {code}"
    assert written_header(file) == code, f"normalized/: {file} has another header than the code writes"


def test_contract_lists_the_validation_and_compare_columns() -> None:
    cols = contract_columns()
    assert cols["validation.csv"] == (FAILURE_COLUMNS, [])
    status, status_added = cols["yoy_status.csv"]
    assert status == YOY_STATUS and set(status_added) <= set(status)
    kpis, kpis_added = cols["yoy_kpis.csv"]
    assert kpis == YOY_KPIS and set(kpis_added) <= set(kpis)


def test_contract_names_every_file_a_folder_holds() -> None:
    described = set(table_rows(CONTRACT.read_text(encoding="utf-8")))
    written = {p.name for folder in SAMPLES.values() for p in (NORMALIZED / folder).iterdir()}
    assert written <= described, f"CONTRACT.md does not describe {sorted(written - described)}"


@needs_shared("CONTRACT.md")
def test_contract_columns_are_the_projects_contract() -> None:
    """The columns CONTRACT.md lists first are the required columns of ../shared/CONTRACT.md."""
    original = shared_path("CONTRACT.md")
    assert original is not None
    required = {file: cells[-1] for file, found in table_rows(original.read_text(encoding="utf-8")).items()
                for cells in found if cells[-1]}
    assert required, f"no column table found in {original}"
    ours = contract_columns()
    for file, columns in required.items():
        assert ours[file][0] == columns, f"{file}: {ours[file][0]} here, {columns} in {original}"


def test_architecture_names_every_module_and_only_real_ones() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    package = SRC / "dxextract"
    # subpackages' modules by their path in the package: families/base.py
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")}
    named = {n for n in re.findall(r"\b((?:[a-z_]+/)?[a-z_]+\.py)\b", text)
             if not n.endswith(("__init__.py", "__main__.py"))}
    tests = {n for n in named if n.rsplit("/", 1)[-1].startswith(("test_", "conftest"))}
    assert modules <= named, f"ARCHITECTURE.md does not place {sorted(modules - named)}"
    assert named - tests <= modules, f"ARCHITECTURE.md names modules that do not exist: {sorted(named - tests - modules)}"
    assert all((REPO / "tests" / n.rsplit("/", 1)[-1]).is_file() for n in tests), sorted(tests)
    for name in STRATEGIES:
        assert f'STRATEGIES["{name}"]' in text, f"strategy {name!r} is not drawn in ARCHITECTURE.md"


def test_readme_links_the_docs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for doc in ("docs/CONTRACT.md", "docs/ARCHITECTURE.md"):
        assert f"]({doc})" in readme, f"README.md does not link {doc}"
