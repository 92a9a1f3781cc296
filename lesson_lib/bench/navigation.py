"""MAML for policy gradients on 2D navigation (MAML paper, section 5.3): meta-train MAML and the
multi-task pretrained baseline, then measure the average undiscounted return on `--test-tasks`
held-out goals (a fixed seed apart from training's) after 0, 1, 2 and 3 adaptation steps, for
MAML, the pretrained policy and a random initialisation, all adapted the same way.

Protocol (the MAML paper's test): each step samples 40 fresh trajectories of 100 steps with the
current weights, records their mean return, and takes one REINFORCE step on them (linear feature
baseline, alpha 0.1, then 0.05). Rows give the mean over tasks with its 95% interval and the
median. Training: meta-batches of 20 goals x 20 trajectories, one inner step (alpha 0.1),
second order, Adam on the meta-gradient (the paper: TRPO; see lesson_lib.rl.maml_rl); the
pretrained baseline takes the same number of Adam steps on the same policy gradient without
adaptation. `--save-dir` writes checkpoints with manifests (and the learning curve);
`--from-checkpoints` re-scores checkpoints in `--data-dir`.

Paper numbers: the MAML paper shows 2D navigation in a figure only. The ANIL paper (Raghu et al.
2020, Table 2) reports an average return of -20.3 +- 3.2 for MAML and -20.1 +- 2.3 for ANIL
(mean and standard deviation over three training seeds), trained "using the same model
architectures as the original MAML authors" (details in its appendix C.4, which we could not
consult). We show -20.3 beside MAML after one step, the step MAML is meta-trained for. It is
comparable in task, policy (2 x 100 ReLU), inner step (REINFORCE, alpha 0.1, linear baseline)
and meta-batch; it differs in the outer optimizer (TRPO there, Adam here), in the number of
meta-iterations (up to 500 there; what one CPU core does in minutes here), possibly in the
test trajectories per step (20 in pytorch-maml-rl's test script, 40 in the MAML paper's) and in
the action scale (the policy acts in [-1, 1] times 0.1 as in the authors' rllab code; see
lesson_lib.rl.policy): with pytorch-maml-rl's scale of 1 our MAML adapts less well (measured:
-12.8 instead of -9.9 after one step, 400 meta-iterations, 100 goals).
"""

import time

import numpy as np

from .. import checkpoints
from ..envs import sample_tasks
from ..evaluation import mean_ci95
from ..recipes import DATA
from ..recipes.navigation import ITERATIONS, LEARNERS, PAPER, TEST_STEPS, UNTRAINED, checkpoint_name, learner
from ..rl import train
from ..training import DivergenceError
from .options import add_checkpoint_arguments, wanted
from .table import print_table

HELP = "MAML-RL on 2D navigation: return after 0-3 adaptation steps vs pretrained and random"


def add_arguments(parser):
    add_checkpoint_arguments(parser, DATA)
    parser.add_argument("--iterations", type=int, default=ITERATIONS,
                        help=f"meta-iterations of MAML and of the pretrained baseline (default "
                             f"{ITERATIONS}, as the paper's up to 500 TRPO steps: about 6-10 minutes in all "
                             f"on one core)")
    parser.add_argument("--test-tasks", type=int, default=200,
                        help="held-out goals (at least 100 for the rows)")
    parser.add_argument("--test-trajectories", type=int, default=40,
                        help="trajectories per adaptation step at test time (the paper: 40)")
    parser.add_argument("--report-every", type=int, default=10,
                        help="print a progress line every this many iterations")


def trained(name, args):
    """Meta-train learner `name`, printing its learning curve; returns (learner, manifest fields, notes)."""
    fresh = learner(name, seed=args.seed)

    def report(record):
        print(f"{name} iteration {record['iteration']}: return before adaptation "
              f"{record['return_before']:.1f}, after {record['return_after']:.1f}, {record['seconds']:.0f} s",
              flush=True)

    notes, start = [], time.perf_counter()
    try:
        history = train(fresh, args.iterations, seed=args.seed, report=report, report_every=args.report_every)
    except DivergenceError as error:  # report it and evaluate the last good weights
        history, notes = error.history, [str(error)]
    seconds = time.perf_counter() - start
    fields = {"iterations": len(history), "train_seconds": round(seconds, 1), "seed": args.seed,
              "seconds_per_iteration": round(seconds / max(len(history), 1), 3),
              "curve": [(r["iteration"], round(r["return_before"], 2), round(r["return_after"], 2))
                        for r in history]}
    if args.save_dir is not None:
        checkpoints.save(args.save_dir / checkpoint_name(name), fresh, command=args.command_line, **fields)
    return fresh, fields, notes


def obtain(name, args):
    """The learner to score and its manifest fields: built (random), loaded (--from-checkpoints)
    or trained (and saved with --save-dir)."""
    if name in UNTRAINED:
        return learner(name, seed=args.seed), {"iterations": 0, "train_seconds": 0.0}, []
    if args.from_checkpoints:
        loaded = learner(name, seed=args.seed)
        return loaded, checkpoints.load(args.data_dir / checkpoint_name(name), loaded), []
    return trained(name, args)


def run(args):
    if args.test_tasks < 1 or args.iterations < 0 or args.test_trajectories < 1:
        raise ValueError(f"test_tasks and test_trajectories must be >= 1 and iterations >= 0, got "
                         f"{args.test_tasks}, {args.test_trajectories}, {args.iterations}")
    goals = sample_tasks(args.test_tasks, seed=10_000 + args.seed)  # training draws from seed args.seed
    rows, notes = [], []
    for name in filter(lambda n: wanted(n, args), LEARNERS):
        scored, fields, more = obtain(name, args)
        notes += more
        start = time.perf_counter()
        returns = scored.adapt_and_evaluate(goals, steps=TEST_STEPS, trajectories=args.test_trajectories,
                                            rng=20_000 + args.seed)
        seconds = time.perf_counter() - start
        for step in range(TEST_STEPS + 1):
            mean, ci95 = mean_ci95(returns[:, step])
            median = np.median(returns[:, step])
            rows.append({"learner": name, "steps": step, "return_mean": round(float(mean), 2),
                         "ci95": round(float(ci95), 2), "median": round(float(median), 2),
                         "tasks": len(goals), "trajectories": args.test_trajectories,
                         "iterations": fields["iterations"], "train_seconds": fields["train_seconds"],
                         "eval_seconds": round(seconds, 1), "paper": PAPER.get((name, step))})
        shown = ", ".join(f"{r['return_mean']:.1f}" for r in rows[-TEST_STEPS - 1:])
        print(f"{name}: return after 0..{TEST_STEPS} steps {shown}", flush=True)
    print_table(rows, [
        ("learner", "learner"), ("steps", "steps"),
        ("return", lambda r: f"{r['return_mean']:.1f} +- {r['ci95']:.1f}"), ("median", "median"),
        ("paper", "paper"), ("meta-iterations", "iterations"),
        ("train s", lambda r: f"{r['train_seconds']:.0f}")],
        title=f"2D navigation, average undiscounted return on {len(goals)} held-out goals after "
              f"0-{TEST_STEPS} REINFORCE steps ({args.test_trajectories} trajectories of 100 steps each, "
              f"alpha 0.1 then 0.05), mean +- 95% CI over goals; paper: ANIL paper Table 2 (MAML, mean "
              f"of 3 seeds)")
    for note in notes:
        print(f"- {note}")
    return rows
