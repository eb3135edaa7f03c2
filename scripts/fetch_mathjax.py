"""Put a pinned copy of MathJax 3 into _vendor/static/mathjax, so that the built book works offline.

    python scripts/fetch_mathjax.py     # run by `make book` / `make test` when needed

Sphinx loads MathJax from a CDN by default; without internet (a classroom, this project's CI
machines) every equation would then stay raw TeX. _config.yml instead points Sphinx at
``_vendor/static/mathjax/tex-mml-chtml.js`` (``html_static_path``, ``mathjax_path``), and
Sphinx copies it into ``_build/html/_static/mathjax/``.

The copy comes from the npm registry, through npm itself: ``npm pack mathjax@VERSION``
downloads the package tarball (nothing is installed, no node_modules). The tarball's sha512
must equal the pinned INTEGRITY below; it is kept in _vendor/ (outside _vendor/static/, which
is published), so a rebuild, even after ``make clean``, needs no network. Only what the
browser can load from the CommonHTML component is extracted (about 7 MB of the package's
24 MB): the component, its fonts, the TeX extensions that ``autoload`` fetches on demand
(``\\boldsymbol``, ``\\cancel``...) and the menu's accessibility modules. _vendor/ is
git-ignored: the repository stays small; the version and checksum here are what is committed.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "3.2.2"
# `npm view mathjax@3.2.2 dist.integrity`
INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_vendor"
TARBALL = VENDOR / f"mathjax-{VERSION}.tgz"
# html_static_path: Sphinx copies what is in it into _build/html/_static/
STATIC = VENDOR / "static"
TARGET = STATIC / "mathjax"
ENTRY = "tex-mml-chtml.js"  # the component Sphinx uses by default (from its CDN)
STAMP = TARGET / ".version"

# Paths under the tarball's package/es5/ that are copied, by prefix.
KEEP = (
    ENTRY,
    "input/tex/extensions/",  # loaded on demand by the autoload extension
    "input/mml/",  # MathML input extensions
    "output/chtml/fonts/woff-v2/",  # the CommonHTML fonts
    "ui/",  # the contextual menu's lazy parts
    "a11y/",  # accessibility modules the menu can switch on
    "sre/",  # speech-rule engine and its locale maps, used by a11y/explorer
)


def integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def download(dest: Path, spec: str = f"mathjax@{VERSION}") -> None:
    """``npm pack SPEC`` into dest (npm names the tarball NAME-VERSION.tgz, as dest must be)."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            f"npm not found: it is needed once, to fetch {spec} from the npm registry "
            f"into {dest.parent.relative_to(ROOT)}/ (Debian: apt-get install npm)"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        subprocess.run(
            [npm, "pack", spec, "--pack-destination", tmp, "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (Path(tmp) / dest.name).replace(dest)


def extract(tarball: Path, target: Path) -> int:
    """Copy the KEEP subset of package/es5 (and the license) into target; return the file count."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    count = 0
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = member.name
            if name == "package/LICENSE":
                rel = "LICENSE"
            elif name.startswith("package/es5/") and name[
                len("package/es5/") :
            ].startswith(KEEP):
                rel = name[len("package/es5/") :]
            else:
                continue
            out = target / rel
            if ".." in Path(rel).parts:  # never write outside target
                raise RuntimeError(f"unexpected path in tarball: {name}")
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    if not (target / ENTRY).is_file():
        raise RuntimeError(f"{ENTRY} missing from {tarball.name}")
    return count


def main() -> int:
    if (
        STAMP.is_file()
        and STAMP.read_text().strip() == VERSION
        and (TARGET / ENTRY).is_file()
    ):
        STAMP.touch()  # already in place; newer than this script for make
        return 0
    if not TARBALL.is_file() or integrity_of(TARBALL) != INTEGRITY:
        print(
            f"Fetching MathJax {VERSION} from the npm registry (npm pack) into {TARBALL.relative_to(ROOT)}"
        )
        download(TARBALL)
    found = integrity_of(TARBALL)
    if found != INTEGRITY:
        TARBALL.unlink()
        sys.exit(
            f"{TARBALL.name}: checksum mismatch\n  expected {INTEGRITY}\n  found    {found}"
        )
    count = extract(TARBALL, TARGET)
    STAMP.write_text(VERSION + "\n")
    print(f"MathJax {VERSION}: {count} files in {TARGET.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
