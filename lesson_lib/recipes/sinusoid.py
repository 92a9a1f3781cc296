"""Sinusoid regression as the MAML paper sets it up (section 5.1; Lessons 0-6): how each
learner is configured and meta-trained, the paper's numbers, and the shipped checkpoints.

Every gradient-based learner uses the paper's MLP 1-40-40-1 ReLU (CNP: its own encoder and
decoder; HyperNetwork: an encoder and a generator writing the last layer of a 1-40-40-1 MLP);
alpha = 0.01 (Reptile: 0.02, tuned; see the README), meta-batch 25, 70,000 meta-iterations.
Meta-LSTM runs an LSTM over every one of the model's 1,761 weights at each inner step: 8-26x
the cost of a MAML step with as many steps (Lesson 6), 57x MAML's one-step
meta-iteration with its 5 steps. It gets a meta-batch of 5 and 10,000 iterations.

Meta-SGD and MAML++ (Lesson 9) are the best settings `bench ablation` found for K = 5 (see its
variants "metasgd5" and "wide_fast"; a test checks they build the same learners): 5 inner
steps with step sizes learned relative to 0.01, 25 query points per training task, 6,000
meta-iterations; MAML++ adds its multi-step loss, a cosine-annealed outer rate from 0.003 and
a wider MLP, 1-80-80-1.

"scratch" is no meta-learner: the same MLP with its random initial weights, adapted by the same
SGD steps on the support set and never trained before (Lesson 0 shows it failing on K = 5).
"""

from pathlib import Path

from ..i18n import _
from ..learners import CNP, MAML, HyperNetwork, MAMLPlus, MetaLSTM, MetaSGD, Pretrained, Reptile, Scratch
from ..models import mlp
from .common import DATA, Recipe, check_name, load_shipped

# meta-trained and shipped
LEARNERS = ("MAML", "FOMAML", "Reptile", "Meta-LSTM", "CNP", "HyperNetwork", "Meta-SGD", "MAML++",
            "pretrained")
BLACK_BOX = ("CNP", "HyperNetwork")  # build their own networks: `encoder=` etc. instead of `model=`
UNTRAINED = ("scratch",)  # built by `learner(name)`, never trained: nothing to ship or benchmark
# MAML paper, Table 2 (K = 5): query MSE after 1, 5 and 10 gradient steps.
PAPER = {"MAML": {1: 0.67, 5: 0.38, 10: 0.35}, "pretrained": {1: 2.41, 5: 2.23, 10: 2.19}}
PAPER_K = 5  # the K of the paper's table
RECIPES = {name: Recipe(meta_batch=25, iterations=70_000) for name in LEARNERS}
RECIPES["Meta-LSTM"] = Recipe(meta_batch=5, iterations=10_000)
# Lesson 9's learners: measured to fit a short CPU budget (about 150 s on a loaded 2-core machine)
RECIPES["HyperNetwork"] = Recipe(meta_batch=25, iterations=10_000)
RECIPES["Meta-SGD"] = RECIPES["MAML++"] = Recipe(meta_batch=25, iterations=6_000, Q=25)
HIDDEN = {"MAML++": (80, 80)}  # the MLP's hidden widths where they are not the paper's (40, 40)
# (learner, K used for meta-training, K values it is tested with). Every meta-learner is
# meta-trained with the K it is tested with, as in the paper; the K = 10 MAML model is also
# tested with K = 5 as an extra row; the pretrained baseline learns no K.
RUNS = (("MAML", 5, (5,)), ("MAML", 10, (10, 5)), ("FOMAML", 5, (5,)), ("FOMAML", 10, (10,)),
        ("Reptile", 5, (5,)), ("Reptile", 10, (10,)), ("Meta-LSTM", 5, (5,)), ("Meta-LSTM", 10, (10,)),
        ("CNP", 5, (5,)), ("CNP", 10, (10,)), ("HyperNetwork", 5, (5,)),
        ("Meta-SGD", 5, (5,)), ("MAML++", 5, (5,)), ("pretrained", 10, (5, 10)))
