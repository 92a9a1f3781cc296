"""What every family's recipes share: the training recipe's fields, where shipped checkpoints
live, and loading one with the test-time settings its manifest records."""

from dataclasses import dataclass
from pathlib import Path

from .. import checkpoints
from ..i18n import _

DATA = Path(__file__).resolve().parents[2] / "data"  # shipped checkpoints and benchmark rows


@dataclass(frozen=True, kw_only=True)
class Recipe:
    """How a learner is meta-trained: tasks per meta-batch, for how long (meta-iterations or a
    CPU budget in minutes), the N-way K-shot Q-query shape of its training episodes (None:
    the family's default), the adaptation steps and their step size used at test time (None: as
    in training) and how often (iterations) progress is measured during training (0: never)."""

    meta_batch: int
    iterations: int | None = None
    minutes: float | None = None
    ways: int | None = None
    K: int | None = None
    Q: int | None = None
    test_steps: int | None = None
    test_alpha: float | None = None
    eval_every: int = 0


def check_name(name, names):
    if name not in names:
        raise ValueError(_("name must be one of {names}, got {name!r}", names=names, name=name))
    return name


def load_shipped(learner, path):
    """Load the checkpoint at `path` into `learner` and apply the test-time settings its
    manifest records: the step size alpha (`test_alpha`, e.g. a tuned fine-tuning rate) and
    the number of adaptation steps (`test_steps`, e.g. MAML's 3 on Omniglot where it trained
    with 1). The learner is then set up for testing; to continue meta-training, build a fresh
    one with the recipe's `learner(name)` and `checkpoints.load` it. Returns the manifest."""
    manifest = checkpoints.load(path, learner)
    if learner.uses_alpha and manifest.get("test_alpha") is not None:
        learner.alpha = manifest["test_alpha"]
    if learner.adapts_by_steps and manifest.get("test_steps") is not None:
        learner.inner_steps = manifest["test_steps"]
    return manifest


def narrowed(trained, ways, build):
    """The learner `trained` for N-way tasks, N <= the ways it was meta-trained for: a model
    whose head keeps the first N of the trained head's outputs (labels are shuffled during
    meta-training, so every output row is an equally good start), with the same alpha and
    steps; `build(name, ways=, alpha=, inner_steps=)` makes the narrow learner. Learners without
    a fixed head (`fixed_ways` None) take any N and are returned as they are."""
    if trained.fixed_ways is None or ways == trained.fixed_ways:
        return trained
    if not 2 <= ways <= trained.fixed_ways:
        raise ValueError(_("ways must be in [2, {outputs}] for {name} (its head has {outputs} outputs), got "
                           "{ways}", outputs=trained.fixed_ways, name=trained.name, ways=ways))
    narrow = build(trained.name, ways=ways, alpha=trained.alpha, inner_steps=trained.inner_steps,
                   **trained.state_options)
    state = {key: value[..., :ways] if value.shape != target.shape else value
             for (key, value), target in zip(trained.get_state().items(), narrow.get_state().values(),
                                             strict=True)}
    narrow.set_state(state)
    return narrow
