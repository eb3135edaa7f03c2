"""Figure hygiene: every figure a chapter stores can be read by a screen reader, cited by number,
and is sharp on a 2x screen.

Without myst-nb's cell metadata a figure's alt text in the built book is its file hash and it
has no caption or number. A code cell that stores an image output (not removed by a tag) needs

    "metadata": {"mystnb": {"image": {"alt": "what the figure shows"},
                            "figure": {"caption": "...", "name": "fig-ch5-..."}}}

``name`` is the label the text refers to ({numref}`fig-ch5-...`); myst-nb then renders a
numbered figure ("Fig. 5.1") with that caption and alt text. A PNG is sharp on a 2x screen when
it is stored at twice its display size, which ``%config InlineBackend.figure_formats =
["retina"]`` does (the output's metadata then holds the display width and height).
"""

from __future__ import annotations

import base64
import struct
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from booktoc import toc_files  # noqa: E402  (scripts/ is not a package)

REMOVED = {"remove-output", "remove-cell"}
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
NOTEBOOKS = [
    ROOT / f"{name}.ipynb" for name in toc_files() if (ROOT / f"{name}.ipynb").is_file()
]


def figure_cells(path: Path) -> list[tuple[int, dict]]:
    """(index among code cells, cell) of every code cell that shows an image."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return [
        (i, cell)
        for i, cell in enumerate(cells)
        if not REMOVED & set(cell.metadata.get("tags", []))
        and any(
            any(t in output.get("data", {}) for t in IMAGE_TYPES)
            for output in cell.get("outputs", [])
        )
    ]


def missing_metadata(cell: dict) -> list[str]:
    mystnb = cell.metadata.get("mystnb", {})
    figure = mystnb.get("figure", {})
    image = mystnb.get("image", {})
    missing = [f"figure.{key}" for key in ("caption", "name") if not figure.get(key)]
    alt = image.get("alt", "")
    if not alt:
        missing.append("image.alt")
    elif alt == figure.get("caption"):
        missing.append("image.alt (a description, not the caption repeated)")
    return missing


def png_size(data: str) -> tuple[int, int]:
    raw = base64.b64decode(data)
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", raw[16:24])


def test_missing_metadata_finds_what_is_missing():
    bare = nbformat.v4.new_code_cell()
    assert missing_metadata(bare) == ["figure.caption", "figure.name", "image.alt"]
    full = nbformat.v4.new_code_cell()
    full.metadata["mystnb"] = {
        "figure": {"caption": "Loss per iteration.", "name": "fig-x"},
        "image": {"alt": "Two curves falling from 0.69 to 0.02."},
    }
    assert missing_metadata(full) == []
    full.metadata["mystnb"]["image"]["alt"] = "Loss per iteration."
    assert missing_metadata(full) == [
        "image.alt (a description, not the caption repeated)"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_has_alt_text_and_a_numbered_caption(path):
    bad = [
        f"code cell {i}: {', '.join(missing)}"
        for i, cell in figure_cells(path)
        if (missing := missing_metadata(cell))
    ]
    assert not bad, f"{path.name}: figures without metadata.mystnb:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_png_figure_is_stored_at_twice_its_display_size(path):
    blurry = []
    for i, cell in figure_cells(path):
        for output in cell.get("outputs", []):
            if "image/png" not in output.get("data", {}):
                continue
            width, _ = png_size(output["data"]["image/png"])
            shown = output.get("metadata", {}).get("image/png", {}).get("width")
            if not shown or width < 2 * shown:
                blurry.append(
                    f"code cell {i}: {width} px stored, shown at {shown or width}"
                )
    assert not blurry, (
        f"{path.name}: PNG figures not stored at 2x (retina):\n" + "\n".join(blurry)
    )
