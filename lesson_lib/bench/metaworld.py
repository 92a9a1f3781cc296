"""One-shot imitation on Meta-World ML1 (Finn et al. 2017's protocol on Meta-World's tasks):
meta-train MAML and the multi-task behaviour-cloning baseline on the expert's demonstrations of
the 50 training tasks, then measure the success rate on ML1's 50 held-out test tasks.

Protocol: for each test task, trial j gives the learner the expert's demonstration from start j
(the hand's start jittered by seed j; the goal is hidden from the observation), adapts (MAML: one
step of alpha on its behaviour-cloning loss; the multi-task baseline as it is, and after the same
step) and runs the policy for 100 steps from start `demonstrations + j`, which no demonstration
used. Success is Meta-World's `info["success"]` at any step. The expert row runs the scripted
policy (told the goal) from the same starts. Rows: the mean success over tasks with its 95%
interval over the 50 tasks (trials of one task are not independent), the median of the per-task
rates, and the number of tasks and episodes.

Training: meta-batches of 10 tasks, one demonstration in the inner loop and another in the
outer loop (recipes.arm), `--demos` recorded demonstrations per training task (cached in the
kit's cache folder). `--save-dir` writes checkpoints with manifests; `--from-checkpoints`
re-scores checkpoints in `--data-dir`. There is no published number for one-shot imitation on
Meta-World: the rows compare with the expert and the baseline.
"""

import time

import numpy as np

from .. import checkpoints
from ..evaluation import mean_ci95
from ..recipes import DATA
from ..recipes.arm import DEMOS_PER_TASK, ENVS, ITERATIONS, LEARNERS, META_BATCH, checkpoint_name, learner
from ..tasks.demonstrations import Demonstrations
from ..training import DivergenceError, meta_train
from .options import add_checkpoint_arguments, wanted
from .table import print_table

HELP = "One-shot imitation on Meta-World ML1: success of MAML vs multi-task cloning vs the expert"


def add_arguments(parser):
    add_checkpoint_arguments(parser, DATA)
    parser.add_argument("--envs", type=lambda text: text.split(","), default=list(ENVS),
                        help=f"comma-separated ML1 tasks (default {','.join(ENVS)})")
    parser.add_argument("--iterations", type=int,
                        help=f"meta-iterations per learner (default per task: {ITERATIONS})")
    parser.add_argument("--demos", type=int, default=DEMOS_PER_TASK,
                        help="expert demonstrations recorded per training task")
    parser.add_argument("--trials", type=int, default=10,
                        help="adapt-and-run trials per test task (each on its own demonstration and start)")
    parser.add_argument("--test-tasks", type=int, default=50, help="how many of ML1's 50 test tasks to score")


def trained(env_name, name, demos, args):
    fresh = learner(name, seed=args.seed)
    iterations = ITERATIONS[env_name] if args.iterations is None else args.iterations
    notes, start = [], time.perf_counter()
    try:
        history = meta_train(fresh, demos, iterations, meta_batch=META_BATCH, K=1, Q=1)
    except DivergenceError as error:  # report it and score the last good weights
        history, notes = error.history, [f"{env_name}: {error}"]
    seconds = time.perf_counter() - start
    fields = {"iterations": len(history.losses), "train_seconds": round(seconds, 1), "seed": args.seed,
              "demos_per_task": demos.per_task, "env": env_name,
              "final_loss": round(float(np.mean(history.losses[-50:])), 5) if history.losses else None}
    if args.save_dir is not None:
        checkpoints.save(args.save_dir / checkpoint_name(env_name, name), fresh, command=args.command_line,
                         **fields)
    return fresh, fields, notes


def obtain(env_name, name, demos, args):
    if args.from_checkpoints:
        loaded = learner(name, seed=args.seed)
        return loaded, checkpoints.load(args.data_dir / checkpoint_name(env_name, name), loaded), []
    return trained(env_name, name, demos, args)


def row(env_name, name, steps, found, fields, seconds):
    per_task = found.mean(axis=1)
    mean, ci95 = mean_ci95(per_task)
    return {"env": env_name, "learner": name, "steps": steps, "success_rate": round(float(mean), 4),
            "ci95": round(float(ci95), 4), "median": round(float(np.median(per_task)), 4),
            "tasks": found.shape[0], "episodes": int(found.size), "iterations": fields.get("iterations", 0),
            "train_seconds": fields.get("train_seconds", 0.0), "eval_seconds": round(seconds, 1)}


def run(args):
    from ..envs.arm import ArmTasks
    from ..imitation import success_rates

    if args.trials < 1 or args.demos < 2 or not 1 <= args.test_tasks <= 50:
        raise ValueError(f"trials must be >= 1, demos >= 2 and test_tasks in [1, 50], got {args.trials}, "
                         f"{args.demos}, {args.test_tasks}")
    unknown = [e for e in args.envs if e not in ENVS]
    if unknown:
        raise ValueError(f"envs must be among {ENVS}, got {unknown}")
    rows, notes = [], []
    for env_name in args.envs:
        tests = Demonstrations.record(env_name, "test", per_task=max(2, args.trials),
                                      num_tasks=args.test_tasks, seed=args.seed)
        tasks = ArmTasks(env_name, "test")
        start = time.perf_counter()
        found = success_rates(None, tasks, tests, trials=args.trials)
        rows.append(row(env_name, "expert", 0, found, {}, time.perf_counter() - start))
        train = None
        for name in filter(lambda n: wanted(n, args), LEARNERS):
            if train is None and not args.from_checkpoints:
                train = Demonstrations.record(env_name, "train", per_task=args.demos, seed=args.seed)
            scored, fields, more = obtain(env_name, name, train, args)
            notes += more
            for steps in (0, 1) if name == "multi-task" else (1,):
                start = time.perf_counter()
                found = success_rates(scored, tasks, tests, trials=args.trials, steps=steps)
                rows.append(row(env_name, name, steps, found, fields, time.perf_counter() - start))
                print(f"{env_name} {name} after {steps} step(s): success {rows[-1]['success_rate']:.1%}",
                      flush=True)
        tasks.close()
    print_table(rows, [
        ("env", "env"), ("learner", "learner"), ("steps", "steps"),
        ("success", lambda r: f"{r['success_rate']:.1%} +- {r['ci95']:.1%}"),
        ("median", lambda r: f"{r['median']:.0%}"), ("tasks", "tasks"), ("episodes", "episodes"),
        ("meta-iterations", "iterations"), ("train s", lambda r: f"{r['train_seconds']:.0f}")],
        title=f"Meta-World ML1 one-shot imitation: success rate on held-out test tasks ({args.trials} "
              f"trials per task, 100 steps), mean +- 95% CI over tasks")
    for note in notes:
        print(f"- {note}")
    return rows
