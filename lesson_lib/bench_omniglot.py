"""`python -m lesson_lib.bench omniglot`: 5-way 1-shot and 5-shot Omniglot test accuracy of
every learner (Lesson 7), with 95% intervals over `--test-episodes` episodes of 15 queries
per class, beside the published numbers, with each learner's training budget and time.

Each learner is meta-trained for a CPU budget in minutes (`--minutes`, default per learner in
fewshot.RECIPES) rather than the papers' 60,000-100,000 iterations; on the way its 5-way
1-shot accuracy on 100 held-out test episodes is recorded against training seconds (the
accuracy-vs-time curve, also kept in the checkpoint's manifest). `--from-checkpoints`
evaluates the checkpoints shipped in data/ only.
"""

import math
from pathlib import Path

import numpy as np

from . import checkpoints
from .evaluation import accuracy
from .fewshot import (
    OMNIGLOT_LEARNERS,
    PAPER,
    RECIPES,
    TEST_QUERIES,
    checkpoint_name,
    omniglot_learner,
    training_tasks,
)
from .tasks import Omniglot
from .training import DivergenceError, meta_train


def train(name, args, tracking):
    """Meta-train a fresh learner for its budget; returns (learner, manifest fields)."""
    recipe = RECIPES[name]
    learner = omniglot_learner(name, seed=args.seed)
    minutes = args.minutes if args.minutes is not None else recipe.minutes
    notes = []

    def evaluate(current):
        return accuracy(current, tracking, recipe.test_steps)[0]

    try:
        history = meta_train(learner, training_tasks(name, recipe.train_ways, args.seed, subset=args.subset),
                             None, meta_batch=recipe.meta_batch, K=recipe.train_K, Q=recipe.train_Q,
                             eval_every=recipe.eval_every, evaluate=evaluate, max_seconds=60 * minutes)
    except DivergenceError as error:  # report it and evaluate the last good weights
        history, notes = error.history, [str(error)]
    train_seconds = round(history.seconds - history.eval_seconds, 1)
    fields = {"iterations": len(history.losses), "train_seconds": train_seconds,
              "minutes_budget": minutes, "meta_batch": recipe.meta_batch, "train_ways": recipe.train_ways,
              "K": recipe.train_K, "Q": recipe.train_Q, "test_steps": recipe.test_steps, "seed": args.seed,
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


def omniglot(args, command):
    rows, notes, curves = [], [], {}
    test = Omniglot("test", ways=5, seed=10_000 + args.seed, subset=args.subset)
    episodes = {K: test.sample(args.test_episodes, K, TEST_QUERIES) for K in (1, 5)}
    tracking = Omniglot("test", ways=5, seed=30_000 + args.seed, subset=args.subset)
    tracking = tracking.sample(100, 1, TEST_QUERIES)
    for name in OMNIGLOT_LEARNERS:
        if args.learners and name not in args.learners:
            continue
        path = args.data_dir / checkpoint_name(name)
        if args.from_checkpoints:
            learner = omniglot_learner(name)
            fields = checkpoints.load(path, learner)
        else:
            learner, fields, more = train(name, args, tracking)
            notes += more
            if args.save_dir is not None:
                checkpoints.save(args.save_dir / path.name, learner, command=command, **fields)
        curves[name] = fields["accuracy_vs_seconds"]
        for K in (1, 5):
            mean, ci95 = accuracy(learner, episodes[K], fields["test_steps"])
            rows.append({"learner": name, "ways": 5, "shots": K, "accuracy": round(100 * mean, 2),
                         "ci95": round(100 * ci95, 2), "episodes": args.test_episodes,
                         "train_seconds": fields["train_seconds"], "iterations": fields["iterations"],
                         "test_steps": fields["test_steps"], "paper": PAPER.get(name, {}).get(K)})
            print(f"{name} {K}-shot: {rows[-1]['accuracy']:.2f} +- {rows[-1]['ci95']:.2f}", flush=True)
    print(f"\nOmniglot 5-way test accuracy (%), {args.test_episodes} episodes x {TEST_QUERIES} queries per "
          f"class, mean +- 95% CI; one model per learner for both K")
    print("| learner | K | accuracy | paper | test steps | meta-iterations | train s |\n"
          "|---|---|---|---|---|---|---|")
    for r in rows:
        paper = "" if r["paper"] is None else f"{r['paper']}"
        print(f"| {r['learner']} | {r['shots']} | {r['accuracy']:.1f} +- {r['ci95']:.1f} | {paper} | "
              f"{r['test_steps']} | {r['iterations']} | {r['train_seconds']:.0f} |")
    print("\nAccuracy-vs-training-time (5-way 1-shot, 100 held-out test episodes): seconds -> accuracy %")
    for name, curve in curves.items():
        points = ", ".join(f"{s:.0f}: {100 * a:.1f}" for _, s, a in curve[:: max(1, len(curve) // 12)])
        print(f"- {name}: {points}")
        paper = PAPER.get(name, {}).get(1)
        guess = minutes_to_reach(curve, paper / 100) if paper else None
        if guess is not None and guess < 60_000:
            print(f"  a power law fitted to its later half reaches the paper's {paper}% after about "
                  f"{guess / 60:.1f} hours of this CPU (a rough guide)")
        elif paper:
            print(f"  at the rate of its later half it would not reach the paper's {paper}% in 1,000 hours")
    for note in notes:
        print(f"- {note}")
    return rows


def add_arguments(parser):
    parser.add_argument("--minutes", type=float, default=None,
                        help="training budget per learner (default: per learner, see fewshot.RECIPES)")
    parser.add_argument("--test-episodes", type=int, default=1000, help="test episodes per K")
    parser.add_argument("--subset", default="full", choices=("full", "small"), help="Omniglot characters")
    parser.add_argument("--save-dir", type=Path, help="write the trained checkpoints here (data/ ships them)")

