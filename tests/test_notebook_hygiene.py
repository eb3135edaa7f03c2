"""Hygiene of the book: the table of contents and the stored state of every chapter notebook.

nbval (``make test``) checks that re-running a chapter reproduces its stored outputs; these
tests check what nbval does not: that the notebooks were saved after a clean top-to-bottom run
(``make notebooks``), hold no error or warning, and are all part of the book.
"""

from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from booktoc import toc_files  # noqa: E402  (scripts/ is not a package)

ROOT = Path(__file__).resolve().parents[1]
TOC_PATH = ROOT / "_toc.yml"
BOOK_DIR = ROOT / "book"
PAGE_SUFFIXES = (".md", ".ipynb")


def _toc_entries() -> list[str]:
    """Every document named in _toc.yml (root, then parts/chapters/sections), in order."""
    try:
        return toc_files(TOC_PATH)
    except (OSError, yaml.YAMLError, ValueError):
        return []  # test_toc_parses_with_intro_as_root reports it


def _candidates(entry: str) -> list[Path]:
    """The files a toc entry can name: itself if it has a page suffix, else entry.md / entry.ipynb."""
    path = ROOT / entry
    if path.suffix in PAGE_SUFFIXES:
        return [path] if path.is_file() else []
    return [
        p for p in (path.with_name(path.name + s) for s in PAGE_SUFFIXES) if p.is_file()
    ]


TOC_ENTRIES = _toc_entries()
TOC_PAGES = [p for entry in TOC_ENTRIES for p in _candidates(entry)]
NOTEBOOKS = [p for p in TOC_PAGES if p.suffix == ".ipynb"]
notebook_params = pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS]
)


@lru_cache(maxsize=None)
def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(path: Path):
    return [(i, c) for i, c in enumerate(_read(path).cells) if c.cell_type == "code"]


# --- the table of contents -----------------------------------------------------------


def test_toc_parses_with_intro_as_root():
    toc = yaml.safe_load(TOC_PATH.read_text(encoding="utf-8"))
    assert isinstance(toc, dict), "_toc.yml is not a mapping"
    assert toc.get("format") == "jb-book"
    assert toc.get("root") == "book/intro"
    assert _candidates("book/intro"), (
        "the root page book/intro(.md|.ipynb) does not exist"
    )
    for key in ("parts", "chapters"):
        if key in toc:
            assert toc[key], f"_toc.yml has an empty `{key}:` list"


@pytest.mark.parametrize("entry", TOC_ENTRIES, ids=TOC_ENTRIES)
def test_toc_entry_names_exactly_one_file(entry):
    found = _candidates(entry)
    assert found, (
        f"_toc.yml lists {entry!r}, but neither {entry}.md nor {entry}.ipynb exists"
    )
    assert len(found) == 1, (
        f"_toc.yml entry {entry!r} is ambiguous: {[p.name for p in found]}"
    )


def test_toc_has_no_duplicates():
    duplicates = sorted({e for e in TOC_ENTRIES if TOC_ENTRIES.count(e) > 1})
    assert not duplicates, f"listed more than once in _toc.yml: {duplicates}"


def test_every_page_under_book_is_in_the_toc():
    # only_build_toc_files: true silently leaves an unlisted page out of the book.
    pages = {
        p
        for suffix in PAGE_SUFFIXES
        for p in BOOK_DIR.rglob(f"*{suffix}")
        if ".ipynb_checkpoints" not in p.parts
    }
    missing = sorted(str(p.relative_to(ROOT)) for p in pages - set(TOC_PAGES))
    assert not missing, f"pages under book/ that _toc.yml does not list: {missing}"


def test_config_renders_stored_outputs():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    # "auto"/"cache" re-execute by their own rules: stale or unchecked outputs in the book.
    assert config["execute"]["execute_notebooks"] == "off"
    # without it sphinx.config.html_theme_options replaces JB's and the buttons vanish
    assert config["sphinx"]["recursive_update"] is True


# --- every chapter notebook ----------------------------------------------------------


@notebook_params
def test_is_valid_nbformat_4(path):
    nb = _read(path)
    assert nb.nbformat == 4
    nbformat.validate(nb)


