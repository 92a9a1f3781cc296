"""Beyond MAML on the sinusoid (issue 14): from the MAML paper's setting (1-40-40-1 ReLU,
alpha = 0.01, 1 inner step, meta-batch 25, K = Q = 5; query MSE 0.35 after 10 steps at K = 5)
towards half its error, adding one change at a time, every variant meta-trained for the same
number of meta-iterations and measured on the same test tasks: K = 5 support and 100 query
points each, the mean (95% CI) and median query MSE after 10 steps, and the count of tasks that
diverge within 20 steps (a loss not finite or above 100x the task's loss before adapting).

`--variants` picks variants by key (default: the ablation chain); `--save-dir` writes the best
variant that diverged on no task as a checkpoint, its manifest naming the variant, so
`learner(variant)` rebuilds it. Variants are built by the sinusoid recipes' learners with the
variant's settings; the best ones are recipes themselves ("wide_fast" is MAML++, "metasgd5"
Meta-SGD), trained and shipped by `bench sinusoid`.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import checkpoints
from ..evaluation import DIVERGED_FACTOR, adaptation_curve, diverged_tasks
from ..models import mlp
from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid
from ..training import DivergenceError, meta_train
from .table import print_table

HELP = "sinusoid K = 5: the paper's MAML to twice its accuracy, one change at a time"

K = 5  # support points per task, training and test (the paper's table)
TEST_QUERIES = recipes.TEST_QUERIES
STEPS = max(recipes.TEST_STEPS)  # the paper's last column
DIVERGENCE_STEPS = 20
PAPER_MSE = recipes.PAPER["MAML"][STEPS]
TARGET_MSE = PAPER_MSE / 2


@dataclass(frozen=True)
class Variant:
    """One configuration: `changes` says what it adds to `parent` (None: the paper's MAML);
    `settings` override the parent's (see `BASE`)."""

    changes: str
    parent: str | None = None
    settings: dict = field(default_factory=dict)


# learner: a sinusoid recipe, "MAML", "MAML++" or "Meta-SGD"; hidden: the MLP's hidden widths;
# Q: query points per training task (None: Q = K, as the paper); the rest go to the learner.
BASE = {"learner": "MAML", "hidden": (40, 40), "meta_batch": 25, "Q": None, "alpha": 0.01, "inner_steps": 1,
        "beta": 1e-3}
# what a variant does not switch on stays off (the recipes switch on the best settings)
OFF = {"MAML": {}, "Meta-SGD": {"relative_alphas": False},
       "MAML++": {"multi_step_loss": False, "learned_step_sizes": False, "relative_alphas": False,
                  "cosine_outer": False}}

VARIANTS = {
    "maml": Variant("the MAML paper: 1-40-40-1, alpha 0.01, 1 step, meta-batch 25, K = Q = 5"),
    "q25": Variant("25 query points per training task (a less noisy meta-gradient)", "maml", {"Q": 25}),
    "steps5": Variant("5 inner steps in training", "q25", {"inner_steps": 5}),
    "lslr": Variant("MAML++ learned per-layer per-step alphas (learned relative to 0.01)", "steps5",
                    {"learner": "MAML++", "learned_step_sizes": True, "relative_alphas": True}),
    "msl": Variant("MAML++ multi-step loss", "lslr", {"multi_step_loss": True}),
    "cosine": Variant("MAML++ cosine-annealed outer rate (beta 0.001 to 0.00001)", "msl",
                      {"cosine_outer": True}),
    "wide": Variant("wider MLP 1-80-80-1", "cosine", {"hidden": (80, 80)}),
    "wide_fast": Variant("outer rate beta 0.003 (cosine-annealed to 0.00003)", "wide", {"beta": 3e-3}),
    # tried beside the chain
    "fast": Variant("outer rate beta 0.003 (cosine-annealed to 0.00003), 1-40-40-1", "cosine",
                    {"beta": 3e-3}),
    "lslr_direct": Variant("MAML++ learned per-layer per-step alphas, learned directly (the paper)", "steps5",
                           {"learner": "MAML++", "learned_step_sizes": True}),
    "steps10": Variant("10 inner steps in training", "msl", {"inner_steps": 10}),
    "deep": Variant("deeper MLP 1-40-40-40-1", "cosine", {"hidden": (40, 40, 40)}),
    "alpha3": Variant("alpha 0.03 (5 steps)", "steps5", {"alpha": 0.03}),
    "metasgd": Variant("Meta-SGD (the paper): a learned alpha per parameter, 1 step", "q25",
                       {"learner": "Meta-SGD"}),
    "metasgd5": Variant("Meta-SGD, 5 steps, alphas learned relative to 0.01", "metasgd",
                        {"inner_steps": 5, "relative_alphas": True}),
}
ABLATION = ("maml", "q25", "steps5", "lslr", "msl", "cosine", "wide", "wide_fast")


def settings(name):
    """A variant's full settings: BASE, then each ancestor's changes, oldest first."""
    if name not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {name!r}")
    variant = VARIANTS[name]
    return {**(BASE if variant.parent is None else settings(variant.parent)), **variant.settings}


def learner(name, *, seed=0, iterations=1):
    """A fresh learner for variant `name`, planned for `iterations` meta-iterations (the
    MAML++ schedules run over them)."""
    options = dict(settings(name))
    kind, hidden = options.pop("learner"), options.pop("hidden")
    options.pop("meta_batch"), options.pop("Q")
    return recipes.learner(kind, seed=seed, iterations=iterations, model=mlp(hidden=hidden, seed=seed),
                           **{**OFF[kind], **options})


def measure(learner_, episode, steps=STEPS, divergence_steps=DIVERGENCE_STEPS):
    """Mean, 95% half-width and median query MSE after `steps` steps (Curve.summary), and the tasks
    that diverged at any step within `divergence_steps` (evaluation.diverged_tasks)."""
    curve = adaptation_curve(learner_, episode, max(steps, divergence_steps))
    s = curve.summary(steps, DIVERGED_FACTOR)
    diverged = diverged_tasks(curve.per_task[:, :divergence_steps + 1], DIVERGED_FACTOR).any(axis=1)
    return {"steps": steps, "mse": s["mean"], "ci95": s["ci95"], "median": s["median"],
            "diverged_tasks": int(diverged.sum()), "divergence_steps": divergence_steps, "tasks": s["tasks"]}


def add_arguments(parser):
    parser.add_argument("--variants", type=lambda text: text.split(","), default=list(ABLATION),
                        help=f"comma-separated keys of {sorted(VARIANTS)} (default: the ablation chain "
                             f"{','.join(ABLATION)})")
    parser.add_argument("--iterations", type=int, default=4_000, help="meta-iterations for every variant")
    parser.add_argument("--test-tasks", type=int, default=10_000, help="test tasks (K = 5, 100 queries each)")
    parser.add_argument("--seeds", type=lambda text: [int(v) for v in text.split(",")], default=None,
                        help="comma-separated training seeds, each variant trained once per seed on the same "
                             "test tasks (default: --seed); the spread says how much one run can be trusted")
    parser.add_argument("--save-dir", type=Path, help="write the best variant's checkpoint here")


def train(name, args, seed):
    """Meta-train variant `name` for args.iterations from `seed`; returns (learner, wall-clock training
    seconds, CPU seconds of the process while training, note). On a shared machine the CPU
    time says more than the wall time about the cost on a quiet one."""
    config = settings(name)
    fresh = learner(name, seed=seed, iterations=args.iterations)
    note, cpu = None, time.process_time()
    try:
        history = meta_train(fresh, Sinusoid(seed=seed), args.iterations,
                             meta_batch=config["meta_batch"], K=K, Q=config["Q"])
    except DivergenceError as error:  # report it and evaluate the last good weights
        history, note = error.history, f"{name} (seed {seed}): {error}"
    return fresh, history.seconds - history.eval_seconds, time.process_time() - cpu, note


def run(args):
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"--variants: unknown {unknown}; choose from {sorted(VARIANTS)}")
    episode = Sinusoid(seed=10_000 + args.seed).sample(args.test_tasks, K, TEST_QUERIES)
    rows, notes, best = [], [], None
    for name, seed in ((n, s) for n in args.variants for s in args.seeds or [args.seed]):
        trained, seconds, cpu, note = train(name, args, seed)
        notes += [note] if note else []
        row = {"variant": name, "changes": VARIANTS[name].changes, "seed": seed,
               "iterations": args.iterations, "train_seconds": round(seconds, 1),
               "train_cpu_seconds": round(cpu, 1), **measure(trained, episode)}
        rows.append(row)
        print(f"{name}: {row}", flush=True)
        if row["diverged_tasks"] == 0 and (best is None or row["mse"] < best[1]["mse"]):
            best = (trained, row)
    print_table(rows, [
        ("variant", "variant"), ("adds", "changes"), ("seed", "seed"), ("iterations", "iterations"),
        ("train s (CPU s)", lambda r: f"{r['train_seconds']:.0f} ({r['train_cpu_seconds']:.0f})"),
        ("MSE@10", lambda r: f"{r['mse']:.3f} +- {r['ci95']:.3f}"),
        ("median", lambda r: f"{r['median']:.3f}"),
        ("diverged (20 steps)", lambda r: f"{r['diverged_tasks']} / {r['tasks']}")],
        title=f"Sinusoid K = {K}, query MSE after {STEPS} steps over {args.test_tasks} test tasks x "
              f"{TEST_QUERIES} points (paper MAML: {PAPER_MSE}; target {TARGET_MSE})")
    for note in notes:
        print(f"- {note}")
    if args.save_dir is not None and best is not None:
        trained, row = best
        path = args.save_dir / f"sinusoid_{row['variant']}_k{K}.npz"
        checkpoints.save(path, trained, command=args.command_line, variant=row["variant"],
                         iterations=args.iterations, train_seconds=row["train_seconds"], seed=row["seed"],
                         meta_batch=settings(row["variant"])["meta_batch"], K=K, metrics=row)
        print(f"best variant {row['variant']} saved to {path}")
    return rows
