"""Local Sphinx extension: what the built book needs that Jupyter Book 1 gets wrong.

Loaded by ``_config.yml`` (``sphinx: local_extensions: {bookfixes: _ext}``). The fixes:

1. **Each script once.** sphinx-thebe 0.3.1 registers its inline ``const THEBE_JS_URL = ...``
   script (and sphinx-togglebutton its ``var togglebuttonSelector``) in
   ``env-before-read-docs``. From Sphinx 7.2 the HTML builder re-adds assets registered after
   its init with the filename ``''``, which compares unequal to the first copy's ``None``, so
   every page carries both; the second ``const`` is a SyntaxError in the console of every page
   (shared/TOOLCHAIN.md; fixed upstream in Sphinx 8.2.2, out of JB1's ``sphinx~=7.0``). Here
   ``html-page-context`` drops every script that repeats an earlier one: same file (an empty
   filename counts as none), same attributes, same inline body.

1b. **Names and roles axe flags** in the body of every page: see ``BODY_FIXES``. (The theme's
   own buttons are fixed by the templates in ``book/_templates/``.)

2. **Search finds "backpropagation".** The book writes "back-propagation"; Sphinx's English
   splitter indexes that as "back" and "propagation", so a reader who types the word without
   the hyphen finds nothing. The splitter below also indexes each hyphenated compound written
   as one word ("backpropagation", "crossentropy"), the query side is unchanged.

3. **Appendix numbers.** Pages of the ``_toc.yml`` part captioned ``appendix_caption``
   ("Appendices") are unnumbered, so Sphinx numbers their equations (1), (2)... -- which read as
   references to chapters 1 and 2. Each appendix gets a letter in ``_toc.yml`` order (A, B...),
   and its equations, figures, tables and exercises are numbered (A.1), (A.2)..., on the page
   and in every reference to them. The PDF (``make pdf``) puts the same pages after LaTeX's
   ``\\appendix``, which letters them the same way.

4. **The PDF's chapters numbered as on the web** (see the comment above ``part_starts``), and
   cross-page exercise references resolved (``resolve_exercise_refs``).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.search import languages
from sphinx.search.en import SearchEnglish

__version__ = "1.0"

# --- 1. each script once ------------------------------------------------------------------


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_scripts(app: Sphinx, pagename, templatename, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


# --- 1b. accessible names and roles in the page body ---------------------------------------------

# myst-nb names the summary of a hidden cell "Toggle hidden content" while it shows "Show code
# cell source" (axe label-content-name-mismatch, serious): its text is its name. Docutils marks
# each bibliography entry role="doc-biblioentry" inside a role="list": a deprecated role, and a
# list without list items (axe aria-required-children, critical).
BODY_FIXES = [
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    (re.compile(r'role="doc-biblioentry"'), 'role="listitem"'),
]


def fix_body(app: Sphinx, pagename, templatename, context: dict, doctree) -> None:
    body = context.get("body")
    if not body:
        return
    for pattern, replacement in BODY_FIXES:
        body = pattern.sub(replacement, body)
    context["body"] = body


# The sidebar's toggle of a chapter that has sections (chapter 5 and its second part) is a
# <summary> holding only an icon (axe summary-name, serious): give it a name.
_TOC_TOGGLE = re.compile(r"<details(?P<open>[^>]*)><summary>")


def label_toc_toggles(
    app: Sphinx, pagename, templatename, context: dict, doctree
) -> None:
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    def labelled(*args, **kwargs):
        html = _TOC_TOGGLE.sub(
            r'<details\g<open>><summary aria-label="Sections of this chapter">',
            str(generate(*args, **kwargs)),
        )
        return Markup(html)

    context["generate_toctree_html"] = labelled


# --- 2. hyphenated compounds in the search index -----------------------------------------------

_COMPOUND = re.compile(r"\w+(?:-\w+)+")


class SearchEnglishCompounds(SearchEnglish):
    """English search that also indexes "back-propagation" as "backpropagation"."""

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        words.extend(m.group(0).replace("-", "") for m in _COMPOUND.finditer(input))
        return words


# --- 3. lettered appendices ------------------------------------------------------------------------


def appendix_docs(app: Sphinx) -> list[str]:
    """Docnames of the _toc.yml part captioned ``appendix_caption``, in order."""
    toc_path = getattr(app.config, "external_toc_path", None) or "_toc.yml"
    path = Path(app.srcdir, toc_path)
    if not path.is_file():
        return []
    toc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    docs: list[str] = []
    for part in toc.get("parts", []):
        if part.get("caption") == app.config.appendix_caption:
            for chapter in part.get("chapters", []):
                if "file" in chapter:
                    docs.append(re.sub(r"\.(md|ipynb|rst)$", "", chapter["file"]))
    return docs


def appendix_letters(app: Sphinx) -> dict[str, str]:
    docs = appendix_docs(app)
    if len(docs) > len(string.ascii_uppercase):
        raise ValueError(f"more than 26 appendices in _toc.yml: {len(docs)}")
    return dict(zip(docs, string.ascii_uppercase))


def letter_appendix_numbers(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """After Sphinx numbered figures and equations, prefix each appendix's with its letter."""
    changed = []
    for docname, letter in appendix_letters(app).items():
        letter_title(env, docname, letter)
        changed.append(docname)
        fignumbers = env.toc_fignumbers.get(docname)
        if not fignumbers:
            continue
        for numbers in fignumbers.values():
            # Sphinx counts the items of all unnumbered pages together (the preface's
            # equations are (1)-(3), the first appendix's then start at (4)): renumber each
            # appendix from 1, in its own order, as ("A", 1) -> "A.1".
            in_order = sorted(numbers, key=lambda figure_id: numbers[figure_id])
            for i, figure_id in enumerate(in_order, start=1):
                numbers[figure_id] = (letter, i)
    return changed