TEST_STEPS = (1, 5, 10)  # the paper's columns
TEST_QUERIES = 100  # query points per test task
FINETUNE_ALPHAS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)  # the baseline's fine-tuning rates, tuned

_BUILD = {  # name -> (model, seed, iterations, overrides) -> learner
    "MAML": lambda model, seed, its, o: MAML(model, **{"alpha": 0.01, "inner_steps": 1, **o}),
    "FOMAML": lambda model, seed, its, o: MAML(model, **{"alpha": 0.01, "inner_steps": 1,
                                                        "second_order": False, **o}),
    "Reptile": lambda model, seed, its, o: Reptile(model, **{"alpha": 0.02, "inner_steps": 5, "epsilon": 0.5,
                                                            "epsilon_final": 0.0, "anneal_iterations": its,
                                                            **o}),
    "Meta-LSTM": lambda model, seed, its, o: MetaLSTM(model, **{"inner_steps": 5, "seed": seed, **o}),
    "Meta-SGD": lambda model, seed, its, o: MetaSGD(model, **{"alpha": 0.01, "inner_steps": 5,
                                                             "relative_alphas": True, "seed": seed, **o}),
    "MAML++": lambda model, seed, its, o: MAMLPlus(model, **{
        "alpha": 0.01, "inner_steps": 5, "multi_step_loss": True, "learned_step_sizes": True,
        "relative_alphas": True, "cosine_outer": True, "beta": 3e-3, "iterations": its, **o}),
    "pretrained": lambda model, seed, its, o: Pretrained(model, **{"alpha": 0.01, **o}),
    "scratch": lambda model, seed, its, o: Scratch(model, **{"alpha": 0.01, **o}),
    "CNP": lambda model, seed, its, o: CNP(**{"seed": seed, **o}),
    "HyperNetwork": lambda model, seed, its, o: HyperNetwork(**{
        "width": 128, "depth": 2, "target_hidden": (40, 40), "generated_layers": 1, "seed": seed, **o}),
}


def learner(name, *, seed=0, model=None, iterations=None, **overrides):
    """A fresh sinusoid learner `name` as the benchmark configures it, for `iterations`
    meta-iterations of training (default: its recipe's; Reptile anneals epsilon over them);
    `overrides` replace any of its settings (e.g. `inner_steps=5`, `beta=1e-4`) and `model` the
    paper's MLP. CNP and HyperNetwork build their own networks (`encoder=` ... instead of a
    model). "scratch" is the MLP's random initial weights (drawn from `seed`), adapted by SGD and
    never trained."""
    check_name(name, LEARNERS + UNTRAINED)
    if name == "scratch":
        return _BUILD[name](mlp(seed=seed) if model is None else model, seed, 0, overrides)
    if name in BLACK_BOX:
        if model is not None:
            raise TypeError(_("model does not apply to {name}: it builds its own networks (give encoder= "
                              "and, for CNP, decoder=; for HyperNetwork, target_hidden=)", name=name))
        return _BUILD[name](None, seed, 0, overrides)
    iterations = RECIPES[name].iterations if iterations is None else iterations
    model = mlp(hidden=HIDDEN.get(name, (40, 40)), seed=seed) if model is None else model
    return _BUILD[name](model, seed, iterations, overrides)


def checkpoint_name(name, train_K):
    slug = name.lower().replace("++", "_plus").replace("-", "_")  # MAML++ -> maml_plus
    return f"sinusoid_{slug}_k{train_K}.npz"


def load(name, K=5, data_dir=DATA):
    """The shipped sinusoid learner `name` meta-trained with K shots (the pretrained baseline
    has one checkpoint, K = 10), with its test-time alpha; returns (learner, manifest)."""
    check_name(name, LEARNERS)
    if K not in (5, 10):
        raise ValueError(_("K must be 5 or 10 (the shipped checkpoints), got {K!r}", K=K))
    shipped = learner(name)
    train_K = 10 if name == "pretrained" else K  # the baseline learns no K: one checkpoint
    manifest = load_shipped(shipped, Path(data_dir) / checkpoint_name(name, train_K))
    return shipped, manifest
