# Back-propagation, derived and verified — build and check the course and mlpcore.
#
#   make book          build the book (warnings are errors) into _build/html
#   make test          ruff, then side by side: unit tests + notebook hygiene and nbval on
#                      every chapter | the strict book build and every page of the book in
#                      headless Chromium (offline); prints the time of each step at the end
#   make test-code     only the unit tests, then nbval (lane 1 of make test)
#   make test-book     only the strict book build and the browser test (lane 2)
#   make test-nbval    only nbval; NAMES="05_x speed" checks only those chapters
#   make test-browser  only the browser test, on the book already in _build/html
#   make notebooks     re-execute every chapter notebook in place, reproducibly, and
#                      regenerate book/status.md (versions, chapter timings);
#                      NAMES="05_x speed" re-executes only those chapters
#   make lab           open the chapters in JupyterLab (installs the learner's set:
#                      requirements/learner.txt, with jupyterlab-myst)
#   make lint          ruff: lint and format check of mlpcore, tests, scripts, benchmarks
#   make test-min      the library's tests on the oldest Python and versions pyproject.toml
#                      declares (requirements/minimum.txt), in a venv of their own
#   make pdf           the whole book as one PDF through LaTeX (_build/latex/book.pdf),
#                      copied into _build/html/ for the site, then checked (tests/pdf)
#   make bench         run the benchmarks (benchmarks/run.py)
#   make clean         remove build output and caches (keeps .venv and _vendor)
#
# Every target first makes sure $(VENV) exists and holds requirements.txt.

SHELL := /bin/sh
.DEFAULT_GOAL := help

PYTHON3 ?= python3
VENV ?= .venv
PY = $(VENV)/bin/python
BIN = $(VENV)/bin
# Touched after a successful install; newer requirements.txt / pyproject.toml re-install.
STAMP = $(VENV)/.installed
# The same for the learner's set (make lab), which the maintainers' set does not hold.
LAB_STAMP = $(VENV)/.installed-lab

# Same hash seed and no progress bars wherever notebooks run, so outputs are reproducible.
RUN_ENV = PYTHONHASHSEED=0 TQDM_DISABLE=1
# A kernel that inherits MPLBACKEND=Agg drops the text/plain of figure cells, so the
# stored outputs would no longer match under nbval (shared/TOOLCHAIN.md). Never pass it on.
unexport MPLBACKEND

# --all: an incremental Sphinx build does not re-read unchanged pages, so it does not repeat
# their warnings, and a second build after a failed one would pass. Rebuild everything.
JB_BUILD = $(BIN)/jupyter-book build . --all -W -n --keep-going
# tests/nbval_report.py words a failure for a teacher: the cell as Jupyter numbers it, its
# first line, "stored:" then "now:", and the remedy (python -m: tests/ is then importable).
# Two chapters run at a time (pytest-xdist; one file stays on one worker), longest first
# (tests/nbval_order.py), and beside them tests/package, which builds the wheel and runs a
# chapter from it in a new venv. NAMES="05_x speed" checks only those chapters.
NBVAL_PATHS = $(if $(NAMES),$(addprefix book/,$(addsuffix .ipynb,$(basename $(notdir $(NAMES))))),book tests/package)
NBVAL = $(PY) -m pytest -p tests.nbval_report -p tests.nbval_order --nbval $(NBVAL_PATHS) \
        --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -q \
        -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder
# Every page of _build/html in headless Chromium (Debian's chromium-headless-shell, else its
# chromium), two pages at a time, served on localhost with every other request blocked.
# Screenshots: _build/screenshots/.
BROWSER_TEST = $(BIN)/pytest tests/browser -q -p no:cacheprovider

# The time of each step, appended to $(TIMES) by scripts/timed.py as it ends; `make test`
# prints them all at the end. Side by side with `make -j2`; --output-sync (GNU make >= 4;
# macOS's make 3.81 interleaves the two lanes) prints each step's output whole when it ends.
TIMES = _build/test-times.tsv
TIMED = $(PYTHON3) scripts/timed.py $(TIMES)
SYNC = $(if $(filter 4.% 5.%,$(MAKE_VERSION)),--output-sync=target)

# MathJax, served with the book so that it works offline (_config.yml): a pinned copy from
# the npm registry, fetched once by scripts/fetch_mathjax.py into _vendor/ (git-ignored).
MATHJAX = _vendor/static/mathjax/.version
# axe-core, for the browser test's accessibility checks: pinned and checksummed the same way,
# by scripts/fetch_axe.py, into _vendor/axe/ (not published with the book).
AXE = _vendor/axe/.version
# The whole book as one PDF (make pdf): Sphinx's LaTeX builder, xelatex through latexmk.
PDF = _build/latex/book.pdf

.PHONY: help venv mathjax book test test-unit test-nbval test-code test-book test-build \
        test-browser notebooks lab bench clean lint test-min pdf

help:
	@echo "make book          build the book into _build/html (warnings are errors)"
	@echo "make test          lint; unit tests and nbval beside the strict book build and browser test"
	@echo "make test-code     only the unit tests, then nbval"
	@echo "make test-book     only the strict book build and the browser test"
	@echo "make test-nbval    only nbval (NAMES=\"05_x speed\": only those chapters)"
	@echo "make test-browser  open every page of _build/html in headless Chromium, offline"
	@echo "make notebooks     re-execute every chapter notebook in place; write book/status.md"
	@echo "                   (NAMES=\"05_x speed\": only those chapters)"
	@echo "make lab           open the chapters in JupyterLab (installs what it needs)"
	@echo "make lint          ruff check and format check (part of make test)"
	@echo "make test-min      library tests on the declared minimum Python and versions"
	@echo "make pdf           the whole book as one PDF (LaTeX), _build/latex/book.pdf, and its test"
	@echo "make bench         run benchmarks/run.py"
	@echo "make clean         remove _build and caches (keeps .venv and _vendor)"

# --- environment -------------------------------------------------------------------

venv: $(STAMP)

# Debian's python3 without the python3-venv package has no ensurepip: `venv` then fails
# and leaves a half-made folder. Fall back to a venv without pip and bootstrap pip into
# it with the interpreter's own pip (`pip --python`, pip >= 22.3).
$(PY):
	@echo "Creating $(VENV) with $(PYTHON3)"
	$(PYTHON3) -m venv $(VENV) || { \
	    echo "python3 -m venv failed (no ensurepip?); retrying with --without-pip" >&2; \
	    rm -rf $(VENV) && \
	    $(PYTHON3) -m venv --without-pip $(VENV) && \
	    $(PYTHON3) -m pip --python $(PY) install pip; }

$(STAMP): requirements.txt requirements/library.txt pyproject.toml | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

mathjax: $(MATHJAX)

# Needs npm once (`npm pack`, no node_modules); re-run when the pinned version changes.
$(MATHJAX): scripts/fetch_mathjax.py
	$(PYTHON3) scripts/fetch_mathjax.py

$(AXE): scripts/fetch_axe.py scripts/fetch_mathjax.py
	$(PYTHON3) scripts/fetch_axe.py

# --- targets -----------------------------------------------------------------------

book: $(STAMP) $(MATHJAX)
	$(JB_BUILD)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# (0) ruff; then two lanes side by side, as the machine has two cores and each lane waits
# part of the time: (a) the unit tests, then (b) nbval | (c) the strict book build, then (d)
# the browser test on the book just built. A failure in one lane lets the other finish (-k).
test: $(STAMP) $(MATHJAX) $(AXE)
	@mkdir -p _build && rm -f $(TIMES)
	@$(MAKE) --no-print-directory lint || { $(TIMED) --report; exit 1; }
	@echo "Side by side (make -j2), each step printed when it ends:"
	@echo "  unit tests, then nbval  |  the strict book build, then the browser test"
	@$(MAKE) --no-print-directory -k -j2 $(SYNC) test-code test-book; status=$$?; \
	    echo; echo "The time of each step ($(TIMES)):"; $(TIMED) --report; \
	    if [ $$status -eq 0 ]; then \
	        echo "The book is at file://$(CURDIR)/_build/html/index.html"; \
	        echo "Screenshots of its pages are in $(CURDIR)/_build/screenshots/"; \
	    fi; exit $$status

# (a) the unit tests, then (b) nbval: lane 1 of make test
test-code: test-unit
	@$(MAKE) --no-print-directory test-nbval

# (c) the strict book build, then (d) the browser test on the book just built: lane 2.
# Two targets, as in lane 1: --output-sync prints a target's output when the whole target
# ends, so the build's would otherwise wait for the browser test's.
test-book: test-build
	@$(MAKE) --no-print-directory test-browser

test-build: $(STAMP) $(MATHJAX)
	$(TIMED) build -- env $(RUN_ENV) $(JB_BUILD)

# (0) ruff, as configured in pyproject.toml
LINTED = mlpcore tests scripts benchmarks _ext
lint: $(STAMP)
	$(TIMED) ruff-check -- $(BIN)/ruff check $(LINTED)
	$(TIMED) ruff-format -- $(BIN)/ruff format --check $(LINTED)

# The declared floors, tested: the oldest Python that pyproject.toml's requires-python
# admits (pyenv's 3.10 when it is there, else $(PYTHON3)), with exactly the minimum versions
# of the dependencies, and mlpcore installed without the pinned set. Only the library's
# tests: the book's stored outputs belong to the pinned versions.
VENV_MIN ?= .venv-min
PYTHON_MIN ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3) \
                         $(wildcard /usr/bin/python3.10) $(PYTHON3))
