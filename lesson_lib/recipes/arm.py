"""One-shot imitation on Meta-World ML1 (Lesson 13): how each learner is built and trained, and
the shipped policies. The bench command (`lesson_lib.bench.metaworld`) trains and scores them;
the lesson and its playground load them here.

The policy is an MLP 39 -> 100 -> 100 -> 4 (ReLU) that maps an observation to an action.
- MAML: second order, one inner step of size alpha on one demonstration's behaviour-cloning loss
  (mean squared error between the policy's and the expert's actions), the outer loss on another
  demonstration of the same task (Finn et al. 2017); Adam as the outer optimizer.
- multi-task: the same network trained by behaviour cloning on every demonstration of every
  training task (lesson_lib.learners.Pretrained); it is scored as it is (no adaptation) and after
  the same one step MAML takes.
"""

from pathlib import Path

from ..learners import MAML, Pretrained
from ..models import mlp
from .common import DATA, check_name, load_shipped

__all__ = ["ALPHA", "DEMOS_PER_TASK", "ENVS", "ITERATIONS", "LEARNERS", "META_BATCH", "PAPER_ML",
           "checkpoint_name", "learner", "load"]

ENVS = ("reach-v3", "push-v3")
LEARNERS = ("MAML", "multi-task")
ALPHA = 0.1  # the inner step on the behaviour-cloning loss
BETA = 1e-3  # Adam's rate (outer step)
META_BATCH = 10  # tasks per meta-iteration
DEMOS_PER_TASK = 8  # recorded expert demonstrations per training task
ITERATIONS = {"reach-v3": 2000, "push-v3": 6000}
HIDDEN = (100, 100)
# Meta-reinforcement learning across skills, for the lesson's "how this scales": meta-test success
# (%, the average maximum success rate over the 5 held-out skills, 10 seeds) on ML10 and ML45, from the
# updated arXiv version of the Meta-World paper (Yu et al., Table 1; v2-style rewards). Not comparable
# with the kit's rows: other tasks (new skills, not new goals), reinforcement learning, no demonstration.
PAPER_ML = {("ML10", "MAML"): 31.6, ("ML10", "RL2"): 35.8, ("ML10", "PEARL"): 13.0,
            ("ML45", "MAML"): 39.9, ("ML45", "RL2"): 33.3, ("ML45", "PEARL"): 22.0}


def learner(name, seed=0):
    """A fresh learner: "MAML" or "multi-task" (behaviour cloning on all tasks)."""
    check_name(name, LEARNERS)
    model = mlp(39, HIDDEN, 4, seed=seed)
    if name == "multi-task":
        baseline = Pretrained(model, alpha=ALPHA, beta=BETA)
        baseline.name = "multi-task"
        return baseline
    return MAML(model, alpha=ALPHA, inner_steps=1, beta=BETA)


def checkpoint_name(env_name, name):
    return f"arm_{env_name.replace('-', '_')}_{name.lower().replace('-', '_')}.npz"


def load(env_name, name, data_dir=DATA):
    """The shipped learner `name` for ML1 task `env_name`; returns (learner, manifest)."""
    shipped = learner(name)
    manifest = load_shipped(shipped, Path(data_dir) / checkpoint_name(check_name(env_name, ENVS), name))
    return shipped, manifest
