"""Lesson 8: the article's code patterns have the defects the lesson measures, and their fixes equal
the kit's learners on the same inputs; the one-loss objective and the taxonomy table."""

import inspect
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from lesson_lib import learners as kit_learners
from lesson_lib.article import (
    LEARNERS,
    OneLossMAML,
    article_maml,
    article_reptile,
    keras_refusals,
    maml_meta_gradient,
    maml_meta_step,
    pattern_meta_gradient,
    reptile_meta_step,
    sequential_fine_tuning,
    snapshot,
    taxonomy_table,
)
from lesson_lib.functional import adapt, mse
from lesson_lib.gradcheck import finite_differences, flat, relative_error
from lesson_lib.learners import MAML, Reptile
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid


def small():
    return mlp(hidden=(6,), activation="tanh", dtype="float64", seed=3)


@pytest.fixture(scope="module")
def episode():
    return Sinusoid(seed=5, dtype="float64").sample(3, K=5, Q=7)


@pytest.fixture(scope="module")
def true_gradient(episode):
    """Finite differences of the true MAML objective (support/query, one step, from theta)."""
    return finite_differences(MAML(small(), alpha=0.1, inner_steps=1), episode)


def test_keras_refuses_the_pattern(episode):
    model = small()
    theta = tf.Variable(tf.zeros(model.trainable_variables[0].shape, "float64"))
    call, step = keras_refusals(model, episode.support_x[0], theta)
    assert call.startswith("TypeError") and "training" in call
    assert step.startswith("ValueError") and "No gradients" in step


def test_pattern_theta_is_unrelated_and_gets_no_gradient():
    model = small()
    first = model.trainable_variables[0].numpy()
    run = article_maml(model, Sinusoid(seed=7, dtype="float64").sample(5, K=5), 0.1)
    assert all(g is None for g in run.theta_gradients)
    assert tuple(run.theta.shape) == first.shape and len(model.trainable_variables) > 1
    assert not np.allclose(run.theta.numpy(), first)


def test_pattern_is_sequential_fine_tuning():
    tasks = Sinusoid(seed=7, dtype="float64").sample(6, K=5)
    model = small()
    run = article_maml(model, tasks, 0.1)
    assert np.allclose(flat(run.final), flat(sequential_fine_tuning(small(), tasks, 0.1)), rtol=1e-12)
    assert np.linalg.norm(flat(run.starts[1]) - flat(run.starts[0])) > 1e-3  # no reset


@pytest.mark.parametrize("reset, split", [(False, False), (True, False), (True, True)])
def test_pattern_meta_gradient_is_far_from_maml(episode, true_gradient, reset, split):
    model = small()
    before = flat(snapshot(model))
    g = pattern_meta_gradient(model, episode, 0.1, reset=reset, split=split)
    assert relative_error(flat(g), true_gradient) > 0.1
    assert np.array_equal(flat(snapshot(model)), before)  # put back for the comparison


def test_fixed_maml_matches_finite_differences_and_the_kit(episode, true_gradient):
    model = small()
    loss, g = maml_meta_gradient(model, episode, 0.1)
    assert relative_error(flat(g), true_gradient) < 1e-6
    kit_loss, kit_g = MAML(model, alpha=0.1, inner_steps=1).meta_gradient(episode)
    assert np.isclose(float(loss), kit_loss, rtol=1e-12)
    assert np.allclose(flat(g), flat(kit_g), rtol=1e-10, atol=1e-14)


def test_fixed_maml_step_equals_the_kit(episode):
    mine, theirs = small(), small()
    maml_meta_step(mine, keras.optimizers.Adam(1e-2), episode, 0.1, steps=2)
    kit = MAML(theirs, alpha=0.1, inner_steps=2, beta=1e-2)
    kit.meta_step(episode)
    assert np.allclose(flat(snapshot(mine)), flat(snapshot(theirs)), rtol=1e-10, atol=1e-14)


