"""The book as readers see it: every page of the built book, opened in headless Chromium.

Run by ``make test-browser`` (and so by ``make test``, after the book build); not part of the
unit run (``pytest tests --ignore=tests/browser``). The pages are those of _toc.yml, in its
order, so a new chapter is covered as soon as it is listed. Each page is loaded once, from a
local HTTP server, with every request that does not go to that server aborted and recorded:
the book must work offline (MathJax is served from ``_static/mathjax``, see _config.yml).
For each page the tests check that

* every equation was typeset by MathJax (each ``.math`` element holds an ``mjx-container``,
  no ``mjx-merror``, MathJax's fonts loaded) and no raw TeX (``$$``, ``\\frac``,
  ``\\begin{aligned}``, ``\\(``...) is left in the visible text outside code;
* every ``<img>`` loaded (``naturalWidth > 0``);
* the console shows no error and no uncaught exception, except sphinx-thebe 0.3.1's
  duplicated ``THEBE_JS_URL`` declaration (shared/TOOLCHAIN.md), and no local request fails;
* nothing was requested off localhost;
* the previous/next links lead to the previous/next page of _toc.yml;
* a chapter notebook has its Binder and Colab launch links and its download button.

A full-page screenshot of each page is saved under ``_build/screenshots/`` for a human look.

Environment (all optional):

    BOOK_HTML         the built book to test (default: _build/html of this repository)
    BOOK_SCREENSHOTS  where the screenshots go (default: BOOK_HTML/../screenshots)
    CHROMIUM          the browser (default: /usr/bin/chromium, Debian's package `chromium`)

The fixtures are in this file, not in a conftest.py: the unit tests import helpers with
``from conftest import ...``, and a second, unrelated ``conftest`` module would shadow theirs.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TOC_PATH = ROOT / "_toc.yml"
sys.path.insert(0, str(ROOT / "scripts"))
from booktoc import toc_files  # noqa: E402  (scripts/ is not a package)

HTML_DIR = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOT_DIR = Path(os.environ.get("BOOK_SCREENSHOTS", HTML_DIR.parent / "screenshots")).resolve()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # no request of the browser's own (updates, safe browsing, sync) besides the page's
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = urlsplit(CONFIG["repository"]["url"]).path.strip("/")  # owner/name on GitHub
BRANCH = CONFIG["repository"].get("branch", "main")
BINDER = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
COLAB = CONFIG["launch_buttons"]["colab_url"].rstrip("/")

# The one console error every Jupyter Book 1 page logs: sphinx-thebe 0.3.1 inlines its
# `const THEBE_JS_URL = ...` script twice (shared/TOOLCHAIN.md). Nothing else is allowed.
KNOWN_CONSOLE_ERROR = re.compile(
    r"^(Uncaught )?SyntaxError: Identifier 'THEBE_JS_URL' has already been declared$"
)

# TeX that MathJax should have replaced, looked for in the visible text outside code.
RAW_TEX = [
    (re.compile(r"\$\$"), "$$"),
    (re.compile(r"\\[()\[\]]"), "a \\( \\) \\[ \\] delimiter"),
    (re.compile(r"\\(?:begin|end)\{"), "\\begin{...}/\\end{...}"),
    (re.compile(r"\\[A-Za-z]{2,}"), "a TeX command"),
    (re.compile(r"\$[^$\n]*[\\^_{}][^$\n]*\$"), "inline $...$ math"),
]

MATHJAX_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}


# --- the pages of the book -------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str  # as in _toc.yml, e.g. book/01_total_derivatives
    html: str  # path of the built page under _build/html
    notebook: bool  # a chapter notebook (.ipynb): it has launch buttons


def toc_pages() -> list[Page]:
    pages = []
    for name in toc_files(TOC_PATH):
        stem = re.sub(r"\.(md|ipynb)$", "", name)
        pages.append(Page(stem, stem + ".html", (ROOT / f"{stem}.ipynb").is_file()))
    return pages


PAGES = toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if p.notebook]
page_params = pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])


# --- the server and the browser -----------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built book at {HTML_DIR}: run `make book` first (or set BOOK_HTML)")
    return HTML_DIR


@pytest.fixture(scope="session")
def base_url(html_dir: Path):
    """http://127.0.0.1:PORT/ serving the built book from a thread, on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(apt-get install -y --no-install-recommends chromium), as .ci/run does"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


