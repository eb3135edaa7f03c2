"""Run the longest chapters first, so that the workers of ``pytest -n 2`` end together.

Loaded by the Makefile's nbval step (``-p tests.nbval_order``). pytest-xdist's ``loadfile``
hands out whole files, two to each worker first and then one to whichever worker is free,
in collection order under ``--no-loadscope-reorder`` (by default it orders them by their
number of cells, which says little of their time). In the book's order the longest chapter
(9) came near the end, so one worker was still running it while the other had nothing
left. This plugin sorts the collected files by the execution time that ``make notebooks``
last recorded in ``book/status.md``, longest first; a file without a recorded time
(``tests/package``, a new chapter) goes before them all. The cells of a notebook keep their
order: the sort is stable and by file only.
"""

from __future__ import annotations

import re
from pathlib import Path

STATUS = Path(__file__).resolve().parents[1] / "book" / "status.md"
# a row of the status page's table: | {doc}`05_x` | `book/05_x.ipynb` | 3.1 |
_ROW = re.compile(r"^\|[^|]*\|\s*`([^`]+\.ipynb)`\s*\|\s*([0-9.]+)\s*\|\s*$")


def recorded_seconds(status: Path = STATUS) -> dict[str, float]:
    """{"book/05_x.ipynb": 3.1, ...}: each chapter's time in the last `make notebooks`."""
    if not status.is_file():
        return {}
    seconds = {}
    for line in status.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            seconds[match.group(1)] = float(match.group(2))
    return seconds


def longest_first(items, rootpath: Path, seconds: dict[str, float]) -> list:
    """items sorted by their file's recorded time, longest first, unknown files before."""

    def key(item):
        try:
            name = Path(item.path).resolve().relative_to(rootpath).as_posix()
        except ValueError:
            name = str(item.path)
        return -seconds.get(name, float("inf"))

    return sorted(items, key=key)


def pytest_collection_modifyitems(session, config, items):
    items[:] = longest_first(items, Path(config.rootpath).resolve(), recorded_seconds())
