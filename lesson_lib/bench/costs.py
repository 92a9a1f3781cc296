"""Milliseconds and memory of one meta-step as the inner steps grow, per learner (meta-batch
25, K = 10), each point measured in a fresh process (`python -m lesson_lib.bench.cost_probe`)
so that earlier work does not hide the memory. Lesson 6 plots data/costs.json, made by
`python -m lesson_lib.bench costs --json data/costs.json`.
"""

import json
import subprocess
import sys

from .options import wanted
from .table import Table

HELP = "time and memory of a meta-step as inner steps grow"
LEARNERS = ("MAML", "FOMAML", "Reptile", "Meta-LSTM", "CNP")
STEPS = (1, 2, 4, 8, 16)


def add_arguments(parser):
    pass


def run(args):
    rows = []
    table = Table([("learner", "learner"), ("inner steps", "inner_steps"),
                   ("ms per meta-step", lambda r: f"{r['ms_per_meta_step']:.1f}"),
                   ("memory MB", lambda r: f"{r['memory_mb']:.0f}")])
    for name in LEARNERS:
        if not wanted(name, args):
            continue
        for steps in STEPS if name != "CNP" else (0,):
            done = subprocess.run([sys.executable, "-m", "lesson_lib.bench.cost_probe", name, str(steps),
                                   str(args.seed)], capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            table.row(rows[-1])
    return rows
