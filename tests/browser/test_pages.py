"""The book as readers see it: every page of the built book, opened in headless Chromium.

Run by ``make test-browser`` (and so by ``make test``, after the book build); not part of the
unit run (``pytest tests --ignore=tests/browser``). The pages are those of _toc.yml, in its
order, so a new chapter is covered as soon as it is listed. Each page is loaded once, from a
local HTTP server, with every request that does not go to that server aborted and recorded:
the book must work offline (MathJax is served from ``_static/mathjax``, see _config.yml).
Each page gets one tab, which is looked at as a desktop reader (1280x900), in dark mode,
printed, and at a phone's width (390 px), in that order. The pages are visited two at a time
(BROWSER_WORKERS), each worker thread with a browser of its own: one Chromium keeps about one
core busy and waits the rest of the time, so two overlap on a 2-core machine.
For each page the tests check that

* every equation was typeset by MathJax (each ``.math`` element holds an ``mjx-container``,
  no ``mjx-merror``, MathJax's fonts loaded) and no raw TeX (``$$``, ``\\frac``,
  ``\\begin{aligned}``, ``\\(``...) is left in the visible text outside code;
* every ``<img>`` loaded (``naturalWidth > 0``), and in dark mode each figure of a cell
  output sits on white (matplotlib's black text stays readable);
* the console shows no error and no uncaught exception (no allow-list), and no local request
  fails (the favicon included);
* nothing was requested off localhost;
* no code cell (source or output) scrolls sideways at 1280x900 (``scrollWidth`` against
  ``clientWidth`` of every ``pre``), the overflowing cells of each page are reported;
* at 390 px the page itself never scrolls sideways, and every display equation, table and
  code block either fits or scrolls inside its own box;
* axe-core (pinned, ``scripts/fetch_axe.py``) finds no critical or serious violation, in light
  and in dark mode (moderate and minor ones are listed in the report);
* printed (print media at the width of an A4 page), the page shows no toggle button or
  summary, no clipped code, the solutions open, and its title with its chapter number;
* the previous/next links lead to the previous/next page of _toc.yml;
* a chapter notebook has its Binder and Colab launch links and its download button.

And for the book as a whole: at 390x844 and 768x1024 (touch, 2x) the ☰ button opens the table
of contents and the "Contents" button the page outline, and a link in each navigates; no
empty header bar and at most one search box at any width; searching "backpropagation" finds
the chapters that write "back-propagation".

A screenshot of the top of each page at 1280x900 is saved under ``_build/screenshots/``
(the whole page with BOOK_FULL_SCREENSHOTS=1: about 1.5 s more per page), phone screenshots
(top and middle of each page, and of the open drawers) under ``_build/screenshots/phone/``,
and a per-page report (axe, overflow and console counts) in ``_build/screenshots/report.md``;
the report is also printed at the end of the run.

Environment (all optional):

    BOOK_HTML         the built book to test (default: _build/html of this repository)
    BOOK_SCREENSHOTS  where the screenshots go (default: BOOK_HTML/../screenshots)
    BOOK_FULL_SCREENSHOTS  1: screenshot each whole page at 1280 px, not only its top
    BROWSER_WORKERS   how many pages are visited at a time (default 2)
    CHROMIUM          the browser (default: /usr/bin/chromium-headless-shell, Debian's
                      package `chromium-headless-shell`, else /usr/bin/chromium)
    AXE_JS            axe-core's axe.min.js (default: _vendor/axe/axe.min.js, scripts/fetch_axe.py)

The fixtures are in this file, not in a conftest.py: the unit tests import helpers with
``from conftest import ...``, and a second, unrelated ``conftest`` module would shadow theirs.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import queue
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
SCREENSHOT_DIR = Path(
    os.environ.get("BOOK_SCREENSHOTS", HTML_DIR.parent / "screenshots")
).resolve()
# Chromium's headless shell (Debian's chromium-headless-shell, what Playwright itself runs
# headless) uses a fifth less CPU per page than the full browser in its headless mode.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get(
    "CHROMIUM",
    HEADLESS_SHELL if Path(HEADLESS_SHELL).is_file() else "/usr/bin/chromium",
)
AXE_JS = Path(os.environ.get("AXE_JS", ROOT / "_vendor" / "axe" / "axe.min.js"))
FULL_SCREENSHOTS = os.environ.get("BOOK_FULL_SCREENSHOTS", "") == "1"
VISIT_WORKERS = max(1, int(os.environ.get("BROWSER_WORKERS", "2")))
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
REPOSITORY = urlsplit(CONFIG["repository"]["url"]).path.strip(
    "/"
)  # owner/name on GitHub
BRANCH = CONFIG["repository"].get("branch", "main")
BINDER = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
COLAB = CONFIG["launch_buttons"]["colab_url"].rstrip("/")

# TeX that MathJax should have replaced, looked for in the visible text outside code.
RAW_TEX = [
    (re.compile(r"\$\$"), "$$"),
    (re.compile(r"\\[()\[\]]"), "a \\( \\) \\[ \\] delimiter"),
    (re.compile(r"\\(?:begin|end)\{"), "\\begin{...}/\\end{...}"),
    (re.compile(r"\\[A-Za-z]{2,}"), "a TeX command"),
    (re.compile(r"\$[^$\n]*[\\^_{}][^$\n]*\$"), "inline $...$ math"),
]

MATHJAX_TIMEOUT_MS = 30_000
# A click, a drawer opening, a navigation: generous, as `make test` runs nbval beside this
# test and a busy 2-core machine can take seconds; a broken control never gets there.
UI_TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
# An A4 page (210 mm at 96 px/inch = 794 px) less Chromium's default print margins.
PRINT = {"width": 720, "height": 1000}
# axe impacts that fail the test; the others are reported.
FAILING_IMPACTS = ("critical", "serious")


# --- the pages of the book -------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str  # as in _toc.yml, e.g. book/01_total_derivatives
    html: str  # path of the built page under _build/html
    notebook: bool  # a chapter notebook (.ipynb): it has launch buttons
    numbered: bool  # in a `numbered: true` part of _toc.yml: its title starts "N. "


def _numbered_files(toc_path: Path) -> set[str]:
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    return {
        str(chapter["file"])
        for part in toc.get("parts") or []
        if part.get("numbered")
        for chapter in part.get("chapters") or []
        if "file" in chapter
    }


def toc_pages() -> list[Page]:
    numbered = {re.sub(r"\.(md|ipynb)$", "", f) for f in _numbered_files(TOC_PATH)}
    pages = []
    for name in toc_files(TOC_PATH):
        stem = re.sub(r"\.(md|ipynb)$", "", name)
        pages.append(
            Page(
                stem,
                stem + ".html",
                (ROOT / f"{stem}.ipynb").is_file(),
                stem in numbered,
            )
        )
    return pages


PAGES = toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if p.notebook]
NUMBERED_PAGES = [p for p in PAGES if p.numbered]
page_params = pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])


# --- the server and the browser -----------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(
            f"no built book at {HTML_DIR}: run `make book` first (or set BOOK_HTML)"
        )
    return HTML_DIR


@pytest.fixture(scope="session")
def base_url(html_dir: Path):
    """http://127.0.0.1:PORT/ serving the built book from a thread, on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, name="book-http", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _chromium_found() -> None:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium-headless-shell (apt-get "
            "install -y --no-install-recommends chromium-headless-shell), as .ci/run does"
        )


