"""mlpcore as a package, as a learner installs it away from the repository.

`python -m build` makes an sdist and a wheel (the wheel built from the sdist, so the sdist is
complete). Each venv below is new, made with `uv venv` from the base interpreter (not this
venv: nothing of the repository or of the maintainers' packages is visible in it), and gets
its packages from the package index through uv's cache:

- the wheel alone, with the dependencies it declares: every module of mlpcore imports, and
  nothing from the book's or the tests' tools is pulled in;
- ipykernel alone, without mlpcore: a chapter's first cell (scripts/first_cell.py) prints
  the install command and stops, as a learner with a downloaded notebook sees it;
- the wheel's venv again, with ipykernel added: a copy of one chapter, outside the
  repository, runs in a kernel of that venv and nbval compares every output with the
  stored one, as `make test` does for the book (all but the records of myst-nb's glue,
  which only the book's build reads: outside the book the chapters' fallback glue, as
  the hygiene tests require it, records nothing).

The dependencies are constrained to requirements/library.txt, the versions the stored
outputs were made with, so that a new numpy release shows up as a change of the pins, not
as a failure here. Needs the package index (or uv's cache) and `uv` (requirements.txt).
"""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import first_cell  # noqa: E402  (scripts/ is not a package)

# Runs most of the library: the tutorial's data and run, training, the figures.
CHAPTER = ROOT / "book" / "05_training_two_circles.ipynb"
KERNEL = "mlpcore-wheel"
CONSTRAINTS = ROOT / "requirements" / "library.txt"
# What a learner's install of mlpcore must not bring along.
TOOLS = {
    "jupyter-book",
    "myst-nb",
    "pytest",
    "nbval",
    "hypothesis",
    "playwright",
    "pandas",
}


def _uv() -> str:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not installed: pip install -r requirements.txt")
    return uv


# Not passed on: PYTHONPATH and VIRTUAL_ENV would point into this venv; without
# PYTHONDONTWRITEBYTECODE the first import in a new venv compiles numpy, scikit-learn and
# matplotlib once, and the kernels after it reuse that (seconds each, on every run).
HIDDEN = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "MPLBACKEND"}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in HIDDEN}


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    env = _env()
    env.update(kwargs.pop("env", {}))
    run = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, **kwargs
    )
    assert run.returncode == 0, f"{args}\n{run.stdout}\n{run.stderr}"
    return run


