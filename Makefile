# The project's front door: every target sets up .venv itself when it is missing or stale.
# `make run` installs only what running needs; `make test` and `make lint` add the dev group (test tools).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

CHROMIUM := /usr/bin/chromium
# Tests in parallel (pytest-xdist): most of the suite waits on subprocesses, brokers and databases, so more
# processes than cores keep two cores busy (measured: 1,023 s serial, 448 s with four, on the same 2-core
# machine). Five rather than four: with four the cores still sat a fifth of the run idle while tests waited on
# real time (docs/benchmarks.md, "Test suite time": 101 to 102 s against 108 to 109 s, one after the other).
TEST_WORKERS ?= 5

.PHONY: run test lint bench clean systemd-analyze browser screenshots

$(RUNTIME): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $(DEV)

# tests/deploy checks deploy/schedops.service with systemd-analyze (Debian's systemd package): installed here
# when missing and possible (root with apt-get); otherwise that test is skipped and says why.
systemd-analyze:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			{ apt-get update -q >/dev/null 2>&1; apt-get install -y --no-install-recommends systemd >/dev/null; } || echo "make: could not install systemd; tests/deploy will skip"; \
		else echo "make: systemd-analyze missing and not installable here (need root and apt-get); tests/deploy will skip"; fi; }

run: $(RUNTIME)
	$(BIN)/python -m bot run

# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (this machine sets it): otherwise every test
# process and every subprocess recompiles what it imports, and pytest rewrites every test module again in each
# of the test processes. Beside the sources (__pycache__, ignored by git), not under a PYTHONPYCACHEPREFIX: a
# prefix hides the bytecode pip compiled when it installed the libraries, so a fresh clone's first run compiled
# all of them again, in each test process at once.
test: $(DEV) systemd-analyze browser
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# The browser tests drive Debian's Chromium (never Playwright's own download). Install it when missing and
# we may (root, or password-less sudo); otherwise those tests say why they did not run (and fail when CI=true).
browser:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
		if [ "$$SUDO" != none ] && command -v apt-get >/dev/null; then \
			echo "installing chromium (Debian) for the browser tests"; \
			{ $$SUDO apt-get update -q >/dev/null 2>&1; \
			  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-color-emoji >/dev/null; } \
				|| echo "make: could not install chromium; the browser tests will not run"; \
		else echo "make: $(CHROMIUM) is missing and cannot be installed here; the browser tests will not run"; fi; }

screenshots: $(DEV) browser
	$(BIN)/python scripts/screenshots.py

# The whole tree, so a new top-level package is linted without anyone remembering to list it here.
lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(DEV)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
