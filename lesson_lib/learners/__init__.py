"""Meta-learners. All share the interface of `base.Learner`, so the training loop, the
evaluation, the benchmarks and the widgets treat them alike."""

from .base import Learner, MetaGradientLearner, SGDAdaptation
from .finetune import Pretrained, Scratch, TransferBaseline
from .hypernetwork import HyperNetwork
from .in_context import InContext
from .maml import MAML
from .maml_plus import MAMLPlus
from .mapping import CNP
from .meta_lstm import MetaLSTM
from .meta_sgd import MetaSGD
from .ngram import NGramCentroid
from .protonet import ProtoNet
from .reptile import Reptile

__all__ = ["CNP", "HyperNetwork", "InContext", "Learner", "MAML", "MAMLPlus", "MetaGradientLearner",
           "MetaLSTM", "MetaSGD", "NGramCentroid", "Pretrained", "ProtoNet", "Reptile", "Scratch",
           "SGDAdaptation", "TransferBaseline"]
