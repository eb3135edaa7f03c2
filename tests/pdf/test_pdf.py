"""The book as one PDF (``make pdf``): what a reader who prints the whole course gets.

Run by ``make pdf`` after the LaTeX build (not part of ``make test``: it needs TeX, which
``.ci/run`` installs). What is expected is read from the sources, not from the PDF:

* every page of _toc.yml but the home page is a chapter of the PDF, with its title, in order,
  and a numbered chapter has its number (appendices their letter) in the table of contents;
* no reference is left unresolved: no "??" anywhere;
* the labelled equations of each chapter are numbered as on the web: (N.1), (N.2), ... in
  chapter N, (A.1), ... in appendix A;
* every figure a chapter stores (an image output not hidden by a tag) is embedded;
* every work the book cites is in the bibliography;
* the page count is sane for the number of chapters;
* once ``make pdf`` has copied it there, the site carries the PDF and the home page links to it.

Environment: BOOK_PDF (default _build/latex/book.pdf), BOOK_HTML (default _build/html).
"""

from __future__ import annotations

import json
import os
import re
import string
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from booktoc import toc_files  # noqa: E402  (scripts/ is not a package)

PDF = Path(os.environ.get("BOOK_PDF", ROOT / "_build" / "latex" / "book.pdf"))
HTML_DIR = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
APPENDIX_CAPTION = "Appendices"  # as in _ext/bookfixes.py
# Cells whose outputs Jupyter Book leaves out of the PDF.
HIDDEN_TAGS = {"remove-output", "remove-cell", "hide-output", "hide-cell"}
# A labelled display equation in MyST: $$ ... $$ (label)
LABELLED_EQUATION = re.compile(r"\$\$\s*\(([\w:-]+)\)\s*$", re.MULTILINE)
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


def _source(doc: str) -> Path:
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{doc}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"{doc} of _toc.yml has no .ipynb or .md")


def _markdown_and_cells(doc: str) -> tuple[str, list[dict]]:
    path = _source(doc)
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8"), []
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = "\n\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    return markdown, [c for c in nb["cells"] if c["cell_type"] == "code"]


def _title(doc: str) -> str:
    markdown, _ = _markdown_and_cells(doc)
    m = re.search(r"^# (.+)$", markdown, re.MULTILINE)
    assert m, f"{doc} has no '# title'"
    return re.sub(r"[*_`]", "", m.group(1)).strip()


def _chapters() -> list[tuple[str, str]]:
    """(docname, number) for every chapter: "" unnumbered, "3" numbered, "A" appendix."""
    out = []
    for part in TOC.get("parts", []):
        docs = [str(c["file"]) for c in part.get("chapters", []) if "file" in c]
        if part.get("caption") == APPENDIX_CAPTION:
            out += [(d, string.ascii_uppercase[i]) for i, d in enumerate(docs)]
        elif part.get("numbered"):
            out += [(d, str(i)) for i, d in enumerate(docs, start=1)]
        else:
            out += [(d, "") for d in docs]
    return out


CHAPTERS = _chapters()
# Pages listed under a chapter (`sections:` in _toc.yml), e.g. chapter 5's second part.
SECTIONS = [
    str(section["file"])
    for part in TOC.get("parts", [])
    for chapter in part.get("chapters", [])
    for section in chapter.get("sections", [])
    if "file" in section
]


def _quotes(text: str) -> str:
    """Straight quotes for LaTeX's typographic ones (’ “ ”)."""
    return text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


