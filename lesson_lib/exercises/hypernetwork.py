"""Exercise: running the layer a hypernetwork wrote for a task (Lesson 9)."""

import numpy as np

from ..i18n import N_, _
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong


@checker(N_("the generated last layer"))
def check_generated_layer(generated_layer):
    """generated_layer(features, w) -> features @ kernel + bias, shape [Q, 1]: features [Q, H] are
    the shared layers' outputs at the Q query inputs, w [H + 1] the generator's output for the task,
    laid out as HyperNetwork.generate splits it: the kernel [H, 1] first (H numbers), then the bias."""
    rng = np.random.default_rng(4)
    Q, H = 6, 5
    features, w = np.abs(rng.normal(size=(Q, H))), rng.normal(size=H + 1)
    kept = features.copy(), w.copy()
    got = one_array(call(generated_layer, features, w), _("the predictions, shape [Q, 1]"))
    if not (close(features, kept[0]) and close(w, kept[1])):
        wrong(_("your function changed its inputs: compute the predictions without writing into them"))
    kernel, bias = w[:H].reshape(H, 1), w[H]
    expected = features @ kernel + bias
    if got.shape == (Q,) and close(got, expected[:, 0]):
        wrong(_("right numbers, but return one prediction per row, shape [Q, 1] = ({Q}, 1), as the task's "
                "targets are shaped; got ({Q},)", Q=Q))
    if got.shape != (Q, 1):
        wrong(_("return the predictions with shape [Q, 1] = ({Q}, 1); got {shape}", Q=Q, shape=got.shape))
    if close(got, features @ kernel):
        wrong(_("the bias is missing: the generator wrote H + 1 numbers, the kernel and then the bias"))
    if close(got, features @ w[1:].reshape(H, 1) + w[0]):
        wrong(_("you read the bias first: HyperNetwork.generate lays out the kernel first (H numbers) and "
                "the bias last"))
    if close(got, np.maximum(expected, 0)):
        wrong(_("the last layer is linear: no ReLU on the output, a sinusoid's values go below 0"))
    if not close(got, expected):
        wrong(_("the result differs from features @ kernel + bias (largest difference {difference:.3g})",
                difference=largest_difference(got, expected)))
    return _("correct: the support set chose these weights, and they run like any layer's")
