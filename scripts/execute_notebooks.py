"""Re-execute the chapter notebooks in place, reproducibly.

    python scripts/execute_notebooks.py                 # every notebook listed in _toc.yml
    python scripts/execute_notebooks.py book/01_x.ipynb # only these

Each notebook is run top to bottom by nbclient in a fresh ``python3`` kernel of the
interpreter running this script (the venv's, under ``make notebooks``), with the notebook's
folder as working directory. Cell timestamps (``metadata.execution``) are not kept, and the
file is written with nbformat, as Jupyter writes it, so that running this twice on unchanged
code leaves byte-identical files: no diff in git.

A notebook whose execution fails is left untouched on disk; the script goes on with the
others and exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
import yaml
import zmq
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
TIMEOUT = 600  # seconds, per cell


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every document named in a jb-book _toc.yml (root, chapters, parts, sections), in order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
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
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    args = parser.parse_args(argv)

    notebooks = [p.resolve() for p in args.notebooks] or toc_notebooks()
    if not notebooks:
        print("no notebook listed in _toc.yml: nothing to execute")
        return 0
    missing = [p for p in notebooks if not p.is_file()]
    if missing:
        sys.exit("no such notebook: " + ", ".join(map(str, missing)))

    check_kernel()
    failed = []
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
        print(f"{seconds:8.1f} s  {shown}", flush=True)

    print(f"{total:8.1f} s  in all, {len(notebooks) - len(failed)} of {len(notebooks)} notebooks executed")
    if failed:
        print("failed: " + ", ".join(map(str, failed)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
