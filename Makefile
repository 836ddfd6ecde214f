# acoustid-pg: build, install, test, benchmark and lint everything from here.
PG_CONFIG ?= pg_config
# The venv's interpreter must be readable by the unprivileged server user too.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
VENV ?= .venv
PY = $(VENV)/bin/python
PKGLIBDIR = $(shell $(PG_CONFIG) --pkglibdir)

.PHONY: all deps ext venv install check-installed test test-quick check-all coretest fuzz pytest bench lint demo dist clean

all: ext venv

# System packages (apt); installs only what is missing, and only as root.
deps:
	@scripts/install-deps

ext: deps
	$(MAKE) -C ext PG_CONFIG=$(PG_CONFIG)

venv: $(VENV)/.installed

$(VENV)/.installed: | deps
$(VENV)/.installed: pyproject.toml setup.py $(wildcard ext/src/core/*.c ext/src/core/*.h python/acoustid_pg/_build_core.py python/acoustid_pg/_copy_rows.[ch])
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# Installs the extension into the PostgreSQL found by pg_config (needs root).
install: ext
	@if [ ! -w "$(PKGLIBDIR)" ]; then \
		echo "make install writes into $(PKGLIBDIR): run 'sudo make install' (or as root)"; exit 1; fi
	$(MAKE) -C ext install PG_CONFIG=$(PG_CONFIG)

# Tests need the current build installed: install it when we may, else insist.
check-installed: ext
	@if [ -w "$(PKGLIBDIR)" ]; then $(MAKE) --no-print-directory install; \
	elif ! cmp -s ext/acoustid.so "$(PKGLIBDIR)/acoustid.so"; then \
		echo "the installed acoustid extension is missing or older than this build: run 'sudo make install'"; exit 1; fi

coretest:
	$(MAKE) -C ext coretest

# libFuzzer on the core for FUZZ_SECONDS (default 60)
fuzz:
	$(MAKE) -C ext fuzz

pytest: check-installed venv
	$(PY) -m pytest $(PYTEST_ARGS)

test: coretest fuzz pytest

# The edit loop: the core's unit tests, pg_regress and the driver tests (no fuzzing, no
# schema, command-line or reliability suites). make test and CI still run everything.
test-quick: coretest check-installed venv
	$(PY) -m pytest -q tests/extension/test_regress.py tests/driver $(PYTEST_ARGS)

# The whole suite: the linters, then every test (the reliability and security suites -- crashes,
# full disk, load, backups, replicas, injection -- are part of make test; nothing is kept apart).
check-all: lint test

bench: check-installed venv
	$(PY) -m bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check python tests bench
	$(VENV)/bin/ruff format --check python tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/sqlfluff lint --disable-progress-bar sql migrations ext/sql

demo: check-installed venv
	$(VENV)/bin/acoustid-pg demo

# PGXN zip of the committed extension sources, in dist/.
dist:
	$(MAKE) -C ext dist

clean:
	$(MAKE) -C ext clean
	rm -rf build dist python/*.egg-info python/acoustid_pg/_core*.so python/acoustid_pg/_core*.c
