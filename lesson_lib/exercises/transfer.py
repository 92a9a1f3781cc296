"""Exercises: the transfer baseline's pretraining objective and its fine-tuning on a new task
(Lesson 1; the "pretrained" baseline of the MAML paper, section 5.1). The references are the
package's own `learners.Pretrained`: its `task_loss` averaged over tasks, and its `task_path`."""

import numpy as np
import tensorflow as tf

from ..functional import mse
from ..i18n import N_, _
from ..learners import Pretrained
from ..models import mlp
from ..tasks import Sinusoid
from .compare import as_arrays, close, largest_difference
from .feedback import call, checker, wrong


def _pretrained(seed):
    """A small float64 baseline whose weights are not any fresh initialisation's."""
    learner = Pretrained(mlp(hidden=(8,), activation="tanh", dtype="float64", seed=seed))
    rng = np.random.default_rng(seed)
    for v in learner.model.trainable_variables:
        v.assign(v.numpy() + rng.normal(scale=0.3, size=v.shape))
    return learner


@checker(N_("the pretraining loss"))
def check_pretraining_loss(pretraining_loss):
    """pretraining_loss(f, theta, sx, sy, qx, qy) -> one number: the MSE of the one network
    f(theta, .) on every point (support and query) of every task; sx [T, K, 1], qx [T, Q, 1]."""
    learner = _pretrained(7)
    f, theta = learner.f, learner.params()
    tasks, K, Q = 4, 5, 15  # K != Q: pooling the points differs from averaging the two losses
    ep = Sinusoid(seed=8, dtype="float64").sample(tasks, K=K, Q=Q)
    sx, sy, qx, qy = (tf.constant(a) for a in (ep.support_x, ep.support_y, ep.query_x, ep.query_y))
    expected, expected_grads = learner.meta_loss_and_gradient(sx, sy, qx, qy, vectorized=False)
    with tf.GradientTape() as tape:
        tape.watch(theta)
        out = call(pretraining_loss, f, theta, sx, sy, qx, qy)
    if out is None or np.shape(out) != ():
        if np.shape(out) == (tasks,):
            wrong(_("you return one loss per task: the baseline has one objective, their average over tasks"))
        wrong(_("return one number, the loss (a scalar tensor); got shape {shape}", shape=np.shape(out)))
    value = float(out)

    def per_task(x, y):  # [T] MSE of theta on each task's (x, y)
        return np.array([float(mse(y[i], f(theta, x[i]))) for i in range(tasks)])

    support, query = per_task(sx, sy), per_task(qx, qy)
    pooled = (K * support + Q * query) / (K + Q)
    if close(value, float(expected)):
        grads = tape.gradient(out, theta)
        if any(g is None for g in grads):
            wrong(_("the loss does not depend on theta: run the network with the weights you are given, "
                    "f(theta, x), not the model's own variables or NumPy"))
        if not close(grads, expected_grads, rtol=1e-5):
            wrong(_("the value is right but its gradient with respect to theta is off by "
                    "{diff:.3g}: keep the whole loss in TensorFlow",
                    diff=largest_difference(grads, expected_grads)))
        return _("correct: one network, scored on every point of every task, no adaptation")
    if close(value, pooled.sum()):
        wrong(_("you summed the tasks' losses: average them, so the loss does not grow with the meta-batch"))
    if close(value, pooled.sum() * (K + Q)) or close(value, pooled.mean() * tasks * (K + Q)):
        wrong(_("you summed the squared errors: take their mean (the MSE)"))
    if close(value, support.mean()):
        wrong(_("only the support points are used: the baseline is trained on every point of every task, "
                "support and query together"))
    if close(value, query.mean()):
        wrong(_("only the query points are used: the baseline is trained on every point of every task, "
                "support and query together"))
    if close(value, ((support + query) / 2).mean()):
        wrong(_("you averaged the support loss and the query loss, which weighs {K} support points like "
                "{Q} query points: pool the points, then take one MSE", K=K, Q=Q))
    if close(value, np.sqrt(float(expected))) or close(value, np.sqrt(pooled).mean()):
        wrong(_("that is a root mean squared error: the loss is the MSE, without the square root"))
    wrong(_("the loss is {value:.6g}, but the MSE of f(theta, .) on all the tasks' points is "
            "{expected:.6g}", value=value, expected=float(expected)))


FINE_TUNE_STEPS, FINE_TUNE_ALPHA = 3, 0.05


