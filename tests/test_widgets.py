"""The sinusoid playground without a browser: set a widget's value, check what was drawn."""

import asyncio

import numpy as np
import pytest

from lesson_lib.recipes.sinusoid import load as load_sinusoid
from lesson_lib.widgets import DIVERGED, SinusoidPlayground


@pytest.fixture(scope="module")
def learners():
    return {name: load_sinusoid(name, 5)[0] for name in ("MAML", "pretrained", "FOMAML")}


@pytest.fixture
def playground(learners):
    pg = SinusoidPlayground(learners, show=("MAML", "pretrained"), amplitude=3.0, phase=1.0)
    pg.show()
    return pg


def line(ax, label):
    (found,) = [ln for ln in ax.get_lines() if ln.get_label() == label and ln.get_visible()]
    return found


def test_steps_slider_draws_the_adapted_prediction(playground, learners):
    shown = playground.image.value
    playground.steps.value = 7
    assert playground.image.value != shown  # the picture the student sees changed
    episode = playground.episode()
    expected = learners["MAML"].prediction_path(episode, playground.grid[None], 7)[0, 7, :, 0]
    np.testing.assert_allclose(line(playground.ax_fn, "MAML: after 7 steps").get_ydata(), expected, rtol=1e-5)
    before = line(playground.ax_fn, "MAML: before adaptation").get_ydata()
    assert not np.allclose(before, expected, atol=1e-2)
    assert "after 7 steps" in playground.status.value
    assert playground.image.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_adaptation_curve_matches_the_learner(playground, learners):
    playground.K.value = 10
    curve = line(playground.ax_curve, "MAML").get_ydata()
    episode = playground.episode()
    assert episode.shots == 10
    expected = learners["MAML"].adaptation_curve(episode, playground.max_steps)[0]
    np.testing.assert_allclose(curve, expected, rtol=1e-4)
    assert curve[5] < curve[0]  # MAML improves with steps on a fresh task


def test_huge_alpha_is_marked_diverged_not_crashed(playground):
    playground.alpha.value = 3.0
    assert "MAML diverged at step" in playground.status.value
    markers = [ln for ln in playground.ax_curve.get_lines() if ln.get_marker() == "X" and len(ln.get_ydata())]
    assert markers and markers[0].get_ydata()[0] == DIVERGED


def test_chooser_overlays_learners(playground):
    playground.chooser.value = ("MAML", "pretrained", "FOMAML")
    labels = [ln.get_label() for ln in playground.ax_curve.get_lines() if ln.get_visible()]
    assert {"MAML", "pretrained", "FOMAML"} <= set(labels)


def test_new_task_button_redraws_once(playground):
    before = (playground.amplitude.value, playground.phase.value, playground.redraw.count)
    playground.new_task.click()
    assert (playground.amplitude.value, playground.phase.value) != before[:2]
    assert playground.redraw.count == before[2] + 1


def test_a_burst_of_values_makes_one_redraw(playground):
    async def drag():
        start = playground.redraw.count
        for value in range(21):  # a drag across the whole range, as fast as it can go
            playground.steps.value = value
        for value in np.geomspace(0.001, 0.1, 15):
            playground.alpha.value = float(value)
        await asyncio.sleep(0.3)
        return playground.redraw.count - start, playground.redraw.requests

    redraws, requests = asyncio.run(drag())
    assert requests >= 30 and redraws == 1
    assert line(playground.ax_fn, "MAML: after 20 steps")  # the last values won


def test_task_only_view_for_lesson_0():
    pg = SinusoidPlayground({}, amplitude=2.0, phase=0.5)
    pg.show()
    np.testing.assert_allclose(line(pg.ax_fn, "true function").get_ydata(), 2.0 * np.sin(pg.grid[:, 0] - 0.5),
                               rtol=1e-5, atol=1e-6)
    pg.amplitude.value = 4.0
    assert "A = 4.00" in pg.status.value


def test_bad_arguments(learners):
    with pytest.raises(ValueError, match=r"steps must be an integer >= 0 and <= 20"):
        SinusoidPlayground(learners, steps=25)


@pytest.mark.slow
def test_training_playground_runs_compares_and_explains_divergence():
    from lesson_lib.learners import MAML
    from lesson_lib.models import mlp
    from lesson_lib.widgets import TrainingPlayground

    pg = TrainingPlayground(lambda beta: MAML(mlp(hidden=(16,), seed=1), beta=beta), iterations=100)
    pg.show()
    pg.beta.value, pg.iterations.value = 1e-2, 200
    pg.train_button.click()
    assert [len(losses) for _, losses, _ in pg.runs] == [100, 200]
    assert "beta = 1.0e-02, 200 its: query MSE" in pg.status.value
    assert pg.image.value[:4] == b"\x89PNG" and not pg.train_button.disabled
    exploding = TrainingPlayground(lambda beta: MAML(mlp(hidden=(16,)), alpha=1e6, beta=beta), iterations=100)
    exploding.show()
    assert "diverged at meta-iteration" in exploding.status.value and exploding.runs[0][2] is None


def test_a_failing_redraw_is_explained_in_the_readout(capsys):
    import ipywidgets as W

    from lesson_lib.playground import CoalescingRedraw

    def draw():
        raise RuntimeError("no figure today")

    status = W.HTML()
    CoalescingRedraw(draw, status=status).run()  # does not raise: the student sees why
    assert "could not be redrawn" in status.value and "RuntimeError: no figure today" in status.value
    assert "Traceback" in capsys.readouterr().err
    with pytest.raises(RuntimeError):  # without a readout nothing is swallowed
        CoalescingRedraw(draw).run()


def scratch_and_maml():
    from lesson_lib.recipes.sinusoid import learner

    return {"from scratch": learner("scratch"), "MAML": load_sinusoid("MAML", 5)[0]}


def test_lesson_0_playground_adapts_a_network_from_scratch():
    learners = scratch_and_maml()
    pg = SinusoidPlayground(learners, K=5, steps=20, amplitude=2.5, phase=1.0, show=("from scratch",))
    pg.show()
    assert pg.chooser.value == ("from scratch",) and "pg-learners" in pg.chooser._dom_classes
    expected = learners["from scratch"].prediction_path(pg.episode(), pg.grid[None], 20)[0, 20, :, 0]
    drawn = line(pg.ax_fn, "from scratch: after 20 steps").get_ydata()
    np.testing.assert_allclose(drawn, expected, rtol=1e-5)
    assert "from scratch: query MSE" in pg.status.value and "after 20 steps" in pg.status.value


@pytest.mark.slow  # 4 alphas x 100 tasks x 20 steps
def test_from_scratch_cannot_fit_five_points_at_any_alpha():
    """What Lesson 0 claims and its playground shows: 20 SGD steps on K = 5 points from random
    weights leave the query MSE far above the shipped MAML's on the same tasks, at every alpha
    of the slider's useful range (a step too large diverges, which is no fit either)."""
    from lesson_lib.tasks import Sinusoid

    learners = scratch_and_maml()
    test = Sinusoid(seed=10_000).sample(100, K=5, Q=100)
    maml = learners["MAML"].adaptation_curve(test, 20)[:, 20].mean()
    for alpha in (0.001, 0.01, 0.1, 1.0):
        with np.errstate(all="ignore"):
            scratch = np.nan_to_num(learners["from scratch"].adaptation_curve(test, 20, alpha=alpha)[:, 20],
                                    nan=np.inf).mean()
        assert scratch > 4 * maml, (alpha, scratch, maml)