def letter_title(env: BuildEnvironment, docname: str, letter: str) -> None:
    """Give an appendix's title its letter, "A. How fast is it?", on its page and in the
    sidebar, so that (A.1) says where it is; its sections stay unnumbered."""
    from docutils import nodes

    secnumbers = env.toc_secnumbers.setdefault(docname, {})
    toc = env.tocs.get(docname)
    if toc is None:
        return
    for i, reference in enumerate(toc.findall(nodes.reference)):
        anchor = reference.get("anchorname", "")
        if i == 0:
            reference["secnumber"] = (letter,)
            secnumbers[anchor] = (letter,)
        else:
            # present and empty: the HTML writer would otherwise fall back to the page's
            # number ("") and letter every heading
            if "secnumber" in reference.attributes:
                del reference["secnumber"]
            secnumbers[anchor] = ()


# --- 4. the PDF's structure ---------------------------------------------------------------------
#
# LaTeX numbers every \chapter, so the preface would be chapter 1, "Total derivatives" chapter 2,
# and the appendices 9-12, with their equations numbered to match: nothing like the web. Raw
# LaTeX at the start of the first page of each _toc.yml part puts it right: an unnumbered part
# (the preface) gets secnumdepth -1, so its chapter is not counted and its equations are (1),
# (2), ... as on the web; a numbered part turns numbering back on; the appendix part starts with
# \appendix, so its chapters are A, B, ... and their equations (A.1), ... as
# letter_appendix_numbers makes them on the web. sphinx-jupyterbook-latex sets
# numfig_secnum_depth to 2 for LaTeX, which numbers exercises 5.8.1 instead of the web's 5.1:
# the book's own value is put back while Sphinx numbers, and raised again for the LaTeX writer
# (latex_writer_secnum_depth), which needs it one higher to reset the counters per chapter.

LATEX_SECNUMDEPTH = (
    2  # report.cls's default: chapters, sections and subsections numbered
)


def part_starts(app: Sphinx) -> dict[str, str]:
    """First docname of each _toc.yml part -> the raw LaTeX to put before its chapter."""
    toc_path = getattr(app.config, "external_toc_path", None) or "_toc.yml"
    path = Path(app.srcdir, toc_path)
    if not path.is_file():
        return {}
    toc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    starts = {}
    for part in toc.get("parts", []):
        files = [c["file"] for c in part.get("chapters", []) if "file" in c]
        if not files:
            continue
        first = re.sub(r"\.(md|ipynb|rst)$", "", files[0])
        if part.get("caption") == app.config.appendix_caption:
            # sphinx.sty numbers equations and figures with \\arabic{chapter}: after \\appendix
            # that would make appendix A's equations (1.1), like chapter 1's.
            starts[first] = (
                f"\\setcounter{{secnumdepth}}{{{LATEX_SECNUMDEPTH}}}\\appendix"
                + "".join(
                    f"\\renewcommand{{\\the{c}}}{{\\thechapter.\\arabic{{{c}}}}}"
                    for c in ("equation", "figure", "table")
                )
            )
        elif part.get("numbered"):
            starts[first] = f"\\setcounter{{secnumdepth}}{{{LATEX_SECNUMDEPTH}}}"
        else:
            starts[first] = "\\setcounter{secnumdepth}{-1}"
    return starts


