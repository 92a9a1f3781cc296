"""Lesson 7's playground without a browser: every control redraws and updates the readout;
the learner's N limit; divergence shown, not raised; narrowing a head keeps its rows."""

import numpy as np
import pytest

from lesson_lib.omniglot_playground import OmniglotPlayground
from lesson_lib.recipes.omniglot import learner as omniglot_learner
from lesson_lib.recipes.omniglot import with_ways
from lesson_lib.tasks import Omniglot


@pytest.fixture(scope="module")
def playground():
    images = np.zeros((40, 20, 28, 28), np.uint8)
    rng = np.random.default_rng(0)
    images[:, :, 4:24, 4:24] = rng.integers(0, 2, (40, 1, 20, 20)) * 255  # one random glyph per character
    learners = {name: omniglot_learner(name) for name in ("MAML", "ProtoNet")}
    pg = OmniglotPlayground(learners, Omniglot("test", images=images), learner="MAML", K=1, steps=1)
    pg.show()
    return pg


def changed(pg, widget, value):
    before = (pg.image.value, pg.status.value, pg.redraw.count)
    widget.value = value
    return pg.image.value != before[0], pg.status.value, pg.redraw.count - before[2]


def test_first_draw(playground):
    assert playground.image.value[:4] == b"\x89PNG"
    assert "MAML, 5-way 1-shot" in playground.status.value and "after 1 steps" in playground.status.value


@pytest.mark.parametrize("control, value, expected", [
    ("steps", 4, "after 4 steps"), ("K", 3, "5-way 3-shot"), ("ways", 3, "3-way 3-shot"),
    ("alpha", 0.05, "after 4 steps of alpha = 0.05"),
])
def test_every_slider_redraws_once(playground, control, value, expected):
    new_image, status, draws = changed(playground, getattr(playground, control), value)
    assert new_image and draws == 1 and expected in status


def test_learner_switch_sets_its_limits(playground):
    pg = playground
    _, status, _ = changed(pg, pg.chooser, "ProtoNet")
    assert "ProtoNet" in status and "one forward pass" in status and pg.ways.max == 20
    assert pg.steps.disabled and pg.alpha.disabled
    pg.ways.value = 12
    assert "12-way" in pg.status.value
    pg.chooser.value = "MAML"
    assert pg.ways.max == 5 and pg.ways.value == 5 and "MAML, 5-way" in pg.status.value


def test_new_task_changes_the_drawing(playground):
    before = playground.image.value
    playground.new_task.click()
    assert playground.image.value != before


@pytest.mark.slow
def test_divergence_is_shown_not_raised(playground):
    pg = playground
    pg.chooser.value = "MAML"
    pg.alpha.max = 9
    pg.steps.value = 10
    pg.alpha.value = 1e9
    assert "diverged" in pg.status.value and "alpha = 1e+09" in pg.status.value
    pg.alpha.max = 0.5


def test_with_ways_keeps_the_first_rows_of_the_head():
    learner = omniglot_learner("MAML")
    narrow = with_ways(learner, 3)
    np.testing.assert_array_equal(narrow.model.weights[-2].numpy(), learner.model.weights[-2].numpy()[:, :3])
    np.testing.assert_array_equal(narrow.model.weights[0].numpy(), learner.model.weights[0].numpy())
    assert with_ways(omniglot_learner("ProtoNet"), 17) is not None
    with pytest.raises(ValueError, match=r"ways must be in \[2, 5\] for MAML"):
        with_ways(learner, 6)