@checker(N_("fine-tuning on a new task"))
def check_fine_tune(fine_tune):
    """fine_tune(model, sx, sy, qx, qy, steps, alpha) -> (phi, query_mse): `steps` SGD steps on the
    support MSE from the model's (pretrained) weights, leaving the model unchanged; phi a list of
    weights; query_mse the MSE of f(phi, qx) against qy."""
    learner = _pretrained(9)
    f, theta = learner.f, learner.params()
    kept = [t.numpy().copy() for t in theta]
    ep = Sinusoid(seed=11, dtype="float64").sample(1, K=5, Q=20)
    sx, sy, qx, qy = (a[0] for a in (ep.support_x, ep.support_y, ep.query_x, ep.query_y))
    steps, alpha = FINE_TUNE_STEPS, FINE_TUNE_ALPHA

    def path_end(x=sx, y=sy, steps=steps, alpha=alpha):
        *_earlier, phi = learner.task_path(theta, tf.constant(x), tf.constant(y), steps, alpha)
        return as_arrays(phi)

    out = call(fine_tune, learner.model, sx.copy(), sy.copy(), qx.copy(), qy.copy(), steps, alpha)
    if not isinstance(out, (list, tuple)) or len(out) != 2 or not isinstance(out[0], (list, tuple)):
        wrong(_("return two things, (phi, query_mse): phi a list of weights (one tensor per weight), "
                "query_mse one number"))
    if not close([v.numpy() for v in learner.model.trainable_variables], kept):
        wrong(_("your function changed the pretrained model's weights in place: then the next task would "
                "start from this task's fine-tuned weights; update copies (tensors), not the model"))
    phi, query_mse = as_arrays(list(out[0])), out[1]
    if len(phi) != len(theta) or any(p.shape != tuple(t.shape) for p, t in zip(phi, theta, strict=False)):
        wrong(_("phi must be a list of weights shaped like the model's ({count} tensors of shapes "
                "{shapes})", count=len(theta), shapes=[tuple(t.shape) for t in theta]))
    if np.shape(query_mse) != ():
        wrong(_("query_mse must be one number; got shape {shape}", shape=np.shape(query_mse)))
    expected = path_end()
    if not close(phi, expected):
        if close(phi, path_end(qx, qy)):
            wrong(_("you fine-tuned on the query set: a new task gives only its K support points to learn "
                    "from; the query points are the test"))
        if close(phi, path_end(np.concatenate([sx, qx]), np.concatenate([sy, qy]))):
            wrong(_("you fine-tuned on the support and query points together: learn from the K support "
                    "points only; the query points are the test"))
        if close(phi, path_end(alpha=-alpha)):
            wrong(_("your steps go *uphill*, along the gradient: phi <- phi - alpha * grad, with a minus"))
        if close(phi, path_end(alpha=1.0)):
            wrong(_("the steps ignore alpha: scale each gradient by the step size alpha"))
        for other in (steps - 1, steps + 1):
            if close(phi, path_end(steps=other)):
                wrong(_("you took {other} steps where {steps} were asked", other=other, steps=steps))
        start = call(fine_tune, learner.model, sx.copy(), sy.copy(), qx.copy(), qy.copy(), 0, alpha)
        started = as_arrays(list(start[0])) if isinstance(start, (list, tuple)) and len(start) == 2 else None
        if started is not None and not close(started, kept):
            wrong(_("fine-tuning does not start from the model's pretrained weights (with 0 steps phi must "
                    "be exactly them): keras.models.clone_model and a fresh network start from random "
                    "weights; read the weights with FunctionalModel(model).theta()"))
        wrong(_("phi differs from {steps} SGD steps on the support MSE from the pretrained weights (largest "
                "difference {diff:.3g})", steps=steps, diff=largest_difference(phi, expected)))
    value = float(query_mse)
    want = float(mse(qy, f(expected, qx)))
    if close(value, float(mse(sy, f(expected, sx)))):
        wrong(_("query_mse is measured on the support points: score phi on the query points, which it has "
                "not seen"))
    if close(value, float(mse(qy, f(theta, qx)))):
        wrong(_("query_mse is measured with the pretrained weights: score the fine-tuned phi"))
    if not close(value, want):
        wrong(_("phi is right, but query_mse is {value:.6g} where the MSE of f(phi, query_x) is {want:.6g}",
                value=value, want=want))
    return _("correct: SGD on the K support points from the pretrained weights, scored on the query points")

