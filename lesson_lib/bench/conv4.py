"""Milliseconds per meta-iteration of MAML on the papers' conv4 (Omniglot 5-way 1-shot, K = Q = 1,
meta-batch 32, alpha 0.4, 1 inner step; the recipe's learner, second and first order) on each
path: "xla", "vectorized" and, with --loop, the eager per-task loop. Random images of Omniglot's
28 x 28 x 1 shape: the arithmetic is what is timed, and the peers in ../shared/peers time the same.
`compile_seconds` is the first call's time. The xla path is timed with the tasks in 1 and in 2
independent groups (`--groups`, Learner.task_groups): XLA's CPU runtime runs independent groups at
the same time, while one batched computation keeps about one core busy. The arithmetic floor: a
second-order iteration is about 10 GFLOP, 45-85 ms at the 120-240 GFLOP/s float32 matmul reaches
on a 2-core laptop.
"""

import numpy as np

from ..recipes import omniglot as recipes
from ..tasks import Episode
from . import op_profile
from .options import wanted
from .table import Table, print_table
from .throughput import compiled_paths, path_label, time_paths

HELP = "conv4 (Omniglot) MAML: ms per meta-iteration on each path"
META_BATCH, WAYS, SIZE = 32, 5, 28
LEARNERS = ("MAML", "FOMAML")


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=20.0, help="timing budget per compiled path")
    parser.add_argument("--loop", action="store_true", help="also time the eager per-task loop (about 2 s "
                        "per iteration)")
    parser.add_argument("--groups", type=lambda text: tuple(int(g) for g in text.split(",")), default=(1, 2),
                        help="time the xla path with each of these numbers of task groups "
                             "(Learner.task_groups; default 1,2)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also trace N iterations of each path with TensorFlow's profiler and print "
                             "where the time goes (bench.op_profile); the rows get it as `profile`")


def random_episodes(count, seed):
    """`count` 5-way 1-shot meta-batches of uniform random images (the real shapes)."""
    rng = np.random.default_rng(seed)
    labels = np.broadcast_to(np.eye(WAYS, dtype=np.float32), (META_BATCH, WAYS, WAYS))
    image = lambda: rng.random((META_BATCH, WAYS, SIZE, SIZE, 1), dtype=np.float32)  # noqa: E731
    return [Episode(image(), labels, image(), labels) for _ in range(count)]


def run(args):
    rows = []
    episodes = random_episodes(4, args.seed)
    table = Table([("learner", "learner"), ("path", "path"), ("ms / iteration", "ms_per_iteration"),
                   ("compile s", "compile_seconds")],
                  title=f"conv4 MAML, {WAYS}-way, K = Q = 1, meta-batch {META_BATCH}, 1 inner step")
    for name in filter(lambda n: wanted(n, args), LEARNERS):
        learner = recipes.learner(name, ways=WAYS, seed=args.seed)
        for path, rate, compile_seconds in time_paths(learner, episodes, args.seconds,
                                                      args.seconds if args.loop else None, args.groups):
            rows.append({"workload": f"conv4 {name}, {WAYS}-way, K = Q = 1, meta-batch {META_BATCH}",
                         "learner": name, "path": path, "ms_per_iteration": round(1000 / rate, 1),
                         "compile_seconds": None if compile_seconds is None else round(compile_seconds, 2)})
            table.row(rows[-1])
        if args.profile:
            rows += [profiled(learner, path, groups, episodes, args.profile)
                     for path, groups in compiled_paths(learner, args.groups)]
    return rows


def profiled(learner, path, groups, episodes, iterations):
    """A row saying where the time of `iterations` steps of `learner` on `path` goes, printed."""
    learner.task_groups, learner.path = groups, path
    kinds, wall_ms, busy = op_profile.profile(learner.meta_step, episodes, iterations)
    label = path_label(path, groups, META_BATCH)
    print_table(kinds[:12], [("kind", "kind"), ("ms / iteration", "ms_per_iteration"),
                             ("share", lambda r: f"{100 * r['share']:.1f}%")],
                title=f"{learner.name}, {label}, traced: {wall_ms:.0f} ms per iteration, "
                      f"{busy:.2f} cores busy")
    traced = {"wall_ms": round(wall_ms, 1), "cores_busy": round(busy, 2), "kinds": kinds}
    return {"learner": learner.name, "path": label, "profile": traced}
