"""Where the browser tests find Chromium and whether they must run, read by tests/conftest.py (which
leaves to the browser suite the lessons it will run) and tests/browser/conftest.py (which runs it).

LESSON_LIB_CHROMIUM names another Chromium binary; LESSON_LIB_REQUIRE_BROWSER=1 (CI) turns a
missing browser from a skip into a failure."""

import os

CHROMIUM = os.environ.get("LESSON_LIB_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("LESSON_LIB_REQUIRE_BROWSER", "") not in ("", "0")


def chromium_found():
    return os.access(CHROMIUM, os.X_OK)


# The Chinese lessons (notebooks/zh, lesson_lib/twins.py) the browser suite runs beside the English
# ones: LESSON_LIB_BROWSER_ZH="all", "none", or lesson numbers "00,11". CI runs Lesson 0's twin
# (its playground, labels and figure in Chinese, glyphs checked); a full run of every twin is
# `LESSON_LIB_BROWSER_ZH=all pytest tests/browser -k zh/`.
ZH = os.environ.get("LESSON_LIB_BROWSER_ZH", "00").strip().lower()


def lessons(notebooks):
    """The lessons the browser suite runs: every English lesson, then the chosen Chinese twins."""
    english = sorted(notebooks.glob("*.ipynb"))
    twins = sorted((notebooks / "zh").glob("*.ipynb"))
    if ZH == "none":
        twins = []
    elif ZH != "all":
        wanted = {n.strip().zfill(2) for n in ZH.split(",") if n.strip()}
        unknown = wanted - {p.name[:2] for p in twins}
        if unknown:
            raise ValueError(f"LESSON_LIB_BROWSER_ZH names no Chinese lesson {sorted(unknown)}: use 'all', "
                             f"'none' or numbers of notebooks/zh/*.ipynb")
        twins = [p for p in twins if p.name[:2] in wanted]
    return english + twins


def lesson_key(lesson, notebooks):
    """A lesson's path under notebooks/ ("02_maml.ipynb", "zh/02_maml.ipynb"): its test id and the
    path JupyterLab and Voila serve it under."""
    return lesson.relative_to(notebooks).as_posix()
