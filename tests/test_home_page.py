"""The home page (book/intro.md): its chapter map follows _toc.yml, and its figure is fresh.

The home page is Markdown, so its figure is a stored PNG drawn by scripts/home_figure.py with
mlpcore.plotting.backward_pass. The PNG records every text it shows (unit values, errors,
edge derivatives, the loss); drawing it again must give the same texts, so a change of the
library that changes the figure fails here until the figure is redrawn. Texts, not pixels:
pixels differ between versions of Matplotlib, the numbers do not.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import home_figure  # noqa: E402  (scripts/ is not a package)
from booktoc import toc_files  # noqa: E402

INTRO = ROOT / "book" / "intro.md"
REMEDY = (
    "run `python scripts/home_figure.py` and commit book/images/backward_pass_3422.png"
)


def test_home_figure_shows_what_the_code_draws():
    fig, ax = home_figure.draw()
    drawn = home_figure.numbers(ax)
    plt.close(fig)
    stored = home_figure.stored_numbers()
    assert len(drawn) > 40, (
        f"expected the texts of 3-4-2-2 units and edges; got {drawn}"
    )
    assert stored == drawn, f"the home page's figure is stale: {REMEDY}"


def test_stored_figure_records_the_values_of_the_network():
    # The record describes the 3-4-2-2 network: a value for each of its 11 units, an error
    # for each of the 8 units of layers 1..3, a derivative for each of its 24 weights and for
    # each of the 2 outputs, and the loss.
    kinds = [kind for kind, _ in home_figure.stored_numbers()]
    assert kinds.count("value") == 3 + 4 + 2 + 2
    assert kinds.count("delta") == 4 + 2 + 2
    assert kinds.count("gradient") == 3 * 4 + 4 * 2 + 2 * 2 + 2
    assert kinds.count("loss") == 1


def test_home_page_embeds_the_figure():
    text = INTRO.read_text(encoding="utf-8")
    assert f"images/{home_figure.FIGURE.name}" in text
    assert home_figure.FIGURE.is_file()


def test_home_page_maps_every_page_of_the_toc_in_order():
    text = INTRO.read_text(encoding="utf-8")
    in_map = text[text.index("## The chapters") :]
    linked = []
    for name in re.findall(r"\{doc\}`(?:[^`<]*<)?([\w.]+)>?`", in_map):
        if name not in linked:
            linked.append(name)
    pages = [Path(name).name for name in toc_files()[1:]]  # [0] is the home page itself
    assert linked == pages, (
        f"the home page's chapter map links {linked}; _toc.yml lists {pages}: "
        "give every page of _toc.yml one line in book/intro.md, in the same order"
    )


def test_home_page_has_no_build_commands():
    # Build and test commands belong in the README and the preface's "running it" section.
    text = INTRO.read_text(encoding="utf-8")
    assert "make test" not in text and "make book" not in text
