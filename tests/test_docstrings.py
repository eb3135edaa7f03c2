"""Every public callable of mlpcore says which section of the book derives or uses it.

The form is d2l's: a line ``Derived in :ref:`LABEL`.`` or ``Used in :ref:`LABEL`.`` in
the docstring, where LABEL is a MyST target ``(LABEL)=`` in a page of the book, so the
reference is a link the book can resolve (and ``-n`` in the strict build would flag).
"""

import importlib
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

import mlpcore

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from booktoc import toc_files  # noqa: E402

REFERENCE = re.compile(r"(?:Derived|Used) in :ref:`([\w-]+)`")
TARGET = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)


def book_labels():
    labels = set()
    for entry in toc_files(ROOT / "_toc.yml"):
        path = ROOT / entry
        for candidate in (
            path,
            path.with_name(path.name + ".ipynb"),
            path.with_name(path.name + ".md"),
        ):
            if candidate.is_file() and candidate.suffix in (".ipynb", ".md"):
                text = candidate.read_text(encoding="utf-8")
                if candidate.suffix == ".ipynb":
                    cells = json.loads(text)["cells"]
                    text = "\n".join(
                        "".join(c["source"])
                        for c in cells
                        if c["cell_type"] == "markdown"
                    )
                labels |= set(TARGET.findall(text))
    return labels


def _members(owner, module_name):
    """Public functions and classes defined in ``module_name``, and their public
    methods."""
    found = []
    for name, value in vars(owner).items():
        if name.startswith("_") or not (
            inspect.isfunction(value) or inspect.isclass(value)
        ):
            continue
        if getattr(value, "__module__", None) != module_name:
            continue
        found.append((f"{module_name}.{name}", value))
        if inspect.isclass(value):
            for attr, member in vars(value).items():
                if (attr == "__call__" or not attr.startswith("_")) and (
                    inspect.isfunction(member) or isinstance(member, property)
                ):
                    found.append((f"{module_name}.{name}.{attr}", member))
    return found


def public_callables():
    """The public modules' own members, and the names mlpcore exports from the
    others."""
    found = {}
    for name in mlpcore.__all__:
        value = getattr(mlpcore, name)
        if inspect.ismodule(value):
            found.update(_members(value, value.__name__))
        else:
            members = dict(
                _members(importlib.import_module(value.__module__), value.__module__)
            )
            prefix = f"{value.__module__}.{name}"
            found.update(
                {
                    k: v
                    for k, v in members.items()
                    if k == prefix or k.startswith(prefix + ".")
                }
            )
    return found


CALLABLES = public_callables()
LABELS = book_labels()


def test_the_collection_sees_the_library():
    for name in (
        "mlpcore.network.MLP.backward",
        "mlpcore.gradcheck.numeric_gradients",
        "mlpcore.losses.Loss",
    ):
        assert name in CALLABLES
    assert len(CALLABLES) > 40


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_public_callable_names_its_section_of_the_book(name):
    value = CALLABLES[name]
    doc = inspect.getdoc(value.fget if isinstance(value, property) else value) or ""
    labels = REFERENCE.findall(doc)
    assert labels, (
        f"{name}: its docstring needs a line 'Derived in :ref:`LABEL`.' "
        "or 'Used in ...'"
    )
    missing = [label for label in labels if label not in LABELS]
    assert not missing, f"{name}: no target ({missing[0]})= in any page of _toc.yml"
