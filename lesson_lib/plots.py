"""Figures for the lessons and their playgrounds. Plots only draw: they never train or adapt,
and they read no widget: a playground passes them the values to draw."""

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from .i18n import N_, _, translate
from .tasks import Sinusoid


def after_steps(k):
    """The legend label of a curve after k adaptation steps ("after 1 step", "after 5 steps")."""
    return _("after 1 step") if k == 1 else _("after {k} steps", k=k)


def plot_sinusoid_tasks(episode, ax=None, x_range=(-5.0, 5.0)):
    """Each task's true curve y = A sin(x - phase) with its K support points (Lesson 0)."""
    if ax is None:
        _figure, ax = plt.subplots(figsize=(7, 3.5))
    grid = np.linspace(*x_range, 200)
    for i, (a, p) in enumerate(zip(episode.info["amplitude"], episode.info["phase"], strict=True)):
        (line,) = ax.plot(grid, Sinusoid.function(a, p, grid), lw=1.5,
                          label=_("A = {A}, phase = {phase}", A=f"{a:.2f}", phase=f"{p:.2f}"))
        ax.scatter(episode.support_x[i, :, 0], episode.support_y[i, :, 0], color=line.get_color(), zorder=3)
    ax.set(xlabel="x", ylabel="y", xlim=x_range, ylim=(-5.5, 5.5),
           title=_("{tasks} sinusoid tasks, K = {K} support points each", tasks=episode.num_tasks,
                   K=episode.shots))
    ax.legend(fontsize=8, loc="upper right")
    return ax


