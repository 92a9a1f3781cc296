"""5-way 1-shot and 5-shot Omniglot test accuracy of every learner (Lesson 7), with 95%
intervals over `--test-episodes` episodes of 15 queries per class, beside the published
numbers, with each learner's training budget and time.

Each learner is meta-trained for a CPU budget in minutes (`--minutes`, default per learner in
recipes.omniglot.RECIPES) rather than the papers' 60,000-100,000 iterations; on the way its
5-way 1-shot accuracy on 100 held-out test episodes is recorded against training seconds (the
accuracy-vs-time curve, also kept in the checkpoint's manifest). `--from-checkpoints`
evaluates the checkpoints shipped in data/ only.
"""

import math

import numpy as np

from .. import checkpoints
from ..evaluation import accuracy
from ..recipes import DATA
from ..recipes import omniglot as recipes
from ..tasks import Omniglot
from ..training import DivergenceError, meta_train
from .options import add_checkpoint_arguments, wanted
from .table import print_table

HELP = "5-way Omniglot accuracy of every learner vs the papers"


def add_arguments(parser):
    add_checkpoint_arguments(parser, DATA)
    parser.add_argument("--minutes", type=float, default=None,
                        help="training budget per learner (default: per learner, see recipes.omniglot)")
    parser.add_argument("--test-episodes", type=int, default=1000, help="test episodes per K")
    parser.add_argument("--subset", default="full", choices=("full", "small"), help="Omniglot characters")


def train(name, args, tracking):
    """Meta-train a fresh learner for its budget; returns (learner, manifest fields, notes)."""
    recipe = recipes.RECIPES[name]
    learner = recipes.learner(name, seed=args.seed)
    minutes = args.minutes if args.minutes is not None else recipe.minutes
    notes = []

    def evaluate(current):
        return accuracy(current, tracking, recipe.test_steps)[0]

    try:
        history = meta_train(learner, recipes.training_tasks(name, args.seed, subset=args.subset), None,
                             meta_batch=recipe.meta_batch, K=recipe.K, Q=recipe.Q,
                             eval_every=recipe.eval_every, evaluate=evaluate, max_seconds=60 * minutes)
    except DivergenceError as error:  # report it and evaluate the last good weights
        history, notes = error.history, [str(error)]
    train_seconds = round(history.seconds - history.eval_seconds, 1)
    fields = {"iterations": len(history.losses), "train_seconds": train_seconds,
              "minutes_budget": minutes, "meta_batch": recipe.meta_batch, "train_ways": recipe.ways,
              "K": recipe.K, "Q": recipe.Q, "test_steps": recipe.test_steps, "seed": args.seed,
              "stopped": history.stopped, "accuracy_vs_seconds": [(i, round(s, 1), round(a, 4))
                                                                  for i, s, a in history.evaluations]}
    return learner, fields, notes


def minutes_to_reach(curve, accuracy):
    """A rough guide to the budget a learner would need: fit error = c * seconds^(-a) to the
    later half of its accuracy-vs-time curve (least squares in log-log) and solve for the
    error 1 - accuracy. None when the curve is too short or not improving."""
    points = np.array([(s, 1 - a) for _, s, a in curve if s > 0 and a < 1], dtype=float)
    points = points[len(points) // 2:]
    if len(points) < 3:
        return None
    slope, intercept = np.polyfit(np.log(points[:, 0]), np.log(points[:, 1]), 1)
    exponent = (math.log(1 - accuracy) - intercept) / slope if slope < -1e-3 else math.inf
    return math.exp(exponent) / 60 if exponent < 50 else None  # e^50 s: never, in practice


def run(args):
    rows, notes, curves = [], [], {}
    test = Omniglot("test", ways=recipes.TEST_WAYS, seed=10_000 + args.seed, subset=args.subset)
    episodes = {K: test.sample(args.test_episodes, K, recipes.TEST_QUERIES) for K in recipes.TEST_SHOTS}
    tracking = Omniglot("test", ways=recipes.TEST_WAYS, seed=30_000 + args.seed, subset=args.subset)
    tracking = tracking.sample(100, 1, recipes.TEST_QUERIES)
    for name in filter(lambda n: wanted(n, args), recipes.LEARNERS):
        if args.from_checkpoints:
            learner, fields = recipes.load(name, args.data_dir)
        else:
            learner, fields, more = train(name, args, tracking)
            notes += more
            if args.save_dir is not None:
                checkpoints.save(args.save_dir / recipes.checkpoint_name(name), learner,
                                 command=args.command_line, **fields)
        curves[name] = fields["accuracy_vs_seconds"]
        for K in recipes.TEST_SHOTS:
            mean, ci95 = accuracy(learner, episodes[K], fields["test_steps"])
            rows.append({"learner": name, "ways": recipes.TEST_WAYS, "shots": K,
                         "accuracy": round(100 * mean, 2), "ci95": round(100 * ci95, 2),
                         "episodes": args.test_episodes,
                         "train_seconds": fields["train_seconds"], "iterations": fields["iterations"],
                         "test_steps": fields["test_steps"], "paper": recipes.PAPER.get(name, {}).get(K)})
            print(f"{name} {K}-shot: {rows[-1]['accuracy']:.2f} +- {rows[-1]['ci95']:.2f}", flush=True)
    print_table(rows, [
        ("learner", "learner"), ("K", "shots"),
        ("accuracy", lambda r: f"{r['accuracy']:.1f} +- {r['ci95']:.1f}"),
        ("paper", "paper"), ("test steps", "test_steps"), ("meta-iterations", "iterations"),
        ("train s", lambda r: f"{r['train_seconds']:.0f}")],
        title=f"Omniglot {recipes.TEST_WAYS}-way test accuracy (%), {args.test_episodes} episodes x "
              f"{recipes.TEST_QUERIES} queries per class, mean +- 95% CI; one model per learner for both K")
    print("\nAccuracy-vs-training-time (5-way 1-shot, 100 held-out test episodes): seconds -> accuracy %")
    for name, curve in curves.items():
        points = ", ".join(f"{s:.0f}: {100 * a:.1f}" for _, s, a in curve[:: max(1, len(curve) // 12)])
        print(f"- {name}: {points}")
        paper = recipes.PAPER.get(name, {}).get(1)
        guess = minutes_to_reach(curve, paper / 100) if paper else None
        if guess is not None and guess < 60_000:
            print(f"  a power law fitted to its later half reaches the paper's {paper}% after about "
                  f"{guess / 60:.1f} hours of this CPU (a rough guide)")
        elif paper:
            print(f"  at the rate of its later half it would not reach the paper's {paper}% in 1,000 hours")
    for note in notes:
        print(f"- {note}")
    return rows
