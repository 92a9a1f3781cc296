"""2D navigation (MAML paper, section 5.3): the shipped policies. How each learner is built and
meta-trained lives, for now, in the bench command (`lesson_lib.bench.navigation`: `learner`,
`checkpoint_name`, `LEARNERS`); this module loads its checkpoints the way the other families'
recipes do, so lessons and playgrounds need not know about the bench.
"""

from pathlib import Path

from ..bench.navigation import LEARNERS, PAPER, UNTRAINED, checkpoint_name, learner
from .common import DATA, check_name, load_shipped

__all__ = ["LEARNERS", "PAPER", "UNTRAINED", "learner", "load", "load_all"]


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