class AdaptationFigure:
    """The playground's two panels, the function view and the adaptation curve, redrawn by
    blitting: axes, ticks and legend are rendered once into a background; a redraw restores it
    and draws only the lines that move, then encodes a PNG. That keeps a slider's redraw in
    tens of milliseconds instead of hundreds (`python -m lesson_lib.bench widgets`)."""

    def __init__(self, names, grid, max_steps=20, diverged=1e3):
        self.names, self.grid, self.max_steps, self.diverged = list(names), grid, max_steps, diverged
        self.figure = Figure(figsize=(10, 4.2), dpi=72)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax_fn, self.ax_curve = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.3, top=0.92, wspace=0.22)
        self.ax_fn.set(xlim=(-5, 5), ylim=(-6, 6), xlabel="x", ylabel="y", title=_("function view"))
        self.ax_curve.set(yscale="log", xlim=(-0.5, max_steps + 0.5), ylim=(1e-3, 2 * diverged),
                          xlabel=_("inner step"), ylabel=_("query MSE"), title=_("adaptation curve"))
        fn, curve = self.ax_fn, self.ax_curve
        self.truth, = fn.plot([], [], color="black", lw=2, label=_("true function"))
        self.support, = fn.plot([], [], "o", color="black", label=_("support points"))
        self.step_marker = curve.axvline(0, color="grey", lw=1, ls="--")
        self.empty = curve.text(0.5, 0.5, _("no learner chosen"), ha="center", va="center",
                                transform=curve.transAxes)
        self.artists = {}
        for index, name in enumerate(self.names):
            color = f"C{index}"
            self.artists[name] = {
                "before": fn.plot([], [], color=color, ls=":", lw=1.5,
                                  label=_("{name}: before adaptation", name=name))[0],
                "steps": [fn.plot([], [], color=color, lw=1)[0] for _step in range(max_steps)],
                "after": fn.plot([], [], color=color, lw=2.2)[0],
                "curve": curve.plot([], [], color=color, marker="o", ms=3, label=name)[0],
                "mark": curve.plot([], [], marker="X", ms=12, color="red", ls="none")[0],
                "note": curve.text(0, diverged, "", color="red", fontsize=9),
            }
        self.dynamic = [self.truth, self.support, self.step_marker, self.empty] + [
            a for parts in self.artists.values() for a in (parts["before"], *parts["steps"], parts["after"],
                                                           parts["curve"], parts["mark"], parts["note"])]
        for artist in self.dynamic:
            artist.set_animated(True)
        self._legend_for = None

    def _background(self, chosen, one_shot):
        """Render the static parts once per choice of learners (the legend names them)."""
        if self._legend_for != chosen:
            handles = [Line2D([], [], color="black", lw=2),
                       Line2D([], [], marker="o", color="black", ls="none")]
            labels = [_("true function"), _("support points")]
            for name in chosen:
                color = f"C{self.names.index(name)}"
                if name in one_shot:
                    handles.append(Line2D([], [], color=color, lw=2.2))
                    labels.append(_("{name}: one forward pass", name=name))
                    continue
                handles += [Line2D([], [], color=color, ls=":"), Line2D([], [], color=color, lw=2.2)]
                labels += [_("{name}: before adaptation", name=name),
                           _("{name}: after (faint: each step)", name=name)]
            for legend in self.figure.legends:
                legend.remove()
            # outside the axes, so the lines drawn over the background never cover it
            self.figure.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
            self.canvas.draw()
            self._saved = self.canvas.copy_from_bbox(self.figure.bbox)
            self._legend_for = chosen
        return self._saved

    def render(self, support_x, support_y, truth, results, steps, one_shot=()):
        """PNG bytes of the panels. results: {name: (predictions [max_steps + 1, N], mse [max_steps + 1])}
        for the chosen learners, in order; `one_shot` names learners without steps (no "before"
        line). Returns (png, {name: first diverged step or None})."""
        chosen = tuple(results)
        background = self._background(chosen, one_shot)
        x = self.grid[:, 0]
        self.truth.set_data(x, truth)
        self.support.set_data(support_x, support_y)
        self.step_marker.set_xdata([steps, steps])
        self.empty.set_visible(not chosen)
        diverged = {}
        for name, parts in self.artists.items():
            for artist in (parts["before"], *parts["steps"], parts["after"], parts["curve"], parts["mark"],
                           parts["note"]):
                artist.set_visible(name in results)
            if name not in results:
                continue
            path, mse = results[name]
            stepwise = name not in one_shot
            bad = np.flatnonzero(~np.isfinite(mse) | (mse > self.diverged))
            diverged[name] = first = int(bad[0]) if bad.size else None
            parts["before"].set_visible(stepwise)
            parts["before"].set_data(x, path[0])
            for s, line in enumerate(parts["steps"], start=1):  # faint: the steps on the way
                line.set_visible(stepwise and s < steps)
                line.set_data(x, path[s])
                line.set_alpha(min(1.0, 0.15 + 0.5 * s / max(steps, 1)))
            parts["after"].set_visible(steps > 0 or not stepwise)
            parts["after"].set_data(x, path[steps])
            parts["after"].set_label(_("{name}: after {steps} steps", name=name, steps=steps))
            parts["curve"].set_data(np.arange(self.max_steps + 1),
                                    np.where(np.isfinite(mse) & (mse <= self.diverged), mse, np.nan))
            parts["mark"].set_data([] if first is None else [first], [] if first is None else [self.diverged])
            note = "" if first is None else _("{name} diverged at step {step}", name=name, step=first)
            parts["note"].set_text(note)
            row = list(results).index(name)  # one line of text per learner, stacked downward
            parts["note"].set_position((0.5, self.diverged / 4 ** (row + 1)))
        self.canvas.restore_region(background)
        for artist in self.dynamic:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue(), diverged


def training_figure(runs, steps):
    """PNG of the training playground: each run's meta-loss and its adaptation curve on the
    same test tasks (Lesson 2). runs: list of (label, losses, curve mean or None if diverged)."""
    figure = Figure(figsize=(10, 3.2), dpi=72)
    FigureCanvasAgg(figure)
    loss_ax, curve_ax = figure.subplots(1, 2)
    figure.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.9, wspace=0.25)
    for index, (label, losses, curve) in enumerate(runs):
        color = f"C{index % 10}"
        if len(losses):
            loss_ax.plot(np.arange(1, len(losses) + 1), losses, color=color, lw=0.6, label=label)
        if curve is not None:
            curve_ax.plot(np.arange(steps + 1), curve, color=color, marker="o", ms=3, label=label)
    loss_ax.set(yscale="log", xlabel=_("meta-iteration"), ylabel=_("meta-loss"), title=_("training"))
    curve_ax.set(yscale="log", xlabel=_("inner step"), ylabel=_("query MSE on test tasks"),
                 title=_("adaptation after training"))
    for ax in (loss_ax, curve_ax):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    return png_bytes(figure)


