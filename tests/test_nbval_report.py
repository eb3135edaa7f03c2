"""The nbval failure a teacher sees (tests/nbval_report.py), on a chapter with planted changes.

A copy of a chapter, cut after two cells: in the first, one digit of the stored output is
changed (as if the code now printed something else than what the notebook stores); the
second now raises. nbval runs on the copy with the plugin, as the Makefile runs it, and the
report must name the chapter and each cell as Jupyter numbers it, quote the cell's first
line, show "stored:" before "now:", and give the remedy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))  # tests.nbval_report, as `python -m pytest -p` finds it
from booktoc import toc_files  # noqa: E402

PLANTED_ERROR = 'raise ValueError("planted by tests/test_nbval_report.py")'


def _stdout(cell) -> str:
    return "".join(
        o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout"
    )


def _a_chapter_with_a_printed_number() -> tuple[Path, int]:
    """A chapter of _toc.yml and the index of a code cell (not the first) that prints a digit."""
    for name in toc_files(ROOT / "_toc.yml"):
        path = ROOT / f"{name}.ipynb"
        if not path.is_file():
            continue
        code = [
            c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
        ]
        for i, cell in enumerate(code[1:-1], start=1):
            if re.search(
                r"\d", _stdout(cell)
            ) and "nbval-ignore-output" not in cell.metadata.get("tags", []):
                return path, i
    pytest.fail("no chapter has a code cell that prints a number")


def _plant(source: Path, index: int, target: Path) -> dict:
    """Copy ``source`` to ``target`` with the two planted changes; return what was planted.

    Code cell ``index`` gets a changed stored output, the next one raises.
    """
    nb = nbformat.read(source, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    changed, raising = nb.cells[code[index]], nb.cells[code[index + 1]]
    nb.cells = nb.cells[: code[index + 1] + 1]  # nothing after the raising cell

    text = _stdout(changed)
    line = next(x for x in text.splitlines() if re.search(r"\d", x))
    digit = re.search(r"\d", line)
    planted = (
        line[: digit.start()] + str((int(digit.group()) + 1) % 10) + line[digit.end() :]
    )
    for output in changed.outputs:
        if (
            output.output_type == "stream"
            and output.name == "stdout"
            and line in output.text
        ):
            output.text = output.text.replace(line, planted, 1)
            break
    raising.source = PLANTED_ERROR + "\n" + raising.source
    nbformat.write(nb, target)
    return {
        "real": line,
        "planted": planted,
        "changed": changed,
        "raising": raising,
    }


def test_a_changed_output_is_reported_so_that_a_teacher_can_act(tmp_path):
    source, index = _a_chapter_with_a_printed_number()
    chapter = source.stem
    (tmp_path / "book").mkdir()
    copy = tmp_path / "book" / source.name
    planted = _plant(source, index, copy)
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "PYTHONPATH"}}
    env.update(PYTHONHASHSEED="0", TQDM_DISABLE="1")
    # as the Makefile's nbval step runs it: python -m pytest -p tests.nbval_report, from ROOT
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "tests.nbval_report", "--nbval", str(copy),
            "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
            "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
            "-p", "no:cacheprovider", "-q", "--color=no",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = run.stdout
    assert run.returncode == 1, out + run.stderr

    changed, raising = planted["changed"], planted["raising"]
    where = f"book/{source.name}, cell [{changed.execution_count}]"
    assert f"the output is not the one stored in the notebook: {where}\n" in out, out
    first_line = next(x for x in changed.source.splitlines() if x.strip())
    assert f"{where}, which begins\n    {first_line}\n" in out, out
    # the planted text is what the notebook stores; the real one is what runs now
    stored = out.index(f"    stored: {planted['planted']}\n")
    now = out.index(f"    now:    {planted['real']}\n")
    assert stored < now, out
    assert f"    make notebooks NAMES={chapter}\n" in out, out
    assert f"    git add book/{source.name} && git commit\n" in out, out

    where = f"book/{source.name}, cell [{raising.execution_count}]"
    assert f"the cell now raises an exception: {where}\n" in out, out
    assert f"{where}, which begins\n    {PLANTED_ERROR}\n" in out, out
    assert "planted by tests/test_nbval_report.py" in out

    # pytest's own lines name the cells as Jupyter does, not by nbval's 0-based count
    # (the path is relative to the working directory: book/... under make)
    shown = Path(os.path.relpath(copy, ROOT)).as_posix()
    for cell in (changed, raising):
        assert f"FAILED {shown}::Cell [{cell.execution_count}]" in out, out
        headline = (
            rf"_ book/{re.escape(source.name)}, cell \[{cell.execution_count}\] _"
        )
        assert re.search(headline, out), out
    assert "2 failed" in out, out


# --- glued floats: compared to SIGNIFICANT digits, not to their last, noisy ones ---------


def test_round_glued_rounds_floats_and_leaves_everything_else():
    from tests.nbval_report import SIGNIFICANT, round_glued

    assert SIGNIFICANT == 10
    assert (
        round_glued("0.30000000000000004") == round_glued("0.3000000000000001") == "0.3"
    )
    assert round_glued("36.740000000001054") == round_glued("36.73999999999999")
    assert round_glued("1.355914491796284e-08") == "1.355914492e-08"
    assert round_glued("693.6297274732938") != round_glued("693.6297284732938")
    for other in ("42", "'abc'", "True", "[1.0, 2.0]", "None", 7):
        assert round_glued(other) == other


def _glue_notebook(path: Path, stored: str) -> None:
    """A one-cell notebook that glues 0.1 + 0.2, with ``stored`` as its stored record."""
    from tests.nbval_report import GLUE

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "from myst_nb import glue\nglue('x', 0.1 + 0.2, display=False)",
        execution_count=1,
    )
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={GLUE: stored},
            metadata={"scrapbook": {"mime_prefix": "application/papermill.record/",
                                    "name": "x"}},
        )
    ]  # fmt: skip
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, path)


GLUED = {"plus_ulp": "0.30000000000000004", "two_ulps": "0.3000000000000001",
         "changed": "0.3001"}  # fmt: skip


@pytest.fixture(scope="module")
def glued_outcomes(tmp_path_factory) -> dict[str, str]:
    """One nbval run over a notebook per stored value of GLUED: name -> PASSED/FAILED."""
    folder = tmp_path_factory.mktemp("glued")
    for name, stored in GLUED.items():
        _glue_notebook(folder / f"{name}.ipynb", stored)
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "PYTHONPATH"}}
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "tests.nbval_report", "--nbval",
            *[str(folder / f"{name}.ipynb") for name in GLUED],
            "--nbval-current-env", "-c", str(folder / "pytest.ini"),
            "--rootdir", str(folder), "-p", "no:cacheprovider", "-v", "--color=no",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    # -v lines name each cell by its node id, "glued0/changed.ipynb::Cell [1] FAILED"
    found = dict(re.findall(r"(\w+)\.ipynb::Cell \[1\] (PASSED|FAILED)", run.stdout))
    assert sorted(found) == sorted(GLUED), run.stdout + run.stderr
    return found


@pytest.mark.parametrize(
    "name, passes", [("plus_ulp", True), ("two_ulps", True), ("changed", False)]
)
def test_a_glued_float_is_compared_to_ten_significant_digits(
    glued_outcomes, name, passes
):
    assert (glued_outcomes[name] == "PASSED") is passes, (GLUED[name], glued_outcomes)
