"""The drawing playground (Lesson 9) without a browser: clicks arrive as the messages ipympl's
browser view sends (`button_press` in figure pixels), and we check what the playground did."""

import ast
import inspect
import re

import numpy as np
import pytest

from lesson_lib import draw_playground as dp
from lesson_lib import draw_plots
from lesson_lib.draw_playground import PRESETS, DrawPlayground
from lesson_lib.learners import CNP, MAML
from lesson_lib.models import mlp

# ipympl 0.10's toolbar passes its canvas on to traitlets, which warns; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")


class FakeLearner:
    """The learner interface the playground uses, with known predictions: after s of `steps`
    steps, y = (s / steps) * mean(support y) + offset (one row: the last, for a learner that
    adapts in one pass). It records the support sets it was asked about."""

    uses_alpha = False

    def __init__(self, adapts_by_steps, offset=0.0):
        self.adapts_by_steps, self.offset, self.calls = adapts_by_steps, offset, []

    def prediction_path(self, episode, x, steps, alpha=None, eager=False):
        assert alpha is None  # the playground never passes a step size: each learner keeps its own
        self.calls.append((episode.support_x.copy(), episode.support_y.copy(), steps))
        level = episode.support_y.mean()
        fractions = np.arange(steps + 1) / max(steps, 1) if self.adapts_by_steps else np.ones(1)
        return (fractions[:, None] * level + self.offset + 0 * x[0, :, 0])[None, :, :, None]


def fakes():
    return {"stepper": FakeLearner(True), "one pass": FakeLearner(False, offset=1.0)}


@pytest.fixture
def pg():
    playground = DrawPlayground(fakes(), preset=None, prepare=False, max_steps=4, steps=2)
    playground.show()
    return playground


def click(pg, x, y, button=1, kind="button_press"):
    """What ipympl's view sends for a mouse press at data point (x, y): pixels from the figure's
    top left corner, JavaScript's button number (0 left, 2 right)."""
    px, py = pg.figure.ax.transData.transform((x, y))
    top = pg.figure.figure.bbox.height - py
    pg.canvas.manager.handle_json({"type": kind, "x": float(px), "y": float(top), "button": button - 1,
                                   "buttons": 0, "modifiers": []})


def line(pg, name, part):
    return pg.figure.lines[name][part]


def test_clicks_add_points_and_every_learner_adapts_to_them(pg):
    assert "No points yet" in pg.status.value
    click(pg, 1.0, 2.0)
    click(pg, -3.0, 4.0)
    np.testing.assert_allclose(pg.points, [[1, 2], [-3, 4]], atol=0.05)  # a pixel is 0.03 in x
    for learner in pg.learners.values():
        sx, sy, _ = learner.calls[-1]
        np.testing.assert_allclose(sx[0, :, 0], pg.points[:, 0])
        np.testing.assert_allclose(sy[0, :, 0], pg.points[:, 1])
        assert len(learner.calls) == 2  # once per point set
    assert pg.status.value.startswith("<b>2 points</b>")
    level = pg.points[:, 1].mean()
    np.testing.assert_allclose(line(pg, "stepper", "after").get_ydata(), level * 2 / 4, rtol=1e-5)
    np.testing.assert_allclose(line(pg, "stepper", "before").get_ydata(), 0.0)
    np.testing.assert_allclose(line(pg, "one pass", "after").get_ydata(), level + 1.0, rtol=1e-5)
    np.testing.assert_allclose(pg.figure.points.get_xdata(), pg.points[:, 0])


def test_readout_gives_each_learners_mse_on_the_points(pg):
    for x, y in [(0.0, 1.0), (2.0, 3.0), (4.0, -1.0)]:
        pg.add_point(x, y)
    ys = pg.points[:, 1]
    stepper = np.mean((ys.mean() * 2 / 4 - ys) ** 2)
    one_pass = np.mean((ys.mean() + 1.0 - ys) ** 2)
    assert f"stepper {stepper:.3f}" in pg.status.value
    assert f"one pass {one_pass:.3f} (one forward pass)" in pg.status.value
    assert "3 points</b>, 2 adaptation steps" in pg.status.value


def test_steps_slider_redraws_without_adapting_again(pg):
    pg.add_point(1.0, 2.0)
    calls = len(pg.learners["stepper"].calls)
    pg.steps.value = 4
    assert len(pg.learners["stepper"].calls) == calls  # every step was computed with the points
    np.testing.assert_allclose(line(pg, "stepper", "after").get_ydata(), 2.0, rtol=1e-5)
    assert "4 adaptation steps" in pg.status.value


