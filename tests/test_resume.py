"""Resumable meta-training (lesson_lib.resume through meta_train's `resume=`): a run stopped part
way and continued in a fresh process state ends bit-identical to an uninterrupted run of the same
seed: weights, optimizer state, losses and evaluations. Made for every kind of learner state:
Adam's moments (MAML), Reptile's own iteration counter, a cosine schedule (MAML++); and on the
XLA path (the one long runs take) as on the vectorized one."""

import numpy as np
import pytest

from lesson_lib.recipes import sinusoid as recipes
from lesson_lib.tasks import Sinusoid
from lesson_lib.training import meta_train


def run(name, iterations, resume=None, stop_after=None, path="auto"):
    """Train a fresh learner on a fresh family; with stop_after, first train that far and start over
    from the saved state with new objects (what a new process does)."""
    if stop_after is not None:
        meta_train(recipes.learner(name), Sinusoid(seed=1), stop_after, meta_batch=4, K=5, eval_every=3,
                   resume=resume, save_every=2, progress=False, path=path)
    learner, tasks = recipes.learner(name), Sinusoid(seed=1)
    history = meta_train(learner, tasks, iterations, meta_batch=4, K=5, eval_every=3, resume=resume,
                         save_every=2, progress=False, path=path)
    return learner, history


@pytest.mark.parametrize("name,path", [("MAML", "auto"), ("Reptile", "auto"), ("MAML++", "auto"),
                                       ("MAML", "xla")])
def test_interrupted_and_resumed_equals_uninterrupted(tmp_path, name, path):
    straight, history = run(name, 9, path=path)
    resumed, continued = run(name, 9, resume=tmp_path / "state.npz", stop_after=5, path=path)
    assert history.path == continued.path == ("xla" if path == "xla" else "vectorized")
    assert continued.iterations == list(range(1, 10)) == history.iterations
    assert continued.losses == history.losses
    assert [e[0] for e in continued.evaluations] == [3, 6, 9]
    # every run is recorded: the uninterrupted one, and the stopped one with its resume
    assert [(r["first"], r["last"], r["stopped"]) for r in history.runs] == [(1, 9, "finished")]
    assert [(r["first"], r["last"], r["stopped"]) for r in continued.runs] == [(1, 5, "finished"),
                                                                            (6, 9, "finished")]
    assert sum(r["seconds"] for r in continued.runs) == pytest.approx(continued.seconds, abs=0.2)
    np.testing.assert_equal([e[2] for e in continued.evaluations], [e[2] for e in history.evaluations])
    for key, value in straight.get_state().items():
        np.testing.assert_array_equal(resumed.get_state()[key], value, err_msg=key)
    if hasattr(straight, "optimizer"):
        for a, b in zip(straight.optimizer.variables, resumed.optimizer.variables, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_finished_run_is_not_trained_again(tmp_path):
    state = tmp_path / "state.npz"
    _, first = run("MAML", 4, resume=state)
    learner, again = run("MAML", 4, resume=state)
    assert again.losses == first.losses and len(again.losses) == 4


def test_a_state_of_another_learner_is_refused(tmp_path):
    state = tmp_path / "state.npz"
    run("MAML", 2, resume=state)
    with pytest.raises(ValueError, match="written for 'MAML'"):
        run("Reptile", 4, resume=state)


@pytest.mark.slow  # about a minute: two tiny bench runs
def test_bench_resume_continues_a_stopped_run(tmp_path):
    """`bench language --resume DIR` (the same option as `bench omniglot`): a second run with a larger
    budget continues from the state the first one left, keeping its losses; the manifest lists both
    runs."""
    import json

    from lesson_lib import bench
    from lesson_lib.recipes import language

    state = tmp_path / language.checkpoint_name("ProtoNet").replace(".npz", ".state.npz")
    common = ["language", "--learners", "ProtoNet", "--test-episodes", "5", "--resume", str(tmp_path),
              "--save-dir", str(tmp_path)]
    bench.main([*common, "--iterations", "2"])
    with np.load(state) as saved:
        first = json.loads(str(saved["about"]))["history"]["losses"]
    bench.main([*common, "--iterations", "4"])
    with np.load(state) as saved:
        second = json.loads(str(saved["about"]))["history"]["losses"]
    manifest = json.loads((tmp_path / language.checkpoint_name("ProtoNet")).with_suffix(".json").read_text())
    assert len(first) == 2 and len(second) == 4 and second[:2] == first
    assert manifest["iterations"] == 4
    assert [(r["first"], r["last"]) for r in manifest["runs"]] == [(1, 2), (3, 4)]
