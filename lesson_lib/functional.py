"""Run any Keras model with explicit weights, f(theta, x), and take SGD steps on them
(Lesson 2, equations 1-2).

Keras 3's `model.stateless_call` runs the model's own layers with the weights we pass,
so the inner loop can differentiate through a chain of weight updates without touching
the model's variables. Batch norm runs in training mode (the statistics of the batch at
hand), as in the MAML paper (appendix A.1).
"""

import keras
import tensorflow as tf

from .i18n import _


def mse(y_true, y_pred):
    """Mean squared error, the sinusoid loss (MAML section 5.1)."""
    return tf.reduce_mean(tf.square(y_pred - y_true))


def cross_entropy(y_true, logits):
    """Mean softmax cross-entropy of logits against one-hot labels (few-shot classification,
    Lesson 7)."""
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y_true, logits))


class FunctionalModel:
    """Wrap a built Keras model so it can be called as f(weights, x)."""

    def __init__(self, model, training=True):
        if not isinstance(model, keras.Model):
            raise TypeError(_("model must be a keras.Model, got {type}", type=type(model).__name__))
        if not model.built or not model.trainable_variables:
            raise ValueError(_("model must be built and have trainable weights (give it a keras.Input or "
                               "call it once on data)"))
        self.model = model
        self.training = training

    @property
    def variables(self):
        """theta as Keras variables, in the order every weight list here uses."""
        return self.model.trainable_variables

    def theta(self):
        """The current theta as tensors (read inside a tape to differentiate w.r.t. it)."""
        return [tf.convert_to_tensor(v) for v in self.variables]

    def __call__(self, weights, x):
        state = [tf.convert_to_tensor(v) for v in self.model.non_trainable_variables]
        outputs, _state = self.model.stateless_call(weights, state, x, training=self.training)
        return outputs


def loss_and_gradient(f, weights, x, y, loss_fn):
    """The loss of f(weights, x) against y and its gradient w.r.t. the weights (zeros for
    weights it does not use). Differentiable again when an outer tape is watching."""
    with tf.GradientTape() as tape:
        tape.watch(weights)
        loss = loss_fn(y, f(weights, x))
    return loss, tape.gradient(loss, weights, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def sgd_step(weights, grads, alpha):
    """phi <- phi - alpha * grad (Lesson 2, eq. 2). alpha: a number, or a list of one step size
    per weight, each multiplying its gradient elementwise (Meta-SGD's alpha (.) grad, Lesson 9)."""
    alphas = alpha if isinstance(alpha, list | tuple) else [alpha] * len(weights)
    return [w - a * g for w, a, g in zip(weights, alphas, grads, strict=True)]


def sgd_path(f, theta, x, y, steps, alpha, loss_fn, second_order=True, batch=None):
    """Yield phi_0 = theta, phi_1, ..., phi_steps: `steps` SGD steps on the loss at (x, y), each
    on the minibatch of `batch` rows that `minibatch` gives (None: all of them).

    alpha is the step size, or a function t -> the step sizes of inner step t (0-based), one per
    weight: learned step sizes (Meta-SGD, MAML++, Lesson 9). With `second_order=True` each step
    stays differentiable w.r.t. theta (an outer tape sees through the inner gradient); with False
    the inner gradients are treated as constants, which is first-order MAML.
    """
    phi = list(theta)
    yield phi
    for t in range(steps):
        _loss, grads = loss_and_gradient(f, phi, *minibatch(x, y, t, batch), loss_fn)
        if not second_order:
            grads = [tf.stop_gradient(g) for g in grads]
        phi = sgd_step(phi, grads, alpha(t) if callable(alpha) else alpha)
        yield phi


def minibatch(x, y, t, batch):
    """The rows of (x, y) that inner step t (0-based) uses: all of them when `batch` is None or
    at least their number S; otherwise the S rows cut into stride = S // batch interleaved
    minibatches, rows j, j + stride, j + 2 stride, ... with j = t mod stride, taken in turn (one
    pass over the support set every `stride` steps). Support sets are class-major (each class's
    K examples together), so every minibatch holds about batch / N examples of each class:
    5-way 10-shot with batch 10 gives 5 minibatches of 2 drawings of each class (Reptile's code
    draws its minibatches of 10 at random, without replacement)."""
    rows = x.shape[0]
    if batch is None or rows is None or batch >= rows:
        return x, y
    stride = rows // batch
    return x[t % stride::stride], y[t % stride::stride]


def adam_states(f, theta, x, y, steps, alpha, loss_fn, v=None, t=0, beta1=0.0, beta2=0.999, epsilon=1e-8,
                batch=None):
    """Yield (phi, v) after 0..steps Adam steps (Reptile's inner optimizer, beta1 = 0 as in its
    code), each on the minibatch of `batch` rows that `minibatch` gives (None: all of them); v is
    Adam's second-moment estimate. The steps start from second moments `v` (None: zeros) and step
    count `t` (0: a fresh optimizer; more: one carried over from earlier tasks). Gradients are
    treated as constants (first order)."""
    phi = list(theta)
    m = [tf.zeros_like(p) for p in phi]
    v = [tf.zeros_like(p) for p in phi] if v is None else list(v)
    yield phi, v
    for s in range(1, steps + 1):
        _loss, grads = loss_and_gradient(f, phi, *minibatch(x, y, s - 1, batch), loss_fn)
        grads = [tf.stop_gradient(g) for g in grads]
        m = [beta1 * a + (1 - beta1) * g for a, g in zip(m, grads, strict=True)]
        v = [beta2 * b + (1 - beta2) * tf.square(g) for b, g in zip(v, grads, strict=True)]
        scale = alpha * (1 - beta2 ** (t + s)) ** 0.5 / (1 - beta1 ** (t + s))
        phi = [p - scale * a / (tf.sqrt(b) + epsilon) for p, a, b in zip(phi, m, v, strict=True)]
        yield phi, v


def adam_path(f, theta, x, y, steps, alpha, loss_fn, **adam):
    """Yield phi_0 = theta, phi_1, ..., phi_steps of `adam_states` (same options)."""
    for phi, _v in adam_states(f, theta, x, y, steps, alpha, loss_fn, **adam):
        yield phi


def adapt(f, theta, x, y, steps, alpha, loss_fn, second_order=True):
    """phi_steps, the weights after `steps` SGD steps from theta (Lesson 2, eq. 2)."""
    *_earlier, phi = sgd_path(f, theta, x, y, steps, alpha, loss_fn, second_order)
    return phi
