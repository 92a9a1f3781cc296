"""How many tasks does meta-learning need? Meta-train MAML (the paper's recipe: K = 5, alpha =
0.01, one step, meta-batch 25) and CNP on pools of 5, 20, 100, 1,000 and unlimited sinusoids
(`TaskPool`), every pool for the same number of meta-iterations, and print the query MSE on the
pool's own tasks (meta-train, fresh points) and on new tasks (meta-test) after 1 and 10 steps
(CNP: its forward pass): mean +- 95% CI and median over the test tasks.

Then the memorization problem (Yin et al. 2020; `lesson_lib.memorization`): the task's identity
readable from the inputs (a code per pool task), without and with the remedy (codes drawn anew
each time a task is drawn: mutually exclusive tasks; optionally Rajendran et al.'s output offset),
each measured after the learner's training steps with the true support set, another task's and
the task's inputs with another task's outputs.

Rows carry `experiment` ("tasks" or "memorization"); the lesson reads them from
data/tasks_needed.json; --save-dir keeps each pool's trained weights for its playground.
"""

import time

from .. import checkpoints
from ..evaluation import mean_ci95_median
from ..memorization import CodedTasks, support_reliance
from ..models import mlp
from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid, TaskPool
from ..training import DivergenceError, meta_train
from .options import wanted
from .table import print_table

HELP = "meta-train vs meta-test error as the number of meta-training tasks grows; memorization"
LEARNERS = ("MAML", "CNP")
K = 5  # the paper's K
STEPS = (1, 10)  # MAML's test steps (CNP: one forward pass)
QUERIES = 100  # query points per test task
CONDITIONS = {"identity in inputs": {}, "remedy: codes redrawn": {"shuffle": True},
              "remedy: output offset": {"offset": 5.0}}
DEFAULT_CONDITIONS = ("identity in inputs", "remedy: codes redrawn")


def pool_sizes(text):
    """'5,20,unlimited' -> (5, 20, None)."""
    sizes = []
    for word in text.split(","):
        word = word.strip().replace("_", "")
        if word in ("unlimited", "none", "inf"):
            sizes.append(None)
        elif word.isdigit() and int(word) > 0:
            sizes.append(int(word))
        else:
            raise ValueError(f"--pools must be positive integers or 'unlimited', comma-separated; "
                             f"got {word!r}")
    return tuple(sizes)


def add_arguments(parser):
    parser.add_argument("--experiment", choices=("tasks", "memorization", "both"), default="both")
    parser.add_argument("--pools", type=pool_sizes, default=(5, 20, 100, 1000, None),
                        help="pool sizes, e.g. 5,20,100,1000,unlimited")
    parser.add_argument("--iterations", type=int, default=3000,
                        help="meta-iterations for every pool and learner (the same for all)")
    parser.add_argument("--meta-batch", type=int, default=25, help="tasks per meta-iteration (drawn "
                        "with replacement from the pool)")
    parser.add_argument("--test-tasks", type=int, default=1000, help="tasks per measurement")
    parser.add_argument("--memorization-tasks", type=int, default=50,
                        help="pool size of the memorization demo")
    parser.add_argument("--memorization-iterations", type=int, default=4000)
    parser.add_argument("--code-dim", type=int, default=8, help="numbers in each task's code")
    parser.add_argument("--conditions", type=lambda text: tuple(text.split(",")), default=DEFAULT_CONDITIONS,
                        help=f"memorization conditions, comma-separated, from {tuple(CONDITIONS)}")
    parser.add_argument("--save-dir", help="write each pool's trained weights here (tasks_needed_*.npz)")


def checkpoint_name(name, tasks):
    return f"tasks_needed_{name.lower()}_{'unlimited' if tasks is None else tasks}.npz"


def new_learner(name, seed, x_dim=1):
    if name == "CNP":
        return recipes.learner("CNP", seed=seed, x_dim=x_dim)
    return recipes.learner(name, seed=seed, model=mlp(input_dim=x_dim, seed=seed))


def train(learner, tasks, iterations, args, label):
    """Meta-train; returns (training seconds, iterations done); a divergence is reported and
    keeps the last good weights."""
    start = time.perf_counter()
    try:
        history = meta_train(learner, tasks, iterations, meta_batch=args.meta_batch, K=K)
        return history.seconds, len(history.losses)
    except DivergenceError as error:
        print(f"- {label}: {error}")
        return time.perf_counter() - start, len(error.history.losses)