def mark_latex_parts(app: Sphinx, doctree) -> None:
    from docutils import nodes
    from sphinx.builders.latex import LaTeXBuilder

    if not isinstance(app.builder, LaTeXBuilder):
        return
    latex = part_starts(app).get(app.env.docname)
    if latex:
        doctree.insert(0, nodes.raw("", latex + "\n", format="latex"))


_book_secnum_depth: dict[str, int] = {}


def remember_secnum_depth(app: Sphinx, config) -> None:
    _book_secnum_depth["value"] = config.numfig_secnum_depth


def restore_secnum_depth(app: Sphinx) -> None:
    from sphinx.builders.latex import LaTeXBuilder

    if isinstance(app.builder, LaTeXBuilder) and "value" in _book_secnum_depth:
        app.config.numfig_secnum_depth = _book_secnum_depth["value"]


def latex_writer_secnum_depth(app: Sphinx, doctree, docname: str) -> None:
    """For the LaTeX writer only: number equations and figures per chapter.

    With parts as LaTeX's top level, the writer subtracts one from numfig_secnum_depth, so
    the book's 1 would reset the counters nowhere ((1), (2), ... through the whole book). The
    numbers Sphinx gave (exercise titles, the web's) are already fixed when writing starts.
    """
    from sphinx.builders.latex import LaTeXBuilder

    if isinstance(app.builder, LaTeXBuilder) and "value" in _book_secnum_depth:
        if app.config.latex_toplevel_sectioning == "part":
            app.config.numfig_secnum_depth = _book_secnum_depth["value"] + 1


def resolve_exercise_refs(app: Sphinx, exception) -> None:
    """Write the number of each cross-page exercise reference into the .tex.

    sphinx-exercise labels an exercise ``exercise:LABEL`` in LaTeX, while a reference from
    another page asks for ``\\ref{DOC:LABEL}``: LaTeX prints "Exercise ??". The number
    Sphinx gave the exercise (the web's "5.1") is written in its place.
    """
    from sphinx.builders.latex import LaTeXBuilder

    if exception is not None or not isinstance(app.builder, LaTeXBuilder):
        return
    numbers = {}
    for docname, fignumbers in app.env.toc_fignumbers.items():
        for figtype, ids in fignumbers.items():
            if "exercise" in figtype:
                for label, number in ids.items():
                    numbers[f"{docname}:{label}"] = ".".join(map(str, number))
    if not numbers:
        return
    ref = re.compile(r"\\ref\{\\detokenize\{([^{}]+)\}\}")
    # ... and the link goes to the exercise's own label
    link = re.compile(r"\\hyperref\[\\detokenize\{([^{}]+)\}\]")

    def to_label(m: re.Match) -> str:
        if m.group(1) not in numbers:
            return m.group(0)
        return "\\hyperref[exercise:" + m.group(1).rsplit(":", 1)[1] + "]"

    for entry in app.config.latex_documents:
        tex = Path(app.outdir, entry[1])
        if not tex.is_file():
            continue
        text = tex.read_text(encoding="utf-8")
        new = ref.sub(lambda m: numbers.get(m.group(1), m.group(0)), text)
        new = link.sub(to_label, new)
        if new != text:
            tex.write_text(new, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.add_config_value("appendix_caption", "Appendices", "env", [str])
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", fix_body, priority=900)
    app.connect("html-page-context", label_toc_toggles, priority=900)
    # After the TocTreeCollector's env-get-updated (priority 500), which numbers figures.
    app.connect("env-get-updated", letter_appendix_numbers, priority=900)
    languages["en"] = SearchEnglishCompounds
    app.connect("config-inited", remember_secnum_depth)
    # after sphinx-jupyterbook-latex's builder-inited (priority 500) changed it
    app.connect("builder-inited", restore_secnum_depth, priority=900)
    # doctree-resolved: the LaTeX builder has assembled and resolved the whole book, and
    # creates its writer next
    app.connect("doctree-resolved", latex_writer_secnum_depth)
    app.connect("doctree-read", mark_latex_parts)
    app.connect("build-finished", resolve_exercise_refs)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
