"""Kernel-side latency from a slider value change to the finished redraw of the sinusoid
playground (MAML and the pretrained baseline shown): 120 random changes of its sliders."""

import time

import numpy as np

from ..recipes import sinusoid as recipes
from ..widgets import SinusoidPlayground
from .table import Table

HELP = "slider-to-redraw latency of the playgrounds"


def add_arguments(parser):
    pass


def run(args):
    learners = {name: recipes.load(name, 5)[0] for name in ("MAML", "pretrained")}
    playground = SinusoidPlayground(learners, show=("MAML", "pretrained"), seed=args.seed)
    playground.show()
    rng = np.random.default_rng(args.seed)
    moves = ([(playground.steps, int(v)) for v in rng.integers(0, 21, 40)]
             + [(playground.alpha, float(v)) for v in np.geomspace(0.001, 0.3, 20)]
             + [(playground.K, int(v)) for v in rng.integers(1, 21, 20)]
             + [(playground.amplitude, float(v)) for v in rng.uniform(0.1, 5, 20)]
             + [(playground.phase, float(v)) for v in rng.uniform(0, np.pi, 20)])
    times = {}
    for widget, value in moves:
        if widget.value == value:
            continue
        start = time.perf_counter()
        widget.value = value  # with no event loop running the redraw happens right here
        times.setdefault(widget.description, []).append(1000 * (time.perf_counter() - start))
    every = [t for ts in times.values() for t in ts]
    rows = [{"playground": "sinusoid (MAML + pretrained)", "median_ms": round(float(np.median(every)), 1),
             "p95_ms": round(float(np.percentile(every, 95)), 1), "changes": len(every)}]
    table = Table([("playground / slider", "playground"), ("changes", "changes"), ("median ms", "median_ms"),
                   ("p95 ms", "p95_ms")])
    for name, ts in times.items():
        table.row({"playground": name, "changes": len(ts), "median_ms": f"{np.median(ts):.1f}",
                   "p95_ms": f"{np.percentile(ts, 95):.1f}"})
    table.row({**rows[0], "playground": f"**{rows[0]['playground']}**"})
    return rows
