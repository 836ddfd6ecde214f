"""``python -m acoustid_pg``: the ``acoustid-pg`` command line."""

import sys

from .cli import main

sys.exit(main())
