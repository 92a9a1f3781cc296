"""Where the browser tests find Chromium and whether they must run, read by tests/conftest.py (which
leaves to the browser suite the lessons it will run) and tests/browser/conftest.py (which runs it).

LESSON_LIB_CHROMIUM names another Chromium binary; LESSON_LIB_REQUIRE_BROWSER=1 (CI) turns a
missing browser from a skip into a failure."""

import os

CHROMIUM = os.environ.get("LESSON_LIB_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("LESSON_LIB_REQUIRE_BROWSER", "") not in ("", "0")


def chromium_found():
    return os.access(CHROMIUM, os.X_OK)
