# The project's front door: every target sets up .venv itself when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench clean browser screenshots

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium (never Playwright's own download). Install it when missing and
# we may (root, or password-less sudo); otherwise those tests say why they did not run (and fail when CI=true).
browser:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
		if [ "$$SUDO" != none ] && command -v apt-get >/dev/null; then \
			echo "installing chromium (Debian) for the browser tests"; \
			DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-color-emoji >/dev/null \
				|| echo "make: could not install chromium; the browser tests will not run"; \
		else echo "make: $(CHROMIUM) is missing and cannot be installed here; the browser tests will not run"; fi; }

screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check core application bot schedops sandbox tests bench scripts
	$(BIN)/ruff format --check core application bot schedops sandbox tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
