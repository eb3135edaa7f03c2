"""nbval failures that a teacher maintaining a fork can read and act on.

Loaded by the Makefile's nbval step: ``python -m pytest -p tests.nbval_report --nbval book``.

nbval (0.11) reports a changed output as "Cell 15", a 0-based count of code cells that Jupyter
shows as ``[16]``, prints the diff with the fresh output as ``-`` and the stored one as ``+``,
and says nothing of what to do. With this plugin a failing cell is named as Jupyter numbers
it (its stored execution count, which the hygiene tests keep equal to its position), and the
report says which chapter, quotes the cell's first line, shows each changed line as
"stored:" then "now:", and gives the remedy: ``make notebooks NAMES=<chapter>`` if the change
was meant, then commit the notebook.

The comparison itself is nbval's: the same outputs, the same keys skipped, the same
sanitizing patterns, with one addition: a float that a chapter glues into its prose
(myst-nb's ``application/papermill.record/text/plain``) is stored with all its digits, and
its last ones are rounding noise that another CPU's BLAS kernels change (the prose shows
three or four digits). Such values are compared to ``SIGNIFICANT`` significant digits.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

import nbformat
import pytest
from nbval.plugin import IPyNbCell, NbCellError, transform_streams_for_comparison

GLUE = "application/papermill.record/text/plain"
SIGNIFICANT = 10
_FLOAT = re.compile(r"-?\d+(\.\d*)?(e[-+]?\d+)?|-?\.\d+(e[-+]?\d+)?", re.IGNORECASE)


def round_glued(text):
    """A glued float's repr to ``SIGNIFICANT`` significant digits; anything else as it is."""
    if not isinstance(text, str):
        return text
    stripped = text.strip()
    if not _FLOAT.fullmatch(stripped) or not any(c in stripped for c in ".eE"):
        return text  # not a float: an int, a string, a list ... is compared whole
    return f"{float(stripped):.{SIGNIFICANT}g}"


def _rounded(outputs: list) -> list:
    """Copies of ``outputs`` with every glued float rounded (the originals untouched)."""
    result = []
    for output in outputs:
        data = output.get("data", {})
        if GLUE in data:
            output = nbformat.from_dict(
                {**output, "data": {**data, GLUE: round_glued(data[GLUE])}}
            )
        result.append(output)
    return result


_nbval_compare_outputs = IPyNbCell.compare_outputs


def compare_outputs(self, test, ref, skip_compare=None):
    return _nbval_compare_outputs(self, _rounded(test), _rounded(ref), skip_compare)


IPyNbCell.compare_outputs = compare_outputs

MAX_LINES = 40  # changed lines shown per failing cell; the rest are counted
MAX_WIDTH = 300  # characters shown of one line (SVG and HTML outputs have long ones)


def cell_label(item: IPyNbCell) -> str:
    """The cell as Jupyter shows it: ``[16]``, its stored execution count."""
    count = item.cell.execution_count
    return f"[{count}]" if count is not None else f"[ ] (code cell {item.cell_num + 1})"


def pytest_collection_modifyitems(items):
    # "book/05_x.ipynb::Cell [16]" in every line pytest prints about the cell, instead of
    # nbval's "Cell 15". Test ids are fixed at creation; this renames them before any runs.
    for item in items:
        if isinstance(item, IPyNbCell):
            name = f"Cell {cell_label(item)}"
            item.name = name
            if hasattr(item, "_id"):  # pytest >= 9.1 keeps a structured id
                item._id = item.parent.id.child(name)
            else:
                item._nodeid = f"{item.parent.nodeid}::{name}"
            # The headline of a failure. Not "path::Cell [16]": pytest's -v lines print a
            # node id that ends with its reportinfo's name with every "." made "::".
            description = f"{_shown_path(item)}, cell {cell_label(item)}"
            item.reportinfo = lambda path=item.path, d=description: (path, 0, d)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        call.when == "call"
        and report.failed
        and isinstance(item, IPyNbCell)
        and call.excinfo is not None
        and isinstance(call.excinfo.value, NbCellError)
    ):
        report.longrepr = failure_message(item, call.excinfo.value)


def _shown_path(item) -> str:
    try:
        return item.path.relative_to(item.config.rootpath).as_posix()
    except ValueError:
        return str(item.path)


def _first_line(source: str) -> str:
    return next(
        (line for line in source.splitlines() if line.strip()), "(an empty cell)"
    )


def remedy(item) -> list[str]:
    chapter = item.path.stem
    return [
        "If the change is intended (you changed this chapter or mlpcore on purpose),",
        "re-run the chapter so that it stores the new outputs, and commit it:",
        "",
        f"    make notebooks NAMES={chapter}",
        f"    git add {_shown_path(item)} && git commit",
        "",
        "If it is not, what you changed alters what this chapter shows: undo it or fix it.",
        "Where the chapter's text quotes a number that changed, correct the text too.",
    ]


