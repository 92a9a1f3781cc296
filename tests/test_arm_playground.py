"""The robot-arm playground (Lesson 13): its contract with the browser suite, that every control
redraws, the cache, the readout against the bench's episodes, and errors that name the argument."""

import time

import numpy as np
import pytest

from lesson_lib.arm_playground import ArmPlayground
from lesson_lib.envs.arm import ArmTasks
from lesson_lib.imitation import success_rates
from lesson_lib.recipes.arm import learner
from lesson_lib.tasks.demonstrations import Demonstrations


@pytest.fixture(scope="module")
def parts():
    tasks = ArmTasks("reach-v3", "test")
    recorded = tasks.episodes([i for i in range(3) for _ in range(2)], [0, 1] * 3)
    demos = Demonstrations(np.array([[r.observations for r in recorded[2 * i:2 * i + 2]] for i in range(3)]),
                           np.array([[r.actions for r in recorded[2 * i:2 * i + 2]] for i in range(3)]))
    yield {"MAML": learner("MAML"), "multi-task": learner("multi-task")}, tasks, demos
    tasks.close()


def test_contract_and_every_control_redraws(parts):
    playground = ArmPlayground(*parts, task=1)
    root = playground.show()
    assert {"pg-playground", "pg-arm"} <= set(root._dom_classes)
    assert "pg-status" in playground.status._dom_classes and "pg-plot" in playground.image._dom_classes
    timings = []
    for widget, value in ((playground.steps, 2), (playground.task, 2), (playground.demo, 1),
                          (playground.chooser, "multi-task")):
        css = [c for c in widget._dom_classes if c.startswith("pg-")]
        assert css, f"{widget.description} has no pg-* class"
        before = playground.image.value, playground.status.value
        start = time.perf_counter()
        widget.value = value
        timings.append(time.perf_counter() - start)
        assert playground.image.value != before[0] and playground.status.value != before[1], css
    print("redraws (s):", [round(t, 3) for t in timings])


def test_the_readout_agrees_with_the_bench_protocol(parts):
    learners, tasks, demos = parts
    playground = ArmPlayground(learners, tasks, demos, task=2, demonstration=1, steps=1)
    playground.show()
    found = success_rates(learners["MAML"], tasks, demos, trials=2, steps=1, progress=False)
    episode = playground.episode("MAML", 2, 1, 1)
    assert episode.success == found[2, 1] and episode.start == demos.per_task + 1
    assert playground.episode("MAML", 2, 1, 1) is episode, "a shown episode must come from the cache"


def test_bad_arguments_name_themselves(parts):
    learners, tasks, demos = parts
    with pytest.raises(TypeError, match="learners"):
        ArmPlayground({}, tasks, demos)
    with pytest.raises(ValueError, match="task"):
        ArmPlayground(learners, tasks, demos, task=3)
    with pytest.raises(ValueError, match="steps"):
        ArmPlayground(learners, tasks, demos, steps=9)
