"""Put a pinned copy of axe-core into _vendor/axe, for the accessibility checks of the browser test.

    python scripts/fetch_axe.py     # run by `make test` / `make test-browser` when needed

tests/browser/test_pages.py injects ``axe.min.js`` into every page of the built book and runs
``axe.run()`` in light and dark mode. The copy comes from the npm registry the same way as
MathJax (scripts/fetch_mathjax.py): ``npm pack axe-core@VERSION`` downloads the tarball (nothing
is installed), its sha512 must equal the pinned INTEGRITY, and it is kept in _vendor/
(git-ignored), so later runs need no network. axe is a test tool: it goes to _vendor/axe/, not
under _vendor/static/, so the published book does not carry it.
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

# One way to fetch and check an npm tarball for the whole project.
from fetch_mathjax import VENDOR, download, integrity_of

VERSION = "4.14.1"
# `npm view axe-core@4.14.1 dist.integrity`
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

ROOT = Path(__file__).resolve().parents[1]
TARBALL = VENDOR / f"axe-core-{VERSION}.tgz"
TARGET = VENDOR / "axe"
SCRIPT = TARGET / "axe.min.js"
STAMP = TARGET / ".version"
# axe-core is MPL-2.0: its license goes along with the copy.
MEMBERS = {"package/axe.min.js": "axe.min.js", "package/LICENSE": "LICENSE"}


def main() -> int:
    if STAMP.is_file() and STAMP.read_text().strip() == VERSION and SCRIPT.is_file():
        STAMP.touch()  # already in place; newer than this script for make
        return 0
    if not TARBALL.is_file() or integrity_of(TARBALL) != INTEGRITY:
        print(
            f"Fetching axe-core {VERSION} from the npm registry (npm pack) into {TARBALL.relative_to(ROOT)}"
        )
        download(TARBALL, f"axe-core@{VERSION}")
    found = integrity_of(TARBALL)
    if found != INTEGRITY:
        TARBALL.unlink()
        sys.exit(
            f"{TARBALL.name}: checksum mismatch\n  expected {INTEGRITY}\n  found    {found}"
        )
    TARGET.mkdir(parents=True, exist_ok=True)
    with tarfile.open(TARBALL, "r:gz") as tar:
        for member, name in MEMBERS.items():
            with tar.extractfile(member) as src:
                (TARGET / name).write_bytes(src.read())
    STAMP.write_text(VERSION + "\n")
    print(f"axe-core {VERSION}: {SCRIPT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
