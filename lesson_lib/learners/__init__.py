"""Meta-learners. All share the interface of `base.Learner`, so the training loop, the
evaluation, the benchmarks and the widgets treat them alike."""

from .base import GradientLearner, Learner
from .finetune import Pretrained
from .maml import MAML
from .mapping import CNP
from .meta_lstm import MetaLSTM
from .reptile import Reptile

__all__ = ["CNP", "GradientLearner", "Learner", "MAML", "MetaLSTM", "Pretrained", "Reptile"]
