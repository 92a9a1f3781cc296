"""Bad input fails early with a ValueError/TypeError naming the argument and its range."""

import math

import numpy as np
import pytest

from lesson_lib.evaluation import adaptation_curve
from lesson_lib.learners import MAML, Pretrained
from lesson_lib.models import mlp
from lesson_lib.tasks import Episode, Sinusoid
from lesson_lib.training import meta_train


@pytest.fixture(scope="module")
def learner():
    return MAML(mlp(hidden=(8,)), alpha=0.01)


@pytest.mark.parametrize("steps", [-1, -10])
def test_negative_steps(learner, steps):
    ep = Sinusoid(0).sample(2, 5)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 0, got -"):
        learner.adaptation_curve(ep, steps)
    with pytest.raises(ValueError, match=r"inner_steps must be an integer >= 0"):
        MAML(mlp(hidden=(8,)), inner_steps=steps)


@pytest.mark.parametrize("alpha", [0.0, -0.1, math.nan, math.inf])
@pytest.mark.parametrize("cls", [MAML, Pretrained])
def test_bad_learning_rates(cls, alpha):
    with pytest.raises(ValueError, match=r"alpha must be a finite number > 0"):
        cls(mlp(hidden=(8,)), alpha=alpha)
    with pytest.raises(ValueError, match=r"beta must be a finite number > 0"):
        cls(mlp(hidden=(8,)), beta=alpha)


def test_learning_rate_type(learner):
    with pytest.raises(TypeError, match="alpha must be a finite number"):
        MAML(mlp(hidden=(8,)), alpha="0.01")
    with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
        learner.adaptation_curve(Sinusoid(0).sample(2, 5), 1, alpha=-1.0)


@pytest.mark.parametrize("K", [0, -3])
def test_shots_below_one(K):
    with pytest.raises(ValueError, match=r"K must be an integer >= 1"):
        Sinusoid(0).sample(3, K)
    with pytest.raises(ValueError, match=r"K must be an integer >= 1"):
        meta_train(MAML(mlp(hidden=(8,))), Sinusoid(0), 1, K=K, progress=False)


def test_mismatched_support_and_query_shapes():
    x, y = np.zeros((2, 5, 1)), np.zeros((2, 5, 1))
    with pytest.raises(ValueError, match=r"support_y shape \(2, 4, 1\) does not match support_x"):
        Episode(x, np.zeros((2, 4, 1)), x, y)
    with pytest.raises(ValueError, match=r"query_x features \(2,\) differ from support_x features \(1,\)"):
        Episode(x, y, np.zeros((2, 5, 2)), y)
    with pytest.raises(ValueError, match=r"same number of tasks"):
        Episode(x, y, np.zeros((3, 5, 1)), np.zeros((3, 5, 1)))
    with pytest.raises(ValueError, match=r"query_y targets \(2,\) differ from support_y targets"):
        Episode(x, y, x, np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match=r"K >= 1"):
        Episode(np.zeros((2, 0, 1)), np.zeros((2, 0, 1)), x, y)


def test_model_output_does_not_fit_task():
    wrong_output = MAML(mlp(hidden=(8,), output_dim=3))
    with pytest.raises(ValueError, match=r"model output shape \(5, 3\) does not fit the task"):
        wrong_output.meta_step(Sinusoid(0).sample(2, 5))
    wrong_input = MAML(mlp(input_dim=2, hidden=(8,)))
    with pytest.raises(ValueError, match=r"model does not accept inputs of shape \(5, 1\)"):
        adaptation_curve(wrong_input, Sinusoid(0).sample(2, 5), 1)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match=r"num_tasks must be an integer >= 1"):
        Sinusoid(0).sample(0, 5)
    with pytest.raises(ValueError, match=r"amplitude_range must be finite with low <= high"):
        Sinusoid(0, amplitude_range=(5, 0.1))
    with pytest.raises(ValueError, match=r"iterations must be an integer >= 0"):
        meta_train(MAML(mlp(hidden=(8,))), Sinusoid(0), -1, progress=False)
    with pytest.raises(TypeError, match=r"model must be a keras.Model"):
        MAML("not a model")
    with pytest.raises(ValueError, match=r"mode must be 'xla', 'vectorized', 'loop' or None"):
        MAML(mlp(hidden=(8,))).meta_gradient(Sinusoid(0).sample(2, 5), mode="fast")