def test_remove_last_clear_and_right_click(pg):
    for x in (-4.0, 0.0, 4.0):
        pg.add_point(x, 1.0)
    pg.remove_last()
    np.testing.assert_allclose(pg.points[:, 0], [-4, 0])
    click(pg, -3.8, 1.2, button=3)  # right-click: the nearest point goes
    np.testing.assert_allclose(pg.points[:, 0], [0])
    pg.clear()
    assert len(pg.points) == 0 and "No points yet" in pg.status.value
    assert not line(pg, "stepper", "after").get_visible()
    assert not pg.remove_last()
    assert "There is no point to remove" in pg.status.value


def test_a_double_click_adds_only_its_two_presses(pg):
    click(pg, 1.0, 1.0)
    click(pg, 1.0, 1.0, kind="dblclick")
    assert len(pg.points) == 1


@pytest.mark.parametrize("x, y, says", [
    (float("nan"), 1.0, "finite"), (1.0, float("inf"), "finite"), ("left", 1.0, "two numbers"),
    (None, 1.0, "two numbers"), (25.0, 1.0, "outside the plot"), (1.0, -40.0, "outside the plot"),
])
def test_bad_points_are_refused_in_the_readout(pg, x, y, says):
    assert not pg.add_point(x, y)
    assert len(pg.points) == 0
    assert says in pg.status.value
    pg.add_point(1.0, 1.0)
    assert says not in pg.status.value  # the message is shown once, not kept


def test_click_outside_the_axes_says_where_to_click(pg):
    pg.canvas.manager.handle_json({"type": "button_press", "x": 2.0, "y": 2.0, "button": 0, "buttons": 0,
                                   "modifiers": []})  # the figure's top left corner, off the axes
    assert len(pg.points) == 0
    assert "Click inside the axes" in pg.status.value


def test_at_most_max_points():
    pg = DrawPlayground(fakes(), preset=None, prepare=False, max_points=2)
    assert pg.add_point(0, 0) and pg.add_point(1, 1)
    assert not pg.add_point(2, 2)
    assert "At most 2 points" in pg.status.value and len(pg.points) == 2


@pytest.mark.parametrize("key", list(PRESETS))
def test_presets_fill_their_points_and_shape(pg, key):
    _, function, xs = PRESETS[key]
    pg.use_preset(key)
    np.testing.assert_allclose(pg.points[:, 0], xs, rtol=1e-6)
    np.testing.assert_allclose(pg.points[:, 1], function(xs), rtol=1e-5, atol=1e-6)
    assert pg.figure.shape.get_visible()
    np.testing.assert_allclose(pg.figure.shape.get_ydata(), function(pg.grid.astype(float)), atol=1e-5)
    assert f"<b>{len(xs)} points</b>" in pg.status.value
    pg.clear()
    assert not pg.figure.shape.get_visible()


def test_presets_cover_the_shapes_and_leave_the_family():
    ys = {key: function(xs) for key, (_, function, xs) in PRESETS.items()}
    assert np.ptp(np.diff(ys["line"]) / np.diff(PRESETS["line"][2])) < 1e-9  # constant slope
    assert set(np.round(ys["step"], 6)) == {-2.0, 2.0}
    assert np.abs(ys["big sine"]).max() > 1.5 * dp.FAMILY[1][1]  # amplitude 10, the family's at most 5
    assert np.abs(PRESETS["wide sine"][2]).max() > 1.5 * dp.FAMILY[0][1]  # x far beyond [-5, 5]
    assert np.abs(ys["sine"]).max() <= dp.FAMILY[1][1]
    with pytest.raises(ValueError, match="preset must be one of"):
        DrawPlayground(fakes(), preset="circle", prepare=False)


def test_no_learner_is_treated_by_its_name():
    """Names the kit's learners have, given to the other kind: the capability decides."""
    learners = {"CNP": FakeLearner(True), "MAML": FakeLearner(False), "pretrained": FakeLearner(True)}
    pg = DrawPlayground(learners, preset="line", prepare=False, max_steps=3)
    pg.show()
    assert [call[2] for call in learners["CNP"].calls] == [3]
    assert [call[2] for call in learners["MAML"].calls] == [0]
    assert line(pg, "CNP", "before").get_visible() and not line(pg, "MAML", "before").get_visible()
    assert "MAML" in pg.status.value and "(one forward pass)" in pg.status.value
    for module in (dp, draw_plots):  # and no learner's name is written in the code (docstrings aside)
        named = [w for w in code_words(module) if KIT_NAMES.search(w)]
        assert not named, f"{module.__name__} names learners in its code: {named}"


