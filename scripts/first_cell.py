"""The first code cell of every chapter: the one place its text is written.

    python scripts/first_cell.py book/04_matrix_form.ipynb ...  # write it into these

A chapter is opened in many places: the book's own venv, Binder, Colab, a reader's Jupyter
with a downloaded ``.ipynb``. The first code cell makes each of them work or say how:

- on Colab, which opens one notebook on its own, it clones the course and changes into its
  ``book/`` folder, so that ``import mlpcore`` and the relative paths resolve;
- anywhere, it imports ``mlpcore``; where that fails it prints the one command that installs
  the library from the repository and stops the notebook there, with that message and no
  traceback (IPython shows what an exception's ``_render_traceback_`` returns, and "Run
  all" stops at a cell that raised).

The repository is the one ``_config.yml`` names (``repository.url``), as for the Binder and
Colab buttons, so a teacher's fork points at the fork. ``tests/test_notebook_hygiene.py``
checks that every chapter's first code cell is exactly :func:`source` of that URL.

:func:`apply` replaces a chapter's first code cell with this one when that cell is the
course's setup cell (this one, or the earlier Colab-only cell), and otherwise inserts this
one before the first code cell. It clears the cell's outputs; the chapter must then be
re-executed (``make notebooks``), since the execution counts of its cells change.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"

# remove-cell: the book's pages leave it out (the reader of a web page needs no setup); the
# .ipynb that the download, Binder and Colab buttons open keeps it, first.
TAGS = ["remove-cell"]

# A line of the earlier first cells, which ran only on Colab: apply() replaces such a cell.
SETUP_MARKER = 'if "google.colab" in sys.modules:'

TEMPLATE = """\
# Setup. On Colab: fetch the course. Anywhere: check that mlpcore, the
# course's library, is installed, and if it is not, say how to install it.
import os
import sys

COURSE = "{url}"
if "google.colab" in sys.modules:
    if not os.path.isdir("/content/course"):
        !git clone -q --depth 1 {{COURSE}} /content/course
    %cd /content/course/book
    sys.path.insert(0, "/content/course")


class NotInstalled(Exception):
    def _render_traceback_(self):  # Jupyter shows the message, no traceback
        return str(self).splitlines()


try:
    import mlpcore
except ModuleNotFoundError as missing:
    raise NotInstalled(
        f"This notebook needs mlpcore, the course's library ({{missing}}).\\n"
        "Install it into this notebook's Python by running in a new cell\\n\\n"
        f'    %pip install "mlpcore @ git+{{COURSE}}"\\n\\n'
        "then restart the kernel and run the notebook again."
    ) from None"""


def repository_url(config: Path = CONFIG) -> str:
    """The repository URL of the book's ``_config.yml`` (``repository.url``)."""
    data = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    try:
        url = data["repository"]["url"]
    except (TypeError, KeyError):
        raise ValueError(f"{config} has no repository.url") from None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(
            f"repository.url in {config} should be an http(s) URL, not {url!r}"
        )
    return url.rstrip("/")


def source(url: str | None = None) -> str:
    """The text of the first code cell, for the repository ``url`` (default: _config.yml's)."""
    if url is None:
        url = repository_url()
    if not isinstance(url, str) or '"' in url or "\n" in url:
        raise ValueError(
            f"expected a repository URL without quotes or newlines, got {url!r}"
        )
    return TEMPLATE.format(url=url)


def is_setup_cell(cell) -> bool:
    """Whether a code cell is the course's setup cell (this one or an earlier version)."""
    return cell.cell_type == "code" and SETUP_MARKER in cell.source


def apply(path: str | Path, url: str | None = None) -> bool:
    """Write the first code cell into the notebook at ``path``; return whether it changed.

    The course's setup cell, if the notebook's first code cell is one, is replaced; otherwise
    the cell is inserted before the first code cell (or appended, if there is none).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    text = source(url)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    if code and is_setup_cell(nb.cells[code[0]]):
        cell = nb.cells[code[0]]
        if (
            cell.source == text
            and cell.metadata.get("tags") == TAGS
            and not cell.outputs
        ):
            return False
        cell.source = text
        cell.outputs = []
        cell.execution_count = None
    else:
        cell = nbformat.v4.new_code_cell(text)
        nb.cells.insert(code[0] if code else len(nb.cells), cell)
    cell.metadata["tags"] = list(TAGS)
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        sys.exit("no such notebook: " + ", ".join(missing))
    url = repository_url()
    for path in args.notebooks:
        changed = apply(path, url)
        print(f"{'wrote' if changed else 'unchanged'}  {path}")
    print("now re-execute them: make notebooks NAMES=...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