@notebook_params
def test_kernelspec_is_python3(path):
    kernelspec = _read(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"kernelspec is {kernelspec!r}"


@notebook_params
def test_first_markdown_cell_has_a_level_1_title(path):
    markdown = [c for c in _read(path).cells if c.cell_type == "markdown"]
    assert markdown, "the notebook has no markdown cell"
    lines = [
        line
        for line in markdown[0].source.splitlines()
        # blank lines and MyST targets such as "(chapter-label)=" may precede the title
        if line.strip() and not re.fullmatch(r"\([^)]+\)=\s*", line)
    ]
    assert lines and re.match(r"# \S", lines[0]), (
        f"the first markdown cell should open with '# Title', not {lines[:1]!r}"
    )


@notebook_params
def test_no_empty_code_cells(path):
    # nbclient skips an empty cell, leaving it unnumbered among numbered ones
    empty = [i for i, c in _code_cells(path) if not c.source.strip()]
    assert not empty, f"empty code cells at indices {empty}: delete them"


@notebook_params
def test_code_cells_executed_top_to_bottom(path):
    counts = [c.execution_count for _, c in _code_cells(path)]
    expected = list(range(1, len(counts) + 1))
    assert counts == expected, (
        f"execution counts {counts}, expected {expected}: "
        "run `make notebooks` (a fresh kernel, every cell in order) and save"
    )


@notebook_params
def test_no_error_outputs(path):
    errors = [
        (i, o.get("ename"), o.get("evalue"))
        for i, c in _code_cells(path)
        # nbval and nbclient accept an error only in a cell tagged to raise one
        if "raises-exception" not in c.metadata.get("tags", [])
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, f"error outputs (cell index, name, value): {errors}"


@notebook_params
def test_no_stderr_output(path):
    stderr = [
        (i, "".join(o.text)[:200])
        for i, c in _code_cells(path)
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]
    assert not stderr, f"output on stderr (warnings are defects): {stderr}"


@notebook_params
def test_no_execution_timestamps(path):
    stamped = [i for i, c in enumerate(_read(path).cells) if "execution" in c.metadata]
    assert not stamped, (
        f"cells {stamped} carry metadata.execution timestamps: re-execute with `make notebooks`"
    )


@notebook_params
def test_first_code_cell_sets_up_colab_from_the_configured_repository(path):
    # Colab opens a lone notebook: the first code cell clones the course so that mlpcore
    # and the relative paths resolve. It must clone the repository _config.yml names.
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    first = _code_cells(path)[0][1].source
    assert 'if "google.colab" in sys.modules:' in first, first
    assert f'COURSE = "{config["repository"]["url"]}"' in first, first
    assert "git clone" in first and "%cd /content/course/book" in first, first


@notebook_params
def test_first_code_cell_is_the_course_setup_cell(path):
    # scripts/first_cell.py holds the one text of this cell: on Colab it clones the course;
    # anywhere it imports mlpcore, or prints the command that installs it and stops. Write
    # it into a chapter with `python scripts/first_cell.py book/X.ipynb`, then re-execute.
    import first_cell  # scripts/first_cell.py (scripts/ is on sys.path, above)

    index, cell = _code_cells(path)[0]
    expected = first_cell.source(first_cell.repository_url(ROOT / "_config.yml"))
    assert cell.source == expected, (
        f"the first code cell (cell index {index}) is not scripts/first_cell.py's text: "
        f"run `python scripts/first_cell.py {path.relative_to(ROOT)}`, then `make notebooks`"
    )
    assert cell.metadata.get("tags") == first_cell.TAGS, cell.metadata.get("tags")
    assert not cell.outputs, f"the setup cell printed something: {cell.outputs}"


# Modules that only the book's build has: a chapter run anywhere else (a downloaded notebook,
# Binder, Colab, tests/package) must not need them.
BOOK_ONLY = {"myst_nb", "jupyter_book", "sphinx", "sphinx_exercise", "sphinx_proof"}


def _guarded_imports(tree: ast.AST) -> set[int]:
    """The ids of the import nodes inside a `try:` whose handlers catch ImportError."""
    guarded = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught = set()
        for handler in node.handlers:
            kind = handler.type
            types = kind.elts if isinstance(kind, ast.Tuple) else [kind]
            caught |= {getattr(t, "id", None) for t in types}
        if caught & {None, "ImportError", "ModuleNotFoundError", "Exception"}:
            guarded |= {
                id(n)
                for stmt in node.body
                for n in ast.walk(stmt)
                if isinstance(n, (ast.Import, ast.ImportFrom))
            }
    return guarded


@notebook_params
def test_book_only_imports_are_guarded(path):
    # e.g. `try: from myst_nb import glue` / `except ImportError: def glue(...): pass`
    from IPython.core.inputtransformer2 import TransformerManager

    unguarded = []
    for index, cell in _code_cells(path):
        tree = ast.parse(TransformerManager().transform_cell(cell.source))
        guarded = _guarded_imports(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if {n.split(".")[0] for n in names} & BOOK_ONLY and id(node) not in guarded:
                unguarded.append((index, ast.unparse(node)))
    assert not unguarded, (
        f"imports that only the book's build has, unguarded (cell index, import): {unguarded}; "
        "wrap them in try/except ImportError with a fallback, so the chapter runs anywhere"
    )
