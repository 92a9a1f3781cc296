"""Meta-iterations per second of each learner's compiled, vectorised meta-step
(`tf.vectorized_map` over the tasks inside one `tf.function`) against the same step run
eagerly task by task (the way learn2learn-style code runs): meta-batch 25, K = 10.
"""

import time

from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid
from .options import wanted
from .table import Table

HELP = "meta-iterations per second"
# (learner, settings over its sinusoid recipe)
CONFIGS = (("MAML", {"inner_steps": 1}), ("MAML", {"inner_steps": 5}), ("FOMAML", {"inner_steps": 1}),
           ("FOMAML", {"inner_steps": 5}), ("Reptile", {"inner_steps": 5}), ("Meta-LSTM", {"inner_steps": 5}),
           ("CNP", {}), ("pretrained", {}))


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=5.0, help="timing budget per vectorised measurement")


def its_per_second(step, episodes, seconds):
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(episodes[done % len(episodes)])
        done += 1
    return done / (time.perf_counter() - start)


def run(args):
    rows = []
    tasks = Sinusoid(seed=args.seed)
    episodes = [tasks.sample(25, 10) for _ in range(64)]
    table = Table([("learner", "learner"), ("second order", "second_order"), ("inner steps", "inner_steps"),
                   ("mode", "mode"), ("it/s", lambda r: f"{r['iterations_per_s']:.1f}"),
                   ("trace s", lambda r: r["trace_seconds"] and f"{r['trace_seconds']:.2f}")],
                  title="meta-batch 25, K = 10")
    for name, settings in CONFIGS:
        if not wanted(name, args):
            continue
        learner = recipes.learner(name, seed=args.seed, **settings)
        steps, second_order = learner.inner_steps, getattr(learner, "second_order", False)
        start = time.perf_counter()
        learner.meta_step(episodes[0])
        trace = time.perf_counter() - start
        rates = {}
        for mode, step, seconds in (("vectorized", learner.meta_step, args.seconds),
                                    ("loop", learner.meta_step_loop, args.seconds / 2)):
            rates[mode] = its_per_second(step, episodes, seconds)
            rows.append({"learner": name, "second_order": second_order, "inner_steps": steps,
                         "mode": mode, "iterations_per_s": round(rates[mode], 2),
                         "trace_seconds": round(trace, 2) if mode == "vectorized" else None})
            table.row(rows[-1])
        print(f"|  |  |  | vectorized / loop | {rates['vectorized'] / rates['loop']:.1f}x | |", flush=True)
    return rows
