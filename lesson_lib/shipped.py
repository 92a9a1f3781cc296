"""The sinusoid learners as the benchmark configures them, and the meta-trained checkpoints
shipped in data/ (each made by the command in its manifest). Lessons and playgrounds load
them so they show paper-quality learners in seconds."""

from pathlib import Path

from . import checkpoints
from .learners import CNP, MAML, MetaLSTM, Pretrained, Reptile
from .models import mlp

DATA = Path(__file__).resolve().parent.parent / "data"
SINUSOID_LEARNERS = ("MAML", "FOMAML", "Reptile", "Meta-LSTM", "CNP", "pretrained")


def sinusoid_learner(name, seed=0, iterations=70_000):
    """The sinusoid configuration of each learner: the MAML paper's MLP 1-40-40-1 ReLU (CNP:
    its own encoder and decoder) and alpha = 0.01 (Reptile: 0.02, tuned; see the README)."""
    return {
        "MAML": lambda: MAML(mlp(seed=seed), alpha=0.01, inner_steps=1, second_order=True),
        "FOMAML": lambda: MAML(mlp(seed=seed), alpha=0.01, inner_steps=1, second_order=False),
        "Reptile": lambda: Reptile(mlp(seed=seed), alpha=0.02, inner_steps=5, epsilon=0.5,
                                   epsilon_final=0.0, anneal_iterations=iterations),
        "Meta-LSTM": lambda: MetaLSTM(mlp(seed=seed), inner_steps=5, seed=seed),
        "CNP": lambda: CNP(seed=seed),
        "pretrained": lambda: Pretrained(mlp(seed=seed), alpha=0.01),
    }[name]()


def checkpoint_name(learner, train_K):
    return f"sinusoid_{learner.lower().replace('-', '_')}_k{train_K}.npz"


def load_sinusoid(name, K=5, data_dir=DATA):
    """The shipped sinusoid learner `name` meta-trained with K shots (the pretrained baseline
    has one checkpoint, K = 10); returns (learner, manifest)."""
    if name not in SINUSOID_LEARNERS:
        raise ValueError(f"name must be one of {SINUSOID_LEARNERS}, got {name!r}")
    if K not in (5, 10):
        raise ValueError(f"K must be 5 or 10 (the shipped checkpoints), got {K!r}")
    learner = sinusoid_learner(name)
    path = Path(data_dir) / checkpoint_name(name, 10 if name == "pretrained" else K)
    manifest = checkpoints.load(path, learner)
    if learner.uses_alpha:
        learner.alpha = manifest["test_alpha"]
    return learner, manifest
