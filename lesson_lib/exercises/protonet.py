"""Exercises: a Prototypical Network's prototypes and logits (Lesson 7, eq. 1-2)."""

import numpy as np

from ..i18n import N_, _
from .compare import close
from .feedback import call, checker, wrong


def _support(rng, ways=3, shots=2, dim=4):
    labels = np.eye(ways)[rng.permutation(np.repeat(np.arange(ways), shots))]  # shuffled, one-hot
    return rng.normal(size=(ways * shots, dim)), labels


@checker(N_("ProtoNet's prototypes"))
def check_prototypes(prototypes):
    """prototypes(embeddings [K*N, D], labels one-hot [K*N, N]) -> [N, D], the mean embedding of
    each class's support examples."""
    rng = np.random.default_rng(2)
    z, y = _support(rng)
    out = np.asarray(call(prototypes, z, y), dtype=np.float64)
    expected = (y.T @ z) / y.sum(axis=0)[:, None]
    if out.shape != expected.shape:
        wrong(_("return one prototype per class, shape [N, D] = {expected}; got {got}",
                expected=expected.shape, got=out.shape))
    if close(out, y.T @ z):
        wrong(_("these are sums over each class's examples: divide by the number of examples of the class"))
    if close(out, z.reshape(y.shape[1], -1, z.shape[1]).mean(axis=1)):
        wrong(_("you grouped consecutive examples, but the support set is shuffled: use the labels to pick "
                "each class's examples"))
    if not close(out, expected):
        wrong(_("the prototypes differ from each class's mean embedding"))
    return _("correct: each prototype is the mean embedding of its class's support examples")


@checker(N_("ProtoNet's logits"))
def check_protonet_logits(logits):
    """logits(z [Q, D], prototypes [N, D]) -> [Q, N]: minus the squared Euclidean distance from
    each query embedding to each prototype."""
    rng = np.random.default_rng(3)
    z, c = rng.normal(size=(5, 4)), rng.normal(size=(3, 4))
    out = np.asarray(call(logits, z, c), dtype=np.float64)
    distances = ((z[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    if out.shape != distances.shape:
        wrong(_("return one logit per query and class, shape [Q, N] = {expected}; got {got}",
                expected=distances.shape, got=out.shape))
    if close(out, distances):
        wrong(_("larger logits must mean *closer* prototypes: negate the squared distance"))
    if close(out, -np.sqrt(distances)):
        wrong(_("that is minus the Euclidean distance; the paper uses the *squared* distance (eq. 2)"))
    if not close(out, -distances):
        wrong(_("the logits differ from minus the squared distance to each prototype"))
    return _("correct: logits are minus the squared distance to each prototype")
