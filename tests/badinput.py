"""A seeded corpus of bad inputs, built in a temporary folder from small reportlab PDFs.

Small enough for CI (a few hundred files of a few KB): not-PDFs, truncations at many offsets
(with and without a fake end-of-file marker), seeded byte mutants, structural oddities written
by hand (0 pages, a page-tree loop, a MediaBox reference cycle, absurd boxes), encrypted and
image-only files, turned and damaged pages, a page of many tiny segments, and file names that
have hurt before (``..pdf``, ``-x.pdf``, odd Unicode). The same seed gives the same files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pdf_builders import (
    PAGE_H,
    PAGE_W,
    VERTICAL_MERGE,
    VERTICAL_MERGE_TITLE,
    _draw_titled_tables,
    _new_canvas,
    build_corrupted_page,
    build_encrypted,
    build_horizontal_merge,
    build_image_only,
    build_mediabox_cycle,
    build_page_break_header,
    build_prose_only,
    build_turned,
    build_vertical_merge,
    build_with_blank_page,
    raw_pdf,
)

SEED = 20261125


@dataclass(frozen=True)
class Case:
    """One bad input: its file and the family it belongs to."""

    name: str
    path: Path
    family: str
    #: needs the time limit (run in a subprocess with a short --timeout)
    hangs: bool = False


def _bases(folder: Path) -> dict[str, bytes]:
    """The good PDFs the mutants are made from."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "vertical": build_vertical_merge(folder / "vertical.pdf").read_bytes(),
        "two_pages": build_page_break_header(folder / "two_pages.pdf").read_bytes(),
        "horizontal": build_horizontal_merge(folder / "horizontal.pdf").read_bytes(),
    }


def _not_pdfs(rng: random.Random) -> dict[str, bytes]:
    return {
        "empty": b"",
        "text": "会議資料は別途配布します。\n".encode(),
        "html": b"<!doctype html><html><body>404 Not Found</body></html>\n",
        "png": b"\x89PNG\r\n\x1a\n" + rng.randbytes(200),
        "zip": b"PK\x03\x04" + rng.randbytes(300),
        "header_only": b"%PDF-1.7\n",
        "header_eof": b"%PDF-1.7\n%%EOF\n",
        "nul": b"\x00" * 4096,
        "utf16": "%PDF-1.4 これは\n".encode("utf-16"),
        **{f"noise_{i}": rng.randbytes(rng.randint(1, 6000)) for i in range(6)},
        **{f"noise_header_{i}": b"%PDF-1.4\n" + rng.randbytes(rng.randint(10, 3000)) + b"\n%%EOF\n"
           for i in range(6)},
    }


def _truncations(bases: dict[str, bytes], rng: random.Random, per_base: int) -> dict[str, bytes]:
    out = {}
    for name, data in bases.items():
        for i, cut in enumerate(sorted(rng.sample(range(1, len(data)), per_base))):
            tail = b"\n%%EOF\n" if i % 2 else b""  # a fake end marker gets past the first check
            out[f"trunc_{name}_{cut}{'_eof' if tail else ''}"] = data[:cut] + tail
    return out


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        at = rng.randrange(len(b))
        if kind < 0.5:
            b[at] = rng.randrange(256)
        elif kind < 0.7:
            del b[at:at + rng.randint(1, 64)]
        elif kind < 0.85:
            b[at:at] = rng.randbytes(rng.randint(1, 64))
        else:  # a digit changed: object numbers, lengths, offsets, coordinates
            digits = [i for i, ch in enumerate(b) if 48 <= ch <= 57]
            if digits:
                b[rng.choice(digits)] = rng.randrange(48, 58)
    return bytes(b)


def _mutants(bases: dict[str, bytes], rng: random.Random, per_base: int) -> dict[str, bytes]:
    return {f"mutant_{name}_{i}": _mutate(data, rng) for name, data in bases.items() for i in range(per_base)}


