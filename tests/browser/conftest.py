"""Servers and a browser for the browser tests: one JupyterLab and one Voila (`make voila`) per
session on 127.0.0.1 with a token, and Debian's Chromium driven by Playwright.

The two editions of the lessons: Voila serves notebooks/ as committed (the teacher's edition,
solutions in place); JupyterLab serves a temporary folder holding `student/`, the student edition
(made by lesson_lib.student_edition, as `make student` makes it), and `teacher/`, the teacher's
exercise cells (only opened, never run).

Without Chromium or Playwright the tests skip and say why; LESSON_LIB_REQUIRE_BROWSER=1 (CI)
turns that skip into a failure. LESSON_LIB_CHROMIUM names another Chromium binary.
Screenshots go to test-artifacts/browser/ (LESSON_LIB_ARTIFACTS to change).
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from browser_settings import CHROMIUM, REQUIRED, chromium_found, lesson_key

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = Path(os.environ.get("LESSON_LIB_ARTIFACTS", ROOT / "test-artifacts" / "browser"))
# The launch flags that work for Debian's Chromium in containers (see ../shared/DESIGN.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# JupyterLab user settings: no news or update toast, every cell rendered (no virtual scrolling),
# and no autosave, so running the lessons never rewrites the stored notebooks.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}
SERVER_START_SECONDS = 180


def unavailable(reason):
    """Skip, or fail when the browser tests are required (CI)."""
    if REQUIRED:
        pytest.fail(f"browser tests required (LESSON_LIB_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, timeout=10):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, b""


@dataclass
class Server:
    name: str
    base: str
    token: str
    process: subprocess.Popen
    log: Path
    probe: str = "/api/kernels"  # answers 200 once the server is up

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def log_text(self):
        return self.log.read_text(errors="replace")

    def shut_down_kernel(self, kernel_id):
        http("DELETE", self.url(f"/api/kernels/{kernel_id}"), timeout=60)

    def shut_down_kernels(self):
        """End every session and kernel the server lists (JupyterLab; Voila lists none)."""
        status, body = http("GET", self.url("/api/sessions"))
        if status == 200:
            for session in json.loads(body):
                http("DELETE", self.url(f"/api/sessions/{session['id']}"), timeout=60)
        status, body = http("GET", self.url("/api/kernels"))
        if status == 200:
            for kernel in json.loads(body):
                self.shut_down_kernel(kernel["id"])

    def stop(self):
        """Kernels first, then the server's process group, then any kernel process left over
        (kernels run in sessions of their own, so the group signal does not reach them)."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.shut_down_kernels()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        _, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            child.kill()


def isolated_env(tmp):
    """Jupyter's and IPython's runtime, config and data dirs in `tmp`: nothing is written to $HOME."""
    dirs = {"JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
            "IPYTHONDIR": "ipython"}
    for sub in dirs.values():
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    return {**os.environ, **{key: str(tmp / sub) for key, sub in dirs.items()}}


def wait_until_up(server):
    deadline = time.time() + SERVER_START_SECONDS
    while time.time() < deadline:
        if server.process.poll() is not None:
            break
        if http("GET", server.url(server.probe))[0] == 200:
            return server
        time.sleep(0.5)
    server.stop()
    pytest.fail(f"{server.name} did not start on {server.base}; its log:\n{server.log_text()[-3000:]}",
                pytrace=False)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed (pip install -e '.[test]')")
    if not chromium_found():
        unavailable(f"no Chromium at {CHROMIUM} (as root: apt-get install -y chromium; .ci/run does this)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


SAVED = []  # the screenshot folder, once this session writes to it


@pytest.fixture(scope="session")
def artifacts():
    """A clean folder for this session's screenshots."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    SAVED.append(ARTIFACTS)
    return ARTIFACTS


@dataclass
class Editions:
    root: Path  # JupyterLab's root folder
    student: str = "student"  # its folder with the student edition
    teacher: str = "teacher"  # its folder with the teacher's exercise cells


def exercise_cells_only(lesson):
    """The lesson as committed with only its exercise cells (nbgrader's `solution` flag) and the
    checker cell after each, metadata and outputs as they are: what the collapsed-solution check
    opens (rendering a whole lesson's outputs costs seconds and shows nothing more about them)."""
    notebook = json.loads(lesson.read_text())
    cells = notebook["cells"]
    keep = [i + k for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("solution")
            for k in (0, 1) if i + k < len(cells)]
    notebook["cells"] = [cells[i] for i in sorted(set(keep))]
    return notebook


@pytest.fixture(scope="session")
def editions(tmp_path_factory):
    """A folder with the student edition of notebooks/ in student/ (as `make student` makes it) and,
    in teacher/, the exercise cells of each lesson as committed (see exercise_cells_only); the same
    of the Chinese twins in student/zh and teacher/zh."""
    from lesson_lib.student_edition import write_student_edition

    editions = Editions(tmp_path_factory.mktemp("editions"))
    for lessons in (NOTEBOOKS, NOTEBOOKS / "zh"):  # the Chinese twins in student/zh and teacher/zh
        where = lessons.relative_to(NOTEBOOKS)
        write_student_edition(lessons, editions.root / editions.student / where)
        (editions.root / editions.teacher / where).mkdir(parents=True)
        for lesson in lessons.glob("*.ipynb"):
            (editions.root / editions.teacher / where / lesson.name).write_text(
                json.dumps(exercise_cells_only(lesson)))
    return editions


@pytest.fixture(scope="session")
def lab(browser, editions, tmp_path_factory):
    """A JupyterLab serving the `editions` folder on 127.0.0.1 with a token, its app exposed to
    the page as window.jupyterapp (to open a lesson without a kernel); its kernels are shut down
    at the end."""
    tmp = tmp_path_factory.mktemp("lab")
    for plugin, values in LAB_SETTINGS.items():
        path = tmp / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(24)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={editions.root}", f"--LabApp.user_settings_dir={tmp / 'settings'}",
               f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
               # the checkpoint JupyterLab makes when it opens a notebook goes to tmp
               f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp / "lab.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env=isolated_env(tmp), start_new_session=True)
    server = wait_until_up(Server("JupyterLab", f"http://127.0.0.1:{port}", token, process, log))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def voila(browser, tmp_path_factory):
    """`make voila` (app mode) on a free port; its kernels (one per page) are shut down at the end."""
    if shutil.which("make") is None:
        unavailable("make is not installed")
    tmp = tmp_path_factory.mktemp("voila")
    port = free_port()
    # Run the Makefile's own command with this interpreter, without (re)installing the kit.
    flags = f"--no-browser --port={port} --Voila.port_retries=0 --VoilaConfiguration.show_tracebacks=True"
    command = ["make", "--no-print-directory", "-o", ".venv/.lab-installed", "voila",
               f"BIN={Path(sys.executable).parent}", f"VOILA_FLAGS={flags}"]
    log = tmp / "voila.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env=isolated_env(tmp), start_new_session=True)
    deadline = time.time() + SERVER_START_SECONDS
    found = None
    while found is None and time.time() < deadline and process.poll() is None:
        time.sleep(0.3)
        found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=(\w+)", log.read_text())
    server = Server("Voila", f"http://127.0.0.1:{port}", found.group(1) if found else "", process, log, "/")
    if not found:
        server.stop()
        pytest.fail(f"`make voila` printed no tokened URL on 127.0.0.1:{port}:\n{log.read_text()[-3000:]}",
                    pytrace=False)
    yield wait_until_up(server)
    server.stop()


# A lesson's tests run together, in this order: the student edition in JupyterLab (which starts
# loading the lesson's Voila page; see AppPages in test_lessons_in_browser.py), the teacher's edition
# opened in JupyterLab, the teacher's edition in Voila. Voila pages are opened only for selected tests.
VOILA_SELECTED = pytest.StashKey[set]()
ORDER = ("test_student_edition_in_jupyterlab", "test_solutions_collapsed_in_jupyterlab",
         "test_teacher_edition_in_voila")
LAB_TEST, VOILA_TEST = ORDER[0], ORDER[2]


def lesson_of(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("lesson") if callspec and item.originalname in ORDER else None


def pytest_collection_modifyitems(items):
    places = [i for i, item in enumerate(items) if lesson_of(item)]
    ordered = sorted((items[i] for i in places), key=lambda item: (lesson_key(lesson_of(item), NOTEBOOKS),
                                                                   ORDER.index(item.originalname)))
    for i, item in zip(places, ordered, strict=True):
        items[i] = item


def pytest_collection_finish(session):
    session.config.stash[VOILA_SELECTED] = {lesson_key(lesson_of(item), NOTEBOOKS) for item in session.items
                                            if lesson_of(item) and item.originalname == VOILA_TEST}


@pytest.fixture(scope="session")
def voila_selected(request):
    return request.config.stash.get(VOILA_SELECTED, set())


def pytest_terminal_summary(terminalreporter):
    if SAVED:
        terminalreporter.write_line(f"browser screenshots: {SAVED[0]}")
