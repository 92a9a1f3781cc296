"""Meta-learners. All share the interface of `base.Learner`, so the training loop, the
evaluation, the benchmarks and the widgets treat them alike."""

from .base import Learner, MetaGradientLearner, SGDAdaptation
from .finetune import Pretrained, Scratch, TransferBaseline
from .hypernetwork import HyperNetwork
from .maml import MAML
from .maml_plus import MAMLPlus
from .mapping import CNP
from .meta_lstm import MetaLSTM
from .meta_sgd import MetaSGD
from .protonet import ProtoNet
from .reptile import Reptile

__all__ = ["CNP", "HyperNetwork", "Learner", "MAML", "MAMLPlus", "MetaGradientLearner", "MetaLSTM", "MetaSGD",
           "Pretrained", "ProtoNet", "Reptile", "Scratch", "SGDAdaptation", "TransferBaseline"]
