"""The task-count playground without a browser: built from a small JSON of bench rows, sliders moved."""

import json

import numpy as np
import pytest

from lesson_lib import checkpoints
from lesson_lib.bench.tasks_needed import checkpoint_name, new_learner
from lesson_lib.task_count_playground import TaskCountPlayground, load_pool_learners, read_rows
from lesson_lib.task_count_plots import error_rows

POOLS = (5, 20, None)


def rows():
    made = []
    for n in POOLS:
        size = 1000 if n is None else n
        for split in ("meta-train", "meta-test"):
            for steps in (1, 10):
                mse = 0.5 / steps + (0.0 if split == "meta-train" else 10.0 / size)
                made.append({"experiment": "tasks", "learner": "MAML", "tasks": n, "split": split,
                             "steps": steps, "mse": mse, "ci95": 0.05, "median": 0.8 * mse,
                             "iterations": 10, "train_seconds": 1.0})
    made.append({"experiment": "memorization", "learner": "MAML", "condition": "identity in inputs",
                 "tasks": 50, "split": "meta-train", "steps": 1, "support": "true", "mse": 0.1,
                 "ci95": 0.01, "median": 0.1})
    return made


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A JSON of rows and an (untrained) checkpoint per pool, as the bench command writes them."""
    directory = tmp_path_factory.mktemp("tasks_needed")
    (directory / "rows.json").write_text(json.dumps(rows()))
    for seed, n in enumerate(POOLS):
        checkpoints.save(directory / checkpoint_name("MAML", n), new_learner("MAML", seed), tasks=n)
    return directory


@pytest.fixture(scope="module")
def learners(saved):
    return load_pool_learners(saved, pools=POOLS)


@pytest.fixture
def playground(saved, learners):
    pg = TaskCountPlayground(saved / "rows.json", learners, tasks=5)
    pg.show()
    return pg


def test_json_is_read(saved):
    assert read_rows(saved / "rows.json") == json.loads(json.dumps(rows()))  # None -> null -> None
    with pytest.raises(FileNotFoundError, match="bench tasks_needed"):
        read_rows(saved / "missing.json")


def test_tasks_slider_redraws_and_reads_the_rows(playground):
    shown, status = playground.image.value, playground.status.value
    assert "5 tasks" in status and "meta-test MSE 2.500 +- 0.050" in status
    playground.tasks.value = "unlimited"
    assert playground.image.value != shown and playground.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "unlimited tasks" in playground.status.value
    assert "meta-test MSE 0.510 +- 0.050" in playground.status.value
    assert playground.status.value != status


def test_steps_slider_shows_the_learners_prediction(playground):
    shown = playground.image.value
    playground.steps.value = 10
    assert playground.image.value != shown
    assert "after 10 steps" in playground.status.value
    learner = playground.learners[5]
    expected = learner.prediction_path(playground.new_task, playground.grid[None, :, None], 10)[0, 10, :, 0]
    np.testing.assert_allclose(playground.prediction(5, 10), expected, rtol=1e-5)
    assert not np.allclose(playground.prediction(5, 1), expected)


def test_each_pool_has_its_own_learner(playground):
    assert set(playground.learners) == set(POOLS)
    assert not np.allclose(playground.prediction(5, 1), playground.prediction(20, 1))


def test_rows_without_learners_draw_the_curves_only(saved):
    pg = TaskCountPlayground(rows(), tasks=20, steps=10)
    pg.show()
    assert pg.prediction(20, 10) is None
    assert pg.image.value[:8] == b"\x89PNG\r\n\x1a\n" and "20 tasks" in pg.status.value


def test_memorization_rows_are_not_drawn():
    found = error_rows(rows(), "MAML", 1)
    assert set(found) == {"meta-train", "meta-test"} and set(found["meta-train"]) == set(POOLS)


@pytest.mark.parametrize("kwargs, words", [
    ({"tasks": 7}, "tasks must be one of the pools"),
    ({"steps": 3}, "steps must be one of"),
    ({"learner": "Reptile"}, "no 'tasks' experiment for learner 'Reptile'"),
])
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        TaskCountPlayground(rows(), **kwargs)


def test_playground_contract(playground):
    assert {"pg-playground", "pg-task-count"} <= set(playground.widget._dom_classes)
    assert "pg-tasks" in playground.tasks._dom_classes and "pg-steps" in playground.steps._dom_classes
    assert "pg-plot" in playground.image._dom_classes and "pg-status" in playground.status._dom_classes
