# Back-propagation, derived and verified — build and check the course and mlpcore.
#
#   make book       build the book (warnings are errors) into _build/html
#   make test       unit tests + notebook hygiene, nbval on every chapter, strict book build
#   make notebooks  re-execute every chapter notebook in place, reproducibly
#   make bench      run the benchmarks (benchmarks/run.py)
#   make clean      remove build output and caches
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

# Same hash seed and no progress bars wherever notebooks run, so outputs are reproducible.
RUN_ENV = PYTHONHASHSEED=0 TQDM_DISABLE=1
# A kernel that inherits MPLBACKEND=Agg drops the text/plain of figure cells, so the
# stored outputs would no longer match under nbval (shared/TOOLCHAIN.md). Never pass it on.
unexport MPLBACKEND

# --all: an incremental Sphinx build does not re-read unchanged pages, so it does not repeat
# their warnings, and a second build after a failed one would pass. Rebuild everything.
JB_BUILD = $(BIN)/jupyter-book build . --all -W -n --keep-going
NBVAL = $(BIN)/pytest --nbval book --nbval-current-env \
        --nbval-sanitize-with tests/nbval_sanitize.cfg -q -p no:cacheprovider

.PHONY: help venv book test test-unit test-nbval notebooks bench clean

help:
	@echo "make book       build the book into _build/html (warnings are errors)"
	@echo "make test       unit tests, nbval on every chapter, strict book build"
	@echo "make notebooks  re-execute every chapter notebook in place"
	@echo "make bench      run benchmarks/run.py"
	@echo "make clean      remove _build and caches"

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

$(STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

# --- targets -----------------------------------------------------------------------

book: $(STAMP)
	$(JB_BUILD)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

test: test-unit test-nbval
	$(RUN_ENV) $(JB_BUILD)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# (a) library tests and notebook hygiene, with the coverage floor on mlpcore
test-unit: $(STAMP)
	$(RUN_ENV) $(BIN)/pytest tests -q --cov=mlpcore --cov-report=term-missing --cov-fail-under=95

# (b) every chapter re-run and compared with its stored outputs. pytest exits 5 when it
# collects nothing, so this step is skipped (loudly) while book/ has no notebook yet.
test-nbval: test-unit
	@if find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | grep -q .; then \
	    echo "$(RUN_ENV) $(NBVAL)"; \
	    $(RUN_ENV) $(NBVAL); \
	else \
	    echo "nbval: no notebook under book/ yet, nothing to check"; \
	fi

notebooks: $(STAMP)
	$(RUN_ENV) $(PY) scripts/execute_notebooks.py

bench: $(STAMP)
	@test -f benchmarks/run.py || { echo "benchmarks/run.py does not exist yet" >&2; exit 1; }
	$(RUN_ENV) $(PY) benchmarks/run.py

clean:
	rm -rf _build .pytest_cache .hypothesis htmlcov .coverage .coverage.*
	find . -path ./$(VENV) -prune -o \
	    \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +
