"""5-way 1-shot and 5-shot Omniglot test accuracy of every learner (Lesson 7), with 95%
intervals over `--test-episodes` episodes of 15 queries per class, beside the published
numbers, with each learner's training budget and time.

Each learner is meta-trained for a CPU budget in minutes (`--minutes`, default per learner in
recipes.omniglot.RECIPES) or for `--iterations N`, which `--resume DIR` can spread over several
sessions (the shipped MAML ran 26,500 of its paper's 60,000 that way); on the way its
5-way 1-shot accuracy on 100 held-out test episodes is recorded against training seconds (the
accuracy-vs-time curve, also kept in the checkpoint's manifest). `--from-checkpoints`
evaluates the checkpoints shipped in data/ only.
"""

from ..recipes import DATA
from ..recipes import omniglot as recipes
from ..tasks import Omniglot
from . import fewshot
from .options import wanted

HELP = "5-way Omniglot accuracy of every learner vs the papers"


def add_arguments(parser):
    fewshot.add_arguments(parser, DATA)
    parser.add_argument("--subset", default="full", choices=("full", "small"), help="Omniglot characters")
    parser.add_argument("--test-steps", type=int, default=None,
                        help="adaptation steps at test (default: each learner's recipe; Reptile's code "
                             "takes 50)")
    parser.add_argument("--queries-alone", type=int, default=None, metavar="N",
                        help="score the first N queries of each class one at a time, each batched with the "
                             "support set only (Reptile's non-transductive protocol; its code uses 1) "
                             "instead of all queries in one batch")


def run(args):
    if args.test_steps is not None and args.test_steps < 0:  # checked before hours of training, not after
        raise SystemExit(f"--test-steps must be 0 or more, got {args.test_steps}")
    if args.queries_alone is not None and not 1 <= args.queries_alone <= recipes.TEST_QUERIES:
        raise SystemExit(f"--queries-alone must be in [1, {recipes.TEST_QUERIES}] (the test queries per "
                         f"class), got {args.queries_alone}")
    rows, notes, curves = [], [], {}
    test = Omniglot("test", ways=recipes.TEST_WAYS, seed=10_000 + args.seed, subset=args.subset)
    episodes = {K: test.sample(args.test_episodes, K, recipes.TEST_QUERIES) for K in recipes.TEST_SHOTS}
    tracking = Omniglot("test", ways=recipes.TEST_WAYS, seed=30_000 + args.seed, subset=args.subset)
    tracking = tracking.sample(100, 1, recipes.TEST_QUERIES)
    for name in filter(lambda n: wanted(n, args), recipes.LEARNERS):
        learner, fields, more = fewshot.obtain(recipes, name, args, tracking, subset=args.subset)
        notes += more
        curves[name] = fields["accuracy_vs_seconds"]
        rows += fewshot.score(recipes, name, learner, fields, episodes, args.test_steps, args.queries_alone)
    fewshot.print_rows(rows, f"Omniglot {recipes.TEST_WAYS}-way test accuracy (%), {args.test_episodes} "
                             f"episodes x {recipes.TEST_QUERIES} queries per class, mean +- 95% CI; "
                             f"one model per learner for both K")
    fewshot.print_curves(recipes, curves)
    for note in notes:
        print(f"- {note}")
    return rows
