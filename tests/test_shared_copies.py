"""The repository's copies of ../shared (corpus truth, scorer, sample PDFs) are still the originals,
and the suite finds ../shared through one function that ``$DXEXTRACT_SHARED`` overrides.

A clone without ../shared runs every accuracy test on these copies (see conftest.py); with it,
these tests say when a copy has gone stale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import conftest
from conftest import CORPUS, RAW, SAMPLES, SCORER, SHARED_ENV, needs_shared, shared_dir, shared_path

HEADER_END = "# -- end of vendoring header --\n"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_repository_holds_what_the_accuracy_tests_need() -> None:
    for name in SAMPLES:
        assert (CORPUS / f"{name}.json").is_file(), f"truth of {name} missing under {CORPUS}"
        assert (RAW / f"{name}.pdf").is_file(), f"sample PDF {name}.pdf missing under {RAW}"
    assert HEADER_END in SCORER.read_text(encoding="utf-8"), f"{SCORER}: the vendoring header is gone"


@needs_shared("corpus")
@pytest.mark.parametrize("name", list(SAMPLES))
def test_corpus_truth_is_the_shared_one(name: str) -> None:
    original = shared_path("corpus", f"{name}.json")
    assert original is not None
    assert (CORPUS / f"{name}.json").read_bytes() == original.read_bytes(), (
        f"tests/data/corpus/{name}.json differs from {original}: copy it again")


@needs_shared("corpus")
@pytest.mark.parametrize("name", list(SAMPLES))
def test_sample_pdf_is_the_corpus_pdf(name: str) -> None:
    """truth_frames looks pages up in raw/: it must be the PDF the truth describes."""
    original = shared_path("corpus", f"{name}.pdf")
    assert original is not None
    assert _sha256(RAW / f"{name}.pdf") == _sha256(original)


@needs_shared("eval", "score.py")
def test_scorer_is_the_shared_one_below_its_header() -> None:
    original = shared_path("eval", "score.py")
    assert original is not None
    shebang, _, rest = original.read_text(encoding="utf-8").partition("\n")
    vendored = SCORER.read_text(encoding="utf-8")
    head, _, body = vendored.partition(HEADER_END)
    assert head.startswith(shebang + "\n") and body == rest, (
        f"{SCORER} differs from {original} beyond its header: copy it again and keep the header")


def test_the_env_var_names_the_shared_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv(SHARED_ENV, str(tmp_path))
    assert shared_dir() == tmp_path
    assert shared_path("corpus") == tmp_path / "corpus"
    assert shared_path("realworld") is None


def test_a_missing_shared_dir_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SHARED_ENV, str(tmp_path / "absent"))
    assert shared_dir() is None
    assert shared_path("corpus") is None
    assert conftest.shared_pdfs("realworld") == []
    assert needs_shared("realworld").kwargs["reason"].startswith("../shared/realworld not beside the repo")


def test_without_the_env_var_shared_is_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SHARED_ENV, raising=False)
    beside = conftest.REPO.parent / "shared"
    assert shared_dir() == (beside if beside.is_dir() else None)