@contextlib.contextmanager
def chromium():
    """A headless Chromium of this thread's own (Playwright's sync API is per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def browser():
    _chromium_found()
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    (SCREENSHOT_DIR / "phone").mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS} not found: run `python3 scripts/fetch_axe.py` (make test does)"
        )
    return AXE_JS.read_text(encoding="utf-8")


def _is_local(url: str, base_url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlsplit(url).netloc == urlsplit(base_url).netloc


def new_tab(browser, base_url: str, log: dict | None = None, **context_options):
    """A tab in a fresh context that may only talk to the book's server.

    log, if given, collects "blocked" (requests off localhost, aborted), "failed" (local
    requests that failed), "console" (console errors) and "pageerrors" (uncaught exceptions).
    """
    context = browser.new_context(service_workers="block", **context_options)
    tab = context.new_page()
    if log is None:
        log = {}
    for key in ("blocked", "failed", "console", "pageerrors"):
        log.setdefault(key, [])

    def route(r):
        if _is_local(r.request.url, base_url):
            r.continue_()
        else:
            log["blocked"].append(r.request.url)
            r.abort("blockedbyclient")

    tab.route("**/*", route)
    tab.on(
        "console",
        lambda m: log["console"].append(m.text) if m.type == "error" else None,
    )
    tab.on("pageerror", lambda e: log["pageerrors"].append(f"{e.name}: {e.message}"))
    tab.on(
        "requestfailed",
        lambda r: (
            log["failed"].append(f"{r.url} ({r.failure})")
            if _is_local(r.url, base_url)
            else None
        ),
    )
    tab.on(
        "response",
        lambda r: (
            log["failed"].append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400
            else None
        ),
    )
    return context, tab


# --- what is read from a page --------------------------------------------------------------

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
  const h1 = document.querySelector(".bd-article h1");
  return {
    title: document.title,
    h1: h1 ? h1.textContent.replace(/#$/, "").trim() : null,
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

# Helpers shared by the measuring scripts below (defined once per page, on window).
HELPERS_JS = """
() => {
  window.__book = {
    shown(el) {
      if (!el.getClientRects().length) return false;
      const s = getComputedStyle(el);
      return s.visibility !== "hidden" && s.display !== "none" && parseFloat(s.opacity) > 0;
    },
    longest(el) {
      return el.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "")
        .trim().slice(0, 90);
    },
    where(el) {
      const sec = el.closest("section[id]");
      return sec ? "#" + sec.id : "";
    },
  };
}
"""

# Every code block of a cell (source and output) that scrolls sideways, at the current size.
CODE_OVERFLOW_JS = """
() => {
  const b = window.__book;
  const pres = [...document.querySelectorAll("div.cell pre")].filter(b.shown);
  // Blocks that fit only because book.css wraps them: wider than the column unwrapped
  // (reported, for the authors of the chapters: code is written to 77 columns).
  const wrapped = pres.filter((el) => {
    const before = el.style.whiteSpace;
    el.style.whiteSpace = "pre";
    const wide = el.scrollWidth > el.clientWidth + 1;
    el.style.whiteSpace = before;
    return wide;
  }).map((el) => ({kind: el.closest(".cell_output") ? "output" : "source",
                   section: b.where(el), line: b.longest(el)}));
  return {
    cells: pres.length,
    wrapped,
    overflowing: pres.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => ({
      kind: el.closest(".cell_output") ? "output" : "source",
      scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
      section: b.where(el), line: b.longest(el),
    })),
  };
}
"""

# At a phone's width: does the page scroll sideways, and is every wide box its own scroller?
NARROW_JS = """
() => {
  const b = window.__book;
  const root = document.scrollingElement;
  const article = document.querySelector(".bd-article") || document.body;
  const right = article.getBoundingClientRect().right;
  const scroller = (el) => {
    for (let e = el; e && e !== article; e = e.parentElement) {
      const ox = getComputedStyle(e).overflowX;
      if (ox === "auto" || ox === "scroll") return e;
    }
    return null;
  };
  const bad = [];
  const boxes = [...article.querySelectorAll(
    "div.math, mjx-container[display='true'], table, pre")].filter(b.shown);
  for (const el of boxes) {
    const box = scroller(el);
    const wide = el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > right + 1;
    if (!wide) continue;
    if (box && box.getBoundingClientRect().right <= innerWidth + 1) continue;
    bad.push({what: el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""),
      section: b.where(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
      text: el.textContent.trim().replace(/\\s+/g, " ").slice(0, 60)});
  }
  return {pageScrollWidth: root.scrollWidth, pageClientWidth: root.clientWidth, bad,
          scrollers: boxes.filter((el) => el.scrollWidth > el.clientWidth + 1).length};
}
"""

# In dark mode: is each figure of a cell output on a white ground?
DARK_FIGURES_JS = """
() => [...document.querySelectorAll("div.cell_output img")].filter(window.__book.shown)
  .map((img) => ({src: img.src.split("/").pop().slice(0, 20),
                  background: getComputedStyle(img).backgroundColor}))
