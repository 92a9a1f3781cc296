"""The 2D-navigation playground without a browser: the shipped policies, sliders moved, the cache,
refused goals, errors in the readout, and the adaptation path against the bench's protocol.
Run with -s to see the measured redraw times."""

import statistics
import time

import numpy as np
import pytest

from lesson_lib.envs import sample_tasks
from lesson_lib.navigation_playground import NavigationPlayground
from lesson_lib.navigation_plots import NavigationView, arrow_points, navigation_figure
from lesson_lib.recipes import navigation as recipes
from lesson_lib.rl.adaptation import adaptation_path, adaptation_paths, mean_action_field

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def learners():
    return recipes.load_all()


@pytest.fixture
def playground(learners):
    pg = NavigationPlayground(learners, goal=(0.3, -0.2), steps=3, trajectories=20, seed=0)
    pg.show()
    return pg


def test_shipped_learners_load(learners):
    assert list(learners) == ["MAML", "pretrained", "random"]
    assert learners["pretrained"].inner_steps == 0 and learners["MAML"].inner_steps == 1
    with pytest.raises(ValueError, match="name must be one of"):
        recipes.load("random")


def test_playground_contract(playground):
    assert {"pg-playground", "pg-navigation"} <= set(playground.widget._dom_classes)
    controls = {"pg-learner": playground.chooser, "pg-goal-x": playground.goal_x,
                "pg-goal-y": playground.goal_y, "pg-step": playground.step, "pg-new": playground.new}
    for css, widget in controls.items():
        assert css in widget._dom_classes
    assert "pg-plot" in playground.image._dom_classes and "pg-status" in playground.status._dom_classes
    assert playground.image.value[:8] == PNG
    assert (playground.goal_x.min, playground.goal_x.max) == (-0.5, 0.5)
    assert (playground.step.min, playground.step.max) == (0, 3)


def test_first_view_reads_the_returns(playground):
    status = playground.status.value
    assert status.startswith("MAML, goal (+0.30, -0.20), step k = 1")
    assert "pretrained:" in status and "20 trajectories per step" in status
    path = playground.paths(["MAML"])["MAML"][0]
    assert f"<b>{path.returns[1].mean():.1f}</b>" in status


def test_goal_slider_adapts_again_and_redraws(playground):
    shown, status, adapted = playground.image.value, playground.status.value, playground.adaptations
    playground.goal_x.value = -0.1
    assert playground.image.value != shown and playground.image.value[:8] == PNG
    assert "goal (-0.10, -0.20)" in playground.status.value and playground.status.value != status
    assert playground.adaptations == adapted + 1  # MAML and the pretrained reference in one go


def test_step_slider_only_redraws(playground):
    shown, adapted, draws = playground.image.value, playground.adaptations, playground.redraw.count
    for k in (2, 3, 0):
        playground.step.value = k
        assert f"step k = {k}" in playground.status.value
    assert playground.adaptations == adapted  # the cached path: nothing adapts
    assert playground.redraw.count == draws + 3 and playground.image.value != shown


def test_learner_chooser_and_new_trajectories(playground):
    playground.chooser.value = "pretrained"
    status = playground.status.value
    assert status.startswith("pretrained,") and "; pretrained:" not in status  # no reference to itself
    adapted, shown = playground.adaptations, playground.image.value
    playground.chooser.value = "MAML"  # back: both paths cached
    assert playground.adaptations == adapted
    playground.new.click()
    assert playground.draws == 1 and playground.adaptations == adapted + 1
    assert playground.image.value != shown


def test_same_seed_same_picture(learners, playground):
    again = NavigationPlayground(learners, goal=(0.3, -0.2), seed=0)
    again.show()
    assert again.status.value == playground.status.value


@pytest.mark.parametrize("goal", [(0.7, 0.0), (0.0, -0.51), (np.nan, 0.0)])
def test_goal_outside_the_range_is_refused(learners, playground, goal):
    with pytest.raises(ValueError, match=r"goal must lie in \[-0.5, 0.5\]\^2"):
        NavigationPlayground(learners, goal=goal)
    before = playground.status.value
    with pytest.raises(ValueError, match=r"goal must lie in \[-0.5, 0.5\]\^2"):
        playground.set_goal(*goal)
    assert playground.status.value == before and playground.goal_x.value == 0.3


def test_set_goal_moves_both_sliders_with_one_redraw(playground):
    draws = playground.redraw.count
    playground.set_goal(-0.25, 0.4)
    assert (playground.goal_x.value, playground.goal_y.value) == (-0.25, 0.4)
    assert playground.redraw.count == draws + 1 and "goal (-0.25, +0.40)" in playground.status.value


