"""The complexity gate: no function in src/dxextract over 60 lines or cyclomatic complexity 20.

Measured with radon (dev extra): the lines of a function run from its ``def`` to its last line,
nested functions included; the complexity is radon's cyclomatic complexity of the function's
own body (a nested function counts on its own). The functions that were over a limit when the
gate came in are listed, with their figures then, in ``tests/complexity_allowlist.txt``: they
may shrink but not grow, and a new function over a limit fails. When a listed function comes
within both limits, or goes, its line must go too, so the list only ever gets shorter.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import pytest

from conftest import SRC, TESTS

radon_visitors = pytest.importorskip(
    "radon.visitors", reason="radon (dev extra) measures the functions: pip install -e '.[dev]'")

MAX_LINES = 60
MAX_COMPLEXITY = 20
PACKAGE = SRC / "dxextract"
ALLOWLIST = TESTS / "complexity_allowlist.txt"
_ENTRY = re.compile(r"^(?P<key>\S+:\S+)\s+lines=(?P<lines>\d+)\s+cc=(?P<cc>\d+)\s*$")


@dataclass(frozen=True)
class Measure:
    """One function: where it is (``src/dxextract/m.py:Class.method``), its lines and complexity."""

    key: str
    lines: int
    complexity: int

    def over(self) -> bool:
        return self.lines > MAX_LINES or self.complexity > MAX_COMPLEXITY

    def __str__(self) -> str:
        return f"{self.key} lines={self.lines} cc={self.complexity}"


def _radon_complexities(blocks: list) -> dict[int, int]:
    """Line of each function's ``def`` -> its complexity, nested functions and methods included."""
    out: dict[int, int] = {}
    for block in blocks:
        if isinstance(block, radon_visitors.Function):
            out[block.lineno] = block.complexity
            out.update(_radon_complexities(block.closures))
        else:  # a class
            out.update(_radon_complexities(block.methods + block.inner_classes))
    return out


def measure_source(source: str, where: str) -> list[Measure]:
    """Every function and method of one module's source, named by its qualified name."""
    visitor = radon_visitors.ComplexityVisitor.from_code(source)
    complexity = _radon_complexities(visitor.functions + visitor.classes)
    found: list[Measure] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                lines = (child.end_lineno or child.lineno) - child.lineno + 1
                found.append(Measure(f"{where}:{name}", lines, complexity[child.lineno]))
                walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
            else:
                walk(child, prefix)

    walk(ast.parse(source), "")
    return found


def measure_package() -> list[Measure]:
    out: list[Measure] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(SRC.parent).as_posix()
        out += measure_source(path.read_text(encoding="utf-8"), where)
    return out


def read_allowlist(text: str) -> dict[str, Measure]:
    """``key lines=N cc=M`` per line; ``#`` starts a comment."""
    entries: dict[str, Measure] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _ENTRY.match(line)
        if m is None:
            raise ValueError(f"{ALLOWLIST.name}, line {n}: {raw!r} is not 'path:function lines=N cc=M'")
        entries[m["key"]] = Measure(m["key"], int(m["lines"]), int(m["cc"]))
    return entries


def gate(measures: list[Measure], allowed: dict[str, Measure]) -> list[str]:
    """What breaks the gate, one line each (empty when it holds)."""
    problems = []
    seen = {m.key: m for m in measures}
    for m in measures:
        if not m.over():
            continue
        limit = allowed.get(m.key)
        if limit is None:
            problems.append(f"{m}: over the limits (lines <= {MAX_LINES}, cc <= {MAX_COMPLEXITY}); "
                            "split it into smaller named steps")
        elif m.lines > limit.lines or m.complexity > limit.complexity:
            problems.append(f"{m}: grew past its allow-list figures ({limit}); make it smaller, not bigger")
    for key, limit in allowed.items():
        now = seen.get(key)
        if now is None:
            problems.append(f"{limit}: listed in {ALLOWLIST.name} but no longer exists: remove the line")
        elif not now.over():
            problems.append(f"{now}: within the limits now: remove its line from {ALLOWLIST.name}")
    return problems


def test_no_function_is_over_the_limits_unless_listed() -> None:
    problems = gate(measure_package(), read_allowlist(ALLOWLIST.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems)


# --- the gate itself, on small hand-made sources -------------------------------------------------

_LONG = "def long():\n" + "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES)) + "    return 0\n"
_BRANCHY = "def branchy(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n"
                                         for i in range(MAX_COMPLEXITY)) + "    return -1\n"
_NESTED = "class K:\n    def method(self):\n        def inner(y):\n            return y\n        return inner\n"


def test_lines_and_complexity_are_measured_per_function() -> None:
    got = {m.key: m for m in measure_source(_LONG + _BRANCHY + _NESTED, "m.py")}
    assert got["m.py:long"] == Measure("m.py:long", MAX_LINES + 2, 1)
    assert got["m.py:branchy"].complexity == MAX_COMPLEXITY + 1
    assert set(got) == {"m.py:long", "m.py:branchy", "m.py:K.method", "m.py:K.method.inner"}


def test_a_new_offender_fails_and_a_listed_one_may_not_grow() -> None:
    measures = measure_source(_LONG + _BRANCHY, "m.py")
    assert len(gate(measures, {})) == 2
    listed = {"m.py:long": Measure("m.py:long", MAX_LINES + 2, 1),
              "m.py:branchy": Measure("m.py:branchy", 2 * MAX_COMPLEXITY + 2, MAX_COMPLEXITY + 1)}
    assert gate(measures, listed) == []
    tighter = {**listed, "m.py:long": Measure("m.py:long", MAX_LINES + 1, 1)}
    assert [p.split(":")[1] for p in gate(measures, tighter)] == ["long lines=62 cc=1"]


def test_a_stale_line_fails() -> None:
    short = measure_source("def f():\n    return 1\n", "m.py")
    problems = gate(short, {"m.py:f": Measure("m.py:f", 70, 3), "m.py:gone": Measure("m.py:gone", 70, 3)})
    assert len(problems) == 2
    assert "m.py:f lines=2 cc=1: within the limits now" in problems[0]
    assert "m.py:gone lines=70 cc=3: listed in" in problems[1] and "no longer exists" in problems[1]


def test_a_malformed_line_is_named() -> None:
    with pytest.raises(ValueError, match=r"line 2: 'src/x.py:f lines=70' is not"):
        read_allowlist("# comment\nsrc/x.py:f lines=70\n")