"""

# Printed: the titles, toggles, clipped code and closed solutions a reader would see on paper.
PRINT_JS = """
() => {
  const b = window.__book;
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(b.shown);
  return {
    h1: shown("h1").map((h) => h.textContent.replace(/#$/, "").trim()),
    toggles: shown("summary, button, .toggle-button, details > summary").map(
      (el) => (el.getAttribute("aria-label") || el.textContent || el.className).trim().slice(0, 50)),
    clipped: shown("pre").filter((el) => el.scrollWidth > el.clientWidth + 1).map(b.longest),
    closedSolutions: [...document.querySelectorAll(".solution")].filter(
      (s) => [...s.querySelectorAll(":scope > :not(.admonition-title):not(button)")]
        .some((c) => !b.shown(c))).length,
  };
}
"""

AXE_RUN_JS = """
async ([context, options]) => {
  const result = await axe.run(context, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}
"""
# axe's full rule set runs in light mode. Dark mode changes colours only, so there axe runs
# the rules that read colours (the rest would give the same answer twice, at twice the time).
AXE_LIGHT = {"resultTypes": ["violations"]}
AXE_DARK = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
}
# What axe looks at: the whole page, in dark mode without MathJax's glyph boxes (thousands of
# elements per chapter that take the colour of the text around them; the light run checks
# MathJax's markup with every rule).
AXE_CONTEXT = {"light": {"exclude": []}, "dark": {"exclude": [["mjx-container"]]}}

# Colours are checked once they have settled: the theme's buttons fade their colours over
# 0.15 s, and axe must not measure one half-way from light to dark.
SET_THEME_JS = """
(mode) => {
  if (!document.getElementById("no-transitions")) {
    const style = document.createElement("style");
    style.id = "no-transitions";
    style.textContent = "*, *::before, *::after { transition: none !important; }";
    document.head.appendChild(style);
  }
  document.documentElement.dataset.theme = mode;
  document.documentElement.dataset.mode = mode;
  return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}
"""

# Code (source cells, outputs, inline code) may show TeX on purpose: hide it, read what a
# reader sees, show it again. Hidden, not removed: the theme's scroll-spy (Bootstrap's, on
# an IntersectionObserver) walks up from the outline's links and throws on a detached node.
VISIBLE_TEXT_JS = """
() => {
  const style = document.createElement("style");
  style.textContent = "pre, code, script, style, mjx-assistive-mml, .headerlink " +
    "{ display: none !important; }";
  document.head.appendChild(style);
  const text = document.body.innerText;
  style.remove();
  return text;
}
"""


@dataclass
class Visit:
    page: Page
    url: str
    error: str | None = None
    data: dict = field(default_factory=dict)
    visible_text: str = ""
    log: dict = field(default_factory=dict)  # blocked, failed, console, pageerrors
    wait: str = ""
    screenshot: Path | None = None
    menus: dict = field(
        default_factory=dict
    )  # notebook pages: what the header menus show
    code: dict = field(default_factory=dict)  # CODE_OVERFLOW_JS at 1280x900
    narrow: dict = field(default_factory=dict)  # NARROW_JS at 390 px
    printed: dict = field(default_factory=dict)  # PRINT_JS under print media
    axe: dict = field(default_factory=dict)  # "light"/"dark" -> violations
    dark_figures: list = field(default_factory=list)

    def require(self) -> dict:
        if self.error:
            pytest.fail(
                f"{self.page.html}: the page could not be checked: {self.error}"
            )
        return self.data

    @property
    def console_errors(self) -> list[str]:
        return self.log.get("console", []) + self.log.get("pageerrors", [])


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
            tab.click(f"{menu} > button.dropdown-toggle", timeout=UI_TIMEOUT_MS)
            for entry, selector in entries.items():
                shown[f"{name}: {entry}"] = tab.locator(
                    f"{menu} {selector}"
                ).first.is_visible()
            tab.keyboard.press("Escape")
        except Exception as exc:  # noqa: BLE001 - reported by the test
            shown[f"{name}: menu"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return shown


def shot_name(page: Page) -> str:
    return page.name.replace("/", "__") + ".png"


def visit(
    browser, base_url: str, screenshot_dir: Path, axe_source: str, page: Page
) -> Visit:
    url = urljoin(base_url, page.html)
    result = Visit(page, url)
    context, tab = new_tab(browser, base_url, result.log, viewport=DESKTOP)
    try:
        response = tab.goto(url, wait_until="load")
        if response is None or not response.ok:
            raise RuntimeError(f"HTTP {response.status if response else '?'} for {url}")
        result.wait = tab.evaluate(WAIT_JS, MATHJAX_TIMEOUT_MS)
        try:  # fonts and TeX extensions MathJax loads on demand
            tab.wait_for_load_state("networkidle", timeout=10_000)
        except Exception:  # noqa: BLE001 - a page that never idles is caught by the checks
            pass
        shot = screenshot_dir / shot_name(page)
        tab.screenshot(path=str(shot), full_page=FULL_SCREENSHOTS)
        result.screenshot = shot
        result.data = tab.evaluate(COLLECT_JS)
        tab.evaluate(HELPERS_JS)
        # the desktop reader: code that fits, then axe in light and in dark mode
        result.code = tab.evaluate(CODE_OVERFLOW_JS)
        tab.add_script_tag(content=axe_source)
        result.axe["light"] = tab.evaluate(
            AXE_RUN_JS, [AXE_CONTEXT["light"], AXE_LIGHT]
        )
        tab.evaluate(SET_THEME_JS, "dark")
        result.axe["dark"] = tab.evaluate(AXE_RUN_JS, [AXE_CONTEXT["dark"], AXE_DARK])
        result.dark_figures = tab.evaluate(DARK_FIGURES_JS)
        tab.evaluate(SET_THEME_JS, "light")
        if page.notebook:
            result.menus = open_menus(tab)
        # on paper
        tab.set_viewport_size(PRINT)
        tab.emulate_media(media="print")
        result.printed = tab.evaluate(PRINT_JS)
        tab.emulate_media(media="screen")
        # on a phone
        tab.set_viewport_size(PHONE)
        # "instant": the theme scrolls smoothly, which takes a second and a half per page
        tab.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
        result.narrow = tab.evaluate(NARROW_JS)
        tab.screenshot(path=str(screenshot_dir / "phone" / shot_name(page)))
        tab.evaluate(
            "window.scrollTo({top: document.scrollingElement.scrollHeight / 2,"
            " behavior: 'instant'})"
        )
        tab.screenshot(
            path=str(
                screenshot_dir / "phone" / shot_name(page).replace(".png", "_p50.png")
            )
        )
        result.visible_text = tab.evaluate(VISIBLE_TEXT_JS)
    except Exception as exc:  # noqa: BLE001 - reported by every test of this page
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        context.close()
    return result


def _axe_counts(violations: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(("critical", "serious", "moderate", "minor"), 0)
    for v in violations:
        counts[v["impact"] or "minor"] += v["nodes"]
    return counts


def report(visits: dict[Page, Visit]) -> str:
    """Per page: axe (light, dark), overflowing code cells, phone boxes, console errors."""
    lines = [
        "| page | axe light crit/ser/mod/min | axe dark crit/ser | code cells overflowing at 1280 "
        "(wrapped to fit) | "
        "phone: page width, boxes not scrolling | console errors | failed requests |",
        "|---|---|---|---|---|---|---|",
    ]
    moderate = []
    for page, v in visits.items():
        if v.error:
            lines.append(f"| {page.name} | error: {v.error} |||||")
            continue
        light = _axe_counts(v.axe.get("light", []))
        dark = _axe_counts(v.axe.get("dark", []))
        code = v.code
        narrow = v.narrow
        lines.append(
            f"| {page.name} | {light['critical']}/{light['serious']}/{light['moderate']}/{light['minor']} "
            f"| {dark['critical']}/{dark['serious']} "
            f"| {len(code.get('overflowing', []))} of {code.get('cells', 0)} "
            f"({len(code.get('wrapped', []))}) "
            f"| {narrow.get('pageScrollWidth')}/{narrow.get('pageClientWidth')} px, {len(narrow.get('bad', []))} "
            f"| {len(v.console_errors)} | {len(v.log.get('failed', []))} |"
        )
        for mode in ("light", "dark"):
            for violation in v.axe.get(mode, []):
                if violation["impact"] not in FAILING_IMPACTS:
                    moderate.append(
                        f"- {page.name} ({mode}): {violation['impact']} `{violation['id']}` "
                        f"x{violation['nodes']}: {violation['help']} ({', '.join(violation['targets'])})"
                    )
        wrapped = code.get("wrapped", [])
        if wrapped:
            moderate.append(
                f"- {page.name}: {len(wrapped)} code blocks wider than the column, wrapped "
                f"to fit, e.g. {wrapped[0]['kind']} in {wrapped[0]['section']}: "
                f"`{wrapped[0]['line']}`"
            )
        for cell in code.get("overflowing", []):
            moderate.append(
                f"- {page.name}: {cell['kind']} overflows ({cell['scrollWidth']} > "
                f"{cell['clientWidth']} px) in {cell['section']}: `{cell['line']}`"
            )
    return "\n".join(
        lines
        + ["", "Moderate and minor axe findings, code blocks:", ""]
        + (moderate or ["- none"])
    )


def visit_all(
    pages: list[Page],
    base_url: str,
    screenshot_dir: Path,
    axe_source: str,
    workers: int,
) -> dict[Page, Visit]:
    """Visit every page once, `workers` pages at a time, each worker with its own browser."""
    todo: queue.SimpleQueue[Page] = queue.SimpleQueue()
    for page in pages:
        todo.put(page)
    done: dict[Page, Visit] = {}

    def work() -> None:
        page = None  # the page in hand when the browser fails is not visited either
        try:
            with chromium() as browser:
                while True:
                    try:
                        page = todo.get_nowait()
                    except queue.Empty:
                        return
                    done[page] = visit(
                        browser, base_url, screenshot_dir, axe_source, page
                    )
        except Exception as exc:  # noqa: BLE001 - the pages it did not visit say why
            failed = f"the browser failed: {type(exc).__name__}: {exc}"
            while True:
                if page is not None and page not in done:
                    done[page] = Visit(page, urljoin(base_url, page.html), error=failed)
                try:
                    page = todo.get_nowait()
                except queue.Empty:
                    return

    threads = [
        threading.Thread(target=work, name=f"visit-{i}")
        for i in range(min(workers, len(pages)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done


def _pages_visited_by(items) -> list[Page]:
    """The pages that the selected tests look at (all of them in a full run)."""
    wanted = {
        item.callspec.params["page"]
        for item in items
        if "visits" in getattr(item, "fixturenames", ())
        and "page" in getattr(getattr(item, "callspec", None), "params", {})
    }
    if any(
        "visits" in getattr(item, "fixturenames", ())
        and "page" not in getattr(getattr(item, "callspec", None), "params", {})
        for item in items
    ):
        wanted.add(PAGES[0])  # test_sidebar_lists_every_page_in_toc_order
    return [p for p in PAGES if p in wanted]


@pytest.fixture(scope="session")
def visits(base_url, screenshot_dir, axe_source, request):
    """visits(page) -> the Visit of that page; every page the session needs is visited
    on the first call, VISIT_WORKERS at a time."""
    _chromium_found()
    cache: dict[Page, Visit] = {}

    def get(page: Page) -> Visit:
        if page not in cache:
            pages = [
                p for p in _pages_visited_by(request.session.items) if p not in cache
            ]
            if page not in pages:
                pages.append(page)
            cache.update(
                visit_all(pages, base_url, screenshot_dir, axe_source, VISIT_WORKERS)
            )
        return cache[page]

    yield get

    if cache:
        ordered = {p: cache[p] for p in PAGES if p in cache}
        text = report(ordered)
        (screenshot_dir / "report.md").write_text(text + "\n", encoding="utf-8")
        (screenshot_dir / "report.json").write_text(
            json.dumps(
                {
                    p.name: {
                        "axe": v.axe,
                        "code": v.code,
                        "narrow": v.narrow,
                        "printed": v.printed,
                        "log": v.log,
                    }
                    for p, v in ordered.items()
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        # Printed past pytest's capture, which holds the output of a fixture's teardown.
        terminal = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if terminal is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                terminal.write_line("")
                terminal.write_line(f"Browser report ({screenshot_dir / 'report.md'}):")
                for line in text.splitlines():
                    terminal.write_line(line)


def _local(url: str) -> str:
    """A URL without its fragment."""
    return urldefrag(url)[0]


# --- the book as a whole ---------------------------------------------------------------------


def test_toc_lists_pages():
    assert PAGES, "_toc.yml lists no page"
    assert NUMBERED_PAGES, "_toc.yml has no numbered part"


def test_a_browser_that_fails_leaves_every_page_failed(monkeypatch, tmp_path):
    """visit_all: a worker whose browser dies fails its page and those left, none is lost."""
    calls = []

    @contextlib.contextmanager
    def fake_chromium():
        yield "browser"

    def fake_visit(browser, base_url, screenshot_dir, axe_source, page):
        calls.append(page)
        if len(calls) == 2:
            raise RuntimeError("Target closed")  # as from new_tab, outside visit's try
        return Visit(page, page.html)

    monkeypatch.setattr(sys.modules[__name__], "chromium", fake_chromium)
    monkeypatch.setattr(sys.modules[__name__], "visit", fake_visit)
    pages = PAGES[:4]
    done = visit_all(pages, "http://127.0.0.1/", tmp_path, "", workers=1)
    assert sorted(done, key=pages.index) == pages
    assert done[pages[0]].error is None
    for page in pages[1:]:
        assert "the browser failed: RuntimeError: Target closed" in done[page].error


@page_params
def test_page_is_built(page, html_dir):
    assert (html_dir / page.html).is_file(), (
        f"{page.name} is in _toc.yml but {page.html} was not built"
    )


def test_index_redirects_to_the_root_page(browser, base_url):
    context, tab = new_tab(browser, base_url)
    try:
        tab.goto(base_url, wait_until="load")
        tab.wait_for_url(urljoin(base_url, PAGES[0].html), timeout=10_000)
    finally:
        context.close()


def test_sidebar_lists_every_page_in_toc_order(visits, base_url):
    data = visits(PAGES[0]).require()
    sidebar = [_local(h) for h in data["sidebar"]]
    expected = [urljoin(base_url, p.html) for p in PAGES]
    assert sidebar == expected, (
        "the sidebar of the root page does not list the pages of _toc.yml"
    )


# A chapter in the middle of the course, and the page after it (the link tapped in the drawer).
NAV_PAGE = NUMBERED_PAGES[len(NUMBERED_PAGES) // 2] if NUMBERED_PAGES else PAGES[0]

# Below 992 px pydata-sphinx-theme opens each sidebar as a modal <dialog> drawer, into which it
# moves the sidebar's content: open = the dialog is open, on screen, and holds links.
DRAWER_JS = """
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return {left: r.left, right: r.right, width: r.width, visibility: s.visibility,
          links: el.querySelectorAll("a[href]").length,
          open: el.open && r.width > 100 && r.left >= -1 && r.right <= innerWidth + 1
                && s.visibility !== "hidden" && el.querySelectorAll("a[href]").length > 0};
}
"""


@pytest.mark.parametrize(
    "size", [PHONE, TABLET], ids=["phone-390x844", "tablet-768x1024"]
)
def test_navigation_drawers_open_on_touch_screens(
    size, browser, base_url, screenshot_dir
):
    """Tap ☰: the table of contents opens and a link in it navigates; the same for "Contents"."""
    log: dict = {}
    context, tab = new_tab(
        browser,
        base_url,
        log,
        viewport=size,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    label = f"{size['width']}x{size['height']}"
    try:
        tab.goto(urljoin(base_url, NAV_PAGE.html), wait_until="load")
        closed = tab.evaluate(DRAWER_JS, "#pst-primary-sidebar-modal")
        assert closed and not closed["open"], (
            f"{label}: the table of contents is open before ☰ is tapped"
        )
        tab.locator("button.primary-toggle:visible").first.tap()
        tab.wait_for_function(
            f"({DRAWER_JS})('#pst-primary-sidebar-modal').open", timeout=UI_TIMEOUT_MS
        )
        tab.screenshot(path=str(screenshot_dir / "phone" / f"drawer_toc_{label}.png"))
        i = PAGES.index(NAV_PAGE)
        target = PAGES[i + 1] if i + 1 < len(PAGES) else PAGES[i - 1]
        tab.locator(
            f'#pst-primary-sidebar-modal a.reference.internal[href$="{target.html.split("/")[-1]}"]'
        ).first.tap()
        tab.wait_for_url(urljoin(base_url, target.html), timeout=UI_TIMEOUT_MS)

        tab.wait_for_load_state("load")
        outline = tab.evaluate(DRAWER_JS, "#pst-secondary-sidebar-modal")
        assert outline and not outline["open"], (
            f"{label}: the page outline is open before it is tapped"
        )
        tab.locator("button.secondary-toggle:visible").first.tap()
        tab.wait_for_function(
            f"({DRAWER_JS})('#pst-secondary-sidebar-modal').open", timeout=UI_TIMEOUT_MS
        )
        tab.screenshot(
            path=str(screenshot_dir / "phone" / f"drawer_contents_{label}.png")
        )
        link = tab.locator("#pst-secondary-sidebar-modal nav a.nav-link:visible").nth(1)
        fragment = link.get_attribute("href")
        assert fragment and fragment.startswith("#"), (
            f"{label}: no section link in the page outline"
        )
        link.tap()
        tab.wait_for_url(
            urljoin(base_url, target.html) + fragment, timeout=UI_TIMEOUT_MS
        )
    finally:
        context.close()
    errors = log["console"] + log["pageerrors"] + log["failed"]
    assert not errors, f"{label}: errors while navigating:\n" + "\n".join(errors)


HEADER_JS = """
() => {
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const header = document.querySelector("header.bd-header");
  const searches = [...document.querySelectorAll(
    ".search-button-field, form.bd-search, input[type='search']")].filter(shown);
  return {
    headerHeight: header && shown(header) ? header.getBoundingClientRect().height : 0,
    searchBoxes: searches.map((el) => el.className || el.tagName),
  };
}
"""


HEADER_SIZES = {"1280": DESKTOP, "768": TABLET, "390": PHONE}


@pytest.fixture(scope="module")
def headers(browser, base_url) -> dict[str, dict]:
    """HEADER_JS on NAV_PAGE at each width of HEADER_SIZES: one load, resized."""
    context, tab = new_tab(browser, base_url, viewport=DESKTOP)
    try:
        tab.goto(urljoin(base_url, NAV_PAGE.html), wait_until="load")
        found = {}
        for label, size in HEADER_SIZES.items():
            tab.set_viewport_size(size)
            found[label] = tab.evaluate(HEADER_JS)
    finally:
        context.close()
    return found


@pytest.mark.parametrize("width", list(HEADER_SIZES))
def test_no_empty_header_or_second_search_box(width, headers):
    size = HEADER_SIZES[width]
    found = headers[width]
    assert found["headerHeight"] == 0, (
        f"an empty header bar {found['headerHeight']} px high at {size['width']} px"
    )
    assert len(found["searchBoxes"]) <= 1, (
        f"{len(found['searchBoxes'])} search boxes at {size['width']} px: {found['searchBoxes']}"
    )


SEARCH_JS = """
async () => {
  // Sphinx lists the results one by one, then writes "Search finished, found N page(s)..."
  for (let i = 0; i < 150; i++) {
    const summary = document.querySelector("#search-results .search-summary");
    if (summary && /finished|did not match/i.test(summary.textContent)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...document.querySelectorAll("#search-results ul.search li a")].map((a) => a.href);
}
"""


def test_search_finds_backpropagation_without_the_hyphen(browser, base_url, html_dir):
    """The book writes "back-propagation"; a reader types "backpropagation"."""
    hyphenated = {
        p.html
        for p in NUMBERED_PAGES
        if re.search(
            r"[Bb]ack-propagation", (html_dir / p.html).read_text(encoding="utf-8")
        )
    }
    assert hyphenated, "no chapter writes 'back-propagation': nothing to look for"
    context, tab = new_tab(browser, base_url, viewport=DESKTOP)
    try:
        tab.goto(urljoin(base_url, "search.html?q=backpropagation"), wait_until="load")
        found = {_local(h)[len(base_url) :] for h in tab.evaluate(SEARCH_JS)}
    finally:
        context.close()
    missing = sorted(hyphenated - found)
    assert not missing, (
        f"searching 'backpropagation' misses {missing} (found {sorted(found)})"
    )


# --- every page ----------------------------------------------------------------------------------


@page_params
def test_math_is_typeset(page, visits):
    v = visits(page)
    data = v.require()
    if data["math"] == 0:
        assert data["containers"] == 0
        return
    assert v.wait == "ok", f"MathJax did not finish within {MATHJAX_TIMEOUT_MS} ms"
    assert data["mathjaxVersion"], (
        f"MathJax did not start; scripts: {data['mathjaxScripts']}"
    )
    assert not data["untypeset"], (
        f"{len(data['untypeset'])} of {data['math']} equations not typeset, e.g. {data['untypeset'][:3]}"
    )
    assert data["containers"] >= data["math"]
    assert not data["merrors"], f"MathJax TeX errors: {data['merrors'][:5]}"
    loaded = [family for family, status in data["mjxFonts"] if status == "loaded"]
    assert loaded, (
        f"no MathJax font loaded (glyphs would fall back): {data['mjxFonts']}"
    )


@page_params
def test_no_raw_tex_in_visible_text(page, visits):
    visits(page).require()
    text = visits(page).visible_text
    found = []
    for pattern, what in RAW_TEX:
        for m in pattern.finditer(text):
            snippet = text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
            found.append(f"{what}: ...{snippet}...")
    assert not found, "raw TeX in the visible text (outside code):\n" + "\n".join(
        found[:10]
    )


@page_params
def test_images_loaded(page, visits):
    data = visits(page).require()
    broken = [img["src"] for img in data["images"] if not img["ok"]]
    assert not broken, (
        f"{len(broken)} of {len(data['images'])} images did not load: {broken}"
    )


@page_params
def test_figures_on_white_in_dark_mode(page, visits):
    v = visits(page)
    v.require()
    dark = [
        f
        for f in v.dark_figures
        if f["background"] not in ("rgb(255, 255, 255)", "#ffffff")
    ]
    assert not dark, f"figures without a white ground in dark mode: {dark}"


@page_params
def test_no_console_errors(page, visits):
    v = visits(page)
    v.require()
    errors = v.console_errors
    assert not errors, "console errors:\n" + "\n".join(errors)


@page_params
def test_local_requests_succeed(page, visits):
    v = visits(page)
    v.require()
    failed = v.log["failed"]
    assert not failed, "requests to the book's server failed:\n" + "\n".join(failed)


@page_params
def test_no_request_leaves_localhost(page, visits):
    v = visits(page)
    v.require()
    # Nothing is allowed: with no network, every such request is a font, script or
    # stylesheet missing from the page. Links (Binder, Colab, GitHub) are not requests.
    blocked = sorted(set(v.log["blocked"]))
    assert not blocked, (
        "requests off localhost (the book must work offline):\n" + "\n".join(blocked)
    )


@page_params
def test_code_fits_the_column(page, visits):
    """At 1280x900 no code cell, source or output, scrolls sideways."""
    v = visits(page)
    v.require()
    over = v.code["overflowing"]
    assert not over, (
        f"{len(over)} of {v.code['cells']} code blocks scroll sideways at 1280x900:\n"
        + "\n".join(
            f"{c['kind']} in {c['section']} ({c['scrollWidth']} > {c['clientWidth']} px): {c['line']}"
            for c in over
        )
    )


@page_params
def test_phone_page_does_not_scroll_sideways(page, visits):
    """At 390 px the page never scrolls sideways; wide equations and tables scroll in their box."""
    v = visits(page)
    v.require()
    n = v.narrow
    assert n["pageScrollWidth"] <= n["pageClientWidth"], (
        f"the page scrolls sideways at 390 px: {n['pageScrollWidth']} > {n['pageClientWidth']} px"
    )
    assert not n["bad"], (
        "wide boxes that neither fit nor scroll in their own box at 390 px:\n"
        + "\n".join(
            f"{b['what']} in {b['section']} ({b['scrollWidth']} > {b['clientWidth']} px): {b['text']}"
            for b in n["bad"]
        )
    )


@page_params
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_accessibility(page, mode, visits):
    """axe-core: no critical or serious violation (moderate and minor ones are in the report)."""
    v = visits(page)
    v.require()
    failing = [x for x in v.axe[mode] if x["impact"] in FAILING_IMPACTS]
    assert not failing, (
        f"axe ({mode} mode) finds {len(failing)} critical/serious violations:\n"
        + "\n".join(
            f"{x['impact']} {x['id']} x{x['nodes']}: {x['help']} -- {x['targets']}"
            for x in failing
        )
    )


@page_params
def test_printed_page(page, visits):
    """On paper: the numbered title, no toggle, no clipped code, the solutions open."""
    v = visits(page)
    data = v.require()
    printed = v.printed
    assert printed["h1"][:1] == [data["h1"]], (
        f"printed title {printed['h1'][:2]} is not the page's title {data['h1']!r}"
    )
    if page.numbered:
        assert re.match(r"^\d+\. ", data["h1"]), (
            f"the title of a numbered chapter has no number: {data['h1']!r}"
        )
    assert not printed["toggles"], f"toggles printed: {printed['toggles']}"
    assert not printed["clipped"], f"code clipped on paper: {printed['clipped']}"
    assert not printed["closedSolutions"], (
        f"{printed['closedSolutions']} solutions printed closed"
    )


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
    assert v.menus and not hidden, (
        f"header menus do not show these entries when clicked: {hidden}"
    )

    notebook = f"{page.name}.ipynb"
    in_repo = "/".join(
        filter(
            None, [CONFIG["repository"].get("path_to_book", "").strip("/"), notebook]
        )
    )
    # JupyterLab's file path (lab/tree/) or the classic one (tree/), as _config.yml says
    interface = CONFIG["launch_buttons"].get("notebook_interface", "classic")
    tree = "lab/tree" if interface == "jupyterlab" else "tree"
    binder = f"{BINDER}/v2/gh/{REPOSITORY}/{BRANCH}?urlpath={tree}/{in_repo}"
    colab = f"{COLAB}/github/{REPOSITORY}/blob/{BRANCH}/{in_repo}"
    links = data["links"]
    assert binder in links, f"no Binder launch link {binder}"
    assert colab in links, f"no Colab launch link {colab}"

    source = urljoin(base_url, f"_sources/{notebook}")
    assert source in data["downloads"], (
        f"no download button for {notebook}: {data['downloads']}"
    )
    assert data["printButton"], "no 'print to PDF' download button"
    context = browser.new_context()
    try:
        response = context.request.get(source)
        assert response.ok, f"{source}: HTTP {response.status}"
        assert response.json()["cells"], f"{source} is not a notebook"
    finally:
        context.close()