# learner -> its label (shown with translate())
COST_LEARNERS = {"MAML": N_("MAML (second order)"), "FOMAML": N_("FOMAML (first order)"),
                 "Reptile": "Reptile", "Meta-LSTM": "Meta-LSTM"}


def cost_figure(time_rows, memory_rows):
    """Lesson 6: ms per meta-step and the memory a meta-step keeps alive against the inner
    steps, per learner, both on log-log axes (CNP, with no inner steps, as a dashed line).
    Rows as `python -m lesson_lib.bench costs` writes them."""
    figure, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    panels = ((time_ax, time_rows, "ms_per_meta_step"), (memory_ax, memory_rows, "kept_alive_mb"))
    for ax, rows, key in panels:
        for index, (name, label) in enumerate(COST_LEARNERS.items()):
            mine = sorted((r["inner_steps"], r[key]) for r in rows if r["learner"] == name)
            ax.plot(*zip(*mine, strict=True), marker="o", color=f"C{index}", label=translate(label))
        (cnp,) = [r[key] for r in rows if r["learner"] == "CNP"]
        ax.axhline(cnp, color="C4", ls="--", label=_("CNP (no inner steps)"))
        ax.set(xscale="log", yscale="log", xlabel=_("inner steps k"))
        ax.set_xticks([1, 2, 4, 8, 16], ["1", "2", "4", "8", "16"])
    time_ax.set(ylabel=_("ms per meta-step"), title=_("time (measured)"))
    memory_ax.set(ylabel="MB", title=_("memory one meta-step keeps alive (counted)"))
    time_ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def png_bytes(figure):
    """The figure as PNG bytes (what a playground's image shows)."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def mosaic(images, columns):
    """images [N * columns, 28, 28] (class-major) -> one [N * 28, columns * 28] picture (Lesson 7)."""
    n = len(images) // columns
    return images.reshape(n, columns, 28, 28).transpose(0, 2, 1, 3).reshape(n * 28, columns * 28)


def tinted(images, correct, columns):
    """White paper, strokes green where `correct`, red where not: an RGB mosaic."""
    ink = mosaic(images, columns)[..., None]
    color = np.where(mosaic(np.broadcast_to(correct[:, None, None], images.shape), columns)[..., None] > 0,
                     np.array([0.0, 0.6, 0.0]), np.array([0.85, 0.0, 0.0]))
    return 1 - ink + ink * color


def shuffled_queries(episode, task=0, seed=0):
    """The queries of one task in a seeded random order (episodes store them class-major, which
    would give the answer away): (order, images [M, 28, 28], true classes [M]) (Lesson 7)."""
    order = np.random.default_rng(seed).permutation(episode.query_x.shape[1])
    return order, episode.query_x[task, order, :, :, 0], episode.query_y[task, order].argmax(-1)


def episode_figure(episode, task=0, seed=0, reveal=False, columns=10):
    """Lesson 7's "which class is each?" figure: the support set, one row per class, and the
    task's queries numbered in a seeded random order (`shuffled_queries`); reveal=True writes
    each query's true class under its number."""
    N = episode.support_y.shape[-1]
    K = episode.shots // N  # shots counts every support example: N * K
    _order, images, classes = shuffled_queries(episode, task, seed)
    rows = -(-len(images) // columns)
    figure = Figure(figsize=(1.1 * max(K, 1) + 0.75 * columns, max(0.75 * N, 0.9 * rows) + 0.6), dpi=72)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1, 2, width_ratios=[max(K, 1) + 1, columns], wspace=0.1, left=0.08, right=0.99)
    support = figure.add_subplot(grid[0])
    support.imshow(1 - mosaic(episode.support_x[task, :, :, :, 0], K), cmap="gray", vmin=0, vmax=1)
    support.set_xticks([])
    support.set_yticks(np.arange(N) * 28 + 14, [_("class {c}", c=c) for c in range(N)])
    support.set_title(_("support (K = {K})", K=K), fontsize=10)
    cells = grid[1].subgridspec(rows, columns, hspace=0.45, wspace=0.1)
    for i, (image, c) in enumerate(zip(images, classes, strict=True)):
        ax = figure.add_subplot(cells[i // columns, i % columns])
        ax.imshow(1 - image, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(f"#{i + 1}: {c}" if reveal else f"#{i + 1}", fontsize=8, pad=2)
    figure.suptitle(_("queries: the class of each") if reveal else _("queries: which class is each?"),
                    x=0.6, fontsize=10)
    return figure


def few_shot_figure(episode, guesses, accuracy, steps, shown=5, alpha=None):
    """PNG of Lesson 7's playground for one N-way K-shot task (episode of one task, queries
    class-major): the support set, the first `shown` queries per class before and after
    `steps` adaptation steps (strokes green where right, red where wrong), query accuracy
    against inner steps and the confusion matrix after adaptation.

    guesses [S + 1, N * Q]: predicted class of every query after 0..S steps (one row: the
    learner adapts in one forward pass); accuracy [S + 1] (NaN where diverged); alpha: the
    step size to name in the title, if the learner uses one."""
    N = episode.support_y.shape[-1]
    K, Q = episode.shots // N, episode.query_x.shape[1] // N  # shots counts all N * K examples
    picked = np.concatenate([np.arange(c * Q, c * Q + shown) for c in range(N)])
    queries = episode.query_x[0, picked, :, :, 0]
    truth = np.repeat(np.arange(N), shown)
    height = 2.2 + 0.35 * N
    figure = Figure(figsize=(12, height), dpi=72)
    grid = figure.add_gridspec(1, 5, width_ratios=[max(K, 2), shown, shown, 5, 5], left=0.03, right=0.98,
                               top=1 - 0.5 / height, bottom=0.7 / height, wspace=0.35)
    support, before, after, curve, confusion = (figure.add_subplot(g) for g in grid)
    support.imshow(1 - mosaic(episode.support_x[0, :, :, :, 0], K), cmap="gray", vmin=0, vmax=1)
    support.set_title(_("support set ({N} x {K})", N=N, K=K), fontsize=10)
    one_pass = len(guesses) == 1
    for ax, at in ((before, 0), (after, steps)):
        if one_pass and ax is before:
            ax.text(0.5, 0.5, _("no steps:\nadapts in one\nforward pass"), ha="center", va="center",
                    transform=ax.transAxes)
            continue
        ax.imshow(tinted(queries, guesses[at, picked] == truth, shown))
        shown_at = 100 * accuracy[at]
        title = (_("queries before adaptation: {accuracy:.0f}%", accuracy=shown_at) if ax is before
                 else _("queries after {steps} steps: {accuracy:.0f}%", steps=steps, accuracy=shown_at))
        ax.set_title(title, fontsize=10)
    for ax in (support, before, after):
        ax.set_xticks([])
        ax.set_yticks(np.arange(N) * 28 + 14, [str(c) for c in range(N)] if N <= 10 else [])
    curve.plot(np.arange(len(accuracy)), 100 * accuracy, marker="o", ms=3)
    curve.axhline(100 / N, color="grey", ls=":", label=_("chance"))
    curve.axvline(steps, color="grey", ls="--", lw=1)
    curve.set(xlim=(-0.5, max(len(accuracy) - 1, 10) + 0.5), ylim=(0, 102), xlabel=_("inner step"),
              ylabel=_("query accuracy %"))
    curve.set_title(_("accuracy vs inner steps") if alpha is None
                    else _("accuracy vs inner steps (alpha = {alpha:.3g})", alpha=alpha), fontsize=10)
    curve.legend(fontsize=8, loc="lower right")
    counts = np.zeros((N, N), int)
    np.add.at(counts, (np.repeat(np.arange(N), Q), guesses[steps]), 1)
    confusion.imshow(counts, cmap="Blues", vmin=0, vmax=Q)
    if N <= 10:
        for (i, j), n in np.ndenumerate(counts):
            if n:
                confusion.text(j, i, str(n), ha="center", va="center", fontsize=8,
                               color="white" if n > Q / 2 else "black")
    confusion.set(xlabel=_("predicted class"), ylabel=_("true class"))
    confusion.set_title(_("confusion after adaptation"), fontsize=10)
    return png_bytes(figure)
