"""Meta-iterations per second of each learner's meta-step on every path it has (Learner.path):
"xla" (all tasks at once through a task-batched model, compiled by XLA; MAML, FOMAML and the
learners with learned step sizes), "vectorized" (`tf.vectorized_map` over the tasks inside one
`tf.function`) and "loop" (the same code run eagerly task by task, the way learn2learn-style
code runs): sinusoid regression, meta-batch 25, K = 10. `compile_seconds` is the first call's
time (tracing and compiling) on the compiled paths.
"""

import time

from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid
from .options import wanted
from .table import Table

HELP = "meta-iterations per second of every learner's paths (xla, vectorized, eager loop)"
META_BATCH, K = 25, 10
# (learner, settings over its sinusoid recipe)
CONFIGS = (("MAML", {"inner_steps": 1}), ("MAML", {"inner_steps": 5}), ("FOMAML", {"inner_steps": 1}),
           ("FOMAML", {"inner_steps": 5}), ("Reptile", {"inner_steps": 5}), ("Meta-LSTM", {"inner_steps": 5}),
           ("CNP", {}), ("pretrained", {}))


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=5.0, help="timing budget per compiled path")


def its_per_second(step, episodes, seconds):
    """Calls of step(episode) per second over about `seconds`, cycling through `episodes`."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(episodes[done % len(episodes)])
        done += 1
    return done / (time.perf_counter() - start)


def compiled_paths(learner, task_groups=(None,)):
    """[(path, task groups)] of `learner`'s compiled paths: xla once per value of `task_groups`
    (Learner.task_groups; None its default) when the learner supports it, then vectorized."""
    xla = [] if learner.xla_unsupported() else [("xla", groups) for groups in task_groups]
    return xla + [("vectorized", None)]


def path_label(path, groups, tasks):
    """How a bench names `path` run with `groups` task groups (None: the default, unnamed) on
    meta-batches of `tasks` tasks: "xla, 2 task groups"."""
    if path != "xla" or groups is None:
        return path
    groups = min(tasks, groups)
    return f"xla, {groups} task group{'s' if groups > 1 else ''}"


def time_paths(learner, episodes, seconds, loop_seconds=None, task_groups=(None,)):
    """[(path, iterations per second, compile seconds or None)] for each path `learner` has:
    its compiled paths (xla when it supports it, once per value of `task_groups`, which sets
    Learner.task_groups, None its default, and names the path "xla, G task groups"; vectorized),
    then, given `loop_seconds`, the eager loop. Each path starts from the meta-parameters as
    given: the steps change them, and the speed of a step on random data drifts as they change
    (conv4 MAML slowed from 233 to 330 ms per iteration over 200 steps on random images). Leaves
    the learner on its own default path, with the meta-parameters the last path left."""
    default, default_groups = learner.path, learner.task_groups
    initial = [v.numpy() for v in learner.meta_parameters]

    def restart():
        for variable, value in zip(learner.meta_parameters, initial, strict=True):
            variable.assign(value)

    results = []
    for path, groups in compiled_paths(learner, task_groups):
        learner.task_groups = groups
        learner.path = path  # traced anew
        restart()
        label = path_label(path, groups, len(episodes[0].support_x))
        start = time.perf_counter()
        learner.meta_step(episodes[0])
        compile_seconds = time.perf_counter() - start
        if learner.path != path:  # XLA failed and the learner fell back: not a timing of this path
            raise RuntimeError(f"{learner.name}: the {path} path did not run ({learner.path_note})")
        results.append((label, its_per_second(learner.meta_step, episodes, seconds), compile_seconds))
    learner.path, learner.task_groups = default, default_groups
    if loop_seconds:
        restart()
        results.append(("loop", its_per_second(learner.meta_step_loop, episodes, loop_seconds), None))
    return results


def run(args):
    rows = []
    tasks = Sinusoid(seed=args.seed)
    episodes = [tasks.sample(META_BATCH, K) for _ in range(64)]
    table = Table([("learner", "learner"), ("second order", "second_order"), ("inner steps", "inner_steps"),
                   ("path", "path"), ("it/s", lambda r: f"{r['iterations_per_s']:.1f}"),
                   ("compile s", lambda r: r["compile_seconds"] and f"{r['compile_seconds']:.2f}")],
                  title=f"sinusoid, meta-batch {META_BATCH}, K = {K}")
    for name, settings in CONFIGS:
        if not wanted(name, args):
            continue
        learner = recipes.learner(name, seed=args.seed, **settings)
        steps, second_order = learner.inner_steps, getattr(learner, "second_order", False)
        rates = {}
        for path, rate, compile_seconds in time_paths(learner, episodes, args.seconds, args.seconds / 2):
            rates[path] = rate
            rows.append({"workload": f"sinusoid {name}, meta-batch {META_BATCH}, K = {K}, {steps} step(s)",
                         "learner": name, "second_order": second_order, "inner_steps": steps, "path": path,
                         "iterations_per_s": round(rate, 2),
                         "compile_seconds": None if compile_seconds is None else round(compile_seconds, 2)})
            table.row(rows[-1])
        best = max(rates, key=lambda p: rates[p] if p != "loop" else 0)
        print(f"|  |  |  | {best} / loop | {rates[best] / rates['loop']:.1f}x | |", flush=True)
    return rows
