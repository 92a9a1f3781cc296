"""The drawing playground's figure (Lesson 9): one ipympl figure, the student's support points,
the shape a preset drew them from, and each learner's prediction before and after adaptation.

The figure is made once; a redraw sets the data of its artists (`set_data`) and blits them:
the axes, ticks and legend (text is most of a render's cost) are drawn once into a background,
and a redraw restores it and draws only the points and lines, which ipympl sends to the
browser as the pixels that changed. A full render happens only when the browser asks for
one (a new view, a resize, or `draw_idle` after the legend changed); the background is then
taken again. ipympl's
canvas is an ipywidget: the playground puts it beside its controls and connects its mouse events.
The figure only draws: it reads no widget and adapts no learner (`draw_playground` does).
"""

import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .i18n import _


class DrawFigure:
    """The plot the student clicks on.

    names: every learner that may be shown (each gets a colour, by position); grid: x [N];
    x_range, y_range: the axes' limits (the area one can click on); family: ((x_low, x_high),
    (y_low, y_high)), the region the learners were meta-trained on, shaded.
    """

    def __init__(self, names, grid, *, x_range, y_range, family):
        self.names, self.grid = list(names), np.asarray(grid)
        self.figure = Figure(figsize=(9.0, 4.2), dpi=80)
        self.canvas = Canvas(self.figure)  # an ipywidget; no pyplot, so nothing is shown by itself
        self.manager = FigureManager(self.canvas, 0)  # ipympl routes the browser's events through it
        self.canvas.toolbar_visible = False  # no pan/zoom mode: a click always adds a point
        self.canvas.header_visible = False
        self.canvas.resizable = False
        # the axes fill the middle of the canvas (the browser tests click there); legend on the right
        self.ax = self.figure.add_axes((0.07, 0.12, 0.66, 0.8))
        (x_low, x_high), (y_low, y_high) = family
        self.ax.add_patch(Rectangle((x_low, y_low), x_high - x_low, y_high - y_low, color="0.93", zorder=0))
        self.ax.text(x_low + 0.2, y_high - 0.3, _("the training family"), fontsize=8, color="0.45", va="top")
        self.ax.set(xlim=x_range, ylim=y_range, xlabel="x", ylabel="y",
                    title=_("click to add a support point (right-click: remove the nearest)"))
        self.ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        self.shape, = self.ax.plot([], [], color="0.55", ls="--", lw=1.2)
        self.points, = self.ax.plot([], [], "o", color="black", ms=7, zorder=5)
        self.count = self.ax.text(0.98, 0.03, "", transform=self.ax.transAxes, ha="right", fontsize=9)
        self.lines = {}
        for index, name in enumerate(self.names):
            color = f"C{index}"
            self.lines[name] = {"before": self.ax.plot([], [], color=color, ls=":", lw=1.3)[0],
                                "after": self.ax.plot([], [], color=color, lw=2.2)[0]}
        self.dynamic = [self.shape] + [line for lines in self.lines.values() for line in lines.values()] + \
            [self.points, self.count]
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of full renders: drawn over the background
        self._legend_for, self._background = None, None
        self.canvas.mpl_connect("draw_event", self._after_full_render)
        self.full_renders, self.blits = 0, 0

    def _after_full_render(self, event):
        """After any full render (ours, or one the browser asked for): keep it as the background
        and draw the moving artists over it, so the browser never gets a picture without them."""
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_dynamic()
        self.full_renders += 1

    def _draw_dynamic(self):
        for artist in self.dynamic:
            if artist.get_visible():
                self.ax.draw_artist(artist)

    def on_click(self, callback):
        """Call `callback(event)` on every mouse press on the canvas (a matplotlib MouseEvent:
        `xdata`, `ydata` in data units, None outside the axes; `button`; `dblclick`)."""
        return self.canvas.mpl_connect("button_press_event", callback)

    def _legend(self, chosen, stepwise, shape):
        """The legend names what is shown; rebuilt (returns True) only when that changes."""
        key = (tuple(chosen), tuple(stepwise), shape is not None)
        if key == self._legend_for:
            return False
        handles = [Line2D([], [], marker="o", color="black", ls="none")]
        labels = [_("your support points")]
        if shape is not None:
            handles.append(Line2D([], [], color="0.55", ls="--"))
            labels.append(_("the preset's shape"))
        for name in chosen:
            color = f"C{self.names.index(name)}"
            if name in stepwise:
                handles += [Line2D([], [], color=color, ls=":"), Line2D([], [], color=color, lw=2.2)]
                labels += [_("{name}: before adapting", name=name), _("{name}: after the steps", name=name)]
            else:
                handles.append(Line2D([], [], color=color, lw=2.2))
                labels.append(_("{name}: one forward pass", name=name))
        for legend in self.figure.legends:
            legend.remove()
        self.figure.legend(handles, labels, loc="center left", bbox_to_anchor=(0.74, 0.5), fontsize=8,
                           frameon=False)
        self._legend_for = key
        return True

    def update(self, points, shape, predictions, steps):
        """Show `points` ([K, 2] x, y), `shape` (y on the grid, or None) and `predictions`:
        {name: (before, after)}, y on the grid after 0 and after `steps` steps, `before` None
        for a learner that adapts in one forward pass; learners not in it are hidden. Then
        redraw: blit over the background, or a full render when there is none yet or the legend
        changed."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        self.points.set_data(points[:, 0], points[:, 1])
        self.shape.set_visible(shape is not None)
        self.shape.set_data(self.grid, np.full_like(self.grid, np.nan) if shape is None else shape)
        for name, lines in self.lines.items():
            before, after = predictions.get(name, (None, None))
            lines["before"].set_visible(before is not None)
            lines["after"].set_visible(after is not None)
            if before is not None:
                lines["before"].set_data(self.grid, before)
            if after is not None:
                lines["after"].set_data(self.grid, after)
        stepwise = [name for name, (before, _after) in predictions.items() if before is not None]
        count = len(points)
        self.count.set_text(_("{count} point, {steps} steps", count=count, steps=steps) if count == 1
                            else _("{count} points, {steps} steps", count=count, steps=steps))
        if self._legend(list(predictions), stepwise, shape):
            self._background = None  # taken again at the next full render
        if self._background is None:
            # ask the browser's view for a full render (it sends for it: `draw` in the kernel, then
            # _after_full_render). Rendering here, before a view is connected, would hand ipympl's
            # view a picture it cannot load (ipympl 0.10), and with no browser none is needed.
            self.canvas.draw_idle()
            return
        self.canvas.restore_region(self._background)
        self._draw_dynamic()
        self.canvas.blit(self.figure.bbox)  # ipympl sends the pixels that changed
        self.blits += 1
