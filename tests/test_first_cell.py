"""scripts/first_cell.py: the text of every chapter's first code cell, and apply().

What the cell shows in a real kernel without mlpcore is checked in tests/package/test_wheel.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import first_cell  # noqa: E402  (scripts/ is not a package)

FORK = "https://example.org/a-teacher/backprop-fork"


def _python(cell_source: str) -> str:
    """The cell as IPython runs it: `!` and `%` lines become get_ipython() calls."""
    return TransformerManager().transform_cell(cell_source)


def _a_chapter() -> Path:
    chapters = sorted((ROOT / "book").glob("0*.ipynb"))
    assert chapters, "no chapter notebook under book/"
    return chapters[0]


def test_source_names_the_configured_repository():
    url = first_cell.repository_url(ROOT / "_config.yml")
    text = first_cell.source(url)
    assert f'COURSE = "{url}"' in text
    assert text == first_cell.source()  # the default is _config.yml's URL


def test_a_fork_gets_its_own_url(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(f"repository:\n  url: {FORK}/\n", encoding="utf-8")
    assert first_cell.repository_url(config) == FORK
    assert f'COURSE = "{FORK}"' in first_cell.source(FORK)


@pytest.mark.parametrize(
    "url", ['https://x.org/"; import os', "https://x.org/\nprint(1)", 3]
)
def test_source_refuses_a_url_that_would_break_the_cell(url):
    with pytest.raises(ValueError, match="repository URL"):
        first_cell.source(url)


def test_repository_url_must_be_http(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: git@github.com:x/y.git\n", encoding="utf-8")
    with pytest.raises(ValueError, match="http"):
        first_cell.repository_url(config)
    config.write_text("title: no repository\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no repository.url"):
        first_cell.repository_url(config)


def test_lines_fit_the_page_column():
    long = [line for line in first_cell.source().splitlines() if len(line) > 77]
    assert not long, long


def test_without_mlpcore_it_stops_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlpcore", None)  # `import mlpcore` now fails
    namespace = {"get_ipython": lambda: pytest.fail("only Colab runs ! and % lines")}
    with pytest.raises(Exception) as info:
        exec(_python(first_cell.source(FORK)), namespace)
    assert type(info.value).__name__ == "NotInstalled"
    shown = (
        info.value._render_traceback_()
    )  # what Jupyter shows in place of a traceback
    assert f'    %pip install "mlpcore @ git+{FORK}"' in shown
    assert not any("Traceback" in line or 'File "' in line for line in shown), shown
    assert shown[0].startswith("This notebook needs mlpcore, the course's library (")


def test_with_mlpcore_it_does_nothing_visible(capsys):
    namespace = {"get_ipython": lambda: pytest.fail("only Colab runs ! and % lines")}
    exec(_python(first_cell.source()), namespace)
    assert namespace["mlpcore"].__name__ == "mlpcore"
    assert capsys.readouterr() == ("", "")


def test_apply_replaces_the_colab_cell_of_a_chapter(tmp_path):
    path = tmp_path / "chapter.ipynb"
    shutil.copy(_a_chapter(), path)
    before = nbformat.read(path, as_version=4)
    assert first_cell.is_setup_cell(
        [c for c in before.cells if c.cell_type == "code"][0]
    )

    assert first_cell.apply(path, FORK) is True
    after = nbformat.read(path, as_version=4)
    assert len(after.cells) == len(before.cells)
    code = [c for c in after.cells if c.cell_type == "code"]
    assert code[0].source == first_cell.source(FORK)
    assert code[0].metadata["tags"] == first_cell.TAGS
    assert code[0].outputs == [] and code[0].execution_count is None
    old_rest = [c for c in before.cells if c.cell_type == "code"][1:]
    assert [c.source for c in code[1:]] == [c.source for c in old_rest]

    written = path.read_bytes()
    assert (
        first_cell.apply(path, FORK) is False
    )  # already there: the file is not rewritten
    assert path.read_bytes() == written


def test_apply_inserts_before_the_first_code_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A new chapter"),
        nbformat.v4.new_code_cell("import numpy as np"),
    ]
    path = tmp_path / "new.ipynb"
    nbformat.write(nb, path)
    assert first_cell.apply(path, FORK) is True
    cells = nbformat.read(path, as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code"]
    assert cells[1].source == first_cell.source(FORK)
    assert cells[2].source == "import numpy as np"


def test_main_refuses_a_missing_notebook(tmp_path):
    with pytest.raises(SystemExit, match="no such notebook"):
        first_cell.main([str(tmp_path / "nope.ipynb")])
