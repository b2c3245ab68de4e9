"""Write every fixture PDF into tests/pdfs/<case>.pdf.

Run from the repository root after changing a builder:

    .venv/bin/python tests/make_fixtures.py

Tests build their own fresh copies from the builders; the committed PDFs are for people (open
them, run the CLI on them) and ``test_committed_fixtures_match_builders`` keeps them current.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdf_builders import CASES  # noqa: E402

PDF_DIR = Path(__file__).resolve().parent / "pdfs"


def main() -> None:
    for name, build in CASES.items():
        path = build(PDF_DIR / f"{name}.pdf")
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
