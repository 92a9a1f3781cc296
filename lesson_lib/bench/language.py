"""5-way 1-shot and 5-shot language identification on languages never seen in meta-training
(Lesson 11): every learner's accuracy with 95% intervals over `--test-episodes` episodes of 15
query texts per language, beside the n-gram baseline (no meta-training), with each learner's
training budget and time.

Each learner is meta-trained on the 19 training languages for a CPU budget in minutes
(`--minutes`, default per learner in recipes.language.RECIPES); on the way its 5-way 1-shot
accuracy on 100 held-out test episodes is recorded against training seconds. `--words 1` makes
every example a single word (the hard setting). `--from-checkpoints` evaluates the checkpoints
shipped in data/ only.
"""

from ..recipes import DATA
from ..recipes import language as recipes
from . import fewshot
from .options import wanted

HELP = "few-shot language identification on unseen languages vs the n-gram baseline"


def add_arguments(parser):
    fewshot.add_arguments(parser, DATA)
    parser.add_argument("--words", type=int, default=recipes.WORDS, help="words per example text")


def run(args):
    rows, notes, curves = [], [], {}
    test = recipes.test_tasks(seed=10_000 + args.seed, words=args.words)
    episodes = {K: test.sample(args.test_episodes, K, recipes.TEST_QUERIES) for K in recipes.TEST_SHOTS}
    tracking = recipes.test_tasks(seed=30_000 + args.seed, words=args.words)
    tracking = tracking.sample(100, 1, recipes.TEST_QUERIES)
    for name in filter(lambda n: wanted(n, args), recipes.LEARNERS):
        learner, fields, more = fewshot.obtain(recipes, name, args, tracking, words=args.words)
        notes += more
        if fields["accuracy_vs_seconds"]:
            curves[name] = fields["accuracy_vs_seconds"]
        rows += fewshot.score(recipes, name, learner, fields, episodes)
    for row in rows:
        row["words"] = args.words
    title = (f"Language identification, {recipes.TEST_WAYS}-way test accuracy (%) on the 8 test "
             f"languages, {args.test_episodes} episodes x {recipes.TEST_QUERIES} texts of {args.words} words "
             f"per language, mean +- 95% CI; one model per learner for both K")
    fewshot.print_rows(rows, title)
    fewshot.print_curves(recipes, curves)
    for note in notes:
        print(f"- {note}")
    return rows
