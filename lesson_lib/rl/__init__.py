"""Meta-reinforcement learning: MAML for policy gradients on 2D navigation (MAML paper,
section 5.3). `GaussianMLPPolicy` (theta as a list of weights; TensorFlow log-probabilities,
numpy sampling), the linear feature `baseline` of rllab, and `MAMLRL` (the learner; with
`inner_steps=0` the multi-task pretrained baseline) with its `train` loop."""

from . import baseline
from .maml_rl import MAMLRL, advantages, task_batch, train
from .policy import GaussianMLPPolicy

__all__ = ["GaussianMLPPolicy", "MAMLRL", "advantages", "baseline", "task_batch", "train"]
