"""The base every playground builds on: sliders with stable CSS classes, a readout and a
picture, redraws coalesced and never lost in silence, results cached, and `show()`.

A playground only arranges widgets around a figure from `plots`: it asks learners for
their predictions (`prediction_path`) and never trains or adapts by private code. The
contract the browser tests rely on (tests/browser/test_lessons_in_browser.py) is kept here:
the root widget has the classes `pg-playground` and `pg-<name>`, every control a `pg-*`
class, the picture `pg-plot` changes on redraw and the readout `pg-status` is set last. A
playground drawn on an ipympl canvas instead (draw_playground.py) gives the canvas the class
`pg-draw-canvas`: the suite clicks on it with the mouse and compares its pixels.
"""

import asyncio
import html
import traceback
from contextlib import contextmanager

import ipywidgets as W

from .i18n import _


class CoalescingRedraw:
    """Call `draw` once for any burst of requests.

    Inside a running event loop (a Jupyter kernel) a request schedules one draw after
    `delay` seconds and later requests join it; with no loop running (scripts, tests) it
    draws at once. `count` is the number of draws done.

    If `draw` raises, `status` (an HTML widget) says so in red, with the error, instead of
    the student seeing nothing (a failed delayed draw is shown nowhere by JupyterLab); the
    traceback goes to stderr for whoever debugs it.
    """

    def __init__(self, draw, delay=0.03, status=None):
        self.draw, self.delay, self.status = draw, delay, status
        self.count, self.requests, self._handle = 0, 0, None

    def request(self):
        self.requests += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self.run()
        if self._handle is None:
            self._handle = loop.call_later(self.delay, self.run)

    def run(self):
        self._handle = None
        self.count += 1
        try:
            self.draw()
        except Exception as error:
            if self.status is None:
                raise
            traceback.print_exc()
            said = _("The plot could not be redrawn ({name}: {error}). Try another value; if it persists, "
                     "restart the kernel and run the lesson again.", name=type(error).__name__,
                     error=html.escape(str(error)))
            self.status.value = f"<b class='pg-error' style='color:red'>{said}</b>"


def slider(kind, css, **kwargs):
    """An ipywidgets slider of `kind` that reports only when released, with CSS class `css`."""
    widget = kind(continuous_update=False, style={"description_width": "initial"}, **kwargs)
    widget.add_class(css)
    return widget


def button(description, icon, css):
    widget = W.Button(description=description, icon=icon)
    widget.add_class(css)
    return widget


class Playground:
    """Subclasses build their controls, call `watch(...)` on those that redraw, `arrange(...)`
    them, and define `render() -> (png bytes, readout html)` from the current values."""

    cache_size = 64  # results kept; the cache is emptied when it grows past this

    def __init__(self, name, status_css="pg-status", image_css="pg-plot"):
        self.name = name
        self.status = W.HTML()
        self.status.add_class(status_css)
        self.image = W.Image(format="png")
        self.image.add_class(image_css)
        self.redraw = CoalescingRedraw(self.draw, status=self.status)
        self._cache = {}
        self._muted = False

    def arrange(self, controls):
        """The root widget: `controls` (a widget), then the readout, then the picture."""
        self.widget = W.VBox([controls, self.status, self.image])
        self.widget.add_class(f"pg-{self.name}")
        self.widget.add_class("pg-playground")  # the browser tests find every playground by this class

    def watch(self, *widgets):
        """Redraw when any of these widgets' values change (unless muted)."""
        for widget in widgets:
            widget.observe(self._changed, names="value")

    def _changed(self, change):
        if not self._muted:
            self.redraw.request()

    @contextmanager
    def muted(self):
        """Set several widgets without a redraw for each (redraw once afterwards)."""
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def cached(self, key, compute, still_valid=None):
        """compute() once per key (again if `still_valid(value)` says the kept one falls short)."""
        if key not in self._cache or (still_valid is not None and not still_valid(self._cache[key])):
            value = compute()
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[key] = value
        return self._cache[key]

    def render(self):
        raise NotImplementedError

    def draw(self):
        """Redraw the picture, then update the readout (last: the browser tests wait for it)."""
        png, readout = self.render()
        self.image.value = png
        self.status.value = readout

    def show(self):
        self.redraw.run()
        return self.widget
