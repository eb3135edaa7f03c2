"""Re-execute the chapter notebooks in place, reproducibly.

    python scripts/execute_notebooks.py                 # every notebook listed in _toc.yml
    python scripts/execute_notebooks.py book/01_x.ipynb # only these
    python scripts/execute_notebooks.py 01_x speed      # the same, by chapter name
    make notebooks NAMES="01_x speed"                   # what the Makefile runs

A name without a folder is a notebook of book/, with or without ".ipynb".

Each notebook is run top to bottom by nbclient in a fresh ``python3`` kernel of the
interpreter running this script (the venv's, under ``make notebooks``), with the notebook's
folder as working directory. Cell timestamps (``metadata.execution``) are not kept,
consecutive outputs on one stream are merged (where the kernel splits them depends on
timing), and the file is written with nbformat, as Jupyter writes it, so that running this
twice on unchanged code leaves byte-identical files: no diff in git.

A notebook whose execution fails is left untouched on disk; the script goes on with the
others and exits with status 1.

After a run of every notebook of _toc.yml (no argument) that succeeded, the script rewrites
the book's status page, ``book/status.md``: the versions of Python and of the packages the
chapters ran with, and each chapter's execution time. It is committed with the notebooks;
its timings change on every run (the notebooks do not), and only this script writes it:
``make test`` leaves it as it is. A run of some notebooks only leaves it unchanged.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import nbformat
import zmq
from booktoc import toc_files  # scripts/booktoc.py, beside this file
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
KERNEL_NAME = "python3"
KERNELSPEC = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": KERNEL_NAME,
}
TIMEOUT = 600  # seconds, per cell
STATUS_PAGE = ROOT / "book" / "status.md"
# The distributions whose versions the status page lists, after Python itself.
STATUS_PACKAGES = [
    "numpy",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "mlpcore",
    "jupyter-book",
    "nbval",
    "ipykernel",
    "nbclient",
]


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The .ipynb files among the documents of _toc.yml."""
    notebooks = []
    for name in toc_files(root / "_toc.yml"):
        path = root / name
        if path.suffix != ".ipynb":
            path = path.with_name(path.name + ".ipynb")
        if path.is_file():
            notebooks.append(path)
    return notebooks


def resolve(arg: Path) -> Path:
    """A notebook named on the command line: a path, or a name of book/ ("05_x", "05_x.ipynb")."""
    if arg.is_file() or len(arg.parts) > 1:
        return arg.resolve()
    name = arg.name if arg.suffix == ".ipynb" else arg.name + ".ipynb"
    return (ROOT / "book" / name).resolve()


def check_kernel() -> None:
    """Refuse to run if kernel "python3" would start another interpreter than this one.

    jupyter_client replaces an argv[0] of python/python3/python3.X by sys.executable, and the
    venv's own share/jupyter/kernels/python3 says "python"; but a user-level kernelspec
    (~/.local/share/jupyter/kernels/python3, found first) may name another Python.
    """
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    exe = spec.argv[0]
    major, minor = sys.version_info[:2]
    if exe in {"python", f"python{major}", f"python{major}.{minor}"}:
        return
    if Path(exe).absolute() == Path(sys.executable).absolute():
        return
    sys.exit(
        f"kernel {KERNEL_NAME!r} ({spec.resource_dir}) would run {exe}, "
        f"not this interpreter {sys.executable}; remove that kernelspec or run from the venv"
    )


def kernel_config() -> Config:
    """Encrypt the kernel's local ZMQ traffic where pyzmq can (ipykernel >= 7 warns otherwise)."""
    if zmq.has("curve"):
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stream outputs of one name into one, as Jupyter's own UI saves them.

    The kernel flushes stdout on a timer, so where one `print` ends and the next begins in
    the outputs varies from run to run ("loss 1.0000" and "\\n" as two outputs, or as one): not
    merging them made re-runs differ in git though every character printed was the same.
    """
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == out.get("name")
        ):
            last["text"] = "".join(last["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def execute(path: Path) -> float:
    """Execute one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata["kernelspec"] = dict(KERNELSPEC)

    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=TIMEOUT,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        config=kernel_config(),
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start

    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)
    return elapsed


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def status_page(timings: list[tuple[Path, float]], root: Path = ROOT) -> str:
    """The MyST source of book/status.md for a run of every chapter, in _toc.yml order."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    lines = [
        "# Status: versions and execution times",
        "",
        "% Generated by scripts/execute_notebooks.py (`make notebooks`): do not edit by hand.",
        "",
        "The outputs stored in the chapters of this book come from one run of `make notebooks`,",
        f"on {today} ({platform.system()} {platform.machine()}): each chapter executed top to",
        "bottom in a fresh kernel. `make test` re-runs every chapter with nbval and checks that",
        "it reproduces these outputs. This page is written by `scripts/execute_notebooks.py`.",
        "",
        "The whole book is also one PDF, built through LaTeX by `make pdf` into",
        "`_build/latex/book.pdf`; the published site carries it as `book.pdf`, linked from the",
        "home page.",
        "",
        "## Versions",
        "",
        "| package | version |",
        "| :------ | :------ |",
        f"| Python | {platform.python_version()} |",
    ]
    lines += [f"| {dist} | {_version(dist)} |" for dist in STATUS_PACKAGES]
    lines += ["", "## Execution time of each chapter", ""]
    if timings:
        lines += ["| chapter | file | seconds |", "| :------ | :--- | ------: |"]
        for path, seconds in timings:
            doc = Path(
                os.path.relpath(path.with_suffix(""), STATUS_PAGE.parent)
            ).as_posix()
            lines.append(
                f"| {{doc}}`{doc}` | `{path.relative_to(root).as_posix()}` | {seconds:.1f} |"
            )
        total = sum(seconds for _, seconds in timings)
        lines.append(f"| **all chapters** | | **{total:.1f}** |")
    else:
        lines.append("No chapter notebook is listed in `_toc.yml` yet.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml"
    )
    args = parser.parse_args(argv)

    every_chapter = not args.notebooks
    notebooks = [resolve(p) for p in args.notebooks] or toc_notebooks()
    if not notebooks:
        print("no notebook listed in _toc.yml: nothing to execute")
        STATUS_PAGE.write_text(status_page([]), encoding="utf-8")
        print(f"wrote {STATUS_PAGE.relative_to(ROOT)}")
        return 0
    missing = [p for p in notebooks if not p.is_file()]
    if missing:
        names = " ".join(p.stem for p in toc_notebooks())
        sys.exit(
            "no such notebook: "
            + ", ".join(map(str, missing))
            + f"\nthe chapters: {names}"
        )

    check_kernel()
    failed = []
    timings: list[tuple[Path, float]] = []
    total = 0.0
    for path in notebooks:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        try:
            seconds = execute(path)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            print(f"FAILED  {shown}\n{exc}", file=sys.stderr)
            failed.append(shown)
            continue
        total += seconds
        timings.append((path, seconds))
        print(f"{seconds:8.1f} s  {shown}", flush=True)

    print(
        f"{total:8.1f} s  in all, {len(notebooks) - len(failed)} of {len(notebooks)} notebooks executed"
    )
    if failed:
        print("failed: " + ", ".join(map(str, failed)), file=sys.stderr)
        print(f"{STATUS_PAGE.relative_to(ROOT)} left unchanged", file=sys.stderr)
        return 1
    if every_chapter:
        STATUS_PAGE.write_text(status_page(timings), encoding="utf-8")
        print(f"wrote {STATUS_PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