KIT_NAMES = re.compile(r"MAML|CNP|pretrained|Meta-SGD|hypernet|Reptile", re.I)


def code_words(module):
    """Every string constant and variable name in a module's code, its docstrings left out."""
    tree = ast.parse(inspect.getsource(module))
    documented = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef))]
    docstrings = {ast.get_docstring(n, clean=False) for n in documented}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and n.value not in docstrings] + [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]


def test_only_the_chosen_learners_are_drawn(pg):
    pg.add_point(0.0, 1.0)
    pg.chooser.value = ("one pass",)
    assert not line(pg, "stepper", "after").get_visible()
    assert "stepper" not in pg.status.value and "one pass" in pg.status.value
    pg.chooser.value = ()
    assert "no learner chosen" in pg.status.value


def test_a_diverging_learner_is_reported_not_drawn_as_numbers():
    pg = DrawPlayground({"wild": FakeLearner(True, offset=np.nan)}, preset="sine", prepare=False)
    pg.show()
    assert "wild diverged" in pg.status.value and "color:red" in pg.status.value


def test_a_failing_learner_says_so_in_red():
    class Broken(FakeLearner):
        def prediction_path(self, *args, **kwargs):
            raise RuntimeError("out of memory")

    pg = DrawPlayground({"broken": Broken(True)}, preset="sine", prepare=False)
    pg.show()
    assert "could not be redrawn" in pg.status.value and "out of memory" in pg.status.value


def test_bad_arguments_name_themselves():
    with pytest.raises(TypeError, match="learners must be a non-empty dict"):
        DrawPlayground({}, prepare=False)
    with pytest.raises(TypeError, match=r"learners\['x'\] must be a learner"):
        DrawPlayground({"x": object()}, prepare=False)
    with pytest.raises(ValueError, match="show names learners that are not given"):
        DrawPlayground(fakes(), show=("MAML",), prepare=False)
    with pytest.raises(ValueError, match="steps must be"):
        DrawPlayground(fakes(), steps=20, max_steps=10, prepare=False)


def test_the_figure_blits_once_the_browser_has_drawn_it(pg):
    pg.add_point(0.0, 1.0)
    assert pg.figure.blits == 0  # no view yet: nothing rendered in the kernel
    pg.canvas.draw()  # what the browser's view asks for when it connects
    renders = pg.figure.full_renders
    pg.add_point(1.0, 1.0)
    pg.steps.value = 3
    assert pg.figure.blits == 2 and pg.figure.full_renders == renders
    pg.chooser.value = ("stepper",)  # the legend changes: the next picture is a full render
    assert pg.figure.blits == 2


@pytest.mark.slow
def test_real_learners_draw_their_own_predictions():
    """Small untrained MAML and CNP: what is drawn is what `prediction_path` says, prepared once."""
    learners = {"MAML": MAML(mlp(hidden=(8,), seed=1), alpha=0.05),
                "CNP": CNP(width=8, depth=1, seed=2)}
    pg = DrawPlayground(learners, preset="sawtooth", max_steps=3, steps=3, max_points=14)
    pg.show()
    pg.add_point(2.0, -1.0)
    episode = pg.episode()
    path = learners["MAML"].prediction_path(episode, episode.query_x, 3)[0, :, :, 0]
    np.testing.assert_allclose(line(pg, "MAML", "after").get_ydata(), path[3, :len(pg.grid)], rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(line(pg, "MAML", "before").get_ydata(), path[0, :len(pg.grid)], rtol=1e-4,
                               atol=1e-5)
    cnp = learners["CNP"].prediction_path(episode, episode.query_x, 0)[0, 0, :, 0]
    np.testing.assert_allclose(line(pg, "CNP", "after").get_ydata(), cnp[:len(pg.grid)], rtol=1e-4, atol=1e-5)
    mse = np.mean((path[3, len(pg.grid):] - pg.points[:, 1]) ** 2)
    assert f"MAML {mse:.3f}" in pg.status.value
