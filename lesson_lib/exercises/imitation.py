"""Exercise: one inner step of one-shot imitation (Lesson 13), on a linear policy a = o W + b: the
gradient step on the behaviour-cloning loss of one demonstration. The reference differentiates
the kit's own loss (`functional.mse`, the mean over every step and action coordinate) with
tf.GradientTape, as MAML's inner loop does."""

import numpy as np
import tensorflow as tf

from ..functional import mse
from ..i18n import N_, _
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong


def reference_cloning_step(W, b, observations, actions, alpha):
    """(W', b') = (W, b) - alpha * gradient of mse(actions, observations @ W + b)."""
    W, b = tf.constant(W, tf.float64), tf.constant(b, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([W, b])
        loss = mse(tf.constant(actions, tf.float64), tf.constant(observations, tf.float64) @ W + b)
    gW, gb = tape.gradient(loss, [W, b])
    return (W - alpha * gW).numpy(), (b - alpha * gb).numpy()


def _mistakes(W, b, observations, actions, alpha):
    """[((W', b') a typical mistake returns, its sentence)], in the order they are said."""
    T, d = actions.shape
    error = observations @ W + b - actions
    gW, gb = 2 * observations.T @ error / (T * d), 2 * error.sum(axis=0) / (T * d)
    return [
        ((W + alpha * gW, b + alpha * gb), _("the step goes up the loss: subtract alpha times the gradient")),
        ((W - alpha * gW / 2, b - alpha * gb / 2),
         _("the factor 2 of the square's derivative is missing: d(e^2)/de = 2e")),
        ((W - alpha * gW * d, b - alpha * gb * d),
         _("the mean is over the steps only: the loss averages over every step AND every action coordinate "
           "(T x {d} numbers), as the kit's mse does", d=d)),
        ((W - alpha * gW * T * d, b - alpha * gb * T * d),
         _("this is the gradient of the summed squared error: the loss is the mean, divide by T x d")),
        ((W - alpha * gW, b),
         _("b was not updated: the bias is a weight too, and its gradient is the mean error")),
        ((W - alpha * (2 * observations.T @ (actions - observations @ W - b)) / (T * d), b + alpha * gb),
         _("the error has the wrong sign (a - prediction): with it, subtracting the gradient moves away from "
           "the expert's actions")),
    ]


@checker(N_("the behaviour-cloning step"))
def check_cloning_step(cloning_step):
    """cloning_step(W [39, 4], b [4], observations [T, 39], actions [T, 4], alpha) -> (W', b'): one
    gradient step of size alpha on the mean squared error between o W + b and the expert's actions."""
    rng = np.random.default_rng(13)
    for T, features, d, alpha in ((20, 39, 4, 0.1), (7, 5, 3, 0.5), (12, 39, 4, 0.01)):
        W, b = rng.normal(0, 0.3, (features, d)), rng.normal(0, 0.1, d)
        observations, actions = rng.normal(size=(T, features)), rng.uniform(-1, 1, (T, d))
        kept = [a.copy() for a in (W, b, observations, actions)]
        out = call(cloning_step, W, b, observations, actions, alpha)
        if not isinstance(out, tuple | list) or len(out) != 2:
            wrong(_("return a pair (W', b'): the new weights and the new bias"))
        new_W = one_array(out[0], _("W' [features, actions]"), sequences=False, scalars=False)
        new_b = one_array(out[1], _("b' [actions]"), sequences=False, scalars=False)
        if not all(close(a, k) for a, k in zip((W, b, observations, actions), kept, strict=True)):
            wrong(_("your function changed the arrays it was given: return new ones"))
        if new_W.shape != W.shape or new_b.shape != b.shape:
            wrong(_("W' must have W's shape {W} and b' b's shape {b}; got {new_W} and {new_b}",
                    W=W.shape, b=b.shape, new_W=new_W.shape, new_b=new_b.shape))
        want_W, want_b = reference_cloning_step(W, b, observations, actions, alpha)
        if close(new_W, want_W) and close(new_b, want_b):
            continue
        for (mistake_W, mistake_b), sentence in _mistakes(W, b, observations, actions, alpha):
            if close(new_W, mistake_W) and close(new_b, mistake_b):
                wrong(sentence)
        wrong(_("the step differs (largest difference {W:.3g} in W', {b:.3g} in b'): the gradient of "
                "mean((o W + b - a)^2) is 2 o^T (o W + b - a) / (T d) for W and 2 sum_t (o_t W + b - a_t) / "
                "(T d) for b", W=largest_difference(new_W, want_W), b=largest_difference(new_b, want_b)))
    return _("correct: one gradient step on the demonstration's behaviour-cloning loss; for MAML's network "
             "it is the same step, taken through every layer by the tape")


def reference_success_interval(found):
    """(mean, 95% half-width) of the success rate from found [tasks, trials]: the mean of the
    per-task rates, with the interval over tasks (the bench's rows, evaluation.mean_ci95)."""
    from ..evaluation import mean_ci95

    mean, ci95 = mean_ci95(np.asarray(found, np.float64).mean(axis=1))
    return float(mean), float(ci95)


@checker(N_("the success rate's interval"))
def check_success_interval(success_interval):
    """success_interval(found [tasks, trials] of booleans) -> (rate, ci95): the mean success rate and
    the 95% half-width computed over tasks (each task's rate is one sample: its trials share a goal)."""
    rng = np.random.default_rng(21)
    easy = rng.uniform(size=(30, 1)) < 0.7  # tasks the policy solves almost always, or almost never
    cases = [np.where(easy, rng.uniform(size=(30, 8)) < 0.95, rng.uniform(size=(30, 8)) < 0.1),
             rng.uniform(size=(12, 5)) < 0.5]
    for found in cases:
        kept = found.copy()
        out = call(success_interval, found)
        if not isinstance(out, tuple | list) or len(out) != 2:
            wrong(_("return a pair (rate, ci95): the mean success rate and its 95% half-width"))
        rate, ci95 = (float(one_array(v, _("a number")).reshape(-1)[0]) for v in out)
        if not np.array_equal(found, kept):
            wrong(_("your function changed the array it was given"))
        want_rate, want_ci = reference_success_interval(found)
        if not np.isclose(rate, want_rate, atol=1e-9):
            wrong(_("the rate should be the fraction of successful episodes, {want:.4f}; got {rate:.4g}",
                    want=want_rate, rate=rate))
        if np.isclose(ci95, want_ci, rtol=1e-6):
            continue
        per_task = found.mean(axis=1)
        episodes = found.astype(float).ravel()
        mistakes = [
            (1.96 * episodes.std(ddof=1) / np.sqrt(episodes.size),
             _("this treats every episode as independent: the trials of one task share its goal and succeed "
               "or fail together, so take one rate per task and the interval over tasks (it is wider)")),
            (1.96 * per_task.std(ddof=0) / np.sqrt(len(per_task)),
             _("the standard deviation divides by n: use the sample standard deviation (ddof=1)")),
            (per_task.std(ddof=1) / np.sqrt(len(per_task)),
             _("this is the standard error: a 95% half-width is 1.96 standard errors")),
            (1.96 * per_task.std(ddof=1),
             _("this is 1.96 standard deviations of the task rates: divide by the square root of the number "
               "of tasks for the interval of their mean")),
            (1.96 * found.mean(axis=0).std(ddof=1) / np.sqrt(found.shape[1]),
             _("this is the interval over trials: the tasks are the independent samples, take one rate per "
               "task (the mean along the trials axis)")),
        ]
        for value, sentence in mistakes:
            if np.isclose(ci95, value, rtol=1e-6):
                wrong(sentence)
        wrong(_("the half-width differs: {ci95:.4g} instead of {want:.4g} (1.96 times the sample standard "
                "deviation of the per-task rates over the square root of the number of tasks)",
                ci95=ci95, want=want_ci))
    return _("correct: one success rate per task, the mean over tasks, and an interval that counts tasks, "
             "not episodes, as the independent samples")