# --- one visit per page --------------------------------------------------------------------

WAIT_JS = """
async (timeoutMs) => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), timeoutMs));
  const mathjax = (async () => {
    const mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) await mj.startup.promise;
    await document.fonts.ready;
    await Promise.all([...document.images].map((img) => img.complete ? null :
      new Promise((r) => { img.addEventListener("load", r); img.addEventListener("error", r); })));
    return "ok";
  })();
  return await Promise.race([mathjax, timeout]);
}
"""

COLLECT_JS = """
() => {
  const math = [...document.querySelectorAll(".math")];
  const text = (el) => el.textContent.trim().replace(/\\s+/g, " ").slice(0, 80);
  const hrefs = (sel) => [...document.querySelectorAll(sel)].map((a) => a.href);
  const mj = window.MathJax;
  return {
    title: document.title,
    url: location.href,
    math: math.length,
    untypeset: math.filter((el) => !el.querySelector("mjx-container")).map(text),
    containers: document.querySelectorAll("mjx-container").length,
    merrors: [...document.querySelectorAll("mjx-merror")].map(
      (el) => el.getAttribute("data-mjx-error") || text(el)),
    mathjaxVersion: mj && mj.version ? mj.version : null,
    mathjaxScripts: [...document.scripts].map((s) => s.src).filter((s) => /mathjax/i.test(s)),
    mjxFonts: [...document.fonts].filter((f) => f.family.replace(/"/g, "").startsWith("MJX"))
      .map((f) => [f.family.replace(/"/g, ""), f.status]),
    images: [...document.images].map((img) => ({
      src: (img.currentSrc || img.src).slice(0, 120),
      ok: img.complete && img.naturalWidth > 0,
    })),
    prev: hrefs("a.left-prev"),
    next: hrefs("a.right-next"),
    sidebar: hrefs(".bd-docs-nav a.reference.internal"),
    links: hrefs("a[href]"),
    downloads: [...document.querySelectorAll(".dropdown-download-buttons a[href]")].map(
      (a) => a.href),
    printButton: !!document.querySelector(".dropdown-download-buttons .btn-download-pdf-button"),
  };
}
"""

# Code (source cells, outputs, inline code) may show TeX on purpose: drop it, then read what
# a reader sees. Runs last, as it changes the page.
VISIBLE_TEXT_JS = """
() => {
  document.querySelectorAll("pre, code, script, style, mjx-assistive-mml, .headerlink")
    .forEach((el) => el.remove());
  return document.body.innerText;
}
"""


@dataclass
class Visit:
    page: Page
    url: str
    error: str | None = None
    data: dict = field(default_factory=dict)
    visible_text: str = ""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # requests off localhost, aborted
    failed: list[str] = field(default_factory=list)  # local requests that failed
    wait: str = ""
    screenshot: Path | None = None
    menus: dict = field(default_factory=dict)  # notebook pages: what the header menus show

    def require(self) -> dict:
        if self.error:
            pytest.fail(f"{self.page.html}: the page could not be checked: {self.error}")
        return self.data