def test_reptile_pattern_scales_instead_of_averaging():
    tasks = Sinusoid(seed=2, dtype="float64").sample(4, K=5)
    model = small()
    n_weights = len(model.trainable_variables)
    run = article_reptile(model, tasks, 0.02, 5)
    assert run.pairs == [n_weights, 0, 0, 0]  # the generator is exhausted after the first task
    assert np.allclose(flat(run.after_update[0]), (1 + 1 / 4) * flat(run.before_update[0]), rtol=1e-15)
    mean = np.mean([flat(w) for w in run.before_update], axis=0)
    assert not np.allclose(flat(run.after_update[0]), mean, rtol=1e-3)
    for i in range(3):  # no reset
        assert np.array_equal(flat(run.starts[i + 1]), flat(run.after_update[i]))


@pytest.mark.parametrize("epsilon", [0.3, 1.0])
def test_fixed_reptile_equals_the_kit(epsilon):
    tasks = Sinusoid(seed=2, dtype="float64").sample(4, K=5)
    mine, theirs = small(), small()
    reptile_meta_step(mine, tasks, 0.02, 5, epsilon)
    Reptile(theirs, alpha=0.02, inner_steps=5, epsilon=epsilon).meta_step(tasks)
    assert np.allclose(flat(snapshot(mine)), flat(snapshot(theirs)), rtol=1e-12, atol=1e-15)


def test_fixed_reptile_epsilon_one_is_the_articles_mean():
    tasks = Sinusoid(seed=2, dtype="float64").sample(3, K=5)
    model = small()
    theta = snapshot(model)
    finals = [adapt(kit_learners.MAML(small()).f, theta, tasks.support_x[i], tasks.support_y[i], 4, 0.02, mse,
                    second_order=False) for i in range(3)]
    reptile_meta_step(model, tasks, 0.02, 4, 1.0)
    assert np.allclose(flat(snapshot(model)), np.mean([flat(f) for f in finals], axis=0), rtol=1e-12)


def test_one_loss_objective(episode):
    learner = OneLossMAML(small(), alpha=0.1)
    f, theta = learner.f, learner.params()
    sx, sy, qx, qy = (tf.constant(a[0]) for a in (episode.support_x, episode.support_y, episode.query_x,
                                                   episode.query_y))
    phi = adapt(f, theta, sx, sy, 1, 0.1, mse)
    assert np.isclose(float(learner.task_loss(theta, sx, sy, qx, qy)), float(mse(sy, f(phi, sx))))
    pooled = OneLossMAML(small(), alpha=0.1, data="all")
    x, y = tf.concat([sx, qx], 0), tf.concat([sy, qy], 0)
    assert np.isclose(float(pooled.task_loss(theta, sx, sy, qx, qy)),
                      float(mse(y, f(adapt(f, theta, x, y, 1, 0.1, mse), x))))
    error = relative_error(flat(learner.meta_gradient(episode)[1]), finite_differences(learner, episode))
    assert error < 1e-6
    with pytest.raises(ValueError, match="data"):
        OneLossMAML(small(), data="query")


def test_taxonomy_covers_every_learner_and_links_real_lessons(root):
    concrete = {name for name in kit_learners.__all__
                if inspect.isclass(getattr(kit_learners, name))
                and name not in ("Learner", "MetaGradientLearner", "SGDAdaptation")}
    listed = {cls for cls, *_ in LEARNERS}
    assert concrete <= listed, f"classify {sorted(concrete - listed)} in lesson_lib/article/taxonomy.py"
    family = {name: fam for _, name, fam, _ in LEARNERS}
    for name in ("MAML", "Reptile", "Meta-LSTM"):  # the article calls MAML model-based
        assert family[name].startswith("optimization-based")
    assert family["CNP"].startswith("model-based") and family["ProtoNet"].startswith("metric-based")
    for *_, lesson in LEARNERS:
        assert (Path(root) / "notebooks" / lesson.split("(")[1].rstrip(")")).exists(), lesson
    assert "| metric-based |" in taxonomy_table().data