@pytest.mark.parametrize("kwargs, error, words", [
    ({"steps": 0}, ValueError, "steps"),
    ({"trajectories": 0}, ValueError, "trajectories"),
    ({"learner": "Reptile"}, ValueError, "learner must be one of"),
    ({"step": 4}, ValueError, "step"),
])
def test_bad_arguments_are_named(learners, kwargs, error, words):
    with pytest.raises(error, match=words):
        NavigationPlayground(learners, **kwargs)


def test_learners_must_be_rl_learners():
    with pytest.raises(TypeError, match="non-empty dict"):
        NavigationPlayground({})
    with pytest.raises(TypeError, match="MAMLRL learner"):
        NavigationPlayground({"MAML": object()})


def test_a_failed_redraw_is_said_in_the_readout(playground, monkeypatch, capsys):
    def diverged(*args, **kwargs):
        raise FloatingPointError("inner step 1 of MAML is not finite (alpha = 0.1); try a smaller alpha")

    monkeypatch.setattr("lesson_lib.navigation_playground.adaptation_paths", diverged)
    playground.goal_y.value = 0.45  # a goal not cached yet
    assert "pg-error" in playground.status.value and "try a smaller alpha" in playground.status.value
    assert "FloatingPointError" in playground.status.value
    capsys.readouterr()  # the traceback went to stderr, for whoever debugs it


def test_path_follows_the_bench_protocol(learners):
    """The playground's numbers are adapt_and_evaluate's: same stream, same alphas."""
    maml = learners["MAML"]
    goal = sample_tasks(1, seed=3)[0]
    path = adaptation_path(maml, goal, steps=3, trajectories=20, rng=7)
    expected = maml.adapt_and_evaluate(goal[None], steps=3, trajectories=20, rng=7)[0]
    np.testing.assert_allclose(path.returns.mean(axis=1), expected, rtol=1e-4)
    assert path.alphas == [0.1, 0.05, 0.05] and path.positions.shape == (4, 101, 20, 2)
    np.testing.assert_array_equal(path.positions[:, 0], 0.0)  # every trajectory starts at s_0 = (0, 0)
    assert all(np.array_equal(a, b) for a, b in zip(path.phi[0], maml.params(), strict=True))


def test_paths_together_are_the_paths_alone(learners):
    goal = (-0.2, 0.35)
    both = adaptation_paths([learners["MAML"], learners["pretrained"]], goal, steps=2, trajectories=10, rng=1)
    for name, together in zip(("MAML", "pretrained"), both, strict=True):
        alone = adaptation_path(learners[name], goal, steps=2, trajectories=10, rng=1)
        np.testing.assert_allclose(together.returns, alone.returns, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(together.positions, alone.positions, atol=1e-5)


def test_mean_action_field_is_the_clipped_policy_mean(learners):
    maml = learners["MAML"]
    points = arrow_points()
    field = mean_action_field(maml, maml.params(), points)
    expected = np.clip(0.1 * maml.policy.mean_numpy(maml.params(), points), -0.1, 0.1)
    np.testing.assert_allclose(field, expected, rtol=1e-6)
    assert field.shape == (81, 2) and np.abs(field).max() > 0.01  # visible arrows


def test_figure_draws_a_view_and_checks_it():
    rng = np.random.default_rng(0)
    positions = np.cumsum(rng.normal(0, 0.02, (3, 101, 5, 2)), axis=1)
    view = NavigationView("MAML", np.array([0.3, -0.2]), 1, positions, -rng.uniform(5, 40, (3, 5)),
                          rng.uniform(-0.1, 0.1, (81, 2)), {"pretrained": np.array([-30.0, -25.0, -20.0])})
    assert navigation_figure(view)[:8] == PNG
    with pytest.raises(ValueError, match="0 <= step <= 2"):
        navigation_figure(view._replace(step=3))


def test_redraw_times(learners):
    """Median ms per redraw after the first: (a) step slider moves (drawing only), (b) goal moves
    (adapting MAML and the pretrained reference for 3 steps on 20 trajectories, then drawing).
    Printed, not asserted (machines differ); the issue asks for under 250 ms."""
    pg = NavigationPlayground(learners, goal=(0.3, -0.2))
    pg.show()

    def median_ms(slider, values):
        times = []
        for value in values:
            start = time.perf_counter()
            slider.value = value
            times.append(1000 * (time.perf_counter() - start))
        return statistics.median(times)

    steps = median_ms(pg.step, [2, 3, 0, 1, 2, 3, 0, 1])
    goals = median_ms(pg.goal_x, [0.25, 0.2, 0.15, 0.1, 0.05, 0.0, -0.05, -0.1])
    print(f"\nnavigation playground, median per redraw: step slider {steps:.0f} ms, goal slider "
          f"{goals:.0f} ms ({pg.picture.full_renders} full render(s), the rest over the kept background)")
