"""What the N-way few-shot benchmarks share (Omniglot, Lesson 7; languages, Lesson 11): meta-train
a learner for its recipe's CPU budget while tracking its accuracy against training seconds,
score it on fixed test episodes for each K, and print the rows.

A family's recipes module gives `RECIPES`, `learner(name, seed=)`, `training_tasks(name, seed,
**loader)`, `checkpoint_name(name)`, `load(name, data_dir)`, `TEST_WAYS`, `TEST_SHOTS`,
`TEST_QUERIES` and `PAPER` ({} where nothing is published); learners in its `UNTRAINED` (if any)
are scored as built, never trained.
"""

import math
from pathlib import Path

import numpy as np

from .. import checkpoints
from ..evaluation import accuracy, mean_ci95, one_query_at_a_time
from ..training import DivergenceError, meta_train
from .options import add_checkpoint_arguments
from .table import print_table


def add_arguments(parser, data_dir):
    add_checkpoint_arguments(parser, data_dir)
    parser.add_argument("--minutes", type=float, default=None,
                        help="training budget per learner (default: per learner, see the family's recipes)")
    parser.add_argument("--iterations", type=int, default=None,
                        help="meta-iterations per learner, in place of the recipe's budget (with --minutes: "
                             "whichever ends first); a budget that does not depend on the machine's load")
    parser.add_argument("--test-episodes", type=int, default=1000, help="test episodes per K")
    parser.add_argument("--resume", type=Path, metavar="DIR",
                        help="keep each learner's training state in DIR (every 100 iterations, and when "
                             "stopped by Ctrl-C); run the same command again to continue where it stopped")


def train(recipes, name, args, tracking, **loader):
    """Meta-train a fresh learner for its budget (the recipe's iterations or minutes; --minutes
    and --iterations replace them); returns (learner, manifest fields, notes)."""
    recipe = recipes.RECIPES[name]
    learner = recipes.learner(name, seed=args.seed)
    asked = args.minutes is not None or args.iterations is not None
    minutes = args.minutes if asked else recipe.minutes
    iterations = args.iterations if asked else recipe.iterations
    notes = []

    def evaluate(current):
        return accuracy(current, tracking, recipe.test_steps, alpha=recipe.test_alpha)[0]

    state = None if args.resume is None else args.resume / recipes.checkpoint_name(name).replace(".npz",
                                                                                                ".state.npz")
    try:
        history = meta_train(learner, recipes.training_tasks(name, args.seed, **loader), iterations,
                             meta_batch=recipe.meta_batch, K=recipe.K, Q=recipe.Q,
                             eval_every=recipe.eval_every, evaluate=evaluate,
                             max_seconds=60 * minutes if minutes else None, resume=state)
    except DivergenceError as error:  # report it and evaluate the last good weights
        history, notes = error.history, [str(error)]
    train_seconds = round(history.seconds - history.eval_seconds, 1)
    fields = {"iterations": len(history.losses), "train_seconds": train_seconds,
              "minutes_budget": minutes, "meta_batch": recipe.meta_batch, "train_ways": recipe.ways,
              "K": recipe.K, "Q": recipe.Q, "test_steps": recipe.test_steps,
              "test_alpha": recipe.test_alpha, "seed": args.seed,
              "stopped": history.stopped, "runs": history.runs,
              "accuracy_vs_seconds": [(i, round(s, 1), round(a, 4)) for i, s, a in history.evaluations]}
    return learner, fields, notes


def obtain(recipes, name, args, tracking, **loader):
    """The learner to score and its manifest fields: built (an untrained baseline), loaded from
    its shipped checkpoint (--from-checkpoints), or trained (and saved with --save-dir)."""
    if name in getattr(recipes, "UNTRAINED", ()):  # scored as built, with its own steps
        built = recipes.learner(name, seed=args.seed)
        return built, {"iterations": 0, "train_seconds": 0.0, "accuracy_vs_seconds": [],
                       "test_steps": built.inner_steps if built.adapts_by_steps else 0}, []
    if args.from_checkpoints:
        return (*recipes.load(name, args.data_dir), [])
    learner, fields, notes = train(recipes, name, args, tracking, **loader)
    if args.save_dir is not None:
        checkpoints.save(args.save_dir / recipes.checkpoint_name(name), learner, command=args.command_line,
                         **fields)
    return learner, fields, notes


