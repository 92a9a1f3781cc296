"""The figure of Lesson 11's playground: one N-way K-shot language task. Plots only draw: the
playground hands them the learner's predictions (`prediction_path`) and never adapts here."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .i18n import _
from .plots import after_steps, png_bytes


def softmax(logits):
    z = np.asarray(logits, float)
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def language_figure(names, yours, query_guesses, accuracy, steps, text):
    """PNG of three panels:
    - the typed text: each language's probability (softmax of the logits) before adaptation and
      after `steps` steps (one bar when the learner adapts in one forward pass);
    - query accuracy against inner steps;
    - the confusion matrix of the queries after `steps` steps, languages named.

    names [N]: the task's languages; yours [S + 1, N]: the typed text's logits after 0..S steps;
    query_guesses [S + 1, N * Q]: the predicted class of every query (class-major); accuracy
    [S + 1] (NaN where diverged); text: the typed text, for the title."""
    N = len(names)
    Q = query_guesses.shape[1] // N
    figure = Figure(figsize=(12, 3.4 + 0.12 * N), dpi=72)
    grid = figure.add_gridspec(1, 3, width_ratios=[4, 4, 4], left=0.08, right=0.98, top=0.86, bottom=0.2,
                               wspace=0.45)
    bars, curve, confusion = (figure.add_subplot(g) for g in grid)
    rows = np.arange(N)
    one_pass = len(yours) == 1
    after = softmax(yours[min(steps, len(yours) - 1)])
    if one_pass:
        bars.barh(rows, after, color="tab:blue", label=_("one forward pass"))
    else:
        bars.barh(rows + 0.2, softmax(yours[0]), height=0.4, color="lightgrey", label=_("before (step 0)"))
        bars.barh(rows - 0.2, after, height=0.4, color="tab:blue",
                  label=after_steps(steps))
    bars.set_yticks(rows, names)
    bars.invert_yaxis()
    bars.set(xlim=(0, 1), xlabel=_("probability"))
    shown = text if len(text) <= 28 else text[:27] + "…"
    bars.set_title(_("your text: \u201c{text}\u201d", text=shown), fontsize=10)
    bars.legend(fontsize=8, loc="lower right")
    curve.plot(np.arange(len(accuracy)), 100 * np.asarray(accuracy), marker="o", ms=3)
    curve.axhline(100 / N, color="grey", ls=":", label=_("chance"))
    curve.axvline(min(steps, len(accuracy) - 1), color="grey", ls="--", lw=1)
    curve.set(xlim=(-0.5, max(len(accuracy) - 1, 10) + 0.5), ylim=(0, 102), xlabel=_("inner step"),
              ylabel=_("query accuracy %"))
    curve.set_title(_("{count} query texts: accuracy vs steps", count=N * Q), fontsize=10)
    curve.legend(fontsize=8, loc="lower right")
    counts = np.zeros((N, N), int)
    np.add.at(counts, (np.repeat(rows, Q), query_guesses[min(steps, len(query_guesses) - 1)]), 1)
    confusion.imshow(counts, cmap="Blues", vmin=0, vmax=Q)
    for (i, j), n in np.ndenumerate(counts):
        if n:
            confusion.text(j, i, str(n), ha="center", va="center", fontsize=8,
                           color="white" if n > Q / 2 else "black")
    confusion.set_xticks(rows, names, rotation=45, ha="right")
    confusion.set_yticks(rows, names)
    confusion.set(xlabel=_("predicted"), ylabel=_("true language"))
    confusion.set_title(_("which languages get confused"), fontsize=10)
    fit_bottom(figure, grid, confusion)
    return png_bytes(figure)


def fit_bottom(figure, grid, ax, margin=3):
    """Raise the panels' bottom edge when `ax`'s rotated tick labels and x label would be cut off
    at the figure's bottom (long names such as "Portuguese"); a figure that fits is left as it is."""
    low = ax.get_tightbbox(FigureCanvasAgg(figure).get_renderer()).y0  # pixels above the bottom edge
    if low < margin:
        grid.update(bottom=grid.bottom + (margin - low) / figure.bbox.height)
        for panel in figure.axes:  # update() moves the axes of pyplot's figures only
            panel.set_position(panel.get_subplotspec().get_position(figure))