def _is_local(url: str, base_url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlsplit(url).netloc == urlsplit(base_url).netloc


def open_menus(tab) -> dict:
    """Click the launch and download buttons of the header; which entries become visible?"""
    shown: dict = {}
    menus = {
        "launch": (
            ".dropdown-launch-buttons",
            {"Binder": f'a[href^="{BINDER}/"]', "Colab": f'a[href^="{COLAB}/"]'},
        ),
        "download": (
            ".dropdown-download-buttons",
            {".ipynb": 'a[href$=".ipynb"]', "PDF": ".btn-download-pdf-button"},
        ),
    }
    for name, (menu, entries) in menus.items():
        try:
            tab.click(f"{menu} > button.dropdown-toggle", timeout=5_000)
            for entry, selector in entries.items():
                shown[f"{name}: {entry}"] = tab.locator(f"{menu} {selector}").first.is_visible()
            tab.keyboard.press("Escape")
        except Exception as exc:  # noqa: BLE001 - reported by the test
            shown[f"{name}: menu"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return shown


def visit(browser, base_url: str, screenshot_dir: Path, page: Page) -> Visit:
    url = urljoin(base_url, page.html)
    result = Visit(page, url)
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    tab = context.new_page()

    def route(r):
        if _is_local(r.request.url, base_url):
            r.continue_()
        else:
            result.blocked.append(r.request.url)
            r.abort("blockedbyclient")

    tab.route("**/*", route)
    tab.on("console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: result.page_errors.append(f"{e.name}: {e.message}"))
    tab.on(
        "requestfailed",
        lambda r: result.failed.append(f"{r.url} ({r.failure})")
        if _is_local(r.url, base_url)
        else None,
    )
    tab.on(
        "response",
        lambda r: result.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
    )
    try:
        response = tab.goto(url, wait_until="load")
        if response is None or not response.ok:
            raise RuntimeError(f"HTTP {response.status if response else '?'} for {url}")
        result.wait = tab.evaluate(WAIT_JS, MATHJAX_TIMEOUT_MS)
        try:  # fonts and TeX extensions MathJax loads on demand
            tab.wait_for_load_state("networkidle", timeout=10_000)
        except Exception:  # noqa: BLE001 - a page that never idles is caught by the checks
            pass
        shot = screenshot_dir / (page.name.replace("/", "__") + ".png")
        tab.screenshot(path=str(shot), full_page=True)
        result.screenshot = shot
        result.data = tab.evaluate(COLLECT_JS)
        if page.notebook:
            result.menus = open_menus(tab)
        result.visible_text = tab.evaluate(VISIBLE_TEXT_JS)
    except Exception as exc:  # noqa: BLE001 - reported by every test of this page
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        context.close()
    return result


@pytest.fixture(scope="session")
def visits(browser, base_url, screenshot_dir):
    """visits(page) -> the Visit of that page, loaded once per session."""
    cache: dict[Page, Visit] = {}

    def get(page: Page) -> Visit:
        if page not in cache:
            cache[page] = visit(browser, base_url, screenshot_dir, page)
        return cache[page]

    return get


def _local(url: str) -> str:
    """A URL without its fragment."""
    return urldefrag(url)[0]


# --- the book as a whole ---------------------------------------------------------------------


def test_toc_lists_pages():
    assert PAGES, "_toc.yml lists no page"


@page_params
def test_page_is_built(page, html_dir):
    assert (html_dir / page.html).is_file(), f"{page.name} is in _toc.yml but {page.html} was not built"


def test_index_redirects_to_the_root_page(browser, base_url):
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.route("**/*", lambda r: r.continue_() if _is_local(r.request.url, base_url) else r.abort())
        tab.goto(base_url, wait_until="load")
        tab.wait_for_url(urljoin(base_url, PAGES[0].html), timeout=10_000)
    finally:
        context.close()


def test_sidebar_lists_every_page_in_toc_order(visits, base_url):
    data = visits(PAGES[0]).require()
    sidebar = [_local(h) for h in data["sidebar"]]
    expected = [urljoin(base_url, p.html) for p in PAGES]
    assert sidebar == expected, "the sidebar of the root page does not list the pages of _toc.yml"


# --- every page ----------------------------------------------------------------------------------


@page_params
def test_math_is_typeset(page, visits):
    v = visits(page)
    data = v.require()
    if data["math"] == 0:
        assert data["containers"] == 0
        return
    assert v.wait == "ok", f"MathJax did not finish within {MATHJAX_TIMEOUT_MS} ms"
    assert data["mathjaxVersion"], f"MathJax did not start; scripts: {data['mathjaxScripts']}"
    assert not data["untypeset"], (
        f"{len(data['untypeset'])} of {data['math']} equations not typeset, e.g. {data['untypeset'][:3]}"
    )
    assert data["containers"] >= data["math"]
    assert not data["merrors"], f"MathJax TeX errors: {data['merrors'][:5]}"
    loaded = [family for family, status in data["mjxFonts"] if status == "loaded"]
    assert loaded, f"no MathJax font loaded (glyphs would fall back): {data['mjxFonts']}"


@page_params
def test_no_raw_tex_in_visible_text(page, visits):
    visits(page).require()
    text = visits(page).visible_text
    found = []
    for pattern, what in RAW_TEX:
        for m in pattern.finditer(text):
            snippet = text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
            found.append(f"{what}: ...{snippet}...")
    assert not found, "raw TeX in the visible text (outside code):\n" + "\n".join(found[:10])


@page_params
def test_images_loaded(page, visits):
    data = visits(page).require()
    broken = [img["src"] for img in data["images"] if not img["ok"]]
    assert not broken, f"{len(broken)} of {len(data['images'])} images did not load: {broken}"


@page_params
def test_no_console_errors(page, visits):
    v = visits(page)
    v.require()
    errors = [e for e in v.console_errors + v.page_errors if not KNOWN_CONSOLE_ERROR.match(e)]
    assert not errors, "console errors:\n" + "\n".join(errors)


@page_params
def test_local_requests_succeed(page, visits):
    v = visits(page)
    v.require()
    failed = v.failed
    assert not failed, "requests to the book's server failed:\n" + "\n".join(failed)


@page_params
def test_no_request_leaves_localhost(page, visits):
    v = visits(page)
    v.require()
    # Nothing is allowed: with no network, every such request is a font, script or
    # stylesheet missing from the page. Links (Binder, Colab, GitHub) are not requests.
    blocked = sorted(set(v.blocked))
    assert not blocked, "requests off localhost (the book must work offline):\n" + "\n".join(blocked)


@page_params
def test_prev_next_follow_the_toc(page, visits, base_url):
    data = visits(page).require()
    i = PAGES.index(page)
    expected_prev = [urljoin(base_url, PAGES[i - 1].html)] if i > 0 else []
    expected_next = [urljoin(base_url, PAGES[i + 1].html)] if i + 1 < len(PAGES) else []
    assert [_local(h) for h in data["prev"]] == expected_prev, "wrong 'previous' link"
    assert [_local(h) for h in data["next"]] == expected_next, "wrong 'next' link"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=[p.name for p in NOTEBOOK_PAGES])
def test_launch_and_download_buttons(page, visits, browser, base_url):
    v = visits(page)
    data = v.require()
    hidden = {entry: shown for entry, shown in v.menus.items() if shown is not True}
    assert v.menus and not hidden, f"header menus do not show these entries when clicked: {hidden}"

    notebook = f"{page.name}.ipynb"
    in_repo = "/".join(filter(None, [CONFIG["repository"].get("path_to_book", "").strip("/"), notebook]))
    binder = f"{BINDER}/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=tree/{in_repo}"
    colab = f"{COLAB}/github/{REPOSITORY}/blob/{BRANCH}/{in_repo}"
    links = data["links"]
    assert binder in links, f"no Binder launch link {binder}"
    assert colab in links, f"no Colab launch link {colab}"

    source = urljoin(base_url, f"_sources/{notebook}")
    assert source in data["downloads"], f"no download button for {notebook}: {data['downloads']}"
    assert data["printButton"], "no 'print to PDF' download button"
    context = browser.new_context()
    try:
        response = context.request.get(source)
        assert response.ok, f"{source}: HTTP {response.status}"
        assert response.json()["cells"], f"{source} is not a notebook"
    finally:
        context.close()