def _pin(name: str) -> str:
    """The maintainers' pin of ``name`` (requirements.txt), e.g. ``ipykernel==7.4.0``."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(name)}==\S+", text, flags=re.MULTILINE)
    assert found, f"requirements.txt does not pin {name}"
    return found.group()


def _install(python: Path, *packages) -> None:
    """``packages`` and their dependencies into the venv of ``python``, to the pins."""
    _run(
        [
            _uv(),
            "pip",
            "install",
            "-q",
            "--python",
            python,
            "-c",
            CONSTRAINTS,
            *packages,
        ]
    )


def _venv(path: Path, *packages) -> Path:
    """A new venv at ``path`` holding ``packages`` and their dependencies; its python."""
    _run(
        [_uv(), "venv", "-q", "--no-python-downloads", "--python", sys.executable, path]
    )
    python = path / "bin" / "python"
    _install(python, *packages)
    return python


def _installed(python: Path) -> set[str]:
    freeze = _run([_uv(), "pip", "freeze", "--python", python]).stdout
    return {re.split(r"[=@ ]", line, maxsplit=1)[0].lower() for line in freeze.split()}


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--installer", "uv", "--outdir", out, ROOT])
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_wheel_carries_the_version_and_metadata(dists):
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = wheel.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_string(wheel.read(meta_name).decode())
    version = re.search(
        r'^__version__ = "([^"]+)"',
        (ROOT / "mlpcore" / "__init__.py").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    ).group(1)
    project = _pyproject()["project"]
    assert meta["Name"] == "mlpcore" and meta["Version"] == version
    assert meta["Requires-Python"] == project["requires-python"]
    assert sorted(meta.get_all("Requires-Dist")) == sorted(project["dependencies"])
    assert meta["License-Expression"] == "MIT"
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    assert f"Source, {url}" in meta.get_all("Project-URL"), meta.get_all("Project-URL")
    modules = sorted(p.name for p in (ROOT / "mlpcore").glob("*.py"))
    assert sorted(n.split("/")[1] for n in names if n.startswith("mlpcore/")) == modules

    with tarfile.open(dists["sdist"]) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {"pyproject.toml", "README.md", "LICENSE"} <= members
    assert {f"mlpcore/{m}" for m in modules} <= members
    assert not any(m.startswith("tests/") for m in members), "the sdist holds the tests"


@pytest.fixture(scope="module")
def wheel_venv(dists, tmp_path_factory) -> dict:
    """A new venv with the wheel and its declared dependencies only, and what it shows."""
    home = tmp_path_factory.mktemp("learner")
    python = _venv(home / "venv", dists["wheel"])
    modules = [p.stem for p in (ROOT / "mlpcore").glob("*.py") if p.stem != "__init__"]
    code = (
        "import importlib, importlib.metadata as md, mlpcore\n"
        f"for m in {modules!r}: importlib.import_module('mlpcore.' + m)\n"
        "print(mlpcore.__file__, mlpcore.__version__, md.version('mlpcore'))"
    )
    where, version, dist_version = _run([python, "-c", code], cwd=home).stdout.split()
    return {
        "home": home,
        "python": python,
        "where": Path(where),
        "version": version,
        "dist_version": dist_version,
        "installed": _installed(python),  # before the test below adds a kernel
    }


def test_the_wheel_needs_only_its_runtime_dependencies(wheel_venv):
    # every module imported, from the new venv, with the version the metadata states
    assert wheel_venv["where"].is_relative_to(wheel_venv["home"] / "venv")
    assert wheel_venv["version"] == wheel_venv["dist_version"]
    installed = wheel_venv["installed"]
    assert {"mlpcore", "numpy", "scipy", "scikit-learn", "matplotlib"} <= installed
    assert not installed & TOOLS, installed & TOOLS
    assert "ipykernel" not in installed and "jupyterlab" not in installed


def _kernel(python: Path, jupyter_path: Path, name: str) -> None:
    """A kernelspec ``name`` for ``python``, found through JUPYTER_PATH=jupyter_path."""
    spec = jupyter_path / "kernels" / name
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": name, "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")


@pytest.fixture
def kernels(tmp_path, monkeypatch) -> Path:
    """JUPYTER_PATH for the kernels of this test, and the environment of a `make test` run."""
    jupyter_path = tmp_path / "jupyter"
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    for key in HIDDEN:
        monkeypatch.delenv(key, raising=False)
    return jupyter_path


def test_without_mlpcore_the_first_cell_says_how_to_install_it(tmp_path, kernels):
    # what a learner with a downloaded chapter and a bare Jupyter sees
    python = _venv(tmp_path / "venv", _pin("ipykernel"))
    _kernel(python, kernels, "no-mlpcore")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(first_cell.source()),
        nbformat.v4.new_code_cell("print('this cell must not run')"),
    ]
    client = NotebookClient(nb, kernel_name="no-mlpcore", timeout=120)
    with pytest.raises(CellExecutionError):
        client.execute(cwd=str(tmp_path))
    (error,) = nb.cells[0].outputs
    url = first_cell.repository_url()
    assert error.output_type == "error" and error.ename == "NotInstalled"
    assert f'    %pip install "mlpcore @ git+{url}"' in error.traceback
    assert not any("Traceback" in line for line in error.traceback), error.traceback
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None


def _drop_glue_records(path: Path) -> None:
    """Remove the stored outputs of myst-nb's glue: the book's build reads them, no reader
    sees them, and outside the book the chapters' fallback glue records nothing. Every other
    output is compared."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if "scrapbook" not in o.get("metadata", {})
            ]
    nbformat.write(nb, path)


def test_a_chapter_runs_from_the_wheel_alone(wheel_venv, kernels):
    # a kernel in the wheel's venv, and a copy of the chapter away from the repository,
    # checked by nbval as `make test` checks the book
    python, home = wheel_venv["python"], wheel_venv["home"]
    _install(python, _pin("ipykernel"))
    assert not _installed(python) & TOOLS
    _kernel(python, kernels, KERNEL)
    copy = home / "reader" / CHAPTER.name
    copy.parent.mkdir()
    shutil.copy(CHAPTER, copy)
    _drop_glue_records(copy)
    (copy.parent / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "tests.nbval_report", "--nbval", copy,
            "--nbval-kernel-name", KERNEL,
            "--nbval-sanitize-with", ROOT / "tests" / "nbval_sanitize.cfg",
            "-c", copy.parent / "pytest.ini", "--rootdir", copy.parent,
            "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "--color=no",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=_env(),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(CHAPTER, 4).cells)
    assert f"{code_cells} passed" in run.stdout, run.stdout[-2000:]
