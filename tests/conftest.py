"""The fixtures every test may use, declared once for the whole suite.

Tests are grouped by layer: ``extension/`` (the C functions), ``schema/`` (tables,
triggers, migrations, SQL functions), ``driver/`` (the Python API), ``cli/`` (the
command line, demo and packaging) and ``reliability/`` (faults, load, backups, security).
Shared helpers live in ``support/``.
"""

pytest_plugins = [
    "tests.support.fixtures_cluster",
    "tests.support.fixtures_management",
    "tests.support.fixtures_driver",
    "tests.support.acoustid_server",
    "tests.support.fixtures_musicbrainz",
    "tests.support.fixtures_web",
    "tests.support.fixtures_messaging",
]