def test_steps(learner):
    return STEPS if learner.adapts_by_steps else (None,)


def tasks_rows(name, args, test_episode):
    rows = []
    for n in args.pools:
        pool = TaskPool(Sinusoid(seed=args.seed), n, seed=args.seed)
        learner = new_learner(name, args.seed)
        seconds, iterations = train(learner, pool, args.iterations, args, f"{name}, {n} tasks")
        train_episode = pool.sample(args.test_tasks, K, QUERIES)  # the pool's tasks, fresh points
        for split, episode in (("meta-train", train_episode), ("meta-test", test_episode)):
            curve = learner.adaptation_curve(episode, max(STEPS) if learner.adapts_by_steps else 0)
            for steps in test_steps(learner):
                rows.append({"experiment": "tasks", "learner": name, "tasks": n, "split": split,
                             "steps": steps, **mean_ci95_median(curve[:, steps or 0]),
                             "iterations": iterations, "train_seconds": round(seconds, 1)})
        if args.save_dir is not None:
            parameters = {} if n is None or n > 100 else {k: v.tolist() for k, v in pool.parameters.items()}
            checkpoints.save(f"{args.save_dir}/{checkpoint_name(name, n)}", learner,
                             command=args.command_line, tasks=n, iterations=iterations,
                             meta_batch=args.meta_batch, K=K, seed=args.seed, train_seconds=seconds,
                             pool=parameters)
    return rows


def memorization_rows(name, args):
    rows = []
    for condition in args.conditions:
        if condition not in CONDITIONS:
            raise ValueError(f"--conditions must name some of {tuple(CONDITIONS)}, got {condition!r}")
        n = args.memorization_tasks
        pool = TaskPool(Sinusoid(seed=args.seed), n, seed=args.seed)
        train_tasks = CodedTasks(pool, args.code_dim, seed=args.seed, **CONDITIONS[condition])
        # measured on the un-augmented tasks: the pool's (each with its own fixed code) and new ones
        evaluation = {"meta-train": CodedTasks(pool, args.code_dim, seed=args.seed),
                      "meta-test": CodedTasks(Sinusoid(seed=10_000 + args.seed), args.code_dim,
                                              seed=args.seed + 1)}
        learner = new_learner(name, args.seed, x_dim=train_tasks.x_dim)
        seconds, iterations = train(learner, train_tasks, args.memorization_iterations, args,
                                    f"{name}, memorization, {condition}")
        for split, tasks in evaluation.items():
            episode = tasks.sample(args.test_tasks, K, QUERIES)
            steps = learner.inner_steps if learner.adapts_by_steps else None  # as trained (10 can diverge)
            for row in support_reliance(learner, episode, steps or 0).rows():
                rows.append({"experiment": "memorization", "learner": name, "condition": condition,
                             "tasks": n, "split": split, "steps": steps, **row, "iterations": iterations,
                             "train_seconds": round(seconds, 1)})
    return rows


def run(args):
    rows = []
    test_episode = Sinusoid(seed=10_000 + args.seed).sample(args.test_tasks, K, QUERIES)
    for name in LEARNERS:
        if not wanted(name, args):
            continue
        if args.experiment in ("tasks", "both"):
            rows += tasks_rows(name, args, test_episode)
        if args.experiment in ("memorization", "both"):
            rows += memorization_rows(name, args)
    value = lambda r: f"{r['mse']:.3f} +- {r['ci95']:.3f} (median {r['median']:.3f})"  # noqa: E731
    steps = lambda r: "forward pass" if r["steps"] is None else r["steps"]  # noqa: E731
    tasks = lambda r: "unlimited" if r["tasks"] is None else r["tasks"]  # noqa: E731
    print_table([r for r in rows if r["experiment"] == "tasks"], [
        ("learner", "learner"), ("tasks", tasks), ("split", "split"), ("steps", steps), ("query MSE", value),
        ("its", "iterations"), ("train s", lambda r: f"{r['train_seconds']:.0f}")],
        title=f"Meta-train vs meta-test error by number of meta-training tasks (K = {K}, "
              f"{args.test_tasks} tasks x {QUERIES} query points, mean +- 95% CI)")
    print_table([r for r in rows if r["experiment"] == "memorization"], [
        ("learner", "learner"), ("condition", "condition"), ("split", "split"), ("steps", steps),
        ("support", "support"), ("query MSE", value)],
        title=f"Memorization: task code in the inputs, pool of {args.memorization_tasks} tasks")
    return rows
