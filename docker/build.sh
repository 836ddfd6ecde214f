#!/usr/bin/env bash
# Builds and installs the acoustid extension into the local PostgreSQL and the
# acoustid-pg command line into a virtual environment at PREFIX.
# It is the Dockerfile's build step; CI runs it outside Docker as well.
set -euo pipefail

prefix=${1:?usage: docker/build.sh PREFIX}
src=$(cd "$(dirname "$0")/.." && pwd)
pg_major=${PG_MAJOR:-$(pg_config --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')}
build_deps=(build-essential "postgresql-server-dev-$pg_major" python3-dev)
# redis-server: `acoustid-pg serve` starts a private one when no Redis is given
run_deps=(python3 python3-venv libchromaprint-tools redis-server)

missing=()
for package in "${build_deps[@]}" "${run_deps[@]}"; do
	dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# the JIT bitcode needs clang, which a server image does not carry
make -s -C "$src/ext" with_llvm=no PG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config"
make -s -C "$src/ext" install with_llvm=no PG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config"

/usr/bin/python3 -m venv "$prefix"
"$prefix/bin/pip" install -q --disable-pip-version-check "$src"

if [ "${ACOUSTID_PURGE_BUILD_DEPS:-0}" = 1 ]; then
	apt-get purge -y -qq --auto-remove "${build_deps[@]}" >/dev/null
	rm -rf /var/lib/apt/lists/*
fi
echo "acoustid extension installed for PostgreSQL $pg_major; command line in $prefix/bin"