def _normal(text: str) -> str:
    """Letters and digits only, lower case: survives line breaks and hyphenation."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


@cache
def _reader():
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `make pdf` (or set BOOK_PDF)")
    from pypdf import PdfReader

    return PdfReader(str(PDF))


@cache
def _pages() -> tuple[str, ...]:
    return tuple(page.extract_text() or "" for page in _reader().pages)


def _outline_titles() -> list[str]:
    titles = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth <= 1:  # parts and chapters
                titles.append(item.title)

    walk(_reader().outline, 0)
    return titles


def test_toc_and_sources_agree():
    assert CHAPTERS, "_toc.yml has no chapters"
    assert toc_files()[0] == TOC["root"], "the root page comes first"
    assert [d for d, _ in CHAPTERS] == [d for d in toc_files()[1:] if d not in SECTIONS]


def test_every_chapter_is_in_the_pdf_in_order():
    outline = _outline_titles()
    titles = [_title(doc) for doc, _ in CHAPTERS]
    outline = [_quotes(t) for t in outline]
    found = [t for t in outline if t in titles]
    assert found == titles, f"chapters of the PDF's outline {outline} are not {titles}"


def test_chapters_are_numbered_as_on_the_web():
    contents = "\n".join(_pages()[:12])  # the table of contents
    missing = []
    for doc, number in CHAPTERS:
        if not number:
            continue
        first_words = " ".join(_title(doc).split()[:3])
        if not re.search(
            rf"^{re.escape(number)} {re.escape(first_words)}", contents, re.M
        ):
            missing.append(f"{number} {first_words}")
    assert not missing, f"not in the table of contents with their numbers: {missing}"


def test_no_unresolved_reference():
    bad = [i + 1 for i, text in enumerate(_pages()) if "??" in text]
    assert not bad, f'unresolved references ("??") on pages {bad}'


def test_equations_numbered_as_on_the_web():
    text = "\n".join(_pages())
    numbers = set(re.findall(r"\(([0-9A-Z]+\.[0-9]+)\)", text))
    missing = []
    checked = 0
    for doc, number in CHAPTERS:
        if not number:
            continue
        markdown, _ = _markdown_and_cells(doc)
        for k in range(1, len(LABELLED_EQUATION.findall(markdown)) + 1):
            checked += 1
            if f"{number}.{k}" not in numbers:
                missing.append(f"({number}.{k}) of {doc}")
    assert checked, "no labelled equation in the book: nothing checked"
    assert not missing, f"equation numbers missing from the PDF: {missing}"


def _figures(doc: str) -> int:
    _, cells = _markdown_and_cells(doc)
    count = 0
    for cell in cells:
        if HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            count += any(
                k in data for k in ("image/png", "image/svg+xml", "image/jpeg")
            )
    return count


def test_figures_are_embedded():
    expected = sum(_figures(doc) for doc in [d for d, _ in CHAPTERS] + SECTIONS)
    embedded = sum(len(page.images) for page in _reader().pages)
    assert expected, "the chapters store no figure: nothing checked"
    assert embedded >= expected, (
        f"{embedded} images in the PDF, {expected} figures in the book"
    )


def _bib_titles() -> dict[str, str]:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    titles = {}
    for entry in re.split(r"\n@", "\n" + text)[1:]:
        key = re.match(r"\w+\{([^,]+),", entry)
        title = re.search(r"\btitle\s*=\s*[{\"](.+?)[}\"],?\s*$", entry, re.M | re.I)
        if key and title:
            titles[key.group(1).strip()] = title.group(1)
    return titles


def test_bibliography_lists_every_cited_work():
    cited = set()
    for doc in toc_files():
        path = _source(doc)
        for m in CITE.finditer(path.read_text(encoding="utf-8")):
            cited.update(k.strip() for k in m.group(1).split(","))
    titles = _bib_titles()
    assert cited, "the book cites nothing: nothing checked"
    text = _normal("".join(_pages()))
    missing = [k for k in sorted(cited) if _normal(titles.get(k, k))[:40] not in text]
    assert not missing, f"cited works not in the PDF's bibliography: {missing}"


def test_page_count_is_sane():
    pages = len(_reader().pages)
    # each chapter starts on a new page and has some; a runaway (every line a page) is not sane
    assert 2 * len(CHAPTERS) <= pages <= 40 * len(CHAPTERS), (
        f"{pages} pages for {len(CHAPTERS)} chapters"
    )


def test_site_carries_the_pdf_and_the_home_page_links_to_it():
    home = HTML_DIR / f"{TOC['root']}.html"
    if not home.is_file():
        pytest.skip(
            f"no HTML book at {HTML_DIR} (make book, then make pdf, publishes both)"
        )
    assert (HTML_DIR / "book.pdf").is_file(), (
        "make pdf did not copy the PDF into the site"
    )
    assert (HTML_DIR / "book.pdf").read_bytes() == PDF.read_bytes(), (
        "the site's PDF is stale"
    )
    depth = TOC["root"].count("/")
    assert f'href="{"../" * depth}book.pdf"' in home.read_text(encoding="utf-8"), (
        "the home page does not link to the PDF"
    )


def test_every_section_page_is_in_the_pdf():
    text = _normal(" ".join(_pages()))
    missing = [doc for doc in SECTIONS if _normal(_quotes(_title(doc))) not in text]
    assert not missing, f"pages listed as sections but absent from the PDF: {missing}"
