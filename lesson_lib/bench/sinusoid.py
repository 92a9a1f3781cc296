"""Meta-train every learner in the MAML paper's sinusoid setting (section 5.1) and print test
MSE for K = 5 and 10 after 1, 5 and 10 steps (the black-box learner: its one forward pass),
with 95% intervals, medians, the count of diverged tasks, training time and per-task adaptation
latency, beside the paper's Table 2. `--from-checkpoints` evaluates the checkpoints shipped
in data/ instead of training.
"""

import numpy as np

from .. import checkpoints
from ..evaluation import DIVERGED_FACTOR, adaptation_curve, latency_ms
from ..recipes import DATA
from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid
from ..training import DivergenceError, meta_train
from .options import add_checkpoint_arguments, wanted
from .table import print_table

HELP = "MAML paper Table 2 reproduction"


def add_arguments(parser):
    add_checkpoint_arguments(parser, DATA)
    parser.add_argument("--iterations", type=int, default=None,
                        help="meta-iterations for every learner (default: each recipe's, 70,000 as in the "
                             "paper; Meta-LSTM 10,000)")
    parser.add_argument("--test-tasks", type=int, default=2_000,
                        help="test tasks per K (paper code: 600; more give tight intervals and show rare "
                             "divergence)")
    parser.add_argument("--eval-every", type=int, default=2_000, help="MAML validation interval")


def tune_finetune_alpha(learner, episode, steps=10):
    """The baseline's fine-tuning step size: the grid value with the lowest mean query MSE
    after `steps` steps on validation tasks (the paper tunes it too)."""
    scores = {a: float(np.mean(learner.adaptation_curve(episode, steps, alpha=a)[:, -1]))
              for a in recipes.FINETUNE_ALPHAS}
    finite = {a: v for a, v in scores.items() if np.isfinite(v)}
    return min(finite, key=finite.get), scores


def time_to_reach(evaluations, targets):
    """Training seconds at the first evaluation whose curve meets every target {step: mse}."""
    for iteration, seconds, curve in evaluations:
        if all(curve[s] <= t for s, t in targets.items()):
            return iteration, seconds
    return None, None


def train(name, train_K, args, tracking, validation):
    """Meta-train a fresh learner by its recipe; returns (learner, training seconds, notes).
    MAML at K = 5 is tracked on `tracking` to find when it first meets the paper; the
    pretrained baseline's fine-tuning alpha is tuned on `validation` and kept as its alpha."""
    recipe = recipes.RECIPES[name]
    iterations = args.iterations or recipe.iterations
    learner = recipes.learner(name, seed=args.seed, iterations=iterations)
    tracked, notes = name == "MAML" and train_K == recipes.PAPER_K, []
    try:
        history = meta_train(learner, Sinusoid(seed=args.seed), iterations, meta_batch=recipe.meta_batch,
                             K=train_K, Q=recipe.Q, eval_every=args.eval_every if tracked else 0,
                             eval_episode=tracking, eval_steps=max(recipes.TEST_STEPS))
    except DivergenceError as error:  # report it and evaluate the last good weights
        history = error.history
        notes.append(f"{name} (K={train_K}): {error}")
    if name == "pretrained":
        learner.alpha, scores = tune_finetune_alpha(learner, validation)
        notes.append(f"pretrained fine-tuning alpha tuned on {validation.num_tasks} validation tasks: "
                     f"{learner.alpha} (K=5 MSE after 10 steps per alpha: "
                     + ", ".join(f"{a}: {v:.3f}" for a, v in scores.items()) + ")")
    if tracked:
        it, sec = time_to_reach(history.evaluations, recipes.PAPER["MAML"])
        notes.append(f"MAML (K={train_K}) first met the paper's numbers (tracked on the test tasks every "
                     f"{args.eval_every} iterations) at iteration {it}, after {sec:.0f} s of training"
                     if it else f"MAML (K={train_K}) did not meet the paper's numbers during training")
    train_seconds = history.seconds - history.eval_seconds
    if args.save_dir is not None:
        checkpoints.save(args.save_dir / recipes.checkpoint_name(name, train_K), learner,
                         command=args.command_line, iterations=len(history.losses),
                         meta_batch=recipe.meta_batch, K=train_K, Q=recipe.Q, seed=args.seed,
                         train_seconds=train_seconds,
                         test_alpha=learner.alpha if learner.uses_alpha else None,
                         evaluations=history.evaluations)
    return learner, train_seconds, notes


def evaluate(name, train_K, learner, episode, train_seconds):
    """Rows of test MSE after each of the paper's step counts (a black-box learner: one row)."""
    steps = max(recipes.TEST_STEPS)
    curve = adaptation_curve(learner, episode, steps)
    latency = latency_ms(learner, episode, steps if learner.adapts_by_steps else 0)
    rows = []
    for at in recipes.TEST_STEPS if learner.adapts_by_steps else (None,):
        s = curve.summary(at or 0)
        rows.append({"learner": name, "train_K": train_K, "K": episode.shots, "steps": at, "mse": s["mean"],
                     "ci95": s["ci95"], "median": s["median"], "diverged_tasks": s["diverged"],
                     "tasks": s["tasks"], "train_seconds": round(train_seconds, 1),
                     "latency_ms": round(latency, 2)})
    return rows


def paper(row):
    """The paper's number for a row, where the row is comparable: K = 5, MAML meta-trained for
    that K (the pretrained baseline learns no K)."""
    comparable = row["K"] == recipes.PAPER_K and (row["learner"] == "pretrained"
                                                 or row["train_K"] == recipes.PAPER_K)
    return recipes.PAPER.get(row["learner"], {}).get(row["steps"]) if comparable else None


def run(args):
    rows, notes = [], []
    test = Sinusoid(seed=10_000 + args.seed)
    episodes = {K: test.sample(args.test_tasks, K, recipes.TEST_QUERIES) for K in (5, 10)}
    validation = Sinusoid(seed=20_000 + args.seed).sample(args.test_tasks, 5, recipes.TEST_QUERIES)
    for name, train_K, test_Ks in recipes.RUNS:
        if not wanted(name, args):
            continue
        if args.from_checkpoints:
            learner, manifest = recipes.load(name, train_K, args.data_dir)
            train_seconds = manifest["train_seconds"]
        else:
            learner, train_seconds, more = train(name, train_K, args, episodes[recipes.PAPER_K], validation)
            notes += more
        for K in test_Ks:
            rows += evaluate(name, train_K, learner, episodes[K], train_seconds)
    print_table(rows, [
        ("learner", "learner"), ("train K", "train_K"), ("test K", "K"),
        ("steps", lambda r: "forward pass" if r["steps"] is None else r["steps"]),
        ("MSE", lambda r: f"{r['mse']:.3f} +- {r['ci95']:.3f}"), ("median", lambda r: f"{r['median']:.3f}"),
        ("diverged", "diverged_tasks"),
        ("paper", paper), ("train s", lambda r: f"{r['train_seconds']:.0f}"),
        ("latency ms", lambda r: f"{r['latency_ms']:.1f}")],
        title=f"Sinusoid regression, test MSE over {args.test_tasks} tasks x {recipes.TEST_QUERIES} query "
              f"points: mean +- 95% CI over the tasks that did not diverge (diverged: the loss ends above "
              f"{DIVERGED_FACTOR}x the task's loss before adapting, or is not finite), median over all; "
              f"paper: MAML Table 2, K = {recipes.PAPER_K}; latency: adapt to one task "
              f"({max(recipes.TEST_STEPS)} steps) and predict")
    for note in notes:
        print(f"- {note}")
    return rows
