"""tests/nbval_order.py: the nbval step runs the longest chapters first."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))  # tests.nbval_order, as `python -m pytest -p` finds it
from booktoc import toc_files  # noqa: E402

from tests.nbval_order import longest_first, recorded_seconds  # noqa: E402


def test_every_chapter_of_the_toc_has_a_recorded_time():
    seconds = recorded_seconds()
    notebooks = [
        f"{name}.ipynb"
        for name in toc_files(ROOT / "_toc.yml")
        if (ROOT / f"{name}.ipynb").is_file()
    ]
    assert notebooks
    assert sorted(seconds) == sorted(notebooks), (
        "book/status.md's times are not those of _toc.yml's chapters: run make notebooks"
    )
    assert all(s > 0 for s in seconds.values())


def test_the_status_table_is_read_row_by_row(tmp_path):
    status = tmp_path / "status.md"
    status.write_text(
        "| chapter | file | seconds |\n"
        "| :------ | :--- | ------: |\n"
        "| {doc}`01_a` | `book/01_a.ipynb` | 2.5 |\n"
        "| {doc}`09_b` | `book/09_b.ipynb` | 14.0 |\n"
        "| **all chapters** | | **16.5** |\n",
        encoding="utf-8",
    )
    assert recorded_seconds(status) == {"book/01_a.ipynb": 2.5, "book/09_b.ipynb": 14.0}
    assert recorded_seconds(tmp_path / "missing.md") == {}


def test_longest_file_first_unknown_before_and_cells_in_order(tmp_path):
    def cells(name, n):
        return [SimpleNamespace(path=tmp_path / name, cell=i) for i in range(n)]

    short, long, new = (
        cells("short.ipynb", 3),
        cells("long.ipynb", 3),
        cells("new.py", 2),
    )
    items = short + long + new
    seconds = {"short.ipynb": 1.0, "long.ipynb": 9.0}
    ordered = longest_first(items, tmp_path, seconds)
    assert ordered == new + long + short
    assert [c.cell for c in ordered if c.path.name == "long.ipynb"] == [0, 1, 2]


def test_the_plugin_orders_the_collected_chapters():
    """As the Makefile loads it: the chapters pytest collects come longest first."""
    seconds = recorded_seconds()
    chapters = sorted(seconds)  # by name, which is not longest first
    expected = sorted(chapters, key=lambda c: -seconds[c])
    assert chapters != expected
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "tests.nbval_order", "--nbval", *chapters],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    collected = list(dict.fromkeys(
        line.split("::")[0] for line in run.stdout.splitlines() if "::" in line
    ))  # fmt: skip
    assert collected == expected, run.stdout
