# Chinese government final accounts (部门决算) notebook suite.
# Three commands do all set-up on a fresh machine with python3 and make:
#   make reports   — clean data + notebooks + HTML reports for every raw report
#   make test      — unit, data-validation and notebook (nbval) tests
#   make lab       — JupyterLab on notebooks/ with the project's kernel
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements.lock tools/quiet_kernel.py | cksum | cut -d' ' -f1)
YEARS ?=
DEPARTMENTS ?=
JOBS ?= 2
SCHEDULER ?=
FORCE ?=
PLAN ?=
SELECT = $(if $(YEARS),--years $(YEARS)) $(if $(DEPARTMENTS),--departments $(DEPARTMENTS))
CLUSTER = $(if $(SCHEDULER),--scheduler $(SCHEDULER))
INCREMENTAL = $(if $(filter-out 0,$(FORCE)),--force) $(if $(filter-out 0,$(PLAN)),--plan)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help env data notebooks lab reports test test-fast test-slow test-browser bench clean distclean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): requirements.txt requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c requirements.lock
	$(PY) -c "import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'juesuan-src.pth').write_text('$(CURDIR)/src\n')"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (juesuan)" >/dev/null
	$(PY) tools/quiet_kernel.py $(VENV)/share/jupyter/kernels/python3/kernel.json
	$(PY) -m juesuan.render.fonts
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

env: $(STAMP) ## Create the virtual environment from the pinned requirements

data: $(STAMP) ## Parse + validate every report under data/raw into data/clean (YEARS=, DEPARTMENTS=, SCHEDULER=)
	$(PY) -m juesuan data $(SELECT) $(CLUSTER)

reports: $(STAMP) ## Run the steps whose inputs changed, render HTML reports (YEARS=, DEPARTMENTS=, JOBS=, SCHEDULER=tcp://HOST:8786, FORCE=1 all, PLAN=1 only print the plan)
	$(PY) -m juesuan reports $(SELECT) --jobs $(JOBS) $(CLUSTER) $(INCREMENTAL)

SUITE_CLEAN := data/clean/.suite

notebooks: $(STAMP) ## Sync each notebook with its .py twin (the newer wins) and re-execute it in place on the committed reports (commit both)
	$(PY) tools/suite_data.py $(SUITE_CLEAN)
	JUESUAN_CLEAN_ROOT=$(CURDIR)/$(SUITE_CLEAN) $(PY) tools/notebooks.py

lab: data ## Open JupyterLab on notebooks/ with the project's kernel (Ctrl-C stops it; LAB_ARGS= for more options)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

CHROMIUM ?= $(firstword $(shell command -v chromium chromium-browser google-chrome 2>/dev/null))
# Debian's chromium for tests/test_browser.py, installed once when missing: as root (CI) or with
# password-less sudo; otherwise the browser module skips with its reason (and fails under CI=…)
define ENSURE_CHROMIUM
	@if [ -z "$(CHROMIUM)" ] && [ -z "$$JUESUAN_CHROMIUM" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi; \
	  if [ "$$sudo" != none ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium for the browser check (apt-get, once)"; t0=$$(date +%s); \
	    { $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	      && echo "chromium installed in $$(( $$(date +%s) - t0 )) s" \
	      || echo "could not install chromium: tests/test_browser.py skips (fails under CI)"; \
	  else echo "no chromium and no way to install it: tests/test_browser.py skips (fails under CI)"; fi; \
	fi
endef

test: $(STAMP) ## Unit, data-validation, fuzz share, nbval and browser tests (installs chromium when missing)
	$(ENSURE_CHROMIUM)
	$(PY) -m pytest -q -p no:cacheprovider

test-slow: $(STAMP) ## The long property-based suite (≥ 10,000 cases)
	$(PY) -m pytest -q -p no:cacheprovider -m slow tests/

test-browser: $(STAMP) ## Reports in headless Chromium (installs Debian's chromium when missing); screenshots in reports/screenshots/
	$(ENSURE_CHROMIUM)
	$(PY) -m pytest -q -p no:cacheprovider tests/test_browser.py

bench: data ## Benchmarks (parse+validate, notebooks, HTML, batch throughput)
	$(PY) benchmarks/bench.py

clean: ## Remove generated data and reports (keeps the environment)
	rm -rf data/clean/[0-9]* data/clean/panel data/clean/.suite reports/[0-9]* reports/index.html reports/summary.json

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV)
