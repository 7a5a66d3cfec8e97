#!/usr/bin/env python
"""Run the django_ses test suite.

    python -m pip install -e '.[dev]' && python runtests.py [pytest arguments]

Runs on SQLite and a local-memory cache by default. Set DATABASE_URL (PostgreSQL)
and REDIS_URL to run the service tests as well; otherwise they are skipped with
a message saying why. Installs nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent
    os.chdir(root)
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    try:
        import pytest
    except ImportError:
        print(
            "pytest is missing. Install the development extra first:\n"
            "    python -m pip install -e '.[dev]'",
            file=sys.stderr,
        )
        return 2
    return pytest.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