def _structural() -> dict[str, bytes]:
    """Hand-written PDFs whose structure is wrong in ways parsers loop or crash on."""
    text = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    stream = b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

    def one_page(page_extra: bytes, pages_extra: bytes = b"") -> bytes:
        return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                        b"<< /Type /Pages /Kids [3 0 R] /Count 1 " + pages_extra + b">>",
                        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> "
                        + page_extra + b">>", stream, font])

    return {
        "zero_pages": raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        "no_pages_key": raw_pdf([b"<< /Type /Catalog >>"]),
        "kids_loop": raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
        "root_missing": raw_pdf([b"<< /Type /Pages /Kids [] /Count 0 >>"]).replace(b"/Root 1 0 R", b"/Root 9 0 R"),
        "no_mediabox": one_page(b""),
        "mediabox_huge": one_page(b"/MediaBox [0 0 1e30 1e30] "),
        "mediabox_negative": one_page(b"/MediaBox [0 0 -595 -842] "),
        "mediabox_flat": one_page(b"/MediaBox [0 0 595 0] "),
        "mediabox_strings": one_page(b"/MediaBox [(a) (b) (c) (d)] "),
        "mediabox_short": one_page(b"/MediaBox [0 0 595] "),
        "rotate_odd": one_page(b"/MediaBox [0 0 595 842] /Rotate 45 "),
        "rotate_big": one_page(b"/MediaBox [0 0 595 842] /Rotate 99999990 "),
        "contents_loop": one_page(b"/MediaBox [0 0 595 842] ").replace(b"/Contents 4 0 R", b"/Contents 3 0 R"),
        "font_missing": one_page(b"/MediaBox [0 0 595 842] ").replace(b"/F1 5 0 R", b"/F1 9 0 R"),
        "length_wrong": one_page(b"/MediaBox [0 0 595 842] ").replace(b"/Length %d" % len(text), b"/Length 99999"),
        "xref_garbage": one_page(b"/MediaBox [0 0 595 842] ").replace(b"xref\n0 6", b"xref\n0 60"),
        "inherited_box_loop": one_page(b"", b"/MediaBox 2 0 R "),
    }


def _tiny_segments(path: Path, n: int = 20000) -> Path:
    """The vertical-merge table and a border drawn as ``n`` dots: extraction must stay quick."""
    c = _new_canvas(path)
    c.setLineWidth(0.3)
    rng = random.Random(SEED)
    for _ in range(n):
        x, y = rng.uniform(20, PAGE_W - 20), rng.uniform(20, PAGE_H - 20)
        c.line(x, y, x + 0.4, y)
    _draw_titled_tables(c, VERTICAL_MERGE_TITLE, VERTICAL_MERGE)
    c.save()
    return path


#: names that have hurt before: a stem "." wiped --out; "-x" read as an option
ODD_NAMES = ["..pdf", "...pdf", "-x.pdf", "--force.pdf", "報告書 (最終版).pdf", "e\u0301te\u0301.pdf",
             "a\u202eFDP.pdf", "tab\tname.pdf", "new\nline.pdf", "back\\slash.pdf", "x" * 200 + ".pdf",
             " space .pdf", "$(rm -rf ~).pdf", "CON.pdf", "%s%n.pdf", ".hidden.pdf", "UPPER.PDF"]


def build_cases(folder: Path, seed: int = SEED, truncations: int = 40, mutants: int = 45) -> list[Case]:
    """Write every case under ``folder`` (one file each); the list says which is which."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    bases = _bases(folder / "_bases")
    families: dict[str, dict[str, bytes]] = {
        "not_pdf": _not_pdfs(rng),
        "truncated": _truncations(bases, rng, truncations),
        "mutant": _mutants(bases, rng, mutants),
        "structure": _structural(),
    }
    cases = [Case(name, _put(folder / f"{name}.pdf", data), family)
             for family, files in families.items() for name, data in files.items()]
    builders: dict[str, Callable[[Path], Path]] = {
        "encrypted": build_encrypted, "image_only": build_image_only, "prose_only": build_prose_only,
        "corrupted_page": build_corrupted_page, "blank_page": build_with_blank_page,
        "tiny_segments": _tiny_segments,
        **{f"rotate_{r}": (lambda p, r=r: build_turned(p, rotate=r)) for r in (90, 180, 270)},
        "drawn_180": lambda p: build_turned(p, drawn=180),
    }
    cases += [Case(name, make(folder / f"{name}.pdf"), "built") for name, make in builders.items()]
    for i, name in enumerate(ODD_NAMES):
        (folder / f"name_{i}").mkdir()
        cases.append(Case(f"name_{i}", _put(folder / f"name_{i}" / name, bases["vertical"]), "name"))
    cases.append(Case("mediabox_cycle", build_mediabox_cycle(folder / "mediabox_cycle.pdf"), "hang", hangs=True))
    return cases


def _put(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
