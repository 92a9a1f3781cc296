"""Exercises: fix the article's Reptile and MAML code patterns (Lesson 8). Each checker runs the
student's function on a small float64 model and compares it with the kit's learner on the same
inputs; wrong answers are recognised by the article's own bugs (aliasing, no reset, in-place inner
steps, one loss, the epsilon = 1 formula)."""

import numpy as np
import tensorflow as tf

from ..article import article_reptile, fine_tune_in_place, pattern_meta_gradient, restore, snapshot, task
from ..article.maml_fixed import inner_step
from ..article.one_loss import OneLossMAML
from ..functional import FunctionalModel, mse
from ..i18n import N_, _
from ..learners import MAML, Reptile
from ..models import mlp
from ..tasks import Sinusoid
from .compare import as_arrays, close, largest_difference
from .feedback import call, checker, wrong


def _small_model():
    return mlp(hidden=(6,), activation="tanh", dtype="float64", seed=3)


def _reptile_candidates(episode, alpha, steps, epsilon):
    """The right answer and the article's mistakes, each as the weights it leaves in the model."""
    model = _small_model()
    theta = as_arrays(snapshot(model))
    reset, sequential = [], []
    for i in range(episode.num_tasks):
        x, y, _qx, _qy = task(episode, i)
        restore(model, theta)
        fine_tune_in_place(model, x, y, steps, alpha)
        reset.append(as_arrays(snapshot(model)))
    restore(model, theta)
    for i in range(episode.num_tasks):
        x, y, _qx, _qy = task(episode, i)
        fine_tune_in_place(model, x, y, steps, alpha)
        sequential.append(as_arrays(snapshot(model)))

    def mean(phis):
        return [np.mean([phi[j] for phi in phis], axis=0) for j in range(len(theta))]

    def toward(start, target, step):
        return [s + step * (t - s) for s, t in zip(start, target, strict=True)]

    article = _small_model()
    article_reptile(article, episode, alpha, steps)
    n = episode.num_tasks
    return theta, toward(theta, mean(reset), epsilon), [
        (as_arrays(snapshot(article)), _("that is the article's pattern: the 'average' adds each weight to "
         "itself (theta aliases the model's variables), so it scales the weights by 1 + 1/T, and tasks run "
         "in sequence. Copy theta's values (tf.identity or .numpy()) and start every task from them")),
        (toward(theta, mean(sequential), epsilon), _("every task starts where the previous one ended "
         "(sequential fine-tuning): put theta's values back into the model before each task")),
        (toward(sequential[-1], mean(sequential), epsilon), _("theta is the model's variables themselves, "
         "not copies of their values (aliasing): the reset does nothing and the update starts from the last "
         "task's weights. Keep theta = [tf.identity(v) for v in model.trainable_variables]")),
        (mean(reset), _("that is theta <- the mean of the tasks' weights, the article's formula: only the "
         "epsilon = 1 case. Move theta a fraction epsilon of the way: theta + epsilon * (mean - theta)")),
        (toward(theta, reset[-1], epsilon), _("only the last task moved theta: if you appended "
         "model.trainable_variables to your list of phis, every entry is the same variables (aliasing "
         "again). Append copies, and average over all tasks")),
        (toward(theta, mean(reset), epsilon * n), _("you summed the tasks' directions: average them")),
        (toward(theta, mean(reset), -epsilon), _("theta moves *away* from the tasks' weights: + epsilon * "
         "(mean phi - theta)")),
        (reset[-1], _("the model still holds the last task's fine-tuned weights: at the end, write theta + "
         "epsilon * (mean phi - theta) into model.trainable_variables (v.assign)")),
        (theta, _("the model's weights did not change: write the new theta into model.trainable_variables "
         "(v.assign)")),
    ]


