"""Time and memory of one meta-step as the inner steps grow, per learner (meta-batch 25, K = 10),
each point in a fresh process (`python -m lesson_lib.bench.cost_probe`) so that earlier work
does not hide the process's memory. Each row has the memory the step keeps alive (MB, counted
in its traced graph: the same on every machine) and, unless --memory-only, milliseconds per
meta-step and the growth of the process's peak memory (MB, mostly the compiled graph).
Lesson 6 plots data/costs.json (times, made by `python -m lesson_lib.bench costs --json
data/costs.json` on a quiet machine) and data/kept_alive.json (made by
`python -m lesson_lib.bench costs --memory-only --json data/kept_alive.json`).
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
    parser.add_argument("--memory-only", action="store_true",
                        help="count only the memory a step keeps alive (no timing: exact on a busy machine)")


def run(args):
    rows = []
    columns = [("learner", "learner"), ("inner steps", "inner_steps"),
               ("kept alive MB", lambda r: f"{r['kept_alive_mb']:.2f}")]
    if not args.memory_only:
        columns += [("ms per meta-step", lambda r: f"{r['ms_per_meta_step']:.1f}"),
                    ("process growth MB", lambda r: f"{r['memory_mb']:.0f}")]
    table = Table(columns)
    for name in LEARNERS:
        if not wanted(name, args):
            continue
        for steps in STEPS if name != "CNP" else (0,):
            command = [sys.executable, "-m", "lesson_lib.bench.cost_probe", name, str(steps), str(args.seed)]
            done = subprocess.run(command + (["--memory-only"] if args.memory_only else []),
                                  capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            table.row(rows[-1])
    return rows