def failure_message(item: IPyNbCell, error: NbCellError) -> str:
    """The report of a failing cell: where, what changed (stored, then now), what to do."""
    where = f"{_shown_path(item)}, cell {cell_label(item)}"
    head = [f"{where}, which begins", f"    {_first_line(item.cell.source)}"]
    message = str(error)
    if message == "Cell outputs differ":
        lines = [f"the output is not the one stored in the notebook: {where}", ""]
        lines += head + [
            "",
            "What changed, as stored in the notebook and as it runs now:",
            "",
        ]
        lines += output_changes(_stored_outputs(item), item.test_outputs or [], item)
        return "\n".join(lines + [""] + remedy(item))
    if message == "Cell execution caused an exception":
        lines = [f"the cell now raises an exception: {where}", ""]
        lines += head + ["", "The error, as the kernel reported it:"]
        lines += [error.inner_traceback or "(no traceback)", ""]
        lines += [
            "Fix the code (the chapter's or mlpcore's) so that the chapter runs top to",
            "bottom. Then, if its outputs changed on purpose:",
            "",
            f"    make notebooks NAMES={item.path.stem}",
            f"    git add {_shown_path(item)} && git commit",
        ]
        return "\n".join(lines)
    # a timeout, a dead kernel, an unrun reference cell: nbval's own words, placed
    lines = [f"{where}: {message}", ""] + head
    if error.inner_traceback:
        lines += ["", error.inner_traceback]
    return "\n".join(lines)


def _stored_outputs(item: IPyNbCell) -> list:
    """The cell's outputs as stored on disk, merged as nbval merges them.

    Read again from the file: nbval's own merge of the stored streams (``coalesce_streams``)
    appends to the first stream output in place, so ``item.cell.outputs`` no longer holds
    what the notebook stores.
    """
    nb = nbformat.read(item.path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    merged: list = []
    streams: dict = {}
    for output in code[item.cell_num].outputs:
        if output.output_type == "stream":
            if output.name in streams:
                streams[output.name].text += output.text
                continue
            streams[output.name] = output
        merged.append(output)
    return merged


def _by_key(outputs: list, item: IPyNbCell) -> dict[str, list[str]]:
    """What nbval compares: each output key (stdout, text/plain, ...) to its values."""
    skip = item.parent.skip_compare
    values: dict[str, list] = defaultdict(list)
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip:
                        values[mime].append(item.sanitize(data))
            else:
                values[key].append(item.sanitize(value))
    return values


def _text(values: list) -> list[str]:
    text = "\n".join(v if isinstance(v, str) else repr(v) for v in values)
    return text.splitlines() or [""]


def _clip(line: str) -> str:
    if len(line) <= MAX_WIDTH:
        return line
    return f"{line[:MAX_WIDTH]}... ({len(line) - MAX_WIDTH} more characters)"


def output_changes(stored: list, now: list, item: IPyNbCell) -> list[str]:
    """Each changed line of each output key, as "stored:" then "now:"."""
    stored_by_key, now_by_key = _by_key(stored, item), _by_key(now, item)
    lines: list[str] = []
    shown = hidden = 0
    for key in sorted(set(stored_by_key) | set(now_by_key)):
        if key not in now_by_key:
            lines += [f"  {key}: stored, but the cell no longer prints it:"]
            block = [f"    stored: {_clip(x)}" for x in _text(stored_by_key[key])]
        elif key not in stored_by_key:
            lines += [f"  {key}: printed now, but not stored:"]
            block = [f"    now:    {_clip(x)}" for x in _text(now_by_key[key])]
        else:
            old, new = _text(stored_by_key[key]), _text(now_by_key[key])
            if old == new:
                continue
            block = []
            matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    continue
                where = f"line {i1 + 1}" if i2 - i1 <= 1 else f"lines {i1 + 1}-{i2}"
                block.append(
                    f"  {key}, {where}:" if i2 > i1 else f"  {key}, after line {i1}:"
                )
                block += [f"    stored: {_clip(x)}" for x in old[i1:i2]] or [
                    "    stored: (no line here)"
                ]
                block += [f"    now:    {_clip(x)}" for x in new[j1:j2]] or [
                    "    now:    (no line here)"
                ]
        room = MAX_LINES - shown
        lines += block[:room]
        shown += min(len(block), room)
        hidden += max(0, len(block) - room)
    if hidden:
        lines.append(f"  ... and {hidden} more lines of differences")
    if not lines:  # nbval saw a difference this view does not: show both in full
        lines = ["  stored:", repr(stored), "  now:", repr(now)]
    return lines