@checker(N_("fix the article's Reptile"))
def check_reptile_meta_step(reptile_meta_step):
    """reptile_meta_step(model, episode, alpha, inner_steps, epsilon) updates the model's weights in
    place: from theta, each task fine-tuned `inner_steps` SGD steps on its support set, then
    theta + epsilon * (mean_i phi_i - theta). Compared with the kit's Reptile on the same inputs."""
    episode = Sinusoid(seed=2, dtype="float64").sample(4, K=5)
    alpha, steps, epsilon = 0.05, 3, 0.3
    model = _small_model()
    call(reptile_meta_step, model, episode, alpha, steps, epsilon)
    got = as_arrays(snapshot(model))
    theta, expected, mistakes = _reptile_candidates(episode, alpha, steps, epsilon)
    kit = Reptile(_small_model(), alpha=alpha, inner_steps=steps, epsilon=epsilon)
    kit.meta_step(episode)
    expected_kit = as_arrays(snapshot(kit.model))
    if not close(expected, expected_kit, rtol=1e-9):  # the reference itself: never expected to fire
        wrong(_("the checker's reference disagrees with the kit's Reptile: please report this"))
    if close(got, expected_kit):
        return _("correct: every task starts from a copy of theta, and theta moves a fraction epsilon toward "
                 "the tasks' mean weights, as the kit's Reptile does")
    for weights, sentence in mistakes:
        if close(got, weights):
            wrong(sentence)
    wrong(_("the model's weights differ from the kit's Reptile step (largest difference {difference:.3g})",
            difference=largest_difference(got, expected_kit)))


def _maml_mistakes(model, episode, alpha):
    """Meta-gradients of the article's mistakes at the model's current weights."""
    f = FunctionalModel(model)
    theta = f.theta()
    one_loss = OneLossMAML(model, alpha=alpha, inner_steps=1).meta_gradient(episode, mode="loop")[1]
    with tf.GradientTape() as tape:  # functional, second order, but each task starts where the last ended
        tape.watch(theta)
        phi, losses = theta, []
        for i in range(episode.num_tasks):
            sx, sy, qx, qy = (tf.constant(a) for a in task(episode, i))
            phi = inner_step(f, phi, sx, sy, alpha)
            losses.append(mse(qy, f(phi, qx)))
        chained = tape.gradient(tf.reduce_mean(losses), theta)
    return [
        (pattern_meta_gradient(model, episode, alpha), _("that is the article's pattern: in-place inner "
         "steps that are never undone, and one loss for both loops. Adapt copies with f(phi, x), start every "
         "task from theta, and score on the query set")),
        (pattern_meta_gradient(model, episode, alpha, reset=True, split=True), _("that is the first-order "
         "gradient: the tape does not see the inner step (an in-place assign, .numpy() or tf.stop_gradient "
         "cuts it). Compute phi = theta - alpha * grad as tensors inside the outer tape")),
        (one_loss, _("the outer loss is measured on the support set again (the article's one-loss "
         "objective): score the adapted weights on the task's *query* set")),
        (chained, _("each task starts from the previous task's adapted weights: start every task from "
                    "theta")),
    ]


@checker(N_("fix the article's MAML"))
def check_maml_meta_gradient(maml_meta_gradient):
    """maml_meta_gradient(model, episode, alpha) -> the gradient w.r.t. the model's weights theta
    (one tensor per trainable variable) of the mean over tasks of the query loss after one SGD step
    on the support set from theta, second order; the model's weights must be left unchanged."""
    episode = Sinusoid(seed=5, dtype="float64").sample(3, K=5, Q=7)
    alpha = 0.1
    model = _small_model()
    theta = snapshot(model)
    out = call(maml_meta_gradient, model, episode, alpha)
    changed = not close(snapshot(model), theta, rtol=0, atol=0)
    restore(model, theta)
    variables = model.trainable_variables
    if out is None or not isinstance(out, (list, tuple)) or any(g is None for g in out):
        wrong(_("the gradient is None: the loss does not depend on the theta you differentiate (a Keras "
                "model called as model(x, theta) uses its own variables). Run the model with the weights you "
                "pass, f(phi, x) with f = FunctionalModel(model)"))
    if len(out) != len(variables) or any(tuple(np.shape(g)) != tuple(v.shape)
                                          for g, v in zip(out, variables, strict=True)):
        wrong(_("return one gradient per trainable variable ({count} here), each of its variable's shape",
                count=len(variables)))
    expected = MAML(model, alpha=alpha, inner_steps=1).meta_gradient(episode, mode="loop")[1]
    if close(out, expected):
        if changed:
            wrong(_("the gradient is right, but your function changed the model's weights (an in-place step "
                    "never undone, the article's bug): the next meta-step would start from the wrong theta"))
        return _("correct: the second-order MAML meta-gradient, from theta for every task, scored on the "
                 "query set")
    for grads, sentence in _maml_mistakes(model, episode, alpha):
        if close(out, grads):
            wrong(sentence)
    if close(out, [g * episode.num_tasks for g in as_arrays(expected)]):
        wrong(_("you summed the tasks' losses: average them over the meta-batch"))
    wrong(_("the gradient differs from MAML's meta-gradient (largest difference {difference:.3g})",
            difference=largest_difference(out, expected)))
