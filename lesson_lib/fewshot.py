"""The Omniglot learners as the benchmark configures them, how each is meta-trained, and the
checkpoints shipped in data/ (Lesson 7). Each paper's setting is kept where the CPU allows;
where it does not (iterations, Reptile's test-time steps) the README says so.
"""

from dataclasses import dataclass
from pathlib import Path

from . import checkpoints
from .functional import cross_entropy
from .learners import MAML, ProtoNet, Reptile, TransferBaseline
from .models import conv4
from .shipped import DATA
from .tasks import GlobalLabels, Omniglot

OMNIGLOT_LEARNERS = ("MAML", "FOMAML", "Reptile", "ProtoNet", "fine-tuned")
HEADLESS = ("ProtoNet", "fine-tuned")  # no trained output layer: any number of ways
# Published 5-way accuracy (%), 1-shot and 5-shot: MAML Table 1; Reptile Table 1 (v3, not
# transductive); Prototypical Networks Table 1 (trained 60-way); none for our baseline.
PAPER = {"MAML": {1: 98.7, 5: 99.9}, "FOMAML": {1: 98.3, 5: 99.2}, "Reptile": {1: 95.39, 5: 98.90},
         "ProtoNet": {1: 98.8, 5: 99.7}}
TEST_QUERIES = 15  # query drawings per class in test episodes
RESULTS = DATA / "omniglot_results.json"  # the benchmark rows of the shipped checkpoints


@dataclass(frozen=True)
class Recipe:
    """How a learner is meta-trained: meta-batch, ways, K and Q of its training episodes,
    the adaptation steps used at test time, the default CPU budget in minutes and how often
    (iterations) the accuracy-vs-time curve is measured."""

    meta_batch: int
    train_ways: int
    train_K: int
    train_Q: int
    test_steps: int
    minutes: float
    eval_every: int


# One model per learner serves both 1-shot and 5-shot tests (the papers train one per K;
# the CPU budget pays for one). MAML: meta-batch 32, K = Q = 1, 1 inner step at alpha 0.4,
# 3 at test (its code). Reptile: meta-batch 5, 10 training shots, 5 Adam steps (its code);
# epsilon annealed 1 -> 0.1 over the 4,000 iterations its budget allows (code: 1 -> 0 over 100,000).
# ProtoNet: 20-way 1-shot episodes with 5 queries (the paper uses 60-way). Baseline:
# batches of 20 classes x 10 drawings over all 4,800 training classes.
RECIPES = {"MAML": Recipe(32, 5, 1, 1, 3, 40, 200), "FOMAML": Recipe(32, 5, 1, 1, 3, 20, 200),
           "Reptile": Recipe(5, 5, 10, 1, 10, 20, 300), "ProtoNet": Recipe(1, 20, 1, 5, 0, 10, 500),
           "fine-tuned": Recipe(1, 20, 5, 5, 50, 8, 500)}


def omniglot_learner(name, ways=5, seed=0, num_classes=4800):
    """A fresh learner on the conv4 model (MAML appendix A.1)."""
    if name not in OMNIGLOT_LEARNERS:
        raise ValueError(f"name must be one of {OMNIGLOT_LEARNERS}, got {name!r}")
    learner = {
        "MAML": lambda: MAML(conv4(ways, seed=seed), alpha=0.4, inner_steps=1, loss=cross_entropy),
        "FOMAML": lambda: MAML(conv4(ways, seed=seed), alpha=0.4, inner_steps=1, second_order=False,
                               loss=cross_entropy),
        "Reptile": lambda: Reptile(conv4(ways, seed=seed), alpha=1e-3, inner_steps=5, inner_optimizer="adam",
                                   epsilon=1.0, epsilon_final=0.1, anneal_iterations=4_000,
                                   loss=cross_entropy),
        "ProtoNet": lambda: ProtoNet(conv4(head=False, seed=seed)),
        "fine-tuned": lambda: TransferBaseline(conv4(head=False, seed=seed), num_classes, alpha=0.5),
    }[name]()
    learner.eval_chunk = 25  # 25 tasks of 80 images per compiled call keeps memory near 1 GB
    return learner


def training_tasks(name, ways, seed=0, **loader):
    """The episodes a learner is meta-trained on (the baseline: global labels)."""
    tasks = Omniglot("train", ways=ways, seed=seed, **loader)
    return GlobalLabels(tasks) if name == "fine-tuned" else tasks


def checkpoint_name(name):
    return f"omniglot_{name.lower().replace('-', '_')}_5way.npz"


def load_omniglot_learner(name, data_dir=DATA):
    """The shipped 5-way learner `name`; returns (learner, manifest). Its test-time steps
    are `learner.inner_steps`."""
    learner = omniglot_learner(name)
    manifest = checkpoints.load(Path(data_dir) / checkpoint_name(name), learner)
    return learner, manifest


def with_ways(name, learner, ways):
    """The learner `name` for N-way tasks, N <= the ways it was meta-trained for: a model
    whose head keeps the first N of the trained head's outputs (labels are shuffled during
    meta-training, so every output row is an equally good start). Learners without a head
    (ProtoNet, the baseline's fresh head) take any N and are returned as they are."""
    trained = learner.model.output_shape[-1]
    if name in HEADLESS or ways == trained:
        return learner
    if not 2 <= ways <= trained:
        raise ValueError(f"ways must be in [2, {trained}] for {name} (its head has {trained} outputs), "
                         f"got {ways}")
    narrow = omniglot_learner(name, ways=ways)
    narrow.alpha, narrow.inner_steps = learner.alpha, learner.inner_steps
    state = {key: value[..., :ways] if value.shape != target.shape else value
             for (key, value), target in zip(learner.get_state().items(), narrow.get_state().values(),
                                             strict=True)}
    narrow.set_state(state)
    return narrow
