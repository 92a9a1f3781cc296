"""2D navigation (MAML paper, section 5.3; Lesson 12): how each learner is built and
meta-trained, the published number, and the shipped policies. The bench command
(`lesson_lib.bench.navigation`) trains and scores them; lessons and playgrounds load them here.
"""

from pathlib import Path

from ..i18n import _
from ..rl import MAMLRL
from .common import DATA, check_name, load_shipped

__all__ = ["ITERATIONS", "LEARNERS", "PAPER", "UNTRAINED", "checkpoint_name", "learner", "load", "load_all"]

LEARNERS = ("MAML", "pretrained", "random")
UNTRAINED = ("random",)
ITERATIONS = 500  # the paper's "up to 500": MAML 397 s (0.79 s per meta-iteration), the pretrained
# baseline 72 s, on one core of a machine shared with other work (data/navigation_*.json)
BETA = 1e-3  # Adam's rate (outer step)
TEST_STEPS = 3
PAPER = {("MAML", 1): -20.3}  # ANIL paper, Table 2 (ANIL: -20.1)


def learner(name, seed=0):
    """A fresh learner: MAML (second order, one inner step), the multi-task pretrained policy
    (no inner step in training), or the random initialisation (never trained)."""
    if name not in LEARNERS:
        raise ValueError(_("name must be one of {names}, got {name!r}", names=LEARNERS, name=name))
    if name == "pretrained":
        return MAMLRL(inner_steps=0, beta=BETA, seed=seed)
    return MAMLRL(beta=BETA, seed=seed, name=None if name == "MAML" else name)


def checkpoint_name(name):
    return f"navigation_{name.lower()}.npz"



def load(name, data_dir=DATA):
    """The shipped learner `name` ("MAML" or "pretrained") with its test-time settings;
    returns (learner, manifest)."""
    shipped = learner(check_name(name, [n for n in LEARNERS if n not in UNTRAINED]))
    manifest = load_shipped(shipped, Path(data_dir) / checkpoint_name(name))
    return shipped, manifest


def load_all(data_dir=DATA):
    """{name: learner}: MAML and the pretrained policy from their checkpoints, and the random
    initialisation as built (what the bench compares)."""
    return {name: learner(name) if name in UNTRAINED else load(name, data_dir)[0] for name in LEARNERS}
