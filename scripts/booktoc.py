"""Read the book's table of contents, _toc.yml (Jupyter Book 1, format jb-book).

One reader for every tool that needs the list of pages: scripts/execute_notebooks.py (what to
run), tests/test_notebook_hygiene.py (what to check) and tests/browser/test_pages.py (what to
open, and in which order).
"""

from __future__ import annotations

from pathlib import Path

import yaml

TOC_PATH = Path(__file__).resolve().parents[1] / "_toc.yml"


def toc_files(toc_path: Path = TOC_PATH) -> list[str]:
    """Every document named in a jb-book _toc.yml (root, then parts/chapters/sections), in order.

    Raises ``ValueError`` for a ``glob:`` entry, whose pages cannot be listed from the file.
    """
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "glob" in node:
                raise ValueError(
                    f"_toc.yml `glob: {node['glob']}` is not supported: list the files"
                )
            for key in ("root", "file"):
                if key in node:
                    names.append(str(node[key]))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return names