def score(recipes, name, learner, fields, episodes, steps=None, alone=None):
    """One row per K: accuracy (%) and its 95% half-width over the test episodes, after the
    learner's test steps (or `steps`). All queries of a task are classified in one batch (batch
    norm sees their statistics: transductive), or with `alone` = n, the first n queries of each
    class one at a time, each in a batch with the support set only (the Reptile code's
    non-transductive protocol, `one_query_at_a_time`)."""
    rows = []
    steps = fields["test_steps"] if steps is None else steps
    alpha = fields.get("test_alpha")
    for K, episode in episodes.items():
        if alone is None:
            mean, ci95 = accuracy(learner, episode, steps, alpha=alpha)
        else:
            picked = first_of_each_class(episode, alone)
            mean, ci95 = mean_ci95(one_query_at_a_time(learner, episode, steps, picked, alpha=alpha))
        rows.append({"learner": name, "ways": recipes.TEST_WAYS, "shots": K,
                     "accuracy": round(100 * float(mean), 2), "ci95": round(100 * float(ci95), 2),
                     "episodes": episode.num_tasks, "train_seconds": fields["train_seconds"],
                     "iterations": fields["iterations"], "test_steps": steps,
                     "paper": recipes.PAPER.get(name, {}).get(K),
                     **({} if alone is None else {"queries_alone_per_class": alone})})
        print(f"{name} {K}-shot: {rows[-1]['accuracy']:.2f} +- {rows[-1]['ci95']:.2f}", flush=True)
    return rows


def first_of_each_class(episode, n):
    """Indices of the first n queries of each class in a class-major episode (Omniglot.sample)."""
    N = episode.query_y.shape[-1]
    per_class = episode.query_y.shape[1] // N
    if not 1 <= n <= per_class:
        raise ValueError(f"n must be in [1, {per_class}] (the episode's queries per class), got {n}")
    picked = (np.arange(N)[:, None] * per_class + np.arange(n)).ravel()
    if not (episode.query_y[:, picked].argmax(-1) == np.repeat(np.arange(N), n)).all():
        raise ValueError("the episode's queries are not class-major: first_of_each_class cannot pick them")
    return picked


def print_rows(rows, title):
    print_table(rows, [
        ("learner", "learner"), ("K", "shots"),
        ("accuracy", lambda r: f"{r['accuracy']:.1f} +- {r['ci95']:.1f}"),
        ("paper", "paper"), ("test steps", "test_steps"), ("meta-iterations", "iterations"),
        ("train s", lambda r: f"{r['train_seconds']:.0f}")], title=title)


def minutes_to_reach(curve, accuracy):
    """A rough guide to the budget a learner would need: fit error = c * seconds^(-a) to the
    later half of its accuracy-vs-time curve (least squares in log-log) and solve for the
    error 1 - accuracy. None when the curve is too short to fit; inf when it is not improving."""
    points = np.array([(s, 1 - a) for _, s, a in curve if s > 0 and a < 1], dtype=float).reshape(-1, 2)
    points = points[len(points) // 2:]
    if len(points) < 3:
        return None
    slope, intercept = np.polyfit(np.log(points[:, 0]), np.log(points[:, 1]), 1)
    exponent = (math.log(1 - accuracy) - intercept) / slope if slope < -1e-3 else math.inf
    return math.exp(exponent) / 60 if exponent < 50 else math.inf  # e^50 s: never, in practice


def print_curves(recipes, curves):
    """Each learner's accuracy against training seconds, and where a paper's number exists, how
    long a power law fitted to the curve's later half says reaching it would take."""
    print(f"\nAccuracy-vs-training-time ({recipes.TEST_WAYS}-way 1-shot, 100 held-out test episodes): "
          f"seconds -> accuracy %")
    for name, curve in curves.items():
        points = ", ".join(f"{s:.0f}: {100 * a:.1f}" for _, s, a in curve[:: max(1, len(curve) // 12)])
        print(f"- {name}: {points}")
        paper = recipes.PAPER.get(name, {}).get(1)
        if not paper:
            continue
        guess = minutes_to_reach(curve, paper / 100)
        if guess is None:
            print(f"  {len(curve)} tracking evaluations: too few to extrapolate to the paper's {paper}%")
        elif guess < 60_000:
            print(f"  a power law fitted to its later half reaches the paper's {paper}% after about "
                  f"{guess / 60:.1f} hours of this CPU (a rough guide)")
        else:
            print(f"  at the rate of its later half it would not reach the paper's {paper}% in 1,000 hours")
