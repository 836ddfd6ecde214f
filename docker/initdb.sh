#!/usr/bin/env bash
# First start of the container: create the three acoustid databases, their
# extensions and schemas. The image's entrypoint runs it with the server up.
set -euo pipefail
acoustid-pg init --host "${PGHOST:-/var/run/postgresql}" --user "${POSTGRES_USER:-postgres}"
