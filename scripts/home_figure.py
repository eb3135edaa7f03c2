"""The home page's figure: one sample's forward and backward pass through the 3-4-2-2 network.

    python scripts/home_figure.py          # draw it into book/images/backward_pass_3422.png
    python scripts/home_figure.py --check  # exit 1 if the stored figure is stale

``book/intro.md`` is a Markdown page, so its figure is a stored PNG rather than a cell's
output. The figure is drawn by ``mlpcore.plotting.backward_pass`` (chapter 3), so a change of
the library could leave it showing something the code no longer draws. To catch that without
comparing pixels (which differ between versions of Matplotlib), the PNG carries, in its
metadata under the key ``Numbers``, every text it shows: the forward value of each unit, its
error δ, the derivative on each edge and the loss. ``tests/test_home_figure.py`` draws the
figure again and compares those texts with the stored ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIGURE = ROOT / "book" / "images" / "backward_pass_3422.png"
KEY = "Numbers"


def draw():
    """The figure and its axes: the tutorial's 3-4-2-2 network on one sample."""
    import mlpcore

    net = mlpcore.MLP(
        [3, 4, 2, 2],
        ["sigmoid", "sigmoid", "identity"],
        loss="mean_squared_error",
        seed=0,
    )
    fig, ax = plt.subplots(figsize=(9, 4.6))
    mlpcore.plotting.backward_pass(
        net, np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0]), ax=ax
    )
    return fig, ax


def numbers(ax) -> list[list[str]]:
    """Every text of the figure with its kind (the gid backward_pass gives it), in order."""
    return [[str(text.get_gid()), text.get_text()] for text in ax.texts]


def stored_numbers(path: Path = FIGURE) -> list[list[str]]:
    """The texts recorded in a PNG written by :func:`main`."""
    from PIL import Image

    with Image.open(path) as image:
        return json.loads(image.text[KEY])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare, write nothing"
    )
    args = parser.parse_args(argv)
    fig, ax = draw()
    drawn = numbers(ax)
    if args.check:
        plt.close(fig)
        if not FIGURE.exists() or stored_numbers() != drawn:
            print(
                f"{FIGURE.relative_to(ROOT)} is stale: run python scripts/home_figure.py"
            )
            return 1
        print(f"{FIGURE.relative_to(ROOT)} shows what the code draws")
        return 0
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        FIGURE,
        dpi=200,
        bbox_inches="tight",
        metadata={"Software": None, KEY: json.dumps(drawn)},
    )
    plt.close(fig)
    print(f"wrote {FIGURE.relative_to(ROOT)} ({len(drawn)} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
