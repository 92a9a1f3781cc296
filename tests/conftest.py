"""Shared fixtures. Tests run on the CPU in float32 unless a test asks for float64."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from browser_settings import REQUIRED, chromium_found, lesson_key

import lesson_lib  # noqa: F401  (sets quiet TensorFlow logging before TF is imported)

os.environ.pop("LESSON_LIB_LANG", None)  # tests read the package's messages in English (test_i18n: Chinese)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def fake_images():
    """fake_images(characters) -> uint8 [characters, 20, 28, 28] Omniglot-shaped drawings:
    character c, drawing d has pixel (0, 0) = c, (0, 1) = d and an asymmetric mark, so every
    rotation is distinguishable."""

    def make(characters=30):
        images = np.zeros((characters, 20, 28, 28), np.uint8)
        images[:, :, 0, 0] = np.arange(characters)[:, None]
        images[:, :, 0, 1] = np.arange(20)[None, :]
        images[:, :, 5, 20] = 255
        return images

    return make


NOTEBOOK, BROWSER = pytest.mark.notebooks, pytest.mark.browser
BROWSER_RUN = pytest.StashKey[tuple]()
BROWSER_LOG = ROOT / "test-artifacts" / "browser-suite.log"


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config, items):
    """Mark the lessons (nbval) `notebooks` and everything under tests/browser `browser`, so
    `-m "not slow and not notebooks and not browser"` (make test-fast) can leave them out."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(NOTEBOOK)
        if "browser" in item.path.relative_to(ROOT).parts[:2]:
            item.add_marker(BROWSER)


def browser_can_run():
    """The browser tests will run rather than skip (tests/browser/conftest.py): Chromium and Playwright
    are there, or CI requires them (a missing one then fails those tests)."""
    return REQUIRED or (chromium_found() and importlib.util.find_spec("playwright") is not None)


def run_once(session):
    """Each lesson runs once per edition: a lesson whose teacher's edition the browser suite runs in
    Voila (every lesson with a playground: no error anywhere, every checker says "correct", the
    playgrounds work) is not run again by nbval, which checks only the first two; a lesson whose
    student edition the suite runs in JupyterLab (every checker answers "not yet implemented") is not
    run again by test_student_edition.py. Returns the lessons left out of either."""
    if not browser_can_run():
        return []

    def lessons_in(test):
        return {lesson_key(item.callspec.params["lesson"], ROOT / "notebooks") for item in session.items
                if getattr(item, "originalname", None) == test}

    in_voila = lessons_in("test_teacher_edition_in_voila")
    in_lab = lessons_in("test_student_edition_in_jupyterlab")
    twice = [item for item in session.items if item.path.suffix == ".ipynb"
             and lesson_key(item.path, ROOT / "notebooks") in in_voila]
    # the student edition's checkers saying "not yet implemented" is checked in JupyterLab too
    stubs = "test_a_student_lesson_runs_and_says_not_yet_implemented"
    twice += [item for item in session.items
              if getattr(item, "originalname", None) == stubs and item.callspec.params["name"] in in_lab]
    if twice:
        session.items[:] = [item for item in session.items if item not in twice]
        session.config.hook.pytest_deselected(items=twice)
    return sorted({item.path.name if item.path.suffix == ".ipynb" else item.callspec.params["name"]
                   for item in twice})


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Browser tests selected together with others run in their own pytest process, started now and
    run beside the rest (the two share the machine's cores; most of a browser test's time is a lesson's
    kernel or the browser, not this process): Playwright's sync API leaves its event loop marked as
    running in the process that used it, and in-process widget tests after it would schedule their
    redraws on a loop that never turns. Its output goes to test-artifacts/browser-suite.log and is
    printed when the rest has finished."""
    lessons = run_once(session)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if lessons and reporter:
        reporter.write_line(f"nbval and the student-edition check leave out {len(lessons)} lesson(s) that "
                            f"the browser suite runs (Voila, JupyterLab): {', '.join(lessons)}")
    items = session.items
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser and len(browser) < len(items):
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        session.config.hook.pytest_deselected(items=browser)
        if session.config.option.collectonly:
            return
        BROWSER_LOG.parent.mkdir(parents=True, exist_ok=True)
        log = BROWSER_LOG.open("w")
        process = subprocess.Popen([sys.executable, "-m", "pytest", *[item.nodeid for item in browser]],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        session.config.stash[BROWSER_RUN] = (process, log)
        if reporter:
            reporter.write_line(f"{len(browser)} browser tests run beside these, in their own process "
                                f"(pid {process.pid}); their report: {BROWSER_LOG.relative_to(ROOT)}")


def pytest_sessionfinish(session, exitstatus):
    """Wait for the browser tests' process (stopped if this session was interrupted), print its
    report, and fail the session when it failed."""
    started = session.config.stash.get(BROWSER_RUN, None)
    if not started:
        return
    process, log = started
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        process.terminate()
    print(f"\n\n=== browser tests, in their own process (pid {process.pid}) ===", flush=True)
    returncode = process.wait()
    log.close()
    print(BROWSER_LOG.read_text(), flush=True)
    if returncode not in (0, 5):  # 5: nothing collected
        session.exitstatus = returncode