BOOK_TESTS = tests/test_notebook_hygiene.py tests/test_first_cell.py \
             tests/test_nbval_report.py tests/test_figures.py tests/test_home_page.py \
             tests/test_nbval_order.py tests/test_timed.py
# The library's tests: tests/test_*.py but the book's and those of make test's own tools
# (timed.py, nbval_order.py); the folders under tests/ (browser, package, pdf) test the
# built book and the wheel.
LIBRARY_TESTS = $(filter-out $(BOOK_TESTS),$(wildcard tests/test_*.py))
MIN_STAMP = $(VENV_MIN)/.installed
$(MIN_STAMP): requirements/minimum.txt pyproject.toml
	rm -rf $(VENV_MIN)
	$(PYTHON_MIN) -m venv $(VENV_MIN)
	$(VENV_MIN)/bin/python -m pip install -q -r requirements/minimum.txt
	$(VENV_MIN)/bin/python -m pip install -q --no-deps -e .
	touch $@

test-min: $(MIN_STAMP)
	@$(VENV_MIN)/bin/python -c "import sys, numpy, scipy, sklearn, matplotlib; \
	print('test-min: Python', sys.version.split()[0], '| numpy', numpy.__version__, \
	'| scipy', scipy.__version__, '| scikit-learn', sklearn.__version__, \
	'| matplotlib', matplotlib.__version__)"
	$(RUN_ENV) $(VENV_MIN)/bin/python -m pytest $(LIBRARY_TESTS) -q -p no:cacheprovider \
	    -W ignore::DeprecationWarning

# (a) library tests and notebook hygiene, with the coverage floor on mlpcore. The browser
# test is not a unit test: it needs the built book and runs last (d).
test-unit: $(STAMP)
	$(TIMED) unit -- env $(RUN_ENV) $(BIN)/pytest tests -q --ignore=tests/browser \
	    --ignore=tests/package --ignore=tests/pdf \
	    --cov=mlpcore --cov-report=term-missing --cov-fail-under=95

# (b) every chapter re-run and compared with its stored outputs (alone, without the unit
# tests: make test-nbval NAMES=05_x). pytest exits 5 when it collects nothing, so this
# step is skipped (loudly) while book/ has no notebook yet.
test-nbval: $(STAMP)
	@if find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | grep -q .; then \
	    echo "$(RUN_ENV) $(NBVAL)"; \
	    $(TIMED) nbval -- env $(RUN_ENV) $(NBVAL); \
	else \
	    echo "nbval: no notebook under book/ yet, nothing to check"; \
	fi

# (d) alone, on the book already built (make book)
test-browser: $(STAMP) $(AXE)
	@test -f _build/html/index.html || { echo "no book in _build/html: run make book first" >&2; exit 1; }
	$(TIMED) browser -- $(BROWSER_TEST)
	@echo "Screenshots of every page are in $(CURDIR)/_build/screenshots/"

notebooks: $(STAMP)
	$(RUN_ENV) $(PY) scripts/execute_notebooks.py $(NAMES)

# The learner's route: JupyterLab on the chapters, with mlpcore installed from this clone
# (editable) and jupyterlab-myst rendering the MyST (equations, references, exercises with
# their solutions folded). On a fresh clone it creates .venv with the learner's set only.
# JupyterLab refuses to start as root without --allow-root (containers, CI machines).
# More options for it: make lab LAB_ARGS="--port 8890 --no-browser".
LAB_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_ARGS ?=

$(LAB_STAMP): requirements/learner.txt requirements/library.txt pyproject.toml | $(PY)
	$(PY) -m pip install -e . -r requirements/learner.txt
	touch $@

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --LabApp.default_url=/lab/tree/book $(LAB_ROOT) $(LAB_ARGS)

# The PDF: needs TeX (Debian: texlive-xetex texlive-latex-extra texlive-latex-recommended
# texlive-fonts-recommended latexmk xindy fonts-freefont-otf; .ci/run installs them). Copied
# into _build/html/ when the site is there, so the published book carries it (the home page
# links to it), then checked by tests/pdf (titles, no "??", figures, bibliography).
pdf: $(STAMP) $(MATHJAX)
	$(RUN_ENV) $(BIN)/jupyter-book build . --all -W -n --keep-going --builder pdflatex
	if [ -d _build/html ]; then cp $(PDF) _build/html/book.pdf; fi
	$(BIN)/pytest tests/pdf -q -p no:cacheprovider
	@echo "The book as one PDF: $(CURDIR)/$(PDF)"

bench: $(STAMP)
	@test -f benchmarks/run.py || { echo "benchmarks/run.py does not exist yet" >&2; exit 1; }
	$(RUN_ENV) $(PY) benchmarks/run.py

clean:
	rm -rf _build .pytest_cache .hypothesis htmlcov .coverage .coverage.*
	find . -path ./$(VENV) -prune -o \
	    \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +
