"""Every lesson in a real browser, in both editions, each lesson run twice at most:
- the student edition (`make student`: exercise stubs, no outputs) in JupyterLab, as a student meets
  it: open, run all cells, no error or traceback anywhere, every exercise's checker answers "not yet
  implemented", every playground works;
- the teacher's edition (notebooks/ as committed, solutions in place): its exercise cells opened
  in JupyterLab without a kernel: every exercise's solution is collapsed and a click shows it;
- the teacher's edition in app mode (`make voila`), for the lessons with a playground: no error,
  every exercise's checker answers "correct", every playground works.

The contract a playground keeps so that this suite finds and checks it (lesson_lib/widgets.py;
a new lesson's playground follows it and is then tested with no change here):
- its root widget has the CSS class `pg-playground` (plus its own `pg-<name>`), and the code cell
  that builds it calls a class whose name ends in `Playground(`; the suite expects at least one
  playground per such cell;
- each slider has a `pg-*` class; one keyboard step (ArrowRight, ArrowLeft at the maximum) changes
  its readout;
- with a `pg-plot` image: each slider step redraws it (its pixels change) and then changes the
  `pg-status` readout, which is set last;
- with a `pg-draw-canvas` instead (an ipympl canvas widget, a plot one clicks on; lesson_lib/
  draw_playground.py): each slider step changes the canvas's pixels and the `pg-status` readout;
  then real mouse clicks (Playwright's page.mouse) at several points in the middle of the canvas
  (CLICK_AT: fractions of its box between 0.35 and 0.65, which must lie on the plot's axes) each
  change its pixels and the `pg-status` readout; the time from a click to the changed pixels is
  printed;
- with a `pg-train` button: sliders are stepped down (towards the cheaper run) and pressing the
  button redraws `pg-train-plot` and changes `pg-train-status`;
- nothing writes to stderr or raises, in a cell or in a widget callback (the suite reads the
  kernel's messages on the page's websocket, so errors JupyterLab and Voila do not show still count).

Screenshots of every playground before and after each step go to test-artifacts/browser/
(see conftest.py for the servers, the browser and the variables that control them).
"""

import io
import json
import re
import time
from pathlib import Path

import browser_settings
import pytest
from PIL import Image, ImageChops

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the `browser` fixture skips (or fails, in CI) and says why
    PlaywrightTimeout = TimeoutError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = browser_settings.lessons(NOTEBOOKS)  # English, then the chosen Chinese twins (notebooks/zh)


def key(lesson):
    """The lesson's path under notebooks/, e.g. "zh/02_maml.ipynb": its test id and served path."""
    return browser_settings.lesson_key(lesson, NOTEBOOKS)


def tag(lesson):
    """A file-name-safe name for its screenshots: "02_maml", "zh-02_maml"."""
    return key(lesson).removesuffix(".ipynb").replace("/", "-")

RUN_SECONDS = 600  # run all cells of one lesson (the slowest takes about 45 s on an idle 2-core machine)
STEP_SECONDS = 60  # one slider step to a finished redraw (about 20 ms on an idle machine)
# Where a `pg-draw-canvas` is clicked: (x, y) fractions of the canvas's box from its top left corner.
CLICK_AT = ((0.40, 0.35), (0.55, 0.60), (0.62, 0.42), (0.47, 0.65))
TRAIN_SECONDS = 300  # one press of a train button with its sliders stepped down
# ipywidgets' JupyterLab manager, in a notebook opened without a kernel, reads the null session's
# kernel (a JavaScript error that names its own code); no lesson is run there.
NO_KERNEL_WIDGETS = re.compile(r"reading 'kernel'\)[\s\S]*@jupyter-widgets/jupyterlab-manager")
# The kernel's notes on the frontends' comm bookkeeping (a comm opened before ipywidgets is imported,
# or closed twice) are not errors of the lesson.
BENIGN_STDERR = re.compile(r"^(No such comm( target registered)?: [\w.-]+\n?)+$")


def cells(path):
    return json.loads(path.read_text())["cells"]


def code_cells(path):
    return ["".join(c["source"]) for c in cells(path) if c["cell_type"] == "code"]


def expected_playgrounds(path):
    return sum(bool(re.search(r"\w*Playground\(", src)) for src in code_cells(path))


def exercise_cells(path):
    """The positions (among all cells) of the exercises: cells with nbgrader's `solution` flag, each
    followed by its checker cell (lesson_lib.student_edition.is_exercise)."""
    return [i for i, c in enumerate(cells(path)) if c.get("metadata", {}).get("nbgrader", {}).get("solution")]


# Voila runs the lessons with a playground (each lesson runs at most twice: its student edition in
# JupyterLab, its teacher's edition in Voila); a lesson without one has its checkers' "correct"
# compared by nbval (tagged nbval-check-output) and is only opened here in the teacher's edition.
VOILA_LESSONS = [p for p in LESSONS if expected_playgrounds(p)]
TEACHER_LESSONS = [p for p in LESSONS if exercise_cells(p)]


# --- the kernel's messages, read from the page's websocket -------------------------------------------

def decode_frame(payload):
    """(msg_type, content) of a kernel websocket message: JSON text, or the binary v1 protocol."""
    try:
        if isinstance(payload, str):
            msg = json.loads(payload)
            return msg["header"]["msg_type"], msg["content"]
        count = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 + 8 * i:16 + 8 * i], "little") for i in range(count)]
        parts = [payload[offsets[i]:offsets[i + 1]] for i in range(count - 1)]
        return json.loads(parts[1])["msg_type"], json.loads(parts[4])
    except (ValueError, KeyError, IndexError, TypeError):
        return None, None


ANSI = re.compile(r"\x1b\[[0-9;]*m")


class KernelWatch:
    """Collects errors the kernel reports (error messages, stderr) and page errors (uncaught JS)."""

    def __init__(self, page):
        self.errors = []
        page.on("websocket", self._socket)
        page.on("pageerror", self._page_error)

    def _page_error(self, error):
        self.errors.append(f"JavaScript error in the page: {error.stack or error}")

    def _socket(self, socket):
        if "/api/kernels/" in socket.url:
            socket.on("framereceived", self._frame)

    def _frame(self, payload):
        kind, content = decode_frame(payload)
        if kind == "error":
            text = "\n".join(content.get("traceback", []))
            self.errors.append(ANSI.sub("", text) or f"{content.get('ename')}: {content.get('evalue')}")
        elif kind == "stream" and content.get("name") == "stderr":
            if not BENIGN_STDERR.match(content["text"]):
                self.errors.append(ANSI.sub("", content["text"]))

    def since(self, start):
        return self.errors[start:]


def report(errors):
    return "\n---\n".join(e[-1500:] for e in errors)


# --- pages ---------------------------------------------------------------------------------------------

def new_page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    return page, KernelWatch(page)


def read_only(page):
    """Refuse (and list) every write to the server's files: running a lesson must never save it,
    the notebooks are stored with their outputs. Only the checkpoint JupyterLab makes of a notebook
    it opens (a copy, kept in a temporary folder: see the `lab` fixture) is let through."""
    writes = []

    def guard(route):
        request = route.request
        checkpoint = request.method == "POST" and request.url.split("?")[0].endswith("/checkpoints")
        if request.method == "GET" or checkpoint:
            return route.continue_()
        writes.append(f"{request.method} {request.url}")
        return route.abort()

    page.route("**/api/contents/**", guard)
    return writes


def wait_idle(page, timeout=60):
    """JupyterLab's status bar says the kernel is idle."""
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle$")).wait_for(timeout=timeout * 1000)


def output_errors(page):
    """Error and stderr outputs, tracebacks, and widgets that failed to display: [(cell number, text)]."""
    return page.evaluate("""() => {
        const cells = [...document.querySelectorAll('.jp-Cell')];
        const found = [];
        const selector = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
        document.querySelectorAll(selector).forEach(o => found.push([o, o.textContent]));
        const bad = /Error displaying widget|There was an error when executing cell|Traceback \\(most recent/;
        document.querySelectorAll('.jp-OutputArea-output:not([data-mime-type="application/vnd.jupyter.stderr"])')
            .forEach(o => { if (bad.test(o.textContent)) found.push([o, o.textContent]); });
        return found.map(([o, text]) => [cells.indexOf(o.closest('.jp-Cell')) + 1, text.slice(-1500)]);
    }""")


def check_feedback(page, lesson, status, where):
    """Every exercise's checker shows its feedback (lesson_lib/exercises/feedback.py) with `status`."""
    found = page.evaluate("""() => [...document.querySelectorAll('.exercise-feedback')].map(e =>
        [[...e.classList].filter(c => c.startsWith('exercise-') && c !== 'exercise-feedback').join(' '),
         e.textContent])""")
    expected = len(exercise_cells(lesson))
    want = "exercise-" + status.replace(" ", "-")
    other = [f"{css}: {text}" for css, text in found if css != want]
    assert len(found) == expected and not other, \
        f"{where}: {expected} exercise checker(s) should say {status!r}; {len(found)} feedback(s) shown, " \
        f"{len(other)} of them otherwise:\n" + "\n".join(other)


def check_no_errors(page, watch, start, where):
    found = output_errors(page)
    assert not found, f"{where}: error output in cell(s) {[n for n, _ in found]}:\n" + \
        "\n---\n".join(text for _, text in found)
    assert not watch.since(start), f"{where}: the kernel reported an error:\n{report(watch.since(start))}"


# --- playgrounds ---------------------------------------------------------------------------------------

def pixels(locator):
    return Image.open(io.BytesIO(locator.screenshot())).convert("RGB")


def same_pixels(a, b):
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def css_name(locator, skip=("pg-playground",)):
    classes = (locator.get_attribute("class") or "").split()
    return next((c for c in classes if c.startswith("pg-") and c not in skip), "pg-?")


def state(image, text):
    """What a redraw changes: the image's src and the readout's text."""
    return image.get_attribute("src"), text.text_content()


def wait_pixels_changed(page, picture, before, timeout):
    """Poll until `picture`'s pixels differ from `before` (an ipympl canvas changes in place, with no
    attribute to wait for); False on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not same_pixels(before, pixels(picture)):
            return True
        page.wait_for_timeout(50)
    return False


def wait_text_changed(page, text, before, timeout):
    try:
        page.wait_for_function("([el, before]) => el.textContent !== before",
                               arg=[text.element_handle(), before], timeout=timeout * 1000)
        return True
    except PlaywrightTimeout:
        return False


def wait_changed(page, image, text, before, timeout):
    """Wait until the image's src and the text both differ from `before` (see `state`); False on timeout."""
    try:
        page.wait_for_function("""([img, el, [src, text]]) =>
                                      img.src !== src && img.complete && el.textContent !== text""",
                               arg=[image.element_handle(), text.element_handle(), list(before)],
                               timeout=timeout * 1000)
        return True
    except PlaywrightTimeout:
        return False


def exercise(page, watch, playground, where, shots, settle):
    """Step every slider of one playground with the keyboard (and press train) and check what changed.
    `where` names the lesson in failure messages; `settle` waits until the kernel is done."""
    name = css_name(playground)
    plot, status = playground.locator(".pg-plot"), playground.locator(".pg-status")
    canvas = playground.locator(".pg-draw-canvas .jupyter-matplotlib-canvas-div")
    train = playground.locator(".pg-train")
    has_plot, has_canvas, has_train = plot.count() > 0, canvas.count() > 0, train.count() > 0
    sliders = playground.locator(".widget-slider[class*='pg-']")
    assert sliders.count(), f"{where}: playground {name} has no slider with a pg-* class"
    assert not has_plot or status.count() == 1, f"{where}: playground {name} has pg-plot but no pg-status"
    assert not has_canvas or status.count() == 1, \
        f"{where}: playground {name} has pg-draw-canvas but no pg-status"
    steps = []
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        css = css_name(slider)
        handle, readout = slider.locator(".noUi-handle"), slider.locator(".widget-readout")
        value, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        bottom = float(handle.get_attribute("aria-valuemin"))
        if has_train:  # step down: fewer iterations and a smaller rate make a cheaper run
            key = "ArrowLeft" if value > bottom else "ArrowRight"
        else:
            key = "ArrowRight" if value < top else "ArrowLeft"
        what = f"{where}: playground {name}: slider {css}"
        before_text = readout.text_content()
        before_plot, before_state = (pixels(plot), state(plot, status)) if has_plot else (None, None)
        before_canvas, before_status = (pixels(canvas), status.text_content()) if has_canvas else (None, None)
        playground.screenshot(path=shots / f"{name}-{css}-before.png")
        start = len(watch.errors)
        handle.focus()
        page.keyboard.press(key)
        try:
            page.wait_for_function("([el, before]) => el.textContent !== before",
                                   arg=[readout.element_handle(), before_text], timeout=10_000)
        except PlaywrightTimeout:
            pass
        after_text = readout.text_content()
        assert after_text != before_text, f"{what}: readout stayed {before_text!r} after {key}"
        redrawn = wait_changed(page, plot, status, before_state, STEP_SECONDS) if has_plot else True
        if has_canvas:
            told = wait_text_changed(page, status, before_status, STEP_SECONDS)
            changed = wait_pixels_changed(page, canvas, before_canvas, STEP_SECONDS)
        settle()
        assert not watch.since(start), f"{what}: the kernel reported an error after {key}:\n" + \
            report(watch.since(start))
        if has_canvas:
            assert told, f"{what}: the pg-status readout did not change within {STEP_SECONDS} s after {key}"
            assert changed, f"{what}: canvas pixels did not change within {STEP_SECONDS} s after {key}"
        if has_plot:
            assert redrawn, (f"{what}: plot pixels did not change (or the pg-status readout did not update) "
                             f"within {STEP_SECONDS} s after {key} ({before_text} -> {after_text})")
            assert not same_pixels(before_plot, pixels(plot)), \
                f"{what}: plot pixels did not change after {key} ({before_text} -> {after_text})"
        playground.screenshot(path=shots / f"{name}-{css}-after.png")
        steps.append(f"{css} {before_text} -> {after_text}")
    if has_canvas:
        steps += click_canvas(page, watch, playground, canvas, status, f"{where}: playground {name}", shots,
                              settle)
    if has_train:
        plot, status = playground.locator(".pg-train-plot"), playground.locator(".pg-train-status")
        what = f"{where}: playground {name}: button pg-train"
        before_plot, before_state = pixels(plot), state(plot, status)
        playground.screenshot(path=shots / f"{name}-pg-train-before.png")
        start = len(watch.errors)
        train.click()
        redrawn = wait_changed(page, plot, status, before_state, TRAIN_SECONDS)
        settle()
        assert not watch.since(start), f"{what}: the kernel reported an error:\n{report(watch.since(start))}"
        assert redrawn, f"{what}: pg-train-plot or pg-train-status did not change within {TRAIN_SECONDS} s"
        assert not same_pixels(before_plot, pixels(plot)), f"{what}: pg-train-plot pixels did not change"
        playground.screenshot(path=shots / f"{name}-pg-train-after.png")
        steps.append("pg-train pressed")
    return name, steps


def click_canvas(page, watch, playground, canvas, status, where, shots, settle):
    """Real mouse clicks at CLICK_AT on a `pg-draw-canvas`: after each, its pixels and the pg-status
    readout change and the kernel reports no error. Returns one line per click with its timing."""
    done = []
    for i, (fx, fy) in enumerate(CLICK_AT):
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        what = f"{where}: click {i + 1} at ({fx:.2f}, {fy:.2f}) of the canvas"
        before_canvas, before_status = pixels(canvas), status.text_content()
        start, began = len(watch.errors), time.time()
        page.mouse.click(x, y)
        changed = wait_pixels_changed(page, canvas, before_canvas, STEP_SECONDS)
        seconds = time.time() - began
        told = wait_text_changed(page, status, before_status, STEP_SECONDS)
        settle()
        assert not watch.since(start), f"{what}: the kernel reported an error:\n{report(watch.since(start))}"
        assert changed, f"{what}: canvas pixels did not change within {STEP_SECONDS} s"
        assert told, f"{what}: the pg-status readout stayed {before_status!r}"
        playground.screenshot(path=shots / f"{css_name(playground)}-click{i + 1}.png")
        done.append(f"click {i + 1}: pixels changed after {seconds * 1000:.0f} ms, "
                    f"readout {status.text_content()[:40]!r}")
    return done


# For every element of a playground showing Chinese (labels, readouts, buttons), its distinct Han
# characters are drawn one by one on a canvas in the element's own font, which falls back as the
# element's text does: with no font holding them, Chromium draws every one as the same box (or
# nothing), so identical or blank drawings mean the student sees boxes.
GLYPHS = """root => {
    const han = /\\p{Script=Han}/u, canvas = document.createElement('canvas');
    canvas.width = canvas.height = 48;
    const g = canvas.getContext('2d', {willReadFrequently: true});
    const found = [];
    for (const el of [root, ...root.querySelectorAll('*')]) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('')
                    + (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el.value || el.placeholder : '');
        const chars = [...new Set([...own].filter(c => han.test(c)))].slice(0, 12);
        if (!chars.length) continue;
        const style = getComputedStyle(el);
        g.font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
        const drawn = chars.map(c => {
            g.clearRect(0, 0, 48, 48); g.fillStyle = '#000'; g.fillText(c, 6, 38);
            return g.getImageData(0, 0, 48, 48).data.filter((v, i) => i % 4 === 3).join('');
        });
        const blank = drawn.filter(d => !/[1-9]/.test(d)).length;
        found.push({text: own.trim().slice(0, 40), chars: chars.join(''), distinct: new Set(drawn).size,
                    blank});
    }
    return found;
}"""


def check_glyphs(playground, where):
    """The playground shows Chinese, drawn with real glyphs (see GLYPHS); returns how many elements."""
    found = playground.evaluate(GLYPHS)
    assert found, f"{where}: no Chinese text in the playground (is the language set?)"
    boxes = [f for f in found if f["blank"] or (len(f["chars"]) > 1 and f["distinct"] < len(f["chars"]))]
    assert not boxes, f"{where}: Chinese drawn as boxes or blanks (no CJK font?): {boxes}"
    return len(found)


def exercise_all(page, watch, lesson, where, shots, settle):
    """Check every playground on the page; `shots` is the screenshot folder's name prefix."""
    expected = expected_playgrounds(lesson)
    playgrounds = page.locator(".pg-playground")
    if expected:
        try:
            page.wait_for_function("n => document.querySelectorAll('.pg-playground').length >= n",
                                   arg=expected, timeout=60_000)
        except PlaywrightTimeout:
            pass
    found = playgrounds.count()
    assert found >= expected, f"{where}: {expected} playground(s) expected, {found} shown"
    done = []
    for i in range(found):
        folder = Path(f"{shots}-playground{i}")
        folder.mkdir(parents=True, exist_ok=True)
        playgrounds.nth(i).scroll_into_view_if_needed()
        if key(lesson).startswith("zh/"):
            shown = check_glyphs(playgrounds.nth(i), f"{where}: playground {css_name(playgrounds.nth(i))}")
            playgrounds.nth(i).screenshot(path=folder / "chinese.png")
            print(f"{where}: playground {i}: {shown} element(s) in Chinese, every glyph drawn")
        done.append(exercise(page, watch, playgrounds.nth(i), where, folder, settle))
    return done


def log_done(where, done, start):
    sliders = sum(len([s for s in steps if not s.startswith(("pg-train", "click"))]) for _, steps in done)
    print(f"\n{where}: {len(done)} playground(s), {sliders} slider(s), {time.time() - start:.0f} s")
    for name, steps in done:
        print(f"  {name}: " + "; ".join(steps))


# --- the tests -----------------------------------------------------------------------------------------

class AppPages:
    """Voila pages opened ahead of their test: the JupyterLab test of a lesson starts loading the
    lesson's Voila page first, so Voila runs the lesson while JupyterLab runs it too (a lesson's
    kernel keeps about one core busy; two cores take both runs side by side). The Voila test, right
    after, checks the page."""

    def __init__(self, server, browser, wanted):
        self.server, self.browser, self.wanted, self.pages = server, browser, wanted, {}
        self.log_from = {}  # where in Voila's log each page's request began

    def log_since(self, lesson):
        """What Voila logged since the lesson's page was requested (its part of a failure's report)."""
        return self.server.log_text()[self.log_from.get(key(lesson), 0):][-6000:]

    def open(self, lesson):
        if key(lesson) in self.wanted and key(lesson) not in self.pages:
            page, watch = new_page(self.browser)
            # navigate without waiting: Voila answers once it has run the whole lesson
            url = self.server.url(f"/voila/render/{key(lesson)}")
            self.log_from[key(lesson)] = len(self.server.log_text())
            page.evaluate("url => { window.location.href = url; }", url)
            self.pages[key(lesson)] = page, watch

    def take(self, lesson):
        self.wanted.add(key(lesson))
        self.open(lesson)
        return self.pages.pop(key(lesson))

    def close(self, page):
        """Close the page and shut its kernel down (Voila keeps a kernel per page load; any kernel
        missed here is stopped with the server)."""
        try:
            kernel = page.evaluate("""() => { const c = document.getElementById('jupyter-config-data');
                                              return c ? JSON.parse(c.textContent).kernelId : null; }""")
        except Exception:  # a page that never loaded
            kernel = None
        page.close()
        if kernel:
            self.server.shut_down_kernel(kernel)


@pytest.fixture(scope="session")
def app_pages(voila, browser, voila_selected):
    pages = AppPages(voila, browser, set(voila_selected))
    yield pages
    for page, _ in pages.pages.values():
        pages.close(page)


@pytest.mark.parametrize("lesson", LESSONS, ids=[key(p) for p in LESSONS])
def test_student_edition_in_jupyterlab(lesson, lab, editions, app_pages, browser, artifacts):
    where, began = f"{key(lesson)} (student edition, JupyterLab)", time.time()
    app_pages.open(lesson)
    page, watch = new_page(browser)
    writes = read_only(page)
    try:
        page.goto(lab.url(f"/lab/tree/{editions.student}/{key(lesson)}?reset"))
        page.locator(".jp-NotebookPanel .jp-Notebook").wait_for()
        wait_idle(page, timeout=120)
        page.locator(".lm-MenuBar-item", has_text="Run").click()
        page.locator("[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function("""() => ![...document.querySelectorAll('.jp-InputArea-prompt')]
                                       .some(p => p.textContent.includes('*'))""", timeout=RUN_SECONDS * 1000)
        except PlaywrightTimeout:
            pytest.fail(f"{where}: cells still running after {RUN_SECONDS} s", pytrace=False)
        wait_idle(page)
        check_no_errors(page, watch, 0, where)
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_text_contents()
        not_run = [i + 1 for i, p in enumerate(prompts) if not re.search(r"\d", p)]
        assert not not_run, f"{where}: code cells {not_run} (counting code cells) did not run"
        check_feedback(page, lesson, "not yet implemented", where)
        done = exercise_all(page, watch, lesson, where, artifacts / f"lab-{tag(lesson)}",
                            settle=lambda: (wait_idle(page), page.wait_for_timeout(100)))
        check_no_errors(page, watch, 0, where)
        assert not writes, f"{where}: JupyterLab tried to write to the server: {writes}"
        log_done(where, done, began)
    except BaseException:
        page.screenshot(path=artifacts / f"lab-{tag(lesson)}-failed.png", full_page=True)
        raise
    finally:
        page.close()
        lab.shut_down_kernels()


def run_command(page, command, args, timeout=60_000):
    """Runs a JupyterLab command in the page and waits until it has finished.

    The command's promise is held by `window` while it runs and the wait polls a flag: Chromium
    tracks a promise that page.evaluate awaits only weakly and may collect one that nothing else
    holds, which fails the evaluate with 'Resulting promise was garbage collected' (met in CI)."""
    page.evaluate("""([command, args]) => {
        const state = window.__kitCommand = {done: false, error: null};
        state.promise = window.jupyterapp.commands.execute(command, args).then(
            () => { state.done = true; },
            error => { state.error = String(error); state.done = true; });
    }""", [command, args])
    page.wait_for_function("() => window.__kitCommand.done", timeout=timeout)
    error = page.evaluate("() => window.__kitCommand.error")
    assert error is None, f"JupyterLab's command {command} failed: {error}"


@pytest.fixture(scope="session")
def teacher_page(lab, browser):
    """One JupyterLab page for the teacher's edition; each test opens a lesson in it without a kernel."""
    page, watch = new_page(browser)
    writes = read_only(page)
    page.goto(lab.url("/lab?reset"))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=120_000)
    page.evaluate("() => window.jupyterapp.restored")
    yield page, watch, writes
    page.close()


@pytest.mark.parametrize("lesson", TEACHER_LESSONS, ids=[key(p) for p in TEACHER_LESSONS])
def test_solutions_collapsed_in_jupyterlab(lesson, editions, teacher_page, artifacts):
    """The teacher's exercise cells opened (no kernel, nothing run; see exercise_cells_only in
    conftest.py): each exercise's solution is collapsed (its code is not shown, a placeholder is)
    and one click on the placeholder shows it."""
    where = f"{key(lesson)} (teacher's edition, JupyterLab)"
    opened = editions.root / editions.teacher / key(lesson)
    page, watch, writes = teacher_page
    start = len(watch.errors)
    try:
        assert len(exercise_cells(opened)) == len(exercise_cells(lesson))
        no_kernel = {"shouldStart": False, "shouldReuse": False}
        run_command(page, "docmanager:open", {"path": f"{editions.teacher}/{key(lesson)}",
                                              "factory": "Notebook", "kernelPreference": no_kernel})
        notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
        page.wait_for_function("([nb, n]) => nb.querySelectorAll('.jp-Cell').length === n",
                               arg=[notebook.element_handle(), len(cells(opened))])
        for i in exercise_cells(opened):
            cell = notebook.locator(".jp-Cell").nth(i)
            what = f"{where}: exercise {cells(opened)[i]['metadata']['nbgrader'].get('grade_id', i)}"
            solution = cell.locator(".jp-InputArea .cm-content", has_text="BEGIN SOLUTION")
            placeholder = cell.locator(".jp-InputPlaceholder")
            assert not solution.is_visible(), f"{what}: the solution is shown (it should start collapsed)"
            assert placeholder.is_visible(), f"{what}: no collapsed-input placeholder to click"
            placeholder.click()
            try:
                solution.wait_for(state="visible", timeout=10_000)
            except PlaywrightTimeout:
                pytest.fail(f"{what}: a click on the placeholder did not show the solution", pytrace=False)
        errors = [e for e in watch.since(start) if not NO_KERNEL_WIDGETS.search(e)]
        assert not errors, f"{where}: {report(errors)}"
        assert not writes, f"{where}: JupyterLab tried to write to the server: {writes}"
    except BaseException:
        page.screenshot(path=artifacts / f"teacher-{tag(lesson)}-failed.png", full_page=True)
        raise
    finally:  # close the lesson without asking to save (the clicks changed its metadata)
        page.evaluate("() => [...window.jupyterapp.shell.widgets('main')].forEach(w => w.dispose())")


@pytest.mark.parametrize("lesson", VOILA_LESSONS, ids=[key(p) for p in VOILA_LESSONS])
def test_teacher_edition_in_voila(lesson, app_pages, artifacts):
    where, began = f"{key(lesson)} (teacher's edition, Voila)", time.time()
    page, watch = app_pages.take(lesson)
    try:
        page.wait_for_url(re.compile(r"/voila/render/"), wait_until="load", timeout=RUN_SECONDS * 1000)
        assert not page.locator(".jp-CodeCell .jp-InputArea").count(), f"{where}: code is shown in app mode"
        check_no_errors(page, watch, 0, where)  # first: an error stops Voila's run, and says why
        check_feedback(page, lesson, "correct", where)
        done = exercise_all(page, watch, lesson, where, artifacts / f"voila-{tag(lesson)}",
                            settle=lambda: page.wait_for_timeout(250))
        check_no_errors(page, watch, 0, where)
        log_done(where, done, began)
    except BaseException:
        page.screenshot(path=artifacts / f"voila-{tag(lesson)}-failed.png", full_page=True)
        try:
            text = page.inner_text("body")[-3000:]
        except Exception as error:  # a page that never loaded
            text = f"(none: {error})"
        print(f"{where}: the page's last text:\n{text}\nVoila's log since the page was requested:\n"
              f"{app_pages.log_since(lesson)}")
        raise
    finally:
        app_pages.close(page)
